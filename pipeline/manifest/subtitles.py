"""film.yaml `subtitles`: the caption guideline profiles a film names, as typed data.

The figures of `docs/captions.md`: a film picks a profile by name (`subtitles.profile`,
default `de-web`) and may override single figures (`subtitles.chars_per_line: 37`, …): that
block is `SubtitleSettings`. The profile registry lives here, beside the settings that name
it, because validating film.yaml needs the known names and the base layer may import no
feature package; the captions package reads it (`pipeline.captions.profiles` re-exports it).
Figures given in frames are converted with the programme's frame rate (`Profile.frames_ms`).

Hard limits (a QC break exits non-zero and blocks sign-off): lines, chars/line, min gap,
overlap, structure. Everything else is a finding a reviewer weighs.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field, ValidationError, field_validator, model_validator

from ..errors import ManifestError, validation_problem
from ..models import Strict

ReadingUnit = Literal["cps", "wpm"]


class Profile(Strict):
    name: str
    title: str  # one-line description
    source: str  # the guideline the figures come from
    chars_per_line: int = Field(ge=10)
    max_lines: int = Field(ge=1, le=3)
    reading_unit: ReadingUnit = "cps"
    max_cps: float | None = Field(default=None, gt=0)  # characters per second (unit "cps")
    max_wpm: float | None = Field(default=None, gt=0)  # words per minute (unit "wpm")
    count_spaces: bool = True  # cps counts spaces (Netflix, Subtitle Edit)
    tags_as_words: bool = False  # DCMP: speaker ids and sound tags count as words
    min_duration_ms: int = Field(default=0, ge=0)
    min_ms_per_word: int = Field(default=0, ge=0)  # BBC: ≈ 0.3 s per word
    max_duration_ms: int | None = Field(default=None, gt=0)  # None: no limit (QC)
    min_gap_frames: int = Field(default=0, ge=0)  # hard limit between consecutive cues
    chain_gap_frames: int = Field(default=12, ge=0)  # gaps ≤ this are closed …
    chain_to_frames: int = Field(default=2, ge=0)  # … to exactly this many frames
    max_trail_ms: int = Field(default=500, ge=0)  # out-time after the last word
    snap_frames: int = Field(default=12, ge=0)  # in/out snapped to a cut this close
    split_duration_ms: int = Field(default=7000, gt=0)  # segmenter's cue length when no max
    numbers: Literal["words", "digits"] | None = None  # 1–12 written out / as digits (QC)

    @model_validator(mode="after")
    def _consistent(self) -> "Profile":
        if self.reading_unit == "cps" and self.max_cps is None:
            raise ValueError("max_cps: required when reading speed is counted in chars/s")
        if self.reading_unit == "wpm" and self.max_wpm is None:
            raise ValueError("max_wpm: required when reading speed is counted in words/min")
        if self.max_duration_ms is not None and self.max_duration_ms < self.min_duration_ms:
            raise ValueError(f"max_duration_ms: shorter than min_duration_ms "
                             f"({self.max_duration_ms} < {self.min_duration_ms})")
        return self

    # --- derived figures -----------------------------------------------------------------

    def frames_ms(self, frames: int, fps: float) -> int:
        """`frames` frames at `fps` in milliseconds (rounded down, at least 1 ms per frame)."""
        return int(frames * 1000 / fps) if frames else 0

    @property
    def reading_limit(self) -> float:
        """The reading-speed limit in the profile's unit (chars/s or words/min)."""
        return float(self.max_cps if self.reading_unit == "cps" else self.max_wpm)  # type: ignore[arg-type]

    @property
    def target_duration_ms(self) -> int:
        """Longest cue the segmenter builds: max duration, else `split_duration_ms`."""
        return self.max_duration_ms or self.split_duration_ms

    def figures(self, lang: str = "de") -> dict[str, str]:
        """Human-readable figures: German for the QC report, `lang="en"` for the CLI."""
        de = lang == "de"
        cps, wpm, spaces, nospaces, word, frames, gaps = (
            ("Zeichen/s", "Wörter/min", "mit Leerzeichen", "ohne Leerzeichen", "Wort", "Frames",
             "Lücken") if de else
            ("chars/s", "words/min", "spaces counted", "spaces not counted", "word", "frames",
             "gaps"))
        rs = (f"≤ {self.max_cps:g} {cps} ({spaces if self.count_spaces else nospaces})"
              if self.reading_unit == "cps" else f"≤ {self.max_wpm:g} {wpm}")
        mind = f"{self.min_duration_ms / 1000:g} s" if self.min_duration_ms else "—"
        if self.min_ms_per_word:
            mind = f"{self.min_ms_per_word / 1000:g} s/{word}" + (
                f", ≥ {self.min_duration_ms / 1000:g} s" if self.min_duration_ms else "")
        return {
            "chars_per_line": str(self.chars_per_line),
            "max_lines": str(self.max_lines),
            "reading_speed": rs,
            "min_duration": mind,
            "max_duration": f"{self.max_duration_ms / 1000:g} s" if self.max_duration_ms else "—",
            "min_gap": f"{self.min_gap_frames} {frames}" if self.min_gap_frames else "—",
            "chaining": f"{gaps} ≤ {self.chain_gap_frames} {frames} → "
                        f"{self.chain_to_frames} {frames}",
        }


_COMMON_WEB = dict(chars_per_line=42, max_lines=2, reading_unit="cps", max_cps=17.0,
                   min_duration_ms=833, max_duration_ms=7000, min_gap_frames=2, numbers="words")

PROFILES: dict[str, Profile] = {p.name: p for p in [
    Profile(name="de-web", title="German web/e-learning default (Netflix-like figures)",
            source="casefilm default for German web and education: Netflix figures "
                   "(docs/captions.md)",
            **_COMMON_WEB),
    Profile(name="de-broadcast", title="German TV (ARD, ORF, SRF, ZDF)",
            source="Joint subtitle standards of ARD, ORF, SRF, ZDF",
            chars_per_line=37, max_lines=2, reading_unit="cps", max_cps=15.0,
            min_duration_ms=1000, max_duration_ms=None, min_gap_frames=1, numbers="words"),
    Profile(name="de-broadcast-kids", title="German TV, children's programmes",
            source="Joint subtitle standards of ARD, ORF, SRF, ZDF (children's section)",
            chars_per_line=37, max_lines=2, reading_unit="cps", max_cps=11.0,
            min_duration_ms=1000, max_duration_ms=None, min_gap_frames=1, numbers="digits"),
    Profile(name="netflix-de", title="Netflix German (adult)",
            source="Netflix timed text style guide (general + German); 17 cps unconfirmed for German",
            **_COMMON_WEB),
    Profile(name="bbc", title="BBC subtitle guidelines (broadcast line length)",
            source="BBC subtitle guidelines",
            chars_per_line=37, max_lines=2, reading_unit="wpm", max_wpm=180.0,
            min_ms_per_word=300, max_duration_ms=None, min_gap_frames=2,
            chain_gap_frames=25),  # gaps left open at a pause should be ≥ 1 s: close shorter
    Profile(name="dcmp-edu", title="DCMP Captioning Key, educational (middle level)",
            source="DCMP Captioning Key (130 lower / 140 middle / 160 upper level wpm)",
            chars_per_line=32, max_lines=2, reading_unit="wpm", max_wpm=140.0,
            tags_as_words=True, min_duration_ms=2000, max_duration_ms=None, min_gap_frames=0),
]}

DEFAULT_PROFILE = "de-web"


class SubtitleSettings(Strict):
    """film.yaml `subtitles`: a profile name plus optional per-field overrides of that
    profile's figures (same names and units as `Profile`)."""

    profile: str = DEFAULT_PROFILE
    chars_per_line: int | None = Field(default=None, ge=10)
    max_lines: int | None = Field(default=None, ge=1, le=3)
    max_cps: float | None = Field(default=None, gt=0)
    max_wpm: float | None = Field(default=None, gt=0)  # reading speed in words/min (bbc, dcmp-edu)
    min_duration_ms: int | None = Field(default=None, ge=0)
    max_duration_ms: int | None = Field(default=None, gt=0)
    min_gap_frames: int | None = Field(default=None, ge=0)
    chain_gap_frames: int | None = Field(default=None, ge=0)
    count_spaces: bool | None = None

    @field_validator("profile")
    @classmethod
    def _known_profile(cls, v: str) -> str:
        if v not in PROFILES:
            raise ValueError(f"unknown caption profile (known: {', '.join(PROFILES)})")
        return v


# SubtitleSettings field -> Profile field (same names; listed so a new override is explicit)
OVERRIDES = ("chars_per_line", "max_lines", "max_cps", "max_wpm", "min_duration_ms",
             "max_duration_ms", "min_gap_frames", "chain_gap_frames", "count_spaces")


def get(name: str, *, file: object = "film.yaml", field: str = "subtitles.profile") -> Profile:
    """The named profile; ManifestError naming `file` and `field` if the name is unknown."""
    try:
        return PROFILES[name]
    except KeyError:
        raise ManifestError(file, field, f"unknown caption profile (known: "
                            f"{', '.join(PROFILES)})", name) from None


def effective(settings: SubtitleSettings, manifest_path: object = "film.yaml",
              profile_name: str | None = None) -> Profile:
    """The film's profile with its film.yaml overrides applied field by field.

    `profile_name` (e.g. `casefilm qc --profile`) replaces the film's profile name; the
    film's overrides still apply. Raises ManifestError naming film.yaml and the field.
    """
    if profile_name is not None:
        base = get(profile_name, file="--profile", field="profile")
    else:
        base = get(settings.profile, file=manifest_path)
    changes = {k: getattr(settings, k) for k in OVERRIDES
               if getattr(settings, k, None) is not None}
    if not changes:
        return base
    if "max_cps" in changes and "max_wpm" not in changes:
        changes["reading_unit"] = "cps"
    elif "max_wpm" in changes and "max_cps" not in changes:
        changes["reading_unit"] = "wpm"
    try:
        return Profile.model_validate({**base.model_dump(), **changes})
    except ValidationError as e:
        field, reason, value = validation_problem(e, top="profile")
        raise ManifestError(manifest_path, f"subtitles.{field}",
                            f"{reason} (profile {base.name!r} with overrides)",
                            changes.get(field, value)) from None
