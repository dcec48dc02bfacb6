"""Stage 'transcribe': Whisper (or an imported transcript) → projects/<film>/transcript/asr.json.

Whisper runs through `pipeline.asr` with the backend of `--backend` / film.yaml (openai-whisper
or faster-whisper); long recordings are decoded in chunks kept under
`.casefilm/cache/<film>/asr-chunks/` until the transcript is written, so a killed run resumes.
When the programme is several sources joined, each source is transcribed on its own (its
chunks kept in `asr-parts/`), which a Dask run spreads over its workers (see below).

The fingerprint is the ASR audio (or the import file), language and glossary. The model is
deliberately not part of it: a finished transcript stays valid when another model is
configured later (redo with `--force transcribe`); the model used is in the provenance.
A transcript with human revisions is never replaced: the stage leaves it current.
"""

from __future__ import annotations

import shutil
import wave
from dataclasses import dataclass
from pathlib import Path

from .. import asr, transcripts
from ..asr import spec as model_spec
from ..fsutil import atomic_path, sha256_json
from ..models import Programme, Segment, Transcript
from ..programme import load_programme
from ..transcript_io import check_import
from ..workspace import Film
from .base import Context, Plan, Result, Stage


@dataclass(frozen=True)
class TranscribeInputs:
    programme: Programme
    import_file: Path | None  # film.yaml `transcript.import`, resolved; None: run Whisper


def _import_path(ctx: Context) -> Path | None:
    imp = ctx.film.manifest.transcript.import_
    return ctx.film.resolve_media(imp) if imp else None


def plan(ctx: Context) -> Plan[TranscribeInputs]:
    m = ctx.film.manifest
    prog = load_programme(ctx.film)
    imp = _import_path(ctx)
    inputs = {"programme": prog.media_sha256}
    if imp is not None:
        inputs["import"] = ctx.digest(imp) if imp.is_file() else "missing"
    elif prog.asr_audio:
        inputs["audio"] = ctx.digest(Path(prog.asr_audio))
    params = {"language": m.language, "glossary": sha256_json(m.glossary),
              "speakers": sha256_json([s.model_dump(mode="json") for s in m.speakers]),
              "decoding": m.transcript.model_dump(
                  mode="json", include={"beam_size", "temperature", "condition_on_previous_text",
                                        "hallucination_silence_threshold", "vad_filter",
                                        "onset"})}
    return Plan(inputs, params, TranscribeInputs(prog, imp))


def _speaker_at(prog, t: int) -> str | None:
    for span in prog.spans:
        if span.start <= t < span.end:
            return span.speaker
    return None


def run(ctx: Context, plan: Plan[TranscribeInputs]) -> Result:
    film, m = ctx.film, ctx.film.manifest
    prog = plan.data.programme
    if transcripts.has_human_work(film):
        return Result(outputs=[p for p in [transcripts.asr_path(film)] if p.exists()],
                      notes=[f"kept {transcripts.describe(transcripts.current(film))}; no "
                             "machine run replaces it"])
    imp = plan.data.import_file
    notes: list[str] = []
    if imp is not None:
        names = {s.name: s.id for s in m.speakers} | {s.id: s.id for s in m.speakers}
        t = asr_import(ctx, imp, prog.duration_ms, names)
        notes.append(f"imported {len(t.segments)} segments from {imp.name} (no Whisper run)")
        versions = {}
    else:
        if not prog.has_audio or not prog.asr_audio:
            return Result(outputs=[], notes=["no audio stream: nothing to transcribe"])
        pieces = source_parts(prog)
        if pieces:  # the joined sources: each on its own (a cluster may have done some)
            ctx.report(f"transcribing {prog.duration_ms / 1000:.0f} s in {len(pieces)} "
                       f"parts, one per source")
            done = [(span, run_part(ctx, plan, k)) for k, span in enumerate(pieces)]
            t, dropped = _joined(prog, done)
        else:
            spec, model = _model(ctx)
            ctx.report(f"transcribing {prog.duration_ms / 1000:.0f} s with {spec.backend} "
                       f"{spec.describe()}")
            t, dropped = asr.transcribe_file(Path(prog.asr_audio), asr.params_for(m), model,
                                             film=film.id, duration_ms=prog.duration_ms,
                                             model_desc=spec.describe(), report=ctx.report,
                                             resume_dir=film.cache_dir / "asr-chunks",
                                             audio_digest=plan.inputs.get("audio"))
        if dropped["hallucinated"]:
            notes.append(f"dropped {dropped['hallucinated']} known hallucinated line(s)")
        if dropped["beyond_end"]:
            notes.append(f"dropped {dropped['beyond_end']} segment(s) beyond the media's end")
        notes.append(f"{len(t.segments)} segments, {len(t.words)} words")
        versions = t.provenance.tool_versions
    segs = [s if s.speaker else s.model_copy(update={"speaker": _speaker_at(prog, (s.start + s.end) // 2)})
            for s in t.segments]
    t = t.model_copy(update={"segments": segs})
    out = transcripts.write_machine(film, t)
    if imp is None:  # written: the resumable pieces are not needed any more
        shutil.rmtree(film.cache_dir / "asr-chunks", ignore_errors=True)
        shutil.rmtree(film.cache_dir / PARTS_DIR, ignore_errors=True)
    return Result(outputs=[out], notes=notes, versions=versions)


def _model(ctx: Context):
    """(ModelSpec, loaded model) of the run's settings and film.yaml, loaded once per process."""
    ts, asked = ctx.film.manifest.transcript, ctx.settings
    spec = asr.resolve_model(asked.model, asked.model_name, ts.model, ts.model_name,
                             asked.backend or ts.backend, ts.compute_type)
    return spec, ctx.options.cached(("whisper", spec, asked.device),
                                    lambda: asr.load_model(spec, asked.device))


# --- a film's transcription split by source ----------------------------------------------
# When the programme is the sources joined (no master), each source's stretch of the ASR
# audio is transcribed on its own through `asr.transcribe_file`, its finished chunks kept
# in `.casefilm/cache/<film>/asr-parts/` under a key of its audio and the model settings.
# `run` goes through the parts in order and picks up what is there; on a Dask cluster the
# runner first sends every part to a worker of its own (`parts`, `run_part`), so one film's
# hours of interviews spread over the cluster. The stage's record stays the one truth: the
# parts are a resumable cache, removed once the transcript is written.

PARTS_DIR = "asr-parts"


def source_parts(prog: Programme) -> list:
    """The programme's source spans with audio, when the programme is the joined sources
    (more than one); [] when it is one file (a master or a single source)."""
    if prog.master is not None or len(prog.spans) < 2 or not prog.asr_audio:
        return []
    return [s for s in prog.spans if s.has_audio and s.end > s.start]


def parts(ctx: Context, plan: Plan[TranscribeInputs]) -> list[str]:
    """What `run` would transcribe piece by piece (source ids), for an executor that can
    do them elsewhere first; [] when there is nothing to split (an import, one source, a
    transcript with revisions that no machine run replaces)."""
    if plan.data.import_file is not None or transcripts.has_human_work(ctx.film):
        return []
    return [s.id for s in source_parts(plan.data.programme)]


def _part_wav(ctx: Context, prog: Programme, k: int, span) -> Path:
    """The ASR audio of part `k` (samples of `span`) as its own WAV in the parts cache,
    named by the programme's content so a new ingest never meets an old slice."""
    out = ctx.film.cache_dir / PARTS_DIR / f"{prog.media_sha256[:12]}-{k:03d}-{span.id}.wav"
    if out.is_file():
        return out
    a, b = span.start * asr.RATE // 1000, span.end * asr.RATE // 1000
    with wave.open(str(prog.asr_audio), "rb") as src, atomic_path(out) as tmp:
        with wave.open(str(tmp), "wb") as dst:
            dst.setparams(src.getparams())
            src.setpos(min(a, src.getnframes()))
            for pos in range(a, b, BLOCK):
                dst.writeframes(src.readframes(min(BLOCK, b - pos)))
    return out


BLOCK = asr.RATE * 60  # samples copied at a time: memory stays flat on hours of audio


def run_part(ctx: Context, plan: Plan[TranscribeInputs], k: int):
    """Transcribe part `k` (of `source_parts`), or read it back when its chunks are all in
    the parts cache; (Transcript in the part's own time, dropped counts)."""
    prog = plan.data.programme
    span = source_parts(prog)[k]
    wav = _part_wav(ctx, prog, k, span)
    spec, model = _model(ctx)
    ctx.report(f"source {span.id}: {(span.end - span.start) / 1000:.0f} s with {spec.backend} "
               f"{spec.describe()}")
    return asr.transcribe_file(wav, asr.params_for(ctx.film.manifest), model, film=ctx.film.id,
                               duration_ms=span.end - span.start, model_desc=spec.describe(),
                               report=ctx.report, resume_dir=ctx.film.cache_dir / PARTS_DIR,
                               audio_digest=ctx.digest(wav))


def _joined(prog: Programme, done: list) -> tuple[Transcript, dict[str, int]]:
    """The parts' transcripts moved to programme time and joined in programme order."""
    segs: list[Segment] = []
    dropped = {"hallucinated": 0, "beyond_end": 0}
    for span, (t, d) in done:
        for s in t.segments:
            words = [w.model_copy(update={"start": w.start + span.start, "end": w.end + span.start})
                     for w in s.words]
            segs.append(s.model_copy(update={"id": len(segs), "start": s.start + span.start,
                                             "end": s.end + span.start, "words": words}))
        for key in dropped:
            dropped[key] += d.get(key, 0)
    first = done[0][1][0]
    prov = first.provenance.model_copy(update={"parameters": {
        **{k: v for k, v in first.provenance.parameters.items() if k not in ("chunks", "chunk_s")},
        "parts": [s.id for s, _ in done]}})
    return Transcript(film=prog.film, language=first.language, duration_ms=prog.duration_ms,
                      segments=segs, provenance=prov), dropped


def asr_import(ctx: Context, path: Path, duration_ms: int, names: dict[str, str]):
    from ..transcript_io import read_transcript

    return read_transcript(path, film=ctx.film.id, language=ctx.film.manifest.language,
                           duration_ms=duration_ms, speakers=names)


def check_files(film: Film) -> None:
    """The `transcript.import` file and every `sources[].transcript` have a supported
    suffix and exist; else a `transcript.model` given as a path exists in the form its
    backend needs (exit 4; the command line's model is checked when it is loaded)."""
    m = film.manifest
    if m.transcript.import_ is not None:
        check_import(film.resolve_media(m.transcript.import_))
    elif m.transcript.model is not None:
        ts = m.transcript
        model_spec.check(model_spec.ModelSpec(ts.model, ts.model_name,
                                              ts.backend or model_spec.DEFAULT_BACKEND,
                                              ts.compute_type))
    for i, src in enumerate(m.sources):
        if src.transcript is not None:
            check_import(film.resolve_media(src.transcript), f"sources.{i}.transcript")


STAGE = Stage("transcribe", plan, run,
              summary="Whisper (or an imported transcript) with word timings.",
              resources={"gpu": 1}, check_files=check_files, parts=parts, run_part=run_part)
