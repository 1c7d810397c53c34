"""YAML parsing that remembers line numbers, for errors that point at the line."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml
from yaml.nodes import MappingNode, Node, SequenceNode

from generator.errors import SiteError
from generator.sourcefiles import read_file


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

    def construct_mapping(self, node: MappingNode, deep: bool = False) -> LineDict:
        seen: dict[Any, int] = {}
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=True)
            line = key_node.start_mark.line + 1 + self.line_offset
            if isinstance(key, (str, int, float, bool)) and key in seen:
                raise SiteError(
                    f"the key '{key}' appears twice (first on line {seen[key]}); keep only one",
                    line=line,
                )
            if isinstance(key, (str, int, float, bool)):
                seen[key] = line
        mapping = LineDict(super().construct_mapping(node, deep=True))
        mapping.line = node.start_mark.line + 1 + self.line_offset
        mapping.key_lines = {str(k): v for k, v in seen.items()}
        return mapping

    def construct_sequence(self, node: SequenceNode, deep: bool = False) -> LineList:
        items = LineList(super().construct_sequence(node, deep=True))
        items.line = node.start_mark.line + 1 + self.line_offset
        items.item_lines = [n.start_mark.line + 1 + self.line_offset for n in node.value]
        return items


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
_Loader.add_constructor("tag:yaml.org,2002:map", _construct_map)
_Loader.add_constructor("tag:yaml.org,2002:seq", _construct_seq)


def parse_yaml(text: str, source: Path | str, first_line: int = 1) -> Any:
    """Parse YAML text; errors become `SiteError` with the file and line.

    ``first_line`` is the line in the file where ``text`` starts (front matter
    starts on line 2).
    """
    loader = _Loader(text)
    loader.line_offset = first_line - 1
    try:
        return loader.get_single_data()
    except SiteError as err:
        raise SiteError(err.message, source=source, line=err.line) from None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + first_line if mark is not None else None
        problem = exc.problem or exc.context or "invalid YAML"
        context = exc.context_mark
        if context is not None and exc.context and line is not None and context.line + first_line != line:
            problem += f" ({exc.context} that starts on line {context.line + first_line})"
        raise SiteError(
            f"YAML syntax error: {problem}; check indentation, colons and quotes",
            source=source,
            line=line,
        ) from None
    except yaml.YAMLError as exc:
        raise SiteError(f"YAML error: {exc}", source=source) from None
    finally:
        loader.dispose()


def read_text(path: Path, shown: str) -> str:
    """Read a UTF-8 text file; anything else (a pipe, a device, a huge file, binary) is a `SiteError` naming it."""
    return decode_text(read_file(path, shown), shown)


def decode_text(data: bytes, shown: str) -> str:
    """Decode a file's bytes as UTF-8 text; binary or other encodings are a `SiteError`."""
    if b"\x00" in data:
        raise SiteError("this is a binary file, not text; remove it or move it to assets/", source=shown)
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise SiteError(
            "the file is not valid UTF-8 text; save it again as UTF-8 in your editor",
            source=shown,
            line=line,
        ) from None
    return text.removeprefix("\ufeff").replace("\r\n", "\n")


def line_of(value: Any, default: int | None = None) -> int | None:
    """Return the line a parsed YAML container starts on, if known."""
    return getattr(value, "line", default)
