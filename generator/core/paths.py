"""Pure decisions about names: slugs, URLs and output paths that stay inside the output."""

from __future__ import annotations

import hashlib
import posixpath
import re
import unicodedata
from functools import lru_cache
from typing import Callable, Iterable
from urllib.parse import unquote, urlsplit

from anyascii import anyascii

from generator.core.errors import SiteError, printable_path
from generator.core.messages import _

_NON_SLUG = re.compile(r"[^a-z0-9]+")
#: A URL that names its scheme (``https:``, ``mailto:``, ``javascript:``): it leaves the site, or is refused.
SCHEME_RE = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.-]*:")
#: An address on another site, which a page must not make its visitors' browsers load: http://, https:// or a
#: protocol-relative //host/… (in Markdown images and stylesheets).
REMOTE_RE = re.compile(r"^(?:https?:)?//", re.I)


def remote_host(url: str) -> str:
    """Return the host a `REMOTE_RE` address names (``//cdn.example.net/x`` → ``cdn.example.net``)."""
    return urlsplit(url if "://" in url else "https:" + url).hostname or url


@lru_cache(maxsize=65536)  # tags and titles repeat: assembling a site slugifies the same words thousands of times
def slugify(text: str) -> str:
    """Return a URL segment of lowercase a-z, 0-9 and single hyphens.

    Latin letters lose their accents ("Été 2022" → "ete-2022"); other scripts are
    transliterated with anyascii ("Россия" → "rossiya", "中国" → "zhong-guo",
    "حماية" → "hmyh"), each syllable of a script without letter case (Chinese,
    Korean) a word of its own. Punctuation and symbols without a Latin
    spelling are dropped; a text with nothing left gives "x".
    """
    out: list[str] = []
    for char in text:
        plain = unicodedata.normalize("NFKD", char).encode("ascii", "ignore").decode("ascii")
        if plain:
            out.append(plain)
        elif unicodedata.category(char)[0] in "LN":
            spelled = anyascii(char)
            syllable = unicodedata.category(char) == "Lo" and spelled[:1].isupper()
            out.append(f" {spelled} " if syllable else spelled)
    return _NON_SLUG.sub("-", "".join(out).lower()).strip("-") or "x"


def tag_identity(name: str) -> str:
    """Return what makes two tags one: the same letters, whatever the case and accents ("Été" = "ete")."""
    decomposed = unicodedata.normalize("NFKD", unicodedata.normalize("NFKC", name).casefold())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch)).strip()


def tag_slugs(names: Iterable[str]) -> dict[str, str]:
    """Return a distinct URL segment for each tag name: two different tags never share a page.

    Names with the same `tag_identity` share a slug (they are one tag). When two
    different tags slugify alike ("中国" and "种果" both read "zhong-guo"), the
    first in sorted order keeps the plain slug and each other one gets a short
    suffix made from its letters, stable from build to build.
    """
    by_identity: dict[str, list[str]] = {}
    for name in sorted(set(names)):
        by_identity.setdefault(tag_identity(name), []).append(name)
    by_slug: dict[str, list[str]] = {}
    for identity in sorted(by_identity):
        by_slug.setdefault(slugify(identity), []).append(identity)
    result: dict[str, str] = {}
    for slug, identities in by_slug.items():
        for number, identity in enumerate(identities):
            own = slug if number == 0 else f"{slug}-{hashlib.sha256(identity.encode()).hexdigest()[:6]}"
            for name in by_identity[identity]:
                result[name] = own
    return result


def page_url(lang: str, *segments: str) -> str:
    """Return the site-absolute URL of a folder page: ``/fr/articles/slug/``."""
    parts = [lang, *[s for s in segments if s]]
    for part in parts:
        if not part or part in (".", "..") or "/" in part or "\\" in part:
            raise SiteError(_("'{part}' cannot be used in a URL").format(part=part))
    return "/" + "/".join(parts) + "/"


@lru_cache(maxsize=65536)  # pure, and asked for every page by the site, the renderer and serve's updates
def output_path(url: str) -> str:
    """Return the output file (relative POSIX path) for a site-absolute URL.

    ``/fr/a/`` → ``fr/a/index.html``; ``/sitemap.xml`` → ``sitemap.xml``.
    Raises SiteError when the URL would leave the output folder.
    """
    if not url.startswith("/"):
        raise SiteError(_("URL '{url}' must start with '/'").format(url=url))
    rel = url.lstrip("/")
    if rel == "" or rel.endswith("/"):
        rel += "index.html"
    return safe_relpath(rel)


def resolve_link(page_url: str, target: str, base_path: str = "/") -> str:
    """Return the site-absolute URL of a link written on a page, as a browser resolves it.

    ``resolve_link("/fr/articles/a/", "../img/x.png")`` → ``/fr/articles/img/x.png``; ``#notes``
    stays on the page. ``base_path`` is the folder the site is published in (``/campagne/``):
    a link that climbs above it leaves the site (SiteError), while above ``/`` a browser stays at ``/``.
    """
    parts = urlsplit(target)
    if "\\" in unquote(parts.path):
        raise _backslash(unquote(target))
    path = page_url
    if parts.path:
        published = posixpath.normpath(posixpath.join(base_path + page_url.lstrip("/"), parts.path))
        if not (published.rstrip("/") + "/").startswith(base_path):
            raise SiteError(_("it points outside the site"))
        path = "/" + (published.rstrip("/") + "/").removeprefix(base_path)
        if posixpath.basename(parts.path) not in ("", ".", ".."):  # a file's name: no slash after it
            path = path.rstrip("/") or "/"
    return path + (f"#{parts.fragment}" if parts.fragment else "")


def link_file(path: str, exists: Callable[[str], bool]) -> str | None:
    """Return the output file a site-absolute address without ``#`` opens, or None when no file does.

    ``/fr/a/`` opens ``fr/a/index.html``; ``/fr/a`` opens ``fr/a`` or, as static hosts
    do, ``fr/a/index.html``. Raises SiteError, saying why, when the address leaves the site
    or separates its folders with ``\\``.
    """
    if "\\" in path:
        raise _backslash(path)
    for candidate in (path + "index.html" if path.endswith("/") else path, path.rstrip("/") + "/index.html"):
        try:
            rel = output_path(candidate)
        except SiteError:
            raise SiteError(_("it points outside the site")) from None
        if exists(rel):
            return rel
    return None


def _backslash(written: str) -> SiteError:
    # Not the address with / instead: Markdown has already dropped a \ before "." or "_" ("..\..\x" is "....\x").
    return SiteError(_("web addresses separate folders with / and never \\: write every \\ of this address as /"))


def missing_link_target(path: str, exists: Callable[[str], bool], hashed: str | None = None,
                        base_path: str = "/") -> str:
    """Return why a link to ``path`` finds nothing.

    ``hashed`` is the published name when ``path`` is an asset's own name (assets are published under
    hashed names); an address that starts with the site's folder (``/campagne/fr/``) would get it twice.
    """
    if hashed:
        return _("assets are published under names with a content hash ({hashed}), so {path} does not exist "
                 "in the built site").format(hashed=hashed, path=printable_path(path))
    if base_path != "/" and path.startswith(base_path):
        inside = "/" + path.removeprefix(base_path)
        try:
            found = link_file(inside, exists) is not None
        except SiteError:
            found = False
        if found:
            return _("write the address without the site's folder {folder}, which is added to every address: "
                     "{path}").format(folder=base_path, path=printable_path(inside))
    return _("there is no page or file {path} in the site (drafts and future-dated pages are not "
             "published)").format(path=printable_path(path))  # a %0A in a link must not start a line of its own


def safe_relpath(rel: str) -> str:
    """Return a normalised relative path, or raise if it escapes its folder."""
    if "\\" in rel or "\x00" in rel:
        raise SiteError(_("the path '{path}' contains characters not allowed in file names").format(path=rel))
    norm = posixpath.normpath(rel)
    if norm.startswith("/") or norm == "." or ".." in norm.split("/"):
        raise SiteError(_("the path '{path}' would be written outside the output folder").format(path=rel))
    return norm


_URL_FORBIDDEN = frozenset(' "\'<>\\`^{}|')


_PERCENT = re.compile(r"%(?![0-9A-Fa-f]{2})")


def _odd_path(path: str) -> bool:
    """Return whether a base URL's path has dot segments, an empty segment, a broken or a NUL escape."""
    segments = path.split("/")[1:-1] if path.endswith("/") else path.split("/")[1:]
    return (any(segment in ("", ".", "..") for segment in segments) or bool(_PERCENT.search(path))
            or "%00" in path or "%2f" in path.lower())


def base_url_problem(url: str, subject: str = "") -> str | None:
    """Return why a base URL cannot be the address of a site, or None when it can.

    It must be an absolute http(s) address with a host, and nothing a page
    could not carry as is: no query, fragment, user name, quotes, ``<``,
    ``>``, spaces or control characters. The sentence starts with ``subject``,
    how the caller names the address (``base_url``, ``--base-url``); without
    one it starts with the verb, for a caller that writes the address itself
    before it (``'example.org' must be…``): every translation puts the subject
    first too.
    """
    from urllib.parse import urlsplit

    message: str | None = None
    if any(ch in _URL_FORBIDDEN or ord(ch) < 33 or ord(ch) >= 127 or ch.isspace() for ch in url):
        message = _("{subject} holds a space, a quote, '<', '>', a letter outside ASCII or another character not "
                    "allowed in a web address (write an international domain name in its xn-- form, and %-encode a "
                    "path); {example}")
    else:
        try:
            parts = urlsplit(url)
            port = parts.port
        except ValueError:
            message = _("{subject} is not a valid web address; {example}")
        else:
            if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
                message = _("{subject} must be an absolute address starting with https:// (or http://); {example}")
            elif parts.query or parts.fragment or "?" in url or "#" in url:
                message = _("{subject} must not have a '?' query or a '#' fragment; {example}")
            elif parts.username is not None or parts.password is not None:
                message = _("{subject} must not hold a user name or password; {example}")
            elif port is not None and not 0 < port < 65536:
                message = _("{subject} has an impossible port; {example}")
            elif _odd_path(parts.path):  # every link would carry it: /a/../fr/, /a//fr/, /%ZZ/
                message = _("{subject} has '.', '..' or an empty part ('//') in its path, or an escape such as "
                            "%ZZ, %00 or %2F: browsers and servers read such an address differently; {example}")
    if message is None:
        return None
    example = _("write it like https://www.example.org/ or https://example.org/campaign/")
    return message.format(subject=subject, example=example).strip()


def swap_language(url: str, old: str, new: str) -> str:
    """Replace the language prefix of a site URL: ``/fr/x/`` → ``/en/x/``."""
    prefix = f"/{old}/"
    if not url.startswith(prefix):
        raise ValueError(f"{url} does not start with {prefix}")
    return f"/{new}/" + url[len(prefix):]


_SITE_URL_ATTR = re.compile(r'(\s(?:href|src|action|poster)=")/(?!/)')
#: A ``srcset`` attribute: each of its candidates (``/a-480.webp 480w, /a.png 1200w``) is a URL.
_SRCSET_ATTR = re.compile(r'(\ssrcset=")([^"]*)"')
_SRCSET_URL = re.compile(r'(^|,\s*)/(?!/)')


def prefix_site_urls(html: str, base_path: str) -> str:
    """Put a sub-folder in front of every site-absolute URL of a page (``/fr/`` → ``/vigie/fr/``).

    For sites served below the root of their domain, such as a GitHub Pages
    project site; a ``base_path`` of ``/`` returns the page unchanged.
    """
    if base_path in ("", "/"):
        return html
    prefix = "/" + base_path.strip("/") + "/"
    html = _SRCSET_ATTR.sub(lambda m: m.group(1) + _SRCSET_URL.sub(lambda u: u.group(1) + prefix, m.group(2)) + '"',
                            html)
    return _SITE_URL_ATTR.sub(lambda m: m.group(1) + prefix, html)
