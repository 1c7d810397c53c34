"""Web fonts: WOFF2 cut to the site's languages, a unicode-range that says what the file has, kept in a cache."""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest
from fontTools.ttLib import TTFont

from conftest import FIXTURE_SITE
from generator.core.fonts import font_files, font_path
from generator.core.webfonts import (WebFontCache, language_characters, site_characters, subset_woff2,
                                     unicode_range)
from generator.sources.assets import load_assets
from support import load_site


def _cmap(data: bytes) -> set[int]:
    with TTFont(io.BytesIO(data)) as font:
        assert font.flavor == "woff2"
        return set(font.getBestCmap())


def _ranges(text: str) -> set[int]:
    found: set[int] = set()
    for part in text.split(","):
        first, _, last = part.strip().removeprefix("U+").partition("-")
        found.update(range(int(first, 16), int(last or first, 16) + 1))
    return found


def test_french_needs_its_letters_quotes_and_euro_sign_english_does_not() -> None:
    french = language_characters("fr_FR")
    english = language_characters("en_GB")
    assert french is not None and english is not None
    for ch in "éèêëàâçîïôûùüÿœæÉÈÀÇŒÆŸ«»’…–€\u202f":
        assert ord(ch) in french, ch
    assert ord("é") not in english and ord("£") in english
    assert all(cp in english for cp in range(0x20, 0x7F))  # addresses and code, in any language


def test_a_language_without_exemplars_keeps_the_whole_font() -> None:
    assert site_characters(["fr_FR", "tlh"]) is None
    assert site_characters(["fr_FR"], ["→ ★"]) == (language_characters("fr_FR") or set()) | {ord("→"), ord("★")}


def test_unicode_range_is_written_in_runs() -> None:
    assert unicode_range([0x41, 0x20, 0x42, 0x43, 0xE9]) == "U+20, U+41-43, U+E9"
    assert _ranges(unicode_range(range(0x20, 0x7F))) == set(range(0x20, 0x7F))


def test_a_web_font_holds_exactly_the_wanted_characters_the_font_has(tmp_path: Path) -> None:
    wanted = frozenset(map(ord, "Vigie éœ€★"))  # ★: not in Atkinson Hyperlegible
    web = WebFontCache(tmp_path).web_font(font_path("bold"), wanted)
    assert web.name == "AtkinsonHyperlegible-Bold.woff2"
    assert _cmap(web.data) == set(map(ord, "Vigie éœ€"))
    assert _ranges(web.unicode_range) == _cmap(web.data)
    assert len(web.data) < font_path("bold").stat().st_size / 4


def test_web_fonts_are_kept_between_builds_and_a_damaged_file_is_made_again(tmp_path: Path) -> None:
    chars = language_characters("fr_FR")
    first = WebFontCache(tmp_path)
    made = first.web_font(font_path(), chars)
    assert first.made == 1 and len(list(tmp_path.iterdir())) == 1
    second = WebFontCache(tmp_path)
    assert second.web_font(font_path(), chars) == made and second.made == 0
    kept = next(tmp_path.iterdir())
    kept.write_bytes(kept.read_bytes()[:100])  # cut short
    third = WebFontCache(tmp_path)
    assert third.web_font(font_path(), chars).data == made.data and third.made == 1
    assert kept.read_bytes() == made.data
    read_only = WebFontCache(tmp_path / "other", read_only=True)
    assert read_only.web_font(font_path(), chars).data == made.data and not (tmp_path / "other").exists()


def test_subsetting_gives_the_same_bytes_every_time() -> None:
    chars = frozenset(range(0x20, 0x7F))
    made = subset_woff2(font_path("regular", True), chars)
    assert made == subset_woff2(font_path("regular", True), chars)
    with TTFont(io.BytesIO(made)) as web, TTFont(font_path("regular", True)) as ttf:
        assert web["head"].modified == ttf["head"].modified  # not the time of the build


def test_the_theme_css_gives_each_face_the_range_of_its_file() -> None:
    site = load_site(FIXTURE_SITE)
    files = {f.path: f.data for f in load_assets(site.config).files}
    css = next(data.decode() for path, data in files.items() if re.fullmatch(r"assets/css/site\.\w+\.css", path))
    faces = re.findall(r"@font-face\s*\{([^}]*)\}", css)
    web = [face for face in faces if ".woff2" in face]
    assert len(web) == len(font_files()) == 4
    for face in web:
        url = re.search(r'url\("/(assets/fonts/[^"]+\.woff2)"\)', face)
        assert url is not None and "font-display:swap" in face
        declared = re.search(r"unicode-range:\s*([^;]+)", face)
        assert declared is not None
        assert _ranges(declared.group(1)) == _cmap(files[url.group(1)])
    # cards and PDFs keep the whole TrueType files, still published for CSS that names them
    assert sum(1 for path in files if path.endswith(".ttf")) == 4


def test_ranges_are_added_without_moving_the_lines_of_the_css() -> None:
    from generator.sources.assets import _font_ranges

    source = (b'@font-face {\n  font-family: A;\n  src: url("../fonts/A.woff2");\n}\n'
              b'@font-face { src: url("../fonts/B.woff2"); unicode-range: U+41; }\na { b: c }\n')
    done = _font_ranges("css/site.css", source, {"fonts/A.woff2": "U+20-7E", "fonts/B.woff2": "U+20"}).decode()
    assert done.count("\n") == source.count(b"\n")
    assert 'url("../fonts/A.woff2");\nunicode-range: U+20-7E; }' in done
    assert "U+41;" in done and "U+20;" not in done  # a range the CSS gives is its own


@pytest.mark.parametrize("style", ["regular", "bold"])
def test_pages_preload_the_first_screens_fonts_as_woff2(style: str) -> None:
    from support import render_page

    html = render_page(load_site(FIXTURE_SITE), "/fr/")
    preloads = re.findall(r'<link rel="preload" href="([^"]+)" as="font" type="font/woff2" crossorigin>', html)
    assert len(preloads) == 2
    assert any(f"AtkinsonHyperlegible-{style.title()}." in href for href in preloads)
    assert ".ttf" not in html


def test_every_character_the_fixture_pages_show_is_in_the_web_fonts_when_the_font_has_it(
        built_site: tuple[object, Path]) -> None:
    """The subset loses no glyph the site uses: a character drawn by the fallback is one the font never had."""
    from html.parser import HTMLParser

    class Text(HTMLParser):
        def __init__(self) -> None:
            super().__init__()
            self.chars: set[int] = set()
            self.hidden = 0

        def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
            self.hidden += tag in ("script", "style")
            for name, value in attrs:
                if name in ("alt", "title", "aria-label", "placeholder") and value:
                    self.chars.update(map(ord, value))

        def handle_endtag(self, tag: str) -> None:
            self.hidden -= tag in ("script", "style")

        def handle_data(self, data: str) -> None:
            if not self.hidden:
                self.chars.update(map(ord, data))

    _, out = built_site
    shown = Text()
    pages = sorted(out.rglob("*.html"))
    assert len(pages) > 20
    for page in pages:
        shown.feed(page.read_text(encoding="utf-8"))
    shown.chars -= {ord(c) for c in "\n\t\r"}
    with TTFont(font_path()) as full:
        drawable = shown.chars & set(full.getBestCmap())
    web = next(out.glob("assets/fonts/AtkinsonHyperlegible-Regular.*.woff2"))
    missing = sorted(chr(cp) for cp in drawable - _cmap(web.read_bytes()))
    assert missing == []
    assert {ord("é"), ord("«"), ord("è")} <= shown.chars  # the fixture does show French text
