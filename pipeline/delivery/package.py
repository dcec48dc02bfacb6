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
  with an audio description (the describe stage's ad.json):
    media/<film>-<rung>.mp4        the top rung also carries the AD mix as a second AAC
                                   track (language-tagged, named, disposition visual_impaired)
    media/<film>-<rung>-ad.mp4     the player's fallback rung with the AD mix as its audio
    hls/ad/index.m3u8, init.mp4, seg_NNNNN.m4s   the AD mix as an audio rendition
    descriptions.vtt               text descriptions (WebVTT, kind="descriptions")
    audio/<film>-narration.flac    the narration-only stem
    poster.jpg, thumbs/sprite-NNN.jpg, thumbs/thumbnails.vtt
    manifest.json                  `model.ExportManifest`: every artifact with role, size and
                                   sha256, rungs, audio tracks and loudness, caption
                                   provenance; written last
  with a sign-language interpreter (signlang.py):
    media/<film>-dgs.mp4           the interpreter's rendition (video only, programme timeline)
    hls/dgs/index.m3u8, init.mp4, seg_NNNNN.m4s   its own HLS stream

Every artifact's sha256 is known without reading it again: text is hashed as it is
written, cached media carries the digest the encode took (meta.json `digests`); only a
file ffmpeg writes here (the re-muxed top rung) or a copied asset is hashed once.

`export` is `prepare` (settings, inputs, the ladder and AD encodes), then the output steps
of `STEPS` in order (each a small function that writes its files through `ExportJob.out`),
then `finish` (manifest.json, clean-up). Everything is written atomically; files of an
earlier export that this one does not produce are removed. Only the ladder encode is expensive, and it is cached (see encode.py),
so a caption- or chapter-only change costs stream copies and text writes.
"""

from __future__ import annotations

import contextlib
import io
import shutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterator

from .. import ffmpeg, fsutil, subtitle_io, timecode
from ..captions import build as caption_files
from ..didactics.model import ChapterEntry
from ..errors import ManifestError
from ..fsutil import DigestCache, atomic_path, copy_atomic, sha256_file, sha256_text, write_text
from ..models import Programme, utcnow
from ..workspace import Film
from ..descriptions.model import AdTrack
from . import ad_audio, encode, hls, inputs, ladder, pictures, player, signlang
from .model import (AdEncodeSpec, Artifact, ArtifactRole, AudioTrack, CaptionSummary,
                    DescribedVoice, DescriptionSummary, EncodedAd, EncodeRef, EncodeResult,
                    EncodeSpec,
                    ExportManifest, FixedPoster, ManifestArtifacts, ManifestRung, Poster,
                    ProgrammeRef, ProgressiveMp4, SignLanguageSummary, Tools)

EXPORT_VERSION = 1

ISO639_2 = {"de": "deu", "en": "eng", "fr": "fra", "it": "ita", "es": "spa", "nl": "nld",
            "pl": "pol", "tr": "tur", "ar": "ara", "uk": "ukr", "ru": "rus", "pt": "por",
            "da": "dan", "sv": "swe", "cs": "ces"}


def iso639_2(bcp47: str) -> str:
    return ISO639_2.get(bcp47.split("-")[0].lower(), "und")


@dataclass
class ExportResult:
    outputs: list[Path]
    manifest: ExportManifest
    notes: list[str] = field(default_factory=list)
    encoded: bool = False  # True when this export ran the ladder encode


def spec_for(film: Film, programme: Programme) -> EncodeSpec:
    """The encode settings of `film` (raises ManifestError for impossible rung settings)."""
    s = film.manifest.export
    try:
        rungs = ladder.select_rungs(programme.width, programme.height, programme.fps,
                                    heights=s.rungs, max_height=s.max_height)
    except ValueError as e:
        raise ManifestError(film.manifest_path, "export.rungs", str(e), s.rungs) from None
    return EncodeSpec(
        media=programme.media, media_sha256=programme.media_sha256,
        duration_ms=programme.duration_ms, width=programme.width, height=programme.height,
        fps=programme.fps, has_audio=programme.has_audio, rungs=rungs, preset=s.preset,
        loudness_lufs=s.loudness_lufs, true_peak_dbtp=s.true_peak_dbtp,
        language=iso639_2(film.manifest.language),
    )


@dataclass
class _Entry:
    role: ArtifactRole
    info: dict  # further Artifact fields
    sha256: str | None = None  # known from writing (or from the encode), else hashed once


class _Out:
    """Collects produced files (paths relative to the export) while writing them
    atomically, with their sha256 wherever it is known without reading the file again."""

    def __init__(self, root: Path):
        self.root = root
        self.files: dict[str, _Entry] = {}

    def path(self, rel: str, role: ArtifactRole, **info) -> Path:
        self.files[rel] = _Entry(role, info)
        return self.root / rel

    def link(self, src: Path, rel: str, role: ArtifactRole, sha256: str | None = None,
             **info) -> None:
        """Hard-link (or copy) `src`; `sha256` when the caller knows it (the encode does)."""
        copy_atomic(src, self.path(rel, role, **info))  # no-op if already this very file
        self.files[rel].sha256 = sha256

    def text(self, rel: str, role: ArtifactRole, text: str, **info) -> None:
        write_text(self.path(rel, role, **info), text)
        self.files[rel].sha256 = sha256_text(text)  # the bytes written (UTF-8, \n)

    @contextlib.contextmanager
    def stream(self, rel: str, role: ArtifactRole, **info) -> Iterator[io.StringIO]:
        """A text stream for a writer; the file appears (atomically) when the block ends."""
        buf = io.StringIO()
        yield buf
        self.text(rel, role, buf.getvalue(), **info)

    def artifacts(self, digests: DigestCache) -> list[Artifact]:
        """Every file with size and sha256; known digests are handed to `digests` so the
        stage record does not hash them again."""
        out = []
        for rel in sorted(self.files):
            e, p = self.files[rel], self.root / rel
            if e.sha256 is None:
                e.sha256 = digests.digest(p)
            else:
                digests.remember(p, e.sha256)
            out.append(Artifact(path=rel, size=p.stat().st_size, sha256=e.sha256, role=e.role,
                                **e.info))
        return out


@dataclass
class ExportJob:
    """One export under way: what `prepare` read and encoded, and what the output steps add
    (each step reads the fields of the steps before it and fills its own)."""

    film: Film
    programme: Programme
    spec: EncodeSpec
    src: inputs.ExportSources
    enc: encode.Encoded
    ad: _Ad | None
    out: _Out
    notes: list[str]
    # filled by the steps, in list order
    has_caption_track: bool = False  # sidecar_tracks: captions.vtt is part of the export
    mp4s: list[ProgressiveMp4] = field(default_factory=list)  # progressive_mp4s
    ad_mp4: ProgressiveMp4 | None = None  # progressive_mp4s: the AD fallback rung
    variants: list[hls.Variant] = field(default_factory=list)  # hls_video
    subtitles: hls.SubtitleRendition | None = None  # hls_subtitles
    audio_renditions: list[hls.AudioRendition] = field(default_factory=list)  # hls_audio
    poster: Poster | None = None  # still_pictures
    has_hls_js: bool = False  # player_assets
    sign_language: SignLanguageSummary | None = None  # signlang.step: the DGS rendition
    sign_page: signlang.SignPage | None = None  # signlang.step: what the page shows of it

    @property
    def root(self) -> Path:
        return self.film.export_dir

    @property
    def lang(self) -> str:
        return self.film.manifest.language

    @property
    def meta(self) -> EncodeResult:
        return self.enc.result

    @property
    def chapters(self) -> list[ChapterEntry]:
        return self.src.chapter_list


def prepare(film: Film, programme: Programme, standing: inputs.Standing, report) -> ExportJob:
    """Check the film's export settings, read the inputs (`standing`: the captions'
    provenance, see `inputs.read`), run (or re-use) the ladder encode and the AD encode:
    everything the output steps need."""
    m = film.manifest
    spec = spec_for(film, programme)
    if m.export.poster is not None and m.export.poster >= programme.duration_ms:
        raise ManifestError(film.manifest_path, "export.poster",
                            f"poster time is past the end of the programme "
                            f"({timecode.short(programme.duration_ms)})",
                            timecode.short(m.export.poster))
    src = inputs.read(film, standing)
    enc = encode.encode(spec, film.cache_dir / "renditions", report)
    notes = list(enc.notes)
    if enc.reused:
        report(f"renditions: re-using encode {spec.key} (no video encode)")
    ad = None
    if src.ad is not None:
        ad = _encode_ad(film, spec, src.ad, report)
        notes += ad.notes
    if src.files.get("captions.vtt") is None and (src.captions is None or not src.captions.cues):
        notes.append("no captions: the player says so (subtitles stage produced none)")
    if not src.chapter_list:
        notes.append("no chapters: the player shows no chapter menu")
    film.export_dir.mkdir(parents=True, exist_ok=True)
    return ExportJob(film=film, programme=programme, spec=spec, src=src, enc=enc, ad=ad,
                     out=_Out(film.export_dir), notes=notes)


# --- the output steps ----------------------------------------------------------------------

def sidecar_tracks(job: ExportJob) -> None:
    """captions.vtt/.srt, chapters.vtt; with an AD: descriptions.vtt and the narration stem."""
    out, src, lang, captions = job.out, job.src, job.lang, job.src.captions
    caption_track = src.files.get("captions.vtt")
    if caption_track is not None:
        out.link(caption_track, "captions.vtt", "captions", language=lang, format="text/vtt")
    elif captions is not None and captions.cues:  # cues.json without captions.vtt
        out.text("captions.vtt", "captions", caption_files.render(captions, "vtt"),
                 language=lang, format="text/vtt")
    if "captions.srt" in src.files:
        out.link(src.files["captions.srt"], "captions.srt", "captions", language=lang,
                 format="application/x-subrip")
    if "chapters.vtt" in src.files:
        out.link(src.files["chapters.vtt"], "chapters.vtt", "chapters", language=lang,
                 format="text/vtt")
    job.has_caption_track = "captions.vtt" in out.files
    if job.ad is not None:
        out.link(Path(job.ad.track.vtt), "descriptions.vtt", "descriptions", language=lang,
                 format="text/vtt")
        out.link(Path(job.ad.track.narration), job.ad.narration_rel, "ad-narration",
                 language=lang, format="audio/flac")


def progressive_mp4s(job: ExportJob) -> None:
    """media/<film>-<rung>.mp4 per rung; the top rung re-muxed with captions, chapters and
    the AD mix; with an AD, the player's fallback rung with the AD mix as its audio."""
    film, meta, out, ad = job.film, job.meta, job.out, job.ad
    job.mp4s = [ProgressiveMp4(src=f"media/{film.id}-{r.name}.mp4", rung=r.name, width=r.width,
                               height=r.height) for r in meta.rungs]
    variant = None
    if ad is not None:  # the player's MP4 fallback with the AD mix as its audio
        fb = player.fallback(job.mp4s)
        r = meta.rungs[job.mp4s.index(fb)]
        job.ad_mp4 = ProgressiveMp4(src=f"media/{film.id}-{r.name}-ad.mp4", rung=r.name,
                                    width=r.width, height=r.height)
        variant = (job.enc.dir / r.file, out.path(
            job.ad_mp4.src, "video", rung=r.name, width=r.width, height=r.height,
            codecs=f"{r.video_codec},mp4a.40.2", audio_description=True))
    for i, (r, mp4) in enumerate(zip(meta.rungs, job.mp4s)):
        info = {"rung": r.name, "width": r.width, "height": r.height, "codecs": r.codecs}
        cached = job.enc.dir / r.file
        if i == 0 and (job.has_caption_track or job.chapters or "ffmetadata.txt" in job.src.files
                       or ad is not None):
            _mux_top(film, cached, out.path(mp4.src, "video", **info,
                                            captions=job.has_caption_track,
                                            chapters=len(job.chapters),
                                            audio_description=ad is not None or None),
                     job.root, job.src.files, job.chapters, film.manifest.title, job.lang,
                     job.programme.duration_ms,
                     ad_audio=ad.audio_file if ad is not None else None,
                     has_main_audio=bool(meta.audio), variant=variant)
        else:
            out.link(cached, mp4.src, "video", sha256=meta.digests.get(r.file), **info)


def hls_video(job: ExportJob) -> None:
    """hls/<rung>/: init segment, media segments, media and I-frame playlists per rung."""
    meta, out = job.meta, job.out
    for r in meta.rungs:
        hdir = job.enc.dir / r.hls_dir
        base = f"hls/{r.name}"
        out.link(hdir / "init.mp4", f"{base}/init.mp4", "hls-init",
                 sha256=meta.digests.get(f"{r.hls_dir}/init.mp4"))
        for s in r.segments:
            out.link(hdir / s.file, f"{base}/{s.file}", "hls-segment",
                     sha256=meta.digests.get(f"{r.hls_dir}/{s.file}"))
        with out.stream(f"{base}/index.m3u8", "hls-media-playlist") as fh:
            hls.write_media(fh, r.segments)
        with out.stream(f"{base}/iframes.m3u8", "hls-iframe-playlist") as fh:
            hls.write_iframes(fh, r.iframes)
        job.variants.append(hls.Variant(
            uri=f"{r.name}/index.m3u8", iframe_uri=f"{r.name}/iframes.m3u8",
            bandwidth=r.peak_bps, average_bandwidth=r.average_bps,
            iframe_bandwidth=r.iframe_peak_bps, iframe_average_bandwidth=r.iframe_average_bps,
            codecs=r.codecs, video_codec=r.video_codec, width=r.width,
            height=r.height, fps=r.fps))


def hls_subtitles(job: ExportJob) -> None:
    """hls/subs/<lang>/: the captions as WebVTT segments on the video's segment bounds."""
    if not job.has_caption_track:
        return
    meta, out, lang = job.meta, job.out, job.lang
    track = subtitle_io.load(job.root / "captions.vtt")
    durations = [s.duration_s for s in meta.rungs[0].segments]
    bounds = hls.segment_bounds(durations)
    mpegts = hls.mpegts_of(meta.first_video_pts_s)
    sdir = f"hls/subs/{lang}"
    seg_list = []
    for k, cues in enumerate(hls.split_cues(track.cues, bounds)):
        name = f"seg_{k:05d}.vtt"
        with out.stream(f"{sdir}/{name}", "hls-subtitle-segment") as fh:
            hls.write_vtt_segment(fh, cues, mpegts, track.meta)
        seg_list.append((name, durations[k]))
    with out.stream(f"{sdir}/index.m3u8", "hls-subtitle-playlist") as fh:
        hls.write_subtitle_playlist(fh, seg_list)
    job.subtitles = hls.SubtitleRendition(uri=f"subs/{lang}/index.m3u8", language=lang,
                                          name=player.strings(lang)["captions_track_label"])


def hls_audio(job: ExportJob) -> None:
    """Audio renditions: the main mix (the default) and the audio description; the
    variants' segments are video only, so players switch between them cleanly."""
    meta, out, lang, ad = job.meta, job.out, job.lang, job.ad
    for rend, src_dir, rel, info in (
            (meta.audio_hls, job.enc.dir, "hls/audio",
             {"name": player.strings(lang)["main_audio_label"], "default": True}),
            (ad.meta.hls if ad else None, ad.dir if ad else None, "hls/ad",
             {"name": ad.title if ad else "", "describes_video": True})):
        if rend is None:
            continue
        digests = meta.digests if src_dir == job.enc.dir else ad.meta.digests
        out.link(src_dir / rend.hls_dir / "init.mp4", f"{rel}/init.mp4", "hls-audio-init",
                 sha256=digests.get(f"{rend.hls_dir}/init.mp4"))
        for seg in rend.segments:
            out.link(src_dir / rend.hls_dir / seg.file, f"{rel}/{seg.file}", "hls-audio-segment",
                     sha256=digests.get(f"{rend.hls_dir}/{seg.file}"))
        with out.stream(f"{rel}/index.m3u8", "hls-audio-playlist", language=lang) as fh:
            hls.write_media(fh, rend.segments)
        job.audio_renditions.append(hls.AudioRendition(
            language=lang, uri=f"{rel.removeprefix('hls/')}/index.m3u8", autoselect=True,
            peak_bps=rend.peak_bps, average_bps=rend.average_bps, **info))
    if ad is not None and not meta.audio:  # a silent programme with an AD mix
        for v in job.variants:
            v.codecs += f",{ad.meta.hls.codecs}"


def hls_master(job: ExportJob) -> None:
    """hls/master.m3u8: the variants with the subtitle and audio renditions."""
    with job.out.stream("hls/master.m3u8", "hls-master-playlist") as fh:
        hls.write_master(fh, job.variants, job.subtitles, job.audio_renditions)


def still_pictures(job: ExportJob) -> None:
    """poster.jpg (fixed in film.yaml, or the encode's pick), thumbnail sprites and their
    WebVTT index."""
    meta, out, m = job.meta, job.out, job.film.manifest
    job.poster = meta.poster
    if m.export.poster is not None:
        job.poster = FixedPoster(time_ms=m.export.poster)
        out.link(_poster_at(job.film, job.spec, m.export.poster), "poster.jpg", "poster",
                 time_ms=job.poster.time_ms, method=job.poster.method)
    else:
        out.link(job.enc.dir / "poster.jpg", "poster.jpg", "poster",
                 sha256=meta.digests.get("poster.jpg"), time_ms=job.poster.time_ms,
                 method=job.poster.method)
    sp = meta.sprite
    for name in sp.files:
        out.link(job.enc.dir / name, f"thumbs/{name}", "thumbnail-sprite",
                 sha256=meta.digests.get(name))
    with out.stream("thumbs/thumbnails.vtt", "thumbnails", format="text/vtt") as fh:
        pictures.write_thumbnails_vtt(fh, count=sp.count, interval_s=sp.interval_s,
                                      duration_ms=job.programme.duration_ms, tw=sp.thumb_width,
                                      th=sp.thumb_height)


def player_assets(job: ExportJob) -> None:
    """assets/: player.js, player.css and the vendored hls.js (when installed)."""
    hls_js = player.hls_js_path()
    job.has_hls_js = hls_js is not None
    if hls_js is not None:
        job.out.link(hls_js, "assets/hls.min.js", "player-asset", library="hls.js",
                     version=player.hls_js_version())
    else:
        job.notes.append("hls.js not found (run `npm ci`): the player falls back to MP4 "
                         "everywhere")
    for name, path in player.static_files().items():
        job.out.link(path, f"assets/{name}", "player-asset")


def player_page(job: ExportJob) -> None:
    """index.html: the accessible player page."""
    ad = job.ad
    page = player.render(
        film=job.film, programme=job.programme, mp4s=job.mp4s, has_hls_js=job.has_hls_js,
        captions=job.src.captions, provenance=job.src.provenance,
        has_caption_track=job.has_caption_track,
        has_chapter_track="chapters.vtt" in job.out.files, chapters=job.chapters,
        jsonld=job.src.jsonld, sprite=job.meta.sprite, ad=None if ad is None else player.AdPage(
            track=ad.track, mp4=job.ad_mp4.src if job.ad_mp4 else None,
            narration=ad.narration_rel, hls=job.has_hls_js), dgs=job.sign_page)
    job.out.text("index.html", "player-page", page, language=job.lang)


def bitrate_notes(job: ExportJob) -> None:
    """A note for each rung whose peak segment bitrate is more than twice its average."""
    for r in job.meta.rungs:
        if r.average_bps and r.peak_bps > 2 * r.average_bps:
            job.notes.append(f"rung {r.name}: peak segment bitrate {r.peak_bps} bit/s is more "
                             f"than twice the average {r.average_bps} bit/s")


OutputStep = Callable[[ExportJob], None]

# What an export writes, in order: a new output (a rendition, a track, a page) is one more
# function here. A step may read what the steps before it put on the job; manifest.json is
# written after the last step, from every file the steps produced.
STEPS: list[OutputStep] = [
    sidecar_tracks,
    progressive_mp4s,
    hls_video,
    hls_subtitles,
    hls_audio,
    hls_master,
    still_pictures,
    player_assets,
    signlang.step,  # the sign-language rendition (DGS interpreter), before the page offers it
    player_page,
    bitrate_notes,
]


def export(film: Film, programme: Programme, standing: inputs.Standing,
           report=lambda m: None, steps: list[OutputStep] | None = None) -> ExportResult:
    """Write `exports/<film>/`: `prepare`, each output step of `steps` (default `STEPS`) in
    order, then manifest.json and the removal of what this export no longer produces.
    `standing(film, cues)`: the captions' provenance (`pipeline.signoff.provenance`)."""
    job = prepare(film, programme, standing, report)
    for step in STEPS if steps is None else steps:
        step(job)
    return finish(job)


def finish(job: ExportJob) -> ExportResult:
    """manifest.json (written last, listing every artifact), then clean-up: files of an
    earlier export this one did not produce, other encodes in the cache."""
    film, programme, meta, ad, m = job.film, job.programme, job.meta, job.ad, job.film.manifest
    src, root = job.src, job.root
    main = meta.main_audio
    manifest = ExportManifest(
        film=film.id, title=m.title, language=job.lang, created_at=utcnow(),
        export_version=EXPORT_VERSION,
        programme=ProgrammeRef(sha256=programme.media_sha256, duration_ms=programme.duration_ms,
                               width=programme.width, height=programme.height, fps=programme.fps),
        encode=EncodeRef(key=job.spec.key, reused=job.enc.reused, settings=meta.encoder),
        rungs=[ManifestRung.of(r) for r in meta.rungs],
        audio=[AudioTrack(**a.model_dump(exclude={"file"}))
               for a in [*meta.audio, *([ad.meta.audio] if ad is not None else [])]],
        loudness=main.loudness if main is not None else None,
        captions=None if src.captions is None or src.provenance is None else CaptionSummary(
            status=src.provenance.status, provenance=src.provenance,
            cues=len(src.captions.cues)),
        descriptions=_summary(ad, job.ad_mp4) if ad is not None else None,
        sign_language=job.sign_language,
        chapters=len(job.chapters), poster=job.poster or meta.poster, notes=job.notes,
        tools=Tools(ffmpeg=ffmpeg.version(), hls_js=player.hls_js_version()),
        artifacts=job.out.artifacts(film.ws.digests) + _listed_lms(root))
    fsutil.write_json(root / "manifest.json", manifest.model_dump(mode="json"))
    _remove_stale(root, set(job.out.files) | {"manifest.json"})
    fsutil.prune_cache(film.cache_dir / "renditions", keep=job.spec.key)  # a ladder is large
    if ad is None:  # the film no longer has an audio description
        shutil.rmtree(film.cache_dir / AD_CACHE, ignore_errors=True)
    outputs = [root / rel for rel in job.out.files] + [root / "manifest.json"]
    return ExportResult(outputs=outputs, manifest=manifest, notes=job.notes,
                        encoded=not job.enc.reused)


def _mux_top(film: Film, cached: Path, final: Path, root: Path, src: dict[str, Path],
             chapters: list[ChapterEntry], title: str, lang: str, duration_ms: int,
             ad_audio: Path | None = None, has_main_audio: bool = True,
             variant: tuple[Path, Path] | None = None) -> None:
    """Stream-copy the top rung adding the AD mix as a second audio track (see
    `ad_track_args`), mov_text captions (language-tagged, named as in the player) and
    chapters. With `variant` (a rung's cached MP4, the final path) the same process also
    writes the AD variant: that rung's video with the AD mix as its only audio. No filter
    graph: plain argv."""
    args: list = ["-i", cached]
    maps = ["-map", "0:v", "-map", "0:a?"]
    n = 1
    ad_args: list = []
    if ad_audio is not None:
        args += ["-i", ad_audio]
        maps += ["-map", f"{n}:a:0"]
        st = player.strings(lang)
        ad_args = ad_track_args(1 if has_main_audio else 0, lang, st["ad_track_label"],
                                main_name=st["main_audio_label"])
        n += 1
    sub_in = src.get("captions.srt") or (root / "captions.vtt" if (root / "captions.vtt").exists() else None)
    meta_args: list = ["-map_metadata", "-1"]
    codec_args: list = ["-c", "copy"]
    if sub_in is not None:
        args += ["-i", sub_in]
        maps += ["-map", f"{n}:s:0"]
        track_name = player.strings(lang)["captions_track_label"]
        codec_args += ["-c:s", "mov_text", "-metadata:s:s:0", f"language={iso639_2(lang)}",
                       "-metadata:s:s:0", f"handler_name={track_name}",
                       "-disposition:s:0", "0"]
        n += 1
    variant_out: list = []
    if variant is not None and ad_audio is not None:
        v_in = 0
        if Path(variant[0]) != Path(cached):
            args += ["-i", variant[0]]
            v_in, n = n, n + 1
        variant_out = ["-map", f"{v_in}:v:0", "-map", "1:a:0", "-c", "copy",  # input 1: the AD mix
                       "-map_metadata", "-1", "-map_chapters", "-1",
                       *ad_track_args(0, lang, player.strings(lang)["ad_track_label"], only=True),
                       "-movflags", "+faststart", "-f", "mp4"]
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
        with contextlib.ExitStack() as stack:
            tmp = stack.enter_context(atomic_path(final))
            second = [*variant_out, stack.enter_context(atomic_path(variant[1]))] \
                if variant_out else []
            ffmpeg.run([*args, *maps, *codec_args, *meta_args, "-metadata", f"title={title}",
                        "-metadata:s:a:0", f"language={iso639_2(lang)}", *ad_args,
                        "-movflags", "+faststart", "-f", "mp4", tmp, *second],
                       duration_ms=duration_ms, desc="muxing the top rung")
    finally:
        if ffmeta_tmp is not None:
            ffmeta_tmp.unlink(missing_ok=True)


def ad_track_args(index: int, lang: str, name: str, *, only: bool = False,
                  main_name: str | None = None) -> list[str]:
    """Output options for the AD mix as audio stream `index` of an MP4: ISO 639-2 language
    like the main track, a name players show (ffmpeg 5.1's MP4 muxer stores a track's name
    as its `hdlr` handler name; `title` is set too for containers that keep it) and the
    `visual_impaired` disposition; never the default track beside the main mix (`only`:
    the AD variant, where it is the one audio track)."""
    s = f"s:a:{index}"
    disposition = "default+visual_impaired" if only else "visual_impaired"
    args = [f"-metadata:{s}", f"language={iso639_2(lang)}", f"-metadata:{s}", f"handler_name={name}",
            f"-metadata:{s}", f"title={name}", f"-disposition:a:{index}", disposition]
    if index > 0:
        args += ["-disposition:a:0", "default"]
        if main_name:
            args += ["-metadata:s:a:0", f"handler_name={main_name}"]
    return args


AD_CACHE = "ad-renditions"


@dataclass
class _Ad:
    """The audio description of this export: the describe stage's track and its encode."""

    track: AdTrack
    dir: Path
    meta: EncodedAd
    narration_rel: str
    title: str
    notes: list[str]

    @property
    def audio_file(self) -> Path:
        return self.dir / self.meta.audio.file


def _encode_ad(film: Film, spec: EncodeSpec, track: AdTrack, report) -> _Ad:
    mix = Path(track.mix)
    ad_spec = AdEncodeSpec(mix=str(mix), mix_sha256=film.ws.digests.digest(mix),
                           duration_ms=spec.duration_ms, audio_kbps=spec.audio_kbps,
                           loudness_lufs=spec.loudness_lufs, true_peak_dbtp=spec.true_peak_dbtp,
                           language=spec.language, ffmpeg=ffmpeg.version())
    title = player.strings(film.manifest.language)["ad_track_label"]
    d, meta, reused, notes = ad_audio.encode_ad(ad_spec, title, film.cache_dir / AD_CACHE, report)
    if reused:
        report(f"audio description: re-using AD encode {ad_spec.key}")
    return _Ad(track=track, dir=d, meta=meta, narration_rel=f"audio/{film.id}-narration.flac",
               title=title, notes=notes)


def _summary(ad: _Ad, ad_mp4: ProgressiveMp4 | None) -> DescriptionSummary:
    t = ad.track
    files = {"vtt": "descriptions.vtt", "narration": ad.narration_rel, "hls": "hls/ad/index.m3u8"}
    if ad_mp4 is not None:
        files["mp4"] = ad_mp4.src
    voices = [DescribedVoice(n=d.n, start_ms=d.start_ms, end_ms=d.end_ms, extended=d.extended,
                             voice=d.voice.kind, source=d.voice.source, draft=d.voice.draft,
                             accepted_by=d.voice.accepted_by, overlap_ms=d.overlap_ms)
              for d in t.descriptions]
    return DescriptionSummary(language=t.language, count=len(voices),
                              extended=sum(v.extended for v in voices), digest=t.digest,
                              duck_db=t.duck_db, draft=any(v.draft for v in voices),
                              voices=voices, files=files)


def _poster_at(film: Film, spec: EncodeSpec, at_ms: int) -> Path:
    """The programme frame at `at_ms` as a JPEG the size of the automatic poster (cached
    per encode key and time)."""
    path = film.cache_dir / "posters" / f"{spec.key}-{at_ms}.jpg"
    if not path.is_file():
        pw, ph = encode.poster_size(spec)
        with atomic_path(path) as tmp:
            ffmpeg.run_graph(pictures.still_graph(spec.media, at_ms, pw, ph, tmp))
    return path


# what other commands write into exports/<film>/ and an export must leave alone: the paper
# edit for the NLE and the rough cut (`casefilm edit export`, `casefilm cut`), social clips,
# the learning-platform packages (`casefilm lms`, which lists them in manifest.json)
OTHER_OUTPUTS = ("roughcut.", "clips/", "lms/")


def _listed_lms(root: Path) -> list[Artifact]:
    """The `casefilm lms` packages the previous manifest.json lists and that are still
    there unchanged in size: they stay listed (`casefilm lms` re-lists after a rebuild)."""
    try:
        prev = ManifestArtifacts.model_validate_json((root / "manifest.json").read_text("utf-8"))
    except (OSError, ValueError):
        return []
    return [a for a in prev.artifacts if a.path.startswith("lms/") and (root / a.path).is_file()
            and (root / a.path).stat().st_size == a.size]


def _remove_stale(root: Path, keep: set[str]) -> None:
    """Delete files below `root` that this export did not produce (except OTHER_OUTPUTS),
    then empty folders."""
    for p in sorted(root.rglob("*"), reverse=True):
        rel = p.relative_to(root).as_posix()
        if p.is_file() or p.is_symlink():
            if rel not in keep and not rel.startswith(OTHER_OUTPUTS):
                p.unlink()
        elif p.is_dir() and not any(p.iterdir()):
            p.rmdir()


def verify(export_dir: Path) -> list[str]:
    """Problems of an export against its manifest.json (missing or changed artifacts)."""
    mf = export_dir / "manifest.json"
    if not mf.is_file():
        return [f"{mf}: missing"]
    try:
        listed = ManifestArtifacts.model_validate_json(mf.read_text(encoding="utf-8")).artifacts
    except ValueError as e:
        return [f"{mf}: not a manifest: {str(e).splitlines()[0]}"]
    problems = []
    for a in listed:
        p = export_dir / a.path
        if not p.is_file():
            problems.append(f"{a.path}: missing")
        elif p.stat().st_size != a.size or sha256_file(p) != a.sha256:
            problems.append(f"{a.path}: content differs from manifest.json")
    return problems
