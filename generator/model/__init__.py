"""The site model: frozen records that every stage after loading reads."""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from datetime import date
from enum import StrEnum
from pathlib import Path
from typing import Any, Mapping


class Folder(StrEnum):
    """What a document is, by where it sits below ``content/<lang>/``."""

    HOME = "home"
    """``index.md``: the home page's introduction."""
    ARTICLES = "articles"
    PAGES = "pages"
    RESOURCES = "resources"
    """Fact sheets and other resources."""


#: Content folders below ``content/<lang>/``.
KINDS = (Folder.ARTICLES, Folder.PAGES, Folder.RESOURCES)


class PageKind(StrEnum):
    """What an HTML page of the output is (templates compare it with these words)."""

    CHOOSER = "chooser"
    """The root language chooser."""
    HOME = "home"
    ARTICLES = "articles"
    """The index of a language's articles (as are the three below, of their section)."""
    RESOURCES = "resources"
    FACTS = "facts"
    TAGS = "tags"
    ARTICLE = "article"
    PAGE = "page"
    RESOURCE = "resource"
    FACT = "fact"
    TAG = "tag"
    SEARCH = "search"
    """A language's search page (with site.yaml's ``search``, the default)."""
    NOT_FOUND = "not_found"

FORMATS = ("number", "percent", "compact", "year", "text")
QUALIFIERS = ("more_than", "less_than", "about", "up_to")
#: Which way a figure shown rounded may go so that its qualifier stays true: "more than 2.4 million" for
#: 2,460,000 (not 2.5), "less than 1.3 million" for 1,240,000 (not 1.2); otherwise to the nearest.
ROUNDING = {"more_than": "down", "less_than": "up", "up_to": "up"}


@dataclass(frozen=True, slots=True)
class Language:
    """One language of the site."""

    code: str
    """Short code used in URLs and folders, e.g. ``fr``."""
    name: str
    """Name of the language in itself, e.g. ``Français``."""
    locale: str
    """CLDR locale for numbers and dates, e.g. ``fr_FR``."""
    dir: str = "ltr"
    """Writing direction from CLDR: ``rtl`` for ``ar``, else ``ltr`` (the pages' ``dir`` attribute)."""


@dataclass(frozen=True, slots=True)
class HelpContact:
    """A help or reporting service shown in footers and on the help page."""

    name: Mapping[str, str]
    """Name per language."""
    purpose: Mapping[str, str]
    """What it is for, per language (may be empty)."""
    hours: Mapping[str, str]
    """Opening hours per language (may be empty)."""
    region: Mapping[str, str]
    """Country or region heading per language (may be empty)."""
    phone: str | None
    """Number to dial, as written (``tel:`` link built from it)."""
    url: str | None
    """Web address."""
    languages: tuple[str, ...]
    """Languages whose pages show it; empty means all."""
    urgent: tuple[str, ...]
    """Languages whose every page shows it in the footer (``urgent: true`` means all its languages)."""
    last_checked: date | None
    """When a person last checked the number and address."""
    line: int
    """Line in site.yaml where the entry starts."""


@dataclass(frozen=True, slots=True)
class Colors:
    """Colours of the cards and theme accents."""

    background: str = "#1d3557"
    foreground: str = "#ffffff"
    accent: str = "#ffd166"
    line: int | None = field(default=None, compare=False)
    """The line of ``colors`` in site.yaml, for the contrast error (not a colour)."""


@dataclass(frozen=True, slots=True)
class SiteConfig:
    """Everything site.yaml says, with defaults filled in."""

    root: Path
    """The site folder."""
    title: Mapping[str, str]
    description: Mapping[str, str]
    base_url: str
    """Absolute URL ending with ``/``."""
    languages: tuple[Language, ...]
    default_language: str
    sections: Mapping[str, Mapping[str, str]]
    """Section key (articles, facts, resources, tags, search) → language → URL segment."""
    quick_exit_url: str
    help: tuple[HelpContact, ...]
    allow_html: bool
    publisher: Mapping[str, str]
    licence: Mapping[str, str]
    """``name`` and ``url`` of the content licence."""
    colors: Colors
    featured_facts: tuple[str, ...]
    """Fact ids featured on the home pages; empty means all."""
    stale_after_years: int
    help_stale_after_days: int
    csp_meta: bool = False
    """Also write the Content-Security-Policy in a ``<meta http-equiv>`` of every page (hosts without headers)."""
    compress: bool = True
    """Write ``.br`` and ``.gz`` copies beside text files (see `generator.output.compress`)."""
    page_budget_kib: int = 100
    """Warn when a first visit of a kind of page transfers more, compressed (0: no budget)."""
    feed_entries: int = 100
    """The newest articles each language's feed holds (0: every one)."""
    search: bool = True
    """A search page per language and a Pagefind index of the output (see `generator.output.search`)."""
    featured_line: int | None = field(default=None, compare=False)
    """The line of ``featured_facts`` in site.yaml, for the messages about the figures it names (not a setting)."""

    @property
    def base_path(self) -> str:
        """Return the path part of base_url (``/`` for a site at the root of its domain)."""
        from urllib.parse import urlsplit

        return urlsplit(self.base_url).path or "/"

    @property
    def codes(self) -> tuple[str, ...]:
        """Return the language codes in site order."""
        return tuple(lang.code for lang in self.languages)

    def language(self, code: str) -> Language:
        """Return the language with this code."""
        for lang in self.languages:
            if lang.code == code:
                return lang
        raise KeyError(code)


@dataclass(frozen=True, slots=True)
class Document:
    """A Markdown article, page or resource in one language."""

    source: Path
    """Absolute path of the file."""
    rel: str
    """Path below ``content/`` as POSIX, e.g. ``fr/articles/records-2021.md``."""
    lang: str
    kind: Folder
    key: str
    """Translation key: ``translation_key`` or the path below the language folder."""
    title: str
    date: date | None
    summary: str
    slug: str
    tags: tuple[str, ...]
    draft: bool
    content_warning: str
    """Empty when the page has none."""
    facts: tuple[str, ...]
    """Ids of figures to feature."""
    factsheet: bool
    audience: tuple[str, ...]
    body: str
    body_line: int
    """Line number in the file of the body's first line."""
    layout: str = ""
    """Template to use instead of the kind's default (e.g. ``help``)."""
    description: str = ""
    """For search engines and link previews when they should read something else than the summary."""
    embeds: tuple[str, ...] = ()
    """Ids of the figures embedded in the body with ``{{< fact ID >}}``, in order."""
    lines: Mapping[str, int] = field(default_factory=dict)
    """Front matter key → its line in the file, for messages about a key."""
    meta: Mapping[str, Any] = field(default_factory=dict)
    """Other front matter keys, for templates."""

    def __reduce__(self) -> tuple[Any, ...]:
        # The documents' cache pickles every document. CPython keeps the UTF-8 bytes it makes of a str
        # that is not all ASCII inside that str for as long as it lives: pickled as it is, every body
        # would be held twice through the rest of the build. It travels as UTF-8 made here instead.
        state = {f.name: getattr(self, f.name) for f in fields(self)}
        state["body"] = self.body.encode("utf-8")
        return (_document, (state,))


def _document(state: dict[str, Any]) -> Document:
    """Return the document `Document.__reduce__` pickled."""
    return Document(**{**state, "body": state["body"].decode("utf-8")})


@dataclass(frozen=True, slots=True)
class FactSource:
    """Where a figure comes from."""

    publisher: str
    title: Mapping[str, str]
    url: str
    date: str
    """ISO date, possibly partial: ``2022``, ``2022-05`` or ``2022-05-25``."""


@dataclass(frozen=True, slots=True)
class Fact:
    """One key figure, in every language."""

    id: str
    source_path: Path
    value: int | float | str
    format: str
    qualifier: str | None
    label: Mapping[str, str]
    context: Mapping[str, str]
    note: Mapping[str, str]
    source: FactSource
    slug: Mapping[str, str]
    tags: tuple[str, ...]
    alt: Mapping[str, str] = field(default_factory=dict)
    """Optional alt text per language for the card images."""
    exact: int | float | None = None
    """The figure as the source gives it, or as worked out from it, before rounding (``72.3`` shown as 72 %)."""
    as_of: str | None = None
    """ISO date, possibly partial (``2022-05``), that the figure describes: shown as "as of May 2022"."""


@dataclass(frozen=True, slots=True)
class Content:
    """What the loaders read from the site folder."""

    config: SiteConfig
    documents: tuple[Document, ...]
    facts: Mapping[str, Fact]


@dataclass(frozen=True, slots=True)
class Alternate:
    """The same page in another language, or where to go when it is missing."""

    lang: str
    url: str
    translated: bool
    """False when the page does not exist in that language (url is then a section index or the home)."""
    fallback: str = ""
    """Where an untranslated page's link leads: ``section`` or ``home`` (empty when translated)."""


@dataclass(frozen=True, slots=True)
class Page:
    """One HTML page of the output."""

    url: str
    """Site-absolute URL, e.g. ``/fr/articles/slug/``."""
    lang: str
    kind: PageKind
    template: str
    title: str
    group: str
    """Translation group: pages of one group are the same page in other languages."""
    doc: Document | None = None
    fact: Fact | None = None
    items: tuple[Any, ...] = ()
    """Documents or facts listed on an index page."""
    tag: str = ""
    indexed: bool = False
    """In the search index (an article, page, fact sheet or figure of a site with search; never a draft or a
    page dated later, even in a build with ``--drafts``)."""


@dataclass(frozen=True, slots=True)
class Site:
    """The whole site, assembled and checked, ready to render."""

    config: SiteConfig
    documents: tuple[Document, ...]
    """Published documents (no drafts or future dates unless asked)."""
    facts: Mapping[str, Fact]
    pages: tuple[Page, ...]
    groups: Mapping[str, Mapping[str, Page]]
    """Translation group → language → page."""
    doc_pages: Mapping[str, Page]
    """Document ``rel`` → its page."""
    fact_pages: Mapping[tuple[str, str], Page]
    """(fact id, language) → fact page."""
    cited_by: Mapping[str, tuple[Document, ...]]
    """Fact id → documents that feature or embed it."""
    tags: Mapping[str, Mapping[str, tuple[Document, ...]]]
    """Language → tag slug → documents."""
    tag_slugs: Mapping[str, Mapping[str, str]] = field(default_factory=dict)
    """Language → tag as written → its slug (two different tags never share one)."""


@dataclass(frozen=True, slots=True)
class OutputFile:
    """One file of the built site: where it goes and its bytes."""

    path: str
    """Relative POSIX path inside the output folder."""
    data: bytes
    origin: str = ""
    """What produced it, named when two outputs collide."""
