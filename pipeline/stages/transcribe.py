"""Stage 'transcribe': Whisper (or an imported transcript) → projects/<film>/transcript/asr.json.

Whisper runs through `pipeline.asr` with the backend of `--backend` / film.yaml (openai-whisper
or faster-whisper); long recordings are decoded in chunks kept under
`.casefilm/cache/<film>/asr-chunks/` until the transcript is written, so a killed run resumes.

The fingerprint is the ASR audio (or the import file), language and glossary. The model is
deliberately not part of it: a finished transcript stays valid when another model is
configured later (redo with `--force transcribe`); the model used is in the provenance.
A transcript with human revisions is never replaced: the stage leaves it current.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path

from .. import asr, transcripts
from ..asr import spec as model_spec
from ..fsutil import sha256_json
from ..models import Programme
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
        n = transcripts.revision_numbers(film)[-1]
        return Result(outputs=[p for p in [transcripts.asr_path(film)] if p.exists()],
                      notes=[f"kept the human transcript (revision {n}); no machine run "
                             "replaces it"])
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
        ts = m.transcript
        spec = asr.resolve_model(ctx.options.model, ctx.options.model_name, ts.model,
                                 ts.model_name, ctx.options.backend or ts.backend,
                                 ts.compute_type)
        model = ctx.options.cached(("whisper", spec, ctx.options.device),
                                   lambda: asr.load_model(spec, ctx.options.device))
        params = asr.params_for(m)
        ctx.report(f"transcribing {prog.duration_ms / 1000:.0f} s with {spec.backend} "
                   f"{spec.describe()}")
        resume = film.cache_dir / "asr-chunks"
        t, dropped = asr.transcribe_file(Path(prog.asr_audio), params, model, film=film.id,
                                         duration_ms=prog.duration_ms,
                                         model_desc=spec.describe(), report=ctx.report,
                                         resume_dir=resume,
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
    if imp is None:
        shutil.rmtree(film.cache_dir / "asr-chunks", ignore_errors=True)  # written: not needed
    return Result(outputs=[out], notes=notes, versions=versions)


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
              resources={"gpu": 1}, check_files=check_files)
