"""Smaller copies of images for srcset: the cards fact pages show, and editors' images in assets/."""

from __future__ import annotations

import io
import re
from typing import Any
from pathlib import Path

import pytest
from PIL import Image

from generator.build import BuildResult
from conftest import build_copy
from generator.core.images import ImageCache, image_info, resize, rendition_format
from generator.model.plan import CARD_WIDTHS, card_renditions
from generator.core.errors import SiteError, SiteErrors
from support import load_site, render_page

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


# -- editors' images in assets/ --------------------------------------------------------------------------------


def _photo(width: int, height: int, noisy: bool = False) -> bytes:
    image = Image.new("RGB", (width, height), (40, 90, 140))
    if noisy:  # what a camera makes: no two pixels alike, heavy even as JPEG
        image = Image.frombytes("RGB", (width, height), bytes((i * 7919) % 251 for i in range(width * height * 3)))
    out = io.BytesIO()
    image.save(out, format="JPEG", quality=95)
    return out.getvalue()


def _site_with_images(site: Path) -> None:
    folder = site / "assets" / "img"
    folder.mkdir(parents=True)
    (folder / "photo.jpg").write_bytes(_photo(1000, 600))
    (folder / "heavy.jpg").write_bytes(_photo(1300, 900, noisy=True))
    (folder / "tiny.png").write_bytes(_png(120, 60))
    (folder / "broken.png").write_bytes(b"\x89PNG\r\n\x1a\nthe rest is missing")
    article = site / "content" / "en" / "articles" / "later.md"
    article.write_text(article.read_text(encoding="utf-8") + (
        "\n![A *team* photo](/assets/img/photo.jpg \"Our team\")\n\n"
        "A tiny one ![icon](/assets/img/tiny.png) and [the photo](/assets/img/photo.jpg).\n\n"
        "![Broken](/assets/img/broken.png)\n"), encoding="utf-8")


def test_markdown_images_get_their_size_copies_and_lazy_loading(site_src: Path, tmp_path: Path,
                                                                 caplog: pytest.LogCaptureFixture) -> None:
    _site_with_images(site_src)
    build_copy(site_src, tmp_path)
    out = tmp_path / "public"
    html = (out / "en/articles/later/index.html").read_text(encoding="utf-8")
    picture = re.search(r"<picture>.*?</picture>", html)
    assert picture is not None, html
    img = re.search(r"<img ([^>]*)>", picture.group())
    assert img is not None
    attrs = dict(re.findall(r'(\w+)="([^"]*)"', img.group(1)))
    assert attrs["alt"] == "A team photo" and attrs["title"] == "Our team"
    assert (attrs["width"], attrs["height"], attrs["loading"]) == ("1000", "600", "lazy")
    assert re.fullmatch(r"/assets/img/photo\.[0-9a-f]{10}\.jpg", attrs["src"])
    srcset = re.search(r'srcset="([^"]+)"', picture.group())
    assert srcset is not None
    widths = []
    for candidate in srcset.group(1).split(", "):
        url, width = candidate.split()
        widths.append(int(width.removesuffix("w")))
        with Image.open(out / url.lstrip("/")) as copy:
            assert copy.size == (widths[-1], round(600 * widths[-1] / 1000))
    assert widths == [480, 800, 1000]  # the copies, then the photo's own width (as WebP, or the JPEG itself)
    # a link to the image still gives the original
    assert re.search(r'<a href="/assets/img/photo\.[0-9a-f]{10}\.jpg">the photo</a>', html)
    tiny = re.search(r'<img src="/assets/img/tiny\.[0-9a-f]{10}\.png" alt="icon" ([^>]*)>', html)
    assert tiny is not None and 'width="120" height="60"' in tiny.group(1) and 'loading="lazy"' in tiny.group(1)
    # what Pillow cannot read is shown without a size or copies, with a warning naming it
    assert re.search(r'<img src="/assets/img/broken\.[0-9a-f]{10}\.png" alt="Broken" loading="lazy" decoding="async">',
                     html)
    warnings = [r.getMessage() for r in caplog.records if r.levelname == "WARNING"]
    assert any(m.startswith("assets/img/broken.png: warning: ") for m in warnings), warnings
    heavy = [m for m in warnings if m.startswith("assets/img/heavy.jpg: warning: ")]
    assert len(heavy) == 1 and "more than 500 KB" in heavy[0]
    assert not any(m.startswith("assets/img/photo.jpg") for m in warnings)


def test_an_image_named_with_accents_is_found_and_one_with_a_space_is_refused_at_its_line(site_src: Path) -> None:
    # markdown-it writes été.png as %C3%A9t%C3%A9.png: the lookup said "not a file in assets/" of a file that was.
    folder = site_src / "assets" / "img"
    folder.mkdir(parents=True)
    (folder / "été.png").write_bytes(_png(120, 60))
    (folder / "Mon image.png").write_bytes(_png(120, 60))
    article = site_src / "content" / "en" / "articles" / "later.md"
    text = article.read_text(encoding="utf-8")
    article.write_text(text + "\n![Summer](/assets/img/été.png)\n", encoding="utf-8")
    html = render_page(load_site(site_src), "/en/articles/later/")
    assert re.search(r'<img src="/assets/img/été\.[0-9a-f]{10}\.png" alt="Summer" width="120"', html)
    article.write_text(text + "\n![Me](</assets/img/Mon image.png>)\n", encoding="utf-8")
    with pytest.raises((SiteError, SiteErrors)) as refused:
        render_page(load_site(site_src), "/en/articles/later/")
    errors = refused.value.errors if isinstance(refused.value, SiteErrors) else [refused.value]
    assert [(e.source, e.message) for e in errors] == [(
        "content/en/articles/later.md", "'img/Mon image.png' holds a space or a comma, which break an image's "
        "address and its smaller copies; rename the file in assets/ with - instead")]
    assert errors[0].line == text.count("\n") + 2


def test_an_image_with_too_many_pixels_is_named_so_not_called_unreadable(site_src: Path,
                                                                          caplog: pytest.LogCaptureFixture) -> None:
    # A 54-megapixel scan was called unreadable ("save it again"), which would not have helped.
    folder = site_src / "assets" / "img"
    folder.mkdir(parents=True)
    huge = io.BytesIO()
    Image.new("1", (9000, 6000)).save(huge, format="PNG")  # a few KB on disk
    (folder / "scan.png").write_bytes(huge.getvalue())
    (folder / "broken.png").write_bytes(b"\x89PNG\r\n\x1a\nthe rest is missing")
    from generator.sources.assets import load_assets
    from generator.sources.config import load_config

    said = dict(load_assets(load_config(site_src)).warnings)
    assert said["assets/img/scan.png"] == ("this image is 9000×6000 pixels, more than 50 million: it is published as "
                                           "it is, without its size or smaller copies for phones; resize it to at "
                                           "most 2000 pixels wide")
    assert said["assets/img/broken.png"].startswith("this file cannot be read as an image")


def test_check_reports_a_heavy_image(site_src: Path) -> None:
    from generator.commands.check import run_check

    _site_with_images(site_src)
    report = run_check(site_src)
    found = [(f.path, f.level) for f in report.findings if f.path.startswith("assets/img/")]
    assert ("assets/img/heavy.jpg", "warning") in found and ("assets/img/broken.png", "warning") in found
    assert not any(path == "assets/img/photo.jpg" for path, _level in found)


def test_template_helper_shows_an_asset_image(site_src: Path, tmp_path: Path) -> None:
    _site_with_images(site_src)
    layouts = site_src / "layouts"
    layouts.mkdir(exist_ok=True)
    home = (Path(__file__).resolve().parent.parent / "layouts" / "home.html").read_text(encoding="utf-8")
    (layouts / "home.html").write_text(home.replace(
        "{% block main %}",
        "{% block main %}{{ image('img/photo.jpg', 'Our team & friends', sizes='100vw', lazy=false, "
        "css_class='hero') }}", 1), encoding="utf-8")
    build_copy(site_src, tmp_path, base_url="https://example.org/campaign/")
    html = (tmp_path / "public" / "en" / "index.html").read_text(encoding="utf-8")
    img = re.search(r"<img [^>]*class=\"hero\"[^>]*>", html)
    assert img is not None
    assert 'alt="Our team &amp; friends"' in img.group() and 'width="1000"' in img.group()
    assert "loading=" not in img.group()  # above the fold: not lazy
    srcset = re.search(r'srcset="([^"]+)" sizes="100vw"', html)
    assert srcset is not None  # every candidate gets the site's folder
    assert all(c.startswith("/campaign/assets/img/photo.") for c in srcset.group(1).split(", "))


def test_an_unknown_image_in_a_template_is_an_error(site_src: Path, tmp_path: Path) -> None:
    from generator.core.errors import SiteError, SiteErrors

    layouts = site_src / "layouts"
    layouts.mkdir(exist_ok=True)
    home = (Path(__file__).resolve().parent.parent / "layouts" / "home.html").read_text(encoding="utf-8")
    (layouts / "home.html").write_text(home.replace("{% block main %}", "{% block main %}{{ image('img/nope.jpg', "
                                                    "'x') }}", 1), encoding="utf-8")
    with pytest.raises((SiteError, SiteErrors)) as caught:
        build_copy(site_src, tmp_path)
    assert "no asset 'img/nope.jpg'" in str(caught.value)


def _webp_chunk(data: bytes) -> bytes:
    """Return a WebP file's first chunk: b"VP8L" when lossless, b"VP8 " when lossy."""
    assert data[:4] == b"RIFF" and data[8:12] == b"WEBP"
    return data[12:16]


@pytest.mark.skipif(rendition_format("PNG") != "WEBP", reason="this Pillow writes no WebP")
def test_a_card_at_its_own_width_is_lossless_and_an_editors_png_the_smaller_of_the_two() -> None:
    """A card is flat colours and text: lossless only. An editor's PNG (here a noisy one, where lossy
    wins) is still the smaller of the two encodings; both resized copies are lossy."""
    import random

    rng = random.Random(7)
    noisy = Image.new("RGB", (400, 300))
    noisy.putdata([(rng.randrange(256), rng.randrange(256), rng.randrange(256)) for _ in range(400 * 300)])
    out = io.BytesIO()
    noisy.save(out, format="PNG")
    photo_like = out.getvalue()
    assert _webp_chunk(resize(photo_like, 400, "WEBP")) == b"VP8 "  # lossy was the smaller here
    assert _webp_chunk(resize(photo_like, 400, "WEBP", card=True)) == b"VP8L"
    assert _webp_chunk(resize(_png(400, 300), 400, "WEBP", card=True)) == b"VP8L"
    assert _webp_chunk(resize(_png(400, 300), 200, "WEBP", card=True)) == b"VP8 "


def test_a_card_and_an_image_with_the_same_bytes_are_cached_apart(tmp_path: Path) -> None:
    cache = ImageCache(tmp_path)
    data = _png(400, 300)
    card = cache.rendition(data, 400, rendition_format("PNG"), card=True)
    assert cache.cached(data, 400, rendition_format("PNG"), card=True) == card
    assert cache.cached(data, 400, rendition_format("PNG")) is None


def test_a_jpeg_cut_short_and_a_long_infographic_are_published_not_a_crash(site_src: Path) -> None:
    # An interrupted upload: "vigie: internal error: ValueError('image file is truncated')" from build, check and
    # serve. A 1080×17000 infographic: "internal error: … exceeds WebP limit of 16383 pixels".
    from generator.core.images import WEBP_MAX_SIDE
    from generator.sources.assets import load_assets
    from generator.sources.config import load_config

    folder = site_src / "assets" / "img"
    folder.mkdir(parents=True)
    whole = _photo(1000, 700, noisy=True)
    (folder / "cut.jpg").write_bytes(whole[: len(whole) // 3])
    (folder / "long.png").write_bytes(_png(1080, 17000))
    assets = load_assets(load_config(site_src))
    said = dict(assets.warnings)
    assert "assets/img/cut.jpg" in said, (said, [f.path for f in assets.files if "cut" in f.path])
    assert said["assets/img/cut.jpg"].startswith("this file cannot be read as an image")
    assert "assets/img/long.png" not in said
    copies = [Image.open(io.BytesIO(item.data)) for item in assets.files if item.path.startswith("assets/img/long.")
              and item.path.endswith(".webp")]
    if rendition_format("PNG") == "WEBP":
        assert copies and all(image.height <= WEBP_MAX_SIDE for image in copies)
        assert sorted(image.width for image in copies) == [480, 800]  # not the 1080 one, 17,000 pixels tall


def _with_metadata(fmt: str) -> bytes:
    """A small photo that says where it was taken, by whom, and which way up it is shown."""
    from PIL import PngImagePlugin

    image = Image.frombytes("RGB", (64, 48), bytes((i * 7919) % 251 for i in range(64 * 48 * 3)))
    exif = Image.Exif()
    exif[0x0112] = 6  # shown turned a quarter
    exif[0x013B] = "Jane Doe (shelter staff)"  # Artist
    exif[0x8825] = {1: "N", 2: (48.0, 51.0, 24.0), 3: "E", 4: (2.0, 21.0, 3.0)}  # GPS
    out = io.BytesIO()
    if fmt == "PNG":
        text = PngImagePlugin.PngInfo()
        text.add_text("Location", "Refuge Les Lilas, 12 rue des Lilas")
        image.save(out, format="PNG", pnginfo=text, exif=exif)
    elif fmt == "JPEG":
        image.save(out, format="JPEG", exif=exif, comment=b"Taken at Refuge Les Lilas")
    else:
        image.save(out, format="WEBP", exif=exif, lossless=True)
    return out.getvalue()


@pytest.mark.parametrize("fmt", ["JPEG", "PNG", "WEBP"])
def test_a_photo_is_published_without_where_it_was_taken_and_by_whom(fmt: str) -> None:
    # The copies for phones held no metadata, but the original was published as it was: GPS position, author,
    # comments, on the <img> fallback of every page and behind every link to the image.
    from generator.core.metadata import without_metadata

    data = _with_metadata(fmt)
    clean = without_metadata(data)
    assert b"Jane Doe" in data and b"Jane Doe" not in clean and b"Lilas" not in clean
    with Image.open(io.BytesIO(clean)) as cleaned, Image.open(io.BytesIO(data)) as original:
        exif = cleaned.getexif()
        assert 0x8825 not in exif and 0x013B not in exif and "comment" not in cleaned.info
        assert "Location" not in cleaned.info
        if fmt == "JPEG":
            assert exif.get(0x0112) == 6  # which way up it is shown: kept
        assert cleaned.tobytes() == original.tobytes()  # the picture itself: not encoded again
    assert without_metadata(clean) == clean


def test_a_gif_is_published_without_its_comments_and_xmp_its_frames_and_looping_kept() -> None:
    # A GIF was published as it was: its comment ("taken at Refuge Les Lilas") and XMP data with it.
    from generator.core.metadata import without_metadata

    frames = [Image.new("RGB", (40, 30), (80 * i, 255 - 80 * i, 30)) for i in range(3)]
    out = io.BytesIO()
    frames[0].save(out, format="GIF", save_all=True, append_images=frames[1:], loop=0, duration=100,
                   comment=b"Taken at Refuge Les Lilas")
    data = out.getvalue()
    start = 13 + (3 << ((data[10] & 7) + 1) if data[10] & 0x80 else 0)
    data = data[:start] + b"\x21\xff\x0bXMP DataXMP\x0bGPS 48.85 N\x00" + data[start:]  # an XMP block, as editors write
    clean = without_metadata(data)
    assert b"Lilas" in data and b"GPS" in data and b"Lilas" not in clean and b"GPS" not in clean
    with Image.open(io.BytesIO(clean)) as cleaned, Image.open(io.BytesIO(data)) as original:
        assert cleaned.n_frames == original.n_frames == 3 and cleaned.info["loop"] == 0
        for frame in range(3):
            cleaned.seek(frame)
            original.seek(frame)
            assert cleaned.convert("RGB").tobytes() == original.convert("RGB").tobytes()
    assert without_metadata(clean) == clean
    cut = without_metadata(data[:40])  # cut short in its XMP block: what comes before it, and the end mark
    assert b"XMP" not in cut and cut.endswith(b"\x3b") and cut[:-1] == data[:len(cut) - 1]


@pytest.mark.parametrize("fmt", ["TIFF", "AVIF"])
def test_an_image_vigie_cannot_clean_is_refused_when_it_says_where_or_who(fmt: str, site_src: Path) -> None:
    # A TIFF or AVIF photo was published with its GPS position and author, without a word.
    from generator.core.errors import SiteErrors
    from generator.sources.assets import load_assets
    from generator.sources.config import load_config

    folder = site_src / "assets/img"
    folder.mkdir(parents=True)
    with Image.open(io.BytesIO(_with_metadata("JPEG"))) as photo:
        photo.save(folder / f"refuge.{fmt.lower()}", format=fmt, exif=photo.getexif())
        photo.save(folder / f"plain.{fmt.lower()}", format=fmt)
    with pytest.raises(SiteErrors) as raised:
        load_assets(load_config(site_src))
    said = [(err.source, err.message) for err in raised.value.errors]
    assert said == [(f"assets/img/refuge.{fmt.lower()}", said[0][1])] and "where it was taken" in said[0][1]


def test_a_photo_is_cleaned_by_what_it_is_not_by_its_name(site_src: Path, tmp_path: Path) -> None:
    # A JPEG saved as .jfif (Chrome on Windows) was published with its GPS; a TIFF named .png or an iPhone photo
    # named .jpg went past the checks of their kind, their metadata published.
    from generator.core.errors import SiteErrors
    from generator.sources.assets import load_assets
    from generator.sources.config import load_config

    folder = site_src / "assets/img"
    folder.mkdir(parents=True)
    (folder / "photo.jfif").write_bytes(_with_metadata("JPEG"))
    published = without_metadata_of(load_assets(load_config(site_src)), "assets/img/photo.")
    assert b"Jane Doe" not in published and b"Lilas" not in published
    with Image.open(io.BytesIO(_with_metadata("JPEG"))) as photo:
        photo.save(folder / "scan.png", format="TIFF", exif=photo.getexif())
    (folder / "iphone.jpg").write_bytes(b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00mif1heic" + b"Exif" * 8)
    with pytest.raises(SiteErrors) as raised:
        load_assets(load_config(site_src))
    said = {err.source: err.message for err in raised.value.errors}
    assert said.keys() == {"assets/img/scan.png", "assets/img/iphone.jpg"}
    assert said["assets/img/iphone.jpg"].startswith("this is a HEIC photo")
    assert "where it was taken" in said["assets/img/scan.png"]


def without_metadata_of(assets: Any, prefix: str) -> bytes:
    """Return the published original whose path starts with ``prefix``."""
    return next(item.data for item in assets.files if item.path.startswith(prefix) and "w." not in item.path)


def test_what_follows_a_picture_s_end_is_not_published() -> None:
    # Phones append pictures (Motion Photo, gain maps) or texts after a JPEG's end; a GIF can carry anything after
    # its end mark: both were published, the second picture's author and XMP with them.
    from generator.core.metadata import without_metadata

    photo = _with_metadata("JPEG")
    appended = photo + _with_metadata("JPEG") + b"TRAILER: Refuge Les Lilas"
    clean = without_metadata(appended)
    assert b"Jane Doe" not in clean and b"Lilas" not in clean and clean == without_metadata(photo)
    gif = io.BytesIO()
    Image.new("P", (8, 8)).save(gif, format="GIF")
    for data in (gif.getvalue() + b"GPS 48.85 N", gif.getvalue()[:-1] + b"\x21\xfe\x05Lilas\x00"):
        clean = without_metadata(data)
        assert b"GPS" not in clean and b"Lilas" not in clean and clean.endswith(b"\x3b")
        with Image.open(io.BytesIO(clean)) as image:
            image.load()


def _png_chunk(kind: bytes, content: bytes) -> bytes:
    import zlib

    return len(content).to_bytes(4, "big") + kind + content + zlib.crc32(kind + content).to_bytes(4, "big")


def test_only_a_picture_s_own_parts_are_kept_and_its_orientation_with_them() -> None:
    # A PNG kept every chunk it did not know: old ImageMagick's exIf (GPS and author), content credentials, private
    # chunks; a JPEG kept what an APP0 or APP14 carried (a JFXX thumbnail: the uncropped original); a PNG lost
    # which way up browsers show it (its eXIf), and only that one is kept: browsers ignore exIf, and WebP's Exif.
    from generator.core.metadata import without_metadata

    exif = Image.Exif()
    exif[0x0112] = 6
    exif[0x013B] = "Jane Doe"
    exif[0x8825] = {1: "N", 2: (48.0, 51.0, 24.0)}
    raw = exif.tobytes().removeprefix(b"Exif\x00\x00")
    out = io.BytesIO()
    Image.new("RGB", (30, 10), (200, 30, 30)).save(out, format="PNG")
    png = out.getvalue()
    at = png.index(b"IDAT") - 4
    for extra in (_png_chunk(b"exIf", raw), _png_chunk(b"eXIf", raw), _png_chunk(b"caBX", b"Jane Doe"),
                  _png_chunk(b"prVt", b"Jane Doe")):
        clean = without_metadata(png[:at] + extra + png[at:])
        assert b"Jane" not in clean, extra[4:8]
        with Image.open(io.BytesIO(clean)) as image:
            assert image.getexif().get(0x0112, 1) == (6 if extra[4:8] == b"eXIf" else 1)  # as browsers read it
            assert 0x8825 not in image.getexif()
    out = io.BytesIO()
    Image.new("RGB", (30, 10), (200, 30, 30)).save(out, format="WEBP", exif=exif, lossless=True)
    with Image.open(io.BytesIO(without_metadata(out.getvalue()))) as image:  # browsers show a WebP as stored
        assert not image.getexif()
    jpeg = _photo(64, 48)
    jfxx = b"\xff\xe0" + (2 + 5 + len(jpeg)).to_bytes(2, "big") + b"JFXX\x00" + jpeg  # a thumbnail: Jane's photo
    adobe = b"\xff\xee\x00\x1a" + b"Adobe\x00\x64\x00\x00\x00\x00\x01" + b"Jane Doe\x00\x00\x00\x00"
    photo = _with_metadata("JPEG")
    clean = without_metadata(photo[:2] + jfxx + adobe + photo[2:])
    assert b"JFXX" not in clean and b"Jane" not in clean and clean.count(b"\xff\xd8") == 1
    with Image.open(io.BytesIO(clean)) as cleaned, Image.open(io.BytesIO(photo)) as original:
        assert cleaned.tobytes() == original.tobytes()


def test_a_damaged_exif_or_a_text_that_starts_like_an_image_is_no_crash_and_no_cut() -> None:
    # An Exif segment that is no TIFF crashed every build ("internal error"); a text starting "GIF89a was…" was
    # published as 14 bytes.
    from generator.core.metadata import cleanable, without_metadata

    photo = _photo(64, 48)
    broken = photo[:2] + b"\xff\xe1\x00\x10Exif\x00\x00XXXXXXXX" + photo[2:]
    with Image.open(io.BytesIO(without_metadata(broken))) as image:
        assert image.size == (64, 48)
    tables = photo.find(b"\xff\xdb")
    for stray in (b"\xff\x00", b"\x00\xff\x00\x00"):  # between segments: no marker, skipped as decoders do
        with Image.open(io.BytesIO(without_metadata(photo[:tables] + stray + photo[tables:]))) as image, \
                Image.open(io.BytesIO(photo)) as original:
            assert image.tobytes() == original.tobytes()
    text = b"GIF89a was the format of 1989; this note is about it.\n"
    assert not cleanable(text, "files/notes.txt") and cleanable(text, "img/anim.gif")
    assert cleanable(photo, "img/photo") and cleanable(photo, "img/photo.jfif")


def _box(kind: bytes, body: bytes) -> bytes:
    return (8 + len(body)).to_bytes(4, "big") + kind + body


@pytest.mark.parametrize("where", [
    _box(b"udta", _box(b"\xa9xyz", b"\x00\x12\x15\xc7+48.8566+002.3522/")),  # an Android phone's
    _box(b"meta", _box(b"keys", b"\x00" * 8 + b"com.apple.quicktime.location.ISO6709")),  # an iPhone's
])
def test_a_video_that_says_where_it_was_filmed_is_refused(where: bytes) -> None:
    # A phone's video in assets/ was published with its GPS position, whatever its name.
    from generator.core.metadata import films_where

    kind = _box(b"ftyp", b"isom\x00\x00\x02\x00isomiso2mp41")
    header = _box(b"mvhd", b"\x00" * 100)
    pictures = _box(b"mdat", b"\x00" * 64)
    assert films_where(kind + _box(b"moov", header + where) + pictures)
    assert films_where(_box(b"wide", b"") + pictures + _box(b"moov", header + where))  # QuickTime, no type box
    assert not films_where(kind + _box(b"moov", header) + pictures)
    assert not films_where(_with_metadata("JPEG"))


def test_author_and_xmp_in_a_tiff_or_jpeg_2000_box_count() -> None:
    # A TIFF with only a copyright or Windows' author tag, and a JPEG 2000 with an XMP box, said nothing.
    from generator.core.metadata import says_who_or_where

    for tag in (0x8298, 0x9C9D):
        exif = Image.Exif()
        exif[tag] = "Jane Doe" if tag == 0x8298 else "Jane Doe".encode("utf-16-le")
        out = io.BytesIO()
        Image.new("RGB", (8, 8)).save(out, format="TIFF", exif=exif)
        assert says_who_or_where(out.getvalue()), hex(tag)
    out = io.BytesIO()
    Image.new("RGB", (8, 8)).save(out, format="JPEG2000")
    plain = out.getvalue()
    xmp = b"<x:xmpmeta><dc:creator>Jane Doe</dc:creator></x:xmpmeta>"
    box = (24 + len(xmp)).to_bytes(4, "big") + b"uuid" + bytes.fromhex("be7acfcb97a942e89c71999491e3afac") + xmp
    assert not says_who_or_where(plain) and says_who_or_where(plain + box)


def test_the_published_original_of_a_photo_holds_no_gps(site_src: Path, tmp_path: Path) -> None:
    folder = site_src / "assets/img"
    folder.mkdir(parents=True)
    (folder / "refuge.jpg").write_bytes(_with_metadata("JPEG"))
    _result, out = build_copy(site_src, tmp_path)
    published = next((out / "assets/img").glob("refuge.*.jpg")).read_bytes()
    assert b"Jane Doe" not in published and b"Lilas" not in published
    with Image.open(io.BytesIO(published)) as image:
        assert 0x8825 not in image.getexif()


def test_an_image_named_with_a_hash_or_a_percent_sign_is_addressed_so_that_it_is_found(site_src: Path,
                                                                                      tmp_path: Path) -> None:
    # "poster#1.jpg" was written src="/assets/img/poster#1.<hash>.jpg": the browser asked for "/assets/img/poster"
    # (the rest a fragment); "100%.jpg" made a broken escape. Both were published broken without a word.
    from urllib.parse import unquote, urlsplit

    folder = site_src / "assets/img"
    folder.mkdir(parents=True)
    for name in ("poster#1.jpg", "100%.jpg"):
        (folder / name).write_bytes(_photo(900, 600))
    article = site_src / "content/en/articles/later.md"
    article.write_text(article.read_text(encoding="utf-8") + "\n![Poster](/assets/img/poster%231.jpg)\n\n"
                       "![Hundred](/assets/img/100%25.jpg)\n", encoding="utf-8")
    result, out = build_copy(site_src, tmp_path)
    assert result.site is not None
    url = next(p.url for p in result.site.pages if p.doc is not None and p.doc.rel == "en/articles/later.md")
    html = (out / url.strip("/") / "index.html").read_text(encoding="utf-8")
    addresses = re.findall(r'<img src="([^"]+)"', html) + [
        candidate.split()[0] for srcset in re.findall(r'srcset="([^"]+)"', html) for candidate in srcset.split(", ")]
    ours = [a for a in addresses if "poster" in a or "100" in a]
    assert len(ours) >= 4
    for address in ours:
        assert "#" not in address and (out / unquote(urlsplit(address).path).lstrip("/")).is_file(), address


def test_a_stylesheet_may_point_at_an_asset_from_the_root_and_gets_its_hashed_name(site_src: Path,
                                                                                   tmp_path: Path) -> None:
    # url(/assets/img/bg.png) was left as written while the file is published as bg.<hash>.png: a 404.
    (site_src / "assets/img").mkdir(parents=True)
    (site_src / "assets/img/bg.png").write_bytes(_png(20, 20))
    (site_src / "assets/css").mkdir(parents=True)
    (site_src / "assets/css/extra.css").write_text("body { background: url(/assets/img/bg.png); }\n", encoding="utf-8")
    _result, out = build_copy(site_src, tmp_path)
    css = next((out / "assets/css").glob("extra.*.css")).read_text(encoding="utf-8")
    target = re.search(r'url\("/(assets/img/bg\.[0-9a-f]+\.png)"\)', css)
    assert target and (out / target.group(1)).is_file(), css


def _svg_warnings(site_src: Path, drawings: dict[str, bytes]) -> dict[str, str]:
    """Return the warnings about assets of a site with these SVG files in assets/img/, by file."""
    from generator.sources.assets import load_assets
    from generator.sources.config import load_config

    folder = site_src / "assets/img"
    folder.mkdir(parents=True)
    for name, data in drawings.items():
        (folder / name).write_bytes(b'<svg xmlns="http://www.w3.org/2000/svg"' + data + b"</svg>")
    return dict(load_assets(load_config(site_src)).warnings)


def test_an_svg_that_names_its_author_or_a_folder_of_their_computer_is_warned_about(site_src: Path) -> None:
    # Inkscape keeps the folder a drawing was exported to ("/home/jane.doe/…") and its author: published as is.
    said = _svg_warnings(site_src, {
        "map.svg": b' inkscape:export-filename="/home/jane.doe/shelters/map.png"><path d="M0 0h8v8z"/>',
        "logo.svg": b"><metadata><dc:creator><cc:Agent><dc:title>Jane Doe</dc:title></cc:Agent></dc:creator>"
                    b"</metadata>",
        "plain.svg": b'><a href="/en/help/"><use href="#i"/></a>'})
    assert "(/home/jane.doe/shelters/map.png)" in said["assets/img/map.svg"]
    assert "(Jane Doe)" in said["assets/img/logo.svg"] and "assets/img/plain.svg" not in said


def test_an_svg_that_runs_a_script_or_loads_from_another_site_is_warned_about(site_src: Path) -> None:
    # Published untouched, and opened on its own address it ran on the site's origin (title "PWNED-onload",
    # requests to other sites on a host without the site's headers); build and check said nothing.
    said = _svg_warnings(site_src, {
        "chart.svg": b' onload="document.title=1"><script>fetch("https://t.example.net/")</script>',
        "plain.svg": b' viewBox="0 0 8 8"><path d="M0 0h8v8z"/>'})
    assert said["assets/img/chart.svg"].startswith("this SVG holds a script") and "assets/img/plain.svg" not in said
