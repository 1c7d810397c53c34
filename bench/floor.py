#!/usr/bin/env python3
"""The pure-Python floor: the least work any Python generator must do for a site.

    python3 bench/floor.py SITE -o OUT [--jobs 2]

For every ``SITE/content/<lang>/articles/*.md``: read it, split the front matter
and parse it with PyYAML, render the body with markdown-it-py ("commonmark" with
tables), fill a minimal Jinja2 template and write
``OUT/<lang>/articles/<slug>/index.html``. No index pages, no figures (embeds stay
as text), no link rewriting, no assets, no cache. With ``--jobs 2`` the files are
split across 2 processes (multiprocessing, one parser and template per process).

A Python generator cannot build the same articles faster than this, so the
benchmark reports Vigie's cold build as a ratio of it.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import sys
from pathlib import Path

import jinja2
import yaml
from markdown_it import MarkdownIt

TEMPLATE = """<!doctype html>
<html lang="{{ lang }}">
<head><meta charset="utf-8"><title>{{ title }}</title>
<meta name="description" content="{{ summary }}"></head>
<body>
<main>
<h1>{{ title }}</h1>
<p><time datetime="{{ date }}">{{ date }}</time>{% for tag in tags %} · {{ tag }}{% endfor %}</p>
{{ body }}
</main>
</body>
</html>
"""


def split_front_matter(text: str) -> tuple[str, str]:
    """Return (front matter YAML, body) of a file starting with a '---' line."""
    if not text.startswith("---\n"):
        return "", text
    end = text.find("\n---\n", 3)
    if end < 0:
        return "", text
    return text[4:end + 1], text[end + 5:]


def build_files(args: tuple[list[str], str, str]) -> int:
    """Render a list of Markdown files into ``out``; return how many were written."""
    paths, content, out = args
    md = MarkdownIt("commonmark").enable("table")
    template = jinja2.Environment(autoescape=True).from_string(TEMPLATE)
    markup = jinja2.utils.markupsafe.Markup
    content_dir, out_dir = Path(content), Path(out)
    for rel in paths:
        path = content_dir / rel
        lang = Path(rel).parts[0]
        text = path.read_text(encoding="utf-8")
        front, body = split_front_matter(text)
        meta = yaml.safe_load(front) or {}
        slug = str(meta.get("slug") or path.stem)
        html = template.render(
            lang=lang, title=meta.get("title", path.stem), summary=meta.get("summary", ""),
            date=meta.get("date", ""), tags=meta.get("tags") or [], body=markup(md.render(body)),
        )
        target = out_dir / lang / "articles" / slug / "index.html"
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(html, encoding="utf-8")
    return len(paths)


def find_articles(site: Path) -> list[str]:
    """Return every article's path below content/, sorted."""
    content = site / "content"
    return sorted(p.relative_to(content).as_posix() for p in content.glob("*/articles/*.md"))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("site", type=Path)
    parser.add_argument("-o", "--output", type=Path, required=True)
    parser.add_argument("--jobs", type=int, default=1, help="processes (default 1)")
    args = parser.parse_args(argv)
    files = find_articles(args.site)
    content, out = str(args.site / "content"), str(args.output)
    if args.jobs <= 1:
        done = build_files((files, content, out))
    else:
        chunks = [(files[k::args.jobs], content, out) for k in range(args.jobs)]
        ctx = multiprocessing.get_context("fork" if os.name == "posix" else "spawn")
        with ctx.Pool(args.jobs) as pool:
            done = sum(pool.map(build_files, chunks))
    print(f"floor: {done} articles into {out} with {max(args.jobs, 1)} process(es)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
