"""Rough cut and social clips:

    casefilm cut FILM [--captions] [--height 720]    exports/<film>/roughcut.mp4
    casefilm clips FILM [--clip ID]… [--short-side 720]
                                                     exports/<film>/clips/<id>-<format>.mp4 + .srt
"""

from __future__ import annotations

import click

from .. import preflight, timecode
from .common import CliContext, pass_cli, report

# pipeline.compose is imported by the two commands themselves: it loads moviepy, which
# costs every other casefilm command 0.45 s of CPU at start-up (measured, issue 19)


@click.command("cut")
@click.argument("film")
@click.option("--captions", is_flag=True,
              help="Burn in the selected words as captions (the film's caption profile).")
@click.option("--height", type=click.IntRange(144, 2160), default=720, show_default=True,
              help="Lines of the 16:9 frame.")
@pass_cli
def cut(obj: CliContext, film: str, captions: bool, height: int) -> None:
    """Render the rough cut of FILM's paper edit (projects/FILM/edit.yaml): the selects
    in order with short audio crossfades, a title card, a lower third at each speaker's
    first appearance and, with --captions, the selected words burned in."""
    from ..edit import timeline  # the paper edit (pipeline.edit) resolves edit.yaml

    f = obj.film(film)
    preflight.check(f, stages=[])
    from ..compose import roughcut

    r = roughcut.render_film(f, timeline(f), captions=captions, height=height)
    click.echo(f"[{film}] rough cut: {r.path} ({r.width}×{r.height}, "
               f"{timecode.short(r.duration_ms)}, {r.selects} selects, {r.lower_thirds} lower "
               f"thirds" + (f", {len(r.cues)} captions)" if captions else ")"))


@click.command("clips")
@click.argument("film")
@click.option("--clip", "only", multiple=True, metavar="ID",
              help="Only this clip of film.yaml `clips:` (repeatable; default: all).")
@click.option("--short-side", type=click.IntRange(144, 2160), default=720, show_default=True,
              help="Pixels of each clip's shorter side (9x16 at 720: 720×1280).")
@pass_cli
def clips(obj: CliContext, film: str, only: tuple[str, ...], short_side: int) -> None:
    """Render FILM's social clips (film.yaml `clips:`) from the programme: reframed per
    format, captions from subtitles/FILM/cues.json burned in, title and end card,
    −14 LUFS, and a sidecar SRT each. Needs ingest and subtitles."""
    f = obj.film(film)
    preflight.check(f, stages=[])
    from ..compose import clips as clip_render

    results = clip_render.render_film(f, list(only) or None, short_side=short_side,
                                      report=report)
    for r in results:
        for o in r.outputs:
            lufs = "" if o.loudness_lufs is None else f", {o.loudness_lufs:g} LUFS"
            click.echo(f"[{film}] clip {o.clip} {o.format}: {o.video} ({o.width}×{o.height}, "
                       f"{timecode.short(o.duration_ms)}{lufs}) + {o.srt.name}")


COMMANDS: list[click.Command] = [cut, clips]
