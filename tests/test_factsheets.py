"""Fact sheets in the build: an A4 PDF per sheet and language, listed on the resources page."""

from __future__ import annotations

import logging
import re
import shutil
import zipfile
from pathlib import Path

import pytest
from pypdf import PdfReader

from conftest import BUILD_DAY, build_copy
from generator.build import BuildOptions, BuildResult, render_site


def test_each_fact_sheet_has_a_tagged_a4_pdf_in_its_language(built_site: tuple[BuildResult, Path]) -> None:
    _, out = built_site
    reader = PdfReader(out / "fr/ressources/fiche-parents/fiche-parents.pdf")
    box = reader.pages[0].mediabox
    assert abs(float(box.width) - 595.28) < 1 and abs(float(box.height) - 841.89) < 1
    assert reader.metadata.title == "Fiche pour les parents"
    assert reader.trailer["/Root"]["/Lang"] == "fr"
    assert reader.trailer["/Root"]["/MarkInfo"]["/Marked"]
    text = " ".join(page.extract_text() for page in reader.pages).replace("\u202f", " ").replace("\u00a0", " ")
    assert "Fiche pour les parents" in text and "environ 97 %" in text
    assert "https://www.interpol.int/News-and-Events/News/2022/" in text.replace("\n", "")
    english = PdfReader(out / "en/resources/parents-sheet/parents-sheet.pdf")
    assert english.trailer["/Root"]["/Lang"] == "en"
    assert "about 97%" in " ".join(p.extract_text() for p in english.pages)


def test_resources_page_lists_sheets_with_pdf_size_pages_and_press_kit(built_site: tuple[BuildResult, Path]) -> None:
    _, out = built_site
    html = (out / "fr/ressources/index.html").read_text(encoding="utf-8")
    link = re.search(r'href="/fr/ressources/fiche-parents/fiche-parents\.pdf".*?\((\d[\d\u202f\u00a0 ]*) ko\)', html)
    assert link, html
    size = (out / "fr/ressources/fiche-parents/fiche-parents.pdf").stat().st_size
    assert int(re.sub(r"\D", "", link.group(1))) == max(1, round(size / 1024))
    assert 'href="/fr/ressources/fiche-parents/"' in html
    kit = re.search(r'href="(/fr/ressources/[a-z0-9-]+-fr\.zip)"', html)
    assert kit
    with zipfile.ZipFile(out / kit.group(1).lstrip("/")) as archive:
        names = archive.namelist()
    assert "victimes-par-jour-card.png" in names and "victimes-par-jour-card-square.png" in names
    assert "sources.txt" in names


def test_unchanged_sheets_are_not_rendered_again(bare_site: Path, tmp_path: Path) -> None:
    first, _ = build_copy(bare_site, tmp_path)
    assert first.pdfs_rendered == 2
    other = bare_site / "content/en/articles/later.md"
    other.write_text(other.read_text(encoding="utf-8") + "\nAn unrelated edit.\n", encoding="utf-8")
    second, _ = build_copy(bare_site, tmp_path)
    assert second.pdfs_rendered == 0 and not second.up_to_date
    sheet = bare_site / "content/en/resources/parents-sheet.md"
    sheet.write_text(sheet.read_text(encoding="utf-8") + "\nOne more tip.\n", encoding="utf-8")
    third, _ = build_copy(bare_site, tmp_path)
    assert third.pdfs_rendered == 1


def test_a_build_whose_sheets_are_all_cached_does_not_load_weasyprint(site_src: Path, tmp_path: Path) -> None:
    """Importing WeasyPrint (Pango, its style sheets) took half a second of every build of a site with fact sheets,
    their PDFs all in the cache: 0.5 s of the 4.4 s cold build of the 1,000-article bench corpus."""
    import os
    import subprocess
    import sys
    from datetime import datetime, timezone

    script = ("import sys; from generator.cli import main; status = main(sys.argv[1:]); "
              "print(status, 'weasyprint' in sys.modules)")
    day = datetime(BUILD_DAY.year, BUILD_DAY.month, BUILD_DAY.day, 12, tzinfo=timezone.utc)
    env = {**os.environ, "SOURCE_DATE_EPOCH": str(int(day.timestamp()))}

    def build_in_a_new_process() -> str:
        shutil.rmtree(tmp_path / "public", ignore_errors=True)
        run = subprocess.run([sys.executable, "-c", script, "build", str(site_src), "-o", str(tmp_path / "public"),
                              "-q"], capture_output=True, text=True, env=env, check=True)
        return run.stdout.strip()

    assert build_in_a_new_process() == "0 False"
    assert list((tmp_path / "public").glob("*/*/*/*.pdf"))
    shutil.rmtree(site_src / ".vigie-cache" / "pdf")
    assert build_in_a_new_process() == "0 True"  # a sheet to render: WeasyPrint, of course


def test_a_mistake_in_a_fact_sheet_is_reported_with_every_other_one_in_the_same_build(site_src: Path) -> None:
    # The sheets' bodies are made first, for their PDFs: their problems stopped the build before any page's.
    from generator.core.errors import SiteErrors

    sheet = site_src / "content/fr/resources/fiche-parents.md"
    article = site_src / "content/fr/articles/ecrans.md"
    sheet.write_text(sheet.read_text(encoding="utf-8") + "\n[lien](nulle-part.md)\n", encoding="utf-8")
    article.write_text(article.read_text(encoding="utf-8") + "\n[lien](absent.md)\n", encoding="utf-8")
    with pytest.raises(SiteErrors) as caught:
        render_site(BuildOptions(root=site_src, today=BUILD_DAY))
    assert sorted((e.source, "nulle-part.md" in e.message or "absent.md" in e.message) for e in caught.value.errors) == [
        ("content/fr/articles/ecrans.md", True), ("content/fr/resources/fiche-parents.md", True)]  # each once


def test_what_a_sheet_cannot_print_is_said_at_every_build_and_by_check_in_the_editor_s_language(
        site_src: Path, tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    # Said once, when the PDF was made: every later build took it from the cache without a word, and
    # `vigie check` (which reads the cache) never said it.
    from generator.commands.check import run_check
    from generator.core import messages

    sheet = site_src / "content/fr/resources/fiche-parents.md"
    sheet.write_text(sheet.read_text(encoding="utf-8") + "\nUn sourire 🙂 aide.\n", encoding="utf-8")
    said = ("content/fr/resources/fiche-parents.md: warning: the PDF has no letter shape for '🙂' (U+1F642) in the "
            "fonts Vigie ships: it prints an empty box or a letter of this computer's fonts there; replace or remove "
            "them")
    for _round in range(2):
        with caplog.at_level(logging.WARNING, logger="generator"):
            result, out = build_copy(site_src, tmp_path)
        assert [r.getMessage() for r in caplog.records if "letter shape" in r.getMessage()] == [said]
        caplog.clear()
        shutil.rmtree(out)  # the next build is not "nothing changed"
    assert result.pdfs_rendered == 0
    findings = [f for f in run_check(site_src, today=BUILD_DAY).findings if "U+1F642" in f.message]
    assert [(f.path, f.level) for f in findings] == [("content/fr/resources/fiche-parents.md", "warning")]
    try:
        messages.activate("fr")
        french = [f for f in run_check(site_src, today=BUILD_DAY).findings if "U+1F642" in f.message]
    finally:
        messages.activate("en")
    assert len(french) == 1 and french[0].message.startswith("le PDF n'a pas de forme de lettre"), french
