"""Wake the dev server's watcher the moment a watched folder changes (Linux inotify, via ctypes).

Elsewhere `Notifier.open` returns None and the watcher keeps polling. The
notifier only says *that* something changed; the watcher still compares
modification times to find *what*, so a missed event costs latency, never
correctness.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import logging
import os
import select
import struct
import sys
from pathlib import Path
from typing import Iterable

log = logging.getLogger(__name__)

IN_MODIFY = 0x002
IN_ATTRIB = 0x004
IN_CLOSE_WRITE = 0x008
IN_MOVED_FROM = 0x040
IN_MOVED_TO = 0x080
IN_CREATE = 0x100
IN_DELETE = 0x200
IN_ISDIR = 0x40000000
IN_NONBLOCK = 0o4000
IN_CLOEXEC = 0o2000000
MASK = IN_MODIFY | IN_ATTRIB | IN_CLOSE_WRITE | IN_MOVED_FROM | IN_MOVED_TO | IN_CREATE | IN_DELETE
EVENT = struct.Struct("iIII")


class Notifier:
    """An inotify descriptor watching folder trees."""

    def __init__(self, fd: int, libc: ctypes.CDLL) -> None:
        self.fd = fd
        self.libc = libc
        self.folders: dict[int, Path] = {}
        """Watch descriptor → folder, to watch folders created later."""

    @classmethod
    def open(cls, trees: Iterable[Path], folders: Iterable[Path] = ()) -> Notifier | None:
        """Watch ``trees`` recursively and ``folders`` alone; None where inotify is not available."""
        if not sys.platform.startswith("linux"):
            return None
        try:
            libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
            fd = libc.inotify_init1(IN_NONBLOCK | IN_CLOEXEC)
        except (OSError, AttributeError):
            return None
        if fd < 0:
            return None
        notifier = cls(fd, libc)
        for tree in trees:
            notifier.watch_tree(tree)
        for folder in folders:
            notifier.watch(folder)
        return notifier

    def watch(self, folder: Path) -> None:
        """Watch one folder (not its subfolders)."""
        wd = self.libc.inotify_add_watch(self.fd, os.fsencode(str(folder)), MASK)
        if wd >= 0:
            self.folders[wd] = folder
        else:
            log.debug("cannot watch %s (errno %d); polling still sees it", folder, ctypes.get_errno())

    def watch_tree(self, tree: Path) -> None:
        """Watch a folder and every folder below it (hidden ones left out)."""
        if not tree.is_dir():
            return
        for dirpath, dirnames, _ in os.walk(tree):
            dirnames[:] = [d for d in dirnames if not d.startswith(".")]
            self.watch(Path(dirpath))

    def wait(self, timeout: float) -> bool:
        """Return True as soon as something changed (events are consumed), False after ``timeout``."""
        try:
            ready, _, _ = select.select([self.fd], [], [], timeout)
        except (OSError, ValueError):
            return False
        if not ready:
            return False
        self._drain()
        return True

    def _drain(self) -> None:
        try:
            data = os.read(self.fd, 65536)
        except BlockingIOError:
            return
        offset = 0
        while offset + EVENT.size <= len(data):
            wd, mask, _, length = EVENT.unpack_from(data, offset)
            name = data[offset + EVENT.size: offset + EVENT.size + length].rstrip(b"\0")
            offset += EVENT.size + length
            if mask & IN_ISDIR and mask & (IN_CREATE | IN_MOVED_TO) and wd in self.folders:
                child = os.fsdecode(name)
                if not child.startswith("."):
                    self.watch_tree(self.folders[wd] / child)

    def close(self) -> None:
        """Stop watching."""
        try:
            os.close(self.fd)
        except OSError:
            pass
