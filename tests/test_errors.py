"""One broken site per content error: exact `path:line: error:` lines, exit 1, output untouched."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from generator.cli import main
from generator.output.writer import MARKER

INVALID = Path(__file__).resolve().parent / "fixtures" / "invalid"
CASES = sorted(p.name for p in INVALID.iterdir() if p.is_dir())


@pytest.mark.parametrize("case", CASES)
def test_broken_site_is_reported_with_file_and_line(case: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    site = tmp_path / case
    shutil.copytree(INVALID / case, site, symlinks=True)  # a case may be a link leading outside the site
    expected = (site / "expected.txt").read_text(encoding="utf-8").replace("{site}", str(site)).splitlines()
    (site / "expected.txt").unlink()
    (site / "expected.fr.txt").unlink()
    out = tmp_path / "public"
    out.mkdir()
    (out / MARKER).write_bytes(b"")
    (out / "index.html").write_text("previous build", encoding="utf-8")

    status = main(["build", str(site), "-o", str(out)])

    err = capsys.readouterr().err
    assert status == 1
    assert "Traceback" not in err
    assert [line for line in err.splitlines() if ": error: " in line] == expected
    assert sorted(p.name for p in out.iterdir()) == sorted([MARKER, "index.html"])
    assert (out / "index.html").read_text(encoding="utf-8") == "previous build"


def test_every_case_has_expected_output() -> None:
    for case in CASES:
        text = (INVALID / case / "expected.txt").read_text(encoding="utf-8")
        assert text.strip(), f"{case}/expected.txt is empty"


def test_unknown_option_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["build", "--no-such-option"])
    assert exit_info.value.code == 2


def test_missing_site_folder_is_a_usage_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["build", str(tmp_path / "nowhere")]) == 2
    assert "does not exist" in capsys.readouterr().err


def test_output_folder_that_holds_the_site_is_refused(site_src: Path, capsys: pytest.CaptureFixture[str]) -> None:
    before = sorted(p.relative_to(site_src) for p in site_src.rglob("*"))
    assert main(["build", str(site_src), "-o", str(site_src)]) == 1
    assert "contains the site itself" in capsys.readouterr().err
    assert sorted(p.relative_to(site_src) for p in site_src.rglob("*")) == before


def test_foreign_non_empty_output_folder_is_refused(site_src: Path, tmp_path: Path,
                                                    capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "mine"
    out.mkdir()
    (out / "thesis.docx").write_bytes(b"precious")
    assert main(["build", str(site_src), "-o", str(out)]) == 1
    assert "not made by Vigie" in capsys.readouterr().err
    assert (out / "thesis.docx").read_bytes() == b"precious"


_LOCATION = re.compile(r"^(.*?: error: )")


@pytest.mark.parametrize("case", CASES)
def test_broken_site_is_reported_in_french_to_a_french_editor(case: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                              capsys: pytest.CaptureFixture[str]) -> None:
    site = tmp_path / case
    shutil.copytree(INVALID / case, site, symlinks=True)
    english = (site / "expected.txt").read_text(encoding="utf-8").replace("{site}", str(site)).splitlines()
    french = (site / "expected.fr.txt").read_text(encoding="utf-8").replace("{site}", str(site)).splitlines()
    (site / "expected.txt").unlink()
    (site / "expected.fr.txt").unlink()
    monkeypatch.setenv("LANG", "fr_FR.UTF-8")  # a French-speaking editor's locale, nothing overriding it (conftest)

    status = main(["build", str(site), "-o", str(tmp_path / "public")])  # (in a new process: tests/test_cli.py)

    err = capsys.readouterr().err
    assert status == 1
    assert "Traceback" not in err
    assert [line for line in err.splitlines() if ": error: " in line] == french
    assert len(french) == len(english)
    for fr, en in zip(french, english):  # the keywords and the place stay as they are; the words after them change
        assert _LOCATION.match(fr) and _LOCATION.match(en)
        assert _LOCATION.match(fr).group(1) == _LOCATION.match(en).group(1)  # type: ignore[union-attr]
    untranslated = [fr for fr, en in zip(french, english) if fr == en]
    assert not untranslated, f"still in English: {untranslated}"


def test_every_case_has_its_french_expected_output() -> None:
    missing = [case for case in CASES if not (INVALID / case / "expected.fr.txt").is_file()]
    assert not missing, f"run the French build on these cases and write expected.fr.txt: {missing}"
