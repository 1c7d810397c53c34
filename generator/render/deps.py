"""Dependencies recorded while an output renders, and what an edit changed (for `vigie serve`).

While a page renders, a `Recorder` collects every piece of the site it reads:
the templates (extends, includes and imports too), the fields of documents,
pages, figures and site settings that templates read (`RecordingEnvironment`
sees every attribute access), the UI strings, assets and addresses the page's
functions look up, its body, its language switcher, its figures. Nothing keeps
a second, hand-written list of what a page reads: a new context entry or a new
template records itself, or is not read.

After an edit, `changed_keys` compares the previous and the new state of the
site and returns the keys whose values differ; the pages that recorded one of
them are rendered again (`incremental`), and nothing else. Keys are tuples
whose first element is a `Dep`.
"""

from __future__ import annotations

import contextvars
from contextlib import contextmanager
from enum import StrEnum
from types import MappingProxyType
from typing import Any, Callable, Iterator, Mapping

from generator.model import Document, Fact, Page, SiteConfig
from generator.render.views import FactView


class Dep(StrEnum):
    """What a recorded key names."""

    TEMPLATE = "template"
    """(name): a template file, read directly or through extends, include and import."""
    DOC = "doc"
    """(rel, field): a field of a document."""
    PAGE = "page"
    """(url, field): a field of a page (its title, kind, items…)."""
    FACT = "fact"
    """(id, lang, field): a field of a figure's view in a language (figure, label, cite…)."""
    FACT_FILE = "fact-file"
    """(id, field): a field of a figure as its file gives it."""
    FACTS = "facts"
    """(): which figures exist."""
    PAGES = "pages"
    """(): which pages exist (their addresses)."""
    STRING = "string"
    """(lang, key): a UI string."""
    ASSET = "asset"
    """(name): an asset's address."""
    CONFIG = "config"
    """(field): a setting of site.yaml."""
    BODY = "body"
    """(rel): a document's body HTML."""
    GROUP = "group"
    """(group): the pages of a translation group, by language (switchers, hreflang, group_url)."""
    DOC_URL = "doc-url"
    """(rel): the address of a document's page."""
    TAGS = "tags"
    """(lang): the tags of a language, their names and addresses."""
    SITE_PAGES = "site-pages"
    """(lang): the pages every footer links to."""
    CITED = "cited"
    """(fact id, lang): the documents of a language that cite a figure."""
    DOWNLOAD = "download"
    """(rel or lang): a fact sheet's PDF, or a language's zip of cards."""
    SITE_CARD = "site-card"
    """(lang): the site's own card."""
    SECTIONS = "sections"
    """(lang): which sections of a language have something to show (`filled_sections`)."""
    OUTPUT = "output"
    """(path): whether the build publishes a file (a body's link or image leads there: a broken link's warning)."""


Key = tuple[Any, ...]


class Recorder:
    """The keys one output read while it rendered."""

    __slots__ = ("keys",)

    def __init__(self) -> None:
        self.keys: set[Key] = set()

    def add(self, *key: Any) -> None:
        """Record one key: ``add(Dep.STRING, "fr", "nav.help")``."""
        self.keys.add(key)


_ACTIVE: contextvars.ContextVar[Recorder | None] = contextvars.ContextVar("vigie_recorder", default=None)
"""The recorder of the output rendering in this thread (templates reach it through the environment)."""


@contextmanager
def recording(recorder: Recorder | None) -> Iterator[None]:
    """Make ``recorder`` the one templates record into while the block runs (None: record nothing)."""
    token = _ACTIVE.set(recorder)
    try:
        yield
    finally:
        _ACTIVE.reset(token)


def record_attribute(recorder: Recorder, obj: Any, name: str) -> None:
    """Record a template's read of ``obj.name`` when ``obj`` is part of the site model."""
    key = _KEY_OF.get(type(obj))
    if key is not None:
        recorder.keys.add(key(obj, name))


_KEY_OF: Mapping[type, Callable[[Any, str], Key]] = MappingProxyType({
    Document: lambda obj, name: (Dep.DOC, obj.rel, name),
    Page: lambda obj, name: (Dep.PAGE, obj.url, name),
    FactView: lambda obj, name: (Dep.FACT, obj.id, obj.lang, name),
    Fact: lambda obj, name: (Dep.FACT_FILE, obj.id, name),
    SiteConfig: lambda obj, name: (Dep.CONFIG, name),
})
"""Model type → how a read of one of its fields is named."""


class _Recording:
    """Environment methods that record, when a recorder is active, what templates read."""

    def getattr(self, obj: Any, attribute: str) -> Any:
        recorder = _ACTIVE.get()
        if recorder is not None:
            record_attribute(recorder, obj, attribute)
        return super().getattr(obj, attribute)  # type: ignore[misc]

    def getitem(self, obj: Any, argument: Any) -> Any:  # filters such as sort(attribute=…) read through here
        recorder = _ACTIVE.get()
        if recorder is not None and isinstance(argument, str):
            record_attribute(recorder, obj, argument)
        return super().getitem(obj, argument)  # type: ignore[misc]

    def _load_template(self, name: str, globals: Any) -> Any:  # every road to a template: get, select, include
        recorder = _ACTIVE.get()
        if recorder is not None:
            recorder.add(Dep.TEMPLATE, name)  # a name tried and not found counts: a new file may take it
        return super()._load_template(name, globals)  # type: ignore[misc]
