"""Stage 'export': renditions, HLS, loudness, pictures and the accessible player page.

Consumes the programme (ingest), and, when present, the caption files (subtitles), the
chapter files (chapters) and the audio-description track (describe: ad.json, the AD mix,
the narration stem, descriptions.vtt). The work is in `pipeline.delivery.package.export`;
the expensive ladder encode inside it is cached by content, so when only captions, chapters
or descriptions changed the stage re-runs but only re-muxes, re-writes text and (for
descriptions) encodes the AD mix's audio.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from .. import ffmpeg, signoff
from ..descriptions.model import AdTrack, ad_track_path
from ..errors import CasefilmError, ManifestError, MediaError, Pending
from ..fsutil import sha256_json
from ..models import Programme
from ..programme import load_programme
from ..workspace import Film
from .base import Context, Plan, Result, Stage


@dataclass(frozen=True)
class ExportInputs:
    programme: Programme


def plan(ctx: Context) -> Plan[ExportInputs]:
    from ..delivery import inputs, package, player, signlang  # noqa: PLC0415

    film = ctx.film
    prog = load_programme(film)
    media = Path(prog.media)
    if not media.is_file():
        raise Pending(f"the programme file {media} (run ingest)")
    found = {f"{'subtitles' if n in inputs.CAPTION_FILES else 'chapters'}/{n}": ctx.digest(p)
             for n, p in inputs.existing(film).items()}
    found.update(_ad_inputs(ctx))
    found.update(signlang.plan_input(film, ctx.digest))  # the DGS interpreter, offset, crop
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


def _ad_inputs(ctx: Context) -> dict[str, str]:
    """Digests of ad.json and of the files it names (a record that does not parse counts
    by its own digest only; run() reports it)."""
    path = ad_track_path(ctx.film)
    if not path.is_file():
        return {}
    out = {"describe/ad.json": ctx.digest(path)}
    try:
        track = AdTrack.model_validate_json(path.read_text(encoding="utf-8"))
    except (ValueError, OSError):
        return out
    for name in ("mix", "narration", "vtt"):
        f = Path(getattr(track, name))
        out[f"describe/{name}"] = ctx.digest(f) if f.is_file() else "missing"
    return out


def run(ctx: Context, plan: Plan[ExportInputs]) -> Result:
    from ..delivery import package  # noqa: PLC0415

    prog = plan.data.programme
    if not Path(prog.media).is_file():
        raise MediaError(prog.media, "programme file missing (run ingest again)")
    lang = ctx.film.manifest.language
    res = package.export(ctx.film, prog, lambda film, cues: signoff.provenance(film, lang, cues),
                         report=ctx.report)
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


def check_settings(film: Film) -> None:
    """Export rungs are known Apple ladder heights and not all above `export.max_height`."""
    from ..delivery import ladder  # noqa: PLC0415

    s = film.manifest.export
    try:
        ladder.check_heights(s.rungs, s.max_height)
    except ValueError as e:
        raise ManifestError(film.manifest_path, "export.rungs", str(e), s.rungs) from None


def check_files(film: Film) -> None:
    """The sign-language recording (film.yaml `sign_language:`), when there is one: it exists
    and has a video stream, its crop lies inside its frame, its offset inside the programme."""
    from ..delivery import signlang_check  # noqa: PLC0415

    signlang_check.check(film)


STAGE = Stage("export", plan, run,
              summary="Renditions, HLS, loudness, poster, thumbnails and the player page.",
              check_settings=check_settings, check_files=check_files)
