"""The one orchestrator: config → content and facts → site → render → write."""

from __future__ import annotations

import logging
import os
import sys
import time
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Mapping

from generator.core.cache import CACHE_FOLDER, CACHE_VERSION, Store, digest, linked_cache, package_version
from generator.core.memory import fewer_collections, give_back_memory
from generator.sources.config import CONFIG_FILE, load_config
from generator.sources.content import SourceFile, load_documents, read_sources
from generator.core.errors import (WARNINGS, ErrorCollector, OutputReplaced, SiteError, SiteErrors, message_line,
                                   warnings_in)
from generator.core.messages import _, active_language
from generator.core.paths import output_path
from generator.model import OutputFile, PageKind, Site, SiteConfig
from generator.render.prerender import BodiesAhead
from generator.output.lock import BuildLock
from generator.output.writer import (Staging, WriteReport, Written, check_copied_output, check_output_folder,
                                     output_is_current, plan_files, recover_interrupted, resolve_output,
                                     save_warnings, saved_warnings)
from generator.sources.files import read_file
from generator.sources.theme import theme_dirs, tree_digest

# What a build needs only once the helper drafting bodies has forked (`SiteReading.read`) is imported where it
# is used: its import then runs beside the helper instead of before it, on one core.
if TYPE_CHECKING:
    from generator.output.budget import PagePlace, Weight
    from generator.render.stages import Rendered

log = logging.getLogger(__name__)

#: From this many pages a build gives its freed memory back before Pagefind runs (`give_back_memory`): below,
#: what it would return is a few megabytes, and a full collection in a process that holds much else (a test
#: run, an editor's tool calling `build`) costs more than that is worth.
GIVE_BACK_PAGES = 500


@dataclass(frozen=True, slots=True)
class BuildOptions:
    """What the editor asked for."""

    root: Path
    out: Path | None = None
    drafts: bool = False
    base_url: str | None = None
    today: date | None = None
    """The day that decides which dated pages are published (default: today)."""
    use_cache: bool = True
    """Read and keep parsed documents, bodies and cards in SITE/.vigie-cache (off: nothing is written)."""
    progress: Callable[[str, int, int], None] | None = None
    """Told (stage, done, total) while rendering, for a progress line on a terminal."""
    record: bool = False
    """Record what every page reads (`deps`), for `vigie serve`'s updates."""
    origin: str | None = None
    """Build for this scheme, host and port (``http://127.0.0.1:8000``), in the folder of site.yaml's base_url:
    the preview's address."""
    keep_site: bool = True
    """Keep the site model and what each render stage made (`BuildResult.site`, `.rendered`); off (the command
    line), `build` lets them go once the pages are staged, before Pagefind indexes them beside this process."""
    on_site: Callable[[Site], None] | None = None
    """Called with the site model once the pages are staged, before the search index: what the caller needs
    of the model it takes then, since a build that does not keep it lets it go."""

    @property
    def output(self) -> Path:
        """Return the output folder (default SITE/public)."""
        return self.out if self.out is not None else self.root / "public"


@dataclass
class BuildResult:
    """What a build made."""

    site: Site | None
    """None when the output was already up to date, or let go (`BuildOptions.keep_site`)."""
    rendered: Rendered | None
    """What each render stage made (None when up to date)."""
    files: dict[str, OutputFile]
    """Every output file by path, when rendered in memory (no staging)."""
    timings: dict[str, float] = field(default_factory=dict)
    report: WriteReport | None = None
    cards_drawn: int = 0
    pdfs_rendered: int = 0
    up_to_date: bool = False
    """True when nothing changed since the last build and nothing was done."""
    cache_hits: dict[str, int] = field(default_factory=dict)
    """Parsed documents and rendered bodies reused from the cache."""
    written: list[Written] = field(default_factory=list)
    """Every output file, when it was written to a staging tree as it was made."""
    weights: list[Weight] = field(default_factory=list)
    """What a first visit of each kind of page transfers (`generator.output.budget`), after a build."""
    planned: frozenset[str] = frozenset()
    """The path of every file the build publishes, made or to be made (the search index's entry file)."""
    languages: dict[str, int] = field(default_factory=dict)
    """How many pages each language has (the language chooser and the 404 page aside)."""
    warnings_again: int = 0
    """When the output was up to date: how many warnings of the build that made it were said again."""

    @property
    def paths(self) -> list[str]:
        """Return the path of every output file, in memory or written."""
        return [*self.files, *(item.path for item in self.written)]


def cache_dir(root: Path) -> Path:
    """Return the folder where drawn cards and PDFs are kept between builds (ignored by git)."""
    return root / CACHE_FOLDER


def today_for_build() -> date:
    """Return today's date, or the day of SOURCE_DATE_EPOCH when set (reproducible builds)."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    if epoch is None or epoch == "":
        return date.today()
    try:
        if not epoch.isascii() or not epoch.isdigit() or len(epoch) > 12:
            raise ValueError(epoch)
        return datetime.fromtimestamp(int(epoch), tz=timezone.utc).date()
    except (ValueError, OverflowError, OSError):
        raise SiteError(_("SOURCE_DATE_EPOCH must be a number of seconds since 1970-01-01, e.g. 1653436800 "
                          "(got '{value}'); set it right or unset it").format(value=epoch[:30])) from None


def input_fingerprint(options: BuildOptions, known: Mapping[str, bytes] | None = None) -> str:
    """Return a hash of everything a build reads: the site folder, the theme, options and versions.

    ``known`` holds files already read, by path (the Markdown files, see `SiteReading`).
    """
    from generator.sources.assets import asset_files

    root = options.root
    errors = ErrorCollector()
    assets = asset_files(root, errors)  # exactly the files the build publishes, dotfiles of assets/root/ included
    errors.raise_if_any()
    parts: list[str | bytes] = [
        CACHE_VERSION, sys.version, _versions(), code_digest(),
        repr((options.drafts, options.base_url, options.origin, (options.today or today_for_build()).isoformat())),
        tree_digest([root / "content"], known, skip_ignored=True),
        tree_digest(theme_dirs(root, "layouts")), tree_digest([], files=assets),
        read_file(root / CONFIG_FILE, CONFIG_FILE) if (root / CONFIG_FILE).is_file() else b"",
    ]
    return digest(*parts)


def code_digest() -> str:
    """Return a hash of Vigie's own code and data, so a changed generator never counts as 'nothing changed'.

    Every file of the package counts, in every subfolder (compiled bytecode aside),
    with its path: a module moved or a data file changed is a changed generator.
    The files are read again only when one's (mtime, size) changed, or a file
    came or went: once per process, in practice (about 6 ms; a look at their
    stamps, 0.5 ms).
    """
    package = Path(__file__).resolve().parent
    stamps = _package_stamps(package)
    known = _CODE_DIGESTS.get(stamps)
    if known is None:
        known = digest(*[part for parts, _ in stamps
                         for part in ("/".join(parts), package.joinpath(*parts).read_bytes())])
        _CODE_DIGESTS.clear()
        _CODE_DIGESTS[stamps] = known
    return known


_CODE_DIGESTS: dict[tuple[tuple[tuple[str, ...], tuple[int, int]], ...], str] = {}


def _package_stamps(package: Path) -> tuple[tuple[tuple[str, ...], tuple[int, int]], ...]:
    """Return each file below ``package`` (``__pycache__`` aside) as (its path's parts, (mtime_ns, size)), sorted."""
    found: list[tuple[tuple[str, ...], tuple[int, int]]] = []
    stack: list[tuple[str, tuple[str, ...]]] = [(str(package), ())]
    while stack:
        folder, parts = stack.pop()
        with os.scandir(folder) as entries:
            for entry in entries:
                if entry.is_dir():
                    if entry.name != "__pycache__":
                        stack.append((entry.path, (*parts, entry.name)))
                elif entry.is_file():
                    st = entry.stat()
                    found.append(((*parts, entry.name), (st.st_mtime_ns, st.st_size)))
    return tuple(sorted(found))


#: The packages Vigie builds with: their versions are part of the input fingerprint.
BUILT_WITH = ("markdown-it-py", "mdit-py-plugins", "Jinja2", "Babel", "Pillow", "PyYAML", "weasyprint",
              "fontpkg-atkinson-hyperlegible", "fontpkg-noto-sans-arabic", "fontpkg-noto-sans", "segno", "anyascii",
              "fonttools", "Brotli", "gflanguages", "rcssmin", "rjsmin", "pagefind-bin")


def _versions() -> str:
    """Return the versions of the packages Vigie builds with (each looked up once per process)."""
    return ",".join(f"{name}={package_version(name)}" for name in BUILT_WITH)


@dataclass
class SiteReading:
    """What a build reads first: the config and the Markdown files; and the helper already rendering them."""

    config: SiteConfig
    errors: ErrorCollector
    """Problems found so far (files out of place), reported with the rest."""
    sources: list[SourceFile]
    ahead: BodiesAhead

    @classmethod
    def read(cls, options: BuildOptions, first_build: bool) -> SiteReading:
        """Read; on a first build (no body cache) of a large site, start rendering bodies (see prerender)."""
        config = load_config(options.root, options.base_url, options.origin)
        errors = ErrorCollector()
        sources = read_sources(config, errors)
        return cls(config, errors, sources, BodiesAhead.start(sources, config.allow_html, wanted=first_build))

    def contents(self) -> dict[str, bytes]:
        """Return the Markdown files' bytes by path, for `input_fingerprint`."""
        return {str(source.path): source.data for source in self.sources}


def render_site(options: BuildOptions, staging: Staging | None = None,
                reading: SiteReading | None = None, warn: bool = True) -> BuildResult:
    """Load, assemble and render the whole site: the stages of `generator.render`, in order.

    Without ``staging`` every file is kept in memory (`BuildResult.files`);
    with it, each file is handed to `Staging.put` as soon as it is made, in
    whichever process made it, and only the list of files comes back
    (`BuildResult.written`). ``reading`` is what `build` read already. With
    ``warn``, the warnings of the assets and fact sheets are logged (a check
    reports them with its findings instead).
    """
    from generator.core.images import ImageCache
    from generator.core.webfonts import WebFontCache
    from generator.model.plan import check_plan, planned_outputs
    from generator.model.site import assemble_site
    from generator.sources.assets import load_assets
    from generator.sources.facts import load_facts
    from generator.sources.i18n import load_strings

    timings: dict[str, float] = {}
    clock = time.perf_counter()

    def lap(name: str) -> None:
        nonlocal clock
        now = time.perf_counter()
        timings[name] = now - clock
        clock = now

    root = options.root
    cache = cache_dir(root)
    parsed = Store(cache / "documents.pickle" if options.use_cache else None)
    drafts = Store(cache / "bodies.pickle" if options.use_cache else None)
    if reading is None:
        reading = SiteReading.read(options, first_build=drafts.empty())
    config, errors = reading.config, reading.errors
    with reading.ahead as ahead:
        documents = load_documents(config, errors, parsed, reading.sources)
        reading.sources = []  # 10 MB at 2,000 files: not kept through the page workers
        facts = load_facts(config, errors)
        errors.raise_if_any()
        strings = load_strings(config)
        lap("load")
        site = assemble_site(config, documents, facts, options.today or today_for_build(), options.drafts)
        lap("assemble")
        from generator.render import stages as render
        from generator.render.bodies import BodyMaker
        from generator.media.cards import CardCache
        from generator.render.contexts import Contexts, Shared
        from generator.render.markup import make_markdown
        from generator.render.templating import make_environment, warm_templates

        images = ImageCache(cache / "images", read_only=not options.use_cache)
        assets = load_assets(config, WebFontCache(cache / "fonts", read_only=not options.use_cache), images)
        if warn:
            for shown, message in assets.warnings:
                log.warning("%s", message_line(shown, "warning", message))
        plan = planned_outputs(site, assets.files)
        check_plan(plan, copies=config.compress)  # every clash, before writing
        planned = frozenset(item.path for item in plan)
        tree_digest(theme_dirs(root, "layouts"))  # a pipe or a link leading outside among the layouts: refused
        md = make_markdown(config.allow_html)
        contexts = Contexts(site, strings, make_environment(config, recording=options.record), assets, md)
        # Compiled now, while the helper still drafts bodies on the other core (the page stage would do it alone).
        warm_templates(contexts.env, {page.template for page in site.pages}, config.root)
        maker = BodyMaker(md, config.allow_html, contexts, drafts)
        problems = ErrorCollector()
        bodies = render.make_bodies(maker, render.factsheet_docs(site), errors=problems,  # the PDFs need them
                                    progress=options.progress)
        failed = {problem.source for problem in problems.errors}  # no PDF for those; their errors come with all
        errors.extend(problems.errors)
        cached = render.make_bodies(maker, [doc for doc in site.documents if doc.rel not in bodies])  # drafts kept
        bodies = bodies.adding(cached.by_rel)
        lap("bodies")
        card_cache = CardCache(cache / "cards", read_only=not options.use_cache)
        cards = render.render_cards(site, contexts.views, strings, card_cache, progress=options.progress,
                                    images=images)
        kits = render.render_press_kits(site, contexts.views, cards.files)
        site_cards = render.render_site_cards(site, card_cache)
        lap("cards")
        sheets = render.render_factsheets(
            contexts.with_bodies(bodies).sharing(Shared(kits=kits.downloads, site_cards=site_cards.cards)),
            cache / "pdf", read_only=not options.use_cache, progress=options.progress, record=options.record,
            docs=[doc for doc in render.factsheet_docs(site) if f"content/{doc.rel}" not in failed])
        for shown, message in sheets.warnings if warn else ():  # from the cache too: they still hold
            log.warning("%s", message_line(shown, "warning", message))
        lap("pdf")
        files: list[OutputFile] = [*cards.files, *kits.files, *site_cards.files, *sheets.files, *assets.files]
        put: Callable[[OutputFile], Any] = in_memory if staging is None else staging.put
        kept: list[Any] = []
        made = contexts.with_bodies(bodies).sharing(Shared(sheets.downloads, kits.downloads, site_cards.cards))
        text = render.TextFiles(())

        def meanwhile() -> None:  # while the workers render pages: what no page needs
            nonlocal text
            try:
                text = render.render_text_files(made, record=options.record)
                kept.extend(map(put, [*files, *text.files]))
            except (SiteError, SiteErrors) as err:  # reported with the pages' problems
                errors.catch(err)
            parsed.save()

        ahead_bodies = render.make_bodies(maker, [doc for doc in site.documents if doc.rel not in bodies],
                                          ahead=ahead.finish())  # what the spare core drafted meanwhile
        log.debug("%d bodies drafted ahead", len(ahead_bodies.by_rel))
        made = made.with_bodies(bodies.adding(ahead_bodies.by_rel))
        lap("ahead")
        pages: render.Pages[Any] = render.Pages((), {}, {}, {})
        try:
            pages = render.render_pages(made, maker, put, progress=options.progress, meanwhile=meanwhile,
                                        record=options.record, keep_bodies=staging is None or options.record,
                                        published=planned if warn else None)
        except SiteErrors as err:
            errors.catch(err)
        errors.raise_if_any()
        render.warn_broken_links(pages.broken)  # vigie check reports them too, with the anchors
        for key, draft in pages.drafts.items():
            drafts.put(key, draft)
        kept += pages.kept
        made = made.with_bodies(made.bodies.adding(pages.bodies))
        result = BuildResult(site=site, rendered=render.Rendered(made, maker, cards, site_cards, kits, sheets, text,
                                                                 {**sheets.records, **text.records, **pages.records}),
                             files={}, timings=timings, cards_drawn=card_cache.drawn, pdfs_rendered=sheets.rendered,
                             planned=planned, languages=pages_per_language(site))
        if staging is None:
            result.files = plan_files(kept)
        else:
            result.written = kept
        lap("render")
        drafts.save()
        result.cache_hits = {"documents": parsed.hits, "bodies": drafts.hits}
        return result


def pages_per_language(site: Site) -> dict[str, int]:
    """Return how many pages each language has, the language chooser and the 404 page aside."""
    return {code: sum(1 for page in site.pages if page.lang == code
                      and page.kind not in (PageKind.CHOOSER, PageKind.NOT_FOUND)) for code in site.config.codes}


def in_memory(item: OutputFile) -> OutputFile:
    return item


def build(options: BuildOptions) -> BuildResult:
    """Build the site into its output folder; the old output stays unless all succeeded.

    One build of a site runs at a time (`BuildLock`); a build first cleans up
    after an interrupted one (`recover_interrupted`).
    """
    output = resolve_output(options.output)
    check_output_folder(output, options.root)
    link = linked_cache(options.root) if options.use_cache else None
    if link is not None:  # a site folder from anyone: its cache must not lead writes to ~/.bashrc or /tmp
        log.warning(_("{link} is a symbolic link; Vigie does not write through it: this build keeps no cache "
                      "(remove the link)").format(link=link))
        options = replace(options, use_cache=False)
    elif options.use_cache and _unusable(cache_dir(options.root)):
        log.warning(_("cannot use the cache folder {folder} (permission denied): this build keeps no cache; give "
                      "yourself the right to read and write it, or delete it").format(folder=cache_dir(options.root)))
        options = replace(options, use_cache=False)
    # No site.yaml: not a site, and the build stops at that; its lock would be the only thing it wrote.
    locked = options.use_cache and (options.root / CONFIG_FILE).is_file()
    with BuildLock(cache_dir(options.root) if locked else None), fewer_collections():
        recover_interrupted(output)
        return _build_locked(options, output)


def _unusable(folder: Path) -> bool:
    """Return whether a cache folder is there but this user may not read, write or enter it."""
    return os.path.isdir(folder) and not os.access(folder, os.R_OK | os.W_OK | os.X_OK)


def _build_locked(options: BuildOptions, output: Path) -> BuildResult:
    first_build = not (options.use_cache and (cache_dir(options.root) / "bodies.pickle").is_file())
    language = active_language()
    with _Said() as said:
        reading = SiteReading.read(options, first_build)  # the Markdown files are read once
        with reading.ahead:  # the helper is stopped however this ends (render_site stops it first)
            fingerprint = input_fingerprint(options, reading.contents())
            state = (cache_dir(options.root) / "outputs" / f"{digest(str(output))[:24]}.txt" if options.use_cache
                     else None)
            check_copied_output(output, state is not None and state.is_file(), options.root)
            if output_is_current(output, fingerprint, state):
                again = saved_warnings(state, fingerprint, language) if state is not None else None
                if again is not None:  # nothing changed: the last build's warnings still hold
                    log.debug("nothing changed since the last build of %s", output)
                    already = set(said.lines)
                    for line, count in again:
                        if (line, count) not in already:
                            log.warning("%s", line, extra={WARNINGS: count})
                    return BuildResult(site=None, rendered=None, files={}, up_to_date=True,
                                       warnings_again=sum(count for _line, count in again))
            result = _build_anew(options, output, reading, fingerprint, state)
    try:
        if state is not None:
            save_warnings(state, fingerprint, language, said.lines)
    except KeyboardInterrupt:  # the new output is in place: not "the previous output was left as it was"
        raise OutputReplaced from None
    return result


class _Said(logging.Handler):
    """Keeps what a build warns about in the editor's words (a context manager), to say it again when nothing
    changed: the lines that name a file or the site (``path:line: warning: …``, ``warning: …``), not those about
    this computer (a cache that could not be written), which need not hold next time."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.lines: list[tuple[str, int]] = []

    def emit(self, record: logging.LogRecord) -> None:
        message = record.getMessage()
        if warnings_in(record) and (message.startswith("warning: ") or ": warning: " in message):
            self.lines.append((message, warnings_in(record)))

    def __enter__(self) -> _Said:
        logging.getLogger().addHandler(self)
        return self

    def __exit__(self, *exc: object) -> None:
        logging.getLogger().removeHandler(self)


def _build_anew(options: BuildOptions, output: Path, reading: SiteReading, fingerprint: str,
                state: Path | None) -> BuildResult:
    """Render the site into a staging tree, index it, swap it in; weigh its pages."""
    staging = Staging(output, compress=reading.config.compress)
    try:
        result = render_site(options, staging, reading)
        from generator.output.budget import PagePlace

        site = result.site
        places = [PagePlace.of(page) for page in site.pages] if site is not None else []
        indexed = [output_path(page.url) for page in site.pages if page.indexed] if site is not None else []
        if options.on_site is not None and site is not None:
            options.on_site(site)
        if not options.keep_site:  # this function's own name for the model goes too: nothing may hold it
            site = result.site = result.rendered = None
        search = None
        if reading.config.search:  # the index is made of the staged pages, before the swap
            from generator.output.search import index_staging, search_memory

            start = time.perf_counter()
            memory = search_memory(state.with_suffix(".search.json") if state is not None else None)
            pages = [item for item in result.written if item.path.endswith(".html")]
            if not options.keep_site and len(pages) >= GIVE_BACK_PAGES:
                give_back_memory()  # before Pagefind runs beside this process (see generator.core.memory)
            search = index_staging(staging, pages, indexed, memory)
            result.written += search.written
            result.timings["search"] = time.perf_counter() - start
        start = time.perf_counter()
        result.report = staging.commit(result.written, fingerprint, state)
    except BaseException:
        staging.discard()
        raise
    try:
        if search is not None:  # remembered once the new index is the published one
            memory.save(search.folders)
        result.timings["write"] = time.perf_counter() - start
        if places:
            result.weights = weigh_pages(places, reading.config, output,
                                         cache_dir(options.root) if options.use_cache else None)
    except KeyboardInterrupt:  # the new output is in place: not "the previous output was left as it was"
        raise OutputReplaced from None
    return result


def weigh_pages(pages: list[PagePlace], config: SiteConfig, output: Path, cache: Path | None = None) -> list[Weight]:
    """Return what a first visit of each kind of page transfers; warn about those over the site's budget.

    A file without a ``.br`` copy beside it (``compress: false``) is compressed to be weighed; with ``cache``
    (the site's cache folder), its compressed size is kept there by its bytes, so that the style sheets and
    scripts are not compressed again, at Brotli's slowest setting, on every build.
    """
    from generator.output.budget import brotli_size, over_budget, page_weights
    from generator.output.compress import COMPRESSOR

    store = Store(cache / "weights.pickle") if cache is not None else None

    def packed_size(path: str, data: bytes) -> int:
        if store is None:
            return brotli_size(path, data)
        key = digest(COMPRESSOR, path, data)
        size = store.get(key)
        if not isinstance(size, int):
            size = brotli_size(path, data)
            store.put(key, size)
        return size

    def read(path: str) -> bytes | None:
        try:
            return (output / path).read_bytes()
        except OSError:
            return None

    sizes: dict[str, int] = {}
    for page in pages:  # the pages' sizes, from the folder the build just wrote
        try:
            path = output_path(page.url)
            sizes[path] = (output / path).stat().st_size
        except (OSError, SiteError):
            continue
    weights = page_weights(pages, read, sizes, config.base_path, packed_size)
    if store is not None and store.misses:  # something new weighed: keep what this build used
        store.save()
    for sentence in over_budget(weights, config.page_budget_kib):
        log.warning("%s", message_line("", "warning", sentence))
    return weights
