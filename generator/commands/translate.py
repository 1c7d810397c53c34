"""`vigie translate PATH --to LANG`: start the translation of a page that already exists.

The new file has the original's front matter, with its comments, and its text
below a line saying what to do: what must be translated is marked with
``TODO``, the page is a draft until someone removes ``draft: true``, and
``translation_key`` pairs it with the original. With ``--title``, the title is
the translated one and the address slug is made from it.
"""

from __future__ import annotations

import logging
import posixpath
import re
from datetime import date
from pathlib import Path
from typing import Callable
from urllib.parse import unquote

from generator.build import today_for_build
from generator.commands.scaffold import (TRANSLATE_PREFIX, _check_clashes, _Planned, _write_all, short_slug, typed_title,
                                        yaml_string)
from generator.core.errors import ErrorCollector, SiteError
from generator.core.messages import _
from generator.model import Document, Folder, SiteConfig
from generator.model.plan import name_problems
from generator.sources.config import CONFIG_FILE, load_config
from generator.sources.content import load_documents, split_front_matter
from generator.sources.files import shown_name
from generator.sources.yamlsource import read_text

log = logging.getLogger(__name__)

#: Front matter keys whose text is in the page's language: marked to translate.
TEXT_KEYS = ("title", "summary", "description", "content_warning")
#: A top-level ``key:`` line of the front matter (what follows it, indented, belongs to it).
_KEY_RE = re.compile(r"^([A-Za-z_][\w-]*)[ \t]*:")


def translate_document(site: Path | None, path: Path, to: str, title: str | None = None,
                       today: date | None = None) -> Path:
    """Create the ``to`` translation of the page at ``path`` (a draft, marked to translate); return its path.

    ``site``: the site folder; None: the folder above ``path``'s content/ folder, else the current one.
    """
    site = site if site is not None else find_site(path)
    config = load_config(site)
    documents = load_documents(config, ErrorCollector())  # errors elsewhere are the build's business
    doc = _find_document(config, path, documents)
    if to not in config.codes:
        raise SiteError(_("--to {code}: '{code}' is not one of the site's languages ({codes}); use one of them, "
                          "or add it to 'languages' in site.yaml").format(code=to, codes=", ".join(config.codes)),
                        source=CONFIG_FILE)
    if to == doc.lang:
        raise SiteError(_("--to {code}: this page is already in '{code}'; name the language to translate it "
                          "into").format(code=to), source=f"content/{doc.rel}")
    if title is not None:
        title = typed_title(title)
        if not title:
            raise SiteError(_("the --title is empty; write the translated title in quotes, e.g. "
                              "--title \"Talking about screens\""))
    below = doc.rel.split("/", 1)[1]  # articles/a.md
    slug = doc.slug
    if title is not None and doc.kind is not Folder.HOME:
        slug = short_slug(title)
        if not slug:
            raise SiteError(_("the title '{title}' gives no address slug (it needs letters or digits); "
                              "write another one, or leave --title out").format(title=title))
        if name_problems(slug):
            raise SiteError(_("a file named '{slug}' cannot exist on Windows ('{slug}' is reserved for a "
                              "device); choose another title").format(slug=slug))
        below = f"{below.rsplit('/', 1)[0]}/{slug}.md"
    rel = f"content/{to}/{below}"
    original = f"content/{doc.rel}"
    text = translation_text(read_text(doc.source, original), doc, original, title, slug,
                            today or today_for_build(), relinked(doc, f"{to}/{below}", documents))
    plan = [_Planned(rel, text)]
    for other in documents:
        if other.lang == to and other.key == doc.key:
            raise SiteError(_("this page already has its '{code}' translation, content/{other}: edit that file "
                              "(nothing was created)").format(code=to, other=other.rel), source=original)
    if doc.kind is Folder.HOME:
        if (site / rel).exists():
            raise SiteError(_("this file already exists, so nothing was created; edit it"), source=rel)
    else:
        _check_clashes(config, plan, doc.kind.value, slug, doc.key, [to])
    return _write_all(site, plan)[0]


def find_site(path: Path) -> Path:
    """Return the site folder a page belongs to: the nearest folder above it with site.yaml and content/."""
    try:
        for folder in path.resolve().parents:
            if (folder / CONFIG_FILE).is_file() and path.resolve().is_relative_to(folder / "content"):
                return folder
    except OSError:
        pass
    return Path(".")


def _find_document(config: SiteConfig, path: Path, documents: list[Document]) -> Document:
    """Return the page at ``path``; a file that is not a page of the site is a `SiteError` saying why."""
    content = (config.root / "content").resolve()
    try:
        target = path.resolve()
        below = target.relative_to(content).as_posix()
    except (OSError, ValueError):
        raise SiteError(_("this is not a page of the site in '{site}': give the path of a Markdown file below "
                          "its content/ folder, e.g. content/fr/articles/welcome.md (or give the site with "
                          "--site)").format(site=config.root), source=str(path)) from None
    if not target.is_file():
        raise SiteError(_("there is no such file; give the path of an existing page, e.g. "
                          "content/fr/articles/welcome.md"), source=str(path))
    if not below.endswith(".md") or below.count("/") < 1 or below.startswith("facts/"):
        raise SiteError(_("only articles, pages and fact sheets (Markdown files below content/<language>/) are "
                          "translated this way; a key figure has every language in its own file"),
                        source=f"content/{below}")
    for doc in documents:
        if doc.rel == below:
            return doc
    errors = ErrorCollector()
    load_documents(config, errors)
    shown = shown_name(f"content/{below}")  # as the loaders name it (a name that is not UTF-8 escaped)
    mine = [e for e in errors.errors if e.source == shown]
    if mine:
        raise SiteError(_("this page cannot be translated until it builds: {problem} (vigie check lists every "
                          "problem)").format(problem=mine[0].message), source=shown, line=mine[0].line)
    raise SiteError(_("Vigie does not read this file as a page (it skips names starting with '.', '_' or '~', "
                      "and editors' backup files), so there is nothing to translate"), source=shown)


def translation_text(original_text: str, doc: Document, original: str, title: str | None, slug: str,
                     day: date, relink: Callable[[str], str | None] = lambda target: None) -> str:
    """Return the new file: the original's front matter with its texts marked, then its text to translate
    (its links to other pages made right from the new file's folder by ``relink``, see `relinked`)."""
    front, body, _line = split_front_matter(original_text, original)
    body = relink_body(body, relink)
    marked = {
        "title": title if title is not None else TRANSLATE_PREFIX + doc.title,
        "summary": TRANSLATE_PREFIX + doc.summary if doc.summary else None,
        "description": TRANSLATE_PREFIX + doc.description if doc.description else None,
        "content_warning": (TRANSLATE_PREFIX + doc.content_warning
                            if doc.content_warning not in ("", "default") else None),
    }
    same_in_all = _("the same in every language version of this page")
    lines: list[str] = []
    seen: set[str] = set()
    for key, entry in _entries(front):
        if key in TEXT_KEYS and marked.get(key) is not None:
            lines.append(f"{key}: {yaml_string(str(marked[key]))}")
        elif key == "slug" and doc.kind is not Folder.HOME:
            lines.append(f"slug: {slug}")
        elif key == "translation_key":
            lines.append(f"translation_key: {doc.key}   # {same_in_all}")
        elif key == "draft":
            continue  # written at the end
        elif key == "translated_from":
            continue  # the original's own origin: not this file's
        else:
            lines.extend(entry)
        if key:
            seen.add(key)
    if doc.kind is not Folder.HOME:
        if "slug" not in seen and slug != Path(doc.rel).stem:
            lines.append(f"slug: {slug}")
        if "translation_key" not in seen:
            lines.append(f"translation_key: {doc.key}   # {same_in_all}")
    lines.append("# translated_from: {day}   # {why}".format(day=day.isoformat(), why=_(
        "the date of the version of {original} you translated").format(original=original)))
    lines.append("draft: true   # {why}".format(why=_("delete this line when the translation is ready to publish")))
    todo = _("TODO: translate the text below, from {original}, then delete this line.").format(original=original)
    return "---\n" + "\n".join(lines) + "\n---\n\n" + todo + "\n\n" + body.lstrip("\n")


#: A Markdown link or image to a .md file: ``](autre.md#x "title")`` and ``[ref]: autre.md``.
_INLINE_MD_LINK = re.compile(r"(\]\(\s*<?)([^()\s<>]+?\.md)(?=[#>)\s])")
_REFERENCE_MD_LINK = re.compile(r"^( {0,3}\[[^\]\n]+\]:[ \t]*<?)([^\s<>]+?\.md)(?=[#>\s]|$)", re.M)
#: A fence that opens or closes a code block, whose text is never changed.
_FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})")


def relinked(doc: Document, new_rel: str, documents: list[Document]) -> Callable[[str], str | None]:
    """Return how a link of ``doc``'s text to another page is written in its translation at ``new_rel``.

    Links are relative to the file: copied as written into another language's
    folder, ``autre.md`` named a file that is not there, and the translation
    stopped building once published. A link now leads to the linked page's
    translation in the new language when it has one, else to the page itself
    (in its language). A link that leads nowhere already is left as written.
    """
    by_rel = {other.rel: other for other in documents}
    lang = new_rel.split("/", 1)[0]
    translations = {other.key: other.rel for other in documents if other.lang == lang}
    translations[doc.key] = new_rel  # a link to the page itself leads to the new file

    def relink(target: str) -> str | None:
        linked = by_rel.get(posixpath.normpath(posixpath.join(posixpath.dirname(doc.rel), unquote(target))))
        if linked is None:
            return None
        return posixpath.relpath(translations.get(linked.key, linked.rel), posixpath.dirname(new_rel))

    return relink


def relink_body(body: str, relink: Callable[[str], str | None]) -> str:
    """Return a Markdown text with each relative link to a .md file rewritten by ``relink`` (None: as written);
    code blocks and code spans are left alone."""
    out: list[str] = []
    fence = ""
    for line in body.splitlines(keepends=True):
        opened = _FENCE.match(line)
        if fence:
            if opened and opened.group(1)[0] == fence[0] and len(opened.group(1)) >= len(fence):
                fence = ""
            out.append(line)
            continue
        if opened:
            fence = opened.group(1)
            out.append(line)
            continue
        parts = re.split(r"(`+[^`]*`+)", line)  # code spans keep their text
        for index in range(0, len(parts), 2):
            for pattern in (_INLINE_MD_LINK, _REFERENCE_MD_LINK):
                parts[index] = pattern.sub(
                    lambda match: match.group(1) + (relink(match.group(2)) or match.group(2)), parts[index])
        out.append("".join(parts))
    return "".join(out)


def _entries(front: str) -> list[tuple[str | None, list[str]]]:
    """Split front matter into top-level entries: (key, its lines); comments and blank lines have no key."""
    entries: list[tuple[str | None, list[str]]] = []
    for line in front.splitlines():
        match = _KEY_RE.match(line)
        if match:
            entries.append((match.group(1), [line]))
        elif entries and entries[-1][0] is not None and (line[:1] in (" ", "\t") or not line.strip()):
            entries[-1][1].append(line)  # the rest of a value: indented lines (and blank ones inside them)
        else:
            entries.append((None, [line]))
    # Blank lines at the end of a value belong after it, not in it.
    result: list[tuple[str | None, list[str]]] = []
    for key, lines in entries:
        tail = []
        while key is not None and len(lines) > 1 and not lines[-1].strip():
            tail.append(lines.pop())
        result.append((key, lines))
        result.extend((None, [blank]) for blank in tail)
    return result

