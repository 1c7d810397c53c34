"""The `vigie` command: build, serve, check, new, init. The only module that prints."""

from __future__ import annotations

import argparse
import logging
import os
import sys
import time
import traceback
from pathlib import Path
from typing import Sequence

from generator import __version__
from generator.errors import SiteError, SiteErrors

log = logging.getLogger(__name__)


def _absolute_url(value: str) -> str:
    if not value.startswith(("http://", "https://")) or len(value.split("://", 1)[1]) == 0:
        raise argparse.ArgumentTypeError(f"'{value}' is not an absolute URL; write it like https://example.org/")
    return value


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="vigie", description="Build bilingual awareness campaign sites.")
    parser.add_argument("--version", action="version", version=f"vigie {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def common(p: argparse.ArgumentParser) -> None:
        p.add_argument("site", nargs="?", default=".", metavar="SITE", help="site folder (default: current folder)")
        p.add_argument("-v", "--verbose", action="store_true", help="say more; show tracebacks of internal errors")
        p.add_argument("-q", "--quiet", action="store_true", help="print only errors")

    b = sub.add_parser("build", help="build SITE into OUT (default SITE/public)")
    common(b)
    b.add_argument("-o", "--output", metavar="OUT", help="output folder (default: SITE/public)")
    b.add_argument("--drafts", action="store_true", help="include drafts and future-dated pages")
    b.add_argument("--base-url", metavar="URL", type=_absolute_url,
                   help="absolute URL the site is served from (for previews)")

    s = sub.add_parser("serve", help="build, serve on 127.0.0.1, rebuild on change and reload the browser")
    common(s)
    s.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    s.add_argument("--port", type=int, default=8000, help="port (default 8000)")
    s.add_argument("--drafts", action="store_true", help="include drafts and future-dated pages")

    c = sub.add_parser("check", help="validate without writing: errors, warnings, translations")
    common(c)
    c.add_argument("--strict", action="store_true", help="treat warnings as errors (exit 1)")
    c.add_argument("--format", choices=("text", "json"), default="text", help="output format")
    c.add_argument("--translations", action="store_true", help="show the translation status table")

    n = sub.add_parser("new", help="create an article, page, fact sheet or fact with its front matter")
    n.add_argument("kind", choices=("article", "page", "factsheet", "fact"))
    n.add_argument("title", metavar="TITLE_OR_ID", help="the title (or, for a fact, its id)")
    n.add_argument("--site", default=".", help="site folder (default: current folder)")
    n.add_argument("--lang", help="language of the new file (default: the site's default language)")
    n.add_argument("--translate", action="append", default=[], metavar="LANG",
                   help="also create the linked file in LANG (repeatable)")
    n.add_argument("-v", "--verbose", action="store_true")
    n.add_argument("-q", "--quiet", action="store_true")

    i = sub.add_parser("init", help="create a new site folder that builds at once")
    i.add_argument("directory", metavar="DIR")
    i.add_argument("-v", "--verbose", action="store_true")
    i.add_argument("-q", "--quiet", action="store_true")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the exit status (0 ok, 1 content errors, 2 usage)."""
    args = _parser().parse_args(argv)
    level = logging.DEBUG if args.verbose else logging.WARNING if args.quiet else logging.INFO
    _configure_logging(level)
    if args.command == "init":
        site = Path(args.directory)
    else:
        site = Path(args.site)
        if not site.is_dir():
            print(f"vigie: error: the site folder '{args.site}' does not exist", file=sys.stderr)
            return 2
    try:
        if args.command == "build":
            return _build(args, site)
        if args.command == "serve":
            return _serve(args, site)
        if args.command == "check":
            return _check(args, site)
        if args.command == "new":
            return _new(args, site)
        if args.command == "init":
            return _init(args, site)
    except (SiteError, SiteErrors) as err:
        return _report(err)
    except BrokenPipeError:  # output piped into a command that stopped reading (e.g. head)
        sys.stderr.close()
        return 0
    except KeyboardInterrupt:
        print("vigie: interrupted; the previous output was left as it was", file=sys.stderr)
        return 130
    except Exception as exc:  # an internal bug: say so plainly, keep the traceback for --verbose
        if args.verbose:
            traceback.print_exc()
        print(f"vigie: internal error: {exc!r} (this is a bug in Vigie; run again with --verbose "
              "and report it)", file=sys.stderr)
        return 3
    return 0


def _configure_logging(level: int) -> None:
    """Show Vigie's own messages from ``level`` up, and other libraries' from warnings up."""
    ours = logging.getLogger("generator")
    ours.setLevel(level)
    root = logging.getLogger()
    for handler in [h for h in root.handlers if getattr(h, "vigie", False)]:
        root.removeHandler(handler)
    handler = logging.StreamHandler(sys.stderr)
    handler.vigie = True  # type: ignore[attr-defined]
    handler.setFormatter(logging.Formatter("%(message)s"))
    handler.addFilter(lambda record: record.name.startswith("generator") or record.levelno >= logging.WARNING)
    root.addHandler(handler)


def _report(err: SiteError | SiteErrors) -> int:
    errors = err.errors if isinstance(err, SiteErrors) else [err]
    for item in errors:
        where = item.location()
        print(f"{where}: error: {item.message}" if where else f"error: {item.message}", file=sys.stderr)
    print(f"{len(errors)} error(s); nothing was written", file=sys.stderr)
    return 1


def _build(args: argparse.Namespace, site: Path) -> int:
    from generator.build import BuildOptions, build

    start = time.perf_counter()
    options = BuildOptions(root=site, out=Path(args.output) if args.output else None, drafts=args.drafts,
                           base_url=args.base_url)
    result = build(options)
    if result.up_to_date:
        if not args.quiet:
            print(f"{options.output} is up to date: nothing changed since the last build "
                  f"({time.perf_counter() - start:.2f}s)")
        return 0
    if not args.quiet:
        pages = sum(1 for f in result.files if f.endswith(".html"))
        report = result.report
        print(f"built {pages} pages, {len(result.files)} files into {options.output} "
              f"({report.written if report else 0} written, {report.unchanged if report else 0} unchanged) "
              f"in {time.perf_counter() - start:.2f}s")
    return 0


def _serve(args: argparse.Namespace, site: Path) -> int:
    from generator.serve import serve

    return serve(site, host=args.host, port=args.port, drafts=args.drafts)


def _check(args: argparse.Namespace, site: Path) -> int:
    from generator.check import run_check

    report = run_check(site, translations=args.translations)
    if args.format == "json":
        print(report.to_json())
    else:
        print(report.to_text(color=_use_color()))
    return report.exit_status(strict=args.strict)


def _new(args: argparse.Namespace, site: Path) -> int:
    from generator.scaffold import new_document, new_fact

    if args.kind == "fact":
        created = [new_fact(site, args.title)]
    else:
        created = new_document(site, args.kind, args.title, lang=args.lang, translate=args.translate)
    for path in created:
        print(f"created {path}")
    return 0


def _init(args: argparse.Namespace, site: Path) -> int:
    from generator.scaffold import init_site

    created = init_site(site)
    if not args.quiet:
        print(f"created a new site in {site} ({len(created)} files); build it with: vigie build {site}")
    return 0


def _use_color() -> bool:
    return sys.stdout.isatty() and "NO_COLOR" not in os.environ


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
