"""What a first visit to each kind of page transfers, compressed, against the budget site.yaml sets.

A first visit downloads the page, its stylesheets and scripts, the fonts it
preloads, its icon and the images it does not leave for later
(``loading="lazy"``): those above the fold. Each text file counts as its
Brotli copy (`generator.output.compress`, made here when the build wrote
none), fonts and images as they are. HTTP headers, the fonts of italics (only
loaded when a page has some) and lazy images are not counted.

For each kind of page (home, article, fact…) the heaviest page of that kind
is measured: a budget holds for all of them or is reported on the worst.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Callable, Iterable, Mapping, NamedTuple, Protocol

from babel.numbers import format_decimal

from generator.core.errors import SiteError
from generator.core.messages import _, active_language
from generator.model import Page, PageKind
from generator.core.paths import output_path
from generator.output.compress import brotli_copy

#: What a first visit downloads with a page: stylesheets, scripts, preloaded fonts, icons, eager images.
_LINK_RE = re.compile(r"<link\b[^>]*>", re.I)
_SCRIPT_RE = re.compile(r"<script\b[^>]*\bsrc=\"([^\"]+)\"", re.I)
_IMG_RE = re.compile(r"<img\b[^>]*>", re.I)
_ATTR_RE = re.compile(r"\b([a-z-]+)=\"([^\"]*)\"", re.I)

#: Page kinds in the order a report lists them.
KINDS = (PageKind.HOME, PageKind.ARTICLE, PageKind.PAGE, PageKind.FACT, PageKind.RESOURCE, PageKind.ARTICLES,
         PageKind.FACTS, PageKind.RESOURCES, PageKind.TAGS, PageKind.TAG, PageKind.SEARCH, PageKind.CHOOSER, PageKind.NOT_FOUND)


@dataclass(frozen=True, slots=True)
class Weight:
    """The first visit of one page."""

    kind: PageKind
    path: str
    """The page's file, e.g. ``fr/index.html``."""
    files: tuple[tuple[str, int], ...]
    """Every file the visit downloads (the page first) and its bytes on the wire."""

    @property
    def total(self) -> int:
        """Return the bytes of the whole visit."""
        return sum(size for _, size in self.files)


def first_visit(html_path: str, read: Callable[[str], bytes | None], base_path: str = "/",
                known: dict[str, int] | None = None,
                packed_size: Callable[[str, bytes], int] | None = None) -> list[tuple[str, int]]:
    """Return each file a first visit of a page downloads, with its compressed size (missing files are left out).

    ``known`` keeps the sizes found, by path, for the next page (the style sheets and fonts most pages share).
    A file without a ``.br`` copy beside it is compressed to be weighed, by ``packed_size`` when given (a cache
    of `brotli_size`).
    """
    known = {} if known is None else known
    packed_size = packed_size or brotli_size
    html = read(html_path)
    if html is None:
        return []
    found = [(html_path, _wire_size(html_path, html, read, packed_size))]
    text = html.decode("utf-8", errors="replace")
    wanted: list[str] = []
    for tag in _LINK_RE.findall(text):
        attrs = {k.lower(): v for k, v in _ATTR_RE.findall(tag)}
        rel = attrs.get("rel", "").lower().split()
        if "stylesheet" in rel or "icon" in rel or ("preload" in rel and attrs.get("as") == "font"):
            wanted.append(attrs.get("href", ""))
    wanted += _SCRIPT_RE.findall(text)
    for tag in _IMG_RE.findall(text):
        attrs = {k.lower(): v for k, v in _ATTR_RE.findall(tag)}
        if attrs.get("loading", "").lower() != "lazy":
            wanted.append(attrs.get("src", ""))
    seen = {html_path}
    for url in wanted:
        path = _local_path(url, base_path)
        if path is None or path in seen:
            continue
        seen.add(path)
        if path not in known:
            data = read(path)
            if data is None:
                continue
            known[path] = _wire_size(path, data, read, packed_size)
        found.append((path, known[path]))
    return found


def _local_path(url: str, base_path: str) -> str | None:
    """Return the output path of a URL of the site (``/assets/a.css`` → ``assets/a.css``), or None."""
    if not url.startswith("/") or url.startswith("//"):
        return None  # another site's file (none in the theme), or a data: URL
    url = url.split("#")[0].split("?")[0]
    prefix = base_path.rstrip("/")
    if prefix and url.startswith(prefix + "/"):
        url = url[len(prefix):]
    try:
        return output_path(url)  # never a path leading out of the output folder
    except SiteError:
        return None


def _wire_size(path: str, data: bytes, read: Callable[[str], bytes | None],
               packed_size: Callable[[str, bytes], int]) -> int:
    """Return the bytes a browser that accepts Brotli receives: the .br copy when there is one."""
    written = read(path + ".br")
    if written is not None:
        return len(written)
    return packed_size(path, data)


def brotli_size(path: str, data: bytes) -> int:
    """Return the size of the ``.br`` copy the build would make of a file, or the file's own when it makes none."""
    packed = brotli_copy(path, data)
    return len(packed) if packed is not None else len(data)


class _Placed(Protocol):
    """A page as weighing it needs: its address and kind (a `Page`, or a `PagePlace`)."""

    @property
    def url(self) -> str: ...

    @property
    def kind(self) -> PageKind: ...


class PagePlace(NamedTuple):
    """A page's address and kind, without the rest of the site model (`build` lets that go before weighing)."""

    url: str
    kind: PageKind

    @classmethod
    def of(cls, page: Page) -> PagePlace:
        return cls(page.url, page.kind)


def page_weights(pages: Iterable[_Placed], read: Callable[[str], bytes | None], sizes: Mapping[str, int],
                 base_path: str = "/", packed_size: Callable[[str, bytes], int] | None = None) -> list[Weight]:
    """Return the first visit of the heaviest page of each kind, in the order of `KINDS`.

    ``sizes`` gives each output file's size (the heaviest page is the one with the largest HTML);
    ``packed_size`` is `first_visit`'s.
    """
    heaviest: dict[PageKind, tuple[int, str]] = {}
    for page in pages:
        path = output_path(page.url)
        size = sizes.get(path)
        if size is None:
            continue
        best = heaviest.get(page.kind)
        if best is None or (size, path) > best:
            heaviest[page.kind] = (size, path)
    weights = []
    known: dict[str, int] = {}
    for kind in KINDS:
        if kind in heaviest:
            path = heaviest[kind][1]
            weights.append(Weight(kind, path, tuple(first_visit(path, read, base_path, known, packed_size))))
    return weights


def kind_name(kind: PageKind) -> str:
    """Return the words for a kind of page, in the editor's language."""
    names = {
        PageKind.HOME: _("home"), PageKind.ARTICLE: _("article"), PageKind.PAGE: _("page"),
        PageKind.FACT: _("key figure"), PageKind.RESOURCE: _("fact sheet"), PageKind.ARTICLES: _("articles list"),
        PageKind.FACTS: _("key figures list"), PageKind.RESOURCES: _("resources list"),
        PageKind.TAGS: _("tags list"), PageKind.TAG: _("tag"), PageKind.CHOOSER: _("language chooser"),
        PageKind.SEARCH: _("search page"), PageKind.NOT_FOUND: _("404 page"),
    }
    return names.get(kind, kind.value)


def kib(size: int) -> str:
    """Return a size in KiB as a report writes it: ``27.8 KiB``."""
    return _("{size} KiB").format(size=format_decimal(round(size / 1024, 1), "0.0", locale=active_language()))


def weights_line(weights: Iterable[Weight]) -> str:
    """Return the one line a build prints: ``first visit, compressed: home 27.8 KiB, article 30.1 KiB…``."""
    parts = ", ".join(f"{kind_name(weight.kind)} {kib(weight.total)}" for weight in weights)
    return _("first visit, compressed: {sizes}").format(sizes=parts)


def over_budget(weights: Iterable[Weight], budget_kib: int) -> list[str]:
    """Return a sentence for each kind of page whose first visit is over the budget (0: no budget)."""
    if budget_kib <= 0:
        return []
    found = []
    for weight in weights:
        if weight.total > budget_kib * 1024:
            biggest = sorted(weight.files, key=lambda item: (-item[1], item[0]))[:2]
            found.append(_(
                "a first visit of {page} ({kind}) transfers {total}, over the budget of {budget} "
                "(page_budget_kib in site.yaml); the largest: {files}").format(
                    page=weight.path, kind=kind_name(weight.kind), total=kib(weight.total),
                    budget=kib(budget_kib * 1024), files=", ".join(f"{name} {kib(size)}" for name, size in biggest)))
    return found
