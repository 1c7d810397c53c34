"""Small checks shared by the loaders of site.yaml, front matter and fact files.

Each check records a plain-language `SiteError` in a collector and returns a
safe fallback, so a loader can report every problem of a file at once.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Any, Iterable

from generator.core.errors import ErrorCollector, SiteError
from generator.core.messages import _
from generator.sources.yamlsource import LineDict, LineList

SLUG_RE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
#: The longest slug, fact id or tag: long enough for any title, short enough for every file system.
MAX_SLUG = 100
URL_RE = re.compile(r"^https?://[^\s/$.?#\"'<>\\`^{}|][^\s\"'<>\\`^{}|]*$", re.IGNORECASE)
DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
PARTIAL_DATE_RE = re.compile(r"^\d{4}(-\d{2}(-\d{2})?)?$")


class Reader:
    """Read typed values out of one YAML mapping, recording errors with lines."""

    def __init__(self, data: LineDict, source: str, errors: ErrorCollector, what: str) -> None:
        """``what`` names the mapping in messages, already in the editor's language: ``_("a help contact")``."""
        self.data = data
        self.source = source
        self.errors = errors
        self.what = what

    def line(self, key: str) -> int:
        """Return the line of a key (or of the mapping)."""
        return self.data.line_of(key)

    def fail(self, key: str, message: str) -> None:
        """Record an error about a key."""
        self.errors.add(SiteError(message, source=self.source, line=self.line(key)))

    def unknown_keys(self, allowed: Iterable[str]) -> None:
        """Record an error for each key not in ``allowed`` (catches typos)."""
        allowed = tuple(allowed)
        for key in self.data:
            if key not in allowed:
                hint = _closest(str(key), allowed)
                if hint:
                    message = _("unknown key '{key}' in {what}; did you mean '{hint}'?")
                else:
                    message = _("unknown key '{key}' in {what}; allowed keys: {keys}")
                self.fail(str(key), message.format(key=key, what=self.what, hint=hint, keys=", ".join(allowed)))

    def needs(self, key: str) -> str:
        """Return the message for a required key that is missing."""
        return _("{what} needs '{key}'").format(what=self.what, key=key)

    def string(self, key: str, default: str | None = None, required: bool = False) -> str | None:
        """Return a non-empty string value."""
        value = self.data.get(key)
        if value is None:
            if required:
                self.errors.add(SiteError(self.needs(key), source=self.source, line=self.data.line))
            return default
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            value = as_written(value)
        if not isinstance(value, str) or not value.strip():
            self.fail(key, _("'{key}' must be a non-empty text").format(key=key))
            return default
        return value.strip()

    def boolean(self, key: str, default: bool = False) -> bool:
        """Return a true/false value."""
        value = self.data.get(key, default)
        if not isinstance(value, bool):
            self.fail(key, _("'{key}' must be true or false").format(key=key))
            return default
        return value

    def integer(self, key: str, default: int, maximum: int | None = None) -> int:
        """Return a whole number from 0 to ``maximum``."""
        value = self.data.get(key, default)
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            self.fail(key, _("'{key}' must be a whole number, 0 or more").format(key=key))
            return default
        if maximum is not None and value > maximum:
            self.fail(key, _("'{key}' must be at most {maximum} (got {value})").format(key=key, maximum=maximum, value=value))
            return default
        return int(value)

    def url(self, key: str, required: bool = False) -> str | None:
        """Return an absolute http(s) URL."""
        value = self.string(key, required=required)
        if value is not None and not URL_RE.match(value):
            self.fail(key, _("'{key}' must be a full web address starting with https:// (got '{value}')").format(
                key=key, value=value))
            return None
        return value

    def strings(self, key: str) -> tuple[str, ...]:
        """Return a list of strings (a single string counts as a list of one; one with commas is refused)."""
        value = self.data.get(key)
        if value is None:
            return ()
        if isinstance(value, str) and "," in value:  # tags: ICSE, Signalements became the one tag "icse-signalements"
            self.fail(key, _("'{key}' is one text with commas in it: write each as an item of a list, e.g. {key}: "
                             "[{items}] (one item with a comma of its own goes in quotes: [\"{text}\"])").format(
                key=key, items=", ".join(p.strip() for p in value.split(",") if p.strip()), text=value.strip()))
            return ()
        if isinstance(value, str):
            return (value,)
        if not isinstance(value, list) or not all(isinstance(v, (str, int)) for v in value):
            self.fail(key, _("'{key}' must be a list of words, e.g. [one, two]").format(key=key))
            return ()
        return tuple(as_written(v) for v in value)

    def mapping(self, key: str) -> LineDict | None:
        """Return a nested mapping, or None when absent."""
        value = self.data.get(key)
        if value is None:
            return None
        if not isinstance(value, LineDict):
            self.fail(key, _("'{key}' must be a mapping of keys to values").format(key=key))
            return None
        return value

    def localised(
        self, key: str, codes: tuple[str, ...], required: bool = False, all_languages: bool = False
    ) -> dict[str, str]:
        """Return a text per language: ``{fr: …, en: …}``, or one text for all.

        With ``all_languages`` each site language must be present.
        """
        value = self.data.get(key)
        if value is None:
            if required:
                self.errors.add(SiteError(self.needs(key), source=self.source, line=self.data.line))
            return {}
        if isinstance(value, (str, int, float)) and not isinstance(value, bool):
            text = as_written(value).strip()
            if not text:
                self.fail(key, _("'{key}' must not be empty").format(key=key))
                return {}
            return {code: text for code in codes}
        if not isinstance(value, LineDict):
            self.fail(key, _("'{key}' must be a text, or one text per language like {{fr: …, en: …}}").format(key=key))
            return {}
        result: dict[str, str] = {}
        for lang, text in value.items():
            if not isinstance(text, (str, int, float)) or isinstance(text, bool) or not str(text).strip():
                self.errors.add(
                    SiteError(_("'{key}' must be a non-empty text").format(key=f"{key}.{lang}"), source=self.source,
                              line=value.line_of(lang))
                )
                continue
            result[str(lang)] = as_written(text).strip()
        if all_languages:
            missing = [c for c in codes if c not in result and c not in value]
            if missing:
                self.fail(key, _("'{key}' has no text for {languages}; add '{language}: …'").format(
                    key=key, languages=", ".join(missing), language=missing[0]))
        return result

    def date_value(self, key: str) -> date | None:
        """Return a full date written YYYY-MM-DD."""
        value = self.data.get(key)
        if value is None:
            return None
        return parse_date(value, key, self)

    def partial_date(self, key: str, required: bool = False) -> str | None:
        """Return an ISO date that may omit the day or month: 2022, 2022-05, 2022-05-25."""
        value = self.data.get(key)
        if value is None:
            if required:
                self.errors.add(SiteError(self.needs(key), source=self.source, line=self.data.line))
            return None
        if isinstance(value, datetime):
            return value.date().isoformat()
        if isinstance(value, date):
            return value.isoformat()
        text = as_written(value).strip()
        if not PARTIAL_DATE_RE.match(text) or not _valid_partial(text):
            self.fail(key, _("'{key}' must be a date like 2022-05-25, 2022-05 or 2022 (got '{value}')").format(key=key, value=text))
            return None
        return text


def parse_date(value: Any, key: str, reader: Reader) -> date | None:
    """Turn a YAML date (or a YYYY-MM-DD string) into a date, or record an error."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    text = as_written(value).strip() if not isinstance(value, str) else value.strip()
    try:
        if not DATE_RE.match(text):  # fromisoformat would also take 20220525 and 2022W213
            raise ValueError(text)
        return date.fromisoformat(text)
    except ValueError:
        reader.fail(key, _("'{key}' must be a real date written YYYY-MM-DD, e.g. 2022-05-25 (got '{value}')").format(
            key=key, value=_short(text)))
        return None


def as_written(value: Any) -> str:
    """Return a YAML scalar as the editor wrote it: ``017`` stays ``017`` (YAML would read 15)."""
    return str(getattr(value, "text", value))


def _short(text: str, width: int = 40) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


def _valid_partial(text: str) -> bool:
    parts = [int(p) for p in text.split("-")]
    try:
        date(parts[0], parts[1] if len(parts) > 1 else 1, parts[2] if len(parts) > 2 else 1)
    except ValueError:
        return False
    return True


def _closest(word: str, options: tuple[str, ...]) -> str | None:
    import difflib

    found = difflib.get_close_matches(word, options, n=1, cutoff=0.7)
    return found[0] if found else None


def as_list(value: Any) -> LineList | None:
    """Return value when it is a YAML list."""
    return value if isinstance(value, LineList) else None
