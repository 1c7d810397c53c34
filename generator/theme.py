"""Where layouts and assets come from: the site's own folders first, then the defaults."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Mapping

_PACKAGE = Path(__file__).resolve().parent


def default_theme_dir() -> Path:
    """Return the folder holding the default ``layouts/`` and ``assets/``.

    An installed wheel carries them in ``generator/_theme``; a source checkout
    (or an editable install) uses the repository's top-level folders.
    """
    bundled = _PACKAGE / "_theme"
    if (bundled / "layouts").is_dir():
        return bundled
    return _PACKAGE.parent


def theme_dirs(site_root: Path, sub: str) -> list[Path]:
    """Return the search path for ``layouts`` or ``assets``: site first, then default."""
    dirs = []
    own = site_root / sub
    default = default_theme_dir() / sub
    if own.is_dir():
        dirs.append(own)
    if default.is_dir() and (not own.is_dir() or own.resolve() != default.resolve()):
        dirs.append(default)
    return dirs


def tree_digest(dirs: list[Path], known: Mapping[str, bytes] | None = None) -> str:
    """Return a hash of every file (name and bytes) below the given folders, in order.

    Hidden files and folders (a leading dot) are left out. Walks with plain
    strings: this runs on every build, over every source file. A file whose
    path is in ``known`` is not read again.
    """
    import hashlib

    h = hashlib.sha256()
    for folder in dirs:
        top = str(folder)
        for current, subdirs, files in os.walk(top):
            subdirs[:] = sorted(d for d in subdirs if not d.startswith("."))
            rel = os.path.relpath(current, top).replace(os.sep, "/")
            prefix = "" if rel == "." else rel + "/"
            for name in sorted(files):
                path = os.path.join(current, name)
                if name.startswith("."):
                    continue
                data = known.get(path) if known is not None else None
                if data is None:
                    if not os.path.isfile(path):  # a FIFO would block open()
                        continue
                    try:
                        with open(path, "rb") as fh:
                            data = fh.read()
                    except OSError:  # gone since the walk, or not a regular file: the build reports it
                        continue
                h.update((prefix + name).encode("utf-8") + b"\0")
                h.update(hashlib.sha256(data).digest())
    return h.hexdigest()
