"""The sign-language rendition of an export: the DGS interpreter as a small H.264 video on
the programme's timeline, as MP4 and as its own HLS stream.

From film.yaml `sign_language:` (the recording, its offset in the programme, an optional
crop) ONE ffmpeg process makes `dgs.mp4`:

    recording -> crop (if given) -> upright, square pixels -> frame rate (the recording's,
    halved above 30 fps like the ladder) -> scaled down to a window size (WINDOW_HEIGHT,
    never below 320 x 240 when the recording has that, never up) -> black frames for the
    `offset` before the interpreter starts -> cut at the programme's end; video only,
    H.264 High, capped CRF, a closed GOP every KEYFRAME_SECONDS so the player's window
    follows a seek at once, +faststart.

A recording below the BITV figures (320 x 240, 25 fps) is encoded as it is, never scaled
or frame-doubled up to them: the QC report says so (`signlang_qc.py`). Because the
rendition starts at programme time 0, the player keeps both videos at the same
currentTime, and a download plays in step with the film's download.

A stream copy then cuts it into fMP4 HLS segments (`hls/dgs/`). Everything is cached by
content in `<film cache>/dgs-renditions/<key>/` (built under `.tmp-`, renamed when complete;
`meta.json` is `EncodedSign`); the key digests the recording's sha256, offset, crop, the
programme's length, the encoder settings and the ffmpeg version, so only a change of these
re-encodes: captions, chapters or descriptions never do, and the ladder's key does not
depend on any of it.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import ffmpeg as ffmpeg_python  # ffmpeg-python (graph building), not pipeline.ffmpeg

from .. import ffmpeg
from ..fsutil import cache_entry, read_cached, sha256_bytes, sha256_file, sha256_json, write_text
from ..manifest.sign_language import (BITV_MIN_HEIGHT, BITV_MIN_WIDTH, HLS_DIR, LANGUAGE,
                                      Crop, meets_bitv, rendition_mp4)
from ..models import Ms, Programme, Strict, utcnow
from ..workspace import Film
from . import encode, hls, ladder, mp4box, signlang_check
from .model import Segment, SignLanguageSummary

if TYPE_CHECKING:
    from .package import ExportJob

CACHE = "dgs-renditions"
MP4_FILE = "dgs.mp4"
WINDOW_HEIGHT = 480  # px: sharp hands and face in a window beside the film
KEYFRAME_SECONDS = 1  # closed GOP: the window shows the right picture soon after a seek
REFERENCE = (854, 480, 1200)  # width, height, maxrate kbit/s; other sizes scale by area
CRF = 23
PRESET = "medium"


class SignEncodeSpec(Strict):
    """What to encode; `key` names the cache directory (the recording's path is not in it,
    its content is)."""

    v: int = 1
    recording: str  # absolute path
    recording_sha256: str
    offset_ms: Ms
    crop: Crop | None
    src_width: int  # the recording's frame after crop, upright
    src_height: int
    src_fps: float
    recording_ms: Ms  # length of the recording
    programme_ms: Ms
    rung: ladder.Rung  # output size, frame rate, VBV cap, level
    preset: str = PRESET
    crf: int = CRF
    ffmpeg: str = ""

    @property
    def key(self) -> str:
        return sha256_json(self.model_dump(mode="json", exclude={"recording"}))[:20]


class HlsVideo(Strict):
    hls_dir: str
    segments: list[Segment]
    codecs: str


class EncodedSign(Strict):
    """meta.json of a finished cache directory: the MP4 and HLS stream as ffprobe measured
    them, and the sha256 of every file."""

    key: str
    created_at: str
    spec: SignEncodeSpec
    width: int
    height: int
    fps: float
    duration_ms: Ms
    average_bps: int
    codecs: str
    hls: HlsVideo
    digests: dict[str, str]


def window_size(w: int, h: int) -> tuple[int, int]:
    """Output size for a w x h interpreter picture: scaled to WINDOW_HEIGHT, but not below
    the BITV minimum in either direction, and never above the picture itself (even sizes)."""
    s = min(1.0, WINDOW_HEIGHT / h)
    s = min(1.0, max(s, BITV_MIN_WIDTH / w, BITV_MIN_HEIGHT / h))
    return max(2, int(w * s) // 2 * 2), max(2, int(h * s) // 2 * 2)


def rung_for(w: int, h: int, src_fps: float) -> ladder.Rung:
    ow, oh = window_size(w, h)
    fps = ladder.output_fps(src_fps)
    rw, rh, kbps = REFERENCE
    rate = max(300, round(kbps * ow * oh / (rw * rh)))
    return ladder.Rung(name="dgs", width=ow, height=oh, fps=fps, maxrate_kbps=rate,
                       bufsize_kbps=2 * rate, level=ladder.h264_level(ow, oh, fps, rate))


def x264_options(spec: SignEncodeSpec) -> dict[str, str]:
    """The ladder's H.264 options with a GOP of KEYFRAME_SECONDS."""
    opts = ladder.x264_options(spec.rung, spec.preset, spec.crf)
    g = str(max(1, round(spec.rung.fps * KEYFRAME_SECONDS)))
    opts.update({"g": g, "keyint_min": g,
                 "force_key_frames": f"expr:gte(t,n_forced*{KEYFRAME_SECONDS})"})
    return opts


def spec_for(film: Film, programme: Programme) -> SignEncodeSpec | None:
    """The encode for the film's `sign_language:` (None: it has none)."""
    sl = film.manifest.sign_language
    if sl is None:
        return None
    info = signlang_check.probe_recording(film, sl)
    w, h = (sl.crop.width, sl.crop.height) if sl.crop else signlang_check.display_size(info)
    fps = info.video.fps or 25.0  # type: ignore[union-attr]
    return SignEncodeSpec(
        recording=str(film.resolve_media(sl.file)),
        recording_sha256=film.ws.digests.digest(film.resolve_media(sl.file)),
        offset_ms=sl.offset, crop=sl.crop, src_width=w, src_height=h, src_fps=fps,
        recording_ms=signlang_check.recording_ms(info), programme_ms=programme.duration_ms,
        rung=rung_for(w, h, fps), ffmpeg=ffmpeg.version())


def encode_graph(spec: SignEncodeSpec, out: Path):
    """recording -> crop -> fps -> scale -> black lead-in of `offset` -> H.264 (video only)."""
    r = spec.rung
    v = ffmpeg_python.input(spec.recording)["v:0"]
    if spec.crop is not None:
        c = spec.crop
        v = v.filter("crop", w=c.width, h=c.height, x=c.x, y=c.y)
    v = v.filter("setsar", 1)
    if abs(r.fps - spec.src_fps) > 0.01:
        v = v.filter("fps", fps=r.fps)
    v = v.filter("scale", w=r.width, h=r.height, flags="lanczos").filter("format", "yuv420p")
    if spec.offset_ms:
        v = v.filter("tpad", start_duration=f"{spec.offset_ms / 1000:.3f}", color="black")
    return v.output(str(out), format="mp4", an=None, t=f"{spec.programme_ms / 1000:.3f}",
                    map_metadata=-1, movflags="+faststart", **x264_options(spec))



def encode_sign(spec: SignEncodeSpec, cache_root: Path) -> tuple[Path, EncodedSign, bool]:
    """(directory, meta, reused) of the rendition for `spec`, made when missing; older
    renditions of the film are removed."""
    final = cache_root / spec.key
    done = read_cached(final / "meta.json", EncodedSign)
    if done is not None:
        return final, done, True
    with cache_entry(final) as tmp:
        result = _encode_into(spec, tmp)
        write_text(tmp / "meta.json", result.model_dump_json(indent=2) + "\n")
    return final, result, False


def _encode_into(spec: SignEncodeSpec, tmp: Path) -> EncodedSign:
    r = spec.rung
    mp4 = tmp / MP4_FILE
    ffmpeg.run_graph(encode_graph(spec, mp4), duration_ms=spec.programme_ms,
                     desc="encoding the sign-language rendition")
    hdir = tmp / "hls"
    hdir.mkdir()
    ffmpeg.run(["-i", mp4, "-map", "0:v:0", "-c", "copy", "-map_metadata", "-1",
                *encode.hls_args(hdir)])
    segs = encode.segments_of(hdir)
    (hdir / "ffmpeg.m3u8").unlink()
    digests = {MP4_FILE: sha256_file(mp4)}
    for s in segs:
        digests[f"hls/{s.file}"] = sha256_bytes((hdir / s.file).read_bytes())
    init = (hdir / "init.mp4").read_bytes()
    digests["hls/init.mp4"] = sha256_bytes(init)
    codecs = ladder.avc1_codec(*mp4box.avcc(init))
    v = ffmpeg.media_info(mp4, digests[MP4_FILE])
    vs = v.video
    assert vs is not None and vs.width and vs.height
    dur_s = v.duration_ms / 1000
    return EncodedSign(
        key=spec.key, created_at=utcnow(), spec=spec, width=vs.width, height=vs.height,
        fps=vs.fps or r.fps, duration_ms=v.duration_ms,
        average_bps=round(mp4.stat().st_size * 8 / dur_s) if dur_s else 0, codecs=codecs,
        hls=HlsVideo(hls_dir="hls", segments=segs, codecs=codecs), digests=digests)


@dataclass(frozen=True)
class SignPage:
    """What the player page needs of the rendition (paths relative to the page)."""

    mp4: str
    hls: str | None  # its HLS media playlist (None: no hls.js, MP4 only)
    width: int
    height: int
    duration_ms: int
    size: int  # bytes of the MP4


def step(job: "ExportJob") -> None:
    """The export's output step (`package.STEPS`): link the rendition into the export (the
    MP4, the HLS segments, their playlist) and put its summary and page data on the job.
    A film without an interpreter has its cached renditions removed."""
    film, out = job.film, job.out
    cache = film.cache_dir / CACHE
    spec = spec_for(film, job.programme)
    if spec is None:
        shutil.rmtree(cache, ignore_errors=True)
        return
    d, meta, reused = encode_sign(spec, cache)
    r = spec.rung
    job.notes.append(f"sign language: rendition {spec.key} re-used (no encode)" if reused else
                     f"sign language: rendition encoded ({r.width}x{r.height} @ {r.fps:g} fps)")
    mp4_rel = rendition_mp4(film.id)
    out.link(d / MP4_FILE, mp4_rel, "sign-language-video", sha256=meta.digests[MP4_FILE],
             language=LANGUAGE, width=meta.width, height=meta.height, codecs=meta.codecs)
    out.link(d / "hls" / "init.mp4", f"{HLS_DIR}/init.mp4", "sign-language-hls-init",
             sha256=meta.digests["hls/init.mp4"])
    for s in meta.hls.segments:
        out.link(d / "hls" / s.file, f"{HLS_DIR}/{s.file}", "sign-language-hls-segment",
                 sha256=meta.digests[f"hls/{s.file}"])
    with out.stream(f"{HLS_DIR}/index.m3u8", "sign-language-hls-playlist",
                    language=LANGUAGE) as fh:
        hls.write_media(fh, meta.hls.segments)
    size = (d / MP4_FILE).stat().st_size
    sl = job.sign_language = SignLanguageSummary(
        mp4=mp4_rel, hls=f"{HLS_DIR}/index.m3u8", width=meta.width, height=meta.height,
        fps=meta.fps, duration_ms=meta.duration_ms, size=size, average_bps=meta.average_bps,
        keyframe_interval_s=KEYFRAME_SECONDS, codecs=meta.codecs, offset_ms=spec.offset_ms,
        crop=spec.crop,
        covers_from_ms=spec.offset_ms,
        covers_to_ms=min(spec.offset_ms + spec.recording_ms, spec.programme_ms),
        programme_ms=spec.programme_ms, meets_bitv=meets_bitv(meta.width, meta.height, meta.fps),
        recording_sha256=spec.recording_sha256, recording_width=spec.src_width,
        recording_height=spec.src_height, recording_fps=spec.src_fps, encode_key=spec.key,
        reused=reused)
    if not sl.meets_bitv:
        job.notes.append(f"sign language: the rendition is {sl.width}x{sl.height} at "
                         f"{sl.fps:g} fps, below BITV's 320x240 at 25 fps (so is the "
                         f"recording: it is never scaled up; see the QC report)")
    job.sign_page = SignPage(mp4=mp4_rel, hls=sl.hls if job.has_hls_js else None,
                             width=sl.width, height=sl.height, duration_ms=sl.duration_ms,
                             size=size)


def plan_input(film: Film, digest) -> dict[str, str]:
    """The export stage's record entry for the interpreter: the recording's content and
    film.yaml's offset and crop (`digest`: the stage's digest of a file)."""
    sl = film.manifest.sign_language
    if sl is None:
        return {}
    path = film.resolve_media(sl.file)
    return {"sign_language": sha256_json({
        "recording": digest(path) if path.is_file() else "missing", "offset": sl.offset,
        "crop": sl.crop.model_dump() if sl.crop else None})}
