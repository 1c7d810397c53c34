"""Compressed copies of text files (``page.html.br``, ``page.html.gz``) for servers that send them as they are.

nginx (``gzip_static``, ``brotli_static``), Apache (rewrite rules) and Caddy
(``precompressed``) can answer a browser that accepts Brotli or gzip with the
file written beside the page, instead of compressing each answer (or not at
all); the editor's guide has the recipes. ``compress: false`` in site.yaml
turns them off.

The bytes depend on the input alone: Brotli with fixed settings, gzip with no
file name and a zero time in its header. Files under ``assets/`` (hashed,
cached for a year, on every first visit) get Brotli's best quality; pages get
quality 5, which is about a tenth as costly for some 15 % more bytes. A
compressed copy that would not be smaller than the file is not written.
"""

from __future__ import annotations

import gzip
import zlib

import brotli  # type: ignore[import-untyped]

from generator.model.plan import compressed_paths


#: What makes the copies: the libraries and the settings below. The writer records it in the output's
#: marker, and reuses the copies of unchanged files only when the previous build made them the same way.
COMPRESSOR = f"brotli {brotli.version}, zlib {zlib.ZLIB_RUNTIME_VERSION}, settings 1"


def holds(path: str, packed: bytes, data: bytes) -> bool:
    """Return whether a copy (``.br`` or ``.gz``) decompresses to ``data``."""
    try:
        return bool((brotli.decompress(packed) if path.endswith(".br") else gzip.decompress(packed)) == data)
    except (brotli.error, OSError, EOFError, zlib.error):
        return False


def compressed_copies(path: str, data: bytes) -> list[tuple[str, bytes]]:
    """Return ``(path + ".br", bytes)`` and ``(path + ".gz", bytes)`` for a text file, each when smaller.

    Which files are text, and the copies' names, are the plan's (`compressed_paths`):
    the names are reserved before anything is written.
    """
    names = compressed_paths(path)
    if not names:
        return []
    made = [
        (names[0], _brotli(path, data)),
        (names[1], gzip.compress(data, compresslevel=9, mtime=0)),
    ]
    return [(name, packed) for name, packed in made if len(packed) < len(data)]


def brotli_copy(path: str, data: bytes) -> bytes | None:
    """Return the ``.br`` copy `compressed_copies` makes of a file, None when it makes none."""
    if not compressed_paths(path):
        return None
    packed = _brotli(path, data)
    return packed if len(packed) < len(data) else None


def _brotli(path: str, data: bytes) -> bytes:
    quality = 11 if path.startswith("assets/") else 5
    return bytes(brotli.compress(data, mode=brotli.MODE_TEXT, quality=quality))
