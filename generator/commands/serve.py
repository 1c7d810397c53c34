"""`vigie serve`: build in memory, serve on 127.0.0.1, rebuild on change, reload the browser.

The served site lives in memory (a dict of output path → bytes from
``render_site``); nothing is written to SITE/public, so previewing never
touches the published build. A `Watcher` is woken by the system's change
notifications (watchfiles: inotify, FSEvents, ReadDirectoryChangesW, or polling
where there are none) for content/, layouts/, assets/ and site.yaml, sorts each
change with the pure ``classify_change`` and, after a short quiet period, calls
``rebuild(kind, paths)``.

The site is served through the livereload package's server pieces on tornado
(`PreviewApp`): its WSGI container runs `SiteApp` over the in-memory output,
its handlers serve the LiveReload client (``/__vigie__/livereload.js``, as
livereload ships it) and speak the LiveReload protocol over a WebSocket at
``/livereload``. Pages load the client with an external ``<script src>`` added
before ``</body>`` of HTML answers only: the pages' Content-Security-Policy
(served as the site's ``_headers`` sets it) forbids inline scripts, so
livereload's own injection of an inline script is not used. The client
connects back to the address the page came from, which ``connect-src 'self'``
allows. When a build lands, every open page is told to reload. When a rebuild
fails, every HTML request gets an error page (status 500) listing the
``path:line: error: message`` lines, with the same script, so saving the fix
brings the site back.

livereload's ``Server`` itself is not used: ``Server.application()`` listens
by itself and keeps nothing of the server it made, so the port chosen for
``--port 0`` cannot be known and the server cannot be stopped but by closing
tornado's loop; it always injects an inline script; and ``Server.serve()``
runs its own polling watcher on tornado's global loop until the process ends.
The preview builds the tornado application from livereload's handlers
instead, adds what the contract needs (the Host check, the connection cap,
the CSP), binds its own socket and runs the loop in a thread it can stop.
"""

from __future__ import annotations

import asyncio
import gc
import html
import ipaddress
import json
import logging
import os
import re
import socket
import stat
import sys
import threading
import time
from dataclasses import dataclass, replace
from datetime import date
from enum import StrEnum
from http import HTTPStatus
from pathlib import Path, PurePosixPath
from types import MappingProxyType
from typing import Any, Awaitable, Callable, Collection, Iterable, Iterator, Mapping
from urllib.parse import quote, unquote

import jinja2
import watchfiles
from livereload.handlers import LiveReloadHandler, LiveReloadJSHandler  # type: ignore[import-untyped]
from livereload.server import LiveScriptContainer  # type: ignore[import-untyped]
from tornado import httputil, web
from tornado.http1connection import HTTP1Connection
from tornado.httpserver import HTTPServer
from tornado.ioloop import IOLoop
from tornado.iostream import IOStream
from tornado.websocket import WebSocketHandler
from tornado.wsgi import WSGIContainer

from generator.build import BuildOptions, BuildResult, render_site, today_for_build
from generator.output.search import FOLDER as SEARCH_FOLDER, index_files
from generator.commands.incremental import DepIndex, Early, apply_edits
from generator.commands.check import TranslationRow, translation_status
from generator.model import Site
from generator.sources.assets import published_name
from generator.sources.config import CONFIG_FILE, require_site_file
from generator.core.errors import SiteError, SiteErrors, message_line, os_reason, printable_path
from generator.core.formats import seconds_text
from generator.core.memory import collect_and_freeze, collect_young_and_freeze
from generator.core.messages import N_, _, active_language, ngettext
from generator.sources.files import SYSTEM_LEFTOVERS, is_editor_leftover, refuse_undecodable_path
from generator.sources.theme import default_theme_dir, theme_dirs

log = logging.getLogger(__name__)

class Change(StrEnum):
    """What a changed file is, narrowest first: a burst of changes is rebuilt as its widest kind."""

    ASSET = "asset"
    CONTENT = "content"
    FACT = "fact"
    STRINGS = "strings"
    TEMPLATE = "template"
    CONFIG = "config"
    IGNORED = "ignored"
    """Not a source of the site (public/, .vigie-cache/, an editor's swap file…)."""


KINDS = tuple(kind for kind in Change if kind is not Change.IGNORED)
IGNORED = Change.IGNORED
#: Kinds of change `incremental.apply_edits` follows without rendering everything: every kind.
INCREMENTAL_KINDS = KINDS

#: URL prefix reserved for the server's own files (never part of a built site).
PREFIX = "/__vigie__/"
CLIENT_JS = PREFIX + "livereload.js"
"""livereload's browser client (``livereload/vendors/livereload.js``), served from the site's origin."""
ERROR_CSS = PREFIX + "error.css"
ICON = PREFIX + "icon.svg"
"""The default theme's icon, for the preview's own pages (without it the browser asks for /favicon.ico: a 404)."""
TRANSLATIONS = PREFIX + "translations"
SOCKET = "/livereload"
"""Where livereload.js opens its WebSocket: ws://HOST:PORT/livereload (the client fixes the path)."""
RELOAD_MESSAGE = {"command": "reload", "path": "*", "liveCSS": False, "liveImg": False}
"""The LiveReload protocol's reload command; the client reloads the whole page for it (a rebuild renames
hashed stylesheets and images, so reloading one of them alone would not do)."""

PENDING_WAIT = 60.0
"""Most seconds a request for a file still being made waits for it (then it gets the file as it was)."""
SETTLE = 0.1
"""Seconds given to an editor to finish writing a file the build read half-made, before it is read again."""
WRITE_MARGIN_NS = 20_000_000
"""How much earlier than a rebuild's start a file's modification time may read and still be a write made during it
(file times come from a coarse clock, a few milliseconds behind)."""

DEBOUNCE = 0.005
"""Seconds without a new change that end a burst of saves (an editor's write and rename make one build)."""
GROUP_MS = 1600
"""Most milliseconds a burst of changes is gathered for before it is rebuilt anyway (a long `git checkout`)."""
TICK = 0.25
"""Seconds between two wakes of a watcher without notifications (to look again at recent changes)."""
QUIET_BEFORE_COLLECTING = 1.0
"""Seconds without a rebuild before `vigie serve` collects the garbage of the last ones
(`LiveSite.collect_between_edits`): by then the browsers have loaded the pages it reloaded."""
QUIET_BEFORE_THAWING = 10.0
"""Seconds without a rebuild before that collection walks the whole site again, not only what the last
rebuilds made: a pass that takes a tenth of a second, which an edit saved meanwhile would wait for."""
GROWTH_BEFORE_THAWING = 1.25
"""Or sooner: once the frozen objects are this many times those left by the last whole pass (the garbage of
the updates since, kept by reference cycles, is then worth the pass)."""
SWITCH_INTERVAL = 0.001
"""Seconds a thread runs before another one waiting may take its turn, while `vigie serve` runs (Python's
default: 0.005). An update shows the edited page, then goes on with the lists and cards in its thread; the
browser's request for that page waits for the server's thread to get a turn at each step of its answer.
Measured on 2,000 pages, from the save to the page served: 90 → 73 ms for a title edit, 103 → 87 ms for a
figure's; the whole update takes as long."""
RECHECK = 2.0
"""Seconds a notified file is looked at again, in case the next save of it goes unnoticed (`Watcher._follow`)."""
POLL_INTERVAL = 0.1
"""Seconds between two scans where the system gives no change notifications (watchfiles then polls)."""
MAX_CONNECTIONS = 32
"""Connections answered at once: pages and files being fetched, and the WebSocket of every open tab.
A browser opens at most 6 connections to one address besides its tabs' WebSockets, so this leaves room
for a few browsers and phones."""
SLOT_WAIT = 1.0
"""Seconds a connection beyond MAX_CONNECTIONS waits for one to close before it is answered 503."""
IDLE_TIMEOUT = 5.0
"""Seconds a connection may stay open without a request (a page's WebSocket is not idle). Short: connections
a browser opens ahead and never uses would otherwise hold the slots, and a browser reopens one on 127.0.0.1
at no cost."""


_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".json": "application/json",
    ".xml": "application/xml; charset=utf-8",
    ".txt": "text/plain; charset=utf-8",
    ".svg": "image/svg+xml",
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".webp": "image/webp",
    ".avif": "image/avif",
    ".gif": "image/gif",
    ".ico": "image/x-icon",
    ".pdf": "application/pdf",
    ".ttf": "font/ttf",
    ".otf": "font/otf",
    ".woff": "font/woff",
    ".woff2": "font/woff2",
    ".webmanifest": "application/manifest+json",
}



# --- pure decisions -------------------------------------------------------------------------------

#: What changed, as the "… changed; rebuilding" line names it (translated when shown).
_CHANGE_WORDS: dict[str, str] = {Change.ASSET: N_("an asset"), Change.CONTENT: N_("content"), Change.FACT: N_("a figure"),
                 Change.STRINGS: N_("interface strings"), Change.TEMPLATE: N_("a template"),
                 Change.CONFIG: N_("site.yaml")}


def classify_change(path: Path, root: Path) -> Change:
    """Return what a changed file is: content, fact, template, strings, asset, config or ignored.

    ``path`` may be absolute or relative to ``root`` (the site, or a theme folder);
    the file system is not consulted, so deleted files are classified too.
    """
    if path.is_absolute():
        try:
            rel = PurePosixPath(path.relative_to(root).as_posix())
        except ValueError:
            return IGNORED
    else:
        rel = PurePosixPath(path.as_posix())
    parts = rel.parts
    if not parts or any(part in (".", "..") for part in parts):
        return IGNORED
    name = parts[-1]
    top = parts[0]
    hidden = (not published_name("/".join(parts[1:]))) if top == "assets" else any(
        part.startswith(".") for part in parts)
    if hidden or is_editor_leftover(name) or name in SYSTEM_LEFTOVERS:
        return IGNORED
    if len(parts) == 1:
        return Change.CONFIG if name == CONFIG_FILE else IGNORED
    if top == "content":
        return Change.FACT if parts[1] == "facts" else Change.CONTENT
    if top == "layouts":
        return Change.STRINGS if parts[1] == "i18n" else Change.TEMPLATE
    if top == "assets":
        return Change.ASSET
    return IGNORED  # public/, .vigie-cache/, tests/, docs/ …




def widest(kinds: Iterable[str]) -> Change:
    """Return the kind that needs the most work among ``kinds`` (ignored when there is none)."""
    ranked = [Change(k) for k in kinds if k in KINDS]
    return max(ranked, key=KINDS.index) if ranked else IGNORED


def resolve_request(target: str, base_path: str = "/") -> str | None:
    """Return the output path a request target names, or None to refuse it (404).

    Refused: anything but an origin-form ``/path``, encoded slashes or
    backslashes, ``.``/``..`` segments (also percent-encoded), NUL bytes and
    ``//absolute`` paths, and what is not in the folder the site is published
    in (``base_path``, ``/campagne/``: the preview serves the site there too).
    A path ending in ``/`` names its ``index.html``.
    """
    path = target.split("?", 1)[0].split("#", 1)[0]
    if not path.startswith("/") or path.startswith("//") or "\\" in path:
        return None
    lowered = path.lower()
    if "%2f" in lowered or "%5c" in lowered or "%00" in lowered:
        return None
    try:
        decoded = unquote(path, errors="strict")
    except UnicodeDecodeError:
        return None
    if "\\" in decoded or "\x00" in decoded or "//" in decoded:
        return None
    folder = unquote(base_path)
    if not decoded.startswith(folder):
        return None
    segments = decoded[len(folder):].split("/")
    if any(seg in (".", "..") for seg in segments):
        return None
    rel = "/".join(segments)
    if rel == "" or rel.endswith("/"):
        rel += "index.html"
    return rel


def _same_files(files: Mapping[str, bytes], before: Mapping[str, bytes],
                ignoring: Collection[str] = frozenset()) -> bool:
    """Return whether two in-memory sites hold the same files, byte for byte (most are the same objects),
    but for the paths ``ignoring`` (files still being made when ``before`` was shown)."""
    if ignoring:
        return _same_files({p: d for p, d in files.items() if p not in ignoring},
                           {p: d for p, d in before.items() if p not in ignoring})
    return files.keys() == before.keys() and all(data is before[path] or data == before[path]
                                                 for path, data in files.items())


def is_page(rel: str) -> bool:
    """Return whether an output path names an HTML page (a .html file, or a URL without extension).

    ``_headers`` and ``_redirects``, files for the host, are not: they are text.
    """
    name = rel.rsplit("/", 1)[-1]
    return name.endswith(".html") or ("." not in name and not name.startswith("_"))


def content_type(path: str) -> str:
    """Return the Content-Type for an output path."""
    name = path.rsplit("/", 1)[-1]
    if name == "feed.xml" or name.endswith(".atom"):
        return "application/atom+xml; charset=utf-8"
    dot = name.rfind(".")
    if dot <= 0:
        return "text/plain; charset=utf-8"  # _headers, _redirects
    return _TYPES.get(name[dot:].lower(), "application/octet-stream")


def hostname(host: str) -> str:
    """Return the name or address a Host header names, without the port: ``[::1]`` for ``[::1]:8000``."""
    host = host.strip()
    if host.startswith("["):
        return host[:host.find("]") + 1]
    return host.partition(":")[0]


def reload_tag(build: int, host: str, port: int) -> bytes:
    """Return the script element that loads livereload's client into a page of build ``build``.

    ``host`` is the name the browser used for the page, from its Host header:
    the client connects to ws://HOST:PORT/livereload, the page's own origin,
    which the CSP's ``connect-src 'self'`` allows (livereload.js reads host
    and port from its own URL's query). ``snipver`` carries the page's build:
    the client sends it back when it connects, and a page older than the
    current build is told to reload at once. ``maxdelay``: after the preview
    stops, the client tries again every second (by default it waits up to a
    minute), so a restarted preview brings the page back at once.
    """
    query = f"host={host}&port={port}&snipver={build}&maxdelay=1000"
    return f'<script src="{CLIENT_JS}?{html.escape(query)}"></script>\n'.encode()


def inject_reload(page: bytes, tag: bytes) -> bytes:
    """Add the reload script ``tag`` before the last ``</body>`` (or at the end) of an HTML page."""
    at = page.lower().rfind(b"</body>")
    return page + tag if at < 0 else page[:at] + tag + page[at:]


#: The policy of an answer while the site has no _headers of its own (no build has succeeded yet): the error page,
#: its style sheet and the reload script, all from the preview itself.
FALLBACK_POLICY = ("default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; "
                   "base-uri 'none'; form-action 'none'; frame-ancestors 'none'")


def preview_policy(headers: bytes | None) -> str | None:
    """Return the Content-Security-Policy the site's ``_headers`` file sets for every page (``/*``).

    The preview sends the published pages' policy, so that what it blocks on
    the web (an inline script in a template, a font from another site) is
    blocked in the preview too. ``upgrade-insecure-requests`` is left out: the
    preview speaks plain HTTP, and a browser would ask https:// for every file
    of a preview opened at a network address (a phone, with ``--host``).
    """
    if headers is None:
        return None
    block = None
    for line in headers.decode("utf-8", "replace").splitlines():
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        if not line[0].isspace():
            block = line.strip()
            continue
        name, _, value = line.strip().partition(":")
        if block == "/*" and name.strip().lower() == "content-security-policy":
            directives = [d.strip() for d in value.split(";") if d.strip()]
            kept = [d for d in directives if d.lower() != "upgrade-insecure-requests"]
            return "; ".join(kept) or None
    return None


def error_lines(err: SiteError | SiteErrors) -> list[str]:
    """Return the ``path:line: error: message`` lines of a content error, as the CLI prints them."""
    items = err.errors if isinstance(err, SiteErrors) else [err]
    lines = []
    for item in items:
        where = item.location()
        lines.append(message_line(where, "error", item.message))
    return lines


def error_page(lines: list[str], *, internal: bool = False) -> bytes:
    """Return the HTML page shown instead of every page while the site does not build.

    The reload script is added when the page is served (`inject_reload`), as
    its address depends on the request.
    """
    return _preview_page("error.html", lines=lines, internal=internal)


def translations_page(rows: list[TranslationRow], languages: tuple[str, ...]) -> bytes:
    """Return the preview-only page with every page and figure's translation status (no reload script)."""
    counts = {lang: sum(1 for r in rows if r.cells.get(lang) and r.cells[lang].status in ("missing", "outdated", "partial"))
              for lang in languages}
    summary = ", ".join(_("{lang}: {count} to do").format(lang=lang, count=n) for lang, n in counts.items())
    return _preview_page("translations.html", rows=rows, languages=languages, summary=summary)


def preview_file(name: str) -> bytes:
    """Return a file of the preview's own (``generator/commands/preview/``)."""
    from importlib.resources import files

    return (files("generator.commands") / "preview" / name).read_bytes()


def _preview_page(template: str, **context: object) -> bytes:
    """Render a page of the preview's own from its template (escaped: lines quote the site's files).

    Its words are in the language Vigie speaks (Jinja's i18n extension, with
    Vigie's catalog), and so is its ``<html lang>``.
    """
    env = jinja2.Environment(loader=jinja2.FunctionLoader(lambda name: preview_file(name).decode("utf-8")),
                             autoescape=True, trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=True,
                             undefined=jinja2.StrictUndefined, extensions=["jinja2.ext.i18n"])
    env.install_gettext_callables(_, ngettext)  # type: ignore[attr-defined]  # added by the i18n extension
    return env.get_template(template).render(css=ERROR_CSS, icon=ICON, ui_lang=active_language(),
                                             **context).encode("utf-8")


def base_url_for(host: str, port: int) -> str:
    """Return the server's own address on host:port, ending in ``/`` (the site is served in its folder below)."""
    if host in ("", "0.0.0.0", "::"):
        host = "localhost"
    if ":" in host:
        host = f"[{host}]"
    return f"http://{host}:{port}/"


_WILDCARDS = ("", "0.0.0.0", "::")
_LOOPBACKS = ("127.0.0.1", "::1", "localhost")


def host_allowed(value: str | None, bound: str, port: int) -> bool:
    """Return whether a request's ``Host`` header names the address the server is bound to.

    A page from another site can make the browser send requests to the preview
    by pointing its own name at 127.0.0.1 (DNS rebinding); its requests then
    carry that name in ``Host``. Allowed: ``localhost`` and the bound address,
    with the port, as a browser writes them (``127.0.0.1:8000``,
    ``localhost:8000``, ``[::1]:8000``; no port when it is 80). Bound to every
    address (``0.0.0.0`` or ``::``), any IP address of the right family and
    ``localhost`` are allowed, never another name: an IP address cannot be
    pointed elsewhere. A name given to ``--host`` is allowed as it is written.
    """
    if value is None:
        return False
    value = value.strip().lower()
    bracketed = value.startswith("[")
    if bracketed:
        name, close, rest = value[1:].partition("]")
        if not close:
            return False
    else:
        name, colon, digits = value.partition(":")
        rest = colon + digits
    if rest != (f":{port}" if rest or port != 80 else ""):  # a browser leaves out the port only for 80
        return False
    ip, wanted = _ip(name), bound.lower()
    if ip is None:
        if bracketed or not name:
            return False
        if name == "localhost":
            return wanted in _WILDCARDS or wanted in _LOOPBACKS
        return name == wanted and _ip(wanted) is None
    if bracketed != (ip.version == 6):
        return False
    if wanted in _WILDCARDS:
        return wanted == "::" or ip.version == 4
    if wanted == "localhost":
        return str(ip) == "127.0.0.1"
    return ip == _ip(wanted)


def _ip(text: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        return ipaddress.ip_address(text)
    except ValueError:
        return None


def wrong_host_text(bound: str, port: int) -> bytes:
    """Return the short plain answer to a request whose ``Host`` is not the preview's address."""
    wanted = bound.lower()
    if wanted in _WILDCARDS:
        text = _("400 Bad Request: this preview answers only at localhost or an IP address of this computer, "
                 "port {port} (not a name)").format(port=port)
    elif wanted in _LOOPBACKS:
        text = _("400 Bad Request: this preview answers only at {address} or {other}").format(
            address=base_url_for("::1" if wanted == "::1" else "127.0.0.1", port), other=f"http://localhost:{port}/")
    else:
        text = _("400 Bad Request: this preview answers only at {address}").format(address=base_url_for(bound, port))
    return (text + "\n").encode()


# --- the live site --------------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class Snapshot:
    """What the server shows: the last good files and, when the latest build failed, its error page."""

    build: int
    """Build counter: 1 for the first build, +1 for every rebuild, failed or not (+2 when a rebuild showed
    its pages early and then made a file other than those it said were pending, or failed: browsers reload)."""
    files: Mapping[str, bytes]
    """The last successful build (empty until one succeeds)."""
    error: bytes | None = None
    """The error page when the latest build failed."""
    base_path: str = "/"
    """The folder of site.yaml's base_url (``/campagne/``): the site is served there, as it is published."""
    pending: frozenset[str] = frozenset()
    """Files still being made (cards, PDFs, the pages that show their sizes): the server answers them from
    the snapshot that follows (`_SiteHandler.prepare` waits through `LiveSite.settled`), so a browser never
    sees their old version."""

    @property
    def folder(self) -> str:
        """Return `base_path` as a browser asks for it, percent-encoded: ``/%C3%A9t%C3%A9/`` for ``/été/``."""
        return quote(unquote(self.base_path), safe="/")


class LiveSite:
    """The site rendered in memory, rebuilt on demand; safe to read from any thread."""

    def __init__(self, options: BuildOptions) -> None:
        self.options = replace(options, record=True)  # what each page reads decides what an edit renders
        self._changed = threading.Condition()
        self._snapshot = Snapshot(build=0, files=MappingProxyType({}))
        self._closed = False
        self._building = threading.Lock()
        self._result: BuildResult | None = None
        """The last good in-memory build, kept so an edit re-renders only what it affects."""
        self._day: date | None = None
        """The day the last good build was made for (which dated pages it publishes)."""
        self._pending: set[str] = set()
        """Paths changed since the last good build (a failed build leaves them pending)."""
        self._everything = True
        """Whether a change since the last good build needs everything rendered (or names no file)."""
        self._index: DepIndex | None = None
        """Which outputs read each key (`deps`), kept up to date by the updates."""
        self._early: Snapshot | None = None
        """The pages of the rebuild under way, shown before its cards and PDFs are made."""
        self._number = 0
        """The counter of the rebuild under way."""
        self._search: tuple[Mapping[str, bytes], Mapping[str, bytes]] | None = None
        """The search index of one build (its number), made when the browser first asks for it."""
        self._searching = threading.Lock()
        self._rebuilds = 0
        """How many rebuilds have ended (and when the last did), for `collect_between_edits`."""
        self._rebuilt_at = 0.0
        self._collected_after = 0
        self._thawed_after = 0
        self._frozen_whole = 0
        """The objects frozen by the last whole pass (`collect_and_freeze`); 0 before the first."""

    @property
    def last_site(self) -> Site | None:
        """Return the last site that built, if any."""
        return self._result.site if self._result is not None else None

    @property
    def snapshot(self) -> Snapshot:
        """Return the current snapshot (replaced whole, never mutated)."""
        return self._snapshot

    def search_file(self, rel: str, snap: Snapshot) -> bytes | None:
        """Return a file of the search index of ``snap``'s pages (site.yaml's ``search``).

        The index is made the first time the browser asks for one of its files
        after a build (Pagefind over the pages in memory), not at every save:
        an edit reloads the page as fast as without search.
        """
        site = self.last_site
        if site is None or not site.config.search:
            return None
        with self._searching:
            if self._search is None or self._search[0] is not snap.files:  # pages shown early are not the last
                try:
                    self._search = (snap.files, index_files(snap.files))
                except SiteError as err:
                    log.error("%s", error_lines(err)[0])
                    self._search = (snap.files, {})
            return self._search[1].get(rel)

    def rebuild(self, kind: str, changed: Iterable[str] = ()) -> bool:
        """Render the site again because ``changed`` files of ``kind`` changed; return whether it built.

        Any edit re-renders only what it affects (`incremental.apply_edits`), from
        the last good build and with every file changed since; a new day, or a
        change that names no file, renders everything again, in memory, with the caches.
        """
        if kind == IGNORED:
            return False
        with self._building:
            try:
                return self._rebuild(kind, changed)
            finally:
                self._rebuilds += 1
                self._rebuilt_at = time.monotonic()

    def collect_between_edits(self, quiet: float = QUIET_BEFORE_COLLECTING,
                              settled: float = QUIET_BEFORE_THAWING) -> bool:
        """Collect the rebuilds' garbage once none has run for ``quiet`` seconds; return whether it did.

        Python would otherwise start a full pass over the whole in-memory site by itself, about 0.1 s at
        2,000 pages, in the middle of whichever edit's update came then: one update in six took twice as
        long. Collected here, between edits, and frozen, the site's objects are left out of the passes that
        come during updates. `vigie serve` calls this while it waits.

        Only what the rebuilds made since the last pass is walked (`collect_young_and_freeze`, a few
        milliseconds), so that an edit saved meanwhile hardly waits. The whole site is walked again
        (`collect_and_freeze`) after ``settled`` seconds without a rebuild, or sooner once the frozen objects
        grew by `GROWTH_BEFORE_THAWING`: the replaced parts of the site that reference cycles keep are freed then.
        """
        idle = time.monotonic() - self._rebuilt_at
        if idle < quiet or self._thawed_after == self._rebuilds:
            return False
        whole = (not self._frozen_whole or idle >= settled
                 or gc.get_freeze_count() > self._frozen_whole * GROWTH_BEFORE_THAWING)
        if not whole and self._collected_after == self._rebuilds:
            return False
        if not self._building.acquire(blocking=False):  # an edit came: its update goes first
            return False
        try:
            if whole:
                collect_and_freeze()
                self._frozen_whole, self._thawed_after = gc.get_freeze_count(), self._rebuilds
            else:
                collect_young_and_freeze()
            self._collected_after = self._rebuilds
        finally:
            self._building.release()
        return True

    def _rebuild(self, kind: str, changed: Iterable[str]) -> bool:
        names = sorted(changed)
        if names:
            shown = ", ".join(printable_path(name) for name in names[:3])  # one line, whatever the names hold
            if len(names) > 3:
                shown = ngettext("{files} and {count} more", "{files} and {count} more", len(names) - 3).format(
                    files=shown, count=len(names) - 3)
            log.info("%s", _("{kind} changed ({files}); rebuilding").format(kind=_(_CHANGE_WORDS.get(kind, kind)),
                                                                          files=shown))
        start = time.perf_counter()
        previous = self._snapshot
        build = previous.build + 1
        self._pending.update(names)
        self._everything = self._everything or kind not in INCREMENTAL_KINDS or not names
        options = replace(self.options, today=self.options.today or today_for_build())
        started = time.time_ns()
        self._early, self._number = None, build
        try:
            try:
                result = self._render(options)
            except (SiteError, SiteErrors) as err:
                if not _written_meanwhile(err, names, self.options.root, started):
                    raise
                # A save read half-made (an editor that empties the file, then writes it): its next write is
                # on its way; read it again rather than show a mistake the editor never made.
                log.debug("%s changed while it was read; reading it again", names)
                time.sleep(SETTLE)
                result = self._render(options)
        except (SiteError, SiteErrors) as err:
            lines = error_lines(err)
            for line in lines:
                log.error("%s", line)
            log.error("%s", ngettext("{count} error; the browser shows it until you fix and save",
                                     "{count} errors; the browser shows them until you fix and save",
                                     len(lines)).format(count=len(lines)))
            self._publish(Snapshot(self._after_early(build), previous.files, error_page(lines),
                                   base_path=previous.base_path))
            return False
        except Exception:  # a bug in Vigie: keep serving, say so, keep the traceback
            log.exception("%s", _("internal error while rebuilding (this is a bug in Vigie; please report it)"))
            self._publish(Snapshot(self._after_early(build), previous.files, error_page([], internal=True),
                                   base_path=previous.base_path))
            return False
        self._result, self._day = result, options.today
        self._pending, self._everything = set(), False
        files = MappingProxyType({path: item.data for path, item in result.files.items()})
        base = result.site.config.base_path if result.site is not None else previous.base_path
        early, self._early = self._early, None
        if early is not None:  # the pages are shown: only the pending files may differ, without a reload
            same = _same_files(files, early.files, early.pending)
            self._publish(Snapshot(build if same else build + 1, files, base_path=base))
            if not same:
                log.debug("the update made again a file it had not said was pending: reloading again")
        elif previous.error is None and _same_files(files, previous.files) and base == previous.base_path:
            log.info("%s", _("nothing to show again: the site is the same"))  # saved unchanged, touched: no reload
            return True
        else:
            self._publish(Snapshot(build, files, base_path=base))
        pages = sum(1 for path in files if path.endswith(".html"))
        built = ngettext("built {count} page, {files} files in {seconds}s",
                         "built {count} pages, {files} files in {seconds}s", pages)
        if previous.error is not None:
            built = ngettext("built {count} page, {files} files in {seconds}s; the site is back",
                             "built {count} pages, {files} files in {seconds}s; the site is back", pages)
        log.info("%s", built.format(count=pages, files=len(files), seconds=seconds_text(time.perf_counter() - start)))
        return True

    def _after_early(self, build: int) -> int:
        """Return the counter of what follows the pages shown early, if they were (one more: browsers reload)."""
        early, self._early = self._early, None
        return build + 1 if early is not None else build

    def _show_early(self, early: Early) -> None:
        """Show an update's pages before its cards and PDFs are made (`incremental.Early`), as build `_number`."""
        if self._snapshot.error is not None:  # the error page stays until the whole update is made
            return
        files = MappingProxyType({path: item.data for path, item in early.files.items()})
        self._early = Snapshot(self._number, files, base_path=self._snapshot.base_path, pending=early.pending)
        self._publish(self._early)
        log.debug("pages shown early; %d file(s) still being made", len(early.pending))

    @property
    def closed(self) -> bool:
        """Return whether the site is closed (the server is stopping)."""
        return self._closed

    def settled(self, snap: Snapshot, timeout: float) -> Snapshot:
        """Wait until ``snap`` is replaced (or the site closes, or ``timeout``); return the snapshot then."""
        with self._changed:
            self._changed.wait_for(lambda: self._closed or self._snapshot is not snap, timeout)
            return self._snapshot

    def _render(self, options: BuildOptions) -> BuildResult:
        """Return the site with the pending edits: updated from the last good build, or rendered whole."""
        result = self._update(options)
        if result is None:
            result = render_site(options)
            self._index = DepIndex(result.rendered.records) if result.rendered else None  # ready for the first edit
        return result

    def _update(self, options: BuildOptions) -> BuildResult | None:
        """Re-render what the pending edits affect from the last good build; None to render everything.

        Content and template mistakes raise; a bug in the update is logged and
        everything is rendered instead.
        """
        if self._result is None or self._everything:
            return None
        if self._day != options.today:
            log.debug("a new day since the last build (dated pages may be due): rendering everything")
            return None
        try:
            if self._index is None:
                self._index = DepIndex(self._result.rendered.records if self._result.rendered else {})
            done = apply_edits(self._result, options, sorted(self._pending), self._index, self._show_early)
        except (SiteError, SiteErrors):
            raise
        except Exception:
            log.exception("%s", _("internal error in the incremental update (this is a bug in Vigie); "
                                  "rendering everything"))
            self._index = None  # it may be half updated
            return None
        if done is None:
            log.debug("the edit reaches further than an update follows; rendering everything")
            return None
        pages = sorted(done.pages)
        log.debug("re-rendered %d page(s) (%s) and %d other file(s)", len(pages),
                  ", ".join(pages[:5]) + (", …" if len(pages) > 5 else ""), len(done.rerendered) - len(pages))
        return done.result

    def _publish(self, snapshot: Snapshot) -> None:
        with self._changed:
            self._snapshot = snapshot
            self._changed.notify_all()

    def wait_for_build(self, since: int, timeout: float, newer: bool = False) -> int:
        """Wait until the build counter differs from (or, if ``newer``, exceeds) ``since``; return it.

        Returns early when the site is closed, and with the same counter on timeout.
        """
        def ready() -> bool:
            build = self._snapshot.build
            return self._closed or (build > since if newer else build != since)

        with self._changed:
            self._changed.wait_for(ready, timeout)
            return self._snapshot.build

    def close(self) -> None:
        """Wake every waiting long-poll so the server can stop."""
        with self._changed:
            self._closed = True
            self._changed.notify_all()


# --- watching -------------------------------------------------------------------------------------

Stamp = tuple[int, int]


class _Either:
    """Set when either event is: what `watchfiles.watch` checks between two waits (its ``stop_event``)."""

    def __init__(self, *events: threading.Event) -> None:
        self.events = events

    def is_set(self) -> bool:
        return any(event.is_set() for event in self.events)


def _worth_watching(change: watchfiles.Change, path: str) -> bool:
    """Leave out hidden files and editors' leftovers before they wake the watcher (``watch_filter``).

    Below assets/, the hidden names a build publishes (``.well-known/``, all of ``assets/root/``) are kept;
    `classify_change` then tells exactly.
    """
    name = os.path.basename(path)
    if is_editor_leftover(name):
        return False
    return not name.startswith(".") or f"{os.sep}assets{os.sep}" in path


class Watcher:
    """Report changed source files by kind, woken by the system's change notifications (watchfiles).

    Two threads: one watches the source folders and everything below them
    (`watch_targets`: content/, layouts/ and assets/, the site's and the
    theme's); the other watches the site folder itself, alone, for site.yaml
    and for a source folder that appears or goes. site.yaml is watched through
    its folder because editors save by writing a new file and renaming it over
    the old one, which ends a watch on the file itself.

    The watcher keeps every watched file's (mtime, size): a notification names
    the paths that changed, and a path counts as changed when its stamp did
    (editors often touch a file without changing it). A folder that appears
    (moved in, or copied in one go) or goes, and every (re)start of the watch,
    are followed by a full comparison (`changes`), so nothing made while no
    notification could come is missed: the first build, a folder's arrival.
    Where the system gives no notifications, watchfiles polls (``force_polling``
    forces it: network drives, some containers).
    """

    def __init__(self, site: Path, on_change: Callable[[str, list[str]], object], *,
                 debounce: float = DEBOUNCE, poll_interval: float = POLL_INTERVAL,
                 force_polling: bool | None = None) -> None:
        self.site = site.resolve()
        self.on_change = on_change
        self.debounce = debounce
        self.poll_interval = poll_interval
        self.force_polling = force_polling
        self._stopping = threading.Event()
        self._regroup = threading.Event()
        """Set when the source folders are not the ones watched any more."""
        self._lock = threading.Lock()
        """One report at a time: the two threads share `state`, and rebuild one after the other."""
        self._recent: dict[str, float] = {}
        """Files notified or found changed lately, by when (see `_follow`)."""
        self.folders = watch_targets(self.site)
        self.links: dict[str, str] = {}
        """Each symbolic link among the watched files → the file it leads to: an edit there changes the link's page."""
        self.state = self.scan()
        """Every watched file: path → (root, (mtime_ns, size)); taken now, before the first build."""
        self._threads = [threading.Thread(target=self._watch_folders, name="vigie-watch", daemon=True),
                         threading.Thread(target=self._watch_site, name="vigie-watch-site", daemon=True)]
        self._started = [threading.Event() for _ in self._threads]
        """Set by each thread once its watch is on (the folders' after their first comparison)."""

    def start(self) -> None:
        """Start watching in two background threads."""
        for thread in self._threads:
            thread.start()

    def watching(self, timeout: float | None = None) -> bool:
        """Wait until both threads watch (at most ``timeout`` seconds); return whether they do.

        From then on, a change is reported by itself, in order; one made before
        is found by the first comparison, with whatever else was made by then.
        """
        deadline = None if timeout is None else time.monotonic() + timeout
        return all(started.wait(None if deadline is None else max(0.0, deadline - time.monotonic()))
                   for started in self._started)

    def stop(self) -> None:
        """Stop watching and wait for the threads to end (within one `debounce`)."""
        self._stopping.set()
        for thread in self._threads:
            if thread.is_alive() and threading.current_thread() is not thread:
                thread.join()

    # - what changed -

    def scan(self) -> dict[str, tuple[Path, Stamp]]:
        """Return every watched file with its root and (mtime_ns, size): site.yaml and the source folders."""
        found: dict[str, tuple[Path, Stamp]] = {}
        links: dict[str, str] = {}
        _stamp(self.site / CONFIG_FILE, self.site, found)
        for root, folder in watch_targets(self.site):
            stack = [str(folder)]
            while stack:
                try:
                    entries = list(os.scandir(stack.pop()))
                except OSError:
                    continue
                for entry in entries:
                    if entry.name.startswith(".") and classify_change(Path(entry.path), root) == IGNORED:
                        continue  # hidden, unless a build publishes it (assets/root/.nojekyll)
                    try:
                        if entry.is_dir(follow_symlinks=False):
                            stack.append(entry.path)
                            continue
                        st = entry.stat()
                        if entry.is_symlink():
                            links[entry.path] = os.path.realpath(entry.path)
                    except OSError:
                        continue
                    found[entry.path] = (root, (st.st_mtime_ns, st.st_size))
        self.links = links
        return found

    def changes(self) -> dict[str, str]:
        """Scan again; return changed, added and removed files as path → kind (ignored left out)."""
        new = self.scan()
        old, self.state = self.state, new
        changed: dict[str, str] = {}
        for path in old.keys() | new.keys():
            before, after = old.get(path), new.get(path)
            if before is not None and after is not None and before[1] == after[1]:
                continue
            root = (after or before)[0]  # type: ignore[index]
            kind = classify_change(Path(path), root)
            if kind != IGNORED:
                changed[_shown(Path(path), root)] = kind
                self._recent[path] = time.monotonic()
        return changed

    def changed_paths(self, paths: Iterable[str]) -> dict[str, str]:
        """Return what the notified ``paths`` changed, as path → kind, and keep their new stamps.

        A folder among them (new, or gone with files that were watched) is
        followed by a full comparison, since no notification names the files
        it brought or took away.
        """
        changed: dict[str, str] = {}
        full = False
        paths = list(paths)
        targets = {os.path.realpath(path) for path in paths}
        paths += [link for link, target in self.links.items() if target in targets]  # their stamps are the target's
        for path in paths:
            root = self._root_of(path)
            if root is None:
                continue
            kind = classify_change(Path(path), root)
            if kind == IGNORED:
                continue
            try:
                st = os.stat(path)
            except OSError:
                st = None
            if st is None:
                if self.state.pop(path, None) is not None:
                    changed[_shown(Path(path), root)] = kind
                elif any(known.startswith(path + os.sep) for known in self.state):
                    full = True  # a folder went
            elif stat.S_ISDIR(st.st_mode):
                full = True  # a folder came (or changed)
            elif stat.S_ISREG(st.st_mode):
                stamp = (st.st_mtime_ns, st.st_size)
                known = self.state.get(path)
                if known is None or known[1] != stamp:
                    self.state[path] = (root, stamp)
                    changed[_shown(Path(path), root)] = kind
        if full:
            changed.update(self.changes())
        return changed

    def _root_of(self, path: str) -> Path | None:
        if path == str(self.site / CONFIG_FILE):
            return self.site
        for root, folder in self.folders:
            if path.startswith(str(folder) + os.sep):
                return root
        return None

    def _report(self, find: Callable[[], dict[str, str]]) -> None:
        """Find what changed and rebuild once for the lot, as its widest kind."""
        try:
            with self._lock:
                batch = find()
                if batch and not self._stopping.is_set():
                    self.on_change(widest(batch.values()), sorted(batch))
        except Exception:  # never let the watcher die silently
            log.exception("%s", _("internal error in the file watcher (this is a bug in Vigie)"))

    # - the two threads -

    def _watch(self, paths: list[Path], stop: _Either | threading.Event,
               recursive: bool) -> Iterator[set[tuple[watchfiles.Change, str]]]:
        """Yield each burst of notified changes, and an empty set after TICK seconds without any."""
        return watchfiles.watch(
            *paths, watch_filter=_worth_watching, debounce=GROUP_MS, step=max(1, round(self.debounce * 1000)),
            stop_event=stop, rust_timeout=round(TICK * 1000), yield_on_timeout=True, raise_interrupt=False,
            force_polling=self.force_polling, poll_delay_ms=max(1, round(self.poll_interval * 1000)),
            recursive=recursive)

    def _follow(self, batches: Iterator[set[tuple[watchfiles.Change, str]]],
                wanted: Callable[[str], bool] = lambda path: True) -> Iterator[tuple[set[str], set[str]]]:
        """Yield the notified paths and the paths to look at after each wake: those, and those changed lately.

        watchfiles' polling compares modification times to the second, so a
        second save of a file within the same second goes unnoticed there:
        files notified or found changed in the last RECHECK seconds are looked
        at again at every wake (a stat each; their stamp tells whether they changed).
        """
        for batch in batches:
            notified = {path for _, path in batch if wanted(path)}
            now = time.monotonic()
            with self._lock:
                self._recent = {path: when for path, when in self._recent.items() if now - when < RECHECK}
                self._recent.update(dict.fromkeys(notified, now))
                paths = notified | {path for path in self._recent if wanted(path)}
            yield notified, paths

    def _watch_folders(self) -> None:
        """Watch the source folders, and again whenever they change (a new layouts/, say)."""
        either = _Either(self._stopping, self._regroup)
        while not self._stopping.is_set():
            self._regroup.clear()
            with self._lock:
                self.folders = watch_targets(self.site)
            if not self.folders:
                self._started[0].set()  # nothing to watch but the site folder, which the other thread does
                while not either.is_set():
                    self._stopping.wait(self.debounce)
                continue
            first = True
            try:
                for _notified, paths in self._follow(self._watch([folder for _, folder in self.folders], either,
                                                                 True)):
                    if first:  # watching now: compare with what was seen before it started
                        first = False
                        self._report(self.changes)
                        self._started[0].set()
                    elif paths:
                        self._report(lambda: self.changed_paths(paths))
            except Exception:  # a folder that went while being watched, a notification error
                log.debug("watching the source folders again", exc_info=True)
                self._stopping.wait(self.debounce)

    def _watch_site(self) -> None:
        """Watch the site folder alone: site.yaml, and source folders that appear or go."""
        config = str(self.site / CONFIG_FILE)
        tops = {CONFIG_FILE, "content", "layouts", "assets"}
        try:
            for notified, paths in self._follow(self._watch([self.site], self._stopping, False),
                                                lambda path: os.path.basename(path) in tops):
                self._started[1].set()  # the first wake comes once the watch is on (a change, or TICK)
                if notified - {config}:  # a source folder came, went, or was replaced by another of its name
                    self._regroup.set()  # the other thread watches them again, then compares
                if config in paths:
                    self._report(lambda: self.changed_paths([config]))
        except Exception:
            log.exception("%s", _("internal error watching {site} (this is a bug in Vigie); site.yaml is not "
                                  "watched any more").format(site=self.site))


def _stamp(path: Path, root: Path, found: dict[str, tuple[Path, Stamp]]) -> None:
    try:
        st = path.stat()
    except OSError:
        return
    found[str(path)] = (root, (st.st_mtime_ns, st.st_size))


def _written_meanwhile(err: SiteError | SiteErrors, changed: Collection[str], root: Path, since_ns: int) -> bool:
    """Return whether a file an error names, among those just changed, was written again since ``since_ns``
    (or is empty): the build may have read it between an editor's two writes."""
    errors = err.errors if isinstance(err, SiteErrors) else [err]
    for source in {e.source for e in errors if e.source in changed}:
        try:
            stat = (root / str(source)).stat()
        except OSError:
            continue
        if stat.st_size == 0 or stat.st_mtime_ns >= since_ns - WRITE_MARGIN_NS:
            return True
    return False


def _shown(path: Path, root: Path) -> str:
    try:
        return path.relative_to(root).as_posix()
    except ValueError:
        return str(path)


def watch_targets(site: Path) -> list[tuple[Path, Path]]:
    """Return the (root, folder) pairs whose trees are watched: the source folders that exist, resolved.

    ``site`` must be resolved. The site's content/, layouts/ and assets/, and
    the theme's layouts/ and assets/ the site does not replace (a change there
    matters when working on Vigie's own theme).
    """
    targets = [(site, site / "content")] if (site / "content").is_dir() else []
    seen = {site / "content"}
    theme_root = default_theme_dir().resolve()
    for sub in ("layouts", "assets"):
        for folder in theme_dirs(site, sub):
            folder = folder.resolve()
            if folder in seen or not folder.is_dir():
                continue
            seen.add(folder)
            root = site if folder == site / sub else theme_root
            targets.append((root, folder))
    return targets


# --- HTTP: livereload's server pieces on tornado ----------------------------------------------------



def _busy() -> bytes:
    """Return the whole 503 answer to a connection beyond the limit (its text in the language Vigie speaks)."""
    body = (_("503 Service Unavailable: too many connections to the preview at once; reload in a moment")
            + "\n").encode()
    return (b"HTTP/1.1 503 Service Unavailable\r\nContent-Type: text/plain; charset=utf-8\r\n"
            b"Content-Length: " + str(len(body)).encode() + b"\r\nRetry-After: 1\r\n"
            b"Cache-Control: no-store\r\nConnection: close\r\n\r\n" + body)


_TEXT = "text/plain; charset=utf-8"
_OWN_HEADERS = (("Cache-Control", "no-store"), ("X-Content-Type-Options", "nosniff"), ("Server", "vigie-serve"))


@dataclass(frozen=True, slots=True)
class Answer:
    """What the preview answers to a request for the site."""

    status: HTTPStatus
    body: bytes
    ctype: str
    headers: tuple[tuple[str, str], ...] = ()


class SiteApp:
    """The WSGI application over the in-memory site: pages, files, the error page, the preview's own pages.

    Every HTML answer gets the tag that loads livereload's client, made for
    the address the browser used (`reload_tag`), and every answer the
    published site's Content-Security-Policy (`preview_policy`).
    """

    def __init__(self, live: LiveSite, port: int) -> None:
        self.live = live
        self.port = port
        self._policy: tuple[bytes | None, str | None] = (None, None)

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> list[bytes]:
        method = environ["REQUEST_METHOD"]
        target = environ.get("REQUEST_URI") or environ.get("PATH_INFO") or "/"
        answer = self.answer(method, target, environ.get("HTTP_HOST", ""))
        headers = [("Content-Type", answer.ctype), ("Content-Length", str(len(answer.body))),
                   *_OWN_HEADERS, *answer.headers]
        start_response(f"{answer.status.value} {answer.status.phrase}", headers)
        return [b"" if method == "HEAD" else answer.body]

    def answer(self, method: str, target: str, host: str) -> Answer:
        """Return the answer to ``method target`` from a browser that wrote ``host`` in its Host header."""
        if method not in ("GET", "HEAD"):
            return Answer(HTTPStatus.METHOD_NOT_ALLOWED,
                          (_("405 Method Not Allowed: the preview only reads") + "\n").encode(),
                          _TEXT, (("Allow", "GET, HEAD"),))
        snap = self.live.snapshot
        answer = self._answer(target, snap, reload_tag(snap.build, hostname(host), self.port))
        return replace(answer, headers=(*answer.headers, ("Content-Security-Policy", self._policy_of(snap))))

    def _answer(self, target: str, snap: Snapshot, tag: bytes) -> Answer:
        if target.startswith(PREFIX):
            return self._own(target, snap, tag)
        folder = snap.folder
        path, _sep, query = target.partition("?")
        if folder != "/" and unquote(path) in ("/", unquote(snap.base_path).rstrip("/")):  # the site is in a folder
            return Answer(HTTPStatus.FOUND, b"", _TEXT, (("Location", folder + (f"?{query}" if query else "")),))
        rel = resolve_request(target, snap.base_path)
        if rel is None:
            return self._not_found(snap, tag, target)
        data = snap.files.get(rel)
        if data is None and rel.startswith(SEARCH_FOLDER + "/"):
            data = self.live.search_file(rel, snap)
        if data is None and f"{rel}/index.html" in snap.files:  # the address as sent, with its query
            location = folder + quote(rel, safe="/") + "/" + (f"?{query}" if query else "")
            return Answer(HTTPStatus.MOVED_PERMANENTLY, b"", _TEXT, (("Location", location),))
        if snap.error is not None and is_page(rel):
            return Answer(HTTPStatus.INTERNAL_SERVER_ERROR, inject_reload(snap.error, tag), _TYPES[".html"])
        if data is None:
            return self._not_found(snap, tag)
        if rel.endswith(".html"):
            data = inject_reload(data, tag)
        return Answer(HTTPStatus.OK, data, content_type(rel))

    def _own(self, target: str, snap: Snapshot, tag: bytes) -> Answer:
        path = target.partition("?")[0]
        if path == ERROR_CSS:
            return Answer(HTTPStatus.OK, preview_file("preview.css"), _TYPES[".css"])
        if path == ICON:
            return Answer(HTTPStatus.OK, (default_theme_dir() / "assets" / "img" / "icon.svg").read_bytes(),
                          _TYPES[".svg"])
        site = self.live.last_site
        if path == TRANSLATIONS and site is not None:
            page = translations_page(translation_status(site), site.config.codes)
            return Answer(HTTPStatus.OK, inject_reload(page, tag), _TYPES[".html"])
        return self._not_found(snap, tag, target)

    def _not_found(self, snap: Snapshot, tag: bytes, refused: str | None = None) -> Answer:
        if refused is not None:
            log.debug("refused %r", refused)
        page = snap.files.get("404.html")
        if page is None:
            return Answer(HTTPStatus.NOT_FOUND, (_("404 not found") + "\n").encode(), _TEXT)
        return Answer(HTTPStatus.NOT_FOUND, inject_reload(page, tag), _TYPES[".html"])

    def _policy_of(self, snap: Snapshot) -> str:
        headers = snap.files.get("_headers")
        if headers is not self._policy[0]:
            self._policy = (headers, preview_policy(headers))
        return self._policy[1] or FALLBACK_POLICY


class _Container(LiveScriptContainer):  # type: ignore[misc]  # livereload has no type hints
    """livereload's WSGI container, with no script of its own and the request target as sent.

    Its injector would put an *inline* ``<script>`` before every ``</head>`` of
    every answer, whatever its type; the pages' CSP forbids inline scripts, so
    it is given none, and `SiteApp` adds an external script tag to HTML
    answers. Tornado's WSGI environment has only the percent-decoded path:
    the target as sent goes along as ``REQUEST_URI``, so encoded slashes and
    dots are refused by `resolve_request`, not decoded first. The app runs on
    the server's thread and its whole answer goes in one write, headers as
    the app gave them: livereload's own call would set Content-Length to the
    body sent, 0 for every HEAD, where HTTP wants the length a GET would send.
    """

    def __init__(self, site: SiteApp) -> None:
        super().__init__(site, script=b"")
        self.site = site
        self.environment = WSGIContainer(site)
        """Tornado's own container: it makes the WSGI environment of a request."""

    def __call__(self, request: httputil.HTTPServerRequest) -> None:
        environ = self.environment.environ(request)
        environ["REQUEST_URI"] = request.uri
        started: list[tuple[str, list[tuple[str, str]]]] = []

        def start_response(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Callable[..., None]:
            started.append((status, headers))
            return lambda data: None

        body = b"".join(self.site(environ, start_response))
        status, headers = started[-1]
        code, _space, reason = status.partition(" ")
        header_obj = httputil.HTTPHeaders()
        for name, value in headers:
            header_obj.add(name, value)
        connection = request.connection
        assert connection is not None  # a request the server is answering
        connection.write_headers(httputil.ResponseStartLine("HTTP/1.1", int(code), reason), header_obj,
                                 chunk=body)  # tornado sends no body after a HEAD's headers
        connection.finish()
        self._log(int(code), request)

    def _log(self, status_code: int, request: httputil.HTTPServerRequest) -> None:
        log.debug("%d %s %s", status_code, request.method, request.uri)


class _ClientScript(LiveReloadJSHandler):  # type: ignore[misc]
    """livereload.js, the LiveReload client as the livereload package ships it, from the site's origin."""

    def set_default_headers(self) -> None:
        for name, value in _OWN_HEADERS:
            self.set_header(name, value)


class _ReloadSocket(LiveReloadHandler):  # type: ignore[misc]
    """livereload's end of the LiveReload protocol over a WebSocket: one per open page.

    Changed from livereload's handler where the preview needs it: only pages
    of the preview's own origin may connect (livereload accepts any origin, so
    any web site could follow your saves); the page's build comes in the
    client's hello (``snipver``, see `reload_tag`); and the page joins the
    browsers of its own server (livereload keeps one set for the process).
    """

    def initialize(self, browsers: Browsers) -> None:
        self.browsers = browsers
        self.page_build: int | None = None

    def check_origin(self, origin: str) -> bool:
        return WebSocketHandler.check_origin(self, origin)

    def on_message(self, message: str | bytes) -> None:
        try:
            data = json.loads(message)
        except ValueError:
            data = None
        if not isinstance(data, dict) or not isinstance(data.get("command"), str):
            self.close(1003, "not a LiveReload message")
            return
        if data["command"] == "hello" and type(data.get("snipver")) is int:
            self.page_build = data["snipver"]
        super().on_message(message)  # answers hello; adds the page to livereload's set on info
        if self in LiveReloadHandler.waiters:
            LiveReloadHandler.waiters.discard(self)
            self.browsers.join(self)

    def on_close(self) -> None:
        self.browsers.leave(self)
        super().on_close()


class Browsers:
    """The open pages of one server, by their WebSocket; used on the server's thread only."""

    def __init__(self, live: LiveSite) -> None:
        self.live = live
        self.sockets: set[_ReloadSocket] = set()

    def join(self, page: _ReloadSocket) -> None:
        """Follow a page that said hello; reload it at once if it is older than the current build."""
        self.sockets.add(page)
        if page.page_build is not None:
            self._tell(page, self.live.snapshot.build)

    def leave(self, page: _ReloadSocket) -> None:
        self.sockets.discard(page)

    def reload(self, build: int) -> None:
        """Tell every page that is not of ``build`` to reload."""
        for page in list(self.sockets):
            self._tell(page, build)

    def _tell(self, page: _ReloadSocket, build: int) -> None:
        if page.page_build != build:
            page.page_build = build
            page.send_message(RELOAD_MESSAGE)

    def close(self) -> None:
        """Close every page's WebSocket (the pages try again until a server answers)."""
        for page in list(self.sockets):
            page.close(1001, "the preview stopped")


class _WrongHost(web.RequestHandler):
    """The short 400 answer to a request whose Host is not the preview's address; then the connection closes."""

    def initialize(self, body: bytes) -> None:
        self.body = body

    def set_default_headers(self) -> None:
        for name, value in _OWN_HEADERS:
            self.set_header(name, value)

    async def prepare(self) -> None:
        self.set_status(HTTPStatus.BAD_REQUEST)
        self.set_header("Content-Type", _TEXT)
        self.set_header("Connection", "close")
        await self.finish(self.body)
        connection = self.request.connection
        if isinstance(connection, HTTP1Connection):
            connection.close()


class _SiteHandler(web.FallbackHandler):
    """Hands every request to the site's container; what tornado refuses itself (TRACE, a method it does not
    know) gets the preview's own headers and a line of text, not tornado's HTML page.

    A request for a file still being made (`Snapshot.pending`) waits for it first, in a thread: the
    server's loop goes on answering the others.
    """

    async def prepare(self) -> None:  # type: ignore[override]  # tornado awaits a coroutine here
        container = self.fallback
        assert isinstance(container, _Container)
        live = container.site.live
        rel = resolve_request(self.request.uri or "/", live.snapshot.base_path)
        deadline = time.monotonic() + PENDING_WAIT
        snap = live.snapshot
        while (rel is not None and snap.pending and (rel in snap.pending or f"{rel}/index.html" in snap.pending)
               and not live.closed and (left := deadline - time.monotonic()) > 0):
            snap = await IOLoop.current().run_in_executor(None, live.settled, snap, left)
        super().prepare()

    def set_default_headers(self) -> None:
        for name, value in _OWN_HEADERS:
            self.set_header(name, value)
        self.set_header("Content-Security-Policy", FALLBACK_POLICY)

    def write_error(self, status_code: int, **kwargs: Any) -> None:
        self.set_header("Content-Type", _TEXT)
        if status_code == HTTPStatus.METHOD_NOT_ALLOWED:
            self.set_header("Allow", "GET, HEAD")
            self.finish((_("405 Method Not Allowed: the preview only reads") + "\n").encode())
            return
        self.finish(f"{status_code} {self._reason}\n".encode())


class PreviewApp(web.Application):
    """The tornado application: the host check first, then the WebSocket, livereload.js and the site."""

    def __init__(self, live: LiveSite, browsers: Browsers, bound_host: str, port: int) -> None:
        self.bound_host = bound_host
        self.port = port
        self.browsers = browsers
        super().__init__([
            (re.escape(CLIENT_JS), _ClientScript),
            (r".*", _SiteHandler, {"fallback": _Container(SiteApp(live, port))}),
        ], log_function=_log_request, websocket_max_message_size=65536)

    def find_handler(self, request: httputil.HTTPServerRequest, **kwargs: Any) -> web._HandlerDelegate:
        hosts = request.headers.get_list("Host")
        if len(hosts) != 1 or not host_allowed(hosts[0], self.bound_host, self.port):
            log.debug("refused a request for another host (%d Host header(s))", len(hosts))
            return self.get_handler_delegate(request, _WrongHost,
                                             {"body": wrong_host_text(self.bound_host, self.port)})
        if request.path == SOCKET and request.headers.get("Upgrade", "").lower() == "websocket":
            return self.get_handler_delegate(request, _ReloadSocket, {"browsers": self.browsers})
        return super().find_handler(request, **kwargs)


def _log_request(handler: web.RequestHandler) -> None:
    log.debug("%d %s %s", handler.get_status(), handler.request.method, handler.request.uri)


class _HTTPServer(HTTPServer):
    """Tornado's HTTP server, answering at most ``max_connections`` connections at once.

    A connection beyond them waits up to SLOT_WAIT for one to close, then is
    answered 503 and closed. Every connection is kept, to close it on stop.
    """

    max_connections = MAX_CONNECTIONS

    def initialize(self, *args: Any, **kwargs: Any) -> None:
        super().initialize(*args, **kwargs)
        self.streams: set[IOStream] = set()
        self._held: set[IOStream] = set()
        self._warned_busy = False

    def handle_stream(self, stream: IOStream, address: tuple[Any, ...]) -> Awaitable[None]:  # type: ignore[override]
        return self._admit(stream, address)  # tornado runs it on its loop

    async def _admit(self, stream: IOStream, address: tuple[Any, ...]) -> None:
        self.streams = {s for s in self.streams if not s.closed()}
        self.streams.add(stream)
        deadline = time.monotonic() + SLOT_WAIT
        while True:
            self._held = {s for s in self._held if not s.closed()}
            if len(self._held) < self.max_connections:
                break
            if time.monotonic() >= deadline or stream.closed():
                self._busy(stream)
                return
            await asyncio.sleep(SLOT_WAIT / 50)
        self._held.add(stream)
        super().handle_stream(stream, address)

    def _busy(self, stream: IOStream) -> None:
        """Answer 503 at once, without waiting on the client, and close."""
        if not self._warned_busy:
            self._warned_busy = True
            log.warning("%s", _("more than {count} connections to the preview at once: the extra ones are "
                                "answered 503").format(count=self.max_connections))
        sock = stream.socket
        try:
            try:
                sock.recv(65536)  # what the client sent already, so closing does not reset the answer
            except OSError:
                pass
            sock.send(_busy())
        except OSError:
            pass
        stream.close()

    @property
    def open_connections(self) -> int:
        """Return how many connections are being answered."""
        return sum(1 for s in list(self._held) if not s.closed())


class _ServerThread(threading.Thread):
    """The server's event loop (tornado on asyncio), in its own thread; started and stopped from another."""

    def __init__(self, app: PreviewApp, sock: socket.socket, max_connections: int) -> None:
        super().__init__(name="vigie-http", daemon=True)
        self.app = app
        self.sock = sock
        self.max_connections = max_connections
        self.ready = threading.Event()
        self.error: BaseException | None = None
        self.ioloop: IOLoop | None = None
        self.server: _HTTPServer | None = None
        self._stopping: asyncio.Event | None = None

    def run(self) -> None:
        try:
            asyncio.run(self._serve())
        except BaseException as exc:  # noqa: B036 (reported to the starting thread)
            if self.ready.is_set():
                log.exception("internal error in the preview server (this is a bug in Vigie)")
            self.error = exc
        finally:
            self.ready.set()

    async def _serve(self) -> None:
        self.ioloop = IOLoop.current()
        self._stopping = asyncio.Event()
        server = self.server = _HTTPServer(self.app, idle_connection_timeout=IDLE_TIMEOUT, max_body_size=65536)
        server.max_connections = self.max_connections
        server.add_sockets([self.sock])
        self.ready.set()
        await self._stopping.wait()
        server.stop()  # no new connections; the listening socket is closed
        self.app.browsers.close()
        for stream in list(server.streams):
            stream.close()
        await server.close_all_connections()
        deadline = time.monotonic() + 2.0
        while self.app.browsers.sockets and time.monotonic() < deadline:  # their handlers see the close
            await asyncio.sleep(0.01)

    def start_serving(self) -> None:
        """Start the thread; return once it accepts connections, or raise what stopped it."""
        self.start()
        self.ready.wait()
        if self.error is not None:
            raise self.error

    def call(self, callback: Callable[..., object], *args: object) -> None:
        """Run ``callback(*args)`` on the server's thread (from any thread)."""
        if self.ioloop is not None:
            self.ioloop.add_callback(callback, *args)

    def stop(self) -> None:
        """Close every connection, stop the loop and wait for the thread to end."""
        if self.ioloop is not None and self._stopping is not None:
            self.ioloop.add_callback(self._stopping.set)
        if self.is_alive():
            self.join()
        self.sock.close()


def _listen(host: str, port: int) -> socket.socket:
    """Return a listening socket on host:port (port 0: any free one), as the stdlib server made it."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    try:
        if os.name != "nt":  # on Windows the option would let a second server take the same port
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((host, port))
        sock.listen(128)
        sock.setblocking(False)
    except BaseException:
        sock.close()
        raise
    return sock


# --- starting and stopping ------------------------------------------------------------------------

class ServerHandle:
    """A running preview server: its address, its live site, and how to stop it."""

    def __init__(self, thread: _ServerThread, live: LiveSite, watcher: Watcher, host: str, port: int) -> None:
        self.thread = thread
        self.live = live
        self.watcher = watcher
        self.host = host
        self.port = port
        self.stopped = threading.Event()
        self._follower = threading.Thread(target=self._follow_builds, name="vigie-reload", daemon=True)

    @property
    def origin(self) -> str:
        """Return the server's address: ``http://127.0.0.1:8000`` (the preview's own pages are below it)."""
        return base_url_for(self.host, self.port).rstrip("/")

    @property
    def url(self) -> str:
        """Return the address to open in a browser: the site's home, in the folder it is published in."""
        return self.origin + self.live.snapshot.folder

    @property
    def build(self) -> int:
        """Return the current build counter."""
        return self.live.snapshot.build

    @property
    def browsers(self) -> int:
        """Return how many open pages are connected, waiting for the next reload."""
        return len(self.thread.app.browsers.sockets)

    @property
    def open_connections(self) -> int:
        """Return how many connections are being answered (WebSockets included)."""
        server = self.thread.server
        return server.open_connections if server is not None else 0

    def wait_for_build(self, counter: int, timeout: float = 10.0) -> int:
        """Wait until a build newer than ``counter`` is served; return its counter."""
        build = self.live.wait_for_build(counter, timeout, newer=True)
        if build <= counter:
            raise TimeoutError(f"no build after #{counter} within {timeout}s")
        return build

    def _follow_builds(self) -> None:
        """Tell the open pages to reload whenever a build lands (failed builds too: they show the error)."""
        seen = self.live.snapshot.build
        while not self.stopped.is_set():
            build = self.live.wait_for_build(seen, 60.0)  # returns at once when the site is closed
            if build != seen and not self.stopped.is_set():
                seen = build
                self.thread.call(self.thread.app.browsers.reload, build)

    def _start(self) -> None:
        self._follower.start()
        self.watcher.start()

    def stop(self) -> None:
        """Stop watching and serving; close connections and join every thread. Idempotent."""
        if self.stopped.is_set():
            return
        self.stopped.set()
        self.watcher.stop()
        self.live.close()
        if self._follower.is_alive():
            self._follower.join()
        self.thread.stop()

    def __enter__(self) -> ServerHandle:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


def start_server(site: Path, host: str = "127.0.0.1", port: int = 8000, drafts: bool = False, *,
                 today: date | None = None, poll_interval: float = POLL_INTERVAL,
                 debounce: float = DEBOUNCE, max_connections: int = MAX_CONNECTIONS,
                 force_polling: bool | None = None) -> ServerHandle:
    """Build ``site`` in memory, start serving and watching it in background threads."""
    refuse_undecodable_path(site)  # the watcher could not name its files: refused before anything starts
    require_site_file(site)
    try:
        sock = _listen(host, port)
    except OSError as exc:
        raise SiteError(_("cannot listen on {host}:{port} ({reason}); is another server running there? "
                          "try --port 8001").format(host=host, port=port, reason=os_reason(exc))) from exc
    thread: _ServerThread | None = None
    try:
        port = sock.getsockname()[1]
        live = LiveSite(BuildOptions(root=site, drafts=drafts, today=today,
                                     origin=base_url_for(host, port).rstrip("/")))
        # Take the first stamps before building, so edits made meanwhile are seen.
        watcher = Watcher(site, live.rebuild, debounce=debounce, poll_interval=poll_interval,
                          force_polling=force_polling)
        live.rebuild(Change.CONFIG)
        thread = _ServerThread(PreviewApp(live, Browsers(live), host, port), sock, max_connections)
        thread.start_serving()
        handle = ServerHandle(thread, live, watcher, host, port)
        handle._start()
    except BaseException:
        if thread is not None:
            thread.stop()
        sock.close()
        raise
    return handle


def serve(site: Path, host: str = "127.0.0.1", port: int = 8000, drafts: bool = False) -> int:
    """Serve ``site`` until Ctrl-C, rebuilding on change; return the exit status (0)."""
    handle = start_server(site, host, port, drafts)
    switch = sys.getswitchinterval()
    try:
        if host not in ("127.0.0.1", "localhost", "::1"):
            log.warning("%s", (_("listening on {host}: other computers on the network can see this preview "
                                 "(drafts included)") if drafts else
                               _("listening on {host}: other computers on the network can see this preview")
                               ).format(host=host))
        log.info("%s", (_("serving {site} at {url} with drafts; watching content/, layouts/, assets/ and site.yaml "
                          "(Ctrl-C to stop)") if drafts else
                        _("serving {site} at {url}; watching content/, layouts/, assets/ and site.yaml "
                          "(Ctrl-C to stop)")).format(site=site, url=handle.url))
        log.info("%s", _("translation status: {url}").format(url=handle.origin + TRANSLATIONS))
        sys.setswitchinterval(SWITCH_INTERVAL)
        while not handle.stopped.wait(0.5):
            handle.live.collect_between_edits()
    except KeyboardInterrupt:
        log.info("%s", _("stopping"))
    finally:
        handle.stop()
        gc.unfreeze()  # what `collect_between_edits` froze: the collector as it was
        sys.setswitchinterval(switch)
    return 0
