"""The catalogue's search index: lunr with lunr-languages' German stemmer, built at build
time with node from the same files the site vendors, so the browser only loads it.

The npm packages (pinned in package.json) are looked up, in this order, in
`$CASEFILM_LUNR_DIR`, `pipeline/static/vendor/` (where an installed, non-checkout setup
puts them) and the checkout's `node_modules/` (`npm ci`). The built index is embedded in a
script file of the site (`assets/search-index.js`), never fetched: browsers refuse to fetch
JSON from file://.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

from ..errors import MissingAsset, MissingTool, ToolError
from .model import SearchDoc

HERE = Path(__file__).resolve().parent
STATIC = HERE.parent / "static"
REPO = HERE.parent.parent
BUILDER = HERE / "build_index.js"
ENV = "CASEFILM_LUNR_DIR"

# vendored name -> where npm puts it under node_modules/, in the order the page loads them
LIBRARIES = {
    "lunr.min.js": "lunr/lunr.min.js",
    "lunr.stemmer.support.min.js": "lunr-languages/min/lunr.stemmer.support.min.js",
    "lunr.de.min.js": "lunr-languages/min/lunr.de.min.js",
}


def library_files() -> dict[str, Path]:
    """The three lunr files (vendored name -> path). Raises MissingAsset when absent."""
    out: dict[str, Path] = {}
    for name, npm_path in LIBRARIES.items():
        candidates = [Path(d) / name for d in (os.environ.get(ENV),) if d]
        candidates += [STATIC / "vendor" / name, REPO / "node_modules" / npm_path]
        found = next((p for p in candidates if p.is_file()), None)
        if found is None:
            raise MissingAsset(name, "for the catalogue's search", ENV)
        out[name] = found
    return out


def versions() -> dict[str, str]:
    """Versions of lunr and lunr-languages as installed (package.json), else 'unknown'."""
    out = {}
    for pkg, lib in (("lunr", "lunr.min.js"), ("lunr-languages", "lunr.de.min.js")):
        p = library_files()[lib]
        try:
            meta = next(q for q in (p.parent / "package.json", p.parent.parent / "package.json")
                        if q.is_file())
            out[pkg] = json.loads(meta.read_text(encoding="utf-8"))["version"]
        except (StopIteration, OSError, ValueError, KeyError):
            out[pkg] = "unknown"
    return out


def build_index(docs: list[SearchDoc], timeout: float = 600) -> dict:
    """The serialized lunr index of `docs` (one field, `text`; refs are `SearchDoc.ref`)."""
    node = shutil.which("node") or shutil.which("nodejs")
    if node is None:
        raise MissingTool("node", "nodejs", "to build the catalogue's search index")
    libs = library_files()
    argv = [node, str(BUILDER), *(str(libs[n]) for n in LIBRARIES)]
    payload = json.dumps([{"ref": d.ref, "text": d.text} for d in docs], ensure_ascii=False)
    try:
        proc = subprocess.run(argv, input=payload, capture_output=True, text=True,
                              encoding="utf-8", timeout=timeout)
    except subprocess.TimeoutExpired:
        raise ToolError(argv, -1, f"no index within {timeout:.0f} s") from None
    if proc.returncode != 0:
        raise ToolError(argv, proc.returncode, proc.stderr)
    try:
        return json.loads(proc.stdout)
    except ValueError:
        raise ToolError(argv, 0, "wrote no index (not JSON)") from None
