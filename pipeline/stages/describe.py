"""Stage 'describe': audio description from projects/<film>/descriptions.yaml.

Inputs: descriptions.yaml (digest; "absent" when there is none), the programme (ingest:
media digest and duration), the current transcript (the gaps: where narrations run into
speech), each recorded narration file (digest), the reviewers' voice acceptances
(subtitles/<film>/ad-voices.json). Parameters: film.yaml `descriptions` (rate, ducking,
ramps, voice) and `export` loudness target and ceiling, the voice engine's version, the
algorithm version. Outputs: see `pipeline.descriptions.build` (descriptions.vtt, the AD
mix, the narration stem, the clips, ad.json). Without descriptions the stage is done at
once and leaves no audio description behind (earlier files are removed).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from .. import ffmpeg, transcripts
from ..descriptions import build, store, voice
from ..descriptions.model import acceptance_path
from ..descriptions.store import DescriptionFile
from ..errors import Pending
from ..models import Programme
from ..programme import load_programme
from ..workspace import Film
from .base import Context, Plan, Result, Stage

ALGORITHM = "describe-2"  # bump when voicing, fitting or mixing change their output


@dataclass(frozen=True)
class DescribeInputs:
    programme: Programme | None  # None: no descriptions, nothing to do
    descriptions: DescriptionFile
    sources: list[voice.VoiceSource]
    transcript: str | None  # path of the current transcript


def plan(ctx: Context) -> Plan[DescribeInputs]:
    film = ctx.film
    m = film.manifest
    empty = store.load(film)
    if not empty.descriptions:  # absent or an empty list: no audio description
        return Plan(inputs={"descriptions": empty.digest}, params={"algorithm": ALGORITHM},
                    data=DescribeInputs(None, empty, [], None))
    prog = load_programme(film)  # Pending until ingest has run
    descs = store.load(film, prog.duration_ms)  # now also: inside the programme
    tpath = transcripts.current_path(film)
    if tpath is None and prog.has_audio:
        raise Pending("a transcript (run transcribe): the gaps in speech come from it")
    sources = voice.sources(film, descs.descriptions, m.descriptions)
    inputs = {"descriptions": descs.digest, "programme": prog.media_sha256,
              "transcript": f"{tpath.name}:{ctx.digest(tpath)}" if tpath else "none"}
    for s in sources:
        if s.path is not None:
            inputs[f"narration/{s.n}"] = ctx.digest(s.path)
    acc = acceptance_path(film)
    inputs["voice acceptances"] = ctx.digest(acc) if acc.is_file() else "none"
    engines = sorted({s.kind for s in sources if s.kind != "recorded"})
    params = {"algorithm": ALGORITHM, "settings": m.descriptions.model_dump(mode="json"),
              "loudness_lufs": m.export.loudness_lufs, "true_peak_dbtp": m.export.true_peak_dbtp,
              "language": m.language, "title": m.title, "duration_ms": prog.duration_ms,
              "voices": {e: voice.espeak_version() if e == "espeak-ng" else "piper"
                         for e in engines}}
    return Plan(inputs=inputs, params=params,
                data=DescribeInputs(prog, descs, sources, str(tpath) if tpath else None))


def run(ctx: Context, plan: Plan[DescribeInputs]) -> Result:
    film = ctx.film
    d = plan.data
    if d.programme is None:
        gone = build.remove_outputs(film)
        notes = ["no descriptions (projects/%s/descriptions.yaml): no audio description" % film.id]
        notes += [f"removed {p.name} (no descriptions any more)" for p in gone]
        return Result(outputs=[], notes=notes)
    t = transcripts.read(transcripts.current_path(film)) if d.transcript else None
    track, files = build.describe(film, d.programme, d.descriptions, t,
                                  Path(d.transcript).name if d.transcript else "",
                                  d.sources, report=ctx.report)
    ps = track.descriptions
    drafts = sum(1 for p in ps if p.voice.draft)
    over = [p for p in ps if p.overlap_ms]
    notes = [f"{len(ps)} descriptions ({sum(p.extended for p in ps)} extended), "
             f"{sum(p.voice.kind == 'recorded' for p in ps)} recorded narrations, "
             f"{drafts} synthetic draft voices",
             f"AD mix {track.mix_lufs} LUFS integrated, true peak {track.mix_true_peak_dbtp} "
             f"dBTP (target {track.target_lufs} LUFS, ceiling {track.ceiling_dbtp} dBTP), "
             f"programme ducked {track.duck_db} dB"]
    if over:
        notes.append("runs into speech: " + ", ".join(f"{p.n} ({p.overlap_ms} ms)" for p in over))
    versions = {"describe": ALGORITHM, "ffmpeg": ffmpeg.version()}
    if any(s.kind == "espeak-ng" for s in d.sources):
        versions["espeak-ng"] = voice.espeak_version()
    return Result(outputs=files, notes=notes, versions=versions)


def check_settings(film: Film) -> None:
    """projects/<film>/descriptions.yaml, when present: UTF-8, a list, every entry a mapping
    with a timecode and non-empty text, in time order, none at the same time."""
    store.load(film)


def check_files(film: Film) -> None:
    """Every recorded narration of a description exists and is not empty."""
    descs = store.load(film)
    if descs.descriptions:
        voice.sources(film, descs.descriptions, film.manifest.descriptions)


STAGE = Stage("describe", plan, run,
              summary="Audio description: narrations voiced, fitted into the speech gaps, "
                      "the AD mix, the narration stem and descriptions.vtt.",
              check_settings=check_settings, check_files=check_files)
