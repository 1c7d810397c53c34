"""Re-render only what an edit affects, from the previous in-memory build (for `vigie serve`).

The previous build recorded what each page, fact sheet and text file read
(`deps`). An update, for any edit (Markdown, front matter, a figure, a template,
UI strings, an asset, site.yaml, a file added or removed):

1. reads again what changed: the edited Markdown and figure files alone when
   only existing ones changed; otherwise every loader runs again (with the
   parse cache);
2. assembles the site again (cheap) and makes its contexts;
3. makes again the bodies whose text changed or whose lookups resolve
   differently, the cards whose figure or settings changed, the press kits when
   a card or a figure's words changed, the site cards when the settings did;
4. compares the previous state with the new one (`changed_keys`) and renders
   again every output that recorded a changed key, and every new page, in the
   order a full build makes them (fact sheets, then pages, then text files);
5. drops the outputs that are gone.

The result equals a full build byte for byte: that is the property
`tests/test_incremental.py` checks on random sequences of edits. Content and
template mistakes raise SiteError/SiteErrors as a full build would.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, fields
from pathlib import PurePosixPath
from typing import AbstractSet, Any, Callable, Iterable, Mapping, Sequence

from generator.sources.assets import load_assets
from generator.render.bodies import Bodies, Body, BodyMaker, Lookup
from generator.build import BuildOptions, BuildResult, cache_dir, in_memory, today_for_build
from generator.core.cache import CACHE_FOLDER
from generator.media.cards import CardCache
from generator.sources.config import CONFIG_FILE, load_config
from generator.sources.content import load_documents, parse_document
from generator.render.contexts import Contexts, Shared, filled_sections, site_pages
from generator.render.deps import Dep, Key
from generator.core.errors import ErrorCollector, SiteError, SiteErrors, message_line
from generator.sources.facts import load_facts, read_fact
from generator.sources.i18n import counted_name, load_strings
from generator.render.markup import make_markdown
from generator.model import Document, Fact, OutputFile, Page, PageKind, Site
from generator.core.images import ImageCache
from generator.model.plan import (card_files, card_path, check_plan, factsheet_path, feed_path, planned_outputs,
                                  site_card_path)
from generator.render import stages as render
from generator.model.site import assemble_site, with_new_records
from generator.sources.files import read_file
from generator.render.templating import forget_templates, make_environment

log = logging.getLogger(__name__)


#: Up to this many pages, an update renders them in this process (forking workers costs about 0.15 s).
UPDATE_IN_PROCESS = 500


# --- what changed on disk -------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Edits:
    """A batch of changed site-relative paths, sorted by what they are."""

    documents: tuple[str, ...] = ()
    """Markdown files, e.g. ``content/fr/articles/a.md``."""
    facts: tuple[str, ...] = ()
    """Fact files, e.g. ``content/facts/share-girls.yaml``."""
    templates: frozenset[str] = frozenset()
    """Template names below layouts/, e.g. ``partials/footer.html``."""
    strings: bool = False
    """A file of layouts/i18n/ changed."""
    assets: bool = False
    """A file of assets/ changed."""
    config: bool = False
    """site.yaml changed."""


def sort_edits(changed: Iterable[str]) -> Edits:
    """Sort changed site-relative paths by what they are (others, such as public/, are left out)."""
    documents: list[str] = []
    facts: list[str] = []
    templates: set[str] = set()
    strings = assets = config = False
    for shown in sorted(set(changed)):
        parts = PurePosixPath(shown).parts
        if not parts or parts[0] == CACHE_FOLDER:
            continue
        if shown == CONFIG_FILE:
            config = True
        elif len(parts) == 3 and parts[:2] == ("content", "facts"):
            facts.append(shown)
        elif len(parts) >= 3 and parts[0] == "content":
            documents.append(shown)
        elif len(parts) >= 2 and parts[0] == "layouts":
            if parts[1] == "i18n":
                strings = True
            else:
                templates.add("/".join(parts[1:]))
        elif parts[0] == "assets":
            assets = True
    return Edits(tuple(documents), tuple(facts), frozenset(templates), strings, assets, config)


# --- the update ------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Update:
    """What an incremental update made."""

    result: BuildResult
    rerendered: frozenset[str]
    """Output paths made again: pages, cards, press kits, PDFs, feeds, sitemap, robots.txt, _headers, assets."""
    removed: frozenset[str]
    """Output paths of the previous build that are gone."""
    changed: frozenset[Key]
    """The keys whose values changed (see `deps`)."""

    @property
    def pages(self) -> frozenset[str]:
        """Return the HTML pages made again."""
        return frozenset(path for path in self.rerendered if path.endswith(".html"))


@dataclass(frozen=True, slots=True)
class Early:
    """An update's output before its slow files are made: what `apply_edits` hands its ``early`` callback.

    Cards are drawn and fact sheets' PDFs rendered after the pages; ``pending``
    names those files, the zips of cards and the pages that show their sizes.
    When an edit reaches other pages than the edited files' own (lists, tag
    pages, pages embedding a figure), those own pages come first, in an
    `Early` of their own whose ``pending`` names the other pages too.
    Every other file of ``files`` is as the update will leave it, unless a
    file made later differs from what was foreseen (`Update.result` says).
    """

    files: Mapping[str, OutputFile]
    pending: frozenset[str]


@dataclass(frozen=True, slots=True)
class _CardsStarted:
    """The cards an update draws again, under way in threads (`_Work._start_cards`)."""

    specs: set[tuple[str, str]]
    """Every (figure, language) the site now has a card for."""
    drawing: render.CardsUnderway
    redrawn: list[str]
    """The ids of the figures whose cards are drawn again."""


class DepIndex:
    """Which outputs recorded each key: the inverse of a build's records, kept up to date by updates."""

    def __init__(self, records: Mapping[str, frozenset[Key]]) -> None:
        self.records = dict(records)
        self.by_key: dict[Key, set[str]] = {}
        for path, keys in self.records.items():
            for key in keys:
                self.by_key.setdefault(key, set()).add(path)

    def touched(self, keys: Iterable[Key]) -> set[str]:
        """Return the outputs that recorded one of ``keys``."""
        found: set[str] = set()
        for key in keys:
            found |= self.by_key.get(key, set())
        return found

    def replace(self, path: str, keys: frozenset[Key] | None) -> None:
        """Record what an output read now (None: it is gone)."""
        for key in self.records.pop(path, frozenset()):
            paths = self.by_key.get(key)
            if paths is not None:
                paths.discard(path)
        if keys is not None:
            self.records[path] = keys
            for key in keys:
                self.by_key.setdefault(key, set()).add(path)


def apply_edits(previous: BuildResult, options: BuildOptions, changed: Iterable[str],
                index: DepIndex | None = None, early: Callable[[Early], object] | None = None) -> Update | None:
    """Re-render what the files in ``changed`` (site-relative paths) affect, from a previous recorded build.

    ``options.today`` must be the day ``previous`` was made for, and ``previous``
    must have been rendered in memory with ``record`` on. ``index`` is the index of
    what each output read (made from ``previous`` when not given; updated in place).
    ``early``, when given, is called once the pages are made if cards or fact
    sheets are still to make (`Early`; `vigie serve` shows the pages meanwhile).
    Returns None only when ``previous`` recorded nothing to follow. Raises
    SiteError/SiteErrors for content and template mistakes.
    """
    old_site, old = previous.site, previous.rendered
    if old_site is None or old is None or not previous.files or not old.records:
        return None
    clock = time.perf_counter()
    edits = sort_edits(changed)
    index = index if index is not None else DepIndex(old.records)
    work = _Work(previous, old_site, old, options, edits, index, early)
    return work.run(clock)


@dataclass
class _Work:
    """One update, run once."""

    previous: BuildResult
    old_site: Site
    old: render.Rendered
    options: BuildOptions
    edits: Edits
    index: DepIndex
    early: Callable[[Early], object] | None = None

    def run(self, clock: float) -> Update:
        old, edits, options = self.old, self.edits, self.options
        config, documents, facts, strings, assets = self._read()
        site: Site | None = None
        if config is self.old_site.config:  # the documents and figures edited read again, not everything
            site = with_new_records(self.old_site, documents, facts)  # a body or a figure: the pages stay
        if site is None:
            site = assemble_site(config, documents, facts, options.today or today_for_build(), options.drafts)
        old_contexts = old.contexts
        if [p.url for p in site.pages] != [p.url for p in self.old_site.pages] or assets is not old_contexts.assets:
            check_plan(planned_outputs(site, assets.files))  # a new address may clash with another
        env = old_contexts.env
        if edits.templates and not forget_templates(env, edits.templates, config.root):
            env = make_environment(config, recording=True)
        md = old_contexts.md if config.allow_html == self.old_site.config.allow_html else make_markdown(config.allow_html)
        contexts = Contexts(site, strings, env, assets, md)
        contexts.views.inherit(old_contexts.views)  # the figures' views whose inputs did not change
        maker = BodyMaker(md, config.allow_html, contexts, old.maker.drafts)
        keys = _Keys(self.old_site, site, old_contexts, contexts, edits)
        made: list[OutputFile] = []
        records: dict[str, frozenset[Key] | None] = {}
        card_cache = CardCache(cache_dir(options.root) / "cards", read_only=not options.use_cache)
        # Pages shown early for an edit of documents and figures; settings, strings, templates and assets
        # reach the site's cards, the zips' names and every page: shown when all is made.
        show_early = self.early is not None and not (keys.config_changed or keys.strings_changed
                                                     or keys.templates_changed or keys.assets_changed)
        # Drawn in threads while the keys are found; when the pages are shown early, after them (not slowing them).
        underway = None if show_early else self._start_cards(contexts, card_cache, keys)
        try:
            keys.find()
            structure_changed = ((Dep.PAGES,) in keys.all() or keys.assets_changed or keys.facts_changed
                                 or keys.config_changed or keys.sheets_changed())
            planned = frozenset(item.path for item in planned_outputs(site, assets.files)) if structure_changed \
                else None
            published = self.previous.planned if planned is None else planned  # for the links' warnings
            keys.outputs(self.previous.planned, published)
            if isinstance(old.maker.resolver, Contexts):  # embeds whose reads did not change are kept
                contexts.inherit_embeds(old.maker.resolver, keys.all())
            bodies = self._bodies(maker, keys)
            before = set(keys.all())
            early: set[str] = set()
            sheets_ahead = self._sheets_todo(site, before) if show_early else []
            cards_ahead = underway is not None or (show_early and keys.views_may_differ)
            shown = contexts.with_bodies(bodies).sharing(old_contexts.shared)  # as if the cards made no change
            splits = structure_changed or len(self.index.touched(before)) > 1  # pages to show in two goes
            todo = self._early_todo(site, before) if show_early and (cards_ahead or sheets_ahead or splits) \
                else []
            first: list[Page] = []
            rest: list[Page] = []
            for page in todo:
                (first if self._edited(page) else rest).append(page)
            split = bool(first and rest)  # the edited files' own pages first; then the lists and others
            if cards_ahead or sheets_ahead or split:
                early = self._early_pages(shown, maker, first if split else todo, made, records, published)
            if show_early and self.early is not None:
                underway = self._start_cards(contexts, card_cache, keys)
                if early:  # when split, the others are said pending, and made while the cards are drawn
                    pending = self._pending(site, underway, sheets_ahead)
                    self.early(Early(self._files(list(made), planned),
                                     pending | {render_path(page) for page in rest} if split else pending))
                    if split and (cards_ahead or sheets_ahead):  # else `_pages` makes them, the last thing left
                        more = self._early_pages(shown, maker, rest, made, records, published)
                        early |= more
                        if more:
                            self.early(Early(self._files(list(made), planned), pending))
            cards, kits, site_cards = self._cards(contexts, card_cache, underway, made)
        finally:
            if underway is not None:
                underway.drawing.close()
        shared = Shared(kits=kits.downloads, site_cards=site_cards.cards)
        keys.shared(old_contexts.shared, Shared(old_contexts.shared.sheets, kits.downloads, site_cards.cards))
        sheets = self._sheets(contexts.with_bodies(bodies).sharing(shared), keys, made, records)
        final = contexts.with_bodies(bodies).sharing(Shared(sheets.downloads, kits.downloads, site_cards.cards))
        keys.shared(Shared(old_contexts.shared.sheets), Shared(sheets.downloads))
        changed = keys.all()
        pages = self._pages(final, maker, changed, made, records, early, changed - before, published)
        text = old.text
        stale = self.index.touched(changed) & {item.path for item in old.text.files}
        if site.config.codes != self.old_site.config.codes:  # a language added has a feed no output recorded
            text = render.render_text_files(final, record=True)
            made += text.files
            records.update(text.records)
        elif stale:
            fresh = render.render_text_files(final, record=True, only=stale)
            text = render.TextFiles(tuple(fresh.files) + tuple(item for item in old.text.files if item.path not in stale),
                                    {**old.text.records, **fresh.records})
            made += fresh.files
            records.update(fresh.records)
        if assets is not old_contexts.assets:
            made += assets.files
        files = self._files(made, planned)
        for path, keys_read in records.items():
            self.index.replace(path, keys_read)
        removed = frozenset(self.previous.files.keys() - files.keys())
        for path in removed:
            self.index.replace(path, None)
        rendered = render.Rendered(final, maker, cards, site_cards, kits, sheets, text, dict(self.index.records))
        result = BuildResult(site=site, rendered=rendered, files=files, cards_drawn=card_cache.drawn,
                             pdfs_rendered=sheets.rendered, timings={"update": time.perf_counter() - clock},
                             planned=published)
        log.debug("update: %d of %d pages and %d other files made again, %d removed, in %.3fs", len(pages),
                  len(site.pages), len(made) - len(pages), len(removed), result.timings["update"])
        return Update(result, frozenset(item.path for item in made), removed, frozenset(changed))

    # -- reading --------------------------------------------------------------------------------------------

    def _read(self) -> tuple[Any, list[Document], dict[str, Fact], Mapping[str, Any], Any]:
        """Return config, documents, facts, UI strings and assets as they are now on disk."""
        old_site, contexts, edits, root = self.old_site, self.old.contexts, self.edits, self.options.root
        documents = _reread_documents(old_site, edits.documents) if not edits.config else None
        facts = _reread_facts(old_site, edits.facts) if not edits.config else None
        if documents is not None and facts is not None:
            config = old_site.config
        else:  # a new or removed file, a draft, site.yaml: read everything again (parsed files from the cache)
            config = load_config(root, self.options.base_url, self.options.origin)
            errors = ErrorCollector()
            from generator.core.cache import Store
            parsed = Store(cache_dir(root) / "documents.pickle" if self.options.use_cache else None)
            documents = load_documents(config, errors, parsed)
            facts = load_facts(config, errors)
            errors.raise_if_any()
            parsed.save()
        strings = load_strings(config) if edits.strings or edits.config else contexts.strings
        images = ImageCache(cache_dir(root) / "images", read_only=not self.options.use_cache)
        assets = load_assets(config, image_cache=images) if edits.assets or edits.config else contexts.assets
        return config, documents, facts, strings, assets

    # -- bodies ---------------------------------------------------------------------------------------------

    def _bodies(self, maker: BodyMaker, keys: _Keys) -> Bodies:
        """Return every body: the previous ones whose text and lookups are unchanged, the others made again."""
        old_bodies = self.old.bodies.by_rel
        resolver = maker.resolver
        errors = ErrorCollector()
        bodies: dict[str, Body] = {}
        lookups_may_differ = keys.lookups_may_differ()
        for doc in keys.new.documents:
            before = keys.old_docs.get(doc.rel)
            body = old_bodies.get(doc.rel)
            if (body is not None and before is not None and before.body == doc.body
                    and before.body_line == doc.body_line
                    and not (lookups_may_differ and keys.lookups_differ(body, doc, resolver))):
                bodies[doc.rel] = body
                continue
            made, problems = maker.make(doc)
            errors.extend(problems)
            if made is not None:
                bodies[doc.rel] = made
        errors.raise_if_any()
        keys.bodies(old_bodies, bodies)
        return Bodies(bodies)

    # -- cards, press kits, site cards ----------------------------------------------------------------------------

    def _start_cards(self, contexts: Contexts, cache: CardCache,
                     keys: _Keys) -> _CardsStarted | None:
        """Start drawing the cards whose figure, words or settings changed; None when no card can change."""
        site, old_contexts = contexts.site, self.old.contexts
        if not keys.views_may_differ:
            return None
        old_specs = {(f, lang): render.card_spec(self.old_site, old_contexts.views, old_contexts.strings, f, lang)
                     for f in self.old_site.facts for lang in self.old_site.config.codes}
        new_specs = {(f, lang): render.card_spec(site, contexts.views, contexts.strings, f, lang)
                     for f in site.facts for lang in site.config.codes}
        fact_ids = sorted({f for (f, lang), spec in new_specs.items() if old_specs.get((f, lang)) != spec}
                          | {f for (f, _) in new_specs if (f, site.config.default_language) not in old_specs})
        return _CardsStarted(set(new_specs), render.start_cards(
            site, contexts.views, contexts.strings, cache, facts=fact_ids,
            images=ImageCache(cache_dir(self.options.root) / "images", read_only=not self.options.use_cache)), fact_ids)

    def _cards(self, contexts: Contexts, cache: CardCache,
               underway: _CardsStarted | None, made: list[OutputFile]) -> tuple[render.Cards, render.PressKits, render.SiteCards]:
        old, site = self.old, contexts.site
        if underway is None:
            return old.cards, old.kits, old.site_cards
        new_specs = underway.specs
        fresh = underway.drawing.result()
        paths = {item.path for item in fresh.files}
        wanted = {card_path(site.fact_pages[key].url, name) for key in new_specs for name in card_files()}
        cards = render.Cards(tuple(item for item in old.cards.files if item.path in wanted and item.path not in paths)
                             + fresh.files)
        made += fresh.files
        kits = render.render_press_kits(site, contexts.views, cards.files)
        if kits != old.kits:
            made += kits.files
        site_cards = old.site_cards
        # The languages first: a language added with its title has no site card spec in the old site.
        if site.config.codes != self.old_site.config.codes or any(
                render.site_card_spec(site, lang) != render.site_card_spec(self.old_site, lang)
                for lang in site.config.codes):
            site_cards = render.render_site_cards(site, cache)
            made += site_cards.files
        return cards, kits, site_cards

    # -- fact sheets, pages ---------------------------------------------------------------------------------

    def _sheets_todo(self, site: Site, changed: AbstractSet[Key]) -> list[Document]:
        """Return the documents whose fact sheet must be rendered: new, or whose sheet read a ``changed`` key."""
        old_paths = {item.path for item in self.old.sheets.files}
        touched = self.index.touched(changed)
        return [doc for doc in render.factsheet_docs(site)
                if (path := factsheet_path(site.doc_pages[doc.rel].url, doc.slug)) not in old_paths or path in touched]

    def _pending(self, site: Site, underway: _CardsStarted | None, sheets: Sequence[Document]) -> frozenset[str]:
        """Return what may be made after the pages: the cards drawn again, the zips of cards, the site's cards,
        the PDFs rendered again, the pages that show those zips' and PDFs' sizes, the feeds, sitemap and other
        text files."""
        pending = {factsheet_path(site.doc_pages[doc.rel].url, doc.slug) for doc in sheets}
        pending |= {render_path(site.doc_pages[doc.rel]) for doc in sheets}  # each shows its PDF, new ones too
        pending |= {item.path for item in self.old.text.files} | {feed_path(lang) for lang in site.config.codes}
        pending |= {site_card_path(lang) for lang in site.config.codes}
        sizes: set[Key] = {(Dep.DOWNLOAD, doc.rel) for doc in sheets}
        if underway is not None:
            pending |= {card_path(site.fact_pages[(fact_id, lang)].url, name) for fact_id in underway.redrawn
                        for lang in site.config.codes for name in card_files()}
            pending |= {item.path for item in self.old.kits.files}
            sizes |= {(Dep.DOWNLOAD, lang) for lang in site.config.codes}
        return frozenset(pending | self.index.touched(sizes))

    def _sheets(self, contexts: Contexts, keys: _Keys, made: list[OutputFile],
                records: dict[str, frozenset[Key] | None]) -> render.FactSheets:
        """Render again the sheets whose records hold a changed key, and new sheets; keep the others."""
        old = self.old.sheets
        site = contexts.site
        docs = render.factsheet_docs(site)
        todo = self._sheets_todo(site, keys.all())
        if not todo:
            wanted = {doc.rel for doc in docs}
            return render.FactSheets({rel: d for rel, d in old.downloads.items() if rel in wanted},
                                     tuple(item for item in old.files if item.origin.removeprefix("content/") in wanted),
                                     0, old.records,
                                     tuple(item for item in old.warnings if item[0].removeprefix("content/") in wanted))
        fresh = render.render_factsheets(contexts, cache_dir(self.options.root) / "pdf",
                                         read_only=not self.options.use_cache, record=True, docs=todo)
        for shown, message in fresh.warnings:
            log.warning("%s", message_line(shown, "warning", message))
        made += fresh.files
        records.update(fresh.records)
        redone = {doc.rel for doc in todo}
        downloads = {rel: d for rel, d in old.downloads.items() if rel not in redone
                     and any(doc.rel == rel for doc in docs)}
        downloads.update(fresh.downloads)
        kept = tuple(item for item in old.files if item.origin.removeprefix("content/") in downloads
                     and item.origin.removeprefix("content/") not in redone)
        ordered = {doc.rel: downloads[doc.rel] for doc in docs if doc.rel in downloads}
        warnings = tuple(item for item in old.warnings if item[0].removeprefix("content/") in downloads
                         and item[0].removeprefix("content/") not in redone) + fresh.warnings
        return render.FactSheets(ordered, kept + fresh.files, fresh.rendered, {**old.records, **fresh.records},
                                 warnings)

    def _early_todo(self, site: Site, changed: set[Key]) -> list[Page]:
        """Return the pages to render before the cards and what follows them (downloads, site cards) are known:
        those whose records hold a key ``changed``, and the new ones. No page when there are more than an update
        renders in this process (workers are not forked while the cards' threads run)."""
        todo = self._reached(site, changed)
        return todo if len(todo) <= UPDATE_IN_PROCESS else []

    def _reached(self, site: Site, changed: AbstractSet[Key]) -> list[Page]:
        """Return the pages whose records hold a key ``changed``, and the new ones, in the site's order."""
        touched = self.index.touched(changed)
        old_paths = self.previous.files
        return [page for page in site.pages if (path := render_path(page)) in touched or path not in old_paths]

    def _edited(self, page: Page) -> bool:
        """Return whether a page is an edited file's own: an edited document's, or an edited figure's.

        A browser most likely shows that page: it is shown first, before the lists and other pages the edit
        reaches (as Hugo's fast render mode renders the pages open in a browser first)."""
        if page.doc is not None:
            return f"content/{page.doc.rel}" in self.edits.documents
        return page.fact is not None and page.kind is PageKind.FACT and any(
            PurePosixPath(path).name == page.fact.source_path.name for path in self.edits.facts)

    def _early_pages(self, contexts: Contexts, maker: BodyMaker, todo: Sequence[Page], made: list[OutputFile],
                     records: dict[str, frozenset[Key] | None], published: AbstractSet[str]) -> set[str]:
        """Render ``todo`` (see `_early_todo`) with the previous downloads and site cards; return their paths.

        `_pages` renders again those that read a download or site card that then changed (the records say
        whether a page read one). Nothing when one of them fails (`_pages` reports it, in the order of a full
        build).
        """
        if not todo:
            return set()
        try:
            pages = render.render_pages(contexts, maker, in_memory, todo, record=True, jobs=1, published=published)
        except (SiteError, SiteErrors):
            return set()
        render.warn_broken_links(pages.broken)
        made += pages.kept
        records.update(pages.records)
        return {render_path(page) for page in todo}

    def _pages(self, contexts: Contexts, maker: BodyMaker, changed: set[Key], made: list[OutputFile],
               records: dict[str, frozenset[Key] | None], early: AbstractSet[str] = frozenset(),
               late: AbstractSet[Key] = frozenset(), published: AbstractSet[str] = frozenset()) -> list[Page]:
        """Render again the pages whose records hold a changed key, and the new pages; of those rendered
        early, only those that read a key changed ``late`` (by the cards, downloads and site cards).

        The links of the pages rendered are looked for among the ``published`` files (a warning for each that
        leads nowhere, as a build gives)."""
        redo = self.index.touched(late) | {path for path in early if (records.get(path) or frozenset()) & late}
        todo = [page for page in self._reached(contexts.site, changed)
                if (path := render_path(page)) not in early or path in redo]
        if todo:  # a few hundred pages render faster here than in forked workers that must start and report
            pages = render.render_pages(contexts, maker, in_memory, todo, record=True,
                                        jobs=None if len(todo) > UPDATE_IN_PROCESS else 1, published=published)
            render.warn_broken_links(pages.broken)
            made += pages.kept
            records.update(pages.records)
        return todo

    def _files(self, made: list[OutputFile], wanted: AbstractSet[str] | None) -> dict[str, OutputFile]:
        """Return the previous files without those that are gone (not ``wanted``), with every file made again.

        ``wanted`` is None when the pages, figures and assets are the same: then so are the files.
        """
        if wanted is None:
            return {**self.previous.files, **{item.path: item for item in made}}
        files = {path: item for path, item in self.previous.files.items() if path in wanted}
        files.update((item.path, item) for item in made if item.path in wanted)
        return files


def render_path(page: Page) -> str:
    """Return the output path of a page."""
    from generator.core.paths import output_path

    return output_path(page.url)


# --- what changed between two states -------------------------------------------------------------------------


_DOC_FIELDS = tuple(f.name for f in fields(Document))
_PAGE_FIELDS = tuple(f.name for f in fields(Page))
_FACT_FIELDS = tuple(f.name for f in fields(Fact))


class _Keys:
    """The keys whose values differ between the previous state and the new one (see `deps.Dep`)."""

    def __init__(self, old_site: Site, new: Site, old_contexts: Contexts, contexts: Contexts, edits: Edits) -> None:
        self.old_site, self.new = old_site, new
        self.old_contexts, self.contexts = old_contexts, contexts
        self.old_docs = {doc.rel: doc for doc in old_site.documents}
        self.keys: set[Key] = {(Dep.TEMPLATE, name) for name in edits.templates}
        self.strings_changed = contexts.strings is not old_contexts.strings
        self.assets_changed = contexts.assets is not old_contexts.assets
        self.config_changed = new.config != old_site.config
        self.facts_changed = new.facts != old_site.facts
        self.templates_changed = bool(edits.templates)
        self.views_may_differ = (self.facts_changed or self.strings_changed or self.config_changed
                                 or new.fact_pages.keys() != old_site.fact_pages.keys()
                                 or any(old_site.fact_pages[k].url != p.url for k, p in new.fact_pages.items()))
        self.moved: set[str] = set()

    def find(self) -> None:
        """Compare the two states (`all` returns what differs)."""
        self._documents()
        self._pages()
        self._site()

    def all(self) -> set[Key]:
        """Return every changed key found so far."""
        return self.keys

    def outputs(self, before: AbstractSet[str], after: AbstractSet[str]) -> None:
        """Note the files the build publishes now and did not, or no longer: the pages whose links lead there."""
        self.keys |= {(Dep.OUTPUT, path) for path in before ^ after}

    def sheets_changed(self) -> bool:
        """Return whether a document's ``factsheet`` changed: its PDF is made, or is gone from the output."""
        return any(key[0] is Dep.DOC and key[2] == "factsheet" for key in self.keys)

    # -- documents and pages ----------------------------------------------------------------------------------

    def _documents(self) -> None:
        old_docs = self.old_docs
        new_docs = {doc.rel: doc for doc in self.new.documents}
        for rel in old_docs.keys() | new_docs.keys():
            before, after = old_docs.get(rel), new_docs.get(rel)
            if before is after:
                continue
            for name in _DOC_FIELDS:
                if before is None or after is None or getattr(before, name) != getattr(after, name):
                    self.keys.add((Dep.DOC, rel, name))
        old_urls = {rel: page.url for rel, page in self.old_site.doc_pages.items()}
        new_urls = {rel: page.url for rel, page in self.new.doc_pages.items()}
        self.moved = {rel for rel in old_urls.keys() | new_urls.keys() if old_urls.get(rel) != new_urls.get(rel)}
        self.keys |= {(Dep.DOC_URL, rel) for rel in self.moved}

    def _pages(self) -> None:
        old_pages = {page.url: page for page in self.old_site.pages}
        new_pages = {page.url: page for page in self.new.pages}
        if old_pages.keys() != new_pages.keys():
            self.keys.add((Dep.PAGES,))
        for url in old_pages.keys() | new_pages.keys():
            before, after = old_pages.get(url), new_pages.get(url)
            if before is not None and after is not None and (before is after or before == after):
                continue
            for name in _PAGE_FIELDS:
                if before is None or after is None or _page_field(before, name) != _page_field(after, name):
                    self.keys.add((Dep.PAGE, url, name))
        old_groups, new_groups = self.old_site.groups, self.new.groups
        for group in old_groups.keys() | new_groups.keys():
            before_urls = {lang: page.url for lang, page in old_groups.get(group, {}).items()}
            after_urls = {lang: page.url for lang, page in new_groups.get(group, {}).items()}
            if before_urls != after_urls:
                self.keys.add((Dep.GROUP, group))

    def _site(self) -> None:
        old, new = self.old_site, self.new
        if old.facts.keys() != new.facts.keys():
            self.keys.add((Dep.FACTS,))
        for fact_id in old.facts.keys() | new.facts.keys():
            before, after = old.facts.get(fact_id), new.facts.get(fact_id)
            if before == after:
                continue
            for name in _FACT_FIELDS:
                if before is None or after is None or getattr(before, name) != getattr(after, name):
                    self.keys.add((Dep.FACT_FILE, fact_id, name))
        if self.config_changed:
            for name in (f.name for f in fields(type(new.config))):
                if getattr(old.config, name) != getattr(new.config, name):
                    self.keys.add((Dep.CONFIG, name))
        for lang in set(old.config.codes) | set(new.config.codes):
            if (old.tag_slugs.get(lang) != new.tag_slugs.get(lang)
                    or _tag_titles(old, lang) != _tag_titles(new, lang)):
                self.keys.add((Dep.TAGS, lang))
            if _linked(old, lang) != _linked(new, lang):
                self.keys.add((Dep.SITE_PAGES, lang))
            if filled_sections(old, lang) != filled_sections(new, lang):
                self.keys.add((Dep.SECTIONS, lang))
        for fact_id in old.cited_by.keys() | new.cited_by.keys():
            before_rels = tuple(d.rel for d in old.cited_by.get(fact_id, ()))
            after_rels = tuple(d.rel for d in new.cited_by.get(fact_id, ()))
            if before_rels != after_rels:
                for lang in {rel.split("/", 1)[0] for rel in (*before_rels, *after_rels)}:
                    if (tuple(r for r in before_rels if r.startswith(lang + "/"))
                            != tuple(r for r in after_rels if r.startswith(lang + "/"))):
                        self.keys.add((Dep.CITED, fact_id, lang))
        if self.strings_changed:
            old_strings, new_strings = self.old_contexts.strings, self.contexts.strings
            for lang in old_strings.keys() | new_strings.keys():
                texts_before = old_strings[lang].values if lang in old_strings else {}
                texts_after = new_strings[lang].values if lang in new_strings else {}
                changed = {key for key in texts_before.keys() | texts_after.keys()
                           if texts_before.get(key) != texts_after.get(key)}
                # A page reads a counted text by its name (resources.page_count), the build picks the form.
                self.keys |= {(Dep.STRING, lang, key) for key in changed | {counted_name(key) for key in changed}}
        if self.assets_changed:
            urls_before, urls_after = self.old_contexts.assets.urls, self.contexts.assets.urls
            self.keys |= {(Dep.ASSET, name) for name in urls_before.keys() | urls_after.keys()
                          if urls_before.get(name) != urls_after.get(name)}
        if self.views_may_differ:
            for fact_id, lang in old.fact_pages.keys() | new.fact_pages.keys():
                if (fact_id, lang) not in old.fact_pages or (fact_id, lang) not in new.fact_pages:
                    self.keys.add((Dep.FACT, fact_id, lang, "*"))
                    continue
                before_view = self.old_contexts.fact(fact_id, lang)
                after_view = self.contexts.fact(fact_id, lang)
                if before_view != after_view:
                    self.keys |= {(Dep.FACT, fact_id, lang, name) for name in before_view.__dataclass_fields__
                                  if getattr(before_view, name) != getattr(after_view, name)}

    # -- bodies and what later stages share -------------------------------------------------------------------

    def lookups_may_differ(self) -> bool:
        """Return whether a body's lookup can resolve differently: a page moved, strings, assets, figures,
        settings or templates changed (else only edited texts make bodies again)."""
        return bool(self.moved or self.strings_changed or self.assets_changed or self.views_may_differ
                    or self.templates_changed or self.config_changed)

    def lookups_differ(self, body: Body, doc: Document, resolver: Any) -> bool:
        """Return whether one of a body's lookups resolves differently now."""
        for kind, argument, value in body.lookups:
            if kind is Lookup.LINK:
                if self.moved and resolver.link(doc, argument) != value:
                    return True
            elif kind is Lookup.LABEL:
                if self.strings_changed and resolver.label(doc.lang, argument) != value:
                    return True
            elif kind is Lookup.ASSET:
                if self.assets_changed and resolver.asset(argument) != value:
                    return True
            elif kind is Lookup.IMAGE:
                if self.assets_changed and resolver.image(argument) != value:
                    return True
            elif resolver.embed(argument, doc.lang) != value:  # kept from the last build unless what it read changed
                return True
        return False

    def bodies(self, before: Mapping[str, Body], after: Mapping[str, Body]) -> None:
        """Note the bodies whose HTML differs."""
        for rel in before.keys() | after.keys():
            old, new = before.get(rel), after.get(rel)
            if old is not new and (old is None or new is None or old.html != new.html):
                self.keys.add((Dep.BODY, rel))

    def shared(self, before: Shared, after: Shared) -> None:
        """Note the downloads and site cards that differ."""
        for mapping_before, mapping_after in ((before.sheets, after.sheets), (before.kits, after.kits)):
            for key in mapping_before.keys() | mapping_after.keys():
                if mapping_before.get(key) != mapping_after.get(key):
                    self.keys.add((Dep.DOWNLOAD, key))
        for lang in before.site_cards.keys() | after.site_cards.keys():
            if before.site_cards.get(lang) != after.site_cards.get(lang):
                self.keys.add((Dep.SITE_CARD, lang))


def _page_field(page: Page, name: str) -> Any:
    """Return what a page's field is, for comparing two builds: documents and figures by identity."""
    value = getattr(page, name)
    if name == "doc":
        return value.rel if value is not None else None
    if name == "fact":
        return value.id if value is not None else None
    if name == "items":
        return tuple(item.rel if isinstance(item, Document) else item.id if isinstance(item, Fact) else item
                     for item in value)
    return value


def _tag_titles(site: Site, lang: str) -> dict[str, str]:
    return {page.group: page.title for page in site.pages if page.kind is PageKind.TAG and page.lang == lang}


def _linked(site: Site, lang: str) -> tuple[tuple[str, str, str], ...]:
    """Return what a footer shows of the pages it links: address, title, role."""
    return tuple((page.url, page.title, page.group) for page in site_pages(site, lang))


# --- reading only what changed -------------------------------------------------------------------------------


def _reread_documents(site: Site, paths: tuple[str, ...]) -> list[Document] | None:
    """Return the site's documents with the changed ones parsed again; None for a new, removed or unpublished one."""
    by_shown = {f"content/{doc.rel}": doc for doc in site.documents}
    replaced: dict[str, Document] = {}
    for shown in paths:
        doc = by_shown.get(shown)
        if doc is None or not doc.source.is_file() or doc.source.is_symlink():
            return None
        data = read_file(doc.source, shown)
        replaced[doc.rel] = parse_document(data, doc.source, shown, doc.lang, doc.kind, doc.rel.split("/", 1)[1])
    return [replaced.get(doc.rel, doc) for doc in site.documents]


def _reread_facts(site: Site, paths: tuple[str, ...]) -> dict[str, Fact] | None:
    """Return the site's facts with the changed files read again; None for a new or removed one."""
    facts = dict(site.facts)
    errors = ErrorCollector()
    for shown in paths:
        name = PurePosixPath(shown).name
        known = site.facts.get(PurePosixPath(name).stem)
        if known is None or known.source_path.name != name or not known.source_path.is_file():
            return None
        try:
            fact = read_fact(site.config, known.source_path, shown, known.id, errors)
        except SiteError as err:
            errors.add(err)
            continue
        if fact is not None:
            facts[known.id] = fact
    errors.raise_if_any()
    return facts

