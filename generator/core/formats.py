"""Numbers, figures and dates written the way each locale writes them (CLDR via Babel)."""

from __future__ import annotations

import unicodedata
from datetime import date
from decimal import ROUND_CEILING, ROUND_FLOOR, ROUND_HALF_EVEN, Decimal
from functools import lru_cache

from babel import Locale, UnknownLocaleError
from babel.core import get_global
from babel.dates import DateTimePattern, get_date_format, match_skeleton, parse_pattern
from babel.numbers import format_compact_decimal, format_decimal, format_percent, get_decimal_symbol


# The first digit (zero) of CLDR's decimal numbering systems a locale may default to: Babel gives their
# separators (numbering_system="default") but writes the digits 0-9, so they are swapped here.
DIGIT_ZERO = {"arab": "\u0660", "arabext": "\u06f0", "beng": "\u09e6", "deva": "\u0966", "mymr": "\u1040",
              "tibt": "\u0f20", "olck": "\u1c50", "mtei": "\uabf0", "nkoo": "\u07c0", "rohg": "\U00010d30"}


def format_value(value: int | float | str, fmt: str, locale: str, toward: str = "nearest") -> str:
    """Return a figure's value as the locale writes it (no qualifier): its separators and its digits.

    A ``compact`` figure shows one decimal of its unit; ``toward`` ("nearest", "down" or "up") says which
    way it is rounded (`generator.model.ROUNDING`: "more than 2.4 million" for 2,460,000 stays true).
    """
    if fmt == "text" or isinstance(value, str):
        return str(value)
    if fmt == "number":
        return native_digits(format_decimal(value, locale=locale, decimal_quantization=False,
                                            numbering_system="default"), locale)
    if fmt == "percent":  # 33.3 / 100 is 0.33299999999999996 in binary: the hundredth is taken in decimal
        written = format_percent(Decimal(repr(value)).scaleb(-2), locale=locale, decimal_quantization=False,
                                 numbering_system="default")
        return native_digits(written.replace("%", _percent_sign(locale)), locale)
    if fmt == "compact":
        if abs(value) < 1_000_000:  # "12 500" reads better than "12 mille" / "12.5 thousand"
            return format_value(value, "number", locale)
        shown = compact_rounded(value, locale, toward)
        written = format_compact_decimal(shown, format_type="long", fraction_digits=1, locale=locale,
                                         numbering_system="default")
        if not _compact_is_sound(shown, written, locale):  # a wrong figure is worse than a long one
            return format_value(value, "number", locale)
        return native_digits(written, locale)
    if fmt == "year":
        return native_digits(str(int(value)), locale)
    raise ValueError(f"unknown format {fmt}")


def compact_step(value: int | float, locale: str) -> Decimal | None:
    """Return the step a compact figure is rounded to in a locale: a tenth of the unit its pattern names
    (100,000 for "2.5 million", 10,000 for "24.6 lakh", 1,000 for "246万"); None when it is written in full."""
    units = _compact_units(locale)
    magnitudes = [magnitude for magnitude in units or {} if magnitude <= abs(value)]
    if abs(value) < 1_000_000 or not units or not magnitudes or units[max(magnitudes)] <= 0:
        return None
    return Decimal(units[max(magnitudes)]) / 10


def compact_rounded(value: int | float, locale: str, toward: str = "nearest") -> int | float:
    """Return the number a compact figure shows, before it is written: the value to one decimal of its unit,
    rounded ``toward`` "nearest" (half to even, as Babel does), "down" or "up"."""
    step = compact_step(value, locale)
    if step is None:
        return value
    mode = {"down": ROUND_FLOOR, "up": ROUND_CEILING}.get(toward, ROUND_HALF_EVEN)
    shown = (Decimal(repr(value)) / step).to_integral_value(mode) * step
    return int(shown) if shown == shown.to_integral_value() else float(shown)


def _compact_is_sound(value: int | float, written: str, locale: str) -> bool:
    """Return whether a compact figure says the value: the locale's data names each unit one way, and the
    number shown is the value divided by the unit its pattern names.

    Not always so: CLDR's Nepali data names a million करोड in its long form
    (ten times too much: its short form says करोड for ten million), and Babel
    wrote 29,397,681 in Swahili "milioni 2939.8" (it miscounts the zeros of a
    pattern whose word comes first). Then the figure is written in full.
    """
    patterns = _compact_units(locale)
    if patterns is None:
        return False
    shown = _shown_number(written, locale)
    magnitudes = [magnitude for magnitude in patterns if magnitude <= abs(value)]
    if shown is None or not magnitudes:
        return True
    unit = patterns[max(magnitudes)]
    return unit > 0 and _close(abs(value) / unit, shown)


@lru_cache(maxsize=64)
def _compact_units(locale: str) -> dict[int, int] | None:
    """Return the unit each magnitude of the locale's long compact patterns divides by ({10**6: 10**6} for
    "0 million", {10**7: 10**6} for "00 million"), or None when its data gives one word two values."""
    try:
        tables = Locale.parse(locale).compact_decimal_formats
        long, short = tables["long"]["other"], tables.get("short", {}).get("other", {})
    except (KeyError, UnknownLocaleError, ValueError):
        return {}
    units: dict[int, int] = {}
    words: dict[str, set[int]] = {}
    for table, keep in ((long, True), (short, False)):
        seen: dict[str, set[int]] = {}
        for key, pattern in table.items():
            positive = str(pattern.pattern).split(";")[0]
            zeros = positive.count("0")
            unit = int(key) // 10 ** (zeros - 1) if zeros else 0
            if keep:
                units[int(key)] = unit
            word = "".join(ch for ch in positive if ch.isalpha() or unicodedata.category(ch).startswith("M"))
            if word and zeros:
                seen.setdefault(word, set()).add(unit)
        if keep and any(len(values) > 1 for values in seen.values()):
            return None
        if any(word in words and words[word] != values for word, values in seen.items()):
            return None
        words.update(seen)
    return units


def _shown_number(text: str, locale: str) -> float | None:
    """Return the number in a compact figure ("29,4 millions" in fr → 29.4), whatever its digits."""
    decimal = get_decimal_symbol(locale, numbering_system="default")
    digits = "".join(str(unicodedata.decimal(ch)) if unicodedata.decimal(ch, None) is not None
                     else "." if ch == decimal else "" for ch in text)
    try:
        return float(digits) if digits else None
    except ValueError:
        return None


def _close(expected: float, shown: float) -> bool:
    """Return whether a number shown with one decimal (or none) is the expected one, rounded."""
    return abs(expected - shown) <= 0.051 + 0.001 * expected


def native_digits(text: str, locale: str) -> str:
    """Return a text with 0-9 written in the locale's default digits (ar_EG: ٠-٩; fr, en, ar: unchanged)."""
    zero = _digit_zero(locale)
    if zero == "0":
        return text
    return text.translate({ord("0") + i: chr(ord(zero) + i) for i in range(10)})


@lru_cache(maxsize=64)
def og_locale(locale: str) -> str:
    """Return a locale as Open Graph writes it, language and territory (``fr`` → ``fr_FR``, ``ar`` → ``ar_EG``):
    link previews read ``og:locale`` as ``ll_TT``; a locale without a territory takes CLDR's likely one."""
    try:
        parsed = Locale.parse(locale.replace("-", "_"))
    except (UnknownLocaleError, ValueError):
        return locale
    territory = parsed.territory
    for key in ([f"{parsed.language}_{parsed.script}"] if parsed.script else []) + [str(parsed.language)]:
        if territory:
            break
        likely = str(get_global("likely_subtags").get(key, "")).split("_")
        territory = next((part for part in likely[1:] if len(part) == 2 and part.isupper()), None)
    return f"{parsed.language}_{territory}" if territory else str(parsed.language)


#: The comma between the parts of a text (a source and its date, a list of audiences), by script.
_COMMAS = {"Arab": "\u060c ", "Hans": "\u3001", "Hant": "\u3001", "Jpan": "\u3001"}


def list_comma(lang: str) -> str:
    """Return the comma a language writes between parts: "، " in Arabic script, "、" in Chinese and Japanese,
    else ", " (an Arabic page read "المصدر: NCMEC, ١ أبريل ٢٠٢٤" with a Latin comma)."""
    from generator.core.fonts import script_of

    return _COMMAS.get(script_of(lang), ", ")


@lru_cache(maxsize=64)
def _digit_zero(locale: str) -> str:
    try:
        system = str(Locale.parse(locale).default_numbering_system)
    except (UnknownLocaleError, ValueError):
        return "0"
    return DIGIT_ZERO.get(system, "0")


@lru_cache(maxsize=64)
def _percent_sign(locale: str) -> str:
    """Return CLDR's percent sign for the locale's numbers (ar: with its direction marks, ar_EG: ٪).

    The ``%`` of a CLDR pattern stands for this sign; Babel writes the ``%`` as it is.
    """
    try:
        babel_locale = Locale.parse(locale)
        symbols = babel_locale.number_symbols[str(babel_locale.default_numbering_system)]
        return str(symbols.get("percentSign") or "%")
    except (UnknownLocaleError, ValueError, KeyError):
        return "%"


@lru_cache(maxsize=4096)
def format_date(value: date, locale: str, style: str = "long") -> str:
    """Return a date as the locale writes it: fr ``25 mai 2022``, en ``25 May 2022``.

    ``style`` is full, long, medium or short, or a CLDR pattern (``d MMMM``).
    Memoised, and Babel's pattern is looked up once per locale and style:
    `babel.dates.format_date` does that lookup on every call, 15 µs of its 18.
    """
    babel_locale, pattern = _date_pattern(locale, style)
    return native_digits(str(pattern.apply(value, babel_locale)), locale)


@lru_cache(maxsize=64)
def _date_pattern(locale: str, style: str) -> tuple[Locale, DateTimePattern]:
    """Return Babel's locale and parsed pattern, as `babel.dates.format_date` works them out."""
    babel_locale = Locale.parse(locale)
    if style in ("full", "long", "medium", "short"):
        return babel_locale, parse_pattern(get_date_format(style, locale=babel_locale))  # type: ignore[arg-type]
    return babel_locale, parse_pattern(style)


def format_partial_date(iso: str, locale: str) -> str:
    """Return an ISO date that may lack day or month (``2022-05``) in the locale's words."""
    parts = [int(p) for p in iso.split("-")]
    if len(parts) == 3:
        return format_date(date(*parts), locale)
    if len(parts) == 2:
        return format_date(date(parts[0], parts[1], 1), locale, _month_and_year(locale))
    return native_digits(str(parts[0]), locale)


@lru_cache(maxsize=64)
def _month_and_year(locale: str) -> str:
    """Return the locale's own pattern for a month and its year (CLDR's ``yMMMM`` skeleton).

    Not ``MMMM y`` for all: Spanish writes "abril de 2023", Polish and Russian the
    month's nominative ("grudzień 2023", not "grudnia": of December), Hungarian and
    Japanese the year first.
    """
    skeletons = Locale.parse(locale).datetime_skeletons
    return str(skeletons[match_skeleton("yMMMM", skeletons) or "yMMMM"].pattern)


def language_name(code: str, locale: str | None = None) -> str:
    """Return a language's name from CLDR: in itself, capitalised (fr → Français), or in a locale's words
    (en in fr_FR → anglais); its code when CLDR does not know it.

    The one place language names come from: site.yaml's default names, templates'
    ``language_name``, and the check's messages (in English: locale ``en``).
    """
    base = code.split("-")[0]
    try:
        if locale is None:
            own = Locale.parse(base)
            name = own.get_language_name(own) or code
            return name[:1].upper() + name[1:]
        return str(Locale.parse(locale).languages.get(base, code))
    except (UnknownLocaleError, ValueError):
        return code


def seconds_text(seconds: float) -> str:
    """Return a duration as the editor's language writes it: ``0.33`` in English, ``0,33`` in French."""
    from generator.core.messages import active_language

    return format_decimal(seconds, format="0.00", locale=active_language())


def left_to_right(text: str) -> str:
    """Return a text that reads left to right wherever it stands, its spaces unbreakable: a phone number.

    Plain in a right-to-left line, "+44 20 7946 0000" is laid out group by group from the right, and shows
    as "0000 7946 20 44+". Between LEFT-TO-RIGHT ISOLATE and POP DIRECTIONAL ISOLATE (Unicode's bidi
    algorithm, as ``<bdi dir="ltr">`` in HTML) it keeps its order, also inside a UI string ("اتصل بالرقم
    {phone}") and in the PDFs; screen readers do not read the two marks. Its spaces become no-break spaces,
    so that no line ends between its groups ("+34 91 123 45" above "67" on a phone). Its hyphens stay as
    they are: a joiner after them made "3456-7890" one word the search could not find "7890" in, and broke
    a fact sheet's long addresses in the middle of a word.
    """
    return "\u2066" + text.replace(" ", "\u00a0") + "\u2069"


def isolated(text: str) -> str:
    """Return a name that keeps to itself in a line of either direction (FIRST STRONG ISOLATE … POP
    DIRECTIONAL ISOLATE: what ``<bdi>`` does in pages and fact sheets, for the cards).

    Plain, "المصدر: NCMEC، 15 مارس 2024" is laid out with the day beside the Latin name it follows
    ("Source: 15 NCMEC, March 2024" for a reader); isolated, the name is one piece and the date stays whole.
    """
    return f"\u2068{text}\u2069"


@lru_cache(maxsize=64)
def text_direction(code: str) -> str:
    """Return ``rtl`` for a language or locale CLDR writes right to left (ar, fa, he…), else ``ltr``.

    The one place directions come from: pages (``<html dir>``), cards and texts in another language.
    """
    try:
        return "rtl" if Locale.parse(code.replace("-", "_")).character_order == "right-to-left" else "ltr"
    except (ValueError, LookupError, UnknownLocaleError):
        return "ltr"
