"""Caption commands: `qc` (check, report, sign off) and `profiles` (list the guidelines)."""

from __future__ import annotations

import click

from ..captions.profiles import DEFAULT_PROFILE, PROFILES
from ..runner import why_stale
from ..signoff import workflow
from .common import CliContext, pass_cli


@click.command("qc")
@click.argument("film")
@click.option("--profile", "profile_name", metavar="NAME",
              help="Check against this caption profile instead of the film's own.")
@click.option("--approve", is_flag=True,
              help="Sign the captions off (only when no hard limit is broken).")
@click.option("--reviewer", metavar="NAME", help="Who signs off (required with --approve).")
@pass_cli
def qc(obj: CliContext, film, profile_name, approve, reviewer) -> None:
    """Check FILM's captions and write subtitles/FILM/qc.html and qc.json.

    Exits non-zero (6) when a hard limit is broken (lines, chars/line, min gap, overlap,
    WebVTT structure), so it can gate a delivery.
    """
    if approve and not (reviewer or "").strip():
        raise click.UsageError("--approve needs --reviewer NAME")
    if reviewer and not approve:
        raise click.UsageError("--reviewer is only used with --approve")
    f = obj.film(film)
    outcome = workflow.qc(f, profile_name, reviewer=reviewer if approve else None,
                          stale=why_stale)
    r = outcome.result
    sm = r.summary
    click.echo(f"[{film}] qc ({r.profile.name}): {sm.cues} cues, {sm.findings} findings "
               f"({sm.hard} hard), {sm.passing_share * 100:.1f} % of cues without findings")
    for rule, n in sm.by_rule.items():
        click.echo(f"  {rule:<15}{n}")
    click.echo(f"  report: {outcome.html}")
    if r.stale:
        click.echo(f"warning: [{film}] {r.stale}", err=True)
    if outcome.approval is not None:
        click.echo(f"[{film}] captions approved by {outcome.approval.reviewer} "
                   f"at {outcome.approval.approved_at}")
    outcome.raise_for_hard()


@click.command("profiles")
def profiles() -> None:
    """List the caption profiles with their figures."""
    for p in PROFILES.values():
        f = p.figures("en")
        default = " (default)" if p.name == DEFAULT_PROFILE else ""
        click.echo(f"{p.name}{default}: {p.title}")
        click.echo(f"  chars/line {f['chars_per_line']}, lines {f['max_lines']}, reading speed "
                   f"{f['reading_speed']}, duration {f['min_duration']} to {f['max_duration']}, "
                   f"min gap {f['min_gap']}, chaining {f['chaining']}")
        click.echo(f"  source: {p.source}")


COMMANDS: list[click.Command] = [qc, profiles]
