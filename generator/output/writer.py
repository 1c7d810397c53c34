"""The one writer: plan the output files, then swap a complete new tree into place.

A build writes into a temporary folder beside the output and renames it over
the old one only when every file is written, so a failed or interrupted build
leaves the previous output exactly as it was. Files whose bytes did not change
are hard-linked from the previous output, which keeps their modification time;
every other file is created new, so nothing is ever written through a link
into the published tree.
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import json
import logging
import os
import posixpath
import shutil
import sys
import stat
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Iterator, Mapping, Protocol, TypeVar

from generator.core.cache import CACHE_FOLDER, write_atomically
from generator.core.errors import OutputReplaced, SiteError, os_reason
from generator.core.messages import _
from generator.model import OutputFile
from generator.core.paths import safe_relpath
from generator.model.plan import OUTPUT_MARK, compressed_paths
from generator.output.compress import COMPRESSOR, compressed_copies, holds
from generator.sources.files import SYSTEM_LEFTOVERS, refuse_undecodable_path

log = logging.getLogger(__name__)

MARKER = OUTPUT_MARK
#: The marker's content, and the first line of the state a build leaves in the cache.
MARKER_HEADER = "vigie-output 2"


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
            raise SiteError(_("two sources want to write {path}: {first} and {second}; rename one of them")
                            .format(path=path, first=other.origin, second=item.origin), source=item.origin or None)
        planned[path] = item
    return planned


def check_output_folder(out: Path, site_root: Path) -> None:
    """Refuse an output folder whose replacement would destroy the site, its cache or other files, or that
    cannot be replaced (a mount point), or that holds the current folder (a shell or server inside it).

    Both paths must be valid UTF-8: the build records them (as text) in its cache.
    """
    refuse_undecodable_path(site_root)  # the site's name first: the default output is inside it
    refuse_undecodable_path(out)
    try:
        out_r, root_r = out.resolve(), site_root.resolve()
    except (OSError, RuntimeError) as exc:  # a link that leads to itself
        raise SiteError(_("the output {out} cannot be followed ({reason}); choose a folder such as public/").format(
            out=out, reason=os_reason(exc))) from None
    if out_r == root_r or out_r in root_r.parents:
        raise SiteError(_("the output folder {out} contains the site itself; choose a folder such as public/")
                        .format(out=out))
    for sub in ("content", "layouts", "assets", CACHE_FOLDER):
        if out_r == root_r / sub or (root_r / sub) in out_r.parents:
            raise SiteError(_("the output folder {out} is inside the site's {folder}/ folder; choose public/")
                            .format(out=out, folder=sub))
    if out_r.exists() and not out_r.is_dir():
        raise SiteError(_("the output {out} is a file, not a folder").format(out=out))
    if out_r.is_dir() and os.path.ismount(out_r):
        raise SiteError(_("the output folder {out} is a mount point (a disk or volume of its own): Vigie makes the new "
                          "output beside it and swaps it in, which a mount point does not allow; build into a folder "
                          "inside it, such as {inside}").format(out=out, inside=out / "site"))
    try:
        here = Path.cwd().resolve()
    except OSError:
        here = None
    if here is not None and (here == out_r or out_r in here.parents):
        raise SiteError(_("the output folder {out} holds the current folder: Vigie replaces the whole output folder, "
                          "which would leave this terminal in a deleted folder; run the command from another folder")
                        .format(out=out))
    try:
        foreign = out_r.is_dir() and any(out_r.iterdir()) and not (out_r / MARKER).exists()
    except OSError as exc:  # a folder this user may not read: nothing in it could be replaced either
        raise SiteError(_("cannot read the output folder {out} ({reason}); give yourself the right to read and "
                          "write it, or choose another folder").format(out=out, reason=os_reason(exc))) from None
    if foreign:
        raise SiteError(_("the output folder {out} is not empty and was not made by Vigie; "
                          "empty it or choose another folder (Vigie replaces the whole folder)").format(out=out))


def check_copied_output(out: Path, built_here_before: bool, site_root: Path) -> None:
    """Refuse to replace a folder holding a copy of a Vigie output and files the copy did not bring.

    The guide says to publish the contents of ``public/``, its marker included:
    copied into a web folder that holds other files (a blog, uploads), the
    marker would let a build into that folder delete them. A build replaces
    its own output folder whole (a file added there by hand goes): a folder
    inside the site, or one the site's cache says it built into. Any other is
    replaced only when it holds just the files its marker counts (the
    ``.DS_Store`` a file browser leaves aside).
    """
    if built_here_before or not out.is_dir() or out.resolve().is_relative_to(site_root.resolve()):
        return
    listed = next((line.split()[1:] for line in _marker_lines(out) if line.startswith("files ")), None)
    if listed is None or len(listed) != 2:  # a marker from before it counted the files: nothing to compare
        return
    try:
        found = sorted(rel for rel in _stamps(out) if posixpath.basename(rel.rstrip("/")) not in SYSTEM_LEFTOVERS)
    except OSError:
        return
    if [str(len(found)), _paths_digest(found)] != listed:
        raise SiteError(_("the output folder {out} holds other files than the Vigie output copied into it ({found} "
                          "files, where that output had {written}), and Vigie has no record of building this site "
                          "into it: Vigie replaces the whole folder and would delete them; build into an empty "
                          "folder and copy that").format(out=out, found=len(found), written=listed[0]))


def _paths_digest(paths: Iterable[str]) -> str:
    """Return a digest of the sorted relative paths of an output's files (its marker's ``files`` line)."""
    return hashlib.sha256("\n".join(sorted(paths)).encode("utf-8", "surrogateescape")).hexdigest()[:32]


def resolve_output(out: Path) -> Path:
    """Return the folder a build replaces: ``out`` itself, or the folder it links to.

    An output given as a symbolic link (``public -> /var/www/site``) keeps
    pointing where it did: the folder it names is replaced, never the link.
    """
    try:
        return out.resolve() if out.is_symlink() else out.absolute()
    except (OSError, RuntimeError) as exc:  # a link that leads to itself; a current folder deleted
        raise SiteError(_("the output {out} cannot be followed ({reason}); choose a folder such as public/").format(
            out=out, reason=os_reason(exc))) from None


def output_is_current(out: Path, fingerprint: str, state: Path | None) -> bool:
    """Return whether ``out`` holds, untouched, the output of a build with this input fingerprint.

    Untouched means: the very files the build listed in its ``state`` file
    (kept in the site's cache), each with the size, modification and
    status-change times it had when the build ended, and nothing else (no file
    added, no folder left empty).
    """
    if state is None or not (out / MARKER).is_file():
        return False
    try:
        lines = state.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError):
        return False
    if lines[:3] != [MARKER_HEADER, f"output {out}", f"fingerprint {fingerprint}"]:
        return False
    listed: dict[str, str] = {}
    for line in lines[3:]:
        rel, _tab, stamp = line.partition("\t")
        listed[rel] = stamp
    try:
        found = _stamps(out)
    except OSError:
        return False
    return found == listed


def _stamps(out: Path) -> dict[str, str]:
    """Return every file below ``out`` (but the marker) → "size<TAB>mtime<TAB>ctime".

    Anything that is not a regular file or a folder, and an empty folder, gets
    an impossible stamp, so that it never matches a marker.
    """
    found: dict[str, str] = {}
    stack = [("", str(out))]
    while stack:
        prefix, folder = stack.pop()
        empty = True
        with os.scandir(folder) as entries:
            for entry in entries:
                empty = False
                rel = prefix + entry.name
                if rel == MARKER:
                    continue
                st = entry.stat(follow_symlinks=False)
                if stat.S_ISDIR(st.st_mode):
                    stack.append((rel + "/", entry.path))
                elif stat.S_ISREG(st.st_mode):
                    found[rel] = f"{st.st_size}\t{st.st_mtime_ns}\t{st.st_ctime_ns}"
                else:
                    found[rel] = "not a regular file"
        if empty and prefix:
            found[prefix] = "empty folder"
    return found


def _write_state(state: Path, out: Path, fingerprint: str) -> None:
    """Record what a build left in ``out``: its input fingerprint and every file's stamp."""
    body = f"{MARKER_HEADER}\noutput {out}\nfingerprint {fingerprint}\n"
    try:
        body += "".join(f"{rel}\t{stamp}\n" for rel, stamp in sorted(_stamps(out).items()))
    except OSError as exc:  # another site's build swapped its output into the same folder meanwhile
        log.debug("no state kept for %s: %s", out, exc)
        return
    error = write_atomically(state, body.encode("utf-8"))
    if error is not None:
        log.warning(_("could not write {path} ({reason}); the next build will render everything")
                    .format(path=state, reason=os_reason(error)))


def save_warnings(state: Path, fingerprint: str, language: str, said: Iterable[tuple[str, int]]) -> None:
    """Keep what the build that made the output ``state`` describes warned about, for `saved_warnings`.

    ``said`` holds each warning's line and how many warnings it stands for; ``language`` is the one they are in.
    """
    data = json.dumps({"fingerprint": fingerprint, "language": language, "warnings": [list(item) for item in said]},
                      ensure_ascii=False)
    error = write_atomically(state.with_suffix(".warnings.json"), data.encode("utf-8"))
    if error is not None:  # the next build, without them, builds again instead of saying it is up to date
        log.debug("warnings not kept: %s", error)


def saved_warnings(state: Path, fingerprint: str, language: str) -> list[tuple[str, int]] | None:
    """Return the warnings of the build with this fingerprint, in ``language`` (see `save_warnings`).

    None when they were not kept, or not for this build or this language: then the output cannot be said up to
    date, since its warnings could not be said again.
    """
    try:
        data = json.loads(state.with_suffix(".warnings.json").read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError):
        return None
    if not isinstance(data, dict) or data.get("fingerprint") != fingerprint or data.get("language") != language:
        return None
    said = data.get("warnings")
    if not isinstance(said, list) or not all(
            isinstance(item, list) and len(item) == 2 and isinstance(item[0], str) and isinstance(item[1], int)
            for item in said):
        return None
    return [(line, count) for line, count in said]


def recover_interrupted(out: Path) -> None:
    """Clean up after builds that were killed: put the last complete output back, remove half-made trees.

    A build writes ``.NAME.vigie-new-PID`` beside the output and, when done,
    renames the output to ``.NAME.vigie-old-PID`` and the new tree to NAME. A
    build killed between the two renames leaves no output at all: the old tree
    (complete, with its marker) is put back. Trees of builds still running
    (their process exists) are left alone.
    """
    parent = out.parent
    if not parent.is_dir():
        return
    leftovers: list[tuple[str, Path]] = []
    for entry in parent.iterdir():
        for kind in ("new", "old"):
            prefix = f".{out.name}.vigie-{kind}-"
            pid = entry.name.removeprefix(prefix)
            if entry.name.startswith(prefix) and pid.isdigit() and not _running(int(pid)):
                leftovers.append((kind, entry))
    if not out.exists() and not out.is_symlink():
        complete = [p for kind, p in leftovers if kind == "old" and (p / MARKER).is_file()]
        if complete:
            newest = max(complete, key=lambda p: (p / MARKER).stat().st_mtime_ns)
            newest.rename(out)
            leftovers.remove(("old", newest))
            log.warning(_("an earlier build was interrupted; its previous output is back in {out}").format(out=out))
    for _kind, path in leftovers:
        log.debug("removing %s, left by an interrupted build", path)
        _remove_previous(path)


def _running(pid: int) -> bool:
    """Return whether another process with this id exists (a build still at work)."""
    if pid == os.getpid() or os.name != "posix":
        return False  # ours is over; elsewhere the site's build lock keeps builds apart
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


@dataclass(frozen=True, slots=True)
class Written:
    """One file put in a staged output tree."""

    path: str
    size: int
    origin: str
    unchanged: bool
    """Hard-linked from the previous output because its bytes did not change."""
    copies: tuple[str, ...] = ()
    """Its compressed copies written beside it (``page.html.br``…), see `generator.output.compress`."""


class Staging:
    """A new output tree, filled beside the old one and swapped in by `commit` only when complete.

    `put` may be called from forked render workers as well as the parent: each
    call creates only its own file, and folders are made race-free. Nothing is
    ever written into a file that exists: a new file is created for each path
    (a second writer of one path fails instead of writing through a hard link
    into the previous output).
    """

    def __init__(self, out: Path, compress: bool = False) -> None:
        self.out = out.absolute()
        self.compress = compress
        """Write compressed copies of text files beside them (site.yaml's ``compress``)."""
        self.tmp = self.out.parent / f".{self.out.name}.vigie-new-{os.getpid()}"
        self.old = self.out.parent / f".{self.out.name}.vigie-old-{os.getpid()}"
        try:
            self.out.parent.mkdir(parents=True, exist_ok=True)
            for stale in (self.tmp, self.old):
                if stale.exists():
                    shutil.rmtree(stale)
            self.tmp.mkdir()
        except OSError as exc:
            raise SiteError(_("cannot make the new output in {folder} ({reason}): Vigie writes it beside the output "
                              "folder, then swaps it in; the folder that holds the output must exist and be writable "
                              "by you").format(folder=self.out.parent, reason=os_reason(exc))) from None
        self._folders: set[str] = set()
        self._has_previous = self.out.is_dir()
        self._same_compressor = compress and self._has_previous and _marker_lines(self.out).count(
            f"compress {COMPRESSOR}") == 1
        """The previous output's copies were made as this build makes them (see `_reused_copies`)."""

    def put(self, item: OutputFile) -> Written:
        """Write one file into the new tree (a hard link when the old output has the same bytes).

        With `compress`, its compressed copies are written beside it the same way.
        """
        rel = safe_relpath(item.path)
        folder = posixpath.dirname(rel)
        with _writing(rel, item.origin, self.out):
            if folder not in self._folders:
                os.makedirs(self.tmp / folder, exist_ok=True)
                self._folders.add(folder)
            unchanged = self._place(rel, item.data)
            copies = self._copies(rel, item.data, unchanged)
        return Written(rel, len(item.data), item.origin, unchanged=unchanged, copies=copies)

    def adopt(self, path: str, origin: str) -> Written:
        """Take a file that a program wrote into the new tree itself (Pagefind's index) as `put` takes one.

        It becomes a hard link when the old output has the same bytes, and gets
        its compressed copies: the same files as `put` would leave, without
        writing the file a second time.
        """
        rel = safe_relpath(path)
        target = self.tmp / rel
        with _writing(rel, origin, self.out):
            data = target.read_bytes()
            unchanged = False
            if self._has_previous and _same_bytes(self.out / rel, data):
                target.unlink()
                unchanged = self._place(rel, data)
            copies = self._copies(rel, data, unchanged)
        return Written(rel, len(data), origin, unchanged=unchanged, copies=copies)

    def _copies(self, rel: str, data: bytes, unchanged: bool) -> tuple[str, ...]:
        """Write the compressed copies of a file placed in the new tree; return their paths."""
        reused = self._reused_copies(rel, data) if unchanged and self._same_compressor else None
        copies = reused if reused is not None else compressed_copies(rel, data) if self.compress else []
        for name, packed in copies:
            self._place(name, packed)
        return tuple(name for name, _ in copies)

    def _reused_copies(self, rel: str, data: bytes) -> list[tuple[str, bytes]] | None:
        """Return the previous output's copies of an unchanged file, or None to make them again.

        They are reused only when the previous build made its copies with the
        same libraries and settings (its marker says so), each is there and
        decompresses to the file: then they are the bytes this build would
        make, and compressing them again would only cost time.
        """
        found = []
        for name in compressed_paths(rel):
            try:
                packed = (self.out / name).read_bytes()
            except OSError:
                return None  # never made (not smaller than the file), or removed by hand: made again
            if not holds(name, packed, data):
                return None
            found.append((name, packed))
        return found

    def _place(self, rel: str, data: bytes) -> bool:
        """Create ``rel`` in the new tree; return True when it is a hard link to the same bytes in the old one."""
        target = self.tmp / rel
        if self._has_previous and _same_bytes(self.out / rel, data):
            try:
                os.link(self.out / rel, target)
                return True
            except FileExistsError:
                raise
            except OSError:  # another file system, or no hard links: write a copy
                pass
        with open(target, "xb") as handle:  # a new file, never one that exists
            handle.write(data)
        return False

    def commit(self, written: Iterable[Written], fingerprint: str = "", state: Path | None = None) -> WriteReport:
        """Check that no two sources wrote one path, swap the new tree in, then record its ``state``.

        The state records the input fingerprint and every file's stamp, so the
        next build with the same inputs, and an untouched output, can stop early
        (`output_is_current`). On any error before the swap the new tree is
        removed and the old output stays.
        """
        try:
            files = plan_files(written)
            paths = {*files, *(copy for item in files.values() for copy in item.copies)}
            made_by = (f"{MARKER_HEADER}\n" + (f"compress {COMPRESSOR}\n" if self.compress else "")
                       + f"files {len(paths)} {_paths_digest(paths)}\n")
            with _writing(MARKER, "", self.out):
                (self.tmp / MARKER).write_text(made_by, encoding="utf-8")  # "made by Vigie"
            removed = _count_removed(self.out, paths)
            if self.out.exists():
                self.out.rename(self.old)
            self.tmp.rename(self.out)
        except OSError as exc:
            self.discard()
            raise SiteError(_("cannot put the new output in place of {out} ({reason}); the previous output was left "
                              "as it was").format(out=self.out, reason=os_reason(exc))) from None
        except BaseException:
            self.discard()
            raise
        try:
            _remove_previous(self.old)
            if state is not None:  # after the old tree is gone: unlinking its hard links changes status times
                _write_state(state, self.out, fingerprint)
        except KeyboardInterrupt:
            raise OutputReplaced from None
        unchanged = sum(1 for item in files.values() if item.unchanged)
        log.debug("wrote %d files, %d unchanged, %d removed", len(files) - unchanged, unchanged, removed)
        return WriteReport(written=len(files) - unchanged, unchanged=unchanged, removed=removed)

    def discard(self) -> None:
        """Remove the new tree; put back the old output if a swap was interrupted."""
        shutil.rmtree(self.tmp, ignore_errors=True)
        if self.old.exists() and not self.out.exists():
            self.old.rename(self.out)


def _remove_previous(old: Path) -> None:
    """Remove the previous output once the new one is in place (slow for a large one: Ctrl-C may come then).

    What cannot be removed (a folder in it its owner made unreadable) is said: it would stay beside the
    output for good, unseen (a dot folder), every later build finding it in its way.
    """
    problem = _remove_tree(old)
    if problem is not None:
        log.warning(_("cannot remove the previous output {old} ({reason}); the new one is in place: delete the "
                      "old one yourself").format(old=old, reason=os_reason(problem)))


def _remove_tree(path: Path) -> OSError | None:
    """Remove a folder and all it holds; return the first error when some of it stays."""
    problems: list[BaseException] = []
    if sys.version_info >= (3, 12):
        shutil.rmtree(path, onexc=lambda _f, _p, exc: problems.append(exc))
    else:
        shutil.rmtree(path, onerror=lambda _f, _p, info: problems.append(info[1]))
    first = next((p for p in problems if isinstance(p, OSError)), None)
    return first if first is not None and os.path.lexists(path) else None


def write_output(files: dict[str, OutputFile], out: Path) -> WriteReport:
    """Write every file into a new tree beside ``out``, then swap it in."""
    staging = Staging(out)
    try:
        written = [staging.put(item) for _path, item in sorted(files.items())]
    except BaseException:
        staging.discard()
        raise
    return staging.commit(written)


#: What a write fails with when the disk (or the user's share of it) has no room left.
DISK_FULL = frozenset({errno.ENOSPC, getattr(errno, "EDQUOT", errno.ENOSPC)})


def disk_full(exc: OSError, out: Path) -> SiteError | None:
    """Return the error for a write into the new tree of ``out`` that failed for want of space, else None.

    It names the output folder and no source: the pages are not at fault, and
    every page that fails so gives this one error, printed once.
    """
    if exc.errno not in DISK_FULL:
        return None
    return SiteError(_("the disk holding the output folder {out} is full ({reason}); free some space, then build "
                       "again (the published site was not changed)").format(out=out, reason=os_reason(exc)))


@contextlib.contextmanager
def _writing(rel: str, origin: str, out: Path) -> Iterator[None]:
    """Turn what writing ``rel`` into the new tree of ``out`` raises into the editor's error."""
    try:
        yield
    except FileExistsError:  # the file, or one of its compressed copies
        raise SiteError(_("two sources want to write {path}; {origin} is one of them; rename one")
                        .format(path=rel, origin=origin), source=origin or None) from None
    except OSError as exc:
        raise disk_full(exc, out) or SiteError(_("cannot write {path} ({reason}); check the name of what makes it")
                                               .format(path=rel, reason=os_reason(exc)),
                                               source=origin or None) from None


def _same_bytes(path: Path, data: bytes) -> bool:
    """Return whether ``path`` is a regular file (not a link, not a device) holding exactly ``data``."""
    try:
        st = path.lstat()
        if not stat.S_ISREG(st.st_mode) or st.st_size != len(data):
            return False
        return path.read_bytes() == data
    except OSError:
        return False


def _marker_lines(out: Path) -> list[str]:
    """Return the lines of an output's marker (none when it cannot be read)."""
    try:
        return (out / MARKER).read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError):
        return []


def _count_removed(out: Path, files: Mapping[str, object] | set[str]) -> int:
    try:
        return sum(1 for rel, stamp in _stamps(out).items() if stamp != "empty folder" and rel not in files)
    except OSError:  # no previous output, or one another build is replacing
        return 0
