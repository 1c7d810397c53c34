"""The search index: Pagefind run over the staged output, its files put into the new tree like any other.

Pagefind (the ``pagefind-bin`` package, a program installed with Vigie: nothing
is downloaded at build time) reads the HTML pages of the staged tree and writes
an index per language (it reads each page's ``<html lang>``) with the script
that searches it in the browser. It indexes only the pages whose ``<main>``
carries ``data-pagefind-body``: the layouts put it on articles, pages, fact
sheets and figures, never on a draft. Pagefind writes its files into the
staged tree itself (2,000 files for 2,000 pages: written once, not copied),
and `Staging.adopt` takes each as `Staging.put` takes a file, so they are in
the build's list of outputs (the up-to-date check, the stray-file clean-up,
compressed copies and hard links of unchanged bytes treat them as any other
file); a failed run fails the build before the swap, and the published output
stays as it was.

Pagefind numbers the pages in the order it finds them in their folders, and
that order is in every file of the index. The order a folder lists its files
in is the file system's: on tmpfs, the order they were made (the two page
workers make them in a different order at each build); on ext4, a hash of their
names with a seed of each disk's own. So Pagefind reads the pages through a
folder of links made for it, in the order of their paths, on a memory file
system (`reading_folder`): the same pages give the same index, whatever the
workers' order, wherever the output folder is, on any computer with /dev/shm.

Pagefind holds what it reads of every page in memory until it writes the
index, about fourteen times the pages' HTML (bench/SEARCH.md). It runs once per
language folder (`plan_runs`), and a folder whose pages weigh more than
`PART_BYTES` is indexed in parts, each a run of its own over a folder of links
to its pages only, written to ``parts/<folder>/<n>/`` of the search folder:
the build's memory is then that of one part, whatever the size of the site.
``parts.json`` lists each language's parts, and the search page merges them
into the first one's results in the browser (Pagefind's ``mergeIndex``).
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import re
import shutil
import signal
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator, Mapping, Sequence

from generator.core.errors import SiteError, os_reason
from generator.core.messages import _
from generator.core.paths import safe_relpath
from generator.model.plan import SEARCH_FOLDER
from generator.output.search_memory import FolderIndex, SearchMemory, file_hashes, language_files, pages_digest
from generator.output.writer import Staging, Written, disk_full

log = logging.getLogger(__name__)

#: The folder of the site the search files go to (pagefind.js finds the rest beside itself).
FOLDER = SEARCH_FOLDER
#: The file of Pagefind's bundle that lists each language's index (the search script reads it first).
ENTRY = "pagefind-entry.json"
#: The folder of the search folder that holds the parts of large language folders' indexes (``parts/fr/2/``).
PARTS = "parts"
#: The file of the search folder that lists each language's parts (``{"fr": ["parts/fr/2/"]}``, else ``{}``).
PARTS_FILE = "parts.json"
#: About the most bytes of HTML pages one Pagefind run reads: a language folder above it is indexed in parts
#: of about equal weight. Pagefind needs about 14 times the HTML it reads (1,000 pages of 12 KB: 175 MB;
#: bench/SEARCH.md).
PART_BYTES = 16_000_000
#: What the search page needs of Pagefind's bundle: the search script and its worker, the WebAssembly per
#: language, the index, the list of parts and each part's index (not its script or WebAssembly: the first
#: part's search them). Pagefind's own ready-made interfaces (``pagefind-ui.js``…) are left out: the theme
#: has its own form (layouts/search.html, assets/js/search.js).
_KEPT = re.compile(r"(pagefind\.js|pagefind-worker\.js|parts\.json|wasm\.[a-z0-9_-]+\.pagefind"
                   r"|(parts/[A-Za-z0-9_.-]+/[0-9]+/)?(pagefind-entry\.json|pagefind\.[a-z0-9_-]+\.pf_meta"
                   r"|(index|fragment|filter)/[a-z0-9_-]+\.pf_[a-z]+))")
#: A page marked for Pagefind: an element with ``data-pagefind-body`` (the pages without it are left out).
_MARKED = re.compile(rb"<[A-Za-z][^>]*\sdata-pagefind-body[\s=/>]")


def pagefind_executable() -> Path:
    """Return the Pagefind program that the ``pagefind-bin`` package installed."""
    try:
        import pagefind_bin  # type: ignore[import-untyped]

        return Path(pagefind_bin.get_executable())
    except (ImportError, FileNotFoundError):
        raise SiteError(_("search needs the Pagefind program, which is installed with Vigie (the pagefind-bin "
                          "package); install Vigie again, or set 'search: false' in site.yaml")) from None


@dataclass(frozen=True, slots=True)
class Indexed:
    """What `index_staging` put into the staged tree."""

    written: list[Written]
    folders: dict[str, FolderIndex]
    """What each top-level folder's index holds, for the next build (`SearchMemory.save`); empty after one run."""


def index_staging(staging: Staging, pages: Sequence[Written], indexed: Iterable[str] = (),
                  memory: SearchMemory | None = None) -> Indexed:
    """Index the HTML pages of the staged tree; Pagefind writes the index into it; return what was written.

    ``pages`` are the HTML pages written (Pagefind reads them all and keeps those
    marked ``data-pagefind-body``); ``indexed`` the output paths of the pages to
    index (``fr/articles/a/index.html``): Pagefind runs once per top-level
    folder, or per part of a large one (see `plan_runs`). A folder whose index
    ``memory`` finds still right is not indexed again: its files are taken from
    the published output (see `generator.output.search_memory`). A file it
    cannot write (a full disk) is the editor's error, before the swap.
    """
    try:
        return _index_staging(staging, pages, indexed, memory)
    except OSError as exc:
        raise disk_full(exc, staging.out) or SiteError(
            _("the search index could not be made ({reason}); the published site was not changed")
            .format(reason=os_reason(exc))) from None


def _index_staging(staging: Staging, pages: Sequence[Written], indexed: Iterable[str],
                   memory: SearchMemory | None) -> Indexed:
    bundle, published = staging.tmp / FOLDER, staging.out / FOLDER
    wanted = set(indexed)
    runs = plan_runs(wanted, {page.path: page.size for page in pages}, wanted.__contains__)
    tops = sorted({run.top for run in runs})
    by_top: dict[str, list[Written]] = {}
    for page in pages:
        by_top.setdefault(page.path.split("/", 1)[0], []).append(page)
    taken = {top: known for top in tops if memory is not None
             and (known := memory.reusable(top, by_top.get(top, []), published)) is not None}
    if tops and len(taken) == len(tops):  # one run at least writes Pagefind's own files (script, worker)
        taken.pop(tops[0])
    with reading_folder(staging.tmp, [page.path for page in pages]) as folder:
        made = _pagefind(folder, bundle, [run for run in runs if run.top not in taken], staging.tmp)
        ran = {lang for languages in (made.languages.values() if made else ()) for lang in languages}
        if taken and (made is None or ran & {lang for known in taken.values() for lang in known.languages}):
            taken = {}  # a language of a folder taken is in another folder too: everything once more
            shutil.rmtree(bundle)
            made = _pagefind(folder, bundle, runs, staging.tmp)
    for known in taken.values():
        for name in known.files:
            _take(published / name, bundle / name)
    if taken:
        entry = _read_entry(bundle)
        entry["languages"] = {**entry.get("languages", {}),
                              **{lang: info for known in taken.values() for lang, info in known.languages.items()}}
        (bundle / ENTRY).write_text(json.dumps(entry, ensure_ascii=False), encoding="utf-8")
        log.debug("search index: %s taken from the published output", ", ".join(sorted(taken)))
    _write_parts(bundle, {**{top: known.parts for top, known in taken.items()}, **(made.parts if made else {})})
    kept = _kept(bundle)
    folders = dict(taken)
    for top, languages in (made.languages if made else {}).items():
        if top not in taken:
            files = [*language_files(kept, languages), *(name for name in kept if name.startswith(f"{PARTS}/{top}/"))]
            folders[top] = FolderIndex(pages_digest(page.path for page in by_top.get(top, [])), languages,
                                       file_hashes(bundle, files), made.parts.get(top, {}) if made else {})
    origin = _("the search index")
    written = [staging.adopt(f"{FOLDER}/{rel}", origin) for rel in kept]
    log.debug("search index: %d files", len(written))
    return Indexed(written, folders if made is not None else {})


def _take(source: Path, target: Path) -> None:
    """Put a file of the published index into the new one: a hard link, or a copy on a file system without."""
    if target.exists():  # a file every run writes alike (a language's WebAssembly), written by this build's run
        return
    target.parent.mkdir(parents=True, exist_ok=True)
    try:
        os.link(source, target)
    except OSError:
        shutil.copyfile(source, target)


def search_memory(path: Path | None) -> SearchMemory:
    """Return what the last build indexed, kept at ``path`` in the site's cache (None: nothing kept)."""
    try:
        from importlib.metadata import version

        pagefind = version("pagefind-bin")
    except Exception:  # noqa: BLE001 (any failure to tell the version: nothing is taken from the last build)
        return SearchMemory(None, "?")
    return SearchMemory(path, pagefind)


def index_files(files: Mapping[str, bytes]) -> dict[str, bytes]:
    """Return the search files (path in the site → bytes) for a site held in memory (`vigie serve`).

    The pages to index are those marked for Pagefind (`_MARKED`), as the build's are those its layouts mark.
    """
    with tempfile.TemporaryDirectory(prefix="vigie-search-site-") as folder:
        root = Path(folder)
        pages = [path for path in files if path.endswith(".html")]
        made: set[Path] = set()
        for path in pages:
            target = root / safe_relpath(path)
            _parent(target, made)
            target.write_bytes(files[path])
        marked = {path for path in pages if _MARKED.search(files[path])}
        runs = plan_runs(marked, {path: len(files[path]) for path in pages}, marked.__contains__)
        with reading_folder(root, pages) as reading:
            return {f"{FOLDER}/{rel}": data for rel, data in run_pagefind(reading, runs, root).items()}


def _in_folder_order(path: str) -> list[str]:
    """Sort key of an output path: folder by folder, so that any subset of paths makes its folders in one order."""
    return path.split("/")


def _memory_folder() -> str | None:
    """Return where to make the folder of links Pagefind reads: a memory file system (it lists files in the
    order they were made), else the system's temporary folder. Links only: a container's /dev/shm may
    hold no more than 64 MB."""
    shm = Path("/dev/shm")
    return str(shm) if shm.is_dir() and os.access(shm, os.W_OK | os.X_OK) else None


def _parent(target: Path, made: set[Path]) -> None:
    """Make the folder of ``target`` unless this loop made it already."""
    if target.parent not in made:
        target.parent.mkdir(parents=True, exist_ok=True)
        made.add(target.parent)


@contextlib.contextmanager
def reading_folder(site: Path, pages: Iterable[str]) -> Iterator[Path]:
    """Yield a folder where the HTML ``pages`` of ``site`` are links, listed in the order of their paths.

    Pagefind reads the pages in the order their folders list them, and numbers
    them so (see the module's text). A memory file system lists a folder's files
    in the order they were made or in the reverse order, depending on the
    kernel: the links are made in the order that lists them by path
    (`listing_order`). Where no link can be made (a system without symbolic
    links for this user, a full /dev/shm), Pagefind reads ``site`` itself.
    """
    with contextlib.ExitStack() as stack:
        made, site = set[Path](), site.absolute()
        try:
            folder = Path(stack.enter_context(tempfile.TemporaryDirectory(
                prefix="vigie-search-pages-", dir=_memory_folder(), ignore_cleanup_errors=True)))
            order = sorted(pages, key=_in_folder_order, reverse=listing_order(folder) == "reverse")
            for rel in order:
                link = folder / safe_relpath(rel)
                _parent(link, made)
                os.symlink(site / rel, link)
        except OSError as exc:
            log.debug("search index: no folder of links (%s); Pagefind reads the staged tree", exc)
            folder = site
        yield folder


def listing_order(folder: Path) -> str:
    """Return how the file system of ``folder`` lists a folder's files.

    ``"made"`` (in the order they were made), ``"reverse"``, ``"name"`` (sorted by
    name: any order of making lists them by path), or ``"other"`` (a hash of the
    names: the same on this disk only). Three files are made and listed to see.
    """
    probe = folder / ".probe"
    probe.mkdir()
    try:
        made = ["m", "z", "a"]
        for name in made:
            (probe / name).touch()
        listed = os.listdir(probe)
    finally:
        shutil.rmtree(probe, ignore_errors=True)
    orders = {"made": made, "reverse": made[::-1], "name": sorted(made)}
    return next((order for order, names in orders.items() if listed == names), "other")


def run_pagefind(site: Path, runs: Sequence[Run] = (), pages: Path | None = None) -> dict[str, bytes]:
    """Run Pagefind over the HTML pages below ``site`` (see `_pagefind`); return the files the search page
    needs, by path."""
    with tempfile.TemporaryDirectory(prefix="vigie-search-") as work:
        bundle = Path(work) / FOLDER
        made = _pagefind(site, bundle, runs, pages)
        _write_parts(bundle, made.parts if made else {})
        return {rel: (bundle / rel).read_bytes() for rel in _kept(bundle)}


#: What a folder's name must be to go into a Pagefind glob as it is.
_PLAIN_NAME = re.compile(r"[A-Za-z0-9_.-]+")


@dataclass(frozen=True, slots=True)
class Run:
    """One Pagefind run: every page of a top-level folder, or one part of a large folder's pages."""

    top: str
    pages: tuple[str, ...] = ()
    """The pages of a part, read from a folder of links of their own; empty: the folder's pages (a glob)."""
    part: int = 1
    """1: the index goes into the search folder itself; 2 and more: into ``parts/<top>/<part>/``."""

    @property
    def glob(self) -> str:
        return f"{self.top}/**/*.html"

    @property
    def folder(self) -> str:
        """Where in the search folder this run's index goes: "" (the search folder itself) or ``parts/fr/2/``."""
        return "" if self.part == 1 else f"{PARTS}/{self.top}/{self.part}/"


@dataclass(frozen=True, slots=True)
class Made:
    """What the runs of `_pagefind` made, by top-level folder."""

    languages: dict[str, dict[str, Any]]
    """The languages of each folder's first (or only) run, as Pagefind's entry file gives them."""
    parts: dict[str, dict[str, list[str]]]
    """The folder's other parts, if it was indexed in parts: language → their folders in the search folder."""


def plan_runs(indexed: Iterable[str], sizes: Mapping[str, int], marked: Callable[[str], bool],
              limit: int | None = None) -> list[Run]:
    """Return Pagefind's runs: one per top-level folder of the pages to index, or per part of a large one;
    [] for one run over the whole site.

    ``indexed`` are the output paths of the pages to index, ``sizes`` the size of
    every HTML page (Pagefind reads them all, and leaves out those not ``marked``).
    Pagefind holds every page it reads in memory until it writes the index
    (about 300 MB for 2,000 pages, 1.2 GB for 8,000, bench/SEARCH.md). Each
    language's pages live in a folder of their own, and Pagefind makes one
    index per language, so the runs of each folder into one bundle write the
    same files as one run over all (their entry files merged): its memory is
    then that of the largest language, not of the whole site, for the same time.
    A folder whose pages weigh more than ``limit`` (`PART_BYTES`) is cut, in
    the order of its paths, into as many parts of about equal weight as it
    weighs limits, each with a marked page (a run without one would index every
    page it reads, menus and all): a page that is not marked stays with the
    marked one before it.
    """
    limit = PART_BYTES if limit is None else limit
    paths = list(indexed)
    tops = sorted({path.split("/", 1)[0] for path in paths if "/" in path})
    if not tops or any("/" not in path for path in paths) or not all(_PLAIN_NAME.fullmatch(t) for t in tops):
        return []
    runs: list[Run] = []
    for top in tops:
        pages = sorted((path for path in sizes if path.startswith(f"{top}/")), key=_in_folder_order)
        total = sum(sizes[page] for page in pages)
        count = -(-total // max(limit, 1))  # the fewest parts of at most ``limit``
        if count < 2:
            runs.append(Run(top))
            continue
        units: list[list[str]] = []  # a marked page with the pages after it that are not: never split
        with_mark = False
        for page in pages:
            mark = marked(page)
            if not units or (mark and with_mark):
                units.append([])
                with_mark = False
            units[-1].append(page)
            with_mark = with_mark or mark
        parts: list[list[str]] = [[] for _ in range(count)]
        before = 0
        for unit in units:  # each unit to the part its middle falls in: parts of about equal weight
            weight = sum(sizes[page] for page in unit)
            parts[min(count - 1, (2 * before + weight) * count // (2 * total))].extend(unit)
            before += weight
        made = [part for part in parts if part]
        runs.extend([Run(top, tuple(part), number) for number, part in enumerate(made, 1)] if len(made) > 1
                    else [Run(top)])
    return runs


def _pagefind(site: Path, bundle: Path, runs: Sequence[Run] = (), pages: Path | None = None) -> Made | None:
    """Run Pagefind over the HTML pages below ``site`` (those of each run in turn), writing into ``bundle``.

    A part's pages are read from a folder of links of their own, to the pages
    below ``pages`` (default: ``site``); its index goes to its own folder of
    ``bundle`` (`Run.folder`). Return what the runs made; None when Pagefind ran
    once over the whole site (no runs, or one language found in two folders).
    """
    if not runs:
        _pagefind_run(site, bundle)
        return None
    made = Made({}, {})
    languages: dict[str, Any] = {}
    entry: dict[str, Any] = {}
    for run in runs:
        if run.pages:
            with reading_folder(pages or site, run.pages) as own:
                ran = _pagefind_run(own, bundle / run.folder)
        else:
            ran = _pagefind_run(site, bundle, run.glob)
        found = ran.get("languages") or {}
        if run.part > 1:
            for lang in found:
                made.parts.setdefault(run.top, {}).setdefault(lang, []).append(run.folder)
            continue
        if found.keys() & languages.keys():  # one language in two folders (a layout's own lang): one run over all
            log.debug("search index: %s in two folders; one run over the whole site", sorted(found.keys() & languages))
            shutil.rmtree(bundle)
            _pagefind_run(site, bundle)
            return None
        entry = ran
        languages.update(found)
        made.languages[run.top] = dict(found)
    entry["languages"] = languages
    (bundle / ENTRY).write_text(json.dumps(entry, ensure_ascii=False), encoding="utf-8")
    return made


def _write_parts(bundle: Path, parts: Mapping[str, Mapping[str, Sequence[str]]]) -> None:
    """Write the list of each language's parts, folder by folder (`PARTS_FILE`; ``{}`` without any)."""
    listed: dict[str, list[str]] = {}
    for top in sorted(parts):
        for lang, folders in sorted(parts[top].items()):
            listed.setdefault(lang, []).extend(folders)
    (bundle / PARTS_FILE).write_text(json.dumps(listed, ensure_ascii=False, sort_keys=True, separators=(",", ":")),
                                     encoding="utf-8")


def _pagefind_run(site: Path, bundle: Path, glob: str | None = None) -> dict[str, Any]:
    """Run Pagefind once over the HTML pages below ``site`` (or those matching ``glob``), writing into ``bundle``.

    Return its entry file, read: Pagefind may end well and leave it empty (on a full disk), and a search
    page without it finds nothing.
    """
    program = pagefind_executable()
    # In an empty folder, with no PAGEFIND_* variables: no configuration file or setting of the
    # editor's computer changes what the index holds.
    env = {key: value for key, value in os.environ.items() if not key.upper().startswith("PAGEFIND")}
    with tempfile.TemporaryDirectory(prefix="vigie-search-") as work:
        try:
            run = subprocess.run([str(program), "--site", str(site), "--output-path", str(bundle), "--silent",
                                  *(["--glob", glob] if glob else [])],
                                 cwd=work, env=env, capture_output=True, timeout=3600, check=False)
        except (OSError, subprocess.TimeoutExpired) as exc:
            raise SiteError(_("the search index could not be made ({reason}); the published site was not changed")
                            .format(reason=exc)) from None
    if run.returncode != 0:
        said = (run.stderr or run.stdout).decode("utf-8", "replace").strip().splitlines()
        raise SiteError(_("the search index could not be made (Pagefind: {reason}); the published site was "
                          "not changed").format(reason=" ".join(said[-3:])[:500] or _ended(run.returncode)))
    return _read_entry(bundle)


def _read_entry(bundle: Path) -> dict[str, Any]:
    """Return Pagefind's entry file in ``bundle``; one missing, empty or cut short is the editor's error."""
    try:
        entry = json.loads((bundle / ENTRY).read_bytes())
    except (OSError, ValueError):
        entry = None
    if not isinstance(entry, dict):
        raise SiteError(_("the search index could not be made (Pagefind left {file} missing, empty or unreadable: "
                          "is the disk full?); the published site was not changed").format(file=ENTRY))
    return entry


def _ended(code: int) -> str:
    """Return how a program that said nothing ended: its exit status, or the signal that stopped it
    (SIGXFSZ: a file size limit, SIGKILL: out of memory…), not "-25"."""
    if code < 0:
        try:
            return signal.Signals(-code).name
        except ValueError:
            pass
    return str(code)


def _kept(bundle: Path) -> list[str]:
    """Leave in ``bundle`` only the files the search page needs; return their paths in it, sorted.

    Pagefind's entry file is rewritten with its languages in a fixed order.
    """
    kept: list[str] = []
    for path in sorted(bundle.rglob("*")):
        if path.is_dir() and not path.is_symlink():
            continue
        rel = path.relative_to(bundle).as_posix()
        if not _KEPT.fullmatch(rel) or path.is_symlink() or not path.is_file():
            path.unlink()
            continue
        if rel.endswith(ENTRY):
            path.write_bytes(_canonical(path.read_bytes()))
        kept.append(rel)
    for folder in sorted((p for p in bundle.rglob("*") if p.is_dir()), key=lambda p: -len(p.parts)):
        if not any(folder.iterdir()):
            folder.rmdir()
    return kept


def _canonical(data: bytes) -> bytes:
    """Return Pagefind's entry file with its languages in a fixed order (it lists them as it met them)."""
    try:
        entry = json.loads(data)
    except ValueError:
        return data
    return json.dumps(entry, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode("utf-8")
