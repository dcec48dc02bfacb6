"""A checker of H5P content parameters against a library's `semantics.json`.

It walks the semantics tree the way H5P's content validator (h5p-php-library
`H5PContentValidator`) reads it, but reports instead of silently dropping: unknown keys,
a missing field that is neither optional nor has a default, wrong types, a select value
not among its options, numbers outside min/max, lists outside min/max, a library not
among the field's `options`, a file without path/mime. A group with a single field is
stored as that field's value (H5P's quirk). Sub-content of a library field is checked
when the caller passes that library's semantics in `libraries` ("H5P.X 1.2" -> tree).

    problems = check(semantics, content)   # [] when valid; else "path: problem" lines
"""

from __future__ import annotations

import re
from typing import Any


def check(semantics: list[dict], params: Any, libraries: dict[str, list[dict]] | None = None
          ) -> list[str]:
    out: list[str] = []
    _fields(semantics, params, "", out, libraries or {})
    return out


def _fields(fields: list[dict], value: Any, path: str, out: list[str], libs) -> None:
    if not isinstance(value, dict):
        out.append(f"{path or '(top)'}: expected an object")
        return
    names = {f["name"] for f in fields}
    for k in value:
        if k not in names:
            out.append(f"{path}{k}: unknown key")
    for f in fields:
        name = f["name"]
        if name not in value:
            if not f.get("optional") and "default" not in f and f["type"] != "group":
                out.append(f"{path}{name}: missing (not optional, no default)")
            continue
        _field(f, value[name], f"{path}{name}", out, libs)


def _field(f: dict, v: Any, path: str, out: list[str], libs) -> None:
    t = f["type"]
    if t == "group":
        sub = f.get("fields", [])
        if len(sub) == 1 and not isinstance(v, dict):  # single-field group: stored flat
            _field(sub[0], v, path, out, libs)
        else:
            _fields(sub, v, path + ".", out, libs)
    elif t == "list":
        if not isinstance(v, list):
            out.append(f"{path}: expected a list")
            return
        if "min" in f and len(v) < f["min"]:
            out.append(f"{path}: fewer than {f['min']} items")
        if "max" in f and len(v) > f["max"]:
            out.append(f"{path}: more than {f['max']} items")
        for i, item in enumerate(v):
            _field(f["field"], item, f"{path}.{i}", out, libs)
    elif t == "text":
        if not isinstance(v, str):
            out.append(f"{path}: expected text")
            return
        if "maxLength" in f and len(v) > f["maxLength"]:
            out.append(f"{path}: longer than {f['maxLength']}")
        if "regexp" in f and not re.search(f["regexp"]["pattern"], v):
            out.append(f"{path}: does not match {f['regexp']['pattern']}")
    elif t == "number":
        if isinstance(v, bool) or not isinstance(v, (int, float)):
            out.append(f"{path}: expected a number")
            return
        if "min" in f and v < f["min"]:
            out.append(f"{path}: below {f['min']}")
        if "max" in f and v > f["max"]:
            out.append(f"{path}: above {f['max']}")
    elif t == "boolean":
        if not isinstance(v, bool):
            out.append(f"{path}: expected true or false")
    elif t == "select":
        allowed = {o["value"] for o in f.get("options", [])}
        values = v if f.get("multiple") and isinstance(v, list) else [v]
        for x in values:
            if x not in allowed:
                out.append(f"{path}: {x!r} is not one of {sorted(map(str, allowed))}")
    elif t == "library":
        if not isinstance(v, dict) or not isinstance(v.get("library"), str):
            out.append(f"{path}: expected {{library, params}}")
            return
        if v["library"] not in f.get("options", []):
            out.append(f"{path}.library: {v['library']!r} is not among {f.get('options')}")
        for k in v:
            if k not in ("library", "params", "subContentId", "metadata"):
                out.append(f"{path}.{k}: unknown key")
        if not isinstance(v.get("params"), dict):
            out.append(f"{path}.params: expected an object")
        elif v["library"] in libs:
            _fields(libs[v["library"]], v["params"], path + ".params.", out, libs)
    elif t in ("file", "image"):
        _file(v, path, out)
    elif t in ("video", "audio"):
        if not isinstance(v, list) or not v:
            out.append(f"{path}: expected a list of files")
            return
        for i, x in enumerate(v):
            _file(x, f"{path}.{i}", out)
    else:
        out.append(f"{path}: semantics type {t!r} not known to this checker")


def _file(v: Any, path: str, out: list[str]) -> None:
    if not isinstance(v, dict) or not isinstance(v.get("path"), str) or not v["path"]:
        out.append(f"{path}: expected a file {{path, mime}}")
        return
    if not isinstance(v.get("mime"), str):
        out.append(f"{path}.mime: missing")
