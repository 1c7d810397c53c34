"""The one error type for content mistakes, carrying where it came from."""

from __future__ import annotations

import errno
import logging
import re
from dataclasses import dataclass
from pathlib import Path

#: Characters no text of a site may hold: C0 and C1 controls but tab and newline, DEL, lone surrogates, non-characters.
CONTROL_RE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")
#: The same in a whole file, where a carriage return may end a line.
FILE_CONTROL_RE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")
#: What must never reach a terminal raw: every control character (an escape sequence starts with ESC or CSI).
_UNPRINTABLE_RE = re.compile("[\x00-\x09\x0b-\x1f\x7f-\x9f\u2028\u2029\ud800-\udfff]")


def os_reason(exc: BaseException) -> str:
    """Return why reading or writing a file failed, in the editor's language.

    The system's own words (``exc.strerror``) are English whatever the locale:
    "impossible de lire le fichier : Permission denied". The common causes are
    said in the language of the messages; any other keeps the system's words.
    """
    from generator.core.messages import _

    code = getattr(exc, "errno", None)
    if code is None and isinstance(exc, RuntimeError) and "Symlink loop" in str(exc):  # pathlib's resolve()
        code = errno.ELOOP
    reasons = {
        errno.EACCES: _("permission denied"),
        errno.EPERM: _("operation not permitted"),
        errno.ENOENT: _("no such file or folder"),
        errno.ELOOP: _("a symbolic link that leads back to itself, or too many links in a row"),
        errno.ENOSPC: _("no space left on the disk"),
        errno.EDQUOT: _("disk quota exceeded"),
        errno.EROFS: _("read-only file system"),
        errno.EISDIR: _("it is a folder"),
        errno.ENOTDIR: _("part of the path is not a folder"),
        errno.EEXIST: _("it already exists"),
        errno.EBUSY: _("in use by the system or another program"),
        errno.ENAMETOOLONG: _("the name is too long"),
        errno.EADDRINUSE: _("address already in use"),
        errno.EIO: _("input/output error (a damaged disk or a disconnected drive)"),
    }
    if code in reasons:
        return reasons[code]
    return getattr(exc, "strerror", None) or str(exc) or type(exc).__name__


def codepoint(char: str) -> str:
    """Return how messages name a character: ``U+001B``."""
    return f"U+{ord(char):04X}"


#: What a path shown in a message must not hold raw: the same, and the line breaks a message itself may hold.
_UNPRINTABLE_IN_PATH_RE = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\ud800-\udfff]")
#: The line number that ends a location: ``:12``.
_LINE_SUFFIX_RE = re.compile(r":\d+$")


#: The attribute of a log record saying how many warnings it stands for (``log.warning(..., extra={WARNINGS: 5})``
#: for "5 more broken links"); a record without it stands for one.
WARNINGS = "vigie_warnings"


def warnings_in(record: logging.LogRecord) -> int:
    """Return how many warnings a log record stands for (0 when it is no warning)."""
    if record.levelno != logging.WARNING:
        return 0
    count = getattr(record, WARNINGS, 1)
    return count if isinstance(count, int) and count > 0 else 1


def printable(text: str) -> str:
    """Return text safe to print on a terminal: every control character shown as ``\\x1b``, never sent raw."""
    return _UNPRINTABLE_RE.sub(lambda m: ascii(m.group())[1:-1], text)


def printable_path(text: str) -> str:
    """Return a path as messages show it: as `printable`, and a line break in a file name shown as ``\\n``.

    A message may run on several lines (a YAML mistake shows the lines around
    it), but a path never does: ``path:line: error:`` stays on one line, the
    one editors' problem matchers and CI read.
    """
    return _UNPRINTABLE_IN_PATH_RE.sub(lambda m: ascii(m.group())[1:-1], text)


class SiteError(Exception):
    """A mistake in the site folder that the editor can fix.

    ``str(err)`` gives ``path:line: message`` (or ``path: message`` without a line).
    """

    def __init__(self, message: str, source: Path | str | None = None, line: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.source = str(source) if source is not None else None
        self.line = line

    def __reduce__(self) -> tuple[type[SiteError], tuple[str, str | None, int | None]]:
        return (SiteError, (self.message, self.source, self.line))

    def location(self) -> str:
        """Return ``path:line`` (or ``path``), or an empty string when unknown."""
        if self.source is None:
            return ""
        return f"{self.source}:{self.line}" if self.line is not None else self.source

    def __str__(self) -> str:
        where = printable_path(self.location())  # kept on one line, as `message_line` shows it
        return f"{where}: {self.message}" if where else self.message


def message_line(location: str, level: str, message: str) -> str:
    """Return one message as every command prints it: ``path:line: error: message`` (or ``error: message``).

    The keywords stay as they are in every language, so editors' problem matchers and CI parse them.
    The location is shown with `printable_path`, and so is each of its names the message quotes (``the file
    name 'a\\nb.md' …``): a file name never breaks the line.
    """
    if not location:
        return f"{level}: {message}"
    shown = printable_path(location)
    if shown != location:
        for name in _LINE_SUFFIX_RE.sub("", location).split("/"):
            if printable_path(name) != name:
                message = message.replace(name, printable_path(name))
    return f"{shown}: {level}: {message}"


class SiteErrors(Exception):
    """Several content errors gathered before failing once."""

    def __init__(self, errors: list[SiteError]) -> None:
        unique = {(e.source, e.line, e.message): e for e in errors}  # one mistake seen from many pages
        super().__init__(f"{len(unique)} error(s)")
        self.errors = sorted(unique.values(), key=_sort_key)

    def __str__(self) -> str:
        return "\n".join(str(e) for e in self.errors)


def _sort_key(err: SiteError) -> tuple[str, int, str]:
    return (err.source or "", err.line or 0, err.message)


@dataclass
class ErrorCollector:
    """Gather content errors from a stage, then raise them all at once."""

    errors: list[SiteError]

    def __init__(self) -> None:
        self.errors = []

    def add(self, err: SiteError) -> None:
        """Record one error."""
        self.errors.append(err)

    def extend(self, errs: list[SiteError]) -> None:
        """Record several errors."""
        self.errors.extend(errs)

    def catch(self, err: SiteError | SiteErrors) -> None:
        """Record a raised error, or all the errors it gathered."""
        self.extend(err.errors if isinstance(err, SiteErrors) else [err])

    def raise_if_any(self) -> None:
        """Raise `SiteErrors` when anything was recorded (each problem once, in the order found)."""
        if self.errors:
            once: dict[tuple[object, int | None, str], SiteError] = {}
            for err in self.errors:  # a body made twice (for a PDF, then its page) reports its problems twice
                once.setdefault((err.source, err.line, err.message), err)
            raise SiteErrors(list(once.values()))


class OutputReplaced(KeyboardInterrupt):
    """Ctrl-C after a build swapped its new output in: the message must not say the previous one was kept."""
