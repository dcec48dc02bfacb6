"""The expensive part of an export, done once and cached: the whole rendition ladder.

ONE ffmpeg process decodes the programme once and, through `split` in `-filter_complex`,
encodes every rung (video only), the loudness-normalised AAC track (pass 2 of loudnorm),
the thumbnail sprite sheets and the poster candidates. Stream-copy steps then mux each rung
with the audio into a progressive MP4 (+faststart) and cut it into fMP4 HLS segments.

Everything lands in `<film cache>/renditions/<key>/`, where the key digests the programme
content, the rungs and encoder settings, the loudness target and the ffmpeg version. The
directory is built under a `.tmp-` name and renamed when complete (atomic), and
`meta.json` inside it records what was made and measured. A caption- or chapter-only change
leaves the key unchanged, so the export re-uses the directory: no encode.
"""

from __future__ import annotations

import json
import os
import re
import shutil
from dataclasses import asdict, dataclass, field
from pathlib import Path

from .. import ffmpeg
from ..fsutil import TMP_PREFIX, sha256_json, write_json
from ..models import utcnow
from . import ladder, loudness, mp4box, pictures
from .ladder import Rung

ENCODE_VERSION = 1  # bump when the encode recipe changes in a way settings do not show
POSTER_BOX = (1280, 720)  # poster candidates fit this box (px)


@dataclass
class EncodeSpec:
    media: str  # programme file
    media_sha256: str
    duration_ms: int
    width: int
    height: int
    fps: float  # programme frame rate
    has_audio: bool
    rungs: list[Rung]
    preset: str = "medium"
    crf: int = ladder.CRF
    audio_kbps: int = ladder.AUDIO_KBPS
    loudness_lufs: float = -16.0
    true_peak_dbtp: float = -1.5
    language: str = "und"  # ISO 639-2 code for the audio track

    def key_data(self) -> dict:
        """Everything that determines the encoded bytes (and nothing else)."""
        return {
            "v": ENCODE_VERSION, "media": self.media_sha256,
            "rungs": [r.as_dict() for r in self.rungs], "preset": self.preset, "crf": self.crf,
            "audio_kbps": self.audio_kbps if self.has_audio else None,
            "loudness": [self.loudness_lufs, self.true_peak_dbtp] if self.has_audio else None,
            "language": self.language, "ffmpeg": ffmpeg.version(),
        }

    @property
    def key(self) -> str:
        return sha256_json(self.key_data())[:20]


@dataclass
class Encoded:
    """A finished cache directory and its meta.json content."""

    dir: Path
    meta: dict
    reused: bool = False
    notes: list[str] = field(default_factory=list)


def video_chain(spec: EncodeSpec, n_extra: int) -> tuple[str, list[str]]:
    """filter_complex text for the video: split into rungs (+ n_extra picture branches).

    Returns the graph and the output labels: one per rung, then the extras."""
    out_fps = spec.rungs[0].fps
    pre = "[0:v:0]"
    head = "setsar=1"
    if abs(out_fps - spec.fps) > 0.01:
        head = f"fps={out_fps},{head}"
    n = len(spec.rungs) + n_extra
    labels = [f"s{i}" for i in range(n)]
    parts = [f"{pre}{head},split={n}" + "".join(f"[{lab}]" for lab in labels)]
    outs = []
    for i, r in enumerate(spec.rungs):
        parts.append(f"[s{i}]scale={r.width}:{r.height}:flags=lanczos,format=yuv420p[v{i}]")
        outs.append(f"v{i}")
    return ";".join(parts), outs + labels[len(spec.rungs):]


def ladder_args(spec: EncodeSpec, outdir: Path, *, extras: bool = True,
                audio_filter: str | None = None, audio_out: Path | None = None) -> list[str]:
    """Arguments of the one-process encode (without the leading ffmpeg/-y)."""
    thumb_every = pictures.thumb_interval_s(spec.duration_ms)
    poster_every = pictures.poster_interval_s(spec.duration_ms)
    tw, th = pictures.thumb_size(spec.width, spec.height)
    pw, ph = ladder.fit(*POSTER_BOX, spec.width, spec.height)
    if pw > spec.width or ph > spec.height:
        pw, ph = spec.rungs[0].width, spec.rungs[0].height
    graph, labels = video_chain(spec, 2 if extras else 0)
    if extras:
        sp, pc = labels[len(spec.rungs):]
        graph += (f";[{sp}]fps=1/{thumb_every},scale={tw}:{th}:flags=lanczos,"
                  f"tile={pictures.SPRITE_COLUMNS}x{pictures.SPRITE_ROWS}[sprite]"
                  f";[{pc}]fps=1/{poster_every},scale={pw}:{ph}:flags=lanczos[poster]")
    if audio_filter is not None:
        graph += f";[0:a:0]{audio_filter}[aout]"
    args: list[str] = ["-i", spec.media, "-filter_complex", graph]
    for i, r in enumerate(spec.rungs):
        args += ["-map", f"[v{i}]", *ladder.x264_args(r, spec.preset, spec.crf), "-an",
                 "-f", "mp4", str(outdir / f"video-{r.name}.mp4")]
    if extras:
        (outdir / "cand").mkdir(exist_ok=True)
        args += ["-map", "[sprite]", "-q:v", "4", "-f", "image2", str(outdir / "sprite-%03d.jpg"),
                 "-map", "[poster]", "-q:v", "2", "-f", "image2",
                 str(outdir / "cand" / "cand-%04d.jpg")]
    if audio_filter is not None and audio_out is not None:
        args += ["-map", "[aout]", "-c:a", "aac", "-profile:a", "aac_low",
                 "-b:a", f"{spec.audio_kbps}k", "-ar", str(ladder.AUDIO_RATE), "-ac", "2",
                 "-f", "mp4", str(audio_out)]
    return args


def _hls_args(outdir: Path) -> list:
    """Output options cutting 6 s fMP4 segments (stream copy) into `outdir`."""
    return ["-f", "hls", "-hls_time", str(ladder.SEGMENT_SECONDS), "-hls_playlist_type", "vod",
            "-hls_segment_type", "fmp4", "-hls_fmp4_init_filename", "init.mp4",
            "-hls_segment_filename", str(outdir / "seg_%05d.m4s"), str(outdir / "ffmpeg.m3u8")]


_EXTINF = re.compile(r"^#EXTINF:([\d.]+),")


def _segments(hdir: Path) -> list[dict]:
    """[{file, duration_s, size}] in playlist order, from ffmpeg's own playlist."""
    segs, dur = [], None
    for line in (hdir / "ffmpeg.m3u8").read_text().splitlines():
        if m := _EXTINF.match(line):
            dur = float(m.group(1))
        elif line and not line.startswith("#") and dur is not None:
            segs.append({"file": line, "duration_s": dur, "size": (hdir / line).stat().st_size})
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


def _rung_figures(hdir: Path, segs: list[dict]) -> dict:
    """Measured bitrates (bit/s, container included) and I-frame ranges of one variant."""
    rates = [s["size"] * 8 / s["duration_s"] for s in segs if s["duration_s"] > 0]
    total_bits = sum(s["size"] for s in segs) * 8
    total_dur = sum(s["duration_s"] for s in segs)
    iframes = []
    for s in segs:
        off, length = mp4box.first_sample_range((hdir / s["file"]).read_bytes(), track_id=1)
        iframes.append({"file": s["file"], "offset": off, "length": length,
                        "duration_s": s["duration_s"]})
    ibits = [f["length"] * 8 / f["duration_s"] for f in iframes if f["duration_s"] > 0]
    init = (hdir / "init.mp4").read_bytes()
    prof, compat, lvl = mp4box.avcc(init)
    return {
        "peak_bps": round(max(rates)) if rates else 0,
        "average_bps": round(total_bits / total_dur) if total_dur else 0,
        "iframe_peak_bps": round(max(ibits)) if ibits else 0,
        "iframe_average_bps": round(sum(f["length"] for f in iframes) * 8 / total_dur) if total_dur else 0,
        "video_codec": ladder.avc1_codec(prof, compat, lvl),
        "iframes": iframes,
    }


def encode(spec: EncodeSpec, cache_root: Path, report=lambda m: None) -> Encoded:
    """The ladder for `spec` in `cache_root/<key>/`: re-used when present, else made."""
    final = cache_root / spec.key
    meta_path = final / "meta.json"
    if meta_path.is_file():
        return Encoded(final, json.loads(meta_path.read_text(encoding="utf-8")), reused=True)
    cache_root.mkdir(parents=True, exist_ok=True)
    tmp = cache_root / f"{TMP_PREFIX}{spec.key}-{os.getpid()}"
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir()
    try:
        meta, notes = _encode_into(spec, tmp, report)
        write_json(tmp / "meta.json", meta)
        if final.exists():  # an older, incomplete directory (no meta.json): replace it
            shutil.rmtree(final)
        os.replace(tmp, final)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return Encoded(final, meta, reused=False, notes=notes)


def _encode_into(spec: EncodeSpec, tmp: Path, report) -> tuple[dict, list[str]]:
    notes: list[str] = []
    loud: dict = {"target": {"integrated_lufs": spec.loudness_lufs,
                             "true_peak_dbtp": spec.true_peak_dbtp,
                             "lra_lu": loudness.LRA_TARGET}}
    audio_filter = None
    audio_out = tmp / "audio.m4a"
    if spec.has_audio:
        report("loudness: measuring (pass 1)")
        pass1, before = loudness.measure(Path(spec.media), spec.loudness_lufs,
                                         spec.true_peak_dbtp, spec.duration_ms)
        loud["before"] = before.as_dict()
        loud["loudnorm_pass1"] = pass1
        if loudness.is_silent(pass1):
            audio_filter = loudness.passthrough_filter()
            notes.append("loudness: the programme's audio is silent; no gain applied")
        else:
            audio_filter = loudness.apply_filter(spec.loudness_lufs, spec.true_peak_dbtp, pass1)
    names = ", ".join(f"{r.name} ({r.width}x{r.height})" for r in spec.rungs)
    report(f"encoding {len(spec.rungs)} rungs in one pass: {names}")
    stderr = ffmpeg.run(["-loglevel", "info", *ladder_args(spec, tmp, audio_filter=audio_filter,
                                                         audio_out=audio_out)],
                        duration_ms=spec.duration_ms, desc="encoding ladder")
    if spec.has_audio and loudness.is_silent(loud["loudnorm_pass1"]):
        loud["normalization_type"] = None
        loud["after"] = loudness.measure_file(audio_out).as_dict()
    elif spec.has_audio:
        pass2 = loudness.parse_loudnorm(stderr)
        loud["loudnorm_pass2"] = pass2
        loud["normalization_type"] = pass2.get("normalization_type")
        if pass2.get("normalization_type") != "linear":
            notes.append(
                f"loudness: loudnorm fell back to {pass2.get('normalization_type')} mode "
                f"(the programme's peaks leave no room for a linear gain to "
                f"{spec.loudness_lufs} LUFS at {spec.true_peak_dbtp} dBTP)")
        loud["after"] = loudness.measure_file(audio_out).as_dict()
        after_i = loud["after"]["integrated_lufs"]
        if after_i is not None and abs(after_i - spec.loudness_lufs) > 1.0:
            notes.append(f"loudness: output measures {after_i} LUFS, target {spec.loudness_lufs}")

    # one stream-copy process: per rung a faststart MP4 (video + audio) and its HLS segments
    n = len(spec.rungs)
    args: list = []
    for r in spec.rungs:
        args += ["-i", tmp / f"video-{r.name}.mp4"]
    if spec.has_audio:
        args += ["-i", audio_out]
    for k, r in enumerate(spec.rungs):
        maps = ["-map", f"{k}:v:0"] + (["-map", f"{n}:a:0"] if spec.has_audio else [])
        hdir = tmp / "hls" / r.name
        hdir.mkdir(parents=True)
        args += [*maps, "-c", "copy", "-map_metadata", "-1", "-movflags", "+faststart"]
        if spec.has_audio:
            args += ["-metadata:s:a:0", f"language={spec.language}"]
        args += ["-f", "mp4", tmp / f"{r.name}.mp4"]
        args += [*maps, "-c", "copy", "-map_metadata", "-1", *_hls_args(hdir)]
    ffmpeg.run(args)
    rungs_meta = []
    for r in spec.rungs:
        (tmp / f"video-{r.name}.mp4").unlink()
        hdir = tmp / "hls" / r.name
        segs = _segments(hdir)
        figures = _rung_figures(hdir, segs)
        codecs = figures["video_codec"] + (",mp4a.40.2" if spec.has_audio else "")
        rungs_meta.append({**r.as_dict(), "file": f"{r.name}.mp4", "codecs": codecs,
                           "hls_dir": f"hls/{r.name}", "segments": segs, **figures})
    first_dir = tmp / "hls" / spec.rungs[0].name
    first_pts = _first_video_pts(first_dir, rungs_meta[0]["segments"][0]["file"])

    # pictures
    tw, th = pictures.thumb_size(spec.width, spec.height)
    interval = pictures.thumb_interval_s(spec.duration_ms)
    sprites = sorted(p.name for p in tmp.glob("sprite-*.jpg"))
    count = -(-spec.duration_ms // (interval * 1000))
    every = pictures.poster_interval_s(spec.duration_ms)
    cands = [pictures.Candidate(p, round((int(p.stem.split("-")[1]) - 1) * every * 1000))
             for p in sorted((tmp / "cand").glob("cand-*.jpg"))]
    poster = pictures.choose_poster(cands, spec.duration_ms)
    os.replace(poster.path, tmp / "poster.jpg")
    shutil.rmtree(tmp / "cand")

    meta = {
        "key": spec.key, "created_at": utcnow(), "spec": {
            **{k: v for k, v in asdict(spec).items() if k != "rungs"}},
        "encoder": spec.key_data(),
        "rungs": rungs_meta,
        "audio": {"codec": "aac", "profile": "LC", "sample_rate": ladder.AUDIO_RATE,
                  "channels": 2, "bitrate_kbps": spec.audio_kbps} if spec.has_audio else None,
        "loudness": loud if spec.has_audio else None,
        "first_video_pts_s": first_pts,
        "sprite": {"files": sprites, "interval_s": interval, "count": count, "thumb_width": tw,
                   "thumb_height": th, "columns": pictures.SPRITE_COLUMNS,
                   "rows": pictures.SPRITE_ROWS},
        "poster": {"file": "poster.jpg", "time_ms": poster.time_ms, "method": "auto",
                   "luma_mean": poster.yavg, "jpeg_bytes": poster.size},
    }
    return meta, notes
