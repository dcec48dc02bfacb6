"""Small German text handling for chapter suggestions: tokens, stop words, light stemming.

Deliberately tiny and dependency-free (no NLTK/spaCy):

- `tokens(text)`: lower-cased letter runs (umlauts kept, digits and punctuation dropped);
  hyphenated compounds split ("KI-Einsatz" → "ki", "einsatz").
- `STOP`: function words, frequent verbs, spoken fillers, and the "observable verbs" that
  learning-goal texts start with (beschreiben, erklären …), which say nothing of a topic.
- `stem(token)`: folds umlauts and ß, strips one derivational suffix (-ung, -heit, -keit …)
  and then one inflectional suffix (-ern, -em, -er, -en, -es, -e, -s), keeping at least
  three letters. So "Dienstplanung", "Dienstpläne", "Dienstplänen", "Dienstplans" all
  become "dienstplan"; "Betriebsräte"/"Betriebsrates" → "betriebsrat". It over- and
  under-stems at times (verb forms like "beteiligt" vs "beteiligen"), which is fine for
  comparing word bags.
- `related(a, b)`: 1.0 for equal stems, 0.5 when one (≥4 letters) ends the other — the
  German compound head: "einsatzplan" ~ "plan", "schichtwunsch" ~ "wunsch".
"""

from __future__ import annotations

import re
import unicodedata

_WORD = re.compile(r"[^\W\d_]+", re.UNICODE)

STOP = frozenset("""
aber alle allem allen aller alles als also am an ander andere anderen anders auch auf aus
bei beim bin bis bisschen bist da dabei dadurch dafür dagegen daher damals damit danach dann
daran darauf darin darüber darum das dass dazu dein dem den denen denn dennoch der deren des
deshalb dessen dich die dies diese diesem diesen dieser dieses dir doch dort du durch eben
ein eine einem einen einer eines einfach einige einmal er es etwa etwas euch euer für gab gar
gegen gewesen gibt ging gleich gut habe haben hat hatte hatten halt hier hin hinter ich ihm
ihn ihnen ihr ihre ihrem ihren ihrer im immer in ins ist ja jede jedem jeden jeder jedes
jetzt kann kein keine keinen können könnte konnte man manche manchmal mehr mein meine mich
mir mit muss müssen musste nach nicht nichts noch nun nur ob oder ohne sehr sein seine seinem
seinen seiner selbst sich sie sind so solche soll sollen sollte sondern sonst schon über um
und uns unser unsere unter viel viele vom von vor wann war waren warum was weil weiter welche
welchem welchen welcher wenn wer werde werden wie wieder will wir wird wirklich wo wollen
wollte worden wurde wurden zu zum zur zwar zwischen
ganz genau natürlich eigentlich quasi sozusagen irgendwie okay äh ähm hm mhm na ne nee jo
sagen sagt gesagt machen macht gemacht geht gehen kommen kommt kam sehen sieht gesehen
mal heute dann also dass beispiel beispielsweise bzw ca etc usw
beschreiben benennen erklären erläutern nennen darstellen einschätzen bewerten beurteilen
analysieren anwenden vergleichen unterscheiden entwickeln gestalten reflektieren erkennen
wissen verstehen können kennen
""".split())

_DERIV = ("ungen", "ung", "heiten", "heit", "keiten", "keit")
_INFL = ("ern", "em", "er", "en", "es", "e", "s")
_FOLD = str.maketrans({"ä": "a", "ö": "o", "ü": "u", "ß": "ss"})


def tokens(text: str, *, keep_case: bool = False) -> list[str]:
    """Word tokens of `text` (NFC; letters only), lower-cased unless `keep_case`."""
    text = unicodedata.normalize("NFC", text)
    return _WORD.findall(text if keep_case else text.lower())


def stem(token: str) -> str:
    w = token.lower().translate(_FOLD)
    for suf in _DERIV:
        if w.endswith(suf) and len(w) - len(suf) >= 3:
            w = w[: -len(suf)]
            break
    for suf in _INFL:
        if w.endswith(suf) and len(w) - len(suf) >= 3:
            w = w[: -len(suf)]
            break
    return w


def content(text: str) -> list[tuple[str, str]]:
    """(surface token as written, stem) of the content words of `text`, in order."""
    return [(t, stem(t)) for t in tokens(text, keep_case=True)
            if t.lower() not in STOP and len(t) >= 2]


def related(a: str, b: str) -> float:
    """How well stem `a` matches stem `b`: 1 equal, 0.5 compound head, else 0."""
    if a == b:
        return 1.0
    short, long_ = (a, b) if len(a) <= len(b) else (b, a)
    if len(short) >= 4 and long_.endswith(short):
        return 0.5
    return 0.0
