"""Where a German caption may break, between lines and between cues.

`break_cost(left, right)` rates the gap between two adjacent words (as spoken, punctuation
attached). It is a light part-of-speech heuristic built from closed German word classes,
which are small enough to list (articles, determiners, pronouns, prepositions,
conjunctions, auxiliaries and modals, particles, units):

    GOOD (low cost)    after . ! ? … (sentence end), after , ; : – (clause), before a
                       conjunction, before a preposition
    FORBIDDEN          article/determiner | noun        "die | Software"
                       adjective | noun                 "neue | Software" (lowercase word with an
                                                         adjective ending before a capitalised one)
                       preposition | its object         "in | unserem"
                       first | last name, title | name  "Anna | Beispiel", "Frau | Beispiel"
                       verb | subject pronoun and back  "habe | ich", "ich | habe"
                       verb | separable particle        "fängt | an."
                       auxiliary/modal | main verb      "gestartet | haben", "kann | planen"
                       reflexive or negation | verb     "sich | entwickeln", "nicht | planen"
                       number | unit or counted noun    "20 | Prozent", "zwölf | Stunden"
                       "zu" | infinitive                "zu | planen"

Everything else is a neutral break. Between two cues (`cue_break_cost`) the same rules
hold, and a cue may neither end on a conjunction ("und | die Software": its reader waits a
whole cue for what it joins) nor begin with a separable particle that closes the clause
("einen Plan | vor,"). Costs are additive numbers (`FORBIDDEN` is large but
finite, so a cue that cannot avoid one still gets built, and QC reports it).
"""

from __future__ import annotations

import re
from functools import lru_cache

SENTENCE_END = 0.0
CLAUSE = 1.0
BEFORE_CONJUNCTION = 2.0
BEFORE_PREPOSITION = 3.0
NEUTRAL = 6.0
WEAK = 9.0  # allowed but poor: e.g. after a conjunction
FORBIDDEN = 100.0

ARTICLES = set("""der die das den dem des ein eine einen einem einer eines kein keine keinen
keinem keiner keines mein meine meinen meinem meiner meines dein deine deinen deinem deiner
deines sein seine seinen seinem seiner seines ihr ihre ihren ihrem ihrer ihres unser unsere
unseren unserem unserer unseres euer eure euren eurem eurer eures dieser diese dieses diesen
diesem jener jene jenes jenen jenem jeder jede jedes jeden jedem welcher welche welches
welchen welchem alle allen aller manche manchen viele vielen wenige wenigen mehrere
mehreren beide beiden solche solchen""".split())

PREPOSITIONS = set("""in an auf mit für von zu bei nach aus über unter durch gegen ohne um
vor hinter neben zwischen seit bis ab trotz wegen während statt innerhalb außerhalb dank
laut gemäß pro im am zum zur vom beim ins ans aufs fürs übers unters""".split())

CONJUNCTIONS = set("""und oder aber denn sondern weil dass wenn als ob obwohl damit sodass
während bevor nachdem da wie doch sowie sobald solange falls indem ehe bis jedoch
sowohl weder noch entweder""".split())

SUBJECT_PRONOUNS = set("ich du er sie es wir ihr man".split())

REFLEXIVE_NEGATION = set("sich mich dich uns euch mir dir nicht nie niemals kaum".split())

AUXILIARIES = set("""bin bist ist sind seid war warst waren wart wäre wären sein gewesen
habe hast hat haben habt hatte hattest hatten hattet hätte hätten werde wirst wird werden
werdet wurde wurden würde würden worden kann kannst können könnt konnte konnten könnte
könnten muss musst müssen müsst musste mussten müsste müssten soll sollst sollen sollt
sollte sollten will willst wollen wollt wollte wollten darf darfst dürfen dürft durfte
durften dürfte dürften mag magst mögen möchte möchten lassen lässt ließ""".split())

PARTICLES = set("""an auf aus ein mit vor zu zurück weg los fest her hin ab bei nach um
vorbei voran weiter zusammen dazu hinzu mit""".split())

NUMBER_WORDS = set("""null eins zwei drei vier fünf sechs sieben acht neun zehn elf zwölf
zwanzig dreißig vierzig fünfzig hundert tausend""".split())

ADVERBS = set("""jetzt nicht auch schon noch nun dann heute hier immer oft sehr gerade eigentlich
wirklich bereits damals gestern morgen selbst zum""".split())

_VERB_ENDINGS = ("e", "en", "t", "st", "n")

TITLES = set("""frau herr herrn dr. prof. professor professorin doktor""".split())

FIRST_NAMES = set("""anna maria julia laura lena sarah sophie lea hannah katharina sabine
claudia petra andrea monika susanne stefanie nicole birgit karin ursula elke heike
thomas michael andreas stefan peter frank markus christian martin jan tobias lukas felix
jonas paul max alexander daniel sebastian florian matthias klaus jürgen wolfgang uwe ralf
bernd karl hans mehmet ayşe fatma ali ahmet""".split())

_WORD = re.compile(r"^[\W_]*(.*?)[\W_]*$", re.UNICODE)
_ADJ_ENDING = re.compile(r"(e|en|er|es|em)$")
_PARTICIPLE = re.compile(r"^ge\w+(t|en)$")
_NUM = re.compile(r"^[\d.,:/%€$-]*\d[\d.,:/%€$-]*$")


def core(word: str) -> str:
    """The word without surrounding punctuation or quotes."""
    m = _WORD.match(word)
    return m.group(1) if m else word


def ends_sentence(word: str) -> bool:
    return word.rstrip("\"'»«“”‚‘’)]").endswith((".", "!", "?", "…")) and not _abbrev(word)


def ends_clause(word: str) -> bool:
    return word.rstrip("\"'»«“”‚‘’)]").endswith((",", ";", ":", "–", "—"))


def _abbrev(word: str) -> bool:
    w = core(word).lower() + "."
    return w in {"dr.", "prof.", "z.b.", "bzw.", "ca.", "usw.", "etc.", "nr.", "str.", "inkl."} \
        or bool(re.fullmatch(r"\d+\.", word))  # ordinal "3." ends no sentence


def _is_number(w: str) -> bool:
    return bool(_NUM.match(w)) or w.lower() in NUMBER_WORDS


def _is_capitalised(w: str) -> bool:
    return bool(w) and w[0].isupper()


@lru_cache(maxsize=65536)
def break_cost(left: str, right: str, names: frozenset[str] = frozenset()) -> float:
    """Cost of breaking (a line or a cue) between the adjacent words `left` and `right`.

    `names` are extra lowercase first names (e.g. the film's speakers), which must not be
    separated from a following capitalised word.
    """
    if ends_sentence(left):
        return SENTENCE_END
    if ends_clause(left):
        return CLAUSE
    lw, rw = core(left), core(right)
    ll, rl = lw.lower(), rw.lower()
    right_final = ends_sentence(right) or ends_clause(right)
    # --- forbidden: words that bind to what follows -------------------------------------
    if ll in ARTICLES and ll not in SUBJECT_PRONOUNS:
        return FORBIDDEN
    if ll in PREPOSITIONS and rl not in CONJUNCTIONS:
        return FORBIDDEN  # preposition | object ("mit | dem", "zu | planen")
    if _is_number(lw) and not ends_clause(left):
        return FORBIDDEN  # "20 | Prozent", "zwölf | Pflegekräfte", "3 | %"
    if ll in TITLES or ll in FIRST_NAMES or ll in names:
        if _is_capitalised(rw):
            return FORBIDDEN
    if ll in SUBJECT_PRONOUNS and (rl in AUXILIARIES or (
            not _is_capitalised(rw) and rl not in ADVERBS and rl not in ARTICLES
            and rl not in PREPOSITIONS and rl not in CONJUNCTIONS
            and rl.endswith(_VERB_ENDINGS))):
        return FORBIDDEN  # "ich | habe", "wir | planen" (not "wir | eine", "wir | in")
    if ll in REFLEXIVE_NEGATION and rw.isalpha() and not _is_capitalised(rw) \
            and rl not in ARTICLES and rl not in PREPOSITIONS and rl not in CONJUNCTIONS:
        return FORBIDDEN  # "sich | entwickeln", "nicht | planen"
    if (not _is_capitalised(lw) and ll not in CONJUNCTIONS and ll not in PREPOSITIONS
            and _ADJ_ENDING.search(ll) and _is_capitalised(rw) and len(ll) > 3
            and ll not in AUXILIARIES):
        return FORBIDDEN  # adjective | noun: "neue | Software"
    # --- forbidden: words that bind to what precedes ------------------------------------
    if rl in SUBJECT_PRONOUNS and not _is_capitalised(lw) and ll not in CONJUNCTIONS \
            and ll not in PREPOSITIONS:
        return FORBIDDEN  # verb | subject pronoun: "habe | ich"
    if rl in PARTICLES and right_final and not _is_capitalised(lw):
        return FORBIDDEN  # separable particle at clause end: "fängt | an."
    if rl in AUXILIARIES and not _is_capitalised(lw) and (
            _PARTICIPLE.match(ll) or ll.endswith("en") or ll.endswith("t")):
        return FORBIDDEN  # main verb | auxiliary: "gestartet | haben", "planen | können"
    if ll in AUXILIARIES and not _is_capitalised(rw) and right_final:
        return FORBIDDEN  # auxiliary | main verb at clause end: "kann | planen."
    if rl in REFLEXIVE_NEGATION and ll in AUXILIARIES | SUBJECT_PRONOUNS:
        return FORBIDDEN
    # --- good places --------------------------------------------------------------------
    if rl in CONJUNCTIONS:
        return BEFORE_CONJUNCTION
    if rl in PREPOSITIONS:
        return BEFORE_PREPOSITION
    if ll in CONJUNCTIONS:
        return WEAK
    return NEUTRAL


# conjunctions no cue may end on (not those that are also adverbs or prepositions: "noch",
# "da", "wie", "als", "bis", "während", "doch")
CUE_END_CONJUNCTIONS = set("""und oder aber denn sondern weil dass wenn ob obwohl sodass bevor
nachdem sobald solange falls indem ehe sowohl weder entweder""".split())


@lru_cache(maxsize=65536)
def cue_break_cost(left: str, right: str, names: frozenset[str] = frozenset()) -> float:
    """Cost of ending a cue on `left` and starting the next on `right`: `break_cost`, and a
    conjunction left dangling at a cue's end is forbidden too."""
    cost = break_cost(left, right, names)
    if cost >= FORBIDDEN or ends_sentence(left) or ends_clause(left):
        return cost
    if core(left).lower() in CUE_END_CONJUNCTIONS:
        return FORBIDDEN
    if core(right).lower() in PARTICLES and (ends_sentence(right) or ends_clause(right)):
        return FORBIDDEN  # a separable particle alone at the start of a cue: "Plan | vor."
    return cost


ONE_WORD_LINE = 8.0  # a line of one word: a poor break ("Deshalb / haben wir …")
TWO_WORD_LINE = 3.0  # a line of two words ("Die Planung / für die nächste Woche …")


def short_line_cost(words: int, chars: int, cpl: int) -> float:
    """What a line of `words` words and `chars` characters costs in a cue of two or more
    lines: one or two words are a poor line, half as poor when they fill half the line."""
    cost = ONE_WORD_LINE if words == 1 else TWO_WORD_LINE if words == 2 else 0.0
    return cost / 2 if 2 * chars >= cpl else cost


def _lines_len(words: list[str]) -> int:
    return sum(len(w) for w in words) + max(0, len(words) - 1)


def break_lines(words: list[str], chars_per_line: int, max_lines: int,
                names: frozenset[str] = frozenset()) -> list[str] | None:
    """Split `words` into at most `max_lines` lines of ≤ `chars_per_line` characters.

    One line when the text fits on one. Otherwise the break minimises break cost plus
    imbalance, preferring a bottom-heavy pair (a longer first line costs more than a longer
    second), plus `short_line_cost` of each line. Returns None when the words cannot fit
    at all.
    """
    if not words:
        return []
    total = _lines_len(words)
    if total <= chars_per_line:
        return [" ".join(words)]
    if max_lines < 2:
        return None
    n = len(words)
    # prefix[i] = length of words[:i] joined with spaces (without trailing space)
    prefix = [0] * (n + 1)
    for i, w in enumerate(words):
        prefix[i + 1] = prefix[i] + len(w) + (1 if i else 0)

    def seg_len(i: int, j: int) -> int:  # words[i:j] joined
        return prefix[j] - prefix[i] - (1 if i else 0)

    best: tuple[float, list[int]] | None = None
    # two lines: every break point; three lines: every pair (n is small within one cue)
    for i in range(1, n):
        a, b = seg_len(0, i), seg_len(i, n)
        if a > chars_per_line:
            break
        if b <= chars_per_line:
            cost = (break_cost(words[i - 1], words[i], names) + _imbalance(a, b, chars_per_line)
                    + short_line_cost(i, a, chars_per_line)
                    + short_line_cost(n - i, b, chars_per_line))
            if best is None or cost < best[0]:
                best = (cost, [i])
        elif max_lines >= 3:
            for j in range(i + 1, n):
                b, c = seg_len(i, j), seg_len(j, n)
                if b > chars_per_line:
                    break
                if c <= chars_per_line:
                    cost = (break_cost(words[i - 1], words[i], names)
                            + break_cost(words[j - 1], words[j], names)
                            + _imbalance(a, b, chars_per_line) + _imbalance(b, c, chars_per_line)
                            + short_line_cost(i, a, chars_per_line)
                            + short_line_cost(j - i, b, chars_per_line)
                            + short_line_cost(n - j, c, chars_per_line))
                    if best is None or cost < best[0]:
                        best = (cost, [i, j])
    if best is None:
        return None
    cuts = [0, *best[1], n]
    return [" ".join(words[cuts[k]:cuts[k + 1]]) for k in range(len(cuts) - 1)]


def _imbalance(top: int, bottom: int, cpl: int) -> float:
    """Penalty for uneven lines, in break-cost units: bottom-heavy is cheaper than top-heavy."""
    diff = top - bottom
    return (diff * 1.5 if diff > 0 else -diff * 0.6) * 8.0 / cpl


def fits(words_len: list[int], chars_per_line: int, max_lines: int) -> bool:
    """Quick test whether words of these lengths can fill ≤ max_lines lines (greedy)."""
    lines, cur = 1, -1
    for n in words_len:
        if n > chars_per_line:
            return False
        if cur + 1 + n <= chars_per_line:
            cur += 1 + n
        else:
            lines += 1
            cur = n
            if lines > max_lines:
                return False
    return True
