"""Delivery commands:

    casefilm verify-export FILM… | --all   check exports/<film>/ against its manifest.json
    casefilm vendor-hlsjs                  copy hls.js from node_modules into the package
"""

from __future__ import annotations

import shutil
from pathlib import Path

import click

from ..delivery.package import verify
from ..delivery.player import REPO, STATIC
from ..errors import ExportMismatch, InputError
from ..fsutil import copy_atomic
from .common import CliContext, film_selection, pass_cli


@click.command("verify-export")
@film_selection
@pass_cli
def verify_export(obj: CliContext, films, all_) -> None:
    """Check that every artifact in exports/FILM/ matches manifest.json (size, sha256)."""
    bad = []
    for film in obj.films(films, all_):
        problems = verify(film.export_dir)
        for p in problems:
            click.echo(f"[{film.id}] {p}", err=True)
        if problems:
            bad.append(film.id)
        else:
            click.echo(f"[{film.id}] export matches manifest.json")
    if bad:
        raise ExportMismatch(bad)


@click.command("vendor-hlsjs")
@click.option("--from", "source", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="hls.min.js to vendor (default: node_modules/hls.js/dist/hls.min.js).")
def vendor_hlsjs(source: Path | None) -> None:
    """Copy hls.js into pipeline/static/vendor/ so an installed casefilm finds it without
    node_modules (setup runs this after `npm ci`)."""
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


COMMANDS: list[click.Command] = [verify_export, vendor_hlsjs]
