"""The player page: `index.html` rendered from `pipeline/templates/player.html.j2`.

The page is static. Chapter menu, transcript and the data the script needs (cues,
chapters, thumbnails, strings) are embedded, so it works from any static host and from
file:// (where browsers block XHR, so the script uses the progressive MP4 there).

hls.js: the npm package (pinned in package.json) is vendored into each export as
`assets/hls.min.js`. It is looked up, in this order, at `$CASEFILM_HLSJS`,
`pipeline/static/vendor/hls.min.js` (where an installed, non-checkout setup puts it) and the
checkout's `node_modules/hls.js/dist/hls.min.js` (`npm ci`). No CDN is ever referenced.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path

from .. import i18n, templating, timecode
from ..captions import CaptionSet, LiveProvenance
from ..descriptions.model import AdTrack
from ..didactics.model import ChapterEntry
from ..models import Programme
from ..workspace import Film
from .model import ProgressiveMp4, Sprite
from .signlang import SignPage

PKG = Path(__file__).resolve().parent.parent
TEMPLATES = templating.TEMPLATES
STATIC = PKG / "static"
REPO = PKG.parent
STATIC_FILES = ("player.js", "player.css", "signlang.js", "signlang.css")


@dataclass(frozen=True)
class AdPage:
    """What the page needs of the audio description (paths relative to the page)."""

    track: AdTrack
    mp4: str | None  # the fallback rung with the AD mix as its audio
    narration: str  # the narration-only stem (extended descriptions are played from it)
    hls: bool  # the HLS master carries the AD rendition


def ad_voice_status(track: AdTrack) -> str:
    """'draft' when any voice is a synthetic draft no reviewer accepted, 'accepted' when
    synthetic voices were all accepted, else 'recorded'."""
    voices = [d.voice for d in track.descriptions]
    if any(v.draft for v in voices):
        return "draft"
    return "recorded" if all(v.kind == "recorded" for v in voices) else "accepted"


def fallback(mp4s: list[ProgressiveMp4]) -> ProgressiveMp4:
    """The progressive fallback: the largest rung up to 720p (broad reach), else the
    smallest (`mp4s` largest first)."""
    return next((x for x in mp4s if x.height <= 720), mp4s[-1])


def hls_js_path() -> Path | None:
    for p in (os.environ.get("CASEFILM_HLSJS"), STATIC / "vendor" / "hls.min.js",
              REPO / "node_modules" / "hls.js" / "dist" / "hls.min.js"):
        if p and Path(p).is_file():
            return Path(p)
    return None


def hls_js_version() -> str | None:
    p = hls_js_path()
    if p is None:
        return None
    for pkg in (p.parent.parent / "package.json", p.parent / "hls.js.package.json"):
        try:
            return json.loads(pkg.read_text())["version"]
        except (OSError, ValueError, KeyError):
            continue
    return "unknown"


def static_files() -> dict[str, Path]:
    return {n: STATIC / n for n in STATIC_FILES}


def source_digest() -> list[str]:
    """Files whose content shapes the page (for the export stage's plan)."""
    files = [TEMPLATES / "player.html.j2", TEMPLATES / "dgs_symbol.svg.j2", *static_files().values(),
             i18n.LOCALE_DIR / "de" / "player.yaml"]
    return [str(f) for f in files]


def strings(lang: str) -> dict[str, str]:
    return i18n.strings("player", lang)


def _script_json(data) -> str:
    """JSON safe inside <script>: no '</' or HTML comment openers."""
    return (json.dumps(data, ensure_ascii=False, indent=None)
            .replace("</", "<\\/").replace("<!--", "<\\!--"))


def iso_duration(ms: int) -> str:
    s = round(ms / 1000)
    h, rem = divmod(s, 3600)
    m, sec = divmod(rem, 60)
    return "PT" + (f"{h}H" if h else "") + (f"{m}M" if m else "") + f"{sec}S"


def jsonld_for(film: Film, programme: Programme, base: dict | None,
               chapters: list[ChapterEntry], captions: CaptionSet | None,
               has_caption_track: bool, top_mp4: str) -> dict:
    """schema.org VideoObject: the chapters stage's JSON-LD (an open JSON-LD document, so a
    dict), completed with delivery fields."""
    m = film.manifest
    doc = dict(base or {})
    doc.setdefault("@context", "https://schema.org")
    doc.setdefault("@type", "VideoObject")
    doc.setdefault("name", m.title)
    doc.setdefault("inLanguage", m.language)
    doc.setdefault("duration", iso_duration(programme.duration_ms))
    doc.setdefault("thumbnailUrl", "poster.jpg")
    doc.setdefault("contentUrl", top_mp4)
    if m.organisation:
        doc.setdefault("publisher", {"@type": "Organization", "name": m.organisation})
    if "description" not in doc:
        doc["description"] = " ".join(x for x in (m.title, m.organisation, m.industry) if x)
    if has_caption_track:
        doc.setdefault("caption", {"@type": "MediaObject", "encodingFormat": "text/vtt",
                                   "contentUrl": "captions.vtt", "inLanguage": m.language})
    if captions is not None and captions.cues:
        doc.setdefault("transcript", " ".join(c.text for c in captions.cues))
    if chapters and "hasPart" not in doc:
        doc["hasPart"] = [{"@type": "Clip", "name": c.title, "position": c.index,
                           "startOffset": round(c.start / 1000, 3),
                           "endOffset": round(c.end / 1000, 3), "url": f"#t={c.start / 1000:g}"}
                          for c in chapters]
    return doc


def thumbs(sprite: Sprite, duration_ms: int) -> list[dict]:
    """The page script's thumbnail table (JSON for the browser): times in ms, boxes in px."""
    tw, th, cols = sprite.thumb_width, sprite.thumb_height, sprite.columns
    per = cols * sprite.rows
    out = []
    for i in range(sprite.count):
        start = i * sprite.interval_s * 1000
        if start >= duration_ms:
            break
        sheet, k = divmod(i, per)
        row, col = divmod(k, cols)
        out.append({"start": start, "end": min(start + sprite.interval_s * 1000, duration_ms),
                    "src": f"thumbs/sprite-{sheet + 1:03d}.jpg", "x": col * tw, "y": row * th,
                    "w": tw, "h": th})
    return out


def render(*, film: Film, programme: Programme, mp4s: list[ProgressiveMp4], has_hls_js: bool,
           captions: CaptionSet | None, provenance: LiveProvenance | None,
           has_caption_track: bool, has_chapter_track: bool, chapters: list[ChapterEntry],
           jsonld: dict | None, sprite: Sprite, ad: AdPage | None = None,
           dgs: SignPage | None = None) -> str:
    """index.html of the export. `mp4s` largest first; `chapters` as the chapters stage
    resolved them; `captions`/`provenance` None when the film has no cues."""
    m = film.manifest
    lang = m.language
    s = strings(lang)
    speakers = {sp.id: sp.name for sp in m.speakers}
    cues = []
    if captions is not None:
        for c in captions.cues:
            cues.append({"start": c.start, "end": c.end, "text": c.text, "kind": c.kind,
                         "speaker": speakers.get(c.speaker or "", None),
                         "time": timecode.short(c.start)})
    # transcript paragraphs: a new one whenever the speaker changes
    paragraphs: list[dict] = []
    for i, c in enumerate(cues):
        if not paragraphs or c["speaker"] != paragraphs[-1]["speaker"] or c["kind"] == "sound":
            paragraphs.append({"speaker": c["speaker"], "cues": []})
        paragraphs[-1]["cues"].append({**c, "i": i})
    chapter_rows = [{**c.model_dump(), "time": timecode.short(c.start)} for c in chapters]
    fb = fallback(mp4s)
    status = provenance.status if provenance is not None else None
    data = {
        "lang": lang, "durationMs": programme.duration_ms,
        "hls": "hls/master.m3u8" if has_hls_js else None, "mp4": fb.src,
        "cues": [{"start": c["start"], "end": c["end"], "text": c["text"]} for c in cues],
        "chapters": [{"start": c.start, "end": c.end, "title": c.title} for c in chapters],
        "thumbs": thumbs(sprite, programme.duration_ms),
        "strings": s,
        "ad": None if ad is None else {
            "mp4": ad.mp4, "narration": ad.narration, "hls": ad.hls,
            "status": ad_voice_status(ad.track),
            "descriptions": [{"start": d.start_ms, "end": d.end_ms, "text": d.text,
                              "extended": d.extended} for d in ad.track.descriptions],
        },
        "dgs": None if dgs is None else {"mp4": dgs.mp4, "hls": dgs.hls, "width": dgs.width,
                                         "height": dgs.height},
    }
    doc = jsonld_for(film, programme, jsonld, chapters, captions, has_caption_track, mp4s[0].src)
    return templating.render("player.html.j2",
        s=s, lang=lang, title=m.title, organisation=m.organisation, film=film.id,
        duration=timecode.short(programme.duration_ms),
        duration_s=programme.duration_ms / 1000, width=programme.width,
        height=programme.height, mp4s=mp4s, fallback=fb, has_hls_js=has_hls_js,
        has_caption_track=has_caption_track, has_chapter_track=has_chapter_track,
        has_captions=bool(cues) or has_caption_track, provenance=status,
        paragraphs=paragraphs, chapters=chapter_rows,
        data_json=_script_json(data), jsonld_json=_script_json(doc),
        has_srt=(film.subtitles_dir / "captions.srt").is_file(),
        ad=ad, ad_status=ad_voice_status(ad.track) if ad is not None else None,
        dgs=dgs, dgs_download=None if dgs is None else s["download_dgs"].format(
            width=dgs.width, height=dgs.height, duration=timecode.short(dgs.duration_ms),
            size=file_size(dgs.size)),
    )


def file_size(n: int) -> str:
    """Bytes as people read them on a German page: "850 kB", "12,4 MB"."""
    if n < 1_000_000:
        return f"{max(1, round(n / 1000))} kB"
    return f"{n / 1_000_000:.1f} MB".replace(".", ",")
