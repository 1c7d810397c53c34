"""The wheel carries the default theme: a folder with only site.yaml and content/ builds."""

from __future__ import annotations

import os
import subprocess
import sys
import zipfile
from pathlib import Path

from generator import __version__

REPO = Path(__file__).resolve().parent.parent


def test_built_wheel_builds_a_bare_site_with_its_own_theme(tmp_path: Path) -> None:
    wheels = tmp_path / "wheels"
    subprocess.run([sys.executable, "-m", "pip", "wheel", str(REPO), "--no-deps", "--no-build-isolation",
                    "-q", "-w", str(wheels)], check=True, capture_output=True)
    (wheel,) = wheels.glob("vigie-*.whl")
    installed = tmp_path / "installed"
    with zipfile.ZipFile(wheel) as archive:
        names = archive.namelist()
        assert "generator/_theme/layouts/base.html" in names
        assert "generator/_theme/layouts/i18n/fr.yaml" in names
        assert "generator/_theme/assets/css/site.css" in names
        assert not [n for n in names if n.startswith(("content/", "tests/"))]
        archive.extractall(installed)
    site = tmp_path / "bare"
    (site / "content/fr/articles").mkdir(parents=True)
    (site / "content/en/articles").mkdir(parents=True)
    (site / "site.yaml").write_text("title: {fr: Nu, en: Bare}\nlanguages: [fr, en]\nbase_url: https://b.example/\n",
                                    encoding="utf-8")
    (site / "content/fr/articles/un.md").write_text("---\ntitle: Un\n---\nBonjour.\n", encoding="utf-8")
    (site / "content/en/articles/un.md").write_text("---\ntitle: One\n---\nHello.\n", encoding="utf-8")
    env = {**os.environ, "PYTHONPATH": str(installed)}
    run = subprocess.run([sys.executable, "-m", "generator", "build", str(site)], cwd=tmp_path, env=env,
                         capture_output=True, text=True)
    assert run.returncode == 0, run.stderr
    check = subprocess.run([sys.executable, "-c", "import generator.sources.theme as t; print(t.default_theme_dir())"],
                           cwd=tmp_path, env=env, capture_output=True, text=True)
    assert check.stdout.strip() == str(installed / "generator" / "_theme")
    html = (site / "public/fr/articles/un/index.html").read_text(encoding="utf-8")
    assert "Bonjour." in html and 'lang="fr"' in html
    # The starter site and the preview's own pages are data files of the package, in the wheel too.
    assert "generator/commands/starter/dot-gitignore" in names and "generator/commands/preview/error.html" in names
    started = subprocess.run([sys.executable, "-m", "generator", "init", str(tmp_path / "new")], cwd=tmp_path, env=env,
                             capture_output=True, text=True)
    assert started.returncode == 0, started.stderr
    assert (tmp_path / "new/.gitignore").is_file() and (tmp_path / "new/content/facts").is_dir()
    # The publishing recipes are in the wheel too, dot-folders included, and the requirement pins this version.
    assert (tmp_path / "new/.github/workflows/pages.yml").is_file() and (tmp_path / "new/.gitlab-ci.yml").is_file()
    assert f"\nvigie=={__version__}\n" in (tmp_path / "new/requirements.txt").read_text(encoding="utf-8")
    built = subprocess.run([sys.executable, "-m", "generator", "build", str(tmp_path / "new")], cwd=tmp_path, env=env,
                           capture_output=True, text=True)
    assert built.returncode == 0, built.stderr
    # The French catalog is compiled as the wheel is built, and speaks from the installed package.
    assert "generator/locale/fr/LC_MESSAGES/vigie.mo" in names and "generator/locale/build_hook.py" not in names
    (tmp_path / "new/site.yaml").write_text("title: [\n", encoding="utf-8")
    broken = subprocess.run([sys.executable, "-m", "generator", "build", str(tmp_path / "new")], cwd=tmp_path,
                            env={**env, "LANG": "fr_FR.UTF-8"}, capture_output=True, text=True)
    assert broken.returncode == 1 and "1 erreur ; rien n'a été écrit" in broken.stderr
