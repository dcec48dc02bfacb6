"""The pipeline, in order. This list is the whole of it: the runner walks it."""

from . import chapters, describe, export, ingest, subtitles, transcribe

STAGES = [ingest.STAGE, transcribe.STAGE, subtitles.STAGE, chapters.STAGE, describe.STAGE,
          export.STAGE]
