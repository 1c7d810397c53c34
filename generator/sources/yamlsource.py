"""YAML parsing that remembers line numbers, for errors that point at the line."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from generator.core.errors import CONTROL_RE, FILE_CONTROL_RE, SiteError, codepoint
from generator.core.messages import _
from generator.sources.files import read_file
from generator.sources.yamlerrors import excerpt, explain, plain_scalar_problem, with_yaml


class LineDict(dict[str, Any]):
    """A mapping from YAML that knows the line of itself and of each key."""

    line: int
    key_lines: dict[str, int]

    def line_of(self, key: str) -> int:
        """Return the line of a key, or of the mapping when the key is absent."""
        return self.key_lines.get(key, self.line)


class LineList(list[Any]):
    """A sequence from YAML that knows the line of itself and of each item."""

    line: int
    item_lines: list[int]


_BaseLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _Loader(_BaseLoader):  # type: ignore[valid-type,misc]
    """SafeLoader (libyaml's when available) whose mappings and lists carry line numbers (1-based)."""

    line_offset = 0
    lines: list[str] = []
    """The lines of the text parsed, to tell mistakes YAML reads without a word (see `_construct_str`)."""

    def construct_mapping(self, node: MappingNode, deep: bool = False) -> LineDict:
        seen: dict[Any, int] = {}
        for key_node, value_node in node.value:
            _refuse_colour_comment(self, key_node, value_node)
        own = {id(key_node) for key_node, _value in node.value}
        self.flatten_mapping(node)  # merge keys (<<: *defaults) first, as PyYAML does: the mapping's own keys win
        for key_node, _value in node.value:
            if id(key_node) not in own:  # merged in: a key written again below overrides it
                continue
            key = _plain_key(self.construct_object(key_node, deep=True))
            line = key_node.start_mark.line + 1 + self.line_offset
            if isinstance(key, bool):  # a language code such as no (Norwegian): no key of a site is true or false
                raise SiteError(_("YAML reads the key '{key}' as {value}: write it in quotes, \"{key}\":").format(
                    key=key_node.value, value=str(key).lower()), line=line)
            if isinstance(key, (str, int, float, bool)) and key in seen:
                raise SiteError(_("the key '{key}' appears twice (first on line {first}); keep only one")
                                .format(key=key, first=seen[key]), line=line)
            if isinstance(key, (str, int, float, bool)):
                seen[key] = line
        mapping = LineDict((_plain_key(k), v) for k, v in super().construct_mapping(node, deep=True).items())
        mapping.line = node.start_mark.line + 1 + self.line_offset
        mapping.key_lines = {str(k): v for k, v in seen.items()}
        return mapping

    def construct_sequence(self, node: SequenceNode, deep: bool = False) -> LineList:
        items = LineList(super().construct_sequence(node, deep=True))
        items.line = node.start_mark.line + 1 + self.line_offset
        items.item_lines = [n.start_mark.line + 1 + self.line_offset for n in node.value]
        return items


#: Spaces YAML keeps in a key where an ordinary space would be dropped: "label :" typed with the no-break space a
#: French keyboard (or a word processor) puts before a colon was the unknown key 'label ', and label was missing.
_KEY_SPACES = "\u00a0\u202f\u2007"


def _plain_key(key: Any) -> Any:
    """Return a key without the no-break spaces around it (as YAML drops ordinary ones)."""
    return key.strip(_KEY_SPACES) if isinstance(key, str) else key


#: A colour written without quotes after a key (``background: #1d3557``): YAML reads it as a comment.
_COLOUR_COMMENT = re.compile(r":\s+(#[0-9A-Fa-f]{3}(?:[0-9A-Fa-f]{3})?)\b")


def _refuse_colour_comment(loader: _Loader, key_node: Node, value_node: Node) -> None:
    """Refuse an empty value whose line holds a colour after the colon: the colour was read as a comment."""
    if not (isinstance(value_node, ScalarNode) and value_node.tag == "tag:yaml.org,2002:null" and not value_node.value
            and loader.lines and key_node.start_mark.line < len(loader.lines)):
        return
    found = _COLOUR_COMMENT.search(loader.lines[key_node.start_mark.line])
    if found is not None:
        raise SiteError(_("YAML reads {colour} as a comment, and the value as empty: put the colour in quotes, "
                          "\"{colour}\"").format(colour=found.group(1)),
                        line=key_node.start_mark.line + 1 + loader.line_offset)


class WrittenInt(int):
    """A whole number from YAML that remembers how it was written (``017``, ``1:30``, ``0x1F``).

    YAML 1.1 reads ``017`` as 15 and ``1:30`` as 90: a help number or a figure
    must never change that way, so texts take the number as written and
    figures refuse such spellings.
    """

    text: str

    def __reduce__(self) -> tuple[type[int], tuple[int]]:  # cached documents keep a plain number
        return (int, (int(self),))


class WrittenFloat(float):
    """A decimal number from YAML that remembers how it was written (``0800.100``, ``12.500``, ``1:30.5``).

    Unquoted, a phone number with one dot is a decimal to YAML (``0800.100`` is 800.1), and ``12.500``,
    twelve thousand five hundred where a dot separates thousands, is 12.5: texts take the number as
    written, and figures refuse the spellings that mean two things.
    """

    text: str

    def __reduce__(self) -> tuple[type[float], tuple[float]]:  # cached documents keep a plain number
        return (float, (float(self),))


#: The most digits a number may have (Python refuses to convert more than 4300 to text).
MAX_DIGITS = 60


def _number(loader: _Loader, node: Node) -> ScalarNode:
    """Return a number's node; more than MAX_DIGITS digits is a `SiteError`."""
    assert isinstance(node, ScalarNode)
    text = str(node.value)
    if sum(ch.isdigit() for ch in text) > MAX_DIGITS:
        raise SiteError(_("the number '{number}…' has {digits} digits; no real figure or setting has that many: "
                          "check it").format(number=text[:20], digits=sum(ch.isdigit() for ch in text)),
                        line=node.start_mark.line + 1 + loader.line_offset)
    return node


def _construct_int(loader: _Loader, node: Node) -> int:
    number = WrittenInt(yaml.SafeLoader.construct_yaml_int(loader, _number(loader, node)))
    number.text = str(node.value)
    return number


def _construct_float(loader: _Loader, node: Node) -> float:
    number = WrittenFloat(yaml.SafeLoader.construct_yaml_float(loader, _number(loader, node)))
    number.text = str(node.value)
    return number


class _EscapesLoader(_Loader):
    """The same loader, checking each value for control characters that escapes (``"\\e"``) may write.

    The text of a file has no control character (`decode_text`), so only a text
    with a backslash needs it; the others are read without the extra call per value.
    """

    def construct_scalar(self, node: Any) -> Any:
        value = super().construct_scalar(node)
        if isinstance(value, str):
            bad = CONTROL_RE.search(value)
            if bad is not None:
                raise SiteError(_("this value holds an invisible control character ({code}); delete it (or the "
                                  "escape sequence that writes it)").format(code=codepoint(bad.group())),
                                line=node.start_mark.line + 1 + self.line_offset)
        return value


def _construct_str(loader: _Loader, node: Node) -> Any:
    """Return a text; an unquoted one that YAML read from a mistake (``-a``, ``title:x``) is a `SiteError`."""
    assert isinstance(node, ScalarNode)
    value = loader.construct_scalar(node)
    if not node.style and isinstance(value, str) and ("-" in value or ":" in value) and loader.lines:
        problem = plain_scalar_problem(loader.lines, node, loader.line_offset + 1)
        if problem is not None:
            raise SiteError(problem[1], line=problem[0] + 1 + loader.line_offset)
    return value


def _construct_map(loader: _Loader, node: Node) -> LineDict:
    assert isinstance(node, MappingNode)
    return loader.construct_mapping(node)


def _construct_seq(loader: _Loader, node: Node) -> LineList:
    assert isinstance(node, SequenceNode)
    return loader.construct_sequence(node)


def _construct_timestamp(loader: _Loader, node: Node) -> Any:
    """Return a date, or the text as written when it is not a real date (checked later)."""
    try:
        return yaml.SafeLoader.construct_yaml_timestamp(loader, node)  # type: ignore[arg-type]
    except ValueError:
        return loader.construct_scalar(node)


_Loader.add_constructor("tag:yaml.org,2002:timestamp", _construct_timestamp)
_Loader.add_constructor("tag:yaml.org,2002:int", _construct_int)
_Loader.add_constructor("tag:yaml.org,2002:float", _construct_float)
_Loader.add_constructor("tag:yaml.org,2002:str", _construct_str)
_Loader.add_constructor("tag:yaml.org,2002:map", _construct_map)
_Loader.add_constructor("tag:yaml.org,2002:seq", _construct_seq)


def parse_yaml(text: str, source: Path | str, first_line: int = 1) -> Any:
    """Parse YAML text; errors become `SiteError` with the file and line.

    ``first_line`` is the line in the file where ``text`` starts (front matter
    starts on line 2).
    """
    loader = _EscapesLoader(text) if "\\" in text else _Loader(text)
    loader.line_offset = first_line - 1
    loader.lines = text.split("\n")
    try:
        return loader.get_single_data()
    except SiteError as err:
        raise SiteError(err.message, source=source, line=err.line) from None
    except yaml.MarkedYAMLError as exc:
        if "nesting depth" in (exc.problem or ""):  # libyaml 0.2.6 stops there before Python's recursion limit
            raise _too_deep(source, first_line) from None
        raise _syntax_error(exc, loader.lines, source, first_line) from None
    except yaml.YAMLError as exc:
        raise SiteError(_("YAML error: {problem}").format(problem=exc), source=source) from None
    except RecursionError:  # thousands of nested brackets: no site needs that
        raise _too_deep(source, first_line) from None
    finally:
        loader.dispose()


def _syntax_error(exc: yaml.MarkedYAMLError, lines: list[str], source: Path | str, first_line: int) -> SiteError:
    """Return a PyYAML syntax error as what to do, at the line of the mistake (PyYAML's words kept after it)."""
    problem = exc.problem or exc.context or _("invalid YAML")
    explained = explain(exc, lines, first_line)
    if explained is None:
        return SiteError(with_yaml(_("the YAML cannot be read: check the indentation, colons and quotes"), problem),
                         source=source)
    message = with_yaml(explained.advice, problem)
    if explained.excerpt:
        message += "\n" + excerpt(lines, explained.excerpt, explained.column, first_line)
    return SiteError(message, source=source, line=explained.line + first_line)


def _too_deep(source: Path | str, line: int) -> SiteError:
    return SiteError(_("the YAML is nested too deeply (lists or mappings inside each other thousands of times); "
                       "check the brackets"), source=source, line=line)


def read_text(path: Path, shown: str) -> str:
    """Read a UTF-8 text file; anything else (a pipe, a device, a huge file, binary) is a `SiteError` naming it."""
    return decode_text(read_file(path, shown), shown)


def _utf16_without_mark(data: bytes) -> bool:
    """Return whether a file looks like UTF-16 text without its byte-order mark: every other byte zero."""
    sample = data[:4000]
    half = len(sample) // 2
    if half < 2:
        return False
    even, odd = sample[0::2].count(0), sample[1::2].count(0)
    return (odd > 0.6 * half and even < 0.1 * half) or (even > 0.6 * half and odd < 0.1 * half)


def decode_text(data: bytes, shown: str) -> str:
    """Decode a file's bytes as UTF-8 text; binary, other encodings and control characters are a `SiteError`.

    Tab, newline and carriage return are the only control characters a text
    file may hold: the others are invisible in an editor, and make feeds and
    sitemaps ill-formed XML (or, echoed in a message, drive the terminal).
    """
    if data.startswith((b"\xff\xfe", b"\xfe\xff")) or _utf16_without_mark(data):  # Notepad's "Unicode": not binary
        raise SiteError(_("the file is saved as UTF-16; save it again as UTF-8 in your editor"), source=shown)
    if b"\x00" in data:
        raise SiteError(_("this is a binary file, not text; remove it or move it to assets/"), source=shown)
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise SiteError(
            _("the file is not valid UTF-8 text; save it again as UTF-8 in your editor"),
            source=shown,
            line=line,
        ) from None
    text = text.removeprefix("\ufeff").replace("\r\n", "\n").replace("\r", "\n")  # Windows, old Mac OS
    bad = FILE_CONTROL_RE.search(text)
    if bad is not None:
        raise SiteError(_("the file holds an invisible control character ({code}) on this line; delete it (it "
                          "often comes with text pasted from another program)").format(code=codepoint(bad.group())),
                        source=shown,
                        line=text.count("\n", 0, bad.start()) + 1)
    return text


def line_of(value: Any, default: int | None = None) -> int | None:
    """Return the line a parsed YAML container starts on, if known."""
    return getattr(value, "line", default)
