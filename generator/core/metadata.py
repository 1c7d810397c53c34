"""What an image or video file says beside its picture, and the picture without it.

A photo taken at a shelter must not tell where the shelter is. JPEG, PNG, WebP
and GIF files are cleaned without being encoded again (`without_metadata`): each
keeps only its picture's own parts, and its orientation where browsers read it.
Files Vigie cannot clean are looked at for what they say: a HEIC photo
(`is_heif`), EXIF or XMP in a TIFF, AVIF, JPEG 2000 or JPEG XL
(`says_who_or_where`), a video's GPS position (`films_where`). Every file is
taken for what its first bytes say, whatever its name.
"""

from __future__ import annotations

import io
import struct
import warnings
import zlib
from typing import Callable, Iterator

from PIL import Image


def without_metadata(data: bytes) -> bytes:
    """Return a JPEG, PNG, WebP or GIF file without what it says beside its picture: where a photo was taken (GPS),
    the camera, its owner, the author, comments, dates; its pixels, colour profile and orientation stay, the
    picture is not encoded again. The format is the one its first bytes say, whatever the file's name (a JPEG
    saved as ``.jfif``); any other file is returned as is. A damaged file keeps what was read before the damage,
    never the rest: what a structure cannot be walked through may hold anything.

    A photo taken at a shelter must not tell where the shelter is: the copies for phones never held metadata,
    the original (the fallback of every <img>, and what a link to the image gives) now holds none either.
    """
    clean = _cleaner(data)
    if clean is None:
        return data
    out: list[bytes] = []
    try:
        return clean(data, out)
    except (IndexError, ValueError, struct.error):  # cut short or damaged: what was read up to there
        return b"".join(out) + (b"\x3b" if clean is _gif_without_metadata else b"")


#: Endings of the images `without_metadata` cleans: a file of that name is taken for what its first bytes say.
PICTURE_ENDINGS = (".jpg", ".jpeg", ".jpe", ".jfif", ".pjpeg", ".pjp", ".png", ".apng", ".webp", ".gif")


def cleanable(data: bytes, name: str = "") -> bool:
    """Return whether `without_metadata` cleans this file: a JPEG, PNG, WebP or GIF by its first bytes, named as
    one, or an image Pillow reads whatever its name (a text that merely starts with ``GIF89a`` is no image)."""
    if _cleaner(data) is None:
        return False
    if name.lower().endswith(PICTURE_ENDINGS):
        return True
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            with Image.open(io.BytesIO(data)):
                return True
    except Exception:  # noqa: BLE001 (not an image after all)
        return False


def _cleaner(data: bytes) -> Callable[[bytes, list[bytes]], bytes] | None:
    if data.startswith(b"\xff\xd8\xff"):
        return _jpeg_without_metadata
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return _png_without_metadata
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return _webp_without_metadata
    if data[:6] in (b"GIF87a", b"GIF89a"):
        return _gif_without_metadata
    return None


#: The brands that make an ISO base media file (``ftyp``) a HEIC/HEIF photo, as its main brand or among the
#: others: an iPhone's photos by default (an AVIF names ``mif1`` among its brands too: its main brand decides).
_HEIF_BRANDS = frozenset({b"heic", b"heix", b"heim", b"heis", b"hevc", b"hevx", b"hevm", b"hevs", b"avci",
                          b"avcs", b"MiHE", b"MiHB", b"MiHA", b"mif1", b"msf1", b"heif", b"mif2", b"jpeg"})
_AVIF_BRANDS = frozenset({b"avif", b"avis"})
#: Endings of HEIC/HEIF photos, whatever their brand.
HEIF_ENDINGS = (".heic", ".heif", ".hif")
#: EXIF tags of a TIFF that say who, with what or where (besides the GPS and Exif folders): description, camera
#: maker and model, artist, computer, XMP, copyright, IPTC, and Windows' title, comment, author, keywords, subject.
_TELLING_TAGS = (0x010E, 0x010F, 0x0110, 0x013B, 0x013C, 0x02BC, 0x8298, 0x83BB,
                 0x9C9B, 0x9C9C, 0x9C9D, 0x9C9E, 0x9C9F)
#: The UUID of an XMP box (JPEG 2000 and other box files).
_XMP_UUID = bytes.fromhex("be7acfcb97a942e89c71999491e3afac")
#: Box files (ISO base media, JPEG 2000, JPEG XL's container): how their first bytes read.
_JP2_SIGNATURE = b"\x00\x00\x00\x0cjP  \r\n\x87\n"
_JXL_SIGNATURE = b"\x00\x00\x00\x0cJXL \r\n\x87\n"


def is_heif(data: bytes, name: str = "") -> bool:
    """Return whether a file is a HEIC/HEIF photo (what an iPhone takes by default), by its name or its brands."""
    if name.lower().endswith(HEIF_ENDINGS):
        return True
    if data[4:8] != b"ftyp":
        return False
    size = int.from_bytes(data[:4], "big")
    brands = {data[8:12], *(data[at:at + 4] for at in range(16, min(size, 64), 4))}
    return data[8:12] not in _AVIF_BRANDS and bool(brands & _HEIF_BRANDS)


def says_who_or_where(data: bytes) -> bool:
    """Return whether an image Vigie cannot clean holds EXIF or XMP data: where it was taken (GPS), the camera,
    the author, a description. Read from the boxes of an AVIF, JPEG 2000 or JPEG XL file and the tags of a TIFF,
    whatever the file's name; any other file says nothing here."""
    if data[4:8] == b"ftyp" or data.startswith((_JP2_SIGNATURE, _JXL_SIGNATURE)):
        return _boxes_say(data)
    if data[:4] in (b"II*\x00", b"MM\x00*"):
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                with Image.open(io.BytesIO(data)) as image:
                    exif = image.getexif()
                    return bool(exif.get_ifd(0x8825) or exif.get_ifd(0x8769)
                                or any(tag in exif for tag in _TELLING_TAGS) or image.info.get("xmp"))
        except Exception:  # noqa: BLE001 (a TIFF Pillow cannot read: its metadata cannot be told either)
            return True
    return False


def _boxes_say(data: bytes) -> bool:
    """Return whether a box file holds metadata: an ``Exif``, ``xml `` or XMP ``uuid`` box (JPEG 2000, JPEG XL,
    compressed or not), or a ``meta`` box naming an Exif or XMP item (AVIF, HEIF). A box that cannot be walked
    through counts as metadata."""
    try:
        for kind, start, end in _boxes(data):
            if kind in (b"Exif", b"xml ") or (kind == b"uuid" and data[start:start + 16] == _XMP_UUID):
                return True
            if kind == b"brob" and data[start:start + 4] in (b"Exif", b"xml "):  # JPEG XL's compressed boxes
                return True
            if kind == b"meta" and _holds(data, start, end, (b"Exif", b"rdf+xml")):
                return True
    except ValueError:
        return True
    return False


#: The first box of a video file (MP4, QuickTime, 3GP): its kind, or a QuickTime file's without one.
_MOVIE_FIRST_BOXES = (b"ftyp", b"moov", b"wide", b"mdat", b"free", b"skip")
#: What a video's boxes hold when it says where it was filmed: a phone's position (©xyz), Apple's location key,
#: 3GPP's location box, a GoPro's GPS track.
_FILMED_WHERE = (b"\xa9xyz", b"com.apple.quicktime.location", b"loci", b"gpmd")


def films_where(data: bytes) -> bool:
    """Return whether a video (MP4, QuickTime, 3GP) says where it was filmed: a phone writes its GPS position
    into every video it takes. Its header boxes are read, never its pictures; one that cannot be walked through
    is searched whole."""
    if data[4:8] not in _MOVIE_FIRST_BOXES:
        return False
    try:
        return any(kind in (b"moov", b"meta", b"udta", b"uuid") and _holds(data, start, end, _FILMED_WHERE)
                   for kind, start, end in _boxes(data))
    except ValueError:
        return _holds(data, 0, len(data), _FILMED_WHERE)


def _holds(data: bytes, start: int, end: int, markers: tuple[bytes, ...]) -> bool:
    """Return whether one of ``markers`` is in ``data[start:end]`` (without copying it)."""
    return any(data.find(marker, start, end) >= 0 for marker in markers)


def _boxes(data: bytes) -> Iterator[tuple[bytes, int, int]]:
    """Yield the top-level boxes of a box file (ISO base media, JPEG 2000, JPEG XL): kind, where its content
    starts and ends. Raises ValueError for a box that cannot be walked through."""
    position = 0
    while position + 8 <= len(data):
        size = int.from_bytes(data[position:position + 4], "big")
        kind = data[position + 4:position + 8]
        header = 8
        if size == 1:
            size, header = int.from_bytes(data[position + 8:position + 16], "big"), 16
        elif size == 0:
            size = len(data) - position
        if size < header:
            raise ValueError("a box smaller than its header")
        yield kind, position + header, min(position + size, len(data))
        position += size


def _orientation(exif: bytes) -> int:
    """Return the orientation an Exif segment's data gives (1 when it gives none or cannot be read)."""
    try:
        found = Image.Exif()
        found.load(exif)
        value = found.get(0x0112, 1)
        return value if isinstance(value, int) and 1 <= value <= 8 else 1
    except Exception:  # noqa: BLE001 (damaged Exif: Pillow raises many kinds; the photo is shown as stored)
        return 1


def _jfif(segment: bytes) -> bytes:
    """Return a JFIF header (APP0) without its thumbnail; any other APP0 (JFXX thumbnails, AVI1…) goes."""
    if segment[4:9] != b"JFIF\x00" or len(segment) < 18:
        return b""
    return b"\xff\xe0\x00\x10" + segment[4:16] + b"\x00\x00"


def _icc(segment: bytes) -> bytes:
    """Return an APP2 segment holding a part of the colour profile; other APP2 (appended pictures) go."""
    return segment if segment[4:16] == b"ICC_PROFILE\x00" else b""


def _adobe(segment: bytes) -> bytes:
    """Return Adobe's colour transform (APP14) as its 12 bytes say it, without anything appended."""
    return segment[:2] + b"\x00\x0e" + segment[4:16] if segment[4:9] == b"Adobe" and len(segment) >= 16 else b""


#: JPEG application segments kept, each through what keeps only its picture's part: JFIF (APP0), the colour
#: profile (APP2), Adobe's colour transform (APP14). Any other application segment (APP1: Exif and XMP, APP13:
#: IPTC…) and comments go, and so does anything after the picture's end.
_JPEG_KEPT: dict[int, Callable[[bytes], bytes]] = {0xE0: _jfif, 0xE2: _icc, 0xEE: _adobe}


def _jpeg_without_metadata(data: bytes, out: list[bytes]) -> bytes:
    out.append(data[:2])
    position = 2
    orientation: int | None = None
    while True:
        if data[position] != 0xFF or data[position + 1] == 0x00:  # stray bytes between segments (FF 00 is no
            position = data.index(b"\xff", position + 1)              # marker): decoders skip them, so does this
            continue
        marker = data[position + 1]
        if marker == 0xFF:
            position += 1
            continue
        if marker == 0xD9:  # the end of the picture: anything after it (another picture, a text) goes
            out.append(data[position:position + 2])
            break
        if marker == 0x01 or 0xD0 <= marker <= 0xD7:  # a marker without a length
            out.append(data[position:position + 2])
            position += 2
            continue
        end = position + 2 + struct.unpack(">H", data[position + 2:position + 4])[0]
        segment = data[position:end]
        if len(segment) < end - position:
            raise ValueError("cut short")
        if marker == 0xE1 and segment[4:10] == b"Exif\x00\x00" and orientation is None:  # the first Exif says
            orientation = _orientation(segment[4:])
        kept = _JPEG_KEPT.get(marker)
        if kept is not None:
            segment = kept(segment)
        elif 0xE0 <= marker <= 0xEF or marker == 0xFE:  # any other application segment, a comment
            segment = b""
        if segment:
            out.append(segment)
        position = end
        if marker == 0xDA:  # a scan: its coded picture runs to the next marker that is not a restart
            scan = position
            while True:
                position = data.find(b"\xff", position)
                if position < 0 or position + 1 >= len(data):  # cut short in its picture: kept as it is
                    out.append(data[scan:])
                    return _with_orientation(out, orientation or 1)
                if data[position + 1] == 0x00 or 0xD0 <= data[position + 1] <= 0xD7:
                    position += 2
                    continue
                if data[position + 1] == 0xFF:
                    position += 1
                    continue
                break
            out.append(data[scan:position])
    return _with_orientation(out, orientation or 1)


def _with_orientation(out: list[bytes], orientation: int) -> bytes:
    """Return a cleaned JPEG's segments joined, with the only Exif a photo keeps: which way up it is shown."""
    if orientation != 1:
        exif = Image.Exif()
        exif[0x0112] = orientation
        payload = exif.tobytes()
        out.insert(1 if out[1:2] and out[1][1] != 0xE0 else 2, b"\xff\xe1" + struct.pack(">H", len(payload) + 2)
                   + payload)
    return b"".join(out)


#: PNG chunks kept: the picture, its palette and transparency, its colours, its pixels' size, an animation's
#: frames. Any other (texts, Exif, time, content credentials, private chunks) goes.
_PNG_KEPT = frozenset({b"IHDR", b"PLTE", b"IDAT", b"IEND", b"tRNS", b"gAMA", b"cHRM", b"sRGB", b"iCCP", b"sBIT",
                       b"cICP", b"mDCV", b"cLLI", b"mDCv", b"cLLi", b"pHYs", b"bKGD", b"acTL", b"fcTL", b"fdAT"})


def _png_without_metadata(data: bytes, out: list[bytes]) -> bytes:
    out.append(data[:8])
    position = 8
    orientation: int | None = None
    while position < len(data):
        length = struct.unpack(">I", data[position:position + 4])[0]
        kind = data[position + 4:position + 8]
        end = position + 12 + length
        if end > len(data):
            raise ValueError("cut short")
        if kind == b"eXIf" and orientation is None and data[position + 8:position + 12] in (b"II*\x00", b"MM\x00*"):
            orientation = _orientation(data[position + 8:end - 4])  # which way up browsers show it: kept
        if kind == b"IDAT":  # the Exif of a PNG comes before its pixels: one after them is not read
            if orientation not in (None, 1):
                exif = Image.Exif()
                exif[0x0112] = orientation
                out.append(_png_chunk(b"eXIf", exif.tobytes().removeprefix(b"Exif\x00\x00")))
            orientation = 1
        if kind in _PNG_KEPT:
            out.append(data[position:end])
        position = end
        if kind == b"IEND":
            break
    return b"".join(out)


def _png_chunk(kind: bytes, content: bytes) -> bytes:
    """Return a PNG chunk: its length, kind, content and check."""
    return struct.pack(">I", len(content)) + kind + content + struct.pack(">I", zlib.crc32(kind + content))


#: WebP chunks kept: the picture, its animation and frames, its colour profile; Exif, XMP and any other go.
_WEBP_KEPT = {b"VP8 ", b"VP8L", b"VP8X", b"ALPH", b"ANIM", b"ANMF", b"ICCP"}


def _webp_without_metadata(data: bytes, out: list[bytes]) -> bytes:
    chunks: list[bytearray] = []
    for kind, start, after in _webp_chunks(data, 12, min(len(data), 8 + int.from_bytes(data[4:8], "little"))):
        if kind == b"ANMF":  # a frame: its header, then only its picture's chunks
            frame = data[start + 8:start + 24] + b"".join(
                data[at:end] for inner, at, end in _webp_chunks(data, start + 24, after) if inner in _WEBP_FRAME)
            chunks.append(bytearray(_webp_chunk(b"ANMF", frame)))
        elif kind in _WEBP_KEPT:
            chunks.append(bytearray(data[start:after]))
    extended = next((chunk for chunk in chunks if chunk[:4] == b"VP8X"), None)
    if extended is not None:  # its flags say which chunks follow: Exif (0x08) and XMP (0x04) no longer do; browsers
        extended[8] &= ~0x0C & 0xFF  # show a WebP as stored, whatever its Exif orientation: none is kept
    body = b"WEBP" + b"".join(chunks)
    return b"RIFF" + struct.pack("<I", len(body)) + body


#: The chunks of an animation frame (ANMF) kept: its picture and transparency.
_WEBP_FRAME = frozenset({b"ALPH", b"VP8 ", b"VP8L"})


def _webp_chunks(data: bytes, position: int, end: int) -> Iterator[tuple[bytes, int, int]]:
    """Yield the WebP chunks between two offsets: kind, where the chunk starts and where the next one does."""
    while position + 8 <= end:
        size = struct.unpack("<I", data[position + 4:position + 8])[0]
        after = min(position + 8 + size + (size & 1), end)
        yield data[position:position + 4], position, after
        position = after


def _webp_chunk(kind: bytes, content: bytes) -> bytes:
    """Return a WebP chunk: its kind, length, content and the padding to an even length."""
    return kind + struct.pack("<I", len(content)) + content + b"\x00" * (len(content) & 1)


#: GIF application extensions kept: how many times an animation loops (any other, XMP among them, goes).
_GIF_KEPT_APPS = (b"NETSCAPE2.0", b"ANIMEXTS1.0")
#: GIF extensions kept besides those: how a frame is shown (0xF9) and text drawn on it (0x01).
_GIF_KEPT_EXTENSIONS = (0xF9, 0x01)


def _gif_without_metadata(data: bytes, out: list[bytes]) -> bytes:
    """Return a GIF without its comments and application data (XMP), its frames and looping kept; what follows
    its end goes, and a GIF cut short is ended where its last whole block ends."""
    flags = data[10]
    position = 13 + (3 << ((flags & 7) + 1) if flags & 0x80 else 0)  # header, screen and its colour table
    if position > len(data):
        raise ValueError("cut short")
    out.append(data[:position])
    while True:
        if position >= len(data):  # no end mark: the blocks read, then the end
            raise ValueError("cut short")
        kind = data[position]
        if kind == 0x3B:  # the end: anything after it goes
            out.append(b"\x3b")
            return b"".join(out)
        if kind == 0x00:  # a stray filler byte between blocks, as some tools write
            position += 1
            continue
        start = position
        if kind == 0x2C:  # an image: its descriptor, colour table, code size, then data blocks
            flags = data[position + 9]
            position += 10 + (3 << ((flags & 7) + 1) if flags & 0x80 else 0) + 1
        elif kind == 0x21:  # an extension: its label, then data blocks
            position += 2
        else:
            raise ValueError("not a GIF block")
        first = position
        while data[position] != 0:
            position += 1 + data[position]
        position += 1
        if position > len(data):
            raise ValueError("cut short")
        label = data[start + 1]
        kept = kind == 0x2C or label in _GIF_KEPT_EXTENSIONS or (
            label == 0xFF and data[first + 1:first + 1 + data[first]] in _GIF_KEPT_APPS)
        if kept:
            out.append(data[start:position])
