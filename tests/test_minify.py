"""Stylesheets and scripts are published minified; the files in assets/ stay as written."""

from __future__ import annotations

import re
from pathlib import Path

from conftest import FIXTURE_SITE
from generator.sources.assets import load_assets, minified
from support import load_site

THEME = Path(__file__).resolve().parent.parent / "assets"


def test_comments_and_spaces_go_licence_comments_and_code_stay() -> None:
    js = b"/*! (c) someone, MIT */\n// a note\nvar a = 1 ;\nvar re = /a\\/b/g;\n"
    assert minified("js/x.js", js) == b"/*! (c) someone, MIT */var a=1;var re=/a\\/b/g;"
    css = b"/*! licence */\n/* a note */\na  {  color : red ; }\n"
    assert minified("css/x.css", css) == b"/*! licence */a{color:red}"


def test_minified_files_other_files_and_root_files_are_published_as_they_are() -> None:
    js = b"var a = 1 ;\n"
    assert minified("js/vendor.min.js", js) == js
    assert minified("css/x.min.css", b"a { b: c }") == b"a { b: c }"
    assert minified("img/icon.svg", b"<svg> </svg>") == b"<svg> </svg>"
    assert minified("root/app.js", js) == js
    assert minified("js/latin1.js", b"var a = '\xe9' ;") == b"var a = '\xe9' ;"


def test_the_theme_is_published_minified_with_the_same_rules() -> None:
    files = {f.origin: f.data for f in load_assets(load_site(FIXTURE_SITE).config).files}
    stylesheets = sorted(f"css/{path.name}" for path in (THEME / "css").glob("*.css"))
    assert {"css/site.css", "css/fact.css", "css/search.css"} <= set(stylesheets)
    for name in [*stylesheets, "js/site.js"]:
        source = (THEME / name).read_bytes()
        published = files[f"assets/{name}"]
        assert len(published) < 0.85 * len(source), name
        assert b"\n\n" not in published
    for name in stylesheets:
        css = files[f"assets/{name}"].decode()
        source_css = (THEME / name).read_text(encoding="utf-8")
        assert "/*" not in css, name
        assert css.count("{") == len(re.findall(r"\{", re.sub(r"/\*.*?\*/", "", source_css, flags=re.S))), name
        assert css.count("@media") == source_css.count("@media"), name
    site_css = files["assets/css/site.css"].decode()
    assert "font-display:swap" in site_css and "unicode-range:U+20-7E" in site_css
