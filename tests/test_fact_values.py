"""A figure's value and format: the advice fits the mistake (a % sign, spaces between thousands)."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from generator.core import messages
from generator.core.errors import ErrorCollector
from generator.sources.config import load_config
from generator.sources.facts import load_facts

SITE = "title: {fr: Test, en: Test}\nbase_url: https://test.example.org/\nlanguages: [fr, en]\ndefault_language: fr\n"
REST = ("label: {fr: des victimes, en: of victims}\n"
        "source:\n  publisher: INTERPOL\n  url: https://www.interpol.int/\n  date: 2022-05-25\n")


def _load(tmp_path: Path, head: str) -> tuple[dict[str, object], list[str], ErrorCollector]:
    (tmp_path / "site.yaml").write_text(SITE, encoding="utf-8")
    (tmp_path / "content" / "facts").mkdir(parents=True)
    (tmp_path / "content" / "facts" / "f.yaml").write_text(head + REST, encoding="utf-8")
    errors = ErrorCollector()
    logger = logging.getLogger("generator")
    records: list[logging.LogRecord] = []
    handler = logging.Handler()
    handler.emit = records.append  # type: ignore[method-assign]
    logger.addHandler(handler)
    old_level = logger.level
    logger.setLevel(logging.INFO)
    try:
        facts = load_facts(load_config(tmp_path), errors)
    finally:
        logger.removeHandler(handler)
        logger.setLevel(old_level)
    warnings = [r.getMessage() for r in records if r.levelno == logging.WARNING]
    return dict(facts), warnings, errors


@pytest.mark.parametrize(("head", "advice"), [
    ("value: 72%\nformat: percent\n", "with format: percent, write the number without the % sign: value: 72 "),
    ("value: 72,5 %\nformat: percent\n", "value: 72.5 "),
    ('value: "72%"\nformat: number\n', "the value '72%' is a percentage: write value: 72 and format: percent"),
    ("value: 12 500\nformat: number\n", "write the figure without spaces: value: 12500 "),
    ("value: douze\nformat: number\n", "with format 'number' the value must be a number; write format: text"),
])
def test_a_text_value_with_a_number_format_says_what_to_write(tmp_path: Path, head: str, advice: str) -> None:
    facts, _, errors = _load(tmp_path, head)
    assert facts == {}
    assert [(e.source, e.line) for e in errors.errors] == [("content/facts/f.yaml", 1)]
    assert advice in errors.errors[0].message
    assert "format: text" not in errors.errors[0].message or "douze" in head


@pytest.mark.parametrize(("head", "advice"), [
    # To YAML 12.500 is twelve and a half; where a dot separates thousands it is twelve thousand five hundred.
    ("value: 12.500\n", "'value' 12.500 can be read two ways: write 12500 if the dot separates thousands, or 12.5 "
                        "for the decimal number"),
    ("value: 1.250\nformat: compact\n", "write 1250 if the dot separates thousands, or 1.25 for the decimal"),
    ("value: -12.345\n", "write -12345 if the dot separates thousands, or -12.3450 for the decimal number"),
    ("value: 1:30.5\n", "'value' is written '1:30.5', which YAML reads as 90.5; write the figure with digits only"),
    # YAML 1.1 reads 1e14 as a text: the page showed "1e14"
    ("value: 1e14\n", "'1e14' is written in scientific notation, which a page would show as it is; write the "
                      "figure with digits only: value: 100000000000000"),
    ("value: 2.5E6\nformat: compact\n", "write the figure with digits only: value: 2500000"),
    # a binary float keeps 15 to 17 digits: the page showed 12.345678901234567
    ("value: 12.3456789012345678\n", "'value' 12.3456789012345678 has more digits than a figure can keep (15 at "
                                     "most; it would be shown 12.345678901234567): round it"),
])
def test_a_decimal_that_means_two_things_is_refused_with_both_spellings(tmp_path: Path, head: str,
                                                                         advice: str) -> None:
    facts, _, errors = _load(tmp_path, head)
    assert facts == {}
    assert [(e.source, e.line) for e in errors.errors] == [("content/facts/f.yaml", 1)]
    assert advice in errors.errors[0].message


@pytest.mark.parametrize(("written", "value"), [("12.5", 12.5), ("-12.3450", -12.345), ("1000.500", 1000.5),
                                                ("0.125", 0.125), ("72.25", 72.25), ("1.5e+3", 1500.0),
                                                ("0.000000000000000012", 1.2e-17), ("12.345678901234", 12.345678901234)])
def test_a_decimal_with_one_meaning_is_taken_as_written(tmp_path: Path, written: str, value: float) -> None:
    facts, _, errors = _load(tmp_path, f"value: {written}\n")
    assert errors.errors == []
    assert facts["f"].value == value  # type: ignore[attr-defined]


@pytest.mark.parametrize("head", ['value: "72%"\n', "value: 72 %\n", "value: 72.5%\n"])
def test_a_percentage_written_as_text_without_format_is_a_warning(tmp_path: Path, head: str) -> None:
    facts, warnings, errors = _load(tmp_path, head)
    assert errors.errors == [] and list(facts) == ["f"]
    assert len(warnings) == 1
    assert warnings[0].startswith("content/facts/f.yaml:1: warning: the value '")
    assert "so French pages show" in warnings[0] and "and format: percent" in warnings[0]


@pytest.mark.parametrize("head", ["value: 72\nformat: percent\n", 'value: "72%"\nformat: text\n',
                                  "value: plus de 70 %\n"])
def test_no_warning_when_the_format_is_chosen_or_the_text_is_no_percentage(tmp_path: Path, head: str) -> None:
    facts, warnings, errors = _load(tmp_path, head)
    assert (errors.errors, warnings, list(facts)) == ([], [], ["f"])


def test_the_advice_speaks_french(tmp_path: Path) -> None:
    try:
        messages.activate("fr")
        _, warnings, _ = _load(tmp_path, "value: 72.5%\n")
    finally:
        messages.activate("en")
    assert warnings == ["content/facts/f.yaml:1: warning: la valeur '72.5%' est affichée telle quelle, donc les pages "
                        "en français affichent '72.5%' au lieu de '72,5 %' ; écrivez value: 72.5 et format: percent"]
