"""The audio-description part of the caption QC report, and its checklist items.

Rules (registry `RULES`, messages in `locale/<lang>/descriptions.yaml`), on the voiced
descriptions of ad.json (`AdTrack`):

    ad_overlap       warning  the narration runs into speech or a sound event (ms), unless
                              the description is extended (the player pauses the film)
    ad_next          hard     the narration runs into the next description (ms): two voices
                              at once are not intelligible
    ad_draft_voice   warning  a synthetic voice nobody has accepted yet (a draft)
    ad_long_stretch  warning  the longest stretch without speech and without description is
                              longer than LONG_STRETCH_MS (does the picture show something?)

`evaluate(film)` returns None for a film without descriptions, else an `AdReport`: counts,
descriptions per minute, the longest undescribed stretch, mix loudness, one row per
description (voice provenance, overlap) and the findings. `checklist` gives WCAG 2.2 1.2.3
and 1.2.5 and EN 301 549 7.2.1–7.2.3: what the files show, what the reviewer confirms.
"""

from __future__ import annotations

from dataclasses import dataclass

from pydantic import Field

from .. import i18n, links, timecode, transcripts
from ..errors import CasefilmError
from ..models import Ms, Strict
from ..qc import ChecklistItem, Finding, Hit, Hits, Registry, Summary, summarise
from ..workspace import Film
from . import gaps, store
from .build import load_track
from .files import AD_FILE_NAMES, ad_checksums  # noqa: F401  (re-exported)
from .model import AdTrack, PlacedDescription

RULES = Registry("descriptions")
LONG_STRETCH_MS = 30_000


@dataclass
class Item:
    """One voiced description under check (`number`/`start_ms` as the registry wants)."""

    p: PlacedDescription
    next_start: Ms | None

    @property
    def number(self) -> int:
        return self.p.n

    @property
    def start_ms(self) -> Ms:
        return self.p.start_ms


@dataclass
class Track:
    track: AdTrack
    longest: gaps.Gap | None


@RULES.rule("ad_overlap", "warning", "f_ad_overlap")
def ad_overlap(i: Item) -> Hits:
    if i.p.overlap_ms > 0 and not i.p.extended:
        return Hit(f"{i.p.overlap_ms} ms", "0 ms", fmt={"ms": i.p.overlap_ms})
    return None


@RULES.rule("ad_next", "hard", "f_ad_next")
def ad_next(i: Item) -> Hits:
    if i.next_start is not None and i.p.end_ms > i.next_start:
        ms = i.p.end_ms - i.next_start
        return Hit(f"{ms} ms", "0 ms", fmt={"ms": ms})
    return None


@RULES.rule("ad_draft_voice", "warning", "f_ad_draft_voice")
def ad_draft_voice(i: Item) -> Hits:
    return Hit(i.p.voice.kind, "recorded / accepted") if i.p.voice.draft else None


@RULES.rule("ad_long_stretch", "warning", "f_ad_long_stretch", scope="track")
def ad_long_stretch(t: Track) -> Hits:
    g = t.longest
    if g is not None and g.length > LONG_STRETCH_MS:
        return Hit(f"{g.length / 1000:.1f} s", f"{LONG_STRETCH_MS // 1000} s", cue=0,
                   start_ms=g.start, fmt={"s": f"{g.length / 1000:.1f}".replace(".", ",")})
    return None


class AdRow(Strict):
    n: int
    start_ms: Ms
    end_ms: Ms
    timecode: str
    player: str
    text: str
    extended: bool
    voice_kind: str
    voice: str  # provenance for people
    draft: bool
    overlap_ms: Ms


class AdReport(Strict):
    count: int
    extended: int
    per_minute: float
    longest_ms: Ms | None = None  # longest stretch without speech and without description
    longest_at: str | None = None
    mix: str  # loudness line for people
    mix_lufs: float | None = None
    mix_true_peak_dbtp: float | None = None
    recorded: int
    drafts: int
    rows: list[AdRow]
    findings: list[Finding]
    summary: Summary
    stale: str | None = None  # why the voiced track no longer matches descriptions.yaml
    files: dict[str, str] = Field(default_factory=dict)

    @property
    def hard(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == "hard"]


def _voice_label(p: PlacedDescription, s: dict[str, str]) -> str:
    v = p.voice
    if v.kind == "recorded":
        return s["voice_recorded"].format(source=v.source)
    if v.accepted_by:
        return s["voice_accepted"].format(reviewer=v.accepted_by, source=v.source)
    return s["voice_synthetic"].format(source=v.source)


def evaluate(film: Film, stale: str | None) -> AdReport | None:
    """The AD part of the QC report (None: the film has no descriptions). `stale`: why the
    describe stage is not done (the runner's decision, asked by the caller), else None."""
    descs = store.load(film)
    if not descs.descriptions:
        return None
    lang = film.manifest.language
    s = i18n.strings("descriptions", lang)
    track = load_track(film)
    stale = s["ad_stale"].format(film=film.id) if stale or track is None else None
    if track is None:
        empty = summarise(0, [], RULES.ids())
        return AdReport(count=len(descs.descriptions),
                        extended=sum(d.extended for d in descs.descriptions), per_minute=0.0,
                        mix="—", recorded=0, drafts=0, rows=[], findings=[], summary=empty,
                        stale=stale)
    t = transcripts.current(film)
    busy = gaps.occupied(t)
    ps = track.descriptions
    duration = _duration(film, ps)
    longest = gaps.longest_undescribed(busy, [(p.start_ms, p.end_ms) for p in ps], duration)
    items = [Item(p, ps[k + 1].start_ms if k + 1 < len(ps) else None) for k, p in enumerate(ps)]
    findings = RULES.run(Track(track, longest), items, lang)
    href = links.player_page(film.id)
    rows = [AdRow(n=p.n, start_ms=p.start_ms, end_ms=p.end_ms, timecode=timecode.vtt(p.start_ms),
                  player=href + links.fragment(p.start_ms, padded=True), text=p.text,
                  extended=p.extended, voice_kind=p.voice.kind, voice=_voice_label(p, s),
                  draft=p.voice.draft, overlap_ms=p.overlap_ms) for p in ps]
    mix = s["ad_mix_value"].format(lufs=track.mix_lufs, tp=track.mix_true_peak_dbtp,
                                   target=track.target_lufs, ceiling=track.ceiling_dbtp,
                                   duck=track.duck_db, ramp=track.ramp_ms)
    return AdReport(
        count=len(ps), extended=sum(p.extended for p in ps),
        per_minute=round(len(ps) * 60000 / duration, 2) if duration else 0.0,
        longest_ms=longest.length if longest else None,
        longest_at=timecode.vtt(longest.start) if longest else None, mix=mix,
        mix_lufs=track.mix_lufs, mix_true_peak_dbtp=track.mix_true_peak_dbtp,
        recorded=sum(p.voice.kind == "recorded" for p in ps),
        drafts=sum(p.voice.draft for p in ps), rows=rows, findings=findings,
        summary=summarise(len(ps), findings, RULES.ids()), stale=stale,
        files=ad_checksums(film))


def _duration(film: Film, ps: list[PlacedDescription]) -> Ms:
    from ..programme import load_programme  # noqa: PLC0415
    from ..errors import Pending  # noqa: PLC0415

    try:
        return load_programme(film).duration_ms
    except (Pending, ValueError):
        return max((p.end_ms for p in ps), default=0)


def checklist(film: Film, rep: AdReport | None, s: dict[str, str]) -> list[ChecklistItem]:
    """WCAG 2.2 1.2.3 (A), 1.2.5 (AA); EN 301 549 7.2.1–7.2.3."""
    player = film.export_dir / "index.html"
    page = player.read_text(encoding="utf-8", errors="replace") if player.is_file() else ""
    offered = 'kind="descriptions"' in page
    if rep is None:
        none = "open"
        return [
            ChecklistItem(id="WCAG 2.2 1.2.3", level="A", title=s["c_123"],
                          files=s["c_123_files_none"], confirm=s["c_123_confirm"], state=none),
            ChecklistItem(id="WCAG 2.2 1.2.5", level="AA", title=s["c_125"],
                          files=s["c_125_files_none"], confirm=s["c_125_confirm"], state="fail"),
        ]
    over = sum(1 for f in rep.findings if f.rule == "ad_overlap")
    nxt = sum(1 for f in rep.findings if f.rule == "ad_next")
    ok125 = "fail" if (rep.stale or nxt) else ("check" if not rep.drafts else "open")
    return [
        ChecklistItem(id="WCAG 2.2 1.2.3", level="A", title=s["c_123"],
                      files=s["c_123_files"].format(n=rep.count, extended=rep.extended),
                      confirm=s["c_123_confirm"], state="fail" if rep.stale else "check"),
        ChecklistItem(id="WCAG 2.2 1.2.5", level="AA", title=s["c_125"],
                      files=s["c_125_files"].format(n=rep.count, fit=rep.count - over - nxt,
                                                    over=over, recorded=rep.recorded,
                                                    drafts=rep.drafts),
                      confirm=s["c_125_confirm"], state=ok125),
        ChecklistItem(id="EN 301 549 7.2.1", level="", title=s["c_721"],
                      files=s["c_721_files_yes"] if offered else s["c_721_files_no"],
                      confirm=s["c_721_confirm"], state="check" if offered else "open"),
        ChecklistItem(id="EN 301 549 7.2.2", level="", title=s["c_722"],
                      files=s["c_722_files"].format(over=over, next=nxt),
                      confirm=s["c_722_confirm"], state="fail" if nxt else "check"),
        ChecklistItem(id="EN 301 549 7.2.3", level="", title=s["c_723"], files=s["c_723_files"],
                      confirm=s["c_723_confirm"], state="check" if not rep.stale else "fail"),
    ]


def safe_evaluate(film: Film, stale: str | None) -> tuple[AdReport | None, str | None]:
    """(report, None), or (None, the one-line error) when descriptions.yaml is broken."""
    try:
        return evaluate(film, stale), None
    except CasefilmError as e:
        return None, e.line()
