"""Captions for a film: transcript + programme + profile → CaptionSet → files.

`build(...)` is pure (no I/O): typed inputs in, a `CaptionSet` out. `write(film, cs)` writes
every caption format (`writers.WRITERS`, from the subtitle layer's registry) plus cues.json, each atomically.
"""

from __future__ import annotations

import bisect
from pathlib import Path

from .. import i18n
from ..fsutil import write_text
from ..manifest import FilmManifest
from ..models import Programme, Transcript
from ..subtitle_io import Meta, save
from ..workspace import Film
from ..words import is_hallucination
from . import sdh
from .profiles import Profile
from .segment import Options, segment
from .store import CAPTION_FILES, CaptionCue, CaptionProvenance, CaptionSet, SpeakerOut, cues_path
from .timing import time_cues
from .writers import WRITERS


def has_speech(t: Transcript) -> bool:
    return any(s.kind == "speech" and (s.words or s.text.strip()) and not
               is_hallucination(s.text) for s in t.segments)


def default_speaker_fn(programme: Programme | None):
    """ms -> the default speaker of the source clip playing at that moment."""
    if programme is None or not programme.spans:
        return None
    spans = sorted(programme.spans, key=lambda s: s.start)
    starts = [s.start for s in spans]

    def at(ms: int) -> str | None:
        i = bisect.bisect_right(starts, ms) - 1
        return spans[i].speaker if i >= 0 and ms < spans[i].end else None

    return at


def build(manifest: FilmManifest, film_id: str, transcript: Transcript, profile: Profile, *,
          fps: float, duration_ms: int, cuts: list[int], programme: Programme | None = None,
          transcript_sha256: str = "") -> CaptionSet:
    names = frozenset(s.name.split()[0].lower() for s in manifest.speakers if s.name.split())
    drafts = segment(transcript, profile, cuts, Options(names=names),
                     default_speaker=default_speaker_fn(programme), fps=fps,
                     duration_ms=duration_ms)
    cues = time_cues(drafts, profile, fps, cuts, duration_ms)
    speaker_ids = [s.id for s in manifest.speakers]
    used = [sp for c in cues for sp in (c.speakers or [c.speaker])]
    colours = sdh.colour_map(speaker_ids, used)
    out = []
    for k, (d, c) in enumerate(zip(drafts, cues), start=1):
        spoken = [t for t in d.tokens if t.kind == "speech"]
        out.append(CaptionCue(
            **c.model_dump(), index=k,
            speaker_name=manifest.speaker_name(c.speaker) or c.speaker,
            colour=colours.get(c.speaker) if c.speaker else None,
            first_word_ms=spoken[0].start if spoken else None,
            last_word_ms=max(t.end for t in spoken) if spoken else None,
            word_count=len(spoken)))
    speakers = [SpeakerOut(id=s, name=manifest.speaker_name(s) or s, colour=col)
                for s, col in colours.items()]
    prov = transcript.provenance
    return CaptionSet(
        film=film_id, language=transcript.language or manifest.language, title=manifest.title,
        profile=profile, fps=fps, duration_ms=duration_ms, cuts_ms=sorted(cuts),
        speakers=speakers, cues=out,
        provenance=CaptionProvenance(
            transcript_revision=transcript.revision, transcript_status=prov.status,
            transcript_backend=prov.backend, transcript_model=prov.model, editor=prov.editor,
            transcript_sha256=transcript_sha256))


def meta(cs: CaptionSet) -> Meta:
    """What the caption writers need beyond the cues: language, title, speaker names and
    colours, and one provenance note (strings from `locale/<lang>/qc.yaml`)."""
    p = cs.provenance
    s = i18n.strings("qc", cs.language)
    state = s[f"note_{p.transcript_status}"].format(editor=p.editor or s["note_editor_unknown"])
    return Meta(
        language=cs.language, title=cs.title,
        speaker_names={sp.id: sp.name for sp in cs.speakers},
        colours={sp.id: sp.colour for sp in cs.speakers},
        notes=[s["note_captions"].format(film=cs.film, profile=cs.profile.name,
                                         revision=p.transcript_revision, state=state)])


def render(cs: CaptionSet, fmt: str) -> str:
    """One caption file ("vtt", "srt" or "ttml") as text."""
    return WRITERS[fmt]().to_string(list(cs.cues), meta(cs))


def write(film: Film, cs: CaptionSet, approval_of=None) -> list[Path]:
    """Write captions.vtt/.srt/.ttml, then cues.json, each atomically. Returns the paths.

    `approval_of(film)` (called after the caption files are written, so it sees their new
    checksums) gives the valid sign-off recorded in cues.json, or None.
    """
    outs = []
    m = meta(cs)
    for fmt, name in CAPTION_FILES.items():
        outs.append(save(film.subtitles_dir / name, cs.cues, WRITERS[fmt].name, m))
    if approval_of is not None:
        ok = approval_of(film)
        prov = cs.provenance.model_copy(
            update={"approval": ok.model_dump(mode="json") if ok else None})
        cs = cs.model_copy(update={"provenance": prov})
    outs.append(write_text(cues_path(film), cs.model_dump_json(indent=1) + "\n"))
    return outs
