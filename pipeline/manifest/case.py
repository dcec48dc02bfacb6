"""film.yaml `case:`: the case a film tells, for the series' catalogue (`casefilm catalogue`).

    case:
      chain: [einsatzplanung, arbeitsalltag]   # where in the skilled-worker chain
      sector: gesundheit                       # one of SECTORS
      size: 48                                 # people in the organisation
      region: "Reutlingen"
      ai_use: "Der Dienstplan wird aus Verfügbarkeiten und Wünschen vorgeschlagen."
      effects:                                 # what changed, as the film reports it
        - {kind: zeit, text: "Zwei Arbeitstage → drei Stunden pro Woche", at: "00:21"}
      conditions:                              # what it took, by kind
        organisation: ["Betriebsvereinbarung vor der Einführung"]
        technik: [{text: "Schnittstelle zur Zeiterfassung", at: "01:10"}]
        kultur: ["Pflegekräfte planen ihre Wünsche selbst ein"]
      transfer: "Übertragbar auf Betriebe mit Schichtarbeit ab etwa 20 Beschäftigten."

Every key is optional (a case is filled in as the film is made; `casefilm status` lists
what it lacks, `pipeline.catalogue.case_qc`). The lists of chain links, sectors and effect
kinds are fixed, so the catalogue can filter and compare; their German labels live in
`locale/de/catalogue.yaml`. `at:` (a timecode, like a chapter's `start`) ties a statement
to the moment in the film that supports it; `ai_use`, `transfer` and each condition are a
text or `{text, at}`. Times are integer milliseconds once parsed.
"""

from __future__ import annotations

from typing import Any, Literal, get_args

from pydantic import Field, field_validator, model_validator

from .. import timecode
from ..models import Ms, Strict

ChainLink = Literal["rekrutierung", "einarbeitung", "qualifizierung", "einsatzplanung",
                    "arbeitsalltag", "wissenssicherung", "teilhabe"]
Sector = Literal["industrie", "handwerk", "gesundheit", "pflege", "soziales", "verwaltung",
                 "dienstleistung", "handel", "logistik", "bildung", "landwirtschaft",
                 "gastgewerbe"]
EffectKind = Literal["zeit", "qualitaet", "fehler", "kosten", "personal", "zufriedenheit",
                     "sonstiges"]
ConditionKind = Literal["organisation", "technik", "kultur"]

CHAIN: tuple[str, ...] = get_args(ChainLink)  # in the chain's order
SECTORS: tuple[str, ...] = get_args(Sector)
EFFECT_KINDS: tuple[str, ...] = get_args(EffectKind)
CONDITION_KINDS: tuple[str, ...] = get_args(ConditionKind)


def _text(v: str) -> str:
    v = " ".join(v.split())
    if not v:
        raise ValueError("text is empty")
    return v


class Statement(Strict):
    """A statement of the case, optionally tied to a moment of the film (`at`, ms)."""

    text: str
    at: Ms | None = None

    @model_validator(mode="before")
    @classmethod
    def _plain(cls, v: Any) -> Any:
        if isinstance(v, str):
            return {"text": v}
        if not isinstance(v, dict):
            raise ValueError("expected a text or {text: …, at: …}")
        return v

    @field_validator("text")
    @classmethod
    def _nonempty(cls, v: str) -> str:
        return _text(v)

    @field_validator("at", mode="before")
    @classmethod
    def _tc(cls, v: Any) -> int | None:
        return None if v is None else timecode.parse(v)


class Effect(Statement):
    """What changed, of one kind (`EFFECT_KINDS`), as the film reports it."""

    kind: EffectKind

    @model_validator(mode="before")
    @classmethod
    def _plain(cls, v: Any) -> Any:  # an effect always names its kind: no bare text
        if not isinstance(v, dict):
            raise ValueError("expected {kind: …, text: …, at: …}")
        return v


class Conditions(Strict):
    """What it took, by kind: organisational, technical, cultural."""

    organisation: list[Statement] = Field(default_factory=list)
    technik: list[Statement] = Field(default_factory=list)
    kultur: list[Statement] = Field(default_factory=list)

    def by_kind(self) -> list[tuple[str, list[Statement]]]:
        return [(k, getattr(self, k)) for k in CONDITION_KINDS]

    def __bool__(self) -> bool:
        return any(items for _, items in self.by_kind())


class Case(Strict):
    chain: list[ChainLink] = Field(default_factory=list)
    sector: Sector | None = None
    size: int | None = Field(default=None, ge=1)  # people in the organisation
    region: str | None = None
    ai_use: Statement | None = None
    effects: list[Effect] = Field(default_factory=list)
    conditions: Conditions = Field(default_factory=Conditions)
    transfer: Statement | None = None

    @field_validator("region")
    @classmethod
    def _region(cls, v: str | None) -> str | None:
        return None if v is None else _text(v)

    @field_validator("chain")
    @classmethod
    def _unique_chain(cls, v: list[str]) -> list[str]:
        twice = sorted({link for link in v if v.count(link) > 1})
        if twice:
            raise ValueError(f"listed twice: {', '.join(twice)}")
        return v

    def moments(self) -> list[tuple[str, Statement]]:
        """Every statement with its film.yaml field path ("case.effects.0"), in file order."""
        out: list[tuple[str, Statement]] = []
        if self.ai_use is not None:
            out.append(("case.ai_use", self.ai_use))
        out += [(f"case.effects.{i}", e) for i, e in enumerate(self.effects)]
        for kind, items in self.conditions.by_kind():
            out += [(f"case.conditions.{kind}.{i}", s) for i, s in enumerate(items)]
        if self.transfer is not None:
            out.append(("case.transfer", self.transfer))
        return out

    def texts(self) -> list[str]:
        """The case's free texts (for search): region, statements."""
        return [t for t in [self.region, *(s.text for _, s in self.moments())] if t]
