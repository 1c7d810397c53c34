"""A pytest plugin for `suite_time.py`: each test's CPU time (user + system, with the processes it started).

Loaded with ``-p suite_cpu_plugin`` (bench/ on PYTHONPATH); writes one JSON file
per test process into ``$VIGIE_SUITE_CPU_DIR``: test id → seconds.
"""

from __future__ import annotations

import json
import os
import resource
from pathlib import Path
from typing import Any, Iterator

import pytest

_SPENT: dict[str, float] = {}


def _cpu() -> float:
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_protocol(item: pytest.Item, nextitem: Any) -> Iterator[None]:
    start = _cpu()
    yield
    _SPENT[item.nodeid] = _SPENT.get(item.nodeid, 0.0) + _cpu() - start


def pytest_sessionfinish(session: pytest.Session) -> None:
    folder = os.environ.get("VIGIE_SUITE_CPU_DIR")
    if not folder or not _SPENT:
        return
    Path(folder).mkdir(parents=True, exist_ok=True)
    name = os.environ.get("PYTEST_XDIST_WORKER", "main")
    (Path(folder) / f"{name}.json").write_text(json.dumps(_SPENT), encoding="utf-8")
