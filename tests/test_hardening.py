"""Hostile and careless input: never a traceback, never a wrong help number, never a page out of reach."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path
from typing import Mapping
from urllib.parse import urljoin, urlsplit

import pytest

from conftest import BUILD_DAY, REPO
from generator.build import BuildOptions, build
from generator.cli import main
from generator.core.errors import SiteError, SiteErrors, message_line, printable
from generator.render.markup import make_markdown
from generator.core.paths import output_path, slugify, tag_slugs
from generator.core.phones import phone_problem, tel_href
from support import load_site, page_urls, render_page, render_pages


def every_page(site: Path) -> dict[str, str]:
    """Return every HTML page of a site folder by output path (``fr/aide/index.html``), rendered in memory."""
    return {output_path(url): html for url, html in render_pages(load_site(site)).items()}


def cli(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "generator", *args], capture_output=True, text=True, timeout=120,
                          env={**os.environ, "PYTHONPATH": str(REPO), **(env or {})})


# -- help numbers ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("phone, href", [
    ("3018", "tel:3018"), ("116 000", "tel:116000"), ("1-800-843-5678", "tel:18008435678"),
    ("+32 2 475 44 11", "tel:+3224754411"), ("01 40 37 16 17", "tel:0140371617"), ("(514) 555-0199", "tel:5145550199"),
    ("017", "tel:017"), ("15", "tel:15"),
])
def test_a_dialable_number_gives_every_digit_to_its_tel_link(phone: str, href: str) -> None:
    assert phone_problem(phone) is None
    assert tel_href(phone) == href


@pytest.mark.parametrize("phone", ["112 (24/7, free)", "call us", "0800 CHILDREN", "1", "+44 (0)20 7946 0000",
                                   "112 or 911", "3018 ext. 2", "", "+", "12+34", "(514 555"])
def test_anything_else_is_refused_and_never_becomes_a_tel_link(phone: str) -> None:
    assert phone_problem(phone) is not None
    with pytest.raises(SiteError):
        tel_href(phone)


@pytest.mark.parametrize("written, wrong", [
    ("0170", "tel:120"),  # YAML 1.1 reads 0170 as 120
    ("0800.100", "tel:8001"),  # and a number with one dot as a decimal: 800.1
    ("116.000", "tel:1160"),
])
def test_a_number_yaml_would_read_otherwise_keeps_its_digits(site_src: Path, written: str, wrong: str) -> None:
    config = (site_src / "site.yaml").read_text(encoding="utf-8")
    config = config.replace('phone: "119"', f"phone: {written}", 1)
    assert f"phone: {written}" in config
    (site_src / "site.yaml").write_text(config, encoding="utf-8")
    html = "".join(every_page(site_src).values())
    assert f'href="tel:{written.replace(".", "")}"' in html and f'href="{wrong}"' not in html


# -- every page reachable, help in every footer ------------------------------------------------------------------


class _Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.hrefs: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for name, value in attrs:
            if name == "href" and value:
                self.hrefs.append(value)


def crawl(pages: Mapping[str, str]) -> set[str]:
    """Return the HTML pages (by output path) reachable by links from the root chooser."""
    seen: set[str] = set()
    todo = ["/"]
    while todo:
        url = todo.pop()
        rel = url.lstrip("/") + ("index.html" if url.endswith("/") else "")
        if rel in seen or rel not in pages:
            continue
        seen.add(rel)
        parser = _Links()
        parser.feed(pages[rel])
        for href in parser.hrefs:
            target = urlsplit(urljoin(url, href))
            if not target.scheme and not target.netloc:
                todo.append(target.path)
    return seen


def test_every_page_is_reachable_from_the_home_page(site_src: Path) -> None:
    for lang, name, title in (("fr", "partenaires", "Nos partenaires"), ("en", "about", "Who we are"),
                              ("en", "press", "For journalists")):
        (site_src / f"content/{lang}/pages/{name}.md").write_text(f"---\ntitle: {title}\n---\n\nText.\n",
                                                                  encoding="utf-8")
    rendered = every_page(site_src)
    pages = set(rendered) - {"404.html"}
    assert len(pages) > 20 and pages - crawl(rendered) == set()
    footer = rendered["en/index.html"].split('<footer class="site-footer">')[1]
    assert '<a href="/en/about/">About us</a>' in footer  # known by its file name: the footer's own words
    assert '<a href="/en/press/">For journalists</a>' in footer


def test_help_contacts_show_in_every_footer_when_none_is_marked_urgent(site_src: Path) -> None:
    config = (site_src / "site.yaml").read_text(encoding="utf-8")
    config = re.sub(r"\n\s*urgent: [^\n]*", "", config)
    assert "urgent" not in config
    (site_src / "site.yaml").write_text(config, encoding="utf-8")
    for page, html in every_page(site_src).items():
        if "<footer" in html:
            assert 'class="footer-help__list"' in html and "footer-help__item" in html, page


# -- base URL -------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("url", ['https://example.org/"><script>', "https://example.org/?a=1", "https://example.org/#x",
                                 "javascript:alert(1)", "https://exa mple.org/", "ftp://example.org/", "https://",
                                 "https://user:pw@example.org/", "https://example.org:99999/",
                                 "https://example.org/a\u00a0b/", "https://exämple.org/"])
def test_a_bad_base_url_option_is_a_usage_error(url: str, site_src: Path) -> None:
    result = cli("build", str(site_src), "--base-url", url)
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert "--base-url" in result.stderr


# -- control characters never reach the terminal ---------------------------------------------------------------------


def test_messages_never_print_escape_sequences_raw(site_src: Path, tmp_path: Path) -> None:
    (site_src / "content/fr/articles/\x1b[31mrouge.md").write_text("no front matter", encoding="utf-8")
    result = cli("build", str(site_src), "-o", str(tmp_path / "out"))
    assert result.returncode == 1
    assert "\x1b" not in result.stderr and "\\x1b[31mrouge.md" in result.stderr
    assert printable("a\x1b[2Jb\x9bc\rd") == "a\\x1b[2Jb\\x9bc\\rd"


@pytest.mark.skipif(sys.platform == "win32", reason="Windows file names cannot hold a line break")
@pytest.mark.parametrize("command", ["build", "check"])
def test_a_line_break_in_a_file_name_never_breaks_its_message_line(command: str, site_src: Path,
                                                                    tmp_path: Path) -> None:
    (site_src / "content/fr/articles/a\nb.md").write_bytes((site_src / "content/fr/articles/ecrans.md").read_bytes())
    result = cli(command, str(site_src), *(["-o", str(tmp_path / "out")] if command == "build" else []))
    assert result.returncode == 1, result.stderr
    printed = (result.stderr + result.stdout).splitlines()
    assert ("content/fr/articles/a\\nb.md:2: error: the file name 'a\\nb.md' does not make a valid URL; rename it "
            "with lowercase a-z, 0-9 and hyphens, or set 'slug:' in the front matter") in printed
    assert message_line("a\rb\n.md:3", "error", "x") == "a\\rb\\n.md:3: error: x"


# -- files that are not files -----------------------------------------------------------------------------------------


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="named pipes are a POSIX feature")
@pytest.mark.parametrize("where", ["content/fr/articles/pipe.md", "content/facts/pipe.yaml", "layouts/base.html",
                                   "layouts/i18n/fr.yaml", "assets/css/pipe.css", "site.yaml"])
def test_a_named_pipe_never_hangs_the_build(where: str, site_src: Path, tmp_path: Path) -> None:
    (site_src / where).parent.mkdir(parents=True, exist_ok=True)
    if (site_src / where).exists():
        (site_src / where).unlink()
    os.mkfifo(site_src / where)
    result = cli("build", str(site_src), "-o", str(tmp_path / "out"))
    assert result.returncode == 1, result.stderr
    assert f"{where}: error: this is a named pipe (FIFO), not a file" in result.stderr


@pytest.mark.parametrize("target", ["/dev/urandom", "/dev/zero", "/etc/hostname"])
def test_a_link_leading_outside_the_site_is_refused_not_read(target: str, site_src: Path, tmp_path: Path) -> None:
    (site_src / "content/facts/linked.yaml").symlink_to(target)
    result = cli("build", str(site_src), "-o", str(tmp_path / "out"))
    assert result.returncode == 1
    assert "content/facts/linked.yaml: error: this is a symbolic link to" in result.stderr
    assert "outside the site folder" in result.stderr


def test_a_link_inside_the_site_is_followed(site_src: Path) -> None:
    (site_src / "shared").mkdir()
    (site_src / "content/fr/articles/ecrans.md").rename(site_src / "shared/ecrans.md")
    (site_src / "content/fr/articles/ecrans.md").symlink_to(site_src / "shared/ecrans.md")
    (site_src / "content/fr/articles/boucle").symlink_to(site_src / "content/fr/articles", target_is_directory=True)
    site = load_site(site_src)
    assert "Un article non traduit" in render_page(site, page_urls(site)["fr/articles/ecrans/index.html"])


# -- names that are not UTF-8 ------------------------------------------------------------------------------------------

#: A name saved by a system writing Latin-1 ("café"), as Python reads it from a Linux disk.
LATIN1_NAME = os.fsdecode(b"caf\xe9")
needs_byte_names = pytest.mark.skipif(sys.platform in ("win32", "darwin"),
                                      reason="only POSIX file systems other than macOS store names that are not UTF-8")


@needs_byte_names
@pytest.mark.parametrize("where", ["content/fr/articles/{}.md", "content/facts/{}.yaml", "layouts/{}.html",
                                   "assets/{}.css", "assets/root/{}.txt", "content/fr/articles/{}/a.md"])
def test_a_file_name_that_is_not_utf8_is_refused_by_name(where: str, site_src: Path, tmp_path: Path) -> None:
    bad = site_src / where.format(LATIN1_NAME)
    bad.parent.mkdir(parents=True, exist_ok=True)
    bad.write_bytes((site_src / "content/fr/articles/ecrans.md").read_bytes())
    shown = where.format("caf\\xe9")
    if where.endswith("/a.md"):
        shown, message = shown.removesuffix("/a.md"), "this folder's path holds a name that is not valid UTF-8"
    else:
        message = "the file name is not valid UTF-8; rename it"
    built = cli("build", str(site_src), "-o", str(tmp_path / "out"))
    assert built.returncode == 1, built.stderr
    assert f"{shown}: error: {message}" in built.stderr
    checked = cli("check", str(site_src), "--format", "json")
    assert checked.returncode == 1, checked.stderr
    assert {"path": shown, "line": None, "level": "error", "message": message} in [
        {**finding, "message": finding["message"][:len(message)]} for finding in json.loads(checked.stdout)["findings"]]


@needs_byte_names
@pytest.mark.parametrize("command", [["build"], ["check", "--format", "json"], ["serve", "--port", "0"]])
def test_a_site_folder_whose_name_is_not_utf8_is_refused_by_name(command: list[str], site_src: Path) -> None:
    site = site_src.rename(site_src.parent / LATIN1_NAME)
    result = subprocess.run([sys.executable, "-m", "generator", command[0], str(site), *command[1:]],
                            capture_output=True, text=True, timeout=60, env={**os.environ, "PYTHONPATH": str(REPO)})
    assert result.returncode == 1, result.stderr
    where, message = f"{site.parent}/caf\\xe9", "this folder's path holds a name that is not valid UTF-8; rename that folder"
    if "json" in command:
        assert {"path": where, "line": None, "level": "error", "message": message} in json.loads(result.stdout)["findings"]
    else:
        assert f"{where}: error: {message}" in result.stderr


@needs_byte_names
def test_an_output_folder_whose_name_is_not_utf8_is_refused_by_name(site_src: Path, tmp_path: Path) -> None:
    result = cli("build", str(site_src), "-o", str(tmp_path / LATIN1_NAME))
    assert result.returncode == 1, result.stderr
    assert f"{tmp_path}/caf\\xe9: error: this folder's path holds a name that is not valid UTF-8" in result.stderr
    assert not (tmp_path / LATIN1_NAME).exists()


# -- reproducible dates ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("epoch", ["99999999999999999999", "-1", "soon", "1e9"])
def test_source_date_epoch_out_of_range_is_a_message(epoch: str, site_src: Path, tmp_path: Path) -> None:
    result = cli("build", str(site_src), "-o", str(tmp_path / "out"), env={"SOURCE_DATE_EPOCH": epoch})
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert "error: SOURCE_DATE_EPOCH must be a number of seconds since 1970-01-01" in result.stderr


# -- slugs in every script -----------------------------------------------------------------------------------------------


def test_titles_and_tags_in_any_script_get_readable_distinct_slugs() -> None:
    assert slugify("Россия") == "rossiya"
    assert slugify("中国") == "zhong-guo"
    assert slugify("حماية الأطفال") == "hmyh-l-tfl"
    assert slugify("Été 2022") == "ete-2022"
    assert slugify("l’été") == "lete"  # as before: published addresses do not move
    slugs = tag_slugs(["Россия", "中国", "中國", "Parents", "parents", "Été", "ete", "حماية"])
    assert slugs["Parents"] == slugs["parents"] and slugs["Été"] == slugs["ete"]
    assert len({slugs[name] for name in ("Россия", "中国", "中國", "Parents", "Été", "حماية")}) == 6
    assert {slugs["中国"], slugs["中國"]} == {"zhong-guo", "zhong-guo-" + slugs["中國"].rsplit("-", 1)[-1]}


def test_two_different_tags_never_share_a_page(site_src: Path) -> None:
    article = site_src / "content/fr/articles/ecrans.md"
    article.write_text(article.read_text(encoding="utf-8").replace("tags: [Famille]", "tags: [Famille, 中国, 中國, Россия]"),
                       encoding="utf-8")
    pages = every_page(site_src)
    page = pages["fr/articles/ecrans/index.html"]
    links = dict(re.findall(r'<a href="(/fr/themes/[^"]+/)">([^<]+)</a>', page))
    assert len(links) == 4 and set(links.values()) == {"Famille", "中国", "中國", "Россия"}
    for url, name in links.items():
        assert name in pages[url.lstrip("/") + "index.html"]


def test_new_article_with_a_title_in_chinese(site_src: Path) -> None:
    assert main(["new", "article", "中文标题", "--site", str(site_src)]) == 0
    assert (site_src / "content/fr/articles/zhong-wen-biao-ti.md").is_file()


# -- headings -----------------------------------------------------------------------------------------------------------


def test_many_identical_headings_get_unique_ids_in_order() -> None:
    html = make_markdown(False).render("## Same\n\n" * 3000 + "## Same-1\n\n## Main\n")
    ids = re.findall(r'<h2 id="([^"]+)">', html)
    assert ids[:3] == ["same", "same-1", "same-2"] and ids[2999] == "same-2999"
    assert ids[3000] == "same-1-1" and ids[3001] == "main-section"
    assert len(set(ids)) == len(ids)


def test_every_id_the_default_layouts_write_is_kept_clear_of_headings() -> None:
    from generator.render.markup import LAYOUT_IDS, NUMBERED_IDS

    written = {match for path in (REPO / "layouts").rglob("*.html")
               for match in re.findall(r'id="([^"]+)"', path.read_text(encoding="utf-8"))}
    assert written, "no id found in the layouts"
    for found in written:  # region-{{ loop.index }} stands for region-1, region-2…
        example = re.sub(r"\{\{.*?\}\}", "7", found)
        assert example in LAYOUT_IDS or NUMBERED_IDS.fullmatch(example), found


def test_a_heading_named_like_a_layout_or_footnote_id_gets_another_one() -> None:
    html = make_markdown(False).render("Texte[^1]\n\n## Region 1\n\n## fn1\n\n## fnref1\n\n## Search input\n\n"
                                       "[^1]: Une note.\n")
    ids = re.findall(r' id="([^"]+)"', html)
    assert ids == ["fnref1", "region-1-section", "fn1-section", "fnref1-section", "search-input-section", "fn1"]


# -- templates that never end --------------------------------------------------------------------------------------------


def test_a_template_that_extends_itself_names_the_template(site_src: Path) -> None:
    (site_src / "layouts").mkdir(exist_ok=True)
    (site_src / "layouts/article.html").write_text('{% extends "article.html" %}\n', encoding="utf-8")
    with pytest.raises((SiteError, SiteErrors)) as info:
        render_pages(load_site(site_src))
    assert "layouts/article.html" in str(info.value) and "extends itself" in str(info.value)


def test_new_refuses_names_windows_cannot_store(site_src: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["new", "article", "Aux", "--site", str(site_src)]) == 1
    assert main(["new", "fact", "con", "--site", str(site_src)]) == 1
    err = capsys.readouterr().err
    assert "cannot exist on Windows" in err and "cannot be a figure id" in err
    assert not (site_src / "content/fr/articles/aux.md").exists() and not (site_src / "content/facts/con.yaml").exists()


def test_init_where_no_folder_can_be_made_is_a_message(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("x", encoding="utf-8")
    assert main(["init", str(blocker / "site")]) == 1
    assert "cannot create this folder" in capsys.readouterr().err


def test_a_figure_s_slug_in_one_language_is_at_most_100_characters(site_src: Path) -> None:
    fact = site_src / "content/facts/daily-victims.yaml"
    long = "-".join(["mot"] * 30)
    fact.write_text(fact.read_text(encoding="utf-8").replace("fr: victimes-par-jour", f"fr: {long}"), encoding="utf-8")
    with pytest.raises((SiteError, SiteErrors)) as info:
        build(BuildOptions(root=site_src, today=BUILD_DAY))
    assert "(fr) must use only lowercase a-z, 0-9 and single hyphens, at most 100 characters" in str(info.value)


# -- UI strings: a placeholder is a name and nothing more --------------------------------------------------------


@pytest.mark.parametrize("text, problem", [
    ("By {publisher:>1900000000}", "has the placeholder '{publisher:>1900000000}': a placeholder is a name in braces"),
    ("{publisher.__class__.__mro__}", "has the placeholder '{publisher.__class__.__mro__}'"),
    ("{publisher!r}", "has the placeholder '{publisher!r}'"),
    ("{0}", "has the placeholder '{0}'"),
    ("  ", "is empty: pages would show a link or a label without words"),
])
def test_a_ui_string_that_would_fill_pages_with_spaces_python_or_nothing_is_refused_at_its_line(
        site_src: Path, text: str, problem: str) -> None:
    from generator.sources.config import load_config
    from generator.sources.i18n import load_strings

    (site_src / "layouts" / "i18n").mkdir(parents=True)
    (site_src / "layouts" / "i18n" / "en.yaml").write_text(f"footer:\n  about: About\n  published_by: \"{text}\"\n",
                                                           encoding="utf-8")
    with pytest.raises(SiteError) as caught:
        load_strings(load_config(site_src))
    assert (caught.value.source, caught.value.line) == ("layouts/i18n/en.yaml", 3)
    assert f"UI string 'footer.published_by' {problem}" in caught.value.message


# -- text nested too deep -------------------------------------------------------------------------------------------


@pytest.mark.parametrize("body, line", [
    ("".join("  " * i + f"- item {i}\n" for i in range(10)), 9),  # markdown-it shows 9 lists in each other
    ("Intro.\n\n" + ">" * 20 + " deep\n", 2),  # and 19 quotes
])
def test_text_nested_too_deep_to_be_shown_stops_the_build_at_its_line(body: str, line: int) -> None:
    from generator.render.markup import RenderEnv, render_markdown

    env = RenderEnv(source="content/fr/articles/a.md", body_line=5, fact_html=lambda _id: None, resolve_link=lambda _t: None)
    html = render_markdown(make_markdown(False), body, env)
    assert [(err.line, err.message) for err in env.errors] == [
        (5 + line, "this text is nested too deep to be shown: at most 9 lists or 19 quotes inside each other; "
                   "nest it less")]
    assert "deep" not in html and "item 9" not in html  # what markdown-it drops


@pytest.mark.parametrize("body", ["".join("  " * i + f"- item {i}\n" for i in range(9)),
                                  "Intro.\n\n" + ">" * 19 + " deep\n"])
def test_text_nested_as_deep_as_can_be_shown_is_shown(body: str) -> None:
    from generator.render.markup import RenderEnv, render_markdown

    env = RenderEnv(source="content/fr/articles/a.md", body_line=5, fact_html=lambda _id: None, resolve_link=lambda _t: None)
    html = render_markdown(make_markdown(False), body, env)
    assert env.errors == [] and ("item 8" in html or "deep" in html)


@pytest.mark.parametrize("text, line, problem", [
    ("skip_lnk: Skip\n", 1, "unknown UI string 'skip_lnk'; did you mean 'skip_link'?"),
    ("footer:\n  publishd_by: By {publisher}\n", 2,
     "unknown UI string 'footer.publishd_by'; did you mean 'footer.published_by'?"),
    ("nav: Navigation\n", 1, "'nav' is a group of UI strings in the default theme (nav.label, nav.articles, …): "
                             "write its texts below it, one key per line"),
])
def test_a_mistyped_ui_string_key_is_named_in_its_own_file_not_as_missing_from_the_others(
        site_src: Path, text: str, line: int, problem: str) -> None:
    from generator.sources.config import load_config
    from generator.sources.i18n import load_strings

    (site_src / "layouts" / "i18n").mkdir(parents=True)
    (site_src / "layouts" / "i18n" / "en.yaml").write_text(text, encoding="utf-8")
    with pytest.raises(SiteErrors) as caught:
        load_strings(load_config(site_src))
    assert [(e.source, e.line, e.message) for e in caught.value.errors] == [("layouts/i18n/en.yaml", line, problem)]


@pytest.mark.parametrize("newline", ["\r\n", "\r"], ids=["windows", "old-mac"])
def test_a_file_saved_with_other_line_endings_builds_the_same_page(site_src: Path, newline: str) -> None:
    article = site_src / "content/fr/articles/ecrans.md"
    before = every_page(site_src)["fr/articles/ecrans/index.html"]
    article.write_bytes(article.read_text(encoding="utf-8").replace("\n", newline).encode())
    assert every_page(site_src)["fr/articles/ecrans/index.html"] == before  # CR alone: 'the first line must be ---'


@pytest.mark.parametrize("featured, message", [
    ("[nope]", "featured_facts names unknown fact 'nope'; there is no content/facts/nope.yaml"),
    ("[daily-victims, daily-victims]", "featured_facts names 'daily-victims' twice; keep it once"),  # shown twice
])
def test_a_featured_figure_unknown_or_named_twice_is_an_error_at_its_line(site_src: Path, featured: str,
                                                                          message: str) -> None:
    config = site_src / "site.yaml"
    text = re.sub(r"^featured_facts: .*$", f"featured_facts: {featured}", config.read_text(encoding="utf-8"),
                  flags=re.M)
    config.write_text(text, encoding="utf-8")
    line = text.split("\n").index(f"featured_facts: {featured}") + 1
    with pytest.raises((SiteError, SiteErrors)) as caught:
        load_site(site_src)
    errors = caught.value.errors if isinstance(caught.value, SiteErrors) else [caught.value]
    assert [(e.source, e.line, e.message) for e in errors] == [("site.yaml", line, message)]
