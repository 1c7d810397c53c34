"""YAML mistakes told as what to do, at the line of the mistake, with PyYAML's own words kept after it."""

from __future__ import annotations

import pytest

from generator.core import messages
from generator.core.errors import SiteError
from generator.sources.yamlsource import parse_yaml


def _error(text: str, first_line: int = 1) -> SiteError:
    with pytest.raises(SiteError) as info:
        parse_yaml(text, "f.yaml", first_line=first_line)
    return info.value


@pytest.mark.parametrize(("text", "line", "advice"), [
    ("title: x\nhelp:\n\t- a\n", 3, "line 3 uses a tab: indent with spaces (YAML: "),
    ("a:\n  b: 1\n\tc: 2\n", 3, "line 3 uses a tab: indent with spaces"),
    ("l:\n  -\tx\n", 2, "line 2 uses a tab"),
    ("title: Rapport: les chiffres\n", 1,
     "the ':' inside the value makes YAML read a new key; put the value in quotes: title: \"Rapport: les chiffres\""),
    ("label:\n  fr: Il a dit \"oui\": non\n", 2, "put the value in quotes: fr: 'Il a dit \"oui\": non'"),
    ("title: Note:\n", 1, "put the value in quotes: title: \"Note:\""),
    ("tags:\n  - a\n  -b\n", 3, "line 3: put a space after '-' to start a list item; write - b"),
    ("help:\n  -name: x\n   phone: 1\n", 2, "put a space after '-'"),
    ("title:x\ndate: 2022-01-01\n", 1, "line 1: put a space after ':' in 'title:x'; write title: x"),
    ("a: 1\ntitle:x\n", 2, "put a space after ':' in 'title:x'"),
    ("source:\n  publisher:A\n  url: b\n", 2, "write publisher: A"),
    ("title: \"abc\ndate: 1\n", 1, "the text opened with \" on line 1 is never closed"),
    ("title: 'L'enfant en ligne'\n", 1, "write it: title: \"L'enfant en ligne\""),
    ("title: \"Il a dit \"oui\"\"\n", 1, "write it: title: 'Il a dit \"oui\"'"),
    ("tags: [a, b\ndate: 1\n", 1, "the list opened with '[' on line 1 is not closed"),
    ("title: [x] y\n", 1, "is read as a list; put the whole value in quotes: title: \"[x] y\""),
    ("title: @home\n", 1, "a value cannot start with '@'; put it in quotes: title: \"@home\""),
    ("title: *x\n", 1, "a value cannot start with '*'"),
    ("title\ndate: 1\n", 1, "add ':' and the value after 'title'"),
    ("a: 1\n---\nb: 2\n", 2, "'---' starts a second document"),
])
def test_a_yaml_mistake_says_what_to_do_on_its_line(text: str, line: int, advice: str) -> None:
    err = _error(text)
    assert err.line == line
    assert advice in err.message
    assert "(YAML: " in err.message


@pytest.mark.parametrize(("text", "line", "advice"), [
    ("tags:\n  -a\n", 2, "line 2: put a space after '-' to start a list item; write - a"),
    ("title:x\n", 1, "line 1: put a space after ':' in 'title:x'"),
    ("source:\n  publisher:A\n", 2, "put a space after ':' in 'publisher:A'"),
    ("tags:\n  - a\n   - b\n", 3, "line 3 starts a list item but is indented more than the item above"),
    ("label:\n  fr: Une phrase\n    -avec\n", 3, "put a space after '-'"),
    # YAML 1.1 reads no (the code of Norwegian) as false: the text was published under the language "False"
    ("title:\n  fr: Veille\n  no: Vakt\n", 3, "YAML reads the key 'no' as false: write it in quotes, \"no\":"),
    ("locales: {fr: fr_FR, No: nb_NO}\n", 1, "YAML reads the key 'No' as false"),
    # an unquoted colour is a comment to YAML: the default colour was used, or a contrast error named it
    ("colors:\n  background: #ffffff\n", 2, 'YAML reads #ffffff as a comment, and the value as empty: put the colour '
                                          'in quotes, "#ffffff"'),
])
def test_a_mistake_yaml_reads_without_a_word_is_an_error_too(text: str, line: int, advice: str) -> None:
    err = _error(text)
    assert (err.line, advice in err.message) == (line, True)


@pytest.mark.parametrize("text", [
    "links:\n  - mailto:x@y.org\n  - https://a.org/b:c\n",
    "url: https://x.org/a:b\ntime: 10:30\n",
    "label:\n  fr: Une phrase\n    qui continue - oui\n",
    "a:\n  - -5\n  - -a\n",
    "title: \"a: b\"\ntags: [x, 'y: z']\n",
    "title: L'enfant\nquote: 'it''s'\n",
    'title: {fr: Veille, "no": Vakt}\ndraft: no\n',
    'colors:\n  background: "#ffffff"  # white\nnote: # nothing yet\n',
])
def test_correct_yaml_is_read_without_complaint(text: str) -> None:
    assert isinstance(parse_yaml(text, "f.yaml"), dict)


def test_a_bad_indentation_shows_the_line_and_the_one_above_with_a_caret() -> None:
    err = _error("value: 7\nsource:\n    publisher: A\n  url: b\n")
    first, *shown = err.message.split("\n")
    assert err.line == 4
    assert first.startswith("line 4 does not line up with line 3") and first.endswith("(YAML: did not find expected key)")
    assert shown == ["  3 |     publisher: A", "  4 |   url: b", "    |   ^"]


def test_more_indented_than_the_line_above() -> None:
    err = _error("title: x\n  date: 2022\n")
    assert err.line == 2 and err.message.startswith("line 2 is indented more than line 1")
    assert err.message.endswith("  1 | title: x\n  2 |   date: 2022\n    |   ^")


def test_front_matter_lines_are_the_lines_of_the_markdown_file() -> None:
    err = _error("title: Bonjour\ntags:\n  - a\n  -b\n", first_line=2)
    assert err.line == 5 and "line 5: put a space after '-'" in err.message
    err = _error("title: x\n  date: 2022\n", first_line=2)
    assert err.line == 3 and "  2 | title: x\n  3 |   date: 2022" in err.message
    err = _error("tags:\n  -a\n", first_line=2)
    assert err.line == 3 and "line 3:" in err.message


def test_the_advice_speaks_french_and_keeps_pyyaml_words() -> None:
    try:
        messages.activate("fr")
        err = _error("title: x\nhelp:\n\t- a\n")
        assert err.message == ("la ligne 3 contient une tabulation : faites le retrait avec des espaces "
                               "(YAML : found character that cannot start any token)")
    finally:
        messages.activate("en")


@pytest.mark.parametrize(("text", "line", "advice", "meant"), [
    ('title: "C:\\Users\\partage"\n', 1, "use single quotes: title: 'C:\\Users\\partage'", {"title": "C:\\Users\\partage"}),
    ('tags:\n  - "a\\qb"\n', 2, "use single quotes: - 'a\\qb'", {"tags": ["a\\qb"]}),
    ("title: \"l'\\q\"\n", 1, "use single quotes: title: 'l''\\q'", {"title": "l'\\q"}),
    ('title: "dit \\"oui\\" \\q \\\\r \\n"\n', 1, 'write it twice: title: "dit \\"oui\\" \\\\q \\\\r \\n"',
     {"title": 'dit "oui" \\q \\r \n'}),
    ('label: {fr: "fille \\ud83d\\udc67", en: girl}\n', 1, 'write the character itself: label: {fr: "fille 👧", en: girl}',
     {"label": {"fr": "fille 👧", "en": "girl"}}),
])
def test_a_backslash_yaml_cannot_read_between_double_quotes_gets_a_line_that_means_the_same(
        text: str, line: int, advice: str, meant: object) -> None:
    """A Windows path, or an emoji as JSON writes it: the line the message gives reads as what was meant."""
    err = _error(text)
    assert (err.line, advice in err.message) == (line, True), err.message
    assert "ends the text" not in err.message
    fixed = err.message.split(": ", 1)[1].rsplit(" (YAML", 1)[0].split(": ", 1)[1]
    assert parse_yaml(text.replace(text.splitlines()[line - 1], fixed), "f.yaml", first_line=1) == meant


def test_a_merge_key_brings_in_the_anchor_s_keys_and_the_mapping_s_own_win() -> None:
    # It said "line 3 is indented more than line 2" and, written {<<: *d}, advised quotes around the value.
    data = parse_yaml("d: &d {fr: A, en: B}\npublisher:\n  <<: *d\n  en: C\nother: {<<: *d}\n", "f.yaml")
    assert dict(data["publisher"]) == {"fr": "A", "en": "C"} and dict(data["other"]) == {"fr": "A", "en": "B"}
    assert data["publisher"].line_of("en") == 4
    with pytest.raises(SiteError, match="the key 'en' appears twice"):  # the mapping's own keys, still checked
        parse_yaml("d: &d {fr: A}\np:\n  <<: *d\n  en: B\n  en: C\n", "f.yaml")


@pytest.mark.parametrize("space", ["\u00a0", "\u202f"])
def test_a_no_break_space_before_a_key_s_colon_is_taken_as_yaml_takes_an_ordinary_one(space: str) -> None:
    # "label :" typed with a French keyboard's no-break space: "unknown key 'label '" (the space invisible in the
    # message) and "missing 'label'" at line 1.
    data = parse_yaml(f"value: 97\nlabel{space}:\n  fr: des filles\n", "content/facts/x.yaml")
    assert list(data) == ["value", "label"] and data.line_of("label") == 2


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-le", "utf-16-be"])
def test_a_file_saved_as_utf16_is_told_to_be_saved_as_utf8_with_or_without_its_mark(encoding: str) -> None:
    # Without its byte-order mark it was "a binary file, not text; remove it or move it to assets/": the advice
    # was to delete the editor's figure.
    from generator.sources.yamlsource import decode_text

    with pytest.raises(SiteError, match="the file is saved as UTF-16; save it again as UTF-8"):
        decode_text("value: 7\nlabel: {fr: victimes, en: victims}\n".encode(encoding), "content/facts/x.yaml")
    with pytest.raises(SiteError, match="binary file"):
        decode_text(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00", "content/facts/x.yaml")
