"""The one writer: plan the output files, then swap a complete new tree into place.

A build writes into a temporary folder beside the output and renames it over
the old one only when every file is written, so a failed or interrupted build
leaves the previous output exactly as it was. Files whose bytes did not change
are hard-linked from the previous output, which keeps their modification time.
"""

from __future__ import annotations

import logging
import os
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable

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


def plan_files(files: Iterable[OutputFile]) -> dict[str, OutputFile]:
    """Return files by path; two files for one path is an error naming both origins."""
    planned: dict[str, OutputFile] = {}
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


def write_output(files: dict[str, OutputFile], out: Path, fingerprint: str = "") -> WriteReport:
    """Write every file into a new tree beside ``out``, then swap it in.

    The marker file records the input fingerprint and every file's size, so
    the next build with the same inputs can stop early (`output_is_current`).
    """
    out = out.absolute()
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.parent / f".{out.name}.vigie-new-{os.getpid()}"
    old = out.parent / f".{out.name}.vigie-old-{os.getpid()}"
    for stale in (tmp, old):
        if stale.exists():
            shutil.rmtree(stale)
    written = unchanged = 0
    try:
        tmp.mkdir()
        listing = "".join(f"{rel}\t{len(item.data)}\n" for rel, item in sorted(files.items()))
        (tmp / MARKER).write_text(f"fingerprint {fingerprint}\n{listing}", encoding="utf-8")
        for rel, item in sorted(files.items()):
            target = tmp / rel
            target.parent.mkdir(parents=True, exist_ok=True)
            previous = out / rel
            if _same_bytes(previous, item.data):
                try:
                    os.link(previous, target)
                    unchanged += 1
                    continue
                except OSError:
                    pass
            target.write_bytes(item.data)
            written += 1
        removed = _count_removed(out, files)
        if out.exists():
            out.rename(old)
        tmp.rename(out)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        if old.exists() and not out.exists():
            old.rename(out)
        raise
    shutil.rmtree(old, ignore_errors=True)
    log.debug("wrote %d files, %d unchanged, %d removed", written, unchanged, removed)
    return WriteReport(written=written, unchanged=unchanged, removed=removed)


def _same_bytes(path: Path, data: bytes) -> bool:
    try:
        if path.stat().st_size != len(data):
            return False
        return path.read_bytes() == data
    except OSError:
        return False


def _count_removed(out: Path, files: dict[str, OutputFile]) -> int:
    if not out.is_dir():
        return 0
    return sum(1 for p in out.rglob("*") if p.is_file() and p.name != MARKER
               and p.relative_to(out).as_posix() not in files)
