#!/usr/bin/env python3
"""Lighthouse on the shipped campaign: scores, bytes on the wire and layout shift for each kind of page.

    npm ci --prefix bench/lighthouse          # once: the pinned Lighthouse 12.2.3
    python3 bench/lighthouse.py               # build, serve, measure, write bench/LIGHTHOUSE.md and .json
    python3 bench/lighthouse.py --report-only # rewrite LIGHTHOUSE.md from lighthouse.json

The repository root is the campaign site: it is built with `python3 -m generator build . -o OUT`, OUT is served
from 127.0.0.1 by a small static server that sends the build's precompressed .br/.gz copies (Content-Encoding,
Vary, the right Content-Type) and the headers of the build's `_headers` file, and Lighthouse runs in Chromium with
its default mobile emulation (Moto G Power screen, simulated slow 4G) on one page of each kind, in each language.
See bench/README.md for what each column means.
"""

from __future__ import annotations

import argparse
import fnmatch
import http.server
import json
import mimetypes
import os
import platform
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import urllib.parse
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

BENCH = Path(__file__).resolve().parent
REPO = BENCH.parent
LIGHTHOUSE = BENCH / "lighthouse" / "node_modules" / ".bin" / "lighthouse"
CHROMIUM = "/usr/bin/chromium"
CATEGORIES = ("performance", "accessibility", "best-practices", "seo")

KIB = 1024
TARGET_LIGHT_KIB = 60
"""First visit, compressed, of the home page, an article, and a fact page without its card image."""
TARGET_FACT_CARD_KIB = 120
"""First visit of a fact page with its card image."""

#: Kinds of page measured: (name in the report, class on <body> that marks it, every language or only the first).
KINDS: tuple[tuple[str, str, bool], ...] = (
    ("home", "kind-home", True),
    ("article", "kind-article", True),
    ("fact page", "kind-fact", True),
    ("resources", "kind-resources", True),
    ("fact sheet", "kind-resource", True),
    ("help page", "layout-help", True),
    ("search page", "kind-search", True),
    ("language chooser", "kind-chooser", False),
)
#: Kinds with the 60 KiB first-visit target (the fact page has it without its card image).
LIGHT_KINDS = {"home", "article"}

ENCODINGS = (("br", ".br"), ("gzip", ".gz"))
TYPES = {
    ".html": "text/html; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".json": "application/json",
    ".xml": "application/xml; charset=utf-8",
    ".svg": "image/svg+xml",
    ".woff2": "font/woff2",
    ".png": "image/png",
    ".webp": "image/webp",
    ".avif": "image/avif",
    ".pdf": "application/pdf",
    ".txt": "text/plain; charset=utf-8",
}


# ------------------------------------------------------------------ server

def read_headers_file(path: Path) -> list[tuple[str, list[tuple[str, str]]]]:
    """Return the rules of a Netlify-style `_headers` file: (path pattern, [(name, value)]) in file order."""
    rules: list[tuple[str, list[tuple[str, str]]]] = []
    if not path.is_file():
        return rules
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        if not line[0].isspace():
            rules.append((line.strip(), []))
        elif rules and ":" in line:
            name, value = line.strip().split(":", 1)
            rules[-1][1].append((name.strip(), value.strip()))
    return rules


def headers_for(url_path: str, rules: list[tuple[str, list[tuple[str, str]]]]) -> list[tuple[str, str]]:
    """Return the `_headers` headers of one address (every matching rule, as Netlify does)."""
    found: list[tuple[str, str]] = []
    for pattern, headers in rules:
        if fnmatch.fnmatchcase(url_path, pattern):
            found.extend(headers)
    return found


Rules = list[tuple[str, list[tuple[str, str]]]]


def make_handler(root: Path, rules: Rules) -> type[http.server.BaseHTTPRequestHandler]:
    class Handler(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 (the base class's name)
            pass

        def do_HEAD(self) -> None:
            self.answer(body=False)

        def do_GET(self) -> None:
            self.answer(body=True)

        def answer(self, body: bool) -> None:
            url_path = urllib.parse.unquote(urllib.parse.urlsplit(self.path).path)
            file = self.resolve(url_path)
            status = 200
            if file is None and not url_path.endswith("/") and self.resolve(url_path + "/") is not None:
                self.send_response(301)
                self.send_header("Location", url_path + "/")
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            if file is None:
                status, file = 404, root / "404.html"
            accepted = {part.split(";")[0].strip() for part in self.headers.get("Accept-Encoding", "").split(",")}
            encoding, data = None, None
            for name, suffix in ENCODINGS:
                copy = file.with_name(file.name + suffix)
                if name in accepted and copy.is_file():
                    encoding, data = name, copy.read_bytes()
                    break
            if data is None:
                data = file.read_bytes()
            self.send_response(status)
            ctype = TYPES.get(file.suffix) or mimetypes.guess_type(file.name)[0] or "application/octet-stream"
            self.send_header("Content-Type", ctype)
            if encoding:
                self.send_header("Content-Encoding", encoding)
            if any(file.with_name(file.name + suffix).is_file() for _, suffix in ENCODINGS):
                self.send_header("Vary", "Accept-Encoding")
            for name, value in headers_for(url_path, rules):
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            if body:
                self.wfile.write(data)

        def resolve(self, url_path: str) -> Path | None:
            candidate = (root / url_path.lstrip("/")).resolve()
            if candidate != root and root not in candidate.parents:
                return None
            if candidate.is_dir():
                if not url_path.endswith("/"):
                    return None
                candidate = candidate / "index.html"
            return candidate if candidate.is_file() else None

    return Handler


def serve(root: Path) -> tuple[http.server.ThreadingHTTPServer, str]:
    rules = read_headers_file(root / "_headers")
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), make_handler(root.resolve(), rules))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_address[1]}"


# ----------------------------------------------------------------- measure

def pick_pages(out: Path) -> list[tuple[str, str, str]]:
    """Return (kind, language, address) of the first page (in path order) of each kind in each language."""
    found: dict[tuple[str, str], str] = {}
    for html in sorted(out.rglob("index.html")):
        text = html.read_text(encoding="utf-8", errors="replace")
        body = re.search(r'<body class="([^"]*)"', text)
        lang = re.search(r'<html lang="([^"]*)"', text)
        if not body:
            continue
        classes = body.group(1).split()
        address = "/" + html.parent.relative_to(out).as_posix() + "/"
        address = address.replace("/./", "/").replace("//", "/")
        for kind, marker, every_language in KINDS:
            if marker in classes:
                language = (lang.group(1) if lang else "") if every_language else "-"
                found.setdefault((kind, language), address)
    order = {kind: i for i, (kind, _, _) in enumerate(KINDS)}
    return sorted(((k, lang, a) for (k, lang), a in found.items()), key=lambda row: (order[row[0]], row[1]))


def run_lighthouse(url: str, json_path: Path) -> dict[str, Any]:
    env = dict(os.environ, CHROME_PATH=CHROMIUM)
    command = [
        str(LIGHTHOUSE), url, "--quiet", "--output=json", f"--output-path={json_path}",
        "--only-categories=" + ",".join(CATEGORIES),
        "--chrome-flags=--headless=new --no-sandbox --disable-gpu --no-first-run --disable-extensions",
    ]
    for attempt in range(3):  # a busy machine sometimes loses the trace (NO_NAVSTART): try again
        json_path.unlink(missing_ok=True)
        done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=300)
        if done.returncode == 0 and json_path.is_file():
            break
    else:
        raise SystemExit(f"lighthouse failed 3 times on {url}:\n{done.stderr[-2000:]}")
    lhr: dict[str, Any] = json.loads(json_path.read_text(encoding="utf-8"))
    return lhr


def is_card(url: str, page: str) -> bool:
    """Whether a request is the page's card image (or one of its renditions): an image in the fact page's folder."""
    path = urllib.parse.urlsplit(url).path
    return path.startswith(page) and path != page


def summarise(kind: str, language: str, page: str, lhr: dict[str, Any]) -> dict[str, Any]:
    scores = {name: round(lhr["categories"][name]["score"] * 100) for name in CATEGORIES}
    requests = [item for item in lhr["audits"]["network-requests"]["details"]["items"]
                if not item["url"].startswith("data:")]
    by_type: dict[str, int] = {}
    for item in requests:
        rtype = item.get("resourceType") or "Other"
        by_type[rtype] = by_type.get(rtype, 0) + int(item.get("transferSize") or 0)
    total = sum(by_type.values())
    card = sum(int(item.get("transferSize") or 0) for item in requests
               if item.get("resourceType") == "Image" and is_card(item["url"], page))
    cls = float(lhr["audits"]["cumulative-layout-shift"]["numericValue"])
    failing: dict[str, list[str]] = {}
    for name in CATEGORIES:
        for ref in lhr["categories"][name]["auditRefs"]:
            audit = lhr["audits"][ref["id"]]
            if ref.get("weight", 0) > 0 and audit.get("score") is not None and audit["score"] < 1:
                failing.setdefault(name, []).append(f"{ref['id']} ({audit['score']:.2f}): {audit['title']}")
    targets = {"scores 100": all(score == 100 for score in scores.values()), "no layout shift": cls == 0}
    if kind in LIGHT_KINDS:
        targets[f"≤ {TARGET_LIGHT_KIB} KiB"] = total <= TARGET_LIGHT_KIB * KIB
    if kind == "fact page":
        targets[f"≤ {TARGET_LIGHT_KIB} KiB without the card"] = total - card <= TARGET_LIGHT_KIB * KIB
        targets[f"≤ {TARGET_FACT_CARD_KIB} KiB with it"] = total <= TARGET_FACT_CARD_KIB * KIB
    metrics = {key: lhr["audits"][key].get("numericValue") for key in (
        "first-contentful-paint", "largest-contentful-paint", "total-blocking-time", "speed-index")}
    return {
        "kind": kind, "language": language, "page": page, "scores": scores, "transfer": total,
        "transfer_by_type": dict(sorted(by_type.items())), "card_image": card, "requests": len(requests),
        "cls": cls, "metrics": metrics, "targets": targets, "failing_audits": failing,
    }


def median_run(runs: list[tuple[dict[str, Any], Path]]) -> tuple[dict[str, Any], Path]:
    """Return the run of median performance score (ties: median Largest Contentful Paint).

    Lighthouse's simulated timings follow the machine's load: on a busy machine one run can lose a few
    points that the next keeps, so the report shows the middle run, as Lighthouse's own docs advise."""
    def key(run: tuple[dict[str, Any], Path]) -> tuple[float, float]:
        lhr = run[0]
        return (-lhr["categories"]["performance"]["score"],
                lhr["audits"]["largest-contentful-paint"]["numericValue"])
    return sorted(runs, key=key)[len(runs) // 2]


def measure(out: Path, keep_reports: Path | None, runs: int = 1, only: frozenset[str] = frozenset()) -> dict[str, Any]:
    server, origin = serve(out)
    rows = []
    lighthouse_version = chrome = ""
    try:
        with tempfile.TemporaryDirectory() as scratch:
            for kind, language, page in pick_pages(out):
                if only and kind not in only:
                    continue
                candidates = []
                for attempt in range(runs):
                    report = Path(scratch) / f"report-{attempt}.json"
                    candidates.append((run_lighthouse(origin + page, report), report))
                lhr, report = median_run(candidates)
                if keep_reports:
                    keep_reports.mkdir(parents=True, exist_ok=True)
                    name = re.sub(r"[^a-z0-9]+", "-", f"{kind}-{language}".lower()).strip("-")
                    shutil.copyfile(report, keep_reports / f"{name}.json")
                lighthouse_version = lhr["lighthouseVersion"]
                chrome = lhr["environment"]["hostUserAgent"]
                row = summarise(kind, language, page, lhr)
                rows.append(row)
                print(f"{kind:17} {language:3} {page:55} {row['transfer'] / KIB:6.1f} KiB "
                      + " ".join(str(s) for s in row["scores"].values()) + f"  CLS {row['cls']:.3f}", flush=True)
    finally:
        server.shutdown()
    return {
        "date": datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "machine": f"{platform.system()} {platform.release()}, {os.cpu_count()} CPU, "
                   f"Python {platform.python_version()}",
        "lighthouse": lighthouse_version, "browser": chrome,
        "node": subprocess.run(["node", "--version"], capture_output=True, text=True).stdout.strip(),
        "runs": runs, "load_average": os.getloadavg(), "pages": rows,
    }


# ------------------------------------------------------------------ report

def kib(size: int) -> str:
    return f"{size / KIB:.1f}"


def write_report(results: dict[str, Any], path: Path) -> None:
    lines = [
        "# Lighthouse on the shipped campaign",
        "",
        f"Measured {results['date']} by `bench/lighthouse.py` with Lighthouse {results['lighthouse']} "
        f"(Node {results['node']}) in {results['browser']}, median of {results.get('runs', 1)} runs per page "
        f"by performance score, mobile emulation (Lighthouse's default: "
        "Moto G Power screen, simulated slow 4G, 4× CPU slowdown). Site built from the repository root "
        "with the build's `.br`/`.gz` copies served from 127.0.0.1; every byte is as transferred (compressed, "
        f"with HTTP headers), first visit, empty cache. Machine: {results['machine']}, load average at the end "
        f"{', '.join(f'{x:.1f}' for x in results.get('load_average', ()))}."
        + (f" The rows of the {', '.join(results['remeasured']['kinds'])} were measured again on "
           f"{results['remeasured']['date']} after a change to that page (`--only`)." if results.get("remeasured")
           else ""),
        "",
        "## Scores and weight",
        "",
        "| page | lang | perf. | a11y | best pr. | SEO | transferred KiB | requests | CLS | targets |",
        "| --- | --- | --: | --: | --: | --: | --: | --: | --: | --- |",
    ]
    for row in results["pages"]:
        s = row["scores"]
        verdicts = ", ".join(f"{name} {'✓' if ok else '✗'}" for name, ok in row["targets"].items())
        weight = kib(row["transfer"])
        if row["kind"] == "fact page":
            weight += f" ({kib(row['transfer'] - row['card_image'])} without the card)"
        lines.append(
            f"| {row['kind']} `{row['page']}` | {row['language']} | {s['performance']} | {s['accessibility']} | "
            f"{s['best-practices']} | {s['seo']} | {weight} | {row['requests']} | {row['cls']:.3f} | {verdicts} |")
    types = sorted({t for row in results["pages"] for t, size in row["transfer_by_type"].items() if size})
    lines += [
        "",
        "## Transferred bytes by resource type (KiB)",
        "",
        "| page | lang | " + " | ".join(types) + " | total |",
        "| --- | --- | " + " | ".join("--:" for _ in types) + " | --: |",
    ]
    for row in results["pages"]:
        cells = " | ".join(kib(row["transfer_by_type"].get(t, 0)) for t in types)
        lines.append(f"| {row['kind']} | {row['language']} | {cells} | {kib(row['transfer'])} |")
    lines += [
        "",
        "## Timings (simulated slow 4G, ms)",
        "",
        "| page | lang | FCP | LCP | TBT | Speed Index |",
        "| --- | --- | --: | --: | --: | --: |",
    ]
    for row in results["pages"]:
        m = row["metrics"]
        lines.append(f"| {row['kind']} | {row['language']} | {m['first-contentful-paint']:.0f} | "
                     f"{m['largest-contentful-paint']:.0f} | {m['total-blocking-time']:.0f} | {m['speed-index']:.0f} |")
    failing = [(row, cat, audit) for row in results["pages"] for cat, audits in row["failing_audits"].items()
               for audit in audits]
    lines += ["", "## Audits below 1 that count in a score", ""]
    if failing:
        lines += [f"- {row['kind']} ({row['language']}), {cat}: {audit}" for row, cat, audit in failing]
    else:
        lines.append("None: every weighted audit passes on every page measured.")
    met = all(all(row["targets"].values()) for row in results["pages"])
    lines += ["", f"**All targets met: {'yes' if met else 'no'}.**", ""]
    path.write_text("\n".join(lines), encoding="utf-8")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", type=Path, help="build into this folder and keep it (default: a temporary folder)")
    parser.add_argument("--keep-reports", type=Path, help="keep Lighthouse's full JSON reports in this folder")
    parser.add_argument("--results", type=Path, default=BENCH / "lighthouse.json", help="raw results (JSON)")
    parser.add_argument("--report", type=Path, default=BENCH / "LIGHTHOUSE.md", help="the Markdown report")
    parser.add_argument("--runs", type=int, default=3, help="Lighthouse runs per page; the median is kept")
    parser.add_argument("--report-only", action="store_true", help="rewrite the report from the raw results")
    parser.add_argument("--only", default="", help="measure only these kinds of page (comma-separated, e.g. "
                        "'search page') and replace their rows in the raw results")
    args = parser.parse_args()
    if args.report_only:
        write_report(json.loads(args.results.read_text(encoding="utf-8")), args.report)
        return 0
    if not LIGHTHOUSE.exists():
        print("Lighthouse is not installed: npm ci --prefix bench/lighthouse", file=sys.stderr)
        return 1
    with tempfile.TemporaryDirectory() as scratch:
        out = args.out or Path(scratch) / "site"
        if out.exists():
            shutil.rmtree(out)
        env = dict(os.environ, PYTHONPATH=str(REPO) + os.pathsep + os.environ.get("PYTHONPATH", ""))
        subprocess.run([sys.executable, "-m", "generator", "build", str(REPO), "-o", str(out), "-q"],
                       cwd=REPO, env=env, check=True)
        only = frozenset(kind.strip() for kind in args.only.split(",") if kind.strip())
        unknown = only - {kind for kind, _, _ in KINDS}
        if unknown:
            print(f"unknown kinds: {', '.join(sorted(unknown))}", file=sys.stderr)
            return 2
        results = measure(out, args.keep_reports, max(1, args.runs), only)
    if only:  # the other rows stay as they were measured
        earlier = json.loads(args.results.read_text(encoding="utf-8"))
        order = {kind: i for i, (kind, _, _) in enumerate(KINDS)}
        rows = [row for row in earlier["pages"] if row["kind"] not in only] + results["pages"]
        earlier["pages"] = sorted(rows, key=lambda row: order[row["kind"]])  # stable: languages keep their order
        earlier["remeasured"] = {"kinds": sorted(only), "date": results["date"]}
        results = earlier
    args.results.write_text(json.dumps(results, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    write_report(results, args.report)
    print(f"wrote {args.report} and {args.results}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
