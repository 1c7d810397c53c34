#!/usr/bin/env python3
"""Measurements that need Vigie's Python API; run by bench/run.py in a child process.

    python3 bench/_probe.py cards SITE        # median time to draw one card pair
    python3 bench/_probe.py count SITE OUT    # build once, report how many cards were drawn
    python3 bench/_probe.py pdf SITE WORK     # median time to render one fact sheet cold; PDFs on a warm rebuild
    python3 bench/_probe.py templates SITE    # CPU time of every page's templates, sandboxed and not

Each prints one JSON object on stdout. Whatever is missing (no generator.cards,
no count exposed by the build) is reported as {"available": false, "why": …}.
"""

from __future__ import annotations

import json
import statistics
import sys
import time
from pathlib import Path


def _specs(site: Path, limit: int) -> tuple[list, str]:
    """Card specs of the first figures of SITE, as the build makes them (or a stand-in)."""
    from generator.media import cards

    try:
        from generator.build import BuildOptions, render_site

        result = render_site(BuildOptions(root=site, out=site.parent / "_probe-unused"))
        rendered = result.rendered
        if hasattr(rendered, "card_spec"):
            specs = [rendered.card_spec(fact_id, lang)
                     for fact_id in sorted(result.site.facts)[:limit] for lang in result.site.config.codes]
            return specs, "the card specs of the corpus's figures, as the build makes them"
    except Exception as exc:  # the API moves while Vigie is optimised: fall back to a stand-in
        print(f"probe: render_site failed ({exc!r}); using a stand-in card", file=sys.stderr)
    from generator.model import Colors

    spec = cards.CardSpec(
        fact_id="fact-000", source_path="content/facts/fact-000.yaml", figure="plus de 12\u202f500",
        label="signalements identifiés par les enquêteurs depuis la création de la base de données",
        source_line="Source : INTERPOL, 25 mai 2022", site_name="Vigie – site de banc d'essai",
        site_url="bench.example.org/fr/chiffres/fact-000", colors=Colors(), lang="fr",
    )
    return [spec], "a stand-in CardSpec (the build's own specs were not available)"


def cards_benchmark(site: Path, repeat: int = 3, limit: int = 5) -> dict:
    try:
        from generator.media.cards import render_card
        from generator.model.plan import CARD_SIZES
    except ImportError as exc:
        return {"available": False, "why": f"generator.media.cards has no render_card/CARD_SIZES ({exc})"}
    specs, origin = _specs(site, limit)
    render_card(specs[0], next(iter(CARD_SIZES.values())))  # warm fonts and caches
    pairs = []
    for _ in range(repeat):
        for spec in specs:
            start = time.perf_counter()
            for size in CARD_SIZES.values():
                render_card(spec, size)
            pairs.append(time.perf_counter() - start)
    return {"available": True, "median_pair_s": statistics.median(pairs), "min_pair_s": min(pairs),
            "samples": len(pairs), "specs": origin, "sizes": {k: list(v) for k, v in CARD_SIZES.items()}}


def count_cards(site: Path, out: Path) -> dict:
    from generator.build import BuildOptions, build

    start = time.perf_counter()
    result = build(BuildOptions(root=site, out=out))
    elapsed = time.perf_counter() - start
    drawn = getattr(result, "cards_drawn", None)
    where = "BuildResult.cards_drawn"
    if drawn is None:
        for name, value in vars(getattr(result, "renderer", object())).items():
            if hasattr(value, "drawn") and "card" in type(value).__name__.lower():
                drawn, where = value.drawn, f"renderer.{name}.drawn"
                break
    if drawn is None:
        return {"available": False, "why": "the build exposes no count of drawn cards", "seconds": elapsed}
    return {"available": True, "cards_drawn": int(drawn), "from": where, "seconds": elapsed}


def pdf_benchmark(site: Path, work: Path, repeat: int = 3) -> dict:
    """Time the fact sheets of SITE rendered with an empty PDF cache; count PDFs on a warm rebuild."""
    import shutil

    from generator.build import BuildOptions, build, render_site

    copy = work / "pdf-site"
    shutil.rmtree(copy, ignore_errors=True)
    shutil.copytree(site, copy, ignore=shutil.ignore_patterns("public", ".vigie-cache", ".git", "tests", "bench"))
    result = render_site(BuildOptions(root=copy, use_cache=False))
    sheets = [d for d in result.site.documents if d.factsheet and d.kind == "resources"]
    if not sheets:
        return {"available": False, "why": "the site has no fact sheet"}
    from generator.render.stages import render_factsheets

    per_sheet = []
    for i in range(repeat):
        start = time.perf_counter()
        render_factsheets(result.rendered.contexts, work / f"pdf-cache-{i}")
        per_sheet.append((time.perf_counter() - start) / len(sheets))
    out = work / "pdf-out"
    build(BuildOptions(root=copy, out=out))
    shutil.rmtree(out)  # a real rebuild, not an up-to-date no-op: the caches are warm
    warm = build(BuildOptions(root=copy, out=out))
    return {"available": True, "sheets": len(sheets), "median_sheet_s": statistics.median(per_sheet),
            "samples": repeat, "warm_pdfs_rendered": warm.pdfs_rendered}


def templates_benchmark(site: Path, rounds: int = 5) -> dict:
    """CPU time to render every page of SITE from its templates in this one process, with the
    template environment sandboxed and not, in turn (bodies rendered beforehand, as in a build)."""
    from generator.build import BuildOptions, render_site

    try:
        from generator.render.templating import make_environment

        result = render_site(BuildOptions(root=site, use_cache=False))
        renderer, pages = result.rendered.contexts, list(result.site.pages)  # every body made: pages alone
        envs = {"sandboxed": make_environment(result.site.config, sandboxed=True),
                "plain": make_environment(result.site.config, sandboxed=False)}
        for env in envs.values():  # compile every template once, untimed
            renderer.env = env
            for page in pages[:100]:
                renderer.render_page(page)
    except Exception as exc:  # the API moves while Vigie is optimised
        return {"available": False, "why": f"cannot render pages alone ({exc!r})"}
    cpu: dict[str, list[float]] = {name: [] for name in envs}
    for i in range(rounds):
        for name in (("sandboxed", "plain") if i % 2 == 0 else ("plain", "sandboxed")):
            renderer.env = envs[name]
            start = time.process_time()
            for page in pages:
                renderer.render_page(page)
            cpu[name].append(time.process_time() - start)
    return {"available": True, "pages": len(pages), "rounds": rounds,
            **{f"{name}_cpu_s": statistics.median(values) for name, values in cpu.items()}}


def main(argv: list[str]) -> int:
    if len(argv) >= 2 and argv[0] == "cards":
        report = cards_benchmark(Path(argv[1]))
    elif len(argv) >= 3 and argv[0] == "count":
        report = count_cards(Path(argv[1]), Path(argv[2]))
    elif len(argv) >= 3 and argv[0] == "pdf":
        report = pdf_benchmark(Path(argv[1]), Path(argv[2]))
    elif len(argv) >= 2 and argv[0] == "templates":
        report = templates_benchmark(Path(argv[1]))
    else:
        print(__doc__, file=sys.stderr)
        return 2
    print(json.dumps(report))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
