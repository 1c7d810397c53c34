"""What the command line prints: progress only on a terminal, a summary line, colour rules."""

from __future__ import annotations

import argparse
import io
import logging
import os
import pty
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from conftest import BUILD_DAY, REPO
from generator import cli
from generator.build import BuildOptions, build


class FakeTerminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_build_reports_progress_for_each_stage(site_src: Path, tmp_path: Path) -> None:
    seen: list[tuple[str, int, int]] = []
    build(BuildOptions(root=site_src, out=tmp_path / "out", today=BUILD_DAY,
                       progress=lambda stage, done, total: seen.append((stage, done, total))))
    finished = {stage: (done, total) for stage, done, total in seen}
    assert finished["markdown"] == (2, 2)  # the fact sheets' bodies, before their PDFs; the others with their pages
    assert finished["cards"] == (2, 2)
    assert finished["PDFs"] == (2, 2)
    assert finished["pages"][0] == finished["pages"][1] > 20


def test_summary_line_counts_pages_per_language_cards_pdfs_and_warnings(
        bare_site: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["build", str(bare_site), "-o", str(tmp_path / "out")]) == 0
    captured = capsys.readouterr()
    assert re.fullmatch(r"built \d+ pages \(fr \d+, en \d+\), 10 cards \(10 drawn\), 2 PDFs \(2 rendered\), "
                        r"0 warnings into .+ \(\d+ written, 0 unchanged\) in \d+\.\d\ds; "
                        r"1 thing to change before publishing \(vigie check --publish lists it\)\n"  # test.example.org
                        r"first visit, compressed: home \d+\.\d KiB, article \d+\.\d KiB, .+\n", captured.out)
    assert "\r" not in captured.err  # not a terminal: no progress line


def test_quiet_build_prints_nothing(site_src: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["build", str(site_src), "-o", str(tmp_path / "out"), "-q"]) == 0
    captured = capsys.readouterr()
    assert captured.out == "" and captured.err == ""


def test_colour_only_on_a_terminal_and_never_with_no_color(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("NO_COLOR", raising=False)
    assert cli._use_color(FakeTerminal())
    assert not cli._use_color(io.StringIO())
    monkeypatch.setenv("NO_COLOR", "1")
    assert not cli._use_color(FakeTerminal())


def test_progress_line_is_for_people_not_ci(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CI", raising=False)
    assert cli._interactive(FakeTerminal())
    monkeypatch.setenv("CI", "true")
    assert not cli._interactive(FakeTerminal())
    assert not cli._interactive(io.StringIO())


# --------------------------------------------------------------------------- one message a line

#: Runs the command line with the forked helpers (body helper, page workers) on even for the small fixture site.
CLI_WITH_HELPERS = """
import sys
from generator import cli
from generator.render import prerender
from generator.core import workers
workers.MIN_ITEMS = 2
prerender.MIN_ITEMS = 1
workers.available_cores = prerender.available_cores = lambda: 2
sys.exit(cli.main(sys.argv[1:]))
"""

#: What a line of a build's stderr may be: a message about a file, or the closing count of errors.
WELL_FORMED = re.compile(r"(site\.yaml|content/\S+\.(md|yaml))(:\d+)?: \S.*|\d+ errors?; nothing was written")


def _one_warning_and_maybe_one_error(site: Path, error: bool) -> None:
    """A description the card font cannot draw (a warning), and an unknown figure (an error)."""
    config = site / "site.yaml"
    config.write_text(config.read_text(encoding="utf-8").replace(
        "fr: Un petit site de test.", "fr: Un petit site de test 字.", 1), encoding="utf-8")
    if error:
        article = site / "content/fr/articles/ecrans.md"
        article.write_text(article.read_text(encoding="utf-8") + "\n{{< fact nope >}}\n", encoding="utf-8")


def _run_cli(site: Path, out: Path, stderr: Any) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(REPO), "NO_COLOR": "1"}
    env.pop("CI", None)  # a person at a terminal sees the progress line
    return subprocess.run([sys.executable, "-c", CLI_WITH_HELPERS, "build", str(site), "-o", str(out)], cwd=REPO,
                          env=env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=stderr, text=True,
                          timeout=300)


@pytest.mark.parametrize("error", [False, True])
def test_every_line_of_stderr_is_one_message(site_src: Path, tmp_path: Path, error: bool) -> None:
    _one_warning_and_maybe_one_error(site_src, error)
    run = _run_cli(site_src, tmp_path / "out", subprocess.PIPE)
    assert run.returncode == (1 if error else 0), run.stderr
    lines = run.stderr.split("\n")
    assert lines.pop() == ""  # the last line ends too
    assert [line for line in lines if not WELL_FORMED.fullmatch(line)] == []
    assert [line for line in lines if line.count(": ") > 4 or line.count("site.yaml") > 1] == []
    assert sum(line.startswith("site.yaml: no site card for the fr pages") for line in lines) == 1
    if error:
        assert [line for line in lines if "error" in line] == [
            "content/fr/articles/ecrans.md:12: error: unknown fact 'nope': there is no content/facts/nope.yaml",
            "1 error; nothing was written"]
    else:
        assert ", 1 warning into " in run.stdout


def _as_shown(terminal: str) -> list[str]:
    """Return the lines a terminal shows: a carriage return goes back to the start of the line, ESC[K clears it."""
    shown = []
    for line in terminal.replace("\r\n", "\n").split("\n"):
        shown.append(re.sub(r"\x1b\[[0-9;]*[A-Za-z]", "", line.rsplit("\r", 1)[-1]))
    return shown


@pytest.mark.parametrize("error", [False, True])
def test_a_warning_is_not_glued_to_the_progress_line(site_src: Path, tmp_path: Path, error: bool) -> None:
    _one_warning_and_maybe_one_error(site_src, error)
    main, other = pty.openpty()
    try:
        run = _run_cli(site_src, tmp_path / "out", other)
        os.close(other)
        other = -1
        terminal = b""
        while True:
            try:
                data = os.read(main, 65536)
            except OSError:  # the child's end is closed
                break
            if not data:
                break
            terminal += data
    finally:
        os.close(main)
        if other != -1:
            os.close(other)
    assert run.returncode == (1 if error else 0)
    text = terminal.decode("utf-8")
    assert "\r\x1b[K" in text  # there was a progress line
    shown = [line for line in _as_shown(text) if line]
    assert [line for line in shown if not WELL_FORMED.fullmatch(line)] == []
    assert sum(line.startswith("site.yaml: no site card for the fr pages") for line in shown) == 1


class RecordingStream(io.StringIO):
    """Keeps every write call, as the operating system would see them with unbuffered output."""

    def __init__(self) -> None:
        super().__init__()
        self.writes: list[str] = []

    def write(self, text: str) -> int:
        self.writes.append(text)
        return super().write(text)


def test_each_message_is_one_write_with_its_newline(monkeypatch: pytest.MonkeyPatch) -> None:
    """print() writes a line and its newline apart: another process's line could land between them."""
    from generator.core.errors import SiteError, SiteErrors

    stream = RecordingStream()
    monkeypatch.setattr(sys, "stderr", stream)
    level = logging.getLogger("generator").level
    cli._configure_logging(logging.INFO)
    try:
        logging.getLogger("generator.test").warning("site.yaml: a warning")
        assert cli._report(SiteErrors([SiteError("unknown fact 'nope'", source="content/fr/a.md", line=3),
                                       SiteError("no title")])) == 1
    finally:
        root = logging.getLogger()
        for handler in [h for h in root.handlers if getattr(h, "vigie", False)]:
            root.removeHandler(handler)
        logging.getLogger("generator").setLevel(level)
    assert stream.writes == [
        "site.yaml: a warning\n",
        "error: no title\n",
        "content/fr/a.md:3: error: unknown fact 'nope'\n",
        "2 errors; nothing was written\n",
    ]


@pytest.mark.parametrize("value", ["70000", "65536", "-1", "abc", "", "8_000", "+80", "80.0", " 80", "٨٠٠٠", "123456"])
def test_a_port_out_of_range_is_a_usage_error(value: str, site_src: Path,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        cli.main(["serve", str(site_src), "--port", value])
    assert exited.value.code == 2
    assert f"argument --port: '{value}' is not a port; use a number from 1 to 65535" in capsys.readouterr().err


@pytest.mark.parametrize(("value", "port"), [("0", 0), ("1", 1), ("8000", 8000), ("08001", 8001), ("65535", 65535)])
def test_a_port_from_0_to_65535_is_taken(value: str, port: int) -> None:
    assert cli._parser().parse_args(["serve", "--port", value]).port == port


def test_vigie_serve_port_70000_exits_2_before_building(bare_site: Path) -> None:
    done = subprocess.run([sys.executable, "-m", "generator", "serve", str(bare_site), "--port", "70000"],
                          capture_output=True, text=True, timeout=60, cwd=REPO)
    assert done.returncode == 2
    assert "vigie serve: error: argument --port: '70000' is not a port" in done.stderr
    assert not (bare_site / ".vigie-cache").exists()


# --------------------------------------------------------------------------- in the editor's language

@pytest.fixture
def french(monkeypatch: pytest.MonkeyPatch):  # noqa: ANN201 - a fixture
    """Run `cli.main` as a French-speaking editor would (LANG=fr_FR.UTF-8); English again afterwards."""
    from generator.core import messages

    for name in messages.LANGUAGE_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("LANG", "fr_FR.UTF-8")
    yield
    messages.activate("en")


def _french_run(*args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k not in ("VIGIE_LANG", "LC_ALL", "LC_MESSAGES")}
    return subprocess.run([sys.executable, "-m", "generator", *args], capture_output=True, text=True, timeout=60,
                          cwd=REPO, env={**env, "LANG": "fr_FR.UTF-8"})


def test_vigie_help_is_in_french_argparse_words_included() -> None:
    done = _french_run("--help")
    assert done.returncode == 0
    assert done.stdout.startswith("utilisation : vigie [-h]")
    for words in ("Construire des sites de campagne", "arguments positionnels :", "options :",
                  "afficher ce message d'aide et quitter", "afficher le numéro de version de Vigie",
                  "construire SITE dans SORTIE", "créer un nouveau dossier de site"):
        assert words in done.stdout, words
    for words in ("usage:", "positional arguments", "show this help", "Build multilingual"):
        assert words not in done.stdout, words


@pytest.mark.parametrize("command", ["build", "serve", "check", "new", "init"])
def test_every_subcommand_help_is_in_french(command: str, capsys: pytest.CaptureFixture[str], french: None) -> None:
    with pytest.raises(SystemExit) as exited:
        cli.main([command, "--help"])
    assert exited.value.code == 0
    french_help = capsys.readouterr().out
    assert french_help.startswith(f"utilisation : vigie {command} ")
    # every help text of the command, as English says it, is said otherwise in French
    from generator.core import messages

    messages.activate("en")
    sub = next(a for a in cli._parser()._actions if isinstance(a, argparse._SubParsersAction))
    english = [action.help for action in sub.choices[command]._actions if action.help]
    assert len(english) >= 5
    flat = " ".join(french_help.split())
    for text in english:
        assert " ".join(text.split()) not in flat, text


def test_a_usage_error_is_in_french_and_exits_2() -> None:
    done = _french_run("new", "article")
    assert done.returncode == 2
    assert "vigie new: error: les arguments suivants sont obligatoires : TITRE_OU_ID" in done.stderr
    done = _french_run("bild")
    assert done.returncode == 2
    # the "error:" keyword stays, so that problem matchers still see it
    assert "vigie: error: argument COMMANDE : choix invalide : 'bild' (choisissez parmi 'build'," in done.stderr
    done = _french_run("serve", "--port", "70000")
    assert done.returncode == 2
    assert "vigie serve: error: argument --port : '70000' n'est pas un port" in done.stderr


@pytest.mark.parametrize("flag", ["--ui-lang=FR", "--ui-lang=Fr"])
def test_the_language_flag_takes_capitals_too(flag: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # "--ui-lang FR" was refused ("invalid choice: 'FR'"), in English.
    assert cli.main(["build", str(tmp_path / "nope"), flag]) == 2
    assert capsys.readouterr().err == f"vigie: error: le dossier du site '{tmp_path / 'nope'}' n'existe pas\n"


def test_argparse_messages_in_the_catalog_are_argparse_own() -> None:
    """If a new Python reworded one, the catalog's copy would never be asked for: this says so."""
    import inspect

    source = inspect.getsource(argparse)
    for message in cli.ARGPARSE_MESSAGES:
        assert repr(message)[1:-1] in source or message.replace("\n", "\\n") in source, message


def test_an_unknown_site_folder_is_said_in_french(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                                 french: None) -> None:
    assert cli.main(["build", str(tmp_path / "nope")]) == 2
    assert capsys.readouterr().err == f"vigie: error: le dossier du site '{tmp_path / 'nope'}' n'existe pas\n"


def test_the_summary_line_in_french_keeps_its_numbers(site_src: Path, tmp_path: Path,
                                                      capsys: pytest.CaptureFixture[str], french: None) -> None:
    assert cli.main(["build", str(site_src), "-o", str(tmp_path / "out")]) == 0
    out = capsys.readouterr().out
    assert re.fullmatch(r"\d+ pages construites \(fr \d+, en \d+\), 10 visuels \(0 dessiné\), 2 PDF \(0 produit\), "
                        r"0 avertissement dans .+ \(fichiers écrits : \d+, inchangés : 0\) en \d+,\d\d s"
                        r" ; 1 chose à changer avant de publier \(vigie check --publish la liste\)\n"
                        r"première visite, compressée : accueil \d+,\d Kio, article \d+,\d Kio, .+\n", out)
    assert cli.main(["build", str(site_src), "-o", str(tmp_path / "out")]) == 0
    assert re.fullmatch(r".+ est à jour : rien n'a changé depuis la dernière construction \(\d+,\d\d s\)\n",
                        capsys.readouterr().out)


def test_a_build_that_finds_nothing_changed_says_the_last_builds_warnings_again(
        site_src: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # Building again "to see if it is clean" printed only "up to date", while the broken image was still there.
    article = site_src / "content/en/articles/later.md"
    article.write_text(article.read_text(encoding="utf-8").replace("Only in English.", "![A](a.png)"),
                       encoding="utf-8")
    warning = ("content/en/articles/later.md:7: warning: broken link 'a.png': there is no page or file "
               "/en/articles/later/a.png in the site (drafts and future-dated pages are not published)\n")
    assert cli.main(["build", str(site_src), "-o", str(tmp_path / "out")]) == 0
    first = capsys.readouterr()
    assert first.err == warning and ", 1 warning into " in first.out
    assert cli.main(["build", str(site_src), "-o", str(tmp_path / "out")]) == 0
    again = capsys.readouterr()
    assert again.err == warning
    assert re.fullmatch(r".+ is up to date: nothing changed since the last build \(\d+\.\d\ds\); its warning above "
                        r"still holds\n", again.out), again.out
    article.write_text(article.read_text(encoding="utf-8").replace("![A](a.png)", "Fixed."), encoding="utf-8")
    assert cli.main(["build", str(site_src), "-o", str(tmp_path / "out")]) == 0
    assert cli.main(["build", str(site_src), "-o", str(tmp_path / "out")]) == 0
    fixed = capsys.readouterr()
    assert fixed.err == "" and ", 0 warnings into " in fixed.out and "is up to date" in fixed.out
    assert "still hold" not in fixed.out  # the fixed build's warnings (none) are the ones said again


def test_warnings_that_cannot_be_said_again_make_the_build_run_again(
        site_src: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    # A build stopped after its swap, or a damaged file of warnings, left "up to date" said with no warning at all;
    # warnings kept in English were said again to a French editor. Now the build runs again.
    from generator.core import messages

    article = site_src / "content/en/articles/later.md"
    article.write_text(article.read_text(encoding="utf-8").replace(
        "Only in English.", " ".join(f"![{n}](a{n}.png)" for n in range(25))), encoding="utf-8")
    out = str(tmp_path / "out")
    assert cli.main(["build", str(site_src), "-o", out]) == 0
    assert ", 25 warnings into " in capsys.readouterr().out  # 20 lines and "5 more broken links"
    kept = next((site_src / ".vigie-cache/outputs").glob("*.warnings.json"))
    kept.write_text('{"fingerprint": 5', encoding="utf-8")
    assert cli.main(["build", str(site_src), "-o", out]) == 0
    rebuilt = capsys.readouterr()
    assert ", 25 warnings into " in rebuilt.out and "5 more broken links" in rebuilt.err
    assert cli.main(["build", str(site_src), "-o", out]) == 0
    assert "; its 25 warnings above still hold" in capsys.readouterr().out
    monkeypatch.setenv("VIGIE_LANG", "fr")
    try:
        assert cli.main(["build", str(site_src), "-o", out]) == 0
    finally:
        messages.activate("en")
    french = capsys.readouterr()
    assert ", 25 avertissements dans " in french.out and "lien cassé 'a0.png'" in french.err
    assert "broken link" not in french.err


def test_what_this_computer_could_not_do_is_not_said_again() -> None:
    from generator.build import _Said
    from generator.core.errors import WARNINGS

    log = logging.getLogger("generator.test")
    with _Said() as said:
        log.warning("content/fr/a.md:3: warning: broken link 'x.png': nowhere")
        log.warning("warning: 7 more broken links (vigie check lists every one)", extra={WARNINGS: 7})
        log.warning("could not write the cache /site/.vigie-cache/x (disk full); the next build will be slower")
        log.info("content/fr/a.md:4: warning: not a warning, an info")
    assert said.lines == [("content/fr/a.md:3: warning: broken link 'x.png': nowhere", 1),
                          ("warning: 7 more broken links (vigie check lists every one)", 7)]


def test_the_progress_line_names_the_stages_in_french(monkeypatch: pytest.MonkeyPatch, french: None) -> None:
    from generator.core import messages

    messages.activate("fr")
    screen = FakeTerminal()
    monkeypatch.setattr(sys, "stderr", screen)
    progress = cli._ProgressLine()
    progress("cards", 2, 2)
    progress("PDFs", 1, 1)
    progress.clear()
    assert screen.getvalue() == "\r\x1b[Kvisuels 2/2\r\x1b[KPDF 1/1\r\x1b[K"


@pytest.mark.parametrize("command", ["build", "check"])
def test_output_piped_into_a_command_that_stops_reading(site_src: Path, tmp_path: Path, command: str) -> None:
    """`vigie check | head -1`: the reader goes away; Vigie finishes quietly (no 'lost sys.stderr', no traceback)
    with the command's own status, and a build still replaces the output."""
    args = [sys.executable, "-m", "generator", command, str(site_src)]
    if command == "build":
        args += ["-o", str(tmp_path / "out")]
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    proc = subprocess.Popen(args, cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert proc.stdout is not None and proc.stderr is not None
    proc.stdout.close()  # like `head -0`: nobody reads what it prints
    err = proc.stderr.read().decode()
    assert proc.wait(timeout=300) == 0, err
    assert "lost sys.stderr" not in err and "Traceback" not in err and "Exception ignored" not in err, err
    if command == "build":
        assert (tmp_path / "out" / "index.html").is_file()
