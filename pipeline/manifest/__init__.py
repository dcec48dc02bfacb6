"""The film manifest `projects/<film>/film.yaml` and the workspace goal catalogue.

Loading validates with pydantic; every failure becomes one `ManifestError` naming the file,
the field path and the bad value (`ManifestError.from_validation`). Each settings block
of a feature has its own schema module in this package (`subtitles.py`, `descriptions.py`)
and one field line on `FilmManifest`; this package imports no feature package (base layer).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import Field, ValidationError, field_validator, model_validator

from .. import timecode
from ..errors import ManifestError
from ..models import LearningGoal, Ms, Strict
from .case import Case
from .descriptions import DescriptionSettings
from .quiz import Quiz
from .sign_language import SignLanguageSettings
from .subtitles import SubtitleSettings

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
    id: str | None = Field(default=None, pattern=ID_PATTERN)  # optional; clips name chapters by it
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


CLIP_FORMATS = ("9x16", "1x1", "16x9")


class Clip(Strict):
    """A social clip (`casefilm clips`): a chapter (its id, or its 1-based number) or a
    range of the film (`start`/`end` timecodes), in one or more formats; `crop` is the
    horizontal position of the crop window (0 left edge, 0.5 centre, 1 right edge)."""

    id: str = Field(pattern=ID_PATTERN)
    chapter: str | int | None = None
    start: Ms | None = None
    end: Ms | None = None
    formats: list[str] = Field(default_factory=lambda: ["9x16"])
    crop: float = 0.5
    link: str | None = None  # shown on the end card, e.g. the film's page

    @field_validator("start", "end", mode="before")
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
    clips: list[Clip] = Field(default_factory=list)
    quiz: Quiz | None = None  # scored questions for the learning platforms (quiz.py)
    case: Case = Field(default_factory=Case)  # the case, for the catalogue (manifest/case.py)
    sign_language: SignLanguageSettings | None = None  # DGS interpreter (sign_language.py)

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
        chapter_ids: set[str] = set()
        for i, ch in enumerate(self.chapters):
            if ch.id is not None:
                if ch.id in chapter_ids:
                    raise ValueError(f"chapters.{i}.id: duplicate chapter id {ch.id!r}")
                chapter_ids.add(ch.id)
        self._check_clips(chapter_ids)
        if self.quiz is not None:
            self.quiz.check_chapters([ch.id for ch in self.chapters])
        return self

    def _check_clips(self, chapter_ids: set[str]) -> None:
        seen: set[str] = set()
        for i, c in enumerate(self.clips):
            at, name = f"clips.{i}", f"clip {c.id!r}"
            if c.id in seen:
                raise ValueError(f"{at}.id: {name}: duplicate clip id")
            seen.add(c.id)
            ranged = c.start is not None or c.end is not None
            if c.chapter is None and not ranged:
                raise ValueError(f"{at}: {name}: give a chapter or a range (start and end)")
            if c.chapter is not None and ranged:
                raise ValueError(f"{at}.chapter: {name}: give a chapter or a range, not both")
            if ranged and (c.start is None or c.end is None):
                missing = "end" if c.end is None else "start"
                raise ValueError(f"{at}.{missing}: {name}: a range needs start and end")
            if ranged and c.end <= c.start:  # type: ignore[operator]
                raise ValueError(f"{at}.end: {name}: ends at or before its start "
                                 f"({timecode.short(c.end)} <= {timecode.short(c.start)})")
            if isinstance(c.chapter, int) and not 1 <= c.chapter <= len(self.chapters):
                raise ValueError(f"{at}.chapter: {name}: no chapter {c.chapter} (the film has "
                                 f"{len(self.chapters)})")
            if isinstance(c.chapter, str) and c.chapter not in chapter_ids:
                known = ", ".join(sorted(chapter_ids)) or "no chapter has an id"
                raise ValueError(f"{at}.chapter: {name}: unknown chapter {c.chapter!r} "
                                 f"(chapter ids: {known})")
            if not 0 <= c.crop <= 1:
                raise ValueError(f"{at}.crop: {name}: crop position must lie between 0 (left "
                                 f"edge) and 1 (right edge), got {c.crop:g}")
            if not c.formats:
                raise ValueError(f"{at}.formats: {name}: at least one format "
                                 f"({', '.join(CLIP_FORMATS)})")
            for k, f in enumerate(c.formats):
                if f not in CLIP_FORMATS:
                    raise ValueError(f"{at}.formats.{k}: {name}: unknown format {f!r} "
                                     f"(formats: {', '.join(CLIP_FORMATS)})")
            if len(set(c.formats)) != len(c.formats):
                raise ValueError(f"{at}.formats: {name}: a format is listed twice")

    def chapter_index(self, ref: str | int) -> int:
        """0-based index of the chapter a clip names (its id, or its 1-based number)."""
        if isinstance(ref, int):
            return ref - 1
        return next(i for i, ch in enumerate(self.chapters) if ch.id == ref)

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
