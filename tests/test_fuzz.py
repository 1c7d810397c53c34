"""Fuzzing: whatever an editor writes, a build ends in success or in `path:line: error:` lines, never exit 3.

Hypothesis writes front matter, a figure's YAML and Markdown with arbitrary
text, numbers, dates and nesting into a small bilingual site, builds it with the
command line, and checks: exit 0, or exit 1 with only well-formed error lines;
never an internal error; after a failure, the previous output byte for byte.
Bounded by `MAX_EXAMPLES`, shared by four tests (which input is wild).
"""

from __future__ import annotations

import hashlib
import io
import re
from contextlib import redirect_stderr, redirect_stdout
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from generator.cli import main

MAX_EXAMPLES = 400

SITE = """\
title: {fr: Essai, en: Trial}
base_url: https://fuzz.example.org/
languages: [fr, en]
default_language: fr
help:
  - name: {fr: Secours, en: Emergency}
    phone: "112"
"""
ARTICLE = "---\ntitle: {title}\ndate: 2022-05-25\n---\n\nTexte.\n"
FACT = {"value": 12500, "label": {"fr": "victimes", "en": "victims"},
        "source": {"publisher": "INTERPOL", "url": "https://www.interpol.int/", "date": "2022-05-25"}}

#: An error line as the command prints it: ``path:line: error: …``, ``path: error: …`` or ``error: …``.
ERROR_LINE = re.compile(r"^(?:[^\s:][^:]*(?::\d+)?: )?error: \S")
#: A line of the file shown under a YAML error (``  12 |   url: x``), or the caret under it.
EXCERPT_LINE = re.compile(r"^  [ \d]* \| ")

# Text of every kind (control characters included), but no lone surrogates (a file cannot hold them).
TEXT = st.text(st.characters(exclude_categories=("Cs",)), max_size=40)
# What an editor types: any letters, figures, punctuation and spaces of any script.
WRITTEN = st.text(st.characters(exclude_categories=("Cs", "Cc", "Co", "Cn")), min_size=1, max_size=40).filter(
    lambda text: text.strip() != "")
WORDS = st.sampled_from(["fact", "{{<", ">}}", "{{< fact daily >}}", "[x](b.md)", "[^1]", "[^1]: note", "# ", "## ",
                         "|", "---", "\n", "\n\n", "*", "`", "<script>", "![](/assets/x.png)", "é", "中国", "\t"])
NUMBERS = st.one_of(st.integers(), st.integers(min_value=-(10 ** 300), max_value=10 ** 300), st.floats(),
                    st.sampled_from([0, 2021, 10 ** 15, -1, 0.5]))
SCALARS = st.one_of(TEXT, NUMBERS, st.booleans(), st.none(), st.dates(), st.datetimes(),
                    st.sampled_from(["2022-05-25", "20220525", "2022W213", "fr", "number", "about", "https://x.org/"]))
VALUES = st.recursive(SCALARS, lambda inner: st.one_of(st.lists(inner, max_size=3),
                                                       st.dictionaries(st.sampled_from(["fr", "en", "x"]), inner,
                                                                       max_size=3)),
                      max_leaves=6)
FRONT_KEYS = st.sampled_from(["title", "date", "summary", "slug", "translation_key", "tags", "draft",
                              "content_warning", "facts", "factsheet", "audience", "description", "layout", "extra",
                              "updated", "translated_from", "titel"])
FACT_KEYS = st.sampled_from(["value", "format", "qualifier", "label", "context", "note", "source", "slug", "tags",
                             "alt", "valeur"])


def dump(data: object) -> str:
    return yaml.safe_dump(data, allow_unicode=True, sort_keys=False, default_flow_style=None)


careful_front = (
    st.fixed_dictionaries(  # what an editor means to write, with any text in it
        {"title": WRITTEN}, optional={"summary": WRITTEN, "tags": st.lists(WRITTEN, max_size=3), "date": st.dates(),
                                   "draft": st.booleans(), "slug": st.from_regex(r"[a-z0-9-]{0,12}", fullmatch=True),
                                   "facts": st.lists(st.sampled_from(["daily", "fuzz", "nope"]), max_size=2),
                                   "content_warning": st.one_of(st.booleans(), WRITTEN)}).map(dump))
wild_front = st.one_of(
    st.dictionaries(FRONT_KEYS, VALUES, max_size=6).map(lambda d: {"title": "Essai", **d}).map(dump),
    st.lists(st.one_of(TEXT, WORDS), max_size=8).map("".join),  # YAML that may not even parse
)
careful_fact = (
    st.fixed_dictionaries(
        {"value": st.one_of(NUMBERS, WRITTEN), "label": st.fixed_dictionaries({"fr": WRITTEN, "en": WRITTEN})},
        optional={"format": st.sampled_from(["number", "percent", "compact", "year", "text", "bogus"]),
                  "qualifier": st.sampled_from(["more_than", "less_than", "about", "up_to", "bogus"]),
                  "context": st.fixed_dictionaries({"fr": WRITTEN, "en": WRITTEN}),
                  "tags": st.lists(WRITTEN, max_size=2)},
    ).map(lambda d: dump({**FACT, **d})))
wild_fact = st.one_of(
    st.dictionaries(FACT_KEYS, VALUES, max_size=5).map(lambda d: {**FACT, **d}).map(dump),
    st.builds(lambda key, value: dump({**FACT, key: value}), FACT_KEYS, VALUES),
    st.lists(st.one_of(TEXT, WORDS), max_size=8).map("".join),
)
careful_markdown = st.lists(st.one_of(WRITTEN, WORDS), max_size=25).map("".join)
wild_markdown = st.lists(st.one_of(WRITTEN, WORDS, TEXT), max_size=25).map("".join)


#: Which of the three inputs is anything at all (the others carefully written): each a test of its own, so
#: that the suite's workers share them.
WILD = ["none", "front", "body", "fact"]


def inputs(wild: str) -> st.SearchStrategy[tuple[str, str, str]]:
    """Return (front matter, Markdown body, figure YAML): carefully written, or the ``wild`` one anything at all."""
    return st.tuples(wild_front if wild == "front" else careful_front,
                     wild_markdown if wild == "body" else careful_markdown,
                     wild_fact if wild == "fact" else careful_fact)


def tree_hashes(out: Path) -> dict[str, str]:
    return {p.relative_to(out).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(out.rglob("*")) if p.is_file()}


@pytest.fixture(scope="module")
def fuzz_site(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    root = tmp_path_factory.mktemp("fuzz") / "site"
    for rel, text in {"site.yaml": SITE, "content/fr/articles/a.md": ARTICLE.format(title="Bonjour"),
                      "content/en/articles/a.md": ARTICLE.format(title="Hello"),
                      "content/facts/daily.yaml": dump(FACT)}.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(text, encoding="utf-8")
    out = root.parent / "public"
    assert main(["build", str(root), "-o", str(out), "-q"]) == 0
    return root, out


#: The output's hashes after the last example that passed (its build's, or the one before if it failed): the
#: next example's "before" without reading the output twice. Emptied while an example runs, so that one that
#: fails midway leaves nothing stale.
OUTPUT_NOW: dict[Path, dict[str, str]] = {}


@pytest.mark.parametrize("wild", WILD)
@settings(max_examples=MAX_EXAMPLES // len(WILD), deadline=None, suppress_health_check=list(HealthCheck))
@given(data=st.data())
def test_any_input_builds_or_gets_error_lines(fuzz_site: tuple[Path, Path], wild: str, data: st.DataObject) -> None:
    root, out = fuzz_site
    front, body, fact = data.draw(inputs(wild), label="front matter, body, figure")
    (root / "content/fr/articles/fuzz.md").write_text(f"---\n{front}\n---\n\n{body}\n", encoding="utf-8")
    (root / "content/facts/fuzz.yaml").write_text(fact, encoding="utf-8")
    before = OUTPUT_NOW.pop(out, None) or tree_hashes(out)
    err, ignored = io.StringIO(), io.StringIO()
    with redirect_stderr(err), redirect_stdout(ignored):
        status = main(["build", str(root), "-o", str(out), "-q"])
    lines = err.getvalue().splitlines()
    after = tree_hashes(out)
    assert status in (0, 1), err.getvalue()
    event(f"exit {status}")
    if status == 1:
        problems = [line for line in lines if not line.endswith("nothing was written")]
        assert problems and ERROR_LINE.match(problems[0]), lines
        assert all(ERROR_LINE.match(line) or EXCERPT_LINE.match(line) for line in problems), lines
        assert "\x1b" not in err.getvalue()
        assert after == before
    else:
        assert not any(": error: " in line for line in lines), lines
        assert (out / "fr/articles/fuzz/index.html").is_file() or "draft" in front or "slug" in front \
            or "date" in front
    OUTPUT_NOW[out] = after

