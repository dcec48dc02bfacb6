"""A narration for each description: a recorded one if there is one, else a synthetic draft.

Order of precedence for description n (1-based, time order):

1. `narration:` of its entry in descriptions.yaml (a path relative to the film folder);
2. `projects/<film>/descriptions/<n>.*` (any audio ffmpeg reads: WAV, FLAC, MP3, M4A …);
3. a synthetic draft: piper, when film.yaml `descriptions.piper_model` names a voice model,
   else espeak-ng (German voice `descriptions.espeak_voice`, speed from the narration rate).

A recorded narration is a deliverable; a synthetic one is a draft until a reviewer accepts
it (`casefilm descriptions accept-voice`, stored in subtitles/<film>/ad-voices.json and
bound to the audio's sha256: a changed text makes a new draft). Synthetic clips are cached
in `.casefilm/cache/<film>/ad/voices/` by engine, voice, speed, text and engine version.
A narration file that is missing, empty, unreadable or without audio is one MediaError
naming the file and the description.
"""

from __future__ import annotations

import functools
import json
import shutil
import subprocess
import wave
from dataclasses import dataclass
from pathlib import Path

from pydantic import Field, ValidationError

from .. import ffmpeg
from ..errors import ManifestError, MediaError, MissingTool
from ..fsutil import atomic_path, sha256_json, write_json
from ..models import Ms, Strict, utcnow
from ..workspace import Film
from .model import Description, Voice, VoiceKind, acceptance_path, narrations_dir, work_dir
from ..manifest.descriptions import DescriptionSettings

AUDIO_SUFFIXES = {".wav", ".flac", ".mp3", ".m4a", ".aac", ".ogg", ".opus", ".aif", ".aiff",
                  ".wma", ".mka", ".mp4", ".webm"}


@dataclass(frozen=True)
class VoiceSource:
    """Where description n's narration comes from, before anything is synthesised."""

    n: int
    kind: VoiceKind
    path: Path | None  # recorded: the file; synthetic: None until made
    source: str  # recorded: path relative to the film dir; synthetic: "espeak-ng de 132"


@dataclass(frozen=True)
class Voiced:
    n: int
    voice: Voice
    path: Path  # the audio file (recorded, or the cached synthetic clip)
    duration_ms: Ms


def recorded_path(film: Film, n: int, d: Description) -> Path | None:
    """The recorded narration of description `n`, if any (see module doc)."""
    if d.narration:
        p = Path(d.narration)
        return p if p.is_absolute() else film.dir / p
    folder = narrations_dir(film)
    if not folder.is_dir():
        return None
    found = sorted(p for p in folder.glob(f"{n}.*")
                   if p.is_file() and p.suffix.lower() in AUDIO_SUFFIXES)
    if len(found) > 1:
        raise ManifestError(folder, f"description {n}", "more than one recorded narration: "
                            + ", ".join(p.name for p in found))
    return found[0] if found else None


def espeak_speed(settings: DescriptionSettings) -> int:
    """espeak-ng's speed (words per minute) for the film's narration rate."""
    return max(80, min(450, round(settings.rate_wps * 60)))


@functools.lru_cache(maxsize=None)
def espeak_version() -> str:
    """espeak-ng's version line (part of a synthetic clip's cache key and the stage record)."""
    exe = shutil.which("espeak-ng")
    if not exe:
        return "missing"
    out = subprocess.run([exe, "--version"], capture_output=True, text=True,
                         stdin=subprocess.DEVNULL)
    return (out.stdout.strip().splitlines() or ["unknown"])[0]


def sources(film: Film, descriptions: list[Description],
            settings: DescriptionSettings) -> list[VoiceSource]:
    """Which narration each description will have, checking recorded files (cheap: no
    decoding; `check` decodes)."""
    out = []
    for n, d in enumerate(descriptions, 1):
        p = recorded_path(film, n, d)
        if p is not None:
            ffmpeg.check_file(p, f"description {n} narration")
            try:
                rel = str(p.relative_to(film.dir))
            except ValueError:
                rel = str(p)
            out.append(VoiceSource(n, "recorded", p, rel))
        elif settings.piper_model is not None:
            model = film.resolve_media(settings.piper_model)
            out.append(VoiceSource(n, "piper", None, f"piper {model.name}"))
        else:
            out.append(VoiceSource(n, "espeak-ng", None,
                                   f"espeak-ng {settings.espeak_voice} {espeak_speed(settings)}"))
    return out


def _synth_key(src: VoiceSource, text: str, settings: DescriptionSettings) -> str:
    engine = espeak_version() if src.kind == "espeak-ng" else str(settings.piper_model)
    return sha256_json([src.kind, src.source, text, engine])[:24]


def _espeak(text: str, out: Path, settings: DescriptionSettings) -> None:
    with atomic_path(out) as tmp:
        ffmpeg.run(["-v", settings.espeak_voice, "-s", str(espeak_speed(settings)), "-w", tmp,
                    text], tool="espeak-ng")


def _piper(text: str, out: Path, model: Path) -> None:
    """piper-tts (Python package) with a voice model given as a path."""
    if not model.is_file():
        raise MediaError(model, "piper voice model not found", field="descriptions.piper_model")
    try:
        from piper import PiperVoice  # noqa: PLC0415  (optional: only with a voice model)
    except ImportError:
        raise MissingTool("piper", "piper-tts (pip)", "for descriptions.piper_model") from None
    voice = PiperVoice.load(str(model))
    with atomic_path(out) as tmp:
        with wave.open(str(tmp), "wb") as wf:
            if hasattr(voice, "synthesize_wav"):  # piper-tts >= 1.3
                voice.synthesize_wav(text, wf)
            else:
                voice.synthesize(text, wf)


def make(film: Film, src: VoiceSource, d: Description, settings: DescriptionSettings,
         accepted: dict[str, str]) -> Voiced:
    """The narration of one description: the recorded file checked, or the synthetic clip
    made (or taken from the cache). `accepted`: audio sha256 -> reviewer."""
    if src.kind == "recorded":
        assert src.path is not None
        path = src.path
    else:
        path = work_dir(film) / "voices" / f"{_synth_key(src, d.text, settings)}.wav"
        if not path.is_file():
            path.parent.mkdir(parents=True, exist_ok=True)
            if src.kind == "piper":
                _piper(d.text, path, film.resolve_media(settings.piper_model))
            else:
                _espeak(d.text, path, settings)
    digest = film.ws.digests.digest(path)
    field = f"description {src.n} narration"
    try:
        info = ffmpeg.media_info(path, digest)
    except MediaError as e:  # name the description; ffprobe's line repeats the path
        raise MediaError(path, e.reason.replace(f"{path}: ", ""), field=field) from None
    if info.audio is None:
        raise MediaError(path, "no audio stream", field=field)
    if src.kind == "recorded":
        try:
            ffmpeg.check_decodes(path, info)
        except MediaError as e:
            raise MediaError(path, e.reason, field=field) from None
    dur = info.audio.duration_ms or info.duration_ms
    if not dur or dur <= 0:
        raise MediaError(path, "narration has no length", field=field)
    voice = Voice(kind=src.kind, source=src.source, sha256=digest,
                  accepted_by=None if src.kind == "recorded" else accepted.get(digest))
    return Voiced(src.n, voice, path, dur)


# --- acceptance of synthetic drafts ------------------------------------------------------


class Acceptance(Strict):
    n: int  # the description's number when accepted (for people; the digest binds)
    text: str
    reviewer: str = Field(min_length=1)
    at: str = Field(default_factory=utcnow)


class Acceptances(Strict):
    voices: dict[str, Acceptance] = Field(default_factory=dict)  # audio sha256 -> acceptance


def load_acceptances(film: Film) -> Acceptances:
    p = acceptance_path(film)
    if not p.is_file():
        return Acceptances()
    try:
        return Acceptances.model_validate(json.loads(p.read_text(encoding="utf-8")))
    except (ValueError, ValidationError) as e:
        raise ManifestError(p, "", f"not a voice acceptance file: {str(e).splitlines()[0]}") from None


def accepted_map(film: Film) -> dict[str, str]:
    return {sha: a.reviewer for sha, a in load_acceptances(film).voices.items()}


def accept(film: Film, voiced: list[tuple[int, str, Voice]], reviewer: str) -> list[int]:
    """Record `reviewer`'s acceptance of the synthetic voices given as (n, text, voice);
    returns the numbers newly accepted. Recorded narrations need no acceptance."""
    acc = load_acceptances(film)
    done = []
    for n, text, v in voiced:
        if v.kind == "recorded" or v.sha256 in acc.voices:
            continue
        acc.voices[v.sha256] = Acceptance(n=n, text=text, reviewer=reviewer.strip())
        done.append(n)
    if done:
        write_json(acceptance_path(film), acc.model_dump(mode="json"))
    return done
