"""Helpers for tests/test_browser.py: build the campaign, serve it, find its page types.

Nothing here downloads anything. The browser is Debian's Chromium
(``/usr/bin/chromium``, or ``VIGIE_CHROMIUM``); axe-core and the Nu HTML
checker come from ``tests/browser/node_modules`` after
``npm ci --prefix tests/browser``.
"""

from __future__ import annotations

import http.server
import os
import re
import shutil
import subprocess
import sys
import threading
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path
from typing import Any, Iterator

import pytest

TESTS = Path(__file__).resolve().parent
REPO = TESTS.parent
NODE_MODULES = TESTS / "browser" / "node_modules"
AXE_JS = NODE_MODULES / "axe-core" / "axe.min.js"
VNU_JAR = NODE_MODULES / "vnu-jar" / "build" / "dist" / "vnu.jar"
CHROMIUM = Path(os.environ.get("VIGIE_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
#: What the issue asks of every page; the shipped ``_headers`` must be at least this strict.
STRICT_CSP = "default-src 'self'; script-src 'self'; style-src 'self'"
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
LANGUAGES = ("fr", "en", "nl")
#: Page types (the ``layout-*`` class on <body>) that exist once per language.
PER_LANGUAGE = ("home", "articles", "article", "page", "help", "facts", "fact",
                "resources", "resource", "tags", "tag", "search")
#: Page types the campaign has no page of yet in a language: the Dutch pages are the home page, the help page,
#: one article and the figures; its other pages and its fact sheets are not translated yet
#: (`vigie check --translations` lists them). test_every_page_type_is_built fails once one is built.
UNTRANSLATED: frozenset[tuple[str, str]] = frozenset({("page", "nl"), ("resource", "nl")})
#: (page type, language) pairs every browser test covers; None: a single page for the site.
PAGE_TYPES: list[tuple[str, str | None]] = [("chooser", None)] + [
    (kind, lang) for kind in PER_LANGUAGE for lang in LANGUAGES if (kind, lang) not in UNTRANSLATED] + [("404", None)]
MISSING_PATH = "/this-page-does-not-exist/"


def page_type_id(item: tuple[str, str | None]) -> str:
    """Return a readable pytest id for a (page type, language) pair."""
    kind, lang = item
    return f"{kind}-{lang}" if lang else kind


def require(condition: bool, reason: str) -> None:
    """Skip the test with a reason when a tool is missing; fail instead under VIGIE_REQUIRE_BROWSER=1."""
    if condition:
        return
    if os.environ.get("VIGIE_REQUIRE_BROWSER") == "1":
        pytest.fail(f"{reason} (VIGIE_REQUIRE_BROWSER=1 makes this an error)", pytrace=False)
    pytest.skip(reason)


def require_chromium() -> None:
    """Skip (or fail) when Chromium or the Playwright package is missing."""
    require(CHROMIUM.is_file() and os.access(CHROMIUM, os.X_OK),
            f"Chromium not found at {CHROMIUM} (apt-get install chromium)")
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        require(False, "the Playwright Python package is not installed (pip install -e '.[test]')")


def require_axe() -> None:
    """Skip (or fail) when axe-core has not been installed with npm."""
    require(AXE_JS.is_file(), f"axe-core not found at {AXE_JS.relative_to(REPO)} (npm ci --prefix tests/browser)")


def require_vnu() -> str:
    """Return the java executable; skip (or fail) when java or vnu.jar is missing."""
    java = shutil.which("java")
    require(java is not None, "java not found (apt-get install default-jre-headless)")
    require(VNU_JAR.is_file(), f"vnu.jar not found at {VNU_JAR.relative_to(REPO)} (npm ci --prefix tests/browser)")
    assert java is not None
    return java


# --------------------------------------------------------------------------- build


def build_site(site: Path, out: Path) -> Path:
    """Build a site folder with the command line, as an editor would; fail the test on errors."""
    proc = subprocess.run([sys.executable, "-m", "generator", "build", str(site), "-o", str(out)],
                          cwd=REPO, capture_output=True, text=True, timeout=600)
    if proc.returncode != 0:
        pytest.fail(f"building {site} failed (exit {proc.returncode}):\n{proc.stdout}\n{proc.stderr}", pytrace=False)
    return out


class _PageInfo(HTMLParser):
    """Read <html lang>, the <body> class and rel=alternate links of a page."""

    def __init__(self) -> None:
        super().__init__()
        self.lang = ""
        self.body_class = ""
        self.alternates: dict[str, str] = {}

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "html":
            self.lang = a.get("lang", "")
        elif tag == "body":
            self.body_class = a.get("class", "")
        elif tag == "link" and a.get("rel") == "alternate" and a.get("hreflang"):
            self.alternates[a["hreflang"]] = a.get("href", "")


@dataclass(frozen=True)
class BuiltPage:
    """One HTML page of the built site."""

    path: str
    """URL path on the test server, e.g. /en/facts/record-year-2021/."""
    layout: str
    lang: str
    alternates: dict[str, str]


def read_page(out: Path, file: Path) -> BuiltPage:
    """Return what the tests need to know about one built HTML file."""
    info = _PageInfo()
    info.feed(file.read_text(encoding="utf-8"))
    rel = file.relative_to(out).as_posix()
    path = "/" + (rel[: -len("index.html")] if rel.endswith("index.html") else rel)
    match = re.search(r"\blayout-([\w-]+)", info.body_class)
    return BuiltPage(path=path, layout=match.group(1) if match else "", lang=info.lang,
                     alternates=info.alternates)


def html_files(out: Path) -> list[Path]:
    """Return every HTML file of a built site, sorted."""
    return sorted(out.rglob("*.html"))


def find_page_types(out: Path) -> dict[tuple[str, str | None], BuiltPage]:
    """Return one page per (page type, language); the 404 page is reached at a missing URL.

    Among several pages of a type, take the one with the most content (the
    largest file), so that a content warning, figure embeds and tags are there.
    """
    found: dict[tuple[str, str | None], tuple[int, BuiltPage]] = {}
    for file in html_files(out):
        page = read_page(out, file)
        if not page.layout:
            continue
        key: tuple[str, str | None] = (page.layout, None) if page.layout in ("chooser", "404") else (page.layout, page.lang)
        size = file.stat().st_size
        if key not in found or size > found[key][0]:
            found[key] = (size, page)
    result = {key: page for key, (_, page) in found.items()}
    if ("404", None) in result:
        old = result[("404", None)]
        result[("404", None)] = BuiltPage(path=MISSING_PATH, layout="404", lang=old.lang, alternates={})
    return result


# -------------------------------------------------------------------------- server


def shipped_headers(out: Path) -> dict[str, str]:
    """Return the headers the built ``_headers`` file sets for every page (``/*``)."""
    headers: dict[str, str] = {}
    file = out / "_headers"
    if not file.is_file():
        return headers
    current = None
    for line in file.read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        if not line[0].isspace():
            current = line.strip()
            continue
        if current == "/*" and ":" in line:
            name, _, value = line.strip().partition(":")
            headers[name.strip()] = value.strip()
    return headers


def server_headers(out: Path) -> dict[str, str]:
    """Return the headers the test server sends: the shipped ones, the issue's CSP at the least.

    ``upgrade-insecure-requests`` is dropped: the test server speaks plain HTTP.
    """
    headers = shipped_headers(out)
    csp = headers.get("Content-Security-Policy", STRICT_CSP)
    directives = [d.strip() for d in csp.split(";") if d.strip() and d.strip() != "upgrade-insecure-requests"]
    headers["Content-Security-Policy"] = "; ".join(directives)
    headers["Cache-Control"] = "no-store"
    return headers


class _Handler(http.server.SimpleHTTPRequestHandler):
    """Serve the output folder; 404.html for what is missing; the site's headers."""

    out: Path
    extra_headers: dict[str, str]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, directory=str(self.out), **kwargs)

    def end_headers(self) -> None:
        for name, value in self.extra_headers.items():
            self.send_header(name, value)
        super().end_headers()

    def send_error(self, code: int, message: str | None = None, explain: str | None = None) -> None:
        page = self.out / "404.html"
        if code != 404 or not page.is_file():
            super().send_error(code, message, explain)
            return
        body = page.read_bytes()
        self.send_response(404)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - stdlib signature
        pass


class _QuietServer(http.server.ThreadingHTTPServer):
    """The test server; a browser that closes a connection before a file is sent (a page left, a font no longer
    needed) is not an error, so it prints no traceback in the test log."""

    def handle_error(self, request: Any, client_address: Any) -> None:
        if isinstance(sys.exc_info()[1], (BrokenPipeError, ConnectionResetError)):
            return
        super().handle_error(request, client_address)


@dataclass
class Server:
    """A running test server."""

    base: str
    """e.g. http://127.0.0.1:43127"""
    out: Path
    headers: dict[str, str]

    def url(self, path: str) -> str:
        """Return the absolute URL of a site path."""
        return self.base + path


def serve(out: Path, headers: dict[str, str] | None = None) -> Iterator[Server]:
    """Serve a built site on 127.0.0.1 (an ephemeral port) in a thread, until the generator closes.

    ``headers``: what to send with every file instead of the site's own (`server_headers`).
    """
    headers = server_headers(out) if headers is None else headers
    handler = type("Handler", (_Handler,), {"out": out, "extra_headers": headers})
    httpd = _QuietServer(("127.0.0.1", 0), handler)
    httpd.daemon_threads = True
    thread = threading.Thread(target=httpd.serve_forever, name="vigie-test-server", daemon=True)
    thread.start()
    try:
        yield Server(base=f"http://127.0.0.1:{httpd.server_port}", out=out, headers=headers)
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join(timeout=5)


# ---------------------------------------------------------------------- reporting


def format_axe(violations: list[dict[str, Any]], where: str) -> str:
    """Return axe violations as readable text: rule, impact, help, and each failing node."""
    lines = [f"{len(violations)} axe violation(s) on {where}:"]
    for v in violations:
        lines.append(f"\n[{v.get('impact')}] {v['id']}: {v['help']}\n    {v.get('helpUrl', '')}")
        for node in v["nodes"][:10]:
            target = " ".join(str(t) for t in node.get("target", []))
            lines.append(f"  - {target}\n      {node.get('html', '')[:300]}")
            summary = (node.get("summary") or "").strip().replace("\n", "\n        ")
            if summary:
                lines.append(f"        {summary}")
        if len(v["nodes"]) > 10:
            lines.append(f"  … and {len(v['nodes']) - 10} more")
    return "\n".join(lines)


class InlineCode(HTMLParser):
    """Find what a strict CSP would block: inline scripts, style attributes and elements, event handlers."""

    def __init__(self) -> None:
        super().__init__()
        self.problems: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        names = {k for k, _ in attrs}
        line = self.getpos()[0]
        if tag == "script" and "src" not in names:
            self.problems.append(f"line {line}: inline <script>")
        if tag == "style":
            self.problems.append(f"line {line}: <style> element")
        if "style" in names:
            self.problems.append(f"line {line}: style attribute on <{tag}>")
        for name in names:
            if name.startswith("on"):
                self.problems.append(f"line {line}: event handler attribute {name} on <{tag}>")
        if tag == "img" and not {"width", "height"} <= names:
            self.problems.append(f"line {line}: <img> without width and height")
        for name, value in attrs:
            if name in ("src", "href") and value and value.startswith("javascript:"):
                self.problems.append(f"line {line}: javascript: URL")
