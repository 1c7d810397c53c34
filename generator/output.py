"""The one writer: plan the output files, then swap a complete new tree into place.

A build writes into a temporary folder beside the output and renames it over
the old one only when every file is written, so a failed or interrupted build
leaves the previous output exactly as it was. Files whose bytes did not change
are hard-linked from the previous output, which keeps their modification time.
"""

from __future__ import annotations

import logging
import os
import posixpath
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Mapping, Protocol, TypeVar

from generator.errors import SiteError
from generator.model import OutputFile
from generator.paths import safe_relpath

log = logging.getLogger(__name__)

MARKER = ".vigie-output"


@dataclass(frozen=True, slots=True)
class WriteReport:
    """What the writer did."""

    written: int
    unchanged: int
    removed: int


class _Placed(Protocol):
    @property
    def path(self) -> str: ...
    @property
    def origin(self) -> str: ...


P = TypeVar("P", bound=_Placed)


def plan_files(files: Iterable[P]) -> dict[str, P]:
    """Return files (made or written) by path; two files for one path is an error naming both origins."""
    planned: dict[str, P] = {}
    for item in files:
        path = safe_relpath(item.path)
        other = planned.get(path)
        if other is not None:
            raise SiteError(f"two sources want to write {path}: {other.origin} and {item.origin}; "
                            "rename one of them", source=item.origin or None)
        planned[path] = item
    return planned


def check_output_folder(out: Path, site_root: Path) -> None:
    """Refuse an output folder whose replacement would destroy the site or other files."""
    out_r, root_r = out.resolve(), site_root.resolve()
    if out_r == root_r or out_r in root_r.parents:
        raise SiteError(f"the output folder {out} contains the site itself; choose a folder such as public/")
    for sub in ("content", "layouts", "assets"):
        if out_r == root_r / sub or (root_r / sub) in out_r.parents:
            raise SiteError(f"the output folder {out} is inside the site's {sub}/ folder; choose public/")
    if out.exists() and not out.is_dir():
        raise SiteError(f"the output {out} is a file, not a folder")
    if out.is_dir() and any(out.iterdir()) and not (out / MARKER).exists():
        raise SiteError(f"the output folder {out} is not empty and was not made by Vigie; "
                        "empty it or choose another folder (Vigie replaces the whole folder)")


def output_is_current(out: Path, fingerprint: str) -> bool:
    """Return whether ``out`` holds, untouched, the output of a build with this input fingerprint."""
    try:
        lines = (out / MARKER).read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError):
        return False
    if not lines or lines[0] != f"fingerprint {fingerprint}":
        return False
    for line in lines[1:]:
        rel, _, size = line.rpartition("\t")
        try:
            if (out / rel).stat().st_size != int(size):
                return False
        except (OSError, ValueError):
            return False
    return True


@dataclass(frozen=True, slots=True)
class Written:
    """One file put in a staged output tree."""

    path: str
    size: int
    origin: str
    unchanged: bool
    """Hard-linked from the previous output because its bytes did not change."""


class Staging:
    """A new output tree, filled beside the old one and swapped in by `commit` only when complete.

    `put` may be called from forked render workers as well as the parent: each
    call touches only its own file, and folders are made race-free.
    """

    def __init__(self, out: Path) -> None:
        self.out = out.absolute()
        self.out.parent.mkdir(parents=True, exist_ok=True)
        self.tmp = self.out.parent / f".{self.out.name}.vigie-new-{os.getpid()}"
        self.old = self.out.parent / f".{self.out.name}.vigie-old-{os.getpid()}"
        for stale in (self.tmp, self.old):
            if stale.exists():
                shutil.rmtree(stale)
        self.tmp.mkdir()
        self._folders: set[str] = set()
        self._has_previous = self.out.is_dir()

    def put(self, item: OutputFile) -> Written:
        """Write one file into the new tree (a hard link when the old output has the same bytes)."""
        rel = safe_relpath(item.path)
        folder = posixpath.dirname(rel)
        if folder not in self._folders:
            os.makedirs(self.tmp / folder, exist_ok=True)
            self._folders.add(folder)
        target = self.tmp / rel
        previous = self.out / rel
        if self._has_previous and _same_bytes(previous, item.data):
            try:
                os.link(previous, target)
                return Written(rel, len(item.data), item.origin, unchanged=True)
            except OSError:
                pass
        target.write_bytes(item.data)
        return Written(rel, len(item.data), item.origin, unchanged=False)

    def commit(self, written: Iterable[Written], fingerprint: str = "") -> WriteReport:
        """Check that no two sources wrote one path, write the marker, and swap the new tree in.

        The marker records the input fingerprint and every file's size, so the
        next build with the same inputs can stop early (`output_is_current`).
        On any error the new tree is removed and the old output stays.
        """
        try:
            files = plan_files(written)
            listing = "".join(f"{rel}\t{item.size}\n" for rel, item in sorted(files.items()))
            (self.tmp / MARKER).write_text(f"fingerprint {fingerprint}\n{listing}", encoding="utf-8")
            removed = _count_removed(self.out, files)
            if self.out.exists():
                self.out.rename(self.old)
            self.tmp.rename(self.out)
        except BaseException:
            self.discard()
            raise
        shutil.rmtree(self.old, ignore_errors=True)
        unchanged = sum(1 for item in files.values() if item.unchanged)
        log.debug("wrote %d files, %d unchanged, %d removed", len(files) - unchanged, unchanged, removed)
        return WriteReport(written=len(files) - unchanged, unchanged=unchanged, removed=removed)

    def discard(self) -> None:
        """Remove the new tree; put back the old output if a swap was interrupted."""
        shutil.rmtree(self.tmp, ignore_errors=True)
        if self.old.exists() and not self.out.exists():
            self.old.rename(self.out)


def write_output(files: dict[str, OutputFile], out: Path, fingerprint: str = "") -> WriteReport:
    """Write every file into a new tree beside ``out``, then swap it in."""
    staging = Staging(out)
    try:
        written = [staging.put(item) for _, item in sorted(files.items())]
    except BaseException:
        staging.discard()
        raise
    return staging.commit(written, fingerprint)


def _same_bytes(path: Path, data: bytes) -> bool:
    try:
        if path.stat().st_size != len(data):
            return False
        return path.read_bytes() == data
    except OSError:
        return False


def _count_removed(out: Path, files: Mapping[str, object]) -> int:
    if not out.is_dir():
        return 0
    return sum(1 for p in out.rglob("*") if p.is_file() and p.name != MARKER
               and p.relative_to(out).as_posix() not in files)
