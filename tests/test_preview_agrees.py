"""`vigie serve` and `vigie build` agree: whatever a build refuses, the preview shows as its error page."""

from __future__ import annotations

import html
import shutil
from pathlib import Path

import pytest

from conftest import BUILD_DAY
from generator.build import BuildOptions, build
from generator.commands.serve import LiveSite, base_url_for, error_lines
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
    with pytest.raises((SiteError, SiteErrors)) as refused:
        build(BuildOptions(root=site, out=tmp_path / "public", today=BUILD_DAY, use_cache=False))
    expected = error_lines(refused.value)

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
