"""The published output is never damaged: collisions, interrupted builds, stray files, links, two builds at once."""

from __future__ import annotations

import errno
import hashlib
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import BUILD_DAY, REPO, build_copy
from generator.build import BuildOptions, build, cache_dir
from generator.core.errors import SiteError, SiteErrors
from generator.output.lock import BuildLock
from generator.model import OutputFile
from generator.output.writer import MARKER, Staging
from generator.model.plan import Planned, check_plan


def hashes(out: Path) -> dict[str, str]:
    """Return every file below a folder → sha256, with the file's inode, so a write through a link shows."""
    return {p.relative_to(out).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(out.rglob("*")) if p.is_file()}


# -- collisions never write into the published tree --------------------------------------------------------


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_two_writers_of_one_path_leave_the_old_tree_unchanged(tmp_path_factory: pytest.TempPathFactory,
                                                              data: st.DataObject) -> None:
    out = tmp_path_factory.mktemp("staging") / "public"
    names = ["index.html", "fr/index.html", "fr/a/index.html", "sitemap.xml", "en/feed.xml"]
    old = {name: f"old {name}".encode() for name in names}
    first = Staging(out)
    first.commit([first.put(OutputFile(name, body, "old")) for name, body in old.items()])
    before = hashes(out)
    path = data.draw(st.sampled_from(names), label="path")
    # Each writer may give the old bytes (a hard link to the published file) or new ones.
    bodies = data.draw(st.lists(st.sampled_from([old[path], b"EVIL", b""]), min_size=2, max_size=3), label="bodies")
    staging = Staging(out)
    with pytest.raises(SiteError, match="two sources want to write"):
        for number, body in enumerate(bodies):
            staging.put(OutputFile(path, body, f"writer {number}"))
    staging.discard()
    assert hashes(out) == before
    assert not list(out.parent.glob(".public.vigie-*"))


@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_a_root_file_claiming_any_generated_path_changes_nothing(site_src: Path, tmp_path: Path,
                                                                 data: st.DataObject) -> None:
    _, out = build_copy(site_src, tmp_path)
    before = hashes(out)
    generated = sorted(p for p in before if not p.startswith("assets/"))
    path = data.draw(st.sampled_from(generated), label="generated path")
    upper = data.draw(st.booleans(), label="differs only by case")
    claimed = path.upper() if upper else path
    (site_src / "assets/root" / claimed).parent.mkdir(parents=True, exist_ok=True)
    (site_src / "assets/root" / claimed).write_bytes(data.draw(st.binary(max_size=64), label="bytes"))
    try:
        with pytest.raises((SiteError, SiteErrors)) as info:
            build(BuildOptions(root=site_src, out=out, today=BUILD_DAY))
        assert f"assets/root/{claimed}" in str(info.value)
        assert hashes(out) == before
    finally:
        (site_src / "assets/root" / claimed).unlink()


def test_collisions_are_found_before_anything_is_written() -> None:
    def planned(*paths: str) -> list[Planned]:
        return [Planned(p, f"source {i}", f"source-{i}.md") for i, p in enumerate(paths)]

    with pytest.raises(SiteErrors) as same:
        check_plan(planned("fr/index.html", "fr/index.html"))
    assert "two sources want to write fr/index.html: source 0 and source 1" in str(same.value)
    with pytest.raises(SiteErrors) as case:
        check_plan(planned("fr/a/index.html", "fr/A/index.html"))
    assert "differ only by upper and lower case" in str(case.value)
    with pytest.raises(SiteErrors) as folder:
        check_plan(planned("fr", "fr/index.html"))
    assert "source 0 writes the file fr, but source 1 needs a folder of that name" in str(folder.value)
    with pytest.raises(SiteErrors) as windows:
        check_plan(planned("fr/aux/index.html", "fr/nul.txt", "COM1", "a:b.txt", "end."))
    assert str(windows.value).count("Windows") == 5
    check_plan(planned("fr/index.html", "en/index.html", "fr/auxiliaire/index.html", "console.txt"))


def test_a_file_and_a_folder_of_one_name_under_assets_root(site_src: Path, tmp_path: Path) -> None:
    _, out = build_copy(site_src, tmp_path)
    before = hashes(out)
    (site_src / "assets/root").mkdir(parents=True, exist_ok=True)
    (site_src / "assets/root/fr").write_text("a file where the French pages need a folder", encoding="utf-8")
    with pytest.raises(SiteErrors) as info:
        build(BuildOptions(root=site_src, out=out, today=BUILD_DAY))
    assert "assets/root/fr writes the file fr, but" in str(info.value)
    assert hashes(out) == before


# -- a full disk ------------------------------------------------------------------------------------------------------


def test_a_full_disk_is_one_error_naming_the_output_folder_not_each_page(site_src: Path, tmp_path: Path,
                                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    _, out = build_copy(site_src, tmp_path)
    before = hashes(out)
    place = Staging._place

    def disk_full(self: Staging, rel: str, data: bytes) -> bool:  # what a write gets once the disk has no room
        if rel.endswith(".html"):
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        return place(self, rel, data)

    monkeypatch.setattr(Staging, "_place", disk_full)
    (site_src / "content/fr/articles/ecrans.md").write_text(
        "---\ntitle: Changé\ndate: 2022-01-01\n---\n\nUn texte changé.\n", encoding="utf-8")
    with pytest.raises(SiteErrors) as info:
        build(BuildOptions(root=site_src, out=out, today=BUILD_DAY))
    assert [(e.source, e.message) for e in info.value.errors] == [
        (None, f"the disk holding the output folder {out} is full (no space left on the disk); free some space, "
               "then build again (the published site was not changed)")]
    assert hashes(out) == before


# -- interrupted builds ---------------------------------------------------------------------------------------


def test_leftovers_of_killed_builds_are_removed_and_a_lost_output_is_put_back(site_src: Path, tmp_path: Path) -> None:
    _, out = build_copy(site_src, tmp_path)
    before = hashes(out)
    # A build killed between its two renames: the old output moved aside, the new tree beside it, no output.
    dead = 2 ** 22 + 12345  # above the kernel's default pid_max: no such process
    out.rename(out.parent / f".public.vigie-old-{dead}")
    (out.parent / f".public.vigie-new-{dead}").mkdir()
    (out.parent / f".public.vigie-new-{dead}/half.html").write_text("half", encoding="utf-8")
    (out.parent / f".public.vigie-new-{dead + 1}").mkdir()
    result, _ = build_copy(site_src, tmp_path)
    assert result.up_to_date or result.report is not None
    assert hashes(out) == before
    assert sorted(p.name for p in out.parent.iterdir() if p.name.startswith(".public")) == []


def test_a_build_killed_at_any_moment_leaves_a_complete_output(site_src: Path, tmp_path: Path) -> None:
    out = tmp_path / "public"
    command = [sys.executable, "-m", "generator", "build", str(site_src), "-o", str(out), "-q"]
    env = {**os.environ, "PYTHONPATH": str(REPO), "SOURCE_DATE_EPOCH": "1764374400"}
    subprocess.run(command, check=True, env=env)
    first = hashes(out)
    (site_src / "content/fr/articles/ecrans.md").write_text(
        (site_src / "content/fr/articles/ecrans.md").read_text(encoding="utf-8") + "\nUne phrase de plus.\n",
        encoding="utf-8")
    subprocess.run(command, check=True, env=env, cwd=tmp_path)
    second = hashes(out)
    (site_src / "content/fr/articles/ecrans.md").write_text(
        (site_src / "content/fr/articles/ecrans.md").read_text(encoding="utf-8") + "\nEncore une.\n",
        encoding="utf-8")
    for delay in (0.05, 0.3, 0.6, 0.9):
        process = subprocess.Popen(command, env=env, start_new_session=True)
        time.sleep(delay)
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()
        if out.exists():  # the old output, or the new one (a complete build of the input, made only when needed)
            found = hashes(out)
            assert found in (first, second) or found == _completed(command, env, out), delay
        subprocess.run(command, check=True, env=env)
        assert out.is_dir() and (out / "index.html").is_file()
        assert not [p for p in out.parent.iterdir() if p.name.startswith(".public.vigie-")]


def _completed(command: list[str], env: dict[str, str], out: Path) -> dict[str, str]:
    """Return the tree a complete build of the current input makes (a killed build may have finished)."""
    other = out.parent / "reference"
    subprocess.run([*command[:-3], "-o", str(other), "-q"], check=True, env=env)
    return hashes(other)


# -- the output folder itself ---------------------------------------------------------------------------------


def test_an_output_given_as_a_link_updates_the_folder_it_points_to(site_src: Path, tmp_path: Path) -> None:
    target = tmp_path / "www" / "site"
    target.mkdir(parents=True)
    link = tmp_path / "public"
    link.symlink_to(target, target_is_directory=True)
    build(BuildOptions(root=site_src, out=link, today=BUILD_DAY))
    assert link.is_symlink() and Path(os.readlink(link)) == target
    assert (target / "fr/index.html").is_file()
    build(BuildOptions(root=site_src, out=link, today=BUILD_DAY, drafts=True))
    assert link.is_symlink() and (target / "fr/articles/brouillon/index.html").is_file()


def test_an_output_inside_the_cache_is_refused(site_src: Path) -> None:
    with pytest.raises(SiteError, match="inside the site's .vigie-cache/ folder"):
        build(BuildOptions(root=site_src, out=cache_dir(site_src) / "out", today=BUILD_DAY))


# -- "up to date" means the output equals what a build would write -------------------------------------------


def test_a_stray_file_or_an_edited_page_is_not_kept_behind_nothing_changed(site_src: Path, tmp_path: Path) -> None:
    _, out = build_copy(site_src, tmp_path)
    before = hashes(out)
    (out / "old").mkdir()
    (out / "old/stale.html").write_text("stale", encoding="utf-8")
    result, _ = build_copy(site_src, tmp_path)
    assert not result.up_to_date and not (out / "old").exists()
    assert hashes(out) == before
    with (out / "fr/index.html").open("a", encoding="utf-8") as page:
        page.write("<!-- edited on the server -->")
    result, _ = build_copy(site_src, tmp_path)
    assert not result.up_to_date and hashes(out) == before
    (out / "empty").mkdir()
    assert not build_copy(site_src, tmp_path)[0].up_to_date and not (out / "empty").exists()
    assert build_copy(site_src, tmp_path)[0].up_to_date


def test_dotfiles_of_assets_root_are_published_and_part_of_the_fingerprint(site_src: Path, tmp_path: Path) -> None:
    (site_src / "assets/root/.well-known").mkdir(parents=True)
    (site_src / "assets/root/.well-known/security.txt").write_text("Contact: mailto:a@example.org\n",
                                                                   encoding="utf-8")
    (site_src / "assets/root/.nojekyll").write_bytes(b"")
    (site_src / "assets/root/.DS_Store").write_bytes(b"junk")
    _, out = build_copy(site_src, tmp_path)
    assert (out / ".nojekyll").is_file() and not (out / ".DS_Store").exists()
    (site_src / "assets/root/.well-known/security.txt").write_text("Contact: mailto:b@example.org\n",
                                                                   encoding="utf-8")
    result, _ = build_copy(site_src, tmp_path)
    assert not result.up_to_date
    assert (out / ".well-known/security.txt").read_text(encoding="utf-8") == "Contact: mailto:b@example.org\n"


# -- one build at a time ---------------------------------------------------------------------------------------


def test_a_second_build_waits_for_the_first_and_says_so(site_src: Path, tmp_path: Path) -> None:
    out = tmp_path / "public"
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    with BuildLock(cache_dir(site_src)):
        process = subprocess.Popen([sys.executable, "-m", "generator", "build", str(site_src), "-o", str(out)],
                                   env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        waited = threading.Event()

        def watch() -> None:
            assert process.stderr is not None
            for line in process.stderr:
                if "another build of this site is running" in line:
                    waited.set()

        reader = threading.Thread(target=watch, daemon=True)
        reader.start()
        assert waited.wait(30), "the second build did not say it waits"
        assert process.poll() is None and not out.exists()
    assert process.wait(60) == 0
    reader.join(5)
    assert (out / "index.html").is_file()
    assert "Traceback" not in (process.stdout.read() if process.stdout else "")


# -- a cache from elsewhere never runs code ------------------------------------------------------------------------


class _Planted:
    """Unpickling this writes a file: what a hostile cache would do."""

    def __init__(self, witness: Path) -> None:
        self.witness = witness

    def __reduce__(self) -> tuple[object, tuple[str, str]]:
        return (Path.write_text, (str(self.witness), "code from the cache ran"))  # type: ignore[return-value]


def test_a_cache_planted_in_the_site_folder_is_never_unpickled(bare_site: Path, tmp_path: Path) -> None:
    import pickle

    from generator.core.cache import CACHE_VERSION, signed

    witness = tmp_path / "witness.txt"
    cache = cache_dir(bare_site)
    cache.mkdir()
    for name in ("documents.pickle", "bodies.pickle"):
        (cache / name).write_bytes(pickle.dumps({"__version__": CACHE_VERSION, "x": _Planted(witness)}))
    result, _ = build_copy(bare_site, tmp_path)
    assert not witness.exists()
    assert result.cache_hits == {"documents": 0, "bodies": 0}
    # The caches this computer signed are used; a signed cache changed by one byte is not.
    again, _ = build_copy(bare_site, tmp_path, drafts=True)
    assert again.cache_hits["documents"] > 0
    data = (cache / "documents.pickle").read_bytes()
    (cache / "documents.pickle").write_bytes(data[:-1] + bytes([data[-1] ^ 1]))
    third, _ = build_copy(bare_site, tmp_path)
    assert third.cache_hits["documents"] == 0
    assert signed(b"x") != b"x" and not witness.exists()


def test_a_card_planted_in_the_cache_under_its_content_key_is_not_published(site_src: Path, tmp_path: Path) -> None:
    import io
    import shutil

    from PIL import Image

    from generator.media.cards import card_key
    from generator.model.plan import CARD_SIZES

    first, out = build_copy(site_src, tmp_path)
    assert first.rendered is not None
    spec = first.rendered.card_spec("daily-victims", "fr")
    cards = cache_dir(site_src) / "cards"
    shutil.rmtree(cards)
    cards.mkdir()
    planted = io.BytesIO()
    Image.new("RGB", CARD_SIZES["card.png"], "red").save(planted, format="PNG")
    # Anyone can work out a card's content key: the file the cache used to read was named after it.
    (cards / f"{card_key(spec, CARD_SIZES['card.png'])}.png").write_bytes(planted.getvalue())
    shutil.rmtree(out)
    result, _ = build_copy(site_src, tmp_path)
    assert result.cards_drawn > 0
    assert (out / "fr/chiffres/victimes-par-jour/card.png").read_bytes() != planted.getvalue()


def test_a_cache_file_or_folder_that_is_a_link_is_never_written_through(bare_site: Path, tmp_path: Path,
                                                                        caplog: pytest.LogCaptureFixture) -> None:
    # A site folder from anyone (a zip, a pull request) whose .vigie-cache/build.lock linked to a file of the
    # user's had that file emptied and given the build's process id; a linked .vigie-cache filled /tmp.
    victim = tmp_path / "victim.txt"
    victim.write_text("precious\n", encoding="utf-8")
    cache_dir(bare_site).mkdir()
    (cache_dir(bare_site) / "build.lock").symlink_to(victim)
    build(BuildOptions(root=bare_site, out=tmp_path / "out", today=BUILD_DAY))
    assert victim.read_text(encoding="utf-8") == "precious\n"
    assert "build.lock is a symbolic link; Vigie does not write through it" in caplog.text
    (cache_dir(bare_site) / "build.lock").unlink()
    cache_dir(bare_site).rmdir()
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    cache_dir(bare_site).symlink_to(elsewhere)
    build(BuildOptions(root=bare_site, out=tmp_path / "out2", today=BUILD_DAY))
    assert list(elsewhere.iterdir()) == []
    assert (tmp_path / "out2" / "fr" / "index.html").is_file()


def test_a_cache_write_below_a_linked_folder_is_refused(tmp_path: Path) -> None:
    from generator.core.cache import write_atomically

    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (tmp_path / ".vigie-cache").mkdir()
    (tmp_path / ".vigie-cache" / "cards").symlink_to(elsewhere)
    error = write_atomically(tmp_path / ".vigie-cache" / "cards" / "a.png", b"x")
    assert error is not None and "symbolic link" in str(error)
    assert list(elsewhere.iterdir()) == []
    assert write_atomically(tmp_path / ".vigie-cache" / "outputs" / "a.txt", b"x") is None


def test_a_folder_holding_a_copied_output_and_other_files_is_not_replaced(site_src: Path, tmp_path: Path) -> None:
    # The guide says to copy the contents of public/, marker included, to the web folder: a build into that
    # folder then deleted the blog and uploads beside the copy, and said "0 written, 94 unchanged".
    import shutil

    build(BuildOptions(root=site_src, today=BUILD_DAY))
    www = tmp_path / "www"
    (www / "blog").mkdir(parents=True)
    (www / "blog" / "index.php").write_text("<?php\n", encoding="utf-8")
    (www / ".htaccess").write_text("Deny\n", encoding="utf-8")
    shutil.copytree(site_src / "public", www, dirs_exist_ok=True)
    with pytest.raises((SiteError, SiteErrors), match=r"holds other files than the Vigie output copied into it "
                                                      r"\(\d+ files, where that output had \d+\), and Vigie has no "
                                                      r"record of building this site into it"):
        build(BuildOptions(root=site_src, out=www, today=BUILD_DAY))
    assert (www / "blog" / "index.php").is_file() and (www / ".htaccess").is_file()
    copy = tmp_path / "copy"  # the copy alone, as a moved site folder's output: built into as before
    shutil.copytree(site_src / "public", copy)
    build(BuildOptions(root=site_src, out=copy, today=BUILD_DAY))
    (copy / "stray.txt").write_text("x", encoding="utf-8")  # once built into, the folder is the site's own
    build(BuildOptions(root=site_src, out=copy, today=BUILD_DAY))
    assert not (copy / "stray.txt").exists()


@pytest.mark.parametrize("kind", ["below a file", "a link to itself", "a mount point", "holding the current folder"])
def test_an_output_that_cannot_be_replaced_is_an_error_not_a_crash(site_src: Path, tmp_path: Path, kind: str,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    # Each ended in "internal error" (exit 3): FileExistsError, RuntimeError('Symlink loop'), OSError(16,
    # 'Device or resource busy') for a Docker volume; a build into the folder a terminal was in left it in a
    # deleted folder, and the next command crashed.
    out = tmp_path / "out"
    if kind == "below a file":
        (tmp_path / "notes.txt").write_text("x", encoding="utf-8")
        out = tmp_path / "notes.txt" / "out"
    elif kind == "a link to itself":
        out.symlink_to(out)
    elif kind == "a mount point":
        out.mkdir()
        real = os.path.ismount
        monkeypatch.setattr(os.path, "ismount", lambda path: Path(path) == out.resolve() or real(path))
    else:
        out.mkdir()
        monkeypatch.chdir(out)
    with pytest.raises((SiteError, SiteErrors)) as raised:
        build(BuildOptions(root=site_src, out=out, today=BUILD_DAY))
    assert {"below a file": "cannot make the new output in", "a link to itself": "cannot be followed",
            "a mount point": "is a mount point", "holding the current folder": "holds the current folder"}[kind] \
        in str(raised.value)


@pytest.mark.parametrize("where", ["output.writer._remove_previous", "build.weigh_pages", "build.save_warnings"])
def test_ctrl_c_after_the_swap_says_the_new_output_is_in_place(site_src: Path, tmp_path: Path,
                                                                monkeypatch: pytest.MonkeyPatch,
                                                                capsys: pytest.CaptureFixture[str], where: str) -> None:
    # "interrupted; the previous output was left as it was", while the new text was published (also when the
    # Ctrl-C came while the pages were weighed or the warnings kept, after the swap).
    import importlib

    from generator.cli import main

    out = tmp_path / "out"
    build(BuildOptions(root=site_src, out=out, today=BUILD_DAY))
    page = site_src / "content" / "fr" / "index.md"
    page.write_text(page.read_text(encoding="utf-8") + "\nNOUVEAU TEXTE\n", encoding="utf-8")

    def interrupted(*args: object) -> None:
        raise KeyboardInterrupt

    module, name = where.rsplit(".", 1)
    monkeypatch.setattr(importlib.import_module(f"generator.{module}"), name, interrupted)
    assert main(["build", str(site_src), "-o", str(out), "-q"]) == 130
    assert "NOUVEAU TEXTE" in (out / "fr" / "index.html").read_text(encoding="utf-8")
    said = capsys.readouterr().err
    assert "after the new output was put in place" in said and "previous output was left" not in said


def test_a_root_file_named_like_the_output_mark_is_refused(site_src: Path, tmp_path: Path) -> None:
    # assets/root/.vigie-output was accepted, then silently replaced by the mark.
    (site_src / "assets/root").mkdir(parents=True, exist_ok=True)
    (site_src / "assets/root" / MARKER).write_text("mine\n", encoding="utf-8")
    with pytest.raises((SiteError, SiteErrors), match=r"two sources want to write \.vigie-output: Vigie's mark of its "
                                                      r"output folder and assets/root/\.vigie-output"):
        build(BuildOptions(root=site_src, out=tmp_path / "out", today=BUILD_DAY))


def test_the_site_s_own_output_folder_is_rebuilt_without_a_cache_whatever_a_file_browser_left(
        site_src: Path, tmp_path: Path) -> None:
    # After deleting .vigie-cache (the guide says it can go), a .DS_Store that Finder left in public/ stopped the
    # build: "... this site never built into it".
    import shutil

    build(BuildOptions(root=site_src, today=BUILD_DAY))
    (site_src / "public" / ".DS_Store").write_bytes(b"\0")
    shutil.rmtree(cache_dir(site_src))
    build(BuildOptions(root=site_src, today=BUILD_DAY))
    assert not (site_src / "public" / ".DS_Store").exists()  # the site's own output: replaced whole
    elsewhere = tmp_path / "www"  # outside the site: only what a file browser leaves is let through
    shutil.copytree(site_src / "public", elsewhere)
    (elsewhere / ".DS_Store").write_bytes(b"\0")
    (elsewhere / "fr" / "Thumbs.db").write_bytes(b"\0")
    build(BuildOptions(root=site_src, out=elsewhere, today=BUILD_DAY))


# -- folders this user may not read (root reads them all, so the refusal is played by the system's call) --------


def test_an_output_folder_that_cannot_be_read_is_an_error_not_a_crash(site_src: Path, tmp_path: Path,
                                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    # chmod 000 public/: "vigie: internal error: PermissionError(13, 'Permission denied')", exit 3.
    _result, out = build_copy(site_src, tmp_path)
    real = Path.iterdir

    def refuse(self: Path) -> object:
        if self == out.resolve():
            raise PermissionError(errno.EACCES, "Permission denied", str(self))
        return real(self)

    monkeypatch.setattr(Path, "iterdir", refuse)
    with pytest.raises(SiteError, match=r"cannot read the output folder .* \(permission denied\)"):
        build_copy(site_src, tmp_path)


def test_a_cache_folder_that_cannot_be_used_is_said_and_the_build_goes_on(bare_site: Path, tmp_path: Path,
                                                                          monkeypatch: pytest.MonkeyPatch,
                                                                          caplog: pytest.LogCaptureFixture) -> None:
    # chmod 000 .vigie-cache: an internal error (PermissionError on build.lock, then on bodies.pickle).
    folder = cache_dir(bare_site)
    folder.mkdir()
    real = os.access
    monkeypatch.setattr(os, "access", lambda path, mode, **kw: False if Path(path) == folder else real(path, mode, **kw))
    with caplog.at_level("WARNING", logger="generator"):
        result, out = build_copy(bare_site, tmp_path)
    assert result.report is not None and (out / "fr/index.html").is_file()
    assert any("cannot use the cache folder" in r.getMessage() and "permission denied" in r.getMessage()
               for r in caplog.records)
    assert list(folder.iterdir()) == []  # nothing written there


def test_a_previous_output_that_cannot_be_removed_is_said(site_src: Path, tmp_path: Path,
                                                          monkeypatch: pytest.MonkeyPatch,
                                                          caplog: pytest.LogCaptureFixture) -> None:
    # A folder of public/ made unreadable: the build said nothing and left .public.vigie-old-N for good.
    import shutil

    _result, out = build_copy(site_src, tmp_path)
    page = site_src / "content/fr/articles/ecrans.md"
    page.write_text(page.read_text(encoding="utf-8") + "\nUne ligne de plus.\n", encoding="utf-8")
    real = shutil.rmtree

    def stuck(path: object, *args: object, **kwargs: object) -> None:
        if ".vigie-old-" in str(path):
            handler = kwargs.get("onexc") or kwargs.get("onerror")
            problem = PermissionError(errno.EACCES, "Permission denied", str(path))
            handler(os.rmdir, str(path), problem if "onexc" in kwargs else (type(problem), problem, None))  # type: ignore[operator]
            return
        real(path, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(shutil, "rmtree", stuck)
    with caplog.at_level("WARNING", logger="generator"):
        build_copy(site_src, tmp_path)
    said = [r.getMessage() for r in caplog.records if "cannot remove the previous output" in r.getMessage()]
    assert len(said) == 1 and "(permission denied)" in said[0] and "delete the old one yourself" in said[0]
    assert "Une ligne de plus" in (out / "fr/articles/ecrans/index.html").read_text(encoding="utf-8")


def test_why_a_file_could_not_be_read_is_said_in_the_editor_s_language(french: object) -> None:
    from generator.core.errors import os_reason

    assert os_reason(PermissionError(errno.EACCES, "Permission denied")) == "permission refusée"
    assert os_reason(RuntimeError("Symlink loop from '/tmp/x/boucle.md'")).startswith("un lien symbolique")
    assert os_reason(OSError(errno.EXFULL, "Exchange full")) == "Exchange full"  # a rare one keeps the system's words


def test_a_folder_without_site_yaml_is_left_as_it_was(tmp_path: Path) -> None:
    # "nothing was written", while .vigie-cache/build.lock had been made in the folder.
    from generator.cli import main

    assert main(["build", str(tmp_path), "-o", str(tmp_path / "public")]) == 1
    assert list(tmp_path.iterdir()) == []
