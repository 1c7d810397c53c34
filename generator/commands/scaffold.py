"""`vigie new` and `vigie init`: files with their front matter, in the right place, that build at once."""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from generator import __version__
from generator.build import today_for_build
from generator.sources.config import CONFIG_FILE, load_config
from generator.sources.content import load_documents
from generator.core.errors import ErrorCollector, SiteError
from generator.sources.facts import valid_id
from generator.model import Folder, SiteConfig
from generator.core.paths import slugify
from generator.model.plan import name_problems
from generator.sources.schema import MAX_SLUG

log = logging.getLogger(__name__)

#: ``vigie new`` kind → folder below ``content/<lang>/``.
FOLDERS = {"article": "articles", "page": "pages", "factsheet": "resources"}
TRANSLATE_PREFIX = "TODO: translate – "


def yaml_string(text: str) -> str:
    """Return text as a double-quoted YAML scalar (JSON strings are valid YAML)."""
    return json.dumps(text, ensure_ascii=False)


# -- vigie new article|page|factsheet ----------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Planned:
    rel: str
    text: str


def new_document(site: Path, kind: str, title: str, lang: str | None = None,
                 translate: list[str] | None = None, today: date | None = None) -> list[Path]:
    """Create a draft article, page or fact sheet (and its linked translations); return the files made."""
    if kind not in FOLDERS:
        raise SiteError(f"'{kind}' is not something 'vigie new' makes; use article, page, factsheet or fact")
    title = " ".join(title.split())
    if not title:
        raise SiteError('the title is empty; write it in quotes, e.g. vigie new article "Talking about screens"')
    config = load_config(site)
    lang = lang or config.default_language
    _check_language(config, lang, "--lang")
    others: list[str] = []
    for code in translate or []:
        _check_language(config, code, "--translate")
        if code == lang:
            raise SiteError(f"--translate {code} is the language of the new file itself; "
                            "name the other language(s) to translate into")
        if code not in others:
            others.append(code)

    folder = FOLDERS[kind]
    slug = short_slug(title)
    if name_problems(slug):
        raise SiteError(f"a file named '{slug}' cannot exist on Windows ('{slug}' is reserved for a device); "
                        "choose another title, or give the page another slug afterwards")
    key = f"{folder}/{slug}"
    day = today or today_for_build()
    plan = [_Planned(f"content/{lang}/{folder}/{slug}.md", _document_text(kind, title, slug, key, day, None))]
    for code in others:
        text = _document_text(kind, TRANSLATE_PREFIX + title, slug, key, day, plan[0].rel)
        plan.append(_Planned(f"content/{code}/{folder}/{slug}.md", text))
    _check_clashes(config, plan, folder, slug, key, [lang, *others])
    return _write_all(site, plan)


def short_slug(title: str) -> str:
    """Return the slug of a title, cut at a hyphen to at most `MAX_SLUG` characters (a file name must fit)."""
    slug = slugify(title)
    if len(slug) <= MAX_SLUG:
        return slug
    cut = slug[:MAX_SLUG + 1].rsplit("-", 1)[0] if "-" in slug[:MAX_SLUG + 1] else slug[:MAX_SLUG]
    return cut[:MAX_SLUG].strip("-")


def _check_language(config: SiteConfig, code: str, option: str) -> None:
    if code not in config.codes:
        raise SiteError(f"{option} {code}: '{code}' is not one of the site's languages ({', '.join(config.codes)}); "
                        "use one of them, or add it to 'languages' in site.yaml", source=CONFIG_FILE)


def _check_clashes(config: SiteConfig, plan: list[_Planned], folder: str, slug: str, key: str,
                   langs: list[str]) -> None:
    """Refuse to overwrite a file, or to create one whose key or address another file has."""
    for item in plan:
        if (config.root / item.rel).exists():
            raise SiteError("this file already exists, so nothing was created; edit it, or choose another title",
                            source=item.rel)
    documents = load_documents(config, ErrorCollector())  # errors in other files are the build's business
    for doc in documents:
        if doc.lang not in langs or doc.kind is Folder.HOME:
            continue
        if doc.key == key:
            raise SiteError(f"content/{doc.rel} already has the translation key '{key}', so nothing was created; "
                            "choose another title", source=f"content/{doc.rel}")
        if doc.kind == folder and doc.slug == slug:
            raise SiteError(f"content/{doc.rel} already uses the address slug '{slug}', so nothing was created; "
                            "choose another title", source=f"content/{doc.rel}")
    if folder == "pages":
        for code in langs:
            if slug in {names[code] for names in config.sections.values()}:
                raise SiteError(f"a page called '{slug}' would take the address of a section (/{code}/{slug}/); "
                                "choose another title", source=CONFIG_FILE)


def _document_text(kind: str, title: str, slug: str, key: str, day: date, original: str | None) -> str:
    lines = [
        "---",
        f"title: {yaml_string(title)}",
        f"date: {day.isoformat()}            # publication date; a future date waits until that day",
        f"slug: {slug}   # the last part of the page's address: lowercase a-z, 0-9 and hyphens",
        f"translation_key: {key}   # the same in every language version of this page",
        '# summary: "One or two sentences shown in lists and when the page is shared"',
        "tags: []                    # e.g. [parents, reporting]",
    ]
    if kind == "factsheet":
        lines += [
            "factsheet: true             # also printed as an A4 PDF",
            "audience: []                # who it is for, e.g. [parents, teachers]",
        ]
    lines += ["facts: []                   # ids of key figures to feature, e.g. [victims-identified-daily]"]
    if original is not None:
        lines += [f"# translated_from: {day.isoformat()}   # date of the version of {original} you translated"]
    lines += ["draft: true                 # delete this line when the page is ready to publish", "---", ""]
    if original is not None:
        lines += [f"TODO: translate the text of {original} here.", ""]
    else:
        lines += [
            "Write the text here, in Markdown. Start each part with a heading line such as `## What to do`.",
            "",
            "To show a key figure, write `{{< fact its-id >}}` alone on a line (the id is the name of a file "
            "in content/facts/, without .yaml).",
            "",
        ]
    return "\n".join(lines)


def _write_all(site: Path, plan: list[_Planned]) -> list[Path]:
    """Write new files (never replacing one); return their paths."""
    created = []
    for item in plan:
        path = site / item.rel
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            with path.open("x", encoding="utf-8", newline="\n") as handle:
                handle.write(item.text)
        except FileExistsError:
            raise SiteError("this file already exists; edit it, or choose another name", source=item.rel) from None
        except OSError as exc:
            raise SiteError(f"cannot create this file ({exc.strerror}); check the folder and its permissions",
                            source=str(path)) from None
        log.debug("created %s", path)
        created.append(path)
    return created


# -- vigie new fact ---------------------------------------------------------------------

_FACT_WORDS = {
    "fr": {"label": "TODO : ce que compte ce chiffre, en une phrase qui suit le nombre",
           "context": "TODO : pourquoi ce chiffre compte, en deux ou trois phrases (Markdown permis)",
           "note": "TODO : une précision sur la méthode ou la période",
           "title": "TODO : titre de la publication",
           "alt": "TODO : texte de l'image du chiffre pour les lecteurs d'écran"},
    "en": {"label": "TODO: what this figure counts, as a phrase that follows the number",
           "context": "TODO: why this figure matters, in two or three sentences (Markdown allowed)",
           "note": "TODO: a detail about the method or the period",
           "title": "TODO: title of the publication",
           "alt": "TODO: text of the figure's image for screen readers"},
}


def _words(code: str, field: str) -> str:
    return _FACT_WORDS.get(code, {}).get(field) or f"{_FACT_WORDS['en'][field]} ({code})"


def new_fact(site: Path, fact_id: str, today: date | None = None) -> Path:
    """Create content/facts/<id>.yaml with every field, explained, and placeholders that build."""
    if not valid_id(fact_id) or name_problems(fact_id):
        raise SiteError(f"'{fact_id}' cannot be a figure id: use lowercase a-z, 0-9 and hyphens (and not a name "
                        "Windows reserves, such as con or aux), e.g. vigie new fact victims-identified-2023")
    config = load_config(site)
    for suffix in (".yaml", ".yml"):
        rel = f"content/facts/{fact_id}{suffix}"
        if (site / rel).exists():
            raise SiteError("this figure already exists, so nothing was created; edit it, or choose another id",
                            source=rel)
    day = today or today_for_build()
    rel = f"content/facts/{fact_id}.yaml"
    return _write_all(site, [_Planned(rel, _fact_text(config, fact_id, day))])[0]


def _per_language(config: SiteConfig, field: str, indent: str = "  ") -> list[str]:
    return [f"{indent}{code}: {yaml_string(_words(code, field))}" for code in config.codes]


def _fact_text(config: SiteConfig, fact_id: str, day: date) -> str:
    slug = slugify(fact_id)
    lines = [
        f"# Key figure '{fact_id}': one figure per file, with its text in every language.",
        "# It is published as soon as this file exists: replace each TODO (vigie check lists those",
        "# left) and the source before you publish. Embed it in an article with a line of its own:",
        f"#   {{{{< fact {fact_id} >}}}}",
        "",
        "# The figure: a number such as 12500 (no spaces), or a text shown as written.",
        "value: 0",
        "# How to show it: number (12 500), percent (value 72 shows 72 %), compact",
        "# (29397681 shows 29,4 millions), year (never grouped) or text (as written).",
        "format: number",
        "# Optional nuance before the number: more_than, less_than, about or up_to (empty: none).",
        "# A rounded figure (72.3 % shown as 72 %) needs one, usually about.",
        "qualifier:",
        "# Optional: the figure before rounding, as the source gives it or as worked out from it",
        "# (72.3); vigie check warns when it differs from the figure shown and no qualifier says so.",
        "exact:",
        "# Optional: when the figure was true, shown with it everywhere: 2022-05 reads",
        "# \"as of May 2022\" (a total to date, an average, a record so far).",
        "as_of:",
        "# What the figure counts, read after the number, in every language.",
        "label:",
        *_per_language(config, "label"),
        "# Optional: a few sentences of context shown on the figure's page.",
        "context:",
        *_per_language(config, "context"),
        "# Optional: a short note on the method or the period.",
        "note:",
        *_per_language(config, "note"),
        "# Where the figure comes from: every figure needs a publisher, an address and a date.",
        "source:",
        '  publisher: "TODO: publisher"',
        "  title:",
        *_per_language(config, "title", "    "),
        "  url: https://example.org/TODO-address-of-the-source",
        "  # Date of the publication: 2022-05-25, or 2022-05, or 2022. Figures older than",
        "  # facts: stale_after years (site.yaml, default 3) are flagged by vigie check.",
        f"  date: {day.isoformat()}",
        "# The last part of the figure's address in each language (lowercase a-z, 0-9, hyphens).",
        "slug:",
        *[f"  {code}: {slug}" for code in config.codes],
        "# Words to group figures by, e.g. [reports, victims].",
        "tags: []",
        "# Optional: text of the card images for screen readers (default: the figure and its label).",
        "alt:",
        *_per_language(config, "alt"),
        "",
    ]
    return "\n".join(lines)


# -- vigie init -------------------------------------------------------------------------------


def init_site(directory: Path, today: date | None = None) -> list[Path]:
    """Create a new bilingual site folder (fr, en) that builds at once; return the files made."""
    if directory.exists():
        if not directory.is_dir():
            raise SiteError("this is a file, not a folder; choose a new folder name", source=str(directory))
        if any(directory.iterdir()):
            raise SiteError("the folder is not empty, so nothing was created; choose a new folder name "
                            "(vigie init makes it) or an empty folder", source=str(directory))
    day = today or today_for_build()
    plan = [_Planned(rel, fill_starter(text, day)) for rel, text in starter_files()]
    try:
        directory.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise SiteError(f"cannot create this folder ({exc.strerror}); choose a folder you can write in",
                        source=str(directory)) from None
    return _write_all(directory, plan)


#: The starter site `vigie init` writes: files below ``generator/commands/starter/`` ({today}: the day it runs).
#: A dotfile or dot-folder is stored as ``dot-NAME`` (``dot-gitignore`` → ``.gitignore``, ``dot-github/`` →
#: ``.github/``), so that no tool skips it.
STARTER = "starter"


def starter_files() -> list[tuple[str, str]]:
    """Return (path in the new site, text) for every file of the starter site, sorted."""
    from importlib.resources import files

    found: list[tuple[str, str]] = []
    stack = [(files("generator.commands") / STARTER, "")]
    while stack:
        folder, prefix = stack.pop()
        for entry in folder.iterdir():
            name = "." + entry.name.removeprefix("dot-") if entry.name.startswith("dot-") else entry.name
            if entry.is_dir():
                stack.append((entry, f"{prefix}{name}/"))
            elif entry.is_file():
                found.append((prefix + name, entry.read_text(encoding="utf-8")))
    return sorted(found)


def fill_starter(text: str, day: date) -> str:
    """Return a starter file's text with ``{today}`` (the day init runs) and ``{vigie_version}`` filled in.

    ``{vigie_version}`` is the version of the Vigie running init: requirements.txt pins it, and the
    publishing recipes install it from there.
    """
    return text.replace("{today}", day.isoformat()).replace("{vigie_version}", __version__)
