"""The audio-description track of an export: the AD mix as AAC, checked and segmented.

The describe stage hands over the AD mix (FLAC, 48 kHz stereo, normalised to the main mix's
target; `pipeline.descriptions.model.AdTrack`). Here, audio only and cached by content:

1. ONE ffmpeg process encodes the mix to AAC-LC exactly like the main track (same bitrate,
   48 kHz stereo) and meters the mix with `ebur128` on a branch of the same graph ("before");
2. the encoded AAC is decoded once and its true peak checked against the film's ceiling;
   above it, the track is re-encoded from the FLAC with the missing gain
   (`encode.hold_ceiling`, the main track's check), so the AD mix is held to the same
   ceiling *after encoding*; an integrated loudness more than 1 LU off the target is noted;
3. a stream copy cuts the AAC into 6 s fMP4 HLS segments (an audio-only alternate
   rendition) whose sizes give the measured bitrates for the master playlist.

Everything lands in `<film cache>/ad-renditions/<key>/` (built under `.tmp-`, renamed
when complete) with `meta.json` (`EncodedAd`); the key digests the mix content, the audio
settings, the loudness target and the ffmpeg version. The video encode's key does not depend
on any of it: a description-only change costs this audio work and stream copies, never a
video encode.
"""

from __future__ import annotations

from pathlib import Path

import ffmpeg as ffmpeg_python  # ffmpeg-python (graph building), not pipeline.ffmpeg

from .. import ffmpeg
from ..fsutil import cache_entry, read_cached, sha256_file, write_text
from ..models import utcnow
from ..audio import loudness
from . import encode, ladder
from .model import AdEncodeSpec, EncodedAd, EncodedAudio, LoudnessReport, LoudnessTarget

AUDIO_FILE = "audio-ad.m4a"
HLS_DIR = "hls"



def encode_ad(spec: AdEncodeSpec, title: str, cache_root: Path,
              report=lambda m: None) -> tuple[Path, EncodedAd, bool, list[str]]:
    """(directory, meta, reused, notes) of the AD track for `spec`, made when missing."""
    final = cache_root / spec.key
    done = read_cached(final / "meta.json", EncodedAd)
    if done is not None:
        return final, done, True, []
    notes: list[str] = []
    with cache_entry(final) as tmp:  # older AD encodes of this film are removed
        result = _encode_into(spec, title, tmp, report, notes)
        write_text(tmp / "meta.json", result.model_dump_json(indent=2) + "\n")
    return final, result, False, notes


def encode_graph(spec: AdEncodeSpec, out: Path):
    """The mix to AAC, and the same decoded audio through ebur128 (the 'before' figures)."""
    src = loudness.stereo(ffmpeg_python.input(spec.mix)["a:0"])
    to_aac, to_meter = ffmpeg.fan_out(src, 2, audio=True)
    return [encode.aac_output(to_aac, spec.audio_kbps, out),
            loudness.ebur128(to_meter).output("-", format="null")]


def _encode_into(spec: AdEncodeSpec, title: str, tmp: Path, report,
                 notes: list[str]) -> EncodedAd:
    report("audio description: encoding the AD mix (audio only)")
    stderr = ffmpeg.run_graph(*encode_graph(spec, tmp / AUDIO_FILE), loglevel="info",
                              duration_ms=spec.duration_ms, desc="encoding the AD mix")
    before = loudness.parse_ebur128(stderr)
    _, after, gain, passes = encode.hold_ceiling(
        tmp / AUDIO_FILE, Path(spec.mix), spec.audio_kbps, spec.true_peak_dbtp,
        spec.duration_ms, report, notes, what="audio-description mix")
    if after.integrated_lufs is not None and \
            abs(after.integrated_lufs - spec.loudness_lufs) > 1.0:
        notes.append(f"loudness: the audio-description mix measures {after.integrated_lufs} "
                     f"LUFS, more than 1 LU off the target {spec.loudness_lufs} LUFS "
                     f"(the describe stage normalises it)")
    loud = LoudnessReport(
        target=LoudnessTarget(integrated_lufs=spec.loudness_lufs,
                              true_peak_dbtp=spec.true_peak_dbtp, lra_lu=loudness.LRA_TARGET),
        before=before, loudnorm_pass1=None, after=after, ceiling_gain_db=gain,
        ceiling_passes=passes)
    audio = EncodedAudio(role="description", language=spec.language,
                         sample_rate=ladder.AUDIO_RATE, channels=2,
                         bitrate_kbps=spec.audio_kbps, loudness=loud, title=title,
                         file=AUDIO_FILE)
    hdir = tmp / HLS_DIR
    hdir.mkdir()
    ffmpeg.run(["-i", tmp / AUDIO_FILE, "-map", "0:a:0", "-c", "copy", "-map_metadata", "-1",
                "-metadata:s:a:0", f"language={spec.language}", *encode.hls_args(hdir)])
    digests = {AUDIO_FILE: sha256_file(tmp / AUDIO_FILE)}
    rendition = encode.hls_audio(tmp, HLS_DIR, digests)
    return EncodedAd(key=spec.key, created_at=utcnow(), spec=spec, audio=audio,
                     hls=rendition, digests=digests)

