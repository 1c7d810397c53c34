"""How render work is cut into chunks for the forked workers."""

from __future__ import annotations

import logging
import os
import signal
from typing import Sequence

import pytest
from hypothesis import given
from hypothesis import strategies as st

from generator.core.workers import CHUNKS_PER_JOB, chunk_bounds


@given(count=st.integers(min_value=0, max_value=20_000), jobs=st.integers(min_value=1, max_value=16))
def test_chunks_take_every_item_once_in_order_and_shrink_at_the_end(count: int, jobs: int) -> None:
    bounds = chunk_bounds(count, jobs)
    assert [i for start, end in bounds for i in range(start, end)] == list(range(count))
    size = max(1, -(-count // (jobs * CHUNKS_PER_JOB)))
    assert all(0 < end - start <= size for start, end in bounds)
    tail = max(0, count - 2 * jobs * size)  # the last two rounds: quarter chunks
    assert all(end - start <= max(1, size // 4) for start, end in bounds if start >= tail)


def test_two_workers_on_two_thousand_pages_end_on_quarter_chunks() -> None:
    sizes = [end - start for start, end in chunk_bounds(2108, 2)]
    assert sizes[:3] == [88, 88, 88] and sizes[-4:] == [22, 22, 22, 22]
    assert sum(1 for size in sizes if size == 22) == 2 * 2 * 4  # two rounds of two workers, each in quarters


def _interrupt_handlers(items: Sequence[int]) -> list[bool]:
    return [signal.getsignal(signal.SIGINT) is signal.SIG_IGN for _ in items]


def test_workers_leave_ctrl_c_to_the_parent(monkeypatch: pytest.MonkeyPatch) -> None:
    # Ctrl-C reaches every process of the terminal's group; only the parent should answer it (one message,
    # no traceback per worker). The parent's own handler is untouched.
    from generator.core import workers

    monkeypatch.setattr(workers, "available_cores", lambda: 2)
    chunks = workers.map_in_processes(_interrupt_handlers, list(range(workers.MIN_ITEMS)), state=None)
    assert len(chunks) > 1 and all(all(chunk) for chunk in chunks)
    assert signal.getsignal(signal.SIGINT) is not signal.SIG_IGN


def _log_each_item(items: Sequence[int]) -> list[int]:
    log = logging.getLogger("generator.test")
    for item in items:
        log.warning("item %d", item)
    log.debug("not shown: below the level")
    return [os.getpid()]


def test_what_workers_log_is_written_by_the_parent_in_order(monkeypatch: pytest.MonkeyPatch,
                                                            caplog: pytest.LogCaptureFixture) -> None:
    """A worker's records come back with its results: the parent writes and counts them, between its own lines."""
    from generator.core import workers

    monkeypatch.setattr(workers, "available_cores", lambda: 2)
    items = list(range(2 * workers.MIN_ITEMS))
    with caplog.at_level(logging.WARNING):
        pids = workers.map_in_processes(_log_each_item, items, state=None)
    assert os.getpid() not in {pid for chunk in pids for pid in chunk}  # the items were logged in workers
    records = [r for r in caplog.records if r.name == "generator.test"]
    assert [r.getMessage() for r in records] == [f"item {i}" for i in items]
    assert {r.process for r in records} != {os.getpid()}
    assert all(r.args is None for r in records)  # made picklable on the way


def test_what_the_body_helper_logs_comes_back_to_the_parent(monkeypatch: pytest.MonkeyPatch,
                                                            caplog: pytest.LogCaptureFixture) -> None:
    from generator.render import prerender

    def fail(md: object, source: object) -> None:
        raise RuntimeError("no body today")

    monkeypatch.setattr(prerender, "MIN_ITEMS", 1)
    monkeypatch.setattr(prerender, "available_cores", lambda: 2)
    monkeypatch.setattr(prerender, "draft_ahead", fail)  # the forked helper inherits it
    with caplog.at_level(logging.DEBUG, logger="generator.render.prerender"):
        with prerender.BodiesAhead.start([object()], allow_html=False) as ahead:  # type: ignore[list-item]
            assert ahead.finish(complete=True) == {}
    [record] = [r for r in caplog.records if r.name == "generator.render.prerender"]
    assert record.getMessage() == "drafting ahead stopped: no body today" and record.process != os.getpid()
