"""The one error type for content mistakes, carrying where it came from."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


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
        where = self.location()
        return f"{where}: {self.message}" if where else self.message


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
        """Raise `SiteErrors` when anything was recorded."""
        if self.errors:
            raise SiteErrors(self.errors)
