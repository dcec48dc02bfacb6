"""The film manifest `projects/<film>/film.yaml` and the workspace goal catalogue.

Loading validates with pydantic; every failure becomes one `ManifestError` naming the file,
the field path and the bad value (`ManifestError.from_validation`). The `subtitles` block
(`SubtitleSettings`) is defined beside the caption profiles it names
(`pipeline.captions.profiles`), which import nothing from here.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import Field, ValidationError, field_validator, model_validator

from . import timecode
from .captions.profiles import SubtitleSettings
from .descriptions.settings import DescriptionSettings
from .errors import ManifestError
from .models import LearningGoal, Ms, Strict

ID_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._-]*$"


class Speaker(Strict):
    id: str = Field(pattern=ID_PATTERN)
    name: str = Field(min_length=1)
    role: str | None = None


class Source(Strict):
    id: str = Field(pattern=ID_PATTERN)
    file: Path
    speaker: str | None = None
    audio_channel: int | None = Field(default=None, ge=1)  # 1-based channel carrying the voice
    # an existing transcript of this source (Whisper JSON, SRT, WebVTT), imported by
    # `casefilm edit transcribe` instead of a Whisper run (pipeline.edit.sources)
    transcript: Path | None = None


class TranscriptSettings(Strict):
    import_: Path | None = Field(default=None, alias="import")
    backend: Literal["openai-whisper", "faster-whisper"] | None = None  # None: openai-whisper
    model: str | None = None  # Whisper model name, checkpoint path or CTranslate2 directory
    model_name: str | None = None  # name of a checkpoint given as path (alignment heads)
    compute_type: str | None = None  # faster-whisper: int8 on CPU, float16 on CUDA by default
    # decoding settings (docs/asr.md); unset means casefilm's defaults
    beam_size: int | None = Field(default=None, ge=1)
    temperature: float | list[float] | None = None
    hallucination_silence_threshold: float | None = Field(default=2.0, ge=0)  # s; null: off
    condition_on_previous_text: bool = False
    vad_filter: bool = True  # decode only what Silero VAD calls speech (docs/asr.md)
    onset: Literal["vad", "energy", "off"] = "vad"  # word edges refined against the audio
    chunk_s: int = Field(default=600, ge=60)  # long recordings: chunks of about this length

    model_config = Strict.model_config | {"populate_by_name": True}


class Quote(Strict):
    start: Ms
    end: Ms

    @field_validator("start", "end", mode="before")
    @classmethod
    def _tc(cls, v: Any) -> int:
        return timecode.parse(v)


class Chapter(Strict):
    start: Ms
    title: str
    goals: list[str] = Field(default_factory=list)
    summary: str | None = None
    quote: Quote | None = None
    questions: list[str] = Field(default_factory=list)

    @field_validator("start", mode="before")
    @classmethod
    def _tc(cls, v: Any) -> int:
        return timecode.parse(v)

    @field_validator("title")
    @classmethod
    def _title(cls, v: str) -> str:
        if not v.strip():
            raise ValueError("chapter title is empty")
        return v.strip()


class ExportSettings(Strict):
    loudness_lufs: float = Field(default=-16.0, ge=-40, le=-5)
    true_peak_dbtp: float = Field(default=-1.5, ge=-9, le=0)
    poster: Ms | None = None  # timecode of the poster frame; else picked automatically
    description_chapters: bool = False  # YouTube/PeerTube description block (its rules checked)
    max_height: int = Field(default=1080, ge=144, le=2160)
    # rung heights from the Apple ladder (1080, 720, 540, 432, 360, 234); default 1080/720/540/360
    rungs: list[int] | None = Field(default=None, min_length=1)
    # libx264 preset of the ladder encode; ultra/superfast are excluded: they drop CABAC and
    # 8x8 transforms, so x264 would signal Baseline instead of High
    preset: Literal["veryfast", "faster", "fast", "medium", "slow", "slower",
                    "veryslow"] = "medium"

    @field_validator("poster", mode="before")
    @classmethod
    def _tc(cls, v: Any) -> int | None:
        return None if v is None else timecode.parse(v)


class FilmManifest(Strict):
    title: str = Field(min_length=1)
    language: str = Field(default="de", pattern=r"^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$")
    organisation: str | None = None
    industry: str | None = None
    learning_goals: list[LearningGoal] = Field(default_factory=list)
    speakers: list[Speaker] = Field(default_factory=list)
    glossary: list[str] = Field(default_factory=list)
    sources: list[Source] = Field(default_factory=list)
    master: Path | None = None
    transcript: TranscriptSettings = Field(default_factory=TranscriptSettings)
    subtitles: SubtitleSettings = Field(default_factory=SubtitleSettings)
    chapters: list[Chapter] = Field(default_factory=list)
    export: ExportSettings = Field(default_factory=ExportSettings)
    descriptions: DescriptionSettings = Field(default_factory=DescriptionSettings)  # audio description

    @model_validator(mode="after")
    def _refs(self) -> "FilmManifest":
        if not self.sources and self.master is None:
            raise ValueError("sources: at least one source (or a master) is required")
        speaker_ids = {s.id for s in self.speakers}
        for key, items in (("speakers", self.speakers), ("sources", self.sources)):
            seen: set[str] = set()
            for i, item in enumerate(items):
                if item.id in seen:
                    raise ValueError(f"{key}.{i}.id: duplicate id {item.id!r}")
                seen.add(item.id)
        for i, src in enumerate(self.sources):
            if src.speaker is not None and src.speaker not in speaker_ids:
                raise ValueError(f"sources.{i}.speaker: unknown speaker {src.speaker!r}")
        return self

    def speaker_name(self, speaker_id: str | None) -> str | None:
        return next((s.name for s in self.speakers if s.id == speaker_id), None)


class GoalCatalogue(Strict):
    goals: list[LearningGoal] = Field(default_factory=list)
    name: str | None = None  # name of the DefinedTermSet

    @model_validator(mode="after")
    def _unique(self) -> "GoalCatalogue":
        seen: set[str] = set()
        for i, g in enumerate(self.goals):
            if g.id in seen:
                raise ValueError(f"goals.{i}.id: duplicate id {g.id!r}")
            seen.add(g.id)
        return self


def read_yaml(path: Path) -> Any:
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ManifestError(path, "", "file not found") from None
    except UnicodeDecodeError as e:
        raise ManifestError(path, "", f"not UTF-8 text ({e.reason} at byte {e.start})") from None
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as e:
        mark = getattr(e, "problem_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}: " if mark else ""
        problem = getattr(e, "problem", None) or str(e).splitlines()[0]
        raise ManifestError(path, "", f"malformed YAML: {where}{problem}") from None


def parse_model(model: type[Strict], path: Path, data: Any):
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise ManifestError(path, "", f"expected a mapping of keys, got {type(data).__name__}")
    try:
        return model.model_validate(data)
    except ValidationError as e:
        raise ManifestError.from_validation(path, e) from None


def load_film(path: Path) -> FilmManifest:
    return parse_model(FilmManifest, path, read_yaml(path))


def load_catalogue(path: Path) -> GoalCatalogue:
    if not path.exists():
        return GoalCatalogue()
    data = read_yaml(path)
    if isinstance(data, list):  # a bare list of goals is accepted too
        data = {"goals": data}
    return parse_model(GoalCatalogue, path, data)
