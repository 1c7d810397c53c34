"""Figures and dates as each locale writes them (CLDR through Babel)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from generator.core.formats import format_date, format_partial_date, format_value
from generator.render.views import format_figure
from generator.model import Fact, FactSource

NNBSP, NBSP = "\u202f", "\u00a0"


@pytest.mark.parametrize("value, fmt, locale, expected", [
    (12500, "number", "fr_FR", f"12{NNBSP}500"),
    (12500, "number", "en_GB", "12,500"),
    (7, "number", "fr_FR", "7"),
    (72, "percent", "fr_FR", f"72{NBSP}%"),
    (72, "percent", "en_GB", "72%"),
    (72.3, "percent", "fr_FR", f"72,3{NBSP}%"),
    (72.3, "percent", "en_GB", "72.3%"),
    (29397681, "compact", "fr_FR", "29,4 millions"),
    (29397681, "compact", "en_GB", "29.4 million"),
    (300000000, "compact", "fr_FR", "300 millions"),
    (300000000, "compact", "en_GB", "300 million"),
    (4300000, "compact", "en_GB", "4.3 million"),
    (950, "compact", "fr_FR", "950"),
    (12500, "compact", "fr_FR", f"12{NNBSP}500"),
    (12500, "compact", "en_GB", "12,500"),
    (2021, "year", "fr_FR", "2021"),
    (2021, "year", "en_GB", "2021"),
    ("7 sur 10", "text", "fr_FR", "7 sur 10"),
])
def test_value_formats_per_locale(value: int | float | str, fmt: str, locale: str, expected: str) -> None:
    assert format_value(value, fmt, locale) == expected


def test_year_is_never_grouped_even_as_a_number_format_would() -> None:
    assert format_value(2021, "number", "en_GB") == "2,021"
    assert format_value(2021, "year", "en_GB") == "2021"


def test_qualifier_comes_before_the_figure() -> None:
    fact = Fact(id="x", source_path=Path("x.yaml"), value=12500, format="number", qualifier="more_than",
                label={}, context={}, note={}, source=FactSource("P", {}, "https://p.example/", "2022"), slug={},
                tags=())
    assert format_figure(fact, "fr_FR", "plus de") == f"plus de 12{NNBSP}500"
    assert format_figure(fact, "en_GB", "more than") == "more than 12,500"


@pytest.mark.parametrize("iso, locale, expected", [
    ("2022-05-25", "fr_FR", "25 mai 2022"),
    ("2022-05-25", "en_GB", "25 May 2022"),
    ("2022-05", "fr_FR", "mai 2022"),
    ("2022-05", "en_GB", "May 2022"),
    ("2023", "fr_FR", "2023"),
])
def test_source_dates_per_locale(iso: str, locale: str, expected: str) -> None:
    assert format_partial_date(iso, locale) == expected


def test_full_dates() -> None:
    assert format_date(date(2022, 5, 25), "fr_FR") == "25 mai 2022"
    assert format_date(date(2022, 5, 25), "en_GB") == "25 May 2022"


@pytest.mark.parametrize("locale", ["fr_FR", "en_GB", "de_DE", "ar", "ja_JP"])
@pytest.mark.parametrize("style", ["full", "long", "medium", "short", "d MMMM y", "EEE, MMM d, ''yy"])
def test_dates_read_as_babel_writes_them(locale: str, style: str) -> None:
    from datetime import timedelta

    from babel.dates import format_date as babel_format_date

    for day in (date(1999, 12, 31) + timedelta(days=37 * i) for i in range(60)):
        assert format_date(day, locale, style) == babel_format_date(day, format=style, locale=locale)


@pytest.mark.parametrize(("code", "locale", "name"), [
    ("fr", None, "Français"), ("en", None, "English"), ("de", None, "Deutsch"), ("ar", None, "العربية"),
    ("en", "fr_FR", "anglais"), ("fr", "en_GB", "French"), ("nl", "de_DE", "Niederländisch"),
    ("pt-br", None, "Português"), ("zz", None, "zz"), ("zz", "fr_FR", "zz"),
])
def test_language_names_come_from_cldr(code: str, locale: str | None, name: str) -> None:
    from generator.core.formats import language_name

    assert language_name(code, locale) == name
