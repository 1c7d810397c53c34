"""The markup of an editor's image: ``<img>`` with its size, its smaller copies (``srcset``) and lazy loading.

Used by Markdown bodies (``![alt](/assets/img/a.jpg)``) and by templates
(``{{ image('img/a.jpg', 'What it shows') }}``). The copies come from
`sources.assets`; when they are WebP and the image is not, they go in a
``<picture>``'s ``<source>`` and the image itself stays the fallback.
"""

from __future__ import annotations

from markupsafe import escape

from generator.sources.assets import AssetImage

#: What width the text column of a page gives an image (``--measure``, 42rem, and the page's gutters).
PROSE_SIZES = "(min-width: 46rem) 42rem, calc(100vw - 2rem)"


def image_html(src: str, alt: str, image: AssetImage | None, sizes: str = PROSE_SIZES, lazy: bool = True,
               title: str = "", css_class: str = "") -> str:
    """Return the HTML that shows an image of assets/ at ``src`` (its hashed URL); ``image`` None: size unknown."""
    attrs = [f'src="{escape(src)}"', f'alt="{escape(alt)}"']
    if title:
        attrs.append(f'title="{escape(title)}"')
    if css_class:
        attrs.append(f'class="{escape(css_class)}"')
    if image is not None:
        attrs += [f'width="{image.width}"', f'height="{image.height}"']
        if image.srcset and not image.picture:
            attrs += [f'srcset="{escape(image.srcset)}"', f'sizes="{escape(sizes)}"']
    if lazy:
        attrs.append('loading="lazy"')
    attrs.append('decoding="async"')
    img = f"<img {' '.join(attrs)}>"
    if image is None or not image.srcset or not image.picture:
        return img
    return (f'<picture><source type="{escape(image.type)}" srcset="{escape(image.srcset)}" '
            f'sizes="{escape(sizes)}">{img}</picture>')
