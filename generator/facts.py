"""content/facts/<id>.yaml → Fact records, every problem named with its line."""

from __future__ import annotations

import logging
import re

from generator.content import is_editor_leftover
from generator.errors import ErrorCollector, SiteError
from generator.model import FORMATS, QUALIFIERS, Fact, FactSource, SiteConfig
from generator.schema import SLUG_RE, Reader
from generator.yamlsource import LineDict, parse_yaml, read_text

log = logging.getLogger(__name__)

FACT_KEYS = ("value", "format", "qualifier", "label", "context", "note", "source", "slug", "tags", "alt", "exact",
             "as_of")
SOURCE_KEYS = ("publisher", "title", "url", "date")
ID_RE = re.compile(r"^[a-z0-9]+(?:[-_][a-z0-9]+)*$")


def load_facts(config: SiteConfig, errors: ErrorCollector) -> dict[str, Fact]:
    """Read every fact file; record problems in ``errors``."""
    folder = config.root / "content" / "facts"
    facts: dict[str, Fact] = {}
    if not folder.is_dir():
        return facts
    for path in sorted(folder.iterdir()):
        if path.name.startswith((".", "_")) or path.is_dir() or is_editor_leftover(path.name):
            continue
        shown = f"content/facts/{path.name}"
        if path.suffix not in (".yaml", ".yml"):
            errors.add(SiteError("only .yaml files belong in content/facts/", source=shown))
            continue
        fact_id = path.stem
        if not ID_RE.match(fact_id):
            errors.add(SiteError(f"the file name '{path.name}' is the figure's id: use lowercase a-z, 0-9 and "
                                 "hyphens only", source=shown))
            continue
        try:
            fact = read_fact(config, path, shown, fact_id, errors)
        except SiteError as err:
            errors.add(err)
            continue
        if fact is not None:
            facts[fact_id] = fact
    return facts


def read_fact(config: SiteConfig, path, shown: str, fact_id: str, errors: ErrorCollector) -> Fact | None:  # type: ignore[no-untyped-def]
    """Read one fact file; return None when it has errors (recorded in ``errors``)."""
    data = parse_yaml(read_text(path, shown), shown)
    if not isinstance(data, LineDict):
        raise SiteError("a fact file must be 'key: value' lines with at least value, label and source",
                        source=shown, line=1)
    before = len(errors.errors)
    codes = config.codes
    r = Reader(data, shown, errors, "a fact file")
    r.unknown_keys(FACT_KEYS)
    value = data.get("value")
    if value is None or isinstance(value, (bool, list, dict)) or (isinstance(value, str) and not value.strip()):
        if "value" in data:
            r.fail("value", "'value' must be a number (e.g. 12500) or a text shown as written")
        else:
            errors.add(SiteError("a fact file needs 'value' (the figure, e.g. value: 12500)", source=shown,
                                 line=data.line))
        value = ""
    fmt = r.string("format", default="number" if isinstance(value, (int, float)) else "text") or "number"
    if fmt not in FORMATS:
        r.fail("format", f"format '{fmt}' is not one of {', '.join(FORMATS)}")
    elif fmt != "text" and not isinstance(value, (int, float)):
        r.fail("value", f"with format '{fmt}' the value must be a number; write format: text to show it as written")
    qualifier = r.string("qualifier")
    if qualifier is not None and qualifier not in QUALIFIERS:
        r.fail("qualifier", f"qualifier '{qualifier}' is not one of {', '.join(QUALIFIERS)}")
    label = r.localised("label", codes, required=True, all_languages=True)
    source = _source(r, codes)
    slug = r.localised("slug", codes)
    for lang, text in slug.items():
        if not SLUG_RE.match(text):
            r.fail("slug", f"slug '{text}' ({lang}) must use only lowercase a-z, 0-9 and single hyphens")
    exact, as_of = _exact(r), r.partial_date("as_of")
    if len(errors.errors) > before or source is None:
        return None
    return Fact(
        id=fact_id,
        source_path=path,
        value=value,
        format=fmt,
        qualifier=qualifier,
        label=label,
        context=r.localised("context", codes),
        note=r.localised("note", codes),
        source=source,
        slug={code: slug.get(code, fact_id) for code in codes},
        tags=r.strings("tags"),
        alt=r.localised("alt", codes),
        exact=exact,
        as_of=as_of,
    )


def _source(r: Reader, codes: tuple[str, ...]) -> FactSource | None:
    data = r.data.get("source")
    if data is None:
        r.errors.add(SiteError("every figure needs a 'source' with publisher, url and date", source=r.source,
                               line=r.data.line))
        return None
    if not isinstance(data, LineDict):
        r.fail("source", "'source' must have publisher, title, url and date on lines of their own")
        return None
    s = Reader(data, r.source, r.errors, "the source")
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
        r.fail("exact", "'exact' must be a plain number without spaces, the figure before rounding "
                        "(e.g. exact: 72.3 for a value shown as 72 %)")
        return None
    return exact
