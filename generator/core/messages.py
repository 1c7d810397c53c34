"""What Vigie says, in the editor's language: gettext catalogs kept with Babel.

Every sentence Vigie prints or writes for the editor goes through `_` (or
`ngettext` when it counts something). The catalogs are ``.po`` files in
``generator/locale/<lang>/LC_MESSAGES/vigie.po``, managed with Babel's tools::

    pybabel extract -F generator/locale/babel.cfg -o generator/locale/vigie.pot \
        --no-location --sort-output --omit-header .
    pybabel update -i generator/locale/vigie.pot -d generator/locale -D vigie
    # translate the new entries of generator/locale/fr/LC_MESSAGES/vigie.po, then
    pybabel compile -d generator/locale -D vigie     # optional: a stale .mo is never used

A wheel ships the compiled ``.mo`` files (the build hook compiles them). In a
checkout whose ``.mo`` is missing or older than its ``.po``, the catalog is
compiled in memory when first needed, so an edited translation shows at once.

The language comes from `choose_language`: ``--ui-lang``, else ``VIGIE_LANG``,
else the locale (``LC_ALL``, ``LC_MESSAGES``, ``LANG``), else English. Forked
workers inherit it. The ``error:`` and ``warning:`` keywords are never
translated (see `generator.core.errors.message_line`).
"""

from __future__ import annotations

import gettext
import io
import logging
from pathlib import Path
from typing import Mapping

log = logging.getLogger(__name__)

DOMAIN = "vigie"
LOCALE_DIR = Path(__file__).resolve().parent.parent / "locale"
#: The languages Vigie speaks; English is the source language of every message.
UI_LANGUAGES = ("en", "fr")
DEFAULT_UI_LANGUAGE = "en"
#: Where the language comes from, after ``--ui-lang``, in order.
LANGUAGE_VARIABLES = ("VIGIE_LANG", "LC_ALL", "LC_MESSAGES", "LANG")

_active: gettext.NullTranslations = gettext.NullTranslations()
_active_language = DEFAULT_UI_LANGUAGE


def language_of(value: str) -> str | None:
    """Return the UI language a locale name or language code asks for (``fr_FR.UTF-8`` → ``fr``), if Vigie speaks it."""
    code = value.split(".")[0].split("@")[0].replace("-", "_").split("_")[0].strip().lower()
    return code if code in UI_LANGUAGES else None


def choose_language(flag: str | None, environ: Mapping[str, str]) -> str:
    """Return the language to speak: ``flag``, else the first variable that is set, else English.

    A variable set to a language Vigie does not speak (``LANG=de_DE.UTF-8``)
    means English, as gettext programs do; ``C`` and ``POSIX`` too.
    """
    if flag and (code := language_of(flag)):
        return code
    # A flag Vigie does not speak (--ui-lang de) is refused by the command line, in the environment's language.
    for name in LANGUAGE_VARIABLES:
        value = environ.get(name, "")
        if value:
            return language_of(value) or DEFAULT_UI_LANGUAGE
    return DEFAULT_UI_LANGUAGE


def catalog(language: str) -> gettext.NullTranslations:
    """Return the translations of one language (nothing to translate for English)."""
    if language == DEFAULT_UI_LANGUAGE:
        return gettext.NullTranslations()
    po = LOCALE_DIR / language / "LC_MESSAGES" / f"{DOMAIN}.po"
    mo = po.with_suffix(".mo")
    if mo.is_file() and (not po.is_file() or mo.stat().st_mtime >= po.stat().st_mtime):
        with mo.open("rb") as fp:
            return gettext.GNUTranslations(fp)
    if not po.is_file():
        log.debug("no catalog for %s in %s", language, LOCALE_DIR)
        return gettext.NullTranslations()
    return gettext.GNUTranslations(io.BytesIO(compile_catalog(po)))


def compile_catalog(po: Path) -> bytes:
    """Return the ``.mo`` bytes of a ``.po`` file, as ``pybabel compile`` writes them (fuzzy entries left out)."""
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    with po.open("rb") as fp:
        messages = read_po(fp, locale=po.parent.parent.name, domain=DOMAIN)
    out = io.BytesIO()
    write_mo(out, messages, use_fuzzy=False)
    return out.getvalue()


def activate(language: str) -> None:
    """Speak ``language`` from now on (in this process and the workers it forks)."""
    global _active, _active_language
    _active_language = language if language in UI_LANGUAGES else DEFAULT_UI_LANGUAGE
    _active = catalog(_active_language)


def active_language() -> str:
    """Return the language Vigie speaks now."""
    return _active_language


def _(message: str) -> str:
    """Return ``message`` in the language Vigie speaks (itself when it has no translation)."""
    return _active.gettext(message)


def ngettext(singular: str, plural: str, count: int) -> str:
    """Return the form of a counted message that ``count`` takes in the language Vigie speaks."""
    return _active.ngettext(singular, plural, count)


def N_(message: str) -> str:
    """Mark ``message`` for the catalog without translating it now (it is translated where it is shown)."""
    return message
