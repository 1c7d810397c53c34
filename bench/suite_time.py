"""How long the test suite takes without its browser tests, and where its time goes.

    python3 bench/suite_time.py                      # 3 runs of this checkout
    python3 bench/suite_time.py --against 174fcf3    # paired with another commit, in turn: A B A B ...
    python3 bench/suite_time.py --runs 1 --out -     # a quick look, printed only

Each run is `python3 -m pytest -q -p no:cacheprovider -m "not browser"` (the test
command of the README without the browser tests, with its default workers), in a
fresh ``--basetemp`` so that no run pays for removing an earlier one's folders.
Wall time is measured around the whole command; CPU time is what the command and
every process below it used (user + system, `run.run_child`). A small pytest plugin
(`suite_cpu_plugin.py`) adds up each test file's CPU, in the test processes and
the processes they start. With ``--against REV``, REV is checked out in a
temporary worktree and its tests run against its own ``generator/``; the ratios
are taken run by run, so a machine that slows down during the runs weighs on both.

Writes a Markdown report (``bench/SUITE.md`` by default).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH))

from run import REPO, rmtree, run_child  # noqa: E402
COMMAND = ["-m", "pytest", "-q", "-p", "no:cacheprovider", "-m", "not browser", "-p", "suite_cpu_plugin"]


@dataclass(frozen=True)
class Run:
    """One run of the suite."""

    wall: float
    cpu: float
    summary: str
    files: dict[str, float]


def run_suite(tree: Path, work: Path) -> Run:
    """Run the suite of ``tree`` once; return its wall and CPU seconds, the test count and each file's CPU."""
    work.mkdir(parents=True)
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(tree), str(BENCH)]),
           "VIGIE_SUITE_CPU_DIR": str(work / "cpu")}
    done = run_child([sys.executable, *COMMAND, f"--basetemp={work / 'tmp'}"], cwd=tree, env=env,
                     stdout_path=work / "stdout.txt")
    printed = (work / "stdout.txt").read_text(encoding="utf-8", errors="replace")
    if done.rc != 0:
        sys.exit(f"the suite of {tree} failed:\n{printed[-3000:]}\n{done.err[-2000:]}")
    summary = next((line for line in reversed(printed.splitlines()) if " in " in line and "passed" in line), "")
    per_file: dict[str, float] = defaultdict(float)
    for found in (work / "cpu").glob("*.json"):
        for nodeid, cpu in json.loads(found.read_text(encoding="utf-8")).items():
            per_file[nodeid.split("::", 1)[0]] += cpu
    rmtree(work)
    return Run(done.wall, done.cpu, summary.strip("= "), dict(per_file))


def revision(tree: Path) -> str:
    return subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=tree, capture_output=True, text=True,
                          check=True).stdout.strip()


def report(runs: dict[str, list[Run]], names: dict[str, str]) -> str:
    """Return the Markdown report of the runs of each tree ("A": this checkout, "B": --against)."""
    lines = ["# Test suite time", "",
             f"Measured by `python3 bench/suite_time.py` on {datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC: "
             f"{os.cpu_count()} cores, Python {platform.python_version()}, load average at the end "
             f"{', '.join(f'{x:.2f}' for x in os.getloadavg())}.", "",
             "`python3 -m pytest -q -p no:cacheprovider -m \"not browser\"`, default workers; wall time of the "
             "whole command, and CPU time (user + system) of it and every process below it.", "",
             "| commit | runs | wall, median (min – max) | CPU, median | tests |", "| --- | --: | --- | --: | --- |"]
    for key, samples in runs.items():
        walls = [sample.wall for sample in samples]
        cpus = [sample.cpu for sample in samples]
        lines.append(f"| {names[key]} | {len(samples)} | {statistics.median(walls):.1f} s ({min(walls):.1f} – "
                     f"{max(walls):.1f}) | {statistics.median(cpus):.1f} s | {samples[-1].summary} |")
    if "B" in runs:
        ratios = [a.wall / b.wall for a, b in zip(runs["A"], runs["B"])]
        cpu_ratios = [a.cpu / b.cpu for a, b in zip(runs["A"], runs["B"])]
        lines += ["", f"{names['A']} / {names['B']}, run by run: wall {', '.join(f'{r:.2f}×' for r in ratios)} "
                      f"(median {statistics.median(ratios):.2f}×); CPU median {statistics.median(cpu_ratios):.2f}×."]
    lines += ["", f"## CPU per test file ({names['A']}, median of the runs)", "", "| file | CPU s |", "| --- | --: |"]
    files: dict[str, list[float]] = defaultdict(list)
    for sample in runs["A"]:
        for name, cpu in sample.files.items():
            files[name].append(cpu)
    for name, cpus in sorted(files.items(), key=lambda item: -statistics.median(item[1])):
        lines.append(f"| `{name}` | {statistics.median(cpus):.1f} |")
    return "\n".join(lines) + "\n"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", 1)[0])
    parser.add_argument("--runs", type=int, default=3, help="runs of each commit (default 3)")
    parser.add_argument("--against", metavar="REV", help="a commit to run in turn with this checkout")
    parser.add_argument("--out", default=str(BENCH / "SUITE.md"), help="the report (- prints it only)")
    args = parser.parse_args()
    trees, names = {"A": REPO}, {"A": f"{revision(REPO)} (this checkout)"}
    work = Path(tempfile.mkdtemp(prefix="vigie-suite-"))
    try:
        if args.against:
            other = work / "other"
            subprocess.run(["git", "worktree", "add", "-q", "--detach", str(other), args.against], cwd=REPO,
                           check=True)
            trees["B"], names["B"] = other, revision(other)
        runs: dict[str, list[Run]] = {key: [] for key in trees}
        for number in range(args.runs):
            for key in sorted(trees, reverse=True):  # the other commit first in each pair
                sample = run_suite(trees[key], work / f"run-{key}-{number}")
                runs[key].append(sample)
                print(f"{names[key]}: run {number + 1}: {sample.wall:.1f} s wall, {sample.cpu:.1f} s CPU; "
                      f"{sample.summary}", file=sys.stderr)
        text = report(runs, names)
    finally:
        if args.against:
            subprocess.run(["git", "worktree", "remove", "--force", str(work / "other")], cwd=REPO,
                           capture_output=True)
        rmtree(work)
    print(text)
    if args.out != "-":
        Path(args.out).write_text(text, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
