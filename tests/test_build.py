"""Building the bilingual fixture site: pages, translations, feeds, determinism, safe writes."""

from __future__ import annotations

import html
import logging
import os
import re
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from datetime import date, datetime, time, timezone
from pathlib import Path

import pytest

from conftest import BUILD_DAY, FIXTURE_SITE, IGNORED, REPO, build_copy
from generator.build import BuildOptions, BuildResult, build
from generator.core.errors import SiteErrors
from generator.render.stages import render_text_files
from support import load_site, make_config, make_contexts, make_document, make_site, page_urls, render_page, render_pages

ATOM = "{http://www.w3.org/2005/Atom}"
SITEMAP = "{http://www.sitemaps.org/schemas/sitemap/0.9}"
XHTML = "{http://www.w3.org/1999/xhtml}"


def read(out: Path, rel: str) -> str:
    return (out / rel).read_text(encoding="utf-8")


def test_pages_are_where_the_contract_says(built_site: tuple[BuildResult, Path]) -> None:
    _, out = built_site
    for rel in [
        "index.html", "404.html", "robots.txt", "sitemap.xml", "_headers",
        "fr/index.html", "en/index.html", "fr/feed.xml", "en/feed.xml",
        "fr/articles/index.html", "fr/articles/annee-record-2021/index.html", "fr/articles/ecrans/index.html",
        "en/articles/record-year-2021/index.html", "en/articles/later/index.html",
        "fr/aide/index.html", "en/help/index.html",
        "fr/chiffres/index.html", "fr/chiffres/victimes-par-jour/index.html", "en/facts/victims-per-day/index.html",
        "fr/chiffres/share-girls/index.html",
        "fr/ressources/index.html", "fr/ressources/fiche-parents/index.html", "en/resources/parents-sheet/index.html",
        "fr/themes/index.html", "fr/themes/icse/index.html", "en/topics/reports/index.html",
    ]:
        assert (out / rel).is_file(), rel


def test_drafts_and_future_pages_wait_unless_asked(built_site: tuple[BuildResult, Path]) -> None:
    _, out = built_site
    assert not (out / "fr/articles/brouillon").exists()
    assert not (out / "fr/articles/futur").exists()
    with_drafts = load_site(FIXTURE_SITE, drafts=True)
    urls = page_urls(with_drafts)
    pages = render_pages(with_drafts, [urls["fr/articles/brouillon/index.html"], urls["fr/articles/futur/index.html"]])
    assert "Pas encore publié." in pages["/fr/articles/brouillon/"]
    assert "Publié plus tard." in pages["/fr/articles/futur/"]


def test_switcher_follows_localised_slugs(built_site: tuple[BuildResult, Path]) -> None:
    _, out = built_site
    fr = read(out, "fr/articles/annee-record-2021/index.html")
    assert 'href="/en/articles/record-year-2021/" hreflang="en" lang="en" dir="ltr" rel="alternate"' in fr
    en = read(out, "en/help/index.html")
    assert 'href="/fr/aide/" hreflang="fr"' in en


def test_untranslated_page_switches_to_the_section_and_says_so(built_site: tuple[BuildResult, Path]) -> None:
    _, out = built_site
    html = read(out, "fr/articles/ecrans/index.html")
    assert 'href="/en/articles/" hreflang="en" lang="en" dir="ltr">English</a>' in html
    assert "cette page n&#39;existe pas encore en anglais : le lien mène à la rubrique" in html
    assert 'hreflang="en"' not in re.search(r"<head>.*</head>", html, re.S).group(0).split("application/atom")[0]


def test_hreflang_alternates_are_reciprocal(built_site: tuple[BuildResult, Path]) -> None:
    _, out = built_site
    link = re.compile(r'<link rel="alternate" hreflang="([^"]+)" href="https://test.example.org(/[^"]*)">')
    for page in out.rglob("index.html"):
        url = "/" + page.relative_to(out).parent.as_posix() + "/"
        url = "/" if url == "/./" else url
        for lang, target in link.findall(page.read_text(encoding="utf-8")):
            if lang == "x-default":
                continue
            other = (out / target.lstrip("/") / "index.html").read_text(encoding="utf-8")
            assert (lang, target) in link.findall(other), (url, lang, target)
            assert url in [t for _, t in link.findall(other)], f"{target} does not link back to {url}"


def test_every_page_has_lang_canonical_skip_link_and_quick_exit(built_site: tuple[BuildResult, Path]) -> None:
    _, out = built_site
    for page in out.rglob("*.html"):
        html = page.read_text(encoding="utf-8")
        assert re.search(r'<html lang="(fr|en)"', html), page
        if page.name != "404.html":  # served at any address: no canonical (test below)
            assert '<link rel="canonical" href="https://test.example.org/' in html, page
        assert 'class="skip-link" href="#main"' in html, page
        assert 'href="https://www.example.com/"' in html and "data-quick-exit-link" in html, page
        assert "<script>" not in html and " style=" not in html.split("</head>")[1].split("embed-code")[0], page


def test_root_chooser_has_x_default_and_both_languages(built_site: tuple[BuildResult, Path]) -> None:
    _, out = built_site
    html = read(out, "index.html")
    assert '<link rel="alternate" hreflang="x-default" href="https://test.example.org/">' in html
    assert 'href="/fr/" hreflang="fr"' in html and 'href="/en/" hreflang="en"' in html
    # The chooser is no French page: its alternates are the homes, and it is only the default.
    alternates = re.findall(r'<link rel="alternate" hreflang="([^"]+)" href="([^"]+)">', html)
    assert alternates == [("en", "https://test.example.org/en/"), ("fr", "https://test.example.org/fr/"),
                          ("x-default", "https://test.example.org/")]
    for lang in ("fr", "en"):
        assert '<link rel="alternate" hreflang="x-default" href="https://test.example.org/">' in read(
            out, f"{lang}/index.html")


def test_the_404_page_is_not_indexed_and_claims_no_address(built_site: tuple[BuildResult, Path]) -> None:
    _, out = built_site
    html = read(out, "404.html")
    assert '<meta name="robots" content="noindex">' in html
    assert 'rel="canonical"' not in html and "hreflang=" not in html.split("</head>")[0]


def test_markdown_features_and_fact_embed(built_site: tuple[BuildResult, Path]) -> None:
    _, out = built_site
    html = read(out, "fr/articles/annee-record-2021/index.html")
    assert '<h2 id="ce-que-dit-le-rapport">' in html
    assert "<table>" in html and 'class="footnotes"' in html
    assert 'href="/fr/aide/#en-cas-de-danger"' in html
    assert '<figure class="fact-embed">' in html and "victimes identifiées en moyenne" in html
    assert "25 mai 2022" in html
    inline = read(out, "fr/articles/ecrans/index.html")
    assert "environ 97\u00a0%" in inline or "environ 97\u202f%" in inline


def test_raw_html_is_escaped_unless_allowed(site_src: Path) -> None:
    article = site_src / "content/en/articles/later.md"
    article.write_text(article.read_text(encoding="utf-8") + "\n<b>bold</b>\n", encoding="utf-8")
    assert "&lt;b&gt;bold&lt;/b&gt;" in render_page(load_site(site_src), "/en/articles/later/")
    config = site_src / "site.yaml"
    config.write_text(config.read_text(encoding="utf-8") + "allow_html: true\n", encoding="utf-8")
    assert "<b>bold</b>" in render_page(load_site(site_src), "/en/articles/later/")


def test_feeds_parse_and_date_from_content(built_site: tuple[BuildResult, Path]) -> None:
    _, out = built_site
    feed = ET.fromstring((out / "en/feed.xml").read_bytes())
    assert feed.find(f"{ATOM}updated").text == "2022-06-10T00:00:00Z"
    titles = [e.find(f"{ATOM}title").text for e in feed.findall(f"{ATOM}entry")]
    assert titles == ["Coming later", "A record year"]
    assert 'href="/en/feed.xml"' in read(out, "en/articles/later/index.html")


@pytest.mark.parametrize(("entries", "shown"), [(2, ["Day 5", "Day 4"]), (0, [f"Day {d}" for d in range(5, 0, -1)])])
def test_a_feed_holds_the_newest_articles_site_yaml_asks_for(entries: int, shown: list[str]) -> None:
    articles = [make_document(f"en/articles/day-{day}.md", title=f"Day {day}", date=date(2022, 5, day))
                for day in (3, 1, 5, 2, 4)]
    site = make_site(articles, config=make_config(feed_entries=entries))
    text = render_text_files(make_contexts(site), only={"en/feed.xml"})
    feed = ET.fromstring(text.files[0].data)
    assert [e.find(f"{ATOM}title").text for e in feed.findall(f"{ATOM}entry")] == shown
    assert feed.find(f"{ATOM}updated").text == "2022-05-05T00:00:00Z"


@pytest.mark.parametrize(("written", "said"), [("feed_entries: 20", None), ("feed_entries: -5", "0 or more"),
                                               ("feed_entries: all", "0 or more"), ("feed_entries: 200000", "at most")])
def test_feed_entries_comes_from_site_yaml(site_src: Path, written: str, said: str | None) -> None:
    config = site_src / "site.yaml"
    lines = config.read_text(encoding="utf-8").splitlines()
    config.write_text("\n".join([*lines, written]) + "\n", encoding="utf-8")
    if said is None:
        assert load_site(site_src).config.feed_entries == 20
        return
    with pytest.raises(SiteErrors) as info:
        load_site(site_src)
    assert f"site.yaml:{len(lines) + 1}: 'feed_entries' must be" in str(info.value) and said in str(info.value)


def test_sitemap_lists_alternates_for_translated_pages(built_site: tuple[BuildResult, Path]) -> None:
    _, out = built_site
    root = ET.fromstring((out / "sitemap.xml").read_bytes())
    urls = {u.find(f"{SITEMAP}loc").text: u for u in root.findall(f"{SITEMAP}url")}
    record = urls["https://test.example.org/fr/articles/annee-record-2021/"]
    alternates = {(a.get("hreflang"), a.get("href")) for a in record.findall(f"{XHTML}link")}
    assert alternates == {("fr", "https://test.example.org/fr/articles/annee-record-2021/"),
                          ("en", "https://test.example.org/en/articles/record-year-2021/")}
    assert not urls["https://test.example.org/fr/articles/ecrans/"].findall(f"{XHTML}link")
    assert "Sitemap: https://test.example.org/sitemap.xml" in read(out, "robots.txt")


def test_headers_forbid_inline_code_and_other_origins(built_site: tuple[BuildResult, Path]) -> None:
    _, out = built_site
    headers = read(out, "_headers")
    assert "script-src 'self'" in headers and "unsafe-inline" not in headers
    assert "Referrer-Policy: no-referrer" in headers and "X-Content-Type-Options: nosniff" in headers
    assert "Permissions-Policy:" in headers


def test_csp_meta_puts_the_headers_policy_first_in_every_page(site_src: Path,
                                                               built_site: tuple[BuildResult, Path]) -> None:
    """For hosts that send no headers (GitHub Pages): the policy of _headers, less what a <meta> cannot do."""
    _, out = built_site
    assert "http-equiv" not in read(out, "fr/index.html")  # off by default: _headers says it
    header = re.search(r"^  Content-Security-Policy: (.+)$", read(out, "_headers"), re.M)
    assert header is not None
    config = site_src / "site.yaml"
    config.write_text(config.read_text(encoding="utf-8") + "csp_meta: true\n", encoding="utf-8")
    site = load_site(site_src)
    for url in ("/", "/fr/", "/en/articles/later/", "/404.html"):
        page = render_page(site, url)
        head = page.split("<head>", 1)[1]
        first = re.match(r'\s*<meta charset="utf-8">\s*<meta http-equiv="Content-Security-Policy" content="([^"]+)">',
                         head)
        assert first is not None, f"{url}: the policy is not the first thing in <head>:\n{head[:300]}"
        kept = [d for d in header.group(1).split("; ")
                if d.split()[0] not in ("frame-ancestors", "upgrade-insecure-requests")]
        assert html.unescape(first.group(1)) == "; ".join(kept)
        # script-src: the site's own scripts, and Pagefind's WebAssembly for search (on by default)
        assert "script-src 'self' 'wasm-unsafe-eval'" in kept and "frame-ancestors" not in first.group(1)
    config.write_text(config.read_text(encoding="utf-8").replace("csp_meta: true", "csp_meta: 1"), encoding="utf-8")
    with pytest.raises(SiteErrors, match="'csp_meta' must be true or false"):
        load_site(site_src)


def test_assets_have_hashed_names_and_css_points_at_them(built_site: tuple[BuildResult, Path]) -> None:
    _, out = built_site
    css = list((out / "assets/css").glob("site.*.css"))
    assert len(css) == 1 and re.fullmatch(r"site\.[0-9a-f]{10}\.css", css[0].name)
    for ref in re.findall(r'url\("(/assets/[^"]+)"\)', css[0].read_text(encoding="utf-8")):
        assert (out / ref.lstrip("/")).is_file(), ref
    assert f'href="/assets/css/{css[0].name}"' in read(out, "fr/index.html")


def test_a_page_links_site_css_and_only_the_stylesheet_of_its_own_kind(built_site: tuple[BuildResult, Path]) -> None:
    _, out = built_site
    own = {"fact": ["fact"], "search": ["search"]}
    seen: set[str] = set()
    for page in sorted(out.rglob("*.html")):
        text = page.read_text(encoding="utf-8")
        kind = re.search(r'<body class="kind-([a-z_]+) ', text)
        assert kind, page
        sheets = re.findall(r'<link rel="stylesheet" href="/assets/css/([a-z]+)\.[0-9a-f]{10}\.css">', text)
        assert sheets == ["site", *own.get(kind.group(1), [])], page
        assert text.count('rel="stylesheet"') == len(sheets), page
        seen.add(kind.group(1))
    assert {"fact", "search", "home", "article"} <= seen
    for name in ("fact", "search"):
        assert len(list((out / "assets/css").glob(f"{name}.*.css"))) == 1, name


def test_base_url_option_changes_absolute_urls() -> None:
    html = render_page(load_site(FIXTURE_SITE, base_url="http://127.0.0.1:9000/preview/"), "/fr/")
    assert '<link rel="canonical" href="http://127.0.0.1:9000/preview/fr/">' in html


def test_two_builds_are_byte_identical(site_src: Path, tmp_path: Path) -> None:
    _, first = build_copy(site_src, tmp_path / "one")
    _, second = build_copy(site_src, tmp_path / "two")
    files = sorted(p.relative_to(first) for p in first.rglob("*") if p.is_file())
    assert files == sorted(p.relative_to(second) for p in second.rglob("*") if p.is_file())
    for rel in files:
        assert (first / rel).read_bytes() == (second / rel).read_bytes(), rel


def _add_photo(site: Path) -> None:
    """Give a site an editor's photo shown in an article (the same bytes every time), for its smaller copies."""
    from PIL import Image

    image = Image.new("RGB", (1400, 900), (30, 80, 120))
    for x in range(0, 1400, 3):
        image.putpixel((x, (x * 7) % 900), (250, 240, 200))
    (site / "assets" / "img").mkdir(parents=True, exist_ok=True)
    image.save(site / "assets" / "img" / "photo.jpg", quality=85)
    article = site / "content" / "en" / "articles" / "later.md"
    article.write_text(article.read_text(encoding="utf-8") + "\n![A photo](/assets/img/photo.jpg)\n", encoding="utf-8")


def test_two_cold_builds_in_fresh_processes_are_byte_identical(tmp_path: Path) -> None:
    """Separate site folders (so separate, empty caches), other hash seeds, other times of the same day.

    The fact sheets' fonts are subset by libharfbuzz here; the same check with fontTools, as WeasyPrint
    subsets on a machine without it, is `test_pdf.test_same_sheet_same_bytes_in_separate_processes`.
    """
    trees = []
    for seed, hour in (("1", 8), ("2", 20)):
        site = tmp_path / f"site-{seed}"
        shutil.copytree(FIXTURE_SITE, site, ignore=IGNORED)
        _add_photo(site)
        out = tmp_path / f"public-{seed}"
        epoch = int(datetime.combine(BUILD_DAY, time(hour), tzinfo=timezone.utc).timestamp())
        env = {**os.environ, "PYTHONHASHSEED": seed, "SOURCE_DATE_EPOCH": str(epoch), "PYTHONPATH": str(REPO)}
        subprocess.run([sys.executable, "-m", "generator", "build", str(site), "-o", str(out), "-q"],
                       cwd=REPO, env=env, check=True, capture_output=True)
        trees.append({str(p.relative_to(out)): p.read_bytes() for p in sorted(out.rglob("*")) if p.is_file()})
    first, second = trees
    assert sorted(first) == sorted(second)
    kinds = {name.rsplit(".", 1)[-1] for name in first}
    assert {"pdf", "png", "zip", "html", "jpg", "webp"} <= kinds
    assert [name for name in first if first[name] != second[name]] == []


def test_rebuild_keeps_unchanged_files_and_their_times(site_src: Path, tmp_path: Path) -> None:
    result, out = build_copy(site_src, tmp_path)
    page = out / "en/articles/later/index.html"
    os.utime(page, (1_000_000_000, 1_000_000_000))
    edited = site_src / "content/fr/articles/ecrans.md"
    edited.write_text(edited.read_text(encoding="utf-8") + "\nUne ligne de plus.\n", encoding="utf-8")
    again, _ = build_copy(site_src, tmp_path)
    assert page.stat().st_mtime == 1_000_000_000
    assert again.report is not None and again.report.unchanged > 0 and again.report.written >= 1
    assert "Une ligne de plus." in read(out, "fr/articles/ecrans/index.html")


def test_failed_build_leaves_previous_output_exactly(site_src: Path, tmp_path: Path) -> None:
    _, out = build_copy(site_src, tmp_path)
    before = {p.relative_to(out): p.read_bytes() for p in out.rglob("*") if p.is_file()}
    broken = site_src / "content/en/articles/later.md"
    broken.write_text("---\ntitle: [unclosed\n---\n", encoding="utf-8")
    from generator.core.errors import SiteErrors, SiteError

    with pytest.raises((SiteError, SiteErrors)):
        build(BuildOptions(root=site_src, out=out, today=BUILD_DAY))
    after = {p.relative_to(out): p.read_bytes() for p in out.rglob("*") if p.is_file()}
    assert after == before
    assert not [p for p in tmp_path.iterdir() if ".vigie-" in p.name]


def test_site_with_only_config_and_content_uses_default_theme(tmp_path: Path) -> None:
    site = tmp_path / "bare"
    (site / "content/en/articles").mkdir(parents=True)
    (site / "content/pt/articles").mkdir(parents=True)
    (site / "site.yaml").write_text("title: {en: Bare, pt: Nu}\nlanguages: [en, pt]\n"
                                    "base_url: https://bare.example/\n", encoding="utf-8")
    (site / "content/en/articles/one.md").write_text("---\ntitle: One\n---\nHi.\n", encoding="utf-8")
    (site / "content/pt/articles/one.md").write_text("---\ntitle: Um\n---\nOlá.\n", encoding="utf-8")
    from generator.core.errors import SiteErrors, SiteError

    with pytest.raises((SiteError, SiteErrors)) as info:
        build(BuildOptions(root=site, today=BUILD_DAY))
    assert "layouts/i18n/pt.yaml" in str(info.value) and "no UI strings for the language 'pt'" in str(info.value)
    (site / "layouts/i18n").mkdir(parents=True)
    shutil.copy(Path(__file__).resolve().parent.parent / "layouts/i18n/en.yaml", site / "layouts/i18n/pt.yaml")
    result = build(BuildOptions(root=site, today=BUILD_DAY))
    assert (site / "public/pt/articles/one/index.html").is_file()
    assert result.report is not None


def test_a_language_missing_ui_strings_lists_every_missing_key_at_once(tmp_path: Path) -> None:
    site = tmp_path / "bare"
    (site / "content/en/articles").mkdir(parents=True)
    (site / "site.yaml").write_text("title: {en: Bare, pt: Nu}\nlanguages: [en, pt]\n"
                                    "base_url: https://bare.example/\n", encoding="utf-8")
    (site / "content/en/articles/one.md").write_text("---\ntitle: One\n---\nHi.\n", encoding="utf-8")
    (site / "layouts/i18n").mkdir(parents=True)
    english = (Path(__file__).resolve().parent.parent / "layouts/i18n/en.yaml").read_text(encoding="utf-8")
    lacking = english.replace("  help: Get help\n", "").replace("  notes: Notes\n", "")
    assert lacking.count("\n") == english.count("\n") - 2
    (site / "layouts/i18n/pt.yaml").write_text(lacking + "extra_key: só em português\n", encoding="utf-8")
    from generator.core.errors import SiteErrors, SiteError

    with pytest.raises((SiteError, SiteErrors)) as info:
        build(BuildOptions(root=site, today=BUILD_DAY))
    errors = info.value.errors if isinstance(info.value, SiteErrors) else [info.value]
    by_file = {e.source: str(e) for e in errors}
    assert set(by_file) == {"layouts/i18n/pt.yaml", "layouts/i18n/en.yaml"}
    assert "missing UI strings (2): 'nav.help', 'footnote.notes'" in by_file["layouts/i18n/pt.yaml"]
    assert "missing UI string 'extra_key'" in by_file["layouts/i18n/en.yaml"]


def test_site_layout_overrides_default_file_by_file(site_src: Path) -> None:
    (site_src / "layouts").mkdir()
    (site_src / "layouts/article.html").write_text(
        '{% extends "base.html" %}{% block main %}<p class="custom">CUSTOM {{ page.doc.title }}</p>{% endblock %}',
        encoding="utf-8")
    (site_src / "layouts/i18n").mkdir()
    (site_src / "layouts/i18n/en.yaml").write_text("skip_link: Jump to the text\n", encoding="utf-8")
    pages = render_pages(load_site(site_src), ["/en/articles/later/", "/fr/articles/ecrans/"])
    assert '<p class="custom">CUSTOM Coming later</p>' in pages["/en/articles/later/"]
    assert "Jump to the text" in pages["/en/articles/later/"]
    assert "Skip to content" not in pages["/en/articles/later/"]
    assert "Aller au contenu" in pages["/fr/articles/ecrans/"]


def test_a_theme_can_call_jinja_s_own_helpers_macros_and_blocks(site_src: Path) -> None:
    # Calls from templates take a shorter road for plain functions; everything else must still work.
    (site_src / "layouts").mkdir()
    (site_src / "layouts/article.html").write_text(
        '{% extends "base.html" %}'
        '{% macro box(label) %}<b>{{ label }}:{{ caller() }}</b>{% endmacro %}'
        '{% block main %}<p class="custom">'
        '{% set c = cycler("odd", "even") %}{{ c.next() }}-{{ c.next() }}|'
        '{% for i in range(3) %}{{ loop.cycle("x", "y") }}{{ t("nav.articles") }}{% endfor %}|'
        '{% call box(page.doc.title) %}{{ self.title() | length > 0 }}{% endcall %}|'
        '{{ dict(a=1) | tojson }}'
        '</p>{% endblock %}',
        encoding="utf-8")
    assert ('<p class="custom">odd-even|xArticlesyArticlesxArticles|<b>Coming later:True</b>|{"a": 1}</p>'
            in render_page(load_site(site_src), "/en/articles/later/"))


def test_fact_pages_carry_cards_and_share_meta(built_site: tuple[BuildResult, Path]) -> None:
    from PIL import Image

    _, out = built_site
    folder = out / "en/facts/victims-per-day"
    with Image.open(folder / "card.png") as card, Image.open(folder / "card-square.png") as square:
        assert card.size == (1200, 630) and square.size == (1080, 1080)
    html = read(out, "en/facts/victims-per-day/index.html")
    assert '<meta property="og:image" content="https://test.example.org/en/facts/victims-per-day/card.png">' in html
    assert '<meta property="og:image:alt" content="7 victims identified on an average day with the ICSE database">' \
        in html
    assert '<meta name="twitter:card" content="summary_large_image">' in html
    assert '<meta property="og:locale" content="en_GB">' in html
    assert '<meta property="og:locale:alternate" content="fr_FR">' in html
    article = read(out, "fr/articles/annee-record-2021/index.html")
    assert 'content="https://test.example.org/fr/chiffres/victimes-par-jour/card.png"' in article


def test_as_of_dates_a_figure_wherever_it_is_shown(site_src: Path, tmp_path: Path) -> None:
    from html import unescape

    from pypdf import PdfReader

    fact = site_src / "content/facts/daily-victims.yaml"
    fact.write_text(fact.read_text(encoding="utf-8") + "as_of: 2022-05\n", encoding="utf-8")
    result, out = build_copy(site_src, tmp_path)
    fr = '(situation en mai 2022)'
    en = '(as of May 2022)'
    page = read(out, "en/facts/victims-per-day/index.html")
    assert f'<span class="fact-page__label">victims identified on an average day with the ICSE database ' \
           f'<span class="as-of">{en}</span></span></h1>' in page
    assert f'<meta property="og:image:alt" content="7 victims identified on an average day with the ICSE database ' \
           f'{en}">' in page
    embed = re.search(r'<textarea id="embed-code"[^>]*>(.*?)</textarea>', page, re.S)
    assert embed and f"the ICSE database {en}." in unescape(unescape(embed.group(1)))
    assert f'<span class="as-of">{fr}</span>' in read(out, "fr/chiffres/victimes-par-jour/index.html")
    assert f'<span class="as-of">{fr}</span>' in read(out, "fr/articles/annee-record-2021/index.html")  # embed
    assert f'<span class="as-of">{fr}</span>' in read(out, "fr/index.html")  # featured tile
    assert f'<span class="as-of">{en}</span>' in read(out, "en/facts/index.html")
    assert result.rendered is not None
    assert result.rendered.card_spec("daily-victims", "fr").as_of == "situation en mai 2022"
    sheet = PdfReader(out / "fr/ressources/fiche-parents/fiche-parents.pdf")
    text = " ".join(p.extract_text() for p in sheet.pages).replace("\n", " ")
    assert fr in text
    # A full date reads "au 25 mai 2022" in French; a figure without as_of shows none.
    fact.write_text(fact.read_text(encoding="utf-8").replace("as_of: 2022-05", "as_of: 2022-05-25"), encoding="utf-8")
    pages = render_pages(load_site(site_src), ["/fr/chiffres/victimes-par-jour/", "/en/facts/victims-per-day/",
                                               "/fr/chiffres/share-girls/"])
    assert '(situation au 25 mai 2022)' in pages["/fr/chiffres/victimes-par-jour/"]
    assert '(as of 25 May 2022)' in pages["/en/facts/victims-per-day/"]
    assert 'class="as-of"' not in pages["/fr/chiffres/share-girls/"]


def test_a_second_build_draws_no_card(bare_site: Path, tmp_path: Path) -> None:
    first, _ = build_copy(bare_site, tmp_path)
    assert first.cards_drawn == 2 * 2 * 2 + 2  # two figures × two languages × two sizes, and a site card per language
    second, _ = build_copy(bare_site, tmp_path)
    assert second.cards_drawn == 0
    label = bare_site / "content/facts/share-girls.yaml"
    label.write_text(label.read_text(encoding="utf-8").replace("montrent des filles", "montrent surtout des filles"),
                     encoding="utf-8")
    third, _ = build_copy(bare_site, tmp_path)
    assert third.cards_drawn == 2


def test_nothing_changed_means_nothing_done_until_the_output_is_touched(site_src: Path, tmp_path: Path) -> None:
    first, out = build_copy(site_src, tmp_path)
    assert not first.up_to_date
    again, _ = build_copy(site_src, tmp_path)
    assert again.up_to_date and again.report is None
    (out / "fr/index.html").unlink()
    repaired, _ = build_copy(site_src, tmp_path)
    assert not repaired.up_to_date and (out / "fr/index.html").is_file()
    _, _ = build_copy(site_src, tmp_path, drafts=True)
    assert (out / "fr/articles/brouillon/index.html").is_file()


def test_parsed_documents_and_bodies_come_from_the_cache_on_a_rebuild(site_src: Path) -> None:
    from generator.build import render_site

    render_site(BuildOptions(root=site_src, today=BUILD_DAY))
    edited = site_src / "content/en/articles/later.md"
    edited.write_text(edited.read_text(encoding="utf-8") + "\nMore.\n", encoding="utf-8")
    result = render_site(BuildOptions(root=site_src, today=BUILD_DAY))
    assert "More." in result.files["en/articles/later/index.html"].data.decode("utf-8")
    total = len(list((site_src / "content").rglob("*.md")))
    published = len(result.site.documents)
    assert result.cache_hits == {"documents": total - 1, "bodies": published - 1}


def test_rendering_over_several_processes_gives_the_same_bytes(site_src: Path,
                                                                monkeypatch: pytest.MonkeyPatch) -> None:
    from generator.core import workers
    from generator.build import render_site

    serial = render_site(BuildOptions(root=site_src, today=BUILD_DAY))
    for name in ("documents.pickle", "bodies.pickle"):  # every body is made again, in the workers
        (site_src / ".vigie-cache" / name).unlink()
    monkeypatch.setattr(workers, "MIN_ITEMS", 2)
    monkeypatch.setattr(workers, "available_cores", lambda: 2)
    parallel = render_site(BuildOptions(root=site_src, today=BUILD_DAY))
    assert parallel.cache_hits["bodies"] == 0
    assert {k: v.data for k, v in parallel.files.items()} == {k: v.data for k, v in serial.files.items()}


def test_errors_found_in_worker_processes_keep_file_and_line(site_src: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from generator.core import workers
    from generator.build import render_site
    from generator.core.errors import SiteErrors

    monkeypatch.setattr(workers, "MIN_ITEMS", 2)
    monkeypatch.setattr(workers, "available_cores", lambda: 2)
    page = site_src / "content/en/articles/later.md"
    page.write_text(page.read_text(encoding="utf-8") + "\n{{< fact nope >}}\n", encoding="utf-8")
    with pytest.raises(SiteErrors) as info:
        render_site(BuildOptions(root=site_src, today=BUILD_DAY))
    assert [str(e) for e in info.value.errors] == [
        "content/en/articles/later.md:9: unknown fact 'nope': there is no content/facts/nope.yaml"]


def test_editor_backup_files_are_not_content(site_src: Path, tmp_path: Path) -> None:
    (site_src / "content/fr/articles/ecrans.md~").write_text("old copy", encoding="utf-8")
    (site_src / "content/fr/articles/.ecrans.md.swp").write_bytes(b"\x00swap")
    (site_src / "content/fr/articles/4913").write_text("", encoding="utf-8")
    result, _ = build_copy(site_src, tmp_path)
    assert result.report is not None


def test_a_body_edit_rerenders_only_what_it_affects(site_src: Path) -> None:
    from generator.build import render_site
    from generator.commands.incremental import apply_edits

    options = BuildOptions(root=site_src, today=BUILD_DAY, record=True)
    first = render_site(options)
    article = site_src / "content/fr/articles/ecrans.md"
    article.write_text(article.read_text(encoding="utf-8").replace("{{< fact share-girls >}}\n", "Sans chiffre.\n"),
                       encoding="utf-8")
    done = apply_edits(first, options, ["content/fr/articles/ecrans.md"])
    assert done is not None
    quick = done.result
    full = render_site(options)
    assert {k: v.data for k, v in quick.files.items()} == {k: v.data for k, v in full.files.items()}
    changed = {k for k in full.files if full.files[k].data != first.files[k].data}
    assert changed == {"fr/articles/ecrans/index.html", "fr/chiffres/share-girls/index.html"}
    article.write_text(article.read_text(encoding="utf-8").replace("title: Les écrans en famille",
                                                                   "title: Les écrans en famille\nslug: ecrans-2"),
                       encoding="utf-8")
    moved = apply_edits(full, options, ["content/fr/articles/ecrans.md"])  # a page moved: followed too
    assert moved is not None
    again = render_site(options)
    assert {k: v.data for k, v in moved.result.files.items()} == {k: v.data for k, v in again.files.items()}
    assert "fr/articles/ecrans/index.html" in moved.removed and "fr/articles/ecrans-2/index.html" in moved.pages


def test_a_site_below_the_root_of_its_domain_links_inside_its_folder() -> None:
    from generator.sources.assets import load_assets

    site = load_site(FIXTURE_SITE, base_url="https://example.github.io/vigie/")
    html = render_page(site, "/fr/articles/annee-record-2021/")
    assert 'href="/vigie/fr/aide/#en-cas-de-danger"' in html
    assert 'href="/vigie/en/articles/record-year-2021/"' in html
    assert re.search(r'<link rel="stylesheet" href="/vigie/assets/css/site\.[0-9a-f]{10}\.css">', html)
    assert '<link rel="canonical" href="https://example.github.io/vigie/fr/articles/annee-record-2021/">' in html
    assert not re.search(r'\s(href|src)="/(?!vigie/|/)', html)
    css = next(f.data.decode("utf-8") for f in load_assets(site.config).files
               if re.fullmatch(r"assets/css/site\.[0-9a-f]{10}\.css", f.path))
    assert 'url("/vigie/assets/fonts/' in css


def test_table_alignment_uses_classes_not_style_attributes(site_src: Path) -> None:
    article = site_src / "content/en/articles/later.md"
    article.write_text(article.read_text(encoding="utf-8") + "\n| Year | Reports |\n|:--|--:|\n| 2021 | 29 |\n",
                       encoding="utf-8")
    html = render_page(load_site(site_src), "/en/articles/later/")
    assert '<th class="align-right">Reports</th>' in html and "text-align" not in html


def test_a_misspelt_layout_names_the_page(site_src: Path) -> None:
    from generator.core.errors import SiteErrors, SiteError

    help_page = site_src / "content/en/pages/help.md"
    help_page.write_text(help_page.read_text(encoding="utf-8").replace("layout: help", "layout: hlep"),
                         encoding="utf-8")
    with pytest.raises((SiteError, SiteErrors)) as info:
        render_pages(load_site(site_src))
    assert "content/en/pages/help.md: layout 'hlep' does not exist: there is no layouts/hlep.html" in str(info.value)


def test_a_contact_can_be_urgent_in_one_language_and_listed_in_all(site_src: Path) -> None:
    config = site_src / "site.yaml"
    config.write_text(config.read_text(encoding="utf-8").replace(
        '    urgent: true\n    languages: [fr]\n', '    urgent: [fr]\n'), encoding="utf-8")
    pages = render_pages(load_site(site_src), ["/fr/", "/en/", "/en/help/"])
    assert 'href="tel:119"' in pages["/fr/"].split('<footer class="site-footer">')[1]
    assert 'href="tel:119"' not in pages["/en/"].split('<footer class="site-footer">')[1]
    assert 'href="tel:119"' in pages["/en/help/"].split('<footer class="site-footer">')[0]


def test_pages_without_a_figure_share_the_site_card(built_site: tuple[BuildResult, Path]) -> None:
    from PIL import Image

    _, out = built_site
    with Image.open(out / "en/card.png") as card:
        assert card.size == (1200, 630)
    html = read(out, "en/help/index.html")
    assert '<meta property="og:image" content="https://test.example.org/en/card.png">' in html
    assert '<meta property="og:image:alt" content="Watch test. A small test site.">' in html


def _retitle(site: Path, fr: str, en: str) -> None:
    config = site / "site.yaml"
    text = config.read_text(encoding="utf-8")
    assert text.startswith("title: {fr: Veille test, en: Watch test}\n")
    config.write_text(text.replace("title: {fr: Veille test, en: Watch test}",
                                   f'title: {{fr: "{fr}", en: "{en}"}}', 1), encoding="utf-8")


def test_a_long_association_name_gets_its_site_card(site_src: Path, tmp_path: Path,
                                                    caplog: pytest.LogCaptureFixture) -> None:
    from PIL import Image

    fr = "Association française pour la protection de l'enfance en ligne"
    en = ("French federation of associations for the protection of children and young people, "
          "online and offline, all over Burgundy")
    assert len(en) == 120
    _retitle(site_src, fr, en)
    with caplog.at_level(logging.WARNING):
        _, out = build_copy(site_src, tmp_path)
    assert not [r for r in caplog.records if r.levelno >= logging.WARNING], caplog.text
    for lang, title, page in (("fr", fr, "fr/aide/index.html"), ("en", en, "en/help/index.html")):
        with Image.open(out / lang / "card.png") as card:
            assert card.size == (1200, 630)
        html = read(out, page)
        assert f'<meta property="og:image" content="https://test.example.org/{lang}/card.png">' in html
        assert f'content="{title.replace(chr(39), "&#39;")}. ' in html  # the alt text: title. description


def test_a_card_that_cannot_be_drawn_leaves_a_warning_not_an_error(site_src: Path, tmp_path: Path,
                                                                  caplog: pytest.LogCaptureFixture) -> None:
    config = site_src / "site.yaml"
    config.write_text(config.read_text(encoding="utf-8").replace(
        "fr: Un petit site de test.", "fr: Un petit site de test 字.", 1), encoding="utf-8")
    with caplog.at_level(logging.WARNING):
        _, out = build_copy(site_src, tmp_path)
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 1 and warnings[0].startswith("site.yaml: no site card for the fr pages"), warnings
    assert "no glyph for '字' (U+5B57) in the description" in warnings[0]
    assert not (out / "fr/card.png").exists() and (out / "en/card.png").is_file()
    assert 'property="og:image"' not in read(out, "fr/aide/index.html")


def test_links_and_images_leading_nowhere_are_warned_about_by_the_build(site_src: Path, tmp_path: Path,
                                                                      caplog: pytest.LogCaptureFixture) -> None:
    # An image written relative to its article ("../img/photo.jpg") that led to no file was published broken,
    # with 0 warnings: only `vigie check` said so. The build says it now, and publishes (a warning, not an error).
    article = site_src / "content/en/articles/later.md"
    article.write_text(article.read_text(encoding="utf-8").replace("Only in English.", (
        "Only in English.\n\n![A photo](../img/photo.jpg)\n\n"
        "See [sibling](../missing/), [self](#anywhere), [help](/en/help/#in-danger-now), [gone](/en/gone/)\n"
        "and [icon](../../../assets/img/icon.svg),\n"
        "then ![summer](photos/été.jpg) and ![Windows](img\\photo.png), ![a long\n"
        "description](wrapped.png) and [a title](titled.png \"on\ntwo lines\") [there](gone.png).")),
        encoding="utf-8")
    with caplog.at_level(logging.WARNING):
        _, out = build_copy(site_src, tmp_path)
    warnings = [r.getMessage().removeprefix("content/en/articles/later.md:") for r in caplog.records
                if r.levelno == logging.WARNING]
    nowhere = "in the site (drafts and future-dated pages are not published)"
    assert warnings == [
        f"9: warning: broken link '../img/photo.jpg': there is no page or file /en/articles/img/photo.jpg {nowhere}",
        f"11: warning: broken link '../missing/': there is no page or file /en/articles/missing/ {nowhere}",
        f"11: warning: broken link '/en/gone/': there is no page or file /en/gone/ {nowhere}",
        # each at its own line of the paragraph; what a relative address reaches is not renamed to the hashed file
        "12: warning: broken link '../../../assets/img/icon.svg': assets are published under names with a content "
        "hash (/assets/img/icon.6069e9325e.svg), so /assets/img/icon.svg does not exist in the built site",
        "13: warning: broken link 'img\\photo.png': web addresses separate folders with / and never \\: write "
        "every \\ of this address as /",  # as written, not as the parser encoded it (img%5Cphoto.png)
        f"13: warning: broken link 'photos/été.jpg': there is no page or file /en/articles/later/photos/été.jpg "
        f"{nowhere}",
        f"13: warning: broken link 'wrapped.png': there is no page or file /en/articles/later/wrapped.png {nowhere}",
        f"14: warning: broken link 'titled.png': there is no page or file /en/articles/later/titled.png {nowhere}",
        # after an alt text and a title on two lines each
        f"15: warning: broken link 'gone.png': there is no page or file /en/articles/later/gone.png {nowhere}"], warnings
    assert '<img src="../img/photo.jpg" alt="A photo">' in read(out, "en/articles/later/index.html")


def test_a_site_full_of_broken_links_gets_twenty_lines_and_a_count() -> None:
    from generator.render.stages import BrokenLink, broken_link_lines

    broken = [BrokenLink("content/fr/a.md", line, f"img{line}.png", "nowhere") for line in range(30, 0, -1)]
    lines = broken_link_lines(broken + broken[:3])  # the same link seen twice is said once
    assert len(lines) == 21 and lines[0] == ("content/fr/a.md:1: warning: broken link 'img1.png': nowhere", 1)
    assert lines[19][0].startswith("content/fr/a.md:20: ")
    assert lines[20] == ("warning: 10 more broken links (vigie check lists every one)", 10)  # counted as 10
    assert broken_link_lines(broken[:20])[-1] == ("content/fr/a.md:30: warning: broken link 'img30.png': nowhere", 1)


def test_a_link_above_the_folder_the_site_is_published_in_leaves_the_site(site_src: Path, tmp_path: Path,
                                                                          caplog: pytest.LogCaptureFixture) -> None:
    # Published at https://x.github.io/campagne/, "../../../../robots.txt" from /campagne/en/articles/later/ is
    # the host's own /robots.txt ("../../../sitemap.xml" the site's); "/campagne/en/help/" gets the folder twice.
    article = site_src / "content/en/articles/later.md"
    article.write_text(article.read_text(encoding="utf-8").replace("Only in English.", (
        "Only in English: [robots](../../../../robots.txt), [ours](../../../sitemap.xml)\n"
        "and [help](/campagne/en/help/).")), encoding="utf-8")
    with caplog.at_level(logging.WARNING):
        build_copy(site_src, tmp_path, base_url="https://x.github.io/campagne/")
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert warnings == [
        "content/en/articles/later.md:7: warning: broken link '../../../../robots.txt': it points outside the site",
        "content/en/articles/later.md:8: warning: broken link '/campagne/en/help/': write the address without the "
        "site's folder /campagne/, which is added to every address: /en/help/"], warnings


def test_files_in_assets_root_are_published_at_the_site_root(site_src: Path, tmp_path: Path) -> None:
    (site_src / "assets/root/.well-known").mkdir(parents=True)
    (site_src / "assets/root/.well-known/security.txt").write_text("Contact: mailto:x@example.org\n",
                                                                   encoding="utf-8")
    (site_src / "assets/root/favicon.ico").write_bytes(b"\x00\x00\x01\x00")
    _, out = build_copy(site_src, tmp_path)
    assert read(out, ".well-known/security.txt") == "Contact: mailto:x@example.org\n"
    assert (out / "favicon.ico").read_bytes() == b"\x00\x00\x01\x00"


def test_a_root_file_cannot_take_a_page_s_place(site_src: Path) -> None:
    from generator.core.errors import SiteErrors, SiteError

    (site_src / "assets/root").mkdir(parents=True)
    (site_src / "assets/root/robots.txt").write_text("User-agent: *\n", encoding="utf-8")
    with pytest.raises((SiteError, SiteErrors)) as info:
        build(BuildOptions(root=site_src, today=BUILD_DAY))
    assert "two sources want to write robots.txt" in str(info.value)


def test_description_in_front_matter_is_what_search_engines_and_previews_read(site_src: Path) -> None:
    article = site_src / "content" / "fr" / "articles" / "ecrans.md"
    text = article.read_text(encoding="utf-8")
    article.write_text(text.replace("summary: Parler d'Internet à la maison.\n",
                                    "summary: Parler d'Internet à la maison.\n"
                                    "description: Conseils pour parler d'Internet en famille.\n"), encoding="utf-8")
    pages = render_pages(load_site(site_src), ["/fr/articles/ecrans/", "/fr/articles/"])
    page = pages["/fr/articles/ecrans/"]
    assert '<meta name="description" content="Conseils pour parler d&#39;Internet en famille.">' in page
    assert '<meta property="og:description" content="Conseils pour parler d&#39;Internet en famille.">' in page
    assert "Parler d&#39;Internet à la maison." in pages["/fr/articles/"]  # lists: summary


def _render_every_body_ahead(monkeypatch: pytest.MonkeyPatch) -> None:
    """Make a small site start the helper, and wait for all its bodies (a real build takes what is ready)."""
    from generator.render import prerender

    monkeypatch.setattr(prerender, "MIN_ITEMS", 1)
    monkeypatch.setattr(prerender, "available_cores", lambda: 2)
    finish = prerender.BodiesAhead.finish
    monkeypatch.setattr(prerender.BodiesAhead, "finish", lambda self: finish(self, complete=True))


def test_bodies_rendered_ahead_on_the_spare_core_give_the_same_bytes(site_src: Path, monkeypatch: pytest.MonkeyPatch,
                                                                     caplog: pytest.LogCaptureFixture) -> None:
    from generator.build import render_site

    page = site_src / "content/en/articles/later.md"  # besides the fixture's links and embeds: an asset, a note
    page.write_text(page.read_text(encoding="utf-8") + "\nSee [the logo](/assets/img/icon.svg#top).[^n]\n\n"
                    "[^n]: A note.\n", encoding="utf-8")
    (site_src / "layouts/i18n").mkdir(parents=True)  # labels that need escaping
    (site_src / "layouts/i18n/en.yaml").write_text("footnote:\n  notes: 'Notes & \"sources\"'\n  back: 'Up <'\n",
                                                    encoding="utf-8")
    usual = render_site(BuildOptions(root=site_src, today=BUILD_DAY, use_cache=False))
    _render_every_body_ahead(monkeypatch)
    with caplog.at_level(logging.DEBUG, logger="generator.build"):
        ahead = render_site(BuildOptions(root=site_src, today=BUILD_DAY, use_cache=False))
    assert {k: v.data for k, v in ahead.files.items()} == {k: v.data for k, v in usual.files.items()}
    assert ahead.rendered is not None and usual.rendered is not None
    assert ahead.rendered.bodies == usual.rendered.bodies  # HTML, links, anchors, what each looked up
    assert ahead.site is not None
    factsheets = sum(1 for doc in ahead.site.documents if doc.factsheet)  # made first, for their PDFs
    assert f"{len(ahead.site.documents) - factsheets} bodies drafted ahead" in caplog.messages


def test_a_body_rendered_ahead_with_a_broken_link_is_reported_as_usual(site_src: Path,
                                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    from generator.build import render_site
    from generator.core.errors import SiteErrors

    page = site_src / "content/en/articles/later.md"
    page.write_text(page.read_text(encoding="utf-8") + "\nSee [gone](gone.md).\n\n{{< fact nope >}}\n",
                    encoding="utf-8")
    _render_every_body_ahead(monkeypatch)
    with pytest.raises(SiteErrors) as info:  # the helper cannot tell; the build renders the body again
        render_site(BuildOptions(root=site_src, today=BUILD_DAY, use_cache=False))
    assert [str(e) for e in info.value.errors] == [
        "content/en/articles/later.md:9: the link 'gone.md' points to a Markdown file that does not exist; "
        "check the file name and folder (links are relative to this file)",
        "content/en/articles/later.md:11: unknown fact 'nope': there is no content/facts/nope.yaml"]


def test_the_fingerprint_from_files_already_read_is_the_fingerprint_from_disk(site_src: Path) -> None:
    from generator.build import SiteReading, input_fingerprint

    options = BuildOptions(root=site_src, today=BUILD_DAY)
    reading = SiteReading.read(options, first_build=False)
    assert len(reading.contents()) == len(list((site_src / "content").glob("*/**/*.md")))
    assert input_fingerprint(options, reading.contents()) == input_fingerprint(options)
    page = site_src / "content/en/articles/later.md"
    page.write_text(page.read_text(encoding="utf-8") + "\nMore.\n", encoding="utf-8")
    assert input_fingerprint(options, reading.contents()) != input_fingerprint(options)  # it hashes what was read


def test_a_failed_build_leaves_no_helper_running(site_src: Path, tmp_path: Path,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    import multiprocessing

    from generator.render import prerender
    from generator.core.errors import SiteErrors

    monkeypatch.setattr(prerender, "MIN_ITEMS", 1)
    monkeypatch.setattr(prerender, "available_cores", lambda: 2)
    started: list[object] = []
    start = prerender.BodiesAhead.start
    monkeypatch.setattr(prerender.BodiesAhead, "start",
                        lambda *a, **k: started.append(start(*a, **k)) or started[-1])
    (site_src / "content/en/articles/later.md").write_text("---\ntitle: [unclosed\n---\nText.\n", encoding="utf-8")
    with pytest.raises(SiteErrors):
        build_copy(site_src, tmp_path)
    assert started and started[0]._process is None  # type: ignore[attr-defined]
    assert multiprocessing.active_children() == []


def test_a_site_without_figures_or_articles_offers_only_what_it_has(site_src: Path, tmp_path: Path) -> None:
    # A site of pages only showed "Key figures", "Articles" and "Resources" in its menu, a "See the key figures"
    # button and an empty "Latest articles" on its home, each leading to "Nothing here yet."
    for folder in ("content/facts", "content/fr/articles", "content/en/articles", "content/fr/resources",
                   "content/en/resources"):
        shutil.rmtree(site_src / folder)
    config = site_src / "site.yaml"
    config.write_text(re.sub(r"(?m)^featured_facts: .*$", "featured_facts: []", config.read_text(encoding="utf-8")),
                      encoding="utf-8")
    out = tmp_path / "out"
    build(BuildOptions(root=site_src, out=out, today=BUILD_DAY))
    for lang, sections in (("fr", ("articles", "chiffres", "ressources", "themes")),
                           ("en", ("articles", "facts", "resources", "topics"))):
        for page in (f"{lang}/index.html", f"{lang}/aide/index.html" if lang == "fr" else "en/help/index.html",
                     f"{lang}/{'recherche' if lang == 'fr' else 'search'}/index.html"):
            text = read(out, page)
            for section in sections:
                assert f'href="/{lang}/{section}/"' not in text, (page, section)
            assert 'href="/' + lang + '/aide/"' in text or 'href="/en/help/"' in text  # help stays offered
        home = read(out, f"{lang}/index.html")
        assert "button--secondary" not in home and 'id="latest-title"' not in home
    # The index pages stay at their addresses (bookmarks, links from elsewhere), saying there is nothing yet;
    # the sitemap leaves them out.
    assert (out / "en/facts/index.html").is_file()
    sitemap = read(out, "sitemap.xml")
    assert "/en/facts/</loc>" not in sitemap and "/en/articles/</loc>" not in sitemap
    assert "/en/help/</loc>" in sitemap
