"""The one rewrite of film.yaml's `chapters` block (`casefilm chapters accept`, conform).

Only the block is replaced, as text: every other key, comment and format stays as the
editor left it. The new text is validated as a whole and must differ from the old
manifest in its chapters alone; it is written atomically after a timestamped backup
`film.yaml.<UTC>.bak` beside it (human work is never lost).
"""

from __future__ import annotations

import re
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import yaml

from .. import timecode
from ..errors import ManifestError
from ..fsutil import copy_atomic, write_text
from . import Chapter, FilmManifest, parse_model

_TOP_KEY = re.compile(r"^(?P<key>[A-Za-z_][\w-]*)\s*:")


def replace_top_level(text: str, key: str, block: str) -> str:
    """Replace the top-level mapping entry `key` (its line and every following indented,
    blank or comment line up to the next top-level key) with `block`; append `block` when
    `key` is absent. Comments and formatting of every other key stay as they are."""
    lines = text.splitlines(keepends=True)
    start = next((i for i, ln in enumerate(lines)
                  if (m := _TOP_KEY.match(ln)) and m["key"] == key), None)
    if start is None:
        sep = "" if not text or text.endswith("\n") else "\n"
        return text + sep + block
    end = start + 1
    while end < len(lines) and not _TOP_KEY.match(lines[end]) and \
            not lines[end].startswith(("---", "...")):
        end += 1
    # comment lines directly above the next key belong to that key
    while end - 1 > start and lines[end - 1].startswith("#"):
        end -= 1
    return "".join(lines[:start]) + block + "".join(lines[end:])


def chapter_dict(ch: Chapter) -> dict[str, Any]:
    """A Chapter as film.yaml writes it (timecodes as text, empty fields left out)."""
    d: dict[str, Any] = {"start": timecode.manifest(ch.start), "title": ch.title}
    if ch.id is not None:
        d = {"id": ch.id, **d}
    if ch.goals:
        d["goals"] = list(ch.goals)
    if ch.summary:
        d["summary"] = ch.summary
    if ch.quote:
        d["quote"] = {"start": timecode.manifest(ch.quote.start),
                      "end": timecode.manifest(ch.quote.end)}
    if ch.questions:
        d["questions"] = list(ch.questions)
    return d


def with_chapters(path: Path, old: FilmManifest, chapters: list[dict[str, Any]],
                  source: Path | None = None) -> tuple[str, FilmManifest]:
    """film.yaml at `path` (whose manifest is `old`) with its chapters block replaced by
    `chapters` (as film.yaml writes them), and the manifest it validates to. Raises
    ManifestError when the result does not validate (naming `source`, the file the
    chapters came from, when given; else `path`) or when anything but the chapters would
    change (naming `path`)."""
    block = yaml.safe_dump({"chapters": chapters}, allow_unicode=True, sort_keys=False,
                           width=100)
    new_text = replace_top_level(path.read_text(encoding="utf-8"), "chapters", block)
    try:
        new = parse_model(FilmManifest, path, yaml.safe_load(new_text))
    except ManifestError as e:
        if source is None:
            raise
        raise ManifestError(source, e.field, e.reason, e.value) from None
    if new.model_dump(exclude={"chapters"}) != old.model_dump(exclude={"chapters"}):
        raise ManifestError(path, "chapters", "could not replace the chapters block without "
                                              "changing other keys; edit film.yaml by hand")
    return new_text, new


def write_with_backup(path: Path, new_text: str) -> Path:
    """Write `new_text` to `path` atomically after a timestamped backup; the backup's path."""
    stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%S%fZ")
    backup = copy_atomic(path, path.with_name(f"{path.name}.{stamp}.bak"))
    write_text(path, new_text)
    return backup
