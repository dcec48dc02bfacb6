"""Editor workflow: suggest chapters into a reviewable file, accept them into film.yaml.

    chapters/<film>/suggestions.yaml   written by `suggest_chapters` (machine; never read by
                                       the pipeline except by `accept_suggestions`)
    projects/<film>/film.yaml          changed only by `accept_suggestions`, through the one
                                       chapters rewrite (`pipeline.manifest.rewrite`):
                                       atomically, after a backup `film.yaml.<UTC>.bak`
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import yaml

from .. import transcripts
from ..errors import ManifestError, Pending, StageOrderError
from ..fsutil import sha256_file, write_text
from ..manifest import parse_model, read_yaml, rewrite
from ..programme import load_programme
from ..workspace import Film
from .build import resolve
from .suggest import Params, Suggestions, suggest

HEADER = """\
# Chapter suggestions for film {film!r}, made by `casefilm chapters suggest` from
# {source}. Nothing here is in film.yaml yet.
# Review: fix starts and titles, pick goals (see each chapter's `candidates`: score 0..1 and
# the words that matched), add summary/questions if you like, delete chapters you do not
# want. Then run `casefilm chapters accept {film}` to copy start, title, goals (and summary,
# quote, questions) into film.yaml; `why` and `candidates` are not copied.
"""


def suggestions_path(film: Film) -> Path:
    return film.chapters_dir / "suggestions.yaml"


def _duration(film: Film, fallback: int) -> int:
    try:
        return load_programme(film).duration_ms
    except Pending:
        return fallback


def _duration_and_cuts(film: Film, fallback: int) -> tuple[int, list[int]]:
    """Programme duration and shot changes (ms; detected once and cached by the captions
    package); without an ingested programme, the transcript's duration and no cuts."""
    from ..captions import shots  # noqa: PLC0415

    try:
        prog = load_programme(film)
    except Pending:
        return fallback, []
    if not Path(prog.media).is_file():  # programme gone from the cache: no shot evidence
        return prog.duration_ms, []
    return prog.duration_ms, shots.cuts(film.cache_dir, Path(prog.media), prog.media_sha256,
                                        prog.duration_ms)


def suggest_chapters(film: Film, params: Params | None = None) -> tuple[Path, Suggestions]:
    """Write chapters/<film>/suggestions.yaml from the current transcript. Never touches
    film.yaml."""
    tp = transcripts.current_path(film)
    if tp is None:
        raise StageOrderError(film.id, "chapters suggest", "a transcript (run transcribe)")
    t = transcripts.read(tp)
    p = params or Params()
    duration, cuts = _duration_and_cuts(film, t.duration_ms)
    chapters = suggest(t, list(film.goals().values()), duration, cuts, p)
    s = Suggestions(
        film=film.id,
        transcript={"path": str(tp.relative_to(film.ws.root)), "revision": t.revision,
                    "status": t.provenance.status, "sha256": sha256_file(tp)},
        parameters={"min_length_s": p.min_length_ms / 1000, "max_chapters": p.max_chapters,
                    "goal_min_score": p.goal_min_score, "duration_ms": duration,
                    "shot_changes": len(cuts)},
        chapters=chapters)
    path = suggestions_path(film)
    body = yaml.safe_dump(s.model_dump(mode="json", exclude_none=True), allow_unicode=True,
                          sort_keys=False, width=100)
    source = f"{s.transcript['path']} (revision {t.revision}, {t.provenance.status})"
    write_text(path, HEADER.format(film=film.id, source=source) + body)
    return path, s


# --- accept -------------------------------------------------------------------------------

def _chapter_dicts(s: Suggestions) -> list[dict]:
    out = []
    for ch in s.chapters:
        d: dict = {"start": ch.start, "title": ch.title, "goals": list(ch.goals)}
        if ch.summary:
            d["summary"] = ch.summary
        if ch.quote:
            d["quote"] = ch.quote
        if ch.questions:
            d["questions"] = list(ch.questions)
        out.append(d)
    return out


@dataclass
class AcceptReport:
    manifest: Path
    backup: Path | None
    changes: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


def _describe(ch) -> str:
    from .. import timecode  # noqa: PLC0415

    goals = f" [{', '.join(ch.goals)}]" if ch.goals else ""
    return f"{timecode.short(ch.start)} {ch.title}{goals}"


def diff_chapters(old: list, new: list) -> list[str]:
    """Lines saying what changed, chapters matched by start time."""
    from .. import timecode  # noqa: PLC0415

    by_start = {c.start: c for c in old}
    out = []
    for c in new:
        o = by_start.pop(c.start, None)
        if o is None:
            out.append(f"+ {_describe(c)}")
        elif (o.title, o.goals, o.summary, o.quote, o.questions) != \
                (c.title, c.goals, c.summary, c.quote, c.questions):
            out.append(f"~ {timecode.short(c.start)} {o.title!r} → {c.title!r}"
                       + (f" goals {o.goals} → {c.goals}" if o.goals != c.goals else ""))
    out += [f"- {_describe(o)}" for o in by_start.values()]
    return out


def accept_suggestions(film: Film, *, replace: bool = False) -> AcceptReport:
    """Copy the reviewed suggestions into film.yaml (atomically, after a backup).

    Refuses, changing nothing, when suggestions.yaml is missing or invalid (the error names
    suggestions.yaml and the field), or when film.yaml already has chapters and `replace`
    is False."""
    spath = suggestions_path(film)
    if not spath.exists():
        raise StageOrderError(film.id, "chapters accept", f"{spath} (run chapters suggest)")
    s = parse_model(Suggestions, spath, read_yaml(spath))
    if s.film != film.id:
        raise ManifestError(spath, "film", f"suggestions are for another film, not {film.id!r}",
                            s.film)
    mpath = film.manifest_path
    old = film.manifest
    # a bad edit in suggestions.yaml is reported naming that file
    new_text, new = rewrite.with_chapters(mpath, old, _chapter_dicts(s), source=spath)
    probe = Film(film.ws, film.id, _manifest=new)
    try:
        transcript = transcripts.current(film)
        resolve(probe, _duration(film, transcript.duration_ms if transcript else 10**12),
                None)
    except ManifestError as e:
        if e.field.startswith("chapters"):
            raise ManifestError(spath, e.field, e.reason, e.value) from None
        raise
    warnings = []
    tp = transcripts.current_path(film)
    if s.transcript.get("sha256") and (tp is None or sha256_file(tp) != s.transcript["sha256"]):
        warnings.append(f"the transcript changed since these suggestions were made from "
                        f"{s.transcript.get('path')}; consider `casefilm chapters suggest "
                        f"{film.id}` again")
    changes = diff_chapters(old.chapters, new.chapters)
    if not changes:
        return AcceptReport(mpath, None, [], warnings)
    if old.chapters and not replace:
        raise ManifestError(mpath, "chapters",
                            f"already has {len(old.chapters)} chapters; accept with --replace "
                            f"to overwrite them (a backup of film.yaml is kept)")
    backup = rewrite.write_with_backup(mpath, new_text)
    film.reload()
    return AcceptReport(mpath, backup, changes, warnings)
