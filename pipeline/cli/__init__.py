"""The casefilm command line: it parses and validates, then calls the core.

Layout (the entry point is `casefilm = "pipeline.cli:main"`, and `python -m pipeline`):

    common.py     shared by every command: the root group `cli` (--workspace, --version),
                  the `CliContext` every command receives with `@pass_cli` (workspace, run
                  options, film selection), the common options (`film_selection` = FILMS…
                  + --all, `whisper_options` = --model/--model-name/--device/--backend), the batch
                  runner `run_batch` (summary, exit codes), `stage_command`/`StageGroup`,
                  and `main`, the ONE place where errors become one line and an exit code
    stages.py     run, status, demo
    captions.py   qc, profiles
    didactics.py  chapters (StageGroup: the stage + suggest/accept/pdf), goals, coverage
    delivery.py   verify-export, vendor-hlsjs
    review.py     review, transcript export|import
    descriptions.py  descriptions gaps|accept-voice (audio description; the stage is `describe`)
    edit.py       edit transcribe|check|export, conform
    cut.py        cut (rough cut), clips (social clips)
    lms.py        lms (SCORM 1.2 and H5P packages for learning platforms)
    catalogue.py  catalogue (the static site across all exported films)

Where to add things:
- a command: in the module of its group (a new group, e.g. `descriptions …`, `cut`,
  `conform`, `clips`: a new module with a `COMMANDS` list, added to `COMMANDS` below);
  it takes `@pass_cli` and raises `pipeline.errors` errors, never prints them or exits;
- a stage: it gets a command of its name automatically (`STAGE_COMMANDS` below); a stage
  with subcommands of its own is a `common.StageGroup` in its group's module, listed in
  `STAGE_GROUPS`;
- an option every run shares (e.g. `--backend`): a decorator in `common.py` beside
  `whisper_options` and a field of `RunSettings` (`pipeline/stages/base.py`, the one
  source of its default), its value carried there by `CliContext.options`; local and Dask
  runs both get that one settings object (`tests/test_run_options.py` sends each option
  through `--workers 1`: add a test for a new one);
- a film list: `@film_selection` and `obj.films(films, all_)`, which reports every
  selection error before any work.

Every name is registered once (`common.add_commands` refuses a second command of a name);
no module outside this package imports it.
"""

from __future__ import annotations

import click

from ..runner import STAGE_NAMES
from . import (captions, catalogue, cut, delivery, descriptions, didactics, edit, lms, review,
               stages)
from .common import add_commands, cli, main, stage_command

# stages with subcommands of their own; every other stage gets a plain stage command
STAGE_GROUPS: dict[str, click.Group] = {g.name: g for g in [didactics.chapters]}
STAGE_COMMANDS: list[click.Command] = [STAGE_GROUPS.get(n) or stage_command(n)
                                       for n in STAGE_NAMES]

COMMANDS: list[click.Command] = [
    *STAGE_COMMANDS,
    *stages.COMMANDS,
    *captions.COMMANDS,
    *didactics.COMMANDS,
    *delivery.COMMANDS,
    *review.COMMANDS,
    *descriptions.COMMANDS,
    *edit.COMMANDS,
    *cut.COMMANDS,
    *lms.COMMANDS,
    *catalogue.COMMANDS,
]
add_commands(cli, COMMANDS)

__all__ = ["cli", "main"]
