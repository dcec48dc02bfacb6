"""CLI commands of the delivery package, registered by pipeline.cli.

    casefilm verify-export FILM... | --all   check exports/<film>/ against its manifest.json
    casefilm vendor-hlsjs                    copy hls.js from node_modules into the package
"""

from __future__ import annotations

import shutil
from pathlib import Path

import click

from ..errors import ExportMismatch, InputError


@click.command("verify-export")
@click.argument("films", nargs=-1)
@click.option("--all", "all_", is_flag=True, help="All films of the workspace.")
@click.pass_obj
def verify_export(obj, films, all_) -> None:
    """Check that every artifact in exports/FILM/ matches manifest.json (size, sha256)."""
    from .package import verify  # noqa: PLC0415

    ws = obj.ws
    ids = ws.film_ids() if all_ else list(films)
    if not ids:
        raise click.UsageError("name one or more films, or use --all")
    bad = []
    for fid in ids:
        film = ws.film(fid)
        problems = verify(film.export_dir)
        for p in problems:
            click.echo(f"[{fid}] {p}", err=True)
        if problems:
            bad.append(fid)
        else:
            click.echo(f"[{fid}] export matches manifest.json")
    if bad:
        raise ExportMismatch(bad)


@click.command("vendor-hlsjs")
@click.option("--from", "source", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="hls.min.js to vendor (default: node_modules/hls.js/dist/hls.min.js).")
def vendor_hlsjs(source: Path | None) -> None:
    """Copy hls.js into pipeline/static/vendor/ so an installed casefilm finds it without
    node_modules (setup runs this after `npm ci`)."""
    from ..fsutil import copy_atomic  # noqa: PLC0415
    from .player import REPO, STATIC  # noqa: PLC0415

    src = source or REPO / "node_modules" / "hls.js" / "dist" / "hls.min.js"
    if not src.is_file():
        raise InputError(f"{src}: not found; run `npm ci` first")
    dest = STATIC / "vendor"
    copy_atomic(src, dest / "hls.min.js")
    pkg = src.parent.parent / "package.json"
    if pkg.is_file():
        copy_atomic(pkg, dest / "hls.js.package.json")
    shutil.rmtree(dest / "__pycache__", ignore_errors=True)
    click.echo(f"hls.js vendored into {dest}")


COMMANDS: list = [verify_export, vendor_hlsjs]
