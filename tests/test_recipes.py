"""The publishing recipes `vigie init` writes work, as they are, from the folder it made.

Each recipe's shell steps are read from the file `init` wrote (the workflow's
``run:``, GitLab's ``script:``, Netlify's ``command``, the Cloudflare Pages build
command of PUBLISHING.md) and run in a fresh virtual environment, in the site
folder, against a wheel of this checkout: the requirement `init` pinned is
rewritten to point at that wheel, and nothing else comes from the network
(``PIP_NO_INDEX``; the other dependencies are this machine's, through
``--system-site-packages``). Recipes that run the same lines with the same
environment and publish the same folder are run once together.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import tempfile
import tomllib
from pathlib import Path

import pytest
import yaml

from conftest import BUILD_DAY, REPO
from generator import __version__
from generator.commands.scaffold import init_site
from generator.sources.content import split_front_matter

#: Where a project site lives on GitHub Pages: below a folder, so every link must carry it.
BASE_URL = "https://ngo-account.github.io/campaign/"
PREVIEW_URL = "https://deploy-preview-7--campaign.netlify.app/"

@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A wheel of this checkout."""
    out = tmp_path_factory.mktemp("wheel")
    subprocess.run([sys.executable, "-m", "pip", "wheel", str(REPO), "--no-deps", "--no-build-isolation", "-q",
                    "-w", str(out)], check=True, capture_output=True)
    (found,) = out.glob("vigie-*.whl")
    return found


def ready_site(tmp_path: Path, wheel: Path) -> Path:
    """Return a folder made by `vigie init`, made ready to publish the way the recipes tell the editor.

    base_url is set to the site's address and csp_meta added (GitHub and GitLab Pages); every text
    init wrote is replaced by the team's own, as `vigie check --publish` asks. The pinned requirement
    is the one line that changes where Vigie comes from: here, this checkout's wheel.
    """
    site = tmp_path / "site"
    init_site(site, today=BUILD_DAY)
    config = site / "site.yaml"
    text, count = re.subn(r"(?m)^base_url: .*$", f"base_url: {BASE_URL}", config.read_text(encoding="utf-8"))
    assert count == 1
    text = re.sub(r'(?m)^(  (?:fr|en): "|publisher: \{fr: ")', r"\1Campagne test – ", text)
    text = re.sub(r'(?m)^(publisher: .*, en: ")', r"\1Campagne test – ", text)
    text = text.replace("# last_checked: YYYY-MM-DD", f"last_checked: {BUILD_DAY.isoformat()}")
    config.write_text(text + "csp_meta: true\n", encoding="utf-8")
    for page in sorted((site / "content").glob("*/**/*.md")):
        front, _body, _line = split_front_matter(page.read_text(encoding="utf-8"), page.name)
        front = re.sub(r'(?m)^(title|summary): "', r'\1: "Campagne test – ', front)
        page.write_text(f"---\n{front}---\n\nCampagne test: {page.stem}.\n", encoding="utf-8")
    for fact in (site / "content/facts").glob("*.yaml"):
        text = fact.read_text(encoding="utf-8")
        text = re.sub(r"(?m)^value: .*$", "value: 6", text)
        text = re.sub(r"(?m)^(  (?:fr|en): )", r"\1Campagne test – ", text)
        fact.write_text(text, encoding="utf-8")
    requirements = site / "requirements.txt"
    lines = requirements.read_text(encoding="utf-8").splitlines()
    pins = [i for i, line in enumerate(lines) if line.strip() and not line.lstrip().startswith("#")]
    assert [lines[i] for i in pins] == [f"vigie=={__version__}"], "requirements.txt must pin the running Vigie"
    lines[pins[0]] = f"vigie @ {wheel.as_uri()}"
    requirements.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return site


def is_system_install(command: str) -> bool:
    """Return whether a command line only installs system packages (apt-get), which this test must not do.

    The machine running the tests has them already (the test suite builds PDFs).
    """
    parts = [part.strip() for part in command.split("&&")]
    return all(re.match(r"^(sudo )?apt-get ", part) for part in parts)


def shell_lines(script: str) -> str:
    """Return a script without its system-package lines."""
    return "\n".join(line for line in script.splitlines() if not is_system_install(line))


# -- what each recipe says, read from the file init wrote ----------------------------------------------------


def github_steps(site: Path) -> tuple[list[str], str]:
    workflow = yaml.safe_load((site / ".github/workflows/pages.yml").read_text(encoding="utf-8"))
    steps = [step for job in workflow["jobs"].values() for step in job.get("steps", [])]
    runs = [step["run"] for step in steps if "run" in step]
    (upload,) = [step for step in steps if str(step.get("uses", "")).startswith("actions/upload-pages-artifact@")]
    return runs, upload["with"]["path"]


def gitlab_steps(site: Path) -> tuple[list[str], str]:
    pipeline = yaml.safe_load((site / ".gitlab-ci.yml").read_text(encoding="utf-8"))
    job = pipeline["pages"]  # GitLab publishes the artifacts of the job called pages
    (published,) = job["artifacts"]["paths"]
    return [*job.get("before_script", []), *job["script"]], published


def netlify_steps(site: Path) -> tuple[list[str], str]:
    config = tomllib.loads((site / "netlify.toml").read_text(encoding="utf-8"))
    return [config["build"]["command"]], config["build"]["publish"]


def netlify_preview_steps(site: Path) -> tuple[list[str], str]:
    config = tomllib.loads((site / "netlify.toml").read_text(encoding="utf-8"))
    return [config["context"]["deploy-preview"]["command"]], config["build"]["publish"]


def cloudflare_steps(site: Path) -> tuple[list[str], str]:
    text = (site / "PUBLISHING.md").read_text(encoding="utf-8")
    section = text.split("## Cloudflare Pages", 1)[1]
    (command,) = re.findall(r"(?m)^Build command: (.+)$", section)
    (published,) = re.findall(r"(?m)^Build output directory: (.+)$", section)
    return [command], published


RECIPES = {
    "github-pages": (github_steps, {}, BASE_URL),
    "gitlab-pages": (gitlab_steps, {}, BASE_URL),
    "netlify": (netlify_steps, {}, BASE_URL),
    "netlify-deploy-preview": (netlify_preview_steps, {"DEPLOY_PRIME_URL": PREVIEW_URL}, PREVIEW_URL),
    "cloudflare-pages": (cloudflare_steps, {}, BASE_URL),
}


# -- running them ---------------------------------------------------------------------------------------------


def fresh_venv(where: Path) -> dict[str, str]:
    """Make a virtual environment that sees this machine's packages; return the environment to run steps in.

    The recipes run pip as ``python -m pip``: this machine's pip, seen through the system's packages,
    installs into the environment, so none is copied into it (that took half of each recipe's test).
    """
    subprocess.run([sys.executable, "-m", "venv", "--system-site-packages", "--without-pip", str(where)], check=True,
                   capture_output=True)
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV")}
    env.update(PATH=f"{where / 'bin'}{os.pathsep}{env.get('PATH', '')}", VIRTUAL_ENV=str(where),
               PIP_NO_INDEX="1", PIP_DISABLE_PIP_VERSION_CHECK="1", VIGIE_LANG="en", LANG="C.UTF-8",
               LC_ALL="C.UTF-8")
    return env


def run_step(script: str, site: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    """Run one step as a CI host does (bash, stop at the first failing command) in the site folder."""
    return subprocess.run(["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", script], cwd=site, env=env,
                          capture_output=True, text=True, timeout=600)


def recipe_runs(site: Path) -> dict[tuple[tuple[str, ...], tuple[tuple[str, str], ...], str], list[str]]:
    """Return the recipes of a site `init` made, grouped by what a host runs: (scripts, environment, folder).

    Recipes that run the same commands, with the same environment, and publish the same folder (GitHub's
    and GitLab's steps, say) are run once for all of them.
    """
    runs: dict[tuple[tuple[str, ...], tuple[tuple[str, str], ...], str], list[str]] = {}
    for recipe, (read, extra_env, _address) in sorted(RECIPES.items()):
        steps, published = read(site)
        scripts = tuple(script for script in map(shell_lines, steps) if script.strip())
        runs.setdefault((scripts, tuple(sorted(extra_env.items())), published), []).append(recipe)
    return runs


def _runs_of_a_new_site() -> list[list[str]]:
    with tempfile.TemporaryDirectory() as folder:
        init_site(Path(folder) / "site")
        return list(recipe_runs(Path(folder) / "site").values())


@pytest.mark.parametrize("recipes", _runs_of_a_new_site(), ids="+".join)
def test_each_recipe_builds_the_init_site_from_its_pinned_requirement(recipes: list[str], tmp_path: Path,
                                                                      wheel: Path) -> None:
    site = ready_site(tmp_path, wheel)
    ((scripts, extra_env, published), found), = [(run, found) for run, found in recipe_runs(site).items()
                                                 if recipes[0] in found]
    assert found == recipes, "the recipes' steps changed since the tests were collected"
    commands = "\n".join(scripts)
    assert "pip install -r requirements.txt" in commands and "vigie check --publish" in commands
    assert commands.index("vigie check --publish") < commands.index("vigie build")
    env = {**fresh_venv(tmp_path / "venv"), **dict(extra_env)}
    for script in scripts:
        done = run_step(script, site, env)
        assert done.returncode == 0, f"{recipes}: `{script}` failed:\n{done.stdout}\n{done.stderr}"
    where = subprocess.run([str(tmp_path / "venv/bin/python"), "-c", "import generator; print(generator.__file__)"],
                           env=env, cwd=tmp_path, capture_output=True, text=True, check=True).stdout
    assert where.startswith(str(tmp_path / "venv")), f"{recipes}: Vigie did not come from the pinned wheel: {where}"
    out = site / published
    for rel in ("index.html", "fr/index.html", "en/articles/welcome/index.html", "_headers", "404.html"):
        assert (out / rel).is_file(), f"{recipes}: {published}/{rel} was not built"
    page = (out / "en/articles/welcome/index.html").read_text(encoding="utf-8")
    for recipe in recipes:
        address = RECIPES[recipe][2]
        assert f'<link rel="canonical" href="{address}en/articles/welcome/">' in page, recipe
    assert '<meta http-equiv="Content-Security-Policy"' in page


def test_recipes_that_run_the_same_steps_are_run_once_and_the_others_each_on_their_own(tmp_path: Path) -> None:
    site = tmp_path / "site"
    init_site(site)
    runs = recipe_runs(site)
    # GitHub and GitLab run the same lines, Netlify and Cloudflare the same one; a deploy preview has its address
    assert sorted(runs.values()) == [["cloudflare-pages", "netlify"], ["github-pages", "gitlab-pages"],
                                     ["netlify-deploy-preview"]]
    workflow = site / ".github/workflows/pages.yml"  # a recipe whose steps change gets a run of its own
    workflow.write_text(workflow.read_text(encoding="utf-8").replace("vigie build", "vigie build --drafts"),
                        encoding="utf-8")
    assert ["github-pages"] in recipe_runs(site).values() and len(recipe_runs(site)) == 4


def test_recipes_are_where_the_hosts_look_for_them(tmp_path: Path) -> None:
    site = tmp_path / "site"
    made = {p.relative_to(site).as_posix() for p in init_site(site)}
    assert made == {p.relative_to(site).as_posix() for p in site.rglob("*") if p.is_file()}
    assert {".github/workflows/pages.yml", ".gitlab-ci.yml", "netlify.toml", "requirements.txt",
            "PUBLISHING.md", ".gitignore"} <= made
    assert not [name for name in made if "dot-" in name]
    # The other sources requirements.txt offers are requirements as they are, once their "# " is removed.
    from packaging.requirements import Requirement

    lines = (site / "requirements.txt").read_text(encoding="utf-8").splitlines()
    offered = [Requirement(line.removeprefix("# ")) for line in lines if line.startswith("# vigie @ ")]
    assert [(r.name, r.url.split(":", 1)[0]) for r in offered] == [("vigie", "git+https"), ("vigie", "https")]
    assert all(__version__ in str(r.url) for r in offered)
