"""Where layouts and assets come from: the site's own folders first, then the defaults."""

from __future__ import annotations

from pathlib import Path

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


def tree_digest(dirs: list[Path]) -> str:
    """Return a hash of every file (name and bytes) below the given folders, in order."""
    import hashlib

    h = hashlib.sha256()
    for folder in dirs:
        for path in sorted(folder.rglob("*")):
            if path.is_file() and not any(p.startswith(".") for p in path.relative_to(folder).parts):
                h.update(path.relative_to(folder).as_posix().encode("utf-8") + b"\0")
                h.update(hashlib.sha256(path.read_bytes()).digest())
    return h.hexdigest()
