"""`vigie serve` and `vigie build` agree: whatever a build refuses, the preview shows as its error page."""

from __future__ import annotations

import html
import shutil
from pathlib import Path

import pytest

from conftest import BUILD_DAY
from generator.build import BuildOptions, build
from generator.commands.serve import LiveSite, base_url_for, classify_change, error_lines
from generator.core.errors import SiteError, SiteErrors

INVALID = Path(__file__).resolve().parent / "fixtures" / "invalid"
CASES = sorted(p.name for p in INVALID.iterdir() if p.is_dir())


def _copy(case: str, tmp_path: Path) -> Path:
    site = tmp_path / case
    shutil.copytree(INVALID / case, site, symlinks=True)  # a case may be a link leading outside the site
    (site / "expected.txt").unlink()
    return site


@pytest.mark.parametrize("case", CASES)
def test_preview_shows_every_error_the_build_reports(case: str, tmp_path: Path) -> None:
    site = _copy(case, tmp_path)
    expected = _expected_lines(case, site)  # what a build reports: test_errors.py checks it, line for line

    # the preview always replaces base_url with its own address: site.yaml's must be checked all the same
    live = LiveSite(BuildOptions(root=site, today=BUILD_DAY, base_url=base_url_for("127.0.0.1", 8000),
                                 use_cache=False))
    try:
        assert live.rebuild("all") is False
        page = live.snapshot.error
        assert page is not None
        shown = html.unescape(page.decode("utf-8"))
        for line in expected:
            assert line.split(": error: ", 1)[-1] in shown
    finally:
        live.close()


def test_build_with_base_url_option_still_checks_site_yaml(tmp_path: Path) -> None:
    site = _copy("base-url-with-query", tmp_path)
    with pytest.raises((SiteError, SiteErrors)) as refused:
        build(BuildOptions(root=site, out=tmp_path / "public", today=BUILD_DAY, use_cache=False,
                           base_url="https://preview.example.net/"))
    assert any("base_url" in line for line in error_lines(refused.value))


def _expected_lines(case: str, site: Path) -> list[str]:
    text = (INVALID / case / "expected.txt").read_text(encoding="utf-8").replace("{site}", str(site))
    return [line for line in text.splitlines() if ": error: " in line]


def _suspects(site: Path, expected: list[str]) -> list[Path]:
    """Return the site's files but site.yaml, those the ``expected`` error lines name first (the likely culprits).

    None at all when the errors are all site.yaml's: without it no other file lets the site build.
    """
    named = {line.split(": error: ", 1)[0].split(":", 1)[0] for line in expected}
    if named == {"site.yaml"}:
        return []
    files = sorted(p for p in site.rglob("*") if (p.is_file() or p.is_symlink()) and p.name != "site.yaml")
    return sorted(files, key=lambda path: path.relative_to(site).as_posix() not in named)  # stable


@pytest.mark.parametrize("case", CASES)
def test_an_edit_that_breaks_the_site_shows_the_build_errors(case: str, tmp_path: Path) -> None:
    """The preview's updates (only what an edit affects) refuse what a build refuses, as the first render does.

    The site starts without one of its files (the first one without which it builds, trying those the
    errors name first), then the file comes back, as when an editor saves it.
    """
    site = _copy(case, tmp_path)
    lines = _expected_lines(case, site)
    expected = [line.split(": error: ", 1)[-1] for line in lines]
    aside = tmp_path / "aside"
    for path in _suspects(site, lines):
        rel = path.relative_to(site).as_posix()
        path.rename(aside)
        live = LiveSite(BuildOptions(root=site, today=BUILD_DAY, base_url=base_url_for("127.0.0.1", 8000)))
        try:
            if not live.rebuild("config"):
                aside.rename(path)
                continue
            aside.rename(path)
            assert live.rebuild(classify_change(path, site), [rel]) is False
            page = live.snapshot.error
            assert page is not None
            shown = html.unescape(page.decode("utf-8"))
            for message in expected:
                assert message in shown
            return
        finally:
            live.close()
    # only site.yaml can be at fault: it is edited in place, from a copy that builds when there is one
    live = LiveSite(BuildOptions(root=site, today=BUILD_DAY, base_url=base_url_for("127.0.0.1", 8000)))
    config = site / "site.yaml"
    try:
        if case not in FIXED_CONFIG:
            assert live.rebuild("config") is False
            return
        broken = config.read_text(encoding="utf-8")
        config.write_text(FIXED_CONFIG[case], encoding="utf-8")
        assert live.rebuild("config") is True
        config.write_text(broken, encoding="utf-8")
        assert live.rebuild("config", ["site.yaml"]) is False
        shown = html.unescape((live.snapshot.error or b"").decode("utf-8"))
        for message in expected:
            assert message in shown
    finally:
        live.close()


FIXED_CONFIG = {
    case: (INVALID / case / "site.yaml").read_text(encoding="utf-8").replace(bad, good)
    for case, bad, good in [
        ("base-url-with-query", "?lang=fr", ""),
        ("base-url-with-quote", '"><script>', ""),
    ]
}
