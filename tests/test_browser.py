"""The shipped campaign in a real browser: accessibility, privacy, quick exit, layout, valid HTML.

Builds the repository's own site once (``python -m generator build . -o TMP``),
serves it on 127.0.0.1 with the security headers it ships (``_headers``) and
drives Debian's Chromium through Playwright. Nothing is downloaded at run
time: axe-core and the Nu HTML checker come from ``tests/browser/node_modules``
(``npm ci --prefix tests/browser``). Without Chromium, axe, java or vnu.jar the
tests that need them are skipped with a reason, unless VIGIE_REQUIRE_BROWSER=1.

Run just these: ``python3 -m pytest tests/test_browser.py -m browser``.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import time
from pathlib import Path
from typing import Any, Callable, Iterator, cast
from urllib.parse import urlsplit

import pytest

from browser_support import (
    AXE_JS,
    AXE_TAGS,
    CHROMIUM,
    CHROMIUM_ARGS,
    MISSING_PATH,
    PAGE_TYPES,
    REPO,
    STRICT_CSP,
    UNTRANSLATED,
    VNU_JAR,
    BuiltPage,
    InlineCode,
    Server,
    build_site,
    find_page_types,
    format_axe,
    html_files,
    page_type_id,
    require_axe,
    require_chromium,
    require_vnu,
    serve,
    server_headers,
)
from conftest import BUILD_DAY, FIXTURE_SITE, IGNORED

pytestmark = pytest.mark.browser

NEUTRAL_PAGE = "<!DOCTYPE html><html lang='en'><title>Neutral site</title><p>Today's weather: sunny.</p></html>"
SCHEMES = ("light", "dark")
PAGE_TYPE_IDS = [page_type_id(p) for p in PAGE_TYPES]


# ------------------------------------------------------------------------ fixtures


@pytest.fixture(scope="session")
def campaign(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The repository's campaign, built from scratch with the command line."""
    return build_site(REPO, tmp_path_factory.mktemp("campaign") / "public")


@pytest.fixture(scope="session")
def pages(campaign: Path) -> dict[tuple[str, str | None], BuiltPage]:
    """One built page per (page type, language)."""
    return find_page_types(campaign)


@pytest.fixture(scope="session")
def server(campaign: Path) -> Iterator[Server]:
    """The built campaign served on an ephemeral local port."""
    yield from serve(campaign)


@pytest.fixture(scope="session")
def exit_url(campaign: Path) -> str:
    """The quick-exit address the site links to (site.yaml quick_exit_url)."""
    html = (campaign / "en" / "index.html").read_text(encoding="utf-8")
    match = re.search(r'<a [^>]*href="([^"]+)"[^>]*data-quick-exit-link', html)
    assert match, "no quick-exit link (data-quick-exit-link) on the English home page"
    return match.group(1).replace("&amp;", "&")


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    """Debian's Chromium, headless, launched once for the session."""
    require_chromium()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield chromium
        finally:
            chromium.close()


@pytest.fixture
def new_context(browser: Any, server: Server, exit_url: str) -> Iterator[Callable[..., Any]]:
    """Return a factory of browser contexts that never reach the network.

    Any request to another origin is answered locally: the quick-exit address
    with a neutral stub page, everything else aborted. Tests that care about
    such requests record them with page.on("request").
    """
    contexts: list[Any] = []

    def make(**options: Any) -> Any:
        context = browser.new_context(**{"viewport": {"width": 1280, "height": 900}, **options})
        contexts.append(context)

        def offsite(route: Any) -> None:
            if route.request.url.split("#")[0] == exit_url:
                route.fulfill(status=200, content_type="text/html; charset=utf-8", body=NEUTRAL_PAGE)
            else:
                route.abort()

        context.route(lambda url: not url.startswith(server.base + "/"), offsite)
        return context

    yield make
    for context in contexts:
        context.close()


def page_for(pages: dict[tuple[str, str | None], BuiltPage], item: tuple[str, str | None]) -> BuiltPage:
    """Return the built page of a page type, or fail naming what is missing."""
    if item not in pages:
        kinds = ", ".join(sorted(page_type_id(k) for k in pages))
        pytest.fail(f"the campaign has no page of type {page_type_id(item)} (found: {kinds})", pytrace=False)
    return pages[item]


def open_page(context: Any, server: Server, page: BuiltPage) -> Any:
    """Open a built page in a new tab and wait until it and its fonts are loaded."""
    tab = context.new_page()
    response = tab.goto(server.url(page.path), wait_until="load")
    assert response is not None
    expected = 404 if page.layout == "404" else 200
    assert response.status == expected, f"{page.path} answered {response.status}, expected {expected}"
    tab.evaluate("document.fonts.ready.then(() => true)")
    return tab


# ------------------------------------------------------------- every page type


def test_every_page_type_is_built(pages: dict[tuple[str, str | None], BuiltPage]) -> None:
    missing = [page_type_id(p) for p in PAGE_TYPES if p not in pages]
    assert not missing, f"no built page for: {', '.join(missing)}"
    translated = [page_type_id(p) for p in sorted(UNTRANSLATED) if p in pages]
    assert not translated, f"now built, so remove them from UNTRANSLATED to test them: {', '.join(translated)}"


#: A script run before each page's own: it keeps every CSP violation in window.__cspViolations.
CSP_RECORDER = (
    "window.__cspViolations = [];"
    "document.addEventListener('securitypolicyviolation', e => window.__cspViolations.push("
    "`${e.effectiveDirective} blocked ${e.blockedURI || 'inline code'} (${e.sourceFile}:${e.lineNumber})`));"
)

def axe_violations(tab: Any) -> list[dict[str, Any]]:
    """Run axe-core (the WCAG 2.2 AA tags) on the page in ``tab``; return its violations, nodes included.
    The page's context must bypass the CSP, which would block the injected script."""
    tab.add_script_tag(path=str(AXE_JS))
    return cast(list[dict[str, Any]], tab.evaluate(
        """async (tags) => {
            const result = await axe.run(document, {runOnly: {type: 'tag', values: tags}, resultTypes: ['violations']});
            return result.violations.map(v => ({
                id: v.id, impact: v.impact, help: v.help, helpUrl: v.helpUrl,
                nodes: v.nodes.map(n => ({target: n.target, html: n.html, summary: n.failureSummary})),
            }));
        }""",
        AXE_TAGS,
    ))


@pytest.mark.parametrize("scheme", SCHEMES)
@pytest.mark.parametrize("item", PAGE_TYPES, ids=PAGE_TYPE_IDS)
def test_axe_finds_no_wcag_violation(new_context: Callable[..., Any], server: Server,
                                     pages: dict[tuple[str, str | None], BuiltPage],
                                     item: tuple[str, str | None], scheme: str) -> None:
    require_axe()
    page = page_for(pages, item)
    # The site's CSP would block the injected axe script; it is checked on its own below.
    context = new_context(color_scheme=scheme, bypass_csp=True)
    tab = open_page(context, server, page)
    violations = axe_violations(tab)
    assert not violations, format_axe(violations, f"{page.path} ({scheme} scheme)")


@pytest.mark.parametrize("item", PAGE_TYPES, ids=PAGE_TYPE_IDS)
def test_no_request_leaves_the_site_and_the_csp_blocks_nothing(
        new_context: Callable[..., Any], server: Server, pages: dict[tuple[str, str | None], BuiltPage],
        item: tuple[str, str | None]) -> None:
    page = page_for(pages, item)
    assert "Content-Security-Policy" in server.headers
    for directive in STRICT_CSP.split("; "):
        assert directive in server.headers["Content-Security-Policy"], \
            f"the shipped CSP ({server.headers['Content-Security-Policy']}) lacks {directive!r}"
    context = new_context()
    context.add_init_script(CSP_RECORDER)
    tab = context.new_page()
    requests: list[str] = []
    failed_assets: list[str] = []
    tab.on("request", lambda request: requests.append(request.url))
    tab.on("response", lambda response: failed_assets.append(f"{response.status} {response.url}")
           if "/assets/" in response.url and response.status >= 400 else None)
    tab.goto(server.url(page.path), wait_until="networkidle")
    tab.evaluate("document.fonts.ready.then(() => true)")
    foreign = [url for url in requests
               if urlsplit(url).scheme not in ("data", "blob") and not url.startswith(server.base + "/")]
    assert not foreign, f"{page.path} made requests to other origins:\n" + "\n".join(foreign)
    assert not failed_assets, f"{page.path}: assets that failed to load:\n" + "\n".join(failed_assets)
    violations = tab.evaluate("window.__cspViolations")
    assert not violations, f"{page.path}: the CSP blocked:\n" + "\n".join(violations)


def test_csp_meta_protects_pages_served_without_headers(browser: Any, tmp_path: Path) -> None:
    """GitHub Pages sends no header of the site's own: with csp_meta, the policy in each page still blocks inline
    code, and blocks nothing the site itself loads."""
    site = tmp_path / "site"
    shutil.copytree(FIXTURE_SITE, site, ignore=IGNORED)
    with (site / "site.yaml").open("a", encoding="utf-8") as config:
        config.write("csp_meta: true\n")
    out = build_site(site, tmp_path / "public")
    for server in serve(out, headers={"Cache-Control": "no-store"}):
        context = browser.new_context()
        context.route(lambda url: not url.startswith(server.base + "/"), lambda route: route.abort())
        context.add_init_script(CSP_RECORDER)
        tab = context.new_page()
        for path in ("/fr/", "/en/articles/later/", MISSING_PATH):
            response = tab.goto(server.url(path), wait_until="networkidle")
            assert response is not None and "content-security-policy" not in response.headers
            assert tab.evaluate("window.__cspViolations") == [], path
            ran = tab.evaluate("""() => { window.__inline = false;
                const s = document.createElement('script'); s.textContent = 'window.__inline = true';
                document.body.append(s); return new Promise(r => setTimeout(() => r(window.__inline), 50)); }""")
            assert ran is False, f"{path}: an inline script ran"
            said = tab.evaluate("window.__cspViolations")  # "<directive> blocked <what> (<file>:<line>)"
            assert [v.split(" (")[0] for v in said] == ["script-src-elem blocked inline"], (path, said)
        context.close()


@pytest.mark.parametrize("item", PAGE_TYPES, ids=PAGE_TYPE_IDS)
def test_no_horizontal_scroll_at_320px(new_context: Callable[..., Any], server: Server,
                                       pages: dict[tuple[str, str | None], BuiltPage],
                                       item: tuple[str, str | None]) -> None:
    page = page_for(pages, item)
    context = new_context(viewport={"width": 320, "height": 800})
    tab = open_page(context, server, page)
    width = tab.evaluate("document.documentElement.scrollWidth")
    if width > 320:
        culprits = tab.evaluate(
            """() => [...document.querySelectorAll('body *')]
                .filter(el => el.getBoundingClientRect().right > 320.5)
                .slice(0, 8).map(el => `<${el.tagName.toLowerCase()} class="${el.className}"> right=${
                    Math.round(el.getBoundingClientRect().right)}`)"""
        )
        pytest.fail(f"{page.path} is {width}px wide at a 320px viewport; too wide:\n" + "\n".join(culprits),
                    pytrace=False)


@pytest.mark.parametrize("item", PAGE_TYPES, ids=PAGE_TYPE_IDS)
def test_works_without_javascript(new_context: Callable[..., Any], server: Server, exit_url: str,
                                  pages: dict[tuple[str, str | None], BuiltPage],
                                  item: tuple[str, str | None]) -> None:
    page = page_for(pages, item)
    context = new_context(java_script_enabled=False)
    tab = open_page(context, server, page)
    assert tab.evaluate("document.documentElement.classList.contains('js')") is False
    main = tab.locator("main")
    assert main.is_visible()
    assert len(main.inner_text().strip()) > 40, f"{page.path}: the main content is (nearly) empty without JS"
    assert tab.locator("h1").count() == 1
    link = tab.locator("[data-quick-exit-link]")
    assert link.is_visible(), f"{page.path}: no visible quick-exit link without JS"
    assert link.get_attribute("href") == exit_url
    assert not tab.locator("[data-quick-exit-shortcut]").is_visible(), \
        "the Shift shortcut hint is shown although the shortcut needs JavaScript"
    for hidden in ("[data-copy-target]", "[data-share-enhanced]", "[data-content-warning-continue]"):
        for button in tab.locator(hidden).all():
            assert not button.is_visible(), f"{page.path}: {hidden} is shown although it needs JavaScript"
    if page.layout == "fact":
        assert tab.locator(".share-list a").count() >= 3
        assert tab.locator("#cite-text").input_value().strip()
    if page.layout == "article":
        warning = tab.locator("[data-content-warning]")
        if warning.count():
            assert warning.is_visible()
            assert tab.locator("#page-content").is_visible(), "the article is hidden behind its content warning"


# ----------------------------------------------------------------- quick exit


def _visit_two_pages(context: Any, server: Server, pages: dict[tuple[str, str | None], BuiltPage]) -> tuple[Any, str, str]:
    """Open the home page, then an article in the same tab; return (tab, first URL, second URL)."""
    first = server.url(page_for(pages, ("home", "en")).path)
    second = server.url(page_for(pages, ("article", "en")).path)
    tab = context.new_page()
    tab.goto(first, wait_until="load")
    tab.goto(second, wait_until="load")
    return tab, first, second


def _assert_left_for_good(tab: Any, exit_url: str, first: str, second: str) -> None:
    tab.wait_for_url(exit_url, timeout=5000)
    assert "Neutral site" in tab.title()
    tab.go_back(wait_until="load")
    assert tab.url != second, "Back returned to the page the visitor left with the quick exit"
    assert tab.url == first


def test_quick_exit_button_leaves_and_back_does_not_return(new_context: Callable[..., Any], server: Server,
                                                           exit_url: str,
                                                           pages: dict[tuple[str, str | None], BuiltPage]) -> None:
    tab, first, second = _visit_two_pages(new_context(), server, pages)
    tab.locator("[data-quick-exit-link]").click()
    _assert_left_for_good(tab, exit_url, first, second)


def test_quick_exit_shift_three_times_leaves(new_context: Callable[..., Any], server: Server, exit_url: str,
                                             pages: dict[tuple[str, str | None], BuiltPage]) -> None:
    tab, first, second = _visit_two_pages(new_context(), server, pages)
    assert tab.locator("[data-quick-exit-shortcut]").is_visible(), "the Shift hint is not shown with JavaScript on"
    for _ in range(3):
        tab.keyboard.press("Shift")
    _assert_left_for_good(tab, exit_url, first, second)


def test_quick_exit_blanks_the_page_and_announces_at_once(new_context: Callable[..., Any], server: Server,
                                                         exit_url: str,
                                                         pages: dict[tuple[str, str | None], BuiltPage]) -> None:
    context = new_context()
    seen: list[dict[str, Any]] = []
    context.expose_function("vigieReport", lambda state: seen.append(state))
    # The moment the page starts leaving, before the neutral site arrives, note what is on screen.
    context.add_init_script("""
        const watch = new MutationObserver(() => {
            if (!document.documentElement.classList.contains('is-leaving')) return;
            watch.disconnect();
            const shown = sel => [...document.querySelectorAll(sel)].some(el => el.getClientRects().length > 0);
            window.vigieReport({
                main: shown('main'), header: shown('.site-header'), footer: shown('.site-footer'),
                button: shown('[data-quick-exit-link]'),
                status: (document.querySelector('[data-quick-exit-status]') || {}).textContent || '',
                title: document.title,
            });
        });
        document.addEventListener('DOMContentLoaded', () =>
            watch.observe(document.documentElement, {attributes: true, attributeFilter: ['class']}));
    """)
    held: list[Any] = []
    context.route(exit_url, lambda route: held.append(route))  # the neutral site "loads" until we say so
    tab = open_page(context, server, page_for(pages, ("article", "fr")))
    assert tab.locator("[data-quick-exit-status]").get_attribute("role") == "status"
    tab.locator("[data-quick-exit-link]").click(no_wait_after=True)
    for _ in range(50):
        if seen and held:
            break
        tab.wait_for_timeout(100)
    assert held, "clicking the quick-exit button did not start leaving for the neutral site"
    for route in held:
        route.fulfill(status=200, content_type="text/html; charset=utf-8", body=NEUTRAL_PAGE)
    tab.wait_for_url(exit_url, timeout=5000)
    assert seen, "the page was not marked as leaving (html.is-leaving) before it went"
    state = seen[0]
    assert not (state["main"] or state["header"] or state["footer"] or state["button"]), \
        f"part of the page stayed on screen while leaving: {state}"
    assert state["status"].strip(), "nothing announced through the role=status element"
    assert not state["title"].strip(), "the tab title still tells what the page was"


def test_shift_tab_and_other_keys_do_not_trigger_the_quick_exit(new_context: Callable[..., Any], server: Server,
                                                               pages: dict[tuple[str, str | None], BuiltPage]) -> None:
    tab = open_page(new_context(), server, page_for(pages, ("fact", "en")))
    start = tab.url
    for _ in range(4):  # moving backwards through the page is not an exit
        tab.keyboard.press("Shift+Tab")
    tab.keyboard.press("Shift")
    tab.keyboard.press("Shift")
    tab.keyboard.press("a")
    tab.keyboard.press("Shift")
    tab.wait_for_timeout(300)
    assert tab.url == start
    assert not tab.evaluate("document.documentElement.classList.contains('is-leaving')")


def test_quick_exit_comes_right_after_the_skip_link(new_context: Callable[..., Any], server: Server,
                                                    pages: dict[tuple[str, str | None], BuiltPage]) -> None:
    tab = open_page(new_context(), server, page_for(pages, ("article", "en")))
    tab.keyboard.press("Tab")
    assert tab.evaluate("document.activeElement.classList.contains('skip-link')")
    assert tab.locator(".skip-link").is_visible(), "the skip link stays invisible when focused"
    tab.keyboard.press("Tab")
    assert tab.evaluate("document.activeElement.hasAttribute('data-quick-exit-link')")


def test_quick_exit_stays_on_screen_when_scrolling(new_context: Callable[..., Any], server: Server,
                                                   pages: dict[tuple[str, str | None], BuiltPage]) -> None:
    tab = open_page(new_context(viewport={"width": 390, "height": 700}), server, page_for(pages, ("article", "fr")))
    tab.evaluate("window.scrollTo(0, document.body.scrollHeight / 2)")
    box = tab.locator("[data-quick-exit-link]").bounding_box()
    assert box is not None and 0 <= box["y"] < 100, f"the quick-exit button scrolled away: {box}"


# --------------------------------------------------------------- other features


@pytest.mark.parametrize("layout, lang, other", [("article", "en", "fr"), ("fact", "fr", "en"),
                                                 ("home", "fr", "en"), ("facts", "en", "fr")])
def test_language_switcher_reaches_the_translation(new_context: Callable[..., Any], server: Server,
                                                   pages: dict[tuple[str, str | None], BuiltPage],
                                                   layout: str, lang: str, other: str) -> None:
    page = page_for(pages, (layout, lang))
    assert other in page.alternates, f"{page.path} has no hreflang={other} alternate"
    expected = urlsplit(page.alternates[other]).path
    tab = open_page(new_context(), server, page)
    tab.locator(f".lang-switch a[hreflang='{other}']").click()
    tab.wait_for_load_state("load")
    assert urlsplit(tab.url).path == expected
    assert tab.evaluate("document.documentElement.lang") == other
    back = tab.locator(f".lang-switch a[hreflang='{lang}']")
    assert back.get_attribute("href") == page.path


def test_copy_buttons_copy_and_announce(new_context: Callable[..., Any], server: Server,
                                        pages: dict[tuple[str, str | None], BuiltPage]) -> None:
    context = new_context()
    context.grant_permissions(["clipboard-read", "clipboard-write"], origin=server.base)
    tab = open_page(context, server, page_for(pages, ("fact", "en")))
    copy_link = tab.locator("[data-copy]")
    assert copy_link.is_visible()
    copy_link.click()
    status = tab.locator(".share [data-copy-status]")
    tab.wait_for_function("el => el.textContent.trim() !== ''", arg=status.element_handle(), timeout=3000)
    assert tab.evaluate("navigator.clipboard.readText()") == copy_link.get_attribute("data-copy")
    for target in ("cite-text", "embed-code"):
        button = tab.locator(f"[data-copy-target='{target}']")
        assert button.is_visible()
        button.click()
        tab.wait_for_timeout(100)
        assert tab.evaluate("navigator.clipboard.readText()") == tab.locator(f"#{target}").input_value()


def test_web_share_button_uses_the_share_sheet(new_context: Callable[..., Any], server: Server,
                                               pages: dict[tuple[str, str | None], BuiltPage]) -> None:
    context = new_context()
    context.add_init_script(
        "window.__shared = [];"
        "Object.defineProperty(Navigator.prototype, 'share', {configurable: true, value: function (data) {"
        " window.__shared.push(data); return Promise.resolve(); }});"
        "Object.defineProperty(Navigator.prototype, 'canShare', {configurable: true, value: () => true});"
    )
    tab = open_page(context, server, page_for(pages, ("fact", "fr")))
    button = tab.locator("[data-share-native]")
    assert button.is_visible()
    button.click()
    shared = tab.evaluate("window.__shared")
    assert len(shared) == 1
    assert shared[0]["url"] == tab.locator("[data-share]").get_attribute("data-share-url")


def test_web_share_button_stays_hidden_without_the_api(new_context: Callable[..., Any], server: Server,
                                                       pages: dict[tuple[str, str | None], BuiltPage]) -> None:
    context = new_context()
    context.add_init_script("delete Navigator.prototype.share; delete Navigator.prototype.canShare;")
    tab = open_page(context, server, page_for(pages, ("fact", "en")))
    assert not tab.locator("[data-share-native]").is_visible()
    assert tab.locator("[data-copy]").is_visible()


def test_content_warning_continue_moves_to_the_content(new_context: Callable[..., Any], server: Server,
                                                       pages: dict[tuple[str, str | None], BuiltPage]) -> None:
    tab = open_page(new_context(), server, page_for(pages, ("article", "en")))
    warning = tab.locator("[data-content-warning]")
    if not warning.count():
        pytest.skip("the article picked has no content warning")
    warning.locator("[data-content-warning-continue]").click()
    assert not warning.is_visible()
    assert tab.evaluate("document.activeElement.id") == "page-content"


def test_focus_is_never_hidden_under_the_sticky_bar(new_context: Callable[..., Any], server: Server,
                                                     pages: dict[tuple[str, str | None], BuiltPage]) -> None:
    tab = open_page(new_context(viewport={"width": 390, "height": 700}), server, page_for(pages, ("fact", "en")))
    check = """() => {
        const el = document.activeElement;
        const bar = document.querySelector('[data-quick-exit]');
        if (!el || el === document.body || bar.contains(el) || el.classList.contains('skip-link')) return null;
        const r = el.getBoundingClientRect(), b = bar.getBoundingClientRect();
        const hidden = r.bottom <= b.bottom + 1 || r.top >= window.innerHeight;
        return hidden ? `${el.outerHTML.slice(0, 120)} at ${Math.round(r.top)}..${Math.round(r.bottom)}, bar ends at ${
            Math.round(b.bottom)}` : '';
    }"""
    problems = []
    for key in ["Tab"] * 45 + ["Shift+Tab"] * 45:
        tab.keyboard.press(key)
        problem = tab.evaluate(check)
        if problem:
            problems.append(f"{key}: {problem}")
    assert not tab.evaluate("document.documentElement.classList.contains('is-leaving')")
    assert not problems, "focused elements hidden under the quick-exit bar:\n" + "\n".join(problems)


@pytest.mark.parametrize("scheme", SCHEMES)
def test_focus_is_clearly_visible(new_context: Callable[..., Any], server: Server,
                                  pages: dict[tuple[str, str | None], BuiltPage], scheme: str) -> None:
    tab = open_page(new_context(color_scheme=scheme), server, page_for(pages, ("fact", "en")))
    check = """() => {
        const el = document.activeElement;
        if (!el || el === document.body) return '';  // past the last stop
        const lum = c => {
            const [r, g, b] = c.match(/[\\d.]+/g).slice(0, 3).map(v => {
                v = v / 255; return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; });
            return 0.2126 * r + 0.7152 * g + 0.0722 * b;
        };
        const ratio = (a, b) => { const [x, y] = [lum(a), lum(b)].sort((p, q) => q - p); return (x + 0.05) / (y + 0.05); };
        const s = getComputedStyle(el);
        const ring = s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) >= 2 && !/, 0\\)$|transparent/.test(s.outlineColor);
        const filled = s.backgroundColor === 'rgb(255, 209, 102)';
        if (!ring && !filled) return `${el.outerHTML.slice(0, 100)}: no focus indicator`;
        if (filled) {
            for (const node of [el, ...el.querySelectorAll('*')]) {
                const c = getComputedStyle(node).color;
                if (node.textContent.trim() && ratio(c, s.backgroundColor) < 4.5)
                    return `${el.outerHTML.slice(0, 100)}: text ${c} on the focus colour`;
            }
        }
        return '';
    }"""
    problems = []
    for _ in range(40):
        tab.keyboard.press("Tab")
        problem = tab.evaluate(check)
        if problem:
            problems.append(problem)
    assert not problems, f"focus problems ({scheme} scheme):\n" + "\n".join(problems)


def test_print_stylesheet_hides_the_controls(new_context: Callable[..., Any], server: Server,
                                             pages: dict[tuple[str, str | None], BuiltPage]) -> None:
    tab = open_page(new_context(), server, page_for(pages, ("fact", "fr")))
    tab.emulate_media(media="print")
    for selector in ("[data-quick-exit]", ".site-nav", ".share", ".embed"):
        assert not tab.locator(selector).first.is_visible(), f"{selector} is printed"
    assert tab.locator("h1").is_visible()
    assert tab.locator(".fact-source").is_visible()


@pytest.mark.parametrize("layout", ["home", "article", "fact"])
def test_no_layout_shift_while_loading(new_context: Callable[..., Any], server: Server,
                                       pages: dict[tuple[str, str | None], BuiltPage], layout: str) -> None:
    context = new_context(viewport={"width": 390, "height": 844})
    context.add_init_script(
        "window.__cls = 0; new PerformanceObserver(list => { for (const e of list.getEntries())"
        " if (!e.hadRecentInput) window.__cls += e.value; }).observe({type: 'layout-shift', buffered: true});"
    )
    tab = open_page(context, server, page_for(pages, (layout, "fr")))
    tab.wait_for_timeout(300)
    shift = tab.evaluate("window.__cls")
    assert shift < 0.02, f"cumulative layout shift {shift:.3f} on {tab.url}"


def test_the_fact_page_loads_its_card_as_a_lighter_copy(
        new_context: Callable[..., Any], server: Server, pages: dict[tuple[str, str | None], BuiltPage]) -> None:
    """A phone (390 px, 2 device pixels a pixel, so 716 px wanted) gets the 1200 px WebP copy, never the PNG.

    (Chromium fetches a lazy image already when it is within about a screen or two of the viewport, so when
    it comes is not tested: the page's HTML says loading="lazy", see test_images.)"""
    context = new_context(viewport={"width": 390, "height": 844}, device_scale_factor=2)
    images: list[str] = []
    context.on("request", lambda request: images.append(request.url) if request.resource_type == "image" else None)
    tab = open_page(context, server, page_for(pages, ("fact", "fr")))
    tab.locator(".fact-card__image").scroll_into_view_if_needed()
    tab.wait_for_function("() => { const i = document.querySelector('.fact-card__image');"
                          " return i.complete && i.naturalWidth > 0; }")
    shown = tab.evaluate("(() => { const i = document.querySelector('.fact-card__image');"
                         " return [i.currentSrc, i.naturalWidth]; })()")
    assert shown[0].endswith("/card-1200.webp") and abs(shown[1] - 358) <= 1, shown  # over 358 CSS px (sizes)
    assert not [url for url in images if url.endswith("/card.png")]


def test_the_web_fonts_draw_the_text_and_a_blocked_font_leaves_no_blank(
        new_context: Callable[..., Any], server: Server, pages: dict[tuple[str, str | None], BuiltPage]) -> None:
    page = page_for(pages, ("home", "fr"))
    faces_js = """() => [...document.fonts].filter(f => f.family.replace(/"/g, '') === 'Atkinson Hyperlegible')
        .map(f => [f.weight, f.style, f.unicodeRange, f.status])"""
    tab = open_page(new_context(viewport={"width": 390, "height": 844}), server, page)
    tab.evaluate("document.fonts.ready")
    faces = tab.evaluate(faces_js)
    assert {(weight, style) for weight, style, _, status in faces if status == "loaded"} >= {("400", "normal"),
                                                                                            ("700", "normal")}
    assert all(ranges.startswith("U+20-7E") for _, _, ranges, _ in faces)
    assert tab.evaluate("t => document.fonts.check('17px \"Atkinson Hyperlegible\"', t)", "Protéger « ici » – 1 000 €")
    blocked = new_context(viewport={"width": 390, "height": 844})
    blocked.route("**/*.woff2", lambda route: route.abort())
    tab = open_page(blocked, server, page)
    tab.evaluate("document.fonts.ready")
    assert {status for _, _, _, status in tab.evaluate(faces_js)} <= {"error", "unloaded"}
    heights = tab.evaluate("[...document.querySelectorAll('h1, h2, p')].slice(0, 6).map(e => e.offsetHeight)")
    assert heights and all(h > 0 for h in heights)  # the text is drawn, in the fallback fonts
    assert tab.evaluate("document.documentElement.scrollWidth") <= 390


# ------------------------------------------------------- the preview (vigie serve)


def test_the_preview_reloads_on_save_over_its_own_origin_and_the_csp_blocks_nothing(
        browser: Any, tmp_path: Path) -> None:
    """`vigie serve` in Chromium: livereload's client connects back to the page's origin, under the site's
    CSP, and a save (an editor's atomic one) reloads the page; an error shows and goes the same way."""
    from generator.commands.serve import start_server

    site = tmp_path / "site"
    shutil.copytree(FIXTURE_SITE, site, ignore=IGNORED)
    article = site / "content/fr/articles/ecrans.md"
    original = article.read_text(encoding="utf-8")

    def save(text: str) -> None:
        temp = article.with_name(article.name + ".tmp")
        temp.write_text(text, encoding="utf-8")
        os.replace(temp, article)

    handle = start_server(site, "127.0.0.1", 0, today=BUILD_DAY)
    origin = f"http://127.0.0.1:{handle.port}"
    context = browser.new_context()
    violations: list[str] = []
    console: list[str] = []
    sockets: list[str] = []
    foreign: list[str] = []

    def offsite(route: Any) -> None:
        foreign.append(route.request.url)
        route.abort()

    def wait_until(ok: Callable[[], bool], what: str) -> None:
        deadline = time.monotonic() + 15
        while not ok():
            assert time.monotonic() < deadline, f"{what}: not within 15 s"
            tab.wait_for_timeout(50)  # Playwright hands over the page's events meanwhile

    try:
        context.expose_binding("__vigieViolation", lambda source, text: violations.append(text))
        context.add_init_script(
            "document.addEventListener('securitypolicyviolation', e => window.__vigieViolation("
            "`${e.effectiveDirective} blocked ${e.blockedURI || 'inline code'} (${e.sourceFile}:${e.lineNumber})`));")
        context.route(lambda url: not url.startswith(origin + "/"), offsite)
        tab = context.new_page()
        tab.on("console", lambda message: console.append(f"{message.type}: {message.text}"))
        tab.on("websocket", lambda socket: sockets.append(socket.url))
        response = tab.goto(origin + "/fr/articles/ecrans/", wait_until="load")
        assert response is not None and response.status == 200
        policy = response.headers["content-security-policy"]
        for directive in (*STRICT_CSP.split("; "), "connect-src 'self'"):
            assert directive in policy, f"the preview's CSP ({policy}) lacks {directive!r}"
        assert tab.locator("h1").inner_text() == "Les écrans en famille"
        wait_until(lambda: handle.browsers == 1, "livereload.js connected to the preview")
        assert sockets == [f"ws://127.0.0.1:{handle.port}/livereload"]

        with tab.expect_navigation(timeout=15000):  # livereload.js reloads the page
            save(original.replace("title: Les écrans en famille", "title: Les écrans, relus"))
        assert tab.locator("h1").inner_text() == "Les écrans, relus"

        with tab.expect_navigation(timeout=15000):
            save(original.replace("summary: Parler", "summary: Parler: oops"))
        assert "content/fr/articles/ecrans.md:4: error: line 4: the ':' inside the value" in tab.locator("main").inner_text()
        wait_until(lambda: handle.browsers == 1, "the error page connected")

        with tab.expect_navigation(timeout=15000):
            save(original)
        assert tab.locator("h1").inner_text() == "Les écrans en famille"
        wait_until(lambda: handle.browsers == 1, "the page connected again")

        port = handle.port  # a preview stopped a while, then started again: the page comes back within seconds
        handle.stop()
        tab.wait_for_timeout(4000)  # livereload.js would wait 1, 2, 4 … up to 60 s between tries by default
        save(original.replace("title: Les écrans en famille", "title: Les écrans, après l'arrêt"))
        handle = start_server(site, "127.0.0.1", port, today=BUILD_DAY)
        with tab.expect_navigation(timeout=2500):  # it tries every second, then is told it is out of date
            pass
        assert tab.locator("h1").inner_text() == "Les écrans, après l'arrêt"

        tab.wait_for_timeout(300)
        assert foreign == [], "requests to other origins:\n" + "\n".join(foreign)
        assert set(sockets) == {f"ws://127.0.0.1:{handle.port}/livereload"}
        assert violations == [], "the CSP blocked:\n" + "\n".join(violations)
        assert not [line for line in console if "Content Security Policy" in line], "\n".join(console)

        tab.evaluate("() => { try { new WebSocket('ws://localhost:9/'); } catch (e) {} }")  # the check can fail
        wait_until(lambda: bool(violations), "a CSP violation reported")
        assert violations[0].startswith("connect-src blocked ws://localhost:9/")
    finally:
        context.close()
        handle.stop()


# --------------------------------------------------------------- static checks


def test_no_inline_code_and_images_have_dimensions(campaign: Path) -> None:
    problems = []
    for file in html_files(campaign):
        parser = InlineCode()
        parser.feed(file.read_text(encoding="utf-8"))
        problems += [f"{file.relative_to(campaign)}: {p}" for p in parser.problems]
    assert not problems, "\n".join(problems[:50])


def nu_errors(out: Path) -> tuple[int, list[str]]:
    """Return how many pages of ``out`` the W3C Nu checker read, and its errors (``page:line: message``)."""
    java = require_vnu()
    files = [str(f) for f in html_files(out)]
    proc = subprocess.run([java, "-jar", str(VNU_JAR), "--errors-only", "--format", "json", *files],
                          capture_output=True, text=True, timeout=600)
    try:
        messages = json.loads(proc.stderr or proc.stdout or '{"messages": []}')["messages"]
    except (json.JSONDecodeError, KeyError):
        pytest.fail(f"vnu.jar gave no JSON report (exit {proc.returncode}):\n{proc.stdout}\n{proc.stderr}",
                    pytrace=False)
    return len(files), [
        f"{Path(urlsplit(m.get('url', '')).path).relative_to(out)}:{m.get('lastLine', '?')}: {m.get('message')}"
        f"\n    {m.get('extract', '').strip()[:200]}"
        for m in messages if m.get("type") == "error" or m.get("subType") == "fatal"]


def test_html_is_valid(campaign: Path) -> None:
    pages, errors = nu_errors(campaign)
    assert not errors, f"{len(errors)} HTML error(s) in {pages} pages:\n" + "\n".join(errors[:60])


# ---------------------------------------------------------- four languages, one right to left

SITE4 = Path(__file__).resolve().parent / "fixtures" / "site4"
#: One page of each language of tests/fixtures/site4, the Arabic figure page too.
FOUR_PAGES = ["/fr/articles/annee-record/", "/nl/artikels/recordjaar/", "/en/help/", "/ar/", "/ar/facts/reports/"]


@pytest.fixture(scope="module")
def four_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """The four-language fixture site (fr, nl, en, ar), built with the command line and served."""
    out = build_site(SITE4, tmp_path_factory.mktemp("four") / "public")
    yield from serve(out)


@pytest.mark.parametrize("path", FOUR_PAGES)
def test_axe_finds_no_violation_in_each_language(browser: Any, four_server: Server, path: str) -> None:
    require_axe()
    context = browser.new_context(viewport={"width": 1280, "height": 900}, bypass_csp=True)
    context.route(lambda url: not url.startswith(four_server.base + "/"), lambda route: route.abort())
    try:
        tab = context.new_page()
        response = tab.goto(four_server.url(path), wait_until="load")
        assert response is not None and response.status == 200
        violations = axe_violations(tab)
        assert not violations, format_axe(violations, path)
    finally:
        context.close()


@pytest.mark.parametrize("width", [320, 390, 1280])
def test_arabic_pages_mirror_without_horizontal_scroll(browser: Any, four_server: Server, width: int) -> None:
    context = browser.new_context(viewport={"width": width, "height": 800})
    context.route(lambda url: not url.startswith(four_server.base + "/"), lambda route: route.abort())
    try:
        for path in ("/ar/", "/ar/facts/reports/", "/ar/articles/record-year/"):
            tab = context.new_page()
            tab.goto(four_server.url(path), wait_until="load")
            assert tab.evaluate("document.documentElement.scrollWidth") <= width, path
            assert tab.evaluate("getComputedStyle(document.body).direction") == "rtl"
            # Mirrored: the main heading's text starts at the right edge of its box.
            heading = tab.evaluate("""() => { const h = document.querySelector('main h1');
                const r = document.createRange(); r.selectNodeContents(h);
                const text = r.getBoundingClientRect(), box = h.getBoundingClientRect();
                return [box.right - text.right, text.left - box.left]; }""")
            assert heading[0] < 2 and heading[1] >= 0, (path, heading)
            tab.close()
    finally:
        context.close()


@pytest.mark.parametrize("width", [320, 390])
def test_the_pages_for_every_language_fit_a_phone(browser: Any, four_server: Server, width: int) -> None:
    # The 404 page put dir="rtl" on the Arabic item of its list: its bullet went past the edge (394 px at 390).
    context = browser.new_context(viewport={"width": width, "height": 800})
    context.route(lambda url: not url.startswith(four_server.base + "/"), lambda route: route.abort())
    try:
        tab = context.new_page()
        for path in ("/404.html", "/"):
            tab.goto(four_server.url(path), wait_until="load")
            assert tab.evaluate("document.documentElement.scrollWidth") <= width, path
    finally:
        context.close()


def test_the_root_of_a_one_language_site_leads_to_its_home(browser: Any, tmp_path: Path) -> None:
    # It showed a language chooser with one language: a click more for every visitor, two sitemap entries.
    site = tmp_path / "site"
    shutil.copytree(SITE4, site, ignore=shutil.ignore_patterns(".vigie-cache", "public"))
    config = site / "site.yaml"
    text = re.sub(r"(?m)^languages: .*$", "languages: [nl]", config.read_text(encoding="utf-8"))
    config.write_text(re.sub(r"(?m)^default_language: .*$", "default_language: nl", text), encoding="utf-8")
    for lang in ("fr", "en", "ar"):
        shutil.rmtree(site / "content" / lang)
    for server in serve(build_site(site, tmp_path / "public")):
        context = browser.new_context(viewport={"width": 390, "height": 800}, bypass_csp=True)  # axe is a script
        context.route(lambda url: not url.startswith(server.base + "/"), lambda route: route.abort())
        try:
            tab = context.new_page()
            tab.goto(server.url("/"), wait_until="load")
            tab.wait_for_url(server.url("/nl/"), timeout=5000)
            require_axe()
            violations = axe_violations(tab)
            assert not violations, format_axe(violations, "/nl/")
        finally:
            context.close()


MIRRORED = (".quick-exit__button", ".brand__logo", ".site-nav a", "main h1", ".lang-switch__list")


@pytest.mark.parametrize("width", [390, 1280])
def test_the_arabic_home_is_the_english_one_mirrored(browser: Any, four_server: Server, width: int,
                                                      tmp_path: Path) -> None:
    """Screenshots of the English and Arabic homes; each landmark element of one sits where the other's
    mirror image is (texts differ in width, so the edge the layout holds it by is compared).
    VIGIE_SCREENSHOTS=DIR keeps the pictures."""
    keep = os.environ.get("VIGIE_SCREENSHOTS")
    context = browser.new_context(viewport={"width": width, "height": 900})
    context.route(lambda url: not url.startswith(four_server.base + "/"), lambda route: route.abort())
    boxes: dict[str, dict[str, list[dict[str, float]]]] = {}
    try:
        for lang in ("en", "ar"):
            tab = context.new_page()
            tab.goto(four_server.url(f"/{lang}/"), wait_until="load")
            picture = Path(keep or tmp_path) / f"home-{lang}-{width}.png"
            picture.parent.mkdir(parents=True, exist_ok=True)
            tab.screenshot(path=str(picture), full_page=True)
            assert picture.stat().st_size > 0
            boxes[lang] = {sel: tab.eval_on_selector_all(sel, """els => els.filter(e => e.offsetParent !== null)
                              .map(e => { const r = e.getBoundingClientRect();
                                          return {left: r.left, right: r.right}; })""") for sel in MIRRORED}
            tab.close()
    finally:
        context.close()
    for sel in MIRRORED:
        ltr, rtl = boxes["en"][sel], boxes["ar"][sel]
        if not ltr:
            continue
        assert rtl, f"{sel} is on the English home, not on the Arabic one"
        # the edge the layout holds the first one by (its start, or its end for what sits at the end of a
        # line) is mirrored: English left ↔ Arabic right, or English right ↔ Arabic left
        start = abs(ltr[0]["left"] - (width - rtl[0]["right"]))
        end = abs(ltr[0]["right"] - (width - rtl[0]["left"]))
        assert min(start, end) <= 2, (sel, ltr[0], rtl[0], width)


def test_four_language_html_is_valid(four_server: Server) -> None:
    out = four_server.out
    files = [str(f) for f in html_files(out)]
    assert any("/ar/" in f for f in files) and any("/nl/" in f for f in files)
    _pages, errors = nu_errors(out)
    assert not errors, "\n".join(errors[:60])


# --------------------------------------------------------------------- search


def _main_text(file: Path) -> str:
    """Return the words of a page's <main>, lower-cased (what the search index holds of it)."""
    html = file.read_text(encoding="utf-8")
    main = html.split("<main", 1)[1].split("</main>", 1)[0]
    return re.sub(r"<[^>]+>", " ", main).lower()


def _search_word(out: Path, article_path: str, lang: str, others: tuple[str, ...]) -> str:
    """Return a word of the article's body found in no other indexed page of its language, and if possible
    also in a page of an ``others`` language (so that finding it there would be the wrong answer)."""
    article = out / article_path.strip("/") / "index.html"
    own = _main_text(article)
    texts = {file: _main_text(file) for file in html_files(out)
             if 'data-pagefind-body' in file.read_text(encoding="utf-8")}
    mine = [text for file, text in texts.items() if file.relative_to(out).parts[0] == lang and file != article]
    theirs = " ".join(text for file, text in texts.items() if file.relative_to(out).parts[0] in others)
    # whole words between spaces, letters only (Arabic words too); "not in any other page" as a substring
    words = sorted(set(re.findall(r"(?<!\S)[^\W\d_]{6,}(?!\S)", own)))
    unique = [w for w in words if not any(w in text for text in mine)]
    assert unique, f"no word of {article_path} is found in it alone"
    shared = [w for w in unique if re.search(rf"(?<!\w){w}(?!\w)", theirs)]
    return (shared or unique)[0]


def _search_finds_only(context: Any, server: Server, article_path: str, lang: str, search_path: str,
                       index: str = "/pagefind/", word: str | None = None) -> None:
    """Type a word of the article's body on the search page: the article is found, only pages of the
    page's language are, everything comes from the site's origin (the index from ``index``), the CSP blocks
    nothing, the console is quiet, the keyboard reaches the results and the words stay out of the address."""
    others = tuple(sorted({p.relative_to(server.out).parts[0] for p in html_files(server.out)
                           if len(p.relative_to(server.out).parts) > 1} - {lang, "assets", "pagefind"}))
    word = word or _search_word(server.out, article_path, lang, others)
    context.add_init_script(CSP_RECORDER)
    tab = context.new_page()
    requests: list[str] = []
    console: list[str] = []
    tab.on("request", lambda request: requests.append(request.url))
    tab.on("console", lambda message: console.append(f"{message.type}: {message.text}")
           if message.type in ("error", "warning") else None)
    tab.on("pageerror", lambda error: console.append(f"page error: {error}"))
    tab.goto(server.url(search_path), wait_until="load")
    box = tab.get_by_role("searchbox")
    assert box.is_visible() and tab.locator("[data-search-nojs]").is_hidden()
    box.press_sequentially(word, delay=20)
    box.press("Enter")
    tab.wait_for_selector(".search__result a", timeout=15000)
    links = tab.eval_on_selector_all(".search__result a", "links => links.map(a => a.href)")
    assert server.url(article_path) in links, f"searching '{word}' on {search_path} found {links}"
    assert all(link.startswith(server.url(f"/{lang}/")) for link in links), \
        f"searching '{word}' on {search_path} found pages of another language: {links}"
    status = tab.locator("[role=status][data-search-status]").inner_text()
    assert word in status, status
    # keyboard: from the search box, Tab reaches the button, then the first result
    box.focus()
    tab.keyboard.press("Tab")
    tab.keyboard.press("Tab")
    assert tab.evaluate("document.activeElement.closest('.search__result') !== null")
    tab.wait_for_load_state("networkidle")
    foreign = [url for url in requests
               if urlsplit(url).scheme not in ("data", "blob") and not url.startswith(server.base + "/")]
    assert not foreign, "search made requests to other origins:\n" + "\n".join(foreign)
    assert any(index in url for url in requests), f"the index was not loaded from {index}"
    assert tab.evaluate("window.__cspViolations") == []
    assert not console, "console:\n" + "\n".join(console)
    # the words stay out of the address (and the browser's history): on a shared device, no one finds them
    assert "q=" not in tab.url and word not in tab.url, tab.url
    # a link with the words still opens with that search, and they leave the address
    tab.goto(tab.url + "?q=" + word, wait_until="load")
    tab.wait_for_selector(".search__result a", timeout=15000)
    assert tab.get_by_role("searchbox").input_value() == word
    assert "q=" not in tab.url, tab.url


@pytest.mark.parametrize("lang", ["en", "fr"])
def test_search_finds_the_article_in_the_visitors_language_only(
        new_context: Callable[..., Any], server: Server, pages: dict[tuple[str, str | None], BuiltPage],
        lang: str) -> None:
    _search_finds_only(new_context(), server, page_for(pages, ("article", lang)).path, lang,
                       page_for(pages, ("search", lang)).path)


@pytest.mark.parametrize(("lang", "article", "search"), [("nl", "/nl/artikels/recordjaar/", "/nl/zoeken/"),
                                                          ("ar", "/ar/articles/record-year/", "/ar/search/")])
def test_search_in_a_four_language_site_stays_in_the_visitors_language(
        browser: Any, four_server: Server, lang: str, article: str, search: str) -> None:
    context = browser.new_context(viewport={"width": 390, "height": 800})
    context.route(lambda url: not url.startswith(four_server.base + "/"), lambda route: route.abort())
    try:
        _search_finds_only(context, four_server, article, lang, search)
    finally:
        context.close()


@pytest.fixture(scope="module")
def parts_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """The four-language fixture site with each language's index made in parts of 20 KB of HTML at most."""
    from generator.build import BuildOptions, build
    from generator.output import search

    site = tmp_path_factory.mktemp("parts") / "site"
    shutil.copytree(SITE4, site, ignore=IGNORED)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(search, "PART_BYTES", 20_000)
        build(BuildOptions(root=site, out=site / "public", today=BUILD_DAY))
    yield from serve(site / "public")


def _in_last_part(bundle: Path, lang: str) -> tuple[str, str, list[str]]:
    """Return the address of the last page of a language's last part, a word that no other page of the
    language holds (in Pagefind's own records: what the index holds), and the language's parts."""
    import gzip

    def records(folder: Path) -> list[dict[str, Any]]:
        return [json.loads(gzip.decompress(fragment.read_bytes()).removeprefix(b"pagefind_dcd"))
                for fragment in sorted((folder / "fragment").glob(f"{lang}_*.pf_fragment"))]

    folders = json.loads((bundle / "parts.json").read_text(encoding="utf-8"))[lang]
    assert len(folders) > 1, folders
    last, others = records(bundle / folders[-1])[-1], [*records(bundle), *(r for f in folders for r in records(bundle / f))]
    theirs = " ".join(record["content"].lower() for record in others if record["url"] != last["url"])
    word = next(word for word in sorted(set(re.findall(r"[^\W\d_]{6,}", last["content"].lower()))) if word not in theirs)
    return last["url"], word, folders


@pytest.mark.parametrize(("lang", "search"), [("fr", "/fr/recherche/"), ("ar", "/ar/search/")])
def test_search_finds_a_page_indexed_in_another_part_of_its_language(
        browser: Any, parts_server: Server, lang: str, search: str) -> None:
    """A large language's index is made in parts (the build's memory is one part's): the search page merges
    them, and a word that only a later part's page holds finds that page, in the visitor's language only."""
    url, word, folders = _in_last_part(parts_server.out / "pagefind", lang)
    context = browser.new_context(viewport={"width": 390, "height": 800})
    context.route(lambda url: not url.startswith(parts_server.base + "/"), lambda route: route.abort())
    try:
        _search_finds_only(context, parts_server, url, lang, search, index=f"/pagefind/{folders[-1]}", word=word)
    finally:
        context.close()


def test_a_site_below_a_folder_searches_its_parts_from_that_folder(browser: Any, tmp_path: Path) -> None:
    """A site published at https://example.org/campagne/ with its index in parts: the search page finds
    the parts below /campagne/pagefind/, and the page a later part holds at its address below /campagne/."""
    from generator.build import BuildOptions, build
    from generator.output import search

    site, root = tmp_path / "site", tmp_path / "root"
    shutil.copytree(SITE4, site, ignore=IGNORED)
    config = site / "site.yaml"
    config.write_text(re.sub(r"(?m)^base_url: .*$", "base_url: https://example.org/campagne/",
                             config.read_text(encoding="utf-8")), encoding="utf-8")
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(search, "PART_BYTES", 20_000)
        build(BuildOptions(root=site, out=root / "campagne", today=BUILD_DAY))
    url, word, folders = _in_last_part(root / "campagne" / "pagefind", "fr")
    servers = serve(root, server_headers(root / "campagne"))
    server = next(servers)
    context = browser.new_context(viewport={"width": 390, "height": 800})
    try:
        tab = context.new_page()
        requests: list[str] = []
        tab.on("request", lambda request: requests.append(request.url))
        tab.goto(server.url("/campagne/fr/recherche/") + "?q=" + word, wait_until="load")
        tab.wait_for_selector(".search__result a", timeout=15000)
        links = tab.eval_on_selector_all(".search__result a", "links => links.map(a => a.href)")
        assert server.url("/campagne" + url) in links, (word, links)
        assert any(request.startswith(server.url(f"/campagne/pagefind/{folders[-1]}")) for request in requests)
    finally:
        context.close()
        servers.close()


def test_search_asks_for_the_list_of_parts_afresh(browser: Any, parts_server: Server, tmp_path: Path) -> None:
    """A host that lets browsers keep files for an hour, and a new build whose parts are others: a visitor
    who searched before the new build still finds the pages of the new parts (an old list of parts would
    send the search to a part that is gone)."""
    out = tmp_path / "public"
    shutil.copytree(parts_server.out, out)
    bundle = out / "pagefind"
    url, word, folders = _in_last_part(bundle, "fr")
    servers = serve(out, {**server_headers(out), "Cache-Control": "public, max-age=3600"})
    server = next(servers)
    context = browser.new_context(viewport={"width": 390, "height": 800})  # no routes: they turn the cache off

    def found() -> list[str]:
        tab = context.new_page()
        tab.goto(server.url("/fr/recherche/") + "?q=" + word, wait_until="load")
        tab.wait_for_selector(".search__result a", timeout=15000)
        links: list[str] = tab.eval_on_selector_all(".search__result a", "links => links.map(a => a.href)")
        tab.close()
        return links

    try:
        assert server.url(url) in found()
        moved = folders[-1].rstrip("/") + "0/"  # the new build's last part: parts/fr/40/ for parts/fr/4/
        (bundle / folders[-1]).rename(bundle / moved)
        listed = json.loads((bundle / "parts.json").read_text(encoding="utf-8"))
        listed["fr"][-1] = moved
        (bundle / "parts.json").write_text(json.dumps(listed), encoding="utf-8")
        assert server.url(url) in found()
    finally:
        context.close()
        servers.close()


def test_search_words_sent_before_the_script_is_there_stay_out_of_the_address(
        new_context: Callable[..., Any], server: Server, pages: dict[tuple[str, str | None], BuiltPage]) -> None:
    """On a slow link the form is there before its script: Enter then sent the form itself, and the words went
    to the address (…/search/?q=grooming) and the browser's history."""
    context = new_context()
    context.route("**/search.*.js", lambda route: route.abort())  # the script not there (yet)
    tab = context.new_page()
    tab.goto(server.url(page_for(pages, ("search", "en")).path), wait_until="load")
    box = tab.get_by_role("searchbox")
    box.fill("grooming")
    with tab.expect_navigation():
        box.press("Enter")
    assert "grooming" not in tab.url and "q=" not in tab.url, tab.url


def test_search_skips_what_every_figure_page_repeats(new_context: Callable[..., Any], server: Server,
                                                    pages: dict[tuple[str, str | None], BuiltPage]) -> None:
    """The share buttons, download links and citation boxes of the figure pages are not indexed: a word found
    only there ("Mastodon", a share button) finds nothing, where it would list every figure page."""
    tab = new_context().new_page()
    tab.goto(server.url(page_for(pages, ("search", "en")).path) + "?q=Mastodon", wait_until="load")
    status = tab.locator("[role=status][data-search-status]")
    status.filter(has_text="Mastodon").wait_for(timeout=15000)
    assert tab.locator(".search__result").count() == 0, status.inner_text()
    assert "No page found" in status.inner_text()


@pytest.mark.parametrize("scheme", SCHEMES)
def test_search_results_have_no_wcag_violation(new_context: Callable[..., Any], server: Server, campaign: Path,
                                               pages: dict[tuple[str, str | None], BuiltPage], scheme: str) -> None:
    require_axe()
    article = page_for(pages, ("article", "fr"))
    word = _search_word(campaign, article.path, "fr", ("en",))
    context = new_context(color_scheme=scheme, bypass_csp=True)
    tab = context.new_page()
    tab.goto(server.url(page_for(pages, ("search", "fr")).path) + "?q=" + word, wait_until="load")
    tab.wait_for_selector(".search__result a", timeout=15000)
    violations = axe_violations(tab)
    assert not violations, format_axe(violations, f"search results ({scheme} scheme)")


def test_without_javascript_the_search_page_says_so_and_links_to_the_sections(
        new_context: Callable[..., Any], server: Server, pages: dict[tuple[str, str | None], BuiltPage]) -> None:
    context = new_context(java_script_enabled=False)
    for lang in ("fr", "en"):
        tab = open_page(context, server, page_for(pages, ("search", lang)))
        assert tab.locator("[data-search-nojs]").is_visible()
        assert "JavaScript" in tab.locator("[data-search-nojs]").inner_text()
        assert tab.locator("form[role=search]").is_hidden()
        home = tab.locator(".site-nav__list a").first.get_attribute("href")
        sections = tab.locator(".search__browse a").evaluate_all("links => links.map(a => a.getAttribute('href'))")
        assert home in sections and len(sections) >= 4
        for href in sections:
            assert context.request.get(server.url(href)).status == 200, href
