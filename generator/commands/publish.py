"""`vigie check --publish`: what must not go online yet.

A site made with ``vigie init`` builds at once, so placeholders go online
without a word unless something looks for them. This module finds:

- ``base_url`` still an example address (``example.org``, ``example.com``,
  ``*.example``, ``*.test``, ``*.invalid``, ``localhost``);
- text that ``vigie init`` or ``vigie new`` wrote and nobody changed: the site's
  title, description and publisher, a page's text or summary, the sample
  figure, a figure text, a help contact never checked;
- a figure whose value is still the template's;
- ``TODO`` markers left in anything published;
- a page that is a draft in one language but published in another.

What ``init`` and ``new`` write is not listed here: it is made by running them
(`Starter.made`) in a temporary folder, in every language Vigie speaks, so
the comparison keeps working whatever the starter files say. Texts are
compared with their whitespace and line endings normalised.
"""

from __future__ import annotations

import logging
import re
import tempfile
from dataclasses import dataclass, field
from datetime import date
from functools import cached_property, lru_cache
from pathlib import Path
from typing import Any, Iterator, Mapping
from urllib.parse import urlsplit

from generator.commands.check import fact_lines
from generator.core.errors import ErrorCollector, SiteError, SiteErrors
from generator.core.formats import language_name
from generator.core.messages import UI_LANGUAGES, _, activate, active_language, ngettext
from generator.model import Document, Fact, Site, SiteConfig
from generator.sources.config import CONFIG_FILE, load_config
from generator.sources.content import load_documents
from generator.sources.facts import load_facts
from generator.sources.yamlsource import LineDict, parse_yaml, read_text

log = logging.getLogger(__name__)

#: The word that marks text still to write, in every language (``TODO: translate – …``).
MARKER = "TODO"
#: Domains kept for examples and tests (RFC 2606, RFC 6761): never a published site's address.
EXAMPLE_DOMAINS = ("example.org", "example.com", "example.net")
RESERVED_SUFFIXES = ("example", "test", "invalid", "localhost")
#: The texts of a figure compared with what init and new wrote, in file order.
FACT_TEXT_FIELDS = ("label", "context", "note", "source.title", "alt")


def normalised(text: str) -> str:
    """Return a text with every run of whitespace (line ends included) as one space, trimmed."""
    return " ".join(text.split())


def is_marker(text: str) -> bool:
    """Return whether a placeholder is a marker found inside other text (``TODO``, ``À FAIRE``), not a whole text.

    A marker is one to three words in capitals; anything else is a text that is a placeholder only as a whole.
    """
    words = normalised(text).split()
    return 0 < len(words) <= 3 and text == text.upper() and any(c.isalpha() for c in text)


@dataclass(frozen=True, slots=True)
class Problem:
    """Something that must not go online, where it is, and what it makes moot.

    ``covers`` is ``file`` when the whole file is a placeholder (other warnings
    about it are moot), ``line`` when the item on that line is one, else empty.
    """

    path: str
    line: int | None
    message: str
    kind: str
    covers: str = ""


# -- what init and new write ----------------------------------------------------------------------


@dataclass(frozen=True)
class Starter:
    """Everything ``vigie init`` and ``vigie new`` write, as the site loaders read it back."""

    bodies: frozenset[str] = frozenset()
    """Page texts (normalised)."""
    summaries: frozenset[str] = frozenset()
    titles: frozenset[str] = frozenset()
    site_texts: frozenset[str] = frozenset()
    """site.yaml's title, description and publisher in every language."""
    fact_texts: frozenset[str] = frozenset()
    """Every text of the ``new fact`` template (the sample figure's are a real figure's)."""
    sample_facts: frozenset[tuple[str, ...]] = frozenset()
    """What each sample figure says (`_fact_signature`)."""
    template_values: frozenset[str] = frozenset()
    """The value ``vigie new fact`` writes."""
    help_contacts: frozenset[tuple[str, str]] = frozenset()
    """(phone or url, name) of each help contact."""
    paragraphs: frozenset[str] = frozenset()
    """Placeholder paragraphs and phrases the scaffold itself names (`scaffold.placeholder_texts`)."""
    markers: frozenset[str] = frozenset({MARKER})
    complete: bool = True
    """False when a starter site could not be made in some language (then it is not kept, see `kept`)."""

    @staticmethod
    def kept(cache: Path | None) -> Starter:
        """Return `made`, kept in the site's cache folder ``cache`` between builds.

        Making it takes a fifth of a second, on every build that prints its summary; what it holds depends
        only on Vigie's own code and catalogs, so it is kept by their digest (a new Vigie makes it again).
        """
        if cache is None:
            return Starter.made()
        from generator.build import code_digest
        from generator.core.cache import Store

        store = Store(cache / "starter.pickle")
        key = code_digest()
        found = store.get(key)
        if isinstance(found, Starter):
            return found
        made = Starter.made()
        if made.complete:
            store.put(key, made)
            store.save()
        return made

    @staticmethod
    @lru_cache(maxsize=1)
    def made() -> Starter:
        """Run ``init`` and ``new`` in a temporary folder, in every UI language, and read back what they wrote."""
        from generator.commands import scaffold

        found: dict[str, set[Any]] = {name: set() for name in (
            "bodies", "summaries", "titles", "site_texts", "fact_texts", "sample_facts", "template_values",
            "help_contacts", "paragraphs", "markers")}
        found["markers"].add(MARKER)
        prefix = scaffold.TRANSLATE_PREFIX.split(":")[0].split()
        if prefix:
            found["markers"].add(prefix[0])
        found["markers"] |= {normalised(text) for text in scaffold.placeholder_markers() if normalised(text)}
        for text in scaffold.placeholder_texts():
            if normalised(text):
                found["markers" if is_marker(text) else "paragraphs"].add(normalised(text))
        for key in ("site_texts", "fact_texts"):  # a text the scaffold names is one wherever it is
            found[key] |= found["paragraphs"]
        speaking = active_language()
        day = date(2000, 1, 1)
        complete = True
        quiet = logging.getLogger(scaffold.__name__)  # its "created …" lines are about a throwaway folder
        level = quiet.level
        quiet.setLevel(max(level, logging.INFO))
        try:
            with tempfile.TemporaryDirectory(prefix="vigie-starter-") as tmp:
                for ui in UI_LANGUAGES:
                    activate(ui)
                    try:
                        _read_starter(scaffold, Path(tmp) / ui, day, found)
                    except (SiteError, SiteErrors, OSError) as exc:  # a bug in the starter: check what can be
                        complete = False
                        log.warning("%s", _("could not make a starter site to compare with ({problem}); placeholders "
                                                  "are not all found").format(problem=exc))
        finally:
            activate(speaking)
            quiet.setLevel(level)
        return Starter(**{name: frozenset(values) for name, values in found.items()}, complete=complete)


def _read_starter(scaffold: Any, root: Path, day: date, found: dict[str, set[Any]]) -> None:
    """Make a starter site and one page of each kind and a figure with ``new``; add what they wrote to ``found``."""
    scaffold.init_site(root, today=day)
    config = load_config(root)
    errors = ErrorCollector()
    starter_facts = load_facts(config, errors)
    for fact in starter_facts.values():
        found["sample_facts"].add(_fact_signature(fact))
    for texts in (config.title, config.description, config.publisher):
        found["site_texts"].update(normalised(t) for t in texts.values() if normalised(t))
    for contact in config.help:
        found["help_contacts"].add(_contact_signature(contact.phone, contact.url, contact.name))
    codes = list(config.codes)
    for number, kind in enumerate(sorted(scaffold.FOLDERS)):
        for code in codes:
            others = [c for c in codes if c != code]
            scaffold.new_document(root, kind, f"Vigie starter {kind} {number} {code}", lang=code, translate=others,
                                  today=day)
    scaffold.new_fact(root, "vigie-starter-figure", today=day)
    for doc in load_documents(config, errors):
        found["titles"].add(normalised(doc.title))
        if normalised(doc.body):
            found["bodies"].add(body_key(doc))
        if normalised(doc.summary):
            found["summaries"].add(normalised(doc.summary))
    for fact in load_facts(config, errors).values():
        if fact.id in starter_facts:
            continue  # the sample is a real figure: its publisher and source may well be an editor's too
        for _name, text in _fact_fields(fact):
            if normalised(text):
                found["fact_texts"].add(normalised(text))
        found["template_values"].add(str(fact.value))


def body_key(doc: Document) -> str:
    """Return a page's text as compared with the starter's: normalised, its own title and date left out.

    ``vigie new`` may one day repeat the title or the day in the text it writes: a
    page is still untouched when only those differ.
    """
    text = doc.body
    if len(doc.title.strip()) >= 4:
        text = text.replace(doc.title.strip(), "\x00title\x00")
    if doc.date is not None:
        text = text.replace(doc.date.isoformat(), "\x00date\x00")
    return normalised(text)


def _fact_signature(fact: Fact) -> tuple[str, ...]:
    """Return what a figure says: its value, texts, source and date (a figure of one's own differs somewhere)."""
    texts = [f"{key}={normalised(text)}" for key, text in sorted(_fact_fields(fact))]
    return (str(fact.value), fact.format, str(fact.qualifier), str(fact.as_of), fact.source.date, *texts)


def _contact_signature(phone: str | None, url: str | None, name: Mapping[str, str]) -> tuple[str, str]:
    return phone or url or "", normalised(" / ".join(name[code] for code in sorted(name)))


def _fact_fields(fact: Fact) -> Iterator[tuple[str, str]]:
    """Yield (key as written in the file, text) for every text of a figure."""
    for name in ("label", "context", "note"):
        for code, text in getattr(fact, name).items():
            yield f"{name}.{code}", text
    yield "source.publisher", fact.source.publisher
    for code, text in fact.source.title.items():
        yield f"source.title.{code}", text
    yield "source.url", fact.source.url
    for code, text in fact.alt.items():
        yield f"alt.{code}", text


# -- the checks -----------------------------------------------------------------------------------


def example_address(url: str) -> bool:
    """Return whether a base URL's host is kept for examples (example.org, *.example, *.test, localhost …)."""
    try:
        host = (urlsplit(url).hostname or "").rstrip(".").lower()
    except ValueError:
        return False
    if any(host == d or host.endswith("." + d) for d in EXAMPLE_DOMAINS):
        return True
    return host.rsplit(".", 1)[-1] in RESERVED_SUFFIXES


@dataclass
class _Finder:
    site: Site
    starter: Starter
    all_documents: list[Document] | None
    found: list[Problem] = field(default_factory=list)

    def add(self, path: str, line: int | None, message: str, kind: str, covers: str = "") -> None:
        self.found.append(Problem(path, line, message, kind, covers))

    def markers_in(self, text: str) -> list[str]:
        if not self._any_marker.search(text):  # most texts hold none: one search instead of one per marker
            return []
        return [m for m in sorted(self.starter.markers) if re.search(rf"(?<!\w){re.escape(m)}(?!\w)", text)]

    @cached_property
    def _any_marker(self) -> re.Pattern[str]:
        """Match any marker as a whole word (the longest first)."""
        words = sorted(self.starter.markers, key=len, reverse=True)
        return re.compile(rf"(?<!\w)(?:{'|'.join(map(re.escape, words))})(?!\w)" if words else r"(?!)")


def publish_problems(site: Site, all_documents: list[Document] | None = None,
                     starter: Starter | None = None) -> list[Problem]:
    """Return everything in a loaded site that must not go online as it is.

    ``all_documents`` are the pages drafts included (read again from the
    site folder when not given), to find a page published in one language only.
    """
    finder = _Finder(site, starter or Starter.made(), all_documents)
    _check_config(finder)
    for doc in site.documents:
        _check_document(finder, doc)
    for _id, fact in sorted(site.facts.items()):
        _check_fact(finder, fact)
    _check_drafts(finder)
    return finder.found


def _local_address(url: str) -> bool:
    """Return whether an address is this computer's (a preview, not a publication)."""
    return (urlsplit(url).hostname or "") in ("localhost", "127.0.0.1", "::1")


def _config_lines(config: SiteConfig) -> LineDict | None:
    try:
        data = parse_yaml(read_text(config.root / CONFIG_FILE, CONFIG_FILE), CONFIG_FILE)
    except SiteError:
        return None
    return data if isinstance(data, LineDict) else None


def _check_config(finder: _Finder) -> None:
    config = finder.site.config
    data = _config_lines(config)
    lines: Mapping[str, int] = data.key_lines if data is not None else {}
    if example_address(config.base_url):
        finder.add(CONFIG_FILE, lines.get("base_url"), _(
            "base_url is still {url}, an address kept for examples: write the address the site will be published "
            "at, e.g. https://www.your-organisation.org/").format(url=config.base_url), "base-url")
    elif config.base_url.startswith("http://") and not _local_address(config.base_url):
        finder.add(CONFIG_FILE, lines.get("base_url"), _(
            "base_url starts with http://: the site's canonical, sharing and card addresses would send visitors "
            "over an unencrypted connection, which anyone on their network can read; publish it over https:// "
            "and write that address"), "base-url-http")
    for key, texts in (("title", config.title), ("description", config.description),
                       ("publisher", config.publisher)):
        if key not in lines:
            continue  # a default made from another key: reported there
        for code, text in texts.items():
            where = _nested_line(data, key, code) or lines.get(key)
            if normalised(text) in finder.starter.site_texts:
                finder.add(CONFIG_FILE, where, _(
                    "{key} ({language}) is still the text vigie init wrote, \"{text}\": write your own"
                ).format(key=key, language=code, text=text), "starter-text")
            elif markers := finder.markers_in(text):
                finder.add(CONFIG_FILE, where, _placeholder(markers[0], f"{key}.{code}", text), "marker")
    for contact in config.help:
        signature = _contact_signature(contact.phone, contact.url, contact.name)
        if contact.last_checked is None and signature in finder.starter.help_contacts:
            name = contact.name.get(config.default_language) or next(iter(contact.name.values()), "")
            finder.add(CONFIG_FILE, contact.line, _(
                "help contact '{name}' is still as vigie init wrote it and nobody checked it: call or visit it, "
                "then add last_checked: YYYY-MM-DD (or replace it with your own contacts)").format(name=name),
                "starter-help", covers="line")
        for texts in (contact.name, contact.purpose, contact.hours):
            for text in texts.values():
                if markers := finder.markers_in(text):
                    finder.add(CONFIG_FILE, contact.line, _placeholder(markers[0], "help", text), "marker")


def _nested_line(data: LineDict | None, key: str, code: str) -> int | None:
    inner = data.get(key) if data is not None else None
    return inner.key_lines.get(code) if isinstance(inner, LineDict) else None


def _placeholder(marker: str, where: str, text: str) -> str:
    return _("placeholder '{marker}' left in {key}: \"{text}\"; write the final text before publishing").format(
        marker=marker, key=where, text=_shorten(normalised(text)))


def _shorten(text: str, width: int = 70) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


def _check_document(finder: _Finder, doc: Document) -> None:
    shown = f"content/{doc.rel}"
    starter = finder.starter
    title_line = doc.lines.get("title")
    if normalised(doc.title) in starter.paragraphs:
        finder.add(shown, title_line, _("the {key} is still the one vigie init or vigie new wrote: write your own"
                                        ).format(key="title"), "starter-title")
    elif markers := finder.markers_in(doc.title):
        finder.add(shown, title_line, _placeholder(markers[0], "title", doc.title), "marker")
    retitled = normalised(doc.title) not in starter.titles  # a starter page kept as it was framed keeps its summary
    for key in ("summary", "description"):
        text = getattr(doc, key)
        named = normalised(text) in starter.paragraphs
        if normalised(text) and (named or (retitled and normalised(text) in starter.summaries)):
            finder.add(shown, doc.lines.get(key), _(
                "the {key} is still the one vigie init or vigie new wrote: write your own").format(key=key),
                "starter-summary")
        elif markers := finder.markers_in(text):
            finder.add(shown, doc.lines.get(key), _placeholder(markers[0], key, text), "marker")
    body = normalised(doc.body)
    if body and body_key(doc) in starter.bodies:
        finder.add(shown, doc.body_line, _(
            "this page still has the text vigie init or vigie new wrote (\"{start}\"): write your own text, "
            "or delete the file").format(start=_shorten(body, 60)), "starter-body", covers="file")
        return
    for line, paragraph in _paragraphs(doc.body):
        text = normalised(paragraph)
        if text in starter.paragraphs:
            finder.add(shown, doc.body_line + line, _(
                "this paragraph is still the one vigie init or vigie new wrote (\"{start}\"): write your own text"
            ).format(start=_shorten(text, 60)), "starter-paragraph")
        elif markers := finder.markers_in(paragraph):
            finder.add(shown, doc.body_line + line, _(
                "placeholder '{marker}' left in the text: \"{text}\"; write the final text before publishing"
            ).format(marker=markers[0], text=_shorten(text)), "marker")


def _paragraphs(body: str) -> Iterator[tuple[int, str]]:
    """Yield (line offset in the body, text) for each block of lines between blank lines."""
    start = 0
    lines: list[str] = []
    for number, line in enumerate(body.replace("\r\n", "\n").replace("\r", "\n").split("\n")):
        if line.strip():
            if not lines:
                start = number
            lines.append(line)
        elif lines:
            yield start, "\n".join(lines)
            lines = []
    if lines:
        yield start, "\n".join(lines)


def _check_fact(finder: _Finder, fact: Fact) -> None:
    shown = f"content/facts/{fact.source_path.name}"
    starter = finder.starter
    lines = fact_lines(fact, shown)
    if _fact_signature(fact) in starter.sample_facts:
        finder.add(shown, 1, _(
            "this is the sample figure vigie init wrote: replace it with a figure of your own, or delete the file "
            "(and its id where pages cite it)"), "starter-fact", covers="file")
        return
    if str(fact.value) in starter.template_values:
        finder.add(shown, lines.get("value"), _(
            "value is still the template's ({value}): write the figure your source gives").format(value=fact.value),
            "template-value")
    for key, text in _fact_fields(fact):
        line = lines.get(key) or lines.get(key.rsplit(".", 1)[0])
        if normalised(text) in starter.fact_texts:
            finder.add(shown, line, _(
                "{key} is still the text vigie init or vigie new wrote: write your own").format(key=key),
                "starter-fact-text")
        elif markers := finder.markers_in(text):
            finder.add(shown, line, _placeholder(markers[0], key, text), "marker")


def _check_drafts(finder: _Finder) -> None:
    """Report each draft whose translation is published: one language would go online without the other."""
    documents = finder.all_documents
    if documents is None:
        documents = load_documents(finder.site.config, ErrorCollector())
    groups: dict[str, list[Document]] = {}
    for doc in documents:
        groups.setdefault(doc.key, []).append(doc)
    for group in groups.values():
        published = [d for d in group if not d.draft]
        if not published or len(published) == len(group):
            continue
        other = published[0]
        for doc in group:
            if doc.draft:
                finder.add(f"content/{doc.rel}", doc.lines.get("draft"), _(
                    "this page is a draft, but its {language} version content/{path} is published: publish both "
                    "(delete draft: true here) or neither (add draft: true there)"
                ).format(language=language_name(other.lang, active_language()), path=other.rel), "draft-mismatch")


# -- for the build's summary ----------------------------------------------------------------------------


def count_for_build(site: Site, cache: Path | None = None) -> int:
    """Return how many things a build publishes that ``vigie check --publish`` refuses (0 when unsure).

    ``cache`` is the site's cache folder: the build's parsed documents (to read the drafts again
    quickly) and the starter site to compare with (`Starter.kept`).
    """
    from generator.core.cache import Store

    try:
        documents = load_documents(site.config, ErrorCollector(),
                                   Store(cache / "documents.pickle") if cache is not None else None)
        return len(publish_problems(site, documents, Starter.kept(cache)))
    except Exception:  # a note on a build that succeeded must never turn it into a failure
        log.debug("could not count what to change before publishing", exc_info=True)
        return 0


def build_note(count: int) -> str:
    """Return what the build's summary line adds when something must change before publishing (else '')."""
    if not count:
        return ""
    return ngettext("{count} thing to change before publishing (vigie check --publish lists it)",
                    "{count} things to change before publishing (vigie check --publish lists them)",
                    count).format(count=count)

