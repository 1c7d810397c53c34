"""content/facts/<id>.yaml → Fact records, every problem named with its line."""

from __future__ import annotations

import functools
import logging
import math
import os
import re
from decimal import Decimal
from pathlib import Path
from typing import Any

from generator.core.errors import ErrorCollector, SiteError, message_line
from generator.core.messages import _
from generator.model import FORMATS, QUALIFIERS, Fact, FactSource, SiteConfig
from generator.sources.schema import MAX_SLUG, SLUG_RE, Reader, as_written
from generator.sources.files import IGNORED_PREFIXES, list_files, read_file, undecodable
from generator.sources.yamlsource import LineDict, decode_text, parse_yaml

log = logging.getLogger(__name__)

FACT_KEYS = ("value", "format", "qualifier", "label", "context", "note", "source", "slug", "tags", "alt", "exact",
             "as_of")
SOURCE_KEYS = ("publisher", "title", "url", "date")
#: No figure of a campaign reaches a million billion; beyond, it is a typing mistake.
MAX_VALUE = 10 ** 15
#: How a whole number is written in a figure: digits, maybe a sign and underscores (not 017, 0x1F or 1:30).
PLAIN_INTEGER_RE = re.compile(r"^[-+]?(0|[1-9][0-9_]*)$")
#: A percentage written with its sign (``72%``, ``72,5 %``): the sign belongs to ``format: percent``.
PERCENT_TEXT_RE = re.compile(r"^([-+]?\d+(?:[.,]\d+)?)\s*%$")
#: A number written with a dot between thousands (``12.500``), as German, Dutch or Spanish write it: to YAML,
#: twelve and a half.
DOTTED_THOUSANDS_RE = re.compile(r"^[-+]?[1-9]\d{0,2}\.\d{3}$")
#: A number in scientific notation (``1e14``, ``2.5E+6``): YAML 1.1 reads it as a text.
SCIENTIFIC_RE = re.compile(r"^[-+]?\d+(\.\d*)?[eE][-+]?\d+$")
#: The formats whose value is a number.
NUMBER_FORMATS = ("number", "percent", "compact", "year")
#: The most significant digits a decimal keeps (a binary float holds 15 to 17): more are silently changed.
MAX_SIGNIFICANT = 15
#: A whole number written with spaces between thousands (``12 500``), as French writes it.
SPACED_NUMBER_RE = re.compile(r"^[-+]?\d{1,3}(?:[ \u00a0\u202f]\d{3})+$")


def load_facts(config: SiteConfig, errors: ErrorCollector) -> dict[str, Fact]:
    """Read every fact file; record problems in ``errors``."""
    folder = config.root / "content" / "facts"
    facts: dict[str, Fact] = {}
    files: dict[str, str] = {}
    """Fact id → the file it came from, to name both files of an id written twice."""
    _refuse_folders(folder, errors)
    for item in list_files(folder, config.root, "content/facts", errors, skip_ignored=True, recursive=False):
        path = Path(item.path)
        shown = f"content/facts/{item.rel}"
        if path.suffix not in (".yaml", ".yml"):
            errors.add(SiteError(_("only .yaml files belong in content/facts/"), source=shown))
            continue
        fact_id = path.stem
        if not valid_id(fact_id):
            errors.add(SiteError(_("the file name '{name}' is the figure's id: use lowercase a-z, 0-9 and single "
                                   "hyphens only, at most {max} characters").format(name=path.name, max=MAX_SLUG),
                                 source=shown))
            continue
        if fact_id in files:
            errors.add(SiteError(_("this file and {other} give the same id '{id}'; keep one of them")
                                 .format(other=files[fact_id], id=fact_id), source=shown))
            continue
        files[fact_id] = shown
        try:
            fact = read_fact(config, path, shown, fact_id, errors)
        except SiteError as err:
            errors.add(err)
            continue
        if fact is not None:
            facts[fact_id] = fact
    return facts


def _refuse_folders(folder: Path, errors: ErrorCollector) -> None:
    """Report each folder inside content/facts/ holding YAML files: its figures would be left out without a word."""
    try:
        entries = sorted(os.scandir(folder), key=lambda entry: entry.name)
    except OSError:  # no folder, or one list_files reports
        return
    for entry in entries:
        if entry.name.startswith(IGNORED_PREFIXES) or undecodable(entry.name):  # list_files reports the latter
            continue
        try:
            holds_figures = entry.is_dir() and any(Path(entry.path).rglob("*.y*ml"))
        except OSError:
            continue
        if holds_figures:
            errors.add(SiteError(_("figures are read from content/facts/ itself, not from a folder in it: move the "
                                   "files of this folder up (each file's name is its figure's id)"),
                                 source=f"content/facts/{entry.name}/"))


def number_problem(value: int | float, key: str = "value") -> str | None:
    """Return why a number cannot be a figure (not finite, absurdly large, written in a way YAML misreads)."""
    written = as_written(value)
    if isinstance(value, float) and not math.isfinite(value):
        return _("'{key}' must be a real number; '{written}' is not a figure").format(key=key, written=written)
    if abs(value) >= MAX_VALUE:
        return _("'{key}' {written} is larger than any real figure (at most {digits} digits); check it, or write "
                 "it as text with format: text").format(key=key, written=written[:24] + ("…" if len(written) > 24
                                                                                           else ""),
                                                         digits=len(str(MAX_VALUE)) - 1)
    if isinstance(value, int) and not PLAIN_INTEGER_RE.match(written):
        return _("'{key}' is written '{written}', which YAML reads as {number}; write the figure with digits only "
                 "(e.g. 12500)").format(key=key, written=written, number=int(value))
    if isinstance(value, float) and ":" in written:
        return _("'{key}' is written '{written}', which YAML reads as {number}; write the figure with digits only "
                 "(e.g. 12500)").format(key=key, written=written, number=repr(float(value)))
    significant = len(re.sub(r"[^0-9]", "", written.split("e")[0].split("E")[0]).lstrip("0"))
    if isinstance(value, float) and significant > MAX_SIGNIFICANT:
        return _("'{key}' {written} has more digits than a figure can keep ({digits} at most; it would be shown "
                 "{shown}): round it").format(key=key, written=written[:40], digits=MAX_SIGNIFICANT,
                                               shown=repr(float(value)))
    if isinstance(value, float) and DOTTED_THOUSANDS_RE.match(written):
        whole = written.replace(".", "")
        decimal = repr(float(value)) if written.endswith("0") else written + "0"
        return _("'{key}' {written} can be read two ways: write {whole} if the dot separates thousands, or "
                 "{decimal} for the decimal number").format(key=key, written=written, whole=whole.lstrip("+"),
                                                            decimal=decimal)
    return None


def scientific_problem(written: str) -> str:
    """Return what to write for a figure in scientific notation (``1e14``, ``2.5E6``): its digits."""
    try:
        digits = format(Decimal(written), "f")
    except ArithmeticError:
        digits = "12500"
    if len(digits) > 40:
        digits = "12500"
    return _("'{written}' is written in scientific notation, which a page would show as it is; write the figure "
             "with digits only: value: {digits}").format(written=written[:30], digits=digits)


#: 7,5 (a decimal comma, as in French): YAML reads it as a text.
DECIMAL_COMMA_RE = re.compile(r"^([+-]?\d+),(\d+)$")
#: 7 victimes, 29,4 millions: a number followed by words.
NUMBER_AND_WORDS_RE = re.compile(r"^([+-]?\d+(?:[.,]\d+)?)\s+(\D+)$")
#: The words for a million and a billion an editor may write after a number, and what they multiply by.
LARGE_UNITS = {word: Decimal(10) ** power for power, words in (
    (6, ("million", "millions", "mio", "millón", "millones", "milione", "milioni", "miljoen", "millionen")),
    (9, ("billion", "billions", "milliard", "milliards", "mrd", "mil millones", "miliardo", "miliardi", "miljard",
         "milliarde", "milliarden"))) for word in words}


def text_value_problem(value: str, fmt: str) -> str:
    """Return what to write when a figure with a number format has a text value (``72%``, ``12 500``)."""
    text = value.strip()
    percent = PERCENT_TEXT_RE.match(text)
    if percent is not None:
        number = percent.group(1).replace(",", ".")
        if fmt == "percent":
            return _("with format: percent, write the number without the % sign: value: {number} (each language "
                     "then writes the sign its own way)").format(number=number)
        return _("the value '{written}' is a percentage: write value: {number} and format: percent").format(
            written=text, number=number)
    if SPACED_NUMBER_RE.match(text):
        return _("write the figure without spaces: value: {number} (each language then groups the digits its own "
                 "way)").format(number=re.sub(r"\s", "", text))
    decimal = DECIMAL_COMMA_RE.match(text)
    if decimal is not None:  # 7,5 as French writes it: YAML reads a text
        return _("write the decimal number with a dot: value: {number} (each language then writes its own decimal "
                 "sign)").format(number=decimal.group(1) + "." + decimal.group(2))
    words = NUMBER_AND_WORDS_RE.match(text)
    if words is not None:  # 7 victimes, 29,4 millions: the words belong in the label, the unit in the format
        number = Decimal(words.group(1).replace(",", "."))
        unit = LARGE_UNITS.get(words.group(2).strip().lower().rstrip("."))
        if unit is not None:
            return _("write every digit: value: {number} and format: compact (each language then says millions or "
                     "billions its own way)").format(number=format(number * unit, "f").split(".")[0])
        return _("the value is the number alone: value: {number}; the words go in label").format(number=number)
    return _("with format '{format}' the value must be a number; write format: text to show it as written").format(
        format=fmt)


def percent_as_text(value: object, data: LineDict) -> str | None:
    """Return a warning when a percentage is written as text without ``format:`` (French would lose its space)."""
    if "format" in data or not isinstance(value, str):
        return None
    percent = PERCENT_TEXT_RE.match(value.strip())
    if percent is None:
        return None
    number = percent.group(1)
    return _("the value '{written}' is shown exactly as written, so French pages show '{written}' instead of "
             "'{french} %'; write value: {number} and format: percent").format(
        written=value.strip(), french=number.replace(".", ","), number=number.replace(",", "."))


def valid_id(fact_id: str) -> bool:
    """Return whether a fact id follows the rule: lowercase a-z, 0-9 and single hyphens, not too long."""
    return bool(SLUG_RE.match(fact_id)) and len(fact_id) <= MAX_SLUG


def read_fact(config: SiteConfig, path, shown: str, fact_id: str, errors: ErrorCollector) -> Fact | None:  # type: ignore[no-untyped-def]
    """Read one fact file; return None when it has errors (recorded in ``errors``)."""
    data = parse_yaml(decode_text(read_file(path, shown), shown), shown)
    if not isinstance(data, LineDict):
        raise SiteError(_("a fact file must be 'key: value' lines with at least value, label and source"),
                        source=shown, line=1)
    before = len(errors.errors)
    codes = config.codes
    r = Reader(data, shown, errors, _("a fact file"))
    r.unknown_keys(FACT_KEYS)
    value = data.get("value")
    if value is None or isinstance(value, (bool, list, dict)) or (isinstance(value, str) and not value.strip()):
        if "value" in data:
            r.fail("value", _("'value' must be a number (e.g. 12500) or a text shown as written"))
        else:
            errors.add(SiteError(_("a fact file needs 'value' (the figure, e.g. value: 12500)"), source=shown,
                                 line=data.line))
        value = ""
    elif isinstance(value, (int, float)):
        problem = number_problem(value)
        if problem is not None:
            r.fail("value", problem)
            value = 0
    elif not isinstance(value, str):  # a date, say: shown as written
        value = as_written(value)
    elif SCIENTIFIC_RE.match(value.strip()) and data.get("format") in (None, *NUMBER_FORMATS):
        r.fail("value", scientific_problem(value.strip()))  # YAML 1.1 reads 1e14 as a text: shown "1e14"
        value = 0
    fmt = r.string("format", default="number" if isinstance(value, (int, float)) else "text") or "number"
    if fmt not in FORMATS:
        r.fail("format", _("format '{format}' is not one of {formats}").format(format=fmt, formats=", ".join(FORMATS)))
    elif fmt != "text" and not isinstance(value, (int, float)):
        r.fail("value", text_value_problem(str(value), fmt))
    elif fmt == "year" and (not isinstance(value, int) or not 1 <= value <= 9999):
        r.fail("value", _("with format 'year' the value must be a year such as 2021 (got {value})").format(
            value=as_written(value)))
    warning = percent_as_text(value, data)
    if warning is not None:
        log.warning(message_line(f"{shown}:{data.line_of('value')}", "warning", warning))
    qualifier = r.string("qualifier")
    if qualifier is not None and qualifier not in QUALIFIERS:
        r.fail("qualifier", _("qualifier '{qualifier}' is not one of {qualifiers}").format(
            qualifier=qualifier, qualifiers=", ".join(QUALIFIERS)))
    label = r.localised("label", codes, required=True, all_languages=True)
    source = _source(r, codes)
    slug = r.localised("slug", codes)
    for lang, text in slug.items():
        if not SLUG_RE.match(text) or len(text) > MAX_SLUG:
            r.fail("slug", _("slug '{slug}' ({lang}) must use only lowercase a-z, 0-9 and single hyphens, at most "
                             "{max} characters").format(slug=text[:40], lang=lang, max=MAX_SLUG))
    exact, as_of = _exact(r), r.partial_date("as_of")
    context = r.localised("context", codes)
    _check_context(r, context)
    if len(errors.errors) > before or source is None:
        return None
    return Fact(
        id=fact_id,
        source_path=path,
        value=value,
        format=fmt,
        qualifier=qualifier,
        label=label,
        context=context,
        note=r.localised("note", codes),
        source=source,
        slug={code: slug.get(code, fact_id) for code in codes},
        tags=r.strings("tags"),
        alt=r.localised("alt", codes),
        exact=exact,
        as_of=as_of,
    )


#: Where a link in a figure's context may lead: another site, an address to write to or a number to call.
CONTEXT_LINK_RE = re.compile(r"^(https?://|mailto:|tel:)", re.IGNORECASE)


@functools.lru_cache(maxsize=1)
def _markdown() -> Any:
    """Return a CommonMark parser, to find the links and images of a figure's context."""
    from markdown_it import MarkdownIt

    return MarkdownIt("commonmark")


def _check_context(r: Reader, texts: dict[str, str]) -> None:
    """Refuse in a figure's context (Markdown, shown on its page) what only a page's body can hold: a figure
    embed, an image, a link to a file of the site (``x.md``, ``/assets/…``), which nothing would check or rewrite."""
    data = r.data.get("context")
    for lang, text in texts.items():
        line = data.line_of(lang) if isinstance(data, LineDict) else r.line("context")
        problems = []
        if "{{<" in text:
            problems.append(_("a figure's context cannot embed a figure: {embed} works in the body of a Markdown "
                              "page; write the figure in words").format(embed="{{< fact … >}}"))
        links = _markdown().parse(text) if "[" in text or "<" in text else ()  # most contexts have none
        for token in (child for block in links for child in block.children or ()):
            if token.type == "image":
                problems.append(_("a figure's context cannot show an image ('{url}'); put it in an article").format(
                    url=str(token.attrGet("src"))[:80]))
            elif token.type == "link_open" and not CONTEXT_LINK_RE.match(str(token.attrGet("href"))):
                problems.append(_("a link in a figure's context needs a full address such as https://…; "
                                  "'{url}' is not one").format(url=str(token.attrGet("href"))[:80]))
        for problem in problems:
            r.errors.add(SiteError(problem, source=r.source, line=line))


def _source(r: Reader, codes: tuple[str, ...]) -> FactSource | None:
    data = r.data.get("source")
    if data is None:
        r.errors.add(SiteError(_("every figure needs a 'source' with publisher, url and date"), source=r.source,
                               line=r.data.line))
        return None
    if not isinstance(data, LineDict):
        r.fail("source", _("'source' must have publisher, title, url and date on lines of their own"))
        return None
    s = Reader(data, r.source, r.errors, _("the source"))
    s.unknown_keys(SOURCE_KEYS)
    publisher = s.string("publisher", required=True)
    url = s.url("url", required=True)
    when = s.partial_date("date", required=True)
    title = s.localised("title", codes)
    if publisher is None or url is None or when is None:
        return None
    return FactSource(publisher=publisher, title=title, url=url, date=when)


def _exact(r: Reader) -> int | float | None:
    """Return the optional ``exact`` figure: the source's own number before rounding."""
    exact = r.data.get("exact")
    if exact is None:
        return None
    if isinstance(exact, bool) or not isinstance(exact, (int, float)):
        r.fail("exact", _("'exact' must be a plain number without spaces, the figure before rounding "
                          "(e.g. exact: 72.3 for a value shown as 72 %)"))
        return None
    problem = number_problem(exact, "exact")
    if problem is not None:
        r.fail("exact", problem)
        return None
    return exact
