"""Tests for the social card images (generator/cards.py)."""

from __future__ import annotations

import io
import re
import logging
from dataclasses import replace
from pathlib import Path

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st
from PIL import Image

from generator.core.cache import keyed_name
from generator.media.cards import CardCache, CardSpec, card_key, contrast_ratio, draw_image, render_card
from generator.model.plan import CARD_SIZES
from generator.core.errors import SiteError
from generator.model import Colors

NNBSP = "\u202f"

LABEL_200 = (
    "victimes identifiées en moyenne chaque jour grâce à la base de données ICSE d'INTERPOL, "
    "qui permet aux enquêteurs de soixante-huit pays de comparer les images et vidéos saisies, "
    "selon le rapport annuel"
)[:200]


def make_spec(**changes: object) -> CardSpec:
    spec = CardSpec(
        fact_id="auteurs-identifies",
        source_path="content/facts/auteurs-identifies.yaml",
        figure=f"plus de 12{NNBSP}500",
        label="auteurs d'abus identifiés grâce à la base ICSE depuis sa mise en service",
        source_line="Source : INTERPOL, 25 mai 2022",
        site_name="Vigie",
        site_url="vigie.example.org/fr/chiffres/auteurs-identifies/",
        colors=Colors(),
        lang="fr",
    )
    return replace(spec, **changes)  # type: ignore[arg-type]


def open_png(data: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(data))
    image.load()
    return image


@pytest.mark.parametrize("name", sorted(CARD_SIZES))
def test_sizes(name: str) -> None:
    size = CARD_SIZES[name]
    data = render_card(make_spec(), size)
    assert data.startswith(b"\x89PNG\r\n\x1a\n")
    image = open_png(data)
    assert image.format == "PNG"
    assert image.size == size
    assert image.mode == "RGB"


def test_card_sizes_constant() -> None:
    assert CARD_SIZES == {"card.png": (1200, 630), "card-square.png": (1080, 1080)}


@pytest.mark.parametrize("size", sorted(CARD_SIZES.values()))
def test_deterministic(size: tuple[int, int]) -> None:
    assert render_card(make_spec(), size) == render_card(make_spec(), size)


def test_no_metadata() -> None:
    image = open_png(render_card(make_spec(), (1200, 630)))
    assert not {k for k in image.info if k not in ("dpi", "gamma")}


def test_200_character_label_fits_both_sizes() -> None:
    assert len(LABEL_200) == 200
    spec = make_spec(label=LABEL_200, figure="plus de 300 millions")
    for size in CARD_SIZES.values():
        assert open_png(render_card(spec, size)).size == size


def test_absurdly_long_label_raises() -> None:
    label = ("les enquêteurs comparent les images saisies " * 30)[:1000]
    spec = make_spec(label=label)
    for w, h in CARD_SIZES.values():
        with pytest.raises(SiteError) as info:
            render_card(spec, (w, h))
        err = info.value
        assert "auteurs-identifies" in err.message
        assert err.source == "content/facts/auteurs-identifies.yaml"
        assert f"{w}×{h}" in err.message
        assert "shorten it to about" in err.message
        assert "content/facts/auteurs-identifies.yaml" in str(err)


@pytest.mark.parametrize(
    ("field", "char", "part"),
    [
        ("label", "字", "label"),
        ("label", "🙂", "label"),
        ("figure", "字", "figure"),
        ("source_line", "字", "source line"),
        ("site_name", "字", "site name"),
        ("site_url", "字", "site address"),
    ],
)
def test_missing_glyph_raises(field: str, char: str, part: str) -> None:
    spec = make_spec()
    spec = replace(spec, **{field: getattr(spec, field) + " " + char})
    with pytest.raises(SiteError) as info:
        render_card(spec, (1200, 630))
    message = info.value.message
    assert "auteurs-identifies" in message
    assert f"'{char}'" in message
    assert f"U+{ord(char):04X}" in message
    assert f"in the {part}" in message
    assert info.value.source == "content/facts/auteurs-identifies.yaml"


def test_narrow_no_break_spaces_render() -> None:
    spec = make_spec(
        figure=f"72{NNBSP}%",
        label=f"des 12{NNBSP}500 victimes\u00a0: «{NNBSP}identifiées{NNBSP}» en 2022\u2009!",
    )
    for size in CARD_SIZES.values():
        assert open_png(render_card(spec, size)).size == size


def test_narrow_gap_is_narrower_than_a_space() -> None:
    """U+202F is drawn as a narrow gap: the figure is narrower than with a normal space."""

    def ink_width(figure: str) -> int:
        image = open_png(render_card(make_spec(figure=figure, label=""), (1200, 630)))
        accent = (0xFF, 0xD1, 0x66)
        # The figure row: between the accent bar and the label.
        xs = [
            x
            for y in range(120, 330)
            for x in range(0, 1200, 2)
            if image.getpixel((x, y)) == accent
        ]
        return max(xs) - min(xs)

    assert ink_width(f"12{NNBSP}500") < ink_width("12 500")
    assert ink_width(f"12{NNBSP}500") > ink_width("12500")


def test_contrast_ratio() -> None:
    assert contrast_ratio("#000000", "#ffffff") == pytest.approx(21.0)
    assert contrast_ratio("#ffffff", "#000000") == pytest.approx(21.0)
    assert contrast_ratio("#777777", "#ffffff") == pytest.approx(4.48, abs=0.01)
    assert contrast_ratio("#777", "#fff") == pytest.approx(4.48, abs=0.01)
    assert contrast_ratio("#1d3557", "#1d3557") == pytest.approx(1.0)


def test_low_contrast_colors_raise() -> None:
    spec = make_spec(colors=Colors(background="#ffffff", foreground="#aaaaaa", accent="#1d3557", line=29))
    with pytest.raises(SiteError) as info:
        render_card(spec, (1200, 630))
    err = info.value
    assert (err.source, err.line) == ("site.yaml", 29)  # the line of colors: in site.yaml
    assert "colors: text colour #aaaaaa on #ffffff has contrast 2.32:1" in err.message
    assert "WCAG needs at least 4.5:1" in err.message


def test_low_contrast_is_told_in_french_with_french_numbers(french: None) -> None:
    spec = make_spec(colors=Colors(background="#ffffff", foreground="#aaaaaa", accent="#1d3557"))
    with pytest.raises(SiteError) as info:
        render_card(spec, (1200, 630))
    assert info.value.message == ("colors : la couleur du texte #aaaaaa sur #ffffff a un contraste de 2,32:1 sur les "
                                  "visuels des chiffres ; WCAG demande au moins 4,5:1")


@pytest.mark.parametrize(("kind", "part"), [("fact", "le libellé"), ("site", "la description")])
def test_a_missing_glyph_is_told_in_french_with_the_part_it_is_in(french: None, kind: str, part: str) -> None:
    spec = replace(make_spec(), kind=kind, label="Vigie 字 🙂")  # type: ignore[arg-type]
    with pytest.raises(SiteError) as info:
        render_card(spec, (1200, 630))
    sentence = (f"la police des visuels (Atkinson Hyperlegible) n'a pas de glyphe pour '字' (U+5B57), '🙂' (U+1F642) "
                f"dans {part} ; remplacez ou supprimez ces caractères")
    assert info.value.message == (sentence if kind == "site" else f"chiffre 'auteurs-identifies' (fr) : {sentence}")


def test_several_missing_glyphs_are_them_in_english() -> None:
    with pytest.raises(SiteError, match=r"in the label; replace or remove them$"):
        render_card(replace(make_spec(), label="字 🙂"), (1200, 630))


def test_contrast_just_below_threshold_is_not_rounded_up() -> None:
    spec = make_spec(colors=Colors(background="#ffffff", foreground="#777777", accent="#1d3557"))
    with pytest.raises(SiteError, match=r"contrast 4\.47:1"):
        render_card(spec, (1200, 630))


def test_invalid_colour_raises() -> None:
    with pytest.raises(SiteError, match="not a colour"):
        render_card(make_spec(colors=Colors(background="navy")), (1200, 630))


def test_low_contrast_accent_falls_back_to_foreground() -> None:
    colors = Colors(background="#ffffff", foreground="#111111", accent="#ffff00")
    image = open_png(render_card(make_spec(colors=colors, label=""), (1200, 630)))
    pixels = {image.getpixel((x, y)) for y in range(0, 630, 3) for x in range(0, 1200, 3)}
    assert (0xFF, 0xFF, 0x00) not in pixels
    assert (0x11, 0x11, 0x11) in pixels


@pytest.mark.parametrize("size", sorted(CARD_SIZES.values()))
def test_text_is_drawn(size: tuple[int, int]) -> None:
    w, h = size
    image = open_png(render_card(make_spec(), size))
    background = (0x1D, 0x35, 0x57)
    foreground = (0xFF, 0xFF, 0xFF)
    accent = (0xFF, 0xD1, 0x66)
    # Margins are empty: each strip along an edge holds the background colour only.
    margin = 60
    for strip in ((0, 0, w, margin), (0, h - margin, w, h), (0, 0, margin, h), (w - margin, 0, w, h)):
        assert [colour for _, colour in image.crop(strip).getcolors(maxcolors=w * h)] == [background], strip
    # The figure in the accent colour, the label in the text colour, plus anti-aliasing.
    counts = {colour: count for count, colour in image.getcolors(maxcolors=w * h)}
    assert counts[accent] > 5000
    assert counts[foreground] > 2000
    assert len(counts) > 50


def test_card_key() -> None:
    spec = make_spec()
    key = card_key(spec, (1200, 630))
    assert len(key) == 64 and int(key, 16) >= 0
    assert key == card_key(make_spec(), (1200, 630))
    assert key != card_key(spec, (1080, 1080))
    assert key != card_key(make_spec(label="autre"), (1200, 630))
    assert key != card_key(make_spec(colors=Colors(accent="#ffffff")), (1200, 630))
    assert key != card_key(make_spec(site_url="example.org/"), (1200, 630))
    assert key != card_key(make_spec(as_of="situation en mai 2022"), (1200, 630))
    # Paths only appear in error messages: moving the site keeps the cache.
    assert key == card_key(make_spec(source_path="/elsewhere/x.yaml"), (1200, 630))


def test_cache(tmp_path: Path) -> None:
    folder = tmp_path / "site" / ".vigie-cache" / "cards"
    cache = CardCache(folder)
    spec = make_spec()
    first = cache.get_or_render(spec, (1200, 630))
    assert cache.drawn == 1
    assert (folder / f"{keyed_name(card_key(spec, (1200, 630)))}.png").read_bytes() == first
    assert cache.get_or_render(spec, (1200, 630)) == first
    assert cache.drawn == 1
    # A fresh cache object on the same folder reads from disk.
    again = CardCache(folder)
    assert again.get_or_render(spec, (1200, 630)) == first
    assert again.drawn == 0
    # A changed label draws again.
    cache.get_or_render(make_spec(label="autre chose"), (1200, 630))
    assert cache.drawn == 2
    assert sorted(p.suffix for p in folder.iterdir()) == [".png", ".png"]


def test_cache_redraws_a_damaged_file(tmp_path: Path) -> None:
    cache = CardCache(tmp_path)
    spec = make_spec()
    good = cache.get_or_render(spec, (1200, 630))
    path = tmp_path / f"{keyed_name(card_key(spec, (1200, 630)))}.png"
    path.write_bytes(good[:100])
    assert cache.get_or_render(spec, (1200, 630)) == good
    assert cache.drawn == 2
    assert path.read_bytes() == good


def test_cache_unwritable_folder_warns(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("x")
    cache = CardCache(blocker / "cards")
    with caplog.at_level(logging.WARNING, logger="generator.media.cards"):
        data = cache.get_or_render(make_spec(), (1200, 630))
        cache.get_or_render(make_spec(label="autre"), (1200, 630))
    assert open_png(data).size == (1200, 630)
    assert cache.drawn == 2
    assert len([r for r in caplog.records if r.levelno == logging.WARNING]) == 1


def test_cache_errors_are_not_cached(tmp_path: Path) -> None:
    cache = CardCache(tmp_path)
    with pytest.raises(SiteError):
        cache.get_or_render(make_spec(label="字"), (1200, 630))
    assert list(tmp_path.iterdir()) == []


def test_decomposed_and_composed_letters() -> None:
    """NFD input is normalised; a letter the font lacks precomposed is drawn from base + mark."""
    label = "identifie\u0301es Ũ « citation » : oui !"
    for size in CARD_SIZES.values():
        assert open_png(render_card(make_spec(label=label), size)).size == size


def test_whitespace_is_normalised() -> None:
    a = render_card(make_spec(label="auteurs  d'abus\nidentifiés\t grâce"), (1200, 630))
    b = render_card(make_spec(label="auteurs d'abus identifiés grâce"), (1200, 630))
    assert a == b


WORD = st.text(alphabet=st.sampled_from("abcdefghijklmnopqrstuvwxyzéèàçÉÀWMjgpq'’,.:;!?«»%0123456789-"),
               min_size=1, max_size=20)
#: A word, optionally glued to a short one by a no-break space ("12 500", "72 %"), then a breaking space.
CHUNK = st.tuples(
    WORD,
    st.sampled_from(["", "\u202f", "\u00a0"]),
    st.text(alphabet=st.sampled_from("0123456789%:;!?»"), max_size=4),
    st.sampled_from([" ", " ", "\n", "\t"]),
)


@settings(max_examples=25, deadline=None)
@given(
    chunks=st.lists(CHUNK, max_size=60),
    figure=st.sampled_from([f"72{NNBSP}%", f"plus de 12{NNBSP}500", "29,4 millions", "plus de 300 millions", "1"]),
)
def test_any_label_up_to_200_characters_fits(chunks: list[tuple[str, str, str, str]], figure: str) -> None:
    """Layout never leaves the margins (drawing checks every text box) and 200 characters fit.

    The cards are drawn, not encoded as PNG (the same for any text, and most of the time of a card)."""
    label = "".join(word + (glue + short if short else "") + space for word, glue, short, space in chunks)[:200]
    for size in CARD_SIZES.values():
        assert draw_image(make_spec(label=label, figure=figure), size).size == size


ARABIC_WORD = st.text(alphabet=st.sampled_from("\u0627\u0623\u0625\u0622\u0628\u062a\u062c\u062d\u062e\u062f\u0631"
                                                "\u0633\u0635\u0637\u0639\u0642\u0643\u0644\u0645\u0646\u0647"
                                                "\u0648\u064a\u0649\u0629\u060c\u061f0123456789%"
                                                # the vowel marks, tanwin, shadda, hamza below, dagger alif,
                                                # and letters of Persian and Urdu written in Arabic script
                                                "\u064b\u064c\u064d\u064e\u064f\u0650\u0651\u0652\u0655\u0670"
                                                "\u067e\u0686\u06af\u06cc\u06d2\u06d0"),
                     min_size=1, max_size=14)


def test_a_zero_width_non_joiner_keeps_persian_letters_apart_and_draws_nothing_elsewhere() -> None:
    # Persian writes می‌دهد with U+200C between the two parts; dropped, the card drew the misspelt میدهد.
    persian = [render_card(make_spec(label=label, lang="fa", figure="۹۷٪"), (1200, 630))
               for label in ("نشان می\u200cدهد", "نشان میدهد")]
    assert persian[0] != persian[1]
    latin = [render_card(make_spec(label=label), (1200, 630)) for label in ("auteurs\u200c d'abus", "auteurs d'abus")]
    assert latin[0] == latin[1]


@settings(max_examples=30, deadline=None)
@example(words=["0"], name=["\u062c\u0650"], kind="fact")  # a kasra under a jim, below the sample letters (CI, stop 20)
@example(words=["0", "0", "00", "00000000", "000000000", "0000000000", "00000000000", "0", "0000", "00000", "0000000",
                "000000000\u06280\u06d0", "0"], name=["0"], kind="fact")  # balanced lines ending on a deep ې (CI, stop 22)
@example(words=["0", "0", "00", "00000000", "000000000", "0000000000", "00000000000", "0", "0000", "00000", "0000000",
                "000000000\u06280\u06d0", "0"], name=["0"], kind="site")
@given(words=st.lists(ARABIC_WORD, min_size=1, max_size=25), name=st.lists(ARABIC_WORD, min_size=1, max_size=4),
       kind=st.sampled_from(["fact", "site"]))
def test_any_arabic_card_stays_inside_its_margins(words: list[str], name: list[str], kind: str) -> None:
    """Arabic letters reach lower than Latin ones (ي ج ع and kasra): footer and label keep their room.
    drawing raises an AssertionError when any text box leaves the margins."""
    label = " ".join(words)[:200]
    spec = make_spec(label=label, lang="ar", site_name=" ".join(name), figure="12\u066c500", kind=kind)
    for size in CARD_SIZES.values():
        assert draw_image(spec, size).size == size


#: Words of Cyrillic and Greek: capitals with marks above (Й Ї Ґ Ά), letters reaching below (щ ц д у ρ φ ψ).
CYRILLIC_OR_GREEK_WORD = st.text(alphabet=("абвгдежзийклмнопрстуфхцчшщъыьэюяёіїєґ"
                                           "АБВГДЕЖЗИЙКЛМНОПРСТУФХЦЧШЩЪЫЬЭЮЯЁІЇЄҐ"
                                           "αβγδεζηθικλμνξοπρστυφχψωάέήίόύώϊϋΐΰ"
                                           "ΑΒΓΔΕΖΗΘΙΚΛΜΝΞΟΠΡΣΤΥΦΧΨΩΆΈΉΊΌΎΏ0123456789%"),
                                 min_size=1, max_size=14)


@settings(max_examples=20, deadline=None)
@given(words=st.lists(CYRILLIC_OR_GREEK_WORD, min_size=1, max_size=25),
       name=st.lists(CYRILLIC_OR_GREEK_WORD, min_size=1, max_size=4), lang=st.sampled_from(["ru", "uk", "bg", "el"]))
def test_any_cyrillic_or_greek_card_is_drawn_inside_its_margins(words: list[str], name: list[str], lang: str) -> None:
    """A Russian or Greek site could have no figure at all: the card font has no Cyrillic or Greek letter.
    Noto Sans draws them; drawing raises an AssertionError when any text box leaves the margins."""
    spec = make_spec(label=" ".join(words)[:200], lang=lang, site_name=" ".join(name), figure="12\u00a0500")
    for size in CARD_SIZES.values():
        assert draw_image(spec, size).size == size


#: Letters of the other scripts drawn with a font of their own, with the marks that reach highest and lowest:
#: Hebrew (ל above, ק ף ץ ן below, vowel points), Devanagari (ि ी ँ above, ु ू ृ ् below and conjuncts),
#: Tamil (ி ீ above, ு ூ), Telugu (vowel signs above, ్ and the conjuncts it makes below).
SCRIPT_ALPHABETS = {
    "he": "אבגדהוזחטיכךלמםנןסעפףצץקרשת\u05b0\u05b4\u05b7\u05b8\u05bc0123456789%",
    "hi": "अआइईउऊएऐओऔकखगघचछजझटठडढणतथदधनपफबभमयरलवशषसहािीुूृेैोौंःँ्ॐ०१२३४५६७८९0123456789%",
    "ta": "அஆஇஈஉஊஎஏஐஒஓஔகஙசஞடணதநபமயரலவழளறனஷஸஹாிீுூெேைொோௌ்0123456789%",
    "te": "అఆఇఈఉఊఎఏఐఒఓకఖగఘచజటడతదనపబమయరలవశషసహాిీుూృెేైొోౌ్ం0123456789%",
}


@settings(max_examples=30, deadline=None)
@given(data=st.data(), lang=st.sampled_from(sorted(SCRIPT_ALPHABETS)))
def test_any_hebrew_devanagari_tamil_or_telugu_card_is_drawn_inside_its_margins(data: st.DataObject,
                                                                                lang: str) -> None:
    """A Hebrew or Hindi site could have no figure at all (no glyph in the card font): Heebo and the Noto Sans
    of each script draw them, shaped; drawing raises an AssertionError when any text box leaves the margins."""
    word = st.text(alphabet=SCRIPT_ALPHABETS[lang], min_size=1, max_size=14)
    words, name = data.draw(st.lists(word, min_size=1, max_size=25)), data.draw(st.lists(word, min_size=1, max_size=4))
    spec = make_spec(label=" ".join(words)[:200], lang=lang, site_name=" ".join(name), figure="12\u00a0500")
    for size in CARD_SIZES.values():
        assert draw_image(spec, size).size == size


@pytest.mark.parametrize(("lang", "label"), [
    ("he", "\u05de\u05e7\u05e8\u05d9\u05dd \u05d1\u05e9\u05e0\u05d4"),  # מקרים בשנה
    ("hi", "\u092e\u093e\u092e\u0932\u0947 \u0939\u0930 \u0938\u093e\u0932"),  # मामले हर साल
    ("mr", "\u092a\u094d\u0930\u0915\u0930\u0923\u0947"),  # प्रकरणे
    ("ta", "\u0bb5\u0bb4\u0b95\u0bcd\u0b95\u0bc1\u0b95\u0bb3\u0bcd"),  # வழக்குகள்
    ("te", "\u0c15\u0c47\u0c38\u0c41\u0c32\u0c41"),  # కేసులు
])
def test_a_card_in_hebrew_or_an_indian_script_is_drawn_with_its_own_font(lang: str, label: str) -> None:
    # The card font has none of these letters: the build stopped with "no glyph for ...; replace or remove them".
    drawn = render_card(make_spec(label=label, lang=lang), (1200, 630))
    assert open_png(drawn).size == (1200, 630)
    assert drawn != render_card(make_spec(label=label + label[0], lang=lang), (1200, 630))


@pytest.mark.parametrize(("lang", "label", "name"), [("th", "\u0e1c\u0e39\u0e49\u0e40\u0e2a\u0e35\u0e22\u0e2b\u0e32\u0e22", "Thai"),
                                               ("zh", "\u53d7\u5bb3\u8005", "Chinese")])
def test_a_language_without_a_card_font_is_named_instead_of_asking_to_remove_its_letters(
        lang: str, label: str, name: str) -> None:
    # "no glyph for ...; replace or remove them": advice no editor of a Thai or Chinese site could follow.
    with pytest.raises(SiteError, match=rf"\({lang}\): Vigie has no card font for {name} yet: no card of this "
                                        r"language can be drawn \('.*in the label\)") as raised:
        render_card(make_spec(label=label, lang=lang), (1200, 630))
    assert "replace or remove" not in str(raised.value)
    with pytest.raises(SiteError, match="replace or remove it"):  # a symbol on a card of a language it has
        render_card(make_spec(label="victimes \u2603", lang="fr"), (1200, 630))


def test_a_right_to_left_line_that_starts_with_a_latin_word_reads_right_to_left(
        monkeypatch: pytest.MonkeyPatch) -> None:
    # A wrapped line starting with "Facebook Messenger" was laid out left to right: the Latin words at the left
    # edge, the Hebrew ones after them, in the wrong order. An address and a Latin source line keep their own.
    from generator.media import cards

    label = "רוב הדיווחים הגיעו NCMEC WhatsApp Instagram Facebook Messenger של אנשים רבים מאוד בעולם"
    assert cards._draw_kw("NCMEC) – 29.4 מיליון", "he", True).get("direction") == "rtl"
    assert "direction" not in cards._draw_kw("vigie.example.org/he/x/", "he", True)
    assert "direction" not in cards._draw_kw("מיליון", "fr", False)
    drawn = render_card(make_spec(label=label, lang="he", figure="72%"), (1200, 630))
    monkeypatch.setattr(cards, "_draw_kw", lambda run, lang, rtl: cards._lang_kw(lang))
    assert drawn != render_card(make_spec(label=label, lang="he", figure="72%"), (1200, 630))


def test_a_site_card_titled_in_arabic_keeps_its_footer_in_the_margins() -> None:
    """The site card of a new Arabic site ('My prevention site'), whose footer letters descend deepest."""
    spec = site_spec("\u0645\u0648\u0642\u0639\u064a \u0644\u0644\u0648\u0642\u0627\u064a\u0629", lang="ar",
                     source_line="\u0645\u0648\u0642\u0639\u064a \u0644\u0644\u0648\u0642\u0627\u064a\u0629")
    for size in CARD_SIZES.values():
        assert open_png(render_card(spec, size)).size == size


def test_a_word_too_wide_for_a_line_is_named() -> None:
    # A Tamil label with one long compound word was told "shorten it to about 0 characters".
    word = "பாதுகாப்பு" * 7
    with pytest.raises(SiteError, match=rf"the word '{word}' of the label is too wide for one line of the 1200×630 "
                                        r"card even at \d+px; shorten it, or split it with a space or a hyphen"):
        render_card(make_spec(label=f"குழந்தைகள் {word} மீது", lang="ta"), (1200, 630))


def test_too_wide_figure_raises() -> None:
    with pytest.raises(SiteError, match=r"fact 'auteurs-identifies' \(fr\): the figure .* is too wide"):
        render_card(make_spec(figure="plus de trois cent cinquante millions de milliards"), (1200, 630))


def test_card_without_footer_texts() -> None:
    spec = make_spec(source_line="", site_name="", site_url="")
    assert open_png(render_card(spec, (1200, 630))).size == (1200, 630)


def test_as_of_is_drawn_after_the_label() -> None:
    dated = make_spec(as_of="situation en mai 2022")
    assert render_card(dated, (1200, 630)) != render_card(make_spec(), (1200, 630))
    assert render_card(dated, (1200, 630)) == render_card(
        make_spec(label=make_spec().label + " (situation en mai 2022)"), (1200, 630))


def test_a_label_too_long_with_its_date_says_how_much_room_is_left() -> None:
    long = make_spec(label=" ".join(["mot"] * 200))
    with pytest.raises(SiteError) as undated:
        render_card(long, (1200, 630))
    with pytest.raises(SiteError) as dated:
        render_card(replace(long, as_of="situation en mai 2022"), (1200, 630))
    fits = int(re.search(r"about (\d+) characters", undated.value.message).group(1))  # type: ignore[union-attr]
    left = int(re.search(r"about (\d+) characters", dated.value.message).group(1))  # type: ignore[union-attr]
    assert left < fits


# --------------------------------------------------------------------------- the site's own card

NGO_TITLE = "Association française pour la protection de l'enfance en ligne"
TITLE_120 = ("Fédération nationale des associations de protection de l'enfance et de la jeunesse, "
             "en ligne et hors ligne, en Bourgogne")
LONG_WORD = "Kinderschutzorganisationsverbandsvorstand"
DESCRIPTION = ("Chiffres vérifiés, explications claires et contacts utiles pour comprendre les abus sexuels "
               "sur enfants en ligne, en parler et agir.")


def site_spec(title: str, description: str = DESCRIPTION, **changes: object) -> CardSpec:
    """The spec `Renderer.render_site_cards` makes for a title without ' – '."""
    spec = CardSpec(fact_id="site", source_path="site.yaml", figure=title, label=description,
                    source_line="Collectif Vigie", site_name="", site_url="vigie.example.org/fr", colors=Colors(),
                    lang="fr", kind="site")
    return replace(spec, **changes)  # type: ignore[arg-type]


def heading_lines(spec: CardSpec, size: tuple[int, int]) -> list[str]:
    """Return the lines of the card's heading (the bold text above the label) as laid out."""
    from generator.media.cards import _layout, _Prepared

    _, texts, _, _ = _layout(_Prepared.of(spec), size)
    return [t.text for t in texts if t.color == "figure"]


def test_titles_of_these_lengths_need_several_lines() -> None:
    assert len(NGO_TITLE) == 62 and len(TITLE_120) == 120 and " " not in LONG_WORD
    with pytest.raises(SiteError, match="too wide"):  # a figure stays on one line: these would not fit
        render_card(make_spec(figure=NGO_TITLE), (1200, 630))


@pytest.mark.parametrize("title", [NGO_TITLE, TITLE_120, LONG_WORD, "Vigie"])
@pytest.mark.parametrize("size", sorted(CARD_SIZES.values()))
def test_site_card_title_wraps_to_fit(title: str, size: tuple[int, int]) -> None:
    """render_card asserts that every line stays inside the margins."""
    spec = site_spec(title)
    assert open_png(render_card(spec, size)).size == size
    lines = heading_lines(spec, size)
    assert " ".join(lines) == title  # every word, in order, nothing cut
    assert len(lines) <= (4 if size == (1200, 630) else 5)
    if title in (NGO_TITLE, TITLE_120):
        assert len(lines) >= 2
        widths = [len(line) for line in lines]
        assert max(widths) - min(widths) <= max(widths) * 0.6  # balanced, not one word left alone


def test_site_card_without_description() -> None:
    spec = site_spec(NGO_TITLE, description="")
    assert open_png(render_card(spec, (1200, 630))).size == (1200, 630)
    assert " ".join(heading_lines(spec, (1200, 630))) == NGO_TITLE


def test_site_card_footer_is_publisher_and_address_on_one_row() -> None:
    from generator.media.cards import _layout, _Prepared

    _, texts, _, _ = _layout(_Prepared.of(site_spec(NGO_TITLE)), (1200, 630))
    footer = {t.text: t for t in texts if t.text in ("Collectif Vigie", "vigie.example.org/fr")}
    assert len(footer) == 2
    assert footer["Collectif Vigie"].baseline == footer["vigie.example.org/fr"].baseline
    assert footer["Collectif Vigie"].x < footer["vigie.example.org/fr"].x


@pytest.mark.parametrize(("title", "message"), [
    ("Association pour la protection de l'enfance " * 8, r"the title .* does not fit .* even on 4 lines at 40px"),
    ("Kinderschutz" * 8, r"the title .* does not fit"),
    ("Vigie 字", r"no glyph for '字' \(U\+5B57\) in the title"),
])
def test_site_card_says_what_is_truly_impossible(title: str, message: str) -> None:
    with pytest.raises(SiteError, match=message) as info:
        render_card(site_spec(title), (1200, 630))
    assert info.value.source == "site.yaml" and "fact '" not in info.value.message


def test_site_card_key_differs_from_a_fact_card_s() -> None:
    spec = site_spec("Vigie")
    assert card_key(spec, (1200, 630)) != card_key(replace(spec, kind="fact"), (1200, 630))


@pytest.mark.parametrize("size", sorted(CARD_SIZES.values()))
def test_fact_card_footer_wraps_a_long_site_name_on_two_lines(size: tuple[int, int]) -> None:
    from generator.media.cards import _layout, _Prepared

    spec = make_spec(site_name=TITLE_120)
    assert open_png(render_card(spec, size)).size == size
    _, texts, _, _ = _layout(_Prepared.of(spec), size)
    names = [t.text for t in texts if t.weight == "bold" and t.color == "text"]
    assert " ".join(names) == TITLE_120 and len(names) <= 2
    with pytest.raises(SiteError, match="site name and address do not fit"):
        render_card(make_spec(site_name=" ".join([TITLE_120] * 3)), size)


def _ink_columns(image: Image.Image, top: int, bottom: int) -> tuple[int, int]:
    """Return the first and last column with a pixel unlike the background, between two rows."""
    rgb = image.convert("RGB")
    background = rgb.getpixel((0, 0))
    columns = [x for x in range(rgb.width)
               if any(rgb.getpixel((x, y)) != background for y in range(top, bottom, 3))]
    return columns[0], columns[-1]


def test_arabic_cards_are_drawn_with_arabic_letters_from_the_right() -> None:
    size = CARD_SIZES["card.png"]
    arabic = make_spec(figure="أكثر من 12,500", label="بلاغ عولج خلال عام واحد",
                       source_line="المصدر: INTERPOL، 25 مايو 2022", site_name="مرصد", lang="ar")
    english = make_spec(figure="more than 12,500", label="reports handled in one year",
                        source_line="Source: INTERPOL, 25 May 2022", lang="en")
    ar_image, en_image = open_png(render_card(arabic, size)), open_png(render_card(english, size))
    margin = _ink_columns(en_image, 0, size[1])[0]
    # The accent bar, the first thing drawn from the top: at the start of the line, so right in Arabic.
    ar_bar, en_bar = _first_ink_row(ar_image), _first_ink_row(en_image)
    ar_bar_left, ar_bar_right = _ink_columns(ar_image, ar_bar, ar_bar + 1)
    en_bar_left, en_bar_right = _ink_columns(en_image, en_bar, en_bar + 1)
    assert en_bar_left == margin and en_bar_right < size[0] // 2
    assert ar_bar_right == size[0] - 1 - margin and ar_bar_left > size[0] // 2
    # The figure and label end at the right margin and start further in than the English ones.
    ar_left, ar_right = _ink_columns(ar_image, ar_bar + 10, size[1] // 2)
    assert size[0] - 1 - ar_right <= margin + 12 and ar_left > margin + 50  # (+ the last letter's side bearing)


def _first_ink_row(image: Image.Image) -> int:
    rgb = image.convert("RGB")
    background = rgb.getpixel((0, 0))
    return next(y for y in range(rgb.height) if any(rgb.getpixel((x, y)) != background for x in range(rgb.width)))


def test_arabic_card_without_its_font_package_is_a_clear_error(monkeypatch: pytest.MonkeyPatch) -> None:
    import generator.core.fonts as fonts

    monkeypatch.setitem(fonts.SCRIPT_FONTS, "Arab", ("fontpkg_not_installed_here", "x.ttf", "X"))
    with pytest.raises(SiteError, match="fontpkg-not-installed-here"):
        render_card(make_spec(figure="أكثر من 7", label="ضحايا", lang="ar"), CARD_SIZES["card.png"])


def test_a_publisher_isolated_in_a_right_to_left_source_line_is_drawn_as_one_piece() -> None:
    # The isolates around the Latin name draw nothing; without them the day sat beside the name:
    # "المصدر: 15 ،NCMEC مارس 2024", read right to left as "Source: 15 NCMEC, March 2024".
    size = CARD_SIZES["card.png"]
    plain = make_spec(figure="أكثر من 7", label="ضحايا", lang="ar", source_line="المصدر: NCMEC، 15 مارس 2024")
    isolated = make_spec(figure="أكثر من 7", label="ضحايا", lang="ar",
                         source_line="المصدر: \u2068NCMEC\u2069، 15 مارس 2024")
    assert render_card(isolated, size) != render_card(plain, size)
    drawn = open_png(render_card(isolated, size))
    assert drawn.size == size


@pytest.mark.parametrize(("lang", "figure", "label"), [
    ("vi", "hơn 2,4 triệu", "báo cáo về xâm hại tình dục trẻ em trực tuyến được tiếp nhận"),
    ("yo", "ju 7 lọ", "àwọn ọmọdé tí wọ́n ṣe ìdánimọ̀ wọn lójoojúmọ́"),
    ("az", "7-dən çox", "hər gün müəyyən edilən qurban"),
])
def test_a_latin_language_with_letters_atkinson_lacks_gets_cards_drawn_with_noto_sans(lang: str, figure: str,
                                                                                      label: str) -> None:
    # A Vietnamese site could not be built: "the card font (Atkinson Hyperlegible) has no glyph for 'ơ', 'ệ'",
    # letters of Vigie's own words ("hơn", "triệu") that no editor can remove.
    from generator.media.cards import card_script

    spec = make_spec(lang=lang, figure=figure, label=label, source_line="Nguồn: INTERPOL, 25/5/2022")
    image = open_png(render_card(spec, CARD_SIZES["card.png"]))
    assert image.size == CARD_SIZES["card.png"]
    assert card_script(lang) == "Latn-extended"
    assert card_script("fr") == card_script("de") == card_script("en") == "Latn"  # German's capital ẞ alone: no


@pytest.mark.parametrize(("lang", "source_line", "label"), [
    ("fr", "Source : Bộ Công an, 10 avril 2026", "enfants victimes"),  # a French and Vietnamese site's publisher
    ("de", "Quelle: INTERPOL, 25. Mai 2022", "GROẞE ZAHL"),
])
def test_a_latin_card_with_a_letter_atkinson_lacks_is_drawn_with_noto_sans(lang: str, source_line: str,
                                                                           label: str) -> None:
    # The publisher is one name for every language: a French and Vietnamese site could not be built, "the card
    # font (Atkinson Hyperlegible) has no glyph for 'ộ'", and no editor can change a publisher's name.
    from generator.media.cards import spec_script

    spec = make_spec(lang=lang, source_line=source_line, label=label)
    assert spec_script(spec) == "Latn-extended"
    assert open_png(render_card(spec, CARD_SIZES["card.png"])).size == CARD_SIZES["card.png"]
    assert spec_script(make_spec(lang=lang)) == "Latn"  # the other cards keep Atkinson Hyperlegible
