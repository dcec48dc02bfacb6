#!/usr/bin/env python3
"""Import cycles among the modules of a package, loops among its packages, and imports
against its layers; exit 1 when there is any.

usage: scripts/check_imports.py [PACKAGE_DIR]     (default: pipeline/ beside this script)

Three checks, all on the same import graph:

- module cycles: modules that import each other, however indirectly;
- package loops: the top-level packages and modules of PACKAGE_DIR (`pipeline.captions`,
  `pipeline.runner`, …) that reach each other through any of their modules; a loop of
  packages with no module cycle is still a loop (docs/layers.md);
- layers (`LAYERS`, DESIGN.md "Layers"): a package imports only packages of its own layer
  or of a lower one, never one listed in `FORBIDDEN`, and every package has a layer.

Counts every import of the package's own modules, at module level and inside functions
alike (a function-level import that dodges a cycle is still one); imports under
`if TYPE_CHECKING:` are ignored (they never run). It follows what Python does at run
time: importing `a.b.c` first runs the `__init__` of `a` and `a.b`, so a module that
imports `pipeline.captions.profiles` depends on `pipeline/captions/__init__.py` too
(unless it lives inside that package itself, whose `__init__` has then already started).
tests/test_imports.py runs it as part of the test suite.
"""

from __future__ import annotations

import ast
import sys
from pathlib import Path


def modules(root: Path) -> dict[str, Path]:
    """Dotted module name -> file, for every .py file under the package `root`."""
    out = {}
    for f in sorted(root.rglob("*.py")):
        parts = list(f.relative_to(root.parent).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts = parts[:-1]
        out[".".join(parts)] = f
    return out


def _type_checking_nodes(tree: ast.AST) -> set[int]:
    skip: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            skip.update(id(n) for n in ast.walk(node))
    return skip


def imports(name: str, path: Path, mods: dict[str, Path]) -> set[str]:
    """The package's modules that importing module `name` runs directly."""
    is_pkg = path.name == "__init__.py"
    pkg = name.split(".")[0]
    tree = ast.parse(path.read_text(encoding="utf-8"))
    skip = _type_checking_nodes(tree)

    def known(dotted: str) -> str | None:
        while dotted and dotted not in mods:
            dotted = dotted.rpartition(".")[0]
        return dotted or None

    targets: set[str] = set()
    for node in ast.walk(tree):
        if id(node) in skip:
            continue
        if isinstance(node, ast.Import):
            targets.update(t for a in node.names if a.name.split(".")[0] == pkg
                           and (t := known(a.name)))
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base_parts = name.split(".") if is_pkg else name.split(".")[:-1]
                base_parts = base_parts[: len(base_parts) - (node.level - 1)]
                base = ".".join(base_parts + ([node.module] if node.module else []))
            elif node.module and node.module.split(".")[0] == pkg:
                base = node.module
            else:
                continue
            for a in node.names:
                sub = f"{base}.{a.name}"
                t = sub if sub in mods else known(base)
                if t:
                    targets.add(t)
    # importing a.b.c runs a/__init__ and a/b/__init__ first (unless we are inside them)
    for t in list(targets):
        parent = t.rpartition(".")[0]
        while parent:
            if parent in mods and not (name == parent or name.startswith(parent + ".")):
                targets.add(parent)
            parent = parent.rpartition(".")[0]
    targets.discard(name)
    return targets


def cycles(root: Path) -> list[list[str]]:
    """Each import cycle among the package's modules, as its sorted module names."""
    mods = modules(root)
    edges = {m: imports(m, f, mods) for m, f in mods.items()}
    sys.setrecursionlimit(max(sys.getrecursionlimit(), 10 * len(mods) + 100))
    return _strong(edges)


def _strong(edges: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected groups of more than one node (Tarjan), each sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def strong(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in sorted(edges.get(v, ())):
            if w not in index:
                strong(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                found.append(sorted(comp))

    for v in sorted(edges):
        if v not in index:
            strong(v)
    return found


# --- packages and layers -------------------------------------------------------------------

# DESIGN.md "Layers", top first: a package may import its own layer and the ones below it.
LAYERS: dict[str, set[str]] = {
    "cli": {"cli", "__main__"},
    "orchestration": {"runner", "preflight", "stages", "cluster", "demo"},
    "sign-off": {"signoff"},
    "features": {"captions", "descriptions", "didactics", "delivery", "compose", "edit",
                 "review", "catalogue", "lms"},
    "workspace": {"workspace", "transcripts", "programme"},
    "base": {"manifest", "models", "errors", "ffmpeg", "audio", "subtitle_io", "asr",
             "fsutil", "timecode", "qc", "words", "i18n", "links", "templating",
             "transcript_io", "locks", "records"},
}
# edges inside one layer that must never be: features read each other's outputs through
# typed models; the sign-off (approval, combined QC report) sits above captions and
# descriptions; shared audio is the base layer's `audio`, not the export's
FORBIDDEN: set[tuple[str, str]] = {
    ("captions", "descriptions"), ("captions", "delivery"), ("descriptions", "delivery"),
    ("compose", "delivery"),
}


def package_edges(root: Path) -> dict[str, dict[str, str]]:
    """Top-level package (or module) -> the packages it imports -> one module import that
    makes the edge ("pipeline.captions.qc -> pipeline.descriptions.qc"), counting imports
    inside functions. Packages are named without the root (`captions`, `runner`)."""
    mods = modules(root)
    out: dict[str, dict[str, str]] = {}
    for m, f in mods.items():
        parts = m.split(".")
        if len(parts) < 2:
            continue  # the root's own __init__
        out.setdefault(parts[1], {})
        for t in sorted(imports(m, f, mods)):
            tp = t.split(".")
            if len(tp) >= 2 and tp[1] != parts[1]:
                out[parts[1]].setdefault(tp[1], f"{m} -> {t}")
    return out


def package_loops(root: Path) -> list[list[str]]:
    """Each group of packages that reach each other (a loop of packages), sorted."""
    return _strong({p: set(targets) for p, targets in package_edges(root).items()})


def layer_of(package: str) -> str | None:
    return next((name for name, members in LAYERS.items() if package in members), None)


def layer_problems(root: Path) -> list[str]:
    """Packages without a layer, imports of a higher layer, FORBIDDEN edges: one line each."""
    rank = {name: i for i, name in enumerate(LAYERS)}  # 0 is the top
    edges = package_edges(root)
    out = [f"{p}: no layer (add it to LAYERS in scripts/check_imports.py and docs/layers.md)"
           for p in sorted(edges) if layer_of(p) is None]
    for p, targets in sorted(edges.items()):
        for t, where in sorted(targets.items()):
            lp, lt = layer_of(p), layer_of(t)
            if lp is not None and lt is not None and rank[lt] < rank[lp]:
                out.append(f"{p} ({lp}) imports {t} ({lt}), a higher layer: {where}")
            elif (p, t) in FORBIDDEN:
                out.append(f"{p} imports {t}, which it must not: {where}")
    return out


def main(argv: list[str]) -> int:
    root = (Path(argv[1]) if len(argv) > 1
            else Path(__file__).resolve().parent.parent / "pipeline").resolve()
    found = cycles(root)
    for comp in found:
        print("cycle: " + " <-> ".join(comp))
    loops = package_loops(root)
    for comp in loops:
        print("package loop: " + " <-> ".join(comp))
    problems = layer_problems(root)
    for line in problems:
        print("layer: " + line)
    n_edges = sum(len(t) for t in package_edges(root).values())
    print(f"{len(found)} import cycles among {len(modules(root))} modules of {root.name}; "
          f"{len(loops)} package loops and {len(problems)} layer problems among "
          f"{n_edges} package edges")
    return 1 if found or loops or problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
