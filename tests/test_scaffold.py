"""`vigie new` and `vigie init`: files in the right place, with front matter that builds."""

from __future__ import annotations

import os
import shlex
import subprocess
import sys
from datetime import date
from pathlib import Path
from types import SimpleNamespace

import pytest
import yaml

from conftest import BUILD_DAY, REPO, build_copy
from generator.build import BuildOptions, build, render_site
from generator.commands.check import ERROR, run_check
from generator.cli import main
from generator.sources.config import load_config
from generator.sources.content import load_documents
from generator.core.errors import ErrorCollector, SiteError, SiteErrors
from generator.commands.scaffold import (comment, init_site, new_document, new_fact, placeholder_markers,
                                        placeholder_texts)
from generator.core import messages
from generator.commands import scaffold
from generator.commands.translate import translate_document
from support import load_site, page_urls, render_page

TRICKY = 'Écrans : "en famille" – #1 & plus'


def doc_of(site: Path, rel: str):  # type: ignore[no-untyped-def]
    errors = ErrorCollector()
    docs = {f"content/{d.rel}": d for d in load_documents(load_config(site), errors)}
    assert not errors.errors
    return docs[rel]


# -- vigie new article|page|factsheet ------------------------------------------------------


def test_new_article_with_translation(site_src: Path) -> None:
    created = new_document(site_src, "article", TRICKY, lang="fr", translate=["en"], today=BUILD_DAY)
    assert created == [site_src / "content/fr/articles/ecrans-en-famille-1-plus.md",
                       site_src / "content/en/articles/ecrans-en-famille-1-plus.md"]
    fr = doc_of(site_src, "content/fr/articles/ecrans-en-famille-1-plus.md")
    en = doc_of(site_src, "content/en/articles/ecrans-en-famille-1-plus.md")
    assert fr.title == TRICKY
    assert en.title == "TODO: translate – " + TRICKY
    assert fr.key == en.key == "articles/ecrans-en-famille-1-plus"
    assert fr.slug == "ecrans-en-famille-1-plus"
    assert fr.date == BUILD_DAY and fr.draft and en.draft
    # drafts wait; with --drafts both pages build and are linked as translations
    with_drafts = load_site(site_src, drafts=True)
    page = render_page(with_drafts, page_urls(with_drafts)["fr/articles/ecrans-en-famille-1-plus/index.html"])
    assert 'hreflang="en"' in page and "/en/articles/ecrans-en-famille-1-plus/" in page
    assert "ecrans-en-famille-1-plus" not in " ".join(page_urls(load_site(site_src)))


def test_new_page_and_factsheet_go_in_their_folders(site_src: Path) -> None:
    site_src = site_src  # the new sheet's PDF is made; the fixture's are drawn already
    [page] = new_document(site_src, "page", "Mentions légales", lang=None, translate=[], today=BUILD_DAY)
    assert page == site_src / "content/fr/pages/mentions-legales.md"
    [sheet] = new_document(site_src, "factsheet", "For teachers", lang="en", translate=[], today=BUILD_DAY)
    assert sheet == site_src / "content/en/resources/for-teachers.md"
    doc = doc_of(site_src, "content/en/resources/for-teachers.md")
    assert doc.factsheet and doc.facts == () and doc.audience == () and doc.kind == "resources"
    render_site(BuildOptions(root=site_src, today=BUILD_DAY, drafts=True))


def test_new_refuses_to_overwrite(site_src: Path) -> None:
    with pytest.raises(SiteError) as err:
        new_document(site_src, "article", "Ecrans", lang="fr", translate=[], today=BUILD_DAY)
    assert err.value.source == "content/fr/articles/ecrans.md"
    assert "already exists" in err.value.message
    # the translation would overwrite: nothing at all is created
    (site_src / "content/en/articles").mkdir(exist_ok=True)
    (site_src / "content/en/articles/nouveau.md").write_text("---\ntitle: x\n---\n", encoding="utf-8")
    with pytest.raises(SiteError) as err:
        new_document(site_src, "article", "Nouveau", lang="fr", translate=["en"], today=BUILD_DAY)
    assert err.value.source == "content/en/articles/nouveau.md"
    assert not (site_src / "content/fr/articles/nouveau.md").exists()


@pytest.mark.parametrize("command", ["new", "new --translate", "translate", "new fact"])
def test_new_and_translate_never_write_through_a_link_leading_outside_the_site(command: str, site_src: Path,
                                                                              tmp_path: Path) -> None:
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    linked = "content/facts" if command == "new fact" else "content/en/articles"
    for item in (site_src / linked).iterdir():
        item.rename(elsewhere / item.name)
    (site_src / linked).rmdir()
    (site_src / linked).symlink_to(elsewhere, target_is_directory=True)
    before = sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*"))
    with pytest.raises(SiteErrors) as info:
        if command == "new fact":
            new_fact(site_src, "hello")
        elif command == "translate":
            translate_document(site_src, site_src / "content/fr/articles/ecrans.md", "en")
        elif command == "new":
            new_document(site_src, "article", "Hello", lang="en")
        else:
            new_document(site_src, "article", "Hello", lang="fr", translate=["en"])
    assert str(info.value) == (f"{linked}: this is a symbolic link to {elsewhere}, outside the site folder; copy the "
                               "file into the site instead of linking to it")
    assert sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*")) == before  # nothing written, here or there
    with pytest.raises(SiteErrors) as built:
        build(BuildOptions(root=site_src, out=tmp_path / "out", today=BUILD_DAY))
    assert str(info.value) in str(built.value)  # what the build says


def test_new_refuses_a_taken_translation_key_or_section_address(site_src: Path) -> None:
    (site_src / "content/fr/articles/autre.md").write_text(
        "---\ntitle: Autre\ntranslation_key: articles/nouveau\n---\n", encoding="utf-8")
    with pytest.raises(SiteError, match="already has the translation key 'articles/nouveau'") as err:
        new_document(site_src, "article", "Nouveau", lang="fr", translate=[], today=BUILD_DAY)
    assert err.value.source == "content/fr/articles/autre.md"
    # a French file for an English-only article is its translation, not a clash
    assert new_document(site_src, "article", "Later", lang="fr", translate=[], today=BUILD_DAY)
    with pytest.raises(SiteError, match="address of a section"):
        new_document(site_src, "page", "Chiffres", lang="fr", translate=[], today=BUILD_DAY)


@pytest.mark.parametrize(("lang", "translate", "message"), [
    ("de", [], r"--lang de: 'de' is not one of the site's languages \(fr, en\)"),
    ("fr", ["es"], r"--translate es: 'es' is not one of the site's languages"),
    ("fr", ["fr"], r"--translate fr is the language of the new file itself"),
])
def test_new_refuses_unknown_languages(site_src: Path, lang: str, translate: list[str], message: str) -> None:
    with pytest.raises(SiteError, match=message):
        new_document(site_src, "article", "Titre", lang=lang, translate=translate, today=BUILD_DAY)
    assert not (site_src / "content/fr/articles/titre.md").exists()


def test_new_refuses_an_empty_title_and_a_folder_without_site_yaml(site_src: Path, tmp_path: Path) -> None:
    with pytest.raises(SiteError, match="the title is empty"):
        new_document(site_src, "article", "   ", lang="fr", translate=[])
    with pytest.raises(SiteError, match="no site.yaml"):
        new_document(tmp_path, "article", "Titre", lang="fr", translate=[])


@pytest.mark.parametrize("title", ["Un\x01titre", "Le \x1b[31mtitre", "Titre\x7f"])
def test_new_refuses_a_title_with_a_control_character_the_build_would_refuse(site_src: Path, title: str) -> None:
    """Pasted from a terminal or another program: refused here, not written for every build to refuse."""
    before = sorted(site_src.rglob("*"))
    with pytest.raises(SiteError, match=r"the title holds an invisible control character \(U\+00"):
        new_document(site_src, "article", title, lang="fr", translate=["en"], today=BUILD_DAY)
    assert sorted(site_src.rglob("*")) == before
    assert new_document(site_src, "article", "Un\ttitre\nsur deux lignes", lang="fr", translate=[],
                        today=BUILD_DAY) == [site_src / "content/fr/articles/un-titre-sur-deux-lignes.md"]


def test_cli_new_prints_the_files(site_src: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["new", "article", "Un titre", "--site", str(site_src), "--translate", "en"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out == [f"created {site_src / 'content/fr/articles/un-titre.md'}",
                   f"created {site_src / 'content/en/articles/un-titre.md'}"]
    assert main(["new", "article", "Un titre", "--site", str(site_src)]) == 1
    assert "content/fr/articles/un-titre.md: error: this file already exists" in capsys.readouterr().err
    assert main(["new", "page", "Titre", "--site", str(site_src), "--lang", "de"]) == 1


# -- vigie new fact ------------------------------------------------------------------------


def test_new_fact_has_every_field_and_builds(site_src: Path, tmp_path: Path) -> None:
    site_src = site_src  # the new figure's cards are drawn; the fixture's are drawn already
    path = new_fact(site_src, "new-figure", today=BUILD_DAY)
    assert path == site_src / "content/facts/new-figure.yaml"
    text = path.read_text(encoding="utf-8")
    for key in ("value:", "format:", "qualifier:", "exact:", "as_of:", "label:", "context:", "note:", "source:", "publisher:",
                "title:", "url:", "date:", "slug:", "tags:", "alt:"):
        assert f"\n{key}" in text or f"\n  {key}" in text, key
    assert text.count("\n#") >= 10  # explained
    result, out = build_copy(site_src, tmp_path)
    fact = result.site.facts["new-figure"]
    assert fact.value == 0 and fact.format == "number" and fact.qualifier is None
    assert fact.exact is None and fact.as_of is None
    assert set(fact.label) == {"fr", "en"} and fact.source.date == BUILD_DAY.isoformat()
    assert (out / "fr/chiffres/new-figure/index.html").is_file()
    # the placeholders validate, and check says they are still there
    report = run_check(site_src, today=BUILD_DAY)
    assert report.count(ERROR) == 0
    assert [f for f in report.findings if f.path == "content/facts/new-figure.yaml" and "TODO" in f.message]


def test_new_fact_refuses_a_bad_id_or_an_existing_one(site_src: Path) -> None:
    with pytest.raises(SiteError, match="cannot be a figure id"):
        new_fact(site_src, "Bad Id")
    with pytest.raises(SiteError, match="already exists") as err:
        new_fact(site_src, "share-girls")
    assert err.value.source == "content/facts/share-girls.yaml"


# -- vigie init --------------------------------------------------------------------------------


def test_init_makes_a_site_that_builds_at_once(tmp_path: Path) -> None:
    site = tmp_path / "newsite"
    created = init_site(site, today=BUILD_DAY)
    assert site / "site.yaml" in created and all(p.is_file() for p in created)
    assert not (site / "layouts").exists()  # the default layouts are enough
    result = build(BuildOptions(root=site, today=BUILD_DAY))
    out = site / "public"
    for rel in ("index.html", "fr/index.html", "en/index.html", "fr/articles/bienvenue/index.html",
                "en/articles/welcome/index.html", "fr/aide/index.html", "en/help/index.html",
                "fr/chiffres/victimes-identifiees-chaque-jour/index.html",
                "en/facts/victims-identified-each-day/index.html"):
        assert (out / rel).is_file(), rel
    assert result.site.groups["doc:welcome"].keys() == {"fr", "en"}
    assert result.site.groups["doc:help"]["en"].template == "help.html"
    assert "#" in (site / "site.yaml").read_text(encoding="utf-8")  # commented
    report = run_check(site, translations=True, today=BUILD_DAY)
    assert report.count(ERROR) == 0
    assert report.translations is not None and all(
        c.status in ("source", "translated") for row in report.translations for c in row.cells.values())


def test_init_refuses_a_non_empty_folder(tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("mine", encoding="utf-8")
    with pytest.raises(SiteError, match="not empty"):
        init_site(tmp_path)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["notes.txt"]
    empty = tmp_path / "empty"
    empty.mkdir()
    assert init_site(empty, today=date(2026, 1, 5))


def test_cli_init(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["init", str(tmp_path / "site")]) == 0
    assert "created a new site" in capsys.readouterr().out
    assert main(["init", str(tmp_path / "site")]) == 1
    assert "error: the folder is not empty" in capsys.readouterr().err



def test_init_says_a_command_that_works_when_pasted(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    # "build it with: vigie build mon site" built the folder 'mon' (or failed) when pasted.
    monkeypatch.chdir(tmp_path)
    assert main(["init", "mon site"]) == 0
    said = capsys.readouterr().out
    assert said.rstrip().endswith("build it with: vigie build 'mon site'"), said
    assert main(shlex.split(said.rstrip().rsplit(": ", 1)[1])[1:] + ["-q"]) == 0


# -- in the editor's language ------------------------------------------------------------------

def _comments(text: str) -> list[str]:
    """Return the comments of a YAML text or front matter: whole lines and the ends of lines."""
    found = []
    if text.startswith("---\n"):
        text = text.split("\n---\n", 1)[0]  # a page: its front matter
    for line in text.splitlines():
        if line.lstrip().startswith("#"):
            found.append(line.lstrip()[1:].strip())
        elif " # " in line:
            found.append(line.split(" # ", 1)[1].strip())
    return [c for c in found if c]


def _body(path: Path) -> list[str]:
    """Return the paragraphs of a page's text (below its front matter)."""
    text = path.read_text(encoding="utf-8").split("\n---\n", 1)[1]
    return [p.strip() for p in text.split("\n\n") if p.strip()]


def test_init_in_french_writes_french_comments_and_builds_without_error(tmp_path: Path) -> None:
    site = tmp_path / "site"
    env = {k: v for k, v in os.environ.items() if k not in ("VIGIE_LANG", "LC_ALL", "LC_MESSAGES")}
    env["LANG"] = "fr_FR.UTF-8"
    done = subprocess.run([sys.executable, "-m", "generator", "init", str(site)], cwd=REPO, env=env,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0 and done.stdout.startswith(f"nouveau site créé dans {site} (14 fichiers)")
    config = (site / "site.yaml").read_text(encoding="utf-8")
    assert config.startswith("# Réglages de votre site. Chaque clé est expliquée au-dessus d'elle ;")
    assert "# Contacts d'aide et de signalement" in config and "Settings of your site" not in config
    english = init_site(tmp_path / "english", today=BUILD_DAY)
    assert len(english) == 14
    for path in english:  # every comment of every file is said otherwise in French
        rel = path.relative_to(tmp_path / "english")
        if rel.suffix == ".md" and not path.read_text(encoding="utf-8").startswith("---\n"):
            continue  # PUBLISHING.md: its '#' lines are headings (below)
        french_comments = _comments((site / rel).read_text(encoding="utf-8"))
        for line in _comments(path.read_text(encoding="utf-8")):
            if any(c.isalpha() for c in line.replace("YYYY-MM-DD", "").replace("last_checked", "")) and \
                    " | " not in line and not line.startswith("vigie @"):  # a requirement to uncomment
                assert line not in french_comments, (rel, line)
    publishing = (site / "PUBLISHING.md").read_text(encoding="utf-8")
    assert publishing.startswith("# Publier ce site\n") and "Chaque recette installe Vigie" in publishing
    # the texts of the pages are in their own language, whatever Vigie speaks
    assert _body(site / "content/en/index.md") == _body(tmp_path / "english/content/en/index.md")
    assert _body(site / "content/fr/index.md")[0].startswith("Ce texte d'accueil")
    done = subprocess.run([sys.executable, "-m", "generator", "build", str(site)], cwd=REPO, env=env,
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert "error" not in done.stderr and "0 avertissement" in done.stdout
    assert run_check(site, today=BUILD_DAY).count(ERROR) == 0


def test_comment_lines_never_start_with_french_punctuation() -> None:
    text = "mot " * 23 + "avec : la suite ; encore « citation » ? " + "fin " * 30
    for width in range(0, 12):
        lines = comment("x" * width + text, "  ").splitlines()
        assert all(len(line) <= 100 for line in lines)
        assert not [line for line in lines if line.lstrip("# ")[:1] in ":;?!»"]
        assert " ".join(line.removeprefix("  # ") for line in lines) == "x" * width + text.strip()


def test_new_page_comments_in_ui_language_and_text_in_the_page_language(site_src: Path, french: None) -> None:
    en, fr = new_document(site_src, "article", "Screens", lang="en", translate=["fr"], today=BUILD_DAY)
    en_text, fr_text = en.read_text(encoding="utf-8"), fr.read_text(encoding="utf-8")
    for text in (en_text, fr_text):
        assert "# date de publication ; une date future attend ce jour-là" in text
        assert "# supprimez cette ligne quand la page est prête à publier" in text
    assert _body(en)[0].startswith("Write the text here, in Markdown.")
    assert '# summary: "One or two sentences' in en_text
    assert doc_of(site_src, "content/fr/articles/screens.md").title == "TODO : traduire – Screens"
    assert _body(fr) == ["TODO : traduire ici le texte de content/en/articles/screens.md."]
    assert f"# translated_from: {BUILD_DAY.isoformat()}   # date de la version de content/en/articles/screens.md" in fr_text
    messages.activate("en")
    [page] = new_document(site_src, "page", "Contact", lang="fr", today=BUILD_DAY)
    text = page.read_text(encoding="utf-8")
    assert "# delete this line when the page is ready to publish" in text
    assert _body(page)[0].startswith("Écrivez le texte ici, en Markdown.")


def test_a_page_in_a_language_vigie_does_not_speak_gets_the_ui_language(french: None) -> None:
    text = scaffold._document_text("page", "de", "Kontakt", "kontakt", "pages/kontakt", BUILD_DAY, None)
    assert "\n\nÉcrivez le texte ici" in text and "# date de publication" in text
    fact = scaffold._fact_text(SimpleNamespace(codes=("fr", "en", "de")), "neu", BUILD_DAY)
    assert '  de: "TODO : ce que compte ce chiffre' in fact
    assert '  en: "TODO: what this figure counts' in fact and '  fr: "TODO : ce que compte' in fact
    assert "# Le chiffre : un nombre comme 12500" in fact


def test_placeholder_texts_recognise_what_init_and_new_wrote_in_every_language(tmp_path: Path,
                                                                                site_src: Path) -> None:
    placeholders, markers = placeholder_texts(), placeholder_markers()
    assert isinstance(placeholders, frozenset) and all(p == p.strip() and p for p in placeholders)
    assert markers < placeholders and {"TODO: translate –", "TODO : traduire –"} <= markers

    def left(text: str) -> bool:
        return text.strip() in placeholders or text.strip().startswith(tuple(markers))

    # an editor's own words that merely begin like a placeholder are theirs
    assert left("Mon association") and not left("Mon association accompagne les familles.")

    try:
        for ui in ("en", "fr"):
            messages.activate(ui)
            site = tmp_path / ui
            init_site(site, today=BUILD_DAY)
            for lang in ("fr", "en"):
                assert left(_body(site / f"content/{lang}/index.md")[0])
            assert all(left(p) for p in _body(site / "content/en/articles/welcome.md")
                       if not p.startswith(("#", "{{<")))
            made = new_document(site, "article", f"Titre {ui}", lang="fr", translate=["en"], today=BUILD_DAY)
            for path in made:
                assert all(left(p) for p in _body(path)), path
            assert left(doc_of(site, f"content/en/articles/titre-{ui}.md").title)
            assert not left(doc_of(site, f"content/fr/articles/titre-{ui}.md").title)
            fact = yaml.safe_load(new_fact(site, "new-figure", today=BUILD_DAY).read_text(encoding="utf-8"))
            for field in ("label", "context", "note", "alt"):
                assert all(left(v) for v in fact[field].values()), field
            assert all(left(v) for v in fact["source"]["title"].values())
            assert left(fact["source"]["publisher"]) and left(fact["source"]["url"])
    finally:
        messages.activate("en")
    # what editors write is not a placeholder
    for path in (site_src / "content").rglob("*.md"):
        if "---" in path.read_text(encoding="utf-8"):
            assert not [p for p in _body(path) if left(p)], path
