"""Search: the Pagefind index the build makes of the staged output, per language, and the search pages.

What the index holds is read back from Pagefind's own files (each fragment is a
gzip'd JSON record of one page: its address and text), so these tests check
what a visitor's browser would search, not what the build meant to write.
"""

from __future__ import annotations

import gzip
import json
import os
import re
import shutil
import tempfile
from pathlib import Path

import pytest

from conftest import BUILD_DAY, build_copy
from generator.build import BuildOptions, build
from generator.core.errors import SiteError
from generator.output import search as search_stage
from generator.output import search_memory


def indexed(out: Path, bundle: str = "pagefind") -> dict[str, dict[str, str]]:
    """Return what the index in ``bundle`` holds: language → page address → its text."""
    entry = json.loads((out / bundle / "pagefind-entry.json").read_text(encoding="utf-8"))
    found: dict[str, dict[str, str]] = {lang: {} for lang in entry["languages"]}
    for fragment in sorted((out / bundle / "fragment").glob("*.pf_fragment")):
        record = json.loads(gzip.decompress(fragment.read_bytes()).removeprefix(b"pagefind_dcd"))
        lang = fragment.name.split("_")[0]
        found[lang][record["url"]] = record["content"]
    for lang, info in entry["languages"].items():
        assert info["page_count"] == len(found[lang]), lang
    return found


def marked_pages(out: Path) -> dict[str, set[str]]:
    """Return the pages whose <main> asks to be indexed, by the language of their <html lang>."""
    marked: dict[str, set[str]] = {}
    for page in out.rglob("*.html"):
        html = page.read_text(encoding="utf-8")
        if re.search(r"<main [^>]*data-pagefind-body", html):
            lang = re.search(r'<html lang="([^"]+)"', html).group(1)  # type: ignore[union-attr]
            url = "/" + page.parent.relative_to(out).as_posix() + "/"
            marked.setdefault(lang, set()).add(url)
    return marked


def test_an_index_per_language_holds_articles_pages_fact_sheets_and_figures(built_site) -> None:
    result, out = built_site
    found = indexed(out)
    assert sorted(found) == ["en", "fr"]
    assert {lang: set(pages) for lang, pages in found.items()} == marked_pages(out)
    for lang in ("fr", "en"):
        urls = set(found[lang])
        assert all(url.startswith(f"/{lang}/") for url in urls), urls
        kinds = {page.kind.value for page in result.site.pages if page.lang == lang and page.url in urls}
        assert kinds == {"article", "page", "resource", "fact"}, (lang, kinds)
    assert "/fr/ressources/fiche-parents/" in found["fr"]  # a fact sheet, by its HTML page
    assert "/en/facts/victims-per-day/" in found["en"]
    assert not any(url in found["fr"] for url in ("/fr/", "/fr/articles/", "/fr/recherche/"))
    body = (out.parent / "content" / "fr" / "articles" / "ecrans.md").read_text(encoding="utf-8").split("---")[-1]
    word = max(re.findall(r"[a-zàâçéèêëîïôûùüÿœ]{6,}", body.lower()), key=len)
    assert word in found["fr"]["/fr/articles/ecrans/"].lower()


def test_the_search_page_of_each_language_and_its_link(built_site) -> None:
    _result, out = built_site
    for lang, folder, label in (("fr", "recherche", "Rechercher"), ("en", "search", "Search")):
        html = (out / lang / folder / "index.html").read_text(encoding="utf-8")
        assert f'<html lang="{lang}"' in html
        assert 'data-bundle="/pagefind/pagefind.js"' in html
        assert re.search(r'<form class="search__form" role="search" action="/%s/%s/"' % (lang, folder), html)
        sections = _result.site.config.sections
        for section in ("articles", "facts", "resources", "tags"):  # where to go without JavaScript
            assert f'<li><a href="/{lang}/{sections[section][lang]}/">' in html, section
        home = (out / lang / "index.html").read_text(encoding="utf-8")
        assert f'<a href="/{lang}/{folder}/">{label}</a>' in home
    assert (out / "pagefind" / "pagefind.js").is_file()
    assert not list((out / "pagefind").glob("pagefind-ui*")), "Pagefind's own interfaces are not published"
    headers = (out / "_headers").read_text(encoding="utf-8")
    assert "script-src 'self' 'wasm-unsafe-eval';" in headers and "'unsafe-eval'" not in headers.replace(
        "'wasm-unsafe-eval'", "")


def test_drafts_and_later_pages_are_never_indexed(site_src: Path, tmp_path: Path) -> None:
    _result, out = build_copy(site_src, tmp_path, drafts=True)
    assert (out / "fr" / "articles" / "brouillon" / "index.html").is_file()  # in the output with --drafts
    assert (out / "fr" / "articles" / "futur" / "index.html").is_file()
    found = indexed(out)
    assert "/fr/articles/brouillon/" not in found["fr"]
    assert "/fr/articles/futur/" not in found["fr"]
    assert "/fr/articles/ecrans/" in found["fr"]


def test_search_false_makes_no_index_no_page_and_no_wasm_in_the_policy(site_src: Path, tmp_path: Path) -> None:
    with (site_src / "site.yaml").open("a", encoding="utf-8") as config:
        config.write("search: false\n")
    result, out = build_copy(site_src, tmp_path)
    assert not (out / "pagefind").exists()
    assert not (out / "fr" / "recherche").exists() and not (out / "en" / "search").exists()
    assert "search" not in result.timings
    assert "recherche" not in (out / "fr" / "index.html").read_text(encoding="utf-8")
    assert "wasm-unsafe-eval" not in (out / "_headers").read_text(encoding="utf-8")
    published = {p.name.split(".")[0] for p in (out / "assets").rglob("*") if p.is_file()}
    assert "search" not in published and "site" in published  # only the search page loaded search.js and .css


def test_two_builds_make_the_same_index_and_the_second_does_nothing(site_src: Path, tmp_path: Path) -> None:
    first, out = build_copy(site_src, tmp_path)
    assert first.timings["search"] > 0
    before = {p.relative_to(out).as_posix(): p.read_bytes() for p in (out / "pagefind").rglob("*") if p.is_file()}
    assert build_copy(site_src, tmp_path)[0].up_to_date
    (out / "pagefind" / "stray.txt").write_text("planted", encoding="utf-8")
    (out / "pagefind" / "pagefind.js").unlink()
    again, _out = build_copy(site_src, tmp_path)
    assert not again.up_to_date
    after = {p.relative_to(out).as_posix(): p.read_bytes() for p in (out / "pagefind").rglob("*") if p.is_file()}
    assert after == before  # the planted file is gone, the removed one is back, the rest byte for byte
    other = tmp_path / "other"
    other.mkdir()
    _r, elsewhere = build_copy(site_src, other, use_cache=False)
    assert {p.relative_to(elsewhere).as_posix(): p.read_bytes()
            for p in (elsewhere / "pagefind").rglob("*") if p.is_file()} == before


def _stamped(out: Path) -> dict[str, int]:
    """Return every path of a published output → its modification time."""
    return {p.relative_to(out).as_posix(): p.stat().st_mtime_ns for p in out.rglob("*")}


def _built_then_edited(site: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                       pagefind: str) -> tuple[Path, dict[str, int]]:
    """Build the site, then edit an article and put ``pagefind`` (a shell script) in Pagefind's place:
    return the output and its stamps before the next build."""
    _result, out = build_copy(site, tmp_path)
    before = _stamped(out)
    program = tmp_path / "pagefind"
    program.write_text(pagefind, encoding="utf-8")
    program.chmod(0o755)
    monkeypatch.setattr(search_stage, "pagefind_executable", lambda: program)
    (site / "content" / "fr" / "articles" / "ecrans.md").write_text(
        "---\ntitle: Changé\ndate: 2022-01-01\n---\n\nUn texte changé.\n", encoding="utf-8")
    return out, before


def test_a_failed_pagefind_run_leaves_the_published_site_untouched(site_src: Path, tmp_path: Path,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    out, before = _built_then_edited(site_src, tmp_path, monkeypatch,
                                     "#!/bin/sh\necho 'Error: something went wrong' >&2\nexit 3\n")
    with pytest.raises(SiteError) as caught:
        build(BuildOptions(root=site_src, out=out, today=BUILD_DAY))
    assert "Pagefind: Error: something went wrong" in str(caught.value)
    assert _stamped(out) == before
    assert not [p for p in out.parent.iterdir() if ".vigie-new-" in p.name]


def test_an_entry_file_pagefind_left_empty_is_an_error_and_the_published_site_stays(
        site_src: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # As Pagefind does on a full disk: it ends well, its entry file empty.
    out, before = _built_then_edited(site_src, tmp_path, monkeypatch,
                                     '#!/bin/sh\nwhile [ "$1" != --output-path ]; do shift; done\nmkdir -p "$2"\n'
                                     ': > "$2/pagefind-entry.json"\n')
    with pytest.raises(SiteError) as caught:
        build(BuildOptions(root=site_src, out=out, today=BUILD_DAY))
    assert str(caught.value) == ("the search index could not be made (Pagefind left pagefind-entry.json missing, "
                                 "empty or unreadable: is the disk full?); the published site was not changed")
    assert _stamped(out) == before
    assert not [p for p in out.parent.iterdir() if ".vigie-new-" in p.name]


def test_pagefind_settings_of_the_computer_do_not_change_the_index(site_src: Path, tmp_path: Path,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    _r, plain = build_copy(site_src, tmp_path / "a")
    monkeypatch.setenv("PAGEFIND_FORCE_LANGUAGE", "fr")
    monkeypatch.setenv("PAGEFIND_EXCLUDE_SELECTORS", "p")
    monkeypatch.chdir(tmp_path)
    (tmp_path / "pagefind.yml").write_text("force_language: fr\n", encoding="utf-8")
    _r, other = build_copy(site_src, tmp_path / "b", use_cache=False)
    assert indexed(other) == indexed(plain)
    assert os.environ["PAGEFIND_FORCE_LANGUAGE"] == "fr"


def test_the_preview_serves_an_index_of_the_pages_in_memory_made_when_asked(site_src: Path) -> None:
    from generator.commands.serve import LiveSite, SiteApp, classify_change

    live = LiveSite(BuildOptions(root=site_src, today=BUILD_DAY))
    assert live.rebuild("all")
    app = SiteApp(live, 8000)

    def get(path: str) -> bytes:
        answer = app.answer("GET", path, "127.0.0.1:8000")
        assert answer.status == 200, path
        return answer.body

    entry = json.loads(get("/pagefind/pagefind-entry.json"))
    assert sorted(entry["languages"]) == ["en", "fr"]
    assert get("/pagefind/pagefind.js")

    def french_text() -> str:  # what the index served now holds of the French pages, fetched as a browser would
        names = [rel for rel in live._search[1] if rel.startswith("pagefind/fragment/fr_")]  # type: ignore[index]
        return " ".join(gzip.decompress(get("/" + name)).decode("utf-8") for name in names).lower()

    assert "zygomorphe" not in french_text()
    page = site_src / "content" / "fr" / "articles" / "ecrans.md"
    page.write_text(page.read_text(encoding="utf-8") + "\nZygomorphe.\n", encoding="utf-8")
    assert live.rebuild(classify_change(page, site_src), [page.relative_to(site_src).as_posix()])
    entry = json.loads(get("/pagefind/pagefind-entry.json"))  # made again, for the new build
    assert "zygomorphe" in french_text()


def test_a_site_below_a_folder_loads_its_search_from_that_folder(site_src: Path, tmp_path: Path) -> None:
    _result, out = build_copy(site_src, tmp_path, base_url="https://example.org/campagne/")
    html = (out / "en" / "search" / "index.html").read_text(encoding="utf-8")
    assert 'data-bundle="/campagne/pagefind/pagefind.js"' in html  # pagefind.js then finds its index beside it
    assert 'action="/campagne/en/search/"' in html
    assert '<a href="/campagne/en/search/"' in (out / "en" / "index.html").read_text(encoding="utf-8")


def test_a_file_of_the_site_in_the_search_folder_is_refused_before_anything_is_written(
        site_src: Path, tmp_path: Path) -> None:
    claimed = site_src / "assets" / "root" / "pagefind" / "fragment" / "en_0000000.pf_fragment"
    claimed.parent.mkdir(parents=True)
    claimed.write_bytes(b"mine")
    with pytest.raises(Exception) as info:
        build_copy(site_src, tmp_path)
    assert ("assets/root/pagefind/fragment/en_0000000.pf_fragment writes pagefind/fragment/en_0000000.pf_fragment, "
            "in the folder of the search index (pagefind/)") in str(info.value)
    assert not (tmp_path / "public").exists()
    with (site_src / "site.yaml").open("a", encoding="utf-8") as config:
        config.write("search: false\n")
    _result, out = build_copy(site_src, tmp_path)  # without search the folder is the site's
    assert (out / "pagefind" / "fragment" / "en_0000000.pf_fragment").read_bytes() == b"mine"


def test_the_index_is_written_once_into_the_new_tree_and_unchanged_files_stay_the_same_files(
        site_src: Path, tmp_path: Path) -> None:
    """Pagefind writes into the staged tree; only what the search page needs stays (no empty folder), and
    after an edit the index files whose bytes did not change are hard links to the previous ones (so a
    deploy that compares times sends only what changed), with their compressed copies."""
    first, out = build_copy(site_src, tmp_path)
    files = {p.relative_to(out).as_posix() for p in (out / "pagefind").rglob("*") if p.is_file()}
    assert files and all(search_stage._KEPT.fullmatch(f.removeprefix("pagefind/").removesuffix(".br")
                                                      .removesuffix(".gz")) for f in files)
    assert not [p for p in (out / "pagefind").rglob("*") if p.is_dir() and not any(p.iterdir())]
    assert (out / "pagefind" / "pagefind.js.br").is_file()
    assert {w.path for w in first.written} >= {f for f in files if not f.endswith((".br", ".gz"))}
    inodes = {f: (out / f).stat().st_ino for f in files}
    article = site_src / "content" / "fr" / "articles" / "ecrans.md"
    article.write_text(article.read_text(encoding="utf-8") + "\nUn mot nouveau : périscope.\n", encoding="utf-8")
    again, _out = build_copy(site_src, tmp_path)
    kept = {f for f in files if (out / f).is_file() and (out / f).stat().st_ino == inodes[f]}
    unchanged = {w.path for w in again.written if w.unchanged and w.path.startswith("pagefind/")}
    assert "pagefind/pagefind.js" in unchanged and "pagefind/pagefind.js.br" in kept
    assert unchanged <= kept and len(unchanged) < len(files)  # the fragment of the edited page is new
    assert any("périscope" in text for text in indexed(out)["fr"].values())


def runs_of(indexed: list[str], sizes: dict[str, int] | None = None, limit: int | None = None) -> list[search_stage.Run]:
    """Pagefind's runs over ``indexed`` pages (100 bytes each unless ``sizes`` says), every one marked."""
    return search_stage.plan_runs(indexed, sizes or dict.fromkeys(indexed, 100), set(indexed).__contains__, limit)


def test_pagefind_runs_once_per_top_level_folder_of_the_pages_to_index() -> None:
    Run = search_stage.Run
    assert runs_of(["fr/articles/a/index.html", "en/articles/a/index.html", "fr/x/index.html"]) == [Run("en"), Run("fr")]
    assert [run.glob for run in runs_of(["fr/a/index.html", "en/a/index.html"])] == ["en/**/*.html", "fr/**/*.html"]
    assert runs_of(["fr/articles/a/index.html", "fr/b/index.html"]) == [Run("fr")]  # one folder
    assert runs_of(["fr/a/index.html", "en/a/index.html", "index.html"]) == []  # a page at the root: one run over all
    assert runs_of(["fr/a/index.html", "e*n/a/index.html"]) == []  # not a plain folder name
    assert runs_of([]) == []


def test_a_heavy_folder_is_indexed_in_parts_each_light_enough_and_with_a_page_to_index() -> None:
    """Pagefind's memory is about 14 times the HTML one run reads: a folder heavier than the limit is cut,
    in the order of its paths, into parts of about equal weight (not three full parts and a last one of a
    page), each with a page to index (a run without one would index every page whole)."""
    sizes = {f"fr/a{i:02}/index.html": 100 for i in range(10)}
    sizes |= {"fr/index.html": 250, "fr/zz/index.html": 500, "fr/zz/list/index.html": 80, "en/a/index.html": 900}
    indexed = [path for path in sizes if path not in ("fr/index.html", "fr/zz/list/index.html")]
    runs = runs_of(indexed, sizes, limit=300)
    assert runs[0] == search_stage.Run("en")  # 900 bytes, but its only page
    parts = runs[1:]
    assert [run.part for run in parts] == list(range(1, len(parts) + 1)) and len(parts) > 3
    assert [run.folder for run in parts[:2]] == ["", "parts/fr/2/"]
    in_order = sorted((path for path in sizes if path.startswith("fr/")), key=lambda path: path.split("/"))
    assert [page for run in parts for page in run.pages] == in_order  # every page once, in the order of paths
    for run in parts:
        weight = sum(sizes[page] for page in run.pages)
        assert weight <= 300 or len([page for page in run.pages if page in indexed]) == 1, run
        assert set(run.pages) & set(indexed), run
    assert ("fr/zz/index.html", "fr/zz/list/index.html") in [run.pages for run in parts]  # the list page: not alone
    assert runs_of(indexed, sizes, limit=10_000) == [search_stage.Run("en"), search_stage.Run("fr")]
    even = {f"fr/a{i:02}/index.html": 100 for i in range(10)}  # 1,000 bytes: 4 parts of 300 at most
    assert [len(run.pages) for run in runs_of(list(even), even, limit=300)] == [2, 3, 2, 3]


def test_one_run_per_language_writes_the_index_one_run_over_all_writes(tmp_path: Path,
                                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    """Four languages, Arabic among them: the same files, byte for byte, as one Pagefind run over the site
    (whose memory is the whole site's, where each run's is one language's)."""
    fixture = Path(__file__).parent / "fixtures" / "site4"
    out_split, out_single = tmp_path / "split", tmp_path / "single"
    build(BuildOptions(root=fixture, out=out_split, today=BUILD_DAY, use_cache=False))
    monkeypatch.setattr(search_stage, "plan_runs", lambda *args, **kwargs: [])
    build(BuildOptions(root=fixture, out=out_single, today=BUILD_DAY, use_cache=False))

    def files(out: Path) -> dict[str, bytes]:
        return {p.relative_to(out).as_posix(): p.read_bytes() for p in (out / "pagefind").rglob("*") if p.is_file()}

    split = files(out_split)
    assert split == files(out_single)
    assert len(json.loads(split["pagefind/pagefind-entry.json"])["languages"]) == 4


def test_one_language_in_two_folders_is_indexed_in_one_run(tmp_path: Path) -> None:
    """A layout that writes the same <html lang> in every folder: runs per folder would each make that
    language's index, the second over the first; Pagefind then runs once over the whole site."""
    site = tmp_path / "site"
    for folder in ("fr", "en"):
        for name in ("a", "b"):
            page = site / folder / name / "index.html"
            page.parent.mkdir(parents=True)
            page.write_text(f'<!doctype html><html lang="fr"><head><title>{folder} {name}</title></head><body>'
                            f'<main data-pagefind-body><p>mot{folder}{name}</p></main></body></html>', encoding="utf-8")
    bundle = tmp_path / "bundle"
    search_stage._pagefind(site, bundle, runs_of(
        [f"{folder}/{name}/index.html" for folder in ("fr", "en") for name in ("a", "b")]))
    entry = json.loads((bundle / "pagefind-entry.json").read_text(encoding="utf-8"))
    assert list(entry["languages"]) == ["fr"] and entry["languages"]["fr"]["page_count"] == 4


def bundle_files(bundle: Path) -> dict[str, bytes]:
    return {p.relative_to(bundle).as_posix(): p.read_bytes() for p in bundle.rglob("*") if p.is_file()}


def test_the_index_does_not_depend_on_the_order_the_pages_were_written(tmp_path: Path) -> None:
    """Pagefind numbers the pages in the order their folders list them, and the two page workers write
    them in a different order at each build. The same pages, written in opposite orders (in a memory
    folder when the system has one: it lists files in the order they were made), give the same index."""
    words = ["abri", "balise", "cadre", "digue", "écluse", "falaise", "gué", "havre", "île", "jetée"]
    pages = {f"{lang}/articles/p{i:02}/index.html":
             f'<!doctype html><html lang="{lang}"><head><title>{lang} {i}</title></head><body><main '
             f'data-pagefind-body><h1>{words[i % 10]} {i}</h1><p>{" ".join(words[: i % 10 + 1])}</p></main></body></html>'
             for lang in ("fr", "en") for i in range(24)}
    made: list[dict[str, bytes]] = []
    with tempfile.TemporaryDirectory(dir=search_stage._memory_folder()) as work:
        for name, order in (("forward", sorted(pages)), ("backward", sorted(pages, reverse=True))):
            site = Path(work) / name
            for rel in order:
                (site / rel).parent.mkdir(parents=True, exist_ok=True)
                (site / rel).write_text(pages[rel], encoding="utf-8")
            (site / "index.html").write_text("<!doctype html><html lang=fr><title>x</title></html>", encoding="utf-8")
            bundle = tmp_path / name
            with search_stage.reading_folder(site, [*pages, "index.html"]) as folder:
                search_stage._pagefind(folder, bundle, runs_of(list(pages)))
            made.append(bundle_files(bundle))
    assert made[0] == made[1]
    assert len([rel for rel in made[0] if rel.startswith("fragment/")]) == 48


def test_the_preview_makes_the_index_the_build_makes(built_site) -> None:
    _result, out = built_site
    pages = {p.relative_to(out).as_posix(): p.read_bytes() for p in out.rglob("*.html")}
    built = {rel: data for rel, data in bundle_files(out / "pagefind").items() if not rel.endswith((".br", ".gz"))}
    assert {rel.removeprefix("pagefind/"): data for rel, data in search_stage.index_files(pages).items()} == built


def test_without_links_pagefind_reads_the_staged_pages_themselves(site_src: Path, tmp_path: Path,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    """A system where this user may not make symbolic links, a full /dev/shm, or none usable: the same index."""
    _r, linked = build_copy(site_src, tmp_path / "a")

    def refuse(*_args: object, **_kwargs: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(search_stage.os, "symlink", refuse)
    _r, plain = build_copy(site_src, tmp_path / "b", use_cache=False)
    assert indexed(plain) == indexed(linked)
    monkeypatch.undo()
    monkeypatch.setattr(search_stage, "_memory_folder", lambda: str(tmp_path / "no-such-folder"))
    _r, elsewhere = build_copy(site_src, tmp_path / "c", use_cache=False)
    assert indexed(elsewhere) == indexed(linked)


def test_the_folder_pagefind_reads_lists_the_pages_in_the_order_of_their_paths(tmp_path: Path) -> None:
    """What the index's bytes rest on: every folder Pagefind walks lists its entries by name."""
    pages = ["fr/b/index.html", "fr/a-z/index.html", "fr/a/x/index.html", "fr/a/index.html", "en/c/index.html",
             "index.html", "fr/a/y.html"]
    for rel in pages:
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text("<p>x</p>", encoding="utf-8")
    with search_stage.reading_folder(tmp_path, pages) as folder:
        assert folder != tmp_path
        for top, dirs, files in os.walk(folder):
            listed = os.listdir(top)
            assert listed == sorted(listed), top
        assert sorted((Path(top) / name).relative_to(folder).as_posix()
                      for top, _dirs, files in os.walk(folder) for name in files) == sorted(pages)
        assert (folder / "fr" / "a" / "y.html").read_text(encoding="utf-8") == "<p>x</p>"
    if search_stage._memory_folder() is not None:
        with tempfile.TemporaryDirectory(dir=search_stage._memory_folder()) as work:
            assert search_stage.listing_order(Path(work)) in {"made", "reverse", "name"}


def _site4(tmp_path: Path) -> Path:
    site = tmp_path / "site4"
    shutil.copytree(Path(__file__).parent / "fixtures" / "site4", site, ignore=shutil.ignore_patterns(".vigie-cache"))
    return site


def _rebuilt(site: Path, out: Path, caplog: pytest.LogCaptureFixture) -> list[str]:
    """Build ``site`` into ``out`` again; check every file is what a build from scratch makes; return what
    the build said it took from the published output."""
    caplog.clear()
    caplog.set_level("DEBUG", logger="generator.output.search")
    build(BuildOptions(root=site, out=out, today=BUILD_DAY))
    scratch = out.parent / "scratch"
    shutil.rmtree(scratch, ignore_errors=True)
    build(BuildOptions(root=site, out=scratch, today=BUILD_DAY, use_cache=False))
    assert bundle_files(out) == bundle_files(scratch)
    return [record.getMessage() for record in caplog.records if "taken from the published output" in record.getMessage()]


def test_a_language_whose_pages_did_not_change_keeps_its_index_and_the_output_is_a_full_builds(
        tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    """Four languages; one Dutch article edited: Pagefind runs over the Dutch folder only, and every file
    of the new output, the index included, is what a build from scratch makes."""
    site, out = _site4(tmp_path), tmp_path / "public"
    build(BuildOptions(root=site, out=out, today=BUILD_DAY))
    page = site / "content" / "nl" / "articles" / "recordjaar.md"
    page.write_text(page.read_text(encoding="utf-8") + "\nZeldzaam woord: periscoop.\n", encoding="utf-8")
    assert _rebuilt(site, out, caplog) == ["search index: ar, en, fr taken from the published output"]
    assert any("periscoop" in text for text in indexed(out)["nl"].values())


def test_an_index_file_changed_by_hand_or_a_page_removed_makes_its_language_indexed_again(
        tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    site, out = _site4(tmp_path), tmp_path / "public"
    build(BuildOptions(root=site, out=out, today=BUILD_DAY))
    fragment = sorted((out / "pagefind" / "fragment").glob("en_*"))[0]
    fragment.write_bytes(fragment.read_bytes() + b"x")  # the English index, edited by hand
    (site / "content" / "ar" / "articles").joinpath("extra.md").write_text(
        "---\ntitle: مقال إضافي\ndate: 2022-05-25\n---\n\nنص.\n", encoding="utf-8")  # the Arabic folder changes
    assert _rebuilt(site, out, caplog) == ["search index: fr, nl taken from the published output"]
    (site / "content" / "ar" / "articles" / "extra.md").unlink()  # a page removed: its folder's list changed
    assert _rebuilt(site, out, caplog) == ["search index: en, fr, nl taken from the published output"]


def test_a_language_indexed_in_parts_holds_every_page_once_and_keeps_its_parts_when_unchanged(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture) -> None:
    """With parts of at most 20 KB of HTML, each language of the four-language site is indexed in parts:
    together they hold each page to index once; parts.json lists them for the search page; the preview
    makes the same files; an edit of one language indexes that language again and takes the others'."""
    monkeypatch.setattr(search_stage, "PART_BYTES", 20_000)
    site, out = _site4(tmp_path), tmp_path / "public"
    build(BuildOptions(root=site, out=out, today=BUILD_DAY))
    search = out / "pagefind"
    parts = json.loads((search / "parts.json").read_text(encoding="utf-8"))
    assert sorted(parts) == ["ar", "en", "fr", "nl"] and all(parts.values())
    found = indexed(out)
    for lang, folders in parts.items():
        assert all(folder.startswith(f"parts/{lang}/") and folder.endswith("/") for folder in folders)
        for folder in folders:
            names = {p.relative_to(search / folder).as_posix() for p in (search / folder).rglob("*") if p.is_file()}
            assert not any(name.startswith(("pagefind.js", "pagefind-worker", "wasm.")) for name in names), names
            part = indexed(out, f"pagefind/{folder}")
            assert list(part) == [lang] and not part[lang].keys() & found[lang].keys()
            found[lang] |= part[lang]
    assert {lang: set(pages) for lang, pages in found.items()} == marked_pages(out)

    pages = {p.relative_to(out).as_posix(): p.read_bytes() for p in out.rglob("*.html")}
    built = {rel: data for rel, data in bundle_files(search).items() if not rel.endswith((".br", ".gz"))}
    assert {rel.removeprefix("pagefind/"): data for rel, data in search_stage.index_files(pages).items()} == built

    page = site / "content" / "nl" / "articles" / "recordjaar.md"
    page.write_text(page.read_text(encoding="utf-8") + "\nZeldzaam woord: periscoop.\n", encoding="utf-8")
    assert _rebuilt(site, out, caplog) == ["search index: ar, en, fr taken from the published output"]
    nl = {url: text for folder in ["pagefind", *(f"pagefind/{f}" for f in parts["nl"])]
          for url, text in indexed(out, folder)["nl"].items()}
    assert any("periscoop" in text for text in nl.values())


def test_the_files_of_a_language_are_named_by_it() -> None:
    languages = {"en": {"hash": "en_1a", "wasm": "en"}, "pt-br": {"hash": "pt-br_2b", "wasm": "unknown"}}
    names = ["pagefind.js", "pagefind-entry.json", "wasm.en.pagefind", "wasm.fr.pagefind", "wasm.unknown.pagefind",
             "pagefind.en_1a.pf_meta", "pagefind.fr_3c.pf_meta", "index/en_x.pf_index", "index/en-gb_x.pf_index",
             "fragment/pt-br_y.pf_fragment", "filter/en_z.pf_filter", "fragment/fr_y.pf_fragment"]
    assert search_memory.language_files(names, languages) == [
        "wasm.en.pagefind", "wasm.unknown.pagefind", "pagefind.en_1a.pf_meta", "index/en_x.pf_index",
        "fragment/pt-br_y.pf_fragment", "filter/en_z.pf_filter"]


def test_a_pagefind_stopped_by_a_signal_is_named_by_it() -> None:
    # "(Pagefind: -25)": a file size limit (ulimit -f) stopped it, which the number did not say.
    from generator.output.search import _ended

    assert _ended(-25) == "SIGXFSZ" and _ended(-9) == "SIGKILL" and _ended(3) == "3"
