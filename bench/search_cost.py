"""What search costs a build: the cold build with and without it, and Pagefind's own run, at one size.

    python3 bench/search_cost.py                  # N = 1000 articles per language, 40 figures, 7 pairs
    python3 bench/search_cost.py --size 250 --runs 3

Makes the corpus with make_corpus.py (as run.py does), draws its cards once
(untimed), then times, in turn, a cold build of the site (search on, the
default) and of a copy whose site.yaml says ``search: false``: each time a
whole child process, output and parse/body caches removed, cards and PDFs
cached, as run.py's row (a). Then Pagefind alone over the built output, as
the build runs it. Medians of wall and CPU time (user + system of the child
and its children, from wait4), the paired differences, the index's size, and
the load average before and after, into bench/SEARCH.md.
"""

from __future__ import annotations

import os
import shutil
import statistics
import subprocess
import sys
from datetime import datetime, timezone
from pathlib import Path

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH))

import make_corpus  # noqa: E402
from run import REPO, Measure, alternate, one_size_parser, report_at_size, rmtree, run_child, sample_lines  # noqa: E402

FACTS = 40


def main() -> None:
    args = one_size_parser(__doc__.splitlines()[0], BENCH / "SEARCH.md").parse_args()
    report_at_size(args, "vigie-search-bench-", measure)


def measure(n: int, runs: int, work: Path, env: dict[str, str]) -> str:
    load_start = os.getloadavg()
    started = datetime.now(timezone.utc)
    on, off = work / "site-on", work / "site-off"
    out_on, out_off = work / "out-on", work / "out-off"
    make_corpus.make_corpus(on, n, FACTS)
    shutil.copytree(on, off)
    with open(off / "site.yaml", "a", encoding="utf-8") as fh:
        fh.write("\nsearch: false\n")

    def build(site: Path, out: Path) -> list[str]:
        return [sys.executable, "-m", "generator", "build", str(site), "-o", str(out), "-q"]

    def reset(site: Path, out: Path):  # type: ignore[no-untyped-def]
        def cold(_: int) -> None:
            rmtree(out)
            for name in ("documents.pickle", "bodies.pickle"):
                (site / ".vigie-cache" / name).unlink(missing_ok=True)
        return cold

    for site, out in ((on, out_on), (off, out_off)):  # the cards, drawn once, untimed
        subprocess.run(build(site, out), env=env, cwd=REPO, capture_output=True, check=True)
    with_search, without = alternate(runs, [(reset(on, out_on), build(on, out_on), "search on"),
                                            (reset(off, out_off), build(off, out_off), "search off")], env)
    subprocess.run(build(on, out_on), env=env, cwd=REPO, capture_output=True, check=True)
    bundle = out_on / "pagefind"
    files = [p for p in bundle.rglob("*") if p.is_file() and not p.name.endswith((".br", ".gz"))]
    size = sum(p.stat().st_size for p in files)
    import pagefind_bin  # the program the build runs

    program = str(pagefind_bin.get_executable())
    alone = Measure()
    for i in range(runs):
        target = work / "pf-alone"
        rmtree(target)
        sample = run_child([program, "--site", str(out_on), "--output-path", str(target), "--silent"], cwd=work)
        alone.samples.append(sample)
        print(f"  pagefind alone run {i + 1}/{runs}: {sample.wall:.3f} s wall, {sample.cpu:.2f} s CPU", flush=True)
    load_end = os.getloadavg()
    pages = sum(1 for _ in out_on.rglob("*.html"))
    wall_diff = [a.wall - b.wall for a, b in zip(with_search.samples, without.samples)]
    cpu_diff = [a.cpu - b.cpu for a, b in zip(with_search.samples, without.samples)]

    def s(value: float | None) -> str:
        return "–" if value is None else f"{value:.2f} s"

    lines = [
        "# What search costs a build",
        "",
        f"Measured {started:%Y-%m-%d %H:%M} UTC by `python3 bench/search_cost.py --size {n} --runs {runs}` "
        f"(see its docstring). N = {n} articles per language, {FACTS} figures: {pages} HTML pages in the output.",
        f"Load average when it started: {', '.join(f'{x:.2f}' for x in load_start)}; at the end: "
        f"{', '.join(f'{x:.2f}' for x in load_end)} (2 cores shared with other work: the wall times are noisy, "
        "the CPU times steadier).",
        "",
        "| | wall (median) | CPU (median) |",
        "| --- | --- | --- |",
        f"| cold build, search on (the default) | {s(with_search.median)} | {s(with_search.cpu)} |",
        f"| cold build, `search: false` | {s(without.median)} | {s(without.cpu)} |",
        f"| difference, run by run (median of the {runs} pairs) | {s(statistics.median(wall_diff))} | "
        f"{s(statistics.median(cpu_diff))} |",
        f"| Pagefind alone over the built output | {s(alone.median)} | {s(alone.cpu)} |",
        "",
        f"Peak memory of the largest process (max of the runs): search on {with_search.peak_mb or 0:.0f} MB, "
        f"off {without.peak_mb or 0:.0f} MB, Pagefind alone {alone.peak_mb or 0:.0f} MB (Pagefind runs after "
        "the page workers have ended, so the two never add up).",
        "",
        f"The index: {len(files)} files, {size / 1024:.0f} KiB (without the .br/.gz copies) in `pagefind/`. "
        "A visitor downloads only when searching: pagefind.js, its worker, the WebAssembly of the page's "
        "language, that language's metadata, and the index chunks and page fragments the words need.",
        "",
        *sample_lines([("on", with_search), ("off", without), ("Pagefind alone", alone)]),
    ]
    return "\n".join(lines)


if __name__ == "__main__":
    main()
