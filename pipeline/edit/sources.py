"""Source transcripts: each `sources[]` entry of film.yaml transcribed or imported on its own,
in its own revision store (`transcripts.source_store`: projects/<film>/transcript/sources/
<source-id>/asr.json and revisions/NNNN.json), reviewed with the same never-overwrite rule
as the programme transcript.

Word times are in the source file's own time. An import (`sources[].transcript: FILE`,
Whisper JSON, SRT or WebVTT as in `transcript_io`) replaces a Whisper run. A source with
human revisions is never re-transcribed; its machine original is kept as it is.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from .. import asr, ffmpeg, transcripts
from ..errors import ManifestError
from ..fsutil import atomic_path
from ..manifest import Source
from ..models import Transcript
from ..transcript_io import check_import, read_transcript
from ..workspace import Film

ASR_RATE = 16_000


def store(film: Film, source_id: str) -> transcripts.SourceStore:
    return transcripts.source_store(film, source_id)


def current(film: Film, source_id: str) -> Transcript | None:
    """The current transcript of source `source_id` (newest revision, else the machine
    original), None when it has none yet."""
    return transcripts.current(store(film, source_id))


def source(film: Film, source_id: str) -> tuple[int, Source]:
    """(index in film.yaml `sources`, entry) of `source_id`; ManifestError if unknown."""
    for i, s in enumerate(film.manifest.sources):
        if s.id == source_id:
            return i, s
    known = ", ".join(s.id for s in film.manifest.sources) or "none"
    raise ManifestError(film.manifest_path, "sources", f"no source {source_id!r} "
                        f"(sources: {known})", source_id)


@dataclass(frozen=True)
class Outcome:
    source: str
    action: str  # "transcribed", "imported", "kept", "up to date"
    detail: str


def _audio(film: Film, src: Source, path: Path, duration_ms: int) -> Path:
    """16 kHz mono WAV of the source's voice (its `audio_channel`, else all channels mixed)."""
    out = film.cache_dir / "sources" / f"{src.id}.wav"
    pan = ["-af", f"pan=mono|c0=c{src.audio_channel - 1}"] if src.audio_channel else ["-ac", "1"]
    with atomic_path(out) as tmp:
        ffmpeg.run(["-i", path, "-map", "0:a:0", *pan, "-ar", str(ASR_RATE),
                    "-c:a", "pcm_s16le", "-f", "wav", tmp],
                   duration_ms=duration_ms, desc=f"{film.id}/{src.id}: extracting audio")
    return out


def _chunks_dir(film: Film, src: Source) -> Path:
    """Finished ASR chunks of a source, kept until its transcript is written (resume)."""
    return film.cache_dir / "sources" / f"{src.id}.asr-chunks"


def transcribe_source(film: Film, source_id: str, *, load_model: Callable[[], tuple[object, str]],
                      force: bool = False, report: Callable[[str], None] = lambda m: None
                      ) -> Outcome:
    """Import or transcribe one source into its store.

    `load_model()` returns (Whisper model, its description); it is called only when a
    Whisper run is needed. Skipped when the source has human revisions (kept) or when the
    machine original was made from the same file (up to date, unless `force`)."""
    i, src = source(film, source_id)
    st = store(film, source_id)
    if transcripts.has_human_work(st):
        n = transcripts.latest_revision(st)
        return Outcome(src.id, "kept", f"has reviewed revision {n}; no machine run replaces it")
    path = film.resolve_media(src.file)
    ffmpeg.check_file(path, f"sources.{i}.file")
    digest = film.ws.digests.digest(path)
    imp = film.resolve_media(src.transcript) if src.transcript else None
    if imp is not None:
        check_import(imp, f"sources.{i}.transcript")
    imp_digest = film.ws.digests.digest(imp) if imp else None
    old = transcripts.read_revision(st, 0)
    if old is not None and not force:
        p = old.provenance.parameters
        if p.get("source_sha256") == digest and p.get("import_sha256") == imp_digest:
            return Outcome(src.id, "up to date", f"revision 0 from {path.name}")
    info = ffmpeg.media_info(path, digest)
    m = film.manifest
    if imp is not None:
        t = _read_import(film, i, imp, info.duration_ms)
        action, detail = "imported", f"{len(t.segments)} segments from {imp.name} (no Whisper run)"
    else:
        if info.audio is None:
            raise ManifestError(film.manifest_path, f"sources.{i}.file",
                                "has no audio stream to transcribe", str(src.file))
        wav = _audio(film, src, path, info.duration_ms)
        model, desc = load_model()
        report(f"{film.id}/{src.id}: transcribing {info.duration_ms / 1000:.0f} s with Whisper {desc}")
        # in chunks cut at silences, resumable: raw interviews run for hours
        t, _dropped = asr.transcribe_file(wav, asr.params_for(m), model, film=film.id,
                                          duration_ms=info.duration_ms, model_desc=desc,
                                          report=report, resume_dir=_chunks_dir(film, src),
                                          audio_digest=digest)
        action, detail = "transcribed", f"{len(t.segments)} segments, {len(t.words)} words"
    transcripts.write_machine(st, _as_source(t, src, digest, imp_digest))
    shutil.rmtree(_chunks_dir(film, src), ignore_errors=True)  # written: not needed any more
    return Outcome(src.id, action, detail)


def _read_import(film: Film, i: int, imp: Path, duration_ms: int) -> Transcript:
    m = film.manifest
    names = {s.name: s.id for s in m.speakers} | {s.id: s.id for s in m.speakers}
    return read_transcript(imp, film=film.id, language=m.language, duration_ms=duration_ms,
                           speakers=names, field=f"sources.{i}.transcript")


def _as_source(t: Transcript, src: Source, digest: str, imp_digest: str | None) -> Transcript:
    """`t` as source `src`'s machine original: its default speaker, the digests it came from."""
    segs = [s if s.speaker else s.model_copy(update={"speaker": src.speaker}) for s in t.segments]
    params = {**t.provenance.parameters, "source": src.id, "source_sha256": digest,
              "import_sha256": imp_digest}
    return t.model_copy(update={"segments": segs, "provenance": t.provenance.model_copy(
        update={"parameters": params})})


def read_declared(film: Film, source_id: str) -> Transcript:
    """Source `source_id`'s declared transcript file (`sources[].transcript`) read as
    `transcribe_source` would import it, without writing anything (a dry run's view)."""
    i, src = source(film, source_id)
    path = film.resolve_media(src.file)
    ffmpeg.check_file(path, f"sources.{i}.file")
    imp = film.resolve_media(src.transcript)
    check_import(imp, f"sources.{i}.transcript")
    digest = film.ws.digests.digest(path)
    t = _read_import(film, i, imp, ffmpeg.media_info(path, digest).duration_ms)
    return _as_source(t, src, digest, film.ws.digests.digest(imp))
