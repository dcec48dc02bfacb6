"""edit.yaml → `compose.model.Timeline`: selects resolved against the source transcripts.

A select's words are the current source transcript's words whose midpoint lies in the
select's [start, end]; the shot is cut at their boundaries (first word's start, last
word's end). The stored quote is compared with those words: a correction (a word or two
changed) keeps the select valid, a quote that no longer matches at all (the words were
removed, or re-timed elsewhere) is an error naming the select and the field.
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from .. import ffmpeg, timecode
from ..compose.model import Card, Shot, TimedWord, Timeline
from ..errors import ManifestError, ToolError
from ..manifest import read_yaml
from ..models import Ms, Transcript
from ..words import join, written
from ..workspace import Film
from . import sources
from .model import EditList, Select, TitleCard, parse_edit

DEFAULT_FPS = 25.0
# a quote still matches its words when at least this share of tokens agrees (difflib
# ratio over normalised tokens): corrections pass, a different passage does not
QUOTE_MATCH = 0.5


def edit_path(film: Film) -> Path:
    return film.dir / "edit.yaml"


def load_edit(film: Film, path: Path | None = None) -> EditList:
    """edit.yaml of `film` (or `path`), validated; source ids checked against film.yaml."""
    path = path or edit_path(film)
    edit = parse_edit(path, read_yaml(path))
    check_sources(film, path, edit)
    return edit


def check_sources(film: Film, path: Path, edit: EditList) -> None:
    """Every select names a source of film.yaml."""
    known = {s.id for s in film.manifest.sources}
    for i, sel in edit.shots():
        if sel.source not in known:
            raise ManifestError(path, f"selects.{i}.source", "unknown source (sources in "
                                f"film.yaml: {', '.join(sorted(known)) or 'none'})", sel.source)


def tokens(text: str) -> list[str]:
    """Normalised word tokens for comparing quotes (case, punctuation, Unicode form)."""
    t = unicodedata.normalize("NFKC", text).casefold()
    return [w for w in (re.sub(r"[^\w]+", "", tok) for tok in t.split()) if w]


def quote_matches(quote: str, words: list[str]) -> bool:
    a, b = tokens(quote), tokens(" ".join(words))  # `words`: whole written words
    if a == b:
        return True
    return difflib.SequenceMatcher(None, a, b, autojunk=False).ratio() >= QUOTE_MATCH


@dataclass(frozen=True)
class SourceWord:
    """A word of a source transcript with its segment's speaker and its position."""

    index: int  # position among the transcript's words
    segment: int  # id of its segment
    start: Ms
    end: Ms
    text: str
    speaker: str | None


def source_words(t: Transcript, default_speaker: str | None) -> list[SourceWord]:
    out: list[SourceWord] = []
    for seg in t.segments:
        if seg.kind != "speech":
            continue
        for w in written(seg.words):  # selects cut between whole words, never in one
            out.append(SourceWord(len(out), seg.id, w.start, w.end, w.text,
                                  seg.speaker or default_speaker))
    return out


def words_in(words: list[SourceWord], start: Ms, end: Ms) -> list[SourceWord]:
    """The words whose midpoint lies in [start, end]."""
    return [w for w in words if start <= (w.start + w.end) / 2 <= end]


def resolve_select(path: Path, i: int, sel: Select, t: Transcript,
                   default_speaker: str | None) -> list[SourceWord]:
    """The words of select `selects.i` in transcript `t`; ManifestError when they are gone."""
    where = f"selects.{i}"
    span = f"{timecode.vtt(sel.start)}–{timecode.vtt(sel.end)}"
    if sel.start >= t.duration_ms:
        raise ManifestError(path, f"{where}.start", f"starts at or past the end of source "
                            f"{sel.source!r} ({timecode.vtt(t.duration_ms)})", timecode.vtt(sel.start))
    words = words_in(source_words(t, default_speaker), sel.start, sel.end)
    if not words:
        raise ManifestError(path, where, f"no words of source {sel.source!r} lie in {span} "
                            f"any more (transcript revision {t.revision}); select the passage again")
    if sel.text is not None and not quote_matches(sel.text, [w.text for w in words]):
        now = join(words)
        raise ManifestError(path, f"{where}.text", f"the words of source {sel.source!r} in "
                            f"{span} now read {now!r} (revision {t.revision}), not the quote; "
                            "select the passage again", sel.text)
    return words


def source_fps(path: Path) -> float | None:
    """The frame rate of the first video stream of `path`, None if it has none."""
    try:
        data = ffmpeg.probe_json(path, "-show_streams", "-select_streams", "v:0")
    except ToolError:
        return None
    for s in data.get("streams", []):
        num, _, den = str(s.get("avg_frame_rate") or s.get("r_frame_rate") or "0/0").partition("/")
        try:
            fps = float(num) / float(den or 1)
        except (ValueError, ZeroDivisionError):
            continue
        if fps > 0:
            return round(fps, 3)
    return None


@dataclass(frozen=True)
class Resolved:
    """A resolved edit: the timeline plus what the renderers do not need — per shot the
    source words it keeps and the source transcript revision they came from."""

    timeline: Timeline
    words: list[list[SourceWord]]  # per item (empty for cards)
    revisions: dict[str, int]  # source id -> transcript revision used


def resolve(film: Film, edit: EditList | None = None, path: Path | None = None) -> Resolved:
    path = path or edit_path(film)
    edit = edit if edit is not None else load_edit(film, path)
    m = film.manifest
    by_id = {s.id: s for s in m.sources}
    cache: dict[str, Transcript] = {}
    items: list[Shot | Card] = []
    item_words: list[list[SourceWord]] = []
    for i, entry in enumerate(edit.selects):
        if isinstance(entry, TitleCard):
            items.append(Card(lines=entry.card, duration_ms=entry.duration))
            item_words.append([])
            continue
        src = by_id[entry.source]
        k = m.sources.index(src)
        ffmpeg.check_file(film.resolve_media(src.file), f"sources.{k}.file")
        if entry.source not in cache:
            t = sources.current(film, entry.source)
            if t is None:
                raise ManifestError(path, f"selects.{i}.source", f"source {entry.source!r} has "
                                    "no transcript yet (run: casefilm edit transcribe "
                                    f"{film.id} --source {entry.source})", entry.source)
            cache[entry.source] = t
        t = cache[entry.source]
        words = resolve_select(path, i, entry, t, src.speaker)
        items.append(Shot(
            select=i + 1, source_id=src.id, source_path=str(film.resolve_media(src.file).resolve()),
            src_in_ms=words[0].start, src_out_ms=words[-1].end,
            words=[TimedWord(text=w.text, start_ms=w.start, end_ms=w.end, speaker=w.speaker)
                   for w in words],
            speaker=words[0].speaker))
        item_words.append(words)
    fps = edit.fps
    if fps is None:
        first = next((s for s in items if isinstance(s, Shot)), None)
        fps = (source_fps(Path(first.source_path)) if first else None) or DEFAULT_FPS
    tl = Timeline(film=film.id, title=m.title, organisation=m.organisation, fps=fps, items=items)
    return Resolved(tl, item_words, {sid: t.revision for sid, t in cache.items()})


def timeline(film: Film, path: Path | None = None) -> Timeline:
    """The film's paper edit (edit.yaml, or `path`) as the Timeline the renderers consume."""
    return resolve(film, path=path).timeline
