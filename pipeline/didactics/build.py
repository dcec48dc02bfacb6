"""Chapter validation and resolution: film.yaml chapters → one `ChapterSet`.

Every problem is one `ManifestError` naming film.yaml, the field path (`chapters.2.goals`,
`chapters.3.start`, …; indices 0-based like every other field path) and, in the reason,
the chapter by number and title. Soft problems (film goals that no chapter covers, time
before the first chapter) are returned as notes.
"""

from __future__ import annotations

from ..errors import ManifestError
from ..manifest import Chapter
from ..models import LearningGoal, Transcript
from .. import timecode
from ..words import written
from ..workspace import Film
from .model import ChapterEntry, ChapterSet, GoalRef, QuoteOut

# Rules of YouTube/PeerTube description chapters (checked when export.description_chapters)
DESC_MIN_CHAPTERS = 3
DESC_MIN_LENGTH_MS = 10_000

DEFAULT_CATALOGUE_NAME = "Lernziele"


def _name(i: int, ch: Chapter) -> str:
    return f"chapter {i + 1} {ch.title!r}"


def _goal_ref(g: LearningGoal, film_goal_ids: set[str]) -> GoalRef:
    return GoalRef(id=g.id, text=g.text, level=g.level, dimension=g.dimension,
                   audiences=list(g.audiences),
                   defined_in="film" if g.id in film_goal_ids else "catalogue")


def quote_text(transcript: Transcript | None, start: int, end: int) -> tuple[str | None, str | None]:
    """Words of `transcript` whose midpoint lies in [start, end) ms, and their speaker id."""
    if transcript is None:
        return None, None
    words, speakers = [], []
    for seg in transcript.segments:
        if seg.kind != "speech" or seg.end <= start or seg.start >= end:
            continue
        if seg.words:
            picked = [w.text for w in written(seg.words) if start <= (w.start + w.end) // 2 < end]
        else:  # no word timings: whole segments whose midpoint lies inside
            picked = [seg.text] if start <= (seg.start + seg.end) // 2 < end else []
        if picked:
            words.extend(picked)
            speakers.append(seg.speaker)
    text = " ".join(w.strip() for w in words if w.strip()) or None
    speaker = speakers[0] if speakers and len(set(speakers)) == 1 else None
    return text, speaker


def check(film: Film, duration_ms: int | None = None) -> dict[str, LearningGoal]:
    """Validate the film's chapters against its goals (and, given `duration_ms`, the
    programme's duration); return the goals by id (catalogue and film).

    Raises ManifestError on the first problem. Without `duration_ms` (before ingest, see
    `pipeline.preflight`) the rules that need the duration are skipped: a chapter at or
    past the end, and the last chapter's key quote and description-chapter length.
    """
    m = film.manifest
    path = film.manifest_path
    goals = film.goals()  # ManifestError on duplicate ids across catalogue and film
    chapters = m.chapters

    def err(field: str, reason: str, value: object = None) -> ManifestError:
        return ManifestError(path, field, reason, value)

    for i, ch in enumerate(chapters):
        if "\n" in ch.title or "\r" in ch.title:
            raise err(f"chapters.{i}.title", f"{_name(i, ch)}: title must be one line")
        if duration_ms is not None and ch.start >= duration_ms:
            raise err(f"chapters.{i}.start",
                      f"{_name(i, ch)} starts at {timecode.vtt(ch.start)}, at or past the end "
                      f"of the programme ({timecode.vtt(duration_ms)})")
        if i:
            prev = chapters[i - 1]
            if ch.start == prev.start:
                raise err(f"chapters.{i}.start",
                          f"{_name(i, ch)} starts at the same time as {_name(i - 1, prev)} "
                          f"({timecode.vtt(ch.start)}); each chapter needs its own start")
            if ch.start < prev.start:
                raise err(f"chapters.{i}.start",
                          f"{_name(i, ch)} starts at {timecode.vtt(ch.start)}, before "
                          f"{_name(i - 1, prev)} ({timecode.vtt(prev.start)}) and so overlaps "
                          f"it; list chapters in time order")
        seen: set[str] = set()
        for gid in ch.goals:
            if gid not in goals:
                known = ", ".join(sorted(goals)) or "none defined"
                raise err(f"chapters.{i}.goals",
                          f"{_name(i, ch)}: unknown learning goal id (known: {known})", gid)
            if gid in seen:
                raise err(f"chapters.{i}.goals", f"{_name(i, ch)}: goal listed twice", gid)
            seen.add(gid)
        for k, q in enumerate(ch.questions):
            if not q.strip():
                raise err(f"chapters.{i}.questions.{k}", f"{_name(i, ch)}: empty question")

    # each chapter ends where the next starts; the last at the programme's end (if known)
    ends: list[int | None] = [c.start for c in chapters[1:]] + [duration_ms]
    for i, (ch, end) in enumerate(zip(chapters, ends)):
        if ch.quote is None:
            continue
        q = ch.quote
        if q.end <= q.start:
            raise err(f"chapters.{i}.quote.end",
                      f"{_name(i, ch)}: the key quote ends ({timecode.vtt(q.end)}) at or "
                      f"before it starts ({timecode.vtt(q.start)})")
        if q.start < ch.start or (end is not None and q.end > end):
            shown = "the end" if end is None else timecode.vtt(end)
            raise err(f"chapters.{i}.quote",
                      f"{_name(i, ch)}: the key quote {timecode.vtt(q.start)}–"
                      f"{timecode.vtt(q.end)} lies outside the chapter "
                      f"({timecode.vtt(ch.start)}–{shown})")

    if m.export.description_chapters:
        why = "(export.description_chapters is on; YouTube/PeerTube need it)"
        if len(chapters) < DESC_MIN_CHAPTERS:
            raise err("chapters", f"description chapters need at least {DESC_MIN_CHAPTERS} "
                                  f"chapters, film.yaml has {len(chapters)} {why}")
        if chapters[0].start != 0:
            raise err("chapters.0.start", f"{_name(0, chapters[0])}: the first description "
                                          f"chapter must start at 0:00 {why}",
                      timecode.short(chapters[0].start))
        for i, (ch, end) in enumerate(zip(chapters, ends)):
            if end is not None and end - ch.start < DESC_MIN_LENGTH_MS:
                raise err(f"chapters.{i}.start", f"{_name(i, ch)} lasts {(end - ch.start) / 1000:.1f} s; "
                                 f"description chapters must last at least "
                                 f"{DESC_MIN_LENGTH_MS // 1000} s {why}")
    return goals


def resolve(film: Film, duration_ms: int, transcript: Transcript | None = None
            ) -> tuple[ChapterSet, list[str]]:
    """Validate the film's chapters against the programme and goals; build the ChapterSet.

    `duration_ms`: the programme's duration. Raises ManifestError on the first problem
    (the rules are in `check`). Returns the set and notes (warnings) for the run's record.
    """
    m = film.manifest
    goals = check(film, duration_ms)
    film_goal_ids = {g.id for g in m.learning_goals}
    chapters = m.chapters
    notes: list[str] = []
    ends = [c.start for c in chapters[1:]] + [duration_ms]

    entries = []
    for i, (ch, end) in enumerate(zip(chapters, ends)):
        quote = None
        if ch.quote is not None:
            text, speaker = quote_text(transcript, ch.quote.start, ch.quote.end)
            quote = QuoteOut(start=ch.quote.start, end=ch.quote.end, text=text,
                             speaker=m.speaker_name(speaker) if speaker else None)
            if transcript is None:
                notes.append(f"{_name(i, ch)}: key quote without text (no transcript yet)")
        entries.append(ChapterEntry(
            index=i + 1, start=ch.start, end=end, title=ch.title,
            goals=[_goal_ref(goals[g], film_goal_ids) for g in ch.goals],
            summary=ch.summary, quote=quote, questions=[q.strip() for q in ch.questions]))

    linked = {g for ch in chapters for g in ch.goals}
    uncovered = [g.id for g in m.learning_goals if g.id not in linked]
    if not chapters:
        notes.append("film.yaml has no chapters")
    elif chapters[0].start > 0:
        notes.append(f"the first {timecode.short(chapters[0].start)} (before "
                     f"{_name(0, chapters[0])}) belong to no chapter")
    for gid in uncovered:
        notes.append(f"learning goal {gid} of this film is covered by no chapter")

    declared = [g.id for g in m.learning_goals] + [g for g in dict.fromkeys(
        g for ch in chapters for g in ch.goals) if g not in film_goal_ids]
    cs = ChapterSet(
        film=film.id, title=m.title, language=m.language, organisation=m.organisation,
        industry=m.industry, duration_ms=duration_ms,
        catalogue_name=film.ws.catalogue.name or DEFAULT_CATALOGUE_NAME,
        description_chapters=m.export.description_chapters, chapters=entries,
        goals=[_goal_ref(goals[g], film_goal_ids) for g in declared], uncovered=uncovered)
    return cs, notes
