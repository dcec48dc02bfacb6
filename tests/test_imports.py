"""The package's import graph (scripts/check_imports.py): no module cycles, no loops of
packages, packages depend downwards only through the layers of DESIGN.md (docs/layers.md),
the CLI and the stage layer on top, library code below them."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from scripts.check_imports import (LAYERS, cycles, imports, layer_problems, modules,
                                   package_edges, package_loops)

PIPELINE = Path(__file__).resolve().parent.parent / "pipeline"


def _edges() -> dict[str, set[str]]:
    mods = modules(PIPELINE)
    return {m: imports(m, f, mods) for m, f in mods.items()}


def test_no_import_cycles():
    assert cycles(PIPELINE) == []


def test_no_package_loops():
    """No two packages reach each other, counting imports inside functions."""
    assert package_loops(PIPELINE) == []


def test_packages_depend_downwards_only():
    """Every package has a layer and imports only its own layer or lower ones, never a
    forbidden neighbour (manifest no feature, captions no descriptions, no feature the
    export's code)."""
    assert layer_problems(PIPELINE) == []


def test_layer_map_names_only_known_layers_once():
    seen = [p for members in LAYERS.values() for p in members]
    assert len(seen) == len(set(seen))
    assert list(LAYERS) == ["cli", "orchestration", "sign-off", "features", "workspace", "base"]


def test_checker_sees_package_loops_and_layer_breaks_without_module_cycles(tmp_path):
    """The package checks can fail: two packages that reach each other only through a
    function-level import (no module cycle), a base module importing a feature, a
    forbidden edge inside the feature layer, a package with no layer."""
    pkg = tmp_path / "pkg"
    for sub in ("captions", "descriptions", "delivery"):
        (pkg / sub).mkdir(parents=True)
        (pkg / sub / "__init__.py").write_text("")
    (pkg / "__init__.py").write_text("")
    (pkg / "captions" / "qc.py").write_text("def f():\n    from ..descriptions import files\n")
    (pkg / "descriptions" / "files.py").write_text("X = 1\n")
    (pkg / "descriptions" / "status.py").write_text("from ..captions import qc\n")
    (pkg / "delivery" / "mix.py").write_text("from ..manifest import Y\n")
    (pkg / "delivery" / "encode.py").write_text("Z = 3\n")
    (pkg / "manifest.py").write_text("def g():\n    import pkg.delivery.encode\nY = 2\n")
    (pkg / "gadgets.py").write_text("")
    assert cycles(pkg) == []
    assert package_loops(pkg) == [["captions", "descriptions"], ["delivery", "manifest"]]
    assert package_edges(pkg)["captions"] == {
        "descriptions": "pkg.captions.qc -> pkg.descriptions"}
    problems = layer_problems(pkg)
    assert "gadgets: no layer (add it to LAYERS in scripts/check_imports.py and docs/layers.md)" \
        in problems
    assert any(p.startswith("manifest (base) imports delivery (features), a higher layer")
               for p in problems)
    assert any(p.startswith("captions imports descriptions, which it must not") for p in problems)


def test_checker_sees_function_level_and_package_init_cycles(tmp_path):
    """The checker can fail: a cycle through a function-level import, and one through a
    package __init__ that Python runs before the submodule it imports."""
    pkg = tmp_path / "pkg"
    (pkg / "sub").mkdir(parents=True)
    (pkg / "__init__.py").write_text("")
    (pkg / "a.py").write_text("def f():\n    from . import b\n")
    (pkg / "b.py").write_text("from .a import f\n")
    (pkg / "sub" / "__init__.py").write_text("from ..c import X\n")
    (pkg / "sub" / "leaf.py").write_text("Y = 1\n")
    (pkg / "c.py").write_text("from .sub.leaf import Y\nX = Y\n")
    (pkg / "d.py").write_text("from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n"
                              "    from .e import Z\n")
    (pkg / "e.py").write_text("from .d import TYPE_CHECKING as Z\n")
    assert cycles(pkg) == [["pkg.a", "pkg.b"], ["pkg.c", "pkg.sub"]]


def test_nothing_below_the_cli_imports_it():
    users = {m for m, targets in _edges().items()
             if any(t == "pipeline.cli" or t.startswith("pipeline.cli.") for t in targets)}
    assert {u for u in users if not u.startswith("pipeline.cli")} == {"pipeline.__main__"}


def test_library_code_does_not_import_the_stage_layer():
    """Only the runner, preflight (which asks each stage's check hooks) and the CLI use
    `pipeline.stages`; what stages and library code share (Pending, load_programme, …)
    lives in library modules."""
    users = {m for m, targets in _edges().items()
             if any(t == "pipeline.stages" or t.startswith("pipeline.stages.") for t in targets)
             and not m.startswith(("pipeline.stages", "pipeline.cli"))}
    assert users == {"pipeline.runner", "pipeline.preflight"}


@pytest.mark.parametrize("module", ["pipeline.manifest", "pipeline.captions.profiles",
                                    "pipeline.didactics.writers", "pipeline.cli"])
def test_module_imports_first_in_a_fresh_interpreter(module):
    """No partial-initialisation error whichever module a program imports first."""
    proc = subprocess.run([sys.executable, "-c", f"import {module}"], capture_output=True,
                          text=True, cwd=PIPELINE.parent)
    assert proc.returncode == 0, proc.stderr
