"""Properties of names: slugs are clean, and no slug or path escapes the output folder."""

from __future__ import annotations

import posixpath
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from generator.core.errors import SiteError
from generator.model import OutputFile
from generator.output.writer import plan_files, write_output
from generator.core import messages
from generator.core.paths import base_url_problem, output_path, page_url, safe_relpath, slugify, swap_language

SEGMENT = st.text(min_size=1, max_size=20)


@given(st.text())
def test_slugify_yields_only_clean_characters_and_is_idempotent(text: str) -> None:
    slug = slugify(text)
    assert slug and all(c in "abcdefghijklmnopqrstuvwxyz0123456789-" for c in slug)
    assert slugify(slug) == slug


@pytest.mark.parametrize("text, slug", [("Été 2022", "ete-2022"), ("  L'ICSE d'INTERPOL ", "l-icse-d-interpol"),
                                        ("../../etc", "etc"), ("", "x")])
def test_slugify_examples(text: str, slug: str) -> None:
    assert slugify(text) == slug


@given(st.lists(SEGMENT, min_size=1, max_size=4))
def test_any_segments_give_a_path_inside_the_output_or_an_error(segments: list[str]) -> None:
    try:
        rel = output_path(page_url("fr", *segments))
    except SiteError:
        return
    assert not rel.startswith(("/", "../")) and ".." not in Path(rel).parts
    assert posixpath.normpath(rel) == rel


@given(st.text(max_size=40))
def test_safe_relpath_never_leaves_the_folder(path: str) -> None:
    try:
        rel = safe_relpath(path)
    except SiteError:
        return
    assert not Path(rel).is_absolute()
    assert ".." not in Path(rel).parts


@settings(max_examples=40, deadline=None)
@given(st.text(alphabet="ab./\\%2e", min_size=1, max_size=12))
def test_writer_never_writes_outside_the_output_folder(tmp_path_factory: pytest.TempPathFactory, name: str) -> None:
    base = tmp_path_factory.mktemp("w")
    out = base / "out"
    try:
        files = plan_files([OutputFile(path=name, data=b"x", origin="test")])
        write_output(files, out)
    except (SiteError, IsADirectoryError, NotADirectoryError, FileExistsError):
        pass
    for path in base.rglob("*"):
        assert path == out or out in path.parents, path


#: A slug: [a-z0-9]+(-[a-z0-9]+)*, drawn as its parts (st.from_regex draws the same strings, five times slower).
SLUG = st.lists(st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789", min_size=1), min_size=1).map("-".join)


@given(st.sampled_from(["fr", "en"]), st.lists(SLUG, max_size=3))
def test_swapping_the_language_prefix_round_trips(lang: str, segments: list[str]) -> None:
    url = page_url(lang, *segments)
    other = "en" if lang == "fr" else "fr"
    assert swap_language(swap_language(url, lang, other), other, lang) == url


@pytest.mark.parametrize("url, path", [("/", "index.html"), ("/fr/", "fr/index.html"),
                                       ("/fr/chiffres/x/", "fr/chiffres/x/index.html"),
                                       ("/sitemap.xml", "sitemap.xml"), ("/404.html", "404.html")])
def test_output_path_table(url: str, path: str) -> None:
    assert output_path(url) == path


def test_two_sources_for_one_path_name_both() -> None:
    with pytest.raises(SiteError) as info:
        plan_files([OutputFile("fr/a/index.html", b"1", "content/fr/a.md"),
                    OutputFile("fr/a/./index.html", b"2", "content/fr/b.md")])
    assert "content/fr/a.md" in str(info.value) and "content/fr/b.md" in str(info.value)


@pytest.mark.parametrize(("url", "english", "french"), [
    ("example.org", "must be an absolute address starting with https:// (or http://);",
     "doit être une adresse absolue commençant par https:// (ou http://) ;"),
    ("https://a.org/?x=1", "must not have a '?' query or a '#' fragment;", "ne doit avoir ni requête '?' ni fragment '#' ;"),
    ("https://me@a.org/", "must not hold a user name or password;", "ne doit contenir ni nom d'utilisateur ni mot de passe ;"),
    # Accepted, then every link carried it: <loc>https://x.org/a/../fr/</loc>, href="/a/../assets/…"
    ("https://a.org/a/../", "has '.', '..' or an empty part ('//') in its path, or an escape such as %ZZ, %00 or %2F: "
     "browsers and servers read such an address differently;", "a '.', '..' ou une partie vide ('//') dans son chemin, "
     "ou un échappement comme %ZZ, %00 ou %2F : navigateurs et serveurs lisent une telle adresse différemment ;"),
])
def test_a_base_url_problem_is_one_sentence_that_starts_with_its_subject(url: str, english: str, french: str) -> None:
    example = "https://www.example.org/ or https://example.org/campaign/"
    assert base_url_problem(url, "base_url") == f"base_url {english} write it like {example}"
    assert base_url_problem(url) == f"{english} write it like {example}"  # the caller writes the address before it
    try:
        messages.activate("fr")
        assert base_url_problem(url, "--base-url") == \
            f"--base-url {french} écrivez-la comme https://www.example.org/ ou https://example.org/campaign/"
    finally:
        messages.activate("en")
    assert base_url_problem("https://example.org/campaign/", "base_url") is None
    for odd in ("https://a.org/./", "https://a.org//", "https://a.org/a//b/", "https://a.org/%ZZ/", "https://a.org/%00/"):
        assert base_url_problem(odd, "base_url") is not None, odd
    assert base_url_problem("https://a.org/caf%C3%A9/", "base_url") is None
