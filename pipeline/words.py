"""Small shared facts about words: how word pieces are written together, spreading words
over a time span, and the lines Whisper invents (one list, used by transcription, caption
building and caption QC).

Word pieces. Whisper (openai-whisper and faster-whisper alike) forms words from tokens: a
token that begins with a space begins a word, one without continues it, and a lone
punctuation token begins a piece of its own ("KI" "-Einführung", "5" ".000", "Peter" "'s",
"2" ",5", "Schicht" "-" "und"). casefilm keeps each piece as a `Word` (its own times and
probability) and marks a piece that continues the word before it with `joined=True`
(`pipeline.asr.segments`). Every text made of words is written by `join` (no space before
a joined piece), and whatever must not tear a word apart (caption cues and lines, the
editor's tokens, the paper edit's selects) works on `written` words.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Iterable

from .models import Ms, Word


def join(words: Iterable) -> str:
    """The words as written: separated by one space, except before a joined piece
    ("KI" + "-Einführung" → "KI-Einführung"). The first word never takes a space. Takes
    `Word`s or any word with a `text` (and, if it may be a piece, a `joined`) attribute."""
    out: list[str] = []
    for w in words:
        if out and not getattr(w, "joined", False):
            out.append(" ")
        out.append(w.text)
    return "".join(out)


def written(words: Iterable[Word]) -> list[Word]:
    """Whole written words: each word merged with the pieces joined to it (times from its
    first piece's start to its last piece's end, the lowest probability, text by `join`).
    A word without pieces is returned as it is."""
    return [g[0] if len(g) == 1 else merge(g) for g in groups(words)]


def merge(pieces: list[Word]) -> Word:
    """One written word of its `pieces` (see `written`)."""
    probs = [p.probability for p in pieces if p.probability is not None]
    return Word(start=pieces[0].start, end=max(p.end for p in pieces), text=join(pieces),
                probability=min(probs) if len(probs) == len(pieces) else None,
                joined=pieces[0].joined)


def groups(words: Iterable[Word]) -> list[list[Word]]:
    """The pieces of each written word of `words`, in order."""
    out: list[list[Word]] = []
    for w in words:
        if w.joined and out:
            out[-1].append(w)
        else:
            out.append([w])
    return out


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
