"""Compressed copies beside text files: what they hold, which files get them, the same bytes every time."""

from __future__ import annotations

import gzip
import os
from pathlib import Path

import brotli
import pytest

from conftest import BUILD_DAY, build_copy
from generator.build import BuildOptions, build
from generator.core.errors import SiteError, SiteErrors
from generator.model import OutputFile
from generator.output.compress import compressed_copies
from generator.output.writer import Staging

PAGE = ("<!DOCTYPE html><html lang=fr><title>Chiffres</title><p>" + "Un enfant sur cinq. " * 200).encode()


def test_copies_hold_the_file_and_their_bytes_depend_on_it_alone() -> None:
    copies = dict(compressed_copies("fr/index.html", PAGE))
    assert sorted(copies) == ["fr/index.html.br", "fr/index.html.gz"]
    assert brotli.decompress(copies["fr/index.html.br"]) == PAGE
    assert gzip.decompress(copies["fr/index.html.gz"]) == PAGE
    gz = copies["fr/index.html.gz"]
    assert gz[3] == 0 and gz[4:8] == b"\0\0\0\0"  # no file name, no time in the header
    assert dict(compressed_copies("fr/index.html", PAGE)) == copies


def test_only_text_files_get_copies_and_only_smaller_ones() -> None:
    assert compressed_copies("fr/card.png", PAGE) == []
    assert compressed_copies("fr/ressources/fiche.pdf", PAGE) == []
    assert [name for name, _ in compressed_copies("assets/css/site.0123456789.css", PAGE)] == [
        "assets/css/site.0123456789.css.br", "assets/css/site.0123456789.css.gz"]
    assert compressed_copies("robots.txt", b"x") == []  # a copy would be larger than the file


def _text_files(out: Path) -> list[Path]:
    return [p for p in out.rglob("*") if p.is_file()
            and p.suffix in (".html", ".css", ".js", ".xml", ".svg", ".txt", ".json")]


def test_a_build_writes_copies_beside_every_text_file_and_none_when_told_not_to(site_src: Path,
                                                                                 tmp_path: Path) -> None:
    _, out = build_copy(site_src, tmp_path / "on")
    texts = _text_files(out)
    assert {p.suffix for p in texts} >= {".html", ".css", ".js", ".xml", ".svg"}
    for path in texts:
        data = path.read_bytes()
        br, gz = Path(f"{path}.br"), Path(f"{path}.gz")
        if len(data) > 1000:
            assert br.is_file() and gz.is_file(), path
        if br.exists():
            assert brotli.decompress(br.read_bytes()) == data
        if gz.exists():
            assert gzip.decompress(gz.read_bytes()) == data
    assert not [p for p in out.rglob("*") if p.name.endswith((".png.br", ".pdf.gz", ".zip.br", ".png.gz"))]
    config = site_src / "site.yaml"
    config.write_text(config.read_text(encoding="utf-8") + "\ncompress: false\n", encoding="utf-8")
    _, off = build_copy(site_src, tmp_path / "off")
    assert not [p for p in off.rglob("*") if p.suffix in (".br", ".gz")]
    assert sorted(p.relative_to(off) for p in _text_files(off)) == sorted(p.relative_to(out) for p in texts)


def test_a_rebuild_keeps_the_copies_of_unchanged_files_and_makes_new_ones_for_changed_ones(
        site_src: Path, tmp_path: Path) -> None:
    first, out = build_copy(site_src, tmp_path)
    home, about = out / "fr/index.html", out / "fr/articles/ecrans/index.html"
    inode = {p: os.stat(f"{p}.br").st_ino for p in (home, about)}
    before = {p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file()}
    article = site_src / "content/fr/articles/ecrans.md"
    article.write_text(article.read_text(encoding="utf-8") + "\nUne phrase de plus.\n", encoding="utf-8")
    second = build(BuildOptions(root=site_src, out=out, today=BUILD_DAY))
    assert os.stat(f"{home}.br").st_ino == inode[home]  # hard-linked from the previous output
    assert os.stat(f"{about}.br").st_ino != inode[about]
    assert b"Une phrase de plus." in brotli.decompress(Path(f"{about}.br").read_bytes())
    # Only search index files named after the changed page's text are gone (replaced by new names).
    gone = before - {p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file()}
    assert all(path.startswith("pagefind/") for path in gone), gone
    assert second.report is not None and second.report.removed == len(gone)


def test_a_file_claiming_the_name_of_a_copy_is_refused_before_anything_is_written(site_src: Path,
                                                                                   tmp_path: Path) -> None:
    root = site_src / "assets/root/fr"
    root.mkdir(parents=True)
    (root / "index.html.br").write_bytes(b"not brotli")
    with pytest.raises((SiteError, SiteErrors)) as info:
        build(BuildOptions(root=site_src, out=tmp_path / "public", today=BUILD_DAY))
    message = str(info.value)
    assert "assets/root/fr/index.html.br writes fr/index.html.br, the name of the compressed copy of fr/index.html" in message
    assert "compress: false" in message
    assert not (tmp_path / "public").exists()


def test_staging_without_compression_writes_the_file_alone(tmp_path: Path) -> None:
    staging = Staging(tmp_path / "public")
    written = staging.put(OutputFile("fr/index.html", PAGE, "test"))
    staging.commit([written])
    assert written.copies == () and sorted(p.name for p in (tmp_path / "public/fr").iterdir()) == ["index.html"]
    staging = Staging(tmp_path / "public", compress=True)
    written = staging.put(OutputFile("fr/index.html", PAGE, "test"))
    report = staging.commit([written])
    assert written.copies == ("fr/index.html.br", "fr/index.html.gz") and report.removed == 0


def test_compress_must_be_true_or_false(site_src: Path) -> None:
    from generator.sources.config import load_config

    assert load_config(site_src).compress is True
    config = site_src / "site.yaml"
    lines = config.read_text(encoding="utf-8").splitlines()
    config.write_text("\n".join([*lines, "compress: sometimes"]) + "\n", encoding="utf-8")
    with pytest.raises((SiteError, SiteErrors)) as info:
        load_config(site_src)
    assert f"site.yaml:{len(lines) + 1}: 'compress' must be true or false" in str(info.value)


def test_a_rebuild_reuses_copies_only_when_they_hold_the_file_and_were_made_the_same_way(
        site_src: Path, tmp_path: Path) -> None:
    from generator.output.writer import MARKER

    _, out = build_copy(site_src, tmp_path)
    home, help_page = out / "fr/index.html", out / "fr/aide/index.html"
    made = Path(f"{home}.br").read_bytes()
    Path(f"{help_page}.gz").write_bytes(b"edited by hand")  # not the page any more: made again
    other = brotli.compress(home.read_bytes(), quality=1)  # the page, but not the bytes Vigie makes
    assert other != made
    Path(f"{home}.br").write_bytes(other)
    article = site_src / "content/fr/articles/ecrans.md"
    article.write_text(article.read_text(encoding="utf-8") + "\nUne phrase.\n", encoding="utf-8")
    build(BuildOptions(root=site_src, out=out, today=BUILD_DAY))
    assert gzip.decompress(Path(f"{help_page}.gz").read_bytes()) == help_page.read_bytes()
    assert Path(f"{home}.br").read_bytes() == other  # it holds the page: kept, as the guide says
    marker = (out / MARKER).read_text(encoding="utf-8")
    assert "compress brotli " in marker
    (out / MARKER).write_text(marker.replace("settings", "other settings"), encoding="utf-8")
    article.write_text(article.read_text(encoding="utf-8") + "\nEncore une.\n", encoding="utf-8")
    build(BuildOptions(root=site_src, out=out, today=BUILD_DAY))
    assert Path(f"{home}.br").read_bytes() == made  # made by other libraries or settings: made again
