"""PyYAML's syntax errors told as what to do, with the line that holds the mistake.

PyYAML (and libyaml) report where the parser gave up, in parser words:
``did not find expected key``, ``mapping values are not allowed here``. The
mistake is often a line or two above, and an editor needs the fix, not the
grammar. `explain` reads the lines around the place PyYAML names and returns
the line of the mistake with a sentence saying what to change; PyYAML's own
words follow in brackets for whoever knows YAML.

`plain_scalar_problem` catches mistakes PyYAML reads without a word: ``-a``
(no space after the dash) becomes the text "-a", ``title:x`` the text
"title:x", and a list item indented one space too far is glued to the item
above.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import yaml

from generator.core.messages import _

#: ``key:value``: a key at the start of a line followed by ':' without a space (a URL is not one).
NO_SPACE_AFTER_COLON_RE = re.compile(r"^(\s*(?:-\s+)?)([A-Za-z_][\w-]*):(?!//)(\S.*)$")
#: ``-item``: a dash at the start of a line followed by a letter or a quote, not a space.
NO_SPACE_AFTER_DASH_RE = re.compile(r"^(\s*)-([^\s\d.\-].*)$")
#: ``key: value``: where a value starts on a line (after the key or the list dash).
KEY_VALUE_RE = re.compile(r"^(\s*(?:-\s+)*)([^\s#'\"\[{][^#]*?|'[^']*'|\"[^\"]*\"):\s+(\S.*?)\s*$")
ITEM_RE = re.compile(r"^(\s*-\s+)(\S.*?)\s*$")
#: URL schemes an item may legitimately start with (``mailto:x@y.org`` is not a key without its space).
SCHEMES = ("http", "https", "mailto", "tel", "sms", "ftp")
#: Characters that cannot start a plain YAML value.
RESERVED_STARTS = "@`%!&*|>"
WIDTH = 100


@dataclass(frozen=True, slots=True)
class Explained:
    """A YAML mistake in editor's words: the line holding it (0-based, in the text parsed) and what to do."""

    line: int
    advice: str
    excerpt: tuple[int, ...] = ()
    """Lines to show under the message (0-based), the last with a caret under ``column``."""
    column: int = 0


def with_yaml(advice: str, problem: str) -> str:
    """Return the advice followed by PyYAML's own words, for experts."""
    return _("{advice} (YAML: {problem})").format(advice=advice, problem=problem)


def excerpt(lines: list[str], shown: tuple[int, ...], column: int, first_line: int) -> str:
    """Return the lines ``shown`` numbered as in the file, with a caret under ``column`` of the last one."""
    numbers = [str(i + first_line) for i in shown]
    width = max(len(n) for n in numbers)
    out = []
    for number, index in zip(numbers, shown):
        text = lines[index].replace("\t", " ") if index < len(lines) else ""
        if len(text) > WIDTH:
            text = text[: WIDTH - 1] + "…"
        out.append(f"  {number.rjust(width)} | {text}".rstrip())
    out.append(f"  {' ' * width} | {' ' * min(column, WIDTH)}^")
    return "\n".join(out)


def explain(exc: yaml.MarkedYAMLError, lines: list[str], first_line: int) -> Explained | None:
    """Return the mistake behind a PyYAML syntax error, or None when PyYAML gives no place."""
    mark = exc.problem_mark or exc.context_mark
    if mark is None:
        return None
    row, col = mark.line, mark.column
    problem = exc.problem or ""
    context = exc.context or ""
    context_row = exc.context_mark.line if exc.context_mark is not None else row

    tab = _tab_line(lines, min(context_row, row), row)
    if tab is not None:
        return Explained(tab, _("line {line} uses a tab: indent with spaces").format(line=tab + first_line))

    if "quoted scalar" in context and "end of stream" in problem:
        opening = _char(lines, context_row, exc.context_mark.column if exc.context_mark is not None else -1) or '"'
        return Explained(context_row, _("the text opened with {quote} on line {line} is never closed: end it with "
                                        "{quote} on the same line").format(quote=opening,
                                                                           line=context_row + first_line))
    if "flow sequence" in context or "flow mapping" in context:
        opening, closing = ("[", "]") if "sequence" in context else ("{", "}")
        return Explained(context_row, _("the list opened with '{opening}' on line {line} is not closed: end it "
                                        "with '{closing}' on the same line, or put the value in quotes")
                         .format(opening=opening, closing=closing, line=context_row + first_line))

    if "another document" in problem:
        return Explained(row, _("line {line}: '---' starts a second document, and a file holds only one; remove "
                                "this line").format(line=row + first_line))

    text = lines[row] if row < len(lines) else ""
    char = _char(lines, row, col)

    if "mapping values" in problem and char == ":":
        fixed = _quoted_value(text, col)
        if fixed is not None:
            return Explained(row, _("line {line}: the ':' inside the value makes YAML read a new key; put the "
                                    "value in quotes: {fixed}").format(line=row + first_line, fixed=fixed.strip()))

    if "quoted scalar" in context and any(word in problem for word in ("escape", "hexdecimal", "hexadecimal")):
        quote_column = exc.context_mark.column if exc.context_mark is not None else -1
        escape = _escape(lines[context_row] if context_row < len(lines) else "", quote_column, context_row + first_line)
        if escape is not None:
            return Explained(context_row, escape)

    quoted = _closed_too_early(text, col, row + first_line)
    if quoted is not None:
        return Explained(row, quoted)

    start = _reserved_start(text, col, problem, row + first_line)
    if start is not None:
        return Explained(row, start)

    spacing = _missing_space(lines, row, context_row, first_line)
    if spacing is not None:
        return Explained(*spacing)

    if "mapping values" in problem:
        above = _above(lines, row)
        if above is not None and ":" not in lines[above] and _indent(lines[above]) == _indent(text) \
                and not ITEM_RE.match(lines[above]):
            return Explained(above, _("line {line}: add ':' and the value after '{key}'").format(
                line=above + first_line, key=lines[above].strip()))

    return _indentation(lines, row, first_line)


def _char(lines: list[str], row: int, col: int) -> str:
    """Return the character at a place of the text, or an empty string outside it."""
    if not 0 <= row < len(lines) or not 0 <= col < len(lines[row]):
        return ""
    return lines[row][col]


def _tab_line(lines: list[str], first: int, last: int) -> int | None:
    """Return the nearest line from ``last`` up to ``first`` whose indentation (or list dash) holds a tab."""
    for index in range(min(last, len(lines) - 1), max(first, 0) - 1, -1):
        lead = re.match(r"^[ \t\-]*", lines[index])
        if lead is not None and "\t" in lead.group():
            return index
    if 0 <= last < len(lines) and "\t" in lines[last]:
        return last  # libyaml reads a tab after ': ' as a space; PyYAML does not
    return None


def _quote(value: str) -> str:
    """Return a value in the quotes that need no escape: "…" unless it holds a double quote."""
    if '"' not in value:
        return f'"{value}"'
    return "'" + value.replace("'", "''") + "'"


def _quoted_value(text: str, col: int) -> str | None:
    """Return ``text`` with its value in quotes, when the ':' at ``col`` is inside the value after ``key: ``."""
    match = KEY_VALUE_RE.match(text)
    if match is None or match.start(3) > col:
        return None
    value = match.group(3)
    if value[0] in "'\"":
        return None
    return f"{match.group(1)}{match.group(2)}: {_quote(value)}"


def _closed_too_early(text: str, col: int, number: int) -> str | None:
    """Return advice when a quoted value ends before the end of its line (``'L'enfant'``, ``"a" b``)."""
    match = KEY_VALUE_RE.match(text) or ITEM_RE.match(text)
    if match is None:
        return None
    value = match.group(match.lastindex or 0)
    start = match.start(match.lastindex or 0)
    if start >= col:
        return None
    head = text[:start]
    if value[0] in "[{":
        return _("line {line}: a value starting with '{char}' is read as a list; put the whole value in quotes: "
                 "{fixed}").format(line=number, char=value[0], fixed=(head + _quote(value)).strip())
    if value[0] not in "'\"" or len(value) < 2:
        return None
    inner = value[1:-1] if value[-1] == value[0] else value[1:]
    if value[0] == "'":
        fixed = head + (f'"{inner}"' if '"' not in inner else "'" + inner.replace("'", "''") + "'")
        return _("line {line}: the apostrophe inside the value ends the text between single quotes; write it: "
                 "{fixed}").format(line=number, fixed=fixed.strip())
    fixed = head + (f"'{inner}'" if "'" not in inner else '"' + inner.replace('"', '\\"') + '"')
    return _("line {line}: the double quote inside the value ends the text between double quotes; write it: "
             "{fixed}").format(line=number, fixed=fixed.strip())


#: A character beyond U+FFFF written as two escapes, as JSON writes it (``\\ud83d\\ude00``): YAML refuses them.
_SURROGATES = re.compile(r"\\u([dD][89abAB][0-9a-fA-F]{2})\\u([dD][c-fC-F][0-9a-fA-F]{2})")


def _escape(text: str, opening: int, number: int) -> str | None:
    """Return advice for a backslash between double quotes that YAML cannot read (``"C:\\Users"``, ``"\\ud83d…"``).

    ``opening`` is the column of the double quote that opens the text, in a
    ``key: value`` line, a list item or a ``{fr: "…"}`` alike.
    """
    if not 0 <= opening < len(text) or text[opening] != '"':
        return None
    match = _DOUBLE_QUOTED.match(text, opening)
    if match is None:
        return None
    inner = match.group(1)
    if _SURROGATES.search(inner):
        whole = _SURROGATES.sub(lambda m: chr(0x10000 + ((int(m[1], 16) - 0xD800) << 10) + int(m[2], 16) - 0xDC00),
                                inner)
        fixed = text[:opening] + f'"{whole}"' + text[match.end():]
        return _("line {line}: a character is written as two halves, as JSON writes it, and YAML does not read "
                 "them; write the character itself: {fixed}").format(line=number, fixed=fixed.strip())
    if '\\"' in inner:  # between single quotes an escaped double quote would keep its backslash
        doubled = _ESCAPE.sub(lambda m: m[0] if m[1] is not None else "\\\\" + m[2], inner)
        fixed = text[:opening] + '"' + doubled + '"' + text[match.end():]
        return _("line {line}: between double quotes a backslash starts an escape (\\n, \\t, \\u00e9), and this one "
                 "is not one YAML knows; to keep a backslash, write it twice: {fixed}").format(
            line=number, fixed=fixed.strip())
    fixed = text[:opening] + "'" + inner.replace("'", "''") + "'" + text[match.end():]
    return _("line {line}: between double quotes a backslash starts an escape (\\n, \\t, \\u00e9), and this one is "
             "not one YAML knows; to keep the backslashes as they are, use single quotes: {fixed}").format(
        line=number, fixed=fixed.strip())


#: A backslash between double quotes: one of YAML's escapes (group 1), or not (group 2: the character after it).
_ESCAPE = re.compile(r"\\(x[0-9a-fA-F]{2}|u[0-9a-fA-F]{4}|U[0-9a-fA-F]{8}|[0abtnvfre \t\"/\\N_LP])|\\(.?)")
#: Text between double quotes from its opening quote: what is inside (escapes kept), and the closing quote if any.
_DOUBLE_QUOTED = re.compile(r'"((?:[^"\\]|\\.)*)"?')


def _reserved_start(text: str, col: int, problem: str, number: int) -> str | None:
    """Return advice when a value starts with a character YAML keeps for itself (``@``, ``*``, ``|``…)."""
    match = KEY_VALUE_RE.match(text) or ITEM_RE.match(text)
    if match is None:
        return None
    value = match.group(match.lastindex or 0)
    start = match.start(match.lastindex or 0)
    if value[0] not in RESERVED_STARTS or not start <= col <= start + 1:
        return None
    if "cannot start" not in problem and "alias" not in problem and "tag" not in problem \
            and "block scalar" not in problem and "comment or line break" not in problem \
            and "indicators" not in problem:
        return None
    fixed = (text[:start] + _quote(value)).strip()
    return _("line {line}: a value cannot start with '{char}'; put it in quotes: {fixed}").format(
        line=number, char=value[0], fixed=fixed)


def _missing_space(lines: list[str], row: int, context_row: int, first_line: int) -> tuple[int, str] | None:
    """Return the line and advice for a ':' or '-' without the space after it, on the line or just above."""
    first = max(0, min(context_row, row - 3))
    for index in range(min(row, len(lines) - 1), first - 1, -1):
        advice = line_spacing(lines[index], index + first_line)
        if advice is not None:
            return index, advice
    return None


def line_spacing(text: str, number: int) -> str | None:
    """Return advice when line ``number`` has ``key:value`` or ``-item``, else None."""
    colon = NO_SPACE_AFTER_COLON_RE.match(text)
    if colon is not None and colon.group(2).lower() not in SCHEMES:
        fixed = f"{colon.group(2)}: {colon.group(3)}"
        return _("line {line}: put a space after ':' in '{written}'; write {fixed}").format(
            line=number, written=f"{colon.group(2)}:{colon.group(3)}", fixed=fixed)
    dash = NO_SPACE_AFTER_DASH_RE.match(text)
    if dash is not None:
        return _("line {line}: put a space after '-' to start a list item; write - {item}").format(
            line=number, item=dash.group(2))
    return None


def _indent(text: str) -> int:
    return len(text) - len(text.lstrip(" "))


def _above(lines: list[str], row: int) -> int | None:
    """Return the nearest line above ``row`` that holds something (not blank, not a comment)."""
    for index in range(min(row, len(lines)) - 1, -1, -1):
        stripped = lines[index].strip()
        if stripped and not stripped.startswith("#"):
            return index
    return None


def _indentation(lines: list[str], row: int, first_line: int) -> Explained:
    """Return the indentation mistake at ``row``: the line and the one above shown, a caret where it starts."""
    if row >= len(lines) or not lines[row].strip():
        above = _above(lines, row)
        row = above if above is not None else 0
    text = lines[row] if row < len(lines) else ""
    column = _indent(text)
    above = _above(lines, row)
    shown = (above, row) if above is not None else (row,)
    if above is not None and column > _indent(lines[above]):
        advice = _("line {line} is indented more than line {above}: start it in the same column as line {above} "
                   "(only the lines under a key that ends with ':' are indented more)").format(
            line=row + first_line, above=above + first_line)
    elif above is not None:
        advice = _("line {line} does not line up with line {above}: the keys of one group (and the dashes of one "
                   "list) start in the same column").format(line=row + first_line, above=above + first_line)
    else:
        advice = _("line {line} cannot be read: check its indentation, colons and quotes").format(
            line=row + first_line)
    return Explained(row, advice, shown, column)


def plain_scalar_problem(lines: list[str], node: yaml.ScalarNode, first_line: int) -> tuple[int, str] | None:
    """Return (line in the text, advice) for an unquoted text that is a mistake YAML read without a word.

    ``-a`` (a list item without its space), ``title:x`` alone on its line, and
    a ``- item`` glued to the text above because it is indented too far.
    """
    start, end = node.start_mark, node.end_mark
    if start.line >= len(lines):
        return None
    head = lines[start.line][: start.column]
    if head.strip(" -") == "" and ("-" in head or start.column == _indent(lines[start.line])):
        advice = line_spacing(lines[start.line], start.line + first_line)
        if advice is not None:
            return start.line, advice
    for index in range(start.line + 1, min(end.line, len(lines) - 1) + 1):
        text = lines[index]
        if ITEM_RE.match(text):
            return index, _("line {line} starts a list item but is indented more than the item above, so "
                            "YAML glued it to that item; start its '-' in the same column").format(
                                line=index + first_line)
        advice = line_spacing(text, index + first_line)
        if advice is not None:
            return index, advice
    return None
