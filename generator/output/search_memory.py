"""The search index of each language folder, remembered so that a folder whose pages did not change is not indexed again.

Pagefind makes one index per language, and Vigie runs it once per top-level
folder of the pages, or per part of a large one (`search.plan_runs`), over links made in a fixed order
(`search.reading_folder`): the same pages give the same files, byte for byte.
So when every HTML page of a folder is unchanged (the writer kept it as a hard
link to the previous output's same bytes) and the folder holds the same pages,
the files the previous build wrote for that folder's languages are the files a
new run would write. They are taken from the published output instead, and
Pagefind runs only over the folders that changed: an edit of one French article
re-indexes the French pages, not the English ones.

What each folder's run made is kept in the site's cache, beside the output's
state file: the list of its pages (a digest), its languages as Pagefind's entry
file gives them, and every file with a hash of its bytes. Before a folder's
files are taken, each is read from the published output and must have that
hash; anything else (a file removed or edited by hand, another Pagefind,
another version of these rules) means the folder is indexed again.
"""

from __future__ import annotations

import hashlib
import json
import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable, Mapping, Sequence

from generator.core.cache import digest, write_atomically
from generator.core.errors import SiteError
from generator.core.paths import safe_relpath
from generator.output.writer import Written

log = logging.getLogger(__name__)

#: The version of what this module remembers and of how Vigie feeds Pagefind: a change of either makes every
#: folder be indexed again once.
RULES = 2


@dataclass(frozen=True, slots=True)
class FolderIndex:
    """What one Pagefind run over a top-level folder of the site made."""

    pages: str
    """A digest of the paths of the folder's HTML pages."""
    languages: Mapping[str, Any]
    """The languages of the run, as Pagefind's entry file gives them (``{"fr": {"hash": …, …}}``)."""
    files: Mapping[str, str]
    """Each file of the run that belongs to those languages, and of the folder's other parts (its path in the
    search folder) → sha256 of its bytes."""
    parts: Mapping[str, Sequence[str]]
    """The folder's other parts, if it was indexed in parts: language → their folders in the search folder."""


def pages_digest(paths: Iterable[str]) -> str:
    """Return the digest of a folder's list of HTML pages."""
    return digest(*sorted(paths))


def language_files(names: Iterable[str], languages: Mapping[str, Any]) -> list[str]:
    """Return the files of the search folder that belong to ``languages`` (Pagefind names them by language).

    ``index/fr_….pf_index``, ``fragment/fr_….pf_fragment``, ``filter/fr_….pf_filter``,
    ``pagefind.fr_….pf_meta`` and the language's ``wasm.fr.pagefind``; not the
    script, its worker or the entry file, which every run writes.
    """
    prefixes = tuple(f"{lang}_" for lang in languages)
    metas = {f"pagefind.{info.get('hash')}.pf_meta" for info in languages.values() if isinstance(info, dict)}
    wasms = {f"wasm.{info.get('wasm')}.pagefind" for info in languages.values() if isinstance(info, dict)}
    found = []
    for name in names:
        folder, _slash, base = name.rpartition("/")
        if (folder in ("index", "fragment", "filter") and base.startswith(prefixes)) or name in metas or name in wasms:
            found.append(name)
    return found


def file_hashes(folder: Path, names: Iterable[str]) -> dict[str, str]:
    """Return the sha256 of each named file of ``folder``."""
    return {name: hashlib.sha256((folder / name).read_bytes()).hexdigest() for name in names}


class SearchMemory:
    """What the last build of an output indexed, folder by folder (see the module's text)."""

    def __init__(self, path: Path | None, pagefind: str) -> None:
        self.path = path
        """A JSON file in the site's cache; None: nothing is remembered (a build without cache)."""
        self.pagefind = pagefind
        """The version of the Pagefind program: an index made by another one is never taken."""
        self.folders = self._load()

    def _load(self) -> dict[str, FolderIndex]:
        if self.path is None:
            return {}
        try:
            data = json.loads(self.path.read_bytes())
            if data.get("rules") != RULES or data.get("pagefind") != self.pagefind:
                return {}
            return {str(top): FolderIndex(str(item["pages"]), dict(item["languages"]),
                                          {str(name): str(sha) for name, sha in item["files"].items()},
                                          {str(lang): [str(folder) for folder in folders]
                                           for lang, folders in item["parts"].items()})
                    for top, item in data["folders"].items()}
        except (OSError, ValueError, KeyError, TypeError, AttributeError):  # none yet, or damaged: index again
            return {}

    def reusable(self, top: str, pages: Sequence[Written], published: Path) -> FolderIndex | None:
        """Return the last index of folder ``top`` if it is the one a run over ``pages`` would make now.

        ``pages`` are the folder's HTML pages as this build wrote them; ``published``
        is the search folder of the output this build replaces.
        """
        known = self.folders.get(top)
        if known is None or not pages or not all(page.unchanged for page in pages):
            return None
        if pages_digest(page.path for page in pages) != known.pages or not known.files:
            return None
        try:
            if file_hashes(published, map(safe_relpath, known.files)) != dict(known.files):
                return None
        except (OSError, SiteError):
            return None
        return known

    def save(self, folders: Mapping[str, FolderIndex]) -> None:
        """Remember what this build's index holds, folder by folder (after the output was swapped in)."""
        if self.path is None:
            return
        data = {"rules": RULES, "pagefind": self.pagefind,
                "folders": {top: {"pages": item.pages, "languages": dict(item.languages), "files": dict(item.files),
                                  "parts": {lang: list(places) for lang, places in item.parts.items()}}
                            for top, item in sorted(folders.items())}}
        error = write_atomically(self.path, json.dumps(data, ensure_ascii=False, sort_keys=True).encode("utf-8"))
        if error is not None:  # a cache: the next build indexes everything
            log.debug("search memory not written (%s)", error)
