"""A site in four languages, one written right to left (tests/fixtures/site4: fr, nl, en, ar).

Everything that once assumed two languages is checked with four: switcher, chooser,
hreflang clusters, sitemap alternates, feeds, press kits, fact sheets, cards, the
translation report, and the numbers each locale writes.
"""

from __future__ import annotations

import re
import shutil
from dataclasses import replace
from html.parser import HTMLParser
from pathlib import Path
from xml.etree import ElementTree

import pytest

from conftest import BUILD_DAY, IGNORED, REPO, TESTS, build_copy
from generator.build import BuildOptions, BuildResult, build
from generator.core.errors import SiteError, SiteErrors
from generator.core.formats import language_name
from generator.sources.config import load_config
from generator.sources.i18n import load_strings

SITE4 = TESTS / "fixtures" / "site4"
CODES = ("fr", "nl", "en", "ar")
BASE = "https://four.example.org"
SITEMAP_NS = {"s": "http://www.sitemaps.org/schemas/sitemap/0.9", "x": "http://www.w3.org/1999/xhtml"}
#: The article, translated into every language: its address per language.
RECORD_YEAR = {"fr": "/fr/articles/annee-record/", "nl": "/nl/artikels/recordjaar/",
               "en": "/en/articles/record-year/", "ar": "/ar/articles/record-year/"}


class _Links(HTMLParser):
    """The html element's attributes, the hreflang alternates and the switcher's links of a page."""

    def __init__(self) -> None:
        super().__init__()
        self.html: dict[str, str | None] = {}
        self.alternates: dict[str, str] = {}
        self.switcher: list[dict[str, str | None]] = []
        self.switcher_text: list[str] = []
        self.chooser: list[dict[str, str | None]] = []
        self._in_switch = False
        self._in_link = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag == "html":
            self.html = a
        elif tag == "link" and a.get("rel") == "alternate" and a.get("hreflang"):
            self.alternates[str(a["hreflang"])] = str(a["href"])
        elif tag == "nav" and "lang-switch" in (a.get("class") or ""):
            self._in_switch = True
        elif tag == "a" and self._in_switch:
            self.switcher.append(a)
            self._in_link = True
            self.switcher_text.append("")
        elif tag == "li" and "language-chooser__item" in (a.get("class") or ""):
            self.chooser.append(a)

    def handle_endtag(self, tag: str) -> None:
        if tag == "nav":
            self._in_switch = False
        elif tag == "a":
            self._in_link = False

    def handle_data(self, data: str) -> None:
        if self._in_link:
            self.switcher_text[-1] += data


def links(out: Path, address: str) -> _Links:
    parser = _Links()
    parser.feed((out / address.strip("/") / "index.html").read_text(encoding="utf-8"))
    return parser


@pytest.fixture(scope="module")
def four(tmp_path_factory: pytest.TempPathFactory) -> tuple[BuildResult, Path, Path]:
    """The four-language site built once: (result, site folder, output folder)."""
    root = tmp_path_factory.mktemp("four") / "site"
    shutil.copytree(SITE4, root, ignore=IGNORED)
    out = root / "public"
    result = build(BuildOptions(root=root, out=out, today=BUILD_DAY))
    return result, root, out


def test_every_language_has_its_pages_with_lang_and_direction(four: tuple[BuildResult, Path, Path]) -> None:
    _result, _root, out = four
    for code in CODES:
        page = links(out, f"/{code}/")
        assert page.html["lang"] == code
        assert page.html["dir"] == ("rtl" if code == "ar" else "ltr")
    assert links(out, RECORD_YEAR["ar"]).html["dir"] == "rtl"


def test_switcher_lists_every_other_language_named_in_itself(four: tuple[BuildResult, Path, Path]) -> None:
    _result, _root, out = four
    for code, address in RECORD_YEAR.items():
        page = links(out, address)
        others = [c for c in CODES if c != code]
        assert [a["hreflang"] for a in page.switcher] == others
        assert [a["href"] for a in page.switcher] == [RECORD_YEAR[c] for c in others]
        assert [t.strip() for t in page.switcher_text] == [language_name(c) for c in others]
        assert [a["dir"] for a in page.switcher] == ["rtl" if c == "ar" else "ltr" for c in others]
    assert {language_name(c) for c in CODES} == {"Français", "Nederlands", "English", "العربية"}


def test_switcher_sends_a_missing_translation_to_the_home_page(four: tuple[BuildResult, Path, Path]) -> None:
    _result, _root, out = four
    page = links(out, "/fr/aide/")  # the help page exists in fr, en and ar, not in nl
    by_lang = {a["hreflang"]: a for a in page.switcher}
    assert by_lang["nl"]["href"] == "/nl/" and by_lang["nl"].get("rel") is None
    assert by_lang["en"]["href"] == "/en/help/" and by_lang["en"]["rel"] == "alternate"
    assert set(page.alternates) == {"fr", "en", "ar"}


def test_hreflang_cluster_is_the_same_on_every_page_of_a_translation(four: tuple[BuildResult, Path, Path]) -> None:
    _result, _root, out = four
    expected = {code: BASE + address for code, address in RECORD_YEAR.items()}
    for address in RECORD_YEAR.values():
        assert links(out, address).alternates == expected


def test_sitemap_alternates_cover_the_four_languages(four: tuple[BuildResult, Path, Path]) -> None:
    _result, _root, out = four
    tree = ElementTree.parse(out / "sitemap.xml")
    clusters: dict[str, dict[str, str]] = {}
    for url in tree.getroot().findall("s:url", SITEMAP_NS):
        loc = url.findtext("s:loc", namespaces=SITEMAP_NS) or ""
        clusters[loc] = {str(link.get("hreflang")): str(link.get("href"))
                         for link in url.findall("x:link", SITEMAP_NS)}
    record = {code: BASE + address for code, address in RECORD_YEAR.items()}
    for loc in record.values():
        assert clusters[loc] == record
    for code in CODES:  # the homes and the language chooser (x-default) are one cluster
        assert set(clusters[f"{BASE}/{code}/"]) == set(CODES) | {"x-default"}
    assert clusters[f"{BASE}/"] == clusters[f"{BASE}/fr/"]
    for loc, cluster in clusters.items():  # every cluster names the page itself, and agrees with its members
        for href in cluster.values():
            assert clusters[href] == cluster, (loc, href)
        own = links(out, loc.removeprefix(BASE) or "/").alternates  # and with the page's <link rel=alternate>
        assert cluster == (own if len(own) > 1 else {}), loc


def test_root_chooser_offers_every_language(four: tuple[BuildResult, Path, Path]) -> None:
    _result, _root, out = four
    parser = _Links()
    parser.feed((out / "index.html").read_text(encoding="utf-8"))
    assert [item["lang"] for item in parser.chooser] == list(CODES)
    assert [item["dir"] for item in parser.chooser] == ["ltr", "ltr", "ltr", "rtl"]
    html = (out / "index.html").read_text(encoding="utf-8")
    for title in ("Veille quatre", "Waakzaam vier", "Watch four", "مرصد أربعة"):
        assert title in html


def test_feeds_press_kits_cards_and_sheets_in_every_language(four: tuple[BuildResult, Path, Path]) -> None:
    _result, _root, out = four
    for code in CODES:
        feed = ElementTree.parse(out / code / "feed.xml").getroot()
        assert feed.get("{http://www.w3.org/XML/1998/namespace}lang") == code
        assert len(feed.findall("{http://www.w3.org/2005/Atom}entry")) == 1
        assert len(list((out / code).glob("*/*.zip"))) == 1, code
        assert len(list((out / code).glob("*/*/card.png"))) == 2, code
    assert (out / "ar/resources/parents-sheet/parents-sheet.pdf").read_bytes().startswith(b"%PDF")
    assert (out / "fr/ressources/fiche-parents/fiche-parents.pdf").read_bytes().startswith(b"%PDF")


def test_numbers_follow_each_locale(four: tuple[BuildResult, Path, Path]) -> None:
    _result, _root, out = four
    pages = {"fr": "/fr/chiffres/signalements/", "nl": "/nl/cijfers/meldingen/", "en": "/en/facts/reports/",
             "ar": "/ar/facts/reports/"}
    written = {"fr": "plus de 12\u202f500", "nl": "meer dan 12.500", "en": "more than 12,500",
               "ar": "أكثر من 12,500"}
    for code, address in pages.items():
        html = (out / address.strip("/") / "index.html").read_text(encoding="utf-8")
        assert written[code] in html, code


def test_ui_strings_of_each_language_are_its_own(four: tuple[BuildResult, Path, Path]) -> None:
    _result, _root, out = four
    skip = {"fr": "Aller au contenu", "nl": "Naar de inhoud", "en": "Skip to content", "ar": "انتقل إلى المحتوى"}
    for code, text in skip.items():
        assert text in (out / code / "index.html").read_text(encoding="utf-8")


def test_translation_report_is_a_matrix_of_the_four_languages(four: tuple[BuildResult, Path, Path]) -> None:
    from generator.commands.check import run_check

    _result, root, _out = four
    report = run_check(root, translations=True, today=BUILD_DAY)
    assert report.translations is not None
    rows = {row.key: row for row in report.translations}
    assert all(tuple(row.cells) == CODES for row in rows.values())
    assert {c: rows["help"].cells[c].status for c in CODES} == {
        "fr": "source", "nl": "missing", "en": "translated", "ar": "translated"}
    assert rows["parents-sheet"].cells["nl"].status == "missing"
    assert {rows["record-year"].cells[c].status for c in CODES} == {"source", "translated"}
    text = report.to_text()
    header = next(line for line in text.splitlines() if line.strip().startswith("file"))
    assert re.findall(r"\b(fr|nl|en|ar)\b", header) == list(CODES)
    for code in CODES:
        assert any(line.strip().startswith(f"{code}:") for line in text.splitlines()), code


def test_a_figure_without_a_label_in_one_language_names_it(tmp_path: Path) -> None:
    root = tmp_path / "site"
    shutil.copytree(SITE4, root, ignore=IGNORED)
    fact = root / "content/facts/share-girls.yaml"
    fact.write_text(fact.read_text(encoding="utf-8").replace("  nl: van de behandelde beelden toont meisjes\n", ""),
                    encoding="utf-8")
    with pytest.raises((SiteError, SiteErrors)) as info:
        build(BuildOptions(root=root, today=BUILD_DAY))
    assert "'label' has no text for nl; add 'nl: …'" in str(info.value)
    assert "content/facts/share-girls.yaml" in str(info.value)


def test_any_number_of_languages_each_with_its_defaults(tmp_path: Path) -> None:
    """Seven languages with no locales or section names given: every one builds with its shipped strings."""
    from generator.sources.config import load_config

    root = tmp_path / "seven"
    codes = ("fr", "nl", "en", "ar", "de", "es", "it")
    (root / "content/fr/articles").mkdir(parents=True)
    titles = ", ".join(f"{code}: Site {code}" for code in codes)
    (root / "site.yaml").write_text(f"title: {{{titles}}}\nlanguages: [{', '.join(codes)}]\n"
                                    "base_url: https://seven.example/\n", encoding="utf-8")
    (root / "content/fr/articles/un.md").write_text("---\ntitle: Un\ndate: 2022-01-01\n---\nBonjour.\n",
                                                    encoding="utf-8")
    config = load_config(root)
    assert config.sections["facts"] == {"fr": "chiffres", "nl": "cijfers", "en": "facts", "ar": "facts",
                                        "de": "zahlen", "es": "cifras", "it": "dati"}
    assert [lang.name for lang in config.languages] == [
        "Français", "Nederlands", "English", "العربية", "Deutsch", "Español", "Italiano"]
    result = build(BuildOptions(root=root, today=BUILD_DAY))
    assert result.report is not None
    skip = {"nl": "Naar de inhoud", "de": "Zum Inhalt springen", "es": "Ir al contenido", "it": "Vai al contenuto"}
    for code, text in skip.items():
        home = (root / "public" / code / "index.html").read_text(encoding="utf-8")
        assert text in home
        assert home.count('class="lang-switch__link"') == len(codes) - 1


def test_a_counted_text_needs_the_forms_of_its_language_only(tmp_path: Path) -> None:
    """``search.results`` has the CLDR forms of each language: Arabic's six, Dutch's two. A language's
    file without the 'one' form is an error naming the key; without a form the language lacks, it is not."""
    strings = load_strings(load_config(SITE4))
    assert {key for key in strings["ar"].values if key.startswith("search.results.")} == {
        f"search.results.{c}" for c in ("zero", "one", "two", "few", "many", "other")}
    assert {key for key in strings["nl"].values if key.startswith("search.results.")} == {
        "search.results.one", "search.results.other"}
    root = tmp_path / "site"
    shutil.copytree(SITE4, root, ignore=IGNORED)
    config = root / "site.yaml"
    config.write_text(re.sub(r"\bnl\b", "pt", config.read_text(encoding="utf-8")), encoding="utf-8")  # nl → pt
    own = root / "layouts/i18n/pt.yaml"  # no default file for Portuguese: the site's own, from the English one
    own.parent.mkdir(parents=True, exist_ok=True)
    english = (TESTS.parent / "layouts/i18n/en.yaml").read_text(encoding="utf-8")
    one = '    one: "{count} page found for “{query}”"\n'
    assert one in english
    own.write_text(english.replace(one, ""), encoding="utf-8")
    with pytest.raises((SiteError, SiteErrors)) as info:
        load_strings(load_config(root))
    assert "layouts/i18n/pt.yaml" in str(info.value) and "'search.results.one'" in str(info.value)
    assert "many" not in str(info.value)  # Portuguese has a 'many' form: optional, 'other' stands in
    own.write_text(english, encoding="utf-8")
    assert "search.results.many" not in load_strings(load_config(root))["pt"].values


def test_a_one_page_fact_sheet_says_one_page_in_each_language(four: tuple[BuildResult, Path, Path]) -> None:
    # "Download the PDF (16 KB, 1 pages)": page_count was one text for every number.
    _result, _src, out = four
    french = (out / "fr/ressources/fiche-parents/index.html").read_text(encoding="utf-8")
    assert re.search(r"Télécharger le PDF \([0-9,]+ ko, 1 page\)", french), french
    strings = load_strings(load_config(SITE4))
    assert [strings["nl"].get("resources.page_count", count=n) for n in (1, 2)] == ["1 pagina", "2 pagina's"]
    assert [strings["fr"].get("resources.page_count", count=n) for n in (0, 1, 2)] == ["0 page", "1 page", "2 pages"]
    assert strings["ar"].get("resources.page_count", count=1) == "عدد الصفحات: 1"  # one text for every number


def test_a_counted_text_written_as_one_text_is_used_for_every_number(tmp_path: Path) -> None:
    """A site's file from before page_count had forms (`page_count: "{count} pages"`) keeps building as it did."""
    root = tmp_path / "site"
    shutil.copytree(SITE4, root, ignore=IGNORED)
    own = root / "layouts/i18n/nl.yaml"
    own.parent.mkdir(parents=True, exist_ok=True)
    own.write_text('resources:\n  page_count: "{count} blz."\n', encoding="utf-8")
    strings = load_strings(load_config(root))["nl"]
    assert [strings.get("resources.page_count", count=n) for n in (1, 5)] == ["1 blz.", "5 blz."]
    own.write_text('resources:\n  page_count:\n    one: "{count} blad"\n    other: "{count} bladen"\n',
                   encoding="utf-8")
    strings = load_strings(load_config(root))["nl"]
    assert [strings.get("resources.page_count", count=n) for n in (1, 5)] == ["1 blad", "5 bladen"]


def test_a_ui_strings_file_read_again_in_a_process_gives_its_texts_whatever_was_done_with_them(
        tmp_path: Path) -> None:
    """A file's text is parsed once per process (`i18n._parsed`); each reader gets its own copy, and an edit shows."""
    from generator.sources import i18n

    own = tmp_path / "layouts/i18n/nl.yaml"
    own.parent.mkdir(parents=True)
    own.write_text('resources:\n  page_count: "{count} blz."\n', encoding="utf-8")
    lines: dict[str, int | None] = {}
    first = i18n._read(own, tmp_path, lines)
    assert first == {"resources.page_count": "{count} blz."} and lines == {"resources.page_count": 2}
    first.clear()  # as `_as_counted` changes what it is given
    lines.clear()
    assert i18n._read(own, tmp_path, lines) == {"resources.page_count": "{count} blz."}
    assert lines == {"resources.page_count": 2}
    own.write_text('resources:\n  page_count: "{count} bladen"\n', encoding="utf-8")
    assert i18n._read(own, tmp_path) == {"resources.page_count": "{count} bladen"}


def test_a_site_in_one_language_sends_its_root_to_its_home(tmp_path: Path) -> None:
    # Its root was a language chooser offering one language: a click more for every visitor, two sitemap entries.
    root = tmp_path / "site"
    shutil.copytree(SITE4, root, ignore=IGNORED)
    config = root / "site.yaml"
    text = re.sub(r"(?m)^languages: .*$", "languages: [nl]", config.read_text(encoding="utf-8"))
    config.write_text(re.sub(r"(?m)^default_language: .*$", "default_language: nl", text), encoding="utf-8")
    for lang in ("fr", "en", "ar"):
        shutil.rmtree(root / "content" / lang)
    out = root / "public"
    build(BuildOptions(root=root, out=out, today=BUILD_DAY))
    chooser = (out / "index.html").read_text(encoding="utf-8")
    assert '<meta http-equiv="refresh" content="0; url=nl/">' in chooser
    assert f'<link rel="canonical" href="{BASE}/nl/">' in chooser
    assert 'hreflang="' not in chooser.split("</head>")[0]
    sitemap = (out / "sitemap.xml").read_text(encoding="utf-8")
    assert f"<loc>{BASE}/</loc>" not in sitemap and f"<loc>{BASE}/nl/</loc>" in sitemap
    assert "xhtml:link" not in sitemap


def test_arabic_pages_write_the_arabic_comma_and_their_own_digits(four: tuple[BuildResult, Path, Path]) -> None:
    # "المصدر: NCMEC, ١ أبريل ٢٠٢٤" and "(٣٠ كيلوبايت, عدد الصفحات: 1)": a Latin comma and Latin digits.
    _result, _src, out = four
    figure = (out / "ar/facts/reports/index.html").read_text(encoding="utf-8")
    assert re.search(r'fact-hero__source">[^<]*<bdi>INTERPOL</bdi>\u060c ', figure), figure
    sheet = next((out / "ar/resources").glob("*/index.html")).read_text(encoding="utf-8")
    assert re.search(r"\(\d+ كيلوبايت\u060c عدد الصفحات: 1\)", sheet)
    french = (out / "fr/chiffres/share-girls/index.html").read_text(encoding="utf-8")
    assert "<bdi>Internet Watch Foundation</bdi>, avril 2022" in french
    egyptian = replace(load_strings(load_config(SITE4))["ar"], locale="ar_EG")
    assert egyptian.get("resources.page_count", count=12) == "عدد الصفحات: ١٢"


def test_addresses_read_left_to_right_in_an_arabic_fact_sheet(four: tuple[BuildResult, Path, Path]) -> None:
    # "/https://www.interpol.int" and "/four.example.org/ar": the final slash came first in a right-to-left line.
    import pypdf

    _result, _src, out = four
    reader = pypdf.PdfReader(out / "ar/resources/parents-sheet/parents-sheet.pdf")
    text = " ".join(page.extract_text() for page in reader.pages)
    assert "https://www.interpol.int/" in text and "/https://" not in text
    french = pypdf.PdfReader(out / "fr/ressources/fiche-parents/fiche-parents.pdf")
    assert "\u2066" not in " ".join(page.extract_text() for page in french.pages)  # nothing invisible to copy


def test_a_placeholder_vigie_does_not_fill_is_refused_at_its_line(tmp_path: Path) -> None:
    # page_count: {one: "{n} page", other: "{n} pages"} stopped the build without a line; with "{n}" in 'other'
    # only, build and check passed until a fact sheet grew to two pages.
    root = tmp_path / "site"
    shutil.copytree(SITE4, root, ignore=IGNORED)
    own = root / "layouts/i18n/en.yaml"
    own.parent.mkdir(parents=True, exist_ok=True)
    own.write_text('resources:\n  page_count:\n    one: "{count} page"\n    other: "{n} pages"\n'
                   'skip_link: "Go {where}"\n', encoding="utf-8")
    with pytest.raises((SiteError, SiteErrors)) as raised:
        load_strings(load_config(root))
    said = str(raised.value)
    assert ("layouts/i18n/en.yaml:4: UI string 'resources.page_count.other' has {n}, which Vigie does not fill "
            "here; use {count}") in said
    assert "layouts/i18n/en.yaml:5: UI string 'skip_link' has {where}, which Vigie does not fill here; use no " \
           "placeholder" in said


def test_a_source_title_in_another_language_says_which(four: tuple[BuildResult, Path, Path]) -> None:
    """share-girls' source has an English title only: on the other languages' pages it is marked as English
    (WCAG 3.1.2, language of parts) and isolated left to right on the Arabic page; on English pages it is not."""
    _result, _root, out = four
    pages = {code: (out / code).glob("*/share-girls/index.html") for code in CODES}
    found = {code: [re.search(r"<cite[^>]*>", p.read_text(encoding="utf-8")) for p in files]
             for code, files in pages.items()}
    assert all(len(tags) == 1 and tags[0] for tags in found.values()), found
    for code, (tag,) in found.items():
        assert tag is not None
        expected = "<cite>" if code == "en" else '<cite lang="en" dir="ltr">'
        assert tag.group(0) == expected, (code, tag.group(0))
    arabic = next((out / "ar").glob("*/share-girls/index.html")).read_text(encoding="utf-8")
    assert arabic.count('class="download-list__meta" dir="ltr"') == 2  # "(1200 × 630 px, PNG)" keeps its order
    assert 'id="embed-code" class="copy-box copy-box--code" dir="ltr"' in arabic  # HTML code reads left to right
    # … and the figure it pastes into another site says its language and direction (its caption is Arabic)
    assert "&lt;figure lang=&#34;ar&#34; dir=&#34;rtl&#34; style=" in arabic
    english = next((out / "en").glob("*/share-girls/index.html")).read_text(encoding="utf-8")
    assert "&lt;figure lang=&#34;en&#34; dir=&#34;ltr&#34; style=" in english


def test_the_code_of_norwegian_written_without_quotes_is_an_error_that_says_to_quote_it(tmp_path: Path) -> None:
    from generator.sources.config import load_config

    (tmp_path / "site.yaml").write_text("title: Site\nbase_url: https://example.org/\nlanguages: [en, no]\n",
                                        encoding="utf-8")
    with pytest.raises(SiteErrors) as caught:
        load_config(tmp_path)
    assert [(e.line, e.message) for e in caught.value.errors][:1] == [
        (3, 'YAML reads this language code as false: write it in quotes, e.g. "no" for Norwegian')]


def test_a_help_number_keeps_its_order_on_right_to_left_pages(four: tuple[BuildResult, Path, Path]) -> None:
    # Plain in an Arabic line, "+44 20 7946 0000" showed as "0000 7946 20 44+": each number shown is isolated
    # left to right (U+2066 … U+2069), in the footer, the side box and the help page's buttons.
    _result, _root, out = four
    isolated = re.compile("\u2066([^\u2069]*)\u2069")
    shown: list[str] = []
    for page in (out / "ar").rglob("*.html"):
        html = page.read_text(encoding="utf-8")
        for link in re.findall(r'<a class="(?:footer-help__phone|side-help__phone|button button--call)"[^>]*>(.*?)</a>',
                               html):
            text = re.sub(r"<[^>]+>", " ", link)
            assert not re.search(r"[+\d]", isolated.sub("", text)), link  # no digit outside an isolate
            numbers = isolated.findall(text)
            assert numbers and all(re.fullmatch(r"[+\d ]+", number) for number in numbers), link
            shown += numbers
    assert {"112", "116000"} <= set(shown)


def test_a_latin_publisher_keeps_to_itself_on_an_arabic_page_card_and_sheet(four: tuple[BuildResult, Path, Path]) -> None:
    # "المصدر: INTERPOL، 25 مايو 2022" was laid out with the day beside the Latin name: read right to left,
    # "Source: 25 INTERPOL, May 2022", on the figures' pages, their cards and the fact sheets.
    from generator.render.stages import card_spec

    result, _root, out = four
    html = (out / "ar/facts/reports/index.html").read_text(encoding="utf-8")
    assert re.search(r"<bdi>[^<]*INTERPOL[^<]*</bdi>، ", html), html
    site, rendered = result.site, result.rendered
    assert site is not None and rendered is not None
    line = card_spec(site, rendered.contexts.views, rendered.contexts.strings, "daily-victims", "ar").source_line
    assert re.search("\u2068[^\u2069]*INTERPOL[^\u2069]*\u2069، ", line), line


def test_a_source_without_title_and_a_date_ending_in_a_full_stop_are_cited_cleanly(site_src: Path,
                                                                                   tmp_path: Path) -> None:
    # "Internet Watch Foundation, “”, April 2022" (the title is optional) and "квітень 2022 р.." (a Ukrainian
    # date ends with "р.", and the sentence added its own full stop).
    config = site_src / "site.yaml"
    config.write_text(re.sub(r"\ben\b", "uk", config.read_text(encoding="utf-8")).replace("en_GB", "uk_UA"),
                      encoding="utf-8")
    (site_src / "content/en").rename(site_src / "content/uk")
    for fact in (site_src / "content/facts").glob("*.yaml"):
        text = re.sub(r"(^  |\{|, )en:", r"\1uk:", fact.read_text(encoding="utf-8"), flags=re.M)
        fact.write_text(re.sub(r"^  title: .*\n", "", text, flags=re.M), encoding="utf-8")
    (site_src / "layouts/i18n").mkdir(parents=True)
    shutil.copy(REPO / "layouts/i18n/en.yaml", site_src / "layouts/i18n/uk.yaml")  # English words, Ukrainian dates
    _result, out = build_copy(site_src, tmp_path)
    html = (out / "uk/facts/share-girls/index.html").read_text(encoding="utf-8")
    assert "<p><bdi>Internet Watch Foundation</bdi>, квітень 2022\u202fр.</p>" in html
    assert "Internet Watch Foundation, квітень 2022\u202fр., https://www.iwf.org.uk/. Cited on" in html
    french = (out / "fr/chiffres/share-girls/index.html").read_text(encoding="utf-8")
    assert "<p><bdi>Internet Watch Foundation</bdi>, avril 2022.</p>" in french
    assert "Internet Watch Foundation, avril 2022, https://www.iwf.org.uk/. Cité sur" in french


@pytest.mark.parametrize(("written", "said"), [
    # The guide's own example at the top of fr.yaml gave "layouts/i18n/en.yaml: missing UI strings
    # 'page_count.one', 'page_count.other'": a file not in the site, and no line.
    ('page_count: {one: "{count} page", other: "{count} pages"}\n', [
        (1, "unknown UI string 'page_count.one'; did you mean 'resources.page_count.one'?"),
        (1, "unknown UI string 'page_count.other'; did you mean 'resources.page_count.other'?")]),
    # "… a un problème de variable (expected '}' before end of string)": no line, and Python's English, on the day
    # a fact sheet is listed.
    ('resources:\n  page_count: "{count pages"\n', [
        (2, "UI string 'resources.page_count' has a brace without its pair: a placeholder is a name between two "
            "braces, e.g. {count}")]),
])
def test_a_counted_ui_string_misplaced_or_unclosed_is_named_at_its_line(site_src: Path, written: str,
                                                                         said: list[tuple[int, str]]) -> None:
    folder = site_src / "layouts/i18n"
    folder.mkdir(parents=True)
    (folder / "fr.yaml").write_text(written, encoding="utf-8")
    with pytest.raises(SiteErrors) as caught:
        load_strings(load_config(site_src))
    assert [(e.source, e.line, e.message) for e in caught.value.errors] == [
        ("layouts/i18n/fr.yaml", line, message) for line, message in said]


def test_a_language_without_a_help_page_leads_to_another_language_s_and_check_says_so(site_src: Path,
                                                                                      tmp_path: Path) -> None:
    # Spanish pages of a site without a Spanish help page had no "Get help" link at all: not in the menu, not on
    # the home page, not in the footer; and no command said so.
    from generator.commands.check import run_check

    (site_src / "content/en/pages/help.md").unlink()
    article = site_src / "content/en/articles/annee-record.md"
    article.write_text(re.sub(r"\]\(\.\./pages/help\.md[^)]*\)", "](later.md)", article.read_text(encoding="utf-8")),
                       encoding="utf-8")
    _result, out = build_copy(site_src, tmp_path)
    home = (out / "en/index.html").read_text(encoding="utf-8")
    assert len(re.findall(r'<a [^>]*href="/fr/aide/" hreflang="fr"', home)) >= 3  # menu, call to action, footer
    assert 'href="/fr/aide/"' in (out / "en/articles/record-year-2021/index.html").read_text(encoding="utf-8")
    assert 'hreflang="fr"' not in re.sub(r'<link [^>]*>', "", (out / "fr/index.html").read_text(encoding="utf-8"))
    said = [f for f in run_check(site_src, today=BUILD_DAY).findings if f.kind == "help-page-missing"]
    assert [(f.path, f.level) for f in said] == [("content/fr/pages/aide.md", "warning")]
    assert "vigie translate content/fr/pages/aide.md --to en" in said[0].message


def test_a_phone_number_in_an_arabic_article_keeps_its_order(site_src: Path, tmp_path: Path) -> None:
    # An editor's "اتصل بالرقم +34 91 123 45 67" showed as "67 45 123 91 +34": the numbers Vigie shows were
    # isolated, the ones in an article's text were not.
    root = tmp_path / "four"
    shutil.copytree(SITE4, root, ignore=IGNORED)
    article = next((root / "content/ar/articles").glob("*.md"))
    article.write_text(article.read_text(encoding="utf-8") + "\nاتصل بالرقم +34 91 123 45 67 أو `+1 800 843 5678`.\n",
                       encoding="utf-8")
    english = root / "content/en/articles/record-year.md"
    english.write_text(english.read_text(encoding="utf-8") + "\nCall +34 91 123 45 67.\n", encoding="utf-8")
    result = build(BuildOptions(root=root, out=root / "public", today=BUILD_DAY))
    assert result.site is not None
    url = {p.doc.rel: p.url for p in result.site.pages if p.doc is not None}
    html = (root / "public" / url[f"ar/articles/{article.name}"].strip("/") / "index.html").read_text(encoding="utf-8")
    assert "اتصل بالرقم \u2066+34\u00a091\u00a0123\u00a045\u00a067\u2069 أو <code>+1 800 843 5678</code>" in html
    left_to_right = (root / "public" / url["en/articles/record-year.md"].strip("/") / "index.html").read_text("utf-8")
    assert "Call +34 91 123 45 67." in left_to_right  # a left-to-right page keeps the text as written
