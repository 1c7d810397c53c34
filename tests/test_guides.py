"""The editor's guides say what Vigie does: every command they show runs, every message they quote is one it prints.

The guides (docs/guide.fr.md, docs/guide.en.md) are read as an editor reads them:

- each command line of a shell example (```sh blocks) that starts with ``vigie`` is parsed by the real
  command line: an option or a subcommand that does not exist fails here;
- each message quoted in the error tables (section 13) matches a message of the catalog, in English or in
  French, with ``…`` (and N, M for numbers) standing for what changes; every row gives the message in both
  languages;
- the sample build summary of section 1 is what `vigie init` then `vigie build` print, the time aside.
"""

from __future__ import annotations

import re
import shlex
import subprocess
import sys
from functools import cache
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

from generator import cli
from generator.core.messages import LOCALE_DIR

REPO = Path(__file__).resolve().parent.parent
GUIDES = {"en": REPO / "docs" / "guide.en.md", "fr": REPO / "docs" / "guide.fr.md"}
TABLES_HEADING = {"en": "## 13. ", "fr": "## 13. "}
#: A placeholder of the catalog: ``{name}``, ``%(name)s``, ``%s`` (``%(name)r`` in argparse's messages).
PLACEHOLDER = re.compile(r"\{[^{}]*\}|%\([a-z_]+\)[sdr]|%[sdr]")
#: What the guides write for the part of a message that changes.
ELLIPSIS = re.compile(r"…|\bN\b|\bM\b")
#: Where a printed message starts: ``path:line: error: `` (or ``warning``), ``vigie build: error: ``.
LOCATION = re.compile(r"^(?:[^ `]*?:(?:\d+|N|M)?:? )?(?:vigie(?: [a-z]+)?: )?(?:error|warning): ")
#: A message may stop at the end of a clause in the guide (the rest said in the "what to do" column).
CLAUSE_END = r"(?:[;(:,] .*| \(.*)?"


@cache
def catalog() -> tuple[tuple[str, str], ...]:
    """Return (English, French) for every message of the catalog, plural forms included."""
    with (LOCALE_DIR / "fr" / "LC_MESSAGES" / "vigie.po").open("rb") as fp:
        messages = read_po(fp, locale="fr")
    pairs = []
    for message in messages:
        if not message.id:
            continue
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        pairs += [(ids[min(i, len(ids) - 1)], text) for i, text in enumerate(strings)]
    return tuple(pairs)


def _regex(message: str) -> str:
    """Return a catalog message as a regular expression: each placeholder matches any text."""
    return "(?:.+?)".join(re.escape(part) for part in PLACEHOLDER.split(message))


def quote_matches(quote: str, message: str) -> bool:
    """Return whether a quoted message is this catalog message (``…`` for a placeholder or an example value).

    Either the quote's words, with ``…`` matching anything, are the whole message (placeholders shown as
    ``…``), or the message, with its placeholders matching anything, is the whole quote (placeholders
    shown as example values). The quote may stop at the end of a clause. A message that is all
    placeholders (``{summary}; {note}``) never matches a quote by itself.
    """
    shown = _shown(message)
    if shown is None:
        return False
    if _quote_pattern(quote).fullmatch(shown):
        return True
    return _message_pattern(message).fullmatch(quote) is not None


# Each pattern is compiled once: the tables quote about 600 messages, matched against about 700 of the
# catalog, far more patterns than the `re` module keeps compiled (it compiled them again and again: minutes).
@cache
def _shown(message: str) -> str | None:
    """Return a catalog message with ``…`` for its placeholders; None when it is (almost) all placeholders."""
    if len(PLACEHOLDER.sub("", message).strip(" ;:,.()'")) < 8:
        return None
    return PLACEHOLDER.sub("…", message)


@cache
def _quote_pattern(quote: str) -> re.Pattern[str]:
    """Return a quote as a pattern: each ``…`` (or N, M) matches anything; it may stop at a clause's end."""
    return re.compile(".*?".join(re.escape(part) for part in ELLIPSIS.split(quote)) + CLAUSE_END, re.S)


@cache
def _message_pattern(message: str) -> re.Pattern[str]:
    """Return a catalog message as a pattern for a whole quote that may stop at a clause's end."""
    return re.compile(_regex(message) + CLAUSE_END, re.S)


@cache
def _frame_head(frame: str) -> re.Pattern[str] | None:
    """Return the pattern of what comes before a frame's last placeholder (``fact '{id}': ``), or None when the
    message is no frame around another (it does not end with a placeholder, or is almost all placeholders)."""
    if not re.fullmatch(r".*\{[a-z_]+\}", frame) or len(PLACEHOLDER.sub("", frame)) < 3:
        return None
    return re.compile(_regex(frame[:frame.rindex("{")]), re.S)


@cache
def message_of(quote: str, language: str) -> str | None:
    """Return the catalog message (in ``language``) a quoted message is, if any; a frame is filled by another."""
    body = LOCATION.sub("", quote)
    side = 0 if language == "en" else 1
    for pair in catalog():
        if quote_matches(body, pair[side]):
            return pair[side]
    for pair in catalog():  # a frame such as "fact '{id}': {problem}" around another message
        frame = pair[side]
        head = _frame_head(frame)
        found = head.match(body) if head is not None else None
        if found and found.end() < len(body) and message_of(body[found.end():], language):
            return frame
    return None


def table_rows(language: str) -> list[tuple[int, list[str]]]:
    """Return (line number, quoted messages of the first column) for each row of the error tables."""
    lines = GUIDES[language].read_text(encoding="utf-8").splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith(TABLES_HEADING[language]))
    end = next((i for i in range(start + 1, len(lines)) if lines[i].startswith("## ")), len(lines))
    rows = []
    for number in range(start, end):
        line = lines[number]
        if line.startswith("| ") and not line.startswith(("| ---", "| message")):
            first = re.split(r" \| ", line[2:], maxsplit=1)[0]
            rows.append((number + 1, re.findall(r"`([^`]+)`", first.replace(r"\|", "|"))))
    return rows


@pytest.mark.parametrize("language", sorted(GUIDES))
def test_every_message_quoted_in_the_error_tables_is_one_vigie_prints(language: str) -> None:
    unknown = [f"{GUIDES[language].name}:{number}: {quote}"
               for number, quotes in table_rows(language) for quote in quotes
               if not (message_of(quote, "en") or message_of(quote, "fr"))]
    assert not unknown, "quoted messages Vigie does not print:\n" + "\n".join(unknown)


@pytest.mark.parametrize("language", sorted(GUIDES))
def test_every_row_of_the_error_tables_gives_the_message_in_both_languages(language: str) -> None:
    one_sided = []
    for number, quotes in table_rows(language):
        if not quotes:
            continue
        english = [q for q in quotes if message_of(q, "en")]
        french = [q for q in quotes if message_of(q, "fr") and not message_of(q, "en")]
        if not english or not french:
            one_sided.append(f"{GUIDES[language].name}:{number}: {' / '.join(quotes)[:120]}")
    assert not one_sided, "rows without the message in English and in French:\n" + "\n".join(one_sided)


def test_a_made_up_message_is_not_taken_for_one_vigie_prints() -> None:
    assert message_of("content/x.md:3: error: the moon is made of cheese", "en") is None
    assert message_of("N error(s); nothing was written", "en") is None  # the old wording
    assert message_of("…:N: error: the key '…' appears twice (first on line M); keep only one", "en")
    assert message_of("site.yaml:N: error: la clé 'titel' apparaît deux fois (la première fois ligne 3) ; "
                      "n'en gardez qu'une", "fr")


def shell_commands(language: str) -> list[tuple[int, str]]:
    """Return (line number, command) for each line of a ```sh example that runs vigie."""
    found, inside = [], False
    for number, line in enumerate(GUIDES[language].read_text(encoding="utf-8").splitlines(), 1):
        if line.startswith("```"):
            inside = line.strip() == "```sh" and not inside
            continue
        for command in re.split(r"&&|\|\||;", line) if inside else ():
            command = command.strip()
            if command.startswith("vigie ") or command == "vigie":
                found.append((number, command))
    return found


@pytest.mark.parametrize("language", sorted(GUIDES))
def test_every_command_in_the_guides_is_one_vigie_accepts(language: str) -> None:
    refused = []
    for number, command in shell_commands(language):
        words = shlex.split(command, comments=True)
        words = words[:next((i for i, w in enumerate(words) if w in (">", "|", "2>&1")), len(words))]
        if words[1:] == ["--version"]:
            continue
        try:
            cli._parser().parse_args(words[1:])
        except SystemExit:
            refused.append(f"{GUIDES[language].name}:{number}: {command}")
    assert shell_commands(language), "no command found: the guide's examples are not ```sh blocks any more"
    assert not refused, "commands vigie refuses:\n" + "\n".join(refused)


SAMPLE = {"en": re.compile(r"`(built \d+ pages[^`]*)`"), "fr": re.compile(r"`(\d+ pages construites[^`]*)`")}


@pytest.mark.parametrize("language", sorted(GUIDES))
def test_the_sample_build_summary_is_what_a_new_site_prints(language: str, tmp_path: Path) -> None:
    (sample,) = SAMPLE[language].findall(GUIDES[language].read_text(encoding="utf-8"))
    env = {"PATH": "/usr/bin:/bin", "LANG": "fr_FR.UTF-8" if language == "fr" else "C.UTF-8",
           "SOURCE_DATE_EPOCH": "1795910400", "HOME": str(tmp_path)}
    site = tmp_path / "ma-campagne"
    subprocess.run([sys.executable, "-m", "generator", "init", str(site)], cwd=REPO, env=env, check=True,
                   capture_output=True)
    done = subprocess.run([sys.executable, "-m", "generator", "build"], cwd=site, env={**env, "PYTHONPATH": str(REPO)},
                          capture_output=True, text=True, check=True)
    time = re.compile(r"\d+[.,]\d\d ?s\b")
    summary = done.stdout.splitlines()[0]  # the next line gives the first visit's weights
    assert time.sub("T", sample) == time.sub("T", summary)
