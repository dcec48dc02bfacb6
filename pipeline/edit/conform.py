"""Conform: the fine cut's edit list from the NLE → the programme transcript, captions and
chapters, from the source transcripts, without Whisper.

`casefilm conform FILM EDIT_FILE` reads the edit list (OTIO, CMX 3600 EDL, FCP 7 XML,
FCPXML) through the OTIO adapters and takes its dialogue track: the first audio track
with clips, else the first video track (an EDL carries video only). Every clip is matched
to a source of film.yaml by its media path (the same file, else the same file name), else
by clip or reel name (= the source id, the file name or its stem, or their first 8
characters as CMX 3600 truncates reels). A clip matching no source is an error naming the
event, unless `allow_unknown` (new material: marked for review); a clip reaching before the
start or past the end of its source is always an error.

Each kept source word — the words of the source's current transcript revision whose
midpoint lies inside the clip's source range — is mapped to programme time
(record in + word time − source in, clamped to the clip); segments, speakers and reviewed
corrections come with the words. Stretches of the programme from no transcribed source
(gaps: titles, black, B-roll on the audio track; sources without a transcript; unknown
clips) get no words and are listed for review in the provenance.

The result is written as a new programme transcript revision, never over human work: when
the current programme revision is a human one (a save on the review page, an import) and
not itself a conform, conform refuses unless `supersede` (then the conformed transcript is
added on top; the human revision stays in the history, named in the provenance).

Chapters move with their anchor words: a chapter's anchor is the first word of the current
programme transcript at or after its start; through the mapping of the current programme
(the previous conform's clips, or ingest's spans when the programme is the joined sources)
that word has a source position, and the chapter moves to where that position lies in the
new cut (if the word was cut, to the next word of the old programme still in the cut), its
offset to the word kept (never before the clip the word is in). A chapter at 00:00 stays
the opening chapter. Key quotes move the same way (dropped, with a note, when not whole).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import opentimelineio as otio

from .. import ffmpeg, timecode, transcripts
from ..errors import ManifestError, Pending, ReviewedTranscriptError
from ..fsutil import sha256_file
from ..manifest import Chapter, Source, rewrite
from ..models import Ms, Provenance, Segment, Transcript, Word
from ..programme import load_programme
from ..words import join, written
from ..workspace import Film
from . import interchange, sources
from .resolve import SourceWord, source_words, words_in

STATUS_ORDER = ["auto", "in_review", "reviewed"]


@dataclass(frozen=True)
class Event:
    """One item of the dialogue track, in programme (record) time."""

    label: str  # for messages: "event 002" (EDL: the event number), "clip 2 of track A1", "gap"
    name: str
    rec_in: Ms
    rec_out: Ms
    source_id: str | None = None  # None: a gap or an unknown clip
    src_in: Ms = 0  # source file time
    src_out: Ms = 0
    reason: str = ""  # why it has no source words (gap, untranscribed, unknown)


def _reel(clip: otio.schema.Clip) -> str | None:
    return (clip.metadata.get("cmx_3600") or {}).get("reel")


def _names(s: Source) -> set[str]:
    p = Path(s.file)
    return {n.casefold() for n in (s.id, p.name, p.stem, s.id[:8], p.stem[:8])}


def match_source(film: Film, clip: otio.schema.Clip) -> Source | None:
    m = film.manifest
    ref = clip.media_reference
    url = getattr(ref, "target_url", None) if ref is not None else None
    path = interchange.url_path(url) if url else None
    if path is not None:
        for s in m.sources:
            f = film.resolve_media(s.file)
            if path == f or (path.exists() and f.exists() and path.resolve() == f.resolve()):
                return s
        by_name = [s for s in m.sources if Path(s.file).name == path.name]
        if len(by_name) == 1:
            return by_name[0]
    for key in (clip.name, _reel(clip)):
        if not key:
            continue
        hits = [s for s in m.sources if key.strip().casefold() in _names(s)]
        if len(hits) == 1:
            return hits[0]
    return None


def dialogue_track(tl: otio.schema.Timeline, path: Path) -> otio.schema.Track:
    def has_clips(t):
        return any(isinstance(c, otio.schema.Clip) for c in t)

    audio = [t for t in tl.audio_tracks() if has_clips(t)]
    video = [t for t in tl.video_tracks() if has_clips(t)]
    if audio:
        return audio[0]
    if video:
        return video[0]
    raise ManifestError(path, "", "the edit list has no clips on any track")


def events(film: Film, tl: otio.schema.Timeline, path: Path, *, allow_unknown: bool = False
           ) -> tuple[list[Event], otio.schema.Track]:
    """The dialogue track's clips and gaps, matched to sources and checked against them."""
    track = dialogue_track(tl, path)
    fps = _fps(tl, film)
    clocks: dict[str, interchange.SourceClock] = {}
    out: list[Event] = []
    number = 0
    offset = interchange.record_offset(track)
    is_edl = path.suffix.lower() == ".edl"
    if offset.value > 0:  # an EDL whose first event starts after the programme start
        out.append(Event("gap", "", 0, interchange.to_ms(offset), reason="gap"))
    for child in track:
        if isinstance(child, otio.schema.Transition):
            continue
        rng = child.range_in_parent()
        rng = otio.opentime.TimeRange(rng.start_time + offset, rng.duration)
        rec_in = interchange.to_ms(rng.start_time)
        rec_out = interchange.to_ms(rng.end_time_exclusive())
        if isinstance(child, otio.schema.Gap):
            out.append(Event("gap", child.name or "", rec_in, rec_out, reason="gap"))
            continue
        number += 1
        where = f"event {number:03d}" if is_edl else f"clip {number} of track {track.name or '1'}"
        if not isinstance(child, otio.schema.Clip):  # a nested stack: not taken apart
            out.append(Event(where, child.name or "", rec_in, rec_out,
                             reason="nested sequence (not taken apart)"))
            continue
        name = child.name or ""
        src = match_source(film, child)
        if src is None:
            url = getattr(child.media_reference, "target_url", None)
            what = ", ".join(f"{k} {v!r}" for k, v in (("clip", name), ("reel", _reel(child)),
                                                         ("file", url)) if v)
            if allow_unknown:
                out.append(Event(where, name, rec_in, rec_out, reason=f"unknown source ({what})"))
                continue
            known = ", ".join(s.id for s in film.manifest.sources) or "none"
            raise ManifestError(path, where, f"{what or 'a clip'} matches no source of "
                                f"film.yaml by path, reel or clip name (sources: {known}); add "
                                "it to sources, or conform with --allow-unknown to mark it "
                                "for review")
        k = film.manifest.sources.index(src)
        media = film.resolve_media(src.file)
        if src.id not in clocks:
            if not media.is_file():
                raise ManifestError(film.manifest_path, f"sources.{k}.file",
                                    "file not found (needed to check the edit list's "
                                    f"{where} against it)", str(src.file))
            clocks[src.id] = interchange.source_clock(media, fps)
        clock = clocks[src.id]
        sr = child.source_range or child.trimmed_range()
        zero = otio.opentime.RationalTime(clock.start_frames, fps)
        src_in = interchange.to_ms(sr.start_time - zero)
        src_out = interchange.to_ms(sr.end_time_exclusive() - zero)
        tc = otio.opentime.to_timecode
        if src_in < 0:
            raise ManifestError(path, where, f"source in {tc(sr.start_time, fps)} of {src.id!r} "
                                f"lies before the start of the source (its timecode starts at "
                                f"{clock.timecode or '00:00:00:00'})", name or _reel(child))
        frame = 1000 / fps
        if src_out > clock.duration_ms + frame:
            raise ManifestError(path, where, f"source out {tc(sr.end_time_exclusive(), fps)} "
                                f"reaches past the end of source {src.id!r} "
                                f"({timecode.vtt(clock.duration_ms)} long)", name or _reel(child))
        out.append(Event(where, name, rec_in, rec_out, src.id, src_in, src_out))
    return out, track


def _fps(tl: otio.schema.Timeline, film: Film) -> float:
    meta = tl.metadata.get("casefilm") or {}
    if meta.get("fps"):
        return float(meta["fps"])
    for t in tl.tracks:
        for c in t:
            if getattr(c, "source_range", None) is not None:
                return float(c.source_range.duration.rate)
    return 25.0


# --- words ----------------------------------------------------------------------------


def map_words(ev: Event, words: list[SourceWord], t: Transcript) -> list[Segment]:
    """The source words of event `ev` as programme segments (one per source segment)."""
    def rec(ms: Ms) -> Ms:
        return min(ev.rec_out, max(ev.rec_in, ev.rec_in + ms - ev.src_in))

    probs = {(w.start, w.end, w.text): w.probability
             for s in t.segments for w in written(s.words)}  # source words are written words
    kept = words_in(words, ev.src_in, ev.src_out - 1)
    out: list[Segment] = []
    seg_words: list[Word] = []
    cur: SourceWord | None = None
    for w in kept + [None]:
        if seg_words and (w is None or w.segment != cur.segment):
            out.append(Segment(id=0, start=seg_words[0].start, end=max(seg_words[-1].end,
                                                                        seg_words[0].start + 1),
                               text=join(seg_words), words=seg_words,
                               speaker=cur.speaker))
            seg_words = []
        if w is None:
            break
        cur = w
        seg_words.append(Word(start=rec(w.start), end=rec(w.end), text=w.text,
                              probability=probs.get((w.start, w.end, w.text))))
    for s in t.segments:  # sound events (music, laughter) that lie in the clip
        if s.kind == "sound" and s.end > ev.src_in and s.start < ev.src_out:
            a, b = rec(max(s.start, ev.src_in)), rec(min(s.end, ev.src_out))
            if b > a:
                out.append(Segment(id=0, start=a, end=b, text=s.text, kind="sound",
                                   speaker=None))
    return sorted(out, key=lambda s: s.start)


@dataclass
class ConformResult:
    transcript: Transcript
    path: Path | None  # the revision written (None on a dry run)
    untranscribed: list[dict]
    chapters: list[str] = field(default_factory=list)  # what happened to each chapter
    manifest_backup: Path | None = None


def _status(statuses: list[str], untranscribed: bool) -> str:
    s = min(statuses, key=STATUS_ORDER.index) if statuses else "auto"
    return "in_review" if untranscribed and s == "reviewed" else s


def build(film: Film, edit_file: Path, *, allow_unknown: bool = False
          ) -> tuple[Transcript, list[Event]]:
    """The programme transcript the edit list makes (nothing written)."""
    edit_file = Path(edit_file)
    tl = interchange.read(edit_file, _fps_hint(film))
    evs, track = events(film, tl, edit_file, allow_unknown=allow_unknown)
    found, imported = source_transcripts(film, evs)
    cache = {sid: (t, source_words(t, next(s for s in film.manifest.sources if s.id == sid).speaker))
             for sid, t in found.items() if t is not None}
    segments: list[Segment] = []
    untranscribed: list[dict] = []
    used: dict[str, Transcript] = {}
    for ev in evs:
        if ev.source_id is None:
            untranscribed.append({"start": ev.rec_in, "end": ev.rec_out, "item": ev.label,
                                  "reason": ev.reason})
            continue
        if ev.source_id not in cache:
            untranscribed.append({"start": ev.rec_in, "end": ev.rec_out, "item": ev.label,
                                  "reason": f"source {ev.source_id!r} has no audio"})
            continue
        t, words = cache[ev.source_id]
        used[ev.source_id] = t
        segments += map_words(ev, words, t)
    segments = [s.model_copy(update={"id": i}) for i, s in enumerate(segments)]
    duration = max([e.rec_out for e in evs] + [1])
    m = film.manifest
    prov = Provenance(
        backend="conform", model=None, status=_status(
            [t.provenance.status for t in used.values()], bool(untranscribed)),
        parameters={
            "edit_list": str(edit_file.resolve()), "edit_list_sha256": sha256_file(edit_file),
            "format": interchange.FORMATS[edit_file.suffix.lower()][1], "track": track.name,
            "sources": {sid: {"revision": t.revision, "status": t.provenance.status}
                        for sid, t in sorted(used.items())},
            "clips": [{"item": e.label, "source": e.source_id, "src_in": e.src_in,
                       "src_out": e.src_out, "rec_in": e.rec_in, "rec_out": e.rec_out}
                      for e in evs if e.source_id is not None],
            "untranscribed": untranscribed,
            "imported": imported,
        },
        tool_versions={"opentimelineio": otio.__version__})
    return Transcript(film=film.id, language=m.language, duration_ms=duration,
                      segments=segments, provenance=prov), evs


def source_transcripts(film: Film, evs: list[Event]) -> tuple[dict[str, Transcript | None],
                                                                 list[str]]:
    """The current transcript of every source the events use, and which of them are read
    from their declared `sources[].transcript` file because `casefilm edit transcribe` has
    not imported it yet (nothing is written here; `conform` writes them as that command
    would). A source with neither a transcript nor a file is a ManifestError naming every
    such source and the command that transcribes them; one without an audio stream has
    nothing to transcribe and maps to None (its clips are listed for review)."""
    found: dict[str, Transcript | None] = {}
    imported: list[str] = []
    lacking: list[str] = []
    for sid in dict.fromkeys(e.source_id for e in evs if e.source_id is not None):
        t = sources.current(film, sid)
        _, src = sources.source(film, sid)
        if t is None and src.transcript is not None:
            t = sources.read_declared(film, sid)
            imported.append(sid)
        elif t is None:
            path = film.resolve_media(src.file)
            if ffmpeg.media_info(path, film.ws.digests.digest(path)).audio is not None:
                lacking.append(sid)
        found[sid] = t
    if lacking:
        many = len(lacking) > 1
        raise ManifestError(
            film.manifest_path, "sources",
            f"source{'s' if many else ''} {', '.join(repr(x) for x in lacking)} of the edit "
            f"list {'have' if many else 'has'} no transcript yet and no sources[].transcript "
            f"file; run `casefilm edit transcribe {film.id}"
            f"{''.join(f' --source {x}' for x in lacking)}` (or declare the file), then "
            "conform again")
    return found, imported


def _fps_hint(film: Film) -> float:
    """The rate an EDL is read at: the paper edit's, else the first source's, else 25."""
    from .resolve import edit_path, load_edit, source_fps  # noqa: PLC0415

    try:
        if edit_path(film).is_file() and (fps := load_edit(film).fps):
            return fps
    except ManifestError:
        pass
    for s in film.manifest.sources:
        p = film.resolve_media(s.file)
        if p.is_file() and (fps := source_fps(p)):
            return fps
    return 25.0


# --- chapters --------------------------------------------------------------------------

Clip = tuple[str, Ms, Ms, Ms]  # source id, src_in, src_out, rec_in


def old_mapping(film: Film, current: Transcript | None) -> list[Clip] | None:
    """How the current programme relates to the sources, if known."""
    if current is not None and current.provenance.backend == "conform":
        return [(c["source"], c["src_in"], c["src_out"], c["rec_in"])
                for c in current.provenance.parameters.get("clips", [])]
    try:
        prog = load_programme(film)
    except (Pending, ValueError):
        return None
    if prog.master is None and prog.spans:
        return [(s.id, 0, s.end - s.start, s.start) for s in prog.spans]
    return None


def _to_source(mapping: list[Clip], t: Ms) -> tuple[str, Ms] | None:
    for sid, a, b, r in mapping:
        if r <= t < r + (b - a):
            return sid, a + t - r
    return None


def _to_programme(evs: list[Event], sid: str, pos: Ms) -> Ms | None:
    for e in evs:
        if e.source_id == sid and e.src_in <= pos < e.src_out:
            return e.rec_in + pos - e.src_in
    return None


def _move(t: Ms, old_words: list[Word], mapping: list[Clip], evs: list[Event]
          ) -> tuple[Ms | None, str]:
    """New programme time of the moment `t` of the old programme, anchored on the first
    old word at or after `t` (or the moment itself when no word follows)."""
    after = [w for w in old_words if (w.start + w.end) / 2 >= t]
    anchors = [(w.start, t - w.start) for w in after] or [(t, 0)]
    for k, (at, offset) in enumerate(anchors):
        src = _to_source(mapping, at)
        new = _to_programme(evs, *src) if src else None
        if new is not None:
            ev = next(e for e in evs if e.source_id == src[0] and e.src_in <= src[1] < e.src_out)
            how = "anchor word kept" if k == 0 else f"anchor word cut; moved to the {k + 1}. word after it"
            return max(ev.rec_in, new + offset), how
    return None, "none of its words are in the new cut"


def move_chapters(film: Film, current: Transcript | None, evs: list[Event]
                  ) -> tuple[list[Chapter] | None, list[str]]:
    """The film's chapters moved into the new cut; (None, notes) when they cannot be."""
    chapters = film.manifest.chapters
    if not chapters:
        return None, []
    mapping = old_mapping(film, current)
    if mapping is None:
        return None, ["chapters kept as they are: the current programme's relation to the "
                      "sources is unknown (neither a conform nor the joined sources); check them"]
    old_words = sorted(current.words, key=lambda w: w.start) if current else []
    moved: list[Chapter] = []
    notes: list[str] = []
    for i, ch in enumerate(chapters):
        if ch.start == 0:  # the opening chapter opens the new cut as well
            new, how = 0, "the opening chapter"
        else:
            new, how = _move(ch.start, old_words, mapping, evs)
        if new is None:
            notes.append(f"chapter {i + 1} {ch.title!r}: {how}; kept at "
                         f"{timecode.manifest(ch.start)}, move or delete it")
            new = ch.start
        else:
            notes.append(f"chapter {i + 1} {ch.title!r}: {timecode.manifest(ch.start)} → "
                         f"{timecode.manifest(new)} ({how})")
        quote = ch.quote
        if quote is not None:
            qs, _ = _move(quote.start, old_words, mapping, evs)
            qe_words = [w for w in old_words if (w.start + w.end) / 2 <= quote.end]
            qe = None
            if qe_words:
                last = qe_words[-1]
                src = _to_source(mapping, max(last.start, last.end - 1))
                qe = _to_programme(evs, *src) if src else None
                qe = None if qe is None else qe + 1 + (quote.end - last.end)
            if qs is not None and qe is not None and qe > qs:
                quote = quote.model_copy(update={"start": qs, "end": qe})
            else:
                notes.append(f"chapter {i + 1} {ch.title!r}: its key quote is not whole in the "
                             "new cut; quote removed")
                quote = None
        moved.append(ch.model_copy(update={"start": new, "quote": quote}))
    moved.sort(key=lambda c: c.start)
    for k in range(1, len(moved)):  # two chapters on one moment: keep them apart
        if moved[k].start <= moved[k - 1].start:
            moved[k] = moved[k].model_copy(update={"start": moved[k - 1].start + 1})
    return moved, notes


def chapters_text(film: Film, chapters: list[Chapter]) -> str | None:
    """film.yaml with its chapters block replaced by `chapters` (every other key, comment
    and format kept), validated; None when nothing changes."""
    if [c.model_dump() for c in chapters] == [c.model_dump() for c in film.manifest.chapters]:
        return None
    return rewrite.with_chapters(film.manifest_path, film.manifest,
                                 [rewrite.chapter_dict(c) for c in chapters])[0]


def write_manifest(film: Film, new_text: str) -> Path:
    """Write film.yaml as `new_text`, after a timestamped backup; returns the backup."""
    backup = rewrite.write_with_backup(film.manifest_path, new_text)
    film.reload()
    return backup


# --- the command ------------------------------------------------------------------------


def _no_whisper():
    raise AssertionError("conform imports declared transcript files only; it never runs Whisper")


def conform(film: Film, edit_file: Path, *, editor: str | None = None, supersede: bool = False,
            allow_unknown: bool = False, dry_run: bool = False) -> ConformResult:
    """Make and write the programme transcript from `edit_file` (see module doc). Every
    check runs before anything is written."""
    edit_file = Path(edit_file)
    t, evs = build(film, edit_file, allow_unknown=allow_unknown)
    latest = transcripts.latest_revision(film)
    current = transcripts.current(film)
    if latest >= 1 and current is not None and current.provenance.backend != "conform" \
            and not supersede:
        who = f" by {current.provenance.editor}" if current.provenance.editor else ""
        raise ReviewedTranscriptError(
            transcripts.revision_file(film, latest),
            f"the programme transcript's revision {latest}{who} ({current.provenance.status}) is "
            "human work, not a conform; conform would supersede it. Make corrections in the "
            f"source transcripts (casefilm review {film.id} --source ID) so every conform "
            f"carries them, or conform with --supersede to add revision {latest + 1} on top "
            f"(revision {latest} stays in the history)")
    chapters, notes = move_chapters(film, current, evs)
    params = dict(t.provenance.parameters)
    if latest >= 1 and current is not None and current.provenance.backend != "conform":
        params["supersedes"] = {"revision": latest, "editor": current.provenance.editor}
    t = t.model_copy(update={"provenance": t.provenance.model_copy(
        update={"editor": editor, "parameters": params})})
    new_manifest = chapters_text(film, chapters) if chapters is not None else None
    if dry_run:
        return ConformResult(t, None, params["untranscribed"], notes)
    for sid in params["imported"]:  # as `casefilm edit transcribe` would: no Whisper run
        sources.transcribe_source(film, sid, load_model=_no_whisper)
    path = transcripts.write_revision(film, t, base=latest)
    backup = write_manifest(film, new_manifest) if new_manifest is not None else None
    return ConformResult(transcripts.read(path), path, params["untranscribed"], notes, backup)
