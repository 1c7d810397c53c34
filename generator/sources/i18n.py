"""UI strings per language (layouts/i18n/<lang>.yaml), site over default, key by key."""

from __future__ import annotations

import difflib
import functools
import logging
import string
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Mapping

from babel import Locale

from generator.core.errors import ErrorCollector, SiteError
from generator.core.formats import native_digits
from generator.core.messages import _, ngettext
from generator.model import SiteConfig
from generator.sources.theme import default_theme_dir, theme_dirs
from generator.sources.schema import as_written
from generator.sources.yamlsource import parse_yaml, read_text

log = logging.getLogger(__name__)

REFERENCE_LANGUAGE = "en"
"""The default theme's file every language's keys are checked against (with the keys of the site's own files)."""

PLURAL_CATEGORIES = ("zero", "one", "two", "few", "many", "other")
"""CLDR's plural categories: a key ending in one of them is one form of a counted text (``search.results.one``)."""


@dataclass(frozen=True, slots=True)
class Strings:
    """The UI strings of one language."""

    lang: str
    values: Mapping[str, str]
    """Dotted key → text."""
    shown: str
    """The file an editor would add a missing key to."""
    locale: str = ""
    """The language's CLDR locale: which plural form of a counted text a number takes."""

    def get(self, key: str, **params: Any) -> str:
        """Return the text for a key, with ``{name}`` placeholders filled in.

        A counted text (``resources.page_count.one``, ``….other``) takes the form of
        the locale's plural category for ``count`` ("1 page", "2 pages"), ``other``
        when the language has no text of its own for that category.
        """
        count = params.get("count")
        if key not in self.values and f"{key}.other" in self.values and isinstance(count, int):
            category = Locale.parse(self.locale or self.lang.replace("-", "_")).plural_form(abs(count))
            key = f"{key}.{category}" if f"{key}.{category}" in self.values else f"{key}.other"
        try:
            text = self.values[key]
        except KeyError:  # every language has every key (`load_strings`): a name no file gives, a template's typo
            raise SiteError(_("unknown UI string '{key}': no file of layouts/i18n/ gives it; check its name (or add "
                              "it to every language's file)").format(key=key)) from None
        if params:
            if self.locale:  # a number in the language's own digits (ar_EG: ١ page), like every other number
                params = {name: native_digits(str(value), self.locale)
                          if isinstance(value, int) and not isinstance(value, bool) else value
                          for name, value in params.items()}
            try:
                return text.format(**params)
            except (KeyError, IndexError, ValueError) as exc:
                raise SiteError(_("UI string '{key}' has a placeholder problem ({problem}); available: {names}")
                                .format(key=key, problem=exc, names=", ".join(params)), source=self.shown) from None
        return text

    def has(self, key: str) -> bool:
        """Return whether the key exists."""
        return key in self.values


def load_strings(config: SiteConfig) -> dict[str, Strings]:
    """Read the UI strings of every site language (defaults, then the site's own keys).

    Every language must have every key that any language (or the default theme's
    English) has: one error per language lists all the keys it lacks. A counted text
    (keys ending in a CLDR plural category, such as ``search.results.one``) needs its
    ``other`` form, and its ``one`` form in a language whose locale has one; the other
    forms (``zero``, ``two``, ``few``, ``many``) are optional, ``other`` standing in.
    """
    result = {}
    found_files: dict[str, bool] = {}
    reference = default_theme_dir() / "layouts" / "i18n" / f"{REFERENCE_LANGUAGE}.yaml"
    reference_texts = _read(reference, config.root) if reference.is_file() else {}
    expected = dict.fromkeys(reference_texts)
    errors = ErrorCollector()
    for code in config.codes:
        merged: dict[str, str] = {}
        found_files[code] = False
        for folder in reversed(theme_dirs(config.root, "layouts")):
            path = folder / "i18n" / f"{code}.yaml"
            if path.is_file():
                found_files[code] = True
                lines: dict[str, int | None] = {}
                texts = _read(path, config.root, lines)
                for key, text in texts.items():  # {n} where Vigie fills {count}: an error on the day it is shown
                    problem = _placeholder_problem(key, text, reference_texts)
                    if problem is not None:
                        errors.add(SiteError(problem, source=_shown(path, config.root), line=lines.get(key)))
                merged.update(_as_counted(texts, expected, merged))
                for key, line in lines.items():  # a key near a theme key is a typo, not a key of the site's own
                    problem = _unknown_key(key, expected)
                    if problem is not None:
                        errors.add(SiteError(problem, source=_shown(path, config.root), line=line))
                        merged.pop(key, None)
        result[code] = Strings(code, merged, f"layouts/i18n/{code}.yaml", config.language(code).locale)
    for strings in result.values():
        expected.update(dict.fromkeys(strings.values))
    for code, strings in result.items():
        if not found_files[code]:
            errors.add(SiteError(
                _("there are no UI strings for the language '{code}': copy layouts/i18n/{reference}.yaml of the "
                  "default theme to this file and translate every text").format(code=code, reference=REFERENCE_LANGUAGE),
                source=strings.shown))
            continue
        missing = [key for key in expected
                   if key not in strings.values and _required(key, config.language(code).locale)]
        if missing:
            errors.add(SiteError(
                ngettext("missing UI string {keys}; add it to this file",
                         "missing UI strings ({count}): {keys}; add them to this file", len(missing))
                .format(count=len(missing), keys=", ".join(f"'{key}'" for key in missing)),
                source=strings.shown))
    errors.raise_if_any()
    return result


def counted_name(key: str) -> str:
    """Return the name templates read a form of a counted text by (``resources.page_count.one`` → ``….page_count``);
    any other key as it is."""
    prefix, _dot, category = key.rpartition(".")
    return prefix if prefix and category in PLURAL_CATEGORIES else key


def _as_counted(texts: dict[str, str], expected: Mapping[str, Any], merged: dict[str, str]) -> dict[str, str]:
    """Return a file's texts with one text written for a counted text of the theme standing for all its forms.

    A file written before the theme counted a text (``page_count: "{count} pages"``
    where the theme now has ``page_count: {one: …, other: …}``) keeps working as it
    did: its text for every number, the theme's forms of that text dropped.
    """
    for key in [key for key in texts if key not in expected and f"{key}.other" in expected]:
        text = texts.pop(key)
        for category in PLURAL_CATEGORIES:
            merged.pop(f"{key}.{category}", None)
        texts[f"{key}.other"] = texts[f"{key}.one"] = text
    return texts


def _required(key: str, locale: str) -> bool:
    """Return whether every language must have ``key``: all keys but the optional forms of a counted text."""
    prefix, _dot, category = key.rpartition(".")
    if not prefix or category not in PLURAL_CATEGORIES or category == "other":
        return True
    return category == "one" and "one" in Locale.parse(locale).plural_form.tags


def _read(path: Path, root: Path, lines: dict[str, int | None] | None = None) -> dict[str, str]:
    """Return a file's UI strings by dotted key (and their lines into ``lines``, when given)."""
    shown = _shown(path, root)
    texts, found = _parsed(read_text(path, shown), shown)
    if lines is not None:
        lines.update(found)
    return dict(texts)  # the caller's own: `_as_counted` changes it


@functools.lru_cache(maxsize=32)
def _parsed(text: str, shown: str) -> tuple[Mapping[str, str], Mapping[str, int | None]]:
    """Return the UI strings a file's text holds, and their lines; parsed once per process for the same text.

    Reading YAML with its lines takes about 7 ms per file, and every build reads the theme's files again
    (`vigie serve` at each change of site.yaml). A file with a mistake is read again each time (nothing kept).
    """
    data = parse_yaml(text, shown)
    if data is None:
        return {}, {}
    if not isinstance(data, dict):
        raise SiteError(_("UI strings must be 'key: text' lines"), source=shown, line=1)
    lines: dict[str, int | None] = {}
    return _flatten(data, shown, "", lines), lines


def _unknown_key(key: str, known: Mapping[str, Any]) -> str | None:
    """Return why a key of the site's own strings is a mistake: close to a theme key, or a group's name."""
    prefix, _dot, category = key.rpartition(".")
    if key in known or (category in PLURAL_CATEGORIES and f"{prefix}.other" in known):  # zero, two, few…: optional
        return None
    if f"{key}.other" in known:  # one text for every form of a counted text (`_as_counted`)
        return None
    group = [other for other in known if other.startswith(key + ".")]
    if group:
        return _("'{key}' is a group of UI strings in the default theme ({keys}, …): write its texts below it, "
                 "one key per line").format(key=key, keys=", ".join(group[:2]))
    close = ([other for other in known if other.endswith("." + key)]  # page_count.one for resources.page_count.one
             or difflib.get_close_matches(key, list(known), n=1, cutoff=0.85))
    if close:
        return _("unknown UI string '{key}'; did you mean '{hint}'?").format(key=key, hint=close[0])
    return None  # a key of the site's own, for its own layouts: every language must give it


def _flatten(data: Mapping[str, Any], shown: str, prefix: str, lines: dict[str, int | None]) -> dict[str, str]:
    flat: dict[str, str] = {}
    for key, value in data.items():
        full = f"{prefix}{key}"
        line = getattr(data, "line_of", lambda k: None)(key)
        if isinstance(value, Mapping):
            flat.update(_flatten(value, shown, full + ".", lines))
        elif isinstance(value, (str, int, float)) and not isinstance(value, bool):
            lines[full] = line
            flat[full] = text = as_written(value)
            problem = _text_problem(full, text)
            if problem is not None:
                raise SiteError(problem, source=shown, line=line)
        else:
            raise SiteError(_("UI string '{key}' must be a text").format(key=full), source=shown, line=line)
    return flat


def _placeholder_problem(key: str, text: str, reference: Mapping[str, str]) -> str | None:
    """Return why a theme text's placeholders cannot be filled: a name the theme's English text does not have
    (the page that shows it would stop the build, maybe only once a fact sheet has two pages)."""
    model = reference.get(key) or reference.get(f"{counted_name(key)}.other") or reference.get(f"{key}.other")
    if model is None:
        return None  # a key of the site's own
    try:
        list(string.Formatter().parse(text))  # (parse() is lazy)
    except ValueError:  # "{count pages": filled in, it would stop the build on the day it is shown, without a line
        if _names(model):
            return _("UI string '{key}' has a brace without its pair: a placeholder is a name between two braces, "
                     "e.g. {example}").format(key=key, example="{" + sorted(_names(model))[0] + "}")
        return None
    unknown = sorted(_names(text) - _names(model))
    if not unknown:
        return None
    allowed = ", ".join("{" + name + "}" for name in sorted(_names(model)))
    return _("UI string '{key}' has {placeholders}, which Vigie does not fill here; use {allowed}").format(
        key=key, placeholders=", ".join("{" + name + "}" for name in unknown),
        allowed=allowed or _("no placeholder"))


def _names(text: str) -> set[str]:
    """Return the placeholder names of a text (``{count} pages`` → {"count"})."""
    try:
        return {name for _literal, name, _spec, _conv in string.Formatter().parse(text) if name}
    except ValueError:
        return set()


def _text_problem(key: str, text: str) -> str | None:
    """Return what is wrong with a UI string: empty (a link or button without words), or a placeholder that is
    more than a name in braces (``{publisher:>1900000000}`` would fill every page with two billion spaces,
    ``{publisher.__class__}`` shows Python's insides)."""
    if not text.strip():
        return _("UI string '{key}' is empty: pages would show a link or a label without words; write its text"
                 ).format(key=key)
    try:
        fields = [(name, spec, conversion) for _literal, name, spec, conversion in string.Formatter().parse(text)
                  if name is not None]
    except ValueError:  # a lone brace: shown as written, or reported where the text is filled in
        return None
    for name, spec, conversion in fields:
        if not name.isidentifier() or spec or conversion:
            written = "{" + name + (f"!{conversion}" if conversion else "") + (f":{spec}" if spec else "") + "}"
            return _("UI string '{key}' has the placeholder '{placeholder}': a placeholder is a name in braces and "
                     "nothing more, e.g. {example}").format(key=key, placeholder=written[:60], example="{publisher}")
    return None


def _shown(path: Path, root: Path) -> str:
    try:
        return path.resolve().relative_to(root.resolve()).as_posix()
    except ValueError:
        return _("(default theme) {path}").format(path=f"layouts/i18n/{path.name}")
