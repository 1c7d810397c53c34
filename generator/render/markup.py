"""Markdown → HTML with markdown-it-py, plus our rules: figure embeds and .md links.

The parser is built once per site (`make_markdown`); each render gets an `env`
(`RenderEnv`) with the callbacks that know the site: how to draw a figure and
where a linked Markdown file is published. Problems are recorded in the env
with the file's line numbers, never raised from inside markdown-it.
"""

from __future__ import annotations

import difflib
import json
import logging
import posixpath
import re
from dataclasses import dataclass, field
from html.parser import HTMLParser
from typing import Any, Callable, Collection, Mapping, Sequence
from urllib.parse import unquote

from markdown_it import MarkdownIt
from markdown_it.rules_block import StateBlock
from markdown_it.rules_core import StateCore
from markdown_it import rules_inline
from markdown_it.rules_inline import StateInline
from markdown_it.token import Token
from markdown_it.common.utils import escapeHtml
from markdown_it.utils import EnvType, OptionsDict
from mdit_py_plugins.footnote import footnote_plugin
from mdit_py_plugins.footnote.index import footnote_inline

from generator.core.errors import SiteError
from generator.core.messages import _
from generator.core.paths import REMOTE_RE, SCHEME_RE, remote_host, slugify

log = logging.getLogger(__name__)

#: A figure embed alone on its line: ``{{< fact ID >}}``; spaces anywhere between its parts do no harm.
SHORTCODE_RE = re.compile(r"^\{\{\s*<\s*([A-Za-z_-]+)\s*(.*?)\s*>\s*\}\}\s*$")
#: What the embed looks like when it is almost right: ``{{ fact id }}``, ``{{% fact id %}}``, ``{{< fact id}}``…
NEAR_SHORTCODE_RE = re.compile(
    r"(?:\{\{\s*[<%]?|\{[<%])\s*(?:fact|FACT|Fact)\b\s*(?P<args>[^{}<>%\n]*?)\s*(?:[>%]?\s*\}\}?|[>%]|$)")
#: How the embed is written, for messages.
EMBED = "{{< fact ID >}}"
DEFAULT_LABELS = {"notes": "Notes", "back": "Back to the text"}
#: Ids the default layouts give their own elements; a heading never takes one of them.
LAYOUT_IDS = frozenset({
    "main", "content", "page-title", "page-content", "card-title", "cite-text", "cite-title", "cited-title",
    "cw-title", "embed-code", "embed-title", "figures-title", "footer-help-title", "help-block-title",
    "kit-title", "latest-title", "note-title", "share-title", "side-help-title", "source-title", "search-input",
    "search-browse",
})
#: Ids the layouts and footnotes number: ``region-2`` (the help page's regions), ``fn1`` and ``fnref1`` (notes).
NUMBERED_IDS = re.compile(r"(region-|fn|fnref)\d+")


@dataclass
class RenderEnv:
    """What one render needs to know about the site, and what it found."""

    source: str
    """The file shown in messages, e.g. content/fr/articles/a.md."""
    body_line: int
    """Line of the body's first line in the file."""
    fact_html: Callable[[str], str | None]
    """Return the HTML of a figure embed, or None for an unknown id."""
    resolve_link: Callable[[str], str | None]
    """Return the URL of a relative .md link target, or None when it does not exist."""
    resolve_asset: Callable[[str], str | None] = lambda name: None
    """Return the hashed URL of a file in assets/ (``img/a.png``), or None when there is none."""
    image_html: Callable[[str], str | None] = lambda argument: None
    """Return the HTML of an image of assets/ (`image_argument`): its size, smaller copies, lazy loading."""
    errors: list[SiteError] = field(default_factory=list)
    facts_used: list[str] = field(default_factory=list)
    anchors: set[str] = field(default_factory=set)
    fact_ids: Collection[str] = ()
    """The ids of the site's figures, for the ids an unknown one is close to (none when not known)."""
    labels: Mapping[str, str] = field(default_factory=lambda: dict(DEFAULT_LABELS))
    """Words the Markdown output needs in the page's language: ``notes``, ``back``."""
    images_without_alt: list[int] = field(default_factory=list)
    links: list[tuple[str, int]] = field(default_factory=list)
    """Internal links (URL, line) for the link checker."""
    relative_links: list[tuple[str, int]] = field(default_factory=list)
    """Links and images as written that the page's own address resolves (``#notes``, ``photo.png``, and
    images at ``/…``), with their lines, for the link checker."""

    def line(self, token_map: Sequence[int] | None) -> int | None:
        """Return the file line of a token's first body line."""
        return self.body_line + token_map[0] if token_map else None

    def fail(self, message: str, token_map: Sequence[int] | None) -> None:
        """Record a problem at a token's line."""
        self.errors.append(SiteError(message, source=self.source, line=self.line(token_map)))


def make_markdown(allow_html: bool) -> MarkdownIt:
    """Return the site's Markdown parser: CommonMark, tables, footnotes, heading ids, our rules."""
    md = MarkdownIt("commonmark", {"html": allow_html, "typographer": False, "xhtmlOut": False})
    md.enable("table")
    md.use(footnote_plugin)
    md.add_render_rule("footnote_block_open", _render_footnotes_open)
    md.add_render_rule("footnote_anchor", _render_footnote_back)
    md.use(heading_ids, min_level=2, max_level=4)
    md.use(source_lines)
    md.use(shortcodes)
    md.use(md_links)
    md.use(nesting_limit)
    md.add_render_rule("image", _render_image)
    return md


def nesting_limit(md: MarkdownIt) -> None:
    """Report text nested too deep to be shown, which markdown-it drops without a word.

    From ``maxNesting`` levels on (20: a list and its item take two, a quote one, so the tenth list inside
    others or the twentieth quote) markdown-it skips the rest of the nested block, a guard against runaway
    recursion. The text is still dropped, but the
    build now stops at its line instead of publishing a page without it.
    """
    tokenize = md.block.tokenize

    def tokenize_reporting(state: StateBlock, start: int, end: int) -> None:
        if state.level >= state.md.options.maxNesting:
            line = state.skipEmptyLines(start)
            vigie: RenderEnv | None = state.env.get("vigie") if isinstance(state.env, dict) else None
            if line < end and state.sCount[line] >= state.blkIndent and vigie is not None:
                vigie.fail(_("this text is nested too deep to be shown: at most {lists} lists or {quotes} quotes "
                             "inside each other; nest it less").format(lists=(state.md.options.maxNesting - 1) // 2,
                                                                       quotes=state.md.options.maxNesting - 1),
                           [line, line + 1])
        tokenize(state, start, end)

    md.block.tokenize = tokenize_reporting  # type: ignore[method-assign,assignment]


#: The inline rules that may read past a line end without leaving a token for it: a code span written over two
#: lines (its line end becomes a space), a link's or an image's address or title on the next line, a footnote
#: written in place (``^[…]``, whose text goes to the notes).
LINE_EATING_RULES: dict[str, Callable[[StateInline, bool], bool]] = {
    "backticks": rules_inline.backtick, "link": rules_inline.link, "image": rules_inline.image,
    "footnote_inline": footnote_inline}


def source_lines(md: MarkdownIt) -> None:
    """Note on the tokens how many line ends of the source they hide, so that what follows is said at its line.

    A paragraph's tokens carry no line of their own: `_rewrite_links` counts the
    line ends it passes (`_lines_in`). Where a rule of `LINE_EATING_RULES` reads
    line ends that no token shows, it notes them in its last token's
    ``meta["lines"]``; otherwise each link after a code span written over two
    lines was said one line too early.
    """
    active = set(md.inline.ruler.get_all_rules())
    for name, rule in LINE_EATING_RULES.items():
        if name in active:
            md.inline.ruler.at(name, _counting(rule))


def _counting(rule: Callable[[StateInline, bool], bool]) -> Callable[[StateInline, bool], bool]:
    def counted(state: StateInline, silent: bool) -> bool:
        start, before = state.pos, len(state.tokens)
        if not rule(state, silent):
            return False
        if not silent and len(state.tokens) > before:
            ends = state.src.count("\n", start, state.pos)  # mostly none: nothing can be hidden
            hidden = ends and ends - sum(_lines_in(t) for t in state.tokens[before:])
            if hidden > 0:
                last = state.tokens[-1]
                last.meta["lines"] = int(last.meta.get("lines", 0)) + hidden
        return True
    return counted


def render_markdown(md: MarkdownIt, text: str, env: RenderEnv) -> str:
    """Render a document body; problems land in ``env.errors``."""
    return str(md.render(text, {"vigie": env}))


def heading_id(text: str) -> str:
    """Return a heading's id: its slug, kept clear of the ids the layouts use."""
    slug = slugify(text)
    return f"{slug}-section" if slug in LAYOUT_IDS or NUMBERED_IDS.fullmatch(slug) else slug


def heading_ids(md: MarkdownIt, min_level: int = 2, max_level: int = 4) -> None:
    """Give each heading from ``min_level`` to ``max_level`` an id from its text, unique in the page.

    The ids are those of mdit-py-plugins' anchors plugin (the second "Notes" is
    ``notes-1``, an id written in the text is kept and reserved), found in linear
    time: that plugin tries ``-1``, ``-2``… from the start for every repeat, so
    a page of 40,000 identical headings took a minute and a half.
    """
    levels = range(min_level, max_level + 1)

    def assign(state: StateCore) -> None:
        used = {str(token.attrGet("id")) for token in state.tokens
                if token.type == "heading_open" and token.attrGet("id")}
        next_number: dict[str, int] = {}
        for index, token in enumerate(state.tokens):
            if token.type != "heading_open" or int(token.tag[1]) not in levels or token.attrGet("id"):
                continue
            children = state.tokens[index + 1].children or []
            base = heading_id("".join(c.content for c in children if c.type in ("text", "code_inline")))
            slug, number = base, next_number.get(base, 1)
            while slug in used:
                slug, number = f"{base}-{number}", number + 1
            next_number[base] = number
            used.add(slug)
            token.attrSet("id", slug)

    md.core.ruler.push("vigie_heading_ids", assign)


def _render_footnotes_open(self: object, tokens: Sequence[Token], idx: int, options: OptionsDict,
                           env: EnvType) -> str:
    labels = env["vigie"].labels if "vigie" in env else DEFAULT_LABELS
    return (f'<hr class="footnotes-sep">\n<section class="footnotes" aria-label="{escapeHtml(labels["notes"])}">\n'
            '<ol class="footnotes-list">\n')


def _render_footnote_back(self: Any, tokens: Sequence[Token], idx: int, options: OptionsDict,
                          env: EnvType) -> str:
    ident = str(self.rules["footnote_anchor_name"](tokens, idx, options, env))
    if tokens[idx].meta["subId"] > 0:
        ident += ":" + str(tokens[idx].meta["subId"])
    labels = env["vigie"].labels if "vigie" in env else DEFAULT_LABELS
    return (f' <a href="#fnref{ident}" class="footnote-backref" aria-label="{escapeHtml(labels["back"])}">'
            "\u21a9\ufe0e</a>")


def shortcodes(md: MarkdownIt) -> None:
    """Add the ``{{< fact ID >}}`` line embed (a block of its own)."""
    md.block.ruler.before("paragraph", "vigie_shortcode", _shortcode_block, {"alt": ["paragraph"]})
    md.add_render_rule("vigie_shortcode", _render_shortcode)


def _shortcode_block(state: StateBlock, start: int, end: int, silent: bool) -> bool:
    pos = state.bMarks[start] + state.tShift[start]
    line = state.src[pos: state.eMarks[start]]
    if not line.startswith("{{"):
        return False
    match = SHORTCODE_RE.match(line)
    if match is None:
        return False
    if silent:
        return True
    token = state.push("vigie_shortcode", "", 0)
    token.map = [start, start + 1]
    token.meta = {"name": match.group(1), "args": match.group(2)}
    state.line = start + 1
    return True


#: Quotes an editor may put around a figure's id: straight, typographic, French guillemets (with their spaces).
_QUOTES = "'\"«»“”‘’„‚‹›\u00a0\u202f "


def _render_shortcode(self: object, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType) -> str:
    token = tokens[idx]
    vigie: RenderEnv | None = env.get("vigie") if isinstance(env, dict) else None
    if vigie is None:  # a template's markdown() of some other text: the figure it names cannot be looked up there
        raise ValueError(_("figure embeds ({embed}) work in the body of a Markdown page only, not in a text a "
                           "template gives to markdown()").format(embed=EMBED))
    name, args = token.meta["name"], token.meta["args"].strip()
    if name != "fact":
        vigie.fail(_("unknown shortcode '{name}'; the only one is {embed}").format(name=name, embed=EMBED), token.map)
        return ""
    if not args or any(ch.isspace() or ch in _QUOTES or ch in "=," for ch in args):
        ids = [part.strip(_QUOTES) for part in re.split(r"[\s,]+", args.split("=")[-1]) if part.strip(_QUOTES)]
        vigie.fail(_("write a figure embed as {embed}, with the id of one file in content/facts/ and no quotes: "
                     "{correct}").format(embed=EMBED, correct=embed_of(ids[0] if ids else "ID")),
                   token.map)
        return ""
    html = vigie.fact_html(args)
    if html is None:
        vigie.fail(unknown_fact(args, vigie.fact_ids), token.map)
        return ""
    vigie.facts_used.append(args)
    return html + "\n"


def embed_of(fact_id: str) -> str:
    """Return the embed of a figure as it is written: ``{{< fact ID >}}``."""
    return EMBED.replace("ID", fact_id)


def unknown_fact(fact_id: str, known: Collection[str]) -> str:
    """Return the message for an embed of an unknown figure, with the ids it is close to."""
    close = difflib.get_close_matches(fact_id, sorted(known), n=3, cutoff=0.6)
    if close:
        return _("unknown fact '{id}': there is no content/facts/{id}.yaml; did you mean {ids}?").format(
            id=fact_id, ids=_(" or ").join(f"'{c}'" for c in close))
    return _("unknown fact '{id}': there is no content/facts/{id}.yaml").format(id=fact_id)


def md_links(md: MarkdownIt) -> None:
    """Rewrite relative links to .md files into their published URLs; note anchors and images."""
    md.core.ruler.push("vigie_links", _rewrite_links)
    md.core.ruler.push("vigie_table_align", _align_with_classes)


def _align_with_classes(state: StateCore) -> None:
    """Turn table cells' style="text-align:…" into class="align-…" (the site's CSP forbids style attributes)."""
    if "|" not in state.src:  # no table without one: most bodies are not walked
        return
    for token in state.tokens:
        if token.type in ("th_open", "td_open"):
            style = str(token.attrGet("style") or "")
            if style.startswith("text-align:"):
                del token.attrs["style"]
                token.attrSet("class", "align-" + style.removeprefix("text-align:").strip())


def _rewrite_links(state: StateCore) -> None:
    vigie: RenderEnv | None = state.env.get("vigie")
    if vigie is None:
        return
    for block in state.tokens:
        if block.type == "heading_open" and block.attrGet("id"):
            vigie.anchors.add(str(block.attrGet("id")))
        if block.type == "html_block":
            _note_raw_html(block.content, vigie, block.map)
        if block.type != "inline" or not block.children:
            continue
        _near_shortcodes(block, vigie)
        row = 0  # the line of the block a token is on: a paragraph's links are said at their own line
        for token in block.children:
            kind = token.type
            if kind == "softbreak" or kind == "hardbreak":
                row += 1
                continue
            if kind not in _NOTED_INLINE and not token.meta and not token.children:
                continue  # most tokens: no line end of their own (`_lines_in`), nothing to note
            at = _down(block.map, row)
            row += _lines_in(token)
            if token.type == "html_inline":
                _note_raw_html(token.content, vigie, at)
            if token.type == "image":
                if not token.content.strip():
                    vigie.images_without_alt.append(vigie.line(at) or 0)
                src = str(token.attrGet("src") or "")
                if REMOTE_RE.match(src):  # every visitor's address would go there; the site's policy blocks it
                    vigie.fail(_("the image {url} is on another site ({host}): a page must not make its visitors' "
                                 "browsers contact other sites (and the site's security policy blocks it); save "
                                 "the image in assets/img/ and write /assets/img/…").format(
                        url=src[:120], host=remote_host(src)),
                        at)
                elif not _rewrite_asset(token, "src", vigie, at):
                    _note_other(src, vigie, at)
            if token.type != "link_open":
                continue
            if _rewrite_asset(token, "href", vigie, at):
                continue
            href = str(token.attrGet("href") or "")
            if not href or href.startswith(("#", "/")) or SCHEME_RE.match(href):
                if href.startswith("/") and not href.startswith("//"):
                    vigie.links.append((href, vigie.line(at) or 0))
                elif href.startswith("#"):
                    _note_other(href, vigie, at)
                continue
            path, _sep, anchor = href.partition("#")
            if not path.endswith(".md"):
                _note_other(href, vigie, at)
                continue
            url = vigie.resolve_link(path)
            if url is None:
                vigie.fail(_("the link '{href}' points to a Markdown file that does not exist; check the file "
                             "name and folder (links are relative to this file)").format(href=href), at)
                continue
            token.attrSet("href", url + (f"#{anchor}" if anchor else ""))
            vigie.links.append((url + (f"#{anchor}" if anchor else ""), vigie.line(at) or 0))


#: The inline tokens `_rewrite_links` notes something of, or that may hold a line end without a note of it.
_NOTED_INLINE = frozenset({"html_inline", "image", "link_open"})


def _lines_in(token: Token) -> int:
    """Return how many line ends of the Markdown an inline token holds: a line break, an image's alt text or a
    title written on two lines, raw HTML over several, those a rule noted as hidden (`source_lines`)."""
    if token.type in ("softbreak", "hardbreak"):
        return 1
    ends = token.content.count("\n") if token.type == "html_inline" else 0
    ends += int(token.meta.get("lines", 0)) if token.meta else 0
    ends += sum(_lines_in(child) for child in token.children or ())
    title = token.attrGet("title") if token.type in ("image", "link_open") else None
    return ends + (str(title).count("\n") if title else 0)


def _near_shortcodes(block: Token, vigie: RenderEnv) -> None:
    """Report each figure embed written in the text: almost right, or right but inside a sentence.

    Only text is read, never code spans: an article may show the syntax in
    `` `{{< fact ID >}}` `` or in a fenced block.
    """
    if "{" not in block.content and "&" not in block.content:  # no brace in its text, written or as an entity
        return
    children = block.children or []
    if not any(t.type == "text" and "{" in t.content for t in children):
        return
    row = 0
    for token in children:
        at = _down(block.map, row)
        row += _lines_in(token)
        if token.type != "text" or "{" not in token.content:
            continue
        for match in NEAR_SHORTCODE_RE.finditer(token.content):
            written = match.group().strip()
            words = match.group("args").strip().strip("'\"").split("=")[-1].strip("'\" ").split()
            fact_id = words[0] if words else "ID"
            alone = written == token.content.strip() and len(children) == 1
            after = token.content.strip().removeprefix(written) if len(children) == 1 else ""
            if SHORTCODE_RE.match(written) and token.content.strip().startswith(written) and after \
                    and not any(ch.isalnum() for ch in after):
                message = _("a figure embed stands alone on its line: remove '{after}' after {written}").format(
                    after=after, written=written)
            elif SHORTCODE_RE.match(written):  # right, but not where the block rule takes it: a sentence, a heading…
                message = _("a figure embed {embed} must stand alone on a line of its own, with an empty line "
                            "before and after it").format(embed=EMBED)
            elif alone:
                message = _("'{written}' is not quite a figure embed; write {correct}").format(
                    written=written, correct=embed_of(fact_id))
            else:
                message = _("'{written}' is not quite a figure embed; write {correct} on a line of its own, with "
                            "an empty line before and after it").format(written=written, correct=embed_of(fact_id))
            vigie.fail(message, at)


#: Elements raw HTML (``allow_html: true``) may not hold: a script, another site inside the page, a redirection
#: (``<meta http-equiv="refresh">`` takes a visitor away even past the site's security policy), a new base address.
REFUSED_RAW_TAGS = frozenset({"script", "iframe", "frame", "frameset", "object", "embed", "meta", "base"})


class _RawLinks(HTMLParser):
    """The addresses an HTML fragment links to or loads (href, src, each candidate of srcset)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[tuple[str, int]] = []
        """Each address, with the line of the fragment its tag starts on (0 for the first)."""
        self.refused: list[str] = []
        """What a page of the site may not hold (`REFUSED_RAW_TAGS`, event handlers), as written."""

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in REFUSED_RAW_TAGS:
            self.refused.append(f"<{tag}>")
        self.refused.extend(f"{name}=" for name, _value in attrs if name.startswith("on"))
        row = self.getpos()[0] - 1
        for name, value in attrs:
            if value and name in ("href", "src"):
                self.found.append((value.strip(), row))
            elif value and name == "srcset":
                self.found.extend((part.split()[0], row) for part in value.split(",") if part.split())


def _note_raw_html(html: str, vigie: RenderEnv, block_map: Sequence[int] | None) -> None:
    """Note the links of raw HTML (``allow_html: true``) for the check: Vigie writes them as they are, so an
    ``<a href="about.md">`` or ``<img src="/assets/img/logo.png">`` (published under a hashed name) breaks."""
    if "<" not in html:
        return
    parser = _RawLinks()
    parser.feed(html)
    parser.close()
    for what in dict.fromkeys(parser.refused):
        vigie.fail(_("the HTML here holds {what}, which a page of the site may not: it would run code, show "
                     "another site inside the page or send its visitors elsewhere; remove it").format(what=what),
                   block_map)
    for target, row in parser.found:
        _note_other(target, vigie, _down(block_map, row))


def _down(block_map: Sequence[int] | None, rows: int) -> Sequence[int] | None:
    """Return a token's map moved ``rows`` lines down its block (where a link of a paragraph's third line is)."""
    return (block_map[0] + rows, block_map[1]) if block_map else None


def _note_other(target: str, vigie: RenderEnv, block_map: Sequence[int] | None) -> None:
    """Note a link or image the page's address resolves (``#notes``, ``photo.png``, ``/fr/x/``), for the check."""
    if target and not target.startswith("//") and not SCHEME_RE.match(target):
        vigie.relative_links.append((target, vigie.line(block_map) or 0))


#: The endings of the images of assets/ that Markdown shows with their size and smaller copies.
SIZED_IMAGES = (".png", ".jpg", ".jpeg", ".webp")


def image_argument(name: str, alt: str, title: str) -> str:
    """Return what a body asks of the site for an image of assets/: its name, alt text and title, as JSON."""
    return json.dumps([name, alt, title], ensure_ascii=False)


def _render_image(self: Any, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType) -> str:
    """Render an image of assets/ with its size and smaller copies (see `RenderEnv.image_html`)."""
    token = tokens[idx]
    vigie: RenderEnv | None = env.get("vigie") if isinstance(env, dict) else None
    name = token.meta.get("vigie_image") if token.meta else None
    if vigie is not None and name:
        alt = self.renderInlineAsText(token.children or [], options, env)
        html = vigie.image_html(image_argument(name, alt, str(token.attrGet("title") or "")))
        if html is not None:
            return html
    return str(self.image(tokens, idx, options, env))


def _rewrite_asset(token: Token, attr: str, vigie: RenderEnv, block_map: Sequence[int] | None) -> bool:
    """Point a link or image at /assets/… to the asset's hashed file; return whether it was one."""
    url = str(token.attrGet(attr) or "")
    if not url.startswith("/assets/"):
        return False
    name, _sep, anchor = url.removeprefix("/assets/").partition("#")
    name = unquote(name)  # markdown-it writes été.png as %C3%A9t%C3%A9.png
    hashed = vigie.resolve_asset(name)
    if hashed is not None and any(ch.isspace() or ch == "," for ch in name):
        vigie.fail(_("'{name}' holds a space or a comma, which break an image's address and its smaller copies; "
                     "rename the file in assets/ with - instead").format(name=name), block_map)
    elif hashed is None:
        vigie.fail(_("'{url}' is not a file in assets/; put the file in assets/{name} or fix the path").format(
            url=url, name=name), block_map)
    else:
        token.attrSet(attr, hashed + (f"#{anchor}" if anchor else ""))
        if token.type == "image" and not anchor and posixpath.splitext(name)[1].lower() in SIZED_IMAGES:
            token.meta = {**(token.meta or {}), "vigie_image": name}
    return True
