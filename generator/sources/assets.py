"""Read assets/ (site over default theme, file by file) and the font package; hash names.

The font package's TrueType files are published as they are (cards and PDFs
use them; a site's own CSS may point at them), and beside them their WOFF2
web fonts cut to the site's languages (`generator.core.webfonts`), which the
default theme's CSS uses: each ``@font-face`` rule pointing at one of those
gets its ``unicode-range`` here.

Editors' images (PNG, JPEG, WebP outside ``assets/root/``) get smaller copies
for ``srcset`` (`generator.core.images`), published beside them with hashed
names, and what pages need to show them (`AssetImage`); an image over 500 KB
gets a warning.
"""

from __future__ import annotations

import hashlib
import logging
import posixpath
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Mapping
from urllib.parse import unquote

import rcssmin  # type: ignore[import-untyped]
import rjsmin  # type: ignore[import-untyped]

from generator.core.errors import ErrorCollector, SiteError
from generator.core.messages import _
from generator.core.fonts import font_files
from generator.core.images import (ASSET_WIDTHS, HEAVY_IMAGE_BYTES, MAX_PIXELS, RESIZABLE, WEBP_MAX_SIDE, ImageCache,
                                   image_info, mime, rendition_format, scaled_height, suffix, too_many_pixels,
                                   widths_below)
from generator.core.metadata import cleanable, films_where, is_heif, says_who_or_where, without_metadata
from generator.core.webfonts import WebFontCache, site_characters
from generator.model import OutputFile, SiteConfig
from generator.core.paths import REMOTE_RE, remote_host, safe_relpath
from generator.sources.files import MAX_ASSET_BYTES, Listed, list_files, read_file
from generator.sources.theme import theme_dirs

log = logging.getLogger(__name__)

CSS_URL_RE = re.compile(r"url\(\s*(['\"]?)([^'\")]+)\1\s*\)")
#: What makes an SVG more than a picture: a script, an event handler, embedded HTML, something of another site.
ACTIVE_SVG_RE = re.compile(rb"<script|<foreignObject|\son[a-z]+\s*=|(?:href|src)\s*=\s*[\"'](?:https?:)?//|"
                           rb"javascript:", re.I)
#: What a drawing program writes into an SVG about who made it and where: a folder of their computer (Inkscape's
#: export-filename, docbase, absref; a linked file), the author's name (dc:creator).
TELLING_SVG_RE = re.compile(rb"""(?:export-filename|docbase|absref)\s*=\s*["']((?:/|~|[A-Za-z]:[\\/])[^"']*)["']|"""
                            rb"""href\s*=\s*["'](file:[^"']*)["']|<dc:creator\b.*?</dc:creator>""", re.I | re.S)
#: ``@import "https://…";``: a stylesheet of another site, without url().
REMOTE_IMPORT_RE = re.compile(r"@import\s+(['\"])((?:https?:)?//[^'\"]+)\1", re.I)
UNHASHED = ("favicon.ico", "robots.txt")

#: Files below assets/root/ are copied to the root of the site, with their own names.
ROOT_FOLDER = "root/"
#: What only the search page loads: not published when the site has no search (``search: false``).
SEARCH_ASSETS = frozenset({"js/search.js", "css/search.css"})


@dataclass(frozen=True, slots=True)
class AssetImage:
    """What a page needs to show an editor's image: its size, and its smaller copies for ``srcset``."""

    width: int
    height: int
    """As shown (a photo's orientation applied)."""
    srcset: str
    """``/assets/img/a.480w.1f2e3d4c5b.webp 480w, …``; empty when the image is too small for copies."""
    type: str
    """The media type of the files of ``srcset``."""
    picture: bool
    """Whether the copies are in another format than the image (WebP for a JPEG): then they go in a
    ``<picture>``'s ``<source>``, and the image itself is the fallback; else ``srcset`` lists the image too."""


@dataclass(frozen=True, slots=True)
class Assets:
    """Copied asset files and the map from their names to hashed URLs."""

    files: tuple[OutputFile, ...]
    urls: Mapping[str, str]
    """``css/site.css`` → ``/assets/css/site.3f2a9c1b.css``."""
    images: Mapping[str, AssetImage] = field(default_factory=dict)
    """``img/a.jpg`` → its size and copies (images Pillow can read, outside ``root/``)."""
    warnings: tuple[tuple[str, str], ...] = ()
    """(file, message) for each image over 500 KB or that cannot be read: told by a build and ``vigie check``."""

    def url(self, name: str) -> str:
        """Return the hashed URL of an asset; an unknown name is a SiteError."""
        try:
            return self.urls[name]
        except KeyError:
            raise SiteError(_("no asset '{name}' in assets/ (nor in the default theme)").format(name=name),
                            source="assets/") from None


def asset_files(site_root: Path, errors: ErrorCollector) -> list[tuple[Path, Listed]]:
    """Return (folder, file) for every file of the site's and the default theme's assets/ that is published.

    Hidden names are left out, except ``.well-known/`` anywhere and everything
    below ``assets/root/`` (``.nojekyll``, ``.well-known/security.txt``); editors'
    leftovers and system files (``.DS_Store``) never are published.
    """
    found = []
    for folder in theme_dirs(site_root, "assets"):
        for item in list_files(folder, folder.parent, "assets", errors, skip_hidden=False):
            if published_name(item.rel):
                found.append((folder, item))
    return found


def published_name(rel: str) -> bool:
    """Return whether a path below assets/ may be published as far as hidden names go (`asset_files`)."""
    return rel.startswith(ROOT_FOLDER) or not any(part.startswith(".") and part != ".well-known"
                                                  for part in rel.split("/"))


def load_assets(config: SiteConfig, font_cache: WebFontCache | None = None,
                image_cache: ImageCache | None = None) -> Assets:
    """Collect assets, CSS last so its url() references can point at hashed names.

    ``font_cache`` keeps the web fonts between builds, ``image_cache`` the images' smaller copies (default:
    made in memory).
    """
    sources: dict[str, bytes] = {}
    errors = ErrorCollector()
    ranges = _web_fonts(config, font_cache or WebFontCache(None), sources, errors)
    for folder, item in reversed(asset_files(config.root, errors)):  # the site's own files last: they win
        if not config.search and item.rel in SEARCH_ASSETS:  # no search page uses them
            continue
        try:
            sources[item.rel] = read_file(item.path, f"assets/{item.rel}", MAX_ASSET_BYTES)
            ranges.pop(item.rel, None)  # the site's own font file: its range is the site's to say
        except SiteError as err:
            errors.add(err)
    errors.raise_if_any()
    urls: dict[str, str] = {}
    files: list[OutputFile] = []
    images: dict[str, AssetImage] = {}
    warnings: list[tuple[str, str]] = []
    for name in sorted(sources, key=lambda n: (n.endswith(".css"), n)):
        data = sources[name]
        if cleanable(data, name):  # a shelter's photo must not say where it was taken (a JPEG named .jfif neither)
            data = without_metadata(data)
        elif is_heif(data, name):
            errors.add(SiteError(_("this is a HEIC photo: most browsers do not show it, and Vigie cannot remove what "
                                   "it says of where it was taken, the camera and the date; export it as JPEG (on an "
                                   "iPhone: Settings › Camera › Formats › Most Compatible)"), source=f"assets/{name}"))
        elif says_who_or_where(data):  # what it is, whatever its name (a TIFF named .png)
            errors.add(SiteError(_("this image says where it was taken, who took it or with which camera (EXIF or "
                                   "XMP data), and Vigie removes that from JPEG, PNG, WebP and GIF files only; save "
                                   "it as one of these, or export it without its metadata"), source=f"assets/{name}"))
        elif films_where(data):
            errors.add(SiteError(_("this video says where it was filmed (a GPS position), and Vigie cannot remove "
                                   "that from a video; export it again without its location (on an iPhone: Share › "
                                   "Options, Location off; or a video editor's export)"), source=f"assets/{name}"))
        telling = TELLING_SVG_RE.search(data) if name.lower().endswith(".svg") else None
        if telling is not None:
            warnings.append((f"assets/{name}", _(
                "this SVG says who drew it or names a folder of the computer it was made on ({found}): anyone can "
                "read it in the published file; save it again without it (an editor's \"plain SVG\" or "
                "\"optimised SVG\" export, or remove it with a text editor)").format(
                    found=re.sub(r"<[^>]*>|\s+", " ", next(part for part in (*telling.groups(), telling.group())
                                                            if part).decode("utf-8", "replace")).strip()[:60])))
        if name.lower().endswith((".svg", ".svgz")) and ACTIVE_SVG_RE.search(data):
            warnings.append((f"assets/{name}", _(
                "this SVG holds a script, an event handler or an address on another site: shown in a page it does "
                "nothing, but opened on its own address it runs on the site's origin (on a host without the site's "
                "headers); save it again without them (an editor's \"plain SVG\" or \"optimised SVG\" export)")))
        if name.startswith(ROOT_FOLDER):  # favicon.ico, security.txt, .well-known/…: as they are, at the root
            at_root = safe_relpath(name.removeprefix(ROOT_FOLDER))
            urls[name] = "/" + address(at_root)
            files.append(OutputFile(path=at_root, data=data, origin=f"assets/{name}"))
            continue
        if name.endswith(".css"):
            data = _rewrite_css(name, _font_ranges(name, data, ranges), urls, config.base_path)
        data = minified(name, data)
        hashed = _hashed_name(name, data)
        urls[name] = "/assets/" + address(hashed)
        files.append(OutputFile(path="assets/" + hashed, data=data, origin=f"assets/{name}"))
        if posixpath.splitext(name)[1].lower() in RESIZABLE:
            image = _image(name, data, urls[name], image_cache or ImageCache(None), files, warnings)
            if image is not None:
                images[name] = image
    errors.raise_if_any()
    return Assets(files=tuple(files), urls=urls, images=images, warnings=tuple(warnings))


def _image(name: str, data: bytes, url: str, cache: ImageCache, files: list[OutputFile],
           warnings: list[tuple[str, str]]) -> AssetImage | None:
    """Make an image's smaller copies (added to ``files``); return what pages need to show it."""
    shown = f"assets/{name}"
    if len(data) > HEAVY_IMAGE_BYTES:
        warnings.append((shown, _(
            "this image weighs {size} KB, more than {limit} KB: pages show smaller copies of it, but a visitor who "
            "opens or downloads it gets it whole; make it smaller (at most 2000 pixels wide, JPEG or WebP for a "
            "photo)").format(size=round(len(data) / 1024), limit=HEAVY_IMAGE_BYTES // 1024)))
    info = image_info(data)
    if info is None:
        huge = too_many_pixels(data)
        if huge is not None:
            warnings.append((shown, _("this image is {width}×{height} pixels, more than {limit} million: it is "
                                      "published as it is, without its size or smaller copies for phones; resize "
                                      "it to at most 2000 pixels wide").format(
                width=huge[0], height=huge[1], limit=MAX_PIXELS // 1_000_000)))
            return None
        warnings.append((shown, _("this file cannot be read as an image; it is published as it is, without "
                                  "smaller copies for phones")))
        return None
    if info.animated:  # an animation's copy would stand still: shown as it is
        return AssetImage(info.width, info.height, "", mime(info.format), False)
    fmt = rendition_format(info.format)
    widths = list(widths_below(info.width, ASSET_WIDTHS))
    if fmt != info.format and info.width <= ASSET_WIDTHS[-1]:
        widths.append(info.width)  # the image in the lighter format, at its own width (no page needs more)
    if fmt == "WEBP":  # a long infographic: its copies taller than WebP holds are left out
        widths = [width for width in widths if scaled_height(info.width, info.height, width) <= WEBP_MAX_SIDE]
    candidates = []
    copies = []
    stem, ext = posixpath.splitext(name)
    for width in widths:
        try:
            copy = cache.rendition(data, width, fmt)
        except ValueError:  # a JPEG cut short (an interrupted upload): its header read, its pixels not
            warnings.append((shown, _("this file cannot be read as an image; it is published as it is, without "
                                      "smaller copies for phones")))
            return None
        hashed = _hashed_name(f"{stem}.{width}w{suffix(fmt)}", copy)
        copies.append(OutputFile(path="assets/" + hashed, data=copy, origin=shown))
        candidates.append(f"/assets/{address(hashed)} {width}w")
    files.extend(copies)
    if candidates and fmt == info.format:
        candidates.append(f"{url} {info.width}w")
    return AssetImage(info.width, info.height, ", ".join(candidates), mime(fmt), fmt != info.format)


def _web_fonts(config: SiteConfig, cache: WebFontCache, sources: dict[str, bytes],
               errors: ErrorCollector) -> dict[str, str]:
    """Add the font package's TTFs and their web fonts to ``sources``; return each web font's unicode-range."""
    theme_text: list[str] = []
    for folder in theme_dirs(config.root, "layouts"):  # the punctuation the theme writes (· → « » …)
        for item in list_files(folder, folder.parent, "layouts", errors):
            try:
                theme_text.append(read_file(item.path, f"layouts/{item.rel}", MAX_ASSET_BYTES)
                                  .decode("utf-8", errors="replace"))
            except SiteError as err:
                errors.add(err)
    chars = site_characters([lang.locale for lang in config.languages], theme_text)
    ranges: dict[str, str] = {}
    for path in font_files():
        sources[f"fonts/{path.name}"] = path.read_bytes()
        web = cache.web_font(path, chars)
        sources[f"fonts/{web.name}"] = web.data
        ranges[f"fonts/{web.name}"] = web.unicode_range
    return ranges


FONT_FACE_RE = re.compile(r"@font-face\s*\{[^}]*\}")


def _font_ranges(name: str, data: bytes, ranges: Mapping[str, str]) -> bytes:
    """Give each ``@font-face`` rule that points at a web font, and says no ``unicode-range``, the font's range.

    Added on the rule's last line, so that lines keep their numbers in messages.
    """
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return data  # _rewrite_css says what is wrong
    base = posixpath.dirname(name)

    def add(match: re.Match[str]) -> str:
        rule = match.group(0)
        if "unicode-range" in rule:
            return rule
        for url in CSS_URL_RE.finditer(rule):
            target = posixpath.normpath(posixpath.join(base, url.group(2).strip().split("?")[0].split("#")[0]))
            if target in ranges:
                return f"{rule[:-1]}unicode-range: {ranges[target]}; }}"
        return rule

    return FONT_FACE_RE.sub(add, text).encode("utf-8")


def minified(name: str, data: bytes) -> bytes:
    """Return a stylesheet or script without its comments and spaces (``/*! licence */`` comments stay).

    The files in assets/ stay as written; only what is published is minified,
    after its url()s are checked (so messages give the lines of the file).
    Names ending in ``.min.css`` or ``.min.js`` are published as they are.
    """
    if name.startswith(ROOT_FOLDER) or name.endswith((".min.css", ".min.js")) or not name.endswith((".css", ".js")):
        return data
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return data  # not text: published as it is
    if name.endswith(".css"):
        return rcssmin.cssmin(text, keep_bang_comments=True).encode("utf-8")  # type: ignore[no-any-return]
    return rjsmin.jsmin(text, keep_bang_comments=True).encode("utf-8")  # type: ignore[no-any-return]


#: What a file name may hold that an address may not as it is: "poster#1.jpg" was asked for as "poster" (the rest
#: a fragment), "100%.jpg" as a broken escape; a space or a comma would split a srcset.
_ADDRESS_ESCAPES = str.maketrans({"%": "%25", "#": "%23", "?": "%3F", " ": "%20", ",": "%2C"})


def address(path: str) -> str:
    """Return a published file's path as it is written in an address (accents stay as they are)."""
    return path.translate(_ADDRESS_ESCAPES)


def _hashed_name(name: str, data: bytes) -> str:
    if posixpath.basename(name) in UNHASHED:
        return name
    digest = hashlib.sha256(data).hexdigest()[:10]
    stem, dot, ext = name.rpartition(".")
    return f"{stem}.{digest}.{ext}" if dot else f"{name}.{digest}"


def _rewrite_css(name: str, data: bytes, urls: dict[str, str], base_path: str = "/") -> bytes:
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise SiteError(_("a CSS file must be UTF-8 text"), source=f"assets/{name}") from None
    base = posixpath.dirname(name)

    def line_of(match: re.Match[str]) -> int:
        return text.count("\n", 0, match.start()) + 1

    def swap(match: re.Match[str]) -> str:
        target = match.group(2).strip()
        if REMOTE_RE.match(target):  # a font or image of Google's, a CDN's: every visitor's address goes there
            raise _remote_in_css(target, name, line_of(match))
        if target.startswith(("data:", "#")) or (target.startswith("/") and not target.startswith("/assets/")):
            return match.group(0)
        clean = target.split("?")[0].split("#")[0]
        resolved = (unquote(clean.removeprefix("/assets/")) if target.startswith("/assets/")  # (its hashed name)
                    else posixpath.normpath(posixpath.join(base, clean)))
        if resolved not in urls:
            raise SiteError(_("url({target}) points to an asset that does not exist").format(target=target),
                            source=f"assets/{name}",
                            line=text.count("\n", 0, match.start()) + 1)
        return f'url("{base_path.rstrip("/")}{urls[resolved]}")'

    for match in REMOTE_IMPORT_RE.finditer(text):  # @import "https://…" (without url())
        raise _remote_in_css(match.group(2), name, line_of(match))
    return CSS_URL_RE.sub(swap, text).encode("utf-8")


def _remote_in_css(target: str, name: str, line: int) -> SiteError:
    """Return the error for a stylesheet that loads a file from another site."""
    host = remote_host(target)
    return SiteError(_("url({target}) loads a file from another site ({host}): a page must not make its visitors' "
                       "browsers contact other sites (and the site's security policy blocks it); save the file in "
                       "assets/ and point to it from here").format(target=target[:120], host=host),
                     source=f"assets/{name}", line=line)
