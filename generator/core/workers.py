"""Spread independent render work over the machine's cores with forked processes.

The forked children inherit the renderer through one module variable set just
before the fork (the only module-level state in the package besides a child's
`_RELAY` and the caches of pure results, such as `functools.lru_cache` and the
compiled templates: it lives only for the duration of `map_in_processes`, and is
cleared afterwards).

A forked child writes nothing to the terminal itself: what it logs goes back to
the parent with its results (`relay_logging`, `replay`), and the parent writes
it, counted with the others, one line at a time, between its own lines.
"""

from __future__ import annotations

import functools
import gc
import logging
import multiprocessing
import os
import signal
from typing import Any, Callable, Iterable, Sequence, TypeVar

log = logging.getLogger(__name__)

T = TypeVar("T")
R = TypeVar("R")

#: Below this many items a single process is faster than starting workers.
MIN_ITEMS = 120

#: Items are sent in this many chunks per worker: small enough that no worker idles long at the
#: end (one index page costs as much as a hundred articles), large enough to keep messages few.
CHUNKS_PER_JOB = 12

_SHARED: Any = None

def ignore_interrupts() -> None:
    """In a forked worker: leave Ctrl-C to the parent, which stops its workers itself.

    Otherwise each worker would print its own "Process ForkPoolWorker-2:" and
    traceback under the parent's one-line message.
    """
    signal.signal(signal.SIGINT, signal.SIG_IGN)


class _Relay(logging.Handler):
    """In a forked child: keeps log records for the parent, made picklable as `logging.handlers.QueueHandler` does."""

    def __init__(self) -> None:
        super().__init__()
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        record.msg = record.getMessage()
        record.args = None
        if record.exc_info:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
            record.exc_info = None
        self.records.append(record)

    def take(self) -> list[logging.LogRecord]:
        """Return the records kept so far, and forget them."""
        records, self.records = self.records, []
        return records


_RELAY: _Relay | None = None


def relay_logging() -> _Relay:
    """In a forked child: keep what is logged for the parent instead of writing it (see `replay`).

    The handlers the child inherited write to the parent's terminal (or pytest's
    capture): from the child they would write at any moment between the parent's
    lines, and the parent would not count the warnings.
    """
    global _RELAY
    _RELAY = _Relay()
    logging.getLogger().handlers = [_RELAY]
    return _RELAY


def replay(records: Iterable[logging.LogRecord]) -> None:
    """In the parent: hand records a child logged to the parent's own handlers, in order."""
    for record in records:
        logging.getLogger(record.name).handle(record)


def _start_worker() -> None:
    ignore_interrupts()
    relay_logging()


def _logged(func: Callable[[Sequence[T]], R], chunk: Sequence[T]) -> tuple[R, list[logging.LogRecord]]:
    """In a worker: run ``func`` on a chunk; return its result and what it logged."""
    result = func(chunk)
    return result, _RELAY.take() if _RELAY is not None else []


def available_cores() -> int:
    """Return the cores this process may use."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def shared() -> Any:
    """Return the object the parent shared with its forked workers."""
    return _SHARED


def chunk_bounds(count: int, jobs: int) -> list[tuple[int, int]]:
    """Return (start, end) of each chunk: CHUNKS_PER_JOB per worker, the last two rounds in quarters.

    Workers take the next chunk as they finish one, so they all stop within a
    chunk of each other; smaller chunks at the end make that gap smaller.
    """
    size = max(1, -(-count // (jobs * CHUNKS_PER_JOB)))
    small = max(1, size // 4)
    cut = max(0, count - 2 * jobs * size)
    return ([(start, min(start + size, cut)) for start in range(0, cut, size)]
            + [(start, min(start + small, count)) for start in range(cut, count, small)])


def map_in_processes(func: Callable[[Sequence[T]], R], items: Sequence[T], state: Any,
                     jobs: int | None = None, progress: Callable[[int], None] | None = None,
                     meanwhile: Callable[[], None] | None = None) -> list[R]:
    """Call ``func`` on chunks of ``items``, in forked workers when that wins; results in chunk order.

    ``func`` must be a module-level function reading ``state`` through `shared()`;
    ``progress`` is told how many items each finished chunk held. ``meanwhile``
    is called in this process once the workers have started (after ``func``
    when there are none): work that the workers do not need, done while they run.
    """
    global _SHARED
    jobs = min(jobs or available_cores(), len(items) // (MIN_ITEMS // 2) or 1)
    if jobs <= 1 or len(items) < MIN_ITEMS or "fork" not in multiprocessing.get_all_start_methods():
        _SHARED = state
        try:
            alone = [func(items)]
        finally:
            _SHARED = None
        if progress is not None:
            progress(len(items))
        if meanwhile is not None:
            meanwhile()
        return alone
    chunks = [items[start:end] for start, end in chunk_bounds(len(items), jobs)]
    _SHARED = state
    # What exists now is shared with the workers; frozen, the collector in a worker leaves it alone
    # instead of writing to every object (which copies its memory page into the worker).
    gc.freeze()
    try:
        with multiprocessing.get_context("fork").Pool(jobs, initializer=_start_worker) as pool:
            results: list[R] = []
            done = pool.imap(functools.partial(_logged, func), chunks, chunksize=1)
            if meanwhile is not None:
                meanwhile()
            for chunk, (result, records) in zip(chunks, done):
                replay(records)
                results.append(result)
                if progress is not None:
                    progress(len(chunk))
            return results
    finally:
        gc.unfreeze()
        _SHARED = None
