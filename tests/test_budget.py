"""The first-visit weight of each kind of page, and the budget site.yaml sets."""

from __future__ import annotations

import logging
from hashlib import sha256
from pathlib import Path

import brotli
import pytest

from conftest import BUILD_DAY, build_copy
from generator.commands.check import WARNING, INFO, run_check
from generator.model import Page, PageKind
from generator.output.budget import first_visit, kind_name, over_budget, page_weights
from generator.sources.theme import theme_dirs

PAGE = """<!DOCTYPE html><html><head>
<link rel="preload" href="/site/assets/fonts/A.woff2" as="font" type="font/woff2" crossorigin>
<link rel="stylesheet" href="/site/assets/css/site.css">
<link rel="icon" href="/site/assets/img/icon.svg" type="image/svg+xml">
<link rel="alternate" type="application/atom+xml" href="/site/fr/feed.xml">
<script src="/site/assets/js/site.js" defer></script>
</head><body><p>{text}</p>
<img src="/site/fr/card.png" alt="">
<img src="/site/fr/later.png" loading="lazy" alt="">
<img src="https://elsewhere.example/x.png" alt="">
<img src="/site/../../etc/passwd" alt="">
</body></html>"""


def _files(text: str = "Un texte. " * 300) -> dict[str, bytes]:
    return {
        "fr/index.html": PAGE.format(text=text).encode(),
        "assets/fonts/A.woff2": b"w" * 9000,
        "assets/css/site.css": b"a{b:c}" * 2000,
        "assets/img/icon.svg": b"<svg/>",
        "assets/js/site.js": b"var a=1;" * 500,
        "fr/card.png": b"p" * 30000,
        "fr/later.png": b"l" * 50000,
        "fr/feed.xml": b"<feed/>" * 1000,
    }


def test_a_first_visit_counts_the_page_its_css_js_preloaded_fonts_icon_and_eager_images() -> None:
    files = _files()
    visit = dict(first_visit("fr/index.html", files.get, base_path="/site/"))
    assert sorted(visit) == ["assets/css/site.css", "assets/fonts/A.woff2", "assets/img/icon.svg",
                             "assets/js/site.js", "fr/card.png", "fr/index.html"]
    assert visit["fr/index.html"] < len(files["fr/index.html"]) / 5  # compressed, as it would be sent
    assert visit["fr/index.html"] == len(brotli.compress(files["fr/index.html"], mode=brotli.MODE_TEXT, quality=5))
    assert visit["assets/fonts/A.woff2"] == 9000 and visit["fr/card.png"] == 30000


def test_the_brotli_copy_the_build_wrote_is_what_counts() -> None:
    files = {**_files(), "fr/index.html.br": b"x" * 123}
    assert dict(first_visit("fr/index.html", files.get, base_path="/site/"))["fr/index.html"] == 123


def test_the_heaviest_page_of_each_kind_is_measured_and_a_budget_warns_about_it() -> None:
    files = {**_files(), "fr/a/index.html": PAGE.format(text="court").encode(),
             "fr/b/index.html": PAGE.format(text=" ".join(sha256(str(i).encode()).hexdigest() for i in range(200))).encode()}
    pages = [Page(url="/fr/", lang="fr", kind=PageKind.HOME, template="home.html", title="Accueil", group="home"),
             Page(url="/fr/a/", lang="fr", kind=PageKind.ARTICLE, template="article.html", title="A", group="a"),
             Page(url="/fr/b/", lang="fr", kind=PageKind.ARTICLE, template="article.html", title="B", group="b")]
    sizes = {path: len(data) for path, data in files.items()}
    weights = page_weights(pages, files.get, sizes, "/site/")
    assert [(w.kind, w.path) for w in weights] == [(PageKind.HOME, "fr/index.html"),
                                                   (PageKind.ARTICLE, "fr/b/index.html")]
    home, article = weights
    assert home.total == sum(size for _, size in home.files) and article.total > home.total
    assert over_budget(weights, 0) == []
    assert over_budget(weights, 1000) == []
    assert article.total > home.total + 4096
    (warning,) = over_budget(weights, home.total // 1024 + 1)
    assert "fr/b/index.html (article)" in warning and "page_budget_kib" in warning and "fr/card.png" in warning


def test_a_build_weighs_each_kind_of_page_and_warns_above_the_budget(site_src: Path, tmp_path: Path,
                                                                       caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.INFO, logger="generator"):
        result, out = build_copy(site_src, tmp_path / "a")
    kinds = {weight.kind: weight for weight in result.weights}
    assert {PageKind.HOME, PageKind.ARTICLE, PageKind.FACT, PageKind.CHOOSER} <= set(kinds)
    home = kinds[PageKind.HOME]
    assert home.files[0] == (home.path, (out / f"{home.path}.br").stat().st_size)  # the copy the build wrote
    assert any(name.endswith(".woff2") for name, _ in home.files)
    fact = kinds[PageKind.FACT]  # its card is below the fold, loading="lazy": not part of a first visit
    assert not any(name.endswith((".png", ".webp")) for name, _ in fact.files)
    assert not [r for r in caplog.records if r.levelno == logging.WARNING]
    caplog.clear()
    heaviest = max(kinds.values(), key=lambda weight: weight.total)
    budget = (heaviest.total - 1) // 1024  # in KiB: the largest budget the heaviest kind goes over
    over = [weight for weight in kinds.values() if weight.total > budget * 1024]
    under = [weight for weight in kinds.values() if weight.total <= budget * 1024]
    assert heaviest in over and under
    config = site_src / "site.yaml"
    config.write_text(config.read_text(encoding="utf-8") + f"\npage_budget_kib: {budget}\n", encoding="utf-8")
    with caplog.at_level(logging.INFO, logger="generator"):
        build_copy(site_src, tmp_path / "b")
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == len(over) and all(w.startswith("warning: a first visit of ") for w in warnings)
    said = " ".join(warnings)
    assert all(f"{weight.path} ({kind_name(weight.kind)})" in said for weight in over)
    assert not any(f"{weight.path} ({kind_name(weight.kind)})" in said for weight in under)


def test_check_reports_the_weights_and_the_budget(site_src: Path) -> None:
    report = run_check(site_src, today=BUILD_DAY)
    infos = [f.message for f in report.findings if f.level == INFO and f.message.startswith("first visit")]
    assert len(infos) == 1
    assert not [f for f in report.findings if "page_budget_kib" in f.message]
    config = site_src / "site.yaml"
    config.write_text(config.read_text(encoding="utf-8") + "\npage_budget_kib: 1\n", encoding="utf-8")
    report = run_check(site_src, today=BUILD_DAY)
    over = [f for f in report.findings if "page_budget_kib" in f.message]
    assert over and all(f.level == WARNING and f.path == "site.yaml" for f in over)
    assert report.exit_status(strict=True) == 1


def test_without_compressed_copies_each_file_is_compressed_once_to_be_weighed(site_src: Path, tmp_path: Path,
                                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    """With ``compress: false`` no .br copy tells a file's weight: the build compresses it, and keeps the size in its
    cache by the file's bytes; the next build weighs the same files without compressing them again."""
    import generator.output.budget as budget

    compressed: list[str] = []
    brotli_copy = budget.brotli_copy
    monkeypatch.setattr(budget, "brotli_copy", lambda path, data: compressed.append(path) or brotli_copy(path, data))
    config = site_src / "site.yaml"
    config.write_text(config.read_text(encoding="utf-8") + "\ncompress: false\n", encoding="utf-8")
    first, out = build_copy(site_src, tmp_path / "a")
    assert any(path.startswith("assets/css/") for path in compressed)
    assert not list(out.rglob("*.br"))
    css = next(name for weight in first.weights for name, _ in weight.files if name.startswith("assets/css/site."))
    assert dict(first.weights[0].files).get(css) == len(brotli.compress((out / css).read_bytes(), quality=11,
                                                                          mode=brotli.MODE_TEXT))
    compressed.clear()
    again, _ = build_copy(site_src, tmp_path / "b")
    assert compressed == []
    assert again.weights == first.weights
    (site_src / "assets" / "css").mkdir(parents=True)  # the site's own style sheet: new bytes, weighed anew
    theme_css = theme_dirs(site_src, "assets")[-1] / "css" / "site.css"
    (site_src / "assets" / "css" / "site.css").write_bytes(theme_css.read_bytes() + b"\n.more{color:red}\n")
    changed, out = build_copy(site_src, tmp_path / "c")
    assert [path for path in compressed if path.startswith("assets/css/site.")] != []
    new_css = next(name for weight in changed.weights for name, _ in weight.files if name.startswith("assets/css/site."))
    assert new_css != css
    uncached, _ = build_copy(site_src, tmp_path / "d", use_cache=False)
    assert uncached.weights == changed.weights
