"""Shared fixtures: the small bilingual fixture site, built once per session."""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path

import pytest

from generator.build import BuildOptions, BuildResult, build
from generator.core import messages
from generator.core.cache import CACHE_FOLDER

TESTS = Path(__file__).resolve().parent
FIXTURE_SITE = TESTS / "fixtures" / "site"
REPO = TESTS.parent
#: The day fixture builds are made on: fixed, so future-dated pages stay future.
BUILD_DAY = date(2026, 11, 29)
#: What a local build leaves in the fixture folder and a copy must not carry.
IGNORED = shutil.ignore_patterns(".vigie-cache", "public")


@pytest.fixture(autouse=True)
def english_messages(monkeypatch: pytest.MonkeyPatch) -> object:
    """Every test starts speaking English, whatever the developer's locale, and leaves English behind.

    A test that speaks French sets it itself (``--ui-lang fr``, ``LANG=fr_FR.UTF-8`` in a child's
    environment, or `messages.activate`).
    """
    for name in messages.LANGUAGE_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("LANG", "C.UTF-8")
    messages.activate("en")
    yield
    messages.activate("en")


@pytest.fixture
def french() -> object:
    """Vigie speaks French for one test (as with LANG=fr_FR.UTF-8), and English again afterwards."""
    messages.activate("fr")
    yield
    messages.activate("en")


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--update-golden", action="store_true", help="rewrite tests/golden/ from the current output")


@pytest.fixture
def bare_site(tmp_path: Path) -> Path:
    """A fresh copy of the fixture site that a test may change, with nothing in its cache.

    For tests about caches, and about what a build draws, prints or subsets itself.
    """
    dest = tmp_path / "site"
    shutil.copytree(FIXTURE_SITE, dest, ignore=IGNORED)
    return dest


@pytest.fixture(scope="session")
def built_site(tmp_path_factory: pytest.TempPathFactory) -> tuple[BuildResult, Path]:
    """The fixture site built once: (result, output folder)."""
    root = tmp_path_factory.mktemp("fixture") / "site"
    shutil.copytree(FIXTURE_SITE, root, ignore=IGNORED)
    out = root / "public"
    result = build(BuildOptions(root=root, out=out, today=BUILD_DAY))
    return result, out


@pytest.fixture(scope="session")
def warm_cache(built_site: tuple[BuildResult, Path]) -> Path:
    """The cache folder of `built_site`: the fixture site's cards, PDFs and web fonts, made once.

    Cards, PDFs, image copies and web fonts are cached by what they show, not by
    the site folder, so a copy of the fixture site with these reuses every one its
    edits leave unchanged.
    """
    return built_site[1].parent / CACHE_FOLDER


#: What `site_src` takes from `warm_cache`: what is drawn, printed or subset, keyed by what it shows.
WARM_FOLDERS = ("cards", "pdf", "images", "fonts")


@pytest.fixture
def site_src(bare_site: Path, warm_cache: Path) -> Path:
    """A fresh copy of the fixture site that a test may change, with the cards, PDFs and fonts of `built_site`.

    A build draws, prints and subsets again only what a test's edits change: what
    it publishes and says is the same as from an empty cache (a cached card, sheet
    or font is the one the same input makes). Parsed documents and bodies are not
    copied. Tests about caches themselves, or about drawing, use `bare_site`.
    """
    for name in WARM_FOLDERS:
        shutil.copytree(warm_cache / name, bare_site / CACHE_FOLDER / name)
    return bare_site


def build_copy(src: Path, tmp: Path, **options: object) -> tuple[BuildResult, Path]:
    """Build a site folder into tmp/public and return (result, output)."""
    out = tmp / "public"
    result = build(BuildOptions(root=src, out=out, today=BUILD_DAY, **options))  # type: ignore[arg-type]
    return result, out
