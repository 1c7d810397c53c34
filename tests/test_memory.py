"""A build gives back the memory it is done with before Pagefind runs beside it."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from generator.core.memory import _malloc_trim

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
