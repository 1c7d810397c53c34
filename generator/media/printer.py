"""WeasyPrint, as fact sheets use it: a print page's HTML → an A4 PDF/UA-1 file (`render_pdf`).

Imported only when a PDF must be rendered (a cache miss, see `generator.media.pdf.PdfCache`): WeasyPrint
loads Pango and its style sheets, half a second that a build whose sheets are all cached no longer spends.
What Vigie adds to WeasyPrint: a URL fetcher that never touches the network (`LocalFetcher`), embedded
fonts that keep their own dates so that the same page gives the same bytes (`keep_font_dates`), and
quiet logs (`_QuietWeasyPrint`).
"""

from __future__ import annotations

import logging
import mimetypes
import struct
from pathlib import Path
from typing import Any, Iterable, Mapping, NoReturn, Sequence
from urllib.parse import unquote, urlsplit
from urllib.request import url2pathname

import pydyf  # type: ignore[import-untyped]
from weasyprint import HTML  # type: ignore[import-untyped]
from weasyprint.text.fonts import FontConfiguration  # type: ignore[import-untyped]
from weasyprint.urls import URLFetcher, URLFetcherResponse  # type: ignore[import-untyped]

from generator.media.pdf import (PDF_VARIANT, PdfResult, PdfWarning, default_allowed_dirs, missing_glyphs,
                                  short_url)


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
        raise _RefusedURL(f"refused {short_url(url)}")


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
