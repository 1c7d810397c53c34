"""Read-only views the templates see: a figure with its words, links and meta."""

from __future__ import annotations

import re

from dataclasses import dataclass
from urllib.parse import quote, urlencode

from generator.core.formats import format_partial_date, format_value, text_direction
from generator.sources.i18n import Strings
from generator.model import ROUNDING, Fact, HelpContact, Language, SiteConfig
from generator.core.images import mime, rendition_format
from generator.model.plan import CARD_SIZES, SHARE_CARD, SQUARE_CARD, card_renditions



@dataclass(frozen=True, slots=True)
class ShareLink:
    """A plain share link (no script from the network)."""

    name: str
    href: str


@dataclass(frozen=True, slots=True)
class FactView:
    """One figure in one language, ready for templates."""

    id: str
    lang: str
    figure: str
    label: str
    sentence: str
    """The figure and label as one sentence (alt text, og:image:alt)."""
    context: str
    note: str
    publisher: str
    source_title: str
    source_url: str
    source_date: str
    url: str
    """Site-absolute URL of the fact page."""
    abs_url: str
    card_url: str
    card_square_url: str
    abs_card_url: str
    cite: str
    share: tuple[ShareLink, ...]
    embed: str
    tags: tuple[str, ...]
    source_title_lang: str = ""
    """The language of ``source_title`` when it is not the page's (a source titled only in French, on an
    English page), for its ``lang`` and ``dir``; empty when it is the page's own."""
    source_title_dir: str = ""
    """``rtl`` or ``ltr`` with ``source_title_lang``; empty with it."""
    as_of: str = ""
    """When the figure was true, in words (``situation en mai 2022``, ``as of May 2022``); empty when not given."""
    card_srcset: str = ""
    """The share card's copies a page shows, for ``srcset``: ``/fr/chiffres/x/card-480.webp 480w, …``."""
    card_type: str = "image/png"
    """Their media type (``image/webp`` when Pillow writes WebP), for a ``<source type>``."""


#: What a citation's missing title is filled with, then taken out with its quotes and the separator after it
#: (", ", "، ", "、", ". "), whatever the language's citation pattern puts there (`without_title`).
_NO_TITLE = "\x00"
_QUOTED_NO_TITLE = re.compile("[\\s\u00a0\u202f]*[\"'«»“”„‘’‚‹›「」『』]*[\\s\u00a0\u202f]*\x00"
                              "[\\s\u00a0\u202f]*[\"'«»“”„‘’‚‹›「」『』]*")
#: Where the title was, with the separator after it: "IWF, “…”, April" → "IWF, April"; "IWF. …. April" → "IWF. April".
_GONE_TITLE = re.compile(r"\x01([,،、;.]?)")


def without_title(citation: str) -> str:
    """Return a citation made with `_NO_TITLE` for its title, without it: "INTERPOL, “”, 25 May 2022" was shown."""
    gone = _QUOTED_NO_TITLE.sub("\x01", citation)  # (the spaces around the title went with it)
    return _GONE_TITLE.sub(lambda found: "" if found.group(1) else " ", gone).strip()


def fact_view(fact: Fact, lang: Language, strings: Strings, config: SiteConfig, url: str) -> FactView:
    """Return the view of a figure on the page at ``url``."""
    code = lang.code
    qualifier = strings.get(f"qualifier.{fact.qualifier}") if fact.qualifier else ""
    figure = format_figure(fact, lang.locale, qualifier)
    label = fact.label[code]
    as_of = as_of_text(fact, lang, strings)
    sentence = fact.alt.get(code) or (f"{figure} {label}".strip() + (f" ({as_of})" if as_of else ""))
    source_date = format_partial_date(fact.source.date, lang.locale)
    title_lang = code if code in fact.source.title else next(iter(fact.source.title), "")  # else the first written
    title = fact.source.title.get(title_lang, "")
    other_lang = title_lang if title_lang != code else ""
    abs_url = absolute(config, url)
    site_title = config.title[code]
    cite = strings.get("fact.cite_format", publisher=fact.source.publisher, title=title or _NO_TITLE,
                       date=source_date, url=fact.source.url, site=site_title, page=abs_url)
    if not title:  # the title is optional: "INTERPOL, “”, 25 May 2022" became "INTERPOL, 25 May 2022"
        cite = without_title(cite)
    card = url + SHARE_CARD
    text = f"{sentence} ({fact.source.publisher}, {source_date})"
    return FactView(
        id=fact.id, lang=code, figure=figure, label=label, sentence=sentence,
        context=fact.context.get(code, ""), note=fact.note.get(code, ""),
        publisher=fact.source.publisher, source_title=title, source_url=fact.source.url, source_date=source_date,
        url=url, abs_url=abs_url, card_url=card, card_square_url=url + SQUARE_CARD,
        abs_card_url=absolute(config, card), cite=cite, share=share_links(text, abs_url, strings),
        embed=embed_snippet(figure, label + (f" ({as_of})" if as_of else ""), sentence, absolute(config, card),
                            abs_url, fact, title, strings, config.language(code).dir),
        source_title_lang=other_lang, source_title_dir=text_direction(other_lang) if other_lang else "",
        tags=fact.tags, as_of=as_of, card_srcset=card_srcset(url), card_type=mime(rendition_format("PNG")),
    )


def card_srcset(page_url: str) -> str:
    """Return the ``srcset`` of a fact page's share card: its renditions (and the PNG when they are PNG too)."""
    candidates = [f"{page_url}{name} {width}w" for name, width in card_renditions().items()]
    if rendition_format("PNG") == "PNG":
        candidates.append(f"{page_url}{SHARE_CARD} {CARD_SIZES[SHARE_CARD][0]}w")
    return ", ".join(candidates)


def as_of_text(fact: Fact, lang: Language, strings: Strings) -> str:
    """Return "as of May 2022" in the page's language (``fact.as_of_day`` for a full date), or ""."""
    if not fact.as_of:
        return ""
    key = "fact.as_of_day" if fact.as_of.count("-") == 2 else "fact.as_of"
    return strings.get(key, date=format_partial_date(fact.as_of, lang.locale))


def share_links(text: str, url: str, strings: Strings) -> tuple[ShareLink, ...]:
    """Return plain share links for a text and URL."""
    both = f"{text} {url}"
    return (
        ShareLink(strings.get("share.email"), "mailto:?" + urlencode({"subject": text, "body": both}, quote_via=quote)),
        ShareLink("X", "https://x.com/intent/post?" + urlencode({"text": text, "url": url})),
        ShareLink("Facebook", "https://www.facebook.com/sharer/sharer.php?" + urlencode({"u": url})),
        ShareLink("LinkedIn", "https://www.linkedin.com/sharing/share-offsite/?" + urlencode({"url": url})),
        ShareLink("WhatsApp", "https://wa.me/?" + urlencode({"text": both})),
        ShareLink("Bluesky", "https://bsky.app/intent/compose?" + urlencode({"text": both})),
        ShareLink("Mastodon", "https://toot.kytta.dev/?" + urlencode({"text": both})),
    )


def format_figure(fact: Fact, locale: str, qualifier_text: str) -> str:
    """Return the figure with its qualifier: ``plus de 12 500``."""
    figure = format_value(fact.value, fact.format, locale, ROUNDING.get(fact.qualifier or "", "nearest"))
    return f"{qualifier_text} {figure}" if qualifier_text else figure


def embed_snippet(figure: str, label: str, sentence: str, image: str, page: str, fact: Fact, title: str,
                  strings: Strings, direction: str = "ltr") -> str:
    """Return HTML to paste into another site: loads nothing from ours but the image.

    The figure says its language and direction: pasted into a page in another language, an Arabic caption
    is still read as Arabic, right to left.
    """
    from markupsafe import escape

    source = strings.get("fact.source")
    width, height = CARD_SIZES[SHARE_CARD]
    return (
        f'<figure lang="{escape(strings.lang)}" dir="{direction}" style="margin:1em 0;max-width:600px">'
        f'<a href="{escape(page)}"><img src="{escape(image)}" width="{width}" height="{height}" '
        f'style="max-width:100%;height:auto" alt="{escape(sentence)}"></a>'
        f"<figcaption><strong>{escape(figure)}</strong> {escape(label)}. {escape(source)} "
        f'<a href="{escape(fact.source.url)}">{escape(fact.source.publisher)}</a>'
        f"{(', ' + str(escape(title))) if title else ''}.</figcaption></figure>"
    )


def absolute(config: SiteConfig, url: str) -> str:
    """Return the absolute URL of a site URL, from base_url."""
    return config.base_url + url.lstrip("/")


def help_for(config: SiteConfig, code: str) -> tuple[HelpContact, ...]:
    """Return the help contacts shown on pages of a language."""
    return tuple(c for c in config.help if not c.languages or code in c.languages)
