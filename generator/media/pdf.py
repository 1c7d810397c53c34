"""Printable fact sheets: HTML (``layouts/print/factsheet.html``) → tagged PDF with WeasyPrint.

The PDF is A4 and of the PDF/UA-1 variant: WeasyPrint tags the structure
(headings, paragraphs, lists, links, figures), writes ``/Lang`` from
``<html lang>``, ``/Title`` from ``<title>``, ``/Author`` from
``<meta name="author">``, ``/Subject`` from ``<meta name="description">`` and
``/Keywords`` from ``<meta name="keywords">``, and embeds subsets of the fonts.

Nothing is ever fetched from the network: the URL fetcher given to WeasyPrint
serves only ``data:`` URLs and ``file://`` paths inside the font folder and the
layouts folders; anything else (an ``https://`` image in a sheet, say) is left
out with a warning.

Rendering is deterministic (no timestamps; the file identifier is a hash of the
bytes; each embedded font keeps the date of the font it was cut from, see
`keep_font_dates`), so sheets are cached on disk by `pdf_key` (see `PdfCache`).
"""

from __future__ import annotations

import functools
import hashlib
import io
import json
import logging
import mimetypes
import re
import struct
import threading
import unicodedata
from dataclasses import dataclass
from html import unescape
from pathlib import Path
from typing import Any, Iterable, Literal, Mapping, NoReturn, Sequence
from urllib.parse import unquote, urlsplit
from urllib.request import url2pathname

import pydyf  # type: ignore[import-untyped]
import segno
import weasyprint  # type: ignore[import-untyped]
from markupsafe import escape
from weasyprint import HTML
from weasyprint.text.fonts import FontConfiguration  # type: ignore[import-untyped]
from weasyprint.urls import URLFetcher, URLFetcherResponse  # type: ignore[import-untyped]

from generator.core.cache import keyed_name, write_atomically
from generator.core.errors import os_reason
from generator.core.fonts import FONT_DIR, font_cmap, font_files, font_hash, font_path, installed_script_font
from generator.core.messages import _
from generator.sources.theme import default_theme_dir

log = logging.getLogger(__name__)

#: Bump whenever pdf.py changes what a PDF looks like for the same HTML.
#: 2: embedded fonts keep their own date (`keep_font_dates`), not the time of the render.
RENDER_VERSION = "2"

#: The PDF variant: tagged, with the metadata assistive technologies need.
PDF_VARIANT = "pdf/ua-1"

#: Where the print layout lives below ``layouts/``.
TEMPLATE = "print/factsheet.html"
STYLESHEET = "print/factsheet.css"

_PDF_SIGNATURE = b"%PDF-"


@dataclass(frozen=True, slots=True)
class PdfResult:
    """A rendered PDF, its number of pages and what its rendering warned about."""

    data: bytes
    pages: int
    warnings: tuple[PdfWarning, ...] = ()
    """Said again when the PDF comes from the cache: an editor who missed them once still learns of them."""


@dataclass(frozen=True, slots=True)
class PdfWarning:
    """Something a fact sheet prints differently from its page: kept with a cached PDF, worded when said."""

    kind: Literal["glyphs", "refused"]
    subject: str
    """The characters no shipped font has, or the address left out."""
    reason: str = ""
    """Why an address was left out: a key of `_REFUSALS`."""

    def text(self) -> str:
        """Return the warning in the editor's language (said after the name of the sheet's file)."""
        if self.kind == "glyphs":
            shown = ", ".join(f"'{ch}' (U+{ord(ch):04X})" for ch in self.subject)
            return _("the PDF has no letter shape for {characters} in the fonts Vigie ships: it prints an empty box "
                     "or a letter of this computer's fonts there; replace or remove them").format(characters=shown)
        return _("the PDF leaves out {url} ({reason})").format(url=_short(self.subject), reason=_refusal(self.reason))

    def as_json(self) -> list[str]:
        return [self.kind, self.subject, self.reason]

    @staticmethod
    def from_json(item: object) -> PdfWarning | None:
        """Return the warning a cache entry kept, or None when it is not one."""
        if (isinstance(item, list) and len(item) == 3 and all(isinstance(part, str) for part in item)
                and item[0] in ("glyphs", "refused")):
            return PdfWarning(item[0], item[1], item[2])
        return None


def _refusal(reason: str) -> str:
    """Return why the PDF renderer left an address out, in the editor's language."""
    if reason == "no-such-file":
        return _("the site makes no such file")
    if reason == "network":
        return _("nothing is fetched from the network for a PDF")
    if reason == "other-machine":
        return _("files on other machines are not read")
    return _("only files in the fonts and layouts folders are read")


# --------------------------------------------------------------------------- logging


class _QuietWeasyPrint(logging.Filter):
    """Keep WeasyPrint's real errors, drop its chatter about CSS it ignores.

    Kept: errors (a missing ``lang``, an image without ``alt``…) except those
    about URLs our fetcher refused (already reported once, as a warning), and
    the warning that a ``@font-face`` could not be loaded (the sheet would fall
    back to another font).
    """

    def filter(self, record: logging.LogRecord) -> bool:
        if record.levelno >= logging.ERROR:
            args = record.args if isinstance(record.args, tuple) else (record.args,)
            return not any(_RefusedURL.__name__ in str(arg) for arg in args)
        return record.levelno >= logging.WARNING and "Font-face" in str(record.msg)


def _quiet_libraries() -> None:
    wp = logging.getLogger("weasyprint")
    if not any(isinstance(f, _QuietWeasyPrint) for f in wp.filters):
        wp.addFilter(_QuietWeasyPrint())
    logging.getLogger("weasyprint.progress").setLevel(logging.WARNING)
    logging.getLogger("fontTools").setLevel(logging.ERROR)


_quiet_libraries()


# --------------------------------------------------------------------------- fetching


class _RefusedURL(ValueError):
    """A URL the PDF renderer may not load."""


class LocalFetcher(URLFetcher):  # type: ignore[misc]
    """WeasyPrint URL fetcher that never touches the network.

    Serves ``data:`` URLs, ``file://`` URLs of files inside the font folder,
    the default layouts or ``roots``, and the site's own files (``site_files``,
    by output path) at their address under ``site_url``: an image of assets/ in
    a sheet's text. Raises for anything else (WeasyPrint then leaves the
    resource out).
    """

    def __init__(self, roots: Iterable[Path] = (), site_url: str = "",
                 site_files: Mapping[str, bytes] | None = None) -> None:
        super().__init__(allowed_protocols=("file", "data"), allow_redirects=False)
        self.roots = tuple(Path(r).resolve() for r in (*default_allowed_dirs(), *roots))
        self.site_url = site_url
        self.site_files = site_files or {}
        self.refused: list[str] = []
        """URLs refused during this render, in order."""
        self.warnings: list[PdfWarning] = []
        """What this render left out, in order (`render_pdf` returns it)."""

    def fetch(self, url: str, headers: object = None) -> URLFetcherResponse:
        scheme = url.split(":", 1)[0].lower() if ":" in url else ""
        if scheme == "data":
            return super().fetch(url, headers)
        if self.site_url and url.startswith(self.site_url):  # the site's own file, from memory
            rel = unquote(urlsplit(url).path).removeprefix(urlsplit(self.site_url).path)
            data = self.site_files.get(rel)
            if data is not None:
                mime = mimetypes.guess_type(rel)[0] or "application/octet-stream"
                return URLFetcherResponse(url, body=data, headers={"Content-Type": mime})
            self._refuse(url, "no-such-file")
        if scheme != "file":
            self._refuse(url, "network")
        parts = urlsplit(url)
        if parts.netloc not in ("", "localhost"):
            self._refuse(url, "other-machine")
        path = Path(url2pathname(parts.path)).resolve()
        if not (any(path.is_relative_to(root) for root in self.roots) and path.is_file()):
            self._refuse(url, "outside")
        mime = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        return URLFetcherResponse(path.as_uri(), body=path.read_bytes(), headers={"Content-Type": mime})

    def _refuse(self, url: str, reason: str) -> NoReturn:
        self.refused.append(url)
        self.warnings.append(PdfWarning("refused", url, reason))
        raise _RefusedURL(f"refused {_short(url)}")


def _short(url: str) -> str:
    return url if len(url) <= 120 else url[:117] + "..."


#: The scripts whose letters a fact sheet draws with a font of their own (Atkinson Hyperlegible has none of them),
#: by the print style sheet's name for it: Arabic, Cyrillic, Greek and Devanagari (one font, Noto Sans), Hebrew,
#: Tamil, Telugu.
SHEET_SCRIPTS = {"font_arabic": "Arab", "font_cyrillic_greek": "Cyrl", "font_hebrew": "Hebr",
                 "font_tamil": "Taml", "font_telugu": "Telu"}


def _sheet_fonts() -> dict[str, Path]:
    """Return the installed fonts of `SHEET_SCRIPTS`, by their name in the print style sheet."""
    return {name: found[0] for name, script in SHEET_SCRIPTS.items() if (found := installed_script_font(script))}


def default_allowed_dirs() -> tuple[Path, ...]:
    """Return the folders a PDF may read files from by default: fonts and default layouts."""
    return (FONT_DIR, default_theme_dir() / "layouts", *{path.parent for path in _sheet_fonts().values()})


# --------------------------------------------------------------------------- rendering


def print_css_context() -> dict[str, str]:
    """Return what ``layouts/print/factsheet.css`` needs: ``file://`` URIs of the font files.

    Keys: ``font_regular``, ``font_bold``, ``font_italic``, ``font_bold_italic``, and for the letters Atkinson
    Hyperlegible lacks ``font_arabic`` (Noto Sans Arabic), ``font_cyrillic_greek`` (Noto Sans, which has the
    Devanagari letters too), ``font_hebrew`` (Heebo), ``font_tamil`` and ``font_telugu`` (their Noto Sans): without them a sheet in
    Russian or Hindi took its letters from whatever fonts the machine has. Empty when a font's package is missing.
    """
    extra = _sheet_fonts()
    return {
        "font_regular": font_path("regular").as_uri(),
        "font_bold": font_path("bold").as_uri(),
        "font_italic": font_path("regular", italic=True).as_uri(),
        "font_bold_italic": font_path("bold", italic=True).as_uri(),
        **{name: extra[name].as_uri() if name in extra else "" for name in SHEET_SCRIPTS},
    }


def render_pdf(html: str, *, base_url: str, allowed_dirs: Sequence[Path] = (),
               site_url: str = "", site_files: Mapping[str, bytes] | None = None) -> PdfResult:
    """Render a print page to an A4 PDF/UA-1 document with its fonts embedded.

    ``base_url`` resolves relative links (give the sheet's absolute web address
    so that links to other pages of the site stay clickable). Files are read only
    from the font folder, the default layouts and ``allowed_dirs`` (the site's
    own ``layouts/``), and the site's own ``site_files`` at their address under
    ``site_url`` (its images). What the sheet prints differently from its page
    comes back with it (`PdfResult.warnings`), for the build to say.
    """
    warnings: list[PdfWarning] = []
    missing = missing_glyphs(html)
    if missing:  # cards refuse such characters; a sheet would print a box, or a letter of this computer's fonts
        warnings.append(PdfWarning("glyphs", "".join(missing[:5])))
    fetcher = LocalFetcher(allowed_dirs, site_url, site_files)
    document = HTML(string=html, base_url=base_url, url_fetcher=fetcher).render(
        font_config=FontConfiguration(), pdf_variant=PDF_VARIANT, pdf_tags=True)
    data = document.write_pdf(pdf_variant=PDF_VARIANT, pdf_tags=True, pdf_identifier=True,
                              finisher=keep_font_dates)
    return PdfResult(data=data, pages=len(document.pages), warnings=(*warnings, *fetcher.warnings))


_TAG = re.compile(r"<(style|script)\b.*?</\1\s*>|<[^>]*>", re.S | re.I)


def missing_glyphs(html: str) -> list[str]:
    """Return the characters of a print page's text that none of the fonts Vigie ships can draw (emoji, Chinese
    on a French sheet…), in order of appearance; marks that draw nothing (spaces, direction marks) are left out."""
    text = unescape(_TAG.sub(" ", html))
    drawn = _shipped_cmap()
    missing: list[str] = []
    for ch in dict.fromkeys(text):
        if ord(ch) not in drawn and not ch.isspace() and unicodedata.category(ch) not in ("Cc", "Cf", "Zs", "Mn"):
            missing.append(ch)
    return missing


@functools.lru_cache(maxsize=1)
def _shipped_cmap() -> frozenset[int]:
    """Return every character the fact sheets' fonts have: Atkinson Hyperlegible and the scripts' fonts."""
    return frozenset().union(*(font_cmap(path) for path in [*font_files(), *_sheet_fonts().values()]))


# --------------------------------------------------------------------------- embedded fonts


def keep_font_dates(document: Any, pdf: Any) -> None:
    """WeasyPrint finisher: give each embedded font the ``head.modified`` date of the font it was cut from.

    HarfBuzz's subsetter keeps that date. fontTools, which WeasyPrint subsets
    with when libharfbuzz-subset is missing (or older than 4.1), and uses to
    instantiate variable fonts, writes the time of the render there instead: two
    renders of the same page a second apart then differ in the font stream's
    bytes, its length and so the document's ``/ID``. Runs after the fonts are
    subset and before the file is written (the streams are compressed then).
    A font whose original WeasyPrint does not expose gets its own creation date.
    """
    fonts = {id(font.file_content): font for font in getattr(document, "fonts", {}).values()
             if isinstance(getattr(font, "file_content", None), bytes)}
    for obj in pdf.objects:
        if not (isinstance(obj, pydyf.Stream) and len(obj.stream) == 1 and id(obj.stream[0]) in fonts):
            continue
        data = obj.stream[0]  # WeasyPrint embeds the very bytes object it subset: alive, so its id is its own
        font = fonts[id(data)]
        if data[:4] == b"ttcf":  # a collection left whole: not subset, so its dates are its own
            continue
        try:
            head = _head(data)
        except ValueError:  # not an sfnt font: nothing to fix
            continue
        modified = _original_modified(font)
        if modified is None:
            modified = data[head + 20:head + 28]  # head.created
        obj.stream[0] = _with_modified(data, head, modified)


def _original_modified(font: Any) -> bytes | None:
    """Return the 8 bytes of ``head.modified`` in the whole font WeasyPrint loaded, if it tells."""
    try:
        from weasyprint.text.fonts import get_hb_object_data

        original = get_hb_object_data(font.hb_face)
        start = _head(original, getattr(font, "index", 0))
    except (ImportError, AttributeError, TypeError, ValueError):
        return None
    return bytes(original[start + 28:start + 36])


def _tables(data: bytes, index: int = 0) -> tuple[int, int]:
    """Return (offset of the table directory, number of tables) of font ``index`` in an sfnt file."""
    offset = 0
    if data[:4] == b"ttcf":  # a collection: the offset of each font's directory follows the header
        if len(data) < 16 + 4 * index:
            raise ValueError("truncated font collection")
        offset = struct.unpack_from(">I", data, 12 + 4 * index)[0]
    if len(data) < offset + 12:
        raise ValueError("not an sfnt font")
    tag = data[offset:offset + 4]
    if tag not in (b"\x00\x01\x00\x00", b"OTTO", b"true"):
        raise ValueError("not an sfnt font")
    return offset + 12, struct.unpack_from(">H", data, offset + 4)[0]


def _head_record(data: bytes, index: int = 0) -> int:
    """Return the offset of the ``head`` table's record in the table directory."""
    start, count = _tables(data, index)
    for record in range(start, start + 16 * count, 16):
        if data[record:record + 4] == b"head":
            return record
    raise ValueError("no head table")


def _head(data: bytes, index: int = 0) -> int:
    """Return the offset of the ``head`` table (54 bytes: ``created`` at 20, ``modified`` at 28)."""
    offset, length = struct.unpack_from(">II", data, _head_record(data, index) + 8)
    if length < 36 or offset + length > len(data):
        raise ValueError("damaged head table")
    return int(offset)


def _checksum(data: bytes | bytearray) -> int:
    """Return the sfnt checksum: the sum of big-endian 32-bit words, the last one padded with zeros."""
    padded = bytes(data) + b"\0" * (-len(data) % 4)
    words: tuple[int, ...] = struct.unpack(f">{len(padded) // 4}I", padded)
    return sum(words) & 0xFFFFFFFF


def _with_modified(data: bytes, head: int, modified: bytes) -> bytes:
    """Return the single font ``data`` with ``head.modified`` set, its checksums made right again."""
    if data[head + 28:head + 36] == modified:
        return data
    out = bytearray(data)
    out[head + 28:head + 36] = modified
    out[head + 8:head + 12] = bytes(4)  # checkSumAdjustment counts as 0 in every checksum
    record = _head_record(data)
    length = struct.unpack_from(">I", data, record + 12)[0]
    struct.pack_into(">I", out, record + 4, _checksum(out[head:head + length]))
    struct.pack_into(">I", out, head + 8, (0xB1B0AFBA - _checksum(out)) & 0xFFFFFFFF)
    return bytes(out)


def qr_svg(url: str, *, title: str | None = None) -> str:
    """Return a QR code of ``url`` as an ``<svg>`` element (no XML declaration).

    Dark modules are black on a transparent background, with a quiet zone of 2
    modules; the SVG has a ``viewBox`` and no size, so CSS sizes it. It carries
    the SVG namespace, so it also works as an ``<img src="data:…">``. With a
    ``title``, it gets ``<title>``, ``role="img"`` and ``aria-label``.
    """
    code = segno.make(url, error="m", micro=False)
    out = io.BytesIO()
    code.save(out, kind="svg", xmldecl=False, svgns=True, nl=False, dark="#000", light=None, border=2,
              omitsize=True, svgclass="qr-code", lineclass=None, title=title)
    svg = out.getvalue().decode("utf-8")
    if title:
        svg = svg.replace("<svg ", f'<svg role="img" aria-label="{escape(title)}" ', 1)
    return svg


# --------------------------------------------------------------------------- cache


def pdf_key(html: str, extra: bytes = b"") -> str:
    """Return a sha256 hex digest of everything that shapes the PDF's bytes.

    The print CSS is inline in the page (``<style>``), so ``html`` covers it; the
    font files are hashed, and so are the renderer's version and ours. ``extra``
    is for anything else that changes the result (PdfCache passes the base URL).
    """
    digest = hashlib.sha256()
    header = {
        "render_version": RENDER_VERSION,
        "variant": PDF_VARIANT,
        "weasyprint": weasyprint.__version__,
        "pydyf": pydyf.__version__,
        "fonts": {p.name: font_hash(p) for p in font_files()},
        "script_fonts": {name: font_hash(path) for name, path in _sheet_fonts().items()},
    }
    digest.update(json.dumps(header, sort_keys=True).encode("utf-8"))
    for part in (html.encode("utf-8"), extra):
        digest.update(len(part).to_bytes(8, "big"))
        digest.update(part)
    return digest.hexdigest()


class PdfCache:
    """Rendered PDFs on disk, named by `pdf_key`: ``SITE/.vigie-cache/pdf/<key>.pdf``.

    Beside each PDF, ``<key>.json`` records its page count and hash; an entry is
    used only when both files are there and agree. When the folder cannot be
    written, a warning is logged once and PDFs are rendered each time.
    """

    def __init__(self, folder: Path, *, allowed_dirs: Sequence[Path] = (), read_only: bool = False,
                 site_url: str = "", site_files: Mapping[str, bytes] | None = None) -> None:
        self.folder = Path(folder)
        self.allowed_dirs = tuple(allowed_dirs)
        self.site_url = site_url
        self.site_files = site_files
        """The site's files by output path, for its images (their names hold their hashes, and so the key does)."""
        self.read_only = read_only
        """Use PDFs already rendered but never store new ones (for `vigie check`)."""
        self.rendered = 0
        """How many PDFs were actually rendered (cache misses)."""
        self._lock = threading.Lock()
        self._warned = False

    def get_or_render(self, html: str, base_url: str) -> PdfResult:
        """Return the cached PDF of this page, rendering and storing it when missing."""
        key = keyed_name(pdf_key(html, extra=base_url.encode("utf-8")))  # a planted file cannot have this name
        cached = self._load(key)
        if cached is not None:  # with the warnings of its rendering: they still hold
            return cached
        result = render_pdf(html, base_url=base_url, allowed_dirs=self.allowed_dirs,
                            site_url=self.site_url, site_files=self.site_files)
        with self._lock:
            self.rendered += 1
        meta = {"pages": result.pages, "size": len(result.data),
                "sha256": hashlib.sha256(result.data).hexdigest(),
                "warnings": [warning.as_json() for warning in result.warnings]}
        if not self.read_only and self._store(self.folder / f"{key}.pdf", result.data):
            self._store(self.folder / f"{key}.json", json.dumps(meta, sort_keys=True).encode("utf-8"))
        return result

    def _load(self, key: str) -> PdfResult | None:
        try:
            meta = json.loads((self.folder / f"{key}.json").read_text("utf-8"))
            data = (self.folder / f"{key}.pdf").read_bytes()
        except (OSError, ValueError):
            return None
        if not (isinstance(meta, dict) and isinstance(meta.get("pages"), int) and data.startswith(_PDF_SIGNATURE)
                and meta.get("sha256") == hashlib.sha256(data).hexdigest()):
            return None
        kept = meta.get("warnings")  # none: stored before warnings were kept, so rendered again
        warnings = [PdfWarning.from_json(item) for item in kept] if isinstance(kept, list) else [None]
        if None in warnings:
            return None
        return PdfResult(data=data, pages=meta["pages"], warnings=tuple(w for w in warnings if w is not None))

    def _store(self, path: Path, data: bytes) -> bool:
        err = write_atomically(path, data)
        if err is None:
            return True
        with self._lock:
            warn, self._warned = not self._warned, True
        if warn:
            log.warning(_("cannot write the PDF cache in {folder} ({reason}); fact sheets will be rendered again "
                          "next time").format(folder=self.folder, reason=os_reason(err)))
        return False
