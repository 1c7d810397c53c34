"""Where layouts and assets come from: the site's own folders first, then the defaults."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Iterable, Mapping

from generator.core.errors import ErrorCollector, SiteError
from generator.sources.files import MAX_ASSET_BYTES, Listed, list_files, read_file

_PACKAGE = Path(__file__).resolve().parent.parent  # generator/, this module being in generator/sources/


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


def tree_digest(dirs: list[Path], known: Mapping[str, bytes] | None = None, *, skip_ignored: bool = False,
                files: Iterable[tuple[Path, Listed]] | None = None) -> str:
    """Return a hash of every file (name and bytes) below the given folders, in order.

    Files are listed as the loaders list them (`sourcefiles.list_files`: hidden
    names left out, and with ``skip_ignored`` those starting with ``_`` or ``~``),
    or given as ``files`` (folder, file) pairs. A file whose path is in
    ``known`` is not read again. A file that cannot be used (a pipe, a link
    leading outside the site) raises `SiteErrors`, as the loaders would.
    """
    errors = ErrorCollector()
    if files is None:
        files = [(folder, item) for folder in dirs
                 for item in list_files(folder, folder.parent, _shown_folder(folder), errors,
                                        skip_ignored=skip_ignored)]
    h = hashlib.sha256()
    for folder, item in files:
        data = known.get(item.path) if known is not None else None
        if data is None:
            try:
                data = read_file(item.path, f"{_shown_folder(folder)}/{item.rel}", MAX_ASSET_BYTES)
            except SiteError as err:
                errors.add(err)
                continue
        h.update(item.rel.encode("utf-8", "surrogateescape") + b"\0")
        h.update(hashlib.sha256(data).digest())
    errors.raise_if_any()
    return h.hexdigest()


def _shown_folder(folder: Path) -> str:
    """Return how messages name a folder of the site: ``layouts``."""
    return folder.name
