"""How render work is cut into chunks for the forked workers."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from generator.workers import CHUNKS_PER_JOB, chunk_bounds


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
