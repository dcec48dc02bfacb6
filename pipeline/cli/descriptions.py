"""Audio-description commands (the stage itself is `casefilm describe FILM`):

    casefilm descriptions gaps FILM [--rate W/S] [--min-gap S]
    casefilm descriptions accept-voice FILM [N…] [--all] --reviewer NAME
"""

from __future__ import annotations

import click

from .. import timecode
from ..descriptions import script, store, voice
from ..descriptions.build import load_track
from ..errors import InputError, Pending, StageOrderError
from ..programme import load_programme
from .common import CliContext, pass_cli


@click.group("descriptions")
def descriptions() -> None:
    """Audio description: speech gaps, the describer's script, voice acceptance."""


@descriptions.command("gaps")
@click.argument("film")
@click.option("--rate", type=click.FloatRange(0.5, 6, min_open=True), metavar="W/S",
              help="Narration rate in words per second (default: film.yaml "
                   "descriptions.rate_wps, else 2.2 for German).")
@click.option("--min-gap", type=click.FloatRange(0.1, 60), metavar="S",
              help="Shortest pause listed, in seconds (default: film.yaml, else 1.0).")
@pass_cli
def gaps(obj: CliContext, film, rate, min_gap) -> None:
    """List FILM's pauses in speech and write the describer's script (HTML, DOCX)."""
    f = obj.film(film)
    try:
        rep = script.report(f, rate, round(min_gap * 1000) if min_gap else None)
    except Pending as e:
        raise StageOrderError(f.id, "descriptions gaps", e.missing) from None
    click.echo(f"[{film}] {len(rep.gaps)} gaps of at least {rep.min_gap_ms / 1000:g} s "
               f"(transcript {rep.transcript}, {rep.rate_wps:g} words/s)")
    click.echo(f"  {'start':<10}{'length':>8}  words")
    for g in rep.gaps:
        click.echo(f"  {timecode.manifest(g.start):<10}{g.length / 1000:>7.1f}s  {g.words(rep.rate_wps)}")
    for fit in rep.fits:
        state = ("extended" if fit.extended else
                 f"too long by {fit.overlap_ms} ms" if fit.overlap_ms else
                 f"runs {fit.next_overlap_ms} ms into the next" if fit.next_overlap_ms else "fits")
        click.echo(f"  description {fit.n} at {timecode.manifest(fit.at_ms)}: gap "
                   f"{fit.gap_ms / 1000:.1f} s, spoken {fit.spoken_ms / 1000:.1f} s "
                   f"({'measured' if fit.measured else 'estimated'}): {state}")
    html, docx_path = script.write(f, rep)
    click.echo(f"  script: {html}")
    click.echo(f"          {docx_path}")


@descriptions.command("accept-voice")
@click.argument("film")
@click.argument("numbers", nargs=-1, type=click.IntRange(1))
@click.option("--all", "all_", is_flag=True, help="Every synthetic draft voice of FILM.")
@click.option("--reviewer", required=True, metavar="NAME", help="Who listened and accepts.")
@pass_cli
def accept_voice(obj: CliContext, film, numbers, all_, reviewer) -> None:
    """Accept synthetic draft voices of FILM (descriptions N…) as deliverable.

    The acceptance is bound to the audio: a changed text makes a new draft."""
    if not reviewer.strip():
        raise click.UsageError("--reviewer needs a name")
    if bool(numbers) == all_:
        raise click.UsageError("give description numbers or --all, not both or neither")
    f = obj.film(film)
    descs = store.load(f, load_programme(f).duration_ms)
    track = load_track(f)
    if track is None or track.digest != descs.digest:
        raise StageOrderError(f.id, "descriptions accept-voice",
                              f"the voices of the current descriptions (run: casefilm describe {f.id})")
    by_n = {p.n: p for p in track.descriptions}
    wanted = sorted(by_n) if all_ else list(numbers)
    unknown = [n for n in wanted if n not in by_n]
    if unknown:
        raise InputError(f"film {f.id!r}: no description {unknown[0]} "
                         f"(descriptions: 1–{len(by_n)})")
    chosen = [(n, by_n[n].text, by_n[n].voice) for n in wanted]
    done = voice.accept(f, chosen, reviewer)
    skipped = [n for n, _, v in chosen if v.kind == "recorded"]
    click.echo(f"[{film}] accepted synthetic voices: {', '.join(map(str, done)) or 'none new'}"
               + (f"; recorded (no acceptance needed): {', '.join(map(str, skipped))}"
                  if skipped else ""))
    if done:
        click.echo(f"  run: casefilm describe {f.id} (the AD track records the acceptance)",
                   err=True)


COMMANDS: list[click.Command] = [descriptions]
