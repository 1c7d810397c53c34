"""The render stages: each takes what it needs and returns an immutable result the next one receives.

`build.render_site` runs them in this order:

1. `make_bodies` — the Markdown bodies that can be made now (drafts from the cache
   or made ahead, resolved against the site); the rest are made with their pages;
2. `render_cards` and `render_site_cards` — the share images (PNG);
3. `render_press_kits` — a zip of every card per language;
4. `render_factsheets` — the A4 PDFs, from the print layout;
5. `render_pages` — every HTML page, over several cores for a large site;
6. `render_text_files` — feeds, sitemap, robots.txt and host headers.

Each returns what it made (files, and what later stages show of them: bodies,
downloads, site cards). With ``record``, pages, sheets and text files also
return what they read (`deps.Recorder`), for `vigie serve`'s updates.
"""

from __future__ import annotations

import functools
import io
import logging
import zipfile
from collections import ChainMap, deque
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import AbstractSet as Set, Any, Callable, Generic, Mapping, MutableMapping, Sequence, TypeVar, cast
from urllib.parse import unquote, urlsplit

from markdown_it.common.normalize_url import normalizeLinkText
from markupsafe import Markup

from generator.render.bodies import Bodies, Body, BodyMaker, Draft, draft_key
from generator.core.images import ImageCache, rendition_format
from generator.core.formats import isolated, list_comma
from generator.media.cards import CardCache, CardSpec
from generator.render.contexts import LISTED_SECTIONS, Contexts, Download, FactViews, SiteCard
from generator.render.deps import Dep, Key, Recorder, recording
from generator.core.errors import WARNINGS, ErrorCollector, SiteError, message_line
from generator.core.messages import _, ngettext
from generator.core.paths import link_file, missing_link_target, resolve_link
from generator.sources.i18n import Strings
from generator.model import Document, Folder, OutputFile, Page, PageKind, Site
from generator.model.plan import (CARD_SIZES, SHARE_CARD, card_path, card_renditions, factsheet_path, feed_path,
                                  page_folder, press_kit_path, site_card_path)
from generator.render.templating import render_template, warm_templates
from generator.sources.theme import theme_dirs
from generator.render.views import absolute
from generator.core.workers import map_in_processes, shared

log = logging.getLogger(__name__)

T = TypeVar("T")

Progress = Callable[[str, int, int], None] | None
"""Told (stage, done, total) as files are made (a terminal's progress line)."""
Records = Mapping[str, frozenset[Key]]
"""Output path → the keys it read while it rendered (see `deps`)."""


def counter(progress: Progress, stage: str, total: int) -> Callable[[int], None]:
    """Return a function that adds to a stage's progress and reports it."""
    done = 0

    def step(count: int) -> None:
        nonlocal done
        done += count
        if progress is not None:
            progress(stage, min(done, total), total)

    return step


# -- bodies ----------------------------------------------------------------------------------------------


def make_bodies(maker: BodyMaker, docs: Sequence[Document], ahead: Mapping[str, Draft] | None = None,
                errors: ErrorCollector | None = None, progress: Progress = None) -> Bodies:
    """Return the bodies of ``docs`` that can be made without drafting: from drafts made ahead or cached.

    With ``errors``, also draft the others (here, in this process) and record their problems there.
    """
    made: dict[str, Body] = {}
    step = counter(progress if errors is not None else None, _("markdown"), len(docs))
    cached = not maker.drafts.empty()  # a first build: no draft to look for (each key hashes a whole body)
    for doc in docs:
        step(1)
        draft = (ahead or {}).get(doc.rel)
        if draft is None and errors is None:
            draft = maker.drafts.get(draft_key(doc, maker.allow_html)) if cached else None
            if draft is None:
                continue
        body, problems = maker.make(doc, draft)
        if errors is not None:
            errors.extend(problems)
        if body is not None:
            made[doc.rel] = body
    return Bodies(made)


# -- cards, site cards, press kits ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Cards:
    """The share images of the figures: two per figure and language."""

    files: tuple[OutputFile, ...]


def card_spec(site: Site, views: FactViews, strings: Mapping[str, Strings], fact_id: str, lang: str) -> CardSpec:
    """Return what the cards of a figure in a language show."""
    view = views.view(fact_id, lang)
    config = site.config
    source_line = f"{strings[lang].get('fact.source')} {isolated(view.publisher)}{list_comma(lang)}{view.source_date}"
    return CardSpec(
        fact_id=fact_id, source_path=f"content/facts/{fact_id}.yaml", figure=view.figure, label=view.label,
        source_line=source_line, site_name=config.title[lang],
        site_url=view.abs_url.split("://", 1)[-1].rstrip("/"), colors=config.colors, lang=lang,
        as_of=view.as_of,
    )


CARD_THREADS = 2
"""Threads that draw cards and their renditions: Pillow leaves Python's lock while it encodes and resizes,
so two cards are made at once (the text itself is drawn one card at a time, see `cards._DRAWING`)."""


def render_cards(site: Site, views: FactViews, strings: Mapping[str, Strings], cache: CardCache,
                 facts: Sequence[str] | None = None, progress: Progress = None,
                 images: ImageCache | None = None) -> Cards:
    """Return the card images of ``facts`` (every figure by default) in every language, drawn or cached,
    and the share card's smaller copies that fact pages show (`plan.card_renditions`, kept in ``images``)."""
    with start_cards(site, views, strings, cache, facts, images) as underway:
        return underway.result(progress)


def start_cards(site: Site, views: FactViews, strings: Mapping[str, Strings], cache: CardCache,
                facts: Sequence[str] | None = None, images: ImageCache | None = None) -> CardsUnderway:
    """Start drawing what `render_cards` returns, in threads; `CardsUnderway.result` waits for it.

    The caller goes on meanwhile (a `vigie serve` update works out what else changed).
    """
    images = images if images is not None else ImageCache(None)
    renditions = card_renditions()
    fmt = rendition_format("PNG")
    pool = _LazyPool()
    pairs: list[tuple[str, list[tuple[str, Callable[[], bytes]]] | SiteError]] = []
    try:
        for fact_id in tuple(facts) if facts is not None else tuple(sorted(site.facts)):
            for lang in site.config.codes:
                page = site.fact_pages[(fact_id, lang)]
                try:
                    spec = card_spec(site, views, strings, fact_id, lang)
                except SiteError as err:
                    pairs.append((fact_id, err))
                    continue
                # Every card's task is queued before the renditions that wait for it: no thread waits for a
                # task no thread has taken; and the cards of a figure are drawn at once.
                # What the caches hold is read here: threads are started only for what must be drawn.
                drawn = {name: _Ready((data, None)) if (data := cache.cached(spec, size)) is not None
                         else pool.submit(cache.get_or_draw, spec, size) for name, size in CARD_SIZES.items()}
                share = drawn[SHARE_CARD]
                smaller = {small: _Ready(found) if isinstance(share, _Ready)
                           and (found := images.cached(share.result()[0], width, fmt, card=True)) is not None
                           else pool.submit(_rendition, images, share, width, fmt)  # the largest first
                           for small, width in sorted(renditions.items(), key=lambda item: -item[1])}
                made: list[tuple[str, Callable[[], bytes]]] = []
                for name in CARD_SIZES:
                    made.append((card_path(page.url, name), functools.partial(_png, drawn[name])))
                    if name == SHARE_CARD:
                        made += [(card_path(page.url, small), smaller[small].result) for small in renditions]
                pairs.append((fact_id, made))
    except BaseException:
        pool.shutdown(wait=True, cancel_futures=True)
        raise
    return CardsUnderway(pool, pairs)


class _Ready(Generic[T]):
    """A value at hand, read like a future's."""

    __slots__ = ("value",)

    def __init__(self, value: T) -> None:
        self.value = value

    def result(self) -> T:
        return self.value


class _LazyPool:
    """The card threads, started with the first card or rendition that must be made (none when all are cached)."""

    def __init__(self) -> None:
        self._pool: ThreadPoolExecutor | None = None

    def submit(self, func: Callable[..., T], *args: Any) -> Future[T]:
        if self._pool is None:
            self._pool = ThreadPoolExecutor(max_workers=CARD_THREADS, thread_name_prefix="vigie-cards")
        return self._pool.submit(func, *args)

    def shutdown(self, wait: bool = True, cancel_futures: bool = False) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=wait, cancel_futures=cancel_futures)


def _png(card: Future[tuple[bytes, Any]] | _Ready[tuple[bytes, Any]]) -> bytes:
    return card.result()[0]


def _rendition(images: ImageCache, card: Future[tuple[bytes, Any]] | _Ready[tuple[bytes, Any]], width: int,
               fmt: str) -> bytes:
    data, drawn = card.result()  # a card drawn now is resized as it is, not decoded from its PNG again
    return images.rendition(data, width, fmt, drawn, card=True)


class CardsUnderway:
    """Cards being drawn by `start_cards`; a context manager that stops the threads however the block ends."""

    def __init__(self, pool: _LazyPool,
                 pairs: list[tuple[str, list[tuple[str, Callable[[], bytes]]] | SiteError]]) -> None:
        self._pool = pool
        self._pairs = deque(pairs)

    def result(self, progress: Progress = None) -> Cards:
        """Wait for every card and return them in the order of the figures, languages and `plan.card_files`."""
        errors = ErrorCollector()
        files = []
        step = counter(progress, _("cards"), len({fact_id for fact_id, _made in self._pairs}))
        last = None
        try:
            while self._pairs:  # each figure's images let go once taken (a drawn card holds its image)
                fact_id, made = self._pairs.popleft()
                if fact_id != last:
                    step(1)
                    last = fact_id
                if isinstance(made, SiteError):
                    errors.add(made)
                    continue
                origin = f"content/facts/{fact_id}.yaml"
                try:
                    files += [OutputFile(path=path, data=result(), origin=origin) for path, result in made]
                except SiteError as err:  # the first problem of a figure in a language, as one by one
                    errors.add(err)
        finally:
            self.close()
        errors.raise_if_any()
        return Cards(tuple(files))

    def close(self) -> None:
        """Stop the threads (what is not started yet is dropped)."""
        self._pool.shutdown(wait=True, cancel_futures=True)

    def __enter__(self) -> CardsUnderway:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


@dataclass(frozen=True, slots=True)
class SiteCards:
    """The site's own card per language, for pages that feature no figure."""

    cards: Mapping[str, SiteCard]
    files: tuple[OutputFile, ...]


def site_card_spec(site: Site, lang: str) -> CardSpec:
    """Return what a language's site card shows: the title (its first part before " – "), then the rest or the
    description; the publisher and the address below."""
    config = site.config
    name, _dash, rest = config.title[lang].partition(" – ")
    return CardSpec(fact_id="site", source_path="site.yaml", figure=name, label=rest or config.description.get(lang, ""),
                    source_line=config.publisher.get(lang, ""), site_name="",
                    site_url=absolute(config, f"/{lang}/").split("://", 1)[-1].rstrip("/"),
                    colors=config.colors, lang=lang, kind="site")


def render_site_cards(site: Site, cache: CardCache) -> SiteCards:
    """Return a card per language for pages without a figure: the site's name and description.

    The title is the heading, wrapped over several lines when long. What cannot be
    drawn at all (a title of hundreds of characters, a letter the font lacks) leaves
    those pages without an image: a warning, not an error.
    """
    cards: dict[str, SiteCard] = {}
    files = []
    config = site.config
    for lang in config.codes:
        spec = site_card_spec(site, lang)
        try:
            data = cache.get_or_render(spec, CARD_SIZES[SHARE_CARD])
        except SiteError as err:
            log.warning(_("site.yaml: no site card for the {language} pages without a figure: {problem}")
                        .format(language=lang, problem=err.message))
            continue
        path = site_card_path(lang)
        sentence = f"{spec.figure}. {spec.label}" if spec.label else spec.figure
        cards[lang] = SiteCard(abs_card_url=absolute(config, "/" + path), sentence=sentence)
        files.append(OutputFile(path=path, data=data, origin="site.yaml"))
    return SiteCards(cards, tuple(files))


@dataclass(frozen=True, slots=True)
class PressKits:
    """One zip of every card per language, with a list of sources."""

    downloads: Mapping[str, Download]
    """Language → its zip."""
    files: tuple[OutputFile, ...]


def render_press_kits(site: Site, views: FactViews, cards: Sequence[OutputFile]) -> PressKits:
    """Return one zip per language with every card of that language and a list of sources."""
    downloads: dict[str, Download] = {}
    files = []
    by_path = {f.path: f for f in cards}
    config = site.config
    for lang in config.codes:
        section = site.groups["section:resources"][lang]
        entries: list[tuple[str, bytes]] = []
        sources = []
        for fact_id in sorted(site.facts):
            folder = page_folder(site.fact_pages[(fact_id, lang)].url)
            slug = site.facts[fact_id].slug[lang]
            for name in CARD_SIZES:
                card = by_path.get(folder + name)
                if card is not None:
                    entries.append((f"{slug}-{name}", card.data))
            view = views.view(fact_id, lang)
            sources.append(f"{slug}: {view.sentence}\n  {view.cite}\n")
        if not entries:
            continue
        licence = config.licence
        readme = (f"{config.title[lang]}\n{licence.get('name', '')} {licence.get('url', '')}\n\n" + "\n".join(sources))
        entries.append(("sources.txt", readme.encode("utf-8")))
        data = _zip(entries)
        path = press_kit_path(section.url, config.title[lang], lang)
        downloads[lang] = Download(url="/" + path, bytes=len(data))
        files.append(OutputFile(path=path, data=data, origin=_("press kit")))
    return PressKits(downloads, tuple(files))


def _zip(entries: list[tuple[str, bytes]]) -> bytes:
    """Return a zip archive of the entries with fixed dates, so the same cards give the same bytes."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in entries:
            info = zipfile.ZipInfo(name, date_time=(2020, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED if name.endswith(".txt") else zipfile.ZIP_STORED
            info.external_attr = 0o644 << 16
            archive.writestr(info, data)
    return buffer.getvalue()


# -- fact sheets ------------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class FactSheets:
    """The A4 PDF of every fact sheet."""

    downloads: Mapping[str, Download]
    """Document rel → its PDF."""
    files: tuple[OutputFile, ...]
    rendered: int
    """PDFs actually rendered (not taken from the cache)."""
    records: Records = field(default_factory=dict)
    warnings: tuple[tuple[str, str], ...] = ()
    """(source file, message): what a sheet prints differently from its page, the same from the cache."""


def factsheet_docs(site: Site) -> tuple[Document, ...]:
    """Return the documents that are printed as fact sheets."""
    return tuple(doc for doc in site.documents if doc.factsheet and doc.kind is Folder.RESOURCES)


def render_factsheets(contexts: Contexts, cache_folder: Path, read_only: bool = False, progress: Progress = None,
                      record: bool = False, docs: Sequence[Document] | None = None) -> FactSheets:
    """Render each fact sheet's A4 PDF from the print layout (cached by its HTML in ``cache_folder``).

    The sheets' bodies must be in ``contexts``. A sheet shows no download size: the
    PDFs are what this stage makes. ``docs`` limits it to some sheets.
    """
    site = contexts.site
    sheets = factsheet_docs(site) if docs is None else tuple(docs)
    if not sheets:
        return FactSheets({}, (), 0)
    try:  # WeasyPrint takes ~0.7 s to import, and needs the Pango system library
        from generator.media.pdf import PdfCache, print_css_context, qr_svg
    except (ImportError, OSError) as exc:
        raise SiteError(_("fact sheets need WeasyPrint and the Pango library to make PDFs ({problem}); on Debian or "
                          "Ubuntu: apt-get install libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0").format(problem=exc),
                        source=f"content/{sheets[0].rel}") from None
    errors = ErrorCollector()
    downloads: dict[str, Download] = {}
    files: list[OutputFile] = []
    records: dict[str, frozenset[Key]] = {}
    warnings: list[tuple[str, str]] = []
    root = site.config.root
    cache = PdfCache(cache_folder, allowed_dirs=theme_dirs(root, "layouts"), read_only=read_only,
                     site_url=site.config.base_url, site_files={item.path: item.data for item in contexts.assets.files})
    css_context = print_css_context()
    step = counter(progress, _("PDFs"), len(sheets))
    for doc in sheets:
        step(1)
        page = site.doc_pages[doc.rel]
        rec = Recorder() if record else None
        try:
            with recording(rec):
                ctx = contexts.page_context(page, rec)
                ctx["print_css"] = Markup(render_template(contexts.env, "print/factsheet.css", css_context, root))
                ctx["qr"] = Markup(qr_svg(ctx["canonical"]))
                html = render_template(contexts.env, "print/factsheet.html", ctx, root)
            result = cache.get_or_render(html, ctx["canonical"])
        except SiteError as err:
            errors.add(err)
            continue
        warnings.extend((f"content/{doc.rel}", warning.text()) for warning in result.warnings)
        path = factsheet_path(page.url, doc.slug)
        downloads[doc.rel] = Download(url="/" + path, bytes=len(result.data), pages=result.pages)
        files.append(OutputFile(path=path, data=result.data, origin=f"content/{doc.rel}"))
        if rec is not None:
            rec.add(Dep.DOC, doc.rel, "slug")
            records[path] = frozenset(rec.keys)
    errors.raise_if_any()
    return FactSheets(downloads, tuple(files), cache.rendered, records, tuple(warnings))


# -- pages ------------------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Pages(Generic[T]):
    """The HTML pages: what ``put`` returned for each, the bodies made with them, what each read."""

    kept: tuple[T, ...]
    bodies: Mapping[str, Body]
    """Bodies made with their pages (the others were made before)."""
    drafts: Mapping[str, Draft]
    """Draft cache key → draft, for the bodies made with their pages (to keep in the cache)."""
    records: Records
    broken: tuple[BrokenLink, ...] = ()
    """Links and images of the bodies that lead to nothing the build publishes (when ``published`` was given)."""


def render_pages(contexts: Contexts, maker: BodyMaker, put: Callable[[OutputFile], T],
                 pages: Sequence[Page] | None = None, progress: Progress = None,
                 meanwhile: Callable[[], None] | None = None, record: bool = False,
                 jobs: int | None = None, keep_bodies: bool = True,
                 published: Set[str] | None = None) -> Pages[T]:
    """Render pages over several cores for a large site, handing each file to ``put`` where it is made.

    ``put`` runs in the worker that made the file (`output.Staging.put` writes it
    there); what it returns comes back. A page whose body is not in ``contexts``
    makes it first (with ``maker``). Every Markdown and template problem is
    gathered before raising. ``meanwhile`` runs here while the workers render.
    Without ``keep_bodies`` the bodies made with their pages are not sent back (a
    build that writes its pages needs only their drafts, for the cache: at 8,000
    pages that is 60 MB less to hold). With ``published``, the output paths the
    build makes, each body's links and images are looked for among them
    (`Pages.broken`).
    """
    errors = ErrorCollector()
    todo = tuple(pages if pages is not None else contexts.site.pages)
    kept: list[T] = []
    bodies: dict[str, Body] = {}
    drafts: dict[str, Draft] = {}
    records: dict[str, frozenset[Key]] = {}
    broken: list[BrokenLink] = []
    # Compiled here once, the templates reach every forked worker compiled.
    warm_templates(contexts.env, {page.template for page in todo}, contexts.site.config.root)
    job = _PageJob(contexts, maker, todo, put, record, keep_bodies, published)
    for chunk in map_in_processes(_render_pages_chunk, range(len(todo)), job, jobs=jobs,
                                  progress=counter(progress, _("pages"), len(todo)), meanwhile=meanwhile):
        kept += chunk.kept
        bodies.update(chunk.bodies)
        drafts.update(chunk.drafts)
        records.update(chunk.records)
        errors.extend(chunk.errors)
        broken += chunk.broken
    errors.raise_if_any()
    return Pages(tuple(kept), bodies, drafts, records, tuple(broken))


@dataclass(frozen=True, slots=True)
class _PageJob(Generic[T]):
    """What forked page workers share: the contexts, the body maker, the pages (sent by index), where files go."""

    contexts: Contexts
    maker: BodyMaker
    pages: tuple[Page, ...]
    put: Callable[[OutputFile], T]
    record: bool
    keep_bodies: bool
    published: Set[str] | None


@dataclass(frozen=True, slots=True)
class _PagesDone(Generic[T]):
    kept: list[T] = field(default_factory=list)
    bodies: dict[str, Body] = field(default_factory=dict)
    drafts: dict[str, Draft] = field(default_factory=dict)
    records: dict[str, frozenset[Key]] = field(default_factory=dict)
    errors: list[SiteError] = field(default_factory=list)
    broken: list[BrokenLink] = field(default_factory=list)


def _render_pages_chunk(indexes: Sequence[int]) -> _PagesDone[Any]:
    job: _PageJob[Any] = shared()
    maker = job.maker
    done: _PagesDone[Any] = _PagesDone()
    made: dict[str, Body] = {}
    drafted_before = set(maker.fresh)
    # One set of contexts for the chunk, seeing the bodies made here as they come (not a copy per page).
    earlier = cast(MutableMapping[str, Body], job.contexts.bodies.by_rel)  # only read through the chain
    contexts = job.contexts.with_bodies(Bodies(ChainMap(made, earlier)))
    for index in indexes:
        page = job.pages[index]
        doc = page.doc
        if doc is not None and doc.rel not in contexts.bodies:
            body, problems = maker.make(doc)
            if body is None or problems:
                done.errors.extend(problems)
                continue
            made[doc.rel] = body
            if job.keep_bodies:
                done.bodies[doc.rel] = body
        rec = Recorder() if job.record else None
        try:
            item = contexts.render_page(page, rec)
            done.kept.append(job.put(item))
        except SiteError as err:
            done.errors.append(err)
            continue
        if job.published is not None and doc is not None and (body := contexts.bodies.by_rel.get(doc.rel)):
            looked: set[str] | None = set() if rec is not None else None
            done.broken.extend(broken_links(body, page.url, job.published, contexts.assets.urls, f"content/{doc.rel}",
                                            contexts.site.config.base_path, looked))
            if rec is not None and looked:  # a file that comes or goes changes the page's warnings
                rec.keys.update((Dep.OUTPUT, path) for path in looked)
        if rec is not None:
            done.records[item.path] = frozenset(rec.keys)
    done.drafts.update((key, draft) for key, draft in maker.fresh.items() if key not in drafted_before)
    return done


@dataclass(frozen=True, slots=True)
class BrokenLink:
    """A link or image of a body that leads to no file of the build."""

    source: str
    """The Markdown file (``content/fr/articles/a.md``)."""
    line: int
    written: str
    """The link as the editor wrote it."""
    problem: str


def broken_links(body: Body, page_url: str, published: Set[str], asset_urls: Mapping[str, str],
                 source: str, base_path: str = "/", looked: set[str] | None = None) -> list[BrokenLink]:
    """Return the links and images of ``body``, shown at ``page_url``, that open none of the ``published`` files.

    Only whether a file is there: a ``#notes`` anchor is `vigie check`'s to follow (it reads the pages).
    ``base_path`` is the folder the site is published in (`resolve_link`). Every path looked for among
    the published files is added to ``looked``, when given (what the answer depends on).
    """
    def exists(path: str) -> bool:
        if looked is not None:
            looked.add(path)
        return path in published

    found = []
    for url, line, written in body_links(body, page_url, base_path):
        problem = follow_link(url, exists, asset_urls, base_path)[1]
        if problem is not None:
            found.append(BrokenLink(source, line, shown_link(written), problem))
    return found


def body_links(body: Body, page_url: str, base_path: str = "/") -> list[tuple[str | SiteError, int, str]]:
    """Return every link and image of a body shown at ``page_url``: (site-absolute URL, or why it has none;
    line; as written). Those to other sites are left out."""
    found: list[tuple[str | SiteError, int, str]] = [(url, line, url) for url, line in body.links
                                                     if not url.startswith("//")]
    for target, line in body.relative_links:
        if target.startswith("#"):
            found.append((page_url + target, line, target))
        elif target.startswith("/"):
            found.append((target, line, target))
        else:
            try:
                found.append((resolve_link(page_url, target, base_path), line, target))
            except SiteError as err:  # above the folder the site is published in
                found.append((err, line, target))
    return found


def follow_link(url: str | SiteError, exists: Callable[[str], bool], asset_urls: Mapping[str, str],
                base_path: str = "/") -> tuple[str | None, str | None]:
    """Return the output file a site-absolute link (or the error resolving it) opens, or why it opens none."""
    if isinstance(url, SiteError):
        return None, url.message
    written = urlsplit(url).path
    try:
        path = unquote(written, errors="strict") or "/"
    except UnicodeDecodeError:  # %E9 for é in Latin-1: no file has that name, and it is shown as written
        path = written
    try:
        target = link_file(path, exists)
    except SiteError as err:
        return None, err.message
    if target is not None:
        return target, None
    hashed = asset_urls.get(path.removeprefix("/assets/")) if path.startswith("/assets/") else None
    return None, missing_link_target(path, exists, hashed, base_path)


def shown_link(target: str) -> str:
    """Return a link as the editor wrote it: the Markdown parser wrote ``été`` as ``%C3%A9t%C3%A9``."""
    decoded = normalizeLinkText(target)
    # A control character, or bytes that are no UTF-8 text (%E9 for é in Latin-1), stay as the parser wrote them.
    return decoded if decoded.isprintable() and "\ufffd" not in decoded else target


#: Broken links a build lists one by one; past these, one line counts the others (an old site may hold thousands).
BROKEN_LINES_SHOWN = 20


def broken_link_lines(broken: Sequence[BrokenLink]) -> list[tuple[str, int]]:
    """Return the warning lines of broken links, by file and line, each once (a build logs them; check has its own),
    each with how many warnings it stands for.

    Past `BROKEN_LINES_SHOWN`, one line says how many more there are (and stands for them): `vigie check` lists
    them all.
    """
    lines = [message_line(f"{link.source}:{link.line}" if link.line else link.source, "warning",
                          _("broken link '{link}': {problem}").format(link=link.written, problem=link.problem))
             for link in sorted(set(broken), key=lambda link: (link.source, link.line, link.written))]
    if len(lines) <= BROKEN_LINES_SHOWN:
        return [(line, 1) for line in lines]
    more = len(lines) - BROKEN_LINES_SHOWN
    return [*((line, 1) for line in lines[:BROKEN_LINES_SHOWN]), (message_line("", "warning", ngettext(
        "{count} more broken link (vigie check lists every one)",
        "{count} more broken links (vigie check lists every one)", more).format(count=more)), more)]


def warn_broken_links(broken: Sequence[BrokenLink]) -> None:
    """Log the warnings of `broken_link_lines` (a build and `vigie serve`'s updates; check reports its own)."""
    for line, count in broken_link_lines(broken):
        log.warning("%s", line, extra={WARNINGS: count})


# -- feeds, sitemap, robots.txt, headers ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class TextFiles:
    """The feeds, the sitemap, robots.txt and _headers."""

    files: tuple[OutputFile, ...]
    records: Records = field(default_factory=dict)


def render_text_files(contexts: Contexts, record: bool = False, only: Set[str] | None = None) -> TextFiles:
    """Render feeds, sitemap, robots.txt and host headers (``only`` those output paths, when given)."""
    site = contexts.site
    config = site.config
    files = []
    records: dict[str, frozenset[Key]] = {}

    def wanted(path: str) -> bool:
        return only is None or path in only

    def text(template: str, ctx: dict[str, Any], path: str, rec: Recorder | None) -> None:
        with recording(rec):
            data = render_template(contexts.env, template, ctx, config.root)
        files.append(OutputFile(path=path, data=data.encode("utf-8"), origin=f"layouts/{template}"))
        if rec is not None:
            records[path] = frozenset(rec.keys)

    for lang in config.codes:
        if not wanted(feed_path(lang)):
            continue
        rec = Recorder() if record else None
        ctx = contexts.base_context(lang, rec)
        home = site.groups["home"][lang]
        # The newest articles (home.items comes newest first): a feed reader asks for the feed again and again,
        # on phones too; 1,000 entries are 500 KB each time.
        articles = home.items[:config.feed_entries] if config.feed_entries else home.items
        if rec is not None:
            rec.add(Dep.PAGE, home.url, "items")
            rec.add(Dep.CONFIG, "feed_entries")
            for doc in articles:
                rec.add(Dep.DOC, doc.rel, "date")
        updated = max((d.date for d in articles if d.date), default=None)
        ctx.update(entries=articles, updated=updated, feed_self=absolute(config, f"/{lang}/feed.xml"))
        text("feed.xml", ctx, feed_path(lang), rec)
    if wanted("sitemap.xml"):
        _sitemap(contexts, text, Recorder() if record else None)
    if wanted("robots.txt"):
        rec = Recorder() if record else None
        base = contexts.base_context(config.default_language, rec)
        text("robots.txt", {**base, "sitemap": absolute(config, "/sitemap.xml")}, "robots.txt", rec)
    if wanted("_headers"):
        rec = Recorder() if record else None
        text("_headers", contexts.base_context(config.default_language, rec), "_headers", rec)
    return TextFiles(tuple(files), records)


def _sitemap(contexts: Contexts, text: Callable[[str, dict[str, Any], str, Recorder | None], None],
             rec: Recorder | None) -> None:
    site = contexts.site
    config = site.config
    urls = []
    for page in site.pages:
        if page.kind in (PageKind.NOT_FOUND, PageKind.SEARCH):  # a search page holds nothing of its own to find
            continue
        if page.kind is PageKind.CHOOSER and len(config.codes) == 1:  # it sends visitors to the only home
            continue
        if page.kind in LISTED_SECTIONS:
            if rec is not None:
                rec.add(Dep.SECTIONS, page.lang)
            if str(page.kind) not in contexts.filled_sections(page.lang):
                continue  # "Nothing here yet": no menu offers it, and no search engine needs it
        cluster = contexts.hreflang(page, contexts.alternates(page, rec))  # as the page's own <link>s say
        alternates = cluster if len(cluster) > 1 else []
        lastmod = page.doc.date if page.doc and page.doc.date else None
        urls.append((absolute(config, page.url), alternates, lastmod))
        if rec is not None:
            rec.add(Dep.PAGE, page.url, "url")
            rec.add(Dep.PAGE, page.url, "doc")
            rec.add(Dep.PAGE, page.url, "kind")
            rec.add(Dep.GROUP, page.group)
            if page.doc is not None:
                rec.add(Dep.DOC, page.doc.rel, "date")
    if rec is not None:
        rec.add(Dep.CONFIG, "base_url")
        rec.add(Dep.PAGES)
    text("sitemap.xml", {**contexts.base_context(config.default_language, rec), "urls": urls}, "sitemap.xml", rec)


@dataclass(frozen=True, slots=True)
class Rendered:
    """What every render stage made, for what reads a render afterwards (`check`, `vigie serve`)."""

    contexts: Contexts
    """The last contexts: the bodies, every download, the site cards. A build that writes its pages as
    they are made keeps only the bodies made before the pages (those of the fact sheets, cached, or drafted
    ahead); a render in memory (check, serve) keeps them all."""
    maker: BodyMaker
    cards: Cards
    site_cards: SiteCards
    kits: PressKits
    sheets: FactSheets
    text: TextFiles
    records: Records
    """Output path → what it read (pages, fact sheets, text files), when the build recorded it."""

    @property
    def bodies(self) -> Bodies:
        """Return the documents' bodies (see `contexts`)."""
        return self.contexts.bodies

    def card_spec(self, fact_id: str, lang: str) -> CardSpec:
        """Return what the cards of a figure in a language show."""
        contexts = self.contexts
        return card_spec(contexts.site, contexts.views, contexts.strings, fact_id, lang)
