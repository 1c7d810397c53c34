"""Where the Atkinson Hyperlegible font files live (from its Python package)."""

from __future__ import annotations

import functools
import hashlib
from pathlib import Path

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
