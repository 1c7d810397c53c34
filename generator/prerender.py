"""Markdown bodies rendered ahead, on the spare core, while the site is still being assembled.

A cold build of a large site spends its first half second in one process:
parsing front matter, loading figures, assembling the site, importing Jinja2.
The other core would sit idle, so a forked helper renders document bodies in
the meantime. It cannot know the site yet, so every lookup a body makes (a link
to another .md file, an asset's hashed name, a figure embed, the footnote
labels) becomes a numbered placeholder, filled in by `Renderer.adopt_bodies`
once the site is known. A body whose render reported any problem, or whose
lookups do not all resolve, is left out: it is rendered again the usual way,
and its problems are reported exactly as they always are.

The placeholders are ``NUL number NUL``: content never holds a NUL
character (`yamlsource.decode_text` refuses such files).
"""

from __future__ import annotations

import logging
import multiprocessing
import re
from dataclasses import dataclass
from multiprocessing.connection import Connection
from typing import Any, Callable, Sequence

from generator.content import SourceFile, split_front_matter
from generator.errors import SiteError
from generator.workers import MIN_ITEMS, available_cores, ignore_interrupts, relay_logging, replay
from generator.yamlsource import decode_text

log = logging.getLogger(__name__)

PLACEHOLDER_RE = re.compile("\x00([0-9]+)\x00")

#: The UI strings of the footnote labels (``notes``, ``back``); bodies rendered ahead ask for them first.
LABELS = ("footnote.notes", "footnote.back")


@dataclass(frozen=True, slots=True)
class BodyAhead:
    """A body rendered before the site was known; its HTML and links hold placeholders."""

    rel: str
    html: str
    anchors: set[str]
    links: list[tuple[str, int]]
    images_without_alt: list[int]
    lookups: tuple[tuple[str, str], ...]
    """(kind, argument) for each placeholder number; kind is label, link, asset or fact."""


def fill(text: str, values: Sequence[str]) -> str:
    """Return ``text`` with each placeholder replaced by its value."""
    if "\x00" not in text:
        return text
    return PLACEHOLDER_RE.sub(lambda match: values[int(match.group(1))], text)


class BodiesAhead:
    """The helper process rendering bodies ahead, and the pipe it answers on (a context manager)."""

    def __init__(self, process: Any = None, conn: Connection | None = None) -> None:
        self._process = process
        self._conn = conn

    @classmethod
    def start(cls, sources: Sequence[SourceFile], allow_html: bool, wanted: bool = True) -> BodiesAhead:
        """Fork the helper if wanted and it can win: a large site, two cores or more, and fork available.

        Otherwise the returned object has no helper, and `finish` returns nothing.
        """
        if (not wanted or len(sources) < MIN_ITEMS or available_cores() < 2
                or "fork" not in multiprocessing.get_all_start_methods()):
            return cls()
        context = multiprocessing.get_context("fork")
        ours, theirs = context.Pipe()
        process = context.Process(target=_helper, args=(theirs, sources, allow_html), daemon=True)
        process.start()
        theirs.close()
        return cls(process, ours)

    def __enter__(self) -> BodiesAhead:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def finish(self, complete: bool = False) -> list[BodyAhead]:
        """Stop the helper and return the bodies it finished (none if anything went wrong).

        With ``complete``, let it render every body first (for tests: the normal
        build takes what is ready, which depends on the machine).
        """
        if self._conn is None or self._conn.closed:
            return []
        try:
            if not complete:
                self._conn.send(None)
            done: list[BodyAhead]
            done, records = self._conn.recv()
            replay(records)
        except (EOFError, OSError) as exc:
            log.debug("no bodies rendered ahead: %s", exc)
            done = []
        finally:
            self.close()
        return done

    def close(self) -> None:
        """Stop the helper, whether or not its bodies were taken."""
        if self._conn is not None:
            self._conn.close()
        if self._process is not None:
            if self._process.is_alive():
                self._process.terminate()
            self._process.join()
            self._process = None


def _helper(conn: Connection, sources: Sequence[SourceFile], allow_html: bool) -> None:
    """In the forked helper: render bodies until told to stop, then send them and what it logged."""
    ignore_interrupts()
    relay = relay_logging()
    done: list[BodyAhead] = []
    try:
        from generator.markup import make_markdown

        md = make_markdown(allow_html)
        for source in sources:
            if conn.poll():
                break
            body = render_ahead(md, source)
            if body is not None:
                done.append(body)
    except Exception as exc:  # the build renders these bodies itself
        log.debug("rendering ahead stopped: %s", exc)
    try:
        conn.send((done, relay.take()))
    except OSError:  # the build is over, or failed
        pass
    finally:
        conn.close()


def render_ahead(md: Any, source: SourceFile) -> BodyAhead | None:
    """Render one file's body with placeholders for what needs the site; None if it had any problem."""
    from generator.markup import RenderEnv, render_markdown

    try:
        _, body, body_line = split_front_matter(decode_text(source.data, source.shown), source.shown)
    except SiteError:
        return None
    lookups: list[tuple[str, str]] = []

    def ask(kind: str) -> Callable[[str], str]:
        def placeholder(argument: str) -> str:
            lookups.append((kind, argument))
            return f"\x00{len(lookups) - 1}\x00"
        return placeholder

    label = ask("label")
    env = RenderEnv(source=source.shown, body_line=body_line, fact_html=ask("fact"), resolve_link=ask("link"),
                    resolve_asset=ask("asset"), labels={"notes": label(LABELS[0]), "back": label(LABELS[1])})
    try:
        html = render_markdown(md, body, env)
    except SiteError:
        return None
    if env.errors:
        return None
    return BodyAhead(rel=f"{source.lang}/{source.below_lang}", html=html, anchors=env.anchors, links=env.links,
                     images_without_alt=env.images_without_alt, lookups=tuple(lookups))
