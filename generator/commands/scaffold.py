"""`vigie new` and `vigie init`: files with their front matter, in the right place, that build at once.

What these files say is in two languages. Their comments are in the language
Vigie speaks (`generator.core.messages`); the text an editor replaces (the
placeholders) is in the page's language when Vigie speaks it, else in
Vigie's. Both come from Vigie's catalog. `placeholder_texts` lists every
placeholder, in every language, for `vigie check --publish`.
"""

from __future__ import annotations

import json
import logging
import textwrap
from dataclasses import dataclass
from datetime import date
from functools import cache
from pathlib import Path
from typing import Callable

import jinja2

from generator import __version__
from generator.build import today_for_build
from generator.sources.config import CONFIG_FILE, load_config
from generator.sources.content import load_documents
from generator.core.errors import CONTROL_RE, ErrorCollector, SiteError, codepoint, os_reason
from generator.core.messages import N_, UI_LANGUAGES, _, catalog
from generator.sources.facts import valid_id
from generator.sources.files import entry_stat
from generator.model import Folder, SiteConfig
from generator.core.paths import slugify
from generator.model.plan import name_problems
from generator.sources.schema import MAX_SLUG

log = logging.getLogger(__name__)

#: ``vigie new`` kind → folder below ``content/<lang>/``.
FOLDERS = {"article": "articles", "page": "pages", "factsheet": "resources"}
#: Starts the title of a translation `vigie new --translate` makes, in the translation's language
#: ("TODO : traduire – " in French); `translate_prefixes` gives it in every language.
TRANSLATE_PREFIX = N_("TODO: translate – ")
#: The body of a translation `vigie new --translate` makes ({original}: the file it translates).
TRANSLATE_BODY = N_("TODO: translate the text of {original} here.")
#: The text of a new article, page or fact sheet, one paragraph each, in the page's language.
DOCUMENT_BODY = (
    N_("Write the text here, in Markdown. Start each part with a heading line such as `## What to do`."),
    N_("To show a key figure, write {shortcode} alone on a line ({id} is the name of a file in content/facts/, "
       "without .yaml)."),
)
#: What the paragraphs of `DOCUMENT_BODY` name.
_BODY_NAMES = {"shortcode": "`{{< fact ID >}}`", "id": "ID"}
#: The summary a new page suggests (commented out), in the page's language.
SUMMARY = N_("One or two sentences shown in lists and when the page is shared")
#: The value of a new figure, which nobody should publish.
TEMPLATE_VALUE = 0
#: Where a new figure's source is, until someone says.
TEMPLATE_URL = "https://example.org/TODO-address-of-the-source"


@cache
def _gettext(lang: str) -> Callable[[str], str]:
    """Return the gettext of one language Vigie speaks."""
    return catalog(lang).gettext


def in_language(lang: str, message: str) -> str:
    """Return ``message`` in a page's language when Vigie speaks it, else in the language Vigie speaks."""
    return _gettext(lang)(message) if lang in UI_LANGUAGES else _(message)


def translate_prefixes() -> frozenset[str]:
    """Return the prefix that marks an untranslated title, in every language Vigie speaks (spaces kept)."""
    return frozenset(_gettext(lang)(TRANSLATE_PREFIX) for lang in UI_LANGUAGES)


@cache
def placeholder_markers() -> frozenset[str]:
    """Return the starts of the placeholder texts that go on with the editor's words or a file name.

    They are the marker of an untranslated title ("TODO: translate –",
    followed by the original title) and the start of a translation's
    placeholder text ("TODO: translate the text of", followed by a file
    name), in every language Vigie speaks; each is in `placeholder_texts`.
    """
    found: set[str] = set()
    for lang in UI_LANGUAGES:
        say = _gettext(lang)
        found.add(say(TRANSLATE_PREFIX).strip())
        found.add(say(TRANSLATE_BODY).split("{", 1)[0].strip())
    return frozenset(found)


@cache
def placeholder_texts() -> frozenset[str]:
    """Return every placeholder text `vigie init` and `vigie new` can write, in every language Vigie speaks.

    Each is a whole text as written, stripped of surrounding spaces: a
    paragraph of a page, a summary, a figure's label or source title, a
    name in site.yaml, the template's source address. The `placeholder_markers`
    (the start of a text that goes on with a title or a file name) are in it
    too. A text that nobody changed is one of them, or starts with a marker::

        text.strip() in placeholder_texts() or text.strip().startswith(tuple(placeholder_markers()))
    """
    found: set[str] = set(placeholder_markers())
    for lang in UI_LANGUAGES:
        say = _gettext(lang)
        found.update(say(m).format(**_BODY_NAMES) for m in DOCUMENT_BODY)
        found.update(say(m) for m in (SUMMARY, *_FACT_WORDS.values(), _PUBLISHER))
    found.add(TEMPLATE_URL)
    found.update(_starter_placeholders())
    return frozenset(text.strip() for text in found)


def yaml_string(text: str) -> str:
    """Return text as a double-quoted YAML scalar (JSON strings are valid YAML)."""
    return json.dumps(text, ensure_ascii=False)


# -- vigie new article|page|factsheet ----------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Planned:
    rel: str
    text: str


def typed_title(title: str) -> str:
    """Return a title given on the command line with its spaces, tabs and line breaks made single spaces.

    An invisible control character left in it (pasted from another program) is
    an error here: the file written would be refused by every build.
    """
    title = " ".join(title.split())
    bad = CONTROL_RE.search(title)
    if bad is not None:
        raise SiteError(_("the title holds an invisible control character ({code}); write it without, in quotes")
                        .format(code=codepoint(bad.group())))
    return title


def new_document(site: Path, kind: str, title: str, lang: str | None = None,
                 translate: list[str] | None = None, today: date | None = None) -> list[Path]:
    """Create a draft article, page or fact sheet (and its linked translations); return the files made."""
    if kind not in FOLDERS:
        raise SiteError(_("'{kind}' is not something 'vigie new' makes; use article, page, factsheet or fact")
                        .format(kind=kind))
    title = typed_title(title)
    if not title:
        raise SiteError(_('the title is empty; write it in quotes, e.g. vigie new article "Talking about screens"'))
    config = load_config(site)
    lang = lang or config.default_language
    _check_language(config, lang, "--lang")
    others: list[str] = []
    for code in translate or []:
        _check_language(config, code, "--translate")
        if code == lang:
            raise SiteError(_("--translate {code} is the language of the new file itself; "
                              "name the other language(s) to translate into").format(code=code))
        if code not in others:
            others.append(code)

    folder = FOLDERS[kind]
    slug = short_slug(title)
    if name_problems(slug):
        raise SiteError(_("a file named '{slug}' cannot exist on Windows ('{slug}' is reserved for a device); "
                          "choose another title, or give the page another slug afterwards").format(slug=slug))
    key = f"{folder}/{slug}"
    day = today or today_for_build()
    plan = [_Planned(f"content/{lang}/{folder}/{slug}.md", _document_text(kind, lang, title, slug, key, day, None))]
    for code in others:
        text = _document_text(kind, code, in_language(code, TRANSLATE_PREFIX) + title, slug, key, day, plan[0].rel)
        plan.append(_Planned(f"content/{code}/{folder}/{slug}.md", text))
    _check_clashes(config, plan, folder, slug, key, [lang, *others])
    return _write_all(site, plan)


def short_slug(title: str) -> str:
    """Return the slug of a title, cut at a hyphen to at most `MAX_SLUG` characters (a file name must fit)."""
    slug = slugify(title)
    if len(slug) <= MAX_SLUG:
        return slug
    cut = slug[:MAX_SLUG + 1].rsplit("-", 1)[0] if "-" in slug[:MAX_SLUG + 1] else slug[:MAX_SLUG]
    return cut[:MAX_SLUG].strip("-")


def _check_language(config: SiteConfig, code: str, option: str) -> None:
    if code not in config.codes:
        raise SiteError(_("{option} {code}: '{code}' is not one of the site's languages ({languages}); "
                          "use one of them, or add it to 'languages' in site.yaml").format(
                              option=option, code=code, languages=", ".join(config.codes)), source=CONFIG_FILE)


def _check_clashes(config: SiteConfig, plan: list[_Planned], folder: str, slug: str, key: str,
                   langs: list[str]) -> None:
    """Refuse to overwrite a file, or to create one whose key or address another file has."""
    for item in plan:
        if (config.root / item.rel).exists():
            raise SiteError(_("this file already exists, so nothing was created; edit it, or choose another title"),
                            source=item.rel)
    documents = load_documents(config, ErrorCollector())  # errors in other files are the build's business
    for doc in documents:
        if doc.lang not in langs or doc.kind is Folder.HOME:
            continue
        if doc.key == key:
            raise SiteError(_("{path} already has the translation key '{key}', so nothing was created; "
                              "choose another title").format(path=f"content/{doc.rel}", key=key),
                            source=f"content/{doc.rel}")
        if doc.kind == folder and doc.slug == slug:
            raise SiteError(_("{path} already uses the address slug '{slug}', so nothing was created; "
                              "choose another title").format(path=f"content/{doc.rel}", slug=slug),
                            source=f"content/{doc.rel}")
    if folder == "pages":
        for code in langs:
            if slug in {names[code] for names in config.sections.values()}:
                raise SiteError(_("a page called '{slug}' would take the address of a section ({address}); "
                                  "choose another title").format(slug=slug, address=f"/{code}/{slug}/"),
                                source=CONFIG_FILE)


def _document_text(kind: str, lang: str, title: str, slug: str, key: str, day: date, original: str | None) -> str:
    """Return a new page: front matter explained in the language Vigie speaks, text to replace in ``lang``'s."""
    lines = [
        "---",
        f"title: {yaml_string(title)}",
        f"date: {day.isoformat()}            # " + _("publication date; a future date waits until that day"),
        f"slug: {slug}   # " + _("the last part of the page's address: lowercase a-z, 0-9 and hyphens"),
        f"translation_key: {key}   # " + _("the same in every language version of this page"),
        "# summary: " + yaml_string(in_language(lang, SUMMARY)),
        "tags: []                    # " + _("e.g. [parents, reporting]"),
    ]
    if kind == "factsheet":
        lines += [
            "factsheet: true             # " + _("also printed as an A4 PDF"),
            "audience: []                # " + _("who it is for, e.g. [parents, teachers]"),
        ]
    lines += ["facts: []                   # " + _("ids of key figures to feature, e.g. [victims-identified-daily]")]
    if original is not None:
        lines += [f"# translated_from: {day.isoformat()}   # "
                  + _("date of the version of {original} you translated").format(original=original)]
    lines += ["draft: true                 # " + _("delete this line when the page is ready to publish"), "---", ""]
    if original is not None:
        lines += [in_language(lang, TRANSLATE_BODY).format(original=original), ""]
    else:
        for paragraph in DOCUMENT_BODY:
            lines += [in_language(lang, paragraph).format(**_BODY_NAMES), ""]
    return "\n".join(lines)


def _write_all(site: Path, plan: list[_Planned]) -> list[Path]:
    """Write new files (never replacing one); return their paths.

    Nothing is written when a folder on the way is one a build refuses (`_refuse_unusable_folders`).
    """
    _refuse_unusable_folders(site, plan)
    created = []
    for item in plan:
        path = site / item.rel
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            with path.open("x", encoding="utf-8", newline="\n") as handle:
                handle.write(item.text)
        except FileExistsError:
            raise SiteError(_("this file already exists; edit it, or choose another name"),
                            source=item.rel) from None
        except OSError as exc:
            raise SiteError(_("cannot create this file ({reason}); check the folder and its permissions").format(
                reason=os_reason(exc)), source=str(path)) from None
        log.debug("created %s", path)
        created.append(path)
    return created


def _refuse_unusable_folders(site: Path, plan: list[_Planned]) -> None:
    """Raise the build's own error for a folder on the way to a planned file that a build would refuse.

    A symbolic link leading outside the site (``content/en/articles -> /elsewhere``)
    would have the new file written there, out of the site, where no build reads it;
    a link leading nowhere, or a pipe where a folder should be, would fail half-way.
    Every planned file is checked before the first is written.
    """
    root = site.resolve()
    errors = ErrorCollector()
    for item in plan:
        parts = item.rel.split("/")[:-1]
        for depth in range(1, len(parts) + 1):
            rel = "/".join(parts[:depth])
            path = site / rel
            if not (path.exists() or path.is_symlink()):
                break  # made by `_write_all`, inside the site
            if entry_stat(path, root, rel, errors) is None:
                break
    errors.raise_if_any()


# -- vigie new fact ---------------------------------------------------------------------

#: The placeholder of each text of a new figure, written in each of the site's languages.
_FACT_WORDS = {
    "label": N_("TODO: what this figure counts, as a phrase that follows the number"),
    "context": N_("TODO: why this figure matters, in two or three sentences (Markdown allowed)"),
    "note": N_("TODO: a detail about the method or the period"),
    "title": N_("TODO: title of the publication"),
    "alt": N_("TODO: text of the figure's image for screen readers"),
}
_PUBLISHER = N_("TODO: publisher")


def new_fact(site: Path, fact_id: str, today: date | None = None) -> Path:
    """Create content/facts/<id>.yaml with every field, explained, and placeholders that build."""
    if not valid_id(fact_id) or name_problems(fact_id):
        raise SiteError(_("'{id}' cannot be a figure id: use lowercase a-z, 0-9 and hyphens (and not a name "
                          "Windows reserves, such as con or aux), e.g. vigie new fact victims-identified-2023")
                        .format(id=fact_id))
    config = load_config(site)
    for suffix in (".yaml", ".yml"):
        rel = f"content/facts/{fact_id}{suffix}"
        if (site / rel).exists():
            raise SiteError(_("this figure already exists, so nothing was created; edit it, or choose another id"),
                            source=rel)
    day = today or today_for_build()
    rel = f"content/facts/{fact_id}.yaml"
    return _write_all(site, [_Planned(rel, _fact_text(config, fact_id, day))])[0]


def _per_language(config: SiteConfig, field: str, indent: str = "  ") -> list[str]:
    return [f"{indent}{code}: {yaml_string(in_language(code, _FACT_WORDS[field]))}" for code in config.codes]


def comment(text: str, indent: str = "") -> str:
    """Return ``text`` as YAML comment lines of at most 100 characters, each starting with ``indent# ``.

    A line never starts with the punctuation French writes after a space (``:``, ``;``, ``?``, ``!``, ``»``).
    """
    for mark in ":;?!»":
        text = text.replace(" " + mark, "\0" + mark)
    text = text.replace("« ", "«\0")
    return textwrap.fill(text, width=100, initial_indent=indent + "# ", subsequent_indent=indent + "# ",
                         break_long_words=False, break_on_hyphens=False).replace("\0", " ")


def _fact_text(config: SiteConfig, fact_id: str, day: date) -> str:
    """Return a new figure: every field explained in the language Vigie speaks, placeholders in each language."""
    slug = slugify(fact_id)
    lines = [
        comment(_("Key figure '{id}': one figure per file, with its text in every language. It is published as "
                  "soon as this file exists: replace each TODO (vigie check lists those left) and the source "
                  "before you publish. Embed it in an article with a line of its own:").format(id=fact_id)),
        f"#   {{{{< fact {fact_id} >}}}}",
        "",
        comment(_("The figure: a number such as 12500 (no spaces), or a text shown as written.")),
        f"value: {TEMPLATE_VALUE}",
        comment(_("How to show it: number (12 500), percent (value 72 shows 72 %), compact (29397681 shows "
                  "29,4 millions), year (never grouped) or text (as written).")),
        "format: number",
        comment(_("Optional nuance before the number: more_than, less_than, about or up_to (empty: none). "
                  "A rounded figure (72.3 % shown as 72 %) needs one, usually about.")),
        "qualifier:",
        comment(_("Optional: the figure before rounding, as the source gives it or as worked out from it "
                  "(72.3); vigie check warns when it differs from the figure shown and no qualifier says so.")),
        "exact:",
        comment(_('Optional: when the figure was true, shown with it everywhere: 2022-05 reads "as of May 2022" '
                  "(a total to date, an average, a record so far).")),
        "as_of:",
        comment(_("What the figure counts, read after the number, in every language.")),
        "label:",
        *_per_language(config, "label"),
        comment(_("Optional: a few sentences of context shown on the figure's page.")),
        "context:",
        *_per_language(config, "context"),
        comment(_("Optional: a short note on the method or the period.")),
        "note:",
        *_per_language(config, "note"),
        comment(_("Where the figure comes from: every figure needs a publisher, an address and a date.")),
        "source:",
        f"  publisher: {yaml_string(_(_PUBLISHER))}",
        "  title:",
        *_per_language(config, "title", "    "),
        f"  url: {TEMPLATE_URL}",
        comment(_("Date of the publication: 2022-05-25, or 2022-05, or 2022. Figures older than facts: "
                  "stale_after years (site.yaml, default 3) are flagged by vigie check."), "  "),
        f"  date: {day.isoformat()}",
        comment(_("The last part of the figure's address in each language (lowercase a-z, 0-9, hyphens).")),
        "slug:",
        *[f"  {code}: {slug}" for code in config.codes],
        comment(_("Words to group figures by, e.g. [reports, victims].")),
        "tags: []",
        comment(_("Optional: text of the card images for screen readers (default: the figure and its label).")),
        "alt:",
        *_per_language(config, "alt"),
        "",
    ]
    return "\n".join(lines)


# -- vigie init -------------------------------------------------------------------------------


def init_site(directory: Path, today: date | None = None) -> list[Path]:
    """Create a new bilingual site folder (fr, en) that builds at once; return the files made."""
    if directory.exists():
        if not directory.is_dir():
            raise SiteError(_("this is a file, not a folder; choose a new folder name"), source=str(directory))
        if any(directory.iterdir()):
            raise SiteError(_("the folder is not empty, so nothing was created; choose a new folder name "
                              "(vigie init makes it) or an empty folder"), source=str(directory))
    day = today or today_for_build()
    plan = [_Planned(rel, text) for rel, text in starter_files(day)]
    try:
        directory.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise SiteError(_("cannot create this folder ({reason}); choose a folder you can write in").format(
            reason=os_reason(exc)), source=str(directory)) from None
    return _write_all(directory, plan)


#: The starter site `vigie init` writes: templates below ``generator/commands/starter/``.
#: A dotfile or dot-folder is stored as ``dot-NAME`` (``dot-gitignore`` → ``.gitignore``, ``dot-github/`` →
#: ``.github/``), so that no tool skips it.
#: Each file is a Jinja template with square delimiters (``[[ … ]]``, ``[% … %]``), which neither YAML
#: nor the shortcodes of a page use; it sees ``today`` (the day init runs), ``vigie_version`` (the version running init, which
#: requirements.txt pins), ``_`` (Vigie's catalog:
#: comments), ``comment`` (a paragraph as comment lines) and ``placeholder`` (a text the editor replaces,
#: written in the file's own language: see `placeholder_texts`). babel.cfg extracts its messages.
STARTER = "starter"


def _starter_sources() -> list[tuple[str, str]]:
    """Return (path in the new site, template text) for every file of the starter site, sorted."""
    from importlib.resources import files

    found: list[tuple[str, str]] = []
    stack = [(files("generator.commands") / STARTER, "")]
    while stack:
        folder, prefix = stack.pop()
        for entry in folder.iterdir():
            name = "." + entry.name.removeprefix("dot-") if entry.name.startswith("dot-") else entry.name
            if entry.is_dir():
                stack.append((entry, f"{prefix}{name}/"))
            elif entry.is_file():
                found.append((prefix + name, entry.read_text(encoding="utf-8")))
    return sorted(found)


def _render_starter(day: date, placeholder: Callable[[str], str]) -> list[tuple[str, str]]:
    env = jinja2.Environment(block_start_string="[%", block_end_string="%]",  # as in babel.cfg
                             variable_start_string="[[", variable_end_string="]]",
                             comment_start_string="[[#", comment_end_string="#]]",
                             keep_trailing_newline=True, undefined=jinja2.StrictUndefined, autoescape=False)
    env.globals.update(_=_, comment=comment, placeholder=placeholder, today=day.isoformat(),
                       vigie_version=__version__)
    return [(rel, env.from_string(text).render()) for rel, text in _starter_sources()]


def starter_files(day: date) -> list[tuple[str, str]]:
    """Return (path in the new site, text) for every file of the starter site made on ``day``, sorted."""
    return _render_starter(day, lambda text: text)


def _starter_placeholders() -> list[str]:
    """Return the texts of the starter site that its editor replaces."""
    found: list[str] = []

    def placeholder(text: str) -> str:
        found.append(text)
        return text

    _render_starter(date(2000, 1, 1), placeholder)
    return found
