"""The in-memory factories of `support` give what the build's readers and renderer give."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from conftest import FIXTURE_SITE
from generator.build import BuildResult
from generator.core.errors import ErrorCollector
from generator.core.paths import output_path
from generator.model import FactSource
from generator.sources.config import load_config
from generator.sources.facts import load_facts
from support import load_site, make_config, make_contexts, make_document, make_fact, make_site, render_pages


def test_the_default_config_is_the_fixture_site_s_but_for_its_featured_figure() -> None:
    assert make_config(root=FIXTURE_SITE, featured_facts=("daily-victims",)) == load_config(FIXTURE_SITE)


def test_a_made_document_is_the_one_its_file_gives() -> None:
    loaded = {doc.rel: doc for doc in load_site(FIXTURE_SITE, drafts=True).documents}
    made = make_document("fr/articles/ecrans.md", "Un article non traduit en anglais, avec un chiffre.\n\n"
                         "{{< fact share-girls >}}\n", root=FIXTURE_SITE, title="Les écrans en famille",
                         date=date(2022, 6, 1), summary="Parler d'Internet à la maison.", tags=["Famille"])
    assert made == loaded["fr/articles/ecrans.md"]
    made = make_document("en/pages/help.md", "## In danger now\n\nCall 112.\n", root=FIXTURE_SITE, title="Get help",
                         translation_key="help", layout="help")
    assert made == loaded["en/pages/help.md"]


def test_a_made_figure_is_the_one_its_file_gives() -> None:
    config = load_config(FIXTURE_SITE)
    loaded = load_facts(config, ErrorCollector())["share-girls"]
    made = make_fact("share-girls", root=FIXTURE_SITE, value=97, format="percent", qualifier="about",
                     label={"fr": "des contenus traités par l'IWF en 2021 montrent des filles",
                            "en": "of the imagery the IWF actioned in 2021 shows girls"},
                     source=FactSource(publisher="Internet Watch Foundation",
                                       title={"en": "Sexual abuse imagery of girls online at record high"},
                                       url="https://www.iwf.org.uk/", date="2022-04"))
    assert made == loaded


def test_pages_rendered_in_memory_are_the_pages_a_build_writes(built_site: tuple[BuildResult, Path]) -> None:
    result, out = built_site
    assert result.rendered is not None
    site = load_site(FIXTURE_SITE)
    html = render_pages(make_contexts(site, shared=result.rendered.contexts.shared))
    assert len(html) == len(site.pages) > 20
    for url, text in html.items():
        assert text.encode("utf-8") == (out / output_path(url)).read_bytes(), url


def test_a_site_of_made_records_renders() -> None:
    doc = make_document(body="Un chiffre :\n\n{{< fact chiffre >}}\n", tags=["Famille"])
    site = make_site([doc], [make_fact()])
    html = render_pages(site, ["/fr/articles/essai/", "/en/facts/chiffre/", "/fr/themes/famille/"])
    assert '<figure class="fact-embed">' in html["/fr/articles/essai/"]
    assert "victims identified on an average day" in html["/en/facts/chiffre/"]
    assert 'href="/fr/articles/essai/"' in html["/fr/themes/famille/"]
