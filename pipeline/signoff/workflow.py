"""`casefilm qc` as a library call: check captions and audio description, write the
combined report, optionally sign off."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from ..captions import store
from ..errors import InputError, QCFailed, StageOrderError
from ..workspace import Film
from . import approval, qc as qcmod


@dataclass
class QCOutcome:
    film: str
    result: qcmod.QCResult
    html: Path
    json: Path
    approval: approval.Approval | None = None

    def raise_for_hard(self) -> None:
        hard = self.result.hard
        if hard:
            rules = sorted({f.rule for f in hard})
            raise QCFailed(self.film, len(hard), rules, self.html)


def qc(film: Film, profile_name: str | None = None, reviewer: str | None = None, *,
       stale: qcmod.Staleness) -> QCOutcome:
    """Check the captions (and the rest of the report), write qc.html/qc.json; with
    `reviewer`, record a sign-off.

    A sign-off is refused (nothing recorded) while a hard limit is broken (QCFailed) or while
    the captions or the audio description lag behind their inputs (StageOrderError), as
    `stale` (the runner's decision, `pipeline.runner.why_stale`) says.
    """
    result = qcmod.evaluate(film, profile_name, stale=stale)
    outcome = QCOutcome(film.id, result, *qcmod.write(film, result))
    if reviewer is None:
        return outcome
    outcome.raise_for_hard()
    if result.stale:  # never sign off captions the current transcript no longer supports
        raise StageOrderError(film.id, "qc --approve",
                              f"captions made from the current transcript ({result.stale})")
    ad = result.audio_description
    if result.audio_description_error:
        raise InputError(result.audio_description_error)
    if ad is not None and ad.stale:  # sign off only the description people wrote now
        raise StageOrderError(film.id, "qc --approve", "the audio description made from the "
                              f"current descriptions.yaml (run: casefilm describe {film.id})")
    if ad is not None and ad.drafts:
        drafts = ", ".join(str(row.n) for row in ad.rows if row.draft)
        raise InputError(f"film {film.id!r}: descriptions {drafts} have synthetic draft voices, "
                         "not a deliverable; record narrations or accept them (casefilm "
                         f"descriptions accept-voice {film.id} N --reviewer NAME), then sign off")
    cs = store.load(film)
    a = approval.record(film, reviewer, result.profile.name,
                        result.summary.model_dump(include={"cues", "findings", "hard",
                                                           "passing_share"}),
                        cs.provenance.transcript_revision if cs else None,
                        cs.provenance.transcript_status if cs else None)
    result = qcmod.evaluate(film, profile_name, stale=stale)  # the report now shows the sign-off
    outcome = QCOutcome(film.id, result, *qcmod.write(film, result), approval=a)
    return outcome
