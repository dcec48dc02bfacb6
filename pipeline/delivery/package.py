"""Assemble `exports/<film>/` from the cached ladder and the caption/chapter files.

Layout of an export (all paths relative to `exports/<film>/`):

    index.html                     the player page (static; works from file:// with MP4)
    assets/player.js, player.css   the player; assets/hls.min.js (vendored hls.js)
    media/<film>-<rung>.mp4        progressive MP4 per rung (+faststart); the top rung also
                                   carries mov_text captions and the chapters
    hls/master.m3u8                master playlist (variants, I-frame variants, subtitles)
    hls/<rung>/index.m3u8, iframes.m3u8, init.mp4, seg_NNNNN.m4s
    hls/subs/<lang>/index.m3u8, seg_NNNNN.vtt   WebVTT segments with X-TIMESTAMP-MAP
    captions.vtt, captions.srt, chapters.vtt     sidecar tracks
    poster.jpg, thumbs/sprite-NNN.jpg, thumbs/thumbnails.vtt
    manifest.json                  every artifact with size and sha256; written last

Everything is written atomically; files of an earlier export that this one does not
produce are removed. Only the ladder encode is expensive, and it is cached (see encode.py),
so a caption- or chapter-only change costs stream copies and text writes.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from .. import ffmpeg, fsutil, subtitle_io, timecode
from ..captions import build as caption_files
from ..captions import load_cues
from ..errors import ManifestError
from ..fsutil import atomic_path, atomic_text, copy_atomic, sha256_file, write_json, write_text
from ..models import Programme, utcnow
from ..workspace import Film
from . import encode, hls, inputs, ladder, pictures, player

EXPORT_VERSION = 1

ISO639_2 = {"de": "deu", "en": "eng", "fr": "fra", "it": "ita", "es": "spa", "nl": "nld",
            "pl": "pol", "tr": "tur", "ar": "ara", "uk": "ukr", "ru": "rus", "pt": "por",
            "da": "dan", "sv": "swe", "cs": "ces"}


def iso639_2(bcp47: str) -> str:
    return ISO639_2.get(bcp47.split("-")[0].lower(), "und")


@dataclass
class ExportResult:
    outputs: list[Path]
    notes: list[str] = field(default_factory=list)
    manifest: dict = field(default_factory=dict)
    encoded: bool = False  # True when this export ran the ladder encode


def spec_for(film: Film, programme: Programme) -> encode.EncodeSpec:
    """The encode settings of `film` (raises ManifestError for impossible rung settings)."""
    s = film.manifest.export
    heights = getattr(s, "rungs", None)
    try:
        rungs = ladder.select_rungs(programme.width, programme.height, programme.fps,
                                    heights=heights, max_height=s.max_height)
    except ValueError as e:
        raise ManifestError(film.manifest_path, "export.rungs", str(e), heights) from None
    return encode.EncodeSpec(
        media=programme.media, media_sha256=programme.media_sha256,
        duration_ms=programme.duration_ms, width=programme.width, height=programme.height,
        fps=programme.fps, has_audio=programme.has_audio, rungs=rungs,
        preset=getattr(s, "preset", "medium"),
        loudness_lufs=s.loudness_lufs, true_peak_dbtp=s.true_peak_dbtp,
        language=iso639_2(film.manifest.language),
    )


class _Out:
    """Collects produced files (absolute paths) while writing them atomically."""

    def __init__(self, root: Path):
        self.root = root
        self.files: dict[str, dict] = {}  # rel path -> {role, ...}

    def path(self, rel: str, role: str, **info) -> Path:
        self.files[rel] = {"role": role, **info}
        return self.root / rel

    def copy(self, src: Path, rel: str, role: str, **info) -> None:
        copy_atomic(src, self.path(rel, role, **info))  # no-op if already this very file

    def text(self, rel: str, role: str, text: str, **info) -> None:
        write_text(self.path(rel, role, **info), text)


def export(film: Film, programme: Programme, report=lambda m: None) -> ExportResult:
    m = film.manifest
    lang = m.language
    spec = spec_for(film, programme)
    if m.export.poster is not None and m.export.poster >= programme.duration_ms:
        raise ManifestError(film.manifest_path, "export.poster",
                            f"poster time is past the end of the programme "
                            f"({timecode.short(programme.duration_ms)})",
                            timecode.short(m.export.poster))
    enc = encode.encode(spec, film.cache_dir / "renditions", report)
    notes = list(enc.notes)
    if enc.reused:
        report(f"renditions: re-using encode {spec.key} (no video encode)")
    meta = enc.meta
    src = inputs.existing(film)
    captions = inputs.read_captions(film)
    chapters = inputs.read_chapters(film)
    jsonld = inputs.read_jsonld(src.get("chapters.jsonld"))
    caption_track = src.get("captions.vtt")
    if caption_track is None and (captions is None or not captions.cues):
        notes.append("no captions: the player says so (subtitles stage produced none)")
    if not chapters:
        notes.append("no chapters: the player shows no chapter menu")

    out = _Out(film.export_dir)
    root = film.export_dir
    root.mkdir(parents=True, exist_ok=True)

    # --- sidecar text tracks -------------------------------------------------------------
    if caption_track is not None:
        out.copy(caption_track, "captions.vtt", "captions", language=lang, format="text/vtt")
    elif captions is not None and captions.cues:  # cues.json without captions.vtt
        out.text("captions.vtt", "captions", caption_files.render(load_cues(film), "vtt"),
                 language=lang, format="text/vtt")
    if "captions.srt" in src:
        out.copy(src["captions.srt"], "captions.srt", "captions", language=lang,
                 format="application/x-subrip")
    if "chapters.vtt" in src:
        out.copy(src["chapters.vtt"], "chapters.vtt", "chapters", language=lang, format="text/vtt")
    has_caption_track = "captions.vtt" in out.files

    # --- progressive MP4s ------------------------------------------------------------------
    mp4s = []
    for i, r in enumerate(meta["rungs"]):
        rel = f"media/{film.id}-{r['name']}.mp4"
        info = {"rung": r["name"], "width": r["width"], "height": r["height"],
                "codecs": r["codecs"]}
        cached = enc.dir / r["file"]
        if i == 0 and (has_caption_track or chapters or "ffmetadata.txt" in src):
            _mux_top(film, cached, out.path(rel, "video", **info, captions=has_caption_track,
                                            chapters=len(chapters)),
                     root, src, chapters, m.title, lang, programme.duration_ms)
        else:
            out.copy(cached, rel, "video", **info)
        mp4s.append({"src": rel, "rung": r["name"], "width": r["width"],
                     "height": r["height"]})

    # --- HLS -------------------------------------------------------------------------------
    variants = []
    for r in meta["rungs"]:
        hdir = enc.dir / r["hls_dir"]
        base = f"hls/{r['name']}"
        out.copy(hdir / "init.mp4", f"{base}/init.mp4", "hls-init")
        for s in r["segments"]:
            out.copy(hdir / s["file"], f"{base}/{s['file']}", "hls-segment")
        with atomic_text(out.path(f"{base}/index.m3u8", "hls-media-playlist")) as fh:
            hls.write_media(fh, r["segments"])
        with atomic_text(out.path(f"{base}/iframes.m3u8", "hls-iframe-playlist")) as fh:
            hls.write_iframes(fh, r["iframes"])
        variants.append(hls.Variant(
            uri=f"{r['name']}/index.m3u8", iframe_uri=f"{r['name']}/iframes.m3u8",
            bandwidth=r["peak_bps"], average_bandwidth=r["average_bps"],
            iframe_bandwidth=r["iframe_peak_bps"], iframe_average_bandwidth=r["iframe_average_bps"],
            codecs=r["codecs"], video_codec=r["video_codec"], width=r["width"],
            height=r["height"], fps=r["fps"]))
    subs = None
    if has_caption_track:
        track = subtitle_io.load(root / "captions.vtt")
        durations = [s["duration_s"] for s in meta["rungs"][0]["segments"]]
        bounds = hls.segment_bounds(durations)
        mpegts = hls.mpegts_of(meta.get("first_video_pts_s", 0.0))
        sdir = f"hls/subs/{lang}"
        seg_list = []
        for k, cues in enumerate(hls.split_cues(track.cues, bounds)):
            name = f"seg_{k:05d}.vtt"
            with atomic_text(out.path(f"{sdir}/{name}", "hls-subtitle-segment")) as fh:
                hls.write_vtt_segment(fh, cues, mpegts, track.meta)
            seg_list.append((name, durations[k]))
        with atomic_text(out.path(f"{sdir}/index.m3u8", "hls-subtitle-playlist")) as fh:
            hls.write_subtitle_playlist(fh, seg_list)
        subs = hls.SubtitleRendition(uri=f"subs/{lang}/index.m3u8", language=lang,
                                     name=player.strings(lang)["captions_track_label"])
    with atomic_text(out.path("hls/master.m3u8", "hls-master-playlist")) as fh:
        hls.write_master(fh, variants, subs)

    # --- pictures --------------------------------------------------------------------------
    poster_info = dict(meta["poster"])
    if m.export.poster is not None:
        poster_src = _poster_at(film, spec, m.export.poster)
        poster_info = {"file": "poster.jpg", "time_ms": m.export.poster, "method": "film.yaml"}
    else:
        poster_src = enc.dir / "poster.jpg"
    out.copy(poster_src, "poster.jpg", "poster", time_ms=poster_info["time_ms"],
             method=poster_info["method"])
    sp = meta["sprite"]
    for name in sp["files"]:
        out.copy(enc.dir / name, f"thumbs/{name}", "thumbnail-sprite")
    with atomic_text(out.path("thumbs/thumbnails.vtt", "thumbnails", format="text/vtt")) as fh:
        pictures.write_thumbnails_vtt(fh, count=sp["count"], interval_s=sp["interval_s"],
                                      duration_ms=programme.duration_ms, tw=sp["thumb_width"],
                                      th=sp["thumb_height"])

    # --- player ----------------------------------------------------------------------------
    hls_js = player.hls_js_path()
    if hls_js is not None:
        out.copy(hls_js, "assets/hls.min.js", "player-asset", library="hls.js",
                 version=player.hls_js_version())
    else:
        notes.append("hls.js not found (run `npm ci`): the player falls back to MP4 everywhere")
    for name, path in player.static_files().items():
        out.copy(path, f"assets/{name}", "player-asset")
    page = player.render(
        film=film, programme=programme, mp4s=mp4s, has_hls_js=hls_js is not None,
        captions=captions, has_caption_track=has_caption_track,
        has_chapter_track="chapters.vtt" in out.files, chapters=chapters, jsonld=jsonld,
        sprite=sp, poster_info=poster_info)
    out.text("index.html", "player-page", page, language=lang)

    for r in meta["rungs"]:
        if r["average_bps"] and r["peak_bps"] > 2 * r["average_bps"]:
            notes.append(f"rung {r['name']}: peak segment bitrate {r['peak_bps']} bit/s is more "
                         f"than twice the average {r['average_bps']} bit/s")

    # --- manifest and clean-up -------------------------------------------------------------
    manifest = _manifest(film, programme, spec, enc, out, captions, chapters, poster_info, notes)
    write_json(root / "manifest.json", manifest)
    _remove_stale(root, set(out.files) | {"manifest.json"})
    _prune_cache(film.cache_dir / "renditions", keep=spec.key)
    outputs = [root / rel for rel in out.files] + [root / "manifest.json"]
    return ExportResult(outputs=outputs, notes=notes, manifest=manifest, encoded=not enc.reused)


def _mux_top(film: Film, cached: Path, final: Path, root: Path, src: dict[str, Path],
             chapters: list[dict], title: str, lang: str, duration_ms: int) -> None:
    """Stream-copy the top rung adding mov_text captions (language-tagged) and chapters."""
    args: list = ["-i", cached]
    maps = ["-map", "0:v", "-map", "0:a?"]
    n = 1
    sub_in = src.get("captions.srt") or (root / "captions.vtt" if (root / "captions.vtt").exists() else None)
    meta_args: list = ["-map_metadata", "-1"]
    codec_args: list = ["-c", "copy"]
    if sub_in is not None:
        args += ["-i", sub_in]
        maps += ["-map", f"{n}:s:0"]
        codec_args += ["-c:s", "mov_text", "-metadata:s:s:0", f"language={iso639_2(lang)}",
                       "-metadata:s:s:0", "handler_name=Untertitel",
                       "-disposition:s:0", "0"]
        n += 1
    ffmeta_tmp = None
    if chapters or "ffmetadata.txt" in src:
        ffmeta = src.get("ffmetadata.txt")
        if ffmeta is None:
            ffmeta_tmp = film.cache_dir / f"{fsutil.TMP_PREFIX}ffmetadata.txt"
            write_text(ffmeta_tmp, inputs.ffmetadata_text(chapters, title))
            ffmeta = ffmeta_tmp
        args += ["-f", "ffmetadata", "-i", ffmeta]
        meta_args = ["-map_metadata", str(n), "-map_chapters", str(n)]
        n += 1
    try:
        with atomic_path(final) as tmp:
            ffmpeg.run([*args, *maps, *codec_args, *meta_args, "-metadata", f"title={title}",
                        "-metadata:s:a:0", f"language={iso639_2(lang)}",
                        "-movflags", "+faststart", "-f", "mp4", tmp],
                       duration_ms=duration_ms, desc="muxing captions and chapters")
    finally:
        if ffmeta_tmp is not None:
            ffmeta_tmp.unlink(missing_ok=True)


def _poster_at(film: Film, spec: encode.EncodeSpec, at_ms: int) -> Path:
    if at_ms >= spec.duration_ms:
        raise ManifestError(film.manifest_path, "export.poster",
                            f"poster time is past the end of the programme "
                            f"({timecode.short(spec.duration_ms)})", timecode.short(at_ms))
    path = film.cache_dir / "posters" / f"{spec.key}-{at_ms}.jpg"
    if not path.is_file():
        pw, ph = ladder.fit(*encode.POSTER_BOX, spec.width, spec.height)
        if pw > spec.width or ph > spec.height:
            pw, ph = spec.rungs[0].width, spec.rungs[0].height
        with atomic_path(path) as tmp:
            ffmpeg.run(["-ss", f"{at_ms / 1000:.3f}", "-i", spec.media, "-frames:v", "1",
                        "-vf", f"scale={pw}:{ph}:flags=lanczos", "-q:v", "2", "-f", "image2", tmp])
    return path


def _manifest(film, programme, spec, enc, out: _Out, captions, chapters, poster_info,
              notes) -> dict:
    artifacts = []
    for rel in sorted(out.files):
        p = out.root / rel
        artifacts.append({"path": rel, "size": p.stat().st_size,
                          "sha256": film.ws.digests.digest(p), **out.files[rel]})
    meta = enc.meta
    return {
        "film": film.id, "title": film.manifest.title, "language": film.manifest.language,
        "created_at": utcnow(), "export_version": EXPORT_VERSION,
        "programme": {"sha256": programme.media_sha256, "duration_ms": programme.duration_ms,
                      "width": programme.width, "height": programme.height, "fps": programme.fps},
        "encode": {"key": spec.key, "reused": enc.reused, "settings": meta["encoder"]},
        "rungs": [{k: r[k] for k in ("name", "width", "height", "fps", "level", "maxrate_kbps",
                                      "bufsize_kbps", "codecs", "peak_bps", "average_bps")}
                  for r in meta["rungs"]],
        "loudness": meta.get("loudness"),
        "captions": None if captions is None else {
            "status": captions.status, "provenance": captions.provenance,
            "cues": len(captions.cues)},
        "chapters": len(chapters),
        "poster": poster_info,
        "notes": notes,
        "tools": {"ffmpeg": ffmpeg.version(), "hls.js": player.hls_js_version()},
        "artifacts": artifacts,
    }


def _prune_cache(renditions: Path, keep: str) -> None:
    """Remove finished encodes other than `keep` (a 1080p ladder is large). `.tmp-` dirs
    belong to running or killed exports; the runner sweeps those of killed ones."""
    import shutil

    for d in renditions.iterdir():
        if d.is_dir() and d.name != keep and not d.name.startswith(fsutil.TMP_PREFIX):
            shutil.rmtree(d, ignore_errors=True)


def _remove_stale(root: Path, keep: set[str]) -> None:
    """Delete files below `root` that this export did not produce, then empty folders."""
    for p in sorted(root.rglob("*"), reverse=True):
        rel = p.relative_to(root).as_posix()
        if p.is_file() or p.is_symlink():
            if rel not in keep:
                p.unlink()
        elif p.is_dir() and not any(p.iterdir()):
            p.rmdir()


def verify(export_dir: Path) -> list[str]:
    """Problems of an export against its manifest.json (missing or changed artifacts)."""
    import json

    mf = export_dir / "manifest.json"
    if not mf.is_file():
        return [f"{mf}: missing"]
    data = json.loads(mf.read_text(encoding="utf-8"))
    problems = []
    for a in data.get("artifacts", []):
        p = export_dir / a["path"]
        if not p.is_file():
            problems.append(f"{a['path']}: missing")
        elif p.stat().st_size != a["size"] or sha256_file(p) != a["sha256"]:
            problems.append(f"{a['path']}: content differs from manifest.json")
    return problems
