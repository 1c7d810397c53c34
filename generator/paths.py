"""Pure decisions about names: slugs, URLs and output paths that stay inside the output."""

from __future__ import annotations

import posixpath
import re
import unicodedata
from functools import lru_cache

from generator.errors import SiteError

_NON_SLUG = re.compile(r"[^a-z0-9]+")


@lru_cache(maxsize=65536)  # tags and titles repeat: assembling a site slugifies the same words thousands of times
def slugify(text: str) -> str:
    """Return a URL segment of lowercase a-z, 0-9 and single hyphens ("Été 2022" → "ete-2022")."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    return _NON_SLUG.sub("-", ascii_text.lower()).strip("-") or "x"


def page_url(lang: str, *segments: str) -> str:
    """Return the site-absolute URL of a folder page: ``/fr/articles/slug/``."""
    parts = [lang, *[s for s in segments if s]]
    for part in parts:
        if not part or part in (".", "..") or "/" in part or "\\" in part:
            raise SiteError(f"'{part}' cannot be used in a URL")
    return "/" + "/".join(parts) + "/"


@lru_cache(maxsize=65536)  # pure, and asked for every page by the site, the renderer and serve's updates
def output_path(url: str) -> str:
    """Return the output file (relative POSIX path) for a site-absolute URL.

    ``/fr/a/`` → ``fr/a/index.html``; ``/sitemap.xml`` → ``sitemap.xml``.
    Raises SiteError when the URL would leave the output folder.
    """
    if not url.startswith("/"):
        raise SiteError(f"URL '{url}' must start with '/'")
    rel = url.lstrip("/")
    if rel == "" or rel.endswith("/"):
        rel += "index.html"
    return safe_relpath(rel)


def safe_relpath(rel: str) -> str:
    """Return a normalised relative path, or raise if it escapes its folder."""
    if "\\" in rel or "\x00" in rel:
        raise SiteError(f"the path '{rel}' contains characters not allowed in file names")
    norm = posixpath.normpath(rel)
    if norm.startswith("/") or norm == "." or ".." in norm.split("/"):
        raise SiteError(f"the path '{rel}' would be written outside the output folder")
    return norm


def swap_language(url: str, old: str, new: str) -> str:
    """Replace the language prefix of a site URL: ``/fr/x/`` → ``/en/x/``."""
    prefix = f"/{old}/"
    if not url.startswith(prefix):
        raise ValueError(f"{url} does not start with {prefix}")
    return f"/{new}/" + url[len(prefix):]


_SITE_URL_ATTR = re.compile(r'(\s(?:href|src|action|poster|srcset)=")/(?!/)')


def prefix_site_urls(html: str, base_path: str) -> str:
    """Put a sub-folder in front of every site-absolute URL of a page (``/fr/`` → ``/vigie/fr/``).

    For sites served below the root of their domain, such as a GitHub Pages
    project site; a ``base_path`` of ``/`` returns the page unchanged.
    """
    if base_path in ("", "/"):
        return html
    prefix = "/" + base_path.strip("/") + "/"
    return _SITE_URL_ATTR.sub(lambda m: m.group(1) + prefix, html)
