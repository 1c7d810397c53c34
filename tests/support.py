"""Small in-memory sites, for tests that look at one page, one value or one message.

In the spirit of Pelican's ``tests/support.py`` (``get_article``, ``get_settings``):
the records are made here, with the fixture site's settings as defaults, and
only what a test looks at is rendered. No card is drawn, no PDF made, nothing
written. Layouts, UI strings and assets come from the default theme, as for a
site without its own.

- `make_config`, `make_help`, `make_document`, `make_fact`: the records a
  loader would make (`make_document` goes through the front matter parser
  itself, from text that never touches a disk);
- `make_site`: those records assembled and checked (`assemble_site`);
- `load_site`: a site folder read by the build's own readers, for tests that
  edit a copy of the fixture site (no output, no cards, no PDFs);
- `make_contexts`: what templates see, with the theme's environment, strings
  and assets;
- `render_pages` / `render_page`: HTML pages of a site, their bodies made
  first, every problem gathered as the page stage does.

`tests/test_support.py` checks that these give what a build gives.
"""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any, Iterable, Mapping

from conftest import BUILD_DAY, FIXTURE_SITE
from generator.core.errors import ErrorCollector, SiteError
from generator.model import Colors, Document, Fact, FactSource, Folder, HelpContact, Language, Site, SiteConfig
from generator.model.site import assemble_site
from generator.render.bodies import BodyMaker
from generator.render.contexts import Contexts, Shared
from generator.render.markup import make_markdown
from generator.render.stages import make_bodies
from generator.render.templating import make_environment
from generator.sources.assets import load_assets
from generator.sources.config import load_config
from generator.sources.content import load_documents, parse_document
from generator.sources.facts import load_facts
from generator.sources.i18n import load_strings

#: A site folder that does not exist: what a site reads from its folder comes from the default theme.
NO_SITE = Path("/nonexistent/vigie-test-site")

FR = Language("fr", "Français", "fr_FR")
EN = Language("en", "English", "en_GB")
#: The fixture site's sections (tags are "topics" in English).
SECTIONS = {
    "articles": {"fr": "articles", "en": "articles"},
    "facts": {"fr": "chiffres", "en": "facts"},
    "resources": {"fr": "ressources", "en": "resources"},
    "tags": {"fr": "themes", "en": "topics"},
    "search": {"fr": "recherche", "en": "search"},
}


def make_help(**overrides: Any) -> HelpContact:
    """Return a help contact: the fixture's first one (119, urgent in French) unless told otherwise."""
    fields: dict[str, Any] = dict(
        name={"fr": "Allô Enfance en Danger", "en": "Child in danger line (France)"},
        purpose={"fr": "Écoute pour les enfants en danger.", "en": "Listening line for children at risk."},
        hours={}, region={"fr": "France", "en": "France"}, phone="119", url="https://www.allo119.gouv.fr",
        languages=("fr",), urgent=("fr",), last_checked=date(2026, 11, 1), line=16,
    )
    fields.update(overrides)
    return HelpContact(**fields)


def fixture_help() -> tuple[HelpContact, ...]:
    """Return the fixture site's two help contacts (119 for French pages, 112 for all), both urgent."""
    return (make_help(), make_help(
        name={"fr": "Numéro d'urgence européen", "en": "European emergency number"}, purpose={},
        region={"fr": "International", "en": "International"}, phone="112", url=None, languages=(),
        urgent=("fr", "en"), line=24))


def make_config(**overrides: Any) -> SiteConfig:
    """Return the settings of a site: the fixture site's (`site.yaml`), with ``overrides``.

    ``root`` is `NO_SITE` unless given: layouts, strings and assets of the default theme.
    The fixture features one figure (``featured_facts: [daily-victims]``); here none
    is featured, so that a site made of other figures assembles.
    """
    title = {"fr": "Veille test", "en": "Watch test"}
    fields: dict[str, Any] = dict(
        root=NO_SITE, title=title, description={"fr": "Un petit site de test.", "en": "A small test site."},
        base_url="https://test.example.org/", languages=(FR, EN), default_language="fr", sections=SECTIONS,
        quick_exit_url="https://www.example.com/", help=fixture_help(), allow_html=False,
        publisher={"fr": "Collectif Test", "en": "Test Collective"},
        licence={"name": "CC BY 4.0", "url": "https://creativecommons.org/licenses/by/4.0/"}, colors=Colors(),
        featured_facts=(), stale_after_years=3, help_stale_after_days=365,
    )
    fields.update(overrides)
    return SiteConfig(**fields)


def make_document(rel: str = "fr/articles/essai.md", body: str = "Texte.\n", *, root: Path = NO_SITE,
                  **front: Any) -> Document:
    """Return the document a Markdown file at ``content/<rel>`` would give, parsed by the build's own parser.

    ``front`` is its front matter (``title`` defaults to "Essai"); the text is made
    here and parsed in memory, so keys, slugs, lines and embeds are what a file gives.
    """
    lang, _, below = rel.partition("/")
    kind = Folder.HOME if below == "index.md" else Folder(below.split("/", 1)[0])
    matter = "".join(f"{key}: {_flow(value)}\n" for key, value in {"title": "Essai", **front}.items())
    text = f"---\n{matter}---\n\n{body}"
    return parse_document(text.encode("utf-8"), root / "content" / rel, f"content/{rel}", lang, kind, below)


def _flow(value: Any) -> str:
    """Return a front matter value on one line: JSON (which YAML reads), dates as YAML writes them."""
    return value.isoformat() if isinstance(value, date) else json.dumps(value, ensure_ascii=False)


def make_fact(fact_id: str = "chiffre", *, root: Path = NO_SITE, codes: Iterable[str] = ("fr", "en"),
              **overrides: Any) -> Fact:
    """Return a figure: 7 victims a day according to INTERPOL (the fixture's daily-victims), with ``overrides``."""
    fields: dict[str, Any] = dict(
        id=fact_id, source_path=root / "content" / "facts" / f"{fact_id}.yaml", value=7, format="number",
        qualifier=None,
        label={"fr": "victimes identifiées en moyenne chaque jour", "en": "victims identified on an average day"},
        context={}, note={},
        source=FactSource(publisher="INTERPOL", title={}, url="https://www.interpol.int/", date="2022-05-25"),
        slug={code: fact_id for code in codes}, tags=(),
    )
    fields.update(overrides)
    return Fact(**fields)


def make_site(documents: Iterable[Document] = (), facts: Iterable[Fact] = (), config: SiteConfig | None = None,
              *, today: date = BUILD_DAY, drafts: bool = False) -> Site:
    """Return the assembled, checked site of these records (as `assemble_site` makes it for a build)."""
    return assemble_site(config if config is not None else make_config(), documents,
                         {fact.id: fact for fact in facts}, today, drafts)


def load_site(root: Path = FIXTURE_SITE, *, base_url: str | None = None, today: date = BUILD_DAY,
              drafts: bool = False) -> Site:
    """Return the site a build of ``root`` assembles, read by the build's readers (nothing rendered or written)."""
    config = load_config(root, base_url)
    errors = ErrorCollector()
    documents = load_documents(config, errors)
    facts = load_facts(config, errors)
    errors.raise_if_any()
    return assemble_site(config, documents, facts, today, drafts)


def make_contexts(site: Site, *, shared: Shared | None = None, sandboxed: bool | None = None,
                  recording: bool = False) -> Contexts:
    """Return what the templates of ``site`` see: its layouts, strings and assets over the default theme's.

    ``shared`` stands for what later stages make (fact sheet sizes, press kits, site
    cards): without it, pages show none. ``sandboxed`` None: as a build decides.
    """
    config = site.config
    return Contexts(site, load_strings(config), make_environment(config, sandboxed, recording), load_assets(config),
                    make_markdown(config.allow_html), shared=shared)


def render_pages(site: Site | Contexts, urls: Iterable[str] | None = None) -> dict[str, str]:
    """Return the HTML of the pages at ``urls`` (every page by default), by URL, as a build writes them.

    Their bodies are made first; every Markdown and template problem is gathered,
    then raised at once (`SiteErrors`), as the page stage does.
    """
    contexts = site if isinstance(site, Contexts) else make_contexts(site)
    by_url = {page.url: page for page in contexts.site.pages}
    pages = [by_url[url] for url in urls] if urls is not None else list(contexts.site.pages)
    docs = {page.doc.rel: page.doc for page in pages if page.doc is not None}
    errors = ErrorCollector()
    maker = BodyMaker(contexts.md, contexts.site.config.allow_html, contexts)
    made = contexts.with_bodies(make_bodies(maker, list(docs.values()), errors=errors))
    html: dict[str, str] = {}
    for page in pages:
        if page.doc is not None and page.doc.rel not in made.bodies:
            continue  # its body's problems are in errors
        try:
            html[page.url] = made.render_page(page).data.decode("utf-8")
        except SiteError as err:
            errors.add(err)
    errors.raise_if_any()
    return html


def render_page(site: Site | Contexts, url: str) -> str:
    """Return the HTML of the page at ``url``."""
    return render_pages(site, [url])[url]


def page_urls(site: Site) -> Mapping[str, str]:
    """Return every page's output path (``fr/aide/index.html``) → its URL."""
    from generator.core.paths import output_path

    return {output_path(page.url): page.url for page in site.pages}
