"""Errors before work: what film.yaml, the goal catalogue and the file system alone show.

`check(film)` runs before a film's first stage (`pipeline.runner.run_film`) and in
`casefilm status`. It raises the first problem as the one `ManifestError` or `MediaError`
the stage that would meet it later raises (file, field path, value), so a typo in a chapter
costs a second instead of an ingest and a Whisper run. The rules are not written here: each
check calls the function its stage uses.

In order:

1. film.yaml parses and validates (`workspace.Film.manifest`): keys, types, timecodes of
   chapters, key quotes and the poster, speakers referenced by sources, unique speaker and
   source ids, a known caption profile name;
2. the goal catalogue projects/learning-goals.yaml loads, its ids unique
   (`Workspace.catalogue`), and goal ids are unique across catalogue and film
   (`Film.goals`);
3. chapters: goal ids known and not repeated, start times strictly increasing, titles on
   one line, no empty question, key quotes ending after they start and inside their
   chapter, YouTube/PeerTube description-chapter rules (`didactics.build.check` without
   the programme's duration);
4. the caption profile with the film's overrides is consistent
   (`captions.profiles.effective`);
5. export rungs are known Apple ladder heights and not all above `export.max_height`
   (`delivery.ladder.check_heights`);
6. projects/<film>/descriptions.yaml, when present: UTF-8, a list, every entry a mapping
   with a timecode and non-empty text, in time order, no two at the same time
   (`descriptions.store.load` without the programme's duration);
7. files, only for the stages about to run that read them: every source and the master
   exist, are regular files and not empty (ingest, `ffmpeg.check_file`); the
   `transcript.import` file and every `sources[].transcript` have a supported suffix and
   exist (transcribe, `transcript_io.check_import`); else a `transcript.model` given as a
   path exists in the form its backend needs (transcribe, `asr.spec.check`; exit 4); every
   recorded narration of a description exists and is not empty (describe,
   `descriptions.voice.sources`); the sign-language recording exists and has a video
   stream, its crop lies inside its frame and its offset inside the programme (export,
   `signlang.check`).

What needs the programme (a chapter, the poster or a description at or past its end, audio
channels, rungs larger than the footage, decodability) stays with the stage that has it.
"""

from __future__ import annotations

from collections.abc import Iterable

from . import ffmpeg
from .asr import spec as model_spec
from .captions import profiles
from .delivery import ladder
from .descriptions import store as descriptions, voice
from .didactics import build
from .errors import ManifestError
from .signlang import check as signlang
from .transcript_io import check_import
from .workspace import Film

# stage name -> the film.yaml files it reads (checked only when that stage is about to run)
FILE_STAGES = ("ingest", "transcribe", "describe", "export")


def check(film: Film, stages: Iterable[str] | None = None) -> None:
    """Raise the first problem of `film` that needs no stage's output (see module doc).

    `stages`: names of the stages about to run (None: all). Source and master footage is
    checked only with "ingest", the transcript import only with "transcribe", so a later
    stage still runs when raw footage has been archived after ingest.
    """
    wanted = set(FILE_STAGES if stages is None else stages)
    m = film.manifest
    film.ws.catalogue  # noqa: B018  (loads and validates projects/learning-goals.yaml)
    build.check(film)  # calls film.goals(): ids unique across catalogue and film
    profiles.effective(m.subtitles, film.manifest_path)
    try:
        ladder.check_heights(m.export.rungs, m.export.max_height)
    except ValueError as e:
        raise ManifestError(film.manifest_path, "export.rungs", str(e), m.export.rungs) from None
    descs = descriptions.load(film)
    if "ingest" in wanted:
        for i, src in enumerate(m.sources):
            ffmpeg.check_file(film.resolve_media(src.file), f"sources.{i}.file")
        if m.master is not None:
            ffmpeg.check_file(film.resolve_media(m.master), "master")
    if "transcribe" in wanted:
        if m.transcript.import_ is not None:
            check_import(film.resolve_media(m.transcript.import_))
        elif m.transcript.model is not None:
            ts = m.transcript  # film.yaml's own model path (the command line's is checked on load)
            model_spec.check(model_spec.ModelSpec(ts.model, ts.model_name,
                                                  ts.backend or model_spec.DEFAULT_BACKEND,
                                                  ts.compute_type))
        for i, src in enumerate(m.sources):
            if src.transcript is not None:
                check_import(film.resolve_media(src.transcript), f"sources.{i}.transcript")
    if "describe" in wanted and descs.descriptions:
        voice.sources(film, descs.descriptions, m.descriptions)
    if "export" in wanted:
        signlang.check(film)  # sign_language: file, video stream, crop, offset
