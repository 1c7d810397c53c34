"""What the theme's page templates cost a cold build, beside the floor's one-line page, at one size.

    python3 bench/template_cost.py                  # N = 1000 articles per language, 40 figures, 7 runs each
    python3 bench/template_cost.py --size 250 --runs 3

Makes the corpus with make_corpus.py, with ``compress: false`` and ``search:
false`` (run.py's row (a''')), draws its cards once (untimed), then times in
turn, as whole child processes (output and parse/body caches removed, cards
and PDFs cached):

1. Vigie's cold build as it ships;
2. the same build with every page written from the floor's one-line template
   instead of the site's layouts (an experiment: this script replaces
   `Contexts.render_page` in its own child process, ``--one-line-pages``;
   everything else Vigie does stays: front matter, bodies and their links,
   index pages' data, caches, text files, writing, the worker processes);
3. the floor with 2 processes (floor.py --jobs 2).

The ratios of 1 and 2 to 3, run by run, say how much of the gap to the floor
the page templates make. Medians of wall and CPU time (user + system of the
child and its children, from wait4) and the paired ratios go to
bench/TEMPLATES.md.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH))

FACTS = 40


def main() -> None:
    if sys.argv[1:2] == ["--one-line-pages"] and len(sys.argv) == 4:  # a timed child: nothing of the harness
        one_line_build(Path(sys.argv[2]), Path(sys.argv[3]))
        return
    from run import one_size_parser, report_at_size

    args = one_size_parser(__doc__.splitlines()[0], BENCH / "TEMPLATES.md").parse_args()
    report_at_size(args, "vigie-template-bench-", measure)


def one_line_build(site: Path, out: Path) -> None:
    """Run ``vigie build SITE -o OUT -q`` with each page written from the floor's template (see the docstring)."""
    import jinja2
    from markupsafe import Markup

    import floor
    from generator import cli
    from generator.core.paths import output_path
    from generator.model import OutputFile, Page
    from generator.render.contexts import Contexts, page_origin

    template = jinja2.Environment(autoescape=True).from_string(floor.TEMPLATE)

    def render_page(self: Contexts, page: Page, rec: Any = None) -> OutputFile:
        doc = page.doc
        body = self.bodies.by_rel.get(doc.rel) if doc is not None else None
        html = template.render(lang=page.lang, title=page.title, summary=doc.summary if doc else "",
                               date=doc.date or "" if doc else "", tags=doc.tags if doc else (),
                               body=Markup(body.html if body is not None else ""))
        return OutputFile(path=output_path(page.url), data=html.encode("utf-8"), origin=page_origin(page))

    Contexts.render_page = render_page  # type: ignore[method-assign]
    sys.argv = ["vigie", "build", str(site), "-o", str(out), "-q"]
    cli.run()


def measure(n: int, runs: int, work: Path, env: dict[str, str]) -> str:
    import make_corpus
    from run import REPO, Measure, alternate, rmtree, sample_lines

    load_start = os.getloadavg()
    started = datetime.now(timezone.utc)
    site, out, out_one, out_floor = work / "site", work / "out", work / "out-one-line", work / "floor"
    make_corpus.make_corpus(site, n, FACTS)
    with open(site / "site.yaml", "a", encoding="utf-8") as fh:
        fh.write("\ncompress: false\nsearch: false\n")
    shipped = [sys.executable, "-m", "generator", "build", str(site), "-o", str(out), "-q"]
    one_line = [sys.executable, str(Path(__file__).resolve()), "--one-line-pages", str(site), str(out_one)]
    floor = [sys.executable, str(BENCH / "floor.py"), str(site), "-o", str(out_floor), "--jobs", "2"]

    def cold(target: Path):  # type: ignore[no-untyped-def]
        def reset(_: int) -> None:
            rmtree(target)
            for name in ("documents.pickle", "bodies.pickle"):
                (site / ".vigie-cache" / name).unlink(missing_ok=True)
        return reset

    subprocess.run(shipped, env=env, cwd=REPO, capture_output=True, check=True)  # the cards, drawn once, untimed
    as_shipped, one_lined, floored = alternate(runs, [
        (cold(out), shipped, "vigie cold, as shipped"),
        (cold(out_one), one_line, "vigie cold, one-line pages"),
        (lambda _: rmtree(out_floor), floor, "floor 2 processes")], env)
    for m, label in ((as_shipped, "as shipped"), (one_lined, "one-line pages"), (floored, "floor")):
        if m.status != "ok":
            raise SystemExit(f"template_cost: the {label} build failed: {m.note}")
    load_end = os.getloadavg()
    pages = sum(1 for _ in out.rglob("*.html"))

    def ratios(a: Measure, b: Measure, what: str) -> list[float]:
        return [getattr(x, what) / getattr(y, what) for x, y in zip(a.samples, b.samples)]

    def cell(values: list[float]) -> str:
        return f"{statistics.median(values):.2f}× ({min(values):.2f}–{max(values):.2f})"

    lines = [
        "# What the page templates cost a cold build",
        "",
        f"Measured {started:%Y-%m-%d %H:%M} UTC by `python3 bench/template_cost.py --size {n} --runs {runs}` "
        f"(see its docstring). N = {n} articles per language, {FACTS} figures, `compress: false` and "
        f"`search: false`: {pages} HTML pages.",
        f"Load average when it started: {', '.join(f'{x:.2f}' for x in load_start)}; at the end: "
        f"{', '.join(f'{x:.2f}' for x in load_end)} (the ratios pair runs made one after the other, so a drift "
        "of the machine's speed falls on both).",
        "",
        "| cold build | wall (median) | CPU (median) | wall / floor, run by run: median (range) | "
        "CPU / floor, run by run |",
        "| --- | --- | --- | --- | --- |",
        f"| Vigie as shipped | {as_shipped.median:.2f} s | {as_shipped.cpu:.2f} s | "
        f"{cell(ratios(as_shipped, floored, 'wall'))} | {cell(ratios(as_shipped, floored, 'cpu'))} |",
        f"| Vigie, every page from the floor's one-line template | {one_lined.median:.2f} s | {one_lined.cpu:.2f} s | "
        f"{cell(ratios(one_lined, floored, 'wall'))} | {cell(ratios(one_lined, floored, 'cpu'))} |",
        f"| floor, 2 processes | {floored.median:.2f} s | {floored.cpu:.2f} s | – | – |",
        "",
        *sample_lines([("as shipped", as_shipped), ("one-line pages", one_lined), ("floor", floored)]),
    ]
    return "\n".join(lines)


if __name__ == "__main__":
    main()
