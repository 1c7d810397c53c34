"""`vigie translate PATH --to LANG`: the translation of an existing page, paired, marked, a draft."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
import yaml

from conftest import BUILD_DAY
from generator.cli import main
from generator.commands.translate import translate_document
from generator.core.errors import ErrorCollector, SiteError
from generator.sources.config import load_config
from generator.sources.content import load_documents, split_front_matter
from support import load_site, render_page

ORIGINAL = "content/fr/articles/ecrans.md"  # French only in the fixture site


def front_and_body(path: Path) -> tuple[dict[str, object], str]:
    front, body, _line = split_front_matter(path.read_text(encoding="utf-8"), str(path))
    return yaml.safe_load(front), body


def documents(site: Path) -> dict[str, object]:
    errors = ErrorCollector()
    docs = {f"content/{d.rel}": d for d in load_documents(load_config(site), errors)}
    assert errors.errors == []
    return docs


def test_a_titled_translation_gets_its_own_address_and_pairs_with_the_original(site_src: Path) -> None:
    made = translate_document(site_src, site_src / ORIGINAL, "en", title="Screens  in the family",
                              today=BUILD_DAY)
    assert made == site_src / "content/en/articles/screens-in-the-family.md"
    front, body = front_and_body(made)
    original_front, original_body = front_and_body(site_src / ORIGINAL)
    assert front["title"] == "Screens in the family" and front["slug"] == "screens-in-the-family"
    assert front["translation_key"] == "articles/ecrans"  # the original's key (from its path), written out
    assert front["summary"] == f"TODO: translate – {original_front['summary']}"
    assert front["date"] == original_front["date"] and front["tags"] == original_front["tags"]
    assert front["draft"] is True and "translated_from" not in front  # left commented, to fill in
    assert f"# translated_from: {BUILD_DAY.isoformat()}" in made.read_text(encoding="utf-8")
    assert body.lstrip().startswith("TODO: translate the text below, from content/fr/articles/ecrans.md")
    assert body.endswith(original_body)
    # A draft waits: the build is unchanged; with drafts, the two pages are one page in two languages.
    assert "/en/articles/screens-in-the-family/" not in {p.url for p in load_site(site_src).pages}
    site = load_site(site_src, drafts=True)
    assert {lang: p.url for lang, p in site.groups["doc:articles/ecrans"].items()} == {
        "fr": "/fr/articles/ecrans/", "en": "/en/articles/screens-in-the-family/"}
    page = render_page(site, "/fr/articles/ecrans/")
    assert 'hreflang="en" href="https://test.example.org/en/articles/screens-in-the-family/"' in page


def test_without_a_title_the_file_keeps_its_name_and_every_text_is_marked(site_src: Path) -> None:
    original = site_src / "content/fr/articles/brouillon.md"
    original.write_text(
        "---\n"
        "# The article's title and summary, shown in lists.\n"
        "title: Un brouillon\n"
        "summary: >\n"
        "  Sur deux\n"
        "  lignes.\n"
        "\n"
        "content_warning: Violences décrites\n"
        "translated_from: 2021-01-01\n"
        "draft: false\n"
        "---\n"
        "Le texte.\n", encoding="utf-8")
    made = translate_document(site_src, original, "en", today=BUILD_DAY)
    assert made == site_src / "content/en/articles/brouillon.md"
    text = made.read_text(encoding="utf-8")
    front, body = front_and_body(made)
    assert front["title"] == "TODO: translate – Un brouillon"
    assert front["summary"] == "TODO: translate – Sur deux lignes."
    assert front["content_warning"] == "TODO: translate – Violences décrites"
    assert front["draft"] is True and "slug" not in front and "translated_from" not in front
    assert "# The article's title and summary, shown in lists.\n" in text  # comments are kept
    assert body.endswith("Le texte.\n")
    docs = documents(site_src)
    assert docs["content/en/articles/brouillon.md"].key == docs["content/fr/articles/brouillon.md"].key  # type: ignore[attr-defined]


def test_the_help_page_and_the_home_page_translate_too(site_src: Path) -> None:
    (site_src / "content/en/pages/help.md").unlink()
    made = translate_document(site_src, site_src / "content/fr/pages/aide.md", "en", title="Get help")
    assert made.name == "get-help.md" and front_and_body(made)[0]["translation_key"] == "help"
    home = translate_document(site_src, site_src / "content/fr/index.md", "en", title="Welcome")
    assert home == site_src / "content/en/index.md"
    front, _body = front_and_body(home)
    assert front["title"] == "Welcome" and "slug" not in front
    assert documents(site_src)["content/en/pages/get-help.md"].key == "help"  # type: ignore[attr-defined]


@pytest.mark.parametrize(("path", "to", "message"), [
    ("content/fr/articles/annee-record.md", "en", "already has its 'en' translation, content/en/articles/annee-record.md"),
    (ORIGINAL, "de", "'de' is not one of the site's languages (fr, en)"),
    (ORIGINAL, "fr", "this page is already in 'fr'"),
    ("content/facts/share-girls.yaml", "en", "a key figure has every language in its own file"),
    ("content/fr/articles/absent.md", "en", "there is no such file"),
    ("site.yaml", "en", "give the path of a Markdown file below its content/ folder"),
    ("content/fr/articles/_notes.md", "en", "Vigie does not read this file as a page"),
])
def test_what_cannot_be_translated_says_why_and_writes_nothing(site_src: Path, path: str, to: str,
                                                               message: str) -> None:
    (site_src / "content/fr/articles/_notes.md").write_text("---\ntitle: Notes\n---\n", encoding="utf-8")
    before = sorted(p for p in site_src.rglob("*"))
    with pytest.raises(SiteError, match=message.replace("(", r"\(").replace(")", r"\)")):
        translate_document(site_src, site_src / path, to)
    assert sorted(p for p in site_src.rglob("*")) == before


def test_a_title_with_a_control_character_is_refused_before_anything_is_written(site_src: Path) -> None:
    before = sorted(p for p in site_src.rglob("*"))
    with pytest.raises(SiteError, match="the title holds an invisible control character"):
        translate_document(site_src, site_src / ORIGINAL, "en", title="Screens\x01")
    assert sorted(p for p in site_src.rglob("*")) == before


def test_a_page_with_an_error_names_it(site_src: Path) -> None:
    page = site_src / ORIGINAL
    page.write_text(page.read_text(encoding="utf-8").replace("title: Les écrans en famille\n", ""), encoding="utf-8")
    with pytest.raises(SiteError, match="cannot be translated until it builds: .*title") as err:
        translate_document(site_src, page, "en")
    assert err.value.source == ORIGINAL


def test_the_command_finds_the_site_from_the_page_and_speaks_french(site_src: Path, tmp_path: Path,
                                                                    capsys: pytest.CaptureFixture[str],
                                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    monkeypatch.setenv("VIGIE_LANG", "fr")
    assert main(["translate", os.path.relpath(site_src / ORIGINAL), "--to", "en", "--title", "Screens"]) == 0
    out = capsys.readouterr().out
    assert (site_src / "content/en/articles/screens.md").is_file()
    assert "content/en/articles/screens.md" in out and "TODO" in out and "created" not in out
    assert main(["translate", os.path.relpath(site_src / ORIGINAL), "--to", "en"]) == 1
    err = capsys.readouterr().err
    assert f"{ORIGINAL}: error: " in err and "content/en/articles/screens.md" in err
    monkeypatch.setenv("VIGIE_LANG", "en")
    with pytest.raises(SystemExit) as usage:
        main(["translate", ORIGINAL])
    assert usage.value.code == 2 and "--to" in capsys.readouterr().err


def test_links_to_other_pages_lead_to_their_translations_or_to_the_pages_themselves(site_src: Path) -> None:
    # Copied as written, `../pages/aide.md` named a file the English folder does not have: the translation
    # stopped the build once published. Code is never changed.
    article = site_src / "content/fr/articles/ecrans.md"
    article.write_text(article.read_text(encoding="utf-8") + (
        "\nVoir [l'aide](../pages/aide.md#en-cas-de-danger \"Aide\"), [ceci](ecrans.md), "
        "[l'année](annee-record.md), [le brouillon](brouillon.md) et [rien](absent.md).\n\n"
        "`[code](../pages/aide.md)`\n\n```\n[bloc](../pages/aide.md)\n```\n\n[réf]: ../pages/aide.md\n"),
        encoding="utf-8")
    made = translate_document(site_src, article, "en", title="Screens at home", today=BUILD_DAY)
    _front, body = front_and_body(made)
    assert ("[l'aide](../pages/help.md#en-cas-de-danger \"Aide\"), [ceci](screens-at-home.md), "
            "[l'année](annee-record.md), [le brouillon](../../fr/articles/brouillon.md) et [rien](absent.md)") in body
    assert "`[code](../pages/aide.md)`" in body and "[bloc](../pages/aide.md)" in body
    assert "[réf]: ../pages/help.md" in body
    made.write_text(made.read_text(encoding="utf-8").replace("draft: true", "").replace(" et [rien](absent.md)", ""),
                    encoding="utf-8")
    article.write_text(article.read_text(encoding="utf-8").replace(" et [rien](absent.md)", ""), encoding="utf-8")
    page = render_page(load_site(site_src, drafts=True), "/en/articles/screens-at-home/")
    assert 'href="/en/help/#en-cas-de-danger"' in page and 'href="/fr/articles/brouillon/"' in page
