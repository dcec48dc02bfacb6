"""The describer's script: the speech gaps and every description's fit, as HTML and DOCX.

`report(film)` gathers it (programme duration, current transcript, descriptions.yaml,
the film's narration rate or an override); `write(film, rep)` writes
subtitles/<film>/descriptions-script.html (template `descriptions-script.html.j2`) and
descriptions-script.docx (python-docx). The spoken length is the measured length of a
narration the describe stage voiced for the same text, else the estimate from the rate.
German strings in `locale/de/descriptions.yaml`.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from .. import i18n, templating, timecode, transcripts
from ..errors import Pending
from ..fsutil import atomic_path, write_text
from ..models import utcnow
from ..programme import load_programme
from ..workspace import Film
from . import gaps, store
from .build import load_track
from .fit import Fit, fit
from .model import script_paths


@dataclass(frozen=True)
class ScriptReport:
    film: str
    title: str
    language: str
    duration_ms: int
    transcript: str  # file name of the transcript revision
    rate_wps: float
    min_gap_ms: int
    gaps: list[gaps.Gap]
    fits: list[Fit]
    generated_at: str


def report(film: Film, rate_wps: float | None = None, min_gap_ms: int | None = None) -> ScriptReport:
    """Gaps and fits of `film` (Pending until ingest and transcribe have run)."""
    m = film.manifest
    prog = load_programme(film)
    tpath = transcripts.current_path(film)
    if tpath is None:
        raise Pending("a transcript (run transcribe)")
    t = transcripts.read(tpath)
    descs = store.load(film, prog.duration_ms)
    rate = rate_wps or m.descriptions.rate_wps
    min_gap = min_gap_ms or m.descriptions.min_gap_ms
    track = load_track(film)
    spoken = {}
    if track is not None:
        by_n = {p.n: p for p in track.descriptions}
        for n, d in enumerate(descs.descriptions, 1):
            p = by_n.get(n)
            if p is not None and p.text == d.text:
                spoken[n] = p.end_ms - p.start_ms
    return ScriptReport(film=film.id, title=m.title, language=m.language,
                        duration_ms=prog.duration_ms, transcript=tpath.name, rate_wps=rate,
                        min_gap_ms=min_gap, gaps=gaps.find_gaps(t, prog.duration_ms, min_gap),
                        fits=fit(descs.descriptions, t, prog.duration_ms, rate, spoken),
                        generated_at=utcnow())


def _secs(ms: int) -> str:
    return f"{ms / 1000:.1f}".replace(".", ",")


def rows(rep: ScriptReport, s: dict[str, str]) -> dict:
    """What both the HTML and the DOCX show, as strings."""
    desc_rows = []
    for f in rep.fits:
        if f.extended:
            verdict, ok = s["fit_extended"], True
        elif f.overlap_ms:
            verdict, ok = s["fit_no"].format(ms=f.overlap_ms), False
        elif f.next_overlap_ms:
            verdict, ok = s["fit_next"].format(ms=f.next_overlap_ms), False
        else:
            verdict, ok = s["fit_yes"], True
        spoken = (s["spoken_measured"].format(s=_secs(f.spoken_ms)) if f.measured else
                  s["spoken_estimated"].format(s=_secs(f.estimated_ms), words=f.words))
        desc_rows.append({"n": f.n, "at": timecode.manifest(f.at_ms), "at_ms": f.at_ms,
                          "text": f.text, "gap": s["seconds"].format(s=_secs(f.gap_ms)),
                          "spoken": spoken, "verdict": verdict, "fits": ok,
                          "extended": f.extended, "overlap_ms": f.overlap_ms})
    gap_rows = [{"start": timecode.manifest(g.start), "start_ms": g.start,
                 "end": timecode.manifest(g.end), "length": s["seconds"].format(s=_secs(g.length)),
                 "length_ms": g.length, "words": g.words(rep.rate_wps)} for g in rep.gaps]
    return {"descriptions": desc_rows, "gaps": gap_rows}


def render_html(rep: ScriptReport) -> str:
    s = i18n.strings("descriptions", rep.language)
    return templating.render("descriptions-script.html.j2", r=rep, s=s, lang=rep.language,
                             rate=f"{rep.rate_wps:g}".replace(".", ","),
                             min_gap=_secs(rep.min_gap_ms), **rows(rep, s))


def write_docx(rep: ScriptReport, path: Path) -> None:
    import docx  # noqa: PLC0415

    s = i18n.strings("descriptions", rep.language)
    data = rows(rep, s)
    doc = docx.Document()
    doc.core_properties.title = s["script_title"].format(title=rep.title)
    doc.core_properties.language = rep.language
    doc.add_heading(s["script_title"].format(title=rep.title), level=1)
    doc.add_paragraph(s["script_intro"])
    doc.add_paragraph(f"{s['script_film']}: {rep.film} · {s['script_transcript']}: "
                      f"{rep.transcript} · {s['script_rate']}: "
                      + s["script_rate_value"].format(rate=f"{rep.rate_wps:g}".replace(".", ",")))
    doc.add_heading(s["script_descriptions"], level=2)
    if data["descriptions"]:
        cols = ["col_n", "col_at", "col_text", "col_gap", "col_spoken", "col_fit"]
        table = doc.add_table(rows=1, cols=len(cols))
        for cell, key in zip(table.rows[0].cells, cols):
            cell.text = s[key]
        for r in data["descriptions"]:
            cells = table.add_row().cells
            for cell, v in zip(cells, [str(r["n"]), r["at"], r["text"], r["gap"], r["spoken"],
                                       r["verdict"]]):
                cell.text = v
    else:
        doc.add_paragraph(s["script_none"].format(film=rep.film))
    doc.add_heading(s["script_gaps"], level=2)
    doc.add_paragraph(s["script_gaps_intro"].format(min=_secs(rep.min_gap_ms)))
    if data["gaps"]:
        cols = ["col_start", "col_end", "col_length", "col_words"]
        table = doc.add_table(rows=1, cols=len(cols))
        for cell, key in zip(table.rows[0].cells, cols):
            cell.text = s[key]
        for g in data["gaps"]:
            for cell, v in zip(table.add_row().cells,
                               [g["start"], g["end"], g["length"], str(g["words"])]):
                cell.text = v
    else:
        doc.add_paragraph(s["script_no_gaps"])
    doc.save(str(path))


def write(film: Film, rep: ScriptReport) -> tuple[Path, Path]:
    html, docx_path = script_paths(film)
    write_text(html, render_html(rep))
    with atomic_path(docx_path) as tmp:
        write_docx(rep, tmp)
    return html, docx_path
