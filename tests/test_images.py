"""Smaller copies of images for srcset: the cards fact pages show, and editors' images in assets/."""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest
from PIL import Image

from generator.build import BuildResult
from generator.core.images import ImageCache, image_info, resize, rendition_format
from generator.model.plan import CARD_WIDTHS, card_renditions

FACT_PAGE = "en/facts/victims-per-day/"


def _png(width: int, height: int, color: tuple[int, int, int] = (200, 30, 60)) -> bytes:
    out = io.BytesIO()
    image = Image.new("RGB", (width, height), color)
    for x in range(0, width, 7):  # something to resample
        image.putpixel((x, x * height // width), (255, 255, 255))
    image.save(out, format="PNG")
    return out.getvalue()


def test_fact_page_shows_smaller_copies_of_its_card(built_site: tuple[BuildResult, Path]) -> None:
    _result, out = built_site
    html = (out / FACT_PAGE / "index.html").read_text(encoding="utf-8")
    picture = re.search(r"<picture>.*?</picture>", html, re.S)
    assert picture is not None
    source = re.search(r'<source type="([^"]+)" srcset="([^"]+)" sizes="([^"]+)">', picture.group())
    assert source is not None
    kind, srcset, sizes = source.groups()
    assert kind == ("image/webp" if rendition_format("PNG") == "WEBP" else "image/png")
    assert "100vw" in sizes
    candidates = [c.strip().split() for c in srcset.split(",")]
    assert [int(w.removesuffix("w")) for _, w in candidates] == list(CARD_WIDTHS)
    for url, width in candidates:
        path = out / url.lstrip("/")
        with Image.open(path) as image:  # each copy is the width it says, with the card's proportions
            assert image.size == (int(width.removesuffix("w")), round(630 * int(width.removesuffix("w")) / 1200))
            assert image.format == ("PNG" if path.name == "card.png" else rendition_format("PNG"))
    img = re.search(r"<img [^>]*>", picture.group())
    assert img is not None
    for attribute in ('src="/en/facts/victims-per-day/card.png"', 'width="1200"', 'height="630"', 'loading="lazy"'):
        assert attribute in img.group()
    # what is downloaded and shared stays the full-size PNG
    assert 'href="/en/facts/victims-per-day/card.png" download' in html
    assert 'og:image" content="https://' in html and '/victims-per-day/card.png">' in html
    with Image.open(out / FACT_PAGE / "card.png") as card:
        assert card.size == (1200, 630) and card.format == "PNG"


def test_copies_are_smaller_than_the_card(built_site: tuple[BuildResult, Path]) -> None:
    _result, out = built_site
    full = (out / FACT_PAGE / "card.png").stat().st_size
    for name in card_renditions():
        assert (out / FACT_PAGE / name).stat().st_size < full


def test_resize_keeps_proportions_and_is_deterministic() -> None:
    data = _png(1000, 500)
    small = resize(data, 400, "WEBP")
    assert small == resize(data, 400, "WEBP")
    with Image.open(io.BytesIO(small)) as image:
        assert image.size == (400, 200) and image.format == "WEBP"


def test_resize_applies_orientation_and_leaves_out_metadata() -> None:
    image = Image.new("RGB", (600, 300), (10, 120, 200))
    exif = Image.Exif()
    exif[0x0112] = 6  # turned a quarter: shown 300 wide, 600 high
    exif[0x010F] = "Camera maker"
    out = io.BytesIO()
    image.save(out, format="JPEG", exif=exif)
    data = out.getvalue()
    info = image_info(data)
    assert info is not None and (info.width, info.height) == (300, 600)
    small = resize(data, 150, "JPEG")
    with Image.open(io.BytesIO(small)) as copy:
        assert copy.size == (150, 300)
        assert not copy.getexif()


@pytest.mark.parametrize("data", [b"", b"\x89PNG\r\n\x1a\nnot really", b"GIF89a" + b"\x00" * 20])
def test_what_is_not_an_image_has_no_info(data: bytes) -> None:
    assert image_info(data) is None


def test_cache_makes_a_copy_once(tmp_path: Path) -> None:
    data = _png(900, 300)
    first = ImageCache(tmp_path)
    made = first.rendition(data, 300, "WEBP")
    assert first.made == 1
    again = ImageCache(tmp_path)
    assert again.rendition(data, 300, "WEBP") == made and again.made == 0
    for path in tmp_path.iterdir():  # a file cut short is made again
        path.write_bytes(path.read_bytes()[:20])
    third = ImageCache(tmp_path)
    assert third.rendition(data, 300, "WEBP") == made and third.made == 1
