"""Web fonts: Atkinson Hyperlegible as WOFF2, cut to the characters the site's languages need.

Only the pages' fonts change: fact cards and PDFs keep drawing with the whole
TrueType files of the font package (`generator.core.fonts`).

Which characters: for each site language, the CLDR exemplar characters of its
usual script (main letters in both cases, numerals, punctuation, combining
marks), as the Google Fonts language data (``gflanguages``) carries them
(Babel knows the script: ``fr`` → ``fr_Latn``, but does not ship the exemplar
sets); the number symbols Babel formats figures with in that locale and the
currency sign of its country (``fr_FR`` → €, ``en`` → $); printable
ASCII (addresses, code, e-mail), and the characters the theme itself writes
(``extra``). A language the data does not know gets the whole font.

A character outside the subset is never a missing glyph: the ``@font-face``
rules say which characters the file has (``unicode-range``), and the browser
draws any other one with the next font of the stack (``Atkinson Hyperlegible
Fallback``, a local Arial or Liberation Sans, then the system's fonts), letter
by letter. Hinting instructions are left out (about a third of the bytes;
browsers other than some on Windows ignore them).

Subsetting costs about a tenth of a second per file: results are kept in
SITE/.vigie-cache/fonts (`WebFontCache`) and, within a process, in memory.
"""

from __future__ import annotations

import functools
import io
import logging
import threading
import unicodedata
from dataclasses import dataclass
from importlib.resources import files
from pathlib import Path
from typing import Iterable

from babel import Locale, UnknownLocaleError
from babel.core import get_global
from babel.numbers import get_currency_symbol, get_territory_currencies

from generator.core.cache import digest, keyed_name, package_version, write_atomically
from generator.core.fonts import font_cmap, font_hash

log = logging.getLogger(__name__)

#: Changed whenever the way a web font is made changes (part of every cache key).
WEBFONT_VERSION = "webfont-2"
WOFF2_MAGIC = b"wOF2"
#: Printable ASCII and the no-break space: every site writes addresses, numbers and code.
BASE_CHARACTERS = frozenset([*range(0x20, 0x7F), 0xA0])


@dataclass(frozen=True, slots=True)
class WebFont:
    """One WOFF2 file and the characters it draws."""

    name: str
    """``AtkinsonHyperlegible-Regular.woff2``."""
    data: bytes
    unicode_range: str
    """The CSS ``unicode-range`` of the characters the file has, e.g. ``U+20-7E, U+A0-FF``."""


def web_name(ttf: Path) -> str:
    """Return the name of the web font made from a TrueType file (``X.ttf`` → ``X.woff2``)."""
    return ttf.with_suffix(".woff2").name


def language_characters(locale_id: str) -> frozenset[int] | None:
    """Return the characters a language needs (see the module), or None when its exemplars are unknown."""
    exemplars = _exemplars(_language_script(locale_id))
    if exemplars is None:
        return None
    found = set(BASE_CHARACTERS)
    for ch in exemplars:
        found.update(ord(c) for c in {ch, ch.upper(), ch.lower()} if len(c) == 1)
    for symbol in _number_symbols(locale_id):
        found.update(ord(c) for c in symbol)
    return frozenset(found)


def _number_symbols(locale_id: str) -> list[str]:
    """Return what Babel writes figures with in a locale: its number symbols and its country's currency signs."""
    try:
        locale = Locale.parse(locale_id)
        found = [str(symbol) for symbol in locale.number_symbols.get("latn", {}).values()]
        territory = locale.territory or str(get_global("likely_subtags").get(locale.language, "")).split("_")[-1]
        for currency in get_territory_currencies(territory):
            found.append(get_currency_symbol(currency, locale=locale))
    except (ValueError, LookupError, UnknownLocaleError):
        return []
    return found


def site_characters(locale_ids: Iterable[str], extra: Iterable[str] = ()) -> frozenset[int] | None:
    """Return the characters the pages of a site in these languages need, or None for the whole font."""
    found: set[int] = set()
    for locale_id in locale_ids:
        chars = language_characters(locale_id)
        if chars is None:
            log.debug("no exemplar characters for %s: the web fonts keep every character", locale_id)
            return None
        found |= chars
    for c in set().union(*map(set, extra)):  # each character once: the theme's text is 100 KB
        if unicodedata.category(c)[0] in "PSZ" and c.isprintable():
            found.add(ord(c))
    return frozenset(found)


def _language_script(locale_id: str) -> str:
    """Return ``language_Script`` for a locale (``fr_FR`` → ``fr_Latn``), from CLDR's likely subtags."""
    try:
        locale = Locale.parse(locale_id)
    except (ValueError, LookupError, UnknownLocaleError):
        return ""
    script = locale.script
    if script is None:
        likely = get_global("likely_subtags")
        full = str(likely.get(locale.language, ""))
        parts = full.split("_")
        script = parts[1] if len(parts) > 1 and len(parts[1]) == 4 else None
    return f"{locale.language}_{script}" if script else ""


@functools.lru_cache(maxsize=None)
def _exemplars(language_script: str) -> str | None:
    """Return the exemplar characters of ``fr_Latn`` (main set, numerals, punctuation, marks), or None."""
    if not language_script or not language_script.replace("_", "").isalnum():
        return None
    try:
        from gfmetadata import languages_public_pb2  # type: ignore[import-untyped]
        from google.protobuf import text_format  # type: ignore[import-untyped]

        source = files("gflanguages") / "data" / "languages" / f"{language_script}.textproto"
        if not source.is_file():
            return None
        lang = text_format.Parse(source.read_text(encoding="utf-8"), languages_public_pb2.LanguageProto())
    except (ImportError, OSError, ValueError) as exc:  # text_format.ParseError is a ValueError
        log.debug("cannot read the exemplar characters of %s: %s", language_script, exc)
        return None
    sets = lang.exemplar_chars
    text = " ".join([sets.base, sets.numerals, sets.punctuation, sets.marks, sets.index])
    return "".join(c for c in text if not c.isspace() and c != "\u25cc")  # ◌ only shows where a mark goes


def _versions() -> str:
    """Return the versions of the libraries that make web fonts."""
    return ",".join(package_version(name) for name in ("fonttools", "Brotli"))


def unicode_range(codepoints: Iterable[int]) -> str:
    """Return the CSS ``unicode-range`` of a set of characters, in runs: ``U+20-7E, U+A0``."""
    runs: list[list[int]] = []
    for cp in sorted(set(codepoints)):
        if runs and cp == runs[-1][1] + 1:
            runs[-1][1] = cp
        else:
            runs.append([cp, cp])
    return ", ".join(f"U+{a:X}" if a == b else f"U+{a:X}-{b:X}" for a, b in runs)


def subset_woff2(ttf: Path, chars: frozenset[int]) -> bytes:
    """Return the WOFF2 file of ``ttf`` holding only ``chars`` (with their kerning and ligatures)."""
    from fontTools import subset  # type: ignore[import-untyped]
    from fontTools.ttLib import TTFont  # type: ignore[import-untyped]

    options = subset.Options()
    options.layout_features = ["*"]
    options.name_IDs = ["*"]  # the licence and the family name stay in the file
    options.notdef_outline = True
    options.hinting = False
    options.recalc_timestamp = False
    with TTFont(ttf, recalcTimestamp=False) as font:  # the package's date: the same bytes every time
        subsetter = subset.Subsetter(options)
        subsetter.populate(unicodes=sorted(chars))
        subsetter.subset(font)
        font.flavor = "woff2"  # Brotli-compressed, with the glyf and loca transforms
        out = io.BytesIO()
        font.save(out)
    return out.getvalue()


@functools.lru_cache(maxsize=64)
def _made(ttf: Path, key: str, chars: frozenset[int]) -> bytes:
    """Return `subset_woff2` of a font once per process for the same characters.

    About 10 KB each: 64 hold the four files for 16 sets of languages (a process building several sites,
    as `vigie serve` does when a language is added and removed, or a test run).
    """
    return subset_woff2(ttf, chars)


class WebFontCache:
    """Web fonts already made, in SITE/.vigie-cache/fonts/<signed key>.woff2; None: in memory only."""

    def __init__(self, folder: Path | None, read_only: bool = False) -> None:
        self.folder = folder
        self.read_only = read_only
        self.made = 0
        """How many files were subset in this build (cache misses)."""
        self._lock = threading.Lock()

    def web_font(self, ttf: Path, chars: frozenset[int] | None) -> WebFont:
        """Return the web font of ``ttf`` for ``chars`` (None: every character the font has)."""
        have = font_cmap(ttf)
        keep = have if chars is None else have & chars
        key = digest(WEBFONT_VERSION, font_hash(ttf), _versions(), unicode_range(keep))
        path = None if self.folder is None else self.folder / f"{keyed_name(key)}.woff2"
        data = b""
        if path is not None:
            try:
                data = path.read_bytes()
            except OSError:
                data = b""
        if not (data.startswith(WOFF2_MAGIC) and int.from_bytes(data[8:12], "big") == len(data)):  # whole
            with self._lock:
                self.made += 1
            data = _made(ttf, key, keep)
            if path is not None and not self.read_only:
                error = write_atomically(path, data)
                if error is not None:
                    log.debug("cannot keep the web font in %s (%s)", path, error)
        return WebFont(name=web_name(ttf), data=data, unicode_range=unicode_range(keep))
