"""`vigie check`: each finding on a changed copy of the fixture site, exit status, JSON, translations."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from datetime import date
from pathlib import Path

import pytest

from conftest import BUILD_DAY, FIXTURE_SITE
from generator.commands.check import (
    ERROR, INFO, MISSING, OUTDATED, PARTIAL, SOURCE, TRANSLATED, WARNING, Finding, GitDates, Report, check_citations,
    check_facts, check_help, check_rounding, numbers_in, run_check, source_end, translation_status, years_before,
)
from generator.cli import main
from generator.core.errors import ErrorCollector
from generator.sources.config import load_config
from generator.sources.facts import load_facts
from support import load_site, make_config, make_fact


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not in {path}"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def found(report: Report, level: str, path: str, pattern: str) -> list[Finding]:
    return [f for f in report.findings if f.level == level and f.path == path and re.search(pattern, f.message)]


def fact_check(site: Path, today: date = BUILD_DAY) -> Report:
    """Return what the check finds in the figures of a site folder (its `check_facts`), without building it."""
    config = load_config(site)
    errors = ErrorCollector()
    facts = load_facts(config, errors)
    assert not errors.errors
    return Report(check_facts(config, facts, today))


@pytest.fixture(scope="module")
def fixture_report() -> Report:
    """The check of the fixture site as it is, with the translation table (run once: tests only read it)."""
    return run_check(FIXTURE_SITE, translations=True, today=BUILD_DAY)


def test_the_fixture_site_has_warnings_and_info_but_no_errors(fixture_report: Report) -> None:
    report = fixture_report
    assert report.complete
    assert report.count(ERROR) == 0
    assert report.exit_status() == 0
    assert found(report, INFO, "content/fr/articles/ecrans.md", r"no English translation")
    assert found(report, INFO, "content/en/articles/later.md", r"no French translation")


def test_check_writes_no_output(site_src: Path) -> None:
    def files() -> list[Path]:  # the build's cache folder may appear; nothing else may
        return sorted(p.relative_to(site_src) for p in site_src.rglob("*") if ".vigie-cache" not in p.parts)

    before = files()
    run_check(site_src, translations=True, today=BUILD_DAY)
    assert files() == before
    assert not (site_src / "public").exists()


# -- figures -------------------------------------------------------------------------


@pytest.mark.parametrize(("written", "end"), [
    ("2023", date(2023, 12, 31)),
    ("2024-02", date(2024, 2, 29)),
    ("2023-02", date(2023, 2, 28)),
    ("2022-05-25", date(2022, 5, 25)),
])
def test_a_partial_source_date_counts_from_its_end(written: str, end: date) -> None:
    assert source_end(written) == end


def test_years_before_a_leap_day() -> None:
    assert years_before(date(2028, 2, 29), 3) == date(2025, 2, 28)
    assert years_before(date(2026, 11, 29), 3) == date(2023, 11, 29)


def test_stale_figure_is_a_warning_on_the_date_line(site_src: Path) -> None:
    report = fact_check(site_src)
    stale = found(report, WARNING, "content/facts/daily-victims.yaml", r"dated 2022-05-25, more than 3 years")
    assert len(stale) == 1
    assert stale[0].line == 18  # the line of 'date:' below source:
    fresh = site_src / "content/facts/daily-victims.yaml"
    edit(fresh, "date: 2022-05-25", "date: 2025-01-10")
    assert not found(fact_check(site_src), WARNING, "content/facts/daily-victims.yaml", "dated")


@pytest.mark.parametrize(("today", "stale"), [(date(2026, 12, 30), False), (date(2027, 1, 1), True)])
def test_a_year_only_source_is_stale_three_years_after_its_last_day(site_src: Path, today: date,
                                                                    stale: bool) -> None:
    edit(site_src / "content/facts/share-girls.yaml", "date: 2022-04", "date: 2023")
    report = fact_check(site_src, today)
    assert bool(found(report, WARNING, "content/facts/share-girls.yaml", r"dated 2023,")) is stale


def test_stale_after_comes_from_site_yaml(site_src: Path) -> None:
    edit(site_src / "site.yaml", "featured_facts:", "facts: {stale_after: 10}\nfeatured_facts:")
    assert fact_check(site_src, date(2040, 1, 1)).findings  # 18 years later: stale after all
    report = fact_check(site_src)
    assert not [f for f in report.findings if "more than" in f.message and f.path.startswith("content/facts/")]


def test_uncited_figure_is_info_and_never_fails(site_src: Path) -> None:
    shutil.copy(site_src / "content/facts/share-girls.yaml", site_src / "content/facts/lonely.yaml")
    report = Report(check_citations(load_site(site_src)))
    assert found(report, INFO, "content/facts/lonely.yaml", r"no page cites this figure")
    # cited in a page, or featured on the home page: no info
    assert not found(report, INFO, "content/facts/share-girls.yaml", r"no page cites")
    assert not found(report, INFO, "content/facts/daily-victims.yaml", r"no page cites")
    only_info = Report([f for f in report.findings if f.level == INFO])
    assert only_info.exit_status(strict=True) == 0


def test_placeholder_text_left_in_a_figure_is_a_warning(site_src: Path) -> None:
    edit(site_src / "content/facts/share-girls.yaml", "publisher: Internet Watch Foundation",
         'publisher: "TODO: publisher"')
    report = fact_check(site_src)
    hits = found(report, WARNING, "content/facts/share-girls.yaml", r"placeholder text \(TODO\) left in source")
    assert hits and hits[0].line == 8


def rounding(report: Report, fact: str = "share-girls") -> list[Finding]:
    return found(report, WARNING, f"content/facts/{fact}.yaml", r"rounded|does not fit")


def test_the_fixture_figures_are_not_flagged_as_rounded(fixture_report: Report) -> None:
    assert not [f for f in fixture_report.findings if "rounded" in f.message]


def test_an_exact_figure_that_differs_from_the_one_shown_needs_a_qualifier(site_src: Path) -> None:
    path = site_src / "content/facts/share-girls.yaml"
    edit(path, "qualifier: about\n", "exact: 96.6\n")
    hits = rounding(fact_check(site_src))
    assert len(hits) == 1 and hits[0].line == 3
    assert re.search(r"shown rounded, as 97.%, while exact is 96.6: add qualifier: about", hits[0].message)
    edit(path, "exact: 96.6\n", "exact: 96.6\nqualifier: about\n")
    assert not rounding(fact_check(site_src))


@pytest.mark.parametrize(("qualifier", "exact", "honest"), [
    ("about", 96.6, True), ("about", 97.4, True),
    ("more_than", 97.4, True), ("more_than", 96.6, False),
    ("less_than", 96.6, True), ("less_than", 97.4, False),
    ("up_to", 96.6, True), ("up_to", 97.4, False),
])
def test_a_qualifier_must_point_the_way_the_figure_was_rounded(qualifier: str, exact: float, honest: bool) -> None:
    # share-girls of the fixture, with "qualifier: {qualifier}\nexact: {exact}" on lines 3 and 4
    fact = make_fact("share-girls", value=97, format="percent", qualifier=qualifier, exact=exact)
    lines = {"value": 1, "format": 2, "qualifier": 3, "exact": 4, "label": 5, "source": 8}
    hits = rounding(Report(check_rounding(make_config(), fact, "content/facts/share-girls.yaml", lines)))
    assert (not hits) is honest
    if not honest:
        assert hits[0].line == 4 and f"qualifier: {qualifier} does not fit" in hits[0].message


def test_an_exact_figure_equal_to_the_one_shown_needs_no_qualifier(site_src: Path) -> None:
    edit(site_src / "content/facts/share-girls.yaml", "qualifier: about\n", "exact: 97.0\n")
    assert not rounding(fact_check(site_src))


@pytest.mark.parametrize(("lang", "written"), [("fr", "96,8 %"), ("en", "96.8%")])
def test_a_more_precise_figure_in_the_note_needs_a_qualifier(site_src: Path, lang: str, written: str) -> None:
    path = site_src / "content/facts/share-girls.yaml"
    edit(path, "qualifier: about\nlabel:", f"note:\n  {lang}: \"Worked out by us: 2 631 of 2 718, or {written}.\"\nlabel:")
    hits = rounding(fact_check(site_src))
    assert len(hits) == 1 and hits[0].line == 3
    assert f"the note gives {written.split('%')[0].strip()}" in hits[0].message


def test_other_numbers_in_the_note_are_not_taken_for_the_figure(site_src: Path) -> None:
    path = site_src / "content/facts/share-girls.yaml"
    edit(path, "qualifier: about\nlabel:",
         "note:\n  fr: De 38 424 pages en 2019 à 182 281 en 2021, dont 96 % filmées.\n"
         "  en: From 38,424 webpages in 2019 to 182,281 in 2021; 98.0% in one series.\nlabel:")
    assert not rounding(fact_check(site_src))


def test_a_compact_figure_rounds_its_value(site_src: Path) -> None:
    path = site_src / "content/facts/share-girls.yaml"
    edit(path, "value: 97\nformat: percent\nqualifier: about\n", "value: 29397681\nformat: compact\n")
    hits = rounding(fact_check(site_src))
    assert len(hits) == 1 and hits[0].line == 1 and "value is 29397681" in hits[0].message
    edit(path, "format: compact\n", "format: compact\nqualifier: more_than\n")
    assert not rounding(fact_check(site_src))  # shown rounded down: "more than 29.3 million" is true
    edit(path, "qualifier: more_than", "qualifier: about")
    assert not rounding(fact_check(site_src))
    edit(path, "value: 29397681", "value: 29400000")
    edit(path, "qualifier: about\n", "")
    assert not rounding(fact_check(site_src))


@pytest.mark.parametrize(("text", "locale", "numbers"), [
    ("182 281 pages sur 252 194, soit 72,3 %", "fr_FR", [182281, 252194, 72.3]),
    ("29\u202f397\u202f681 en 2021", "fr_FR", [29397681, 2021]),
    ("182,281 out of 252,194, or 72.3%. In 2021.", "en_GB", [182281, 252194, 72.3, 2021]),
    ("1’234,5", "fr_CH", [1234.5]),
])
def test_numbers_are_read_as_each_locale_writes_them(text: str, locale: str, numbers: list[float]) -> None:
    assert [n for n, _ in numbers_in(text, locale)] == numbers


def test_unknown_fact_is_an_error_with_its_line(site_src: Path) -> None:
    edit(site_src / "content/fr/articles/ecrans.md", "{{< fact share-girls >}}\n", "{{< fact nope >}}\n")
    report = run_check(site_src, today=BUILD_DAY)
    assert found(report, ERROR, "content/fr/articles/ecrans.md", r"unknown fact 'nope'")[0].line == 10
    assert report.exit_status() == 1


# -- links and images ---------------------------------------------------------------------


def test_link_to_a_missing_anchor_of_an_existing_page_is_an_error(site_src: Path) -> None:
    edit(site_src / "content/fr/articles/annee-record.md", "aide.md#en-cas-de-danger", "aide.md#nulle-part")
    report = run_check(site_src, today=BUILD_DAY)
    hits = found(report, ERROR, "content/fr/articles/annee-record.md",
                 r"/fr/aide/ has no heading with id 'nulle-part'; its headings are: en-cas-de-danger")
    assert len(hits) == 1 and hits[0].line == 13
    assert report.exit_status() == 1


def test_existing_anchors_and_pages_pass(site_src: Path) -> None:
    edit(site_src / "content/en/articles/later.md", "Only in English.",
         "Only in English. See [danger](/en/help/#in-danger-now), [sheet](/en/resources/parents-sheet),\n"
         "[home](/), [feed](/en/feed.xml), [self](#top-of-nothing-is-wrong) and "
         "[figure](/fr/chiffres/victimes-par-jour/#main).")
    report = run_check(site_src, today=BUILD_DAY)
    broken = found(report, ERROR, "content/en/articles/later.md", "broken link")
    assert [f.message for f in broken] == [
        "broken link '#top-of-nothing-is-wrong': the page /en/articles/later/ has no element with id "
        "'top-of-nothing-is-wrong'"]


def test_broken_links_are_quoted_as_written_at_their_own_line(site_src: Path) -> None:
    # A paragraph's links were all said at its first line, "été" as "%C3%A9t%C3%A9", and a Windows "img\\a.png"
    # was "it points outside the site".
    edit(site_src / "content/en/articles/later.md", "Only in English.",
         "Only in English,\nsee ![summer](photos/été.jpg)\nand ![Windows](img\\a.png).")
    report = run_check(site_src, today=BUILD_DAY)
    assert [(f.line, f.message) for f in found(report, ERROR, "content/en/articles/later.md", "broken link")] == [
        (8, "broken link 'photos/été.jpg': there is no page or file /en/articles/later/photos/été.jpg in the site "
            "(drafts and future-dated pages are not published)"),
        (9, "broken link 'img\\a.png': web addresses separate folders with / and never \\: write every \\ of this "
            "address as /")]


def test_links_after_line_ends_no_token_shows_are_said_at_their_own_line(site_src: Path) -> None:
    # A code span over two lines, a link's address or title on the next line, a note written in place: their
    # line ends leave no token, and every link after one was said a line too early.
    edit(site_src / "content/en/articles/later.md", "Only in English.",
         "Only in English, `code\nover two lines` then [a](/en/nowhere-1/),\n[b](\n/en/nowhere-2/) "
         "[c](/en/nowhere-3/ \"a title\non two lines\") ![d](/en/nowhere-4.png)^[a note\nover two lines] "
         "[e](/en/nowhere-5/)")
    report = run_check(site_src, today=BUILD_DAY)
    said = sorted((f.line, f.message.split("'")[1]) for f in found(report, ERROR, "content/en/articles/later.md",
                                                                     "broken link"))
    assert said == [(8, "/en/nowhere-1/"), (9, "/en/nowhere-2/"), (10, "/en/nowhere-3/"), (11, "/en/nowhere-4.png"),
                    (12, "/en/nowhere-5/")]


def test_links_of_raw_html_are_checked_too(site_src: Path) -> None:
    # With allow_html, <img src="/assets/img/icon.svg"> and <a href="../missing.md"> are published as written
    # (not rewritten as Markdown's are): both broke on the site while the check said "0 errors".
    config = site_src / "site.yaml"
    config.write_text(config.read_text(encoding="utf-8") + "allow_html: true\n", encoding="utf-8")
    edit(site_src / "content/en/articles/later.md", "Only in English.",
         'Only in English.\n\n<p><img src="/assets/img/icon.svg" alt="Icon"></p>\n\n'
         'See <a href="../missing.md">this</a> and <a href="/en/help/">help</a>.')
    report = run_check(site_src, today=BUILD_DAY)
    messages = {f.line: f.message for f in found(report, ERROR, "content/en/articles/later.md", "broken link")}
    assert "assets are published under names with a content hash" in messages[9], messages
    assert "'../missing.md': there is no page or file /en/articles/missing.md" in messages[11], messages
    assert len(messages) == 2


def test_links_of_raw_html_over_several_lines_are_said_at_their_own_line(site_src: Path) -> None:
    config = site_src / "site.yaml"
    config.write_text(config.read_text(encoding="utf-8") + "allow_html: true\n", encoding="utf-8")
    edit(site_src / "content/en/articles/later.md", "Only in English.",
         '<div class="box">\n<p>Text</p>\n<a href="gone/">gone</a>\n<img src="missing.png" alt="x">\n</div>')
    report = run_check(site_src, today=BUILD_DAY)
    assert [f.line for f in found(report, ERROR, "content/en/articles/later.md", "broken link")] == [9, 10]


def test_absolute_and_relative_links_to_missing_pages_and_files(site_src: Path) -> None:
    edit(site_src / "content/en/articles/later.md", "Only in English.",
         "Only in English.\n\nSee [nowhere](/en/nowhere/), [draft](/fr/articles/brouillon/), "
         "[icon](/assets/img/icon.svg) and [sibling](../missing/).")
    report = run_check(site_src, today=BUILD_DAY)
    messages = [f.message for f in found(report, ERROR, "content/en/articles/later.md", "broken link")]
    assert any("'/en/nowhere/': there is no page or file /en/nowhere/" in m for m in messages)
    assert any("'/fr/articles/brouillon/'" in m and "drafts" in m for m in messages)
    assert not any("icon.svg" in m for m in messages)  # /assets/ links point at the hashed file
    assert any("'../missing/': there is no page or file /en/articles/missing/" in m for m in messages)
    assert len(messages) == 3
    assert {f.line for f in found(report, ERROR, "content/en/articles/later.md", "broken link")} == {9}


def test_link_to_a_missing_markdown_file_is_a_build_error(site_src: Path) -> None:
    edit(site_src / "content/fr/articles/annee-record.md", "../pages/aide.md", "../pages/absente.md")
    report = run_check(site_src, translations=True, today=BUILD_DAY)
    hits = found(report, ERROR, "content/fr/articles/annee-record.md", r"Markdown file that does not exist")
    assert len(hits) == 1 and hits[0].line == 13
    assert not report.complete
    assert report.exit_status() == 1
    assert "were not checked" in report.to_text()
    # figures and help contacts are still checked when the site does not build
    assert found(report, WARNING, "content/facts/daily-victims.yaml", r"more than 3 years")


def test_image_without_alt_text_is_a_warning(site_src: Path) -> None:
    edit(site_src / "content/en/articles/later.md", "Only in English.",
         "Only in English.\n\n![](/assets/img/icon.svg)\n\n![An icon](/assets/img/icon.svg)")
    report = run_check(site_src, today=BUILD_DAY)
    hits = found(report, WARNING, "content/en/articles/later.md", r"image without alt text")
    assert [f.line for f in hits] == [9]
    assert report.exit_status(strict=False) == 0  # /assets/ images point at the hashed file
    assert report.exit_status(strict=True) == 1


# -- help contacts -----------------------------------------------------------------------


def test_help_contact_checked_too_long_ago_or_never_is_a_warning(site_src: Path, fixture_report: Report) -> None:
    assert not [f for f in fixture_report.findings if f.path == "site.yaml"]
    edit(site_src / "site.yaml", "last_checked: 2026-11-01", "last_checked: 2025-10-01")
    edit(site_src / "site.yaml", "    last_checked: 2026-11-01\n", "")
    report = run_check(site_src, today=BUILD_DAY)
    old = found(report, WARNING, "site.yaml", r"'Allô Enfance en Danger' was last checked on 2025-10-01, more than "
                                              r"365 days ago")
    never = found(report, WARNING, "site.yaml", r"'Numéro d'urgence européen' has no last_checked date")
    assert old[0].line == 16 and never[0].line == 24
    assert report.exit_status() == 0
    assert report.exit_status(strict=True) == 1


def test_help_contact_checked_on_a_day_still_to_come_is_a_warning(site_src: Path) -> None:
    # 2062 for 2026 would have kept the staleness warning away for decades.
    edit(site_src / "site.yaml", "last_checked: 2026-11-01", "last_checked: 2062-11-01")
    report = Report(check_help(load_config(site_src), BUILD_DAY))
    future = found(report, WARNING, "site.yaml", r"'Allô Enfance en Danger' was last checked on 2062-11-01, a day "
                                                 r"still to come: write the day you checked the number and address")
    assert future[0].line == 16 and len(report.findings) == 1


def test_help_stale_after_days_comes_from_site_yaml(site_src: Path) -> None:
    edit(site_src / "site.yaml", "featured_facts:", "help_stale_after_days: 10\nfeatured_facts:")
    report = Report(check_help(load_config(site_src), BUILD_DAY))
    assert len(found(report, WARNING, "site.yaml", r"more than 10 days ago")) == 2


# -- translations --------------------------------------------------------------------------


def _git(site: Path, *args: str, when: str) -> None:
    env = {**os.environ, "GIT_AUTHOR_DATE": when, "GIT_COMMITTER_DATE": when, "GIT_AUTHOR_NAME": "Test",
           "GIT_AUTHOR_EMAIL": "test@example.org", "GIT_COMMITTER_NAME": "Test",
           "GIT_COMMITTER_EMAIL": "test@example.org", "GIT_CONFIG_GLOBAL": os.devnull,
           "GIT_CONFIG_NOSYSTEM": "1"}
    subprocess.run(["git", "-C", str(site), *args], check=True, capture_output=True, env=env)


def _row(rows, key):  # type: ignore[no-untyped-def]
    return next(r for r in rows if r.key == key)


@pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")
def test_outdated_translation_from_git_history(site_src: Path) -> None:
    _git(site_src, "init", "-q", when="2026-01-01T10:00:00+00:00")
    _git(site_src, "add", ".", when="2026-01-01T10:00:00+00:00")
    _git(site_src, "commit", "-q", "-m", "first", when="2026-01-01T10:00:00+00:00")
    assert _row(translation_status(load_site(site_src)), "help").cells["en"].status == TRANSLATED

    edit(site_src / "content/fr/pages/aide.md", "Appelez le 17 ou le 112.", "Appelez le 17, le 112 ou le 119.")
    _git(site_src, "commit", "-q", "-am", "fr change", when="2026-03-01T10:00:00+00:00")
    report = run_check(site_src, translations=True, today=BUILD_DAY)
    row = _row(report.translations, "help")
    assert row.cells["fr"].status == SOURCE
    assert row.cells["en"].status == OUTDATED
    assert "2026-03-01" in row.cells["en"].detail and "2026-01-01" in row.cells["en"].detail
    assert _row(report.translations, "parents-sheet").cells["en"].status == TRANSLATED
    assert found(report, WARNING, "content/en/pages/help.md", r"outdated translation: content/fr/pages/aide.md")
    assert report.exit_status(strict=True) == 1

    edit(site_src / "content/en/pages/help.md", "Call 112.", "Call 112 or 119.")
    _git(site_src, "commit", "-q", "-am", "en follows", when="2026-04-01T10:00:00+00:00")
    rows = translation_status(load_site(site_src))
    assert _row(rows, "help").cells["en"].status == TRANSLATED


def test_outdated_translation_from_front_matter_dates(site_src: Path) -> None:
    assert not GitDates(site_src).available()
    edit(site_src / "content/fr/pages/aide.md", "layout: help", "layout: help\nupdated: 2026-05-02")
    edit(site_src / "content/en/pages/help.md", "layout: help", "layout: help\ntranslated_from: 2026-01-01")
    report = run_check(site_src, translations=True, today=BUILD_DAY)
    cell = _row(report.translations, "help").cells["en"]
    assert cell.status == OUTDATED and "2026-05-02" in cell.detail
    hit = found(report, WARNING, "content/en/pages/help.md", r"set translated_from: 2026-05-02")
    assert hit[0].line == 5

    edit(site_src / "content/en/pages/help.md", "translated_from: 2026-01-01", "translated_from: 2026-05-02")
    assert _row(translation_status(load_site(site_src)), "help").cells["en"].status == TRANSLATED

    # without 'updated', the source's date counts
    edit(site_src / "content/fr/articles/annee-record.md", "tags:", "updated: 2022-06-30\ntags:")
    edit(site_src / "content/en/articles/annee-record.md", "tags:", "translated_from: 2022-05-25\ntags:")
    assert _row(translation_status(load_site(site_src)), "articles/annee-record").cells["en"].status == OUTDATED


def test_a_bad_translated_from_date_is_an_error_with_its_line(site_src: Path) -> None:
    edit(site_src / "content/en/pages/help.md", "layout: help", "layout: help\ntranslated_from: last week")
    report = run_check(site_src, today=BUILD_DAY)
    hits = found(report, ERROR, "content/en/pages/help.md", r"'translated_from' must be a real date written YYYY-MM-DD")
    assert len(hits) == 1 and hits[0].line == 5


def test_git_missing_falls_back_to_front_matter(site_src: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", "")
    assert not GitDates(site_src).available()
    edit(site_src / "content/en/pages/help.md", "layout: help", "layout: help\ntranslated_from: 2021-01-01")
    edit(site_src / "content/fr/pages/aide.md", "layout: help", "layout: help\ndate: 2022-01-01")
    assert _row(translation_status(load_site(site_src)), "help").cells["en"].status == OUTDATED


def test_translation_table_lists_every_page_and_figure(fixture_report: Report) -> None:
    report = fixture_report
    rows = report.translations
    assert rows is not None
    by_key = {(r.kind, r.key): r for r in rows}
    assert {k for k in by_key if k[0] == "page"} == {
        ("page", "articles/annee-record"), ("page", "articles/ecrans"), ("page", "articles/later"),
        ("page", "help"), ("page", "parents-sheet"), ("page", "index")}
    assert {k for k in by_key if k[0] == "fact"} == {("fact", "daily-victims"), ("fact", "share-girls")}
    ecrans = by_key[("page", "articles/ecrans")]
    assert (ecrans.cells["fr"].status, ecrans.cells["en"].status) == (SOURCE, MISSING)
    later = by_key[("page", "articles/later")]
    assert later.source_lang == "en" and later.cells["fr"].status == MISSING
    assert by_key[("fact", "daily-victims")].cells["en"].status == TRANSLATED
    text = report.to_text()
    assert re.search(r"content/fr/articles/ecrans\.md +source +missing", text)
    assert "en: 1 source, 5 translated, 2 missing, 0 outdated" in text


def test_figure_text_missing_in_a_language(site_src: Path) -> None:
    edit(site_src / "content/facts/daily-victims.yaml", "  en: An average, not a daily count.\n", "")
    report = run_check(site_src, translations=True, today=BUILD_DAY)
    cell = _row(report.translations, "daily-victims").cells["en"]
    assert cell.status == PARTIAL and cell.detail == "no English text for: note"  # its label is there
    assert found(report, INFO, "content/facts/daily-victims.yaml", r"no English text for: note")[0].line == 9


# -- output --------------------------------------------------------------------------------


def test_strict_turns_warnings_into_failure() -> None:
    warning = Finding("site.yaml", 3, WARNING, "w")
    info = Finding("content/facts/a.yaml", 1, INFO, "i")
    error = Finding("content/fr/a.md", 2, ERROR, "e")
    assert Report([warning, info]).exit_status() == 0
    assert Report([warning, info]).exit_status(strict=True) == 1
    assert Report([info]).exit_status(strict=True) == 0
    assert Report([error]).exit_status() == 1
    assert Report([]).exit_status(strict=True) == 0


def test_json_shape(site_src: Path) -> None:
    report = run_check(site_src, today=BUILD_DAY)
    data = json.loads(report.to_json())
    assert set(data) == {"errors", "warnings", "info", "complete", "publish", "findings"}
    assert (data["errors"], data["warnings"], data["info"]) == (0, 2, 4)  # with the pages' first-visit weights
    assert data["publish"] == 1  # base_url: https://test.example.org/
    assert all(set(f) == {"path", "line", "level", "message"} for f in data["findings"])
    assert {f["level"] for f in data["findings"]} == {"warning", "info"}

    data = json.loads(run_check(site_src, translations=True, today=BUILD_DAY).to_json())
    row = next(r for r in data["translations"] if r["key"] == "articles/ecrans")
    assert row == {
        "kind": "page", "key": "articles/ecrans", "title": "Les écrans en famille", "source_language": "fr",
        "path": "content/fr/articles/ecrans.md",
        "languages": {"fr": {"status": "source", "path": "content/fr/articles/ecrans.md", "detail": ""},
                      "en": {"status": "missing", "path": None, "detail": ""}},
    }


def test_text_is_grouped_by_file_with_a_summary_line() -> None:
    report = Report([
        Finding("site.yaml", 16, WARNING, "contact"),
        Finding("content/fr/a.md", 9, ERROR, "broken"),
        Finding("content/fr/a.md", 3, INFO, "note"),
        Finding("", None, ERROR, "site-wide"),
    ])
    assert report.to_text().splitlines() == [
        "error: site-wide",
        "",
        "content/fr/a.md:3: info: note",
        "content/fr/a.md:9: error: broken",
        "",
        "site.yaml:16: warning: contact",
        "",
        "2 errors, 1 warning, 1 info",
    ]
    colored = report.to_text(color=True)
    assert "content/fr/a.md:9: \033[1;31merror\033[0m: broken" in colored
    assert "\033" not in report.to_text(color=False)
    assert Report([]).to_text() == "no problems found (0 errors, 0 warnings, 0 info)"


def test_cli_check_json_and_strict(site_src: Path, capsys: pytest.CaptureFixture[str],
                                   monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1795910400")  # 2026-11-29
    assert main(["check", str(site_src), "--format", "json", "--translations"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["warnings"] == 2 and "translations" in data
    assert main(["check", str(site_src), "--strict"]) == 1
    out = capsys.readouterr().out
    assert out.rstrip().endswith("0 errors, 2 warnings, 4 info")
    assert "content/facts/daily-victims.yaml:18: warning: the source is dated 2022-05-25" in out


def test_drafts_are_checked_when_asked(site_src: Path) -> None:
    edit(site_src / "content/fr/articles/brouillon.md", "Pas encore publié.", "Voir [rien](/fr/nulle-part/).")
    assert not found(run_check(site_src, today=BUILD_DAY), ERROR, "content/fr/articles/brouillon.md", "broken link")
    hits = found(run_check(site_src, today=BUILD_DAY, drafts=True), ERROR, "content/fr/articles/brouillon.md",
                 "broken link")
    assert len(hits) == 1


def test_a_figure_rounded_in_another_language_s_units_is_flagged_whatever_the_default_language() -> None:
    # 29,400,000 shows "2.9 करोड़" on Hindi pages (29,000,000), with no "about": check said nothing when English
    # was the default language, and warned when Hindi was.
    from dataclasses import replace as changed

    from support import EN

    hindi = changed(EN, code="hi", name="हिन्दी", locale="hi_IN")
    fact = make_fact("crore", value=29400000, format="compact", codes=("en", "hi"),
                     label={"en": "reports", "hi": "रिपोर्ट"})
    lines = {"value": 1, "format": 2}
    for default in ("en", "hi"):
        config = make_config(languages=(EN, hindi), default_language=default)
        hits = check_rounding(config, fact, "content/facts/crore.yaml", lines)
        assert len(hits) == 1 and "2.9 करोड़" in hits[0].message, (default, hits)
