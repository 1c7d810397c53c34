"""The `vigie` command: build, serve, check, new, init. The only module that prints."""

from __future__ import annotations

import argparse
import logging
import os
import shlex
import sys
import time
import traceback
from pathlib import Path
from typing import TYPE_CHECKING, ClassVar, Sequence, TextIO

from generator import __version__
from generator.core.errors import OutputReplaced, SiteError, SiteErrors, message_line, printable, warnings_in
from generator.core.formats import seconds_text
from generator.core.messages import UI_LANGUAGES, N_, _, activate, choose_language, ngettext

if TYPE_CHECKING:
    from generator.build import BuildResult
    from generator.model import Site

log = logging.getLogger(__name__)


def _absolute_url(value: str) -> str:
    from generator.core.paths import base_url_problem

    problem = base_url_problem(value)
    if problem is not None:
        raise argparse.ArgumentTypeError(f"'{printable(value)}' {problem}")
    return value


def _port(value: str) -> int:
    """Return a TCP port from 0 (any free port) to 65535; anything else is a usage error (exit 2)."""
    port = int(value) if value.isascii() and value.isdigit() and len(value) <= 5 else -1
    if not 0 <= port <= 65535:
        raise argparse.ArgumentTypeError(_("'{value}' is not a port; use a number from 1 to 65535 "
                                           "(or 0 for any free port)").format(value=printable(value)))
    return port


def _ui_lang_flag(argv: Sequence[str]) -> str | None:
    """Return the value of ``--ui-lang`` wherever it is on the command line (the parser's help depends on it)."""
    for i, arg in enumerate(argv):
        if arg == "--":
            break
        if arg.startswith("--ui-lang="):
            return arg.partition("=")[2]
        if arg == "--ui-lang" and i + 1 < len(argv):
            return argv[i + 1]
    return None


#: What argparse itself says to someone using `vigie`, in Vigie's catalog (argparse asks gettext's global
#: domain, which has no French for them). Its messages for mistakes in the program are left out.
ARGPARSE_MESSAGES = (
    N_("usage: "),
    N_("positional arguments"),
    N_("options"),
    N_("show this help message and exit"),
    N_("%(prog)s: error: %(message)s\n"),
    N_("argument %(argument_name)s: %(message)s"),
    N_("the following arguments are required: %s"),
    N_("one of the arguments %s is required"),
    N_("unrecognized arguments: %s"),
    N_("invalid choice: %(value)r (choose from %(choices)s)"),
    N_("invalid %(type)s value: %(value)r"),
    N_("expected one argument"),
    N_("expected at most one argument"),
    N_("expected at least one argument"),
    N_("ambiguous option: %(option)s could match %(matches)s"),
    N_("ignored explicit argument %r"),
    N_("not allowed with argument %s"),
    N_("unexpected option string: %s"),
    N_("unknown parser %(parser_name)r (choices: %(choices)s)"),
)


def _argparse_speaks_ours() -> None:
    """Make argparse's own words ("usage:", "options", its errors) come from Vigie's catalog.

    argparse looks up `_` and `ngettext` in its module's globals when it
    builds a parser and when it reports an error; they are pointed at ours
    (which follow `activate`), so they stay right after a switch of language.
    """
    setattr(argparse, "_", _)
    setattr(argparse, "ngettext", ngettext)


def _parser() -> argparse.ArgumentParser:
    _argparse_speaks_ours()
    parser = argparse.ArgumentParser(prog="vigie", description=_("Build multilingual awareness campaign sites."))
    parser.add_argument("--version", action="version", version=f"vigie {__version__}",
                        help=_("show Vigie's version number and exit"))
    ui_lang = dict(choices=UI_LANGUAGES, metavar="LANG", type=str.lower,  # --ui-lang FR is French too
                   help=_("language of Vigie's messages: en or fr (default: $VIGIE_LANG, else the locale)"))
    parser.add_argument("--ui-lang", **ui_lang)  # type: ignore[arg-type]
    sub = parser.add_subparsers(dest="command", required=True, metavar=_("COMMAND"))

    def common(p: argparse.ArgumentParser) -> None:
        p.add_argument("--ui-lang", **ui_lang)  # type: ignore[arg-type]
        p.add_argument("site", nargs="?", default=".", metavar="SITE",
                       help=_("site folder (default: current folder)"))
        verbosity(p)

    def verbosity(p: argparse.ArgumentParser) -> None:
        p.add_argument("-v", "--verbose", action="store_true", help=_("say more; show tracebacks of internal errors"))
        p.add_argument("-q", "--quiet", action="store_true", help=_("print only warnings and errors"))

    drafts = _("include drafts and future-dated pages")
    b = sub.add_parser("build", help=_("build SITE into OUT (default SITE/public)"))
    common(b)
    b.add_argument("-o", "--output", metavar=_("OUT"), help=_("output folder (default: SITE/public)"))
    b.add_argument("--drafts", action="store_true", help=drafts)
    b.add_argument("--base-url", metavar="URL", type=_absolute_url,
                   help=_("absolute URL the site is served from (for previews)"))

    s = sub.add_parser("serve", help=_("build, serve on 127.0.0.1, rebuild on change and reload the browser"))
    common(s)
    s.add_argument("--host", default="127.0.0.1", metavar=_("HOST"), help=_("address to listen on (default 127.0.0.1)"))
    s.add_argument("--port", type=_port, default=8000,
                   help=_("port, 1-65535, or 0 for any free one (default 8000)"))
    s.add_argument("--drafts", action="store_true", help=drafts)

    c = sub.add_parser("check", help=_("validate without writing: errors, warnings, translations"))
    common(c)
    c.add_argument("--strict", action="store_true", help=_("treat warnings as errors (exit 1)"))
    c.add_argument("--format", choices=("text", "json"), default="text", help=_("output format"))
    c.add_argument("--translations", action="store_true", help=_("show the translation status table"))
    c.add_argument("--drafts", action="store_true", help=_("check drafts and future-dated pages too"))
    c.add_argument("--publish", action="store_true",
                   help=_("fail (exit 1) on what must not go online: text vigie init or new wrote, TODO, an "
                          "example base_url, a page that is a draft in one language only"))

    n = sub.add_parser("new", help=_("create an article, page, fact sheet or fact with its front matter"))
    n.add_argument("kind", choices=("article", "page", "factsheet", "fact"), metavar=_("KIND"),
                   help=_("what to create: article, page, factsheet or fact"))
    n.add_argument("title", metavar=_("TITLE_OR_ID"), help=_("the title (or, for a fact, its id)"))
    n.add_argument("--site", default=".", help=_("site folder (default: current folder)"))
    n.add_argument("--lang", help=_("language of the new file (default: the site's default language)"))
    n.add_argument("--translate", action="append", default=[], metavar="LANG",
                   help=_("also create the linked file in LANG (repeatable)"))
    n.add_argument("--ui-lang", **ui_lang)  # type: ignore[arg-type]
    verbosity(n)

    t = sub.add_parser("translate", help=_("start the translation of an existing page into another language"))
    t.add_argument("path", metavar=_("PATH"), help=_("the page to translate, e.g. content/fr/articles/welcome.md"))
    t.add_argument("--to", required=True, metavar="LANG", help=_("the language of the translation"))
    t.add_argument("--title", metavar=_("TITLE"), help=_("the translated title; the page's address is made from it"))
    t.add_argument("--site", help=_("site folder (default: the one PATH is in)"))
    t.add_argument("--ui-lang", **ui_lang)  # type: ignore[arg-type]
    verbosity(t)

    i = sub.add_parser("init", help=_("create a new site folder that builds at once"))
    i.add_argument("directory", metavar=_("DIR"), help=_("the new site folder (it must not exist, or be empty)"))
    i.add_argument("--ui-lang", **ui_lang)  # type: ignore[arg-type]
    verbosity(i)
    return parser


def run() -> None:
    """Run the `vigie` command and leave without freeing every object one by one.

    A build holds a few hundred thousand objects; the interpreter's orderly
    teardown takes 50-70 ms for nothing (mypy ends the same way). Output is
    flushed and logging shut down first.
    """
    code = main()
    _silence_closed_pipes()  # a closed pipe (vigie build | head -1): nothing more can be said there
    logging.shutdown()
    os._exit(code)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the exit status (0 ok, 1 content errors, 2 usage)."""
    activate(choose_language(_ui_lang_flag(sys.argv[1:] if argv is None else argv), os.environ))
    args = _parser().parse_args(argv)
    level = logging.DEBUG if args.verbose else logging.WARNING if args.quiet else logging.INFO
    _configure_logging(level)
    try:
        os.getcwd()
    except OSError:  # a terminal left in an output folder that a build replaced, or a folder deleted
        say("vigie: error: " + _("the current folder no longer exists (it was deleted or replaced); "
                                 "go to it again (cd) and run the command once more"))
        return 2
    if args.command == "init":
        site = Path(args.directory)
    elif args.command == "translate":
        site = Path(args.site or ".")
    else:
        site = Path(args.site)
        if not site.is_dir():
            say("vigie: error: " + _("the site folder '{site}' does not exist").format(site=printable(args.site)))
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
        if args.command == "translate":
            return _translate(args)
    except (SiteError, SiteErrors) as err:
        return _report(err)
    except BrokenPipeError:  # output piped into a command that stopped reading (e.g. head): say nothing more there
        _silence_closed_pipes()
        return 0
    except OutputReplaced:
        say(_("vigie: interrupted after the new output was put in place; the next build tidies up what is left"))
        return 130
    except KeyboardInterrupt:
        say(_("vigie: interrupted; the previous output was left as it was"))
        return 130
    except Exception as exc:  # an internal bug: say so plainly, keep the traceback for --verbose
        if args.verbose:
            traceback.print_exc()
        say(_("vigie: internal error: {error} (this is a bug in Vigie; run again with --verbose and report it)")
            .format(error=printable(repr(exc))))
        return 3
    return 0


def _silence_closed_pipes() -> None:
    """Point a standard stream whose reader has gone at /dev/null, so that nothing else fails writing to it."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):
            try:
                os.dup2(devnull, stream.fileno())
            except (OSError, ValueError):
                pass
    os.close(devnull)


def say(line: str, stream: TextIO | None = None) -> None:
    """Write one line to stderr (or ``stream``) in a single write, newline included, and flush it.

    ``print`` writes the text and its newline separately: with unbuffered output
    (PYTHONUNBUFFERED) that is two writes, and whatever another process writes
    to the same stream in between lands at the end of the line. A progress line
    on the screen is cleared first, or the message would be glued to it.
    """
    stream = stream if stream is not None else sys.stderr
    stream.write(_ProgressLine.erase(stream) + line + "\n")
    stream.flush()


class _LineHandler(logging.StreamHandler):  # type: ignore[type-arg]
    """Writes each log record with `say`: one message, one line, one write."""

    def emit(self, record: logging.LogRecord) -> None:
        try:
            say(self.format(record), self.stream)
        except RecursionError:
            raise
        except Exception:
            self.handleError(record)


def _configure_logging(level: int) -> None:
    """Show Vigie's own messages from ``level`` up, and other libraries' from warnings up."""
    ours = logging.getLogger("generator")
    ours.setLevel(level)
    root = logging.getLogger()
    for handler in [h for h in root.handlers if getattr(h, "vigie", False)]:
        root.removeHandler(handler)
    handler = _LineHandler(sys.stderr)
    handler.vigie = True  # type: ignore[attr-defined]
    handler.setFormatter(_PrintableFormatter("%(message)s"))
    handler.addFilter(lambda record: record.name.startswith("generator") or record.levelno >= logging.WARNING)
    handler.addFilter(_WarningCounter())
    root.addHandler(handler)
    _WarningCounter.count = 0


class _PrintableFormatter(logging.Formatter):
    """Log lines with every control character shown escaped (a message may quote content)."""

    def format(self, record: logging.LogRecord) -> str:
        return printable(super().format(record))


def _report(err: SiteError | SiteErrors) -> int:
    errors = err.errors if isinstance(err, SiteErrors) else [err]
    label = "\x1b[1;31merror\x1b[0m" if _use_color(sys.stderr) else "error"
    for item in errors:  # content may hold escape sequences: never sent raw to the terminal
        where, message = printable(item.location()), printable(item.message)
        say(message_line(where, label, message))
    say(ngettext("{count} error; nothing was written", "{count} errors; nothing was written",
                 len(errors)).format(count=len(errors)))
    return 1


def _build(args: argparse.Namespace, site: Path) -> int:
    from generator.build import BuildOptions, build, cache_dir

    start = time.perf_counter()
    progress = _ProgressLine() if not args.quiet and _interactive(sys.stderr) else None
    publish: list[int] = []  # what to change before publishing, counted while the build still holds the site

    def count(model: Site) -> None:
        from generator.commands.publish import count_for_build

        publish.append(count_for_build(model, cache_dir(site) if options.use_cache else None))

    options = BuildOptions(root=site, out=Path(args.output) if args.output else None, drafts=args.drafts,
                           base_url=args.base_url, progress=progress, keep_site=False,
                           on_site=None if args.quiet else count)
    try:
        result = build(options)
    finally:
        if progress is not None:
            progress.clear()
    if result.up_to_date:
        if not args.quiet:
            seconds = seconds_text(time.perf_counter() - start)
            if result.warnings_again:  # the last build's, said again above: nothing changed, so they still hold
                print(ngettext("{output} is up to date: nothing changed since the last build ({seconds}s); its "
                               "warning above still holds",
                               "{output} is up to date: nothing changed since the last build ({seconds}s); its "
                               "{count} warnings above still hold", result.warnings_again).format(
                    output=options.output, seconds=seconds, count=result.warnings_again))
            else:
                print(_("{output} is up to date: nothing changed since the last build ({seconds}s)").format(
                    output=options.output, seconds=seconds))
        return 0
    if not args.quiet:
        summary = build_summary(result, options.output, time.perf_counter() - start, _WARNINGS.count)
        print(_with_publish_note(summary, sum(publish)))
        if result.weights:
            from generator.output.budget import weights_line

            print(weights_line(result.weights))
    return 0


def _with_publish_note(summary: str, count: int) -> str:
    """Return the summary line with how many things must change before publishing, when any must."""
    from generator.commands.publish import build_note

    note = build_note(count)
    return _("{summary}; {note}").format(summary=summary, note=note) if note else summary


def build_summary(result: BuildResult, output: Path, seconds: float, warnings: int) -> str:
    """Return the line that ends a build: pages per language, cards, PDFs, warnings, time."""
    per_lang = [f"{code} {count}" for code, count in result.languages.items()]
    pages = sum(1 for f in result.paths if f.endswith(".html"))
    cards = sum(1 for f in result.paths if f.endswith(".png") and not f.startswith("assets/"))
    pdfs = sum(1 for f in result.paths if f.endswith(".pdf"))
    report = result.report
    written = _("{written} written, {unchanged} unchanged").format(
        written=report.written, unchanged=report.unchanged) if report else ""
    if report and report.removed:  # files of the previous output the new one no longer has
        written = _("{written}, {removed} removed").format(written=written, removed=report.removed)
    return _("{pages} ({languages}), {cards}, {pdfs}, {warnings} into {output} ({files}) in {seconds}s").format(
        pages=ngettext("built {count} page", "built {count} pages", pages).format(count=pages),
        languages=", ".join(per_lang),
        cards=ngettext("{count} card ({drawn})", "{count} cards ({drawn})", cards).format(
            count=cards, drawn=ngettext("{count} drawn", "{count} drawn", result.cards_drawn).format(
                count=result.cards_drawn)),
        pdfs=ngettext("{count} PDF ({rendered})", "{count} PDFs ({rendered})", pdfs).format(
            count=pdfs, rendered=ngettext("{count} rendered", "{count} rendered", result.pdfs_rendered).format(
                count=result.pdfs_rendered)),
        warnings=ngettext("{count} warning", "{count} warnings", warnings).format(count=warnings),
        output=output, files=written, seconds=seconds_text(seconds))


#: The build's stages, as the progress line names them (translated when shown).
_STAGES = {"markdown": N_("markdown"), "pages": N_("pages"), "cards": N_("cards"), "PDFs": N_("PDFs")}


class _ProgressLine:
    """One line on a terminal, rewritten in place: 'pages 1200/2108'.

    It has no newline; `say` erases it before writing a message, and the next
    step of progress writes it again below that message.
    """

    shown_on: ClassVar[TextIO | None] = None
    """The stream whose current line is a progress line, if any."""

    def __init__(self) -> None:
        self.last = 0.0

    def __call__(self, stage: str, done: int, total: int) -> None:
        now = time.monotonic()
        if done < total and now - self.last < 0.1:
            return
        self.last = now
        sys.stderr.write(f"\r\x1b[K{_(_STAGES.get(stage, stage))} {done}/{total}")
        sys.stderr.flush()
        _ProgressLine.shown_on = sys.stderr

    def clear(self) -> None:
        sys.stderr.write(self.erase(sys.stderr))
        sys.stderr.flush()

    @staticmethod
    def erase(stream: TextIO) -> str:
        """Return what clears the progress line on ``stream`` (nothing if it has none); it is then gone."""
        if _ProgressLine.shown_on is not stream:
            return ""
        _ProgressLine.shown_on = None
        return "\r\x1b[K"


class _WarningCounter(logging.Filter):
    """Counts the warnings Vigie logged, for the summary line."""

    count = 0

    def filter(self, record: logging.LogRecord) -> bool:
        type(self).count += warnings_in(record)  # "12 more broken links" is 12
        return True


_WARNINGS = _WarningCounter


def _interactive(stream: object) -> bool:
    """Return whether a stream is a terminal a person watches (not a pipe, not CI)."""
    isatty = getattr(stream, "isatty", None)
    return bool(isatty and isatty()) and not os.environ.get("CI")


def _serve(args: argparse.Namespace, site: Path) -> int:
    from generator.commands.serve import serve

    return serve(site, host=args.host, port=args.port, drafts=args.drafts)


def _check(args: argparse.Namespace, site: Path) -> int:
    from generator.commands.check import run_check

    report = run_check(site, translations=args.translations, drafts=args.drafts, publish=args.publish)
    if args.format == "json":
        print(report.to_json())
    else:
        print(report.to_text(color=_use_color(sys.stdout), verbose=args.verbose))
    return report.exit_status(strict=args.strict)


def _new(args: argparse.Namespace, site: Path) -> int:
    from generator.commands.scaffold import new_document, new_fact

    if args.kind == "fact":
        created = [new_fact(site, args.title)]
    else:
        created = new_document(site, args.kind, args.title, lang=args.lang, translate=args.translate)
    for path in created:
        print(_("created {path}").format(path=path))
    return 0


def _init(args: argparse.Namespace, site: Path) -> int:
    from generator.commands.scaffold import init_site

    created = init_site(site)
    if not args.quiet:
        print(ngettext("created a new site in {site} ({count} file); build it with: vigie build {site}",
                       "created a new site in {site} ({count} files); build it with: vigie build {site}",
                       len(created)).format(site=shlex.quote(str(site)), count=len(created)))  # pasted as is
    return 0


def _translate(args: argparse.Namespace) -> int:
    from generator.commands.translate import translate_document

    created = translate_document(Path(args.site) if args.site else None, Path(args.path), args.to, title=args.title)
    print(_("created {path}: translate the texts marked TODO, then delete 'draft: true'").format(path=created))
    return 0


def _use_color(stream: object) -> bool:
    """Return whether to colour output: only on a terminal, and never when NO_COLOR is set."""
    isatty = getattr(stream, "isatty", None)
    return bool(isatty and isatty()) and "NO_COLOR" not in os.environ


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
