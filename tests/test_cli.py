"""What the command line prints: progress only on a terminal, a summary line, colour rules."""

from __future__ import annotations

import io
import re
import subprocess
import sys
from pathlib import Path

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
        site_src: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["build", str(site_src), "-o", str(tmp_path / "out")]) == 0
    captured = capsys.readouterr()
    assert re.fullmatch(r"built \d+ pages \(fr \d+, en \d+\), 10 cards \(10 drawn\), 2 PDFs \(2 rendered\), "
                        r"0 warnings into .+ \(\d+ written, 0 unchanged\) in \d+\.\d\ds\n", captured.out)
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


def test_vigie_serve_port_70000_exits_2_before_building(site_src: Path) -> None:
    done = subprocess.run([sys.executable, "-m", "generator", "serve", str(site_src), "--port", "70000"],
                          capture_output=True, text=True, timeout=60, cwd=REPO)
    assert done.returncode == 2
    assert "vigie serve: error: argument --port: '70000' is not a port" in done.stderr
    assert not (site_src / ".vigie-cache").exists()
