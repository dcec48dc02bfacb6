#!/usr/bin/env python3
"""Import cycles among the modules of a package; exit 1 when there is any.

usage: scripts/check_imports.py [PACKAGE_DIR]     (default: pipeline/ beside this script)

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
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def strong(v: str) -> None:  # Tarjan's strongly connected components
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in sorted(edges[v]):
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

    sys.setrecursionlimit(max(sys.getrecursionlimit(), 10 * len(mods) + 100))
    for m in sorted(mods):
        if m not in index:
            strong(m)
    return found


def main(argv: list[str]) -> int:
    root = Path(argv[1]) if len(argv) > 1 else Path(__file__).resolve().parent.parent / "pipeline"
    found = cycles(root.resolve())
    for comp in found:
        print("cycle: " + " <-> ".join(comp))
    print(f"{len(found)} import cycles among {len(modules(root.resolve()))} modules of {root.name}")
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
