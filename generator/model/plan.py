"""Where every output file goes, known before anything is rendered, and the checks on those names.

The renderers take their paths from here (`card_path`, `factsheet_path`, …), and
`planned_outputs` lists them all from the assembled site and the assets, so that
a clash is an error before a single file is written: two sources for one path,
two paths that differ only by case (one file on Windows and macOS), a file where
another output needs a folder, or a name Windows cannot store (``con``, ``aux``…).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from typing import Iterable, Sequence

from generator.core.errors import ErrorCollector, SiteError
from generator.core.images import rendition_format, suffix
from generator.core.messages import _, ngettext
from generator.model import Folder, OutputFile, Page, PageKind, Site
from generator.core.paths import output_path, slugify

#: The two share images beside every fact page: file name → (width, height).
SHARE_CARD, SQUARE_CARD = "card.png", "card-square.png"
CARD_SIZES: dict[str, tuple[int, int]] = {SHARE_CARD: (1200, 630), SQUARE_CARD: (1080, 1080)}
#: The widths of the share card's copies that fact pages show (``srcset``); the downloads stay full size. No
#: copy in between: at 800 px a card (text on flat colours) is heavier in lossy WebP than the whole card
#: in lossless WebP (24 KB against 21 KB), and in PNG heavier than the card itself.
CARD_WIDTHS = (480, 1200)
#: Files at the root of the output whatever the site holds.
ROOT_TEXT_FILES = ("sitemap.xml", "robots.txt", "_headers")

#: Text files that get compressed copies beside them when site.yaml's ``compress`` is on (the default).
COMPRESSED_SUFFIXES = (".html", ".css", ".js", ".mjs", ".xml", ".json", ".svg", ".txt", ".webmanifest")
#: The folder of the site that holds the search index (`generator.output.search` writes it).
SEARCH_FOLDER = "pagefind"
#: The file that marks a folder as an output Vigie made (written by `generator.output.writer`).
OUTPUT_MARK = ".vigie-output"
#: The compressed copies' endings: ``page.html.br``, ``page.html.gz``.
ENCODINGS = (".br", ".gz")

#: Names Windows reserves for devices, with or without an extension (``con``, ``aux.html``…).
WINDOWS_RESERVED = frozenset({"con", "prn", "aux", "nul", *(f"com{i}" for i in range(10)),
                              *(f"lpt{i}" for i in range(10)), "com¹", "com²", "com³", "lpt¹", "lpt²", "lpt³"})
#: Characters Windows refuses in a file name.
WINDOWS_FORBIDDEN = frozenset('<>:"|?*\\')
_FORBIDDEN_RE = re.compile("[" + re.escape("".join(sorted(WINDOWS_FORBIDDEN))) + "\x00-\x1f]")
#: The longest file or folder name most file systems store, in bytes of UTF-8.
MAX_NAME_BYTES = 255


def page_folder(url: str) -> str:
    """Return the output folder of a folder page, with its trailing slash (``fr/chiffres/x/``)."""
    return output_path(url).removesuffix("index.html")


def card_path(page_url: str, name: str) -> str:
    """Return where a fact page's card image goes: beside its ``index.html``."""
    return page_folder(page_url) + name


def card_renditions() -> dict[str, int]:
    """Return the share card's renditions shown in fact pages: file name → width (``card-480.webp`` → 480).

    WebP when Pillow can write it (then the full width too: smaller than the PNG), else PNG below the card's width.
    """
    fmt = rendition_format("PNG")
    full = CARD_SIZES[SHARE_CARD][0]
    return {f"card-{width}{suffix(fmt)}": width for width in CARD_WIDTHS if width < full or fmt != "PNG"}


def card_files() -> tuple[str, ...]:
    """Return the names of every image beside a fact page: the two cards, then the share card's renditions."""
    return (*CARD_SIZES, *card_renditions())


def factsheet_path(page_url: str, slug: str) -> str:
    """Return where a fact sheet's PDF goes: beside its page, named by its slug."""
    return page_folder(page_url) + f"{slug}.pdf"


def press_kit_path(section_url: str, site_title: str, lang: str) -> str:
    """Return where a language's zip of cards goes: in its resources section."""
    return page_folder(section_url) + f"{slugify(site_title)}-{lang}.zip"


def site_card_path(lang: str) -> str:
    """Return where a language's own card (for pages without a figure) goes."""
    return f"{lang}/card.png"


def compressed_paths(path: str) -> list[str]:
    """Return the paths of a file's compressed copies (none for a file that is not text)."""
    return [path + ending for ending in ENCODINGS] if path.lower().endswith(COMPRESSED_SUFFIXES) else []


def feed_path(lang: str) -> str:
    """Return where a language's Atom feed goes."""
    return f"{lang}/feed.xml"


@dataclass(frozen=True, slots=True)
class Planned:
    """One output path and what makes it."""

    path: str
    origin: str
    """What makes it, in words: ``content/fr/a.md``, ``the language chooser``."""
    source: str | None = None
    """The file an editor would change, when there is one."""
    line: int | None = None


def planned_outputs(site: Site, assets: Iterable[OutputFile]) -> list[Planned]:
    """Return every file a build of ``site`` writes, with what makes it."""
    config = site.config
    planned: list[Planned] = [_page_plan(page) for page in site.pages]
    for (fact_id, _lang), page in sorted(site.fact_pages.items()):
        shown = f"content/facts/{fact_id}.yaml"
        planned += [Planned(card_path(page.url, name), _("the cards of {source}").format(source=shown), shown)
                    for name in card_files()]
    for doc in site.documents:
        if doc.factsheet and doc.kind is Folder.RESOURCES and doc.rel in site.doc_pages:
            shown = f"content/{doc.rel}"
            planned.append(Planned(factsheet_path(site.doc_pages[doc.rel].url, doc.slug), _("the PDF of {source}").format(source=shown),
                                   shown, doc.lines.get("slug")))
    for lang in config.codes:
        planned.append(Planned(feed_path(lang), _("the {language} feed").format(language=lang)))
        planned.append(Planned(site_card_path(lang), _("the {language} site card").format(language=lang), "site.yaml"))
        if site.facts:
            section = site.groups["section:resources"][lang]
            planned.append(Planned(press_kit_path(section.url, config.title[lang], lang),
                                   _("the {language} zip of cards").format(language=lang), "site.yaml"))
    planned += [Planned(name, _("the site's {name}").format(name=name)) for name in ROOT_TEXT_FILES]
    # The writer's mark of its output folder: a file of assets/root/ of that name would be replaced by it unsaid.
    planned.append(Planned(OUTPUT_MARK, _("Vigie's mark of its output folder")))
    if config.search:  # the index's own names are known only once it is made: its folder is reserved
        planned.append(Planned(f"{SEARCH_FOLDER}/pagefind.js", _("the search index")))
    planned += [Planned(item.path, item.origin, item.origin) for item in assets]
    return planned


def _page_plan(page: Page) -> Planned:
    if page.doc is not None:
        shown = f"content/{page.doc.rel}"
        return Planned(output_path(page.url), shown, shown, page.doc.lines.get("slug"))
    if page.fact is not None:
        shown = f"content/facts/{page.fact.id}.yaml"
        return Planned(output_path(page.url), _("the page of {source}").format(source=shown), shown)
    if page.kind is PageKind.TAG and page.items:  # named after the first document that gives the tag
        tagged = page.items[0]
        shown = f"content/{tagged.rel}"
        return Planned(output_path(page.url), _("the page of the tag '{tag}' ({url})").format(tag=page.title, url=page.url),
                       shown,
                       tagged.lines.get("tags"))
    if page.kind is PageKind.CHOOSER:
        origin = _("the language chooser ({url})")
    elif page.kind is PageKind.NOT_FOUND:
        origin = _("the 404 page ({url})")
    else:
        origin = _("the {kind} page ({url})")
    return Planned(output_path(page.url), origin.format(kind=page.kind, url=page.url))


def check_plan(planned: Sequence[Planned], copies: bool = False) -> None:
    """Raise SiteErrors for every clash among planned outputs and every name a file system refuses.

    With ``copies`` (site.yaml's ``compress``), a file named like another's compressed copy is one too.
    """
    errors = ErrorCollector()
    if copies:
        _check_copies(planned, errors)
    _check_search_folder(planned, errors)
    by_key: dict[str, Planned] = {}
    for item in planned:
        for problem in name_problems(item.path, item.origin):
            errors.add(_error(problem, item))
        key = fold(item.path)
        other = by_key.get(key)
        if other is None:
            by_key[key] = item
        elif other.path == item.path:
            errors.add(_error(_("two sources want to write {path}: {first} and {second}; rename one of them")
                              .format(path=item.path, first=other.origin, second=item.origin), item, other))
        else:
            errors.add(_error(_("{first} writes {first_path} and {second} writes {second_path}: names that "
                                "differ only by upper and lower case are one file on Windows and macOS; rename one "
                                "of them").format(first=other.origin, first_path=other.path, second=item.origin,
                                                  second_path=item.path), item, other))
    blocked: dict[str, list[Planned]] = {}
    """A file's folded path → the outputs that need a folder of that name."""
    for key, item in by_key.items():
        parts = key.split("/")
        for depth in range(1, len(parts)):
            prefix = "/".join(parts[:depth])
            if prefix in by_key:
                blocked.setdefault(prefix, []).append(item)
                break
    for prefix, items in blocked.items():
        holder = by_key[prefix]
        first = min(items, key=lambda i: (i.path.count("/"), i.path))
        if len(items) > 1:
            message = ngettext("{holder} writes the file {path}, but {other} needs a folder of that name for "
                               "{other_path} and {count} other file; rename one of them",
                               "{holder} writes the file {path}, but {other} needs a folder of that name for "
                               "{other_path} and {count} other files; rename one of them", len(items) - 1)
        else:
            message = _("{holder} writes the file {path}, but {other} needs a folder of that name for {other_path}; "
                        "rename one of them")
        errors.add(_error(message.format(holder=holder.origin, path=holder.path, other=first.origin,
                                         other_path=first.path, count=len(items) - 1), holder, first))
    errors.raise_if_any()


def _check_search_folder(planned: Sequence[Planned], errors: ErrorCollector) -> None:
    """Report each output in the search index's folder (``pagefind/``), when the site has search."""
    index = next((item for item in planned if item.path == f"{SEARCH_FOLDER}/pagefind.js"
                  and item.origin == _("the search index")), None)
    if index is None:
        return
    for item in planned:  # a file at the index's own reserved name is "two sources want to write" already
        if fold(item.path).startswith(f"{SEARCH_FOLDER}/") and fold(item.path) != fold(index.path):
            errors.add(_error(_("{origin} writes {path}, in the folder of the search index ({folder}/); rename "
                                "it, or set 'search: false' in site.yaml").format(
                                    origin=item.origin, path=item.path, folder=SEARCH_FOLDER), item, index))


def _check_copies(planned: Sequence[Planned], errors: ErrorCollector) -> None:
    """Report each output named like the compressed copy of another (``index.html.br`` in assets/root/)."""
    by_key = {fold(item.path): item for item in planned}
    for item in planned:
        for copy in compressed_paths(item.path):
            other = by_key.get(fold(copy))
            if other is not None:
                errors.add(_error(_("{origin} writes {path}, the name of the compressed copy of {original} "
                                    "({maker}); rename it, or set compress: false in site.yaml").format(
                                        origin=other.origin, path=other.path, original=item.path,
                                        maker=item.origin), other, item))


def fold(path: str) -> str:
    """Return the form of a path that case-insensitive file systems compare (Windows, macOS)."""
    return unicodedata.normalize("NFC", path).casefold()


def name_problems(path: str, origin: str = "") -> list[str]:
    """Return why each part of a relative output path cannot be a file name everywhere (empty if none).

    ``origin`` is what makes the file, as messages name it (`Planned.origin`).
    """
    problems = []
    for part in path.split("/"):
        stem = part.split(".", 1)[0].rstrip(" ").casefold()
        if stem in WINDOWS_RESERVED:
            message = _("{origin} would write {path}, and '{part}' is a name Windows reserves for a device; "
                        "rename it")
        elif _FORBIDDEN_RE.search(part):
            message = _("{origin} would write {path}, and '{part}' holds a character Windows refuses in file names "
                        "(< > : \" | ? * \\ or a control character); rename it")
        elif part.endswith((".", " ")) and part not in (".", ".."):
            message = _("{origin} would write {path}, and '{part}' ends with a dot or a space, which Windows drops; "
                        "rename it")
        elif len(part.encode("utf-8")) > MAX_NAME_BYTES:
            message = _("{origin} would write {path}, and '{part}…' is longer than a file system allows "
                        "({maximum} bytes); shorten it")
            part = part[:40]
        else:
            continue
        problems.append(message.format(origin=origin, path=path, part=part, maximum=MAX_NAME_BYTES))
    return problems


def _error(message: str, item: Planned, other: Planned | None = None) -> SiteError:
    """Name the file an editor can change: the item's, else the other's."""
    for candidate in (item, other):
        if candidate is not None and candidate.source is not None:
            return SiteError(message, source=candidate.source, line=candidate.line)
    return SiteError(message)
