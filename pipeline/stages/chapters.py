"""Stage 'chapters': film.yaml chapters + learning goals → chapter tracks and documents.

Consumes the chapter and goal parts of film.yaml, the goal catalogue, the programme's
duration (ingest) and, only when a chapter has a key quote, the current transcript.
Produces in `chapters/<film>/`, all from one `ChapterSet` (see pipeline.didactics):
chapters.vtt, chapters.json, chapters.jsonld, ffmetadata.txt, companion.html and, when
`export.description_chapters` is on, description.txt. companion.pdf is made on demand
(`casefilm chapters pdf`); once it exists, every run prints it again so it never lags.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from .. import i18n, transcripts
from ..didactics import build as chapter_rules
from ..didactics.build import resolve
from ..didactics.companion import TEMPLATE, print_pdf
from ..didactics.writers import write_all
from ..errors import CasefilmError
from ..fsutil import sha256_json, sha256_text
from ..programme import load_programme
from ..workspace import Film
from .base import Context, Plan, Result, Stage

FORMAT_VERSION = "1"  # bump when an output format changes, so every film re-runs


@dataclass(frozen=True)
class ChaptersInputs:
    duration_ms: int  # the programme's duration
    transcript: Path | None  # current transcript, only when a chapter has a key quote


def _layout_digest() -> str:
    """Digest of the companion template and its strings (they shape companion.html)."""
    parts = [TEMPLATE.read_text(encoding="utf-8"),
             sha256_json(i18n.strings("companion"))]
    return sha256_text("\n".join(parts))


def plan(ctx: Context) -> Plan[ChaptersInputs]:
    film = ctx.film
    m = film.manifest
    duration = load_programme(film).duration_ms  # Pending until ingest has run
    inputs = {
        "chapters": sha256_json([c.model_dump(mode="json") for c in m.chapters]),
        "goals": sha256_json([g.model_dump(mode="json") for g in m.learning_goals]),
    }
    cat = film.ws.catalogue_path()
    inputs["catalogue"] = ctx.digest(cat) if cat.exists() else "absent"
    tp = None
    if any(c.quote for c in m.chapters):  # key quote texts come from the transcript
        tp = transcripts.current_path(film)
        inputs["transcript"] = f"{tp.name}:{ctx.digest(tp)}" if tp else "absent"
    params = {
        "duration_ms": duration,
        "title": m.title, "language": m.language,
        "organisation": m.organisation, "industry": m.industry,
        "description_chapters": m.export.description_chapters,
        "format": FORMAT_VERSION, "layout": _layout_digest(),
    }
    if "transcript" in inputs:
        params["speakers"] = [s.model_dump(mode="json") for s in m.speakers]
    return Plan(inputs=inputs, params=params, data=ChaptersInputs(duration, tp))


def run(ctx: Context, plan: Plan[ChaptersInputs]) -> Result:
    film = ctx.film
    tp = plan.data.transcript
    transcript = transcripts.read(tp) if tp else None
    cs, notes = resolve(film, plan.data.duration_ms, transcript)
    written, removed = write_all(cs, film.chapters_dir)
    notes += [f"removed {p.name} (no longer enabled)" for p in removed]
    pdf = film.chapters_dir / "companion.pdf"
    if pdf.exists():  # made once on demand (`casefilm chapters pdf`): keep it current
        try:
            written.append(print_pdf(film.chapters_dir / "companion.html", pdf))
        except CasefilmError as e:
            pdf.unlink(missing_ok=True)
            notes.append(f"removed stale companion.pdf, could not print it again: {e.line()}")
    return Result(outputs=written, notes=notes, versions={"chapters-format": FORMAT_VERSION})


def check_settings(film: Film) -> None:
    """Chapters without the programme's duration (`didactics.build.check`): goal ids known
    (unique across catalogue and film) and not repeated, start times increasing, titles on
    one line, no empty question, key quotes inside their chapter, description-chapter rules."""
    chapter_rules.check(film)


STAGE = Stage("chapters", plan, run, summary="Chapter tracks, JSON(-LD), FFMETADATA and "
                                            "the trainers' companion sheet from film.yaml.",
              check_settings=check_settings)
