"""Stage 'export': renditions, HLS, loudness, pictures and the accessible player page.

Consumes the programme (ingest), and, when present, the caption files (subtitles) and the
chapter files (chapters). The work is in `pipeline.delivery.package.export`; the expensive
ladder encode inside it is cached by content, so when only captions or chapters changed the
stage re-runs but only re-muxes and re-writes text.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from .. import ffmpeg
from ..errors import CasefilmError, MediaError, Pending
from ..fsutil import sha256_json
from ..models import Programme
from ..programme import load_programme
from .base import Context, Plan, Result, Stage


@dataclass(frozen=True)
class ExportInputs:
    programme: Programme


def plan(ctx: Context) -> Plan[ExportInputs]:
    from ..delivery import inputs, package, player  # noqa: PLC0415

    film = ctx.film
    prog = load_programme(film)
    media = Path(prog.media)
    if not media.is_file():
        raise Pending(f"the programme file {media} (run ingest)")
    found = {f"{'subtitles' if n in inputs.CAPTION_FILES else 'chapters'}/{n}": ctx.digest(p)
             for n, p in inputs.existing(film).items()}
    m = film.manifest
    try:
        encode_key = package.spec_for(film, prog).key
    except CasefilmError as e:  # bad export settings: reported by run(), not by status
        encode_key = f"invalid: {e.line()}"
    player_files = [Path(p) for p in player.source_digest()]
    hls_js = player.hls_js_path()
    return Plan(
        inputs={"programme": prog.media_sha256, **found},
        params={
            "export_version": package.EXPORT_VERSION,
            "encode": encode_key,  # rungs, encoder settings, loudness target, ffmpeg version
            "page": sha256_json({"title": m.title, "language": m.language,
                                 "organisation": m.organisation, "industry": m.industry,
                                 "speakers": [s.model_dump() for s in m.speakers]}),
            "poster": m.export.poster,
            "player": sha256_json([ctx.digest(p) for p in player_files if p.is_file()]),
            "hls.js": ctx.digest(hls_js) if hls_js else None,
        },
        data=ExportInputs(prog),
    )


def run(ctx: Context, plan: Plan[ExportInputs]) -> Result:
    from ..delivery import package  # noqa: PLC0415

    prog = plan.data.programme
    if not Path(prog.media).is_file():
        raise MediaError(prog.media, "programme file missing (run ingest again)")
    res = package.export(ctx.film, prog, report=ctx.report)
    versions = {"ffmpeg": ffmpeg.version()}
    if res.manifest.tools.hls_js:
        versions["hls.js"] = res.manifest.tools.hls_js
    notes = list(res.notes)
    for track in res.manifest.audio:
        loud = track.loudness
        notes.append(f"loudness ({track.role} audio) {loud.after.integrated_lufs} LUFS integrated, "
                     f"true peak {loud.after.true_peak_dbtp} dBTP (target "
                     f"{loud.target.integrated_lufs} LUFS, ceiling {loud.target.true_peak_dbtp} dBTP)")
    notes.append("video encoded" if res.encoded else "renditions re-used (no video encode)")
    return Result(outputs=res.outputs, notes=notes, versions=versions)


STAGE = Stage("export", plan, run,
              summary="Renditions, HLS, loudness, poster, thumbnails and the player page.")
