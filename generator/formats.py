"""Numbers, figures and dates written the way each locale writes them (CLDR via Babel)."""

from __future__ import annotations

from datetime import date
from functools import lru_cache

from babel.dates import format_date as _babel_date
from babel.numbers import format_compact_decimal, format_decimal, format_percent

from generator.model import Fact


def format_value(value: int | float | str, fmt: str, locale: str) -> str:
    """Return a figure's value as the locale writes it (no qualifier)."""
    if fmt == "text" or isinstance(value, str):
        return str(value)
    if fmt == "number":
        return format_decimal(value, locale=locale, decimal_quantization=False)
    if fmt == "percent":
        return format_percent(value / 100, locale=locale, decimal_quantization=False)
    if fmt == "compact":
        if abs(value) < 1_000_000:  # "12 500" reads better than "12 mille" / "12.5 thousand"
            return format_decimal(value, locale=locale, decimal_quantization=False)
        return format_compact_decimal(value, format_type="long", fraction_digits=1, locale=locale)
    if fmt == "year":
        return str(int(value))
    raise ValueError(f"unknown format {fmt}")


def format_figure(fact: Fact, locale: str, qualifier_text: str) -> str:
    """Return the figure with its qualifier: ``plus de 12 500``."""
    figure = format_value(fact.value, fact.format, locale)
    return f"{qualifier_text} {figure}" if qualifier_text else figure


@lru_cache(maxsize=4096)
def format_date(value: date, locale: str, style: str = "long") -> str:
    """Return a date as the locale writes it: fr ``25 mai 2022``, en ``25 May 2022``.

    Memoised: Babel takes about 80 µs a call, and a site writes the same few
    hundred dates on thousands of pages.
    """
    return _babel_date(value, format=style, locale=locale)


def format_partial_date(iso: str, locale: str) -> str:
    """Return an ISO date that may lack day or month (``2022-05``) in the locale's words."""
    parts = [int(p) for p in iso.split("-")]
    if len(parts) == 3:
        return format_date(date(*parts), locale)
    if len(parts) == 2:
        return _babel_date(date(parts[0], parts[1], 1), format="MMMM y", locale=locale)
    return str(parts[0])
