"""Re-render only what an edit affects, from the previous in-memory build (for `vigie serve`).

An edit is followed when it changes existing Markdown files, existing fact
files or templates. The site is assembled again (cheap), then only these are
made again, in the order `render_site` makes them:

1. the bodies of the edited documents, of the documents embedding a changed
   figure, and of every document with an embed when ``partials/fact-embed.html``
   (or what it includes) changed;
2. the cards of the changed figures, and the press kits when a figure changed;
3. every fact sheet PDF (unchanged ones come from the PDF cache) when a sheet's
   page inputs or its print layout changed;
4. the pages whose inputs differ from the previous build's (`page_inputs`), the
   pages whose template reaches a changed template, and the pages whose
   template reads a language-wide value that changed (`GLOBAL_NAMES`);
5. the feeds, sitemap, robots.txt and _headers when the pages, their dates or
   the articles the feeds list changed (`text_inputs`), or their templates.

`apply_edits` returns None when the edit reaches further than it can follow (a
new or removed file, site.yaml, UI strings, assets, a page that would move to
another URL, a document that does not parse), and the caller renders everything
again (with the parse, body, card and PDF caches). Content and template
mistakes raise SiteError/SiteErrors as a full build would.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field, fields, replace
from pathlib import PurePosixPath
from typing import Iterable, Mapping, TypeVar

import jinja2
import jinja2.meta
from jinja2 import nodes

from generator.build import BuildOptions, BuildResult, cache_dir, in_memory, today_for_build
from generator.cards import CardCache
from generator.content import parse_document
from generator.errors import ErrorCollector, SiteError, SiteErrors
from generator.facts import read_fact
from generator.model import Document, Fact, OutputFile, Page, Site
from generator.output import plan_files
from generator.paths import output_path
from generator.render import Renderer, site_pages
from generator.site import assemble_site
from generator.sourcefiles import read_file
from generator.templating import make_environment
from generator.theme import theme_dirs, tree_digest

log = logging.getLogger(__name__)

K = TypeVar("K")

EMBED_TEMPLATE = "partials/fact-embed.html"
"""Rendered inside Markdown bodies for ``{{< fact ID >}}``."""
PRINT_TEMPLATES = ("print/factsheet.html", "print/factsheet.css")
"""Rendered only for the fact sheet PDFs."""
TEXT_TEMPLATES = ("feed.xml", "sitemap.xml", "robots.txt", "_headers")
"""Rendered by `Renderer.render_text_files`."""

GROUP_URL, TAG_NAME, TAG_URL, SITE_PAGES = "group_url", "tag_name", "tag_url", "site_pages"
PRESS_KIT, PDF_INFO = "press_kit", "pdf_info"
GLOBAL_NAMES = (GROUP_URL, TAG_NAME, TAG_URL, SITE_PAGES, PRESS_KIT, PDF_INFO)
"""Names in `Renderer.base_context` whose value depends on pages other than the one rendered.

Every other name a template sees is the same for the whole site as long as
site.yaml, the UI strings and the assets are unchanged (config, t, asset,
help_page, doc_url: no page moves here), or is part of `page_inputs`.
"""
LATE_NAMES = frozenset({PRESS_KIT, PDF_INFO})
"""Values a full build makes after the fact sheets' bodies but before the other bodies."""

MARKDOWN_FIELDS = frozenset({"body", "body_line", "embeds", "lines"})
"""Document fields only its own page shows (as HTML): a list of documents changes with them only
when its template reads one of them (`Reach.reads_attribute`)."""
LISTED_FIELDS = tuple(f.name for f in fields(Document) if f.name not in MARKDOWN_FIELDS)

#: Filters whose first argument names an attribute (``selectattr("date")``).
_ATTRIBUTE_FILTERS = frozenset({"attr", "selectattr", "rejectattr", "groupby"})


# --- what changed ---------------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class Edits:
    """A batch of changed site-relative paths, sorted by what they are."""

    documents: tuple[str, ...] = ()
    """Markdown files, e.g. ``content/fr/articles/a.md``."""
    facts: tuple[str, ...] = ()
    """Fact file names below content/facts/, e.g. ``share-girls.yaml``."""
    templates: frozenset[str] = frozenset()
    """Template names below layouts/, e.g. ``partials/footer.html``."""


def sort_edits(changed: Iterable[str]) -> Edits | None:
    """Sort changed paths into documents, facts and templates; None when one is none of those."""
    documents: list[str] = []
    facts: list[str] = []
    templates: set[str] = set()
    for shown in sorted(set(changed)):
        parts = PurePosixPath(shown).parts
        if len(parts) == 3 and parts[:2] == ("content", "facts"):
            facts.append(parts[2])
        elif len(parts) >= 3 and parts[0] == "content" and shown.endswith(".md"):
            documents.append(shown)
        elif len(parts) >= 2 and parts[0] == "layouts" and parts[1] != "i18n":
            templates.add("/".join(parts[1:]))
        else:
            log.debug("%s is not a Markdown, fact or template file: rendering everything", shown)
            return None
    return Edits(tuple(documents), tuple(facts), frozenset(templates))


@dataclass(frozen=True, slots=True)
class Update:
    """What an incremental update made."""

    result: BuildResult
    rerendered: frozenset[str]
    """Output paths made again: pages, cards, press kits, PDFs, and the feeds, sitemap, robots.txt, _headers."""
    removed: frozenset[str]
    """Output paths of the previous build that are gone (a tag no document uses any more)."""
    templates: TemplateIndex
    """What the templates use, to pass to the next update (read again only when a template changes)."""

    @property
    def pages(self) -> frozenset[str]:
        """Return the HTML pages made again."""
        return frozenset(path for path in self.rerendered if path.endswith(".html"))


def apply_edits(previous: BuildResult, options: BuildOptions, changed: Iterable[str],
                templates: TemplateIndex | None = None) -> Update | None:
    """Re-render what edited Markdown, fact and template files affect, from a previous in-memory build.

    ``changed`` lists site-relative paths (``content/fr/articles/a.md``,
    ``content/facts/x.yaml``, ``layouts/partials/footer.html``) changed since
    ``previous`` was made; ``options.today`` must be the day it was made for.
    ``templates`` is the previous update's `Update.templates`, if any. Returns
    None when the edit reaches further than this follows; raises
    SiteError/SiteErrors for content and template mistakes.
    """
    site, old = previous.site, previous.renderer
    edits = sort_edits(changed)
    if site is None or old is None or not previous.files or edits is None:
        return None
    documents = _reread_documents(site, edits.documents)
    facts = _reread_facts(site, edits.facts)
    if documents is None or facts is None:
        return None
    new_site = assemble_site(site.config, documents, facts, options.today or today_for_build(), options.drafts)
    edited = _edited(new_site, edits.documents)
    renderer = _next_renderer(old, new_site, options, bool(edits.templates))
    index = templates if templates is not None and templates.env is renderer.env else TemplateIndex(renderer.env)
    focus = (_markdown_focus(site, new_site, edited, index)
             if not edits.facts and not edits.templates and len(edited) == len(edits.documents) else None)
    if focus is None and _moved(site, new_site):
        return None
    work = _Work(old, renderer, edits.templates, index, options, focus=focus)
    return work.run(previous.files, _changed_facts(site, new_site), edited)


def _markdown_focus(old: Site, new: Site, edited: tuple[Document, ...], index: TemplateIndex) -> frozenset[str] | None:
    """Return the URLs of the only pages whose inputs may change when just Markdown bodies were edited.

    That is the case when the edited documents differ from their previous
    versions only in `MARKDOWN_FIELDS` (an editor typing in the text, the
    common case) and none is a fact sheet. No page moves then, and no
    language-wide value changes; what may change is each document's own page,
    the pages of the figures it embeds or embedded, and the lists whose
    templates read Markdown fields. Comparing only these keeps an edit on a
    site of thousands of pages within tens of milliseconds. None: any other
    edit. ``edited`` must hold every edited document (none became a draft).
    """
    before = {doc.rel: doc for doc in old.documents}
    urls: set[str] = set()
    for doc in edited:
        previous = before.get(doc.rel)
        if previous is None or doc.factsheet or _listed(previous) != _listed(doc):
            return None
        page = new.doc_pages.get(doc.rel) or new.groups["home"].get(doc.lang)
        if page is None:
            return None
        urls.add(page.url)
        for fact_id in {*previous.embeds, *doc.embeds, *doc.facts}:
            urls.update(page.url for (fid, _), page in new.fact_pages.items() if fid == fact_id)
    urls.update(page.url for page in new.pages
                if page.items and index.reach(page.template).reads_attribute(MARKDOWN_FIELDS))
    return frozenset(urls)


def _reread_documents(site: Site, paths: tuple[str, ...]) -> list[Document] | None:
    """Return the site's documents with the changed ones parsed again; None for a new or removed one."""
    by_shown = {f"content/{doc.rel}": doc for doc in site.documents}
    replaced: dict[str, Document] = {}
    for shown in paths:
        doc = by_shown.get(shown)
        if doc is None or not doc.source.is_file():
            log.debug("%s is new, removed, or not published: rendering everything", shown)
            return None
        new = _parse(doc, shown)
        if new is None:
            return None
        replaced[doc.rel] = new
    return [replaced.get(doc.rel, doc) for doc in site.documents]


def _parse(doc: Document, shown: str) -> Document | None:
    """Parse a document's file again; None when it cannot be read or parsed (a full build reports why)."""
    if doc.source.is_symlink():  # a full build decides whether the link may be followed
        return None
    try:
        data = read_file(doc.source, shown)
        return parse_document(data, doc.source, shown, doc.lang, doc.kind, doc.rel.split("/", 1)[1])
    except (OSError, SiteError, SiteErrors) as exc:
        log.debug("%s does not parse (%s): rendering everything to report it", shown, exc)
        return None


def _reread_facts(site: Site, names: tuple[str, ...]) -> dict[str, Fact] | None:
    """Return the site's facts with the changed files read again; None for a new or removed one.

    Raises SiteErrors when a changed fact file has mistakes.
    """
    facts = dict(site.facts)
    errors = ErrorCollector()
    for name in names:
        known = site.facts.get(PurePosixPath(name).stem)
        if known is None or known.source_path.name != name or not known.source_path.is_file():
            log.debug("content/facts/%s is new or removed: rendering everything", name)
            return None
        try:
            fact = read_fact(site.config, known.source_path, f"content/facts/{name}", known.id, errors)
        except SiteError as err:
            errors.add(err)
            continue
        if fact is not None:
            facts[known.id] = fact
    errors.raise_if_any()
    return facts


def _moved(old: Site, new: Site) -> bool:
    """Return whether a page changed its URL, or a page other than a tag page appeared or went.

    Bodies link to documents by URL, and every page reaches others through
    doc_url and group_url: following a move would mean re-rendering nearly everything.
    """
    before, after = _urls(old), _urls(new)
    for key in _differing(before, after):
        if not key[0].startswith("tag:"):
            log.debug("the page of %s (%s) moved, appeared or went: rendering everything", *key)
            return True
    return False


def _urls(site: Site) -> dict[tuple[str, str], str]:
    """Return every page's URL by (translation group, language), and every document page's by ("file", rel)."""
    found = {(page.group, page.lang): page.url for page in site.pages}
    found.update({("file", rel): page.url for rel, page in site.doc_pages.items()})
    return found


def _differing(before: Mapping[K, object], after: Mapping[K, object]) -> set[K]:
    """Return the keys whose values differ between two mappings (a key in one only included)."""
    return {key for key in before.keys() | after.keys() if before.get(key) != after.get(key)}


def _changed_facts(old: Site, new: Site) -> frozenset[str]:
    return frozenset(fact_id for fact_id, fact in new.facts.items() if old.facts.get(fact_id) != fact)


def _edited(site: Site, paths: tuple[str, ...]) -> tuple[Document, ...]:
    """Return the new versions of the edited documents."""
    edited = {shown.removeprefix("content/") for shown in paths}
    return tuple(doc for doc in site.documents if doc.rel in edited)


def _next_renderer(old: Renderer, site: Site, options: BuildOptions, templates_changed: bool) -> Renderer:
    """Return a renderer for the new site that starts from the previous one's bodies and PDFs.

    Mutable state is copied, so a failed update leaves the previous build whole.
    Jinja keeps compiled templates (auto_reload is off): changed ones need a new environment.
    """
    env = make_environment(site.config) if templates_changed else old.env
    layouts = tree_digest(theme_dirs(options.root, "layouts")) if templates_changed else old.layouts_digest
    return replace(old, site=site, env=env, layouts_digest=layouts, bodies=dict(old.bodies),
                   anchors=dict(old.anchors), links=dict(old.links),
                   images_without_alt=dict(old.images_without_alt), pdfs=dict(old.pdfs),
                   press_kits=dict(old.press_kits), site_cards=dict(old.site_cards), pdfs_rendered=0,
                   _body_inputs=None)


# --- what templates use ---------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class Reach:
    """What rendering a template involves: the templates it uses (itself included), what they read."""

    templates: frozenset[str]
    names: frozenset[str]
    """Every variable name they read (a superset of what they take from the context)."""
    attributes: frozenset[str] | None
    """Every attribute or key they read by name (``doc.title``, ``x["title"]``); None: any."""
    dynamic: bool = False
    """A template name computed while rendering, or a template that does not parse: it may use anything."""

    def uses_any(self, templates: frozenset[str]) -> bool:
        """Return whether one of ``templates`` may be rendered as part of this one."""
        return bool(templates) and (self.dynamic or not self.templates.isdisjoint(templates))

    def reads_any(self, names: Iterable[str]) -> bool:
        """Return whether this template may read one of the variables ``names``."""
        wanted = set(names)
        return bool(wanted) and (self.dynamic or not self.names.isdisjoint(wanted))

    def reads_attribute(self, names: frozenset[str]) -> bool:
        """Return whether this template may read one of the attributes ``names`` of an object."""
        return self.dynamic or self.attributes is None or not self.attributes.isdisjoint(names)


@dataclass
class TemplateIndex:
    """The templates of one environment, each read and parsed once, when first asked about."""

    env: jinja2.Environment
    _direct: dict[str, Reach] = field(default_factory=dict)
    _reach: dict[str, Reach] = field(default_factory=dict)

    def reach(self, name: str) -> Reach:
        """Return what rendering ``name`` involves, following extends, include, import and from."""
        if name not in self._reach:
            self._reach[name] = self._follow(name)
        return self._reach[name]

    def _follow(self, name: str) -> Reach:
        seen: set[str] = set()
        names: set[str] = set()
        attributes: set[str] | None = set()
        dynamic = False
        todo = [name]
        while todo:
            current = todo.pop()
            if current in seen:
                continue
            seen.add(current)
            if current not in self._direct:
                self._direct[current] = _read_template(self.env, current)
            direct = self._direct[current]
            names |= direct.names
            attributes = None if attributes is None or direct.attributes is None else attributes | direct.attributes
            dynamic = dynamic or direct.dynamic
            todo.extend(direct.templates)
        return Reach(frozenset(seen), frozenset(names), None if attributes is None else frozenset(attributes),
                     dynamic)


def _read_template(env: jinja2.Environment, name: str) -> Reach:
    """Return the templates, names and attributes one template refers to directly."""
    assert env.loader is not None
    try:
        ast = env.parse(env.loader.get_source(env, name)[0])
    except jinja2.TemplateNotFound:
        return Reach(frozenset(), frozenset(), frozenset())  # rendering reports it with the page that wants it
    except jinja2.TemplateSyntaxError:  # rendering reports it with its line
        return Reach(frozenset(), frozenset(), None, dynamic=True)
    refs = list(jinja2.meta.find_referenced_templates(ast))
    names = frozenset(node.name for node in ast.find_all(nodes.Name))
    return Reach(frozenset(ref for ref in refs if ref is not None), names, _attributes(ast), dynamic=None in refs)


def _attributes(ast: nodes.Template) -> frozenset[str] | None:
    """Return the attributes a template reads by name, or None when it names one with an expression.

    A subscript by a variable (``contact.name[lang]``) is taken to read a
    mapping, not to spell an attribute.
    """
    found = {node.attr for node in ast.find_all(nodes.Getattr)}
    found |= {node.arg.value for node in ast.find_all(nodes.Getitem)
              if isinstance(node.arg, nodes.Const) and isinstance(node.arg.value, str)}
    named: list[nodes.Expr] = []
    for call in ast.find_all((nodes.Filter, nodes.Test, nodes.Call)):
        assert isinstance(call, (nodes.Filter, nodes.Test, nodes.Call))
        named += [kw.value for kw in call.kwargs if kw.key == "attribute"]
        if isinstance(call, nodes.Filter) and call.name in _ATTRIBUTE_FILTERS and call.args:
            named.append(call.args[0])
    for expr in named:
        if not (isinstance(expr, nodes.Const) and isinstance(expr.value, str)):
            return None
        found.add(expr.value)
    return frozenset(found)


# --- what to make again ---------------------------------------------------------------------------

Inputs = tuple[tuple[object, ...], tuple[object, ...]]
"""What an output is made of: what it shows, and the items it lists (of a listed document, the
`MARKDOWN_FIELDS` count only when a template reads one of them)."""


def page_inputs(renderer: Renderer, page: Page) -> Inputs:
    """Return what a page's HTML is made of besides its templates and language-wide values.

    Mirrors `Renderer.page_context`: the page record with its own document and
    figure, its body, its language switcher, its figure, its featured figures
    and its share image; then the items it lists and the documents citing its figure.
    """
    facts = renderer.page_facts(page)
    body = renderer.bodies.get(page.doc.rel) if page.doc is not None else None
    fact = renderer.fact(page.fact.id, page.lang) if page.fact is not None else None
    cited = (tuple(doc for doc in renderer.site.cited_by.get(page.fact.id, ()) if doc.lang == page.lang)
             if page.fact is not None else ())
    record = (page.url, page.lang, page.kind, page.template, page.title, page.group, page.doc, page.fact, page.tag)
    shown = (record, body, tuple(renderer.alternates(page)), fact, tuple(facts), renderer.og_image(page, facts))
    return shown, (*page.items, *cited)


def text_inputs(site: Site) -> Inputs:
    """Return what the feeds, sitemap, robots.txt and _headers are made of (see `Renderer.render_text_files`)."""
    urls = tuple((page.url, page.lang, page.group, page.kind, page.doc.date if page.doc else None)
                 for page in site.pages)
    return (urls,), tuple(doc for lang in site.config.codes for doc in site.groups["home"][lang].items)


def _listed(item: object) -> object:
    """Return what a list shows of an item: a document without its Markdown, anything else whole."""
    if isinstance(item, Document):
        return tuple(getattr(item, name) for name in LISTED_FIELDS)
    return item


def _linked(pages: tuple[Page, ...]) -> tuple[tuple[str, str, str], ...]:
    """Return what the footer shows of the pages it links: address, title, role."""
    return tuple((page.url, page.title, page.group) for page in pages)


def _tag_names(site: Site) -> dict[tuple[str, str], str]:
    """Return the title of every tag page by (group, language): what tag_name shows."""
    return {(page.group, page.lang): page.title for page in site.pages if page.kind == "tag"}


@dataclass
class _Work:
    """One incremental update, run once: the renderers before and after, and what changed on the way."""

    old: Renderer
    renderer: Renderer
    templates: frozenset[str]
    """Names of the changed templates."""
    index: TemplateIndex
    options: BuildOptions
    changes: set[tuple[str, str]] = field(default_factory=set)
    """(language, name in `GLOBAL_NAMES`) pairs whose value changed."""
    made: list[OutputFile] = field(default_factory=list)
    focus: frozenset[str] | None = None
    """URLs of the only pages that may change (`_markdown_focus`), or None: any page may."""
    old_pages: dict[str, Page] = field(init=False)
    """The previous build's pages by output path."""

    def __post_init__(self) -> None:
        self.old_pages = {output_path(page.url): page for page in self.old.site.pages}

    @property
    def site(self) -> Site:
        """Return the new site."""
        return self.renderer.site

    def run(self, files: Mapping[str, OutputFile], facts: frozenset[str],
            edited: tuple[Document, ...]) -> Update | None:
        """Make what changed, in `render_site`'s order; return the new build, or None to render everything."""
        clock = time.perf_counter()
        self._note_tag_changes()
        if not self._render_bodies(edited, facts):
            return None
        cards = CardCache(cache_dir(self.options.root) / "cards", read_only=not self.options.use_cache)
        self._render_cards(files, facts, cards)
        self._render_factsheets()
        pages = self._pages_to_render()
        if self._text_changed():
            self.made += self.renderer.render_text_files()
        self.made += self.renderer.render_pages(in_memory, pages)
        result = BuildResult(site=self.site, renderer=self.renderer, files=self._files(files),
                             cards_drawn=cards.drawn, pdfs_rendered=self.renderer.pdfs_rendered,
                             timings={"update": time.perf_counter() - clock})
        removed = frozenset(files.keys() - result.files.keys())
        log.debug("incremental update: %d of %d pages and %d other files made again, %d removed, in %.3fs",
                  len(pages), len(self.site.pages), len(self.made) - len(pages), len(removed),
                  result.timings["update"])
        return Update(result, frozenset(item.path for item in self.made), removed, self.index)

    def _note_tag_changes(self) -> None:
        """Note the languages where a tag page appeared or went, or a tag's shown name changed."""
        before, after = _tag_names(self.old.site), _tag_names(self.site)
        self.changes |= {(lang, GROUP_URL) for _, lang in before.keys() ^ after.keys()}
        self.changes |= {(lang, TAG_NAME) for _, lang in _differing(before, after)}
        self.changes |= {(lang, TAG_URL) for lang in _differing(self.old.site.tag_slugs, self.site.tag_slugs)}
        self.changes |= {(lang, SITE_PAGES) for lang in self.site.config.codes
                         if _linked(site_pages(self.old.site, lang)) != _linked(site_pages(self.site, lang))}

    def _render_bodies(self, edited: tuple[Document, ...], facts: frozenset[str]) -> bool:
        """Render again the bodies of edited documents and of those whose embeds changed.

        Returns False when the embed template reads press kits or PDFs: a full
        build renders fact sheet bodies before those exist and the other bodies
        after, which an update cannot reproduce.
        """
        todo = {doc.rel: doc for doc in edited}
        for doc in self.site.documents:
            if doc.embeds and (not facts.isdisjoint(doc.embeds) or self._template_changed(EMBED_TEMPLATE, doc.lang)):
                todo.setdefault(doc.rel, doc)
        if any(doc.embeds for doc in todo.values()) and self.index.reach(EMBED_TEMPLATE).reads_any(LATE_NAMES):
            log.debug("%s reads %s: rendering everything", EMBED_TEMPLATE, " or ".join(sorted(LATE_NAMES)))
            return False
        for rel in todo:
            self.renderer.bodies.pop(rel, None)
        self.renderer.render_bodies(tuple(todo.values()))
        return True

    def _render_cards(self, files: Mapping[str, OutputFile], facts: frozenset[str], cache: CardCache) -> None:
        """Draw the changed figures' cards, and make the press kits again when a figure changed."""
        if not facts:
            return
        cards = self.renderer.render_cards(cache, facts=tuple(sorted(facts)))
        self.renderer.press_kits.clear()
        kits = self.renderer.render_press_kits([*files.values(), *cards])  # the new cards win
        self.made += [*cards, *kits]
        self.changes |= {(lang, PRESS_KIT) for lang in _differing(self.old.press_kits, self.renderer.press_kits)}

    def _render_factsheets(self) -> None:
        """Make every fact sheet PDF again (most from the cache) when one sheet's inputs changed."""
        sheets = [self.site.doc_pages[doc.rel] for doc in self.site.documents
                  if doc.factsheet and doc.kind == "resources"]
        if not any(self._sheet_changed(page) for page in sheets):
            return
        before = dict(self.renderer.pdfs)
        self.renderer.pdfs.clear()  # as in a full build, each sheet sees only the sheets made before it
        self.made += self.renderer.render_factsheets(cache_dir(self.options.root) / "pdf",
                                                     read_only=not self.options.use_cache)
        if self.renderer.pdfs != before:
            self.changes |= {(lang, PDF_INFO) for lang in self.site.config.codes}

    def _sheet_changed(self, page: Page) -> bool:
        """Return whether a fact sheet's PDF may differ: its print layout or its page's inputs changed."""
        return (any(self._template_changed(name, page.lang) for name in PRINT_TEMPLATES)
                or self._inputs_changed(page, PRINT_TEMPLATES))

    def _pages_to_render(self) -> list[Page]:
        """Return the pages that are new, use a changed template or value, or whose inputs changed."""
        candidates = (self.site.pages if self.focus is None
                      else [page for page in self.site.pages if page.url in self.focus])
        return [page for page in candidates
                if self._template_changed(page.template, page.lang) or self._inputs_changed(page, (page.template,))]

    def _template_changed(self, name: str, lang: str) -> bool:
        """Return whether a template rendered in a language reaches a changed template or reads a changed value."""
        names = self._changed_names(lang)
        if not self.templates and not names:
            return False  # nothing to look for: no template is read
        reach = self.index.reach(name)
        return reach.uses_any(self.templates) or reach.reads_any(names)

    def _inputs_changed(self, page: Page, templates: tuple[str, ...]) -> bool:
        """Return whether a page is new or its `page_inputs` differ from the previous build's."""
        before = self.old_pages.get(output_path(page.url))
        return before is None or self._differ(page_inputs(self.old, before), page_inputs(self.renderer, page),
                                              templates)

    def _differ(self, before: Inputs, after: Inputs, templates: tuple[str, ...]) -> bool:
        """Return whether an output made by ``templates`` from these inputs may differ.

        The Markdown of listed documents counts only when one of ``templates`` reads it.
        """
        if before[0] != after[0]:
            return True
        if before[1] == after[1]:  # the same items: quick when they are the very same objects
            return False
        if tuple(map(_listed, before[1])) != tuple(map(_listed, after[1])):
            return True
        return any(self.index.reach(name).reads_attribute(MARKDOWN_FIELDS) for name in templates)

    def _text_changed(self) -> bool:
        """Return whether the feeds, sitemap, robots.txt or _headers may differ."""
        if self.focus is not None:  # only Markdown changed: it counts only if one of them reads it
            return any(self.index.reach(name).reads_attribute(MARKDOWN_FIELDS) for name in TEXT_TEMPLATES)
        return (any(self._template_changed(name, lang) for name in TEXT_TEMPLATES for lang in self.site.config.codes)
                or self._differ(text_inputs(self.old.site), text_inputs(self.site), TEXT_TEMPLATES))

    def _changed_names(self, lang: str) -> set[str]:
        return {name for changed_lang, name in self.changes if changed_lang == lang}

    def _files(self, files: Mapping[str, OutputFile]) -> dict[str, OutputFile]:
        """Return the previous files without the pages that went, with every file made again."""
        gone = self.old_pages.keys() - {output_path(page.url) for page in self.site.pages}
        made = {item.path for item in self.made}
        kept = [item for path, item in files.items() if path not in gone and path not in made]
        if not made <= files.keys():  # a new page: check that it takes no other file's path
            return plan_files([*kept, *self.made])
        return {**{item.path: item for item in kept}, **{item.path: item for item in self.made}}
