"""The describe stage's work: voice every description, mix, write the text track and ad.json.

    subtitles/<film>/descriptions.vtt          WebVTT text descriptions (kind="descriptions")
    .casefilm/cache/<film>/ad/ad-mix.flac      AD mix (see mix.py), FLAC 48 kHz stereo
    .casefilm/cache/<film>/ad/ad-narration.flac  narration-only stem, FLAC 48 kHz stereo
    .casefilm/cache/<film>/ad/clips/<n>.wav    each narration as mixed (for the player's
                                               extended pauses)
    .casefilm/cache/<film>/ad/ad.json          `AdTrack`: what the export reads

A film without descriptions (no descriptions.yaml, or an empty list) gets none of these,
and files of an earlier run are removed, so the export sees no audio description.
"""

from __future__ import annotations

from pathlib import Path
from typing import Callable

from .. import i18n, subtitle_io
from ..fsutil import write_text
from ..models import Cue, Programme, Transcript
from ..subtitle_io import Meta, WebVTT, register
from ..workspace import Film
from . import mix, voice
from .fit import fit
from .model import (AdTrack, PlacedDescription, ad_track_path, clips_dir, mix_path,
                    narration_path, vtt_path, work_dir)
from .store import DescriptionFile


@register
class DescriptionsVTT(WebVTT):
    """The text descriptions: language in the header, cues numbered like the narrations."""

    name = "vtt-descriptions"
    language_in_header = True
    number_cues = True


def outputs(film: Film) -> list[Path]:
    """Every file the stage may produce (for removal when there are no descriptions)."""
    clips = sorted(clips_dir(film).glob("*.wav")) if clips_dir(film).is_dir() else []
    return [vtt_path(film), mix_path(film), narration_path(film), ad_track_path(film), *clips]


def remove_outputs(film: Film) -> list[Path]:
    gone = [p for p in outputs(film) if p.exists()]
    for p in gone:
        p.unlink()
    return gone


def cues(placed: list[PlacedDescription], duration_ms: int) -> list[Cue]:
    return [Cue(start=p.start_ms, end=max(p.start_ms + 1, min(p.end_ms, duration_ms)),
                lines=[p.text], identifier=str(p.n)) for p in placed]


def vtt_text(placed: list[PlacedDescription], duration_ms: int, language: str, title: str) -> str:
    s = i18n.strings("descriptions", language)
    meta = Meta(language=language, title=title, notes=[s["vtt_note"].format(title=title)])
    return subtitle_io.to_string(cues(placed, duration_ms), DescriptionsVTT.name, meta)


def describe(film: Film, prog: Programme, descs: DescriptionFile, transcript: Transcript | None,
             transcript_name: str, sources: list[voice.VoiceSource],
             report: Callable[[str], None] = lambda m: None) -> tuple[AdTrack, list[Path]]:
    """Voice, fit, mix and write (see module doc); returns the track and the files written."""
    m = film.manifest
    st = m.descriptions
    target, ceiling = m.export.loudness_lufs, m.export.true_peak_dbtp
    accepted = voice.accepted_map(film)
    voiced = [voice.make(film, src, d, st, accepted) for src, d in zip(sources, descs.descriptions)]
    fits = fit(descs.descriptions, transcript, prog.duration_ms, st.rate_wps,
               {v.n: v.duration_ms for v in voiced})
    cache = work_dir(film) / "measurements.json"
    gains = [mix.clip_gain(mix.clip_loudness(cache, v.path, v.voice.sha256), target, ceiling)
             for v in voiced]
    clips = clips_dir(film)
    clips.mkdir(parents=True, exist_ok=True)
    for old in clips.glob("*.wav"):
        if not old.stem.isdigit() or int(old.stem) > len(voiced):
            old.unlink()
    nars = [mix.Narration(v.path, f.at_ms, min(f.spoken_ms, prog.duration_ms - f.at_ms), g,
                          clips / f"{v.n}.wav", linear=not f.extended)
            for v, f, g in zip(voiced, fits, gains)]
    media = Path(prog.media) if prog.has_audio else None
    p1 = mix.pass1(cache, Path(prog.media), prog.media_sha256, target, ceiling,
                   prog.duration_ms) if media else None
    report(f"mixing {len(nars)} narrations into the programme audio")
    res = mix.make((media, prog.duration_ms, target, ceiling, p1), nars, prog.duration_ms,
                   st.duck_db, st.ramp_ms, ceiling, mix_path(film), narration_path(film))
    placed = [PlacedDescription(n=f.n, start_ms=f.at_ms, end_ms=f.at_ms + n.duration_ms,
                                text=f.text, extended=f.extended, voice=v.voice,
                                overlap_ms=f.overlap_ms, clip=str(n.clip_out),
                                gap_ms=f.gap_ms, estimated_ms=f.estimated_ms)
              for f, v, n in zip(fits, voiced, nars)]
    text = vtt_text(placed, prog.duration_ms, m.language, m.title)
    write_text(vtt_path(film), text)
    digests = film.ws.digests
    track = AdTrack(
        film=film.id, language=m.language, descriptions=placed, vtt=str(vtt_path(film)),
        mix=str(mix_path(film)), narration=str(narration_path(film)), duck_db=st.duck_db,
        digest=descs.digest, ramp_ms=st.ramp_ms, mix_sha256=digests.digest(mix_path(film)),
        narration_sha256=digests.digest(narration_path(film)),
        vtt_sha256=digests.digest(vtt_path(film)), target_lufs=target, ceiling_dbtp=ceiling,
        mix_lufs=res.after.integrated_lufs, mix_true_peak_dbtp=res.after.true_peak_dbtp,
        narration_gain_db=res.correction_db, transcript=transcript_name)
    write_text(ad_track_path(film), track.model_dump_json(indent=1) + "\n")
    files = [vtt_path(film), mix_path(film), narration_path(film), ad_track_path(film),
             *(n.clip_out for n in nars if n.clip_out)]
    return track, files


def load_track(film: Film) -> AdTrack | None:
    """ad.json, or None when the stage made no audio description (or it is unreadable)."""
    from ..fsutil import read_json  # noqa: PLC0415
    from ..errors import ManifestError  # noqa: PLC0415

    p = ad_track_path(film)
    if not p.is_file():
        return None
    try:
        return read_json(p, AdTrack, "audio description track")
    except ManifestError:
        return None
