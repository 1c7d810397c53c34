"""The pipeline reads one way: a module imports only modules of its own layer or of the layers below."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "generator"

#: Bottom to top. config → content and facts → site model → render → write, with the commands on top.
LAYERS: tuple[tuple[str, frozenset[str]], ...] = (
    ("foundation", frozenset({"errors", "model", "cache", "lock", "fonts", "workers"})),
    ("decisions", frozenset({"paths", "phones", "formats", "sourcefiles"})),
    ("sources", frozenset({"yamlsource", "theme", "schema", "config", "content", "facts", "i18n", "assets"})),
    ("site model", frozenset({"site", "plan"})),
    ("render", frozenset({"markup", "templating", "views", "cards", "pdf", "prerender", "render", "bodies",
                          "contexts", "deps"})),
    ("write", frozenset({"output"})),
    ("build", frozenset({"build"})),
    ("commands", frozenset({"incremental", "check", "scaffold", "serve", "cli", "__main__"})),
)
LAYER_OF = {module: index for index, (_, modules) in enumerate(LAYERS) for module in modules}


def imports_of(path: Path) -> set[str]:
    """Return the generator modules a file imports, at the top or inside functions."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom):
            if node.level == 1 and node.module:  # from .cache import …
                found.add(node.module.split(".")[0])
            elif node.module and node.module.startswith("generator."):
                found.add(node.module.split(".")[1])
            elif node.module == "generator":
                found.update(alias.name for alias in node.names if alias.name in LAYER_OF)
        elif isinstance(node, ast.Import):
            found.update(alias.name.split(".")[1] for alias in node.names if alias.name.startswith("generator."))
    return found


MODULES = sorted(p.stem for p in PACKAGE.glob("*.py") if p.stem != "__init__")


def test_every_module_has_a_layer() -> None:
    assert sorted(set(MODULES) - set(LAYER_OF)) == []


@pytest.mark.parametrize("module", MODULES)
def test_imports_only_go_down(module: str) -> None:
    upward = sorted(other for other in imports_of(PACKAGE / f"{module}.py")
                    if other in LAYER_OF and LAYER_OF[other] > LAYER_OF[module])
    assert upward == [], (f"{module} ({LAYERS[LAYER_OF[module]][0]}) imports "
                          + ", ".join(f"{o} ({LAYERS[LAYER_OF[o]][0]})" for o in upward))


def test_the_scan_sees_imports_inside_functions(tmp_path: Path) -> None:
    sample = tmp_path / "sample.py"
    sample.write_text("def f():\n    from generator.render import Renderer\n    from .cards import x\n"
                      "import generator.serve\n", encoding="utf-8")
    assert imports_of(sample) == {"render", "cards", "serve"}


def test_the_code_fingerprint_covers_every_file_of_the_package(tmp_path: Path,
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    import generator.build as build

    fake = tmp_path / "generator"
    (fake / "sub" / "__pycache__").mkdir(parents=True)
    (fake / "build.py").write_text("x = 1\n", encoding="utf-8")
    (fake / "sub" / "deep.py").write_text("y = 1\n", encoding="utf-8")
    (fake / "sub" / "page.html").write_text("<p>\n", encoding="utf-8")
    monkeypatch.setattr(build, "__file__", str(fake / "build.py"))
    before = build._code_digest()
    (fake / "sub" / "__pycache__" / "deep.cpython-311.pyc").write_bytes(b"compiled")
    assert build._code_digest() == before
    (fake / "sub" / "page.html").write_text("<p>changed\n", encoding="utf-8")
    assert build._code_digest() != before
    changed = build._code_digest()
    (fake / "sub" / "deep.py").rename(fake / "moved.py")
    assert build._code_digest() != changed
