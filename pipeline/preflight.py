"""Errors before work: what film.yaml, the goal catalogue and the file system alone show.

`check(film)` runs before a film's first stage (`pipeline.runner.run_film`) and in
`casefilm status`. It raises the first problem as the one `ManifestError` or `MediaError`
the stage that would meet it later raises (file, field path, value), so a typo in a chapter
costs a second instead of an ingest and a Whisper run. The rules are not written here: each
stage says what it checks (`Stage.check_settings`, `Stage.check_files`, see
`pipeline.stages.base`), and those hooks call the functions the stage's own run uses.

In order:

1. film.yaml parses and validates (`workspace.Film.manifest`): keys, types, timecodes of
   chapters, key quotes and the poster, speakers referenced by sources, unique speaker and
   source ids, a known caption profile name, the quiz (answers, chapter references;
   `manifest.quiz`), the `case:` block (fixed chain, sector and effect-kind lists, `at:`
   timecodes, no chain link twice; `manifest/case.py`);
2. the goal catalogue projects/learning-goals.yaml loads, its ids unique
   (`Workspace.catalogue`);
3. every stage's `check_settings`, in pipeline order (today: the caption profile with the
   film's overrides; chapters and goal ids; descriptions.yaml; export rungs);
4. the `check_files` of the stages about to run (today: sources and master for ingest;
   transcript imports or a model path for transcribe; recorded narrations for describe;
   the sign-language recording, its crop and offset for export).

What needs the programme (a chapter, the poster or a description at or past its end, audio
channels, rungs larger than the footage, decodability) stays with the stage that has it.
"""

from __future__ import annotations

from collections.abc import Iterable

from .stages import STAGES
from .stages.base import Stage
from .workspace import Film


def check(film: Film, stages: Iterable[Stage] | None = None) -> None:
    """Raise the first problem of `film` that needs no stage's output (see module doc).

    `stages`: the stages about to run (None: all); only their `check_files` run, so a later
    stage still runs when raw footage has been archived after ingest.
    """
    film.manifest  # noqa: B018  (loads and validates film.yaml)
    film.ws.catalogue  # noqa: B018  (loads and validates projects/learning-goals.yaml)
    for stage in STAGES:
        if stage.check_settings is not None:
            stage.check_settings(film)
    for stage in STAGES if stages is None else stages:
        if stage.check_files is not None:
            stage.check_files(film)
