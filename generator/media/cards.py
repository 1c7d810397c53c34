"""Social card images for key figures, drawn with Pillow.

Each fact gets two PNG cards (see `plan.CARD_SIZES`): the figure very large in bold,
its label wrapped below it, and at the bottom a thin rule with the source line
on the left and the site name and address on the right (or stacked when they
do not fit side by side).

The site's own card (``kind="site"``, for pages that feature no figure) is laid
out the same way with the site's name as its heading: a name wraps like a label
does, balanced over up to 4 lines (5 on a square card) and shrinking down to
`_Params.heading_min`, so a long association name still gets a card.

Everything is drawn locally with the Atkinson Hyperlegible files of
`generator.fonts`; nothing is downloaded. Rendering is deterministic: the same
`CardSpec` and size give byte-identical PNG files, so cards can be cached on disk
by `card_key` (see `CardCache`).

Content mistakes raise `SiteError`:

* the text colour does not contrast enough with the background (WCAG 4.5:1);
* a label too long to fit even at the smallest legible size (a site title too
  long even over 4 lines);
* a character the font has no glyph for (the card would show a box).

French numbers use U+202F NARROW NO-BREAK SPACE ("12 500", "72 %"), which
the font lacks; such spaces (and the other narrow spaces the font lacks) are drawn
as a narrow gap instead, and never break a line.
"""

from __future__ import annotations

import functools
import hashlib
import io
import json
import logging
import math
import threading
import unicodedata
from contextvars import ContextVar
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Iterator, Literal, Mapping, Sequence

from babel.numbers import format_decimal
import PIL
from PIL import Image, ImageDraw, ImageFont, features

from generator.core.cache import keyed_name, write_atomically
from generator.core.errors import SiteError, os_reason
from generator.core.formats import language_name, text_direction
from generator.core.messages import _, active_language, ngettext
from generator.core.fonts import (FAMILY, LATIN_EXTENDED, SCRIPT_FONTS, font_cmap, font_hash, font_path,
                                  installed_script_font, script_font, script_of)
from generator.core.webfonts import language_characters
from generator.model import Colors

log = logging.getLogger(__name__)

#: Bump whenever the drawing code changes what a card looks like.
RENDER_VERSION = "6"

#: Card file name → (width, height) in pixels.

#: WCAG 2.x minimum contrast for normal-size text.
MIN_CONTRAST = 4.5

_PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"

#: zlib level of the PNG files: 6 is about 3 times faster than 9 for 3-4 % more bytes.
_COMPRESS_LEVEL = 6

#: Whitespace that must never break a line. When the font lacks one of them it is
#: drawn as a gap of this many em (a string: as wide as that character).
_NO_BREAK_GAPS: dict[str, float | str] = {
    "\u00a0": 0.32,  # NO-BREAK SPACE (the font has it; fallback only)
    "\u2007": "0",  # FIGURE SPACE: width of a digit
    "\u2008": ".",  # PUNCTUATION SPACE: width of a full stop
    "\u2009": 0.2,  # THIN SPACE
    "\u200a": 0.1,  # HAIR SPACE
    "\u202f": 0.2,  # NARROW NO-BREAK SPACE (French thousands and before %, :, ;)
}

#: Zero width non-joiner and joiner: they draw nothing, but decide whether letters join (Persian writes
#: می‌دهد with a non-joiner, never میدهد); and the isolates around a name in a line of the other direction
#: (`formats.isolated`: the publisher). Raqm (FriBidi and HarfBuzz) lays out with them; without it they are
#: dropped.
_JOINING_CONTROLS = frozenset("\u200c\u200d\u2066\u2067\u2068\u2069")

#: Invisible format characters that draw nothing; removed before drawing.
_IGNORABLE = frozenset("\u00ad\u200b\u2060\ufeff\u200e\u200f\u061c") | (  # …, direction marks
    frozenset() if features.check("raqm") else _JOINING_CONTROLS)

#: Lone punctuation that stays with the following (opening) or previous (closing) word.
_OPENING = frozenset("«‹“‘([¿¡")
_CLOSING = frozenset("»›”’)]:;!?%…")

#: The layout engine: HarfBuzz (Raqm) when Pillow has it, for GPOS kerning.
_LAYOUT = ImageFont.Layout.RAQM if features.check("raqm") else ImageFont.Layout.BASIC


@dataclass(frozen=True, slots=True)
class CardSpec:
    """Everything one card shows, plus where it came from for error messages."""

    fact_id: str
    """Fact id, for error messages."""
    source_path: Path | str
    """The fact file, named in errors."""
    figure: str
    """The formatted figure, qualifier included, e.g. ``plus de 12 500``."""
    label: str
    """What the figure counts; wrapped to fit (up to about 200 characters)."""
    source_line: str
    """E.g. ``Source : INTERPOL, 25 mai 2022``."""
    site_name: str
    site_url: str
    """Address shown on the card, without scheme, e.g. ``vigie.example.org/fr/…``."""
    colors: Colors
    lang: str
    config_path: Path | str = "site.yaml"
    """The site configuration, named in colour errors."""
    as_of: str = ""
    """When the figure was true, e.g. ``situation en mai 2022``: drawn after the label, in brackets."""
    kind: Literal["fact", "site"] = "fact"
    """``fact``: ``figure`` is a number, kept on one line when it can be. ``site``: the site's own card,
    ``figure`` is the site's name (``label`` its description), wrapped over several lines when long."""

    def about(self, problem: str) -> str:
        """Return an error about this card: ``fact 'id' (fr): problem``, its language named, as each language's
        card has its own words (a site card's caller says more)."""
        return problem if self.kind == "site" else _("fact '{id}' ({lang}): {problem}").format(
            id=self.fact_id, lang=self.lang, problem=problem)

    def part(self, name: str) -> str:
        """Return how errors call a part of the card, with its article: ``the label`` (the figure of a site card is
        the site's title)."""
        if self.kind == "site":
            parts = {"figure": _("the title"), "label": _("the description"), "source line": _("the publisher")}
        else:
            parts = {"figure": _("the figure"), "label": _("the label"), "source line": _("the source line")}
        parts.update({"site name": _("the site name"), "site address": _("the site address")})
        return parts[name]


# --------------------------------------------------------------------------- colours


def _parse_color(value: str, what: str, spec: CardSpec) -> tuple[int, int, int]:
    try:
        return _to_rgb(value)
    except (ValueError, AttributeError):
        raise SiteError(
            _("colors: {key} {value} is not a colour; write it as #rrggbb, e.g. #1d3557").format(key=what,
                                                                                                 value=repr(value)),
            source=spec.config_path,
        ) from None


def _to_rgb(value: str) -> tuple[int, int, int]:
    """Parse ``#rrggbb`` or ``#rgb`` (the ``#`` is optional); ValueError otherwise."""
    text = value.strip().removeprefix("#")
    if len(text) == 3:
        text = "".join(c * 2 for c in text)
    if len(text) != 6 or not all(c in "0123456789abcdefABCDEF" for c in text):
        raise ValueError(f"not a #rrggbb colour: {value!r}")
    return (int(text[0:2], 16), int(text[2:4], 16), int(text[4:6], 16))


def _luminance(rgb: tuple[int, int, int]) -> float:
    def channel(c: int) -> float:
        s = c / 255
        return s / 12.92 if s <= 0.04045 else ((s + 0.055) / 1.055) ** 2.4

    r, g, b = (channel(c) for c in rgb)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def _ratio(a: tuple[int, int, int], b: tuple[int, int, int]) -> float:
    la, lb = _luminance(a), _luminance(b)
    hi, lo = max(la, lb), min(la, lb)
    return (hi + 0.05) / (lo + 0.05)


def contrast_ratio(fg: str, bg: str) -> float:
    """Return the WCAG 2.x contrast ratio (1 to 21) of two ``#rrggbb`` colours."""
    return _ratio(_to_rgb(fg), _to_rgb(bg))


def _format_ratio(ratio: float) -> str:
    """Return a contrast ratio as the editor's language writes numbers (``4.48``, ``4,48``), rounded down so that
    4.48 never shows as "4.5" next to "needs at least 4.5"."""
    return format_decimal(math.floor(ratio * 100) / 100, format="0.##", locale=active_language())


def _mix(a: tuple[int, int, int], b: tuple[int, int, int], t: float) -> tuple[int, int, int]:
    """Return ``a`` moved a fraction ``t`` towards ``b``."""
    return (round(a[0] + (b[0] - a[0]) * t), round(a[1] + (b[1] - a[1]) * t), round(a[2] + (b[2] - a[2]) * t))


@dataclass(frozen=True, slots=True)
class _Palette:
    background: tuple[int, int, int]
    figure: tuple[int, int, int]
    text: tuple[int, int, int]
    muted: tuple[int, int, int]
    rule: tuple[int, int, int]


def _palette(spec: CardSpec) -> _Palette:
    bg = _parse_color(spec.colors.background, "background", spec)
    fg = _parse_color(spec.colors.foreground, "foreground", spec)
    accent = _parse_color(spec.colors.accent, "accent", spec)
    ratio = _ratio(fg, bg)
    if ratio < MIN_CONTRAST:
        raise SiteError(
            _("colors: text colour {foreground} on {background} has contrast {ratio}:1 on the fact cards; WCAG "
              "needs at least {minimum}:1").format(foreground=spec.colors.foreground,
                                                   background=spec.colors.background, ratio=_format_ratio(ratio),
                                                   minimum=_format_ratio(MIN_CONTRAST)),
            source=spec.config_path, line=spec.colors.line,
        )
    figure = accent if _ratio(accent, bg) >= MIN_CONTRAST else fg
    # Footer text slightly softer than the label, but never below 4.5:1.
    muted = fg
    for t in (0.22, 0.15, 0.08):
        candidate = _mix(fg, bg, t)
        if _ratio(candidate, bg) >= MIN_CONTRAST:
            muted = candidate
            break
    rule = _mix(fg, bg, 0.7)
    return _Palette(background=bg, figure=figure, text=fg, muted=muted, rule=rule)


# --------------------------------------------------------------------------- fonts


_SCRIPT: ContextVar[str] = ContextVar("card_script", default="Latn")
"""The script of the card being drawn (set by `render_card`): Arabic cards draw with an Arabic font."""

_WEIGHTS = {"regular": 400, "bold": 700}


@functools.lru_cache(maxsize=64)
def card_script(lang: str) -> str:
    """Return the script whose font draws a language's cards: its own (`fonts.script_of`), or `LATIN_EXTENDED` for
    a Latin-script language with small letters Atkinson Hyperlegible cannot draw (Vietnamese "hơn", "triệu": no card
    of it could be drawn, not even with Vigie's own words). A capital alone (German ẞ) does not count."""
    script = script_of(lang)
    if script != "Latn":
        return script
    needed = language_characters(lang)
    if needed is None:
        return script
    small = [chr(code) for code in needed if unicodedata.category(chr(code)) == "Ll"]
    return LATIN_EXTENDED if not all(_drawable(ch, "Latn") for ch in small) else script


def spec_script(spec: CardSpec) -> str:
    """Return the script whose font draws one card: its language's (`card_script`), or `LATIN_EXTENDED` for a
    Latin card holding a letter only that font has: a publisher's name is the same on every language's cards
    ("Bộ Công an" on the French card of a French and Vietnamese site), a German "GROẞE"."""
    script = card_script(spec.lang)
    if script != "Latn":
        return script
    texts = unicodedata.normalize("NFC", " ".join((spec.figure, spec.label, spec.source_line, spec.site_name,
                                                   spec.site_url, spec.as_of)))
    missing = {ch for ch in texts if ch.isalpha() and not _drawable(ch, "Latn")}
    return LATIN_EXTENDED if missing and all(_drawable(ch, LATIN_EXTENDED) for ch in missing) else script


@functools.lru_cache(maxsize=4096)
def _drawable(ch: str, script: str) -> bool:
    """Return whether the font of a script draws a letter as `_clean` gives it: precomposed, or its base and marks."""
    other = installed_script_font(script)
    cmap = font_cmap(other[0] if other is not None else font_path("regular"))
    return ord(ch) in cmap or all(ord(part) in cmap for part in unicodedata.normalize("NFD", ch))


def _face(weight: str) -> tuple[Path, str]:
    """Return the font file and family for a weight in the script of the card being drawn."""
    script = _SCRIPT.get()
    try:
        other = script_font(script)
    except ImportError as exc:
        raise SiteError(_("the cards of a language written in the script {script} need the font package "
                          "'{package}'; install it with pip").format(
                              script=script, package=(exc.name or "").replace("_", "-"))) from None
    return other if other is not None else (font_path(weight), FAMILY)


def _font(weight: str, size: int) -> ImageFont.FreeTypeFont:
    return _font_of(_face(weight)[0], weight, size)


@functools.lru_cache(maxsize=None)
def _font_of(path: Path, weight: str, size: int) -> ImageFont.FreeTypeFont:
    font = ImageFont.truetype(str(path), size, layout_engine=_LAYOUT)
    try:
        axes = font.get_variation_axes()
    except OSError:  # not a variable font: one file per weight
        return font
    font.set_variation_by_axes([float(_WEIGHTS[weight] if axis.get("name") == b"Weight" else axis.get("default") or 100)
                                for axis in axes])
    return font


def _cmap(weight: str) -> frozenset[int]:
    return font_cmap(_face(weight)[0])


#: Letters that reach highest and lowest in each script drawn with a font of its own, besides the Latin
#: ones: Arabic's hamza forms and tall letters above, its descending letters and kasra below.
_TALL_AND_DEEP = {
    "Arab": ("\u0623\u0625\u0622\u0644\u0643\u0637\u0638\u0644\u0627",
             "\u064a\u062c\u0639\u0642\u0645\u0646\u0635\u062d\u062e\u0649\u0628\u0650"),
}


def _font_metrics(weight: str, size: int) -> tuple[int, int]:
    """Return (ascent above baseline of accented capitals, descent below it) in px, in the card's script."""
    script = _SCRIPT.get()
    return _font_metrics_of(_face(weight)[0], weight, size, script)


@functools.lru_cache(maxsize=None)
def _font_metrics_of(path: Path, weight: str, size: int, script: str = "Latn") -> tuple[int, int]:
    font = _font_of(path, weight, size)
    tall, deep = _TALL_AND_DEEP.get(script, ("", ""))
    top = min(font.getbbox(sample, anchor="ls")[1] for sample in ("ÉÀÔHdlbk", tall) if sample)
    bottom = max(font.getbbox(sample, anchor="ls")[3] for sample in ("gjpqy,", deep) if sample)
    return (-math.floor(top), math.ceil(bottom))


# --------------------------------------------------------------------------- text


def _clean(text: str, weight: str) -> str:
    """Normalise text for drawing with the font of ``weight``.

    NFC-normalises; a precomposed letter the font lacks (e.g. 'Ũ') is decomposed
    when the font has the base letter and the combining marks (HarfBuzz places the
    marks with the font's ``mark`` feature). Drops invisible format characters and
    collapses breaking whitespace (newlines, tabs…) to single spaces.
    """
    cmap = _cmap(weight)
    text = unicodedata.normalize("NFC", text)
    out: list[str] = []
    pending_space = False
    for ch in text:
        if ch in _IGNORABLE:
            continue
        if ch.isspace() and ch not in _NO_BREAK_GAPS:
            pending_space = bool(out)
            continue
        if pending_space:
            out.append(" ")
            pending_space = False
        if ord(ch) not in cmap and _LAYOUT == ImageFont.Layout.RAQM:
            parts = unicodedata.normalize("NFD", ch)
            if len(parts) > 1 and all(ord(c) in cmap for c in parts):
                ch = parts
        out.append(ch)
    return "".join(out)


def _check_glyphs(spec: CardSpec, part: str, text: str, weight: str) -> None:
    cmap = _cmap(weight)
    missing: list[str] = []
    for ch in text:
        if ord(ch) not in cmap and ch not in _NO_BREAK_GAPS and ch not in _JOINING_CONTROLS and ch not in missing:
            missing.append(ch)
    if not missing:
        return
    shown = ", ".join(f"'{ch}' (U+{ord(ch):04X})" for ch in missing[:5])
    if len(missing) > 5:
        shown = ngettext("{characters} and {count} more", "{characters} and {count} more",
                         len(missing) - 5).format(characters=shown, count=len(missing) - 5)
    script = script_of(spec.lang)
    if script != "Latn" and script not in SCRIPT_FONTS and any(unicodedata.category(ch)[0] == "L" for ch in missing):
        # The language's own letters: no edit of the text helps (Chinese, Japanese, Korean, Thai, Bengali…).
        raise SiteError(spec.about(_("Vigie has no card font for {language} yet: no card of this language can be "
                                     "drawn ({characters} in {part})").format(
            language=language_name(spec.lang, active_language()), characters=shown, part=spec.part(part))),
            source=spec.source_path)
    raise SiteError(
        spec.about(ngettext("the card font ({font}) has no glyph for {characters} in {part}; replace or remove it",
                            "the card font ({font}) has no glyph for {characters} in {part}; replace or remove them",
                            len(missing)).format(font=_face(weight)[1], characters=shown, part=spec.part(part))),
        source=spec.source_path,
    )


def _segments(text: str, weight: str) -> list[str | float]:
    """Split text into drawable runs (str) and gaps (float, in em) for spaces the font lacks."""
    cmap = _cmap(weight)
    out: list[str | float] = []
    run: list[str] = []
    for ch in text:
        if ch in _NO_BREAK_GAPS and ord(ch) not in cmap:
            if run:
                out.append("".join(run))
                run = []
            gap = _NO_BREAK_GAPS[ch]
            if isinstance(gap, str):
                gap = _font(weight, 1000).getlength(gap) / 1000
            out.append(gap)
        else:
            run.append(ch)
    if run:
        out.append("".join(run))
    return out


@dataclass(frozen=True, slots=True)
class _Box:
    """Ink box of a line relative to its pen origin on the baseline, plus advance."""

    left: float
    top: float
    right: float
    bottom: float
    advance: float

    @property
    def width(self) -> float:
        """Horizontal room the line needs (ink and advance)."""
        return max(self.right, self.advance) - min(self.left, 0.0)


def _pieces(text: str, weight: str, size: int, lang: str) -> Iterator[tuple[float, str]]:
    """Yield (x offset from the pen origin, run) for each drawable run of text."""
    font = _font(weight, size)
    x = 0.0
    for seg in _segments(text, weight):
        if isinstance(seg, float):
            x += seg * size
        else:
            yield (x, seg)
            x += font.getlength(seg, **_lang_kw(lang))


def _lang_kw(lang: str) -> dict[str, Any]:
    return {"language": lang} if _LAYOUT == ImageFont.Layout.RAQM and lang else {}


def _measure(text: str, weight: str, size: int, lang: str) -> _Box:
    """Return the ink box and advance of a line in the font of the card being drawn."""
    return _measure_in(text, weight, size, lang, _SCRIPT.get())


@functools.lru_cache(maxsize=4096)
def _measure_in(text: str, weight: str, size: int, lang: str, script: str) -> _Box:
    """`_measure` for the font of ``script`` (which is the current one: in the key, a card of one language drawn
    with another font than the others, its publisher's letters, never takes their measures)."""
    font = _font(weight, size)
    left, top, right, bottom = math.inf, math.inf, -math.inf, -math.inf
    advance = 0.0
    for seg in _segments(text, weight):
        if isinstance(seg, float):
            advance += seg * size
            continue
        x0, y0, x1, y1 = font.getbbox(seg, anchor="ls", **_lang_kw(lang))
        if x1 > x0 or y1 > y0:
            left, top = min(left, advance + x0), min(top, y0)
            right, bottom = max(right, advance + x1), max(bottom, y1)
        advance += font.getlength(seg, **_lang_kw(lang))
    if left == math.inf:
        return _Box(0.0, 0.0, 0.0, 0.0, advance)
    return _Box(left, top, right, bottom, advance)


def _advance(text: str, weight: str, size: int, lang: str) -> float:
    """Return the advance width of a line (much cheaper than its ink box)."""
    return _advance_in(text, weight, size, lang, _SCRIPT.get())


@functools.lru_cache(maxsize=8192)
def _advance_in(text: str, weight: str, size: int, lang: str, script: str) -> float:
    """`_advance` for the font of ``script``, the current one (see `_measure_in`)."""
    font = _font(weight, size)
    return float(sum(seg * size if isinstance(seg, float) else font.getlength(seg, **_lang_kw(lang))
                     for seg in _segments(text, weight)))


def _wrap(words: Sequence[str], weight: str, size: int, lang: str, width: float) -> list[str] | None:
    """Greedy word wrap; None when one word alone is wider than ``width``.

    Lines are measured by advance width, keeping 4 % of an em for glyphs whose ink
    overhangs it; callers check the final lines' ink boxes.
    """
    room = width - size * 0.04
    lines: list[str] = []
    current = ""
    for word in words:
        candidate = f"{current} {word}" if current else word
        if _advance(candidate, weight, size, lang) <= room:
            current = candidate
            continue
        if not current:
            return None
        lines.append(current)
        current = word
        if _advance(current, weight, size, lang) > room:
            return None
    if current:
        lines.append(current)
    return lines


def _glue(words: list[str]) -> list[str]:
    """Keep lone punctuation with its word: « and the next word, the previous word and » : ; ! ? %."""
    out: list[str] = []
    attach_next = False
    for word in words:
        if attach_next and out:
            out[-1] = f"{out[-1]} {word}"
        elif out and word and all(c in _CLOSING for c in word):
            out[-1] = f"{out[-1]} {word}"
        else:
            out.append(word)
        attach_next = bool(word) and all(c in _OPENING for c in word)
    return out


def _wrap_balanced(text: str, weight: str, size: int, lang: str, width: float) -> list[str] | None:
    """Wrap into as few lines as greedy wrapping, with lines as even as possible."""
    words = _glue(text.split(" "))
    lines = _wrap(words, weight, size, lang, width)
    if lines is None or len(lines) <= 1:
        return lines
    lo, hi = width * 0.5, width
    best = lines
    for _attempt in range(10):
        mid = (lo + hi) / 2
        trial = _wrap(words, weight, size, lang, mid)
        if trial is not None and len(trial) <= len(lines):
            best, hi = trial, mid
        else:
            lo = mid
    return best


# --------------------------------------------------------------------------- layout


@dataclass(frozen=True, slots=True)
class _Params:
    margin: int
    figure_max: int
    figure_min: int
    label_max: int
    label_min: int
    label_pitch: float
    label_lines: int
    """At most this many label lines: a card is not a page of text."""
    figure_lines: int
    """The figure may break over this many lines when that makes it much larger."""
    figure_floor: int
    """The figure shrinks down to this size to make room for a long label."""
    heading_lines: int
    """A site card's title wraps over at most this many lines…"""
    heading_min: int
    """…shrinking down to this size."""
    footer_size: int
    footer_min: int
    footer_pitch: float
    figure_gap: float
    """Space between the figure's descender line and the label, in figure em."""
    rule_gap: int
    """Space between the main block and the rule."""
    rule_text_gap: int
    """Space between the rule and the footer text."""
    rule_width: int
    accent_bar: tuple[int, int]
    """Width and height of the small bar above the figure."""


def _params(size: tuple[int, int]) -> _Params:
    w, h = size
    if w >= h * 1.4:  # landscape, designed for 1200×630
        s = h / 630
        return _Params(
            margin=round(64 * s),
            figure_max=round(150 * s),
            figure_min=round(64 * s),
            label_max=round(44 * s),
            label_min=round(28 * s),
            label_pitch=1.28,
            label_lines=6,
            figure_lines=1,
            figure_floor=round(96 * s),
            heading_lines=4,
            heading_min=round(40 * s),
            footer_size=round(23 * s),
            footer_min=round(18 * s),
            footer_pitch=1.4,
            figure_gap=0.22,
            rule_gap=round(36 * s),
            rule_text_gap=round(22 * s),
            rule_width=max(1, round(2 * s)),
            accent_bar=(round(72 * s), round(8 * s)),
        )
    s = min(w, h) / 1080
    return _Params(
        margin=round(80 * s),
        figure_max=round(210 * s),
        figure_min=round(72 * s),
        label_max=round(52 * s),
        label_min=round(30 * s),
        label_pitch=1.28,
        label_lines=9,
        figure_lines=2,
        figure_floor=round(128 * s),
        heading_lines=5,
        heading_min=round(36 * s),
        footer_size=round(27 * s),
        footer_min=round(20 * s),
        footer_pitch=1.4,
        figure_gap=0.2,
        rule_gap=round(48 * s),
        rule_text_gap=round(28 * s),
        rule_width=max(1, round(2 * s)),
        accent_bar=(round(88 * s), round(10 * s)),
    )


@dataclass(frozen=True, slots=True)
class _Text:
    """One line to draw: pen origin on the baseline."""

    x: float
    baseline: float
    text: str
    weight: str
    size: int
    color: str
    """Palette field name."""


@dataclass(frozen=True, slots=True)
class _Prepared:
    """Cleaned, glyph-checked texts of one spec."""

    spec: CardSpec
    figure: str
    label: str
    source: str
    name: str
    url: str

    @classmethod
    def of(cls, spec: CardSpec) -> _Prepared:
        """Clean the texts of spec and check the font can draw them."""
        label = f"{spec.label} ({spec.as_of})" if spec.as_of else spec.label
        prep = cls(spec, _clean(spec.figure, "bold"), _clean(label, "regular"),
                   _clean(spec.source_line, "regular"), _clean(spec.site_name, "bold"),
                   _clean(spec.site_url, "regular"))
        if not prep.figure:
            raise SiteError(_("the card has no title to show") if spec.kind == "site"
                            else spec.about(_("the card has no figure to show")), source=spec.source_path)
        _check_glyphs(spec, "figure", prep.figure, "bold")
        _check_glyphs(spec, "label", prep.label, "regular")
        _check_glyphs(spec, "source line", prep.source, "regular")
        _check_glyphs(spec, "site name", prep.name, "bold")
        _check_glyphs(spec, "site address", prep.url, "regular")
        return prep


def _layout_footer(prep: _Prepared, params: _Params, size: tuple[int, int]) -> tuple[list[_Text], float | None]:
    """Return the footer lines and the y of the rule above them (None: no footer at all)."""
    w, h = size
    m = params.margin
    width = w - 2 * m
    lang = prep.spec.lang
    if not (prep.source or prep.name or prep.url):
        return [], None
    for fsize in range(params.footer_size, params.footer_min - 1, -1):
        rows = _arrange_footer(prep, width, fsize, lang)
        if rows is None:
            continue
        asc, desc = (max(pair) for pair in zip(_font_metrics("regular", fsize), _font_metrics("bold", fsize)))
        # Marks can reach past the sample letters (a kasra under a jim): room for the ink actually drawn.
        asc = max([asc] + [math.ceil(-_measure(text, weight, fsize, lang).top) for _, text, weight, _ in rows[0]])
        desc = max([desc] + [math.ceil(_measure(text, weight, fsize, lang).bottom) for _, text, weight, _ in rows[-1]])
        pitch = round(fsize * params.footer_pitch)
        last_baseline = h - m - desc
        first_baseline = last_baseline - pitch * (len(rows) - 1)
        rule_y = first_baseline - asc - params.rule_text_gap
        texts: list[_Text] = []
        for i, row in enumerate(rows):
            baseline = first_baseline + i * pitch
            for align, text, weight, color in row:
                box = _measure(text, weight, fsize, lang)
                x = m - min(box.left, 0.0) if align == "left" else w - m - max(box.right, box.advance)
                texts.append(_Text(x, baseline, text, weight, fsize, color))
        return texts, rule_y
    if prep.spec.kind == "site":
        message = _("the publisher, site name and address do not fit on the {width}×{height} card even at "
                    "{pixels}px; shorten the publisher or site name")
    else:
        message = prep.spec.about(_("the source line, site name and address do not fit on the {width}×{height} card "
                                    "even at {pixels}px; shorten the source line or site name"))
    raise SiteError(message.format(width=w, height=h, pixels=params.footer_min), source=prep.spec.source_path)


def _arrange_footer(
    t: _Prepared, width: float, size: int, lang: str
) -> list[list[tuple[str, str, str, str]]] | None:
    """Arrange the footer; each row is a list of (align, text, weight, colour)."""
    gap = size * 2.0
    src_w = _measure(t.source, "regular", size, lang).width if t.source else 0.0
    name_w = _measure(t.name, "bold", size, lang).width if t.name else 0.0
    url_w = _measure(t.url, "regular", size, lang).width if t.url else 0.0
    rows: list[list[tuple[str, str, str, str]]] = []
    # Side by side: source | site name on the first row, the address under the name.
    if src_w + gap + max(name_w, url_w) <= width:
        first: list[tuple[str, str, str, str]] = []
        if t.source:
            first.append(("left", t.source, "regular", "muted"))
        if t.name:
            first.append(("right", t.name, "bold", "text"))
        elif t.url:  # no name (a site card: its heading is the name): the address takes its place
            first.append(("right", t.url, "regular", "muted"))
        if first:
            rows.append(first)
        if t.url and t.name:
            rows.append([("right", t.url, "regular", "muted")])
        return rows
    # Stacked: the source (wrapped on at most two lines), then site name and address.
    if t.source:
        lines = _wrap(t.source.split(" "), "regular", size, lang, width)
        if lines is None or len(lines) > 2:
            return None
        rows.extend([[("left", line, "regular", "muted")] for line in lines])
    if t.name and t.url and name_w + gap + url_w <= width:
        rows.append([("left", t.name, "bold", "text"), ("right", t.url, "regular", "muted")])
        return rows
    if t.name and name_w > width:  # a long association name: on two lines
        lines = _wrap_balanced(t.name, "bold", size, lang, width)
        if lines is None or len(lines) > 2 or any(_measure(n, "bold", size, lang).width > width for n in lines):
            return None
        rows.extend([[("left", line, "bold", "text")] for line in lines])
    elif t.name:
        rows.append([("left", t.name, "bold", "text")])
    if t.url:
        if url_w > width:
            return None
        rows.append([("left", t.url, "regular", "muted")])
    return rows


@dataclass(frozen=True, slots=True)
class _Main:
    texts: list[_Text]
    top: float
    bottom: float


def _layout_main(
    prep: _Prepared,
    params: _Params,
    size: tuple[int, int],
    fig_size: int,
    label_size: int,
    area: tuple[float, float],
    balance: bool = True,
    figure_lines: int = 1,
) -> _Main | None:
    """Lay out the figure and label inside the vertical ``area``; None when it does not fit.

    The figure takes at most ``figure_lines`` lines. Without ``balance`` the label is
    wrapped greedily: same number of lines, so the same height, but cheaper while
    searching for the sizes that fit.
    """
    w, _height = size
    m = params.margin
    width = w - 2 * m
    lang = prep.spec.lang
    fig_lines = _figure_lines(prep, fig_size, width, figure_lines)
    if fig_lines is None:
        return None
    fig_boxes = [_measure(line, "bold", fig_size, lang) for line in fig_lines]
    fig_pitch = round(fig_size * 1.05)
    bar_h = params.accent_bar[1]
    bar_gap = round(fig_size * 0.3)
    lines: list[str] = []
    if prep.label:
        wrapped = (_wrap_balanced(prep.label, "regular", label_size, lang, width) if balance
                   else _wrap(_glue(prep.label.split(" ")), "regular", label_size, lang, width))
        if wrapped is None or len(wrapped) > params.label_lines:
            return None
        lines = wrapped
    l_asc, l_desc = _font_metrics("regular", label_size)
    if lines:  # room for the ink actually drawn too, when marks reach past the sample letters
        l_asc = max(l_asc, math.ceil(-_measure(lines[0], "regular", label_size, lang).top))
        l_desc = max(l_desc, math.ceil(_measure(lines[-1], "regular", label_size, lang).bottom))
    pitch = round(label_size * params.label_pitch)
    # Heights relative to the top of the block.
    fig_top = bar_h + bar_gap
    fig_baselines = [fig_top - fig_boxes[0].top + i * fig_pitch for i in range(len(fig_lines))]
    fig_desc = max(fig_boxes[-1].bottom, 0.0)
    y = fig_baselines[-1] + max(fig_desc, fig_size * 0.12) + fig_size * params.figure_gap
    label_baselines: list[float] = []
    if lines:
        first = y + l_asc
        label_baselines = [first + i * pitch for i in range(len(lines))]
        y = label_baselines[-1] + l_desc
    height = y
    top_area, bottom_area = area
    if height > bottom_area - top_area:
        return None
    # Centre the block in the area, nudged up a little (optical centre).
    top = top_area + (bottom_area - top_area - height) * 0.45
    top = round(top)
    texts = [
        _Text(m - min(box.left, 0.0), top + baseline, line, "bold", fig_size, "figure")
        for line, box, baseline in zip(fig_lines, fig_boxes, fig_baselines)
    ]
    for line, baseline in zip(lines, label_baselines):
        box = _measure(line, "regular", label_size, lang)
        if box.width > width:
            return None
        texts.append(_Text(m - min(box.left, 0.0), top + baseline, line, "regular", label_size, "text"))
    return _Main(texts, top, top + height)


def _widest_figure(prep: _Prepared, params: _Params, size: tuple[int, int]) -> int:
    """Return the largest figure size (down to the minimum) whose line fits the width."""
    width = size[0] - 2 * params.margin
    lang = prep.spec.lang
    fig_max = params.figure_max
    # Advance widths scale with the size: jump close to the answer, then step down.
    advance = _advance(prep.figure, "bold", fig_max, lang)
    if advance > width:
        fig_max = min(fig_max, max(params.figure_min, int(fig_max * width / advance) + 2))
    while fig_max > params.figure_min and _measure(prep.figure, "bold", fig_max, lang).width > width:
        fig_max -= 2
    return fig_max


def _figure_lines(prep: _Prepared, fig_size: int, width: float, max_lines: int) -> list[str] | None:
    """Return the figure's lines at fig_size (one, or balanced over up to max_lines), None if too wide."""
    lang = prep.spec.lang
    if _measure(prep.figure, "bold", fig_size, lang).width <= width:
        return [prep.figure]
    if max_lines < 2:
        return None
    lines = _wrap_balanced(prep.figure, "bold", fig_size, lang, width)
    if lines is None or len(lines) > max_lines:
        return None
    if any(_measure(line, "bold", fig_size, lang).width > width for line in lines):
        return None
    return lines


def _widest_two_line_figure(prep: _Prepared, params: _Params, size: tuple[int, int]) -> int | None:
    """Return the largest figure size at which the figure fits on two lines, if any."""
    width = size[0] - 2 * params.margin
    for fig_size in range(params.figure_max, params.figure_min - 1, -4):
        if _figure_lines(prep, fig_size, width, 2) is not None:
            return fig_size
    return None


def _fits_label(
    prep: _Prepared, params: _Params, size: tuple[int, int], area: tuple[float, float]
) -> _Main | None:
    """Find the largest sizes that fit: shrink the label first, then the figure (to its floor).

    On cards with room for it (``params.figure_lines``), a figure that one line would
    make much smaller is first tried on two lines ("plus de" / "12 500"), as long as
    the label keeps a comfortable size.
    """
    fig_max = _widest_figure(prep, params, size)
    floor = min(fig_max, params.figure_floor)
    candidates: list[tuple[int, int, int]] = []
    if params.figure_lines > 1 and " " in prep.figure:
        two = _widest_two_line_figure(prep, params, size)
        if two is not None and two >= fig_max * 1.25:
            comfortable = round(params.label_max * 0.85)
            candidates += [(two, label, 2) for label in range(params.label_max, comfortable - 1, -2)]
    candidates += [(fig_max, label, 1) for label in range(params.label_max, params.label_min - 1, -2)]
    if floor < fig_max:
        candidates += [(fig, params.label_min, 1) for fig in (*range(fig_max - 4, floor, -4), floor)]
    # The first sizes whose greedy lines fit are kept. Balanced lines read better, but may end on a line that
    # reaches lower (a deep Arabic descender): then the greedy lines, which fit, are drawn.
    for fig_size, label_size, lines in candidates:
        greedy = _layout_main(prep, params, size, fig_size, label_size, area, False, lines)
        if greedy is not None:
            return _layout_main(prep, params, size, fig_size, label_size, area, True, lines) or greedy
    return None


def _fits_heading(
    prep: _Prepared, params: _Params, size: tuple[int, int], area: tuple[float, float]
) -> _Main | None:
    """Site cards: the largest title that fits, balanced over up to ``params.heading_lines`` lines.

    As on a fact card the label (the description) shrinks first, then the title,
    down to ``params.heading_min``; the label stays well below the title's size.
    """
    width = size[0] - 2 * params.margin
    lines = params.heading_lines
    for heading in range(params.figure_max, params.heading_min - 1, -2):
        if _figure_lines(prep, heading, width, lines) is None:
            continue
        largest = max(params.label_min, min(params.label_max, round(heading * 0.75)))
        for label in range(largest, params.label_min - 1, -2):
            greedy = _layout_main(prep, params, size, heading, label, area, False, lines)
            if greedy is not None:
                return _layout_main(prep, params, size, heading, label, area, True, lines) or greedy
    return None


def _layout_site(prep: _Prepared, params: _Params, size: tuple[int, int], area: tuple[float, float]) -> _Main:
    """Lay out a site card's title and description, or say which one to shorten."""
    main = _fits_heading(prep, params, size, area)
    if main is not None:
        return main
    spec = prep.spec
    w, h = size
    smallest = (params.heading_min, params.label_min, area, False, params.heading_lines)
    if _layout_main(replace(prep, label=""), params, size, *smallest) is None:
        raise SiteError(
            _("the title '{title}' does not fit on the {width}×{height} card even on {lines} lines at {pixels}px; "
              "shorten it, or put a short name before ' – ' (the rest goes below it, in smaller type)").format(
                title=prep.figure, width=w, height=h, lines=params.heading_lines, pixels=params.heading_min),
            source=spec.source_path,
        )
    fits = _longest_fitting_prefix(prep, params, size, area, params.heading_min, params.heading_lines)
    raise SiteError(
        _("the description is too long to fit on the {width}×{height} card under the title; shorten it to about "
          "{count} characters").format(width=w, height=h, count=fits),
        source=spec.source_path,
    )


def _layout(prep: _Prepared, size: tuple[int, int]) -> tuple[_Params, list[_Text], float | None, float]:
    """Return the parameters, every line to draw, the rule's y (None: no rule), and the main block's top."""
    spec = prep.spec
    w, h = size
    params = _params(size)
    footer, rule_y = _layout_footer(prep, params, size)
    area = (float(params.margin), float(h - params.margin) if rule_y is None else rule_y - params.rule_gap)
    if spec.kind == "site":
        site = _layout_site(prep, params, size, area)
        return params, site.texts + footer, rule_y, site.top
    fig_width = _measure(prep.figure, "bold", params.figure_min, spec.lang).width
    if fig_width > w - 2 * params.margin:
        raise SiteError(
            spec.about(_("the figure '{figure}' is too wide for the {width}×{height} card even at {pixels}px; "
                         "shorten it").format(figure=prep.figure, width=w, height=h, pixels=params.figure_min)),
            source=spec.source_path,
        )
    main = _fits_label(prep, params, size, area)
    if main is None:
        room = w - 2 * params.margin - params.label_min * 0.04  # as `_wrap` measures a line
        wide = next((word for word in prep.label.split(" ")
                     if word and _measure(word, "regular", params.label_min, spec.lang).width > room), None)
        if wide is not None:  # no shortening of the label helps: "about 0 characters" said nothing
            raise SiteError(
                spec.about(_("the word '{word}' of the label is too wide for one line of the {width}×{height} card "
                             "even at {pixels}px; shorten it, or split it with a space or a hyphen").format(
                    word=wide, width=w, height=h, pixels=params.label_min)),
                source=spec.source_path,
            )
        floor = min(params.figure_floor, _widest_figure(prep, params, size))
        fits = _longest_fitting_prefix(prep, params, size, area, floor)
        if spec.as_of:  # the date is drawn after the label: leave room for it
            fits = max(0, fits - len(f" ({spec.as_of})"))
        raise SiteError(
            spec.about(_("the label is too long to fit on the {width}×{height} card even at {pixels}px; shorten it "
                         "to about {count} characters").format(width=w, height=h, pixels=params.label_min,
                                                                 count=fits)),
            source=spec.source_path,
        )
    return params, main.texts + footer, rule_y, main.top


def _longest_fitting_prefix(
    prep: _Prepared, params: _Params, size: tuple[int, int], area: tuple[float, float], fig_size: int,
    figure_lines: int = 1,
) -> int:
    """Return the length of the longest word-prefix of the label that fits with the figure at ``fig_size``."""
    words = prep.label.split(" ")
    lo, hi = 0, len(words)
    while lo < hi:
        mid = (lo + hi + 1) // 2
        trial = replace(prep, label=" ".join(words[:mid]))
        if _layout_main(trial, params, size, fig_size, params.label_min, area, False, figure_lines) is not None:
            lo = mid
        else:
            hi = mid - 1
    return len(" ".join(words[:lo]))


# --------------------------------------------------------------------------- drawing


def render_card(spec: CardSpec, size: tuple[int, int]) -> bytes:
    """Draw the card of a figure at ``size`` and return PNG bytes (deterministic)."""
    return draw_card(spec, size)[0]


def draw_card(spec: CardSpec, size: tuple[int, int]) -> tuple[bytes, Image.Image]:
    """Draw the card of a figure at ``size``; return its PNG bytes and the image they hold (RGB)."""
    image = draw_image(spec, size)
    out = io.BytesIO()  # the PNG encoding (more than half the time of a card) runs outside _DRAWING
    image.save(out, format="PNG", optimize=False, compress_level=_COMPRESS_LEVEL)
    return out.getvalue(), image


_DRAWING = threading.Lock()
"""Held while a card is laid out and drawn: the FreeType faces `_font` shares serve one thread at a time
(cards are drawn in threads, see `stages.render_cards`)."""


def draw_image(spec: CardSpec, size: tuple[int, int]) -> Image.Image:
    """Lay out and draw the card of a figure at ``size``, not yet encoded (RGB).

    Raises AssertionError when a text box leaves the margins (a layout bug).
    """
    token = _SCRIPT.set(spec_script(spec))
    try:
        with _DRAWING:
            return _draw(spec, size)
    finally:
        _SCRIPT.reset(token)


def _draw(spec: CardSpec, size: tuple[int, int]) -> Image.Image:
    w, h = size
    palette = _palette(spec)
    prep = _Prepared.of(spec)
    params, texts, rule_y, main_top = _layout(prep, size)
    m = params.margin

    image = Image.new("RGB", (w, h), palette.background)
    draw = ImageDraw.Draw(image)
    # Small accent bar above the figure, the rule above the footer.
    bar_w, bar_h = params.accent_bar
    rtl = _right_to_left(spec.lang)
    bar_x = w - m - bar_w if rtl else m
    draw.rectangle((bar_x, main_top, bar_x + bar_w - 1, main_top + bar_h - 1), fill=palette.figure)
    if rtl:  # laid out left to right, then mirrored line by line: each line keeps its room, from the right
        texts = [replace(item, x=_mirrored_x(item, w, spec.lang)) for item in texts]
    if rule_y is not None:
        rule_top = round(rule_y) - params.rule_width
        draw.rectangle((m, rule_top, w - m - 1, rule_top + params.rule_width - 1), fill=palette.rule)

    colors: Mapping[str, tuple[int, int, int]] = {
        "figure": palette.figure, "text": palette.text, "muted": palette.muted,
    }
    for item in texts:
        font = _font(item.weight, item.size)
        for dx, run in _pieces(item.text, item.weight, item.size, spec.lang):
            xy = (item.x + dx, item.baseline)
            kw = _draw_kw(run, spec.lang, rtl)
            box = draw.textbbox(xy, run, font=font, anchor="ls", **kw)
            if box[0] < m or box[1] < m or box[2] > w - m or box[3] > h - m:
                raise AssertionError(
                    f"card layout bug: {run!r} at {box} leaves the {w}×{h} card's {m}px margins"
                )
            draw.text(xy, run, font=font, fill=colors[item.color], anchor="ls", **kw)
    return image


def _draw_kw(run: str, lang: str, rtl: bool) -> dict[str, Any]:
    """Return how to shape a run: in its language, and right to left on a right-to-left card when it holds
    Hebrew or Arabic letters (otherwise a wrapped line that starts with "WhatsApp" or "NCMEC" was laid out
    left to right, its words in the wrong order; an address or a Latin source line keeps its own order)."""
    kw = _lang_kw(lang)
    if kw and rtl and any(unicodedata.bidirectional(ch) in ("R", "AL") for ch in run):
        kw["direction"] = "rtl"
    return kw


def _right_to_left(lang: str) -> bool:
    """Return whether CLDR writes the language right to left (ar, fa, he…)."""
    return text_direction(lang) == "rtl"


def _mirrored_x(item: _Text, card_width: int, lang: str) -> float:
    """Return the pen x that puts a line's room (ink and advance) where its mirror image would be."""
    box = _measure(item.text, item.weight, item.size, lang)
    end = item.x + max(box.right, box.advance)
    return card_width - end - min(box.left, 0.0)


# --------------------------------------------------------------------------- cache


def card_key(spec: CardSpec, size: tuple[int, int]) -> str:
    """Return a sha256 hex digest of everything that shapes the card's bytes.

    The fact id and file paths only appear in error messages, so they are left
    out: moving the site folder does not invalidate the cache.
    """
    payload = {
        "render_version": RENDER_VERSION,
        "size": [int(size[0]), int(size[1])],
        "figure": spec.figure,
        "label": spec.label,
        "as_of": spec.as_of,
        "source_line": spec.source_line,
        "site_name": spec.site_name,
        "site_url": spec.site_url,
        "colors": [spec.colors.background, spec.colors.foreground, spec.colors.accent],
        "lang": spec.lang,
        "kind": spec.kind,
        "fonts": {w: font_hash(font_path(w)) for w in ("regular", "bold")},
        "script_font": font_hash(other[0]) if (other := installed_script_font(spec_script(spec))) else None,
        "pillow": PIL.__version__,
        "freetype": features.version("freetype2"),
        "raqm": features.version("raqm") if _LAYOUT == ImageFont.Layout.RAQM else None,
        "zlib": features.version("zlib"),
        "compress_level": _COMPRESS_LEVEL,
    }
    blob = json.dumps(payload, sort_keys=True, ensure_ascii=False).encode("utf-8")
    return hashlib.sha256(blob).hexdigest()


class CardCache:
    """Rendered cards on disk, named by `card_key`, e.g. ``SITE/.vigie-cache/cards/<key>.png``."""

    def __init__(self, folder: Path, read_only: bool = False) -> None:
        self.folder = Path(folder)
        self.read_only = read_only
        """Use cards already drawn but never store new ones (for `vigie check`)."""
        self.drawn = 0
        """How many cards were actually drawn (cache misses)."""
        self._lock = threading.Lock()
        self._warned = False

    def get_or_render(self, spec: CardSpec, size: tuple[int, int]) -> bytes:
        """Return the cached PNG for spec and size, drawing and storing it when missing."""
        return self.get_or_draw(spec, size)[0]

    def get_or_draw(self, spec: CardSpec, size: tuple[int, int]) -> tuple[bytes, Image.Image | None]:
        """Return `get_or_render`'s PNG, and the image it holds when it was drawn now (None: from the cache)."""
        path = self._path(spec, size)
        cached = self._cached(path)
        if cached is not None:
            return cached, None
        data, image = draw_card(spec, size)
        with self._lock:
            self.drawn += 1
        if not self.read_only:
            self._store(path, data)
        return data, image

    def cached(self, spec: CardSpec, size: tuple[int, int]) -> bytes | None:
        """Return the card `get_or_render` would return when the cache has it, else None."""
        return self._cached(self._path(spec, size))

    def _path(self, spec: CardSpec, size: tuple[int, int]) -> Path:
        return self.folder / f"{keyed_name(card_key(spec, size))}.png"  # a file planted here cannot have this name

    @staticmethod
    def _cached(path: Path) -> bytes | None:
        try:
            data = path.read_bytes()
        except OSError:
            return None
        return data if data.startswith(_PNG_SIGNATURE) and data.endswith(b"IEND\xaeB`\x82") else None

    def _store(self, path: Path, data: bytes) -> None:
        err = write_atomically(path, data)
        if err is not None:
            with self._lock:
                warn, self._warned = not self._warned, True
            if warn:
                log.warning(_("cannot write the card cache in {folder} ({reason}); cards will be drawn again next "
                              "time").format(folder=self.folder, reason=os_reason(err)))
