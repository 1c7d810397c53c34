"""What templates see: the context of every page, built from explicit inputs.

`Contexts` is made from the assembled site, its UI strings, the template
environment, the assets, the bodies made so far and what later stages shared
(`Shared`: fact sheet PDFs, zips of cards, site cards). Nothing fills it in
afterwards: a stage that makes more (bodies, downloads) gets a new `Contexts`
with `Contexts.sharing` or `Contexts.with_bodies`.

Given a `deps.Recorder`, building a context records what it is made of, and
rendering a page records what its templates read (see `deps`).
"""

from __future__ import annotations

import json
import posixpath
from dataclasses import dataclass, field
from datetime import date
from typing import AbstractSet as Set, Any, Collection, Mapping, Sequence

import jinja2
from markdown_it import MarkdownIt
from markupsafe import Markup

from generator.sources.assets import Assets
from generator.render.bodies import Bodies
from generator.render.images import PROSE_SIZES, image_html
from generator.render.deps import Dep, Key, Recorder, recording
from generator.core.errors import SiteError
from generator.core.formats import format_date, format_value, language_name, list_comma, native_digits
from generator.core.messages import _
from generator.sources.i18n import Strings
from generator.model import Alternate, Document, Folder, HelpContact, OutputFile, Page, PageKind, Site
from generator.model.site import page_source
from generator.core.paths import output_path, prefix_site_urls
from generator.core.phones import tel_href
from generator.render.templating import layout_chain, render_template
from generator.render.views import FactView, absolute, fact_view, help_for

SECTION_OF_KIND = {PageKind.ARTICLE: "articles", PageKind.RESOURCE: "resources", PageKind.FACT: "facts",
                   PageKind.TAG: "tags"}
#: How many help contacts every footer shows when none is marked ``urgent`` for its language.
FOOTER_CONTACTS = 3
#: Pages linked first in every footer, in this order (by translation group).
FOOTER_FIRST = ("doc:cover-your-tracks", "doc:about")
#: The UI string that writes a download's size.
SIZE_STRING = "resources.size_kb"
#: The template of figure embeds in Markdown bodies.
EMBED_TEMPLATE = "partials/fact-embed.html"


@dataclass(frozen=True, slots=True)
class Download:
    """A file offered for download: a fact sheet's PDF or a language's zip of cards."""

    url: str
    bytes: int
    pages: int | None = None
    """A PDF's number of pages."""


@dataclass(frozen=True, slots=True)
class SiteCard:
    """The site's own share image, for pages without a figure."""

    abs_card_url: str
    sentence: str
    """Its alt text."""


@dataclass(frozen=True, slots=True)
class Shared:
    """What stages after the bodies make for every page to show."""

    sheets: Mapping[str, Download] = field(default_factory=dict)
    """Document rel → its fact sheet PDF."""
    kits: Mapping[str, Download] = field(default_factory=dict)
    """Language → the zip of its cards."""
    site_cards: Mapping[str, SiteCard] = field(default_factory=dict)
    """Language → the site's own card."""


class FactViews:
    """Each figure's view in each language, made when first asked for."""

    def __init__(self, site: Site, strings: Mapping[str, Strings]) -> None:
        self.site = site
        self.strings = strings
        self._views: dict[tuple[str, str], FactView] = {}

    def view(self, fact_id: str, lang: str) -> FactView:
        """Return the view of a figure in a language."""
        key = (fact_id, lang)
        found = self._views.get(key)
        if found is None:
            site = self.site
            found = self._views[key] = fact_view(site.facts[fact_id], site.config.language(lang), self.strings[lang],
                                                 site.config, site.fact_pages[key].url)
        return found

    def inherit(self, older: FactViews) -> None:
        """Take the views ``older`` made whose inputs are the same here: the figure, the settings, the language's
        strings and the figure page's address (what `fact_view` reads); for `vigie serve`'s updates."""
        site, old_site = self.site, older.site
        if site.config is not old_site.config and site.config != old_site.config:
            return
        for key, view in older._views.items():
            fact_id, lang = key
            fact, page = site.facts.get(fact_id), site.fact_pages.get(key)
            old_fact, old_page = old_site.facts.get(fact_id), old_site.fact_pages.get(key)
            if (fact is not None and page is not None and old_page is not None and lang in self.strings
                    and (fact is old_fact or fact == old_fact) and self.strings[lang] is older.strings.get(lang)
                    and page.url == old_page.url):
                self._views.setdefault(key, view)


def footer_contacts(contacts: Sequence[HelpContact], lang: str) -> tuple[HelpContact, ...]:
    """Return the help contacts every page of a language shows: those marked urgent, else the first three."""
    urgent = tuple(c for c in contacts if lang in c.urgent)
    return urgent or tuple(contacts[:FOOTER_CONTACTS])


def site_pages(site: Site, lang: str) -> tuple[Page, ...]:
    """Return the pages (content/<lang>/pages/) every footer links to: the special ones first, then by title."""
    pages = [page for page in site.pages if page.lang == lang and page.kind is PageKind.PAGE]
    return tuple(sorted(pages, key=lambda p: (FOOTER_FIRST.index(p.group) if p.group in FOOTER_FIRST
                                              else len(FOOTER_FIRST), p.title.casefold(), p.url)))


#: The sections whose index page lists what a language has (the search page is there whenever search is on).
LISTED_SECTIONS = (PageKind.ARTICLES, PageKind.FACTS, PageKind.RESOURCES, PageKind.TAGS)


def filled_sections(site: Site, lang: str) -> frozenset[str]:
    """Return the sections of a language that have something to show: articles, figures, fact sheets or the
    cards' zip (resources), tags. The menu and the home page offer only those (a site without figures has no
    "Key figures" leading to "Nothing here yet")."""
    filled = {str(page.kind) for page in site.pages
              if page.lang == lang and page.kind in LISTED_SECTIONS and page.items}
    if site.facts:  # the resources page offers the zip of every card
        filled.add(str(PageKind.RESOURCES))
    return frozenset(filled)


def page_origin(page: Page) -> str:
    """Return what makes a page, as messages name it."""
    return page_source(page) or _("{kind} page ({language})").format(kind=page.kind, language=page.lang)


class Contexts:
    """The template contexts of one site, from explicit inputs (see the module's docstring)."""

    def __init__(self, site: Site, strings: Mapping[str, Strings], env: jinja2.Environment, assets: Assets,
                 md: MarkdownIt, bodies: Bodies | None = None, shared: Shared | None = None,
                 views: FactViews | None = None) -> None:
        self.site = site
        self.strings = strings
        self.env = env
        self.assets = assets
        self.md = md
        self.bodies = bodies if bodies is not None else Bodies({})
        self.shared = shared if shared is not None else Shared()
        self.views = views if views is not None else FactViews(site, strings)
        self._embeds: dict[tuple[str, str], str] = {}
        self._embed_keys: dict[tuple[str, str], frozenset[Key]] = {}
        """(fact id, language) → what its embed read (with a recording environment: everything)."""
        self._base: dict[str, dict[str, Any]] = {}
        self._site_pages: dict[str, tuple[Page, ...]] = {}
        self._filled: dict[str, frozenset[str]] = {}

    def with_bodies(self, bodies: Bodies) -> Contexts:
        """Return the contexts of the same site with these bodies."""
        return Contexts(self.site, self.strings, self.env, self.assets, self.md, bodies, self.shared, self.views)

    def sharing(self, shared: Shared) -> Contexts:
        """Return the contexts of the same site with what later stages made."""
        return Contexts(self.site, self.strings, self.env, self.assets, self.md, self.bodies, shared, self.views)

    # -- values ------------------------------------------------------------------------------------------

    def fact(self, fact_id: str, lang: str) -> FactView:
        """Return the view of a figure in a language."""
        return self.views.view(fact_id, lang)

    def doc_url(self, doc: Document) -> str:
        """Return the URL of a published document."""
        if doc.kind is Folder.HOME:
            return f"/{doc.lang}/"
        return self.site.doc_pages[doc.rel].url

    def help_page(self, lang: str) -> tuple[str, str | None]:
        """Return the language and URL of the help page a page in ``lang`` leads to: its own, else the default
        language's (else the first language's that has one): a visitor at risk must reach help from every page."""
        pages = self.site.groups.get("doc:help", {})
        config = self.site.config
        for code in (lang, config.default_language, *config.codes):
            if code in pages:
                return code, pages[code].url
        return lang, None

    def group_url(self, group: str, lang: str) -> str | None:
        """Return the URL of a translation group's page in a language, if it exists."""
        page = self.site.groups.get(group, {}).get(lang)
        return page.url if page else None

    def link(self, doc: Document, target: str) -> str | None:
        """Return the URL of a .md file linked from a document (relative to its folder)."""
        rel = posixpath.normpath(posixpath.join(posixpath.dirname(doc.rel), target))
        page = self.site.doc_pages.get(rel)
        return page.url if page is not None else None

    def label(self, lang: str, key: str) -> str | None:
        """Return a UI string of a language, or None."""
        return self.strings[lang].values.get(key)

    def asset(self, name: str) -> str | None:
        """Return an asset's hashed URL, or None."""
        return self.assets.urls.get(name)

    def image(self, argument: str) -> str | None:
        """Return the HTML of an image of assets/ in Markdown (`markup.image_argument`), or None when unknown."""
        name, alt, title = json.loads(argument)
        src = self.assets.urls.get(name)
        if src is None:
            return None
        return image_html(src, alt, self.assets.images.get(name), title=title)

    def embed(self, fact_id: str, lang: str) -> str | None:
        """Return the HTML of a figure embedded in Markdown, or None when unknown."""
        if fact_id not in self.site.facts:
            return None
        key = (fact_id, lang)
        html = self._embeds.get(key)
        if html is None:
            rec = Recorder()
            with recording(rec):
                ctx = {**self.base_context(lang, rec), "fact": self.fact(fact_id, lang)}
                html = render_template(self.env, EMBED_TEMPLATE, ctx, self.site.config.root).strip()
            self._embeds[key], self._embed_keys[key] = html, frozenset(rec.keys)
        return html

    def fact_ids(self) -> Collection[str]:
        """Return the ids of the site's figures."""
        return self.site.facts.keys()

    def right_to_left(self, lang: str) -> bool:
        """Return whether the site's language ``lang`` is written right to left."""
        return self.site.config.language(lang).dir == "rtl"

    def inherit_embeds(self, older: Contexts, changed: Set[Key]) -> None:
        """Take the embeds ``older`` made whose recorded reads hold none of the ``changed`` keys."""
        for key, html in older._embeds.items():
            read = older._embed_keys.get(key)
            if read is not None and key[0] in self.site.facts and not read & changed:
                self._embeds[key], self._embed_keys[key] = html, read

    def alternates(self, page: Page, rec: Recorder | None = None) -> list[Alternate]:
        """Return the page in every other language, or the section index where it is missing."""
        result = []
        group = self.site.groups.get(page.group, {})
        if rec is not None:
            rec.add(Dep.GROUP, page.group)
        for lang in self.site.config.codes:
            if lang == page.lang:
                continue
            other = group.get(lang)
            if other is not None:
                result.append(Alternate(lang=lang, url=other.url, translated=True))
                continue
            section = SECTION_OF_KIND.get(page.kind, "")
            if rec is not None and section:
                rec.add(Dep.GROUP, f"section:{section}")
            fallback = self.site.groups.get(f"section:{section}", {}).get(lang) if section else None
            result.append(Alternate(lang=lang, url=fallback.url if fallback else f"/{lang}/", translated=False,
                                    fallback="section" if fallback else "home"))
        return result

    def page_facts(self, page: Page, rec: Recorder | None = None) -> list[FactView]:
        """Return the figures a page features (front matter, home's featured, facts index)."""
        facts = self.site.facts
        if page.kind is PageKind.HOME:
            ids = self.site.config.featured_facts or tuple(sorted(facts))
            keys: tuple[tuple[Any, ...], ...] = ((Dep.CONFIG, "featured_facts"), (Dep.FACTS,))
        elif page.kind is PageKind.FACTS:
            ids, keys = tuple(sorted(facts)), ((Dep.FACTS,),)
        elif page.doc is not None:
            ids, keys = page.doc.facts, ((Dep.DOC, page.doc.rel, "facts"), (Dep.FACTS,))
        else:
            ids, keys = (), ()
        if rec is not None:
            for key in keys:
                rec.add(*key)
        return [self.fact(i, page.lang) for i in ids if i in facts]

    def og_image(self, page: Page, facts: list[FactView], rec: Recorder | None = None) -> FactView | SiteCard | None:
        """Return the card that represents the page when shared: its figure's, or the site's."""
        if page.kind is PageKind.FACT:
            return self.fact(page.fact.id, page.lang) if page.fact else None
        if facts:
            return facts[0]
        if rec is not None:
            rec.add(Dep.SITE_CARD, page.lang)
        return self.shared.site_cards.get(page.lang)

    def inline_markdown(self, text: str) -> Markup:
        """Render a short Markdown text (a figure's context) without embeds or .md links."""
        return Markup(self.md.render(text))

    def download(self, info: Download | None, lang: str) -> dict[str, Any] | None:
        """Return what templates show of a download: url, bytes, pages and its size in words."""
        if info is None:
            return None
        kilobytes = format_value(max(1, round(info.bytes / 1024)), "number", self.site.config.language(lang).locale)
        shown: dict[str, Any] = {"url": info.url, "bytes": info.bytes,
                                 "size": self.strings[lang].get(SIZE_STRING, size=kilobytes)}
        if info.pages is not None:
            shown["pages"] = info.pages
        return shown

    def filled_sections(self, lang: str) -> frozenset[str]:
        """Return the sections of a language that have something to show (`filled_sections`)."""
        found = self._filled.get(lang)
        if found is None:
            found = self._filled[lang] = filled_sections(self.site, lang)
        return found

    def site_pages(self, lang: str) -> tuple[Page, ...]:
        """Return the pages every footer of a language links to."""
        found = self._site_pages.get(lang)
        if found is None:
            found = self._site_pages[lang] = site_pages(self.site, lang)
        return found

    # -- contexts ----------------------------------------------------------------------------------------

    def base_context(self, lang: str, rec: Recorder | None = None) -> dict[str, Any]:
        """Return what every template of a language sees (with ``rec``, functions record what they return)."""
        if rec is None:
            base = self._base.get(lang)
            if base is None:
                base = self._base[lang] = self._make_base(lang, None)
            return dict(base)
        for key in ((Dep.CONFIG, "title"), (Dep.CONFIG, "description"), (Dep.CONFIG, "publisher"),
                    (Dep.CONFIG, "help"), (Dep.CONFIG, "languages"), (Dep.SITE_PAGES, lang),
                    (Dep.GROUP, "doc:help")):
            rec.add(*key)
        return self._make_base(lang, rec)

    def _make_base(self, lang: str, rec: Recorder | None) -> dict[str, Any]:
        config = self.site.config
        language = config.language(lang)
        strings = self.strings[lang]
        contacts = help_for(config, lang)
        site = self.site

        def note(*key: Any) -> None:
            if rec is not None:
                rec.add(*key)

        def t(key: str, **params: Any) -> str:
            note(Dep.STRING, lang, key)
            return strings.get(key, **params)

        def has_t(key: str) -> bool:
            note(Dep.STRING, lang, key)
            return strings.has(key)

        def asset(name: str) -> str:
            note(Dep.ASSET, name)
            return self.assets.url(name)

        def image(name: str, alt: str, sizes: str = PROSE_SIZES, lazy: bool = True, css_class: str = "") -> Markup:
            note(Dep.ASSET, name)
            return Markup(image_html(self.assets.url(name), alt, self.assets.images.get(name), sizes, lazy,
                                     css_class=css_class))

        def absolute_url(url: str) -> str:
            note(Dep.CONFIG, "base_url")
            return absolute(config, url)

        def fmt_date(value: date | None, style: str = "long") -> str:
            return format_date(value, language.locale, style) if value else ""

        def section_url(key: str) -> str:
            note(Dep.CONFIG, "sections")
            return f"/{lang}/{config.sections[key][lang]}/"

        def has_section(key: str) -> bool:
            note(Dep.SECTIONS, lang)
            return key in self.filled_sections(lang)

        def doc_url(doc: Document) -> str:
            note(Dep.DOC_URL, doc.rel)
            return self.doc_url(doc)

        def group_url(group: str) -> str | None:
            note(Dep.GROUP, group)
            return self.group_url(group, lang)

        def tag_name(tag: str) -> str:
            note(Dep.TAGS, lang)
            return site.groups[f"tag:{tag}"][lang].title

        def tag_url(tag: str) -> str:
            note(Dep.TAGS, lang)
            note(Dep.CONFIG, "sections")
            return f"/{lang}/{config.sections['tags'][lang]}/{site.tag_slugs[lang][tag]}/"

        def pdf_info(doc: Document) -> dict[str, Any] | None:
            note(Dep.DOWNLOAD, doc.rel)
            note(Dep.STRING, lang, SIZE_STRING)
            return self.download(self.shared.sheets.get(doc.rel), lang)

        def press_kit() -> dict[str, Any] | None:
            note(Dep.DOWNLOAD, lang)
            note(Dep.STRING, lang, SIZE_STRING)
            return self.download(self.shared.kits.get(lang), lang)

        help_lang, help_url = self.help_page(lang)
        return {
            "config": config,
            "lang": lang,
            "language": language,
            "languages": config.languages,
            "site_title": config.title[lang],
            "site_description": config.description.get(lang, ""),
            "publisher": config.publisher.get(lang, ""),
            "t": t,
            "asset": asset,
            "image": image,
            "absolute": absolute_url,
            "format_date": fmt_date,
            "tel": tel_href,
            "help_contacts": contacts,
            "urgent_contacts": footer_contacts(contacts, lang),
            "site_pages": self.site_pages(lang),
            "home_url": f"/{lang}/",
            "section_url": section_url,
            "has_section": has_section,
            "comma": list_comma(lang),
            "digits": lambda value: native_digits(str(value), language.locale),
            "help_page": help_url,
            "help_lang": help_lang,
            "feed_url": f"/{lang}/feed.xml",
            "doc_url": doc_url,
            "fact": None,
            "has_t": has_t,
            "language_name": lambda code: language_name(code, language.locale),
            "group_url": group_url,
            "tag_name": tag_name,
            "tag_url": tag_url,
            "markdown": self.inline_markdown,
            "pdf_info": pdf_info,
            "press_kit": press_kit,
        }

    def hreflang(self, page: Page, alternates: list[Alternate]) -> list[tuple[str, str]]:
        """Return the page's cluster of translations as (hreflang, absolute URL), sorted: the same for the
        page's <link rel=alternate> and its sitemap entry (``alternates``: `alternates` of the page)."""
        config = self.site.config
        if len(config.codes) == 1:  # a site in one language has no translations to point to
            return []
        if page.kind is PageKind.CHOOSER:  # every language's home, and itself as the default (not as a language)
            cluster = [(code, absolute(config, f"/{code}/")) for code in config.codes]
        elif page.kind is PageKind.NOT_FOUND:  # served at any address: no alternates, no canonical, not indexed
            cluster = []
        else:
            cluster = [(page.lang, absolute(config, page.url))] + [
                (a.lang, absolute(config, a.url)) for a in alternates if a.translated]
        if page.kind in (PageKind.CHOOSER, PageKind.HOME):  # the homes and the chooser are one cluster
            cluster.append(("x-default", absolute(config, "/")))
        return sorted(cluster)

    def page_context(self, page: Page, rec: Recorder | None = None) -> dict[str, Any]:
        """Return the template context for a given page."""
        ctx = self.base_context(page.lang, rec)
        alternates = self.alternates(page, rec)
        config = self.site.config
        hreflang = self.hreflang(page, alternates)
        if rec is not None:  # what is read here of the page itself, and what its canonical address is made of
            for name in ("url", "template", "kind", "group", "lang", "doc", "fact"):
                rec.add(Dep.PAGE, page.url, name)
            rec.add(Dep.CONFIG, "base_url")
            if page.doc is not None:
                rec.add(Dep.BODY, page.doc.rel)
        # A site in one language sends its root to its only home (`layouts/base.html`): that home is the page.
        only_home = page.kind is PageKind.CHOOSER and len(config.codes) == 1
        ctx.update(
            page=page,
            canonical=absolute(config, f"/{page.lang}/" if only_home else page.url),
            alternates=alternates,
            hreflang=hreflang,
            content=Markup(self.bodies.html(page.doc.rel)) if page.doc else Markup(""),
        )
        if page.fact is not None:
            ctx["fact"] = self.fact(page.fact.id, page.lang)
            if rec is not None:
                rec.add(Dep.CITED, page.fact.id, page.lang)
            ctx["cited_by"] = [d for d in self.site.cited_by.get(page.fact.id, ()) if d.lang == page.lang]
        ctx["page_facts"] = self.page_facts(page, rec)
        ctx["og_image"] = self.og_image(page, ctx["page_facts"], rec)
        return ctx

    def render_page(self, page: Page, rec: Recorder | None = None) -> OutputFile:
        """Render one HTML page (recording what it reads into ``rec``, when given)."""
        if page.doc is not None and page.doc.layout and page.template not in self.env.list_templates():
            raise SiteError(_("layout '{layout}' does not exist: there is no layouts/{template}; "
                              "remove the layout line or check its spelling").format(
                layout=page.doc.layout, template=page.template), source=f"content/{page.doc.rel}")
        with recording(rec):
            html = render_template(self.env, page.template, self.page_context(page, rec), self.site.config.root)
        if not html.strip():  # an emptied layouts/base.html: every page blank, and the search index refused them
            blank = _blank_template(self.env, page.template)
            raise SiteError(_("the template {template} makes an empty page (it, or a template it extends, writes "
                              "nothing); put its HTML back: the default theme's file of that name is a start")
                            .format(template=blank), source=f"layouts/{blank}")
        html = prefix_site_urls(html, self.site.config.base_path)
        return OutputFile(path=output_path(page.url), data=html.encode("utf-8"), origin=page_origin(page))


def _blank_template(env: jinja2.Environment, name: str) -> str:
    """Return the template that leaves a page blank: the first of ``name`` and those it extends holding nothing."""
    return next((layout.name for layout in layout_chain(env, name) if not layout.source.strip()), name)
