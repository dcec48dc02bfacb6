"""Audio-description lines for `casefilm status` (owner: descriptions package)."""

from __future__ import annotations

from ..workspace import Film


def ad_lines(film: Film) -> list[str]:
    """One line: no description / not voiced yet or stale / counts, voices, fit, sign-off."""
    from ..captions import approval  # noqa: PLC0415
    from ..errors import CasefilmError  # noqa: PLC0415
    from . import qc, store  # noqa: PLC0415
    from .build import load_track  # noqa: PLC0415

    label = f"{'AD':<11}"  # audio description, aligned with the stage names
    try:
        descs = store.load(film)
    except CasefilmError as e:
        return [f"{label}invalid: {e.line()}"]
    if not descs.descriptions:
        return []
    track = load_track(film)
    n = len(descs.descriptions)
    if qc.staleness(film, track):
        return [f"{label}{n} descriptions, not voiced and mixed as they are now "
                f"(casefilm describe {film.id})"]
    ps = track.descriptions
    drafts = sum(p.voice.draft for p in ps)
    over = sum(1 for p in ps if p.overlap_ms and not p.extended)
    a, why = approval.check(film)
    signed = ("not signed off" if a is None else f"sign-off by {a.reviewer} {why}" if why
              else f"signed off by {a.reviewer}")
    if a is not None and not why and "descriptions.yaml" not in a.files:
        signed = "not signed off"
    return [f"{label}{n} descriptions ({sum(p.extended for p in ps)} extended), "
            f"{sum(p.voice.kind == 'recorded' for p in ps)} recorded, {drafts} draft voices, "
            f"{over} run into speech; mix {track.mix_lufs} LUFS / {track.mix_true_peak_dbtp} "
            f"dBTP; {signed}"]
