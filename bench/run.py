#!/usr/bin/env python3
"""Vigie's benchmark: build synthetic sites of N articles per language and time them.

    python3 bench/run.py                      # N = 250, 1000, 4000
    python3 bench/run.py --sizes 250,1000     # quicker
    python3 bench/run.py --sizes 4000 --merge # add a size to the last results
    python3 bench/run.py --sizes 1000 --sandbox-only  # only the template sandbox's cost, kept with the rest

Every figure is the median over repeated runs of a whole child process, timed with
time.perf_counter around fork → os.wait4 (whose rusage also gives CPU time and the
peak resident memory). See bench/README.md for what each row means. Prints a
Markdown table and writes bench/RESULTS.md (and the raw samples to
bench/results.json).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
import uuid
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone
from importlib import metadata
from pathlib import Path
from typing import Callable

BENCH = Path(__file__).resolve().parent
REPO = BENCH.parent
sys.path.insert(0, str(BENCH))

import make_corpus  # noqa: E402  (bench/make_corpus.py)

FACTS = 40
SERVE_EDITS = 10
POLL_S = 0.005

TARGET_N = 1000
"""The size the issue's targets are set for ("for N = 1000 articles per language"); other sizes are shown
without a verdict, but for the growth from N = 1000 to N = 4000."""
TARGETS = {
    "cold_vs_floor2": 1.2,
    "nochange_abs_s": 1.0,
    "edit_reload_ms": 50.0,
    "title_reload_ms": 150.0,
    "fact_reload_ms": 150.0,
    "peak_rss_mb": 250.0,
    "peak_rss_4000_mb": 500.0,  # the memory target at N = 4000
    "scale_4000_vs_1000": 4.5,
    "sandbox_cost": 1.05,
}
SANDBOX_VARIABLE = "VIGIE_TEMPLATE_SANDBOX"
"""Set to 0 in a build's environment, Vigie renders templates outside Jinja's sandbox (on by default)."""
SANDBOX_PAIRS = 9
"""Pairs of cold builds (sandboxed, not) for the sandbox's cost when --runs does not say."""


# --------------------------------------------------------------------------- running children


@dataclass
class Sample:
    wall: float
    cpu: float
    maxrss_kb: int
    rc: int
    err: str = ""


def run_child(cmd: list[str], cwd: Path = REPO, env: dict[str, str] | None = None,
              stdout_path: Path | None = None) -> Sample:
    """Run one whole child process; return wall time, CPU time, peak RSS and exit status."""
    with tempfile.TemporaryFile() as err, \
            (open(stdout_path, "wb") if stdout_path else open(os.devnull, "wb")) as out:
        start = time.perf_counter()
        proc = subprocess.Popen(cmd, cwd=cwd, env=env, stdout=out, stderr=err, stdin=subprocess.DEVNULL)
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - start
        proc.returncode = os.waitstatus_to_exitcode(status)
        err.seek(0)
        text = err.read().decode("utf-8", "replace")
    # On Linux, wait4's ru_maxrss is the largest of the child and its waited-for descendants (KiB).
    return Sample(wall=wall, cpu=usage.ru_utime + usage.ru_stime, maxrss_kb=usage.ru_maxrss,
                  rc=proc.returncode, err=text.strip()[-3000:])


def child_env() -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(REPO), env.get("PYTHONPATH", "")) if p)
    env.pop("SOURCE_DATE_EPOCH", None)
    return env


def compile_bytecode() -> None:
    """Compile the generator package's bytecode, as `pip install` does for an installed copy.

    Python caches bytecode on first import, unless PYTHONDONTWRITEBYTECODE is
    set (some sandboxes and containers set it): then every run of this
    checkout would compile its 8,000 lines again (about 0.15 s), which the
    installed libraries it is compared with (PyYAML, markdown-it-py, Jinja2,
    Pelican) never do. compileall writes the cache whatever that variable says.
    """
    subprocess.run([sys.executable, "-m", "compileall", "-q", str(REPO / "generator")], check=True,
                   stdout=subprocess.DEVNULL)


def rmtree(path: Path) -> None:
    shutil.rmtree(path, ignore_errors=True)


@dataclass
class Measure:
    """The samples of one row at one size."""

    samples: list[Sample] = field(default_factory=list)
    status: str = "ok"
    """ok, failed, skipped, not installed, not available."""
    note: str = ""

    def fail(self, status: str, note: str) -> "Measure":
        self.status, self.note = status, note
        return self

    @property
    def median(self) -> float | None:
        return statistics.median(s.wall for s in self.samples) if self.status == "ok" and self.samples else None

    @property
    def cpu(self) -> float | None:
        return statistics.median(s.cpu for s in self.samples) if self.status == "ok" and self.samples else None

    @property
    def peak_mb(self) -> float | None:
        return max(s.maxrss_kb for s in self.samples) / 1024 if self.status == "ok" and self.samples else None


def repeat(runs: int, before, cmd: list[str], label: str, env: dict[str, str], **kw) -> Measure:  # type: ignore[no-untyped-def]
    """Run ``before(i)`` then time ``cmd`` ``runs`` times; stop at the first failure."""
    m = Measure()
    for i in range(runs):
        if before is not None:
            before(i)
        s = run_child(cmd, env=env, **kw)
        if s.rc != 0:
            print(f"  {label}: FAILED (exit {s.rc})\n{indent(s.err)}", flush=True)
            return m.fail("failed", f"exit {s.rc}: {last_lines(s.err)}")
        m.samples.append(s)
        print(f"  {label} run {i + 1}/{runs}: {s.wall:.3f} s wall, {s.cpu:.2f} s CPU, "
              f"{s.maxrss_kb / 1024:.0f} MB peak", flush=True)
    return m


def one_size_parser(description: str, report: Path) -> argparse.ArgumentParser:
    """Return the options of a script measuring one size: --size, --runs, --work, --report."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--size", type=int, default=1000)
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--work", type=Path, default=None)
    parser.add_argument("--report", type=Path, default=report)
    return parser


def report_at_size(args: argparse.Namespace, prefix: str,
                   measure: Callable[[int, int, Path, dict[str, str]], str]) -> None:
    """Run ``measure(size, runs, work, env)`` in a work folder (temporary unless --work); write and print its report."""
    compile_bytecode()
    env = child_env()
    work = args.work or Path(tempfile.mkdtemp(prefix=prefix))
    try:
        report = measure(args.size, args.runs, work, env)
    finally:
        if args.work is None:
            shutil.rmtree(work, ignore_errors=True)
    args.report.write_text(report, encoding="utf-8")
    print(report)


def sample_lines(rows: list[tuple[str, Measure]]) -> list[str]:
    """Return the end of a report: every sample of each row, as wall/CPU seconds."""
    return ["Samples (seconds, wall/CPU):", "",
            *(f"- {label}: " + ", ".join(f"{x.wall:.2f}/{x.cpu:.2f}" for x in m.samples) for label, m in rows), ""]


def alternate(runs: int, plans: list[tuple[object, list[str], str]], env: dict[str, str]) -> list[Measure]:
    """Time several commands in turn, A B A B …, ``runs`` times each: a drift in the machine's speed
    then falls on both alike, and sample i of each is a pair. ``plans`` holds (before, cmd, label)."""
    measures = [Measure() for _ in plans]
    for i in range(runs):
        for (before, cmd, label), m in zip(plans, measures):
            if m.status != "ok":
                continue
            if before is not None:
                before(i)  # type: ignore[operator]
            s = run_child(cmd, env=env)
            if s.rc != 0:
                print(f"  {label}: FAILED (exit {s.rc})\n{indent(s.err)}", flush=True)
                m.fail("failed", f"exit {s.rc}: {last_lines(s.err)}")
                continue
            m.samples.append(s)
            print(f"  {label} run {i + 1}/{runs}: {s.wall:.3f} s wall, {s.cpu:.2f} s CPU, "
                  f"{s.maxrss_kb / 1024:.0f} MB peak", flush=True)
    return measures


def indent(text: str) -> str:
    return "\n".join("    | " + line for line in text.splitlines()[-25:])


def last_lines(text: str, n: int = 6) -> str:
    lines = [line for line in text.splitlines() if line.strip()]
    return " / ".join(lines[-n:]) if lines else "(no message)"


# --------------------------------------------------------------------------- peak memory of a process tree


def _field_kb(path: str, name: str) -> int | None:
    try:
        with open(path, encoding="ascii", errors="replace") as fh:
            for line in fh:
                if line.startswith(name):
                    return int(line.split()[1])
    except (OSError, ValueError, IndexError):
        pass
    return None


def tree_memory_kb(root_pid: int) -> int:
    """Memory of a process and all its descendants: the sum of their PSS (VmRSS where PSS is unreadable).

    PSS counts a page shared by k processes as 1/k in each, so forked workers that share
    the parent's pages are not counted twice (a sum of RSS would be).
    """
    parents: dict[int, int] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            ppid = _field_kb(f"/proc/{entry}/status", "PPid:")
            if ppid is not None:
                parents[int(entry)] = ppid
    total, todo, seen = 0, [root_pid], set()
    while todo:
        pid = todo.pop()
        if pid in seen:
            continue
        seen.add(pid)
        pss = _field_kb(f"/proc/{pid}/smaps_rollup", "Pss:")
        total += pss if pss is not None else (_field_kb(f"/proc/{pid}/status", "VmRSS:") or 0)
        todo.extend(child for child, parent in parents.items() if parent == pid)
    return total


def sampled_tree_peak_mb(cmd: list[str], env: dict[str, str], every: float = 0.02) -> tuple[float, int]:
    """Run cmd once, sampling the whole process tree's memory (PSS); return (peak MB, exit status)."""
    proc = subprocess.Popen(cmd, cwd=REPO, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    peak = 0
    while proc.poll() is None:
        peak = max(peak, tree_memory_kb(proc.pid))
        time.sleep(every)
    return peak / 1024, proc.returncode


# --------------------------------------------------------------------------- other generators


SHORTCODE_RE = re.compile(r"^\{\{<\s*fact\s+(\S+)\s*>\}\}\s*$", re.MULTILINE)


def load_facts(site: Path) -> dict[str, dict]:
    import yaml

    return {p.stem: yaml.safe_load(p.read_text(encoding="utf-8"))
            for p in sorted((site / "content" / "facts").glob("*.yaml"))}


def fact_text(facts: dict[str, dict], fact_id: str, lang: str) -> str:
    fact = facts.get(fact_id) or {}
    label = (fact.get("label") or {}).get(lang, fact_id)
    publisher = (fact.get("source") or {}).get("publisher", "")
    return f"**{fact.get('value', '')}** {label} ({publisher})"


def split_front(text: str) -> tuple[str, str]:
    end = text.find("\n---\n", 3)
    return text[4:end + 1], text[end + 5:]


def articles(site: Path) -> list[tuple[str, Path]]:
    return [(p.parent.parent.name, p) for p in sorted((site / "content").glob("*/articles/*.md"))]


HUGO_CONFIG = """\
baseURL = "https://bench.example.org/"
defaultContentLanguage = "fr"
defaultContentLanguageInSubdir = true
enableRobotsTXT = true
[permalinks]
  articles = "/articles/:slug/"
[languages]
  [languages.fr]
    contentDir = "content/fr"
    languageName = "Français"
    title = "Vigie – site de banc d'essai"
    weight = 1
  [languages.en]
    contentDir = "content/en"
    languageName = "English"
    title = "Vigie – benchmark site"
    weight = 2
"""
HUGO_SINGLE = """<!doctype html>
<html lang="{{ .Lang }}"><head><meta charset="utf-8"><title>{{ .Title }} – {{ .Site.Title }}</title>
<meta name="description" content="{{ .Params.summary }}">
{{ range .Translations }}<link rel="alternate" hreflang="{{ .Lang }}" href="{{ .Permalink }}">{{ end }}
</head><body><main><h1>{{ .Title }}</h1>
<p><time datetime="{{ .Date.Format "2006-01-02" }}">{{ .Date.Format "2 January 2006" }}</time>
{{ range .Params.tags }} · <a href="{{ "tags/" | relLangURL }}{{ . | urlize }}/">{{ . }}</a>{{ end }}</p>
{{ .Content }}</main></body></html>
"""
HUGO_LIST = """<!doctype html>
<html lang="{{ .Lang }}"><head><meta charset="utf-8"><title>{{ .Title }} – {{ .Site.Title }}</title></head>
<body><main><h1>{{ .Title }}</h1><ul>
{{ range .Pages }}<li><a href="{{ .RelPermalink }}">{{ .Title }}</a> {{ .Date.Format "2006-01-02" }}</li>{{ end }}
</ul></main></body></html>
"""


def make_hugo_site(site: Path, dest: Path) -> None:
    """The corpus as a Hugo site: same front matter and bodies, figure embeds as plain text."""
    rmtree(dest)
    facts = load_facts(site)
    for lang, path in articles(site):
        text = path.read_text(encoding="utf-8")
        text = SHORTCODE_RE.sub(lambda m, lang=lang: fact_text(facts, m.group(1), lang), text)
        target = dest / "content" / lang / "articles" / path.name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")
    (dest / "config.toml").write_text(HUGO_CONFIG, encoding="utf-8")
    layouts = dest / "layouts" / "_default"
    layouts.mkdir(parents=True)
    (layouts / "single.html").write_text(HUGO_SINGLE, encoding="utf-8")
    (layouts / "list.html").write_text(HUGO_LIST, encoding="utf-8")


PELICAN_CONF = """\
SITENAME = "Vigie – benchmark"
SITEURL = ""
PATH = "content"
ARTICLE_PATHS = ["fr", "en"]
PAGE_PATHS = []
STATIC_PATHS = []
TIMEZONE = "Europe/Paris"
DEFAULT_LANG = "fr"
ARTICLE_TRANSLATION_ID = "tkey"
ARTICLE_URL = ARTICLE_LANG_URL = "{lang}/articles/{slug}/"
ARTICLE_SAVE_AS = ARTICLE_LANG_SAVE_AS = "{lang}/articles/{slug}/index.html"
DEFAULT_PAGINATION = 20
CACHE_CONTENT = False
LOAD_CONTENT_CACHE = False
DELETE_OUTPUT_DIRECTORY = False
"""


def make_pelican_site(site: Path, dest: Path) -> None:
    """The corpus as a Pelican site (Markdown metadata header, translations by 'tkey')."""
    import yaml

    rmtree(dest)
    facts = load_facts(site)
    for lang, path in articles(site):
        front, body = split_front(path.read_text(encoding="utf-8"))
        meta = yaml.safe_load(front)
        body = SHORTCODE_RE.sub(lambda m, lang=lang: fact_text(facts, m.group(1), lang), body)
        header = [f"Title: {meta['title']}", f"Date: {meta['date']}", f"Slug: {meta['slug']}",
                  f"Lang: {lang}", f"Tags: {', '.join(meta.get('tags') or [])}", f"Summary: {meta['summary']}",
                  f"Tkey: {path.stem}"]
        target = dest / "content" / lang / path.name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text("\n".join(header) + "\n\n" + body, encoding="utf-8")
    (dest / "pelicanconf.py").write_text(PELICAN_CONF, encoding="utf-8")


def hugo_version() -> str | None:
    if shutil.which("hugo") is None:
        return None
    try:
        return subprocess.run(["hugo", "version"], capture_output=True, text=True, timeout=30).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return None


def pelican_version() -> str | None:
    try:
        version = metadata.version("pelican")
        metadata.version("markdown")  # Pelican reads .md only with Python-Markdown installed
        return version
    except metadata.PackageNotFoundError:
        return None


# --------------------------------------------------------------------------- vigie serve


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def fetch_bytes(url: str, timeout: float = 2) -> bytes | None:
    try:
        with urllib.request.urlopen(url, timeout=timeout) as resp:
            return resp.read()
    except (urllib.error.URLError, OSError, ValueError):
        return None


def fetch(url: str) -> str | None:
    data = fetch_bytes(url)
    return data.decode("utf-8", "replace") if data is not None else None


SERVE_KINDS = ("serve", "serve_title", "serve_fact", "serve_template", "serve_sheet_fact", "serve_sheet_pdf")
"""The edits timed under `vigie serve`: a sentence added to an article's body, its title, a figure's label,
a template used by two pages (the tag indexes); then the label of the figure the corpus's fact sheet
features (`make_corpus.SHEET_FACT`), timed to the figure's page and to the fact sheet's PDF."""


def serve_latency(site: Path, article: Path, slug: str, env: dict[str, str], work: Path,
                  startup_timeout: float) -> dict[str, Measure]:
    """Edit-to-reload latency under `vigie serve` for each kind of edit: change a file, poll the page that shows it.

    A site override of ``layouts/tags.html`` is made before the server starts, so that the template edits
    change a template the site already has (the first override of a template is another kind of change).
    """
    found = {kind: Measure() for kind in SERVE_KINDS}
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    log = work / "serve.log"
    fact = site / "content" / "facts" / "fact-000.yaml"
    sheet_fact = site / "content" / "facts" / f"{make_corpus.SHEET_FACT}.yaml"
    template = site / "layouts" / "tags.html"
    originals = {article: article.read_bytes(), fact: fact.read_bytes(), sheet_fact: sheet_fact.read_bytes()}
    template.parent.mkdir(parents=True, exist_ok=True)
    template.write_bytes((REPO / "layouts" / "tags.html").read_bytes())

    def body(marker: str) -> None:
        with open(article, "a", encoding="utf-8") as fh:
            fh.write(f"\n{marker}\n")

    def title(marker: str) -> None:
        text = originals[article].decode("utf-8")
        article.write_text(re.sub(r"^title: .*$", f'title: "Titre {marker}"', text, count=1, flags=re.M),
                           encoding="utf-8")

    def labeller(path: Path) -> Callable[[str], None]:
        def label(marker: str) -> None:
            text = originals[path].decode("utf-8")
            path.write_text(re.sub(r'^  fr: .*$', f'  fr: "signalements {marker}"', text, count=1, flags=re.M),
                            encoding="utf-8")
        return label

    layout_text = template.read_text(encoding="utf-8")

    def layout(marker: str) -> None:  # inside the block the page shows (what follows the blocks is not rendered)
        template.write_text(layout_text.replace("{% block main %}\n", f"{{% block main %}}\n<!-- {marker} -->\n", 1),
                            encoding="utf-8")

    def shows(marker: str, data: bytes, before: bytes | None) -> bool:
        return marker.encode() in data

    def differs(marker: str, data: bytes, before: bytes | None) -> bool:  # a PDF's text is compressed
        return data != before

    sheet_pdf = "/fr/ressources/{0}/{0}.pdf".format(make_corpus.SHEET["fr"][1])
    edits = {"serve": (body, f"/fr/articles/{slug}/", shows), "serve_title": (title, f"/fr/articles/{slug}/", shows),
             "serve_fact": (labeller(fact), "/fr/chiffres/fact-000/", shows),
             "serve_template": (layout, "/fr/themes/", shows),
             "serve_sheet_fact": (labeller(sheet_fact), f"/fr/chiffres/{make_corpus.SHEET_FACT}/", shows),
             "serve_sheet_pdf": (labeller(sheet_fact), sheet_pdf, differs)}
    with open(log, "wb") as out:
        proc = subprocess.Popen([sys.executable, "-m", "generator", "serve", str(site), "--port", str(port)],
                                cwd=REPO, env=env, stdout=out, stderr=subprocess.STDOUT,
                                stdin=subprocess.DEVNULL, start_new_session=True)
    try:
        start = time.perf_counter()
        while True:
            if proc.poll() is not None:
                text = log.read_text(encoding="utf-8", errors="replace")
                why = f"`vigie serve` exited with {proc.returncode}: {last_lines(text, 3)}"
                return {kind: Measure().fail("not available", why) for kind in SERVE_KINDS}
            if fetch(base + edits["serve"][1]) is not None:
                break
            if time.perf_counter() - start > startup_timeout:
                why = f"{base} did not answer within {startup_timeout:.0f} s"
                return {kind: Measure().fail("not available", why) for kind in SERVE_KINDS}
            time.sleep(0.1)
        print(f"  serve: up after {time.perf_counter() - start:.1f} s", flush=True)
        time.sleep(1.0)  # let the watcher settle after the first build
        for kind, (edit, path, seen) in edits.items():
            m = found[kind]
            for i in range(SERVE_EDITS):
                marker = f"bench-marker-{i}-{uuid.uuid4().hex[:12]}"
                before = fetch_bytes(base + path, timeout=60)
                edit(marker)
                t0 = time.perf_counter()
                while True:
                    page = fetch_bytes(base + path, timeout=60)  # a file still being made is answered when made
                    elapsed = time.perf_counter() - t0
                    if page is not None and seen(marker, page, before):
                        break
                    if elapsed > 60 or proc.poll() is not None:
                        why = "the server stopped" if proc.poll() is not None else "not seen within 60 s"
                        found[kind] = m.fail("failed", f"edit {i + 1}: {why}")
                        break
                    time.sleep(POLL_S)
                if m.status != "ok":
                    break
                m.samples.append(Sample(wall=elapsed, cpu=0.0, maxrss_kb=0, rc=0))
                print(f"  {kind} edit {i + 1}/{SERVE_EDITS}: {elapsed * 1000:.0f} ms", flush=True)
                time.sleep(0.5)
        return found
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGTERM)
            try:
                proc.wait(10)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()
        for path, data in originals.items():
            path.write_bytes(data)
        template.unlink(missing_ok=True)
        if not any(template.parent.iterdir()):
            template.parent.rmdir()


# --------------------------------------------------------------------------- one size


ROWS = [
    ("cold", "(a) vigie cold build (no output, no parse or body cache; cards and PDFs cached)"),
    ("cold_plain", "(a') the same with `compress: false` (no .br and .gz copies)"),
    ("cold_nosearch", "(a'') the same with `search: false` (no Pagefind index), compressed copies kept"),
    ("cold_core", "(a''') the same with both off (`compress: false`, `search: false`): the work the floor's "
                  "definition covers"),
    ("nochange", "(b) vigie rebuild, nothing changed"),
    ("edit", "(c) vigie rebuild after editing one article"),
    ("floor1", "(d) floor, 1 process"),
    ("floor2", "(e) floor, 2 processes"),
    ("hugo", "(f) Hugo, cold"),
    ("pelican", "(g) Pelican, cold"),
    ("serve", "(h) vigie serve: body edit → reloaded page"),
    ("serve_title", "(i) vigie serve: title edit → reloaded page"),
    ("serve_fact", "(j) vigie serve: figure edit → reloaded figure page"),
    ("serve_template", "(k) vigie serve: edit of a template two pages use → reloaded page"),
    ("serve_sheet_fact", "(l) vigie serve: edit of the figure a fact sheet features → reloaded figure page"),
    ("serve_sheet_pdf", "(m) the same edit → the fact sheet's PDF served anew"),
]


def variant(site: Path, copy: Path, setting: str, env: dict[str, str]) -> tuple[Path, list[str], Callable[[int], None]]:
    """Copy the corpus to ``copy`` with one more line in its site.yaml; build it once, untimed (its caches);
    return the copy, its cold build command and what to do before each cold run."""
    out = copy.with_name(copy.name + "-out")
    rmtree(copy)
    shutil.copytree(site, copy, ignore=shutil.ignore_patterns("public"))
    with open(copy / "site.yaml", "a", encoding="utf-8") as fh:
        fh.write(f"\n{setting}\n")
    command = [sys.executable, "-m", "generator", "build", str(copy), "-o", str(out), "-q"]

    def reset(_: int) -> None:
        rmtree(out)
        for name in ("documents.pickle", "bodies.pickle"):
            (copy / ".vigie-cache" / name).unlink(missing_ok=True)

    subprocess.run(command, env=env, cwd=REPO, capture_output=True)
    return copy, command, reset


def bench_size(n: int, runs: int, work: Path, args: argparse.Namespace, env: dict[str, str]) -> dict:
    site, out = work / f"site-{n}", work / f"out-{n}"
    print(f"\n== N = {n} articles per language, {FACTS} facts, {runs} runs ==", flush=True)
    load_start = os.getloadavg()[0]
    counts = make_corpus.make_corpus(site, n, FACTS)
    results: dict[str, Measure] = {}
    vigie = [sys.executable, "-m", "generator", "build", str(site), "-o", str(out), "-q"]

    def cold_reset(_: int) -> None:
        # The targets keep cards and PDFs cached: drop the output and the parse and body caches only.
        rmtree(out)
        for name in ("documents.pickle", "bodies.pickle"):
            (site / ".vigie-cache" / name).unlink(missing_ok=True)

    floor_out = work / f"floor-{n}"
    floor = [sys.executable, str(BENCH / "floor.py"), str(site), "-o", str(floor_out)]
    rmtree(site / ".vigie-cache")
    subprocess.run(vigie, env=env, cwd=REPO, capture_output=True)  # draws the cards once, untimed
    # Two things the default build does that the floor's definition predates, each left out in a copy of
    # the corpus with its own caches: the compressed copies (issue 16) and the search index (issue 15).
    plain, vigie_plain, plain_reset = variant(site, work / f"site-{n}-plain", "compress: false", env)
    unindexed, vigie_unindexed, unindexed_reset = variant(site, work / f"site-{n}-nosearch", "search: false", env)
    core, vigie_core, core_reset = variant(site, work / f"site-{n}-core", "compress: false\nsearch: false", env)
    # The headline ratio: the cold build and the 2-process floor in turn, so each run has its pair.
    results["cold"], results["floor2"], results["cold_plain"], results["cold_nosearch"], results["cold_core"] = alternate(
        runs, [(cold_reset, vigie, "vigie cold"),
               (lambda _: rmtree(floor_out), floor + ["--jobs", "2"], "floor 2 processes"),
               (plain_reset, vigie_plain, "vigie cold, compress: false"),
               (unindexed_reset, vigie_unindexed, "vigie cold, search: false"),
               (core_reset, vigie_core, "vigie cold, compress and search off")], env)
    # The whole tree's memory without the search index: what Vigie's own processes take.
    unindexed_reset(0)
    tree_peak_nosearch, _ = sampled_tree_peak_mb(vigie_unindexed, env)
    for copy in (plain, unindexed, core):
        rmtree(copy)
        rmtree(copy.with_name(copy.name + "-out"))
    report_line = ""
    tree_peak = None
    if results["cold"].status == "ok":
        # One more cold build, not timed, for the summary line and the whole tree's RSS.
        cold_reset(0)
        tree_peak, _ = sampled_tree_peak_mb(vigie, env)
        cold_reset(0)
        stdout = work / "vigie-stdout.txt"
        run_child(vigie[:-1], env=env, stdout_path=stdout)
        report_line = stdout.read_text(encoding="utf-8", errors="replace").strip()
        results["nochange"] = repeat(runs, None, vigie, "vigie no change", env)
        first_name = make_corpus.file_name(0)
        article = site / "content" / "fr" / "articles" / first_name
        original = article.read_bytes()

        def edit(i: int) -> None:
            with open(article, "a", encoding="utf-8") as fh:
                fh.write(f"\nPhrase ajoutée par le banc d'essai, passage {i + 1}.\n")

        results["edit"] = repeat(runs, edit, vigie, "vigie one edit", env)
        article.write_bytes(original)
    else:
        for key in ("nochange", "edit"):
            results[key] = Measure().fail("skipped", "the cold build failed")

    results["floor1"] = repeat(runs, lambda _: rmtree(floor_out), floor, "floor 1 process", env)

    if args.hugo is None:
        results["hugo"] = Measure().fail("not installed", "`hugo` is not on PATH")
    else:
        hsite, hout = work / f"hugo-{n}", work / f"hugo-out-{n}"
        make_hugo_site(site, hsite)

        def hugo_reset(_: int) -> None:
            rmtree(hout)
            rmtree(hsite / "resources")

        results["hugo"] = repeat(runs, hugo_reset, ["hugo", "--source", str(hsite), "--destination", str(hout),
                                                     "--quiet"], "hugo cold", env)
    if args.pelican is None:
        results["pelican"] = Measure().fail("not installed", "Pelican (with Python-Markdown) is not importable")
    elif args.no_pelican:
        results["pelican"] = Measure().fail("skipped", "--no-pelican")
    else:
        psite, pout = work / f"pelican-{n}", work / f"pelican-out-{n}"
        make_pelican_site(site, psite)
        results["pelican"] = repeat(
            runs, lambda _: rmtree(pout),
            [sys.executable, "-m", "pelican", str(psite / "content"), "-s", str(psite / "pelicanconf.py"),
             "-o", str(pout), "-q"], "pelican cold", env)

    if args.no_serve:
        results.update({kind: Measure().fail("skipped", "--no-serve") for kind in SERVE_KINDS})
    else:
        first = site / "content" / "fr" / "articles" / make_corpus.file_name(0)
        front, _ = split_front(first.read_text(encoding="utf-8"))
        slug = re.search(r"^slug: (\S+)$", front, re.MULTILINE).group(1)  # type: ignore[union-attr]
        rmtree(site / "public")
        results.update(serve_latency(site, first, slug, env, work, startup_timeout=60 + n * 0.15))
        rmtree(site / "public")

    return {
        "n": n, "facts": FACTS, "runs": runs, "corpus": counts,
        "paired": ["cold", "floor2", "cold_plain", "cold_nosearch", "cold_core"],
        "load": [load_start, os.getloadavg()[0]],
        "vigie_report": report_line, "tree_peak_mb": tree_peak, "tree_peak_nosearch_mb": tree_peak_nosearch,
        "rows": {key: {"status": m.status, "note": m.note, "median_s": m.median, "cpu_s": m.cpu,
                       "peak_mb": m.peak_mb, "samples": [asdict(s) | {"err": ""} for s in m.samples]}
                 for key, m in results.items()},
    }


# --------------------------------------------------------------------------- template sandbox


def bench_sandbox(n: int, pairs: int, work: Path, env: dict[str, str]) -> dict:
    """The cost of Jinja's sandbox on a cold build: pairs of cold builds, templates sandboxed (the default)
    and not (VIGIE_TEMPLATE_SANDBOX=0), one right after the other, their order swapped every pair."""
    site, out = work / f"site-{n}", work / f"out-sandbox-{n}"
    print(f"\n== template sandbox, N = {n}, {pairs} pairs of cold builds ==", flush=True)
    load_start = os.getloadavg()[0]
    if not (site / "site.yaml").is_file():
        make_corpus.make_corpus(site, n, FACTS)
    vigie = [sys.executable, "-m", "generator", "build", str(site), "-o", str(out), "-q"]
    plain_env = dict(env, **{SANDBOX_VARIABLE: "0"})
    sandboxed_env = {k: v for k, v in env.items() if k != SANDBOX_VARIABLE}
    subprocess.run(vigie, env=env, cwd=REPO, capture_output=True)  # draws the cards once, untimed
    runs: dict[str, list[Sample]] = {"sandboxed": [], "plain": []}
    for i in range(pairs):
        order = ("sandboxed", "plain") if i % 2 == 0 else ("plain", "sandboxed")
        for which in order:
            rmtree(out)
            for name in ("documents.pickle", "bodies.pickle"):
                (site / ".vigie-cache" / name).unlink(missing_ok=True)
            sample = run_child(vigie, env=sandboxed_env if which == "sandboxed" else plain_env)
            if sample.rc != 0:
                print(f"  {which}: FAILED (exit {sample.rc})\n{indent(sample.err)}", flush=True)
                return {"n": n, "status": "failed", "note": f"exit {sample.rc}: {last_lines(sample.err)}"}
            runs[which].append(sample)
        a, b = runs["sandboxed"][-1], runs["plain"][-1]
        print(f"  pair {i + 1}/{pairs}: sandboxed {a.wall:.3f} s (CPU {a.cpu:.2f}), not {b.wall:.3f} s "
              f"(CPU {b.cpu:.2f}): {a.wall / b.wall:.3f}×", flush=True)
    rmtree(out)
    load_end = os.getloadavg()[0]
    proc = subprocess.run([sys.executable, str(BENCH / "_probe.py"), "templates", str(site)], cwd=REPO, env=env,
                          capture_output=True, text=True, timeout=1800)
    templates = (json.loads(proc.stdout.strip().splitlines()[-1]) if proc.returncode == 0 else
                 {"available": False, "why": f"probe failed (exit {proc.returncode}): {last_lines(proc.stderr, 4)}"})
    print(f"  templates alone: {json.dumps(templates)}", flush=True)
    return {"n": n, "status": "ok", "pairs": pairs, "load": [load_start, load_end], "templates": templates,
            "measured": datetime.now(timezone.utc).astimezone().strftime("%Y-%m-%d %H:%M %Z"),
            "vigie_commit": machine()["vigie_commit"],
            **{which: [asdict(x) | {"err": ""} for x in samples] for which, samples in runs.items()}}


def median_interval(values: list[float], resamples: int = 4000) -> tuple[float, float]:
    """Return a 95 % bootstrap interval of the median of ``values`` (fixed seed: same data, same interval)."""
    import random

    rng = random.Random(0)
    medians = sorted(statistics.median(rng.choices(values, k=len(values))) for _ in range(resamples))
    return medians[int(0.025 * resamples)], medians[int(0.975 * resamples) - 1]


def sandbox_lines(found: list[dict]) -> list[str]:
    """The report's section on the template sandbox."""
    lines = ["## Template sandbox", "",
             "Cold builds (as in row (a)) with the templates in Jinja's `SandboxedEnvironment`, Vigie's default, "
             f"and outside it (`{SANDBOX_VARIABLE}=0`), run one right after the other, their order swapped every "
             "pair. The cost is the median of the pair-by-pair ratios; the sandbox stays the default while it is "
             f"below {(TARGETS['sandbox_cost'] - 1) * 100:.0f} % of the cold build.", ""]
    if not found:
        return lines + ["Not measured (--no-sandbox-cost).", ""]
    lines += ["| N | pairs | sandboxed (median) | not sandboxed (median) | cost: paired wall ratio, median "
              "(95 % interval of the median; min – max) | paired CPU ratio, median | load average | measured |",
              "| --- | --- | --- | --- | --- | --- | --- | --- |"]
    for item in found:
        if item.get("status") != "ok":
            lines.append(f"| {item['n']} | – | {item.get('status')}: {item.get('note', '')} | | | | | |")
            continue
        a, b = item["sandboxed"], item["plain"]
        walls = [x["wall"] / y["wall"] for x, y in zip(a, b)]
        cpus = [x["cpu"] / y["cpu"] for x, y in zip(a, b) if y["cpu"]]
        cost, (low, high) = statistics.median(walls), median_interval(walls)
        limit = TARGETS["sandbox_cost"]
        judged = "meets" if high < limit else "misses" if low >= limit else "not resolved by this noise"
        lines.append(
            f"| {item['n']} | {item['pairs']} | {fmt_s(statistics.median(x['wall'] for x in a))} "
            f"(CPU {statistics.median(x['cpu'] for x in a):.1f} s) | {fmt_s(statistics.median(x['wall'] for x in b))} "
            f"(CPU {statistics.median(x['cpu'] for x in b):.1f} s) | {cost:.3f}× ({low:.2f} – {high:.2f}; "
            f"{min(walls):.2f} – {max(walls):.2f}): {judged} (< {limit}×) | "
            f"{statistics.median(cpus):.3f}× | {item['load'][0]:.1f} → {item['load'][1]:.1f} | "
            f"{item['measured']}, {item['vigie_commit']} |")
    lines.append("")
    for item in found:
        tpl = item.get("templates") or {}
        if item.get("status") != "ok":
            continue
        if not tpl.get("available"):
            lines.append(f"- N = {item['n']}, templates alone: not measured ({tpl.get('why', 'no probe')})")
            continue
        extra = tpl["sandboxed_cpu_s"] - tpl["plain_cpu_s"]
        cold_cpu = statistics.median(x["cpu"] for x in item["sandboxed"])
        lines.append(
            f"- N = {item['n']}, templates alone (every one of the {tpl['pages']} pages rendered from its templates "
            f"in one process, bodies ready, median of {tpl['rounds']} rounds in turn): {tpl['sandboxed_cpu_s']:.3f} s "
            f"CPU sandboxed, {tpl['plain_cpu_s']:.3f} s not: the sandbox adds {extra:.3f} s of CPU, "
            f"{extra / cold_cpu * 100:.1f} % of the cold build's CPU time ({cold_cpu:.1f} s). CPU time moves much "
            "less with the machine's load than the wall-time ratios above.")
    lines += ["", "Samples (seconds, sandboxed / not, pair by pair):", ""]
    for item in found:
        if item.get("status") == "ok":
            lines.append(f"- N = {item['n']}: " + ", ".join(
                f"{x['wall']:.3f}/{y['wall']:.3f}" for x, y in zip(item["sandboxed"], item["plain"])))
    return lines + [""]


# --------------------------------------------------------------------------- probes (cards)


def probes(work: Path, env: dict[str, str]) -> dict:
    """Card micro-benchmark and drawn-card counts, on a small corpus with the same figures."""
    site, out = work / "site-probe", work / "out-probe"
    make_corpus.make_corpus(site, 10, FACTS)
    rmtree(site / ".vigie-cache")
    report: dict = {}

    def probe(*argv: str) -> dict:
        proc = subprocess.run([sys.executable, str(BENCH / "_probe.py"), *argv], cwd=REPO, env=env,
                              capture_output=True, text=True, timeout=1800)
        if proc.returncode != 0:
            return {"available": False, "why": f"probe failed (exit {proc.returncode}): {last_lines(proc.stderr, 4)}"}
        return json.loads(proc.stdout.strip().splitlines()[-1])

    print("\n== cards ==", flush=True)
    report["cold"] = probe("count", str(site), str(out))
    # A new output folder, so the warm build renders for real instead of finding its output up to date.
    report["warm"] = (probe("count", str(site), str(out) + "-warm") if report["cold"].get("available")
                      else report["cold"])
    report["micro"] = probe("cards", str(site))
    print("\n== fact sheets (the shipped campaign) ==", flush=True)
    report["pdf"] = probe("pdf", str(REPO), str(work / "pdf"))
    print(f"  {json.dumps(report)}", flush=True)
    return report


# --------------------------------------------------------------------------- report


def machine() -> dict:
    def read(path: str) -> str:
        try:
            return Path(path).read_text(encoding="utf-8", errors="replace")
        except OSError:
            return ""

    cpu = re.search(r"^model name\s*:\s*(.+)$", read("/proc/cpuinfo"), re.MULTILINE)
    mem = re.search(r"^MemTotal:\s*(\d+) kB", read("/proc/meminfo"), re.MULTILINE)

    def version(name: str) -> str:
        try:
            return metadata.version(name)
        except metadata.PackageNotFoundError:
            return "not installed"

    def git(*argv: str) -> str:
        try:
            return subprocess.run(["git", *argv], cwd=REPO, capture_output=True, text=True, timeout=30).stdout.strip()
        except (OSError, subprocess.SubprocessError):
            return ""

    dirty = git("status", "--porcelain", "--untracked-files=no", "--", "generator", "layouts", "assets")
    return {
        "nproc": os.cpu_count(),
        "cpu": cpu.group(1).strip() if cpu else platform.processor() or "unknown",
        "ram_gb": round(int(mem.group(1)) / 1024 / 1024, 1) if mem else None,
        "os": platform.platform(),
        "python": platform.python_version(),
        "packages": {name: version(name) for name in
                     ("markdown-it-py", "mdit-py-plugins", "Jinja2", "PyYAML", "Pillow", "Babel", "pelican",
                      "Markdown")},
        "hugo": hugo_version() or "not installed",
        "vigie_commit": git("rev-parse", "--short", "HEAD") + (" + uncommitted changes in generator/, layouts/ "
                                                              "or assets/" if dirty else ""),
        "loadavg_start": os.getloadavg(),
    }


def fmt_s(value: float | None) -> str:
    if value is None:
        return "–"
    return f"{value * 1000:.0f} ms" if value < 1 else f"{value:.2f} s"


MISSING = {"status": "not measured", "note": "", "median_s": None, "cpu_s": None, "peak_mb": None, "samples": []}
"""A row that results.json lacks (measured before the row existed)."""


def cell(row: dict, key: str) -> str:
    if row["status"] != "ok":
        return row["status"]
    if key.startswith("serve"):
        return f"{row['median_s'] * 1000:.0f} ms"
    return f"{fmt_s(row['median_s'])} (CPU {row['cpu_s']:.1f} s)"


def ratio(a: float | None, b: float | None) -> float | None:
    return a / b if a is not None and b else None


def paired_ratio(size: dict, a: str, b: str) -> float | None:
    """Return the median of sample-by-sample ratios a/b when the two rows were run in turn (else None)."""
    if not {a, b} <= set(size.get("paired", [])):
        return None
    ra, rb = size["rows"][a], size["rows"][b]
    if ra["status"] != "ok" or rb["status"] != "ok":
        return None
    pairs = [x["wall"] / y["wall"] for x, y in zip(ra["samples"], rb["samples"]) if y["wall"]]
    return statistics.median(pairs) if pairs else None


def verdict(value: float | None, target: float) -> str:
    if value is None:
        return "not measured"
    return "**meets**" if value <= target else "**misses**"


def render_report(info: dict, sizes: list[dict], cards: dict | None, started: str, elapsed: float,
                  sandbox: list[dict] | None = None) -> str:
    for size in sizes:  # a size measured before a row existed (kept with --merge) shows it as not measured
        for key, _label in ROWS:
            size["rows"].setdefault(key, {"status": "not measured", "note": "not in that run", "median_s": None,
                                          "cpu_s": None, "peak_mb": None, "samples": []})
    ns = [s["n"] for s in sizes]
    when = "; ".join(f"N = {s['n']} on {s.get('started', '(date not recorded)')}, Vigie commit {s.get('commit', '?')}"
                     for s in sizes)
    lines = ["# Vigie benchmark results", "",
             f"Measured by `python3 bench/run.py` ({elapsed / 60:.1f} min in all): {when}. "
             "Rerun it to refresh this file (see bench/README.md).", "",
             "## Machine", "",
             f"- {info['nproc']} cores: {info['cpu']}; RAM {info['ram_gb']} GB; {info['os']}",
             f"- Python {info['python']}; " + ", ".join(f"{k} {v}" for k, v in info["packages"].items()),
             f"- {info['hugo']}",
             f"- Vigie commit of the last run: {info['vigie_commit']}",
             f"- load average when the run started: {', '.join(f'{x:.2f}' for x in info['loadavg_start'])} "
             f"(at the end: {', '.join(f'{x:.2f}' for x in info.get('loadavg_end', ()))})",
             ""]
    def stretch(s: dict) -> float:
        """Wall / CPU time of the single-process floor: about 1.0 when nothing else competes for the CPU."""
        row = s["rows"]["floor1"]
        return row["median_s"] / row["cpu_s"] if row["status"] == "ok" and row["cpu_s"] else 1.0

    busy = [s for s in sizes if stretch(s) > 1.25]
    if busy:
        lines += [f"**Warning: the machine was busy while N = {', '.join(str(s['n']) for s in busy)} was measured**: "
                  "the single-process floor took " + ", ".join(f"{stretch(s):.1f}×" for s in busy)
                  + " its CPU time in wall time (1-minute load average "
                  + ", ".join(f"{s['load'][0]:.1f} → {s['load'][1]:.1f}" for s in busy)
                  + f" on {info['nproc']} cores, from other work on this machine). Wall times are inflated and "
                  "noisy; the CPU times beside them are the steadier figure. Rerun on an idle machine for "
                  "figures to compare with the targets.", ""]
    runs = ", ".join(f"{s['runs']} for N={s['n']}" for s in sizes)
    lines += ["## Times", "",
              f"Median wall time of a whole child process over repeated runs ({runs}; edit → reload: "
              f"{SERVE_EDITS} edits), with its median CPU time (user + system, all its processes). "
              f"N = articles per language (2 N Markdown files), {FACTS} facts.", "",
              "| | " + " | ".join(f"N = {n}" for n in ns) + " |",
              "| --- |" + " --- |" * len(ns)]
    for key, label in ROWS:
        lines.append(f"| {label} | " + " | ".join(cell(s["rows"].get(key, MISSING), key) for s in sizes) + " |")
    lines.append("| peak RSS of the vigie cold build (largest process, max of the runs) | " + " | ".join(
        f"{s['rows']['cold']['peak_mb']:.0f} MB" if s["rows"]["cold"]["peak_mb"] else "–" for s in sizes) + " |")
    lines.append("| peak memory of the vigie cold build (all its processes together: PSS sum, sampled) | " + " | ".join(
        f"{s['tree_peak_mb']:.0f} MB" if s.get("tree_peak_mb") else "–" for s in sizes) + " |")
    lines.append("| the same with `search: false` (Vigie's own processes, no Pagefind) | " + " | ".join(
        f"{s['tree_peak_nosearch_mb']:.0f} MB" if s.get("tree_peak_nosearch_mb") else "–" for s in sizes) + " |")
    lines.append("")
    notes = [(s["n"], label, s["rows"][key]["note"]) for s in sizes for key, label in ROWS
             if key in s["rows"] and s["rows"][key]["status"] != "ok" and s["rows"][key]["note"]]
    if notes:
        lines += ["Not measured:", ""]
        seen = set()
        for n, label, note in notes:
            if (label, note) in seen:
                continue
            seen.add((label, note))
            lines.append(f"- {label}, N = {n}: {note}")
        lines.append("")
    reports = [f"- N = {s['n']}: `{s['vigie_report']}`" for s in sizes if s.get("vigie_report")]
    if reports:
        lines += ["What the cold build said:", "", *reports, ""]

    # Ratios and targets.
    lines += ["## Ratios and targets", "",
              "| | " + " | ".join(f"N = {n}" for n in ns) + " | target |",
              "| --- |" + " --- |" * (len(ns) + 1)]

    def row(label: str, values: list[str], target: str) -> None:
        lines.append(f"| {label} | " + " | ".join(values) + f" | {target} |")

    def med(s: dict, key: str) -> float | None:
        return s["rows"][key]["median_s"]

    def show(value: float | None, target: float | None = None, unit: str = "×") -> str:
        if value is None:
            return "–"
        text = f"{value:.2f}{unit}" if unit == "×" else f"{value:.0f}{unit}"
        return f"{text} ({verdict(value, target).strip('*')})" if target is not None else text

    def at(s: dict, key: str) -> float | None:
        """Return the target to judge a figure by: the issue sets its targets for N = 1000 only."""
        return TARGETS[key] if s["n"] == TARGET_N else None

    row("vigie cold / floor 2 processes, run by run (median of the paired ratios)",
        [show(paired_ratio(s, "cold", "floor2"), at(s, "cold_vs_floor2")) for s in sizes],
        f"≤ {TARGETS['cold_vs_floor2']}×")
    row("vigie cold with `compress: false` / floor 2 processes, run by run (the floor writes no copies either)",
        [show(paired_ratio(s, "cold_plain", "floor2"), at(s, "cold_vs_floor2")) for s in sizes],
        f"≤ {TARGETS['cold_vs_floor2']}×")
    row("the .br and .gz copies: vigie cold / vigie cold with `compress: false`, run by run",
        [show(paired_ratio(s, "cold", "cold_plain")) for s in sizes], "–")
    row("vigie cold with `search: false` / floor 2 processes, run by run (the floor makes no index either)",
        [show(paired_ratio(s, "cold_nosearch", "floor2"), at(s, "cold_vs_floor2")) for s in sizes],
        f"≤ {TARGETS['cold_vs_floor2']}×")
    row("the search index: vigie cold / vigie cold with `search: false`, run by run",
        [show(paired_ratio(s, "cold", "cold_nosearch")) for s in sizes], "–")
    row("vigie cold with both off / floor 2 processes, run by run (the same work as the floor's definition)",
        [show(paired_ratio(s, "cold_core", "floor2"), at(s, "cold_vs_floor2")) for s in sizes],
        f"≤ {TARGETS['cold_vs_floor2']}×")
    row("vigie cold / floor 2 processes (ratio of the medians)",
        [show(ratio(med(s, "cold"), med(s, "floor2"))) for s in sizes], "–")
    row("vigie cold / floor 1 process", [show(ratio(med(s, "cold"), med(s, "floor1"))) for s in sizes], "–")

    def cpu(s: dict, key: str) -> float | None:
        return s["rows"][key]["cpu_s"] if s["rows"][key]["status"] == "ok" else None

    row("CPU time: vigie cold / floor (1 process)", [show(ratio(cpu(s, "cold"), cpu(s, "floor1"))) for s in sizes],
        "– (steadier than wall on a busy machine; ≤ 1.2× the 2-process floor's wall means about ≤ 0.6× here "
        "if the work splits evenly over 2 cores)")
    row("vigie no-change rebuild / Hugo cold",
        [show(ratio(med(s, "nochange"), med(s, "hugo")), 1.0 if s["n"] == TARGET_N else None) for s in sizes], "< 1× (faster than Hugo)")
    row("vigie no-change rebuild, absolute",
        [(fmt_s(med(s, "nochange")) + (f" ({verdict(med(s, 'nochange'), TARGETS['nochange_abs_s']).strip('*')})"
                                        if s["n"] == TARGET_N else "")
          if med(s, "nochange") is not None else "–") for s in sizes], "aim < 1 s")
    row("vigie one-article edit rebuild (CLI)", [fmt_s(med(s, "edit")) for s in sizes], "–")
    for key, what, target in (("serve", "body edit", "edit_reload_ms"), ("serve_title", "title edit", "title_reload_ms"),
                              ("serve_fact", "figure edit", "fact_reload_ms"),
                              ("serve_template", "edit of a template two pages use", None),
                              ("serve_sheet_fact", "edit of the figure a fact sheet features", "fact_reload_ms")):
        row(f"{what} → reloaded page under `vigie serve`",
            [show(med(s, key) * 1000 if s["rows"].get(key) and med(s, key) is not None else None,
                  at(s, target) if target else None, " ms") for s in sizes],
            f"< {TARGETS[target]:.0f} ms" if target else "about what rendering those pages costs")
    def memory_target(s: dict) -> float | None:
        return TARGETS["peak_rss_4000_mb"] if s["n"] == 4000 else at(s, "peak_rss_mb")

    peak = [max(filter(None, (s["rows"]["cold"]["peak_mb"], s.get("tree_peak_mb"))), default=None) for s in sizes]
    memory = f"< {TARGETS['peak_rss_mb']:.0f} MB (N = 4000: < {TARGETS['peak_rss_4000_mb']:.0f} MB)"
    row("peak memory of the cold build", [show(p, memory_target(s), " MB") for p, s in zip(peak, sizes)], memory)
    row("peak memory of the cold build with `search: false` (Vigie's own processes: PSS sum)",
        [show(s.get("tree_peak_nosearch_mb"), memory_target(s), " MB") for s in sizes], memory)
    by_n = {s["n"]: s for s in sizes}
    scale = ratio(med(by_n[4000], "cold"), med(by_n[1000], "cold")) if 4000 in by_n and 1000 in by_n else None
    lines += ["", "- vigie cold N=4000 / N=1000: "
              + (f"{scale:.2f}× ({verdict(scale, TARGETS['scale_4000_vs_1000']).strip('*')}; target ≤ "
                 f"{TARGETS['scale_4000_vs_1000']}×)" if scale is not None
                 else f"not measured (needs both sizes; target ≤ {TARGETS['scale_4000_vs_1000']}×)"), ""]
    lines += ["Targets (from the issue, for N = 1000; the other sizes are shown for the trend): cold build within 1.2× the two-process floor; rebuild with nothing "
              "changed faster than Hugo's cold build (aim < 1 s); one-article edit to reloaded page < 150 ms; "
              "peak memory < 250 MB; N=4000 within 4.5× of N=1000.", ""]

    lines += sandbox_lines(sandbox or [])

    # Cards.
    lines += ["## Cards", ""]
    if cards is None:
        lines += ["Not measured (--no-cards).", ""]
    else:
        micro = cards.get("micro", {})
        if micro.get("available"):
            lines.append(f"- drawing one card pair ({', '.join(f'{k} {v[0]}×{v[1]}' for k, v in micro['sizes'].items())}) "
                         f"with `generator.media.cards.render_card`: median {micro['median_pair_s'] * 1000:.0f} ms "
                         f"(best {micro['min_pair_s'] * 1000:.0f} ms, {micro['samples']} pairs; specs: {micro['specs']})")
        else:
            lines.append(f"- card micro-benchmark skipped: {micro.get('why', 'not available')}")
        cold, warm = cards.get("cold", {}), cards.get("warm", {})
        if cold.get("available") and warm.get("available"):
            ok = "zero, as it should" if warm["cards_drawn"] == 0 else "**not zero: the cache missed**"
            lines.append(f"- cards drawn by a build ({FACTS} facts × 2 languages × 2 sizes), read from "
                         f"`{cold['from']}`: cold cache {cold['cards_drawn']} ({cold['seconds']:.1f} s), "
                         f"warm cache {warm['cards_drawn']} ({warm['seconds']:.1f} s): {ok}")
        else:
            lines.append(f"- drawn-card count skipped: {cold.get('why') or warm.get('why') or 'not available'}")
        lines.append("")
        pdf = cards.get("pdf", {})
        lines += ["## Fact sheets", ""]
        if pdf.get("available"):
            ok = "zero, as it should" if pdf["warm_pdfs_rendered"] == 0 else "**not zero: the cache missed**"
            lines += [f"- rendering one fact sheet of the shipped campaign (A4, PDF/UA) with an empty cache: median "
                      f"{pdf['median_sheet_s'] * 1000:.0f} ms per sheet ({pdf['sheets']} sheets × {pdf['samples']} runs)",
                      f"- PDFs rendered by a rebuild with warm caches (output folder removed first): "
                      f"{pdf['warm_pdfs_rendered']}: {ok}", ""]
        else:
            lines += [f"- skipped: {pdf.get('why', 'not available')}", ""]

    # All samples.
    lines += ["## All samples (seconds)", ""]
    for s in sizes:
        parts = []
        for key, label in ROWS:
            samples = s["rows"].get(key, {}).get("samples")
            if samples:
                parts.append(f"{key} " + ", ".join(f"{x['wall']:.3f}" for x in samples))
        lines.append(f"- N = {s['n']}: " + "; ".join(parts))
    lines.append("")
    return "\n".join(lines)


def print_table(sizes: list[dict]) -> None:
    ns = [s["n"] for s in sizes]
    print("\n| | " + " | ".join(f"N = {n}" for n in ns) + " |")
    print("| --- |" + " --- |" * len(ns))
    for key, label in ROWS:
        print(f"| {label} | " + " | ".join(cell(s["rows"].get(key, MISSING), key) for s in sizes) + " |")
    print("| peak RSS, vigie cold | " + " | ".join(
        f"{s['rows']['cold']['peak_mb']:.0f} MB" if s["rows"]["cold"]["peak_mb"] else "–" for s in sizes) + " |")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="250,1000,4000", help="articles per language, comma-separated")
    parser.add_argument("--runs", type=int, help="runs per measurement (default 5 for N ≤ 1000, else 3)")
    parser.add_argument("--work", type=Path, help="keep the corpora and outputs here (default: a temp dir)")
    parser.add_argument("--no-serve", action="store_true", help="skip the `vigie serve` latency")
    parser.add_argument("--no-pelican", action="store_true", help="skip Pelican even when installed")
    parser.add_argument("--no-cards", action="store_true", help="skip the card micro-benchmark")
    parser.add_argument("--no-sandbox-cost", action="store_true",
                        help="skip the cold builds with and without the template sandbox")
    parser.add_argument("--sandbox-only", action="store_true",
                        help="measure only the template sandbox's cost at --sizes; keep every other figure "
                             "of the results.json beside --results")
    parser.add_argument("--merge", action="store_true",
                        help="keep the sizes of bench/results.json that this run does not measure")
    parser.add_argument("--results", type=Path, default=BENCH / "RESULTS.md")
    parser.add_argument("--report-only", action="store_true",
                        help="measure nothing: rewrite RESULTS.md from the results.json beside it")
    args = parser.parse_args(argv)
    if args.report_only:
        raw = json.loads((args.results.parent / "results.json").read_text(encoding="utf-8"))
        args.results.write_text(render_report(raw["machine"], raw["sizes"], raw["cards"], raw["started"],
                                              raw["elapsed_s"], raw.get("sandbox")), encoding="utf-8")
        print_table(raw["sizes"])
        print(f"\nwrote {args.results}")
        return 0
    sizes = [int(x) for x in args.sizes.split(",") if x.strip()]
    if args.sandbox_only:
        return sandbox_only(args, sizes)
    args.hugo = shutil.which("hugo")
    args.pelican = pelican_version()
    env = child_env()
    compile_bytecode()
    started = datetime.now(timezone.utc).astimezone().strftime("%Y-%m-%d %H:%M %Z")
    t0 = time.perf_counter()
    info = machine()
    print(f"machine: {info['nproc']} × {info['cpu']}, Python {info['python']}, vigie {info['vigie_commit']}")
    print(f"hugo: {info['hugo']}; pelican: {args.pelican or 'not installed'}")

    work_ctx = tempfile.TemporaryDirectory(prefix="vigie-bench-") if args.work is None else None
    work = Path(work_ctx.name) if work_ctx else args.work
    work.mkdir(parents=True, exist_ok=True)
    try:
        measured = []
        for n in sizes:
            runs = args.runs or (5 if n <= 1000 else 3)
            measured.append(bench_size(n, runs, work, args, env))
        sandbox = [] if args.no_sandbox_cost else [bench_sandbox(n, args.runs or SANDBOX_PAIRS, work, env)
                                                   for n in sizes]
        cards = None if args.no_cards else probes(work, env)
    finally:
        if work_ctx:
            work_ctx.cleanup()
    info["loadavg_end"] = os.getloadavg()

    raw_path = args.results.parent / "results.json"
    previous: dict = {}
    if args.merge and raw_path.exists():
        previous = json.loads(raw_path.read_text(encoding="utf-8"))
    for size in measured:  # each size says when and on which commit it was measured (--merge keeps others)
        size["started"], size["commit"] = started, info["vigie_commit"]
    kept = [s for s in previous.get("sizes", []) if s["n"] not in sizes]
    all_sizes = sorted(kept + measured, key=lambda s: s["n"])
    if cards is None and previous.get("cards"):
        cards = previous["cards"]
    sandbox = merge_sandbox(previous.get("sandbox") if args.merge else None, sandbox)
    elapsed = time.perf_counter() - t0
    if kept:
        elapsed += previous.get("elapsed_s", 0)
    raw_path.parent.mkdir(parents=True, exist_ok=True)
    raw_path.write_text(json.dumps({"started": started, "elapsed_s": elapsed, "machine": info,
                                    "sizes": all_sizes, "cards": cards, "sandbox": sandbox}, indent=1,
                                   default=str) + "\n", encoding="utf-8")
    text = render_report(info, all_sizes, cards, started, elapsed, sandbox)
    args.results.write_text(text, encoding="utf-8")
    print_table(all_sizes)
    print(f"\nwrote {args.results} and {raw_path} in {elapsed / 60:.1f} min")
    return 0


def merge_sandbox(previous: list[dict] | None, measured: list[dict]) -> list[dict]:
    """Return the sandbox figures measured now, with the earlier ones of other sizes."""
    sizes = {item["n"] for item in measured}
    return sorted([*(item for item in previous or [] if item["n"] not in sizes), *measured], key=lambda x: x["n"])


def sandbox_only(args: argparse.Namespace, sizes: list[int]) -> int:
    """Measure the template sandbox's cost at ``sizes`` and put it beside the last full results."""
    raw_path = args.results.parent / "results.json"
    if not raw_path.exists():
        print(f"--sandbox-only adds to {raw_path}, which does not exist: run the whole benchmark first",
              file=sys.stderr)
        return 2
    raw = json.loads(raw_path.read_text(encoding="utf-8"))
    env = child_env()
    compile_bytecode()
    work_ctx = tempfile.TemporaryDirectory(prefix="vigie-bench-") if args.work is None else None
    work = Path(work_ctx.name) if work_ctx else args.work
    work.mkdir(parents=True, exist_ok=True)
    try:
        measured = [bench_sandbox(n, args.runs or SANDBOX_PAIRS, work, env) for n in sizes]
    finally:
        if work_ctx:
            work_ctx.cleanup()
    raw["sandbox"] = merge_sandbox(raw.get("sandbox"), measured)
    raw_path.write_text(json.dumps(raw, indent=1, default=str) + "\n", encoding="utf-8")
    args.results.write_text(render_report(raw["machine"], raw["sizes"], raw["cards"], raw["started"],
                                          raw["elapsed_s"], raw["sandbox"]), encoding="utf-8")
    print("\n".join(sandbox_lines(raw["sandbox"])))
    print(f"wrote {args.results} and {raw_path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
