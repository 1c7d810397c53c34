"""Markdown bodies drafted ahead, on the spare core, while the site is still being assembled.

A cold build of a large site spends its first half second in one process:
parsing front matter, loading figures, assembling the site, importing Jinja2.
The other core would sit idle, so a forked helper drafts document bodies in
the meantime (`bodies.draft_body`: the site's lookups are placeholders, filled
in once the site is known). A body whose draft had any problem is drafted again
the usual way, and its problems are reported exactly as they always are.
"""

from __future__ import annotations

import logging
import multiprocessing
from multiprocessing.connection import Connection
from typing import Any, Sequence

from generator.render.bodies import Draft, draft_body
from generator.sources.content import SourceFile, split_front_matter
from generator.core.errors import SiteError
from generator.core.workers import MIN_ITEMS, available_cores, ignore_interrupts, relay_logging, replay
from generator.sources.yamlsource import decode_text

log = logging.getLogger(__name__)


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

    def finish(self, complete: bool = False) -> dict[str, Draft]:
        """Stop the helper and return the bodies it finished (none if anything went wrong).

        With ``complete``, let it render every body first (for tests: the normal
        build takes what is ready, which depends on the machine).
        """
        if self._conn is None or self._conn.closed:
            return {}
        try:
            if not complete:
                self._conn.send(None)
            done: dict[str, Draft]
            done, records = self._conn.recv()
            replay(records)
        except (EOFError, OSError) as exc:
            log.debug("no bodies drafted ahead: %s", exc)
            done = {}
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
    """In the forked helper: draft bodies until told to stop, then send them and what it logged."""
    ignore_interrupts()
    relay = relay_logging()
    done: dict[str, Draft] = {}
    try:
        from generator.render.markup import make_markdown

        md = make_markdown(allow_html)
        for source in sources:
            if conn.poll():
                break
            draft = draft_ahead(md, source)
            if draft is not None:
                done[f"{source.lang}/{source.below_lang}"] = draft
    except Exception as exc:  # the build drafts these bodies itself
        log.debug("drafting ahead stopped: %s", exc)
    try:
        conn.send((done, relay.take()))
    except OSError:  # the build is over, or failed
        pass
    finally:
        conn.close()


def draft_ahead(md: Any, source: SourceFile) -> Draft | None:
    """Draft one file's body; None if it had any problem (the build drafts it again and reports it)."""
    try:
        _, body, body_line = split_front_matter(decode_text(source.data, source.shown), source.shown)
    except SiteError:
        return None
    draft, _ = draft_body(md, body, body_line, source.shown)
    return draft
