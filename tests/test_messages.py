"""What Vigie says, in the editor's language: the catalogs are complete and the language is chosen as documented."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

from generator.core import messages
from generator.core.messages import LOCALE_DIR, choose_language, compile_catalog, language_of

REPO = Path(__file__).resolve().parent.parent
POT = LOCALE_DIR / "vigie.pot"
PLACEHOLDER = re.compile(r"\{[^{}]*\}")


def _catalog(language: str):  # noqa: ANN202 - Babel's Catalog
    with (LOCALE_DIR / language / "LC_MESSAGES" / "vigie.po").open("rb") as fp:
        return read_po(fp, locale=language)


def test_the_template_lists_exactly_the_messages_of_the_code(tmp_path: Path) -> None:
    fresh = tmp_path / "vigie.pot"
    subprocess.run([sys.executable, "-m", "babel.messages.frontend", "-q", "extract", "-F", str(LOCALE_DIR / "babel.cfg"),
                    "-o", str(fresh), "--no-location", "--sort-output", "--omit-header", "."],
                   cwd=REPO, check=True, capture_output=True)
    with fresh.open("rb") as fp:
        in_code = {m.id for m in read_po(fp) if m.id}
    with POT.open("rb") as fp:
        in_template = {m.id for m in read_po(fp) if m.id}
    assert in_code == in_template, "run the pybabel extract and update commands of generator/core/messages.py"


def test_every_message_has_a_french_translation_with_the_same_placeholders() -> None:
    with POT.open("rb") as fp:
        wanted = {m.id for m in read_po(fp) if m.id}
    french = _catalog("fr")
    problems = []
    for message in french:
        if not message.id:
            continue
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        if message.fuzzy or not all(strings):
            problems.append(f"untranslated: {ids[0]!r}")
            continue
        if any(sorted(PLACEHOLDER.findall(s)) != sorted(PLACEHOLDER.findall(ids[-1])) for s in strings[1:]) \
                or sorted(PLACEHOLDER.findall(strings[0])) != sorted(PLACEHOLDER.findall(ids[0])):
            problems.append(f"placeholders differ: {ids[0]!r}")
    missing = wanted - {m.id for m in french if m.id}
    problems += [f"not in the French catalog: {m!r}" for m in sorted(map(str, missing))]
    assert not problems, "\n".join(problems)


def test_a_compiled_catalog_translates(tmp_path: Path) -> None:
    mo = compile_catalog(LOCALE_DIR / "fr" / "LC_MESSAGES" / "vigie.po")
    import gettext
    import io

    fr = gettext.GNUTranslations(io.BytesIO(mo))
    assert fr.ngettext("{count} error; nothing was written", "{count} errors; nothing was written", 2) \
        == "{count} erreurs ; rien n'a été écrit"
    # French counts zero and one alike: the catalog's header must say so (a catalog without it counts as English).
    assert fr.ngettext("{count} error; nothing was written", "{count} errors; nothing was written", 0) \
        == "{count} erreur ; rien n'a été écrit"


@pytest.mark.parametrize(("flag", "environ", "expected"), [
    ("fr", {"LANG": "en_GB.UTF-8"}, "fr"),
    (None, {"VIGIE_LANG": "fr", "LANG": "en_US.UTF-8"}, "fr"),
    (None, {"LANG": "fr_FR.UTF-8"}, "fr"),
    (None, {"LC_ALL": "fr_CA.UTF-8", "LANG": "en_US.UTF-8"}, "fr"),
    (None, {"LC_MESSAGES": "fr_BE@euro", "LANG": "en_US"}, "fr"),
    (None, {"LANG": "de_DE.UTF-8"}, "en"),
    (None, {"LANG": "C.UTF-8"}, "en"),
    (None, {}, "en"),
    ("en", {"VIGIE_LANG": "fr"}, "en"),
    ("de", {"LANG": "fr_FR.UTF-8"}, "fr"),  # refused by the command line, in the locale's language
])
def test_the_language_comes_from_the_flag_then_the_environment(flag, environ, expected) -> None:
    assert choose_language(flag, environ) == expected


def test_language_of_reads_locale_names() -> None:
    assert language_of("fr_FR.UTF-8") == "fr" and language_of("FR") == "fr" and language_of("fr-BE") == "fr"
    assert language_of("POSIX") is None and language_of("") is None


def test_activate_switches_what_messages_say() -> None:
    try:
        messages.activate("fr")
        assert messages._("Build multilingual awareness campaign sites.").startswith("Construire")
        messages.activate("en")
        assert messages._("Build multilingual awareness campaign sites.") == "Build multilingual awareness campaign sites."
    finally:
        messages.activate("en")
