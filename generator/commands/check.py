"""`vigie check`: validate a site without writing anything, and report translation status.

A check renders the whole site in memory (`render_site`) and turns what it
finds into `Finding`s at three levels:

- ``error``: anything a build would refuse (content errors), broken internal
  links and ``#anchors``;
- ``warning``: images without alt text, figures whose source is older than
  ``facts.stale_after`` years, figures shown rounded without a qualifier that
  says so, help contacts not checked for ``help_stale_after_days``, outdated
  translations, placeholder text left in a figure;
- ``info``: figures nobody cites, pages or figure texts missing in a language.

What must not go online yet (`generator.commands.publish`: text ``init`` or
``new`` wrote, ``TODO``, an example ``base_url``, a page that is a draft in one
language only) is counted in one line, and reported as errors by
``check --publish``. The text report shows a warning or info found
`GROUP_FROM` times or more once, with a count (``--verbose``: every one).

The translation status (`translation_status`) compares every translation
group and figure across languages; a translation is outdated when its
source-language file changed after it (git history, or the ``translated_from``
front matter date when the site is not a git checkout).
"""

from __future__ import annotations

import calendar
import json
import logging
import math
import re
import subprocess
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from html.parser import HTMLParser
from pathlib import Path
from typing import Any, Iterable, Mapping
from urllib.parse import unquote, urlsplit

from babel.numbers import get_decimal_symbol, get_group_symbol

from generator.build import BuildOptions, BuildResult, render_site, today_for_build
from generator.sources.config import CONFIG_FILE, load_config
from generator.core.errors import ErrorCollector, SiteError, SiteErrors, printable, message_line
from generator.sources.facts import load_facts
from generator.core.formats import compact_rounded, compact_step, format_value, language_name
from generator.core.messages import N_, _, active_language, ngettext
from generator.model import ROUNDING, Document, Fact, Folder, Site, SiteConfig
from generator.render.stages import Rendered, body_links, follow_link, shown_link
from generator.sources.yamlsource import LineDict, parse_yaml, read_text

log = logging.getLogger(__name__)

ERROR, WARNING, INFO = "error", "warning", "info"
LEVELS = (ERROR, WARNING, INFO)

SOURCE, TRANSLATED, MISSING, OUTDATED, PARTIAL = "source", "translated", "missing", "outdated", "partial"
"""Translation cell statuses: the original, an up-to-date translation, none, older than the original, or (a
figure) published in the language with some of its texts still missing there (its label is always there)."""
#: How the text table names each status (JSON keeps the keys above).
STATUS_NAMES = {SOURCE: N_("source"), TRANSLATED: N_("translated"), MISSING: N_("missing"),
                OUTDATED: N_("outdated"), PARTIAL: N_("partial")}

#: Localised texts of a figure that each language should have (the source title is
#: the publisher's own title, often in one language only, so it is not compared).
FACT_TEXTS = ("label", "context", "note", "alt")
PLACEHOLDER = "TODO"
_COLORS = {ERROR: "\033[1;31m", WARNING: "\033[1;33m", INFO: "\033[1;36m",
           OUTDATED: "\033[33m", PARTIAL: "\033[33m", MISSING: "\033[31m", TRANSLATED: "\033[32m"}
_RESET = "\033[0m"
#: A warning or info found this many times or more is shown once, with a count (see `Report.to_text`).
GROUP_FROM = 3


# -- records -----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Finding:
    """One thing the check found."""

    path: str
    """File shown to the editor (``content/fr/articles/a.md``), or empty for the site as a whole."""
    line: int | None
    level: str
    """``error``, ``warning`` or ``info``."""
    message: str
    kind: str = ""
    """What sort of finding it is (``stale-source``), to group repeated ones; empty: its message."""

    def location(self) -> str:
        """Return ``path:line``, ``path``, or an empty string."""
        if not self.path:
            return ""
        return f"{self.path}:{self.line}" if self.line is not None else self.path

    def to_dict(self) -> dict[str, Any]:
        """Return the JSON form: path, line, level, message."""
        return {"path": self.path, "line": self.line, "level": self.level, "message": self.message}


@dataclass(frozen=True, slots=True)
class TranslationCell:
    """One page or figure in one language."""

    status: str
    """``source``, ``translated``, ``missing`` or ``outdated``."""
    path: str | None
    """The file holding it (``None`` when missing)."""
    detail: str = ""
    """Why: dates compared, or which texts of a figure are missing."""


@dataclass(frozen=True, slots=True)
class TranslationRow:
    """A translation group (pages sharing a key) or a figure, across the site's languages."""

    kind: str
    """``page`` (an article, page, fact sheet or home text) or ``fact``."""
    key: str
    """Translation key (documents) or figure id."""
    title: str
    """Title or label in the source language."""
    source_lang: str
    """The language translations are made from (the default language when it exists)."""
    path: str
    """The source file."""
    cells: Mapping[str, TranslationCell]
    """Language code → status, in site order."""

    def to_dict(self) -> dict[str, Any]:
        """Return the JSON form."""
        return {
            "kind": self.kind, "key": self.key, "title": self.title, "source_language": self.source_lang,
            "path": self.path,
            "languages": {lang: {"status": c.status, "path": c.path, "detail": c.detail}
                          for lang, c in self.cells.items()},
        }


@dataclass
class Report:
    """Everything a check found, ready to print as text or JSON."""

    findings: list[Finding]
    translations: list[TranslationRow] | None = None
    """The translation table when asked for (``None`` otherwise)."""
    languages: tuple[str, ...] = ()
    complete: bool = True
    """False when the site does not build, so links, citations and translations were not checked."""
    publish: int = 0
    """How many things must change before publishing (listed as errors by ``check --publish``)."""
    publishing: bool = False
    """Whether this is ``check --publish``."""

    def __post_init__(self) -> None:
        self.findings = sorted(self.findings, key=_finding_order)

    def count(self, level: str) -> int:
        """Return how many findings have this level."""
        return sum(1 for f in self.findings if f.level == level)

    def exit_status(self, strict: bool = False) -> int:
        """Return 1 when there are errors (or warnings with ``strict``), else 0; info never fails."""
        if self.count(ERROR) or (strict and self.count(WARNING)):
            return 1
        return 0

    def to_json(self) -> str:
        """Return the report as JSON for CI: counts, findings and (when asked) translations."""
        data: dict[str, Any] = {
            "errors": self.count(ERROR),
            "warnings": self.count(WARNING),
            "info": self.count(INFO),
            "complete": self.complete,
            "publish": self.publish,
            "findings": [f.to_dict() for f in self.findings],
        }
        if self.translations is not None:
            data["translations"] = [row.to_dict() for row in self.translations]
        return json.dumps(data, ensure_ascii=False, indent=2)

    def to_text(self, color: bool = False, verbose: bool = False) -> str:
        """Return the findings grouped by file (``path:line: level: message``) and a summary line.

        A warning or info of one kind found `GROUP_FROM` times or more is shown
        once, followed by how many more there are (all of them with ``verbose``);
        errors are always all shown.
        """
        out: list[str] = []
        previous: str | None = None
        for finding, more in self._shown(verbose):
            if previous is not None and finding.path != previous:
                out.append("")
            previous = finding.path
            level = _paint(finding.level, finding.level, color)
            where, message = printable(finding.location()), printable(finding.message)
            out.append(message_line(where, level, message))
            if more:
                out.append("  " + ngettext(
                    "(and {count} more like this one; vigie check --verbose lists them all)",
                    "(and {count} more like this one; vigie check --verbose lists them all)", more).format(count=more))
        if not self.complete:
            if out:
                out.append("")
            out.append(_("the site does not build, so links, images, citations and translations were not checked; "
                         "fix the errors above and run the check again"))
        if self.translations is not None:
            if out:
                out.append("")
            out.extend(translation_table(self.translations, self.languages, color))
        if self.publish and not self.publishing:
            if out:
                out.append("")
            out.append(ngettext(
                "before publishing: {count} placeholder or example setting to change; vigie check --publish lists it",
                "before publishing: {count} placeholders or example settings to change; vigie check --publish "
                "lists them", self.publish).format(count=self.publish))
        if self.publishing and self.complete and not self.publish:
            if out:
                out.append("")
            out.append(_("ready to publish: no placeholder, TODO or example address left"))
        if out:
            out.append("")
        out.append(self.summary())
        return "\n".join(out)

    def _shown(self, verbose: bool) -> list[tuple[Finding, int]]:
        """Return each finding to show and how many more of its kind it stands for."""
        if verbose:
            return [(f, 0) for f in self.findings]
        sizes: dict[tuple[str, str], int] = defaultdict(int)
        for f in self.findings:
            sizes[f.level, f.kind or f.message] += 1
        shown: list[tuple[Finding, int]] = []
        seen: set[tuple[str, str]] = set()
        for f in self.findings:
            group = (f.level, f.kind or f.message)
            if f.level == ERROR or sizes[group] < GROUP_FROM:
                shown.append((f, 0))
            elif group not in seen:
                seen.add(group)
                shown.append((f, sizes[group] - 1))
        return shown

    def summary(self) -> str:
        """Return the count line, e.g. ``1 error, 3 warnings, 2 info``."""
        errors, warnings, info = self.count(ERROR), self.count(WARNING), self.count(INFO)
        text = ", ".join((ngettext("{count} error", "{count} errors", errors).format(count=errors),
                          ngettext("{count} warning", "{count} warnings", warnings).format(count=warnings),
                          ngettext("{count} info", "{count} info", info).format(count=info)))
        return text if self.findings else _("no problems found ({counts})").format(counts=text)


def _paint(text: str, key: str, color: bool) -> str:
    return f"{_COLORS[key]}{text}{_RESET}" if color and key in _COLORS else text


def _finding_order(f: Finding) -> tuple[str, int, int, str]:
    return (f.path, f.line or 0, LEVELS.index(f.level), f.message)


# -- the check -----------------------------------------------------------------------


def run_check(site: Path, translations: bool = False, today: date | None = None, drafts: bool = False,
              publish: bool = False) -> Report:
    """Check a site folder without writing any output; return every finding (drafts too, if asked).

    With ``publish``, what must not go online yet (`generator.commands.publish`)
    is reported as errors; without, only counted (`Report.publish`).
    """
    day = today or today_for_build()
    findings: list[Finding] = []
    try:
        result = render_site(BuildOptions(root=site, today=day, use_cache=False, drafts=drafts), warn=False)
    except SiteErrors as errs:
        findings.extend(_error_finding(e) for e in errs.errors)
        findings.extend(_checks_without_build(site, day))
        return Report(findings, [] if translations else None, _codes(site), complete=False, publishing=publish)
    except SiteError as err:
        findings.append(_error_finding(err))
        findings.extend(_checks_without_build(site, day))
        return Report(findings, [] if translations else None, _codes(site), complete=False, publishing=publish)

    site_model, _rendered = _parts(result)
    config = site_model.config
    findings.extend(check_links(result))
    findings.extend(check_images(result))
    findings.extend(check_facts(config, site_model.facts, day))
    findings.extend(check_placeholders(site_model))
    findings.extend(check_citations(site_model))
    findings.extend(check_help(config, day))
    findings.extend(check_help_pages(site_model))
    findings.extend(check_weights(result))
    rows, translation_findings = _translations(site_model)
    findings.extend(translation_findings)
    findings, pending = _with_publish(findings, site_model, publish)
    return Report(findings, rows if translations else None, config.codes, publish=pending, publishing=publish)


#: Findings that ``check --publish`` reports as errors, in its own words.
_PLACEHOLDER_KINDS = frozenset({"placeholder-page", "placeholder-fact"})


def _with_publish(findings: list[Finding], site: Site, publish: bool) -> tuple[list[Finding], int]:
    """Return the findings with what must not go online yet (errors with ``publish``), and how many there are.

    A warning about something that is itself a placeholder (the sample figure's
    old source, the sample help contact never checked) is left out: replacing
    the placeholder settles it. With ``publish``, the placeholder warnings give
    way to the errors that say the same.
    """
    from generator.commands.publish import publish_problems

    problems = publish_problems(site)
    whole = {p.path for p in problems if p.covers == "file"}
    lines = {(p.path, p.line) for p in problems if p.covers == "line"}
    kept = [f for f in findings if f.level == ERROR or (f.path not in whole and (f.path, f.line) not in lines)]
    if publish:
        kept = [f for f in kept if f.kind not in _PLACEHOLDER_KINDS]
        kept.extend(Finding(p.path, p.line, ERROR, p.message, p.kind) for p in problems)
    return kept, len(problems)


def _parts(result: BuildResult) -> tuple[Site, Rendered]:
    """Return the site and what the render stages made (always set by `render_site`)."""
    if result.site is None or result.rendered is None:
        raise ValueError("the check needs a rendered site, not an up-to-date build")  # a bug, not for editors
    return result.site, result.rendered


def _error_finding(err: SiteError) -> Finding:
    return Finding(path=err.source or "", line=err.line, level=ERROR, message=err.message)


def _codes(site: Path) -> tuple[str, ...]:
    try:
        return load_config(site).codes
    except (SiteError, SiteErrors):
        return ()


def _checks_without_build(site: Path, today: date) -> list[Finding]:
    """Return what can still be checked when the site does not build: figures and help contacts."""
    try:
        config = load_config(site)
    except (SiteError, SiteErrors):
        return []
    facts = load_facts(config, ErrorCollector())  # their errors came with the build's
    return [*check_facts(config, facts, today), *check_help(config, today)]


# -- links and images ---------------------------------------------------------------


def check_weights(result: BuildResult) -> list[Finding]:
    """Return what a first visit of each kind of page transfers (info), and a warning for each over budget."""
    from generator.output.budget import over_budget, page_weights, weights_line

    site = _parts(result)[0]
    files = result.files

    def read(path: str) -> bytes | None:
        item = files.get(path)
        return item.data if item is not None else None

    sizes = {path: len(item.data) for path, item in files.items() if path.endswith(".html")}
    weights = page_weights(site.pages, read, sizes, site.config.base_path)
    return [Finding("", None, INFO, weights_line(weights)),
            *(Finding("site.yaml", None, WARNING, sentence)
              for sentence in over_budget(weights, site.config.page_budget_kib))]


def check_links(result: BuildResult) -> list[Finding]:
    """Return an error for each internal link to a missing page or file, or to a missing #anchor."""
    site, rendered = _parts(result)
    ids = _PageIds(result)
    findings = []
    for doc in site.documents:
        shown = f"content/{doc.rel}"
        body = rendered.bodies.by_rel.get(doc.rel)
        for url, line, written in body_links(body, _doc_url(site, doc), site.config.base_path) if body else ():
            problem = _link_problem(url, result, ids)
            if problem:
                findings.append(Finding(shown, line or None, ERROR, _("broken link '{link}': {problem}").format(
                    link=shown_link(written), problem=problem), "broken-link"))
    return findings


def _doc_url(site: Site, doc: Document) -> str:
    if doc.kind is Folder.HOME:
        return f"/{doc.lang}/"
    page = site.doc_pages.get(doc.rel)
    return page.url if page is not None else f"/{doc.lang}/"


def _link_problem(url: str | SiteError, result: BuildResult, ids: _PageIds) -> str | None:
    """Return why a site-absolute link is broken, or None when it works."""
    site, rendered = _parts(result)

    def exists(rel: str) -> bool:
        return rel in result.files or rel in result.planned  # the search index is planned, not made here

    target, problem = follow_link(url, exists, rendered.contexts.assets.urls, site.config.base_path)
    if target is None or target not in result.files:  # a problem, or the search index's entry (planned)
        return problem
    fragment = unquote(urlsplit(str(url)).fragment)
    if not fragment or not target.endswith(".html"):
        return None
    page_url = "/" + target.removesuffix("index.html") if target.endswith("index.html") else "/" + target
    headings = ids.headings.get(page_url)
    if headings is not None and fragment in headings:
        return None
    if fragment in ids.of(target):
        return None
    if headings:
        return _("the page {page} has no heading with id '{id}'; its headings are: {ids}").format(
            page=page_url, id=fragment, ids=", ".join(sorted(headings)))
    return _("the page {page} has no element with id '{id}'").format(page=page_url, id=fragment)


class _PageIds:
    """The ``id`` attributes of each HTML output file, read when first asked for."""

    def __init__(self, result: BuildResult) -> None:
        self.result = result
        self.cache: dict[str, set[str]] = {}
        site, rendered = _parts(result)
        bodies = rendered.bodies.by_rel
        self.headings: dict[str, frozenset[str]] = {
            page.url: bodies[rel].anchors for rel, page in site.doc_pages.items() if rel in bodies}
        """Page URL → the ids of its body's headings."""

    def of(self, rel: str) -> set[str]:
        """Return the ids in one output file."""
        if rel not in self.cache:
            collector = _IdCollector()
            if rel.endswith(".html"):
                collector.feed(self.result.files[rel].data.decode("utf-8", "replace"))
            self.cache[rel] = collector.ids
        return self.cache[rel]


class _IdCollector(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.ids: set[str] = set()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for name, value in attrs:
            if name in ("id", "name") and value:
                self.ids.add(value)


def check_images(result: BuildResult) -> list[Finding]:
    """Return a warning for each image without alt text, each image of assets/ over 500 KB or unreadable, and
    what a fact sheet prints differently from its page (a letter no shipped font has, a file left out)."""
    site, rendered = _parts(result)
    findings = []
    for doc in site.documents:
        body = rendered.bodies.by_rel.get(doc.rel)
        for line in body.images_without_alt if body is not None else ():
            findings.append(Finding(
                f"content/{doc.rel}", line or None, WARNING,
                _("image without alt text: describe what it shows between the brackets, ![like this](image.png), "
                  "so that screen reader users get it too"), "image-alt"))
    findings += [Finding(shown, None, WARNING, message)
                 for shown, message in (*rendered.contexts.assets.warnings, *rendered.sheets.warnings)]
    return findings


# -- figures -------------------------------------------------------------------------


def source_end(partial: str) -> date:
    """Return the last day a partial ISO date covers: ``2023`` → 2023-12-31, ``2023-02`` → 2023-02-28."""
    parts = [int(p) for p in partial.split("-")]
    if len(parts) == 1:
        return date(parts[0], 12, 31)
    if len(parts) == 2:
        return date(parts[0], parts[1], calendar.monthrange(parts[0], parts[1])[1])
    return date(parts[0], parts[1], parts[2])


def years_before(day: date, years: int) -> date:
    """Return the same day ``years`` earlier (28 February for a 29 February)."""
    try:
        return day.replace(year=day.year - years)
    except ValueError:
        return day.replace(year=day.year - years, day=28)


def check_facts(config: SiteConfig, facts: Mapping[str, Fact], today: date) -> list[Finding]:
    """Return warnings for figures whose source is too old, or which still hold placeholder text."""
    findings = []
    years = config.stale_after_years
    for fact_id, fact in sorted(facts.items()):
        shown = f"content/facts/{fact.source_path.name}"
        lines = fact_lines(fact, shown)
        if years > 0:
            try:
                end = source_end(fact.source.date)
            except ValueError:
                end = None
            if end is not None and end < years_before(today, years):
                findings.append(Finding(
                    shown, lines.get("source.date"), WARNING,
                    ngettext("the source is dated {date}, more than {count} year ago: look for newer figures from "
                             "{publisher} (site.yaml facts: stale_after sets the limit)",
                             "the source is dated {date}, more than {count} years ago: look for newer figures from "
                             "{publisher} (site.yaml facts: stale_after sets the limit)", years).format(
                        date=fact.source.date, count=years, publisher=fact.source.publisher), "stale-source"))
        left = [name for name, texts in _fact_texts(fact).items() if any(PLACEHOLDER in t for t in texts)]
        if left:
            findings.append(Finding(shown, lines.get(left[0]), WARNING, _(
                "placeholder text ({marker}) left in {keys}: the figure is published as it is, so replace it (or "
                "delete the optional fields)").format(marker=PLACEHOLDER, keys=", ".join(left)), "placeholder-fact"))
        findings.extend(check_rounding(config, fact, shown, lines))
    return findings


#: Qualifier → whether it is honest when the exact figure is (above, below) the one shown.
_HONEST_WHEN = {"about": (True, True), "more_than": (True, False), "less_than": (False, True),
                "up_to": (False, True)}


def shown_number(fact: Fact, locale: str) -> tuple[float, float] | None:
    """Return the number a figure shows in a locale and the step it is rounded to; None for texts and years.

    ``number`` and ``percent`` show every digit of the value (step 1 for 72, 0.1 for 72.3);
    ``compact`` rounds a million or more to one decimal of its unit: 29397681 shows
    29.4 million, that is 29,400,000 to the nearest 100,000 (down with ``more_than``,
    up with ``less_than`` and ``up_to``: `generator.model.ROUNDING`).
    """
    value = fact.value
    if fact.format in ("text", "year") or isinstance(value, (str, bool)):
        return None
    step = compact_step(value, locale) if fact.format == "compact" else None
    if step is not None:
        return float(compact_rounded(value, locale, ROUNDING.get(fact.qualifier or "", "nearest"))), float(step)
    decimals = max(0, -int(Decimal(str(value)).normalize().as_tuple().exponent))
    return float(value), 10.0 ** -decimals


def numbers_in(text: str, locale: str) -> list[tuple[float, str]]:
    """Return the numbers written in a text the way the locale writes them, with their spelling.

    ``72,3 %`` and ``29 397 681`` in French, ``72.3%`` and ``29,397,681`` in English.
    """
    decimal = get_decimal_symbol(locale, numbering_system="default")  # ar_EG: ٫ and ٬ (\d matches ١٢٣ too)
    group = get_group_symbol(locale, numbering_system="default")
    groups = {group}
    if group.isspace():
        groups |= {" ", "\u00a0", "\u202f"}
    if group and group in "'’":
        groups |= {"'", "’"}
    sep = "[" + re.escape("".join(sorted(groups))) + "]"
    point = re.escape(decimal)
    pattern = re.compile(rf"(?<![\d{point}])(\d{{1,3}}(?:{sep}\d{{3}})+|\d+)(?:{point}(\d+))?(?!\d)")
    found = []
    for match in pattern.finditer(text):
        whole = re.sub(sep, "", match.group(1))
        number = float(f"{whole}.{match.group(2)}" if match.group(2) else whole)
        found.append((number, match.group(0)))
    return found


def check_rounding(config: SiteConfig, fact: Fact, shown: str, lines: Mapping[str, int]) -> list[Finding]:
    """Return a warning when a figure is shown rounded and no qualifier says so.

    The figure before rounding is ``exact`` when the file gives it, else the value itself
    (``compact`` rounds it); a number in ``note`` or ``context`` that rounds to the figure
    shown (72,3 % for 72 %) is one too. ``about`` fits any of them, ``more_than`` those
    above the figure shown, ``less_than`` and ``up_to`` those below.
    """
    for language in (config.language(config.default_language), *config.languages):  # each counts in its units
        found = _rounding_in(config, fact, shown, lines, language.locale)
        if found:
            return found
    return []


def _rounding_in(config: SiteConfig, fact: Fact, shown: str, lines: Mapping[str, int],
                 locale: str) -> list[Finding]:
    """Return `check_rounding`'s warning for the figure as shown in one locale (29.4 million, 2.9 crore…)."""
    rounded = shown_number(fact, locale)
    if rounded is None:
        return []
    number, step = rounded
    candidates: list[tuple[float, str, str]] = []
    """(figure before rounding, as written, the key that gives it)"""
    exact = fact.exact if fact.exact is not None else fact.value
    key = "exact" if fact.exact is not None else "value"
    if isinstance(exact, (int, float)) and not math.isclose(exact, number, rel_tol=1e-12):
        candidates.append((float(exact), str(exact), key))
    for key in ("note", "context"):
        for code, text in getattr(fact, key).items():
            if code not in config.codes:
                continue
            for found, written in numbers_in(text, config.language(code).locale):
                if abs(found - number) <= step / 2 and not math.isclose(found, number, rel_tol=1e-12):
                    candidates.append((found, written, key))
    above_ok, below_ok = _HONEST_WHEN.get(fact.qualifier or "", (False, False))
    figure = format_value(fact.value, fact.format, locale, ROUNDING.get(fact.qualifier or "", "nearest"))
    for found, written, key in candidates:
        if (found > number and above_ok) or (found < number and below_ok):
            continue
        where = (_("the {key} gives {number}") if key in ("note", "context") else _("{key} is {number}")).format(
            key=key, number=written)
        if fact.qualifier is None:
            message = _("the figure is shown rounded, as {figure}, while {where}: add qualifier: about so that "
                        "readers know it is rounded (or more_than / less_than when that is what it means)")
        elif found > number:
            message = _("qualifier: {qualifier} does not fit: the figure is shown as {figure} while {where}, "
                        "above it; use qualifier: about")
        else:
            message = _("qualifier: {qualifier} does not fit: the figure is shown as {figure} while {where}, "
                        "below it; use qualifier: about")
        message = message.format(figure=figure, where=where, qualifier=fact.qualifier)
        return [Finding(shown, lines.get(key) or lines.get("value"), WARNING, message, "rounding")]
    return []


def check_placeholders(site: Site) -> list[Finding]:
    """Return a warning for each published page whose title or text still holds placeholder text."""
    findings = []
    for doc in site.documents:
        shown = f"content/{doc.rel}"
        if PLACEHOLDER in doc.title:
            findings.append(Finding(shown, doc.lines.get("title", 2), WARNING, _(
                "the title still holds placeholder text: {title}").format(title=doc.title), "placeholder-page"))
        for number, text in enumerate(doc.body.split("\n")):
            if text.lstrip().startswith(PLACEHOLDER):
                findings.append(Finding(shown, doc.body_line + number, WARNING, _(
                    "placeholder text left in a published page: {text}").format(text=_shorten(text.strip())),
                    "placeholder-page"))
                break
    return findings


def _shorten(text: str, width: int = 70) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


def _fact_texts(fact: Fact) -> dict[str, list[str]]:
    return {
        "label": list(fact.label.values()), "context": list(fact.context.values()),
        "note": list(fact.note.values()), "alt": list(fact.alt.values()),
        "source.publisher": [fact.source.publisher], "source.title": list(fact.source.title.values()),
        "source.url": [fact.source.url], "value": [str(fact.value)],
    }


def fact_lines(fact: Fact, shown: str) -> dict[str, int]:
    """Return the line of each key of a fact file, nested ones as ``label.fr`` or ``source.title.en``."""
    try:
        data = parse_yaml(read_text(fact.source_path, shown), shown)
    except SiteError:
        return {}
    lines: dict[str, int] = {}

    def walk(node: Any, prefix: str) -> None:
        if isinstance(node, LineDict):
            for key, line in node.key_lines.items():
                lines[prefix + str(key)] = line
                walk(node.get(key), f"{prefix}{key}.")

    walk(data, "")
    return lines


def check_citations(site: Site) -> list[Finding]:
    """Return an info for each figure that no page cites and the home pages do not feature."""
    featured = set(site.config.featured_facts or site.facts)
    findings = []
    for fact_id, fact in sorted(site.facts.items()):
        if fact_id in site.cited_by or fact_id in featured:
            continue
        findings.append(Finding(
            f"content/facts/{fact.source_path.name}", 1, INFO,
            _("no page cites this figure and the home page does not feature it: embed it with {shortcode}, or list "
              "it in a page's facts: or in site.yaml featured_facts").format(
                shortcode=f"{{{{< fact {fact_id} >}}}}"), "uncited"))
    return findings


# -- help contacts ---------------------------------------------------------------------


def check_help(config: SiteConfig, today: date) -> list[Finding]:
    """Return a warning for each help contact not checked recently (or never)."""
    days = config.help_stale_after_days
    findings = []
    for contact in config.help:
        name = contact.name.get(config.default_language) or next(iter(contact.name.values()), "")
        if contact.last_checked is None:
            findings.append(Finding(
                CONFIG_FILE, contact.line, WARNING,
                _("help contact '{name}' has no last_checked date: check the number and address, "
                  "then add last_checked: YYYY-MM-DD").format(name=name), "help-unchecked"))
        elif contact.last_checked > today:  # a typo (2062 for 2026) would keep the staleness warning away for years
            findings.append(Finding(
                CONFIG_FILE, contact.line, WARNING,
                _("help contact '{name}' was last checked on {date}, a day still to come: write the day you checked "
                  "the number and address").format(name=name, date=contact.last_checked.isoformat()), "help-future"))
        elif days > 0 and (today - contact.last_checked).days > days:
            findings.append(Finding(
                CONFIG_FILE, contact.line, WARNING,
                ngettext("help contact '{name}' was last checked on {date}, more than {count} day ago: check the "
                         "number and address still work, then update last_checked",
                         "help contact '{name}' was last checked on {date}, more than {count} days ago: check the "
                         "number and address still work, then update last_checked", days).format(
                    name=name, date=contact.last_checked.isoformat(), count=days), "help-stale"))
    return findings


def check_help_pages(site: Site) -> list[Finding]:
    """Return a warning for each language without a help page while another has one.

    Its pages lead to the other language's help page (`Contexts.help_page`): a
    visitor at risk still reaches it, in a language they may not read.
    """
    pages = site.groups.get("doc:help", {})
    config = site.config
    findings = []
    for code in config.codes if pages else ():
        if code in pages:
            continue
        other = next(c for c in (config.default_language, *config.codes) if c in pages)
        doc = pages[other].doc
        source = doc.rel if doc is not None else ""
        findings.append(Finding(
            f"content/{source}", None, WARNING,
            _("no help page in {language}: its pages lead to the one in {other}, which its readers may not read; "
              "translate it (vigie translate content/{source} --to {code})").format(
                language=language_name(code, active_language()), other=language_name(other, active_language()),
                source=source, code=code), "help-page-missing"))
    return findings


# -- translations -----------------------------------------------------------------------


def translation_status(site: Site) -> list[TranslationRow]:
    """Return every translation group and figure with its status in each language."""
    rows, _findings = _translations(site)
    return rows


def _translations(site: Site) -> tuple[list[TranslationRow], list[Finding]]:
    config = site.config
    codes = config.codes
    git = GitDates(config.root)
    rows: list[TranslationRow] = []
    findings: list[Finding] = []
    groups: dict[str, dict[str, Document]] = defaultdict(dict)
    for doc in site.documents:
        groups[doc.key].setdefault(doc.lang, doc)
    for key, by_lang in groups.items():
        source_lang = config.default_language if config.default_language in by_lang else next(
            c for c in codes if c in by_lang)
        source = by_lang[source_lang]
        cells: dict[str, TranslationCell] = {}
        for code in codes:
            other = by_lang.get(code)
            if code == source_lang:
                cells[code] = TranslationCell(SOURCE, f"content/{source.rel}")
            elif other is None:
                cells[code] = TranslationCell(MISSING, None)
                findings.append(Finding(
                    f"content/{source.rel}", 1, INFO,
                    _("no {language} translation of this page yet ({path}, or any file in content/{code}/ with "
                      "translation_key: {key})").format(
                        language=language_name(code, active_language()), code=code, key=key,
                        path=f"content/{code}/{source.rel.split('/', 1)[1]}"), "missing-translation"))
            else:
                cell, problem = _compare(config, git, source, other)
                cells[code] = cell
                if problem is not None:
                    findings.append(problem)
        rows.append(TranslationRow("page", key, source.title, source_lang, f"content/{source.rel}", cells))
    rows.sort(key=lambda r: r.path)
    for fact_id, fact in sorted(site.facts.items()):
        shown = f"content/facts/{fact.source_path.name}"
        texts = {name: getattr(fact, name) for name in FACT_TEXTS}
        cells = {}
        for code in codes:
            missing = [name for name, per_lang in texts.items() if per_lang and not per_lang.get(code)]
            if missing:
                language, keys = language_name(code, active_language()), ", ".join(missing)
                detail = _("no {language} text for: {keys}").format(language=language, keys=keys)
                cells[code] = TranslationCell(PARTIAL, shown, detail)  # its label is there: it is published
                line = fact_lines(fact, shown).get(missing[0], 1)
                findings.append(Finding(shown, line, INFO, _("the figure has no {language} text for: {keys}").format(
                    language=language, keys=keys), "fact-text-missing"))
            else:
                cells[code] = TranslationCell(SOURCE if code == config.default_language else TRANSLATED, shown)
        title = fact.label.get(config.default_language, fact_id)
        rows.append(TranslationRow("fact", fact_id, title, config.default_language, shown, cells))
    return rows, findings


def _compare(config: SiteConfig, git: GitDates, source: Document, doc: Document
             ) -> tuple[TranslationCell, Finding | None]:
    """Return the status of one translation, and a warning when it is outdated."""
    shown = f"content/{doc.rel}"
    source_shown = f"content/{source.rel}"
    source_time, doc_time = git.date(source_shown), git.date(shown)
    if source_time is not None and doc_time is not None:
        if source_time > doc_time:
            detail = _("{source} changed on {changed}, after the last change to the translation on {translated} "
                       "(git)").format(source=source_shown, changed=source_time.date().isoformat(),
                                       translated=doc_time.date().isoformat())
            return TranslationCell(OUTDATED, shown, detail), Finding(
                shown, 1, WARNING,
                _("outdated translation: {detail}; update it to match the {language} page").format(
                    detail=detail, language=language_name(source.lang, active_language())), "outdated-translation")
        return TranslationCell(TRANSLATED, shown, _("up to date (git)")), None
    when = doc.meta.get("translated_from")  # checked as a date when the file was read
    if when is None:
        return TranslationCell(TRANSLATED, shown, _("no translated_from date to compare")), None
    changed = source.meta.get("updated") or source.date
    if changed is not None and changed > when:
        detail = _("{source} was updated on {changed}, after the version translated (translated_from: "
                   "{translated})").format(source=source_shown, changed=changed.isoformat(),
                                           translated=when.isoformat())
        return TranslationCell(OUTDATED, shown, detail), Finding(
            shown, doc.lines.get("translated_from"), WARNING,
            _("outdated translation: {detail}; update it, then set translated_from: {date}").format(
                detail=detail, date=changed.isoformat()), "outdated-translation")
    return TranslationCell(TRANSLATED, shown, f"translated_from: {when.isoformat()}"), None



@dataclass
class GitDates:
    """Last commit date of files, when the site folder is a git checkout."""

    root: Path
    _available: bool | None = None
    _dates: dict[str, datetime | None] = field(default_factory=dict)

    def available(self) -> bool:
        """Return whether git runs and the site folder is inside a repository."""
        if self._available is None:
            out = self._git("rev-parse", "--is-inside-work-tree")
            self._available = out is not None and out.strip() == "true"
        return self._available

    def date(self, rel: str) -> datetime | None:
        """Return when a file (relative to the site folder) was last committed, or None."""
        if not self.available():
            return None
        if rel not in self._dates:
            out = self._git("log", "-1", "--format=%cI", "--", rel)
            try:
                self._dates[rel] = datetime.fromisoformat(out.strip()) if out and out.strip() else None
            except ValueError:
                self._dates[rel] = None
        return self._dates[rel]

    def _git(self, *args: str) -> str | None:
        try:
            done = subprocess.run(["git", "-C", str(self.root), *args], capture_output=True, text=True,
                                  timeout=30, check=False)
        except (OSError, subprocess.SubprocessError) as exc:
            log.debug("git is not usable here (%s); translation dates come from front matter", exc)
            return None
        if done.returncode != 0:
            return None
        return done.stdout


def translation_table(rows: Iterable[TranslationRow], codes: tuple[str, ...], color: bool = False) -> list[str]:
    """Return the translation status as text lines: one row per page or figure, one column per language."""
    rows = list(rows)
    if not codes:
        codes = tuple(dict.fromkeys(c for row in rows for c in row.cells))
    lines = [_("translations (source: the default language, or the only one a page exists in):")]
    if not rows:
        lines.append("  " + _("nothing to show"))
        return lines
    names = {status: _(name) for status, name in STATUS_NAMES.items()}
    heading = _("file")
    width = max(len(heading), *(len(row.path) for row in rows))
    col = max(len(s) for s in (*names.values(), *codes)) + 2
    lines.append("  " + heading.ljust(width) + "  " + "".join(c.ljust(col) for c in codes).rstrip())
    for row in rows:
        cells = ""
        for code in codes:
            status = row.cells[code].status if code in row.cells else ""
            name = names.get(status, status)
            cells += _paint(name, status, color) + " " * (col - len(name))
        lines.append("  " + row.path.ljust(width) + "  " + cells.rstrip())
    for code in codes:
        counts = {s: sum(1 for r in rows if code in r.cells and r.cells[code].status == s)
                  for s in (SOURCE, TRANSLATED, MISSING, OUTDATED, PARTIAL)}
        lines.append(f"  {code}: " + ", ".join(_counted_status(s, n) for s, n in counts.items()
                                               if n or s not in (SOURCE, PARTIAL)))
    return lines


def _counted_status(status: str, count: int) -> str:
    """Return how many files of a language have a status, as the language counts: "1 manquante, 2 traduites"."""
    if status == SOURCE:
        text = ngettext("{count} source", "{count} sources", count)
    elif status == TRANSLATED:
        text = ngettext("{count} translated", "{count} translated", count)
    elif status == MISSING:
        text = ngettext("{count} missing", "{count} missing", count)
    elif status == OUTDATED:
        text = ngettext("{count} outdated", "{count} outdated", count)
    else:
        text = ngettext("{count} partial", "{count} partial", count)
    return text.format(count=count)
