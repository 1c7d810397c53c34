"""Figures and dates as each locale writes them (CLDR through Babel)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from generator.core.formats import format_date, format_partial_date, format_value, og_locale
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


@pytest.mark.parametrize("fmt", ["number", "percent"])
@given(tenths=st.integers(0, 100_000))
def test_a_value_with_decimals_is_shown_with_the_digits_written(fmt: str, tenths: int) -> None:
    # 33.3 / 100 is 0.33299999999999996 in binary: a quarter of one-decimal percentages came out that way
    for written in (f"{tenths // 10}.{tenths % 10}", f"{tenths // 100}.{tenths % 100:02d}"):
        value = float(written)
        shown = format_value(value, fmt, "en_GB").replace(",", "").removesuffix("%")
        assert shown == repr(value).removesuffix(".0"), (written, fmt)


def test_year_is_never_grouped_even_as_a_number_format_would() -> None:
    assert format_value(2021, "number", "en_GB") == "2,021"
    assert format_value(2021, "year", "en_GB") == "2021"


def test_qualifier_comes_before_the_figure() -> None:
    fact = Fact(id="x", source_path=Path("x.yaml"), value=12500, format="number", qualifier="more_than",
                label={}, context={}, note={}, source=FactSource("P", {}, "https://p.example/", "2022"), slug={},
                tags=())
    assert format_figure(fact, "fr_FR", "plus de") == f"plus de 12{NNBSP}500"
    assert format_figure(fact, "en_GB", "more than") == "more than 12,500"


@pytest.mark.parametrize(("value", "qualifier", "locale", "expected"), [
    # "plus de 2,5 millions" was published for 2,460,000: rounded to the nearest, above the figure it qualifies.
    (2460000, "more_than", "fr_FR", "plus de 2,4 millions"),
    (2460000, "more_than", "en_GB", "more than 2.4 million"),
    (2460000, "about", "en_GB", "about 2.5 million"),
    (2460000, None, "en_GB", "2.5 million"),
    (1240000, "less_than", "en_GB", "less than 1.3 million"),
    (1240000, "up_to", "en_GB", "up to 1.3 million"),
    (2400000, "more_than", "en_GB", "more than 2.4 million"),  # already round: unchanged either way
    (2400000, "less_than", "en_GB", "less than 2.4 million"),
    (29397681, "more_than", "ja_JP", "more than 2939.7万"),  # in the unit the locale counts in
    (2469000, "more_than", "hi_IN", "more than 24.6 लाख"),
])
def test_a_compact_figure_is_rounded_the_way_its_qualifier_stays_true(value: int, qualifier: str | None,
                                                                      locale: str, expected: str) -> None:
    fact = Fact(id="x", source_path=Path("x.yaml"), value=value, format="compact", qualifier=qualifier,
                label={}, context={}, note={}, source=FactSource("P", {}, "https://p.example/", "2022"), slug={},
                tags=())
    words = {"more_than": "more than", "less_than": "less than", "up_to": "up to", "about": "about"}
    french = {"more_than": "plus de"}
    prefix = (french if locale.startswith("fr") else words).get(qualifier or "", "")
    assert format_figure(fact, locale, prefix) == expected


@pytest.mark.parametrize("iso, locale, expected", [
    ("2022-05-25", "fr_FR", "25 mai 2022"),
    ("2022-05-25", "en_GB", "25 May 2022"),
    ("2022-05", "fr_FR", "mai 2022"),
    ("2022-05", "en_GB", "May 2022"),
    ("2023", "fr_FR", "2023"),
    # A month and its year as each language writes them, not "MMMM y" for all ("abril 2023", "grudnia 2023":
    # of December, "2023 december" were published).
    ("2023-04", "es_ES", "abril de 2023"),
    ("2023-04", "pt_BR", "abril de 2023"),
    ("2023-12", "pl_PL", "grudzień 2023"),
    ("2023-12", "ru_RU", "декабрь 2023\u202fг."),
    ("2023-12", "hu_HU", "2023. december"),
    ("2023-12", "de_DE", "Dezember 2023"),
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


# CLDR per locale, as the CLDR data shipped with Babel gives it: the grouping and
# decimal signs, the percent sign (ar: wrapped in left-to-right marks; ar_EG: ٪ and the Arabic letter mark)
# and, where the locale's default numbering system is not latn, its digits.
LRM, ALM = "\u200e", "\u061c"
CLDR_TABLE = [
    # locale, 12500, 72.3 %, 29 397 681 compact, 2021 as a year
    ("fr_FR", f"12{NNBSP}500", f"72,3{NBSP}%", "29,4 millions", "2021"),
    ("en_GB", "12,500", "72.3%", "29.4 million", "2021"),
    ("nl", "12.500", "72,3%", "29,4 miljoen", "2021"),
    ("nl_BE", "12.500", "72,3%", "29,4 miljoen", "2021"),
    ("de", "12.500", f"72,3{NBSP}%", "29,4 Millionen", "2021"),
    ("de_CH", "12'500", "72.3%", "29.4 Millionen", "2021"),
    ("es", "12.500", f"72,3{NBSP}%", "29,4 millones", "2021"),
    ("it", "12.500", "72,3%", "29,4 milioni", "2021"),
    ("ar", "12,500", f"72.3{LRM}%{LRM}", "29.4 مليون", "2021"),
    ("ar_MA", "12.500", f"72,3{LRM}%{LRM}", "29,4 مليون", "2021"),
    ("ar_EG", "١٢٬٥٠٠", f"٧٢٫٣٪{ALM}", "٢٩٫٤ مليون", "٢٠٢١"),
]


@pytest.mark.parametrize("locale, number, percent, compact, year", CLDR_TABLE)
def test_cldr_number_table_per_locale(locale: str, number: str, percent: str, compact: str, year: str) -> None:
    assert format_value(12500, "number", locale) == number
    assert format_value(72.3, "percent", locale) == percent
    assert format_value(29397681, "compact", locale) == compact
    assert format_value(2021, "year", locale) == year


def test_arabic_indic_digits_in_dates_where_the_locale_uses_them() -> None:
    assert format_partial_date("2022-05", "ar_EG") == "مايو ٢٠٢٢"
    assert format_partial_date("2022-05", "ar") == "مايو 2022"
    assert format_partial_date("2023", "ar_EG") == "٢٠٢٣"


def test_check_reads_numbers_in_the_locale_digits_and_signs() -> None:
    from generator.commands.check import numbers_in

    assert numbers_in("بلغ ١٢٬٥٠٠٫٥ طفل", "ar_EG") == [(12500.5, "١٢٬٥٠٠٫٥")]
    assert numbers_in("meer dan 12.500 kinderen", "nl") == [(12500.0, "12.500")]


@pytest.mark.parametrize(("locale", "written"), [("fr", "fr_FR"), ("fr_BE", "fr_BE"), ("ar", "ar_EG"), ("he", "he_IL"),
                                                 ("zh_Hant", "zh_TW"), ("pt", "pt_BR"), ("de-CH", "de_CH")])
def test_og_locale_has_a_territory(locale: str, written: str) -> None:
    # A site without `locales` wrote og:locale "fr", which link previews read as ll_TT only.
    assert og_locale(locale) == written


@pytest.mark.parametrize(("locale", "value", "written"), [
    # Published ten and a hundred times too large: CLDR's Nepali data names a million करोड (its short form
    # says करोड for ten million), and Babel writes Swahili's "milioni 0" patterns with the zeros miscounted.
    ("ne_NP", 29_397_681, "२,९३,९७,६८१"),
    ("ne_NP", 1_500_000, "१५,००,०००"),
    ("sw", 29_397_681, "29,397,681"),
    # Locales whose compact figures are right keep them.
    ("sw_KE", 29_397_681, "milioni 29.4"),
    ("hi_IN", 29_397_681, "2.9 करोड़"),
    ("mr_IN", 1_500_000, "१५ लाख"),
    ("ar_EG", 29_397_681, "٢٩٫٤ مليون"),
    ("fr_FR", 29_397_681, "29,4 millions"),
    ("ja_JP", 29_397_681, "2939.8万"),
])
def test_a_compact_figure_is_never_wrong_it_is_written_in_full_instead(locale: str, value: int, written: str) -> None:
    assert format_value(value, "compact", locale) == written


def test_a_duration_is_written_as_the_editor_s_language_writes_it(french: object) -> None:
    # vigie serve said "72 fichiers en 2.10 s" where vigie build says "en 1,27 s".
    from generator.core import messages
    from generator.core.formats import seconds_text

    assert seconds_text(2.1) == "2,10"
    messages.activate("en")
    assert seconds_text(2.1) == "2.10"


@pytest.mark.parametrize(("pattern", "expected"), [
    ("{publisher}, “{title}”, {date}, {url}.", "IWF, April 2024, https://iwf.example/."),
    ("{publisher}, « {title} », {date}, {url}.", "IWF, April 2024, https://iwf.example/."),
    ("{publisher}، «{title}»، {date}، {url}.", "IWF، April 2024، https://iwf.example/."),
    # "Internet Watch Foundation.. april 2022." with a pattern of full stops (found from outside)
    ("{publisher}. {title}. {date}. {url}.", "IWF. April 2024. https://iwf.example/."),
    ("{publisher} – {title} ({date})", "IWF – (April 2024)"),
])
def test_a_citation_without_title_keeps_one_separator_whatever_the_pattern(pattern: str, expected: str) -> None:
    from generator.render.views import _NO_TITLE, without_title

    made = pattern.format(publisher="IWF", title=_NO_TITLE, date="April 2024", url="https://iwf.example/")
    assert without_title(made) == expected
