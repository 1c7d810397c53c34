"""One build of a site at a time: an exclusive lock on a file in its cache folder.

The lock belongs to the process: the operating system releases it when the
process ends, however it ends (a build killed with SIGKILL leaves no stale lock).
A second build waits for the first one, saying so, and then finds the output
already up to date.
"""

from __future__ import annotations

import logging
import os
import sys
import time
from pathlib import Path
from types import TracebackType

from generator.core.cache import link_on_the_way
from generator.core.messages import _

log = logging.getLogger(__name__)

LOCK_FILE = "build.lock"


class BuildLock:
    """A context manager holding ``FOLDER/build.lock`` exclusively.

    When the folder cannot be written (a read-only site), the build goes on
    without a lock; nothing else depends on it.
    """

    def __init__(self, folder: Path | None) -> None:
        self.path = folder / LOCK_FILE if folder is not None else None
        """None: no lock (a build that writes nothing in the site folder)."""
        self._fd: int | None = None

    def __enter__(self) -> BuildLock:
        if self.path is None:
            return self
        link = link_on_the_way(self.path)
        if link is not None:  # a site from anyone: its link to ~/.bashrc must not be emptied and written
            log.warning(_("{link} is a symbolic link; Vigie does not write through it (building without the "
                          "lock that keeps two builds of this site apart)").format(link=link))
            return self
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT | getattr(os, "O_NOFOLLOW", 0), 0o644)
        except OSError as exc:
            log.debug("building without a lock: cannot open %s (%s)", self.path, exc.strerror)
            return self
        if not _try_lock(fd):
            log.info(_holder(fd))
            _lock(fd)
        self._fd = fd
        try:
            os.ftruncate(fd, 0)
            os.write(fd, f"{os.getpid()}\n".encode())
        except OSError:
            pass
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        if self._fd is not None:
            _unlock(self._fd)
            os.close(self._fd)
            self._fd = None


def _holder(fd: int) -> str:
    """Return the message that says which process holds the lock: we wait for it."""
    try:
        pid = os.pread(fd, 32, 0).decode("ascii", "replace").strip()
    except (OSError, AttributeError):
        pid = ""
    if pid.isdigit():
        return _("another build of this site is running (process {pid}); waiting for it to finish").format(pid=pid)
    return _("another build of this site is running (another process); waiting for it to finish")


if sys.platform == "win32":  # pragma: no cover - exercised on Windows only
    import msvcrt

    def _try_lock(fd: int) -> bool:
        try:
            msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)
        except OSError:
            return False
        return True

    def _lock(fd: int) -> None:
        while not _try_lock(fd):
            time.sleep(0.2)

    def _unlock(fd: int) -> None:
        try:
            os.lseek(fd, 0, os.SEEK_SET)
            msvcrt.locking(fd, msvcrt.LK_UNLCK, 1)
        except OSError:
            pass

else:
    import fcntl

    def _try_lock(fd: int) -> bool:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return False
        return True

    def _lock(fd: int) -> None:
        fcntl.flock(fd, fcntl.LOCK_EX)

    def _unlock(fd: int) -> None:
        fcntl.flock(fd, fcntl.LOCK_UN)
