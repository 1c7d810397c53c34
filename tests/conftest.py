"""Shared fixtures: the small bilingual fixture site, built once per session."""

from __future__ import annotations

import hashlib
import io
import shutil
import threading
from collections import OrderedDict
from datetime import date
from pathlib import Path
from typing import Any, Callable, Hashable

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


class _Kept:
    """The last ``size`` results of a pure function, by a key made of its arguments, for the whole test process."""

    def __init__(self, size: int) -> None:
        self.size = size
        self.results: OrderedDict[Hashable, Any] = OrderedDict()
        self.lock = threading.Lock()  # cards are drawn in threads

    def get(self, key: Hashable, make: Callable[[], Any]) -> Any:
        with self.lock:
            if key in self.results:
                self.results.move_to_end(key)
                return self.results[key]
        result = make()  # a failure is raised every time, never kept
        with self.lock:
            self.results[key] = result
            while len(self.results) > self.size:
                self.results.popitem(last=False)
        return result


#: Test modules about drawing cards, printing sheets, resizing images and compressing files themselves:
#: all is made every time.
DRAWING_TESTS = {"test_cards", "test_pdf", "test_images", "test_compress"}
_CARDS = _Kept(200)  # 10-100 KB each
_SHEETS = _Kept(100)  # about 30 KB each
_RESIZED = _Kept(400)  # the smaller copies of cards and photos, 5-50 KB each
_BROTLI = _Kept(1000)  # the .br copies of pages, style sheets and scripts, 1-10 KB each


@pytest.fixture(autouse=True)
def drawn_once_per_process(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> None:
    """Outside `DRAWING_TESTS`, a card, a fact sheet, a smaller copy of an image or a Brotli copy of a file is
    made once per test process.

    Drawing a card, printing a sheet, resizing an image and compressing a file are pure functions of their
    inputs (`test_cards`, `test_pdf`, `test_images` and `test_compress` check it, in fresh processes too):
    made again for every test's own site folder, they took about a third of the suite's time (the theme's
    style sheets and scripts alone, compressed at Brotli's best, 40 ms of each build). Only the making is
    kept here, as a cache entry would be: each site's caches and outputs, and the counts of what a build
    drew, printed and resized (`BuildResult.cards_drawn`, `pdfs_rendered`, `ImageCache.made`), work as they
    do without it.
    """
    if request.module.__name__ in DRAWING_TESTS:
        return
    from PIL import Image

    import generator.core.images as images
    import generator.media.cards as cards
    import generator.media.printer as printer
    import generator.output.compress as compress

    draw, render, resize, brotli = cards.draw_card, printer.render_pdf, images.resize, compress._brotli

    def draw_card(spec: cards.CardSpec, size: tuple[int, int]) -> tuple[bytes, Image.Image]:
        data: bytes = _CARDS.get((spec, size), lambda: draw(spec, size)[0])
        image = Image.open(io.BytesIO(data))
        image.load()  # decoded now: the renditions read it from several threads at once
        return data, image

    def render_pdf(html: str, **options: Any) -> Any:
        files = options.get("site_files") or {}
        key = (html, options.get("base_url"), options.get("site_url"),
               tuple(sorted((name, hashlib.sha256(data).digest()) for name, data in files.items())))
        return _SHEETS.get(key, lambda: render(html, **options))

    def resized(data: bytes, width: int, fmt: str, drawn: Image.Image | None = None, card: bool = False) -> bytes:
        made: bytes = _RESIZED.get((hashlib.sha256(data).digest(), width, fmt, card),
                                   lambda: resize(data, width, fmt, drawn, card))
        return made

    def compressed(path: str, data: bytes) -> bytes:
        made: bytes = _BROTLI.get((path, hashlib.sha256(data).digest()), lambda: brotli(path, data))
        return made

    monkeypatch.setattr(cards, "draw_card", draw_card)
    monkeypatch.setattr(printer, "render_pdf", render_pdf)
    monkeypatch.setattr(images, "resize", resized)
    monkeypatch.setattr(compress, "_brotli", compressed)


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
