"""Paper edit and NLE round trip:

    casefilm edit transcribe FILM [--source ID]… [--force] [--model …]   source transcripts
    casefilm edit check FILM                      the paper edit resolved: selects, duration
    casefilm edit export FILM                     exports/<film>/roughcut.{otio,edl,xml,fcpxml}
    casefilm conform FILM EDIT_FILE [--editor NAME] [--supersede] [--allow-unknown] [--dry-run]

(`casefilm cut` and `casefilm clips` render from the same edit: pipeline/cli/cut.py.)
"""

from __future__ import annotations

from pathlib import Path

import click

from .. import asr, timecode
from ..compose.model import Card
from ..edit import conform as conform_mod
from ..edit import interchange, sources
from ..edit.resolve import timeline
from ..words import join
from .common import CliContext, editor_option, pass_cli, report, whisper_options


@click.group("edit")
def edit() -> None:
    """Source transcripts, the paper edit (projects/FILM/edit.yaml) and its NLE export."""


@edit.command("transcribe")
@click.argument("film")
@click.option("--source", "source_ids", multiple=True, metavar="ID",
              help="Only this source (repeatable; default: every source).")
@click.option("--force", is_flag=True, help="Redo a machine transcript even if up to date.")
@whisper_options
@pass_cli
def transcribe(obj: CliContext, film: str, source_ids: tuple[str, ...], force: bool,
               model: str | None, model_name: str | None, device: str | None,
               backend: str | None) -> None:
    """Import (sources[].transcript) or transcribe each source of FILM into its own
    revision store; a source with reviewed revisions is kept."""
    f = obj.film(film)
    m = f.manifest
    ids = list(dict.fromkeys(source_ids)) or [s.id for s in m.sources]
    for sid in ids:
        sources.source(f, sid)  # every unknown id is reported before any work
    loaded: dict = {}

    def load():
        if "model" not in loaded:
            ts = m.transcript
            spec = asr.resolve_model(model, model_name, ts.model, ts.model_name,
                                     backend or ts.backend, ts.compute_type)
            loaded["model"] = (asr.load_model(spec, device), spec.describe())
        return loaded["model"]

    for sid in ids:
        out = sources.transcribe_source(f, sid, load_model=load, force=force, report=report)
        click.echo(f"[{f.id}/{out.source}] {out.action}: {out.detail}", err=True)


@edit.command("check")
@click.argument("film")
@pass_cli
def check(obj: CliContext, film: str) -> None:
    """Resolve FILM's edit.yaml against the source transcripts; print the selects and the
    running duration."""
    f = obj.film(film)
    tl = timeline(f)
    run = 0
    for item in tl.items:
        if isinstance(item, Card):
            dur, what = item.duration_ms, f"card {item.lines[0]!r}"
        else:
            dur = item.src_out_ms - item.src_in_ms
            text = join(item.words)
            what = (f"{item.source_id} {timecode.vtt(item.src_in_ms)}–"
                    f"{timecode.vtt(item.src_out_ms)} {text[:60]!r}")
        run += dur
        click.echo(f"{timecode.vtt(run - dur)}  {dur / 1000:6.2f} s  {what}")
    click.echo(f"{len(tl.items)} items, {tl.duration_ms / 1000:.2f} s at {tl.fps:g} fps", err=True)


@edit.command("export")
@click.argument("film")
@pass_cli
def export(obj: CliContext, film: str) -> None:
    """Write FILM's paper edit as OTIO, CMX 3600 EDL, FCP 7 XML and FCPXML for the NLE
    (media references to the raw sources, source timecode kept)."""
    f = obj.film(film)
    for p in interchange.export(f):
        click.echo(str(p))


@click.command("conform")
@click.argument("film")
@click.argument("edit_file", type=click.Path(dir_okay=False, path_type=Path))
@editor_option("Who conforms")
@click.option("--supersede", is_flag=True,
              help="Add the conformed transcript on top of a human programme revision "
                   "(it stays in the history).")
@click.option("--allow-unknown", is_flag=True,
              help="Mark clips that match no source for review instead of failing.")
@click.option("--dry-run", is_flag=True, help="Check and report; write nothing.")
@pass_cli
def conform(obj: CliContext, film: str, edit_file: Path, editor: str | None, supersede: bool,
            allow_unknown: bool, dry_run: bool) -> None:
    """Make FILM's programme transcript from the fine cut's EDIT_FILE (OTIO, EDL, FCP 7
    XML, FCPXML) and the source transcripts: no Whisper run; chapters move with their words."""
    f = obj.film(film)
    res = conform_mod.conform(f, edit_file, editor=editor, supersede=supersede,
                              allow_unknown=allow_unknown, dry_run=dry_run)
    t = res.transcript
    for sid in t.provenance.parameters["imported"]:
        click.echo(f"[{f.id}/{sid}] {'would import' if dry_run else 'imported'} its "
                   "sources[].transcript file (as `casefilm edit transcribe` does)", err=True)
    for u in res.untranscribed:
        click.echo(f"[{f.id}] for review: {timecode.vtt(u['start'])}–{timecode.vtt(u['end'])} "
                   f"({u['item']}): {u['reason']}", err=True)
    for note in res.chapters:
        click.echo(f"[{f.id}] {note}", err=True)
    srcs = ", ".join(f"{k} r{v['revision']}" for k, v in t.provenance.parameters["sources"].items())
    verb = "would write" if dry_run else f"wrote revision {t.revision}"
    click.echo(f"[{f.id}] {verb}: {len(t.segments)} segments, {len(t.words)} words, "
               f"{t.duration_ms / 1000:.2f} s, status {t.provenance.status} (sources: {srcs})",
               err=True)
    if res.manifest_backup:
        click.echo(f"[{f.id}] chapters moved in film.yaml (backup {res.manifest_backup.name})",
                   err=True)


COMMANDS: list[click.Command] = [edit, conform]
