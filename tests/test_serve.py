"""`vigie serve`: change classification, request resolution, and the live server end to end."""

from __future__ import annotations

import _thread
import asyncio
import gc
import html
import http.client
import json
import logging
import os
import re
import shutil
import signal
import socket
import sys
import threading
import time
import weakref
from datetime import timedelta
from pathlib import Path
from types import MappingProxyType
from html.parser import HTMLParser
from typing import Any, Callable, Iterator, TypeVar

import pytest
from tornado.httpclient import HTTPClientError, HTTPRequest
from tornado.websocket import WebSocketClientConnection, websocket_connect

from conftest import BUILD_DAY, FIXTURE_SITE
from generator.commands import serve as serve_module
from generator.build import BuildOptions, BuildResult, build, render_site
from generator.core.errors import SiteError, SiteErrors
from generator.commands.serve import (
    CLIENT_JS,
    FALLBACK_POLICY,
    LiveSite,
    ServerHandle,
    Snapshot,
    Watcher,
    base_url_for,
    classify_change,
    content_type,
    MAX_CONNECTIONS,
    SWITCH_INTERVAL,
    error_lines,
    error_page,
    host_allowed,
    hostname,
    inject_reload,
    is_page,
    preview_policy,
    reload_tag,
    resolve_request,
    serve,
    start_server,
    widest,
    wrong_host_text,
)

ROOT = Path("/site")
ARTICLE = "content/fr/articles/ecrans.md"
ARTICLE_URL = "/fr/articles/ecrans/"
T = TypeVar("T")


# --- pure functions -------------------------------------------------------------------------------

@pytest.mark.parametrize(("path", "kind"), [
    ("content/fr/articles/ecrans.md", "content"),
    ("content/en/pages/help.md", "content"),
    ("content/fr/index.md", "content"),
    ("content/fr/articles/photo.png", "content"),  # not allowed there: rebuilding reports it
    ("content/facts/share-girls.yaml", "fact"),
    ("content/facts/new.yml", "fact"),
    ("layouts/base.html", "template"),
    ("layouts/partials/footer.html", "template"),
    ("layouts/feed.xml", "template"),
    ("layouts/_headers", "template"),
    ("layouts/i18n/fr.yaml", "strings"),
    ("layouts/i18n/en.yaml", "strings"),
    ("assets/css/site.css", "asset"),
    ("assets/img/icon.svg", "asset"),
    ("assets/js/site.js", "asset"),
    ("site.yaml", "config"),
    ("public/index.html", "ignored"),
    ("public/fr/index.html", "ignored"),
    (".vigie-cache/parse.db", "ignored"),
    (".git/index", "ignored"),
    ("content/fr/articles/.ecrans.md.swp", "ignored"),
    ("content/fr/articles/ecrans.md.swp", "ignored"),
    ("content/fr/articles/ecrans.md~", "ignored"),
    ("content/fr/articles/.#ecrans.md", "ignored"),
    ("content/fr/articles/#ecrans.md#", "ignored"),
    ("content/fr/articles/4913", "ignored"),
    ("layouts/4913", "ignored"),
    ("site.yaml~", "ignored"),
    (".site.yaml.swp", "ignored"),
    ("content/fr/.hidden/note.md", "ignored"),
    ("assets/css/.DS_Store", "ignored"),
    ("README.md", "ignored"),
    ("tests/test_serve.py", "ignored"),
    ("content/../site.yaml", "ignored"),
])
def test_classify_change(path: str, kind: str) -> None:
    assert classify_change(ROOT / path, ROOT) == kind
    assert classify_change(Path(path), ROOT) == kind  # relative paths are relative to root


def test_classify_change_outside_root_is_ignored() -> None:
    assert classify_change(Path("/elsewhere/content/fr/a.md"), ROOT) == "ignored"


@pytest.mark.parametrize(("kinds", "expected"), [
    ([], "ignored"),
    (["content"], "content"),
    (["asset", "content"], "content"),
    (["content", "fact", "asset"], "fact"),
    (["strings", "template"], "template"),
    (["template", "config", "content"], "config"),
])
def test_widest(kinds: list[str], expected: str) -> None:
    assert widest(kinds) == expected


@pytest.mark.parametrize(("target", "rel"), [
    ("/", "index.html"),
    ("/fr/", "fr/index.html"),
    ("/fr/articles/ecrans/", "fr/articles/ecrans/index.html"),
    ("/fr/articles/ecrans/?utm=x", "fr/articles/ecrans/index.html"),
    ("/fr", "fr"),
    ("/assets/css/site.css", "assets/css/site.css"),
    ("/fr/%C3%A9t%C3%A9/", "fr/été/index.html"),
    ("/../site.yaml", None),
    ("/fr/../../site.yaml", None),
    ("/fr/../index.html", None),
    ("/./index.html", None),
    ("/%2e%2e/site.yaml", None),
    ("/%2E%2E/%2e%2E/etc/passwd", None),
    ("/fr%2F..%2F..%2Fsite.yaml", None),
    ("/fr%2fecrans", None),
    ("/..\\site.yaml", None),
    ("/fr\\index.html", None),
    ("/%5c..%5csite.yaml", None),
    ("//etc/passwd", None),
    ("/fr//index.html", None),
    ("http://example.org/index.html", None),
    ("*", None),
    ("/index.html%00.css", None),
    ("/%ff/", None),
])
def test_resolve_request(target: str, rel: str | None) -> None:
    assert resolve_request(target) == rel


@pytest.mark.parametrize(("target", "base_path", "rel"), [
    ("/campagne/fr/", "/campagne/", "fr/index.html"),
    ("/campagne/", "/campagne/", "index.html"),
    ("/campagne", "/campagne/", None),  # redirected to the folder before (SiteApp)
    ("/fr/", "/campagne/", None),  # outside the site's folder, as once published
    ("/campagnex/fr/", "/campagne/", None),
    ("/%C3%A9t%C3%A9/fr/", "/été/", "fr/index.html"),  # a folder written in letters, asked encoded
    ("/%C3%A9t%C3%A9/fr/", "/%C3%A9t%C3%A9/", "fr/index.html"),  # a folder written encoded in site.yaml
    ("/a%20b/x.css", "/a b/", "x.css"),
    ("/campagne/../site.yaml", "/campagne/", None),
    ("/campagne/%2e%2e/site.yaml", "/campagne/", None),
    ("/campagne/fr%2f..%2f..%2fsite.yaml", "/campagne/", None),
])
def test_resolve_request_in_the_site_s_folder(target: str, base_path: str, rel: str | None) -> None:
    assert resolve_request(target, base_path) == rel


@pytest.mark.parametrize(("rel", "page"), [
    ("index.html", True),
    ("fr/articles/ecrans/index.html", True),
    ("fr/nowhere", True),
    ("favicon.ico", False),
    ("assets/css/site.css", False),
    ("fr/feed.xml", False),
    ("_headers", False),  # while the site is in error, the error page took its place
    ("_redirects", False),
])
def test_is_page(rel: str, page: bool) -> None:
    assert is_page(rel) is page


@pytest.mark.parametrize(("path", "ctype"), [
    ("fr/index.html", "text/html; charset=utf-8"),
    ("assets/css/site.3c556425d6.css", "text/css; charset=utf-8"),
    ("assets/js/site.ddbdcaea6e.js", "text/javascript; charset=utf-8"),
    ("assets/img/icon.6069e9325e.svg", "image/svg+xml"),
    ("assets/fonts/AtkinsonHyperlegible-Bold.5a3b0c8cc8.ttf", "font/ttf"),
    ("fr/feed.xml", "application/atom+xml; charset=utf-8"),
    ("sitemap.xml", "application/xml; charset=utf-8"),
    ("robots.txt", "text/plain; charset=utf-8"),
    ("_headers", "text/plain; charset=utf-8"),
    ("fr/chiffres/x.pdf", "application/pdf"),
    ("cards/x.png", "image/png"),
    ("download.unknownext", "application/octet-stream"),
])
def test_content_type(path: str, ctype: str) -> None:
    assert content_type(path) == ctype


def test_reload_tag_loads_livereloads_client_for_the_pages_own_address() -> None:
    assert reload_tag(7, "127.0.0.1", 8000) == (b'<script src="/__vigie__/livereload.js?host=127.0.0.1&amp;port=8000'
                                                b'&amp;snipver=7&amp;maxdelay=1000"></script>\n')
    assert b"?host=[::1]&amp;port=8001&amp;" in reload_tag(1, "[::1]", 8001)
    assert b"?host=localhost&amp;" in reload_tag(1, "localhost", 8000)


@pytest.mark.parametrize(("header", "name"), [
    ("127.0.0.1:8000", "127.0.0.1"), ("localhost:8000", "localhost"), ("[::1]:8000", "[::1]"),
    ("192.168.1.5", "192.168.1.5"), (" preview.lan:80 ", "preview.lan"),
])
def test_hostname(header: str, name: str) -> None:
    assert hostname(header) == name


def test_inject_reload_goes_before_the_last_body_end() -> None:
    page = b"<html><body><p>&lt;/body&gt;</p></body>\n</html>\n"
    tag = b'<script src="/__vigie__/livereload.js?snipver=7"></script>\n'
    assert inject_reload(page, tag) == (b'<html><body><p>&lt;/body&gt;</p><script src="/__vigie__/livereload.js'
                                        b'?snipver=7"></script>\n</body>\n</html>\n')
    assert inject_reload(b"<p>no body end</p>", tag) == b"<p>no body end</p>" + tag


def test_preview_policy_is_the_published_one_without_the_https_upgrade(
        built_site: tuple[BuildResult, Path]) -> None:
    shipped_headers = (built_site[1] / "_headers").read_bytes()  # as a build writes it from layouts/_headers
    policy = preview_policy(shipped_headers)
    assert policy is not None
    assert "script-src 'self'" in policy and "connect-src 'self'" in policy and "default-src 'self'" in policy
    assert "upgrade-insecure-requests" not in policy
    shipped = next(line for line in shipped_headers.decode().splitlines() if "Content-Security-Policy" in line)
    assert shipped.strip() == f"Content-Security-Policy: {policy}; upgrade-insecure-requests"
    assert preview_policy(None) is None
    assert preview_policy(b"/assets/*\n  Content-Security-Policy: default-src 'none'\n") is None  # not every page
    assert preview_policy(b"# none\n/*\n  X-Frame-Options: DENY\n") is None


def test_error_page_lists_escaped_lines_and_loads_the_external_script() -> None:
    err = SiteErrors([SiteError("unknown fact '<script>alert(1)</script>'", source="content/fr/a.md", line=3),
                      SiteError("no title", source="content/en/b.md")])
    lines = error_lines(err)
    assert lines == ["content/en/b.md: error: no title",
                     "content/fr/a.md:3: error: unknown fact '<script>alert(1)</script>'"]
    page = error_page(lines).decode()
    assert '<html lang="en"' in page
    assert "content/fr/a.md:3: error: unknown fact &#39;&lt;script&gt;alert(1)&lt;/script&gt;&#39;" in page
    assert "<script" not in page  # nothing inline (the CSP forbids it); the reload script is added when served
    assert '<link rel="stylesheet" href="/__vigie__/error.css">' in page
    assert '<link rel="icon" href="/__vigie__/icon.svg" type="image/svg+xml">' in page  # no /favicon.ico 404


def test_error_page_speaks_french_with_lang_fr_and_keeps_the_error_keyword(french: None) -> None:
    lines = error_lines(SiteErrors([SiteError("x", source="content/fr/a.md", line=3),
                                    SiteError("y", source="content/en/b.md")]))
    page = error_page(lines).decode()
    assert '<html lang="fr"' in page
    assert "<title>Échec de la construction · Aperçu Vigie</title>" in page
    assert "<h1>Le site n'a pas pu être construit (2 erreurs)</h1>" in page
    assert "Corrigez le fichier indiqué ci-dessous" in page
    assert "<code>content/fr/a.md:3: error: x</code>" in page  # the keyword is never translated
    assert "The site" not in page and "Fix the file" not in page
    one = error_page(lines[:1]).decode()
    assert "(1 erreur)" in one
    internal = error_page([], internal=True).decode()
    assert "<h1>Vigie a rencontré une erreur interne pendant la reconstruction</h1>" in internal
    assert "où tourne <code>vigie serve</code>" in internal  # the markup inside a translated sentence is kept
    assert '<html lang="fr"' in internal


def test_error_page_in_english_counts_one_error() -> None:
    page = error_page(["content/a.md: error: x"]).decode()
    assert '<html lang="en"' in page and "<h1>The site could not be built (1 error)</h1>" in page


def test_plain_answers_speak_french(french: None) -> None:
    assert wrong_host_text("192.168.1.5", 8000) == \
        "400 Bad Request : cet aperçu ne répond qu'à http://192.168.1.5:8000/\n".encode()
    assert "adresse IP de cet ordinateur, port 8000" in wrong_host_text("0.0.0.0", 8000).decode()


@pytest.mark.parametrize(("host", "port", "url"), [
    ("127.0.0.1", 8000, "http://127.0.0.1:8000/"),
    ("localhost", 8765, "http://localhost:8765/"),
    ("0.0.0.0", 8000, "http://localhost:8000/"),
    ("::1", 8000, "http://[::1]:8000/"),
])
def test_base_url_for(host: str, port: int, url: str) -> None:
    assert base_url_for(host, port) == url


@pytest.mark.parametrize(("header", "bound", "port", "allowed"), [
    ("127.0.0.1:8000", "127.0.0.1", 8000, True),
    ("localhost:8000", "127.0.0.1", 8000, True),
    ("LocalHost:8000", "127.0.0.1", 8000, True),
    (" 127.0.0.1:8000 ", "127.0.0.1", 8000, True),
    ("127.0.0.1:8001", "127.0.0.1", 8000, False),
    ("127.0.0.1", "127.0.0.1", 8000, False),  # no port: only right for port 80
    ("127.0.0.1", "127.0.0.1", 80, True),
    ("localhost", "127.0.0.1", 80, True),
    ("127.0.0.1:80", "127.0.0.1", 80, True),
    ("127.0.0.1:", "127.0.0.1", 80, False),
    ("127.0.0.1:08000", "127.0.0.1", 8000, False),
    ("evil.example:8000", "127.0.0.1", 8000, False),  # DNS rebinding: a name pointed at 127.0.0.1
    ("localhost.evil.example:8000", "127.0.0.1", 8000, False),
    ("localhost.:8000", "127.0.0.1", 8000, False),
    ("127.0.0.2:8000", "127.0.0.1", 8000, False),
    ("127.1:8000", "127.0.0.1", 8000, False),
    ("2130706433:8000", "127.0.0.1", 8000, False),
    ("[::1]:8000", "127.0.0.1", 8000, False),  # not bound there
    ("[127.0.0.1]:8000", "127.0.0.1", 8000, False),
    ("", "127.0.0.1", 8000, False),
    (":8000", "127.0.0.1", 8000, False),
    (None, "127.0.0.1", 8000, False),
    ("127.0.0.1:8000@evil.example", "127.0.0.1", 8000, False),
    ("localhost:8000", "localhost", 8000, True),
    ("127.0.0.1:8000", "localhost", 8000, True),
    ("[::1]:8000", "::1", 8000, True),
    ("[0:0::1]:8000", "::1", 8000, True),
    ("localhost:8000", "::1", 8000, True),
    ("::1:8000", "::1", 8000, False),
    ("[::1]", "::1", 8000, False),
    ("[::1:8000", "::1", 8000, False),
    ("127.0.0.1:8000", "::1", 8000, False),
    ("192.168.1.5:8000", "192.168.1.5", 8000, True),  # a phone on the same network
    ("localhost:8000", "192.168.1.5", 8000, False),  # not bound to the loopback
    ("192.168.1.6:8000", "192.168.1.5", 8000, False),
    ("laptop.local:8000", "192.168.1.5", 8000, False),
    ("192.168.1.5:8000", "0.0.0.0", 8000, True),  # every address: any IP address …
    ("10.0.0.7:8000", "0.0.0.0", 8000, True),
    ("localhost:8000", "0.0.0.0", 8000, True),
    ("laptop.local:8000", "0.0.0.0", 8000, False),  # … but never another name
    ("evil.example:8000", "0.0.0.0", 8000, False),
    ("[::1]:8000", "0.0.0.0", 8000, False),
    ("192.168.1.5:8001", "0.0.0.0", 8000, False),
    ("[fe80::1]:8000", "::", 8000, True),
    ("192.168.1.5:8000", "::", 8000, True),
    ("evil.example:8000", "::", 8000, False),
    ("preview.lan:8000", "preview.lan", 8000, True),  # a name given to --host, as written
    ("PREVIEW.lan:8000", "preview.lan", 8000, True),
    ("other.lan:8000", "preview.lan", 8000, False),
])
def test_host_allowed(header: str | None, bound: str, port: int, allowed: bool) -> None:
    assert host_allowed(header, bound, port) is allowed


def test_wrong_host_text_names_where_the_preview_answers() -> None:
    assert wrong_host_text("127.0.0.1", 8000) == (b"400 Bad Request: this preview answers only at "
                                                  b"http://127.0.0.1:8000/ or http://localhost:8000/\n")
    assert wrong_host_text("localhost", 8000) == wrong_host_text("127.0.0.1", 8000)
    assert wrong_host_text("::1", 8001).endswith(b"only at http://[::1]:8001/ or http://localhost:8001/\n")
    assert wrong_host_text("192.168.1.5", 8000).endswith(b"only at http://192.168.1.5:8000/\n")
    assert b"IP address" in wrong_host_text("0.0.0.0", 8000)


# --- watcher and live site without HTTP -----------------------------------------------------------

def test_watcher_reports_real_changes_by_kind_and_leaves_out_editor_files(site_src: Path) -> None:
    watcher = Watcher(site_src, on_change=lambda kind, paths: None)
    article = site_src / ARTICLE
    for litter in (".ecrans.md.swp", "ecrans.md~", "4913", ".#ecrans.md"):
        (article.parent / litter).write_text("x")
    assert watcher.changes() == {}
    article.write_text(article.read_text() + "\nMore.\n")
    (site_src / "content/facts/share-girls.yaml").unlink()
    (site_src / "site.yaml").write_text((site_src / "site.yaml").read_text() + "\n")
    assert watcher.changes() == {ARTICLE: "content", "content/facts/share-girls.yaml": "fact",
                                 "site.yaml": "config"}
    assert watcher.changes() == {}


def test_watcher_follows_notified_paths_and_rescans_for_folders(site_src: Path) -> None:
    watcher = Watcher(site_src, on_change=lambda kind, paths: None)
    root = site_src.resolve()
    article, fact = root / ARTICLE, root / "content/facts/share-girls.yaml"
    os.utime(article)  # touched, same size: the stamp changed
    assert watcher.changed_paths([str(article)]) == {ARTICLE: "content"}
    assert watcher.changed_paths([str(article)]) == {}  # notified again, nothing new
    fact.unlink()
    litter = article.parent / ".ecrans.md.swp"
    litter.write_text("x")
    assert watcher.changed_paths([str(fact), str(litter), str(root / "public/index.html")]) == {
        "content/facts/share-girls.yaml": "fact"}
    moved_in = root / "content/fr/articles/2022"  # a folder moved in: its files are never notified one by one
    moved_in.mkdir()
    (moved_in / "nouveau.md").write_text("---\ntitle: Nouveau\n---\n")
    assert watcher.changed_paths([str(moved_in)]) == {"content/fr/articles/2022/nouveau.md": "content"}
    shutil.rmtree(moved_in)  # and moved out
    assert watcher.changed_paths([str(moved_in)]) == {"content/fr/articles/2022/nouveau.md": "content"}
    assert watcher.changes() == {}


def test_an_edit_of_a_linked_file_changes_the_link_too(site_src: Path) -> None:
    # A page that is a symbolic link to another file of the site stayed as it was when that file was edited.
    root = site_src.resolve()
    (root / "content/en/articles/alias.md").symlink_to("../../fr/articles/ecrans.md")
    watcher = Watcher(site_src, on_change=lambda kind, paths: None)
    article = root / ARTICLE
    article.write_text(article.read_text(encoding="utf-8") + "\nUne phrase.\n", encoding="utf-8")
    assert watcher.changed_paths([str(article)]) == {ARTICLE: "content", "content/en/articles/alias.md": "content"}
    assert watcher.changed_paths([str(article)]) == {}


def atomic_save(path: Path, text: str) -> None:
    """Save as most editors do: write a temporary file beside it, then rename it over the file."""
    temp = path.with_name(path.name + ".tmp")
    temp.write_text(text, encoding="utf-8")
    os.replace(temp, path)


class Reports:
    """What a watcher reported, in order; `expect` waits for the next report."""

    def __init__(self) -> None:
        self.seen: list[tuple[str, list[str]]] = []
        self.got = threading.Condition()

    def record(self, kind: str, paths: list[str]) -> None:
        with self.got:
            self.seen.append((kind, paths))
            self.got.notify_all()

    def expect(self, kind: str, paths: list[str]) -> None:
        with self.got:
            assert self.got.wait_for(lambda: self.seen, timeout=10), f"no change reported; expected {kind} {paths}"
            assert self.seen.pop(0) == (kind, paths)


@pytest.mark.parametrize("force_polling", [False, True], ids=["notified", "polling"])
def test_watcher_sees_atomic_saves_new_folders_and_site_yaml_again_and_again(
        site_src: Path, force_polling: bool) -> None:
    reports = Reports()
    record, expect, seen = reports.record, reports.expect, reports.seen
    before = set(threading.enumerate())
    watcher = Watcher(site_src, record, debounce=0.05, poll_interval=0.05, force_polling=force_polling)
    assert not watcher.watching(timeout=0.1)
    watcher.start()
    try:
        assert watcher.watching(timeout=10)  # past the first comparison
        article, config = site_src / ARTICLE, site_src / "site.yaml"
        for round_ in range(2):  # a watch on the file itself would end with the first rename
            atomic_save(article, article.read_text() + f"\nÉdition {round_}.\n")
            expect("content", [ARTICLE])
            atomic_save(config, config.read_text() + "\n")
            expect("config", ["site.yaml"])
        second = (int(time.time()) + 5) * 10**9  # two saves within one second: polling compares seconds
        article.write_text(article.read_text() + "Un.\n")
        os.utime(article, ns=(second, second))
        expect("content", [ARTICLE])
        article.write_text(article.read_text() + "Deux.\n")
        os.utime(article, ns=(second + 10**8, second + 10**8))
        expect("content", [ARTICLE])
        (article.parent / ".ecrans.md.swp").write_text("x")  # editor litter never rebuilds
        (article.parent / "4913").write_text("x")
        layouts = site_src / "layouts"  # a new source folder, copied in one go
        (site_src / "drafted").mkdir()
        (site_src / "drafted/partials").mkdir()
        (site_src / "drafted/partials/footer.html").write_text("<footer>new</footer>\n")
        (site_src / "drafted").rename(layouts)
        expect("template", ["layouts/partials/footer.html"])
        time.sleep(0.3)
        footer = layouts / "partials/footer.html"
        footer.write_text("<footer>newer</footer>\n")  # … and watched from then on
        expect("template", ["layouts/partials/footer.html"])
        well_known = site_src / "assets/root/.well-known"  # hidden, and published: watched too
        well_known.mkdir(parents=True)
        time.sleep(0.3)
        (well_known / "security.txt").write_text("Contact: mailto:security@example.org\n")
        expect("asset", ["assets/root/.well-known/security.txt"])
        time.sleep(0.5)
        assert seen == []
    finally:
        watcher.stop()
    assert new_threads(before) == []


@pytest.mark.parametrize("force_polling", [False, True], ids=["notified", "polling"])
def test_a_source_folder_replaced_by_another_of_its_name_is_the_one_watched(
        site_src: Path, force_polling: bool) -> None:
    # A backup put back (mv layouts away && mv backup layouts): the watch must not stay on the folder moved away.
    (site_src / "layouts/partials").mkdir(parents=True)
    footer = site_src / "layouts/partials/footer.html"
    footer.write_text("<footer>first</footer>\n")
    saved = time.time() - 60  # polling compares times to the second: the backup's copy is saved in another one
    os.utime(footer, (saved, saved))
    reports = Reports()
    watcher = Watcher(site_src, reports.record, debounce=0.05, poll_interval=0.05, force_polling=force_polling)
    watcher.start()
    try:
        assert watcher.watching(timeout=10)
        backup = site_src.parent / "backup"
        shutil.copytree(site_src / "layouts", backup)
        (backup / "partials/footer.html").write_text("<footer>restored</footer>\n")
        (site_src / "layouts").rename(site_src.parent / "moved-away")
        backup.rename(site_src / "layouts")
        reports.expect("template", ["layouts/partials/footer.html"])  # the folder put back, compared
        time.sleep(0.3)
        footer.write_text("<footer>restored, then edited</footer>\n")
        reports.expect("template", ["layouts/partials/footer.html"])  # and watched
        time.sleep(0.5)
        assert reports.seen == []
    finally:
        watcher.stop()


def test_ignored_change_never_rebuilds(site_src: Path) -> None:
    live = LiveSite(BuildOptions(root=site_src, today=BUILD_DAY))
    assert live.rebuild("ignored", ["public/index.html"]) is False
    assert live.snapshot.build == 0
    assert live.rebuild("content", [ARTICLE]) is True
    assert live.snapshot.build == 1 and "fr/index.html" in live.snapshot.files


def served(live: LiveSite) -> dict[str, bytes]:
    return dict(live.snapshot.files)


def full_render(site: Path) -> dict[str, bytes]:
    return {path: item.data for path, item in render_site(BuildOptions(root=site, today=BUILD_DAY)).files.items()}


def test_an_edit_re_renders_only_what_it_affects_and_says_so_at_debug_level(
        site_src: Path, caplog: pytest.LogCaptureFixture) -> None:
    live = LiveSite(BuildOptions(root=site_src, today=BUILD_DAY))
    assert live.rebuild("config")
    fact = site_src / "content/facts/share-girls.yaml"
    fact.write_text(fact.read_text().replace("value: 97", "value: 96"))
    with caplog.at_level("DEBUG", logger="generator"):
        assert live.rebuild("fact", ["content/facts/share-girls.yaml"])
    assert "re-rendered 9 page(s) (en/facts/index.html, " in caplog.text
    assert served(live) == full_render(site_src)
    caplog.clear()
    template = site_src / "layouts/partials/footer.html"
    template.parent.mkdir(parents=True)
    template.write_text("<footer>test</footer>\n")
    with caplog.at_level("DEBUG", logger="generator"):
        assert live.rebuild("template", ["layouts/partials/footer.html"])
    assert "re-rendered 31 page(s)" in caplog.text  # every page with a footer: all but the chooser
    assert b"<footer>test</footer>" in live.snapshot.files["fr/index.html"]
    assert served(live) == full_render(site_src)


def test_after_a_failed_build_every_file_changed_since_the_last_good_one_is_followed(
        site_src: Path, caplog: pytest.LogCaptureFixture) -> None:
    live = LiveSite(BuildOptions(root=site_src, today=BUILD_DAY))
    assert live.rebuild("config")
    article, fact = site_src / ARTICLE, site_src / "content/facts/daily-victims.yaml"
    article.write_text(article.read_text().replace("Un article non traduit", "Un article modifié"))
    fact.write_text(fact.read_text().replace("value: 7", "value: [7]"))
    assert not live.rebuild("fact", [ARTICLE, "content/facts/daily-victims.yaml"])
    assert live.snapshot.error is not None
    fact.write_text(fact.read_text().replace("value: [7]", "value: 8"))
    with caplog.at_level("DEBUG", logger="generator"):
        assert live.rebuild("fact", ["content/facts/daily-victims.yaml"])
    assert "re-rendered" in caplog.text and "rendering everything" not in caplog.text
    assert "Un article modifié".encode() in live.snapshot.files["fr/articles/ecrans/index.html"]
    assert served(live) == full_render(site_src)


@pytest.mark.parametrize(("kind", "path"), [("config", "site.yaml"), ("content", "content/fr/articles/new.md"),
                                            ("strings", "layouts/i18n/fr.yaml"), ("asset", "assets/css/extra.css")])
def test_site_yaml_strings_assets_and_new_files_are_followed_too(
        site_src: Path, caplog: pytest.LogCaptureFixture, kind: str, path: str) -> None:
    live = LiveSite(BuildOptions(root=site_src, today=BUILD_DAY))
    assert live.rebuild("config")
    target = site_src / path
    target.parent.mkdir(parents=True, exist_ok=True)
    text = target.read_text() if target.exists() else {
        "content": "---\ntitle: Nouveau\n---\n\nTexte.\n", "strings": "skip_link: Aller au texte\n",
        "asset": "p { color: black; }\n"}[kind]
    target.write_text(text.replace("Veille test", "Veille"))
    with caplog.at_level("DEBUG", logger="generator"):
        assert live.rebuild(kind, [path])
    assert "re-rendered" in caplog.text and "rendering everything" not in caplog.text
    assert served(live) == full_render(site_src)


def test_a_new_day_renders_everything(site_src: Path, monkeypatch: pytest.MonkeyPatch,
                                      caplog: pytest.LogCaptureFixture) -> None:
    day = [BUILD_DAY]
    monkeypatch.setattr(serve_module, "today_for_build", lambda: day[0])
    live = LiveSite(BuildOptions(root=site_src))
    assert live.rebuild("config")
    future = site_src / "content/fr/articles/futur.md"
    future.write_text(future.read_text().replace("2099-01-01", "2026-11-30"))  # due tomorrow
    day[0] = BUILD_DAY + timedelta(days=1)
    article = site_src / ARTICLE
    article.write_text(article.read_text().replace("Un article non traduit", "Un article modifié"))
    with caplog.at_level("DEBUG", logger="generator"):
        assert live.rebuild("content", [ARTICLE])
    assert "a new day" in caplog.text
    assert "fr/articles/futur/index.html" in live.snapshot.files


# --- the server -----------------------------------------------------------------------------------

class _Node:
    """Something weakly referable to put in a reference cycle."""

    other: object = None


def test_the_preview_collects_between_edits_what_their_updates_left(site_src: Path) -> None:
    """A full pass of the collector, asked for while no edit is under way, leaves the site's objects out of the
    passes Python starts by itself during the next updates (frozen); what became garbage since is collected at
    the next one."""
    live = LiveSite(BuildOptions(root=site_src, today=BUILD_DAY))
    try:
        assert live.rebuild("config")
        cycle = _Node()
        cycle.other = cycle
        gone = weakref.ref(cycle)
        assert not live.collect_between_edits(quiet=60)  # a rebuild just ended: an edit may follow it
        assert live.collect_between_edits(quiet=0)
        assert gc.get_freeze_count() > 0
        assert not live.collect_between_edits(quiet=0)  # no rebuild since: nothing new to collect
        del cycle  # garbage now, but frozen: the passes during updates do not walk it
        gc.collect()
        assert gone() is not None
        article = site_src / ARTICLE
        article.write_text(article.read_text(encoding="utf-8").replace("title:", "title: Nouveau", 1) + "\nFin.\n",
                           encoding="utf-8")
        assert live.rebuild("content", [ARTICLE])
        assert live.collect_between_edits(quiet=0)  # what the update made: walked and frozen, the rest not
        assert gone() is not None
        assert not live.collect_between_edits(quiet=0)  # nothing new
        assert live.collect_between_edits(quiet=0, settled=0)  # a long quiet: the whole site walked again
        assert gone() is None
        assert not live.collect_between_edits(quiet=0, settled=0)
        assert served(live) == full_render(site_src)
    finally:
        gc.unfreeze()


def test_the_preview_walks_the_whole_site_again_once_the_garbage_frozen_grew(site_src: Path) -> None:
    """Edits saved one after the other, never with a long quiet between them: the garbage their updates
    left in reference cycles among the frozen objects is collected once it weighs a quarter of them."""
    live = LiveSite(BuildOptions(root=site_src, today=BUILD_DAY))
    try:
        assert live.rebuild("config")
        assert live.collect_between_edits(quiet=0, settled=60)  # the first pass walks everything
        article = site_src / ARTICLE
        text = article.read_text(encoding="utf-8")
        nodes = [_Node() for _ in range(gc.get_freeze_count() // 2)]
        for node in nodes:
            node.other = node
        gone = weakref.ref(nodes[0])
        article.write_text(text + "\nUn.\n", encoding="utf-8")
        assert live.rebuild("content", [ARTICLE])
        assert live.collect_between_edits(quiet=0, settled=60)  # frozen with what the update made
        del nodes, node
        article.write_text(text + "\nDeux.\n", encoding="utf-8")
        assert live.rebuild("content", [ARTICLE])
        assert live.collect_between_edits(quiet=0, settled=60)  # a half more frozen than the whole pass left
        assert gone() is None
        assert served(live) == full_render(site_src)
    finally:
        gc.unfreeze()


def fetch(handle: ServerHandle, target: str, method: str = "GET") -> tuple[int, dict[str, str], bytes]:
    """Send one raw request (http.client does not normalise the target, unlike urllib)."""
    conn = http.client.HTTPConnection("127.0.0.1", handle.port, timeout=10)
    try:
        conn.request(method, target)
        response = conn.getresponse()
        return response.status, {k.lower(): v for k, v in response.getheaders()}, response.read()
    finally:
        conn.close()


def fetch_as(port: int, host: str | None, target: str, hosts: int = 1) -> tuple[int, dict[str, str], bytes]:
    """Send one request with ``hosts`` copies of a chosen Host header (None: none at all)."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        conn.putrequest("GET", target, skip_host=True)
        for _ in range(hosts if host is not None else 0):
            conn.putheader("Host", host)
        conn.endheaders()
        response = conn.getresponse()
        return response.status, {k.lower(): v for k, v in response.getheaders()}, response.read()
    finally:
        conn.close()


def raw_exchange(port: int, request: bytes) -> bytes:
    """Send raw bytes, return everything the server answers before it closes."""
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        sock.sendall(request)
        chunks = []
        while chunk := sock.recv(65536):
            chunks.append(chunk)
    return b"".join(chunks)


def poll(get: Callable[[], T], ok: Callable[[T], bool], timeout: float = 10.0) -> T:
    """Call ``get`` until ``ok`` holds for its result (bounded); return that result."""
    deadline = time.monotonic() + timeout
    while True:
        value = get()
        if ok(value):
            return value
        if time.monotonic() > deadline:
            pytest.fail(f"condition not met within {timeout}s; last value: {str(value)[:2000]}")
        time.sleep(0.05)


def new_threads(before: set[threading.Thread]) -> list[str]:
    """Return the names of live threads started since ``before`` was taken (other servers may run)."""
    return [t.name for t in threading.enumerate() if t not in before]


class ReloadClient:
    """What livereload.js does in a page, over a real WebSocket (tornado's client), driven from the test."""

    def __init__(self, port: int, headers: dict[str, str] | None = None) -> None:
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, name="test-reload-client", daemon=True)
        self.thread.start()
        self.conn: WebSocketClientConnection | None = None
        try:
            self.conn = self._run(self._connect(port, headers or {}))
        except BaseException:
            self.close()
            raise

    async def _connect(self, port: int, headers: dict[str, str]) -> WebSocketClientConnection:
        return await websocket_connect(HTTPRequest(f"ws://127.0.0.1:{port}/livereload", headers=headers))

    def _run(self, coro: Any, timeout: float = 10.0) -> Any:
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(timeout)

    def send(self, message: dict[str, Any]) -> None:
        async def send() -> None:
            assert self.conn is not None
            await self.conn.write_message(json.dumps(message))

        self._run(send())

    def receive(self, timeout: float = 10.0) -> dict[str, Any] | None:
        """Return the next message, None when the server closed the socket; TimeoutError after ``timeout``."""
        async def receive() -> str | bytes | None:
            assert self.conn is not None
            return await asyncio.wait_for(self.conn.read_message(), timeout)

        message = self._run(receive(), timeout + 1)
        return None if message is None else json.loads(message)

    def handshake(self, build: int | None) -> dict[str, Any] | None:
        """Say hello as a page of ``build`` (snipver), then info; return the server's hello."""
        hello: dict[str, Any] = {"command": "hello", "protocols": ["http://livereload.com/protocols/official-7"]}
        if build is not None:
            hello["snipver"] = build
        self.send(hello)
        answer = self.receive()
        self.send({"command": "info", "url": "http://127.0.0.1/fr/", "plugins": {}})
        return answer

    def close(self) -> None:
        if self.conn is not None:
            self.loop.call_soon_threadsafe(self.conn.close)
        self._run(self.loop.shutdown_default_executor())  # where tornado resolved the name
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(10)
        self.loop.close()


RELOAD = {"command": "reload", "path": "*", "liveCSS": False, "liveImg": False}


def connected(handle: ServerHandle, build: int | None, pages: int = 1) -> ReloadClient:
    """Open the WebSocket of a page of ``build``; return once the server follows it (``pages`` in all)."""
    client = ReloadClient(handle.port)
    hello = client.handshake(build)
    assert hello is not None and hello["command"] == "hello"
    assert "http://livereload.com/protocols/official-7" in hello["protocols"]
    poll(lambda: handle.browsers, lambda n: n == pages)
    return client


class Scripts(HTMLParser):
    """Every <script> of a page: its src, or None for an inline one."""

    def __init__(self, page: bytes) -> None:
        super().__init__()
        self.found: list[str | None] = []
        self.feed(page.decode())

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "script":
            self.found.append(dict(attrs).get("src"))


#: This test worker's own port is this plus its number (gw0, gw1 …): below the range Linux hands out for port 0.
STEADY_PORTS = 24100


def serving(site: Path, drafts: bool = False, **options: Any) -> ServerHandle:
    """Return `start_server` on 127.0.0.1 at this worker's steady port, or at any free port when it is taken.

    A worker's servers start one after another at the same address, so the preview's cards and fact sheets
    (which show it) are the same from one test to the next, and `conftest.drawn_once_per_process` draws them
    once; at a new port each time, each server start drew them all (about 0.7 s).
    """
    worker = os.environ.get("PYTEST_XDIST_WORKER", "gw0").removeprefix("gw")
    try:
        return start_server(site, "127.0.0.1", STEADY_PORTS + int(worker or 0), drafts, **options)
    except SiteError:  # "cannot listen on …": another program has it
        return start_server(site, "127.0.0.1", 0, drafts, **options)


@pytest.fixture
def server(site_src: Path) -> Iterator[ServerHandle]:
    handle = serving(site_src, False, today=BUILD_DAY, poll_interval=0.05, debounce=0.05)
    try:
        yield handle
    finally:
        handle.stop()


@pytest.fixture(scope="module")
def shared_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerHandle]:
    """One server for read-only tests (not to be edited)."""
    root = tmp_path_factory.mktemp("serve") / "site"
    shutil.copytree(FIXTURE_SITE, root)
    handle = start_server(root, "127.0.0.1", 0, False, today=BUILD_DAY)  # the steady port stays free
    try:
        yield handle
    finally:
        handle.stop()


def test_serves_built_pages_from_memory_with_the_reload_script(server: ServerHandle, site_src: Path) -> None:
    status, headers, body = fetch(server, ARTICLE_URL)
    assert status == 200
    assert headers["content-type"] == "text/html; charset=utf-8"
    assert headers["cache-control"] == "no-store"
    assert headers["x-content-type-options"] == "nosniff"
    page = body.decode()
    assert "Les écrans en famille" in page
    tag = reload_tag(server.build, "127.0.0.1", server.port).decode()
    assert page.count(tag) == 1 and page.count(CLIENT_JS) == 1
    assert page.index(tag) < page.rindex("</body>")
    scripts = Scripts(body).found
    assert None not in scripts  # no inline script: the CSP forbids them
    assert [src for src in scripts if src.startswith("/__vigie__/")] == [
        f"/__vigie__/livereload.js?host=127.0.0.1&port={server.port}&snipver={server.build}&maxdelay=1000"]
    assert all(src.startswith("/") and not src.startswith("//") for src in scripts)  # same origin, all of them
    assert headers["content-security-policy"] == preview_policy(server.live.snapshot.files["_headers"])
    assert "script-src 'self'" in headers["content-security-policy"]
    assert f'<link rel="canonical" href="{server.url}fr/articles/ecrans/">' in page  # base URL is local
    assert not (site_src / "public").exists()  # nothing written over the published build

    status, _, body = fetch_as(server.port, f"localhost:{server.port}", ARTICLE_URL)  # the address the browser used
    assert status == 200 and reload_tag(server.build, "localhost", server.port) in body

    status, headers, body = fetch(server, CLIENT_JS)
    assert status == 200 and headers["content-type"] == "application/javascript"
    assert headers["x-content-type-options"] == "nosniff"
    assert b"/livereload" in body and b"LiveReload" in body  # livereload's own client, as shipped

    css = next(path for path in server.live.snapshot.files if path.endswith(".css"))
    status, headers, body = fetch(server, "/" + css)
    assert status == 200 and headers["content-type"] == "text/css; charset=utf-8"
    assert b"__vigie__" not in body

    status, headers, _ = fetch(server, "/fr")
    assert (status, headers["location"]) == (301, "/fr/")
    assert fetch(server, "/")[0] == 200
    status, headers, body = fetch(server, "/fr/nowhere/")
    assert status == 404 and headers["content-type"] == "text/html; charset=utf-8"
    tag = reload_tag(server.build, "127.0.0.1", server.port)
    assert body == inject_reload(server.live.snapshot.files["404.html"], tag)
    status, headers, body = fetch(server, "/fr/articles/ecrans/", method="HEAD")
    assert status == 200 and body == b""
    assert headers["content-length"] == str(len(fetch(server, "/fr/articles/ecrans/")[2]))  # what a GET sends
    status, headers, _ = fetch(server, "/fr/articles/ecrans/", method="POST")
    assert status == 405 and headers["allow"] == "GET, HEAD"
    for method in ("TRACE", "FOO", "get"):  # methods tornado refuses before the site sees them
        status, headers, body = fetch(server, "/fr/articles/ecrans/", method=method)
        assert (status, headers["allow"], headers["server"]) == (405, "GET, HEAD", "vigie-serve"), method
        assert headers["cache-control"] == "no-store" and headers["x-content-type-options"] == "nosniff"
        assert body == b"405 Method Not Allowed: the preview only reads\n"
    status, _, body = fetch(server, "/livereload")  # the WebSocket's path, asked without the upgrade: the site
    assert status == 404 and body == inject_reload(server.live.snapshot.files["404.html"], tag)


def test_a_site_published_in_a_folder_is_served_in_that_folder(site_src: Path,
                                                              caplog: pytest.LogCaptureFixture) -> None:
    """The preview served every site at /, so its addresses were not those of the published site, and it judged
    the links as for a site at the root of its domain: a link written with the site's folder was "no page" there,
    and "write the address without the site's folder" in the build."""
    config = site_src / "site.yaml"
    config.write_text(config.read_text(encoding="utf-8").replace(
        "base_url: https://test.example.org/", "base_url: https://test.example.org/campagne/"), encoding="utf-8")
    later = site_src / "content/en/articles/later.md"
    later.write_text(later.read_text(encoding="utf-8").replace(
        "Only in English.", "Only in English: [help](/en/help/), [twice](/campagne/en/help/)."), encoding="utf-8")
    with caplog.at_level(logging.WARNING):
        handle = serving(site_src, False, today=BUILD_DAY, poll_interval=0.05, debounce=0.05)
        try:
            served = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
            assert handle.url == f"http://127.0.0.1:{handle.port}/campagne/"
            for target, location in (("/", "/campagne/"), ("/campagne", "/campagne/"),
                                     ("/?lang=en", "/campagne/?lang=en")):
                status, headers, _ = fetch(handle, target)
                assert (status, headers["location"]) == (302, location), target
            status, _, body = fetch(handle, "/campagne/en/articles/later/")
            page = body.decode()
            assert status == 200 and 'href="/campagne/en/help/"' in page  # the folder added, as in the build
            assert f'<link rel="canonical" href="{handle.url}en/articles/later/">' in page
            assert fetch(handle, "/campagne/en/help/")[0] == 200  # where the link leads, as once published
            assert fetch(handle, "/en/help/")[0] == 404  # not in the site's folder, as once published
            status, headers, _ = fetch(handle, "/campagne/fr")
            assert (status, headers["location"]) == (301, "/campagne/fr/")
            css = next(path for path in handle.live.snapshot.files if path.endswith(".css"))
            assert fetch(handle, "/campagne/" + css)[0] == 200 and fetch(handle, "/" + css)[0] == 404
        finally:
            handle.stop()
        caplog.clear()
        render_site(BuildOptions(root=site_src, today=BUILD_DAY))
        built = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert served == built and len(built) == 1 and "'/campagne/en/help/'" in built[0]
    assert "without the site's folder" in built[0]


def test_a_folder_asked_without_its_slash_is_redirected_to_its_address_as_sent(server: ServerHandle,
                                                                                site_src: Path) -> None:
    folder = site_src / "assets/root/€uro et là"
    folder.mkdir(parents=True)
    (folder / "index.html").write_text("<!doctype html><title>x</title><p>x</p>\n", encoding="utf-8")
    server.live.rebuild("asset", ["assets/root/€uro et là/index.html"])
    status, headers, _ = fetch(server, "/%E2%82%ACuro%20et%20l%C3%A0?x=1")
    assert (status, headers["location"]) == (301, "/%E2%82%ACuro%20et%20l%C3%A0/?x=1")  # was a 500: not ASCII
    assert fetch(server, headers["location"])[0] == 200


def test_the_error_page_has_a_policy_before_any_build_succeeded(site_src: Path) -> None:
    config = site_src / "site.yaml"
    config.write_text(config.read_text(encoding="utf-8").replace("languages: [fr, en]", "languages: [fr, en"),
                      encoding="utf-8")
    handle = serving(site_src, False, today=BUILD_DAY)
    try:
        status, headers, body = fetch(handle, "/fr/")
        assert status == 500 and b"site.yaml" in body
        assert headers["content-security-policy"] == FALLBACK_POLICY  # no _headers yet: the site never built
        assert "script-src 'self';" in FALLBACK_POLICY and "'unsafe-inline'" not in FALLBACK_POLICY
    finally:
        handle.stop()


def test_a_save_tells_connected_pages_to_reload(server: ServerHandle, site_src: Path) -> None:
    client = connected(server, server.build)
    try:
        article = site_src / ARTICLE
        first = server.build
        atomic_save(article, article.read_text().replace("title: Les écrans en famille", "title: Écrans, édités"))
        assert client.receive() == RELOAD
        assert server.build == first + 1
        assert "Écrans, édités".encode() in fetch(server, ARTICLE_URL)[2]
        article.write_text(article.read_text() + "\nUne phrase.\n")
        server.live.rebuild("content", [ARTICLE])  # any build, however it came
        assert client.receive() == RELOAD
        with pytest.raises(TimeoutError):  # once per build
            client.receive(timeout=0.5)
        second = server.build
        server.live.rebuild("content", [ARTICLE])  # saved again unchanged, or touched: the same site
        assert server.build == second
        with pytest.raises(TimeoutError):  # nothing to reload
            client.receive(timeout=0.5)
    finally:
        client.close()
    poll(lambda: server.browsers, lambda n: n == 0)


def test_a_figure_edit_shows_its_pages_before_its_cards_with_one_reload(server: ServerHandle, site_src: Path,
                                                                        caplog: pytest.LogCaptureFixture) -> None:
    client = connected(server, server.build)
    try:
        fact = site_src / "content/facts/daily-victims.yaml"
        first = server.build
        with caplog.at_level("DEBUG", logger="generator"):
            server.live.rebuild("fact", ["content/facts/daily-victims.yaml"])  # saved unchanged: nothing shown early
            fact.write_text(fact.read_text().replace("value: 7", "value: 8"))
            server.live.rebuild("fact", ["content/facts/daily-victims.yaml"])
        assert "pages shown early" in caplog.text
        assert client.receive() == RELOAD
        with pytest.raises(TimeoutError):  # the cards and the sheet came after the pages, without a second reload
            client.receive(timeout=0.5)
        assert server.build == first + 1 and not server.live.snapshot.pending
        full = render_site(BuildOptions(root=site_src, today=BUILD_DAY, base_url=server.url))
        assert served(server.live) == {path: item.data for path, item in full.files.items()}
    finally:
        client.close()
    poll(lambda: server.browsers, lambda n: n == 0)


def test_a_file_still_being_made_is_answered_once_made_and_the_others_at_once(server: ServerHandle) -> None:
    live = server.live
    before = live.snapshot
    home = "fr/index.html"
    made = dict(before.files)
    made[home] = before.files[home].replace(b"</main>", b"<p>made now</p></main>")
    live._publish(Snapshot(before.build + 1, before.files, pending=frozenset({home})))  # as `_show_early` does
    answers: dict[str, tuple[int, dict[str, str], bytes]] = {}
    waiting = threading.Thread(target=lambda: answers.update(home=fetch(server, "/fr/")))
    waiting.start()
    try:
        assert fetch(server, "/en/")[0] == 200  # answered while the other waits: the server's loop is free
        time.sleep(0.3)
        assert waiting.is_alive() and not answers
    finally:
        live._publish(Snapshot(before.build + 1, MappingProxyType(made)))
        waiting.join(10)
    status, _headers, body = answers["home"]
    assert status == 200 and b"<p>made now</p>" in body


def test_a_page_older_than_the_current_build_reloads_as_soon_as_it_connects(server: ServerHandle) -> None:
    current = connected(server, server.build)
    stale = connected(server, server.build - 1, pages=2)
    try:
        assert stale.receive() == RELOAD  # built while the page was loading: reload now
        with pytest.raises(TimeoutError):
            current.receive(timeout=0.5)
    finally:
        current.close()
        stale.close()


def test_the_websocket_answers_only_the_previews_own_pages(shared_server: ServerHandle) -> None:
    port = shared_server.port
    for host in ("evil.example", f"evil.example:{port}", f"127.0.0.1:{port + 1 if port < 65535 else 1}"):
        with pytest.raises(HTTPClientError) as refused:  # DNS rebinding: the Host is another name
            ReloadClient(port, {"Host": host})
        assert refused.value.code == 400
    with pytest.raises(HTTPClientError) as refused:  # another site's page in the same browser
        ReloadClient(port, {"Origin": "http://evil.example"})
    assert refused.value.code == 403
    client = ReloadClient(port, {"Origin": f"http://localhost:{port}", "Host": f"localhost:{port}"})
    try:
        assert client.handshake(shared_server.build) is not None
    finally:
        client.close()
    client = ReloadClient(port)
    try:
        client.send({"command": ["not", "a", "string"]})
        assert client.receive() is None  # closed
    finally:
        client.close()


@pytest.mark.parametrize("target", [
    "/../site.yaml",
    "/../../../../etc/passwd",
    "/fr/../../site.yaml",
    "/%2e%2e/site.yaml",
    "/%2E%2E/%2E%2E/site.yaml",
    "/fr%2F..%2F..%2Fsite.yaml",
    "/%2Fsite.yaml",
    "/..\\site.yaml",
    "/fr\\..\\..\\site.yaml",
    "//etc/passwd",
    "/etc/passwd",
    "/site.yaml",
    "/content/fr/articles/ecrans.md",
    "/index.html%00",
    "/__vigie__/../site.yaml",
    "/__vigie__/nothing",
])
def test_refuses_anything_outside_the_built_output(shared_server: ServerHandle, target: str) -> None:
    status, _, body = fetch(shared_server, target)
    assert status == 404
    assert b"quick_exit_url" not in body and b"title: Les" not in body


def test_edit_then_error_then_fix(server: ServerHandle, site_src: Path) -> None:
    article = site_src / ARTICLE
    original = article.read_text()
    page = lambda: fetch(server, ARTICLE_URL)  # noqa: E731

    first = server.build
    article.write_text(original.replace("title: Les écrans en famille", "title: Les écrans, édités"))
    poll(page, lambda r: r[0] == 200 and "Les écrans, édités".encode() in r[2])
    assert server.build > first

    article.write_text(original.replace("summary: Parler", "summary: Parler: oops"))
    status, headers, body = poll(page, lambda r: r[0] == 500)
    text = body.decode()
    assert headers["content-type"] == "text/html; charset=utf-8"
    assert f"<li><code>{ARTICLE}:4: error: line 4: the " in text and "inside the value makes YAML read a new key" in text
    with pytest.raises(SiteErrors) as reported:  # the page says exactly what `vigie build` says
        render_site(server.live.options)
    assert error_lines(reported.value) == [html.unescape(item) for item in re.findall(r"<li><code>(.*?)</code>", text)]
    assert reload_tag(server.build, "127.0.0.1", server.port).decode() in text
    assert None not in Scripts(body).found
    assert fetch(server, "/fr/")[0] == 500  # every page says so
    css = next(path for path in server.live.snapshot.files if path.endswith(".css"))
    assert fetch(server, "/" + css)[0] == 200  # the last good assets are still served
    assert fetch(server, "/favicon.ico")[0] == 404  # a missing file that is not a page stays a 404
    assert fetch(server, "/__vigie__/error.css")[0] == 200

    article.write_text(original)
    poll(page, lambda r: r[0] == 200 and "Les écrans en famille".encode() in r[2])


def test_internal_error_shows_a_generic_page_and_keeps_serving(
        server: ServerHandle, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture) -> None:
    def broken(*args: object) -> None:
        raise RuntimeError("boom")

    with monkeypatch.context() as patch:
        patch.setattr(serve_module, "apply_edits", broken)  # logged, then everything is rendered …
        patch.setattr(serve_module, "render_site", broken)  # … which fails too
        assert server.live.rebuild("template", ["layouts/base.html"]) is False
    status, _, body = fetch(server, ARTICLE_URL)
    assert status == 500 and b"internal error" in body and b"/__vigie__/livereload.js?" in body
    assert "RuntimeError: boom" in caplog.text  # the traceback goes to the terminal
    assert server.live.rebuild("template", ["layouts/base.html"]) is True
    assert fetch(server, ARTICLE_URL)[0] == 200


def test_a_failed_build_reloads_the_pages_onto_the_error_page(server: ServerHandle, site_src: Path) -> None:
    client = connected(server, server.build)
    try:
        article = site_src / ARTICLE
        article.write_text(article.read_text().replace("summary: Parler", "summary: Parler: oops"))
        assert client.receive() == RELOAD
        assert server.live.snapshot.error is not None
    finally:
        client.close()


def test_stop_closes_connections_and_leaves_no_thread(site_src: Path) -> None:
    before = set(threading.enumerate())
    handle = serving(site_src, today=BUILD_DAY, poll_interval=0.05)
    client = connected(handle, handle.build)
    idle = socket.create_connection(("127.0.0.1", handle.port))  # a browser's preconnect: sends nothing
    try:
        poll(lambda: handle.open_connections, lambda n: n == 2)
        ours = sorted(name for name in new_threads(before) if name.startswith("vigie-"))
        assert ours == ["vigie-http", "vigie-reload", "vigie-watch", "vigie-watch-site"]
        handle.stop()
        assert client.receive() is None  # the page's socket was closed: it will try again
        idle.settimeout(5)
        assert idle.recv(1) == b""  # closed too
    finally:
        client.close()
        idle.close()
    assert new_threads(before) == []
    with pytest.raises(OSError):
        socket.create_connection(("127.0.0.1", handle.port), timeout=2).close()
    handle.stop()  # twice is fine


def test_serve_returns_0_on_ctrl_c(site_src: Path) -> None:
    before = set(threading.enumerate())
    # Ctrl-C as at a terminal, even when the tests run with SIGINT ignored (started in the background, or as a
    # worker process): interrupt_main() does nothing then, and serve() would never return.
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    failed: list[BaseException] = []
    switch, seen = sys.getswitchinterval(), []

    def interrupt_when_up() -> None:
        try:  # serve() starts its watcher last, once the site is built and served
            poll(lambda: new_threads(before), lambda names: "vigie-watch" in names)
            time.sleep(0.3)
            seen.append(sys.getswitchinterval())  # shorter turns while serving: the pages answered sooner
        except BaseException as exc:  # noqa: BLE001 - reported below, after serve() was stopped
            failed.append(exc)
        _thread.interrupt_main()  # what Ctrl-C does

    helper = threading.Thread(target=interrupt_when_up, name="test-interrupter")
    before.add(helper)
    helper.start()
    try:
        assert serve(site_src, "127.0.0.1", 0, False) == 0
    finally:
        signal.signal(signal.SIGINT, previous)
        helper.join()
    assert not failed, failed
    assert new_threads(before) == []
    assert seen == [SWITCH_INTERVAL] != [switch] and sys.getswitchinterval() == switch


def test_a_folder_without_site_yaml_is_refused(tmp_path: Path) -> None:
    with pytest.raises(SiteError, match="no site.yaml"):
        start_server(tmp_path, "127.0.0.1", 0)
    (tmp_path / "site.yaml").mkdir()  # the build says it is a folder: so does the preview
    with pytest.raises(SiteError, match="site.yaml is a folder here"):
        start_server(tmp_path, "127.0.0.1", 0)


def test_a_busy_port_is_a_clear_error(shared_server: ServerHandle, site_src: Path) -> None:
    with pytest.raises(SiteError, match=f"cannot listen on 127.0.0.1:{shared_server.port}"):
        start_server(site_src, "127.0.0.1", shared_server.port)


def test_vigie_build_output_has_no_reload_script(site_src: Path, tmp_path: Path) -> None:
    out = tmp_path / "public"
    build(BuildOptions(root=site_src, out=out, today=BUILD_DAY))
    files = [p for p in out.rglob("*") if p.is_file()]
    assert any(p.suffix == ".html" for p in files)
    for path in files:
        data = path.read_bytes()
        assert b"__vigie__" not in data and b"livereload" not in data, path


def test_translation_status_page_is_served_but_never_built(shared_server: ServerHandle, tmp_path: Path) -> None:
    status, headers, body = fetch(shared_server, "/__vigie__/translations")
    assert status == 200 and headers["content-type"] == "text/html; charset=utf-8"
    page = body.decode()
    assert "<h1>Translation status</h1>" in page
    assert re.search(r"Les écrans en famille.*?<td class=\"status-source\">source.*?"
                     r"<td class=\"status-missing\">missing", page, re.S)
    assert reload_tag(shared_server.build, "127.0.0.1", shared_server.port).decode() in page
    assert None not in Scripts(body).found
    result = build(BuildOptions(root=FIXTURE_SITE, out=tmp_path / "out", today=BUILD_DAY, use_cache=False))
    assert result.report is not None
    assert not [p for p in (tmp_path / "out").rglob("*") if "translation" in p.name.lower()]


def test_translation_status_page_speaks_the_editors_language(shared_server: ServerHandle, french: None) -> None:
    status, _, body = fetch(shared_server, "/__vigie__/translations")
    page = body.decode()
    assert status == 200 and '<html lang="fr"' in page
    assert "<h1>État des traductions</h1>" in page and "<th scope=\"col\">page ou chiffre</th>" in page
    assert "Affiché seulement dans <code>vigie serve</code>" in page
    assert re.search(r"en : \d+ à faire", page)
    # the status keeps its class (the style sheet's) and shows its French word
    assert re.search(r"Les écrans en famille.*?<td class=\"status-source\">original.*?"
                     r"<td class=\"status-missing\">manquante", page, re.S)



@pytest.mark.parametrize("force_polling", [False, True], ids=["notified", "polling"])
def test_an_edit_is_served_with_and_without_change_notifications(site_src: Path, force_polling: bool) -> None:
    handle = serving(site_src, False, today=BUILD_DAY, poll_interval=0.05, debounce=0.05,
                     force_polling=force_polling)
    try:
        new_folder = site_src / "content/fr/articles/2022"
        new_folder.mkdir()
        time.sleep(0.2)  # a folder made while serving is watched too
        (new_folder / "nouveau.md").write_text("---\ntitle: Tout nouveau\n---\n\nBonjour.\n", encoding="utf-8")
        poll(lambda: fetch(handle, "/fr/articles/nouveau/"), lambda r: r[0] == 200 and b"Tout nouveau" in r[2])
        article = site_src / ARTICLE
        atomic_save(article, article.read_text().replace("title: Les écrans en famille", "title: Écrans renommés"))
        poll(lambda: fetch(handle, ARTICLE_URL), lambda r: r[0] == 200 and "Écrans renommés".encode() in r[2])
    finally:
        handle.stop()


# --- who may ask, and how many at once -----------------------------------------------------------

@pytest.mark.parametrize("target", [ARTICLE_URL, "/", CLIENT_JS, "/__vigie__/error.css",
                                    "/__vigie__/translations", "/livereload", "/fr/nowhere/"])
def test_a_request_for_another_host_is_refused_whatever_it_asks(shared_server: ServerHandle, target: str) -> None:
    port = shared_server.port
    for host in ("evil.example", f"evil.example:{port}", f"127.0.0.1:{port + 1 if port < 65535 else 1}",
                 f"localhost.evil.example:{port}"):
        status, headers, body = fetch_as(port, host, target)
        assert status == 400, (host, target)
        assert headers["content-type"] == "text/plain; charset=utf-8"
        assert headers["connection"] == "close"
        assert body == wrong_host_text("127.0.0.1", port)
        assert b"evil" not in body  # the header is never echoed
    status, _, body = fetch_as(port, "<script>x</script>", target)  # not a host name: tornado refuses it first
    assert status == 400 and b"script" not in body
    assert fetch_as(port, None, target)[0] == 400  # no Host at all
    assert fetch_as(port, f"127.0.0.1:{port}", target, hosts=2)[0] == 400  # two of them


@pytest.mark.parametrize("host", ["127.0.0.1", "localhost", "LOCALHOST"])
def test_the_preview_answers_at_its_own_address(shared_server: ServerHandle, host: str) -> None:
    port = shared_server.port
    status, _, body = fetch_as(port, f"{host}:{port}", ARTICLE_URL)
    assert status == 200 and "Les écrans en famille".encode() in body
    assert fetch_as(port, f"{host}:{port}", CLIENT_JS)[0] == 200


def test_an_http_1_0_request_without_host_is_refused(shared_server: ServerHandle) -> None:
    answer = raw_exchange(shared_server.port, f"GET {ARTICLE_URL} HTTP/1.0\r\n\r\n".encode())
    assert answer.startswith(b"HTTP/1.1 400 ")  # tornado answers in its own version, as HTTP allows
    assert answer.endswith(wrong_host_text("127.0.0.1", shared_server.port))
    answer = raw_exchange(shared_server.port,
                          f"GET {ARTICLE_URL} HTTP/1.0\r\nHost: 127.0.0.1:{shared_server.port}\r\n\r\n".encode())
    assert answer.startswith(b"HTTP/1.1 200 ") and "Les écrans en famille".encode() in answer


def test_connections_beyond_the_cap_are_answered_503_and_cost_no_thread(
        site_src: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(serve_module, "SLOT_WAIT", 0.2)
    cap, extra = 3, 4
    before = set(threading.enumerate())
    handle = serving(site_src, today=BUILD_DAY, poll_interval=0.05, max_connections=cap)
    threads = len(new_threads(before))
    idle: list[socket.socket] = []
    try:
        # connections that send nothing (a browser's preconnect) are held until they close
        idle = [socket.create_connection(("127.0.0.1", handle.port)) for _ in range(cap + extra)]
        poll(lambda: handle.open_connections, lambda n: n >= cap)
        for sock in idle[cap:]:  # the extra ones wait SLOT_WAIT, then get a 503 and are closed
            sock.settimeout(10)
            answer = sock.recv(65536)
            assert answer.startswith(b"HTTP/1.1 503 Service Unavailable\r\n")
            assert answer.endswith(b"reload in a moment\n")
            assert handle.open_connections == cap
        for sock in idle[:cap]:  # the first ones never got an answer: they asked nothing
            sock.setblocking(False)
            with pytest.raises(BlockingIOError):
                sock.recv(1)
        assert len(new_threads(before)) == threads  # no thread per connection
        for sock in idle:
            sock.close()
        poll(lambda: handle.open_connections, lambda n: n == 0)
        status, _, body = fetch(handle, ARTICLE_URL)  # the slots came back
        assert status == 200 and "Les écrans en famille".encode() in body
    finally:
        for sock in idle:
            sock.close()
        handle.stop()
    assert new_threads(before) == []


def test_a_connection_waits_for_a_free_slot_before_it_is_refused(site_src: Path) -> None:
    handle = serving(site_src, today=BUILD_DAY, poll_interval=0.05, max_connections=1)
    try:
        first = socket.create_connection(("127.0.0.1", handle.port))
        poll(lambda: handle.open_connections, lambda n: n == 1)
        answers: list[int] = []
        waiter = threading.Thread(target=lambda: answers.append(fetch(handle, ARTICLE_URL)[0]))
        waiter.start()
        time.sleep(0.3)  # less than SLOT_WAIT: the second connection is still waiting for the first
        first.close()
        waiter.join(10)
        assert answers == [200]
    finally:
        handle.stop()


def test_several_tabs_waiting_for_a_reload_leave_room_for_pages(server: ServerHandle, site_src: Path) -> None:
    tabs = 8  # more than a browser opens to one address: several browsers, or a phone
    assert tabs + 2 < MAX_CONNECTIONS
    clients: list[ReloadClient] = []
    try:
        for n in range(1, tabs + 1):
            clients.append(connected(server, server.build, pages=n))
        assert server.open_connections == tabs
        status, _, body = fetch(server, ARTICLE_URL)
        assert status == 200 and "Les écrans en famille".encode() in body
        article = site_src / ARTICLE
        article.write_text(article.read_text() + "\nUne phrase.\n")
        server.live.rebuild("content", [ARTICLE])
        assert [client.receive() for client in clients] == [RELOAD] * tabs
    finally:
        for client in clients:
            client.close()


def test_a_save_read_half_made_is_read_again_instead_of_shown_as_a_mistake(
        site_src: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # An editor that empties a file and then writes it (Python's write_text, many editors): the build read it
    # empty, showed "the file must start with front matter…" in every open tab, then the site again.
    live = LiveSite(BuildOptions(root=site_src, today=BUILD_DAY))
    assert live.rebuild("config")
    article = site_src / ARTICLE
    text = article.read_text().replace("Un article non traduit", "Un article enregistré en deux temps")
    article.write_text("")
    render = LiveSite._render
    reads: list[int] = []

    def read_between_the_two_writes(self: LiveSite, options: BuildOptions) -> object:
        reads.append(1)
        if len(reads) == 1:  # what the build saw: the emptied file; meanwhile the editor writes the rest
            article.write_text(text)
            raise SiteError("the file must start with front matter between two '---' lines", source=ARTICLE, line=1)
        return render(self, options)

    monkeypatch.setattr(LiveSite, "_render", read_between_the_two_writes)
    assert live.rebuild("content", [ARTICLE])
    assert len(reads) == 2 and live.snapshot.error is None
    assert "deux temps".encode() in live.snapshot.files["fr/articles/ecrans/index.html"]


def test_a_mistake_in_a_file_saved_long_ago_is_shown_at_once(site_src: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    live = LiveSite(BuildOptions(root=site_src, today=BUILD_DAY))
    assert live.rebuild("config")
    article = site_src / ARTICLE
    article.write_text(article.read_text().replace("title:", "title: [", 1))
    os.utime(article, ns=(time.time_ns() - 10**9, time.time_ns() - 10**9))  # saved a second ago, whole
    render = LiveSite._render
    reads: list[int] = []

    def counted(self: LiveSite, options: BuildOptions) -> object:
        reads.append(1)
        return render(self, options)

    monkeypatch.setattr(LiveSite, "_render", counted)
    assert not live.rebuild("content", [ARTICLE])
    assert len(reads) == 1 and live.snapshot.error is not None


def test_the_preview_s_own_icon_is_served(shared_server: ServerHandle) -> None:
    status, headers, body = fetch(shared_server, "/__vigie__/icon.svg")
    assert status == 200 and headers["content-type"].startswith("image/svg+xml") and body.startswith(b"<svg")
