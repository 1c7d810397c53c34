"""Printable fact sheets: layouts/print/factsheet.html → tagged A4 PDF (generator/pdf.py)."""

from __future__ import annotations

import dataclasses
import io
import json
import logging
import os
import re
import socket
import subprocess
import sys
from datetime import date
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pydyf  # type: ignore[import-untyped]
import pypdf
import pytest
import weasyprint.pdf.fonts
from fontTools.misc.timeTools import timestampFromString
from fontTools.ttLib import TTFont
from fontTools.ttLib.sfnt import calcChecksum
from markupsafe import Markup

from conftest import REPO

from generator.sources.config import load_config
from generator.core.errors import ErrorCollector
from generator.sources.facts import load_facts
from generator.core.formats import format_date, list_comma, native_digits
from generator.sources.i18n import load_strings
from generator.render.markup import make_markdown
from generator.model import Document
from generator.core.fonts import font_files
from generator.media.pdf import STYLESHEET, TEMPLATE, PdfCache, PdfResult, pdf_key, print_css_context, qr_svg
from generator.media.printer import LocalFetcher, keep_font_dates, render_pdf
from generator.render.templating import make_environment, render_template
from generator.core.phones import tel_href
from generator.render.views import absolute, fact_view, help_for

A4 = (595.28, 841.89)
SOURCE_URL = ("https://www.interpol.int/News-and-Events/News/2022/"
              "INTERPOL-Secretary-General-Online-child-sexual-abuse-at-record-levels")
IWF_URL = "https://www.iwf.org.uk/about-us/who-we-are/annual-report-2021/"

# --------------------------------------------------------------------------- a small site

SITE_YAML = """\
title:
  fr: "Vigie – Protéger les enfants des abus sexuels en ligne"
  en: "Vigie – Protecting children from online sexual abuse"
base_url: https://vigie.example.org/
languages: [fr, en]
language_names: {fr: Français, en: English}
locales: {fr: fr_FR, en: en_GB}
default_language: fr
publisher: {fr: "Collectif Vigie", en: "Collectif Vigie"}
licence: {name: "CC BY 4.0", url: "https://creativecommons.org/licenses/by/4.0/"}
help:
  - name: {fr: "119 – Allô Enfance en Danger", en: "119 – Allô Enfance en Danger"}
    purpose: {fr: "Pour tout enfant en danger et tout adulte inquiet.", en: "For any child at risk."}
    hours: {fr: "24 h/24, 7 j/7", en: "24 hours a day"}
    region: {fr: France, en: France}
    phone: "119"
    url: https://www.allo119.gouv.fr
    urgent: true
  - name: {fr: "3018 – violences numériques (e-Enfance)", en: "3018 – online violence (e-Enfance)"}
    hours: {fr: "7 j/7, de 9 h à 23 h", en: "7 days a week, 9 am to 11 pm"}
    region: {fr: France, en: France}
    phone: "3018"
    url: https://3018.fr
    urgent: true
  - name: {fr: "17 – Police secours", en: "17 – Police emergency (France)"}
    region: {fr: France, en: France}
    phone: "17"
    urgent: true
  - name: {fr: "Child Focus – 116 000", en: "Child Focus – 116 000"}
    region: {fr: Belgique, en: Belgium}
    phone: "116 000"
    url: https://childfocus.be
  - name: {fr: "147 – Conseils + aide (Pro Juventute)", en: "147 – Advice + help (Pro Juventute)"}
    region: {fr: Suisse, en: Switzerland}
    phone: "147"
    url: https://www.147.ch
  - name: {fr: "Cyberaide.ca", en: "Cybertip.ca"}
    region: {fr: Canada, en: Canada}
    phone: "1-866-658-9022"
    url: https://www.cyberaide.ca
"""

INTERPOL_SOURCE = f"""\
source:
  publisher: INTERPOL
  title:
    fr: "Secrétaire général d'INTERPOL : les abus pédosexuels sur Internet battent des records"
    en: "INTERPOL Secretary General: Online child sexual abuse at record levels"
  url: {SOURCE_URL}
  date: 2022-05-25
"""

FACTS = {
    "offenders-identified-icse": """\
value: 12500
format: number
qualifier: more_than
label:
  fr: auteurs d'abus identifiés grâce à la base ICSE d'INTERPOL depuis sa création
  en: abusers identified with the help of INTERPOL's ICSE database since it was set up
""" + INTERPOL_SOURCE,
    "record-year": """\
value: 2021
format: year
label:
  fr: l'année où le plus d'images d'abus sexuels sur enfants en ligne ont été signalées, selon INTERPOL
  en: the year with the most reports of online child sexual abuse imagery on record, according to INTERPOL
""" + INTERPOL_SOURCE,
    "iwf-self-generated-share-2021": f"""\
value: 72
format: percent
qualifier: about
label:
  fr: des pages traitées par l'IWF en 2021 contenaient des images dites « autogénérées »
  en: of webpages acted on by the IWF in 2021 contained so-called self-generated imagery
source:
  publisher: Internet Watch Foundation (IWF)
  title: {{en: "IWF Annual Report 2021"}}
  url: {IWF_URL}
  date: 2022-04-26
""",
    "victims-identified-daily": """\
value: 7
format: number
label:
  fr: victimes d'abus sexuels identifiées en moyenne chaque jour grâce à la base de données ICSE d'INTERPOL
  en: victims of child sexual abuse identified on an average day with the help of INTERPOL's ICSE database
""" + INTERPOL_SOURCE,
}

BODY_FR = """\
## Ce que disent les chiffres

Selon INTERPOL, 2021 a été l'année où le plus d'images d'abus sexuels sur enfants ont été signalées. Une grande \
partie de ces images sont dites « autogénérées » : un agresseur a manipulé ou contraint l'enfant, à distance, pour \
qu'il se filme. L'enfant n'est jamais responsable. Les enquêtes permettent pourtant chaque jour d'identifier des \
victimes et de les protéger.

## Les signes qui peuvent alerter

Aucun de ces signes ne prouve un abus : ils peuvent avoir d'autres causes. Mais ils méritent une conversation calme.

- L'enfant cache son écran ou semble inquiet en recevant des messages.
- Il parle d'un nouvel « ami » en ligne qu'il n'a jamais rencontré, ou reçoit des cadeaux inexpliqués (crédits de \
jeu, par exemple).
- Il se replie sur lui-même, dort mal, change brusquement d'humeur ou ne veut plus aller à l'école.

## Ce que vous pouvez dire à votre enfant

- « Tu peux tout me raconter, même si tu as fait une erreur. Je ne te punirai pas pour ce que quelqu'un d'autre \
t'a fait. »
- « Une personne qui te demande de garder un secret ou d'envoyer des photos de toi n'est pas quelqu'un de bien, \
même si elle est gentille. »
- « Si on te menace, ne paie pas et n'envoie rien : viens me voir, on trouvera une solution ensemble. »

Parlez-en tôt, souvent et simplement, au fil des occasions, plutôt qu'en une seule grande discussion.

## Que faire si votre enfant se confie

1. Restez calme, écoutez-le et croyez-le. Remerciez-le d'avoir parlé.
2. Ne lui reprochez rien et ne lui confisquez pas son téléphone pour le punir.
3. Ne regardez pas, ne copiez pas et ne transférez pas les images. Notez le nom du compte et gardez les messages.
4. Signalez le compte à la plateforme, le contenu publié sur PHAROS, et portez plainte.
5. Faites-vous accompagner, vous aussi : vous n'avez pas à gérer cela seul.

### Après le signalement

Gardez le contact avec l'école et avec les professionnels qui suivent votre enfant. Un enfant qui a été écouté et \
cru se remet bien mieux : votre réaction compte plus que tout le reste.
"""

BODY_EN = """\
## What the figures say

According to INTERPOL, 2021 was the year with the most reports of child sexual abuse images. The child is never to \
blame.

- Stay calm, listen and believe them.
- Do not look at, copy or forward the images.
"""

FACT_IDS = ("offenders-identified-icse", "record-year", "iwf-self-generated-share-2021", "victims-identified-daily")


def make_site(root: Path) -> None:
    """Write a small site: site.yaml and four fact files (layouts come from the default theme)."""
    (root / "content" / "facts").mkdir(parents=True)
    (root / "site.yaml").write_text(SITE_YAML, "utf-8")
    for fact_id, text in FACTS.items():
        (root / "content" / "facts" / f"{fact_id}.yaml").write_text(text, "utf-8")


def sheet_context(root: Path, lang: str = "fr", *, body: str | None = None, title: str | None = None) -> dict[str, Any]:
    """Return the context the print layout gets: the page's context plus the PDF extras."""
    config = load_config(root)
    strings = load_strings(config)[lang]
    errors = ErrorCollector()
    facts = load_facts(config, errors)
    errors.raise_if_any()
    language = config.language(lang)
    section = "ressources" if lang == "fr" else "resources"
    slug = "fiche-parents" if lang == "fr" else "parents-sheet"
    url = f"/{lang}/{section}/{slug}/"
    doc = Document(
        source=root / "content" / lang / "resources" / f"{slug}.md", rel=f"{lang}/resources/{slug}.md", lang=lang,
        kind="resources", key="parents-sheet",
        title=title or ("Fiche parents : protéger son enfant des abus sexuels en ligne" if lang == "fr"
                        else "Parents' sheet: protecting your child from online sexual abuse"),
        date=date(2026, 11, 1),
        summary=("Deux pages pour comprendre les chiffres, repérer les signes qui doivent alerter, parler avec son "
                 "enfant et savoir quoi faire." if lang == "fr" else
                 "Two pages to understand the figures, spot the warning signs and know what to do."),
        slug=slug, tags=("parents",), draft=False, content_warning="", facts=FACT_IDS,
        factsheet=True, audience=("parents", "teachers"), body="", body_line=12,
    )
    contacts = help_for(config, lang)
    canonical = absolute(config, url)
    md = make_markdown(False)
    ctx: dict[str, Any] = {
        "config": config, "lang": lang, "language": language, "languages": config.languages,
        "site_title": config.title[lang], "site_description": config.description.get(lang, ""),
        "publisher": config.publisher.get(lang, ""), "t": strings.get, "has_t": strings.has,
        "comma": list_comma(lang), "digits": lambda value: native_digits(str(value), language.locale),
        "format_date": lambda value, style="long": format_date(value, language.locale, style) if value else "",
        "tel": tel_href, "help_contacts": contacts, "urgent_contacts": tuple(c for c in contacts if c.urgent),
        "absolute": lambda u: absolute(config, u), "home_url": f"/{lang}/",
        "page": type("PageStub", (), {"doc": doc, "url": url, "lang": lang, "title": doc.title})(),
        "canonical": canonical,
        "content": Markup(md.render(body if body is not None else (BODY_FR if lang == "fr" else BODY_EN))),
        "page_facts": [fact_view(facts[i], language, strings, config, f"/{lang}/chiffres/{i}/") for i in FACT_IDS],
        "qr": Markup(qr_svg(canonical)),
        "fonts": print_css_context(),
    }
    env = make_environment(config)
    ctx["print_css"] = Markup(render_template(env, STYLESHEET, print_css_context(), root))
    ctx["_env"] = env
    return ctx


def render_sheet_html(root: Path, lang: str = "fr", **kw: Any) -> str:
    ctx = sheet_context(root, lang, **kw)
    env = ctx.pop("_env")
    return render_template(env, TEMPLATE, ctx, root)


def norm(text: str) -> str:
    """Collapse the no-break and thin spaces text extraction may return into plain spaces."""
    return re.sub(r"[\u00a0\u2009\u202f\s]+", " ", text)


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("site")
    make_site(root)
    return root


@pytest.fixture(scope="module")
def sheet(site: Path) -> tuple[str, PdfResult, pypdf.PdfReader]:
    html = render_sheet_html(site)
    result = render_pdf(html, base_url="https://vigie.example.org/fr/ressources/fiche-parents/")
    return html, result, pypdf.PdfReader(io.BytesIO(result.data))


# --------------------------------------------------------------------------- the layout


def test_html_has_the_metadata_weasyprint_maps(sheet: tuple[str, PdfResult, pypdf.PdfReader]) -> None:
    html = sheet[0]
    assert '<html lang="fr" dir="ltr">' in html
    assert "<title>Fiche parents : protéger son enfant des abus sexuels en ligne</title>" in html
    assert '<meta name="author" content="Collectif Vigie">' in html
    assert '<meta name="keywords" content="parents, enseignants">' in html
    assert "@font-face" in html and "AtkinsonHyperlegible-Regular.ttf" in html
    assert "{{" not in html


def test_pdf_is_a4_with_pages_counted(sheet: tuple[str, PdfResult, pypdf.PdfReader]) -> None:
    _, result, reader = sheet
    assert result.data.startswith(b"%PDF-1.7")
    assert result.pages == len(reader.pages) == 2
    for page in reader.pages:
        box = page.mediabox
        assert float(box.width) == pytest.approx(A4[0], abs=1)
        assert float(box.height) == pytest.approx(A4[1], abs=1)


def test_pdf_metadata(sheet: tuple[str, PdfResult, pypdf.PdfReader]) -> None:
    reader = sheet[2]
    meta = reader.metadata
    assert meta is not None
    assert meta["/Title"] == "Fiche parents : protéger son enfant des abus sexuels en ligne"
    assert meta["/Author"] == "Collectif Vigie"
    assert meta["/Subject"].startswith("Deux pages pour comprendre les chiffres")
    assert meta["/Keywords"] == "parents, enseignants"
    catalog = reader.trailer["/Root"]
    assert catalog["/Lang"] == "fr"
    assert bool(catalog["/ViewerPreferences"]["/DisplayDocTitle"])
    xmp = catalog["/Metadata"].get_object().get_data()
    assert b"pdfuaid:part=\"1\"" in xmp or b"<pdfuaid:part>1</pdfuaid:part>" in xmp


def test_pdf_text(sheet: tuple[str, PdfResult, pypdf.PdfReader]) -> None:
    reader = sheet[2]
    first, second = (norm(p.extract_text()) for p in reader.pages)
    text = first + " " + second
    assert "Fiche parents : protéger son enfant des abus sexuels en ligne" in first
    assert "plus de 12 500" in first
    assert "environ 72 %" in first
    assert "Vigie – Protéger les enfants des abus sexuels en ligne" in first and "Vigie – Protéger" in second
    assert "Page 1 / 2" in first and "Page 2 / 2" in second
    assert "vigie.example.org" in second
    assert "Date de la fiche" in text and "1 novembre 2026" in text
    assert "CC BY 4.0" in text
    # every figure's full source address is printed (possibly broken over lines)
    squeezed = re.sub(r"\s+", "", text)
    assert SOURCE_URL in squeezed and IWF_URL in squeezed
    assert "vigie.example.org/fr/ressources/fiche-parents/" in squeezed


def _uris(reader: pypdf.PdfReader) -> list[str]:
    uris = []
    for page in reader.pages:
        for annot in page.get("/Annots") or []:
            action = annot.get_object().get("/A")
            if action is not None and "/URI" in action:
                uris.append(str(action["/URI"]))
    return uris


def test_links_are_clickable(sheet: tuple[str, PdfResult, pypdf.PdfReader]) -> None:
    uris = _uris(sheet[2])
    assert SOURCE_URL in uris
    assert IWF_URL in uris
    assert "tel:119" in uris
    assert "https://vigie.example.org/fr/ressources/fiche-parents/" in uris
    assert "https://creativecommons.org/licenses/by/4.0/" in uris


def _struct_elements(reader: pypdf.PdfReader) -> list[pypdf.generic.DictionaryObject]:
    found = []
    stack = [reader.trailer["/Root"]["/StructTreeRoot"]]
    while stack:
        node = stack.pop().get_object()
        if isinstance(node, pypdf.generic.ArrayObject):
            stack.extend(node)
        elif isinstance(node, pypdf.generic.DictionaryObject):
            if "/S" in node:
                found.append(node)
            if "/K" in node:
                stack.append(node["/K"])
    return found


def test_pdf_is_tagged(sheet: tuple[str, PdfResult, pypdf.PdfReader]) -> None:
    reader = sheet[2]
    catalog = reader.trailer["/Root"]
    assert bool(catalog["/MarkInfo"]["/Marked"])
    assert "/StructTreeRoot" in catalog
    elements = _struct_elements(reader)
    kinds = {str(e["/S"]) for e in elements}
    assert {"/Document", "/H1", "/H2", "/P", "/L", "/LI", "/Link", "/Figure"} <= kinds
    assert sum(1 for e in elements if e["/S"] == "/H1") == 1
    figures = [e for e in elements if e["/S"] == "/Figure"]
    assert figures and all(str(f.get("/Alt", "")).startswith("Code QR") for f in figures)


def test_fonts_are_embedded_atkinson(sheet: tuple[str, PdfResult, pypdf.PdfReader]) -> None:
    reader = sheet[2]
    names = set()
    for page in reader.pages:
        fonts = page["/Resources"]["/Font"]
        for ref in fonts.values():
            font = ref.get_object()
            descendants = font.get("/DescendantFonts")
            inner = descendants[0].get_object() if descendants else font
            descriptor = inner["/FontDescriptor"].get_object()
            assert "/FontFile2" in descriptor or "/FontFile3" in descriptor
            names.add(str(inner["/BaseFont"]).split("+", 1)[-1].replace("-", ""))
    assert names and all(n.startswith("/AtkinsonHyperlegible") or n.startswith("AtkinsonHyperlegible")
                         for n in names), names
    assert any("Bold" in n for n in names)


def font_names(reader: pypdf.PdfReader) -> set[str]:
    """Return the names of the fonts a PDF draws with, without subset prefix or hyphens (NotoSansBold)."""
    names = set()
    for page in reader.pages:
        for ref in page["/Resources"]["/Font"].values():
            font = ref.get_object()
            inner = font["/DescendantFonts"][0].get_object() if font.get("/DescendantFonts") else font
            names.add(str(inner["/BaseFont"]).split("+", 1)[-1].replace("-", ""))
    return names


def test_cyrillic_and_greek_letters_come_from_the_font_vigie_ships_not_the_machine_s(site: Path) -> None:
    # They came from whatever fonts the machine had (DejaVu Sans here): a sheet differed from machine to machine.
    html = render_sheet_html(site, "fr", body="## Россия\n\nЖертвы выявляют каждый день. Ελληνικά κείμενα.\n")
    reader = pypdf.PdfReader(io.BytesIO(render_pdf(html, base_url="https://vigie.example.org/fr/").data))
    names = font_names(reader)
    assert any(name.startswith("NotoSans") for name in names), names
    assert not any("DejaVu" in name for name in names), names
    assert "Жертвы выявляют" in reader.pages[0].extract_text()


@pytest.mark.parametrize(("body", "family"), [
    ("## \u05d3\u05d5\u05d7\n\n\u05de\u05e7\u05e8\u05d9\u05dd \u05d1\u05e9\u05e0\u05d4.\n", "Heebo"),  # Hebrew
    ("## \u0930\u093f\u092a\u094b\u0930\u094d\u091f\n\n\u092e\u093e\u092e\u0932\u0947 \u0939\u0930 "
     "\u0938\u093e\u0932.\n", "NotoSans"),  # Hindi: Noto Sans has Devanagari
    ("## \u0b85\u0bb1\u0bbf\u0b95\u0bcd\u0b95\u0bc8\n\n\u0bb5\u0bb4\u0b95\u0bcd\u0b95\u0bc1\u0b95\u0bb3"
     "\u0bcd.\n", "NotoSansTamil"),
    ("## \u0c28\u0c3f\u0c35\u0c47\u0c26\u0c3f\u0c15\n\n\u0c15\u0c47\u0c38\u0c41\u0c32\u0c41.\n",
     "NotoSansTelugu"),
])
def test_hebrew_and_indian_letters_come_from_the_fonts_vigie_ships_not_the_machine_s(site: Path, body: str,
                                                                                     family: str) -> None:
    html = render_sheet_html(site, "fr", body=body)
    names = font_names(pypdf.PdfReader(io.BytesIO(render_pdf(html, base_url="https://vigie.example.org/fr/").data)))
    assert any(name.startswith(family) for name in names), names
    assert all(name.startswith(("AtkinsonHyperlegible", family)) for name in names), names


def test_a_character_no_shipped_font_has_is_named_instead_of_printed_as_a_box(site: Path) -> None:
    # Cards refuse an emoji; a fact sheet printed an empty box (or a letter of the build machine's fonts) silently.
    html = render_sheet_html(site, "fr", body="## Parler\n\nÉcouter d'abord 🙂 et rester calme ☃.\n")
    result = render_pdf(html, base_url="https://vigie.example.org/fr/")
    assert [w.text() for w in result.warnings] == [
        "the PDF has no letter shape for '🙂' (U+1F642), '☃' (U+2603) in the fonts Vigie ships: it prints an empty "
        "box or a letter of this computer's fonts there; replace or remove them"]
    fine = render_pdf(render_sheet_html(site, "fr", body="## Россия\n\nמקרים בשנה, मामले, வழக்குகள் « 12 500 € ».\n"),
                      base_url="https://vigie.example.org/fr/")
    assert fine.warnings == ()


def test_english_sheet(site: Path) -> None:
    html = render_sheet_html(site, "en", body=BODY_EN)
    result = render_pdf(html, base_url="https://vigie.example.org/en/resources/parents-sheet/")
    reader = pypdf.PdfReader(io.BytesIO(result.data))
    assert reader.trailer["/Root"]["/Lang"] == "en"
    text = norm(" ".join(p.extract_text() for p in reader.pages))
    assert "more than 12,500" in text
    assert "For: parents, teachers" in text
    assert "Page 1 / " in text


def test_bare_sheet_renders(site: Path) -> None:
    """No figures, no help contacts, no date, summary nor audience: the layout still works."""
    ctx = sheet_context(site, body="Un seul paragraphe.")
    env = ctx.pop("_env")
    doc = dataclasses.replace(ctx["page"].doc, date=None, summary="", audience=(), content_warning="default")
    ctx.update(page=type("PageStub", (), {"doc": doc})(), page_facts=[], help_contacts=(), urgent_contacts=())
    html = render_template(env, TEMPLATE, ctx, site)
    assert "Sources" not in html and "Chiffres clés" not in html and 'name="keywords"' not in html
    result = render_pdf(html, base_url="https://vigie.example.org/fr/ressources/fiche-parents/")
    assert result.pages == 1
    text = norm(pypdf.PdfReader(io.BytesIO(result.data)).pages[0].extract_text())
    assert "Un seul paragraphe." in text and "Avertissement" in text


def test_rendering_is_deterministic(site: Path, sheet: tuple[str, PdfResult, pypdf.PdfReader]) -> None:
    html, result, _ = sheet
    again = render_pdf(html, base_url="https://vigie.example.org/fr/ressources/fiche-parents/")
    assert again.data == result.data


#: Renders a page in a fresh interpreter and says which subsetter cut the fonts. With "fonttools" it
#: subsets as WeasyPrint does on a machine without libharfbuzz-subset (or with one older than 4.1).
RENDER_IN_CHILD = """
import sys
from pathlib import Path
import weasyprint.pdf.fonts as fonts
if sys.argv[3] == "fonttools":
    fonts.harfbuzz_subset = None
used = set()
for name in ("_harfbuzz_subset", "_fonttools_subset"):
    def spy(self, *args, _original=getattr(fonts.Font, name), _name=name):
        used.add(_name.strip("_").split("_")[0])
        return _original(self, *args)
    setattr(fonts.Font, name, spy)
from generator.media.printer import render_pdf
html = Path(sys.argv[1]).read_text(encoding="utf-8")
Path(sys.argv[2]).write_bytes(render_pdf(html, base_url="https://vigie.example.org/fr/ressources/fiche-parents/").data)
print(" ".join(sorted(used)))
"""


@pytest.mark.parametrize("subsetter", ["default", "fonttools"])
def test_same_sheet_same_bytes_in_separate_processes(sheet: tuple[str, PdfResult, pypdf.PdfReader], tmp_path: Path,
                                                     subsetter: str) -> None:
    """Two cold renders, in interpreters with other hash seeds, at other times (fontTools stamps the time)."""
    html, result, _ = sheet
    page = tmp_path / "sheet.html"
    page.write_text(html, encoding="utf-8")
    made = []
    for seed, epoch in (("1", "1700000000"), ("2", "1800000000")):
        out = tmp_path / f"sheet-{seed}.pdf"
        env = {**os.environ, "PYTHONHASHSEED": seed, "SOURCE_DATE_EPOCH": epoch, "PYTHONPATH": str(REPO)}
        run = subprocess.run([sys.executable, "-c", RENDER_IN_CHILD, str(page), str(out), subsetter], cwd=REPO,
                             env=env, capture_output=True, text=True, check=True)
        if subsetter == "fonttools":
            assert run.stdout.split() == ["fonttools"]
        made.append(out.read_bytes())
    assert made[0] == made[1]
    if subsetter == "default":
        assert made[0] == result.data  # and the same as in this process


def _embedded_fonts(data: bytes) -> list[bytes]:
    reader = pypdf.PdfReader(io.BytesIO(data))
    found: dict[str, bytes] = {}
    for page in reader.pages:
        for ref in page["/Resources"]["/Font"].values():
            font = ref.get_object()
            descriptor = font["/DescendantFonts"][0].get_object()["/FontDescriptor"].get_object()
            found[str(font["/BaseFont"])] = descriptor["/FontFile2"].get_object().get_data()
    return list(found.values())


def _valid_sfnt(data: bytes) -> TTFont:
    """Return the font, having checked every table's checksum and the whole file's."""
    assert calcChecksum(data) == 0xB1B0AFBA  # what checkSumAdjustment is for
    font = TTFont(io.BytesIO(data), checkChecksums=2)  # raises on a table whose checksum is wrong
    for tag in font.reader.keys():
        font.reader[tag]
    return font


@pytest.mark.parametrize("subsetter", ["default", "fonttools"])
def test_embedded_fonts_keep_the_date_of_their_font_file(site: Path, monkeypatch: pytest.MonkeyPatch,
                                                         subsetter: str) -> None:
    if subsetter == "fonttools":
        monkeypatch.setattr(weasyprint.pdf.fonts, "harfbuzz_subset", None)
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1800000000")  # the time fontTools would write
    html = render_sheet_html(site)
    data = render_pdf(html, base_url="https://vigie.example.org/fr/ressources/fiche-parents/").data
    dates = {TTFont(path)["head"].modified for path in font_files()}
    embedded = _embedded_fonts(data)
    assert len(embedded) >= 2
    for font in embedded:
        assert _valid_sfnt(font)["head"].modified in dates


def test_a_font_without_its_original_gets_its_creation_date(tmp_path: Path) -> None:
    full = TTFont(font_files()[0])
    full["head"].modified = timestampFromString("Mon Jan  1 00:00:00 2035")
    out = io.BytesIO()
    full.save(out)
    stamped = out.getvalue()
    assert _valid_sfnt(stamped)["head"].modified != full["head"].created
    stream = pydyf.Stream([stamped], {"Length1": len(stamped)})
    other = pydyf.Stream([b"BT ET"])
    font = SimpleNamespace(file_content=stamped)  # no hb_face: WeasyPrint does not tell the original
    keep_font_dates(SimpleNamespace(fonts={"X": font}), SimpleNamespace(objects=[other, stream]))
    fixed = stream.stream[0]
    assert len(fixed) == len(stamped) and other.stream == [b"BT ET"]
    assert _valid_sfnt(fixed)["head"].modified == full["head"].created


# --------------------------------------------------------------------------- QR code


def test_qr_svg() -> None:
    svg = qr_svg("https://vigie.example.org/fr/ressources/fiche-parents/")
    assert svg.startswith("<svg") and "<?xml" not in svg
    assert 'xmlns="http://www.w3.org/2000/svg"' in svg
    assert 'stroke="#000"' in svg
    size = int(re.search(r'viewBox="0 0 (\d+) \1"', svg).group(1))  # type: ignore[union-attr]
    assert (size - 4 - 17) % 4 == 0  # version N is 17 + 4N modules, plus 2 of quiet zone each side
    titled = qr_svg("https://x.example/", title="Code <QR>")
    assert "<title>Code &lt;QR&gt;</title>" in titled and 'role="img"' in titled


# --------------------------------------------------------------------------- cache


def test_pdf_key() -> None:
    assert pdf_key("<p>a</p>") == pdf_key("<p>a</p>")
    assert pdf_key("<p>a</p>") != pdf_key("<p>b</p>")
    assert pdf_key("<p>a</p>") != pdf_key("<p>a</p>", b"https://x/")
    assert re.fullmatch(r"[0-9a-f]{64}", pdf_key(""))


def test_cache_renders_once(site: Path, tmp_path: Path, sheet: tuple[str, PdfResult, pypdf.PdfReader]) -> None:
    html, first, _ = sheet
    base = "https://vigie.example.org/fr/ressources/fiche-parents/"
    cache = PdfCache(tmp_path / ".vigie-cache" / "pdf")
    one = cache.get_or_render(html, base)
    assert cache.rendered == 1 and one.pages == 2 and one.data == first.data
    two = cache.get_or_render(html, base)
    assert cache.rendered == 1 and two == one
    stored = sorted(p.suffix for p in (tmp_path / ".vigie-cache" / "pdf").iterdir())
    assert stored == [".json", ".pdf"]
    # a new build reads the files written by the previous one
    other = PdfCache(tmp_path / ".vigie-cache" / "pdf")
    assert other.get_or_render(html, base) == one and other.rendered == 0
    # a changed sheet renders again
    changed = html.replace("Parlez-en tôt", "Parlez-en très tôt")
    assert changed != html
    cache.get_or_render(changed, base)
    assert cache.rendered == 2


def test_a_cached_sheet_keeps_the_warnings_of_its_rendering(tmp_path: Path, no_network: list[object]) -> None:
    html = ('<!DOCTYPE html><html lang="fr"><head><title>T</title></head><body><p>Écouter 🙂</p>'
            '<img src="https://example.org/tracker.png" alt="Image distante"></body></html>')
    made = PdfCache(tmp_path).get_or_render(html, "https://x.example/")
    assert [w.kind for w in made.warnings] == ["glyphs", "refused"]
    later = PdfCache(tmp_path)
    assert later.get_or_render(html, "https://x.example/").warnings == made.warnings and later.rendered == 0


def test_a_cache_entry_from_before_warnings_were_kept_is_rendered_again(tmp_path: Path) -> None:
    html = '<!DOCTYPE html><html lang="fr"><head><title>T</title></head><body><p>Bonjour 🙂</p></body></html>'
    PdfCache(tmp_path).get_or_render(html, "https://x.example/")
    entry = next(tmp_path.glob("*.json"))
    meta = json.loads(entry.read_text("utf-8"))
    entry.write_text(json.dumps({key: value for key, value in meta.items() if key != "warnings"}), "utf-8")
    again = PdfCache(tmp_path)
    assert again.get_or_render(html, "https://x.example/").warnings and again.rendered == 1


def test_cache_ignores_a_damaged_entry(tmp_path: Path) -> None:
    html = '<!DOCTYPE html><html lang="fr"><head><title>T</title></head><body><p>Bonjour</p></body></html>'
    cache = PdfCache(tmp_path)
    cache.get_or_render(html, "https://x.example/")
    pdf = next(tmp_path.glob("*.pdf"))
    pdf.write_bytes(pdf.read_bytes()[:100])
    again = cache.get_or_render(html, "https://x.example/")
    assert cache.rendered == 2 and again.data.rstrip().endswith(b"%%EOF")


def test_unwritable_cache_warns_and_continues(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the cache folder should be")
    cache = PdfCache(blocker / "pdf")
    html = '<!DOCTYPE html><html lang="fr"><head><title>T</title></head><body><p>Bonjour</p></body></html>'
    with caplog.at_level(logging.WARNING, logger="generator.media.pdf"):
        result = cache.get_or_render(html, "https://x.example/")
        cache.get_or_render(html, "https://x.example/")
    assert result.pages == 1 and cache.rendered == 2
    warnings = [r for r in caplog.records if "cannot write the PDF cache" in r.getMessage()]
    assert len(warnings) == 1


# --------------------------------------------------------------------------- no network


@pytest.fixture
def no_network(monkeypatch: pytest.MonkeyPatch) -> list[object]:
    attempts: list[object] = []

    def refuse(self: socket.socket, address: object) -> None:
        attempts.append(address)
        raise OSError("network disabled in tests")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket.socket, "connect_ex", refuse)
    monkeypatch.setattr(socket, "create_connection", lambda *a, **k: refuse(None, a))  # type: ignore[arg-type]
    return attempts


def test_fetcher_refuses_http_and_outside_files(no_network: list[object]) -> None:
    fetcher = LocalFetcher([])
    for url in ("https://example.org/a.png", "http://example.org/a.css", "ftp://example.org/x",
                "file:///etc/passwd", "file://server/share/a.png", "file:///work/../etc/passwd"):
        with pytest.raises(ValueError):
            fetcher.fetch(url)
    assert no_network == []
    font = print_css_context()["font_regular"]
    assert fetcher.fetch(font).read()[:4] in (b"\x00\x01\x00\x00", b"true", b"OTTO")
    assert fetcher.fetch("data:text/plain,bonjour").read() == b"bonjour"


def test_an_image_of_the_site_is_drawn_from_memory_and_only_its_own(no_network: list[object]) -> None:
    # The site's own images were left out of every fact sheet, "nothing is fetched from the network".
    from PIL import Image

    png = io.BytesIO()
    Image.new("RGB", (80, 60), "green").save(png, format="PNG")
    site_url = "https://vigie.example.org/campagne/"
    html = ('<!DOCTYPE html><html lang="fr"><head><title>T</title></head><body><p>Avant</p>'
            f'<img src="{site_url}assets/img/carr%C3%A9.0a1b2c3d4e.png" alt="Un carré vert">'
            f'<img src="{site_url}assets/img/absent.png" alt="Absent"></body></html>')
    result = render_pdf(html, base_url=site_url + "fr/", site_url=site_url,
                        site_files={"assets/img/carré.0a1b2c3d4e.png": png.getvalue()})
    assert no_network == []
    assert sum(len(page.images) for page in pypdf.PdfReader(io.BytesIO(result.data)).pages) == 1
    assert [w.text() for w in result.warnings] == [
        "the PDF leaves out https://vigie.example.org/campagne/assets/img/absent.png (the site makes no such file)"]


def test_remote_image_is_left_out_with_a_warning(no_network: list[object],
                                                 caplog: pytest.LogCaptureFixture) -> None:
    html = ('<!DOCTYPE html><html lang="fr"><head><title>T</title>'
            '<link rel="stylesheet" href="https://example.org/evil.css"></head><body>'
            '<p>Avant</p><img src="https://example.org/tracker.png" alt="Image distante"><p>Après</p></body></html>')
    with caplog.at_level(logging.WARNING):
        result = render_pdf(html, base_url="https://vigie.example.org/fr/")
    assert no_network == []
    assert result.pages == 1
    messages = [w.text() for w in result.warnings]
    assert any("tracker.png" in m and "network" in m for m in messages)
    assert any("evil.css" in m for m in messages)
    # WeasyPrint's own error about the refused image is not repeated
    assert not any(r.name.startswith("weasyprint") and "tracker.png" in r.getMessage() for r in caplog.records)
