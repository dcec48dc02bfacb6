"""The sign-language part of the QC report, its checklist items and its `casefilm status`
line.

What is measured: the delivered rendition (`exports/<film>/media/<film>-dgs.mp4`, probed
with ffprobe), or, before the first export, the interpreter's recording after the crop
(the rendition is never larger or faster than it). Rules (registry `RULES`, messages in
`locale/<lang>/signlang.yaml`):

    dgs_size            hard     below 320 x 240 pixels (BITV 2.0 Anlage 2)
    dgs_fps             hard     below 25 frames per second (BITV 2.0 Anlage 2)
    dgs_speech_outside  hard     a caption cue lies (partly) before the interpreter starts
                                 or after it ends: speech nobody interprets
    dgs_start           warning  the interpreter starts after the programme (offset > 0)
    dgs_end             warning  the interpreter ends more than END_TOLERANCE_MS before
                                 the programme
    dgs_stale           warning  no rendition in the export, or one made from another
                                 recording, offset or crop (run the export)

`evaluate(film)` is None for a film without `sign_language:`. `checklist` gives WCAG 2.2
1.2.6 (AAA) and BITV 2.0 Anlage 2; `status_lines` the one DGS line of `casefilm status`.
The sign-off package shows them (`signoff.qc.sign_language`, `signoff.status`).
The rendition is found by its path (`manifest.sign_language.rendition_mp4`) and what it
was made from is read from manifest.json's `sign_language` block.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from pydantic import ConfigDict

from .. import ffmpeg, i18n, subtitle_io, timecode
from ..errors import CasefilmError
from ..manifest.sign_language import (BITV_MIN_FPS, BITV_MIN_HEIGHT, BITV_MIN_WIDTH, Crop,
                                      SignLanguageSettings, meets_bitv, rendition_mp4)
from ..models import Cue, Ms, Strict
from ..qc import ChecklistItem, Finding, Hit, Hits, Registry, Summary, summarise
from ..workspace import Film
from . import signlang_check as check
from .model import SignLanguageSummary

RULES = Registry("signlang")
END_TOLERANCE_MS = 1000


class _ManifestRef(Strict):
    """Just the `sign_language` block of an export's manifest.json."""

    model_config = ConfigDict(extra="ignore")

    sign_language: SignLanguageSummary | None = None


class SignLanguageReport(Strict):
    file: str  # the recording, as film.yaml names it
    measured: Literal["rendition", "recording"]  # what the figures are of
    width: int
    height: int
    fps: float
    meets_bitv: bool
    recording_ms: Ms
    offset_ms: Ms
    programme_ms: Ms | None
    covers_from_ms: Ms
    covers_to_ms: Ms  # programme time where the interpreter ends (at most the programme's end)
    crop: Crop | None = None
    rendition: str | None = None  # export path of the MP4, when exported
    rendition_size: int | None = None
    # why the export's rendition does not match film.yaml (recording, offset, crop)
    stale: str | None = None
    findings: list[Finding]
    summary: Summary

    @property
    def hard(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == "hard"]


@dataclass
class Track:
    rep: SignLanguageReport
    cues: list[Cue]


def _fps(v: float) -> str:
    return f"{v:g}".replace(".", ",")


@RULES.rule("dgs_size", "hard", "f_dgs_size", scope="track")
def dgs_size(t: Track) -> Hits:
    r = t.rep
    if r.width < BITV_MIN_WIDTH or r.height < BITV_MIN_HEIGHT:  # the size half of meets_bitv
        return Hit(f"{r.width} × {r.height}", f"{BITV_MIN_WIDTH} × {BITV_MIN_HEIGHT}", cue=0,
                   fmt={"w": r.width, "h": r.height})
    return None


@RULES.rule("dgs_fps", "hard", "f_dgs_fps", scope="track")
def dgs_fps(t: Track) -> Hits:
    r = t.rep
    if r.fps < BITV_MIN_FPS - 0.01:
        return Hit(_fps(r.fps), _fps(BITV_MIN_FPS), cue=0, fmt={"fps": _fps(r.fps)})
    return None


@RULES.rule("dgs_speech_outside", "hard", "f_dgs_before", "f_dgs_after", scope="track")
def dgs_speech_outside(t: Track) -> Hits:
    r = t.rep
    for i, c in enumerate(t.cues, 1):
        if c.start < r.covers_from_ms:
            yield Hit(timecode.vtt(c.start), timecode.vtt(r.covers_from_ms), key="f_dgs_before",
                      cue=i, start_ms=c.start, fmt={"at": timecode.short(r.covers_from_ms)})
        elif c.end > r.covers_to_ms + END_TOLERANCE_MS // 2:
            yield Hit(timecode.vtt(c.end), timecode.vtt(r.covers_to_ms), key="f_dgs_after",
                      cue=i, start_ms=c.start, fmt={"at": timecode.short(r.covers_to_ms)})


@RULES.rule("dgs_start", "warning", "f_dgs_start", scope="track")
def dgs_start(t: Track) -> Hits:
    r = t.rep
    if r.offset_ms > 0:
        return Hit(timecode.vtt(r.offset_ms), timecode.vtt(0), cue=0,
                   fmt={"s": _fps(round(r.offset_ms / 1000, 1))})
    return None


@RULES.rule("dgs_end", "warning", "f_dgs_end", scope="track")
def dgs_end(t: Track) -> Hits:
    r = t.rep
    if r.programme_ms is not None and r.programme_ms - r.covers_to_ms > END_TOLERANCE_MS:
        gap = r.programme_ms - r.covers_to_ms
        return Hit(timecode.vtt(r.covers_to_ms), timecode.vtt(r.programme_ms), cue=0,
                   start_ms=r.covers_to_ms, fmt={"s": _fps(round(gap / 1000, 1))})
    return None


@RULES.rule("dgs_stale", "warning", "f_dgs_stale", scope="track")
def dgs_stale(t: Track) -> Hits:
    return Hit("—", "—", cue=0, fmt={"why": t.rep.stale}) if t.rep.stale else None


def _stale(film: Film, sl: SignLanguageSettings, rec_sha: str, mp4: Path) -> str | None:
    s = i18n.strings("signlang", film.manifest.language)
    if not mp4.is_file():
        return s["stale_missing"].format(film=film.id)
    try:
        ref = _ManifestRef.model_validate_json(
            (film.export_dir / "manifest.json").read_text(encoding="utf-8")).sign_language
    except (OSError, ValueError):
        ref = None
    made_from = (ref.recording_sha256, ref.offset_ms, ref.crop) if ref else None
    if made_from != (rec_sha, sl.offset, sl.crop):
        return s["stale_changed"].format(film=film.id)
    return None


def _caption_cues(film: Film) -> list[Cue]:
    vtt = film.subtitles_dir / "captions.vtt"
    try:
        return subtitle_io.load(vtt).cues if vtt.is_file() else []
    except (CasefilmError, ValueError):
        return []  # the caption QC reports a broken file


def evaluate(film: Film) -> SignLanguageReport | None:
    """The sign-language part of the QC report (None: no `sign_language:` in film.yaml).
    Raises the preflight error when the recording is unusable."""
    sl = film.manifest.sign_language
    if sl is None:
        return None
    info = check.probe_recording(film, sl)
    rec_w, rec_h = (sl.crop.width, sl.crop.height) if sl.crop else check.display_size(info)
    rec_fps = info.video.fps or 0.0  # type: ignore[union-attr]
    rec_sha = film.ws.digests.digest(check.recording_path(film, sl))
    programme = check.programme_duration_ms(film)
    end = sl.offset + check.recording_ms(info)
    mp4_rel = rendition_mp4(film.id)
    mp4 = film.export_dir / mp4_rel
    stale = _stale(film, sl, rec_sha, mp4)
    measured: Literal["rendition", "recording"] = "recording"
    w, h, fps = rec_w, rec_h, rec_fps
    if not stale:
        v = ffmpeg.media_info(mp4, sha256="").video
        if v is not None and v.width and v.height:
            measured, w, h, fps = "rendition", v.width, v.height, v.fps or 0.0
    rep = SignLanguageReport(
        file=str(sl.file), measured=measured, width=w, height=h, fps=fps,
        meets_bitv=meets_bitv(w, h, fps),
        recording_ms=check.recording_ms(info), offset_ms=sl.offset, programme_ms=programme,
        covers_from_ms=sl.offset, covers_to_ms=min(end, programme) if programme else end,
        crop=sl.crop, rendition=None if stale else mp4_rel,
        rendition_size=None if stale else mp4.stat().st_size, stale=stale,
        findings=[], summary=summarise(0, [], RULES.ids()))
    findings = RULES.run(Track(rep, _caption_cues(film)), [], film.manifest.language)
    return rep.model_copy(update={"findings": findings,
                                  "summary": summarise(0, findings, RULES.ids())})


def safe_evaluate(film: Film) -> tuple[SignLanguageReport | None, str | None]:
    """(report, None), or (None, the one-line error) when the recording is unusable."""
    try:
        return evaluate(film), None
    except CasefilmError as e:
        return None, e.line()


def checklist(film: Film, rep: SignLanguageReport) -> list[ChecklistItem]:
    """WCAG 2.2 1.2.6 (AAA) and BITV 2.0 Anlage 2: what the files show, what the reviewer
    confirms."""
    s = i18n.strings("signlang", film.manifest.language)
    figures = s["c_figures"].format(what=s[f"measured_{rep.measured}"], w=rep.width,
                                    h=rep.height, fps=_fps(rep.fps))
    cover = s["c_cover"].format(start=timecode.short(rep.covers_from_ms),
                                end=timecode.short(rep.covers_to_ms),
                                programme=timecode.short(rep.programme_ms or rep.covers_to_ms))
    hard = {f.rule for f in rep.hard}
    return [
        ChecklistItem(id="WCAG 2.2 1.2.6", level="AAA", title=s["c_126"],
                      files=f"{figures} {cover}", confirm=s["c_126_confirm"],
                      state="fail" if hard or rep.stale else "check"),
        ChecklistItem(id="BITV 2.0 Anlage 2", level="", title=s["c_bitv"],
                      files=figures + (" " + s["c_bitv_download"] if rep.rendition else ""),
                      confirm=s["c_bitv_confirm"],
                      state="fail" if hard & {"dgs_size", "dgs_fps"} else
                      "check" if rep.rendition else "open"),
    ]


def status_lines(film: Film, stale: object = None) -> list[str]:
    """The DGS line of `casefilm status` (none for a film without an interpreter). `stale`
    (the sign-off's `Staleness`) is not consulted: whether the delivered rendition matches
    film.yaml is read from its own provenance in manifest.json (recording digest, offset,
    crop), a narrower question than whether the whole export stage is current."""
    label = f"{'DGS':<11}"  # aligned with the stage names
    try:
        if film.manifest.sign_language is None:
            return []
        rep = evaluate(film)
    except CasefilmError as e:
        return [f"{label}invalid: {e.line()}"]
    assert rep is not None
    bitv = "meets BITV" if rep.meets_bitv else "BELOW BITV 320x240 / 25 fps"
    end = timecode.short(rep.programme_ms) if rep.programme_ms else "?"
    where = (f"interpreter {timecode.short(rep.covers_from_ms)}–"
             f"{timecode.short(rep.covers_to_ms)} of {end}")
    state = (f"not exported as film.yaml says (casefilm export {film.id})" if rep.stale
             else f"exported {rep.rendition}")
    return [f"{label}{rep.measured} {rep.width}x{rep.height} {rep.fps:g} fps ({bitv}); "
            f"{where}; {len(rep.hard)} hard findings; {state}"]
