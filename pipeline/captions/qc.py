"""Caption QC for accessibility reviewers: every cue checked against a profile.

`check(cs, profile, vtt_text)` is pure: a CaptionSet (cues.json), the profile to check
against and the delivered WebVTT text in, a `QCResult` out. `run(film, profile_name)` loads,
checks and writes `qc.json` and `qc.html` (Jinja2 template `templates/qc.html.j2`, strings
from `locale/<lang>/qc.yaml`).

Rules (id: severity) — hard limits block delivery and sign-off:
    max_lines, chars_per_line, min_gap, overlap, structure              hard
    reading_speed, min_duration, max_duration, chaining, shot_change,
    line_break, sync_in, sync_out, empty, repeated, hallucination,
    speaker_id, sound_tag, ellipsis, numbers                            warning
"""

from __future__ import annotations

import bisect
import html
import io
import re
import xml.etree.ElementTree as ET
from pathlib import Path

import webvtt
from pydantic import Field

from .. import i18n, links, timecode
from ..errors import StageOrderError
from ..fsutil import write_json, write_text
from ..models import Strict, utcnow
from ..workspace import Film
from ..words import is_hallucination
from . import LiveProvenance, approval, linebreak, sdh, store
from .profiles import Profile
from .segment import reading_units

HARD = ("max_lines", "chars_per_line", "min_gap", "overlap", "structure")
RULES = HARD + ("reading_speed", "min_duration", "max_duration", "chaining", "shot_change",
                "line_break", "sync_in", "sync_out", "empty", "repeated", "hallucination",
                "speaker_id", "sound_tag", "ellipsis", "numbers")
SYNC_TOLERANCE_MS = 100  # EN 301 549 7.1.2


class Finding(Strict):
    cue: int  # 1-based cue number (0: the file as a whole)
    start_ms: int
    timecode: str
    rule: str
    severity: str  # "hard" | "warning"
    measured: str
    limit: str
    message: str


class ChartPoint(Strict):
    cue: int
    t_ms: int  # cue midpoint
    value: float  # reading speed in the profile's unit
    flagged: bool  # a reading-speed finding


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
    provenance: LiveProvenance | None = None  # the captions' standing when QC ran
    summary: dict
    findings: list[Finding]
    chart: dict
    cues: list[CueRow]
    checklist: list[dict]
    stale: str | None = None  # why the captions lag behind the current transcript, if they do

    @property
    def hard(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == "hard"]


def _ms(ms: int) -> str:
    return f"{ms} ms"


def rate(units: float, dur_ms: int, p: Profile) -> float:
    """Reading speed of `units` shown for `dur_ms`, in the profile's unit."""
    if dur_ms <= 0:
        return float("inf") if units else 0.0
    return units * (60000 if p.reading_unit == "wpm" else 1000) / dur_ms


def check(cs: store.CaptionSet, p: Profile, vtt_text: str | None,
          player_href: str = "") -> tuple[list[Finding], list[CueRow], list[ChartPoint]]:
    s = i18n.strings("qc", cs.language)
    fps = cs.fps
    frame = p.frames_ms(1, fps)
    snap = p.frames_ms(p.snap_frames, fps)
    chain_to = p.frames_ms(p.chain_to_frames, fps)
    chain_gap = p.frames_ms(p.chain_gap_frames, fps)
    min_gap = p.frames_ms(p.min_gap_frames, fps)
    cuts = sorted(cs.cuts_ms)
    unit = "Z/s" if p.reading_unit == "cps" else "W/min"
    findings: list[Finding] = []
    per_cue: dict[int, list[str]] = {}

    def add(cue, rule, measured, limit, key, **fmt):
        start = cue.start if cue is not None else 0
        n = cue.index if cue is not None else 0
        findings.append(Finding(
            cue=n, start_ms=start, timecode=timecode.vtt(start), rule=rule,
            severity="hard" if rule in HARD else "warning", measured=str(measured),
            limit=str(limit), message=s[key].format(**fmt) if fmt else s[key]))
        per_cue.setdefault(n, []).append(rule)

    cues = cs.cues
    speakers_in_film = {c.speaker for c in cues if c.kind == "speech"}
    for k, c in enumerate(cues):
        nxt = cues[k + 1] if k + 1 < len(cues) else None
        prev = cues[k - 1] if k else None
        lines = [sdh.clean(ln) for ln in c.lines]
        text = " ".join(lines)
        dur = c.end - c.start
        # --- empty, lines, chars/line -----------------------------------------------------
        if not text.strip():
            add(c, "empty", 0, "> 0", "f_empty")
        if len(lines) > p.max_lines:
            add(c, "max_lines", len(lines), p.max_lines, "f_max_lines")
        longest = max((len(ln) for ln in lines), default=0)
        if longest > p.chars_per_line:
            add(c, "chars_per_line", longest, p.chars_per_line, "f_chars_per_line")
        # --- durations --------------------------------------------------------------------
        mind = max(p.min_duration_ms, p.min_ms_per_word * (c.word_count or 1))
        if dur < mind:
            add(c, "min_duration", _ms(dur), _ms(mind), "f_min_duration")
        if p.max_duration_ms and dur > p.max_duration_ms:
            add(c, "max_duration", _ms(dur), _ms(p.max_duration_ms), "f_max_duration")
        # --- reading speed ----------------------------------------------------------------
        units = reading_units(c.lines, p, c.kind)
        rs = rate(units, dur, p)
        if rs > p.reading_limit + 1e-9:
            add(c, "reading_speed", f"{rs:.1f} {unit}", f"{p.reading_limit:g} {unit}",
                "f_reading_speed")
        # --- gaps, chaining, overlap ------------------------------------------------------
        if nxt is not None:
            gap = nxt.start - c.end
            if gap < 0:
                add(c, "overlap", _ms(-gap), "0 ms", "f_overlap", next=nxt.index)
            elif gap < min_gap:
                add(c, "min_gap", _ms(gap), _ms(min_gap), "f_min_gap", next=nxt.index)
            elif (gap <= chain_gap and abs(gap - max(chain_to, min_gap)) > 1
                  and not _cut_in(cuts, c.end, nxt.start)):  # a cut keeps its gap
                add(c, "chaining", _ms(gap), _ms(max(chain_to, min_gap)), "f_chaining",
                    frames=p.chain_gap_frames)
        # --- shot changes -----------------------------------------------------------------
        i = bisect.bisect_right(cuts, c.start)
        if i < len(cuts) and cuts[i] < c.end:
            add(c, "shot_change", timecode.vtt(cuts[i]), "—", "f_shot_cross")
        j = bisect.bisect_left(cuts, c.end)
        if j < len(cuts) and 0 <= cuts[j] - c.end <= frame:
            add(c, "shot_change", _ms(cuts[j] - c.end), f"≥ {_ms(chain_to)}", "f_shot_out")
        # --- sync against the words -------------------------------------------------------
        at_cut = bool(cuts) and cuts[min(bisect.bisect_left(cuts, c.start), len(cuts) - 1)] \
            == c.start
        if c.first_word_ms is not None:
            early = c.first_word_ms - c.start
            late = c.start - c.first_word_ms
            if early > snap or (not at_cut and early > SYNC_TOLERANCE_MS):
                add(c, "sync_in", f"−{_ms(early)}", f"≤ {_ms(snap)}", "f_sync_early")
            elif late > (snap if at_cut else SYNC_TOLERANCE_MS):
                add(c, "sync_in", f"+{_ms(late)}",
                    f"≤ {_ms(snap if at_cut else SYNC_TOLERANCE_MS)}", "f_sync_late")
        if c.last_word_ms is not None:
            trail = c.end - c.last_word_ms
            chained = nxt is not None and abs((nxt.start - c.end) - max(chain_to, min_gap)) <= 1
            snapped = any(abs(c.end - (cut - chain_to)) <= 1 for cut in cuts[j - 1:j + 1]) \
                if cuts else False
            at_min = dur <= mind + 1
            if trail > p.max_trail_ms and not (chained or snapped or at_min):
                add(c, "sync_out", f"+{_ms(trail)}", f"≤ {_ms(p.max_trail_ms)}", "f_trail")
            bounded = (nxt is not None and c.end >= nxt.start - max(min_gap, chain_to) - 1) \
                or snapped or (p.max_duration_ms and dur >= p.max_duration_ms - 1)
            if -trail > SYNC_TOLERANCE_MS and not bounded:
                add(c, "sync_out", f"−{_ms(-trail)}", f"≤ {_ms(SYNC_TOLERANCE_MS)}",
                    "f_out_early")
        # --- line breaks ------------------------------------------------------------------
        if c.kind == "speech" and not c.speakers:
            for a, b in zip(lines, lines[1:]):
                if not a or not b:
                    continue
                left, right = a.split()[-1], b.split()[0]
                if linebreak.break_cost(left, right) >= linebreak.FORBIDDEN:
                    add(c, "line_break", f"{left} | {right}", "—", "f_line_break")
        # --- SDH conventions --------------------------------------------------------------
        if c.speakers and len(set(c.speakers)) > 1:
            for ln, prev_spk, spk in zip(lines[1:], c.speakers, c.speakers[1:]):
                if spk != prev_spk and not ln.startswith("- "):
                    add(c, "speaker_id", ln[:20], "- …", "f_speaker_dash")
        if c.kind == "speech" and c.speaker is None and len(speakers_in_film - {None}) > 1:
            add(c, "speaker_id", "—", "—", "f_speaker_unknown")
        if c.kind == "sound" and not sdh.is_sound_tag(text):
            add(c, "sound_tag", text[:30], "*…*", "f_sound_tag")
        if c.kind == "speech" and re.search(r"^\[.*\]$|^\(.*\)$", text):
            add(c, "sound_tag", text[:30], "*…*", "f_sound_tag")
        if "..." in text:
            add(c, "ellipsis", "...", "…", "f_ellipsis")
        if c.kind == "speech" and p.numbers:
            bad_num = _number_style(text, p.numbers)
            if bad_num:
                add(c, "numbers", bad_num, s["numbers_" + p.numbers], "f_numbers_" + p.numbers)
        if is_hallucination(text):
            add(c, "hallucination", text[:40], "—", "f_hallucination")
        if prev is not None and text and sdh.clean(" ".join(prev.lines)) == text:
            add(c, "repeated", text[:40], "—", "f_repeated", prev=prev.index)

    findings += _structure(cs, vtt_text, s)
    for f in findings:
        if f.rule == "structure":
            per_cue.setdefault(f.cue, []).append("structure")
    rows, points = [], []
    for c in cues:
        units = reading_units(c.lines, p, c.kind)
        rs = round(rate(units, c.end - c.start, p), 2)
        rules = sorted(set(per_cue.get(c.index, [])))
        rows.append(CueRow(cue=c.index, start_ms=c.start, end_ms=c.end,
                           timecode=timecode.vtt(c.start),
                           player=player_href + links.fragment(c.start, padded=True),
                           speaker=c.speaker_name, lines=c.lines, reading_speed=rs, rules=rules))
        points.append(ChartPoint(cue=c.index, t_ms=(c.start + c.end) // 2, value=rs,
                                 flagged="reading_speed" in rules))
    findings.sort(key=lambda f: (f.cue, RULES.index(f.rule) if f.rule in RULES else 99))
    return findings, rows, points


NUMBER_WORDS = {"zwei": 2, "drei": 3, "vier": 4, "fünf": 5, "sechs": 6, "sieben": 7,
                "acht": 8, "neun": 9, "zehn": 10, "elf": 11, "zwölf": 12}
DIGIT_UNITS = {"uhr", "%", "prozent", "euro", "€", "cent", "km", "m", "kg", "g", "grad", "°c",
               "mio.", "mrd.", "mio", "mrd", "h", "min", "jh."}


def _number_style(text: str, style: str) -> str | None:
    """The first number 1–12 written against the profile's style (German SDH: written out,
    children's programmes: digits); digits before a unit or in times/dates are fine."""
    words = text.split()
    for i, w in enumerate(words):
        core = linebreak.core(w)
        nxt = linebreak.core(words[i + 1]).lower() if i + 1 < len(words) else ""
        if style == "words" and core.isdigit() and 1 <= int(core) <= 12 \
                and not w.rstrip(",;:!?").endswith(".") and nxt not in DIGIT_UNITS:
            return core
        if style == "digits" and core.lower() in NUMBER_WORDS:
            return core
    return None


def _cut_in(cuts: list[int], a: int, b: int) -> bool:
    """Whether a cut lies in (a, b]."""
    i = bisect.bisect_right(cuts, a)
    return i < len(cuts) and cuts[i] <= b


def _structure(cs: store.CaptionSet, vtt_text: str | None, s: dict) -> list[Finding]:
    """WebVTT validity, and agreement of captions.vtt with cues.json."""
    out: list[Finding] = []

    def bad(n: int, start: int, measured: str, key: str, **fmt):
        out.append(Finding(cue=n, start_ms=start, timecode=timecode.vtt(start), rule="structure",
                           severity="hard", measured=measured, limit="—",
                           message=s[key].format(**fmt) if fmt else s[key]))

    last = -1
    for c in cs.cues:
        if c.end <= c.start:
            bad(c.index, c.start, f"{c.start}–{c.end}", "f_struct_order")
        if c.start < last:
            bad(c.index, c.start, timecode.vtt(c.start), "f_struct_decreasing")
        last = c.start
    if vtt_text is None:
        bad(0, 0, "—", "f_struct_missing")
        return out
    if not vtt_text.startswith("WEBVTT"):
        bad(0, 0, vtt_text[:10], "f_struct_header")
    try:
        parsed = webvtt.from_buffer(io.StringIO(vtt_text))
        caps = list(parsed)
    except Exception as e:  # webvtt-py raises its own MalformedFileError and others
        bad(0, 0, type(e).__name__, "f_struct_parse", error=str(e)[:80])
        return out
    spoken = [c for c in cs.cues if any(sdh.clean(ln) for ln in c.lines)]
    if len(caps) != len(spoken):
        bad(0, 0, f"{len(caps)} ≠ {len(spoken)}", "f_struct_count")
        return out
    for cap, c in zip(caps, spoken):
        text = html.unescape(cap.text)
        want = "\n".join(ln for ln in (sdh.clean(x) for x in c.lines) if ln)
        if "-->" in cap.raw_text or any(not ln.strip() for ln in cap.raw_text.split("\n")):
            bad(c.index, c.start, "-->", "f_struct_payload")
        start, end = timecode.parse(cap.start), timecode.parse(cap.end)
        if start != c.start or end != c.end or text != want:
            bad(c.index, c.start, cap.start, "f_struct_mismatch")
    return out


def _other_formats(cs: store.CaptionSet, paths: dict[str, Path], s: dict) -> list[Finding]:
    """SRT and TTML must hold the same cues as cues.json (count and times)."""
    out: list[Finding] = []
    spoken = [c for c in cs.cues if any(sdh.clean(ln) for ln in c.lines)]
    want = [(c.start, c.end) for c in spoken]

    def bad(name: str, measured: str):
        out.append(Finding(cue=0, start_ms=0, timecode=timecode.vtt(0), rule="structure",
                           severity="hard", measured=measured, limit="—",
                           message=s["f_struct_other"].format(file=name)))

    srt, ttml = paths["srt"], paths["ttml"]
    if not srt.exists():
        bad(srt.name, "—")
    else:
        times = re.findall(r"^(\d\d:\d\d:\d\d,\d{3}) --> (\d\d:\d\d:\d\d,\d{3})$",
                           srt.read_text(encoding="utf-8"), flags=re.M)
        got = [(timecode.parse(a), timecode.parse(b)) for a, b in times]
        if got != want:
            bad(srt.name, f"{len(got)} ≠ {len(want)}" if len(got) != len(want) else "≠")
    if not ttml.exists():
        bad(ttml.name, "—")
    else:
        try:
            root = ET.fromstring(ttml.read_bytes())
            ps = root.findall(".//{http://www.w3.org/ns/ttml}p")
            got = [(timecode.parse(p.get("begin", "")), timecode.parse(p.get("end", "")))
                   for p in ps]
        except (ET.ParseError, ValueError) as e:
            bad(ttml.name, type(e).__name__)
        else:
            if got != want:
                bad(ttml.name, f"{len(got)} ≠ {len(want)}" if len(got) != len(want) else "≠")
    return out


def checklist(cs: store.CaptionSet, findings: list[Finding], film: Film | None,
              valid_approval: approval.Approval | None, s: dict) -> list[dict]:
    """WCAG 2.2 / EN 301 549 items: what the files show, what a person must confirm."""
    status = cs.provenance.transcript_status
    sync = sum(1 for f in findings if f.rule in ("sync_in", "sync_out"))
    voices = any(c.speaker for c in cs.cues)
    sounds = any(c.kind == "sound" for c in cs.cues)
    player = film.export_dir / "index.html" if film else None
    has_track = bool(player and player.exists() and 'kind="captions"' in
                     player.read_text(encoding="utf-8", errors="replace"))
    accurate = "ok" if valid_approval else ("check" if status == "reviewed" else "fail")
    return [
        {"id": "WCAG 2.2 1.2.2", "level": "A", "title": s["c_122"],
         "files": s["c_122_files"].format(cues=len(cs.cues),
                                          sounds=s["word_yes"] if sounds else s["word_no"]),
         "confirm": s["c_122_confirm"], "state": accurate},
        {"id": "WCAG 2.2 1.2.8", "level": "AAA", "title": s["c_128"],
         "files": s["c_128_files"], "confirm": s["c_128_confirm"], "state": "check"},
        {"id": "EN 301 549 7.1.1", "level": "", "title": s["c_711"],
         "files": s["c_711_files_yes"] if has_track else s["c_711_files_no"],
         "confirm": s["c_711_confirm"], "state": "check" if has_track else "open"},
        {"id": "EN 301 549 7.1.2", "level": "", "title": s["c_712"],
         "files": s["c_712_files"].format(n=sync), "confirm": s["c_712_confirm"],
         "state": "check" if sync == 0 else "fail"},
        {"id": "EN 301 549 7.1.3", "level": "", "title": s["c_713"],
         "files": s["c_713_files"].format(voices=s["word_yes"] if voices else s["word_no"]),
         "confirm": s["c_713_confirm"], "state": "check"},
        {"id": "EN 301 549 7.1.4", "level": "", "title": s["c_714"],
         "files": s["c_714_files"], "confirm": s["c_714_confirm"], "state": "open"},
    ]


def summarise(cues: list, findings: list[Finding]) -> dict:
    by_rule: dict[str, int] = {}
    for f in findings:
        by_rule[f.rule] = by_rule.get(f.rule, 0) + 1
    failing = {f.cue for f in findings if f.cue}
    n = len(cues)
    return {
        "cues": n,
        "findings": len(findings),
        "hard": sum(1 for f in findings if f.severity == "hard"),
        "by_rule": {r: by_rule[r] for r in RULES if r in by_rule},
        "cues_passing": n - len(failing),
        "passing_share": round((n - len(failing)) / n, 4) if n else 1.0,
    }


def player_href(film: Film) -> str:
    """Relative link from subtitles/<film>/qc.html to the player page exports/<film>/."""
    return links.player_page(film.id)


def evaluate(film: Film, profile_name: str | None = None) -> QCResult:
    """Load the film's captions and check them (no files written)."""
    from . import profiles

    cs = store.load(film)
    if cs is None:
        raise StageOrderError(film.id, "qc", "captions (run: casefilm subtitles " + film.id + ")")
    p = profiles.effective(film.manifest.subtitles, film.manifest_path, profile_name) \
        if profile_name else cs.profile
    paths = store.caption_paths(film)
    vtt = paths["vtt"].read_text(encoding="utf-8") if paths["vtt"].exists() else None
    findings, rows, points = check(cs, p, vtt, player_href(film))
    s = i18n.strings("qc", cs.language)
    findings += _other_formats(cs, paths, s)
    valid = approval.valid(film)
    from . import provenance as _prov

    return QCResult(
        film=film.id, title=cs.title, language=cs.language, profile=p,
        files=approval.current_checksums(film), provenance=_prov(film),
        summary=summarise(cs.cues, findings), findings=findings,
        chart={"unit": p.reading_unit, "limit": p.reading_limit,
               "duration_ms": cs.duration_ms, "points": [pt.model_dump() for pt in points]},
        cues=rows, checklist=checklist(cs, findings, film, valid, s), stale=staleness(film, cs))


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
