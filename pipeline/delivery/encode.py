"""The expensive part of an export, done once and cached: the whole rendition ladder.

ONE ffmpeg process decodes the programme once and, through `split` in its filter graph
(built with ffmpeg-python), encodes every rung (video only), the loudness-normalised AAC
track (pass 2 of loudnorm; the same audio is kept losslessly beside it), the thumbnail
sprite sheets and the poster candidates (scored by `signalstats` in the same graph). The
encoded audio is then decoded once to check its true peak against the ceiling (AAC
overshoots what the limiter let through) and, when it breaks it, re-encoded from the kept
audio with the missing gain (audio only, no second loudnorm). Stream-copy
steps then mux each rung with the audio into a progressive MP4 (+faststart) and cut it into
fMP4 HLS segments; every file is hashed while it is read for the playlists, or once after
it is written, so an export links it without reading it again.

Everything lands in `<film cache>/renditions/<key>/`, where the key digests the programme
content, the rungs and encoder settings, the loudness target and the ffmpeg version. The
directory is built under a `.tmp-` name and renamed when complete (atomic), and
`meta.json` inside it (an `EncodeResult`) records what was made and measured. A caption-
or chapter-only change leaves the key unchanged, so the export re-uses the directory: no
encode.
"""

from __future__ import annotations

import os
import re
import shutil
from dataclasses import dataclass, field
from pathlib import Path

import ffmpeg as ffmpeg_python  # ffmpeg-python (graph building), not pipeline.ffmpeg
from ffmpeg.nodes import FilterableStream, OutputStream

from .. import ffmpeg
from ..errors import ToolError
from ..fsutil import TMP_PREFIX, cache_entry, read_cached, sha256_bytes, sha256_file, write_text
from ..models import utcnow
from ..audio import PCM_OPTIONS, loudness
from . import ladder, mp4box, pictures
from .model import (AutoPoster, EncodedAudio, EncodedRung, EncodeResult, EncodeSpec, HlsAudio,
                    IFrame, Loudness, LoudnessReport, LoudnessTarget, Segment, Sprite)

POSTER_BOX = (1280, 720)  # poster candidates fit this box (px)
AUDIO_FILE = "audio.m4a"
AUDIO_HLS_DIR = "hls/audio"  # the main track as an audio-only HLS rendition
# the normalised audio as it went into the AAC encoder (24-bit FLAC, fastest level), kept
# until the encoded track is known to hold the true-peak ceiling
PCM_FILE = "audio-normalised.flac"


@dataclass
class Encoded:
    """A finished cache directory and its meta.json."""

    dir: Path
    result: EncodeResult
    reused: bool = False
    notes: list[str] = field(default_factory=list)


def poster_size(spec: EncodeSpec) -> tuple[int, int]:
    """Poster size: the programme fitted into POSTER_BOX, never larger than the top rung."""
    pw, ph = ladder.fit(*POSTER_BOX, spec.width, spec.height)
    if pw > spec.width or ph > spec.height:
        pw, ph = spec.rungs[0].width, spec.rungs[0].height
    return pw, ph


def rung_video(spec: EncodeSpec, video: FilterableStream,
               n_extra: int) -> tuple[list[FilterableStream], list[FilterableStream]]:
    """The programme video at the rungs' frame rate, split once: one scaled yuv420p stream
    per rung, and `n_extra` unscaled branches for pictures."""
    out_fps = spec.rungs[0].fps
    if abs(out_fps - spec.fps) > 0.01:
        video = video.filter("fps", fps=out_fps)
    branches = ffmpeg.fan_out(video.filter("setsar", 1), len(spec.rungs) + n_extra, audio=False)
    rungs = [b.filter("scale", w=r.width, h=r.height, flags="lanczos").filter("format", "yuv420p")
             for b, r in zip(branches, spec.rungs)]
    return rungs, branches[len(spec.rungs):]


def aac_output(audio: FilterableStream, kbps: int, path: Path) -> OutputStream:
    """AAC-LC 48 kHz stereo at `kbps` into an MP4 audio file."""
    return audio.output(str(path), format="mp4", **{
        "c:a": "aac", "profile:a": "aac_low", "b:a": f"{kbps}k",
        "ar": ladder.AUDIO_RATE, "ac": 2})


def audio_output(audio: FilterableStream, spec: EncodeSpec, path: Path) -> OutputStream:
    """AAC-LC 48 kHz stereo at the spec's bitrate into an MP4 audio file."""
    return aac_output(audio, spec.audio_kbps, path)


def ladder_outputs(spec: EncodeSpec, outdir: Path, *, extras: bool = True,
                   audio: FilterableStream | None = None) -> list[OutputStream]:
    """The outputs of the one-process encode: video-<rung>.mp4 per rung; with `extras`
    the sprite sheets (sprite-NNN.jpg) and poster candidates (cand/cand-NNNN.jpg, scored
    in the log); with `audio` (a filtered stream) the AAC track (audio.m4a) and the same
    audio losslessly (PCM_FILE) for a ceiling correction."""
    src = ffmpeg_python.input(spec.media)
    rungs, pics = rung_video(spec, src["v:0"], 2 if extras else 0)
    outs = [v.output(str(outdir / f"video-{r.name}.mp4"), format="mp4", an=None,
                     **ladder.x264_options(r, spec.preset, spec.crf))
            for v, r in zip(rungs, spec.rungs)]
    if extras:
        (outdir / "cand").mkdir(exist_ok=True)
        sprite = pictures.sprite_branch(pics[0], spec.duration_ms, spec.width, spec.height)
        cands = pictures.candidate_branch(pics[1], spec.duration_ms, *poster_size(spec))
        outs += [sprite.output(str(outdir / "sprite-%03d.jpg"), format="image2", **{"q:v": 4}),
                 cands.output(str(outdir / "cand" / "cand-%04d.jpg"), format="image2",
                              **{"q:v": 2})]
    if audio is not None:
        to_aac, to_pcm = ffmpeg.fan_out(audio, 2, audio=True)
        outs += [audio_output(to_aac, spec, outdir / AUDIO_FILE),
                 to_pcm.output(str(outdir / PCM_FILE), format="flac", **PCM_OPTIONS)]
    return outs


def hls_args(outdir: Path) -> list:
    """Output options cutting 6 s fMP4 segments (stream copy) into `outdir`."""
    return ["-f", "hls", "-hls_time", str(ladder.SEGMENT_SECONDS), "-hls_playlist_type", "vod",
            "-hls_segment_type", "fmp4", "-hls_fmp4_init_filename", "init.mp4",
            "-hls_segment_filename", str(outdir / "seg_%05d.m4s"), str(outdir / "ffmpeg.m3u8")]


_EXTINF = re.compile(r"^#EXTINF:([\d.]+),")


def segments_of(hdir: Path) -> list[Segment]:
    """The segments in playlist order, from ffmpeg's own playlist."""
    segs, dur = [], None
    for line in (hdir / "ffmpeg.m3u8").read_text().splitlines():
        if m := _EXTINF.match(line):
            dur = float(m.group(1))
        elif line and not line.startswith("#") and dur is not None:
            segs.append(Segment(file=line, duration_s=dur, size=(hdir / line).stat().st_size))
            dur = None
    return segs


def _first_video_pts(hdir: Path, first: str) -> float:
    """Presentation time (s) of the first video frame of the HLS stream."""
    data = ffmpeg.probe_json(f"concat:{hdir / 'init.mp4'}|{hdir / first}", "-select_streams", "v:0",
                             "-show_entries", "packet=pts_time", "-read_intervals", "%+#1")
    pk = data.get("packets") or [{}]
    try:
        return float(pk[0].get("pts_time", 0.0))
    except (TypeError, ValueError):
        return 0.0


def _encoded_rung(r: ladder.Rung, tmp: Path, has_audio: bool,
                  digests: dict[str, str]) -> EncodedRung:
    """Measured bitrates (bit/s, container included) and I-frame ranges of one variant;
    the sha256 of its init segment and media segments, taken from the bytes read here."""
    hls_dir = f"hls/{r.name}"
    hdir = tmp / hls_dir
    segs = segments_of(hdir)
    rates = [s.size * 8 / s.duration_s for s in segs if s.duration_s > 0]
    total_dur = sum(s.duration_s for s in segs)
    iframes = []
    for s in segs:
        data = (hdir / s.file).read_bytes()
        digests[f"{hls_dir}/{s.file}"] = sha256_bytes(data)
        off, length = mp4box.first_sample_range(data, track_id=1)
        iframes.append(IFrame(file=s.file, offset=off, length=length, duration_s=s.duration_s))
    ibits = [f.length * 8 / f.duration_s for f in iframes if f.duration_s > 0]
    init = (hdir / "init.mp4").read_bytes()
    digests[f"{hls_dir}/init.mp4"] = sha256_bytes(init)
    video_codec = ladder.avc1_codec(*mp4box.avcc(init))
    return EncodedRung(
        **r.model_dump(), file=f"{r.name}.mp4",
        codecs=video_codec + (",mp4a.40.2" if has_audio else ""), video_codec=video_codec,
        hls_dir=hls_dir, segments=segs,
        peak_bps=round(max(rates)) if rates else 0,
        average_bps=round(sum(s.size for s in segs) * 8 / total_dur) if total_dur else 0,
        iframe_peak_bps=round(max(ibits)) if ibits else 0,
        iframe_average_bps=round(sum(f.length for f in iframes) * 8 / total_dur) if total_dur else 0,
        iframes=iframes)


def hls_audio(root: Path, hls_dir: str, digests: dict[str, str]) -> HlsAudio:
    """The audio-only rendition ffmpeg cut into `root/hls_dir`: its segments, measured
    bitrates, and the sha256 of its files (into `digests`, keys relative to `root`)."""
    hdir = root / hls_dir
    segs = segments_of(hdir)
    (hdir / "ffmpeg.m3u8").unlink()
    for s in segs:
        digests[f"{hls_dir}/{s.file}"] = sha256_bytes((hdir / s.file).read_bytes())
    digests[f"{hls_dir}/init.mp4"] = sha256_file(hdir / "init.mp4")
    total = sum(s.duration_s for s in segs)
    rates = [s.size * 8 / s.duration_s for s in segs if s.duration_s > 0]
    return HlsAudio(hls_dir=hls_dir, segments=segs, peak_bps=round(max(rates)) if rates else 0,
                    average_bps=round(sum(s.size for s in segs) * 8 / total) if total else 0)


def load(meta_path: Path) -> EncodeResult | None:
    """A cache directory's meta.json, or None when it is absent or not of this version."""
    return read_cached(meta_path, EncodeResult)


def encode(spec: EncodeSpec, cache_root: Path, report=lambda m: None) -> Encoded:
    """The ladder for `spec` in `cache_root/<key>/`: re-used when present, else made."""
    final = cache_root / spec.key
    done = load(final / "meta.json")
    if done is not None:
        return Encoded(final, done, reused=True)
    # other ladders stay until the export is finished (`package.finish` prunes them)
    with cache_entry(final, prune=False) as tmp:
        result, notes = _encode_into(spec, tmp, report)
        write_text(tmp / "meta.json", result.model_dump_json(indent=2) + "\n")
    return Encoded(final, result, reused=False, notes=notes)


def reencode_graph(spec: EncodeSpec, pcm: Path, gain_db: float, out: Path) -> OutputStream:
    """The kept normalised audio `pcm` with `gain_db`, encoded like the first time to `out`."""
    return aac_output(loudness.gain(ffmpeg_python.input(str(pcm))["a:0"], gain_db),
                      spec.audio_kbps, out)


def hold_ceiling(audio: Path, pcm: Path, kbps: int, ceiling: float, duration_ms: int, report,
                 notes: list[str], what: str = "audio") -> tuple[Loudness, Loudness, float, int]:
    """Measure the encoded AAC `audio`; while its true peak is above `ceiling`, re-encode it
    from `pcm` (the audio that went into the encoder) with the missing gain (plus a margin).
    Returns the first and the final measurement, the total gain (dB) and the number of
    re-encodes; raises ToolError if the ceiling cannot be met."""
    after = first = loudness.measure_file(audio)
    gain, passes = 0.0, 0
    while (step := loudness.ceiling_gain(after.true_peak_dbtp, ceiling)) < 0:
        if passes == loudness.MAX_CEILING_PASSES:
            raise ToolError(["ffmpeg", "aac"], 0,
                            f"the encoded {what}'s true peak stays at {after.true_peak_dbtp} dBTP, "
                            f"above the ceiling of {ceiling} dBTP, after {passes} corrections")
        gain, passes = round(gain + step, 2), passes + 1
        report(f"loudness: encoded {what} true peak {after.true_peak_dbtp} dBTP is above the "
               f"ceiling {ceiling} dBTP; re-encoding it with {gain} dB")
        redo = audio.with_name(f"{TMP_PREFIX}{audio.name}")
        graph = aac_output(loudness.gain(ffmpeg_python.input(str(pcm))["a:0"], gain), kbps, redo)
        ffmpeg.run_graph(graph, duration_ms=duration_ms,
                         desc="loudness: re-encoding under the ceiling")
        os.replace(redo, audio)
        after = loudness.measure_file(audio)
    if passes:
        notes.append(f"loudness: AAC encoding put the {what}'s true peak at "
                     f"{first.true_peak_dbtp} dBTP, above the {ceiling} dBTP ceiling; it was "
                     f"re-encoded with {gain} dB and measures {after.true_peak_dbtp} dBTP")
    return first, after, gain, passes


def _hold_ceiling(spec: EncodeSpec, tmp: Path, report,
                  notes: list[str]) -> tuple[Loudness, float, int]:
    """The main track under the ceiling (see `hold_ceiling`); the kept audio is removed."""
    _, after, gain, passes = hold_ceiling(tmp / AUDIO_FILE, tmp / PCM_FILE, spec.audio_kbps,
                                          spec.true_peak_dbtp, spec.duration_ms, report, notes)
    (tmp / PCM_FILE).unlink()
    return after, gain, passes


def _encode_into(spec: EncodeSpec, tmp: Path, report) -> tuple[EncodeResult, list[str]]:
    notes: list[str] = []
    pass1 = before = None
    silent = True
    audio = None
    if spec.has_audio:
        report("loudness: measuring (pass 1)")
        pass1, before = loudness.measure(Path(spec.media), spec.loudness_lufs,
                                         spec.true_peak_dbtp, spec.duration_ms)
        silent = loudness.is_silent(pass1)
        if silent:
            notes.append("loudness: the programme's audio is silent; no gain applied")
        audio = loudness.normalise(ffmpeg_python.input(spec.media)["a:0"], spec.loudness_lufs,
                                   spec.true_peak_dbtp, None if silent else pass1)
    names = ", ".join(f"{r.name} ({r.width}x{r.height})" for r in spec.rungs)
    report(f"encoding {len(spec.rungs)} rungs in one pass: {names}")
    stderr = ffmpeg.run_graph(*ladder_outputs(spec, tmp, audio=audio), loglevel="info",
                              duration_ms=spec.duration_ms, desc="encoding ladder")

    tracks: list[EncodedAudio] = []
    if spec.has_audio:
        assert pass1 is not None and before is not None
        pass2 = None if silent else loudness.parse_loudnorm(stderr)
        if pass2 is not None and pass2.normalization_type != "linear":
            notes.append(
                f"loudness: loudnorm fell back to {pass2.normalization_type} mode "
                f"(the programme's peaks leave no room for a linear gain to "
                f"{spec.loudness_lufs} LUFS at {spec.true_peak_dbtp} dBTP)")
        after, gain, passes = _hold_ceiling(spec, tmp, report, notes)
        if not silent and after.integrated_lufs is not None and \
                abs(after.integrated_lufs - spec.loudness_lufs) > 1.0:
            notes.append(f"loudness: output measures {after.integrated_lufs} LUFS, "
                         f"target {spec.loudness_lufs}")
        loud = LoudnessReport(
            target=LoudnessTarget(integrated_lufs=spec.loudness_lufs,
                                  true_peak_dbtp=spec.true_peak_dbtp, lra_lu=loudness.LRA_TARGET),
            before=before, loudnorm_pass1=pass1, loudnorm_pass2=pass2,
            normalization_type=pass2.normalization_type if pass2 is not None else None,
            after=after, ceiling_gain_db=gain, ceiling_passes=passes)
        tracks.append(EncodedAudio(role="main", language=spec.language,
                                   sample_rate=ladder.AUDIO_RATE, channels=2,
                                   bitrate_kbps=spec.audio_kbps, loudness=loud, file=AUDIO_FILE))

    # one stream-copy process: per rung a faststart MP4 (video + audio) and its HLS segments
    # (video only); the audio once more as its own HLS rendition
    n = len(spec.rungs)
    args: list = []
    for r in spec.rungs:
        args += ["-i", tmp / f"video-{r.name}.mp4"]
    if spec.has_audio:
        args += ["-i", tmp / AUDIO_FILE]
    for k, r in enumerate(spec.rungs):
        maps = ["-map", f"{k}:v:0"] + (["-map", f"{n}:a:0"] if spec.has_audio else [])
        hdir = tmp / "hls" / r.name
        hdir.mkdir(parents=True)
        args += [*maps, "-c", "copy", "-map_metadata", "-1", "-movflags", "+faststart"]
        if spec.has_audio:
            args += ["-metadata:s:a:0", f"language={spec.language}"]
        args += ["-f", "mp4", tmp / f"{r.name}.mp4"]
        args += ["-map", f"{k}:v:0", "-c", "copy", "-map_metadata", "-1", *hls_args(hdir)]
    if spec.has_audio:
        adir = tmp / AUDIO_HLS_DIR
        adir.mkdir(parents=True)
        args += ["-map", f"{n}:a:0", "-c", "copy", "-map_metadata", "-1",
                 "-metadata:s:a:0", f"language={spec.language}", *hls_args(adir)]
    ffmpeg.run(args)
    digests: dict[str, str] = {}
    rungs = []
    for r in spec.rungs:
        (tmp / f"video-{r.name}.mp4").unlink()
        rungs.append(_encoded_rung(r, tmp, spec.has_audio, digests))
        digests[f"{r.name}.mp4"] = sha256_file(tmp / f"{r.name}.mp4")
    first_pts = _first_video_pts(tmp / rungs[0].hls_dir, rungs[0].segments[0].file)
    audio_hls = hls_audio(tmp, AUDIO_HLS_DIR, digests) if spec.has_audio else None

    # pictures: the candidates were scored in the encode's log
    tw, th = pictures.thumb_size(spec.width, spec.height)
    interval = pictures.thumb_interval_s(spec.duration_ms)
    sprites = sorted(p.name for p in tmp.glob("sprite-*.jpg"))
    cands = pictures.candidates(sorted((tmp / "cand").glob("cand-*.jpg")),
                                pictures.parse_stats(stderr),
                                pictures.poster_interval_s(spec.duration_ms))
    poster = pictures.choose_poster(cands, spec.duration_ms)
    os.replace(poster.path, tmp / "poster.jpg")
    shutil.rmtree(tmp / "cand")
    for name in [*sprites, "poster.jpg"]:
        digests[name] = sha256_file(tmp / name)

    result = EncodeResult(
        key=spec.key, created_at=utcnow(), spec=spec, encoder=spec.settings(), rungs=rungs,
        audio=tracks, audio_hls=audio_hls, first_video_pts_s=first_pts,
        sprite=Sprite(files=sprites, interval_s=interval,
                      count=-(-spec.duration_ms // (interval * 1000)), thumb_width=tw,
                      thumb_height=th, columns=pictures.SPRITE_COLUMNS, rows=pictures.SPRITE_ROWS),
        poster=AutoPoster(time_ms=poster.time_ms, luma_mean=poster.yavg, jpeg_bytes=poster.size),
        digests=digests)
    return result, notes
