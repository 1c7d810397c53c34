"""Results kept between builds in SITE/.vigie-cache (ignored by git), keyed by content hashes.

A store is read once at the start of a build and written once at the end,
keeping only the entries that build used, so it never grows without bound.
A missing, unreadable or foreign cache only costs time: everything is
recomputed.
"""

from __future__ import annotations

import hashlib
import logging
import os
import pickle
import tempfile
from pathlib import Path
from typing import Any

from generator import __version__

log = logging.getLogger(__name__)

#: The folder below the site root where caches live (ignored by git).
CACHE_FOLDER = ".vigie-cache"

#: Bumped whenever what is cached changes shape.
CACHE_VERSION = f"{__version__}-4"


def digest(*parts: str | bytes) -> str:
    """Return a sha256 hex digest of several parts (length-prefixed, so parts cannot run together)."""
    h = hashlib.sha256()
    for part in parts:
        data = part.encode("utf-8") if isinstance(part, str) else part
        h.update(len(data).to_bytes(8, "big"))
        h.update(data)
    return h.hexdigest()


class Store:
    """A dict persisted as one pickle file; ``hits`` and ``misses`` count lookups."""

    def __init__(self, path: Path | None) -> None:
        self.path = path
        self.hits = 0
        self.misses = 0
        self._old: dict[str, Any] = self._load()
        self._new: dict[str, Any] = {}

    def _load(self) -> dict[str, Any]:
        if self.path is None:
            return {}
        try:
            with self.path.open("rb") as handle:
                data = pickle.load(handle)
        except FileNotFoundError:
            return {}
        except Exception as exc:  # a damaged or older cache is only a cache
            log.debug("ignoring cache %s: %s", self.path, exc)
            return {}
        if not isinstance(data, dict) or data.get("__version__") != CACHE_VERSION:
            return {}
        return data

    def empty(self) -> bool:
        """Return whether the store holds nothing (a first build, or a cleared cache)."""
        return not self._old and not self._new

    def get(self, key: str) -> Any:
        """Return the cached value for key (and keep it for the next build), or None."""
        value = self._new.get(key)
        if value is None:
            value = self._old.get(key)
            if value is not None:
                self._new[key] = value
        if value is None:
            self.misses += 1
        else:
            self.hits += 1
        return value

    def put(self, key: str, value: Any) -> None:
        """Remember a value for key."""
        self._new[key] = value

    def save(self) -> None:
        """Write the entries this build used; a cache that cannot be written is skipped."""
        if self.path is None:
            return
        data = pickle.dumps({**self._new, "__version__": CACHE_VERSION}, protocol=pickle.HIGHEST_PROTOCOL)
        error = write_atomically(self.path, data)
        if error is not None:
            log.warning("could not write the cache %s (%s); the next build will be slower", self.path, error)


def write_atomically(path: Path, data: bytes) -> OSError | None:
    """Write a cache file through a temporary file and a rename; return the error instead of raising.

    Caches live in SITE/.vigie-cache; a reader never sees half a file.
    """
    tmp = None
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".", suffix=".tmp")
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.replace(tmp, path)
        tmp = None
        return None
    except OSError as exc:
        return exc
    finally:
        if tmp is not None:
            try:
                os.unlink(tmp)
            except OSError:
                pass
