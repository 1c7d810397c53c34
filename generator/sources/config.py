"""site.yaml → SiteConfig, checking every key and reporting every problem at once."""

from __future__ import annotations

import logging
import re
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from babel import Locale, UnknownLocaleError

from generator.core.errors import ErrorCollector, SiteError
from generator.core.formats import language_name, text_direction
from generator.core.messages import _
from generator.model import Colors, HelpContact, Language, SiteConfig
from generator.core.paths import base_url_problem
from generator.core.phones import phone_problem
from generator.sources.schema import SLUG_RE, Reader, as_list
from generator.sources.files import entry_stat, refuse_undecodable_path
from generator.sources.yamlsource import LineDict, parse_yaml, read_text

log = logging.getLogger(__name__)

CONFIG_FILE = "site.yaml"
SECTION_KEYS = ("articles", "facts", "resources", "tags", "search")
DEFAULT_SECTIONS = {  # URL segments stay in a-z: Arabic pages use the English ones unless site.yaml names others
    "articles": {"fr": "articles", "en": "articles", "nl": "artikels", "de": "artikel", "es": "articulos",
                 "it": "articoli", "ar": "articles"},
    "facts": {"fr": "chiffres", "en": "facts", "nl": "cijfers", "de": "zahlen", "es": "cifras", "it": "dati",
              "ar": "facts"},
    "resources": {"fr": "ressources", "en": "resources", "nl": "materiaal", "de": "materialien", "es": "recursos",
                  "it": "materiali", "ar": "resources"},
    "tags": {"fr": "themes", "en": "tags", "nl": "themas", "de": "themen", "es": "temas", "it": "temi",
             "ar": "tags"},
    "search": {"fr": "recherche", "en": "search", "nl": "zoeken", "de": "suche", "es": "buscar", "it": "cerca",
               "ar": "search"},
}
TOP_KEYS = (
    "title", "description", "base_url", "languages", "language_names", "locales", "default_language",
    "sections", "quick_exit_url", "help", "allow_html", "publisher", "licence", "colors",
    "featured_facts", "facts", "help_stale_after_days", "csp_meta", "compress", "search",
    "page_budget_kib", "feed_entries",
)
HELP_KEYS = ("name", "purpose", "hours", "region", "phone", "url", "languages", "urgent", "last_checked")
LANG_RE = re.compile(r"^[a-z]{2,3}(-[a-z0-9]+)?$")
HEX_RE = re.compile(r"^#[0-9a-fA-F]{6}$")


def _quick_exit(r: Reader, *addresses: str | None) -> str:
    """Return where the quick-exit button leads: away from the site (its ``addresses``: site.yaml's base_url,
    and the preview's or --base-url's), to one that shows nothing about abuse."""
    url = r.url("quick_exit_url")
    if url is None:
        return "https://www.wikipedia.org/"
    there = (urlsplit(url).hostname or "").removeprefix("www.")
    if any(there == (urlsplit(here).hostname or "").removeprefix("www.") for here in addresses if here):
        r.fail("quick_exit_url", _("quick_exit_url leads to this site itself ({host}): the button must take the "
                                   "visitor away, to a site that shows nothing about abuse, e.g. "
                                   "https://www.wikipedia.org/").format(host=urlsplit(url).hostname))
    return url


def require_site_file(root: Path) -> None:
    """Refuse a folder without a site.yaml file: it is not a Vigie site (or the file was made a folder)."""
    path = root / CONFIG_FILE
    if path.is_dir():
        raise SiteError(_("site.yaml is a folder here; the site's settings are a file of that name: move the folder "
                          "away and write the file (or run 'vigie init DIR' to start a site)"), source=CONFIG_FILE)
    if not path.is_file():
        raise SiteError(
            _("there is no site.yaml in '{folder}', so it is not a Vigie site; "
              "check the folder, or run 'vigie init DIR' to start one").format(folder=root),
            source=CONFIG_FILE,
        )


def load_config(root: Path, base_url: str | None = None, origin: str | None = None) -> SiteConfig:
    """Read SITE/site.yaml into a SiteConfig; raise SiteErrors listing every problem.

    ``base_url`` replaces site.yaml's (``--base-url``); ``origin`` (``http://127.0.0.1:8000``, the preview's)
    replaces only its scheme, host and port: the site stays in the folder it is published in.
    """
    refuse_undecodable_path(root)  # every path of the site is made from it
    path = root / CONFIG_FILE
    found = ErrorCollector()
    if (path.exists() or path.is_symlink()) and entry_stat(path, root.resolve(), CONFIG_FILE, found) is None:
        found.raise_if_any()
    require_site_file(root)
    data = parse_yaml(read_text(path, CONFIG_FILE), CONFIG_FILE)
    if not isinstance(data, LineDict):
        raise SiteError(_("site.yaml must be a mapping of keys to values (key: value)"), source=CONFIG_FILE, line=1)
    errors = ErrorCollector()
    r = Reader(data, CONFIG_FILE, errors, "site.yaml")
    r.unknown_keys(TOP_KEYS)

    languages = _languages(r)
    codes = tuple(lang.code for lang in languages)
    default = r.string("default_language", default=codes[0] if codes else "en")
    if codes and default not in codes:
        r.fail("default_language", _("default_language '{language}' is not one of the languages ({languages})")
               .format(language=default, languages=", ".join(codes)))

    written = _base_url(r)  # checked even when --base-url (or the preview's address) replaces it
    url = base_url or written or "http://localhost:8000/"
    if base_url and (problem := base_url_problem(base_url, "--base-url")) is not None:
        errors.add(SiteError(problem))
    url = url if url.endswith("/") else url + "/"
    if origin is not None:
        url = origin.rstrip("/") + (urlsplit(url).path or "/")

    title = r.localised("title", codes, required=True, all_languages=True)
    config = SiteConfig(
        root=root,
        title=title,
        description=r.localised("description", codes) or dict(title),
        base_url=url,
        languages=languages,
        default_language=default or "en",
        sections=_sections(r, codes),
        quick_exit_url=_quick_exit(r, written, url),
        help=_help(r, codes),
        allow_html=r.boolean("allow_html", False),
        publisher=r.localised("publisher", codes) or dict(title),
        licence=_licence(r),
        colors=_colors(r),
        featured_facts=_featured(r),
        featured_line=r.line("featured_facts") if "featured_facts" in r.data else None,
        stale_after_years=_facts_settings(r),
        help_stale_after_days=r.integer("help_stale_after_days", 365, maximum=36500),
        csp_meta=r.boolean("csp_meta", False),
        compress=r.boolean("compress", True),
        search=r.boolean("search", True),
        page_budget_kib=r.integer("page_budget_kib", 100, maximum=100000),
        feed_entries=r.integer("feed_entries", 100, maximum=100000),
    )
    errors.raise_if_any()
    return config


def _base_url(r: Reader) -> str | None:
    value = r.string("base_url")
    if value is not None and (problem := base_url_problem(value, "base_url")) is not None:
        r.fail("base_url", problem)
        return None
    return value


def _featured(r: Reader) -> tuple[str, ...]:
    """Return the ids of the figures the home pages feature; one named twice is an error (it was shown twice)."""
    ids = r.strings("featured_facts")
    for fact_id in sorted({i for i in ids if ids.count(i) > 1}):
        r.fail("featured_facts", _("featured_facts names '{id}' twice; keep it once").format(id=fact_id))
    return tuple(dict.fromkeys(ids))


def _languages(r: Reader) -> tuple[Language, ...]:
    raw = r.data.get("languages")
    items = as_list(raw)
    if items is None or not items:
        r.fail("languages", _("'languages' must list the site's languages, e.g. languages: [fr, en]"))
        return (Language("en", "English", "en"),)
    names: dict[str, Any] = r.mapping("language_names") or {}
    locales: dict[str, Any] = r.mapping("locales") or {}
    result = []
    for code, line in zip(items, items.item_lines):
        if isinstance(code, bool):  # YAML 1.1 reads no (Norwegian) as false, on and yes as true
            r.errors.add(SiteError(_("YAML reads this language code as {value}: write it in quotes, e.g. \"no\" "
                                     "for Norwegian").format(value=str(code).lower()), source=r.source, line=line))
            continue
        code = str(code)
        if not LANG_RE.match(code):
            r.errors.add(SiteError(_("'{code}' is not a language code like fr or en").format(code=code), source=r.source, line=line))
            continue
        locale_id = str(locales.get(code, code))
        try:
            locale = Locale.parse(locale_id)
        except (UnknownLocaleError, ValueError):
            r.errors.add(
                SiteError(_("'{locale}' is not a locale Babel knows (try fr_FR or en_GB)").format(locale=locale_id),
                          source=r.source,
                          line=locales.line_of(code) if isinstance(locales, LineDict) else line)
            )
            locale = Locale.parse("en")
        name = str(names.get(code) or language_name(code))
        result.append(Language(code=code, name=name, locale=str(locale), dir=text_direction(str(locale))))
    if len({lang.code for lang in result}) != len(result):
        r.fail("languages", _("a language is listed twice in 'languages'"))
    return tuple(result)


def _sections(r: Reader, codes: tuple[str, ...]) -> dict[str, dict[str, str]]:
    given = r.mapping("sections") or LineDict()
    sections: dict[str, dict[str, str]] = {}
    for key in given:
        if key not in SECTION_KEYS:
            r.errors.add(SiteError(_("unknown section '{key}'; sections are {sections}").format(
                key=key, sections=", ".join(SECTION_KEYS)),
                                   source=r.source, line=given.line_of(key)))
    sub = Reader(given, r.source, r.errors, "sections")
    for key in SECTION_KEYS:
        names = sub.localised(key, codes)
        merged = {code: names.get(code) or DEFAULT_SECTIONS[key].get(code, DEFAULT_SECTIONS[key]["en"]) for code in codes}
        for code, segment in merged.items():
            if not SLUG_RE.match(segment):
                sub.fail(key, _("section name '{name}' must use only a-z, 0-9 and hyphens (no '/' or spaces)")
                         .format(name=segment))
        sections[key] = merged
    for code in codes:
        seen: dict[str, str] = {}
        for key in SECTION_KEYS:
            segment = sections[key][code]
            if segment in seen:
                r.fail("sections", _("sections '{first}' and '{second}' share the URL segment '{segment}' in {language}")
                       .format(first=seen[segment], second=key, segment=segment, language=code))
            seen[segment] = key
    return sections


def _help(r: Reader, codes: tuple[str, ...]) -> tuple[HelpContact, ...]:
    raw = r.data.get("help")
    if raw is None:
        return ()
    items = as_list(raw)
    if items is None:
        r.fail("help", _("'help' must be a list of contacts (each starting with '- name: …')"))
        return ()
    contacts = []
    for item, line in zip(items, items.item_lines):
        if not isinstance(item, LineDict):
            r.errors.add(SiteError(_("each help contact must be a mapping with name, phone or url"), source=r.source,
                                   line=line))
            continue
        c = Reader(item, r.source, r.errors, _("a help contact"))
        c.unknown_keys(HELP_KEYS)
        phone = c.string("phone")
        url = c.url("url")
        if "phone" not in item and "url" not in item:
            r.errors.add(SiteError(_("a help contact needs a 'phone' or a 'url'"), source=r.source, line=item.line))
        if phone is not None and (problem := phone_problem(phone)) is not None:
            c.fail("phone", problem)
            phone = None
        langs = c.strings("languages")
        for code in langs:
            if code not in codes:
                c.fail("languages", _("help contact language '{code}' is not a site language").format(code=code))
        name = c.localised("name", codes, required=True)
        unnamed = [code for code in (langs or codes) if name and code not in name]
        if unnamed:  # else its pages would show it under another language's name
            c.fail("name", _("the help contact '{name}' has no name in {languages}, where it is shown; add "
                             "'{language}: …' under name, or show it only in its languages with "
                             "'languages: [{written}]'").format(
                name=next(iter(name.values())), languages=", ".join(unnamed), language=unnamed[0],
                written=", ".join(code for code in (langs or codes) if code in name)))
        contacts.append(
            HelpContact(
                name=name,
                purpose=c.localised("purpose", codes),
                hours=c.localised("hours", codes),
                region=c.localised("region", codes),
                phone=phone,
                url=url,
                languages=langs,
                urgent=_urgent(c, langs or codes),
                last_checked=c.date_value("last_checked"),
                line=item.line,
            )
        )
    return tuple(contacts)


def _urgent(c: Reader, shown_in: tuple[str, ...]) -> tuple[str, ...]:
    """Return the languages whose footers show a contact: ``urgent: true``, or a list such as [fr]."""
    value = c.data.get("urgent", False)
    if value is True:
        return shown_in
    if value is False or value is None:
        return ()
    langs = c.strings("urgent")
    for code in langs:
        if code not in shown_in:
            c.fail("urgent", _("urgent lists '{code}', but this contact is not shown on '{code}' pages; "
                               "write true, false, or a list of its languages such as [fr]").format(code=code))
    return langs


def _licence(r: Reader) -> dict[str, str]:
    licence = r.mapping("licence")
    if licence is None:
        return {"name": "CC BY 4.0", "url": "https://creativecommons.org/licenses/by/4.0/"}
    sub = Reader(licence, r.source, r.errors, "licence")
    sub.unknown_keys(("name", "url"))
    return {"name": sub.string("name", default="CC BY 4.0") or "", "url": sub.url("url") or ""}


def _colors(r: Reader) -> Colors:
    colors = r.mapping("colors")
    if colors is None:
        return Colors()
    sub = Reader(colors, r.source, r.errors, "colors")
    sub.unknown_keys(("background", "foreground", "accent"))
    values = {}
    for key in ("background", "foreground", "accent"):
        value = sub.string(key)
        if value is None:
            continue
        if not HEX_RE.match(value):
            sub.fail(key, _("colour '{key}' must be written like \"#1d3557\" (in quotes)").format(key=key))
            continue
        values[key] = value.lower()
    return Colors(**values, line=r.line("colors"))


def _facts_settings(r: Reader) -> int:
    facts = r.mapping("facts")
    if facts is None:
        return 3
    sub = Reader(facts, r.source, r.errors, "facts")
    sub.unknown_keys(("stale_after",))
    return sub.integer("stale_after", 3, maximum=100)

