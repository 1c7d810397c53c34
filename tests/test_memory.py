"""A build gives back the memory it is done with before Pagefind runs beside it, and holds nothing twice."""

from __future__ import annotations

import gc
import json
import pickle
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from conftest import BUILD_DAY
from generator.build import BuildOptions, build
from generator.core.memory import _malloc_trim
from generator.model import PageKind, Site
from support import make_document

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc/self/status (Linux)")

#: Run in a process of its own: a heap that earlier tests shaped would hide the holes.
_SCENARIO = """
import json, sys
import generator.core.memory as memory
if sys.argv[1] == "collect only":
    memory._malloc_trim = lambda: None

def rss_kb():
    with open("/proc/self/status", encoding="ascii") as status:
        return int(next(line for line in status if line.startswith("VmRSS:")).split()[1])

kept, freed = [], []
for i in range(1500):  # 60 KB each: below glibc's mmap threshold, so in its heap, between small ones that stay
    freed.append(bytes([i % 251]) * 60_000)
    kept.append(bytes([i % 13]) * 2_000)
full = rss_kb()
del freed
before = rss_kb()
memory.give_back_memory()
print(json.dumps({"full": full, "freed": before, "given back": rss_kb(), "kept": len(kept)}))
"""


def _run(mode: str) -> dict[str, int]:
    run = subprocess.run([sys.executable, "-c", _SCENARIO, mode], capture_output=True, text=True, check=True)
    result: dict[str, int] = json.loads(run.stdout)
    return result


def test_glibc_malloc_trim_is_found_here() -> None:
    """The machines Vigie is tested on have glibc: there, the free pages really go back."""
    assert _malloc_trim() is not None


def test_freed_memory_goes_back_to_the_system() -> None:
    """About 90 MB freed between small strings that stay: freeing alone keeps the holes, the trim returns them."""
    trimmed = _run("trim")
    assert trimmed["kept"] == 1500
    assert trimmed["full"] - trimmed["given back"] > 60_000, trimmed
    assert trimmed["freed"] - trimmed["given back"] > 30_000, trimmed  # the trim's part, not the free's
    untrimmed = _run("collect only")
    assert untrimmed["freed"] - untrimmed["given back"] < 10_000, untrimmed  # what the trim is there for


def test_a_cached_document_keeps_one_copy_of_its_body() -> None:
    """The documents' cache pickles every document; a body that is not all ASCII must not be held twice after."""
    doc = make_document(body="Les signalements ont augmenté : " + "é" * 20_000 + "\n", tags=["été"])
    size = sys.getsizeof(doc.body)
    data = pickle.dumps({"doc": doc}, protocol=pickle.HIGHEST_PROTOCOL)  # as `Store.save` pickles it
    assert sys.getsizeof(doc.body) == size  # CPython would keep the UTF-8 it made inside the string
    assert pickle.loads(data)["doc"] == doc


def test_the_command_line_build_lets_the_site_model_go_before_the_search_index(
        site_src: Path, tmp_path: Path) -> None:
    """What the summary and the weights need is taken first; the model is let go before Pagefind runs beside."""
    import generator.output.search as search

    seen: list[tuple[int, dict[str, int]]] = []  # the model's identity and its pages per language, not the model
    held: list[bool] = []
    index = search.index_staging

    def spy(*args: Any, **kwargs: Any) -> Any:
        gc.collect()
        held.append(any(id(thing) == seen[0][0] and isinstance(thing, Site) for thing in gc.get_objects()))
        return index(*args, **kwargs)

    def take(site: Site) -> None:
        seen.append((id(site), {code: sum(1 for page in site.pages if page.lang == code and page.kind not in (
            PageKind.CHOOSER, PageKind.NOT_FOUND)) for code in site.config.codes}))

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(search, "index_staging", spy)
        result = build(BuildOptions(root=site_src, out=tmp_path / "out", today=BUILD_DAY, keep_site=False,
                                    on_site=take))
    assert result.site is None and result.rendered is None
    assert len(seen) == 1 and held == [False]
    assert result.languages == seen[0][1] and result.languages["fr"] > 5
    assert {weight.kind for weight in result.weights} >= {PageKind.HOME, PageKind.ARTICLE}


@pytest.mark.parametrize("pages_needed, given_back", [(1, True), (10_000, False)])
def test_memory_is_given_back_before_the_search_index_only_for_a_site_with_many_pages(
        site_src: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, pages_needed: int, given_back: bool) -> None:
    """Below `GIVE_BACK_PAGES` there are only a few megabytes to give back, and a full collection costs more."""
    import generator.build as building
    import generator.output.search as search

    order: list[str] = []
    index = search.index_staging
    monkeypatch.setattr(building, "GIVE_BACK_PAGES", pages_needed)
    monkeypatch.setattr(building, "give_back_memory", lambda: order.append("given back"))
    monkeypatch.setattr(search, "index_staging", lambda *args: order.append("indexed") or index(*args))
    build(BuildOptions(root=site_src, out=tmp_path / "out", today=BUILD_DAY, keep_site=False))
    assert order == (["given back", "indexed"] if given_back else ["indexed"])
