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
`generator.media.printer.keep_font_dates`), so sheets are cached on disk by
`pdf_key` (see `PdfCache`). WeasyPrint itself is in `generator.media.printer`,
imported only when a sheet is not in the cache.
"""

from __future__ import annotations

import functools
import hashlib
import io
import json
import logging
import re
import threading
import unicodedata
from dataclasses import dataclass
from html import unescape
from pathlib import Path
from typing import Literal, Mapping, Sequence

import segno
from markupsafe import escape

from generator.core.cache import keyed_name, package_version, write_atomically
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
        return _("the PDF leaves out {url} ({reason})").format(url=short_url(self.subject),
                                                                  reason=_refusal(self.reason))

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


# --------------------------------------------------------------------------- what a PDF may read


def short_url(url: str) -> str:
    """Return an address as a message shows it: cut at 120 characters."""
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


@functools.lru_cache(maxsize=256)
def qr_svg(url: str, *, title: str | None = None) -> str:
    """Return a QR code of ``url`` as an ``<svg>`` element (no XML declaration).

    Dark modules are black on a transparent background, with a quiet zone of 2
    modules; the SVG has a ``viewBox`` and no size, so CSS sizes it. It carries
    the SVG namespace, so it also works as an ``<img src="data:…">``. With a
    ``title``, it gets ``<title>``, ``role="img"`` and ``aria-label``.

    Kept for the process's next builds (`vigie serve` builds again in one process): encoding one takes
    about 15 ms, and even a sheet taken from the cache needs it, for its key.
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
        "weasyprint": package_version("weasyprint"),
        "pydyf": package_version("pydyf"),
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
        from generator.media.printer import render_pdf  # WeasyPrint: half a second to import, for a miss only

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
