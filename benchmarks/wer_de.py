"""Word error rate on German text, after one documented normalisation.

`normalise(text)` makes reference and hypothesis comparable without hiding real
recognition errors:

1. Numbers written in digits become German number words with num2words (`lang="de"`),
   so "5.000", "5000" and "fünftausend" are the same word: a dot or a space between
   groups of three digits is a thousands separator ("5.000", "5 000"), a comma a decimal
   comma ("2,5" → "zwei komma fünf"), and four-digit numbers from 1100 to 1999 are read as
   years ("1963" → "neunzehnhundertdreiundsechzig", as a German speaker says it), since in
   running speech they nearly always are; other numbers are cardinals ("2002" →
   "zweitausendzwei"). "%" becomes "prozent", "€" "euro".
2. Lower case (`str.lower`; "ß" stays "ß": German spelling is not folded).
3. Hyphens, dashes and slashes separate words ("T-Rex" = "t rex", as FLEURS writes it);
   every other character that is not a letter, a digit or an apostrophe inside a word is
   removed (punctuation, quotes, brackets).

What it does not do, on purpose: no spelling variants ("Hongkong" vs "Hong Kong" stays an
error), no compound splitting, no filler-word removal. The FLEURS references in
`de-speech` are already lower case without punctuation, the Picovoice ones are written
text; both go through the same function as the hypotheses.

The error counts come from jiwer (`process_words`: substitutions, deletions, insertions,
hits against the normalised reference words); WER over a set of files is the sum of errors
over the sum of reference words, not a mean of per-file rates.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import jiwer
from num2words import num2words

_GROUPED = re.compile(r"\d{1,3}(?:[. \u00a0\u202f]\d{3})+(?:,\d+)?(?!\d)")
_NUMBER = re.compile(r"\d+(?:,\d+)?")


def _number_words(token: str) -> str:
    whole, _, frac = token.partition(",")
    n = int(re.sub(r"\D", "", whole))
    if frac:
        return f"{num2words(n, lang='de')} komma {' '.join(num2words(int(d), lang='de') for d in frac)}"
    if 1100 <= n <= 1999 and len(whole) == 4:
        return num2words(n, lang="de", to="year")
    return num2words(n, lang="de")


def normalise(text: str) -> list[str]:
    """The normalised words of `text` (see the module docstring)."""
    text = text.replace("%", " prozent ").replace("€", " euro ")
    text = _GROUPED.sub(lambda m: " " + _number_words(m.group()) + " ", text)
    text = _NUMBER.sub(lambda m: " " + _number_words(m.group()) + " ", text)
    text = re.sub(r"[-‐‑‒–—/]", " ", text.lower())
    text = re.sub(r"[^\w' ]+", " ", text)
    return [w.strip("'") for w in text.split() if w.strip("'")]


@dataclass
class Errors:
    words: int  # reference words
    substitutions: int
    deletions: int
    insertions: int

    @property
    def errors(self) -> int:
        return self.substitutions + self.deletions + self.insertions

    @property
    def wer(self) -> float:
        return self.errors / max(1, self.words)

    def __add__(self, other: "Errors") -> "Errors":
        return Errors(self.words + other.words, self.substitutions + other.substitutions,
                      self.deletions + other.deletions, self.insertions + other.insertions)


def errors(reference: str, hypothesis: str) -> Errors:
    ref, hyp = normalise(reference), normalise(hypothesis)
    if not hyp:
        return Errors(len(ref), 0, len(ref), 0)
    o = jiwer.process_words(" ".join(ref), " ".join(hyp))
    return Errors(len(ref), o.substitutions, o.deletions, o.insertions)


def alignment(reference: str, hypothesis: str) -> str:
    """The word alignment of the normalised texts (jiwer's REF/HYP view with S/D/I marks)."""
    ref, hyp = normalise(reference), normalise(hypothesis)
    o = jiwer.process_words(" ".join(ref), " ".join(hyp) or "∅")
    lines = jiwer.visualize_alignment(o, show_measures=False).splitlines()
    return "\n".join(ln for ln in lines if ln.strip() and not ln.startswith("==="))


if __name__ == "__main__":  # a quick look: python benchmarks/wer_de.py "text" "text"
    import sys

    print(normalise(sys.argv[1]))
    if len(sys.argv) > 2:
        print(normalise(sys.argv[2]), f"{errors(sys.argv[1], sys.argv[2]).wer:.1%}")
