"""Assemble the Site: URLs, translation groups, indexes, tags; check what spans files."""

from __future__ import annotations

import logging
from collections import defaultdict
from dataclasses import replace
from datetime import date
from typing import Any, Iterable, Mapping, Sequence

from generator.core.errors import ErrorCollector, SiteError
from generator.core.messages import _
from generator.model import Document, Fact, Folder, Page, PageKind, SiteConfig, Site
from generator.core.paths import output_path, page_url, tag_slugs

log = logging.getLogger(__name__)

KIND_PAGE = {Folder.ARTICLES: PageKind.ARTICLE, Folder.PAGES: PageKind.PAGE, Folder.RESOURCES: PageKind.RESOURCE}


def is_published(doc: Document, today: date, drafts: bool) -> bool:
    """Return whether a document goes into this build (drafts and future dates wait)."""
    if drafts:
        return True
    if doc.draft:
        return False
    return doc.date is None or doc.date <= today


def assemble_site(
    config: SiteConfig,
    documents: Iterable[Document],
    facts: dict[str, Fact],
    today: date,
    drafts: bool = False,
) -> Site:
    """Return the checked Site; raise SiteErrors listing every cross-file problem."""
    errors = ErrorCollector()
    docs = tuple(sorted((d for d in documents if is_published(d, today, drafts)), key=_doc_order))
    _check_translation_keys(docs, errors)
    _check_fact_refs(config, docs, facts, errors)

    pages: list[Page] = [Page(url="/", lang=config.default_language, kind=PageKind.CHOOSER, template="chooser.html",
                              title=config.title[config.default_language], group="chooser")]
    doc_pages: dict[str, Page] = {}
    fact_pages: dict[tuple[str, str], Page] = {}
    tags: dict[str, dict[str, tuple[Document, ...]]] = {}
    tag_urls: dict[str, dict[str, str]] = {}
    for code in config.codes:
        mine = [d for d in docs if d.lang == code]
        home_doc = next((d for d in mine if d.kind is Folder.HOME), None)
        sections = {key: config.sections[key][code] for key in config.sections}
        articles = tuple(_newest_first(d for d in mine if d.kind is Folder.ARTICLES))
        resources = tuple(d for d in mine if d.kind is Folder.RESOURCES)
        pages.append(Page(url=page_url(code), lang=code, kind=PageKind.HOME, template="home.html",
                          title=config.title[code], group="home", doc=home_doc, items=articles))
        pages.append(Page(url=page_url(code, sections["articles"]), lang=code, kind=PageKind.ARTICLES,
                          template="articles.html", title="", group="section:articles", items=articles))
        pages.append(Page(url=page_url(code, sections["resources"]), lang=code, kind=PageKind.RESOURCES,
                          template="resources.html", title="", group="section:resources", items=resources))
        ordered_facts = tuple(facts[k] for k in sorted(facts))
        pages.append(Page(url=page_url(code, sections["facts"]), lang=code, kind=PageKind.FACTS,
                          template="facts.html", title="", group="section:facts", items=ordered_facts))
        for doc in mine:
            if doc.kind is Folder.HOME:
                continue
            segments = (doc.slug,) if doc.kind is Folder.PAGES else (sections[doc.kind], doc.slug)
            kind = KIND_PAGE[doc.kind]
            page = Page(url=page_url(code, *segments), lang=code, kind=kind,
                        template=f"{doc.layout or kind}.html", title=doc.title, group=f"doc:{doc.key}", doc=doc,
                        indexed=config.search and is_published(doc, today, drafts=False))
            pages.append(page)
            doc_pages[doc.rel] = page
        for fact in ordered_facts:
            page = Page(url=page_url(code, sections["facts"], fact.slug[code]), lang=code, kind=PageKind.FACT,
                        template="fact.html", title=fact.label[code], group=f"fact:{fact.id}", fact=fact,
                        indexed=config.search)
            pages.append(page)
            fact_pages[(fact.id, code)] = page
        slugs = tag_slugs(tag for doc in mine for tag in doc.tags)
        tag_urls[code] = slugs
        by_tag: dict[str, list[Document]] = defaultdict(list)
        for doc in mine:
            for slug in dict.fromkeys(slugs[tag] for tag in doc.tags):
                by_tag[slug].append(doc)
        tags[code] = {t: tuple(_newest_first(ds)) for t, ds in sorted(by_tag.items())}
        pages.append(Page(url=page_url(code, sections["tags"]), lang=code, kind=PageKind.TAGS, template="tags.html",
                          title="", group="section:tags", items=tuple(tags[code])))
        for tag, tagged in tags[code].items():
            pages.append(Page(url=page_url(code, sections["tags"], tag), lang=code, kind=PageKind.TAG, template="tag.html",
                              title=_tag_name(tag, tagged, slugs), group=f"tag:{tag}", items=tagged, tag=tag))
        if config.search:
            pages.append(Page(url=page_url(code, sections["search"]), lang=code, kind=PageKind.SEARCH,
                              template="search.html", title="", group="section:search"))
    pages.append(Page(url="/404.html", lang=config.default_language, kind=PageKind.NOT_FOUND, template="404.html",
                      title="404", group="404"))
    _check_unique_urls(pages, errors)
    errors.raise_if_any()

    groups: dict[str, dict[str, Page]] = defaultdict(dict)
    for page in pages:
        groups[page.group][page.lang] = page
    cited: dict[str, list[Document]] = defaultdict(list)
    for doc in docs:
        for fact_id in dict.fromkeys([*doc.facts, *doc.embeds]):
            cited[fact_id].append(doc)
    return Site(
        config=config,
        documents=docs,
        facts=facts,
        pages=tuple(pages),
        groups={g: dict(v) for g, v in groups.items()},
        doc_pages=doc_pages,
        fact_pages=fact_pages,
        cited_by={k: tuple(v) for k, v in cited.items()},
        tags=tags,
        tag_slugs=tag_urls,
    )


def with_new_records(site: Site, documents: Sequence[Document], facts: Mapping[str, Fact]) -> Site | None:
    """Return ``site`` holding ``documents`` and ``facts`` in place of its own, or None when it would change shape.

    ``documents`` are the site's documents in their order and ``facts`` its
    figures, some read again after a save. When each document differs from the
    one it replaces in its body alone (same front matter, same figures cited
    and embedded) and each figure keeps its addresses, the pages, their order,
    groups and tags stay as `assemble_site` made them: only what holds one of
    those records is made again, with the new one in it (a figure's pages take
    its new label as their title). The result equals what `assemble_site`
    returns for them: a preview update of a body or figure edit, without
    assembling 2,000 pages again.
    """
    if len(documents) != len(site.documents) or facts.keys() != site.facts.keys():
        return None
    swap: dict[int, Any] = {}  # id of a document or figure of ``site`` → the one in its place
    for old_doc, new_doc in zip(site.documents, documents):
        if new_doc is not old_doc:
            if new_doc.rel != old_doc.rel or replace(new_doc, body=old_doc.body) != old_doc:
                return None
            swap[id(old_doc)] = new_doc
    for fact_id, old_fact in site.facts.items():
        new_fact = facts[fact_id]
        if new_fact is not old_fact:
            if new_fact.slug != old_fact.slug:
                return None
            swap[id(old_fact)] = new_fact
    if not swap:
        return site

    def docs(found: tuple[Document, ...]) -> tuple[Document, ...]:
        return tuple(swap.get(id(doc), doc) for doc in found)

    made: dict[int, Page] = {}  # id of a page that held one of them → the page made again
    for page in site.pages:
        new_page = page
        if page.doc is not None and id(page.doc) in swap:
            new_page = replace(new_page, doc=swap[id(page.doc)])
        if page.fact is not None and id(page.fact) in swap:
            fact = swap[id(page.fact)]
            new_page = replace(new_page, fact=fact, title=fact.label[page.lang])
        if any(id(item) in swap for item in page.items):
            new_page = replace(new_page, items=tuple(swap.get(id(item), item) for item in page.items))
        if new_page is not page:
            made[id(page)] = new_page
    return replace(
        site,
        documents=docs(site.documents),
        facts=facts,
        pages=tuple(made.get(id(page), page) for page in site.pages),
        groups={group: {lang: made.get(id(page), page) for lang, page in by_lang.items()}
                for group, by_lang in site.groups.items()},
        doc_pages={rel: made.get(id(page), page) for rel, page in site.doc_pages.items()},
        fact_pages={key: made.get(id(page), page) for key, page in site.fact_pages.items()},
        cited_by={fact_id: docs(cited) for fact_id, cited in site.cited_by.items()},
        tags={lang: {tag: docs(tagged) for tag, tagged in by_tag.items()} for lang, by_tag in site.tags.items()},
    )


def _doc_order(doc: Document) -> tuple[str, str]:
    return (doc.lang, doc.rel)


def _newest_first(docs: Iterable[Document]) -> list[Document]:
    return sorted(docs, key=lambda d: (d.date or date.min, d.title), reverse=True)


def _tag_name(tag: str, docs: tuple[Document, ...], slugs: dict[str, str]) -> str:
    for doc in docs:
        for name in doc.tags:
            if slugs[name] == tag:
                return name
    return tag


def _check_translation_keys(docs: tuple[Document, ...], errors: ErrorCollector) -> None:
    seen: dict[tuple[str, str], Document] = {}
    for doc in docs:
        if doc.kind is Folder.HOME:
            continue
        other = seen.get((doc.lang, doc.key))
        if other is not None:
            errors.add(SiteError(
                _("this file and content/{other} share the translation key '{key}' in the same language; "
                  "give each its own translation_key").format(other=other.rel, key=doc.key),
                source=f"content/{doc.rel}", line=2))
        else:
            seen[(doc.lang, doc.key)] = doc


def _check_fact_refs(config: SiteConfig, docs: tuple[Document, ...], facts: dict[str, Fact],
                     errors: ErrorCollector) -> None:
    for doc in docs:
        for fact_id in doc.facts:
            if fact_id not in facts:
                errors.add(SiteError(_("unknown fact '{id}' in 'facts:'; there is no content/facts/{id}.yaml")
                                     .format(id=fact_id),
                                     source=f"content/{doc.rel}", line=doc.lines.get("facts")))
    for fact_id in config.featured_facts:
        if fact_id not in facts:
            errors.add(SiteError(_("featured_facts names unknown fact '{id}'; there is no content/facts/{id}.yaml")
                                 .format(id=fact_id), source="site.yaml", line=config.featured_line))


def _check_unique_urls(pages: list[Page], errors: ErrorCollector) -> None:
    owners: dict[str, Page] = {}
    for page in pages:
        try:
            path = output_path(page.url)
        except SiteError as err:
            errors.add(SiteError(err.message, source=_origin(page)))
            continue
        other = owners.get(path)
        if other is not None:
            blamed = _file_made(page, other)
            errors.add(SiteError(_("two pages want the URL {url}: {first} and {second}; change the slug of one of them")
                                 .format(url=page.url, first=_origin(other), second=_origin(page)),
                                 source=_origin(blamed),
                                 line=2 if blamed.doc else None))
        else:
            owners[path] = page


def _file_made(page: Page, other: Page) -> Page:
    """Return which of two pages wanting one URL a collision is reported at: ``page``, unless only ``other``
    comes from a file (a page whose slug takes the address of the search or tags page Vigie makes): the
    editor fixes a file, at its line."""
    return other if page_source(page) is None and page_source(other) is not None else page


def page_source(page: Page) -> str | None:
    """Return the file a page is made from (``content/…``), or None for a page Vigie makes itself."""
    if page.doc is not None:
        return f"content/{page.doc.rel}"
    if page.fact is not None:
        return f"content/facts/{page.fact.id}.yaml"
    return None


def _origin(page: Page) -> str:
    return page_source(page) or _("the {kind} page ({language})").format(kind=page.kind, language=page.lang)
