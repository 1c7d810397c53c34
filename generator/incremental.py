"""Re-render only what an edit affects, from the previous in-memory build (for `vigie serve`).

`update` returns None when the edit reaches further than it can follow, and
the caller renders everything again (with the parse, body, card and PDF caches).
"""

from __future__ import annotations

import logging
from dataclasses import replace

from generator.build import BuildOptions, BuildResult, in_memory, cache_dir, today_for_build
from generator.content import parse_document
from generator.model import Document
from generator.site import assemble_site

log = logging.getLogger(__name__)


def update(previous: BuildResult, options: BuildOptions, changed: list[str]) -> BuildResult | None:
    """Re-render only what edited Markdown bodies affect, from a previous in-memory result.

    ``changed`` lists site-relative paths (``content/fr/articles/a.md``). Returns
    None when the edit reaches further than bodies (a new or removed file, a
    changed front matter), and the caller renders everything.
    """
    site, old = previous.site, previous.renderer
    if site is None or old is None or not changed:
        return None
    config = site.config
    by_rel = {f"content/{doc.rel}": doc for doc in site.documents}
    replaced: dict[str, Document] = {}
    for shown in changed:
        doc = by_rel.get(shown)
        if doc is None or not doc.source.is_file():
            return None
        new = parse_document(doc.source.read_bytes(), doc.source, shown, doc.lang, doc.kind,
                             doc.rel.split("/", 1)[1])
        if replace(new, body=doc.body, body_line=doc.body_line, embeds=doc.embeds) != doc:
            return None
        replaced[doc.rel] = new
    documents = tuple(replaced.get(doc.rel, doc) for doc in site.documents)
    new_site = assemble_site(config, documents, dict(site.facts), options.today or today_for_build(), True)
    renderer = replace(old, site=new_site, bodies=dict(old.bodies), anchors=dict(old.anchors),
                       links=dict(old.links), images_without_alt=dict(old.images_without_alt), pdfs=dict(old.pdfs),
                       _body_inputs=None)
    for rel in replaced:
        renderer.bodies.pop(rel, None)
    renderer.render_bodies(tuple(replaced.values()))
    pages = [new_site.doc_pages[rel] for rel in replaced if rel in new_site.doc_pages]
    for fact_id in set(site.cited_by) | set(new_site.cited_by):
        if site.cited_by.get(fact_id) != new_site.cited_by.get(fact_id):
            pages += [p for (f, _), p in new_site.fact_pages.items() if f == fact_id]
    files = dict(previous.files)
    if any(doc.factsheet for doc in replaced.values()):
        pages += list(new_site.groups["section:resources"].values())
        files.update({f.path: f for f in renderer.render_factsheets(cache_dir(options.root) / "pdf")})
    files.update({f.path: f for f in renderer.render_pages(in_memory, tuple(pages))})
    return BuildResult(site=new_site, renderer=renderer, files=files)


