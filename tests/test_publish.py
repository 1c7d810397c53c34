"""`vigie check --publish`: what `init` and `new` wrote and nobody changed, TODO, example addresses, half drafts."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path
from typing import Iterator

import pytest

from conftest import BUILD_DAY
from generator.cli import main
from generator.commands import scaffold
from generator.commands.check import ERROR, INFO, WARNING, Finding, Report, run_check
from generator.commands.publish import Starter, example_address, is_marker
from generator.commands.scaffold import init_site, new_document, new_fact, starter_files
from generator.core import messages

DAY = BUILD_DAY  # SOURCE_DATE_EPOCH=1795910400 for the command line


@pytest.fixture(autouse=True)
def english_after() -> Iterator[None]:
    yield
    messages.activate("en")


@pytest.fixture
def fresh(tmp_path: Path) -> Path:
    site = tmp_path / "fresh"
    init_site(site, today=DAY)
    return site


def errors_of(report: Report) -> list[Finding]:
    return [f for f in report.findings if f.level == ERROR]


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not in {path}"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def starter_content() -> set[str]:
    """The pages and figures `vigie init` writes, as the check names them."""
    return {rel for rel, _text in starter_files(DAY) if rel.startswith("content/")}


# -- a fresh site -------------------------------------------------------------------------------------


def test_a_fresh_site_has_no_warning_but_is_not_ready_to_publish(fresh: Path) -> None:
    plain = run_check(fresh, today=DAY)
    assert [f for f in plain.findings if f.level in (ERROR, WARNING)] == []
    assert plain.exit_status() == 0
    assert plain.publish > 0
    assert "vigie check --publish" in plain.to_text()

    report = run_check(fresh, today=DAY, publish=True)
    assert report.exit_status() == 1
    errors = errors_of(report)
    assert len(errors) == plain.publish
    assert {f.path for f in errors} == starter_content() | {"site.yaml"}  # every page and figure, and the settings
    assert all(f.line for f in errors)
    config_errors = " ".join(f.message for f in errors if f.path == "site.yaml")
    for key in ("base_url", "title (fr)", "title (en)", "publisher (fr)", "help contact"):
        assert key in config_errors


def test_cli_check_publish_on_a_fresh_site_fails_in_french(fresh: Path, capsys: pytest.CaptureFixture[str],
                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1795910400")  # 2026-11-29
    monkeypatch.setenv("LANG", "fr_FR.UTF-8")
    for name in ("VIGIE_LANG", "LC_ALL", "LC_MESSAGES"):
        monkeypatch.delenv(name, raising=False)
    assert main(["check", str(fresh)]) == 0
    out = capsys.readouterr().out
    assert ": warning: " not in out and "avant de publier" in out

    assert main(["check", "--publish", str(fresh)]) == 1
    out = capsys.readouterr().out
    lines = [line for line in out.splitlines() if ": error: " in line]
    assert {line.split(":", 1)[0] for line in lines} == starter_content() | {"site.yaml"}
    assert any("base_url" in line and "exemple" in line for line in lines)
    assert not any("vigie init wrote" in line or "write your own" in line for line in lines)  # all in French
    assert re.search(r"^\d+ erreurs, 0 avertissement, 1 info", out, re.M)  # the info: the pages' weights


def test_build_says_how_many_things_to_change(fresh: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1795910400")
    monkeypatch.setenv("VIGIE_LANG", "en")
    count = len(errors_of(run_check(fresh, today=DAY, publish=True)))
    assert main(["build", str(fresh), "-o", str(tmp_path / "out")]) == 0
    out = capsys.readouterr().out
    summary = out.splitlines()[0]  # the next line: the first visit's weights
    assert summary.endswith(f"; {count} things to change before publishing (vigie check --publish lists them)")
    assert (tmp_path / "out" / "index.html").is_file()  # the build still builds


def test_the_starter_to_compare_with_is_kept_between_builds(fresh: Path, tmp_path: Path,
                                                            capsys: pytest.CaptureFixture[str],
                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    # Making the starter site took a fifth of a second of every build's summary (a quarter of a small site's build).
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1795910400")
    monkeypatch.setenv("VIGIE_LANG", "en")
    assert main(["build", str(fresh), "-o", str(tmp_path / "out")]) == 0
    first = capsys.readouterr().out.splitlines()[0]
    assert (fresh / ".vigie-cache/starter.pickle").is_file()

    def not_again() -> Starter:
        raise AssertionError("the starter was made again")

    monkeypatch.setattr(Starter, "made", staticmethod(not_again))
    edit(fresh / "content/fr/index.md", "\n---\n", "\n---\n\nUn mot de plus.\n")  # not up to date: a summary
    assert main(["build", str(fresh), "-o", str(tmp_path / "out")]) == 0
    assert capsys.readouterr().out.splitlines()[0].split("; ")[-1] == first.split("; ")[-1]
    monkeypatch.setattr("generator.build.code_digest", lambda: "another Vigie")  # a new Vigie makes it again
    with pytest.raises(AssertionError, match="made again"):
        Starter.kept(fresh / ".vigie-cache")


def test_a_starter_that_could_not_be_made_whole_is_not_kept(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(Starter, "made", staticmethod(lambda: Starter(complete=False)))
    assert Starter.kept(tmp_path) == Starter(complete=False)
    assert not (tmp_path / "starter.pickle").exists()


def make_ready(site: Path) -> None:
    """Do what an editor does before publishing: their own address, names, pages, figure; the contact checked."""
    config = site / "site.yaml"
    edit(config, "https://example.org/", "https://www.protegeons-les-enfants.fr/")
    edit(config, '"Mon site de prévention"', '"Protégeons les enfants"')
    edit(config, '"My prevention site"', '"Let us protect children"')
    edit(config, "description:\n",
         "description:\n  fr: \"Notre campagne.\"\n  en: \"Our campaign.\"\nold_description:\n")
    text = config.read_text(encoding="utf-8")
    text = re.sub(r"old_description:\n(  .*\n)+", "", text)
    text = text.replace('{fr: "Mon association", en: "My organisation"}', '{fr: "Association Vigie", en: "Vigie"}')
    text = text.replace("    # last_checked: YYYY-MM-DD", "    last_checked: 2026-11-20")
    config.write_text(text, encoding="utf-8")
    for rel in starter_content():
        path = site / rel
        if rel.endswith(".md"):
            front, _sep, _body = path.read_text(encoding="utf-8").partition("\n---\n")
            front = re.sub(r'^summary: .*$', f'summary: "Our own summary of {path.stem}."', front, flags=re.M)
            path.write_text(f"{front}\n---\n\nOur own words for {path.stem}.\n", encoding="utf-8")
    fact = site / "content/facts/victims-identified-daily.yaml"
    text = fact.read_text(encoding="utf-8").replace("value: 7", "value: 9").replace("2022-05-25", "2026-05-25")
    fact.write_text(text.replace("en moyenne chaque jour", "chaque jour"), encoding="utf-8")


def test_a_site_with_every_placeholder_replaced_is_ready(fresh: Path) -> None:
    make_ready(fresh)
    report = run_check(fresh, today=DAY, publish=True)
    assert errors_of(report) == [], report.to_text()
    assert report.exit_status() == 0
    assert "ready to publish" in report.to_text()


# -- each placeholder alone -----------------------------------------------------------------------------


@pytest.fixture
def ready(fresh: Path) -> Path:
    make_ready(fresh)
    return fresh


def test_starter_text_is_found_whatever_its_whitespace_and_line_endings(ready: Path) -> None:
    original = dict(starter_files(DAY))["content/en/index.md"]
    body = original.split("\n---\n", 1)[1]
    messy = "\r\n".join("  " + line.replace(" ", "  ") + "  " for line in body.split("\n"))
    path = ready / "content/en/index.md"
    front = path.read_text(encoding="utf-8").split("\n---\n", 1)[0]
    path.write_bytes(f"{front}\n---\n{messy}".encode("utf-8"))
    errors = errors_of(run_check(ready, today=DAY, publish=True))
    assert [(f.path, f.kind) for f in errors] == [("content/en/index.md", "starter-body")]


def test_todo_left_in_a_paragraph_is_named_with_its_line(ready: Path) -> None:
    path = ready / "content/fr/articles/bienvenue.md"
    text = path.read_text(encoding="utf-8")
    path.write_text(text + "\nUn autre paragraphe.\n\nIci, TODO ajouter la source.\n", encoding="utf-8")
    lines = path.read_text(encoding="utf-8").split("\n")
    errors = errors_of(run_check(ready, today=DAY, publish=True))
    assert [(f.path, f.line, f.kind) for f in errors] == [
        ("content/fr/articles/bienvenue.md", lines.index("Ici, TODO ajouter la source.") + 1, "marker")]
    assert "TODO" in errors[0].message


def test_a_new_figure_left_as_the_template_wrote_it(ready: Path) -> None:
    path = new_fact(ready, "reports-2025", today=DAY)
    lines = path.read_text(encoding="utf-8").split("\n")
    errors = errors_of(run_check(ready, today=DAY, publish=True))
    mine = [f for f in errors if f.path == "content/facts/reports-2025.yaml"]
    assert {f.path for f in errors} == {"content/facts/reports-2025.yaml"}
    value = [f for f in mine if f.kind == "template-value"]
    assert len(value) == 1 and value[0].line == lines.index("value: 0") + 1
    assert {f.line for f in mine if f.kind != "template-value"} >= {
        n + 1 for n, line in enumerate(lines) if "TODO" in line and not line.lstrip().startswith("#")}


def test_a_figure_whose_value_only_was_kept_from_the_template(ready: Path) -> None:
    path = new_fact(ready, "reports-2025", today=DAY)
    text = "\n".join(line for line in path.read_text(encoding="utf-8").split("\n") if "TODO" not in line)
    text = text.replace("label:\n", "label:\n  fr: signalements\n  en: reports\n")
    text = text.replace("source:\n", "source:\n  publisher: Pharos\n  url: https://www.internet-signalement.gouv.fr/\n")
    for key in ("context", "note", "alt", "  title"):
        text = text.replace(f"{key}:\n", "")
    path.write_text(text, encoding="utf-8")
    errors = errors_of(run_check(ready, today=DAY, publish=True))
    assert [(f.path, f.kind) for f in errors] == [("content/facts/reports-2025.yaml", "template-value")]


def test_a_page_published_in_one_language_and_draft_in_the_other(ready: Path) -> None:
    fr, en = new_document(ready, "article", "Parler des écrans", lang="fr", translate=["en"], today=DAY)
    assert run_check(ready, today=DAY, publish=True).exit_status() == 0  # both drafts: nothing goes online
    edit(fr, "draft: true", "draft: false")
    fr.write_text(fr.read_text(encoding="utf-8").split("\n---\n")[0] + "\n---\n\nNotre texte.\n", encoding="utf-8")
    errors = errors_of(run_check(ready, today=DAY, publish=True))
    draft_line = next(n for n, line in enumerate(en.read_text(encoding="utf-8").split("\n"), 1)
                      if line.startswith("draft:"))
    assert [(f.path, f.line, f.kind) for f in errors] == [
        (f"content/en/articles/{en.name}", draft_line, "draft-mismatch")]
    assert f"content/fr/articles/{fr.name}" in errors[0].message


def test_a_new_page_published_with_the_template_text(ready: Path) -> None:
    (page,) = new_document(ready, "page", "Nos actions", lang="fr", today=DAY)
    edit(page, "draft: true", "draft: false")
    errors = errors_of(run_check(ready, today=DAY, publish=True))
    assert [(f.path, f.kind) for f in errors] == [(f"content/fr/pages/{page.name}", "starter-body")]


def test_what_the_scaffold_names_as_placeholder_is_found_in_a_longer_text(ready: Path,
                                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(scaffold, "placeholder_texts", lambda: frozenset({"Replace me with  your\ntext."}),
                        raising=False)
    Starter.made.cache_clear()
    try:
        path = ready / "content/en/index.md"
        edit(path, "Our own words", "Replace me with your text.\n\nOur own words")
        errors = errors_of(run_check(ready, today=DAY, publish=True))
    finally:
        Starter.made.cache_clear()
    assert [(f.path, f.kind) for f in errors] == [("content/en/index.md", "starter-paragraph")]


@pytest.mark.parametrize("url, example", [
    ("https://example.org/", True), ("https://www.example.com/campaign/", True), ("http://EXAMPLE.NET.", True),
    ("https://site.example/", True), ("https://preview.test/", True), ("http://localhost:8000/", True),
    ("https://example.org.fr/", False), ("https://myexample.org/", False), ("https://www.vigie.org/", False),
])
def test_example_addresses(url: str, example: bool) -> None:
    assert example_address(url) is example


def test_base_url_on_a_reserved_domain_fails_with_its_line(ready: Path) -> None:
    edit(ready / "site.yaml", "https://www.protegeons-les-enfants.fr/", "https://campagne.example.com/")
    line = (ready / "site.yaml").read_text(encoding="utf-8").split("\n").index(
        "base_url: https://campagne.example.com/") + 1
    errors = errors_of(run_check(ready, today=DAY, publish=True))
    assert [(f.path, f.line, f.kind) for f in errors] == [("site.yaml", line, "base-url")]


# -- grouped output --------------------------------------------------------------------------------------


def test_repeated_warnings_are_grouped_unless_verbose() -> None:
    stale = [Finding(f"content/facts/f{i}.yaml", 9, WARNING, f"the source of f{i} is old", "stale-source")
             for i in range(5)]
    broken = [Finding(f"content/fr/p{i}.md", 3, ERROR, "broken link", "broken-link") for i in range(4)]
    other = Finding("site.yaml", 2, INFO, "a note")
    report = Report([*stale, *broken, other])
    text = report.to_text()
    assert text.count(": warning: ") == 1
    assert "(and 4 more like this one; vigie check --verbose lists them all)" in text
    assert text.count(": error: ") == 4  # every error is shown
    assert "site.yaml:2: info: a note" in text
    assert text.rstrip().endswith("4 errors, 5 warnings, 1 info")
    verbose = report.to_text(verbose=True)
    assert verbose.count(": warning: ") == 5 and "more like this" not in verbose


def test_two_of_a_kind_are_both_shown() -> None:
    report = Report([Finding("a.yaml", 1, WARNING, "w", "k"), Finding("b.yaml", 1, WARNING, "w", "k")])
    assert report.to_text().count(": warning: ") == 2


def test_cli_verbose_check_shows_every_warning(fresh: Path, capsys: pytest.CaptureFixture[str],
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1795910400")
    monkeypatch.setenv("VIGIE_LANG", "en")
    make_ready(fresh)
    for number in range(4):
        (fresh / f"content/en/articles/a{number}.md").write_text(
            f"---\ntitle: A{number}\ndate: 2026-01-0{number + 1}\n---\n\n"
            "![](/assets/img/icon.svg)\n", encoding="utf-8")
    assert main(["check", str(fresh)]) in (0, 1)
    grouped = capsys.readouterr().out
    assert main(["check", "-v", str(fresh)]) in (0, 1)
    every = capsys.readouterr().out
    assert grouped.count("image without alt text") == 1 and "3 more like this one" in grouped
    assert every.count("image without alt text") == 4


def test_the_sample_figure_once_edited_is_the_editors_own(fresh: Path) -> None:
    """The sample figure hides its old-source warning until someone edits it; then it is a figure like any other."""
    rel = "content/facts/victims-identified-daily.yaml"
    before = run_check(fresh, today=DAY)
    assert not [f for f in before.findings if f.path == rel]
    assert [f.kind for f in errors_of(run_check(fresh, today=DAY, publish=True)) if f.path == rel] == ["starter-fact"]

    edit(fresh / rel, "note:\n", "context:\n  fr: Notre contexte.\n  en: Our context.\nnote:\n")
    after = run_check(fresh, today=DAY, publish=True)
    assert not [f for f in errors_of(after) if f.path == rel]
    assert [f.kind for f in after.findings if f.path == rel] == ["stale-source"]  # a 2022 source, as for any figure


def test_a_retitled_sample_page_that_kept_its_summary(ready: Path) -> None:
    path = ready / "content/en/articles/welcome.md"
    edit(path, '"Seven children identified every day"', '"Talking about screens at home"')
    starter_summary = next(text for text in dict(starter_files(DAY))["content/en/articles/welcome.md"].split("\n")
                           if text.startswith("summary:"))
    edit(path, 'summary: "Our own summary of welcome."', starter_summary)
    line = next(n for n, text in enumerate(path.read_text(encoding="utf-8").split("\n"), 1)
                if text.startswith("summary:"))
    errors = errors_of(run_check(ready, today=DAY, publish=True))
    assert [(f.path, f.line, f.kind) for f in errors] == [("content/en/articles/welcome.md", line, "starter-summary")]


@pytest.mark.parametrize("text, marker", [
    ("TODO", True), ("À FAIRE", True), ("FIXME NOW", True), ("todo", False), ("My prevention site", False),
    ("A B C D", False), ("2026", False), ("", False),
])
def test_which_named_placeholders_are_markers(text: str, marker: bool) -> None:
    assert is_marker(text) is marker


def test_markers_and_texts_the_scaffold_names_are_found_everywhere(ready: Path,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(scaffold, "placeholder_texts", lambda: frozenset({"À FAIRE", "Our own words for aide."}),
                        raising=False)
    Starter.made.cache_clear()
    try:
        edit(ready / "site.yaml", '"Let us protect children"', '"À FAIRE : le nom"')
        errors = errors_of(run_check(ready, today=DAY, publish=True))
    finally:
        Starter.made.cache_clear()
    assert sorted((f.path, f.kind) for f in errors) == [
        ("content/fr/pages/aide.md", "starter-paragraph"), ("site.yaml", "marker")]
    assert "À FAIRE" in next(f.message for f in errors if f.path == "site.yaml")


def test_cli_check_publish_json(fresh: Path, capsys: pytest.CaptureFixture[str],
                                monkeypatch: pytest.MonkeyPatch) -> None:
    import json

    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1795910400")
    monkeypatch.setenv("VIGIE_LANG", "en")
    assert main(["check", str(fresh), "--format", "json"]) == 0
    plain = json.loads(capsys.readouterr().out)
    assert main(["check", str(fresh), "--publish", "--format", "json"]) == 1
    data = json.loads(capsys.readouterr().out)
    assert (plain["errors"], plain["warnings"]) == (0, 0)
    assert data["errors"] == data["publish"] == plain["publish"] > 0
    assert {f["path"] for f in data["findings"] if f["level"] == "error"} == starter_content() | {"site.yaml"}


def test_a_failure_to_count_never_fails_the_build(fresh: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    from generator.commands import publish

    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("a bug")

    monkeypatch.setattr(publish, "publish_problems", broken)
    monkeypatch.setenv("VIGIE_LANG", "en")
    assert main(["build", str(fresh), "-o", str(tmp_path / "out")]) == 0
    out = capsys.readouterr().out
    assert out.startswith("built ") and "before publishing" not in out


def test_a_template_text_that_repeats_the_title_and_day_is_still_found(ready: Path,
                                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    original = scaffold._document_text

    def with_title(kind: str, lang: str, title: str, slug: str, key: str, day: date, source: str | None) -> str:
        return original(kind, lang, title, slug, key, day, source) + f"\nAbout {title}, written on {day}.\n"

    monkeypatch.setattr(scaffold, "_document_text", with_title)
    Starter.made.cache_clear()
    try:
        (page,) = new_document(ready, "page", "Nos actions", lang="fr", today=date(2026, 11, 2))
        edit(page, "draft: true", "draft: false")
        errors = errors_of(run_check(ready, today=DAY, publish=True))
    finally:
        Starter.made.cache_clear()
    assert "About Nos actions, written on 2026-11-02." in page.read_text(encoding="utf-8")
    assert [(f.path, f.kind) for f in errors] == [(f"content/fr/pages/{page.name}", "starter-body")]


@pytest.mark.parametrize(("base_url", "refused"), [
    ("http://campagne-vigie.org/", True), ("https://campagne-vigie.org/", False), ("http://127.0.0.1:8000/", False)])
def test_a_site_published_over_plain_http_is_not_ready_to_publish(site_src: Path, base_url: str,
                                                                   refused: bool) -> None:
    # base_url: http://… passed check --publish ("ready to publish"), and every canonical, sharing and card
    # address told visitors to come over an unencrypted connection.
    config = site_src / "site.yaml"
    config.write_text(re.sub(r"(?m)^base_url: .*$", f"base_url: {base_url}", config.read_text(encoding="utf-8")),
                      encoding="utf-8")
    report = run_check(site_src, today=BUILD_DAY, publish=True)
    said = [f for f in report.findings if f.kind == "base-url-http"]
    assert bool(said) is refused and all(f.level == ERROR and f.line == 3 for f in said)
