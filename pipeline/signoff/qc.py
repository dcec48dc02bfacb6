"""The combined QC report a reviewer signs: captions (`pipeline.captions.qc`), the audio
description (`pipeline.descriptions.qc`) and every part in `SECTIONS`.

`evaluate(film)` checks and returns a `QCResult` (no files written); `write` puts it into
`subtitles/<film>/qc.json` and `qc.html` (Jinja2 template `templates/qc.html.j2`, with the
caption chart of `pipeline.captions.report`). Hard findings of any part block the sign-off.
"""

from __future__ import annotations

from pathlib import Path
from typing import Callable

from pydantic import Field

from .. import i18n, templating
from ..captions import LiveProvenance, report as caption_report, store
from ..captions.profiles import Profile, effective
from ..captions.qc import RULES, Chart, CueRow, check, checklist, player_href
from ..delivery import signlang_qc as dgs_qc
from ..descriptions import qc as ad_qc
from ..errors import StageOrderError
from ..fsutil import write_json, write_text
from ..models import Strict, utcnow
from ..qc import ChecklistItem, Finding, Summary, summarise
from ..workspace import Film
from . import approval
from .provenance import provenance


class QCSection(Strict):
    """One more part of the report (beyond captions and audio description), from a
    contributor in `SECTIONS`: its findings and checklist items, or the one-line error
    that stopped its check."""

    id: str  # html id and json key, e.g. "sign-language"
    title: str  # heading, in the report's language
    findings: list[Finding] = Field(default_factory=list)
    checklist: list[ChecklistItem] = Field(default_factory=list)
    error: str | None = None

    @property
    def hard(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == "hard"]


# Whether a stage's outputs are current: (film, stage name, inputs that do not count) ->
# None when they are, else why not. The runner decides (`pipeline.runner.why_stale`); the
# layer above hands its decision down, so the report never decides staleness itself.
Staleness = Callable[[Film, str, frozenset[str]], "str | None"]

# Further parts of the report: `(film, lang) -> QCSection | None` (None: nothing to check
# for this film). A feature adds its function here; its hard findings block the sign-off.
QCContributor = Callable[[Film, str], "QCSection | None"]


def sign_language(film: Film, lang: str) -> "QCSection | None":
    """The DGS interpreter (`pipeline.delivery.signlang_qc`): BITV figures, offset, coverage, WCAG
    1.2.6 and BITV 2.0 Anlage 2 (None: the film has no `sign_language:`)."""
    title = i18n.strings("signlang", lang)["dgs_heading"]
    rep, error = dgs_qc.safe_evaluate(film)
    if error:
        return QCSection(id="sign-language", title=title, error=error)
    if rep is None:
        return None
    return QCSection(id="sign-language", title=title, findings=rep.findings,
                     checklist=dgs_qc.checklist(film, rep))


SECTIONS: list[QCContributor] = [sign_language]


class QCResult(Strict):
    film: str
    title: str
    language: str = "de"
    profile: Profile
    generated_at: str = Field(default_factory=utcnow)
    files: dict[str, str] = Field(default_factory=dict)  # signed file -> sha256
    provenance: LiveProvenance  # the captions' standing when QC ran
    summary: Summary
    findings: list[Finding]
    chart: Chart
    cues: list[CueRow]
    checklist: list[ChecklistItem]
    stale: str | None = None  # why the captions lag behind the current transcript, if they do
    # the audio-description part (pipeline.descriptions.qc): None when the film has none
    audio_description: ad_qc.AdReport | None = None
    audio_description_error: str | None = None  # descriptions.yaml unreadable (one line)
    sections: list[QCSection] = Field(default_factory=list)  # from SECTIONS

    @property
    def hard(self) -> list[Finding]:
        """Hard findings of the captions, the audio description and every section."""
        ad = self.audio_description.hard if self.audio_description else []
        return ([f for f in self.findings if f.severity == "hard"] + ad
                + [f for s in self.sections for f in s.hard])


def evaluate(film: Film, profile_name: str | None = None, *, stale: Staleness) -> QCResult:
    """Load the film's captions and check them, files included, with the audio description
    and every section of `SECTIONS` (no files written). `stale`: the runner's decision
    whether the subtitles and describe stages are current."""
    cs = store.load(film)
    if cs is None:
        raise StageOrderError(film.id, "qc", "captions (run: casefilm subtitles " + film.id + ")")
    p = effective(film.manifest.subtitles, film.manifest_path, profile_name) \
        if profile_name else cs.profile
    paths = store.caption_paths(film)
    vtt = paths["vtt"].read_text(encoding="utf-8") if paths["vtt"].exists() else None
    findings, rows, points = check(cs, p, vtt, player_href(film), files=paths)
    s = i18n.strings("qc", cs.language)
    ad, ad_error = ad_qc.safe_evaluate(film, stale(film, "describe", frozenset()))
    ad_items = ad_qc.checklist(film, ad, i18n.strings("descriptions", cs.language))
    sections = [sec for contribute in SECTIONS if (sec := contribute(film, cs.language))]
    return QCResult(
        film=film.id, title=cs.title, language=cs.language, profile=p,
        files=approval.current_checksums(film),
        provenance=provenance(film, cs.language, cues=cs),
        summary=summarise(len(cs.cues), findings, RULES.ids()), findings=findings,
        chart=Chart(unit=p.reading_unit, limit=p.reading_limit, duration_ms=cs.duration_ms,
                    points=points),
        cues=rows,
        checklist=(checklist(cs, findings, film, approval.valid(film) is not None, s)
                   + ad_items + [c for sec in sections for c in sec.checklist]),
        stale=caption_staleness(film, stale), audio_description=ad, audio_description_error=ad_error,
        sections=sections)


def caption_staleness(film: Film, stale: Staleness) -> str | None:
    """Why the captions lag behind their inputs (the current transcript, the programme,
    the profile), None when they do not; a sign-off itself does not count."""
    why = stale(film, "subtitles", frozenset({"approval"}))
    return None if why is None else (f"the captions are not up to date ({why}); "
                                     f"run: casefilm subtitles {film.id}")


def report_paths(film: Film) -> tuple[Path, Path]:
    return film.subtitles_dir / "qc.html", film.subtitles_dir / "qc.json"


def render_html(result: QCResult, lang: str = "de") -> str:
    tpl = templating.env().get_template("qc.html.j2")
    s = i18n.strings("qc", lang)
    return tpl.render(r=result, s=s, lang=lang, chart=caption_report.chart(result),
                      ad=result.audio_description, ads=i18n.strings("descriptions", lang),
                      unit="Z/s" if result.profile.reading_unit == "cps" else "W/min",
                      figures=result.profile.figures())


def write(film: Film, result: QCResult) -> tuple[Path, Path]:
    html_path, json_path = report_paths(film)
    write_json(json_path, result.model_dump(mode="json"))
    write_text(html_path, render_html(result, result.language))
    return html_path, json_path
