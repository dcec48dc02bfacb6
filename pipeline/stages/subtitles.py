"""Stage 'subtitles': captions from the current transcript within the film's profile.

Inputs: the current transcript (digest), the programme media (digest: cuts and frame rate),
the caption sign-off (its presence changes the provenance in cues.json). Parameters: the
effective profile, the film's speakers, language and title, the programme's fps, duration
and clip spans (default speakers), and the algorithm version.
Outputs in subtitles/<film>/: captions.vtt, captions.srt, captions.ttml, cues.json.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from .. import ffmpeg, transcripts
from ..captions import build, profiles, shots
from ..captions.profiles import Profile
from ..errors import NoSpeech, Pending
from ..fsutil import sha256_json
from ..models import Programme
from ..programme import load_programme
from ..signoff import approval
from ..workspace import Film
from .base import Context, Plan, Result, Stage

ALGORITHM = "captions-2"  # bump when segmentation/timing change their output


@dataclass(frozen=True)
class SubtitlesInputs:
    programme: Programme
    profile: Profile  # the film's profile with its film.yaml overrides applied
    transcript: Path  # the current transcript (its digest is the plan's "transcript" input)


def check_settings(film: Film) -> None:
    """The caption profile with the film's overrides is consistent."""
    profiles.effective(film.manifest.subtitles, film.manifest_path)


def plan(ctx: Context) -> Plan[SubtitlesInputs]:
    film = ctx.film
    m = film.manifest
    profile = profiles.effective(m.subtitles, film.manifest_path)
    prog = load_programme(film)
    if not prog.has_audio:
        raise NoSpeech(film.id, "no source has an audio stream")
    tpath = transcripts.current_path(film)
    if tpath is None:
        raise Pending("a transcript (run transcribe)")
    ap = approval.path(film)
    return Plan(
        inputs={"transcript": ctx.digest(tpath), "programme": prog.media_sha256,
                "approval": ctx.digest(ap) if ap.exists() else "none"},
        params={"algorithm": ALGORITHM, "profile": profile.model_dump(),
                "speakers": [s.model_dump() for s in m.speakers],
                "language": m.language, "title": m.title, "fps": prog.fps,
                "duration_ms": prog.duration_ms,
                "spans": sha256_json([s.model_dump() for s in prog.spans])},
        data=SubtitlesInputs(prog, profile, tpath))


def run(ctx: Context, plan: Plan[SubtitlesInputs]) -> Result:
    film = ctx.film
    m = film.manifest
    prog, profile, tpath = plan.data.programme, plan.data.profile, plan.data.transcript
    t = transcripts.read(tpath)
    if not build.has_speech(t):
        raise NoSpeech(film.id, f"the transcript {tpath.name} holds no speech")
    cuts = shots.cuts(film.cache_dir, Path(prog.media), prog.media_sha256, prog.duration_ms)
    cs = build.build(m, film.id, t, profile, fps=prog.fps, duration_ms=prog.duration_ms,
                     cuts=cuts, programme=prog, transcript_sha256=plan.inputs["transcript"])
    outs = build.write(film, cs, approval_of=approval.valid)
    notes = [f"{len(cs.cues)} cues, profile {profile.name}, {len(cuts)} shot changes, "
             f"transcript revision {t.revision} ({t.provenance.status})"]
    a, why = approval.check(film)
    if a is not None and why:
        notes.append(f"caption sign-off by {a.reviewer} is {why}")
    return Result(outputs=outs, notes=notes,
                  versions={"captions": ALGORITHM, "ffmpeg": ffmpeg.version()})


STAGE = Stage("subtitles", plan, run,
              summary="Captions (WebVTT, SRT, TTML) from the transcript within the film's "
                      "caption profile.",
              check_settings=check_settings)
