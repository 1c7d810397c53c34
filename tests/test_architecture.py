"""The pipeline reads one way: a module imports only modules of its own layer or of the layers below."""

from __future__ import annotations

import ast
import os
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "generator"

#: Bottom to top: each package of generator/ (and the modules at its top) may import only its own layer or lower.
#: config → content and facts → site model → render → write, with the commands on top.
LAYERS: tuple[tuple[str, frozenset[str]], ...] = (
    ("records", frozenset({"model"})),  # the frozen records every layer speaks of (generator/model/__init__.py)
    ("foundation", frozenset({"core", "locale"})),  # locale: the catalogs, and the hook that compiles them
    ("sources", frozenset({"sources"})),
    ("site model", frozenset({"model.site", "model.plan"})),
    ("media", frozenset({"media"})),
    ("render", frozenset({"render"})),
    ("write", frozenset({"output"})),
    ("build", frozenset({"build"})),
    ("commands", frozenset({"commands"})),
    ("command line", frozenset({"cli", "__main__", "__init__"})),
)
LAYER_OF = {name: index for index, (_, names) in enumerate(LAYERS) for name in names}


def module_name(path: Path) -> str:
    """Return a file's module below the package: ``render.stages``, ``build``."""
    rel = path.relative_to(PACKAGE).with_suffix("")
    parts = rel.parts[:-1] if rel.name == "__init__" and len(rel.parts) > 1 else rel.parts
    return ".".join(parts)


def layer(module: str) -> int:
    """Return the layer of a module: its own when listed, else its package's."""
    return LAYER_OF[module] if module in LAYER_OF else LAYER_OF[module.split(".")[0]]


def imports_of(path: Path) -> set[str]:
    """Return the generator modules a file imports (``render.stages``), at the top or inside functions."""
    here = module_name(path).split(".")
    package = here if path.name == "__init__.py" else here[:-1]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom):
            if node.level:  # from .cache import …, from .. import x
                base = package[: len(package) - node.level + 1]
                found.add(".".join([*base, *(node.module.split(".") if node.module else [])]) or "__init__")
            elif node.module and node.module.startswith("generator."):
                found.add(node.module.removeprefix("generator."))
            elif node.module == "generator":
                found.update(alias.name for alias in node.names if alias.name != "__version__")
        elif isinstance(node, ast.Import):
            found.update(alias.name.removeprefix("generator.") for alias in node.names
                         if alias.name.startswith("generator."))
    return found


FILES = sorted(p for p in PACKAGE.rglob("*.py") if "_theme" not in p.parts)
MODULES = [module_name(p) for p in FILES]


def test_every_package_has_a_layer() -> None:
    assert sorted({m.split(".")[0] for m in MODULES} - set(LAYER_OF)) == []


@pytest.mark.parametrize("path", FILES, ids=MODULES)
def test_imports_only_go_down(path: Path) -> None:
    module = module_name(path)
    upward = sorted(other for other in imports_of(path) if layer(other) > layer(module))
    assert upward == [], (f"{module} ({LAYERS[layer(module)][0]}) imports "
                          + ", ".join(f"{o} ({LAYERS[layer(o)][0]})" for o in upward))


def test_an_upward_import_is_found() -> None:
    sample = PACKAGE / "core" / "_architecture_sample.py"
    sample.write_text("def f():\n    from generator.render.contexts import Contexts\n", encoding="utf-8")
    try:
        with pytest.raises(AssertionError, match="core._architecture_sample .foundation. imports render.contexts"):
            test_imports_only_go_down(sample)
    finally:
        sample.unlink()


def test_the_scan_sees_imports_inside_functions(tmp_path: Path) -> None:
    sample = PACKAGE / "render" / "_architecture_sample.py"
    sample.write_text("def f():\n    from generator.render.stages import x\n    from ..media.cards import y\n"
                      "    from .deps import z\nimport generator.commands.serve\n", encoding="utf-8")
    try:
        assert imports_of(sample) == {"render.stages", "media.cards", "render.deps", "commands.serve"}
    finally:
        sample.unlink()


def test_the_code_fingerprint_covers_every_file_of_the_package(tmp_path: Path,
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    import generator.build as build

    fake = tmp_path / "generator"
    (fake / "sub" / "__pycache__").mkdir(parents=True)
    (fake / "build.py").write_text("x = 1\n", encoding="utf-8")
    (fake / "sub" / "deep.py").write_text("y = 1\n", encoding="utf-8")
    (fake / "sub" / "page.html").write_text("<p>\n", encoding="utf-8")
    monkeypatch.setattr(build, "__file__", str(fake / "build.py"))
    before = build.code_digest()
    (fake / "sub" / "__pycache__" / "deep.cpython-311.pyc").write_bytes(b"compiled")
    assert build.code_digest() == before
    (fake / "sub" / "page.html").write_text("<p>changed\n", encoding="utf-8")
    assert build.code_digest() != before
    changed = build.code_digest()
    (fake / "sub" / "deep.py").rename(fake / "moved.py")
    assert build.code_digest() != changed
    # Files are read again only when their stamps say so: an edit that keeps the size and the time is not seen,
    # the next one is.
    moved, page = build.code_digest(), fake / "sub" / "page.html"
    stamp = page.stat().st_mtime_ns
    page.write_text("<p>edited!\n", encoding="utf-8")  # as long as "<p>changed\n"
    os.utime(page, ns=(stamp, stamp))
    assert build.code_digest() == moved
    os.utime(page, ns=(stamp + 1000, stamp + 1000))
    assert build.code_digest() != moved
