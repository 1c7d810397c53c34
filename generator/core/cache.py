"""Results kept between builds in SITE/.vigie-cache (ignored by git), keyed by content hashes.

A store is read once at the start of a build and written once at the end,
keeping only the entries that build used, so it never grows without bound.
A missing, unreadable or foreign cache only costs time: everything is
recomputed. Every cache file is signed with a key kept in the user's own cache
folder (`secret_key`), and nothing is unpickled or used before its signature is
checked: a site folder's cache may come from anyone.
"""

from __future__ import annotations

import errno
import functools
import hashlib
import hmac
import logging
import os
import pickle
import secrets
import sys
import tempfile
from pathlib import Path
from typing import Any

from generator import __version__
from generator.core.messages import _
from generator.core.errors import os_reason

log = logging.getLogger(__name__)

#: The folder below the site root where caches live (ignored by git).
CACHE_FOLDER = ".vigie-cache"

#: Bumped whenever what is cached changes shape.
CACHE_VERSION = f"{__version__}-7"


@functools.cache
def package_version(name: str) -> str:
    """Return an installed package's version, "?" when it is not installed; for cache keys.

    Looked up once per process, without importing the package (WeasyPrint takes half a second): the code a
    process runs with does not change while it runs, and each lookup reads the package's metadata.
    """
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version(name)
    except PackageNotFoundError:
        return "?"


def digest(*parts: str | bytes) -> str:
    """Return a sha256 hex digest of several parts (length-prefixed, so parts cannot run together)."""
    h = hashlib.sha256()
    for part in parts:
        data = part.encode("utf-8") if isinstance(part, str) else part
        h.update(len(data).to_bytes(8, "big"))
        h.update(data)
    return h.hexdigest()


#: What starts a signed cache file, then the HMAC-SHA256 of the rest.
SIGNED_MAGIC = b"vigie-signed-1\n"
KEY_FILE = "cache-key"


def user_cache_dir() -> Path:
    """Return this user's own cache folder for Vigie (outside every site folder)."""
    if sys.platform == "win32":
        base = Path(os.environ.get("LOCALAPPDATA") or Path.home() / "AppData" / "Local")
    elif sys.platform == "darwin":
        base = Path.home() / "Library" / "Caches"
    else:
        base = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    return base / "vigie"


@functools.lru_cache(maxsize=1)
def secret_key() -> bytes:
    """Return the key that signs this computer's caches, made once and kept in the user's cache folder.

    A site folder travels (git, zip files, pull requests); the key does not. A
    cache signed with another key, or not signed, is never unpickled: a
    ``.vigie-cache/`` committed by mistake or planted in a pull request cannot run
    code. When the key cannot be kept, this run uses a key of its own (the
    caches then only help within it).
    """
    path = user_cache_dir() / KEY_FILE
    try:
        return _read_key(path)
    except OSError:
        pass
    key = secrets.token_bytes(32)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as handle:
            handle.write(key)
        return key
    except FileExistsError:  # another build made it meanwhile
        try:
            return _read_key(path)
        except OSError:
            pass
    except OSError as exc:
        log.debug("cannot keep a cache key in %s (%s): caches are used within this run only", path, exc.strerror)
    return key


def _read_key(path: Path) -> bytes:
    key = path.read_bytes()
    if len(key) < 32:
        raise OSError(f"{path} is too short to be a key")
    return key


def signature(data: bytes) -> bytes:
    """Return what goes before data so that this computer trusts it again (`verified`)."""
    return SIGNED_MAGIC + hmac.new(secret_key(), data, hashlib.sha256).digest()


def signed(data: bytes) -> bytes:
    """Return data with its `signature` in front."""
    return signature(data) + data


def verified(blob: bytes) -> memoryview | None:
    """Return the data of a blob `signed` on this computer (a view, not a copy), or None for anything else."""
    if not blob.startswith(SIGNED_MAGIC):
        return None
    start = len(SIGNED_MAGIC) + hashlib.sha256().digest_size
    tag, data = blob[len(SIGNED_MAGIC):start], memoryview(blob)[start:]
    return data if hmac.compare_digest(tag, hmac.new(secret_key(), data, hashlib.sha256).digest()) else None


def keyed_name(key: str) -> str:
    """Return the file name of a cached card or PDF: its content key, signed, so no one else can plant it."""
    return hmac.new(secret_key(), key.encode("ascii"), hashlib.sha256).hexdigest()


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
            signed = self.path.read_bytes()
        except OSError:
            return {}
        payload = verified(signed)
        if payload is None:  # written elsewhere (committed by mistake, planted in a pull request), or damaged
            log.debug("ignoring cache %s: not signed on this computer", self.path)
            return {}
        try:
            data = pickle.loads(payload)
        except Exception as exc:  # an older cache is only a cache
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
        error = write_atomically(self.path, signature(data), data)  # no copy of a cache of megabytes
        if error is not None:
            log.warning(_("could not write the cache {path} ({error}); the next build will be slower")
                        .format(path=self.path, error=os_reason(error)))


def link_on_the_way(path: Path) -> Path | None:
    """Return a symbolic link among the folders from the site's cache folder down to ``path``, or None.

    A site folder may come from anyone (a zip, a pull request): a cache folder,
    or a folder or file in it, that is a link to ``~/.bashrc`` or ``/tmp`` must
    not make a build write there. Paths outside a cache folder are not checked.
    """
    parts = path.parts
    if CACHE_FOLDER not in parts:
        return None
    start = parts.index(CACHE_FOLDER)
    for end in range(start + 1, len(parts) + 1):
        step = Path(*parts[:end])
        try:
            if os.path.islink(step):  # (a folder that cannot be read: nothing can be written there either)
                return step
        except OSError:
            return None
    return None


def linked_cache(root: Path) -> Path | None:
    """Return the site's cache folder, or a file or folder in it, when it is a symbolic link (else None)."""
    folder = root / CACHE_FOLDER
    if folder.is_symlink():
        return folder
    try:
        with os.scandir(folder) as entries:
            return next((Path(entry.path) for entry in entries if entry.is_symlink()), None)
    except OSError:
        return None


def write_atomically(path: Path, *data: bytes) -> OSError | None:
    """Write a cache file through a temporary file and a rename; return the error instead of raising.

    Caches live in SITE/.vigie-cache; a reader never sees half a file. Nothing is
    written through a symbolic link there (`link_on_the_way`).
    """
    tmp = None
    try:
        link = link_on_the_way(path.parent)
        if link is not None:
            return OSError(errno.ELOOP, _("{link} is a symbolic link; Vigie does not write through it").format(
                link=link), str(path))
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".", suffix=".tmp")
        with os.fdopen(fd, "wb") as handle:
            for part in data:
                handle.write(part)
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
