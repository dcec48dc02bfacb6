"""Caption QC for accessibility reviewers: every cue checked against a profile.

The checks are a list of rules (`pipeline.captions.qc_rules`, on the generic
`pipeline.qc` registry): each has an id, a severity (hard limits block delivery and
sign-off, warnings inform) and its messages in `locale/<lang>/qc.yaml`. `check(cs, profile,
vtt_text)` is pure: a CaptionSet (cues.json), the profile to check against and the
delivered WebVTT text in; findings, per-cue rows and chart points out. `evaluate(film)`
loads, checks (also captions.srt/.ttml against cues.json) and returns a `QCResult`;
`write` puts it into `qc.json` and `qc.html` (Jinja2 template `templates/qc.html.j2`).
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field

from .. import i18n, links, timecode
from ..asr.spec import DELIVERY_MODEL, is_draft
from ..errors import StageOrderError
from ..fsutil import write_json, write_text
from ..models import Strict, utcnow
from ..qc import ChecklistItem, Finding, Summary, summarise
from ..descriptions import qc as ad_qc
from ..workspace import Film
from . import LiveProvenance, approval, store
from .profiles import Profile
from .qc_rules import RULES, TrackCheck, rate

__all__ = ["QCResult", "Finding", "check", "evaluate", "rate", "write"]


class ChartPoint(Strict):
    cue: int
    t_ms: int  # cue midpoint
    value: float  # reading speed in the profile's unit
    flagged: bool  # a reading-speed finding


class Chart(Strict):
    """The reading-speed chart: one point per cue against the profile's limit."""

    unit: Literal["cps", "wpm"]
    limit: float  # in `unit`
    duration_ms: int
    points: list[ChartPoint]


class CueRow(Strict):
    cue: int
    start_ms: int
    end_ms: int
    timecode: str
    player: str  # link that opens the player at the cue
    speaker: str | None
    lines: list[str]
    reading_speed: float
    rules: list[str]


class QCResult(Strict):
    film: str
    title: str
    language: str = "de"
    profile: Profile
    generated_at: str = Field(default_factory=utcnow)
    files: dict[str, str] = Field(default_factory=dict)  # caption file -> sha256
    provenance: LiveProvenance  # the captions' standing when QC ran
    summary: Summary
    findings: list[Finding]
    chart: Chart
    cues: list[CueRow]
    checklist: list[ChecklistItem]
    stale: str | None = None  # why the captions lag behind the current transcript, if they do
    asr_model: str | None = None  # the Whisper model of the transcript (None: imported)
    asr_note: str | None = None  # for a draft-quality model (tiny, base): which to use instead
    # the audio-description part (pipeline.descriptions.qc): None when the film has none
    audio_description: ad_qc.AdReport | None = None
    audio_description_error: str | None = None  # descriptions.yaml unreadable (one line)

    @property
    def hard(self) -> list[Finding]:
        """Hard findings of the captions and of the audio description."""
        ad = self.audio_description.hard if self.audio_description else []
        return [f for f in self.findings if f.severity == "hard"] + ad


def check(cs: store.CaptionSet, p: Profile, vtt_text: str | None, player_href: str = "",
          files: dict[str, Path] | None = None
          ) -> tuple[list[Finding], list[CueRow], list[ChartPoint]]:
    """Every caption rule on `cs` against profile `p`; `vtt_text` is the delivered
    captions.vtt (None: missing), `files` the caption files to cross-check (None: not
    checked). Findings are sorted by cue, then rule order."""
    track = TrackCheck(cs, p, vtt_text, files)
    findings = RULES.run(track, track.items, cs.language)
    per_cue: dict[int, set[str]] = {}
    for f in findings:
        per_cue.setdefault(f.cue, set()).add(f.rule)
    rows, points = [], []
    for item in track.items:
        c = item.cue
        rs = round(item.speed, 2)
        rules = sorted(per_cue.get(c.index, ()))
        rows.append(CueRow(cue=c.index, start_ms=c.start, end_ms=c.end,
                           timecode=timecode.vtt(c.start),
                           player=player_href + links.fragment(c.start, padded=True),
                           speaker=c.speaker_name, lines=c.lines, reading_speed=rs, rules=rules))
        points.append(ChartPoint(cue=c.index, t_ms=(c.start + c.end) // 2, value=rs,
                                 flagged="reading_speed" in rules))
    return findings, rows, points


def checklist(cs: store.CaptionSet, findings: list[Finding], film: Film | None,
              valid_approval: approval.Approval | None, s: dict) -> list[ChecklistItem]:
    """WCAG 2.2 / EN 301 549 items: what the files show, what a person must confirm."""
    status = cs.provenance.transcript_status
    sync = sum(1 for f in findings if f.rule in ("sync_in", "sync_out"))
    voices = any(c.speaker for c in cs.cues)
    sounds = any(c.kind == "sound" for c in cs.cues)
    player = film.export_dir / "index.html" if film else None
    has_track = bool(player and player.exists() and 'kind="captions"' in
                     player.read_text(encoding="utf-8", errors="replace"))
    accurate = "ok" if valid_approval else ("check" if status == "reviewed" else "fail")
    yes_no = {True: s["word_yes"], False: s["word_no"]}
    return [
        ChecklistItem(id="WCAG 2.2 1.2.2", level="A", title=s["c_122"],
                      files=s["c_122_files"].format(cues=len(cs.cues), sounds=yes_no[sounds]),
                      confirm=s["c_122_confirm"], state=accurate),
        ChecklistItem(id="WCAG 2.2 1.2.8", level="AAA", title=s["c_128"],
                      files=s["c_128_files"], confirm=s["c_128_confirm"], state="check"),
        ChecklistItem(id="EN 301 549 7.1.1", level="", title=s["c_711"],
                      files=s["c_711_files_yes"] if has_track else s["c_711_files_no"],
                      confirm=s["c_711_confirm"], state="check" if has_track else "open"),
        ChecklistItem(id="EN 301 549 7.1.2", level="", title=s["c_712"],
                      files=s["c_712_files"].format(n=sync), confirm=s["c_712_confirm"],
                      state="check" if sync == 0 else "fail"),
        ChecklistItem(id="EN 301 549 7.1.3", level="", title=s["c_713"],
                      files=s["c_713_files"].format(voices=yes_no[voices]),
                      confirm=s["c_713_confirm"], state="check"),
        ChecklistItem(id="EN 301 549 7.1.4", level="", title=s["c_714"],
                      files=s["c_714_files"], confirm=s["c_714_confirm"], state="open"),
    ]


def player_href(film: Film) -> str:
    """Relative link from subtitles/<film>/qc.html to the player page exports/<film>/."""
    return links.player_page(film.id)


def evaluate(film: Film, profile_name: str | None = None) -> QCResult:
    """Load the film's captions and check them, files included (no files written)."""
    from . import profiles
    from . import provenance as caption_status

    cs = store.load(film)
    if cs is None:
        raise StageOrderError(film.id, "qc", "captions (run: casefilm subtitles " + film.id + ")")
    p = profiles.effective(film.manifest.subtitles, film.manifest_path, profile_name) \
        if profile_name else cs.profile
    paths = store.caption_paths(film)
    vtt = paths["vtt"].read_text(encoding="utf-8") if paths["vtt"].exists() else None
    findings, rows, points = check(cs, p, vtt, player_href(film), files=paths)
    s = i18n.strings("qc", cs.language)
    ad, ad_error = ad_qc.safe_evaluate(film)
    ad_items = ad_qc.checklist(film, ad, i18n.strings("descriptions", cs.language))
    return QCResult(
        film=film.id, title=cs.title, language=cs.language, profile=p,
        files=approval.current_checksums(film),
        provenance=caption_status(film),
        summary=summarise(len(cs.cues), findings, RULES.ids()), findings=findings,
        chart=Chart(unit=p.reading_unit, limit=p.reading_limit, duration_ms=cs.duration_ms,
                    points=points),
        cues=rows, checklist=checklist(cs, findings, film, approval.valid(film), s) + ad_items,
        stale=staleness(film, cs), audio_description=ad, audio_description_error=ad_error,
        asr_model=cs.provenance.transcript_model,
        asr_note=s["asr_draft"].format(model=DELIVERY_MODEL)
        if is_draft(cs.provenance.transcript_model) else None)


def staleness(film: Film, cs: store.CaptionSet) -> str | None:
    """Why the captions no longer match the film's current transcript (None: they do)."""
    from .. import transcripts
    from ..fsutil import sha256_file

    current = transcripts.current_path(film)
    made_from = cs.provenance.transcript_sha256
    if current is None or not made_from:
        return None
    if sha256_file(current) != made_from:
        return (f"the captions were made from an older transcript than {current.name}; "
                f"run: casefilm subtitles {film.id}")
    return None


def report_paths(film: Film) -> tuple[Path, Path]:
    return film.subtitles_dir / "qc.html", film.subtitles_dir / "qc.json"


def write(film: Film, result: QCResult) -> tuple[Path, Path]:
    from .report import render_html

    html_path, json_path = report_paths(film)
    write_json(json_path, result.model_dump(mode="json"))
    write_text(html_path, render_html(result, result.language))
    return html_path, json_path
