"""Golden output: the key files of the fixture site, byte for byte.

After an intended change of templates or output, regenerate with
``python3 -m pytest tests/test_golden.py --update-golden`` and review the diff.
"""

from __future__ import annotations

import difflib
import re
from pathlib import Path

import pytest

from generator.build import BuildResult

GOLDEN = Path(__file__).resolve().parent / "golden" / "site"
#: Asset names carry a hash of their bytes; a CSS or font change is not an HTML change.
ASSET_HASH = re.compile(r"(/assets/[^\"'\s]+?)\.[0-9a-f]{10}\.")


def normalise(text: str) -> str:
    """Return the text with asset hashes replaced by a placeholder."""
    return ASSET_HASH.sub(r"\1.HASH.", text)
KEY_FILES = [
    "index.html",
    "404.html",
    "fr/index.html",
    "en/index.html",
    "fr/articles/annee-record-2021/index.html",
    "en/articles/record-year-2021/index.html",
    "fr/articles/ecrans/index.html",
    "en/help/index.html",
    "en/facts/victims-per-day/index.html",
    "fr/chiffres/index.html",
    "fr/themes/icse/index.html",
    "en/feed.xml",
    "sitemap.xml",
    "robots.txt",
    "_headers",
]


@pytest.mark.parametrize("rel", KEY_FILES)
def test_key_file_matches_golden(rel: str, built_site: tuple[BuildResult, Path], request: pytest.FixtureRequest) -> None:
    _, out = built_site
    actual = normalise((out / rel).read_text(encoding="utf-8"))
    golden = GOLDEN / rel
    if request.config.getoption("--update-golden"):
        golden.parent.mkdir(parents=True, exist_ok=True)
        golden.write_text(actual, encoding="utf-8")
        return
    assert golden.is_file(), f"no golden file for {rel}; run pytest --update-golden"
    expected = golden.read_text(encoding="utf-8")
    if actual != expected:
        diff = "".join(difflib.unified_diff(expected.splitlines(True), actual.splitlines(True),
                                            f"golden/{rel}", f"built/{rel}"))
        pytest.fail(f"{rel} differs from its golden copy:\n{diff}")
