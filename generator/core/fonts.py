"""Where the Atkinson Hyperlegible font files live (from its Python package)."""

from __future__ import annotations

import functools
import hashlib
import importlib
from pathlib import Path

from babel import Locale, UnknownLocaleError
from babel.core import get_global

import fontpkg_atkinson_hyperlegible as _atkinson  # type: ignore[import-untyped]

FAMILY = "Atkinson Hyperlegible"
FONT_DIR = Path(_atkinson.ROOT) / "files"

_FILES = {
    ("regular", False): "AtkinsonHyperlegible-Regular.ttf",
    ("regular", True): "AtkinsonHyperlegible-Italic.ttf",
    ("bold", False): "AtkinsonHyperlegible-Bold.ttf",
    ("bold", True): "AtkinsonHyperlegible-BoldItalic.ttf",
}


def font_path(weight: str = "regular", italic: bool = False) -> Path:
    """Return the TTF file for a weight (``regular`` or ``bold``) and style."""
    return FONT_DIR / _FILES[(weight, italic)]


def font_files() -> list[Path]:
    """Return every font file of the family, sorted by name."""
    return sorted(FONT_DIR / name for name in _FILES.values())


@functools.lru_cache(maxsize=None)
def font_hash(path: Path) -> str:
    """Return the sha256 of a font file (for cache keys: a font upgrade draws cards and PDFs again).

    Fonts come from an installed package and do not change while Vigie runs.
    """
    return hashlib.sha256(path.read_bytes()).hexdigest()


@functools.lru_cache(maxsize=None)
def font_cmap(path: Path) -> frozenset[int]:
    """Return the characters a font file has a glyph for (cards refuse the others; fact sheets name them; web
    fonts keep them)."""
    from fontTools.ttLib import TTFont  # type: ignore[import-untyped]  # imported only when needed

    with TTFont(str(path), lazy=True) as font:
        return frozenset(font.getBestCmap())


# Scripts Atkinson Hyperlegible does not cover, and the font package drawn for them (cards).
# Noto Sans Arabic also has the ASCII letters and digits an Arabic card mixes in (addresses, names);
# Noto Sans has the Latin, Cyrillic, Greek and Devanagari alphabets (Russian, Ukrainian, Bulgarian, Serbian,
# Greek; Hindi, Marathi, Nepali sites). Heebo (Hebrew) and the Noto Sans of Tamil and of Telugu have the ASCII
# letters, digits and punctuation too. Each of these scripts separates its words with spaces, as cards wrap.
#: Not a script of ISO 15924: the Latin letters Atkinson Hyperlegible lacks (Vietnamese ệ ơ, Yoruba ẹ ọ, Hausa ɓ ɗ,
#: Azerbaijani ə…), for the cards of the languages that write them (`cards.card_script`).
LATIN_EXTENDED = "Latn-extended"

SCRIPT_FONTS = {"Arab": ("fontpkg_noto_sans_arabic", "NotoSansArabic[wdth,wght].ttf", "Noto Sans Arabic"),
                "Cyrl": ("fontpkg_noto_sans", "NotoSans[wdth,wght].ttf", "Noto Sans"),
                "Grek": ("fontpkg_noto_sans", "NotoSans[wdth,wght].ttf", "Noto Sans"),
                "Hebr": ("fontpkg_heebo", "Heebo[wght].ttf", "Heebo"),
                "Deva": ("fontpkg_noto_sans", "NotoSans[wdth,wght].ttf", "Noto Sans"),
                "Taml": ("fontpkg_noto_sans_tamil", "NotoSansTamil[wdth,wght].ttf", "Noto Sans Tamil"),
                "Telu": ("fontpkg_noto_sans_telugu", "NotoSansTelugu[wdth,wght].ttf", "Noto Sans Telugu"),
                LATIN_EXTENDED: ("fontpkg_noto_sans", "NotoSans[wdth,wght].ttf", "Noto Sans")}


@functools.lru_cache(maxsize=64)
def script_of(lang: str) -> str:
    """Return the ISO 15924 script a language is written in, from CLDR's likely subtags (ar → Arab)."""
    try:
        locale = Locale.parse(lang.replace("-", "_"))
    except (ValueError, LookupError, UnknownLocaleError):
        return "Latn"
    if locale.script:
        return str(locale.script)
    parts = str(get_global("likely_subtags").get(locale.language, "")).split("_")
    return parts[1] if len(parts) > 1 and len(parts[1]) == 4 else "Latn"


def script_font(script: str) -> tuple[Path, str] | None:
    """Return the font file and family drawn for a script, or None for Atkinson Hyperlegible's own.

    Raises ImportError naming the package when it is not installed.
    """
    if script not in SCRIPT_FONTS:
        return None
    module, name, family = SCRIPT_FONTS[script]
    package = importlib.import_module(module)
    return Path(package.ROOT) / "files" / name, family


def installed_script_font(script: str) -> tuple[Path, str] | None:
    """Return `script_font`, or None when its package is not installed (for cache keys and optional uses)."""
    try:
        return script_font(script)
    except ImportError:
        return None
