"""Render the Site's pages and text files (feeds, sitemap, robots, headers) to OutputFiles."""

from __future__ import annotations

import io
import logging
import posixpath
import zipfile
from pathlib import Path
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Callable, Generic, Sequence, TypeVar

import jinja2
from markdown_it import MarkdownIt
from babel.numbers import format_decimal
from markdown_it.common.utils import escapeHtml
from markupsafe import Markup

from generator.assets import Assets
from generator.cache import Store, digest
from generator.cards import CardCache, CardSpec
from generator.errors import ErrorCollector, SiteError
from generator.formats import format_date, language_name
from generator.i18n import Strings
from generator.markup import RenderEnv, render_markdown
from generator.model import Alternate, Document, HelpContact, OutputFile, Page, Site
from generator.paths import output_path, prefix_site_urls
from generator.plan import (CARD_SIZES, SHARE_CARD, card_path, factsheet_path, feed_path, page_folder,
                            press_kit_path, site_card_path)
from generator.prerender import LABELS, BodyAhead, fill
from generator.theme import theme_dirs
from generator.templating import render_template
from generator.workers import map_in_processes, shared
from generator.phones import tel_href
from generator.views import FactView, absolute, fact_view, help_for

log = logging.getLogger(__name__)

T = TypeVar("T")

SECTION_OF_KIND = {"article": "articles", "resource": "resources", "fact": "facts", "tag": "tags"}


@dataclass
class Renderer:
    """Renders one assembled site with one template environment."""

    site: Site
    strings: dict[str, Strings]
    env: jinja2.Environment
    assets: Assets
    md: MarkdownIt
    bodies: dict[str, str] = field(default_factory=dict)
    """Document rel → body HTML."""
    anchors: dict[str, set[str]] = field(default_factory=dict)
    """Page URL → heading ids (for the link checker)."""
    links: dict[str, list[tuple[str, int]]] = field(default_factory=dict)
    """Document rel → internal links with their lines."""
    images_without_alt: dict[str, list[int]] = field(default_factory=dict)
    pdfs: dict[str, dict[str, Any]] = field(default_factory=dict)
    """Document rel → its fact sheet PDF: url, pages, bytes."""
    press_kits: dict[str, dict[str, Any]] = field(default_factory=dict)
    """Language → the zip of its cards: url, bytes."""
    layouts_digest: str = ""
    """Hash of every layout file, for cache keys."""
    pdfs_rendered: int = 0
    """Fact sheet PDFs actually rendered (not taken from the cache)."""
    site_cards: dict[str, SiteCard] = field(default_factory=dict)
    """Language → the site's own card, shared by pages that feature no figure."""
    progress: Callable[[str, int, int], None] | None = None
    """Told (stage, done, total) as pages, cards and PDFs are made (for a terminal's progress line)."""
    _body_inputs: str | None = None
    _fact_views: dict[tuple[str, str], FactView] = field(default_factory=dict, init=False, repr=False)
    """(fact id, language) → its view; a new Renderer (or `replace`) starts empty."""
    _embeds: dict[tuple[str, str], str] = field(default_factory=dict, init=False, repr=False)
    _documents: dict[str, Document] = field(default_factory=dict, init=False, repr=False)

    def __post_init__(self) -> None:
        self._documents = {doc.rel: doc for doc in self.site.documents}

    # -- Markdown bodies ---------------------------------------------------

    def body_inputs(self) -> str:
        """Return a hash of everything besides its own text that a document body's HTML depends on."""
        if self._body_inputs is None:
            config = self.site.config
            urls = sorted((rel, page.url) for rel, page in self.site.doc_pages.items())
            strings = sorted((lang, sorted(s.values.items())) for lang, s in self.strings.items())
            self._body_inputs = digest(repr(config), repr(urls), repr(sorted(self.site.facts.items())),
                                       repr(strings), self.layouts_digest)
        return self._body_inputs

    def body_key(self, doc: Document) -> str:
        """Return the cache key of a document's body: its text and everything it depends on."""
        return digest(self.body_inputs(), doc.rel, str(doc.body_line), doc.body)

    def reuse_bodies(self, cache: Store, docs: Sequence[Document] | None = None) -> list[Document]:
        """Take the bodies the cache holds (of every document by default); return the documents still without one.

        The others are rendered with their pages, or by `render_bodies`.
        """
        todo = [doc for doc in (docs if docs is not None else self.site.documents) if doc.rel not in self.bodies]
        if cache.empty():  # a first build: no key to work out
            return todo
        missing: list[Document] = []
        for doc in todo:
            hit = cache.get(self.body_key(doc))
            if hit is not None:
                self._keep_body(doc, hit)
            else:
                missing.append(doc)
        return missing

    def adopt_bodies(self, ahead: Sequence[BodyAhead], cache: Store) -> int:
        """Keep the bodies rendered ahead (`generator.prerender`) whose every lookup resolves in this site.

        Their placeholders are filled in as `render_body` would have resolved them;
        the others are left to be rendered the usual way. Returns how many were kept.
        """
        kept = 0
        for item in ahead:
            doc = self._documents.get(item.rel)
            if doc is None or item.rel in self.bodies:
                continue
            found = self._resolve_ahead(doc, item.lookups)
            if found is None:
                continue
            raw, escaped = found
            result = (fill(item.html, escaped), item.anchors, [(fill(url, raw), line) for url, line in item.links],
                      item.images_without_alt)
            self._keep_body(doc, result)
            cache.put(self.body_key(doc), result)
            kept += 1
        return kept

    def _resolve_ahead(self, doc: Document, lookups: Sequence[tuple[str, str]]) -> tuple[list[str], list[str]] | None:
        """Return each lookup's value as it goes in links and as it goes in HTML, or None if one fails."""
        raw: list[str] = []
        escaped: list[str] = []
        for kind, argument in lookups:
            value: str | None
            if kind == "label":
                value = self.strings[doc.lang].values.get(argument)
            elif kind == "link":
                value = self.resolve_link(doc, argument)
            elif kind == "asset":
                value = self.assets.urls.get(argument)
            else:
                value = self.embed_html(argument, doc.lang)
            if value is None:
                return None
            raw.append(value)
            escaped.append(value if kind == "fact" else escapeHtml(value))  # an embed is HTML already
        return raw, escaped

    def render_bodies(self, docs: Sequence[Document] | None = None, cache: Store | None = None) -> None:
        """Render documents' Markdown not yet rendered; raise SiteErrors for all problems found.

        Bodies are looked up in ``cache`` by `body_key`, and kept there.
        """
        errors = ErrorCollector()
        cache = cache if cache is not None else Store(None)
        todo = self.reuse_bodies(cache, docs)
        if not todo:
            return
        for chunk in map_in_processes(_render_bodies_chunk, todo, self, progress=self._counter("markdown", len(todo))):
            for rel, result, found in chunk:
                self._take_body(rel, result, found, cache, errors)
        errors.raise_if_any()

    def _take_body(self, rel: str, result: BodyResult | None, found: list[SiteError], cache: Store,
                   errors: ErrorCollector) -> None:
        """Keep a body rendered here or in a worker, and cache it when it had no problem."""
        errors.extend(found)
        if result is None:
            return
        doc = self._documents[rel]
        self._keep_body(doc, result)
        if not found:
            cache.put(self.body_key(doc), result)

    def render_body(self, doc: Document) -> tuple[BodyResult | None, list[SiteError]]:
        """Render one document's Markdown: (html, anchors, links, images without alt), problems."""
        env = RenderEnv(
            source=f"content/{doc.rel}", body_line=doc.body_line,
            fact_html=lambda fact_id: self.embed_html(fact_id, doc.lang),
            resolve_link=lambda target: self.resolve_link(doc, target),
            resolve_asset=self.assets.urls.get,
            labels={"notes": self.strings[doc.lang].get(LABELS[0]), "back": self.strings[doc.lang].get(LABELS[1])},
        )
        try:
            html = render_markdown(self.md, doc.body, env)
        except SiteError as err:
            return None, [err, *env.errors]
        return (html, env.anchors, env.links, env.images_without_alt), env.errors

    def _keep_body(self, doc: Document, result: BodyResult) -> None:
        self.bodies[doc.rel], anchors, self.links[doc.rel], self.images_without_alt[doc.rel] = result
        page = self.site.doc_pages.get(doc.rel)
        if page is not None:
            self.anchors[page.url] = anchors

    def _counter(self, stage: str, total: int) -> Callable[[int], None]:
        """Return a function that adds to a stage's progress and reports it."""
        done = 0

        def step(count: int) -> None:
            nonlocal done
            done += count
            if self.progress is not None:
                self.progress(stage, min(done, total), total)

        return step

    def resolve_link(self, doc: Document, target: str) -> str | None:
        """Return the URL of a .md file linked from a document (relative to its folder)."""
        base = posixpath.dirname(doc.rel)
        rel = posixpath.normpath(posixpath.join(base, target))
        page = self.site.doc_pages.get(rel)
        return page.url if page is not None else None

    def embed_html(self, fact_id: str, lang: str) -> str | None:
        """Return the HTML of a figure embedded in Markdown, or None when unknown."""
        if fact_id not in self.site.facts:
            return None
        key = (fact_id, lang)
        if key not in self._embeds:
            ctx = {**self.base_context(lang), "fact": self.fact(fact_id, lang)}
            self._embeds[key] = render_template(self.env, "partials/fact-embed.html", ctx,
                                                self.site.config.root).strip()
        return self._embeds[key]

    # -- views -----------------------------------------------------------------

    def fact(self, fact_id: str, lang: str) -> FactView:
        """Return the view of a figure in a language."""
        key = (fact_id, lang)
        view = self._fact_views.get(key)
        if view is None:
            page = self.site.fact_pages[key]
            view = self._fact_views[key] = fact_view(self.site.facts[fact_id], self.site.config.language(lang),
                                                     self.strings[lang], self.site.config, page.url)
        return view

    def doc_url(self, doc: Document) -> str:
        """Return the URL of a published document."""
        if doc.kind == "home":
            return f"/{doc.lang}/"
        return self.site.doc_pages[doc.rel].url

    def alternates(self, page: Page) -> list[Alternate]:
        """Return the page in every other language, or the section index where it is missing."""
        result = []
        group = self.site.groups.get(page.group, {})
        for lang in self.site.config.codes:
            if lang == page.lang:
                continue
            other = group.get(lang)
            if other is not None:
                result.append(Alternate(lang=lang, url=other.url, translated=True))
                continue
            section = SECTION_OF_KIND.get(page.kind, "")
            fallback = self.site.groups.get(f"section:{section}", {}).get(lang) if section else None
            result.append(Alternate(lang=lang, url=fallback.url if fallback else f"/{lang}/", translated=False,
                                    fallback="section" if fallback else "home"))
        return result

    def base_context(self, lang: str) -> dict[str, Any]:
        """Return what every template of a language sees."""
        config = self.site.config
        language = config.language(lang)
        strings = self.strings[lang]
        contacts = help_for(config, lang)

        def fmt_date(value: date | None, style: str = "long") -> str:
            return format_date(value, language.locale, style) if value else ""

        return {
            "config": config,
            "lang": lang,
            "language": language,
            "languages": config.languages,
            "site_title": config.title[lang],
            "site_description": config.description.get(lang, ""),
            "publisher": config.publisher.get(lang, ""),
            "t": strings.get,
            "asset": self.assets.url,
            "absolute": lambda url: absolute(config, url),
            "format_date": fmt_date,
            "tel": tel_href,
            "help_contacts": contacts,
            "urgent_contacts": footer_contacts(contacts, lang),
            "site_pages": site_pages(self.site, lang),
            "home_url": f"/{lang}/",
            "section_url": lambda key: f"/{lang}/{config.sections[key][lang]}/",
            "help_page": self.group_url("doc:help", lang),
            "feed_url": f"/{lang}/feed.xml",
            "doc_url": self.doc_url,
            "fact": None,
            "has_t": strings.has,
            "language_name": lambda code: language_name(code, language.locale),
            "group_url": lambda group: self.group_url(group, lang),
            "tag_name": lambda tag: self.site.groups[f"tag:{tag}"][lang].title,
            "tag_url": lambda tag: f"/{lang}/{config.sections['tags'][lang]}/{self.site.tag_slugs[lang][tag]}/",
            "markdown": self.inline_markdown,
            "pdf_info": lambda doc: self._download(self.pdfs.get(doc.rel), lang),
            "press_kit": lambda: self._download(self.press_kits.get(lang), lang),
        }

    def inline_markdown(self, text: str) -> Markup:
        """Render a short Markdown text (a figure's context) without embeds or .md links."""
        return Markup(self.md.render(text))

    def group_url(self, group: str, lang: str) -> str | None:
        """Return the URL of a translation group's page in a language, if it exists."""
        page = self.site.groups.get(group, {}).get(lang)
        return page.url if page else None

    def page_context(self, page: Page) -> dict[str, Any]:
        """Return the template context for a given page."""
        ctx = self.base_context(page.lang)
        alternates = self.alternates(page)
        config = self.site.config
        if page.kind == "chooser":  # every language's home, and itself as the default (not as a language)
            hreflang = [(code, absolute(config, f"/{code}/")) for code in config.codes]
        elif page.kind == "not_found":  # served at any address: no alternates, no canonical, not indexed
            hreflang = []
        else:
            hreflang = [(page.lang, absolute(config, page.url))] + [
                (a.lang, absolute(config, a.url)) for a in alternates if a.translated]
        if page.kind in ("chooser", "home"):  # the homes and the chooser are one cluster
            hreflang.append(("x-default", absolute(config, "/")))
        ctx.update(
            page=page,
            canonical=absolute(self.site.config, page.url),
            alternates=alternates,
            hreflang=sorted(hreflang),
            content=Markup(self.bodies.get(page.doc.rel, "")) if page.doc else Markup(""),
        )
        if page.fact is not None:
            view = self.fact(page.fact.id, page.lang)
            ctx["fact"] = view
            ctx["cited_by"] = [d for d in self.site.cited_by.get(page.fact.id, ()) if d.lang == page.lang]
        ctx["page_facts"] = self.page_facts(page)
        ctx["og_image"] = self.og_image(page, ctx["page_facts"])
        return ctx

    def page_facts(self, page: Page) -> list[FactView]:
        """Return the figures a page features (front matter, home's featured, facts index)."""
        lang = page.lang
        if page.kind == "home":
            ids = self.site.config.featured_facts or tuple(sorted(self.site.facts))
        elif page.kind == "facts":
            ids = tuple(sorted(self.site.facts))
        elif page.doc is not None:
            ids = page.doc.facts
        else:
            ids = ()
        return [self.fact(i, lang) for i in ids if i in self.site.facts]

    def og_image(self, page: Page, facts: list[FactView]) -> FactView | SiteCard | None:
        """Return the card that represents the page when shared: its figure's, or the site's."""
        if page.kind == "fact":
            return self.fact(page.fact.id, page.lang) if page.fact else None
        if facts:
            return facts[0]
        return self.site_cards.get(page.lang)

    # -- files -------------------------------------------------------------------

    def render_page(self, page: Page) -> OutputFile:
        """Render one HTML page."""
        if page.doc is not None and page.doc.layout and page.template not in self.env.list_templates():
            raise SiteError(f"layout '{page.doc.layout}' does not exist: there is no layouts/{page.template}; "
                            "remove the layout line or check its spelling", source=f"content/{page.doc.rel}")
        html = render_template(self.env, page.template, self.page_context(page), self.site.config.root)
        html = prefix_site_urls(html, self.site.config.base_path)
        return OutputFile(path=output_path(page.url), data=html.encode("utf-8"), origin=_origin(page))

    def render_pages(self, put: Callable[[OutputFile], T], pages: Sequence[Page] | None = None,
                     cache: Store | None = None, meanwhile: Callable[[], None] | None = None) -> list[T]:
        """Render pages over several cores for a large site, handing each file to ``put`` where it is made.

        ``put`` runs in the worker that made the file (`output.Staging.put` writes
        it there); what it returns comes back. A page whose document body is not
        rendered yet renders it first, and the body is kept here and in ``cache``.
        Every Markdown and template problem is gathered before raising.
        ``meanwhile`` runs here while the workers render (see `map_in_processes`).
        """
        errors = ErrorCollector()
        cache = cache if cache is not None else Store(None)
        todo = tuple(pages if pages is not None else self.site.pages)
        kept: list[T] = []
        job = _PageJob(self, todo, put)
        for chunk in map_in_processes(_render_pages_chunk, range(len(todo)), job,
                                      progress=self._counter("pages", len(todo)), meanwhile=meanwhile):
            kept += chunk.kept
            for rel, result, found in chunk.bodies:
                self._take_body(rel, result, found, cache, errors)
            errors.extend(chunk.errors)
        errors.raise_if_any()
        return kept

    def render_text_files(self) -> list[OutputFile]:
        """Render feeds, sitemap, robots.txt and host headers."""
        config = self.site.config
        files = []
        for lang in config.codes:
            ctx = self.base_context(lang)
            articles = self.site.groups["home"][lang].items
            updated = max((d.date for d in articles if d.date), default=None)
            ctx.update(entries=articles, updated=updated, feed_self=absolute(config, f"/{lang}/feed.xml"))
            files.append(self._text("feed.xml", ctx, feed_path(lang)))
        urls = []
        for page in self.site.pages:
            if page.kind in ("not_found",):
                continue
            group = self.site.groups.get(page.group, {})
            alternates = sorted((lang, absolute(config, p.url)) for lang, p in group.items()) if len(group) > 1 else []
            lastmod = page.doc.date if page.doc and page.doc.date else None
            urls.append((absolute(config, page.url), alternates, lastmod))
        base = self.base_context(config.default_language)
        files.append(self._text("sitemap.xml", {**base, "urls": urls}, "sitemap.xml"))
        files.append(self._text("robots.txt", {**base, "sitemap": absolute(config, "/sitemap.xml")}, "robots.txt"))
        files.append(self._text("_headers", base, "_headers"))
        return files

    def card_spec(self, fact_id: str, lang: str) -> CardSpec:
        """Return what the cards of a figure in a language show."""
        view = self.fact(fact_id, lang)
        config = self.site.config
        source_line = f"{self.strings[lang].get('fact.source')} {view.publisher}, {view.source_date}"
        return CardSpec(
            fact_id=fact_id, source_path=f"content/facts/{fact_id}.yaml", figure=view.figure, label=view.label,
            source_line=source_line, site_name=config.title[lang],
            site_url=view.abs_url.split("://", 1)[-1].rstrip("/"), colors=config.colors, lang=lang,
            as_of=view.as_of,
        )

    def render_cards(self, cache: CardCache, facts: tuple[str, ...] | None = None) -> list[OutputFile]:
        """Return the card images of every figure in every language, drawn or from the cache."""
        errors = ErrorCollector()
        files = []
        ids = facts if facts is not None else tuple(sorted(self.site.facts))
        step = self._counter("cards", len(ids))
        for fact_id in ids:
            step(1)
            for lang in self.site.config.codes:
                page = self.site.fact_pages[(fact_id, lang)]
                try:
                    spec = self.card_spec(fact_id, lang)
                    for name, size in CARD_SIZES.items():
                        files.append(OutputFile(path=card_path(page.url, name), data=cache.get_or_render(spec, size),
                                                origin=f"content/facts/{fact_id}.yaml"))
                except SiteError as err:
                    errors.add(err)
        errors.raise_if_any()
        return files

    def _download(self, info: dict[str, Any] | None, lang: str) -> dict[str, Any] | None:
        if info is None:
            return None
        kilobytes = format_decimal(max(1, round(info["bytes"] / 1024)), locale=self.site.config.language(lang).locale)
        return {**info, "size": self.strings[lang].get("resources.size_kb", size=kilobytes)}

    def render_factsheets(self, cache_folder: Path, read_only: bool = False) -> list[OutputFile]:
        """Render each fact sheet's A4 PDF from the print layout (cached by its HTML in ``cache_folder``)."""
        errors = ErrorCollector()
        files: list[OutputFile] = []
        sheets = [doc for doc in self.site.documents if doc.factsheet and doc.kind == "resources"]
        if not sheets:
            return files
        try:  # WeasyPrint takes ~0.7 s to import, and needs the Pango system library
            from generator.pdf import PdfCache, print_css_context, qr_svg
        except (ImportError, OSError) as exc:
            raise SiteError(f"fact sheets need WeasyPrint and the Pango library to make PDFs ({exc}); on Debian or "
                            "Ubuntu: apt-get install libpango-1.0-0 libpangoft2-1.0-0",
                            source=f"content/{sheets[0].rel}") from None

        root = self.site.config.root
        cache = PdfCache(cache_folder, allowed_dirs=theme_dirs(root, "layouts"), read_only=read_only)
        css_context = print_css_context()
        step = self._counter("PDFs", len(sheets))
        for doc in sheets:
            step(1)
            page = self.site.doc_pages[doc.rel]
            try:
                ctx = self.page_context(page)
                ctx["print_css"] = Markup(render_template(self.env, "print/factsheet.css", css_context, root))
                ctx["qr"] = Markup(qr_svg(ctx["canonical"]))
                html = render_template(self.env, "print/factsheet.html", ctx, root)
                result = cache.get_or_render(html, ctx["canonical"], source=f"content/{doc.rel}")
            except SiteError as err:
                errors.add(err)
                continue
            name = f"{doc.slug}.pdf"
            self.pdfs[doc.rel] = {"url": page.url + name, "pages": result.pages, "bytes": len(result.data)}
            files.append(OutputFile(path=factsheet_path(page.url, doc.slug), data=result.data,
                                    origin=f"content/{doc.rel}"))
        self.pdfs_rendered += cache.rendered
        errors.raise_if_any()
        return files

    def render_site_cards(self, cache: CardCache) -> list[OutputFile]:
        """Return a card per language for pages without a figure: the site's name and description.

        The title is the heading, wrapped over several lines when long; a title with
        " – " shows its first part as the heading and the rest below it, otherwise the
        description goes below. The footer has the publisher and the address (the
        name is above already). What cannot be drawn at all (a title of hundreds of
        characters, a letter the font lacks) leaves those pages without an image: a
        warning, not an error.
        """
        files = []
        config = self.site.config
        for lang in config.codes:
            title = config.title[lang]
            name, _, rest = title.partition(" – ")
            label = rest or config.description.get(lang, "")
            url = "/" + site_card_path(lang)
            spec = CardSpec(fact_id="site", source_path="site.yaml", figure=name, label=label,
                            source_line=config.publisher.get(lang, ""), site_name="",
                            site_url=absolute(config, f"/{lang}/").split("://", 1)[-1].rstrip("/"),
                            colors=config.colors, lang=lang, kind="site")
            try:
                data = cache.get_or_render(spec, CARD_SIZES[SHARE_CARD])
            except SiteError as err:
                log.warning("site.yaml: no site card for the %s pages without a figure: %s", lang, err.message)
                continue
            sentence = f"{name}. {label}" if label else name
            self.site_cards[lang] = SiteCard(abs_card_url=absolute(config, url), sentence=sentence)
            files.append(OutputFile(path=url.lstrip("/"), data=data, origin="site.yaml"))
        return files

    def render_press_kits(self, cards: list[OutputFile]) -> list[OutputFile]:
        """Return one zip per language with every card of that language and a list of sources."""
        files = []
        by_path = {f.path: f for f in cards}
        for lang in self.site.config.codes:
            section = self.site.groups["section:resources"][lang]
            entries: list[tuple[str, bytes]] = []
            sources = []
            for fact_id in sorted(self.site.facts):
                page = self.site.fact_pages[(fact_id, lang)]
                folder = page_folder(page.url)
                slug = self.site.facts[fact_id].slug[lang]
                for name in CARD_SIZES:
                    card = by_path.get(folder + name)
                    if card is not None:
                        entries.append((f"{slug}-{name}", card.data))
                view = self.fact(fact_id, lang)
                sources.append(f"{slug}: {view.sentence}\n  {view.cite}\n")
            if not entries:
                continue
            licence = self.site.config.licence
            readme = (f"{self.site.config.title[lang]}\n{licence.get('name', '')} {licence.get('url', '')}\n\n"
                      + "\n".join(sources))
            entries.append(("sources.txt", readme.encode("utf-8")))
            data = _zip(entries)
            path = press_kit_path(section.url, self.site.config.title[lang], lang)
            self.press_kits[lang] = {"url": "/" + path, "bytes": len(data)}
            files.append(OutputFile(path=path, data=data, origin="press kit"))
        return files

    def _text(self, template: str, ctx: dict[str, Any], path: str) -> OutputFile:
        text = render_template(self.env, template, ctx, self.site.config.root)
        return OutputFile(path=path, data=text.encode("utf-8"), origin=f"layouts/{template}")


BodyResult = tuple[str, set[str], list[tuple[str, int]], list[int]]


@dataclass(frozen=True, slots=True)
class SiteCard:
    """The site's own share image, for pages without a figure."""

    abs_card_url: str
    sentence: str
    """Its alt text."""


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


def _render_bodies_chunk(docs: Sequence[Document]) -> list[tuple[str, BodyResult | None, list[SiteError]]]:
    renderer: Renderer = shared()
    return [(doc.rel, *renderer.render_body(doc)) for doc in docs]


@dataclass(frozen=True, slots=True)
class _PageJob(Generic[T]):
    """What forked page workers share: the renderer, the pages (sent by index), where files go."""

    renderer: Renderer
    pages: tuple[Page, ...]
    put: Callable[[OutputFile], T]


@dataclass(frozen=True, slots=True)
class _PagesDone(Generic[T]):
    kept: list[T]
    bodies: list[tuple[str, BodyResult | None, list[SiteError]]]
    errors: list[SiteError]


def _render_pages_chunk(indexes: Sequence[int]) -> _PagesDone[Any]:
    job: _PageJob[Any] = shared()
    renderer = job.renderer
    done: _PagesDone[Any] = _PagesDone([], [], [])
    for index in indexes:
        page = job.pages[index]
        doc = page.doc
        if doc is not None and doc.rel not in renderer.bodies:
            result, found = renderer.render_body(doc)
            done.bodies.append((doc.rel, result, found))
            if result is None or found:
                continue
            renderer._keep_body(doc, result)
        try:
            done.kept.append(job.put(renderer.render_page(page)))
        except SiteError as err:
            done.errors.append(err)
    return done


#: How many help contacts every footer shows when none is marked ``urgent`` for its language.
FOOTER_CONTACTS = 3
#: Pages linked first in every footer, in this order (by translation group).
FOOTER_FIRST = ("doc:cover-your-tracks", "doc:about")


def footer_contacts(contacts: Sequence[HelpContact], lang: str) -> tuple[HelpContact, ...]:
    """Return the help contacts every page of a language shows: those marked urgent, else the first three."""
    urgent = tuple(c for c in contacts if lang in c.urgent)
    return urgent or tuple(contacts[:FOOTER_CONTACTS])


def site_pages(site: Site, lang: str) -> tuple[Page, ...]:
    """Return the pages (content/<lang>/pages/) every footer links to: the special ones first, then by title."""
    pages = [page for page in site.pages if page.lang == lang and page.kind == "page"]
    return tuple(sorted(pages, key=lambda p: (FOOTER_FIRST.index(p.group) if p.group in FOOTER_FIRST
                                              else len(FOOTER_FIRST), p.title.casefold(), p.url)))



def _origin(page: Page) -> str:
    if page.doc is not None:
        return f"content/{page.doc.rel}"
    if page.fact is not None:
        return f"content/facts/{page.fact.id}.yaml"
    return f"{page.kind} page ({page.lang})"


