"""The site's own files, listed and read safely: every loader walks and opens them through here.

A site folder may come from anyone (a pull request, a zip from a partner), so
nothing in it is trusted to be an ordinary file:

- a symbolic link is followed only when it leads to a place inside the site
  folder (``content/fr/a.md -> ../shared/a.md``); one that leads outside
  (``-> /etc/passwd``, ``-> /dev/urandom``) or nowhere is an error naming it;
- a named pipe, a device or a socket is an error naming it, and is never
  opened (opening a pipe would wait forever, reading a device would never end);
- a text file larger than `MAX_TEXT_BYTES` is an error, not a memory exhaustion;
- a name that is not valid UTF-8 (written by a system using another encoding)
  is an error naming it, its bad bytes shown as ``\\xe9``: every path a build
  keeps, hashes and writes is text.

Hidden names (a leading dot), names starting with ``_`` or ``~``, and editors'
backup and swap files are skipped where the loaders say so.
"""

from __future__ import annotations

import os
import stat
from dataclasses import dataclass
from pathlib import Path

from babel.numbers import format_decimal

from generator.core.errors import ErrorCollector, SiteError, os_reason
from generator.core.messages import _, active_language

#: Names the content loaders skip: hidden, ``_draft.md``, ``~lock``.
IGNORED_PREFIXES = (".", "_", "~")
#: Files no site means to publish, wherever they are.
SYSTEM_LEFTOVERS = frozenset({".DS_Store", "Thumbs.db", "desktop.ini", ".git", ".svn", ".hg"})
#: The largest Markdown, YAML or template file read (a real one is a few kilobytes).
MAX_TEXT_BYTES = 8 * 1024 * 1024
#: The largest asset copied into the site (a larger one belongs on a media host).
MAX_ASSET_BYTES = 200 * 1024 * 1024


def is_editor_leftover(name: str) -> bool:
    """Return whether a file name is an editor's backup or swap file (never content)."""
    return (name.endswith(("~", ".swp", ".swo", ".swx", ".swn", ".tmp", ".bak", ".orig", ".rej",
                           "___jb_tmp___", "___jb_old___"))
            or name.startswith((".#", "#")) or name.endswith("#") or name == "4913")


def undecodable(name: str) -> bool:
    """Return whether a name read from the disk was not valid UTF-8.

    Python keeps each byte it cannot decode as a lone surrogate (PEP 383), which
    no later step can encode again (hashing the path, writing it in a cache or a page).
    """
    return any("\udc80" <= char <= "\udcff" for char in name)


def shown_name(name: str) -> str:
    """Return a name as messages show it: each byte that is not UTF-8 escaped, ``caf\\xe9.md``."""
    return os.fsencode(name).decode("utf-8", "backslashreplace") if undecodable(name) else name


def undecodable_name(shown: str, folder: bool) -> SiteError:
    """Return the error for a file whose name, or a folder with a name in its path, is not valid UTF-8."""
    message = (_("this folder's path holds a name that is not valid UTF-8; rename that folder") if folder
               else _("the file name is not valid UTF-8; rename it"))
    return SiteError(message, source=shown_name(shown))


def refuse_undecodable_path(path: Path) -> None:
    """Raise a `SiteError` when a folder's full path (the site's, the output's) holds a name that is not UTF-8."""
    full = str(path.absolute())
    if undecodable(full):
        raise undecodable_name(full, folder=True)


@dataclass(frozen=True, slots=True)
class Listed:
    """A regular file found below a folder."""

    rel: str
    """Its path below the folder, POSIX: ``articles/a.md``."""
    path: str
    """Its path as found (the folder's path joined with ``rel``); a string, as there may be thousands."""


def list_files(folder: Path, site_root: Path, shown: str, errors: ErrorCollector, *,
               skip_hidden: bool = True, skip_ignored: bool = False, recursive: bool = True) -> list[Listed]:
    """Return the regular files below ``folder``, sorted by path; record every unsafe entry in ``errors``.

    ``shown`` is how messages name the folder (``content/fr``). With
    ``skip_hidden``, names with a leading dot are left out; with
    ``skip_ignored``, also names starting with ``_`` or ``~``. Editors'
    leftovers and system files are always left out.
    """
    found: list[Listed] = []
    root = site_root.resolve()
    seen: set[tuple[int, int]] = set()

    def walk(current: str, prefix: str) -> None:
        try:
            entries = sorted(os.scandir(current), key=lambda e: e.name)
        except OSError as exc:
            errors.add(SiteError(_("cannot read this folder ({reason})").format(reason=os_reason(exc)), source=f"{shown}/{prefix}"))
            return
        for entry in entries:
            name = entry.name
            if name in SYSTEM_LEFTOVERS or is_editor_leftover(name):
                continue
            if (skip_hidden and name.startswith(".")) or (skip_ignored and name.startswith(IGNORED_PREFIXES)):
                continue
            rel = prefix + name
            if undecodable(name):  # refused here, so that no later step meets a name it cannot encode
                errors.add(undecodable_name(f"{shown}/{rel}", folder=_is_folder(entry)))
                continue
            try:  # the common case, told by the folder listing alone: a plain file or folder
                if entry.is_file(follow_symlinks=False):
                    found.append(Listed(rel, entry.path))
                    continue
                plain_folder = entry.is_dir(follow_symlinks=False)
            except OSError:
                plain_folder = False
            st = (_folder_stat(entry) if plain_folder
                  else entry_stat(Path(entry.path), root, f"{shown}/{rel}", errors))  # a link, a pipe, a device…
            if st is None:
                continue
            if stat.S_ISDIR(st.st_mode):
                if recursive and (st.st_dev, st.st_ino) not in seen:  # a folder reached twice is walked once
                    seen.add((st.st_dev, st.st_ino))
                    walk(entry.path, rel + "/")
            else:
                found.append(Listed(rel, entry.path))

    if folder.is_dir():
        top = folder.stat()
        seen.add((top.st_dev, top.st_ino))
        walk(str(folder), "")
    return found


def _is_folder(entry: os.DirEntry[str]) -> bool:
    try:
        return entry.is_dir()
    except OSError:
        return False


def _folder_stat(entry: os.DirEntry[str]) -> os.stat_result | None:
    try:
        return entry.stat(follow_symlinks=False)
    except OSError:
        return None


def entry_stat(path: Path, site_root: Path, shown: str, errors: ErrorCollector) -> os.stat_result | None:
    """Return the status of a folder or regular file the site may use, or None after recording why not.

    ``site_root`` must be resolved already.
    """
    if undecodable(path.name):
        errors.add(undecodable_name(shown, folder=path.is_dir()))
        return None
    try:
        st = path.lstat()
        if stat.S_ISLNK(st.st_mode):
            target = path.resolve()
            if not target.is_relative_to(site_root):
                errors.add(SiteError(_("this is a symbolic link to {target}, outside the site folder; copy the "
                                       "file into the site instead of linking to it").format(target=target),
                                     source=shown))
                return None
            st = path.stat()
    except FileNotFoundError:
        errors.add(SiteError(_("this is a symbolic link to a file that does not exist; remove it"), source=shown))
        return None
    except (OSError, RuntimeError) as exc:  # RuntimeError: a loop of links
        errors.add(SiteError(_("cannot read this file ({reason})").format(reason=os_reason(exc)),
                             source=shown))
        return None
    if stat.S_ISDIR(st.st_mode) or stat.S_ISREG(st.st_mode):
        return st
    errors.add(SiteError(_not_a_file(st.st_mode), source=shown))
    return None


def _not_a_file(mode: int) -> str:
    """Return the message for a pipe, a socket, a device or another special file found where a file should be."""
    if stat.S_ISFIFO(mode):
        return _("this is a named pipe (FIFO), not a file; remove it from the site folder")
    if stat.S_ISSOCK(mode):
        return _("this is a socket, not a file; remove it from the site folder")
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return _("this is a device file, not a file; remove it from the site folder")
    return _("this is a special file, not a file; remove it from the site folder")


def read_file(path: Path | str, shown: str, limit: int = MAX_TEXT_BYTES) -> bytes:
    """Read a regular file of at most ``limit`` bytes; anything else is a `SiteError` naming it.

    The file is opened without waiting (a pipe put in its place since it was
    listed does not block) and checked to be a regular file before reading.
    """
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0))
    except OSError as exc:
        raise SiteError(_("cannot read the file: {reason}").format(reason=os_reason(exc)), source=shown) from None
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            raise SiteError(_not_a_file(st.st_mode), source=shown)
        if st.st_size > limit:
            raise SiteError(_("the file is too large ({size} MB; at most {limit} MB); is it the right file?").format(
                size=format_decimal(st.st_size / (1024 * 1024), format="0.0", locale=active_language()),
                limit=limit // (1024 * 1024)), source=shown)
        chunks = []
        size = 0
        while True:
            chunk = os.read(fd, 1 << 20)
            if not chunk:
                break
            size += len(chunk)
            if size > limit:
                raise SiteError(_("the file is too large (more than {limit} MB); is it the right file?").format(
                    limit=limit // (1024 * 1024)), source=shown)
            chunks.append(chunk)
        return b"".join(chunks)
    except OSError as exc:
        raise SiteError(_("cannot read the file: {reason}").format(reason=os_reason(exc)), source=shown) from None
    finally:
        os.close(fd)
