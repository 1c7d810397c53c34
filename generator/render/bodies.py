"""Markdown bodies: drafted once per text, then resolved against the site.

A body's HTML depends on its own text and on a few lookups into the site: the
address of a linked ``.md`` file, an asset's hashed name, a figure embed's HTML,
the footnote labels. `draft_body` renders the text with a numbered placeholder
for each lookup, without knowing the site; `BodyMaker.resolve` fills them in from
one site. So:

- a draft depends on nothing but its file: it is cached by its text, and can be
  made before the site is even assembled (on the spare core: `prerender`);
- what else a body depends on is recorded, not mirrored (`Body.lookups`): an edit
  elsewhere changes a body exactly when one of its lookups resolves differently.

A draft one of whose lookups does not resolve is rendered again with the site's
own resolvers, so that its errors read, with their lines, as they always have.

The placeholders are ``NUL number NUL``: content never holds a NUL character
(`yamlsource.decode_text` refuses such files).
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from enum import StrEnum
from typing import Callable, Collection, Mapping, Protocol, Sequence

from markdown_it import MarkdownIt
from markdown_it.common.utils import escapeHtml

from generator.core.cache import Store, digest
from generator.core.errors import SiteError
from generator.core.formats import left_to_right
from generator.core.messages import _
from generator.render.markup import RenderEnv, render_markdown
from generator.model import Document

log = logging.getLogger(__name__)

PLACEHOLDER_RE = re.compile("\x00([0-9]+)\x00")
#: Bumped when a draft's shape or the placeholders change (drafts are cached by text).
DRAFT_VERSION = "7"
#: The UI strings of the footnote labels (``notes``, ``back``).
LABELS = ("footnote.notes", "footnote.back")


class Lookup(StrEnum):
    """What a body asks of the site."""

    LABEL = "label"
    """A UI string of the document's language (a footnote label)."""
    LINK = "link"
    """The address of a ``.md`` file, written relative to the document."""
    ASSET = "asset"
    """The hashed address of a file in assets/."""
    FACT = "fact"
    """The HTML of a figure embed (``{{< fact ID >}}``)."""
    IMAGE = "image"
    """The HTML of an image of assets/ with its size and smaller copies (`markup.image_argument`)."""


@dataclass(frozen=True, slots=True)
class Draft:
    """A body rendered without the site: its HTML and links hold a placeholder for each lookup."""

    html: str
    anchors: frozenset[str]
    links: tuple[tuple[str, int], ...]
    relative_links: tuple[tuple[str, int], ...]
    images_without_alt: tuple[int, ...]
    lookups: tuple[tuple[Lookup, str], ...]
    """(kind, argument as written) for each placeholder number."""


@dataclass(frozen=True, slots=True)
class Body:
    """A document's body as published: its HTML, what the link checker needs, and what it depends on."""

    html: str
    anchors: frozenset[str]
    """Ids of its headings."""
    links: tuple[tuple[str, int], ...]
    """Internal links (site-absolute URL, line in the file)."""
    relative_links: tuple[tuple[str, int], ...]
    """Links and images as written that the page's address resolves (``#notes``, ``photo.png``), with lines."""
    images_without_alt: tuple[int, ...]
    """Lines of its images without a text alternative."""
    lookups: tuple[tuple[Lookup, str, str], ...]
    """(kind, argument, what it resolved to): what besides its text the body depends on."""


class Resolver(Protocol):
    """What bodies look up in one site (see `generator.render.Lookups`)."""

    def label(self, lang: str, key: str) -> str | None: ...
    def link(self, doc: Document, target: str) -> str | None: ...
    def asset(self, name: str) -> str | None: ...
    def embed(self, fact_id: str, lang: str) -> str | None: ...
    def image(self, argument: str) -> str | None: ...
    def fact_ids(self) -> Collection[str]: ...
    def right_to_left(self, lang: str) -> bool: ...


def fill(text: str, values: Sequence[str]) -> str:
    """Return ``text`` with each placeholder replaced by its value."""
    if "\x00" not in text:
        return text
    return PLACEHOLDER_RE.sub(lambda match: values[int(match.group(1))], text)


def draft_key(doc: Document, allow_html: bool) -> str:
    """Return the cache key of a document's draft: its text, where it starts, and the parser's settings."""
    return digest(DRAFT_VERSION, str(allow_html), str(doc.body_line), doc.body)


def draft_body(md: MarkdownIt, body: str, body_line: int, shown: str) -> tuple[Draft | None, list[SiteError]]:
    """Render a body with a placeholder for each lookup; None with the problems when the Markdown has any."""
    lookups: list[tuple[Lookup, str]] = []

    def ask(kind: Lookup) -> Callable[[str], str]:
        def placeholder(argument: str) -> str:
            lookups.append((kind, argument))
            return f"\x00{len(lookups) - 1}\x00"
        return placeholder

    label = ask(Lookup.LABEL)
    env = RenderEnv(source=shown, body_line=body_line, fact_html=ask(Lookup.FACT), resolve_link=ask(Lookup.LINK),
                    resolve_asset=ask(Lookup.ASSET), image_html=ask(Lookup.IMAGE), labels={"notes": label(LABELS[0]), "back": label(LABELS[1])})
    try:
        html = render_markdown(md, body, env)
    except SiteError as err:
        return None, [err, *env.errors]
    if env.errors:
        return None, env.errors
    return Draft(html, frozenset(env.anchors), tuple(env.links), tuple(env.relative_links),
                 tuple(env.images_without_alt), tuple(lookups)), []


class BodyMaker:
    """Makes the bodies of one site: drafts (from the cache when it has them), resolved with ``resolver``."""

    def __init__(self, md: MarkdownIt, allow_html: bool, resolver: Resolver, drafts: Store | None = None) -> None:
        self.md = md
        self.allow_html = allow_html
        self.resolver = resolver
        self.drafts = drafts if drafts is not None else Store(None)
        self.fresh: dict[str, Draft] = {}
        """Drafts this maker made (not from the cache nor ahead), by key: what a worker sends back to be kept."""

    def make(self, doc: Document, draft: Draft | None = None) -> tuple[Body | None, list[SiteError]]:
        """Return a document's body (from ``draft`` when given, made ahead), or None with its problems."""
        key = draft_key(doc, self.allow_html)
        if draft is None:
            draft = self.drafts.get(key)
        if draft is None:
            draft, problems = draft_body(self.md, doc.body, doc.body_line, f"content/{doc.rel}")
            if draft is None:
                return None, problems
            self.fresh[key] = draft
        self.drafts.put(key, draft)
        body = self.resolve(doc, draft)
        if body is None:  # a lookup that does not resolve: render the usual way, for messages with lines
            return self.render(doc)
        return body, []

    def resolve(self, doc: Document, draft: Draft) -> Body | None:
        """Return the body a draft makes in this site, or None when one of its lookups does not resolve."""
        raw: list[str] = []
        escaped: list[str] = []
        resolver = self.resolver
        for kind, argument in draft.lookups:
            value: str | None
            if kind is Lookup.LABEL:
                value = resolver.label(doc.lang, argument)
            elif kind is Lookup.LINK:
                value = resolver.link(doc, argument)
            elif kind is Lookup.ASSET:
                value = resolver.asset(argument)
            elif kind is Lookup.IMAGE:
                value = resolver.image(argument)
            else:
                value = resolver.embed(argument, doc.lang)
            if value is None:
                return None
            raw.append(value)
            escaped.append(value if kind in (Lookup.FACT, Lookup.IMAGE) else escapeHtml(value))  # HTML already
        html = fill(draft.html, escaped)
        if resolver.right_to_left(doc.lang):
            html = isolate_phone_numbers(html)
        return Body(html, draft.anchors, tuple((fill(url, raw), line) for url, line in draft.links),
                    draft.relative_links, draft.images_without_alt,
                    tuple((kind, argument, value) for (kind, argument), value in zip(draft.lookups, raw)))

    def render(self, doc: Document) -> tuple[Body | None, list[SiteError]]:
        """Render a body with the site's resolvers directly (every problem reported with its line)."""
        resolver = self.resolver
        lookups: list[tuple[Lookup, str, str]] = []

        def asking(kind: Lookup, find: Callable[[str], str | None]) -> Callable[[str], str | None]:
            def look(argument: str) -> str | None:
                value = find(argument)
                if value is not None:
                    lookups.append((kind, argument, value))
                return value
            return look

        labels = {}
        for name, key in zip(("notes", "back"), LABELS):
            value = resolver.label(doc.lang, key)
            if value is None:
                return None, [SiteError(_("missing UI string '{key}'; add it to this file").format(key=key),
                                        source=f"layouts/i18n/{doc.lang}.yaml")]
            lookups.append((Lookup.LABEL, key, value))
            labels[name] = value
        env = RenderEnv(source=f"content/{doc.rel}", body_line=doc.body_line,
                        fact_html=asking(Lookup.FACT, lambda fact_id: resolver.embed(fact_id, doc.lang)),
                        resolve_link=asking(Lookup.LINK, lambda target: resolver.link(doc, target)),
                        resolve_asset=asking(Lookup.ASSET, resolver.asset),
                        image_html=asking(Lookup.IMAGE, resolver.image), labels=labels,
                        fact_ids=resolver.fact_ids())
        try:
            html = render_markdown(self.md, doc.body, env)
        except SiteError as err:
            return None, [err, *env.errors]
        if env.errors:
            return None, env.errors
        if resolver.right_to_left(doc.lang):
            html = isolate_phone_numbers(html)
        return Body(html, frozenset(env.anchors), tuple(env.links), tuple(env.relative_links),
                    tuple(env.images_without_alt), tuple(lookups)), []


#: An international phone number in a text: "+34 91 123 45 67", "+44 (0)20 7946 0000", "+1-800-843-5678".
PHONE_RE = re.compile(r"(?<![\w+\u2066])\+\d{1,4}(?:[ \u00a0.()-]{1,3}\d{1,5}){2,}")
#: Where a body's text runs between its tags, and the elements whose text is left as written.
_TAG_RE = re.compile(r"(<[^>]*>)")
_VERBATIM = ("<code", "<pre", "<script", "<style")


def isolate_phone_numbers(html: str) -> str:
    """Return a right-to-left body with each international phone number in its text kept left to right.

    In an Arabic or Hebrew line, "+34 91 123 45 67" is laid out group by group from the right ("67 45 123 91
    +34"); the numbers Vigie itself shows are isolated (the ``ltr`` filter), an editor's own text is isolated
    here, the same way (and kept on one line). Code and preformatted text are left as written.
    """
    if "+" not in html:
        return html
    parts = _TAG_RE.split(html)
    verbatim = 0
    for index, part in enumerate(parts):
        if index % 2:  # a tag
            lowered = part.lower()
            if lowered.startswith(_VERBATIM):
                verbatim += 1
            elif lowered.startswith(tuple("</" + tag[1:] for tag in _VERBATIM)):
                verbatim = max(0, verbatim - 1)
        elif not verbatim and "+" in part:
            parts[index] = PHONE_RE.sub(lambda match: left_to_right(match.group()), part)
    return "".join(parts)


@dataclass(frozen=True, slots=True)
class Bodies:
    """What the bodies stage made: every body made so far, by document ``rel``."""

    by_rel: Mapping[str, Body]

    def html(self, rel: str) -> str:
        """Return a document's body HTML (empty when it has none yet)."""
        body = self.by_rel.get(rel)
        return body.html if body is not None else ""

    def __contains__(self, rel: object) -> bool:
        return rel in self.by_rel

    def adding(self, more: Mapping[str, Body]) -> Bodies:
        """Return these bodies and ``more`` (which win)."""
        return Bodies({**self.by_rel, **more}) if more else self
