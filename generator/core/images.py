"""Smaller copies of images (renditions) for ``srcset``: the fact cards shown in pages and editors' images.

A rendition is the image resized to a narrower width (never wider than the
original), saved as WebP when Pillow can write it (else in the original's
format) and without metadata: a photo's EXIF (place, camera, date) is left out,
its orientation applied first so the copy shows as the original does. The
originals are published without metadata too (`generator.core.metadata`).

A WebP rendition of a PNG (a diagram) at the PNG's own width is the smaller
of a lossy and a lossless encoding: flat colours and text are often smaller
lossless; a resized one is lossy. A card Vigie drew is all flat colours and
text: at its own width it is encoded lossless only (``card``), which was the
smaller of the two for each of the 148 cards measured (the campaign's, a
four-language fixture's with Arabic, and the benchmark's: 47 to 91 % of the
lossy size), and the lossy attempt cost more than half of a card edit's wait
under `vigie serve`. Encoding
is deterministic: the same bytes, width and versions give the same file, so
renditions are kept in SITE/.vigie-cache/images (`ImageCache`), named by
a signed hash of what shapes them, like cards.
"""

from __future__ import annotations

import hashlib
import io
import threading
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import PIL
from PIL import Image, ImageOps, features

from generator.core.cache import digest, keyed_name, write_atomically

#: Bump when what a rendition looks like changes.
RENDITION_VERSION = "2"
#: Whether renditions are WebP (else they keep the original's format).
WEBP = bool(features.check("webp"))
#: The WebP quality of lossy renditions.
WEBP_QUALITY = 80
#: The JPEG quality of renditions when Pillow cannot write WebP.
JPEG_QUALITY = 82
#: Widths of the renditions of an editor's image in assets/ (those narrower than the image are made).
ASSET_WIDTHS = (480, 800, 1200, 1600)
#: Image files in assets/ that get renditions, by ending → Pillow's format name.
RESIZABLE = {".png": "PNG", ".jpg": "JPEG", ".jpeg": "JPEG", ".webp": "WEBP"}
#: An image in assets/ above this many bytes gets a warning (renditions spare phones, not the original's link).
HEAVY_IMAGE_BYTES = 500 * 1024
#: Decoding an image larger than this many pixels is refused (a "decompression bomb" of a few kilobytes).
MAX_PIXELS = 50_000_000

_MIME = {"WEBP": "image/webp", "PNG": "image/png", "JPEG": "image/jpeg"}
_SUFFIX = {"WEBP": ".webp", "PNG": ".png", "JPEG": ".jpg"}


def rendition_format(original: str) -> str:
    """Return the format of the renditions of an image in ``original`` format (Pillow's name: ``PNG``)."""
    return "WEBP" if WEBP else original


def suffix(fmt: str) -> str:
    """Return a format's file ending: ``.webp``."""
    return _SUFFIX[fmt]


def mime(fmt: str) -> str:
    """Return a format's media type: ``image/webp``."""
    return _MIME[fmt]


def widths_below(width: int, ladder: tuple[int, ...]) -> tuple[int, ...]:
    """Return the widths of the ladder narrower than ``width``."""
    return tuple(w for w in ladder if w < width)


#: The tallest (and widest) image WebP holds: a long infographic's copy at its own width can be taller.
WEBP_MAX_SIDE = 16383


def scaled_height(width: int, height: int, new_width: int) -> int:
    """Return the height of an image ``width`` × ``height`` resized to ``new_width``, keeping its proportions."""
    return max(1, round(height * new_width / width))


@dataclass(frozen=True, slots=True)
class ImageInfo:
    """What a page needs to know of an image: its size as shown (orientation applied) and its format."""

    width: int
    height: int
    format: str
    """Pillow's name: ``PNG``, ``JPEG``, ``WEBP``."""
    animated: bool = False


def complete(data: bytes, fmt: str) -> bool:
    """Return whether an image file holds all of its picture: a JPEG, PNG or WebP cut short (an interrupted
    upload) is refused here, whatever Pillow is told (WeasyPrint, once imported, makes it read cut files as
    grey at the bottom: copies of a broken photo would be published without a word)."""
    if fmt == "PNG":
        return data.rfind(b"IEND") > 8
    if fmt == "WEBP":
        return len(data) >= 12 and int.from_bytes(data[4:8], "little") + 8 <= len(data)
    if fmt != "JPEG":
        return True
    position = 2  # after the start of image: the segments up to the picture's start of scan, each with its length
    while position + 4 <= len(data) and data[position] == 0xFF:
        marker = data[position + 1]
        if marker == 0xFF:  # fill byte
            position += 1
            continue
        if marker == 0xDA:  # start of scan: the picture follows, and ends with the end of image
            return data.rfind(b"\xff\xd9") > position
        position += 2 + int.from_bytes(data[position + 2:position + 4], "big")
    return False


def image_info(data: bytes) -> ImageInfo | None:
    """Return an image's size and format, or None when Pillow cannot read it (or it is far too large)."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as image:
                width, height = image.size
                if width * height > MAX_PIXELS or image.format not in _MIME or not complete(data, image.format):
                    return None
                orientation = image.getexif().get(0x0112, 1)
                if orientation in (5, 6, 7, 8):  # a quarter turn: shown the other way round
                    width, height = height, width
                return ImageInfo(width, height, image.format, bool(getattr(image, "is_animated", False)))
    except Exception:  # whatever a damaged or hostile file makes Pillow raise: no renditions, no crash
        return None


def too_many_pixels(data: bytes) -> tuple[int, int] | None:
    """Return the size an image's header gives when it has more than MAX_PIXELS (a photo straight from a camera
    or a scan), None otherwise or when the header cannot be read; nothing is decoded."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as image:
                width, height = image.size
    except Exception:  # a damaged or hostile header: said by the caller
        return None
    return (width, height) if width * height > MAX_PIXELS else None


def resize(data: bytes, width: int, fmt: str, drawn: Image.Image | None = None, card: bool = False) -> bytes:
    """Return the image resized to ``width`` pixels wide in format ``fmt``, without its metadata.

    ``drawn``: the RGB image a PNG ``data`` was just saved from, without metadata
    (a card): used as it is instead of decoding ``data`` again, for the same bytes.
    Raises ValueError for what Pillow cannot read (the caller checked with `image_info`).
    """
    if drawn is not None:
        if drawn.mode != "RGB" or drawn.info or not data.startswith(b"\x89PNG"):
            raise ValueError("resize: a drawn image must be the RGB image of a PNG without metadata")
        return _resized(drawn, "PNG", None, width, fmt, card)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as opened:
                source_format = opened.format
                image = ImageOps.exif_transpose(opened)
                icc = opened.info.get("icc_profile") if opened.mode != "CMYK" else None  # CMYK's profile: not RGB's
    except Exception as exc:  # as image_info: a damaged file
        raise ValueError(str(exc)) from None
    return _resized(image, source_format, icc, width, fmt, card)


def _resized(image: Image.Image, source_format: str | None, icc: Any, width: int, fmt: str,
             card: bool = False) -> bytes:
    try:
        has_alpha = image.mode in ("RGBA", "LA", "PA") or (image.mode == "P" and "transparency" in image.info)
        image = image.convert("RGBA" if has_alpha and fmt != "JPEG" else "RGB")
        original_width = image.width
        if width < image.width:
            image = image.resize((width, scaled_height(image.width, image.height, width)), Image.Resampling.LANCZOS)
    except Exception as exc:  # as image_info: a damaged file
        raise ValueError(str(exc)) from None
    extra = {"icc_profile": icc} if isinstance(icc, bytes) else {}
    try:
        return _encoded(image, source_format, original_width, width, fmt, card, extra)
    except (OSError, ValueError) as exc:  # what the encoder refuses, or a file damaged past its first lines
        raise ValueError(str(exc)) from None


def _encoded(image: Image.Image, source_format: str | None, original_width: int, width: int, fmt: str,
             card: bool, extra: dict[str, Any]) -> bytes:
    if fmt == "WEBP":
        resized = width < original_width

        def lossless() -> bytes:
            return _save(image, "WEBP", lossless=True, quality=50, method=4, exact=False, **extra)

        if card and not resized:  # flat colours and text (see the module's docstring)
            return lossless()
        lossy = _save(image, "WEBP", quality=WEBP_QUALITY, method=4, **extra)
        if source_format != "PNG" or resized:  # resampled edges are soft: lossless rarely wins, at twice the time
            return lossy
        exact = lossless()
        return exact if len(exact) < len(lossy) else lossy
    if fmt == "JPEG":
        return _save(image, "JPEG", quality=JPEG_QUALITY, optimize=True, progressive=True, **extra)
    return _save(image, "PNG", optimize=False, compress_level=6, **extra)


def _save(image: Image.Image, fmt: str, **options: object) -> bytes:
    out = io.BytesIO()
    image.save(out, format=fmt, **options)
    return out.getvalue()


def _whole(data: bytes, fmt: str) -> bool:
    """Return whether cached bytes are a whole file of the format (not cut short by a crash)."""
    if fmt == "WEBP":
        return data[:4] == b"RIFF" and data[8:12] == b"WEBP" and int.from_bytes(data[4:8], "little") + 8 == len(data)
    if fmt == "PNG":
        return data.startswith(b"\x89PNG\r\n\x1a\n") and data.endswith(b"IEND\xaeB`\x82")
    return data.startswith(b"\xff\xd8") and data.endswith(b"\xff\xd9")


class ImageCache:
    """Renditions already made, in SITE/.vigie-cache/images/<signed key><ending>; None: in memory only."""

    def __init__(self, folder: Path | None, read_only: bool = False) -> None:
        self.folder = folder
        self.read_only = read_only
        self.made = 0
        """How many renditions were made in this build (cache misses)."""
        self._lock = threading.Lock()

    def rendition(self, data: bytes, width: int, fmt: str, drawn: Image.Image | None = None,
                  card: bool = False) -> bytes:
        """Return ``data`` resized to ``width`` in ``fmt`` (see `resize`), from the cache when it has it."""
        path = self._path(data, width, fmt, card)
        cached = self._cached(path, fmt)
        if cached is not None:
            return cached
        made = resize(data, width, fmt, drawn, card)
        with self._lock:
            self.made += 1
        if path is not None and not self.read_only:
            write_atomically(path, made)  # a cache that cannot be written only costs time
        return made

    def cached(self, data: bytes, width: int, fmt: str, card: bool = False) -> bytes | None:
        """Return the rendition `rendition` would return when the cache has it, else None."""
        return self._cached(self._path(data, width, fmt, card), fmt)

    def _path(self, data: bytes, width: int, fmt: str, card: bool = False) -> Path | None:
        key = digest(RENDITION_VERSION, hashlib.sha256(data).hexdigest(), str(width), fmt, PIL.__version__,
                     str(features.version("webp")), str(features.version("zlib")), str(features.version("jpg")),
                     *(("card",) if card else ()))
        return None if self.folder is None else self.folder / f"{keyed_name(key)}{suffix(fmt)}"

    @staticmethod
    def _cached(path: Path | None, fmt: str) -> bytes | None:
        if path is None:
            return None
        try:
            cached = path.read_bytes()
        except OSError:
            return None
        return cached if _whole(cached, fmt) else None
