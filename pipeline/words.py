"""Small shared facts about words: spreading words over a time span, and the lines Whisper
invents (one list, used by transcription, caption building and caption QC)."""

from __future__ import annotations

import re
import unicodedata

from .models import Ms, Word


def spread(tokens: list[str], start: Ms, end: Ms) -> list[tuple[Ms, Ms]]:
    """Share [start, end] among `tokens` in proportion to their length + 1 (a space):
    monotonic, no gaps, the first starting at `start` and the last ending at `end`."""
    end = max(start, end)
    weights = [len(t) + 1 for t in tokens]
    total = sum(weights) or 1
    out, acc = [], 0
    for w in weights:
        a = start + (end - start) * acc // total
        acc += w
        out.append((a, start + (end - start) * acc // total))
    return out


def spread_words(start: Ms, end: Ms, text: str) -> list[Word]:
    """`text` split at white space into Words with times from `spread`."""
    tokens = text.split()
    return [Word(start=a, end=b, text=t) for t, (a, b) in zip(tokens, spread(tokens, start, end))]


# Lines Whisper invents over silence or music in German (docs/asr.md,
# docs/captions.md). A segment or cue whose whole normalised text matches one is dropped by
# transcription and flagged by caption QC.
HALLUCINATIONS = [
    r"untertitel (im auftrag )?(des|der) (zdf|ard|wdr|swr|ndr|br|mdr|hr|rbb|sr)\b.*",
    r"untertitel(ung)? (der|von) amara\.?org(-| )community.*",
    r"untertitel(ung)? (von|des|der) .*",
    r"(vielen )?dank (fuer|für|fürs|für's|furs) (das )?(zuschauen|zusehen|zuhören).*",
    r"(copyright|©) (wdr|swr|zdf|ard|ndr)( \d{4})?.*",
    r"(swr|wdr|zdf|ard|ndr) \d{4}",
    r"bis zum nächsten mal",
    r"(abonniert|abonnieren sie) (den|unseren|meinen) kanal.*",
    r"[\[(*]?(musik|applaus|lachen|stille)[\])*]?",
    # English (tiny.en and the other .en models): credits and sound tags over noise
    r"(thank you|thanks) (so much )?for watching.*",
    r"please subscribe.*",
    r"[\[(]?(music|applause|silence|laughter|noise|blank_audio)[\])]?",
    r"[♪♫ ]+",
]
_HALLU = [re.compile(rf"^(?:{p})$") for p in HALLUCINATIONS]


def _norm(text: str) -> str:
    t = unicodedata.normalize("NFKC", text).lower().replace("...", "…")
    return re.sub(r"\s+", " ", t).strip(" .,!?…\"'")


def is_hallucination(text: str) -> bool:
    t = _norm(text)
    return bool(t) and any(p.match(t) for p in _HALLU)
