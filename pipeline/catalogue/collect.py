"""Read what the catalogue shows of each film, only through other features' typed outputs:

    projects/<film>/film.yaml          FilmManifest (title, organisation, goals, case)
    exports/<film>/manifest.json       delivery's ExportManifest (duration, poster, captions,
                                       audio description, the MP4s)
    chapters/<film>/chapters.json      didactics' ChapterSet (chapters with their goals)
    projects/<film>/transcript/        the current transcript (`pipeline.transcripts`): the
                                       newest reviewed revision, else the machine original

A film is in the catalogue when its export has a manifest.json. `inputs(film)` are the
digests the incremental build compares; `entry(film)` and `documents(entry, transcript)`
what the site is made of.
"""

from __future__ import annotations

import re

from .. import i18n, timecode, transcripts
from ..didactics import ChapterSet, load_chapters
from ..delivery.model import ExportManifest
from ..errors import StageOrderError
from ..fsutil import read_json, sha256_file, sha256_json
from ..models import Transcript
from ..words import spread_words
from ..workspace import Film
from .model import ChapterInfo, FilmEntry, Goal, SearchDoc

EXPORT_MANIFEST = "manifest.json"


def export_manifest_path(film: Film):
    return film.export_dir / EXPORT_MANIFEST


def is_exported(film: Film) -> bool:
    return export_manifest_path(film).is_file()


def _chapters(film: Film) -> ChapterSet | None:
    try:
        return load_chapters(film)
    except StageOrderError:  # the chapters stage has not run: a film without chapters
        return None


def inputs(film: Film) -> dict[str, str]:
    """Digests of everything the film's part of the catalogue is made of."""
    m = film.manifest
    tp = transcripts.current_path(film)
    cp = film.chapters_dir / "chapters.json"
    shown = m.model_dump(mode="json", include={"title", "language", "organisation",
                                               "industry", "learning_goals", "speakers"})
    return {
        "export": sha256_file(export_manifest_path(film)),
        "transcript": f"{tp.parent.name}/{tp.name}:{sha256_file(tp)}" if tp else "absent",
        "chapters": sha256_file(cp) if cp.is_file() else "absent",
        "case": sha256_json(m.case.model_dump(mode="json")),
        "film": sha256_json(shown),
    }


def entry(film: Film, t: Transcript | None) -> FilmEntry:
    """What the catalogue shows of `film` (which must be exported); `t`: its current
    transcript (`transcripts.current`)."""
    m = film.manifest
    ex = read_json(export_manifest_path(film), ExportManifest, "export manifest")
    cs = _chapters(film)
    chapters = [ChapterInfo(index=c.index, start=c.start, end=c.end, title=c.title,
                            summary=c.summary, goals=[g.id for g in c.goals])
                for c in cs.chapters] if cs else []
    if cs is not None:
        goals = [Goal(id=g.id, text=g.text) for g in cs.goals]
    else:
        goals = [Goal(id=g.id, text=g.text) for g in m.learning_goals]
    videos = [a for a in ex.artifacts if a.role == "video" and not a.audio_description]
    video = max(videos, key=lambda a: a.height or 0).path if videos else "index.html"
    return FilmEntry(
        id=film.id, title=m.title, language=m.language, organisation=m.organisation,
        industry=m.industry, duration_ms=ex.programme.duration_ms, exported_at=ex.created_at,
        poster=ex.poster.file if (film.export_dir / ex.poster.file).is_file() else None,
        video=video,
        captions=ex.captions.status if ex.captions else None,  # type: ignore[arg-type]
        audio_description=ex.descriptions is not None,
        ad_draft=bool(ex.descriptions and ex.descriptions.draft),
        sign_language=ex.sign_language is not None,
        chapters=chapters, goals=goals, case=m.case,
        transcript_revision=None if t is None else t.revision,
        transcript_reviewed=t is not None and t.provenance.status == "reviewed")


_SENTENCE_END = re.compile(r"[.!?…]['\"»«“”)]*$")


def sentences(t: Transcript, speakers: dict[str, str]) -> list[tuple[str | None, str,
                                                                     list[tuple[int, int]]]]:
    """The transcript as sentences: (speaker name, text, [(char offset, word start ms)]).

    A sentence ends at a word ending in . ! ? … or at a segment's end; sound events are
    left out. Segments without word times get them spread over the segment."""
    out = []
    for seg in t.segments:
        if seg.kind != "speech":
            continue
        words = seg.words or spread_words(seg.start, seg.end, seg.text)
        text, offsets = "", []
        for w in words:
            token = w.text.strip()
            if not token:
                continue
            if text:
                text += " "
            offsets.append((len(text), w.start))
            text += token
            if _SENTENCE_END.search(token):
                out.append((speakers.get(seg.speaker or ""), text, offsets))
                text, offsets = "", []
        if text:
            out.append((speakers.get(seg.speaker or ""), text, offsets))
    return out


def documents(film: Film, e: FilmEntry, t: Transcript | None, first_ref: int,
              lang: str = "de") -> list[SearchDoc]:
    """Everything searchable of one film: its own description, the sentences of its
    current transcript `t`, chapters, goals and case statements. Refs count up from
    `first_ref`."""
    s = i18n.strings("catalogue", lang)
    docs: list[SearchDoc] = []

    def add(kind, label, text, at=None, words=None):
        if text and text.strip():
            docs.append(SearchDoc(ref=str(first_ref + len(docs)), film=e.id, kind=kind,
                                  label=label, text=text, at=at, words=words))

    c = e.case
    add("film", s["kind_film"], " · ".join(x for x in (
        e.title, e.organisation, e.industry, c.region,
        s[f"sector_{c.sector}"] if c.sector else None,
        *(s[f"chain_{k}"] for k in c.chain)) if x))
    if t is not None:
        speakers = {sp.id: sp.name for sp in film.manifest.speakers}
        for speaker, text, offsets in sentences(t, speakers):
            label = s["kind_transcript"] + (f" · {speaker}" if speaker else "")
            add("transcript", label, text, at=offsets[0][1], words=offsets)
    for ch in e.chapters:
        add("chapter", s["kind_chapter"].format(n=ch.index, time=timecode.short(ch.start)),
            ". ".join(x for x in (ch.title, ch.summary) if x), at=ch.start)
    first_use = {}
    for ch in e.chapters:
        for gid in ch.goals:
            first_use.setdefault(gid, ch.start)
    for g in e.goals:
        add("goal", s["kind_goal"].format(id=g.id), g.text, at=first_use.get(g.id))
    for path, st in c.moments():
        add("case", statement_label(path, st, s), st.text, at=st.at)
    return docs


def statement_label(path: str, st, s: dict[str, str]) -> str:
    """'Wirkung · Zeit' for case.effects.N, 'Bedingung · Technik' for a condition, else the
    field's name ('KI-Einsatz', 'Übertragbarkeit')."""
    parts = path.split(".")
    label = s["field_" + parts[1]]
    if parts[1] == "effects":
        return f"{label} · {s['effect_' + st.kind]}"
    if parts[1] == "conditions":
        return f"{label} · {s['condition_' + parts[2]]}"
    return label
