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
"""

from __future__ import annotations

import json
import logging
import os
import re
import subprocess
import tempfile
from pathlib import Path
from typing import Mapping

from generator.core.errors import SiteError
from generator.core.messages import _
from generator.core.paths import safe_relpath
from generator.model.plan import SEARCH_FOLDER
from generator.output.writer import Staging, Written

log = logging.getLogger(__name__)

#: The folder of the site the search files go to (pagefind.js finds the rest beside itself).
FOLDER = SEARCH_FOLDER
#: What the search page needs of Pagefind's bundle: the search script and its worker, the WebAssembly per
#: language, the index. Pagefind's own ready-made interfaces (``pagefind-ui.js``…) are left out: the theme
#: has its own form (layouts/search.html, assets/js/search.js).
_KEPT = re.compile(r"(pagefind\.js|pagefind-worker\.js|pagefind-entry\.json|wasm\.[a-z0-9_-]+\.pagefind"
                   r"|pagefind\.[a-z0-9_-]+\.pf_meta|(index|fragment|filter)/[a-z0-9_-]+\.pf_[a-z]+)")


def pagefind_executable() -> Path:
    """Return the Pagefind program that the ``pagefind-bin`` package installed."""
    try:
        import pagefind_bin  # type: ignore[import-untyped]

        return Path(pagefind_bin.get_executable())
    except (ImportError, FileNotFoundError):
        raise SiteError(_("search needs the Pagefind program, which is installed with Vigie (the pagefind-bin "
                          "package); install Vigie again, or set 'search: false' in site.yaml")) from None


def index_staging(staging: Staging) -> list[Written]:
    """Index the HTML pages of the staged tree; Pagefind writes the index into it; return what was written."""
    bundle = staging.tmp / FOLDER
    _pagefind(staging.tmp, bundle)
    origin = _("the search index")
    written = [staging.adopt(f"{FOLDER}/{rel}", origin) for rel in _kept(bundle)]
    log.debug("search index: %d files", len(written))
    return written


def index_files(files: Mapping[str, bytes]) -> dict[str, bytes]:
    """Return the search files (path in the site → bytes) for a site held in memory (`vigie serve`)."""
    with tempfile.TemporaryDirectory(prefix="vigie-search-site-") as folder:
        root = Path(folder)
        for path, data in files.items():
            if path.endswith(".html"):
                target = root / safe_relpath(path)
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_bytes(data)
        return {f"{FOLDER}/{rel}": data for rel, data in run_pagefind(root).items()}


def run_pagefind(site: Path) -> dict[str, bytes]:
    """Run Pagefind over the HTML pages below ``site``; return the files the search page needs, by path."""
    with tempfile.TemporaryDirectory(prefix="vigie-search-") as work:
        bundle = Path(work) / FOLDER
        _pagefind(site, bundle)
        return {rel: (bundle / rel).read_bytes() for rel in _kept(bundle)}


def _pagefind(site: Path, bundle: Path) -> None:
    """Run Pagefind over the HTML pages below ``site``, writing its files into ``bundle``."""
    program = pagefind_executable()
    # In an empty folder, with no PAGEFIND_* variables: no configuration file or setting of the
    # editor's computer changes what the index holds.
    env = {key: value for key, value in os.environ.items() if not key.upper().startswith("PAGEFIND")}
    with tempfile.TemporaryDirectory(prefix="vigie-search-") as work:
        try:
            run = subprocess.run([str(program), "--site", str(site), "--output-path", str(bundle), "--silent"],
                                 cwd=work, env=env, capture_output=True, timeout=3600, check=False)
        except (OSError, subprocess.TimeoutExpired) as exc:
            raise SiteError(_("the search index could not be made ({reason}); the published site was not changed")
                            .format(reason=exc)) from None
    if run.returncode != 0:
        said = (run.stderr or run.stdout).decode("utf-8", "replace").strip().splitlines()
        raise SiteError(_("the search index could not be made (Pagefind: {reason}); the published site was "
                          "not changed").format(reason=" ".join(said[-3:])[:500] or run.returncode))


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
        if rel == "pagefind-entry.json":
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
