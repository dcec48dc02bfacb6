"""Reading existing transcripts (film.yaml `transcript.import`): Whisper JSON, SRT, WebVTT.

Subtitle formats carry no word timings; words get times spread over their cue in proportion
to their length (`pipeline.words.spread_words`), the same interpolation the review realignment uses for
inserted words.
"""

from __future__ import annotations

import json
from pathlib import Path

from . import subtitle_io
from .asr import from_whisper_segments
from .errors import ManifestError, SubtitleParseError
from .models import Provenance, Segment, Transcript
from .words import spread_words

FORMATS = {".json": "whisper-json", ".srt": "srt", ".vtt": "vtt"}


def _cues(path: Path, fmt: str, field: str) -> list[tuple[int, int, str, str | None]]:
    """(start, end, text, voice) of each cue, read by the subtitle layer; text on one line."""
    try:
        track = subtitle_io.load(path, fmt)
    except SubtitleParseError as e:
        raise ManifestError(path, field, f"not a valid {fmt.upper()} file: {e.detail()}") from None
    out = [(c.start, c.end, " ".join(c.text.split()), c.speaker) for c in track.cues]
    if not out:
        raise ManifestError(path, field, f"no cues found: not a valid {fmt.upper()} file?")
    return out


def check_import(path: Path, field: str = "transcript.import") -> str:
    """The format of the transcript file `path` ("whisper-json", "srt", "vtt"), from its
    suffix, without reading it. Raises ManifestError naming the file and `field` when the
    suffix is not supported or the file does not exist (or is not a regular file)."""
    fmt = FORMATS.get(path.suffix.lower())
    if fmt is None:
        raise ManifestError(path, field, "unsupported transcript format (use .json from "
                            "Whisper, .srt or .vtt)", path.suffix)
    if not path.is_file():
        raise ManifestError(path, field, "not a regular file" if path.exists()
                            else "file not found")
    return fmt


def read_transcript(path: Path, *, film: str, language: str, duration_ms: int,
                    speakers: dict[str, str], field: str = "transcript.import") -> Transcript:
    """Read an existing transcript. `speakers` maps display names to speaker ids (VTT voices)."""
    fmt = check_import(path, field)
    if fmt == "whisper-json":
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (ValueError, UnicodeDecodeError) as e:
            raise ManifestError(path, field, f"not valid JSON: {e}") from None
        if not isinstance(data, dict) or not isinstance(data.get("segments"), list):
            raise ManifestError(path, f"{field}: segments", "expected Whisper JSON with a "
                                "'segments' list")
        segments, _ = from_whisper_segments(data["segments"], duration_ms)
        segments = [s if s.words else s.model_copy(update={
            "words": spread_words(s.start, s.end, s.text)}) for s in segments]
    else:
        segments = []
        floor = 0
        for start, end, text, voice in _cues(path, fmt, field):
            start, end = max(min(start, duration_ms), floor), min(end, duration_ms)
            if not text or end <= start:
                continue
            segments.append(Segment(id=len(segments), start=start, end=end, text=text,
                                    words=spread_words(start, end, text),
                                    speaker=speakers.get(voice) if voice else None))
            floor = end
    return Transcript(film=film, language=language, duration_ms=duration_ms, segments=segments,
                      provenance=Provenance(backend=f"import:{fmt}", model=None,
                                            parameters={"file": str(path)}, status="auto"))
