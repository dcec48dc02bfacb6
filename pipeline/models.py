"""Typed data passed between stages. Times are integer milliseconds throughout."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_serializer, model_validator

Ms = int  # milliseconds

ReviewStatus = Literal["auto", "in_review", "reviewed"]


def utcnow() -> str:
    return datetime.now(timezone.utc).replace(microsecond=0).isoformat()


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


# --- media ------------------------------------------------------------------------------


class StreamInfo(Strict):
    index: int
    kind: Literal["video", "audio", "subtitle", "data", "attachment", "other"]
    codec: str | None = None
    profile: str | None = None
    level: int | None = None
    pix_fmt: str | None = None
    width: int | None = None
    height: int | None = None
    fps: float | None = None
    rotation: int = 0  # degrees, as stored in the display matrix / rotate tag
    channels: int | None = None
    sample_rate: int | None = None
    language: str | None = None
    duration_ms: Ms | None = None


class MediaInfo(Strict):
    """What ffprobe says of one file, plus its size and content checksum."""

    path: str
    size: int
    sha256: str
    format_name: str
    duration_ms: Ms
    bit_rate: int | None = None
    streams: list[StreamInfo]

    @property
    def video(self) -> StreamInfo | None:
        return next((s for s in self.streams if s.kind == "video"), None)

    @property
    def audio(self) -> StreamInfo | None:
        return next((s for s in self.streams if s.kind == "audio"), None)


class SourceSpan(Strict):
    """Where one source sits in the programme."""

    id: str
    start: Ms
    end: Ms
    speaker: str | None = None
    has_audio: bool = True


class Programme(Strict):
    """Result of ingest: the programme to caption and export, and its ASR audio."""

    film: str
    media: str  # path of the programme file (the master, or the joined sources in cache)
    media_sha256: str
    duration_ms: Ms
    width: int
    height: int
    fps: float
    has_audio: bool
    asr_audio: str | None  # 16 kHz mono WAV, None when the programme has no audio
    proxy: str | None = None  # light H.264 540p copy for the review page, when media is heavy
    sources: list[MediaInfo]
    spans: list[SourceSpan]
    master: MediaInfo | None = None


# --- transcripts ------------------------------------------------------------------------


class Word(Strict):
    """One word, or one piece of a word, with its times.

    Whisper forms words from tokens: a word begins with a space, and a piece without one
    continues the word before it ("KI" + "-Einführung", "5" + ".000", "Peter" + "'s").
    Such a piece has `joined=True` and is written without a space before it
    (`pipeline.words.join`); `joined` is left out of JSON when False."""

    start: Ms
    end: Ms
    text: str  # as spoken, without surrounding whitespace; may carry punctuation
    probability: float | None = None
    joined: bool = False  # continues the previous word of its segment: no space before it

    @model_serializer(mode="wrap")
    def _omit_unjoined(self, handler):
        data = handler(self)
        if not self.joined and isinstance(data, dict):
            data.pop("joined", None)
        return data


class Segment(Strict):
    id: int
    start: Ms
    end: Ms
    text: str
    words: list[Word] = Field(default_factory=list)
    speaker: str | None = None  # a speaker id of the film's manifest
    kind: Literal["speech", "sound"] = "speech"  # "sound": a sound/music event, text e.g. "Musik"


class Provenance(Strict):
    backend: str  # "openai-whisper", "import:srt", "import:vtt", "import:whisper-json", "review"
    model: str | None = None
    compute_type: str | None = None  # ASR numeric type ("float32", "int8_float32" …)
    parameters: dict = Field(default_factory=dict)
    status: ReviewStatus = "auto"
    editor: str | None = None
    created_at: str = Field(default_factory=utcnow)
    tool_versions: dict[str, str] = Field(default_factory=dict)


class Transcript(Strict):
    film: str
    language: str = "de"
    duration_ms: Ms
    segments: list[Segment]
    provenance: Provenance
    revision: int = 0  # 0: machine original (asr.json); n >= 1: review revision n
    parent: int | None = None

    @property
    def words(self) -> list[Word]:
        return [w for s in self.segments for w in s.words]


# --- captions ---------------------------------------------------------------------------


class Cue(Strict):
    """One timed text cue: the common currency of every subtitle reader and writer
    (`pipeline.subtitle_io`): captions, chapters, thumbnails, HLS segments, drafts, text
    tracks of audio description.

    `lines` are plain text (writers escape, readers unescape). A line's speaker is
    `speakers[i]` when `speakers` is given (a cue that changes speaker), else `speaker`
    (see `line_speakers`). Speaker keys are the caller's: speaker ids when writing (a
    writer's `Meta` names and colours them), the name a file gives (a WebVTT voice) when
    read. `identifier` and `settings` are WebVTT's cue identifier and cue settings
    (`line:90% align:start`); other formats ignore them."""

    start: Ms
    end: Ms
    lines: list[str]  # display lines, plain text (writers escape)
    speaker: str | None = None  # speaker of the cue's first line
    speakers: list[str | None] = Field(default_factory=list)  # per line, when a cue changes speaker
    kind: Literal["speech", "sound"] = "speech"
    identifier: str | None = None
    settings: str | None = None

    @property
    def text(self) -> str:
        return " ".join(self.lines)

    def line_speakers(self) -> list[str | None]:
        """The speaker of each line (one per entry of `lines`); None for every line of a
        sound cue, which no speaker voices."""
        if self.kind != "speech":
            return [None] * len(self.lines)
        if not self.speakers:
            return [self.speaker] * len(self.lines)
        return (list(self.speakers) + [None] * len(self.lines))[:len(self.lines)]

    @model_validator(mode="after")
    def _times(self) -> "Cue":
        if self.end <= self.start:
            raise ValueError(f"cue ends ({self.end} ms) at or before it starts ({self.start} ms)")
        return self


# --- learning goals and chapters ---------------------------------------------------------

BloomLevel = Literal["erinnern", "verstehen", "anwenden", "analysieren", "bewerten", "erschaffen"]


class LearningGoal(Strict):
    id: str = Field(min_length=1)
    text: str = Field(min_length=1)
    level: BloomLevel | None = None
    dimension: str | None = None
    audiences: list[str] = Field(default_factory=list)
