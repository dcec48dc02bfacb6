"""Chapter output formats, all written from one `ChapterSet`.

Each format is a small `ChapterWriter` subclass with class attributes (file name, whether
it applies) and a `write(cs, fh)` that writes to a text stream; only `write_all` opens
paths (atomically). `WRITERS` is the registry the chapters stage walks.
"""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import ClassVar, TextIO

from .. import i18n, links, subtitle_io, timecode
from ..fsutil import atomic_text
from ..models import Cue
from .companion import render as render_companion
from .model import ChapterSet, GoalRef


def iso_duration(ms: int) -> str:
    """ISO 8601 duration as schema.org wants it: 'PT1M23.5S'."""
    h, rem = divmod(ms, 3_600_000)
    m, rem = divmod(rem, 60_000)
    s = links.seconds_str(rem)
    out = "PT" + (f"{h}H" if h else "") + (f"{m}M" if m else "")
    return out + (f"{s}S" if rem or out == "PT" else "")


class ChapterWriter:
    filename: ClassVar[str]
    description: ClassVar[str] = ""

    @classmethod
    def applies(cls, cs: ChapterSet) -> bool:
        return True

    def write(self, cs: ChapterSet, fh: TextIO) -> None:
        raise NotImplementedError

    def to_string(self, cs: ChapterSet) -> str:
        buf = io.StringIO()
        self.write(cs, buf)
        return buf.getvalue()


class WriteVTTChapters(ChapterWriter):
    """WebVTT for `<track kind="chapters">`: one cue per chapter (identifier `chapter-N`),
    the title as payload; written by the subtitle layer."""

    filename = "chapters.vtt"

    def write(self, cs: ChapterSet, fh: TextIO) -> None:
        subtitle_io.write([Cue(start=ch.start, end=ch.end, lines=[ch.title],
                               identifier=f"chapter-{ch.index}") for ch in cs.chapters],
                          fh, "vtt", subtitle_io.Meta(language=cs.language))


class WriteJSON(ChapterWriter):
    """The ChapterSet itself (`load_chapters` reads it back); times in ms."""

    filename = "chapters.json"

    def write(self, cs: ChapterSet, fh: TextIO) -> None:
        fh.write(cs.model_dump_json(indent=2) + "\n")


def term_set(cs: ChapterSet, g: GoalRef) -> dict:
    if g.defined_in == "catalogue":
        return {"@type": "DefinedTermSet", "@id": "#lernziele", "name": cs.catalogue_name}
    return {"@type": "DefinedTermSet", "@id": f"#lernziele-{cs.film}",
            "name": i18n.t("companion", "film_goal_set", lang=cs.language, title=cs.title)}


def defined_term(cs: ChapterSet, g: GoalRef) -> dict:
    term = {"@type": "DefinedTerm", "@id": f"#goal-{g.id}", "termCode": g.id, "name": g.text,
            "inDefinedTermSet": term_set(cs, g)}
    if g.level:
        term["description"] = i18n.t("companion", "bloom_level", lang=cs.language,
                                      level=g.level)
    return term


def jsonld(cs: ChapterSet, player_url: str | None = None) -> dict:
    """schema.org `VideoObject` with one `Clip` per chapter (`hasPart`), each `teaches` its
    goals as `DefinedTerm`s of a `DefinedTermSet` (the workspace catalogue, or the film's
    own set for goals only the film defines). `player_url`: absolute URL of the player page;
    when given, each Clip gets `url = player_url#t=SECONDS` (Google requires it)."""
    audiences = sorted({a for ch in cs.chapters for g in ch.goals for a in g.audiences})
    video: dict = {
        "@context": "https://schema.org",
        "@type": "VideoObject",
        "@id": f"#film-{cs.film}",
        "name": cs.title,
        "inLanguage": cs.language,
        "duration": iso_duration(cs.duration_ms),
        "learningResourceType": i18n.t("companion", "resource_type", lang=cs.language),
    }
    if player_url:
        video["url"] = player_url
    if cs.organisation:
        video["about"] = {"@type": "Organization", "name": cs.organisation}
    if cs.industry:
        video["keywords"] = cs.industry
    if audiences:
        video["audience"] = [{"@type": "Audience", "audienceType": a} for a in audiences]
    parts = []
    for ch in cs.chapters:
        clip: dict = {"@type": "Clip", "@id": f"#chapter-{ch.index}", "name": ch.title,
                      "position": ch.index, "startOffset": ch.start / 1000,
                      "endOffset": ch.end / 1000}
        if player_url:
            clip["url"] = player_url + links.fragment(ch.start)
        if ch.summary:
            clip["description"] = ch.summary
        if ch.goals:
            clip["teaches"] = [defined_term(cs, g) for g in ch.goals]
        parts.append(clip)
    if parts:
        video["hasPart"] = parts
    taught = list({g.id: g for ch in cs.chapters for g in ch.goals}.values())
    if taught:
        video["teaches"] = [defined_term(cs, g) for g in taught]
    return video


class WriteJSONLD(ChapterWriter):
    """schema.org JSON-LD, ready for a `<script type="application/ld+json">`."""

    filename = "chapters.jsonld"

    def write(self, cs: ChapterSet, fh: TextIO) -> None:
        fh.write(json.dumps(jsonld(cs), ensure_ascii=False, indent=2) + "\n")


class WriteDescription(ChapterWriter):
    """YouTube/PeerTube description block: 'M:SS Title' lines, first at 0:00 (the rules,
    ≥3 chapters of ≥10 s, are checked by `build.resolve` when this output is switched on),
    then the learning goals."""

    filename = "description.txt"

    @classmethod
    def applies(cls, cs: ChapterSet) -> bool:
        return cs.description_chapters

    def write(self, cs: ChapterSet, fh: TextIO) -> None:
        s = i18n.strings("companion", cs.language)
        long = cs.duration_ms >= 3_600_000
        fh.write(f"{s['description_chapters']}\n")
        for ch in cs.chapters:
            tc = timecode.short(ch.start)
            if long and ch.start < 3_600_000:
                tc = "0:" + tc.zfill(5)
            fh.write(f"{tc} {ch.title}\n")
        linked = set(cs.goal_ids())
        goals = [g for g in cs.goals if g.id in linked]
        if goals:
            fh.write(f"\n{s['description_goals']}\n")
            for g in goals:
                fh.write(f"• {g.text} ({g.id})\n")


def ffmeta_escape(text: str) -> str:
    """FFMETADATA escaping: '=', ';', '#', '\\' and newline get a backslash (ffmpeg docs,
    'Metadata file format')."""
    out = []
    for c in text:
        if c in "=;#\\\n":
            out.append("\\")
        out.append(c)
    return "".join(out)


class WriteFFMetadata(ChapterWriter):
    """ffmpeg FFMETADATA1 chapters (ms timebase) for `-i ffmetadata.txt -map_chapters N`."""

    filename = "ffmetadata.txt"

    def write(self, cs: ChapterSet, fh: TextIO) -> None:
        fh.write(";FFMETADATA1\n")
        fh.write(f"title={ffmeta_escape(cs.title)}\n")
        for ch in cs.chapters:
            fh.write(f"\n[CHAPTER]\nTIMEBASE=1/1000\nSTART={ch.start}\nEND={ch.end}\n"
                     f"title={ffmeta_escape(ch.title)}\n")


class WriteCompanion(ChapterWriter):
    """Printable companion sheet for trainers (German), see `companion.render`."""

    filename = "companion.html"

    def write(self, cs: ChapterSet, fh: TextIO) -> None:
        fh.write(render_companion(cs))


WRITERS: list[type[ChapterWriter]] = [WriteVTTChapters, WriteJSON, WriteJSONLD,
                                      WriteDescription, WriteFFMetadata, WriteCompanion]


def write_all(cs: ChapterSet, out_dir: Path) -> tuple[list[Path], list[Path]]:
    """Write every applicable format atomically into `out_dir`.

    Returns (written, removed): outputs of formats that no longer apply (description.txt
    after description_chapters was switched off) are removed so nothing stale remains."""
    written, removed = [], []
    for cls in WRITERS:
        path = out_dir / cls.filename
        if cls.applies(cs):
            with atomic_text(path) as fh:
                cls().write(cs, fh)
            written.append(path)
        elif path.exists():
            path.unlink()
            removed.append(path)
    return written, removed
