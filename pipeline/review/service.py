"""Review operations on a film's transcript: save an edit, restore, set status, history.

Every change is a new revision (`transcripts.write_revision`), based on the revision the
editor saw; if another save came first the change is refused with `StaleRevision` and
nothing is written. The review page and `casefilm transcript import` both go through here.
"""

from __future__ import annotations

from dataclasses import dataclass

from pydantic import BaseModel

from .. import transcripts
from ..errors import EditError, StageOrderError, StaleRevision
from ..models import Provenance, ReviewStatus, Segment, Transcript, Word, utcnow
from ..words import join, written
from ..workspace import Film
from .realign import EditedSegment, _opcodes, realign, words_of

MAX_EDITOR = 100  # characters of an editor name


@dataclass
class Saved:
    transcript: Transcript  # the new current transcript (the base itself if nothing changed)
    changed: bool  # False: identical to the base, no revision written


class RevisionInfo(BaseModel):
    revision: int
    parent: int | None
    backend: str
    status: ReviewStatus
    editor: str | None
    created_at: str
    via: str | None = None


def current(film: Film) -> Transcript:
    t = transcripts.current(film)
    if t is None:
        raise StageOrderError(film.id, "review", "a transcript (run `casefilm transcribe`)")
    return t


def revision(film: Film, n: int) -> Transcript:
    t = transcripts.read_revision(film, n)
    if t is None:
        raise EditError(film.id, "revision", "no such revision", n)
    return t


# (path, size, mtime_ns) -> RevisionInfo. Revisions never change once written, so a long
# review session with hundreds of autosaves reads each revision file only once.
_INFO_CACHE: dict[tuple[str, int, int], RevisionInfo] = {}


def _info(film: Film, n: int) -> RevisionInfo:
    path = transcripts.revision_file(film, n)
    st = path.stat()
    k = (str(path), st.st_size, st.st_mtime_ns)
    if k not in _INFO_CACHE:
        t = transcripts.read(path)
        p = t.provenance
        _INFO_CACHE[k] = RevisionInfo(
            revision=n, parent=t.parent, backend=p.backend, status=p.status, editor=p.editor,
            created_at=p.created_at, via=p.parameters.get("via") if isinstance(p.parameters, dict) else None)
    return _INFO_CACHE[k]


def history(film: Film) -> list[RevisionInfo]:
    """All revisions, oldest first: 0 (machine original, if present), then 1, 2, …"""
    nums = ([0] if transcripts.asr_path(film).is_file() else []) + transcripts.revision_numbers(film)
    return [_info(film, n) for n in nums]


def check_editor(editor: str | None, source: str = "request") -> str:
    name = " ".join((editor or "").split())
    if not name:
        raise EditError(source, "editor", "an editor name is required for every revision")
    if len(name) > MAX_EDITOR:
        raise EditError(source, "editor", f"longer than {MAX_EDITOR} characters")
    return name


def check_edits(film: Film, base: Transcript, edits: list[EditedSegment], source: str) -> None:
    speakers = {s.id for s in film.manifest.speakers}
    # a speaker id the base already carries stays allowed (e.g. one since removed from
    # film.yaml), so an editor is never locked out of saving by an old value
    allowed = speakers | {s.speaker for s in base.segments if s.speaker}
    for i, e in enumerate(edits):
        if e.speaker is not None and e.speaker not in allowed:
            raise EditError(source, f"segments.{i}.speaker",
                            f"not a speaker of this film ({', '.join(sorted(speakers)) or 'none defined'})",
                            e.speaker)
        if e.kind == "sound":
            if e.start is None or e.end is None:
                raise EditError(source, f"segments.{i}", "a sound event needs start and end (ms)")
            limit = base.duration_ms or e.end  # duration 0: unknown, no upper bound
            if not (0 <= e.start < e.end <= limit):
                raise EditError(source, f"segments.{i}",
                                f"sound event times must satisfy 0 <= start < end <= {base.duration_ms} ms",
                                [e.start, e.end])


def _same(a: list[Segment], b: list[Segment]) -> bool:
    return [s.model_dump() for s in a] == [s.model_dump() for s in b]


def _provenance(base: Transcript, editor: str, status: ReviewStatus, **params) -> Provenance:
    return Provenance(backend="review", model=base.provenance.model, parameters=params,
                      status=status, editor=editor, created_at=utcnow(),
                      tool_versions=dict(base.provenance.tool_versions))


def _write(film: Film, base: Transcript, segments: list[Segment], editor: str,
           status: ReviewStatus, base_no: int, **params) -> Transcript:
    t = base.model_copy(update={"segments": segments,
                                "provenance": _provenance(base, editor, status, **params)})
    path = transcripts.write_revision(film, t, base=base_no)
    return transcripts.read(path)


def save_edit(film: Film, *, base: int, edits: list[EditedSegment], editor: str | None,
              status: ReviewStatus | None = None, via: str = "review-page",
              source: str = "request") -> Saved:
    """Realign `edits` onto revision `base` and save them as a new revision.

    `base` must be the newest revision (else StaleRevision, nothing written). Without an
    explicit `status`, a content change moves "auto" and "reviewed" to "in_review" (a
    sign-off covers the text it was given for). No change at all writes nothing.
    """
    editor = check_editor(editor, source)
    if base != transcripts.latest_revision(film):
        # refuse before any work; write_revision checks again, atomically
        raise StaleRevision(film.id, base, transcripts.latest_revision(film))
    old = revision(film, base)
    check_edits(film, old, edits, source)
    try:
        segments = realign(old, edits)
    except ValueError as e:
        raise EditError(source, "segments", str(e)) from None
    content_changed = not _same(segments, old.segments)
    if status is None:
        status = "in_review" if content_changed else old.provenance.status
    if not content_changed and status == old.provenance.status:
        return Saved(old, False)
    return Saved(_write(film, old, segments, editor, status, base, via=via), True)


def set_status(film: Film, *, base: int, status: ReviewStatus, editor: str | None) -> Saved:
    """A new revision with the same content and the review status `status` set by `editor`."""
    editor = check_editor(editor)
    old = revision(film, base)
    if status == old.provenance.status and old.provenance.editor == editor:
        return Saved(old, False)
    return Saved(_write(film, old, list(old.segments), editor, status, base, via="status"), True)


def restore(film: Film, *, revision_no: int, base: int, editor: str | None) -> Saved:
    """A new revision whose content is that of revision `revision_no` (status: in review)."""
    editor = check_editor(editor)
    old = revision(film, base)
    src = revision(film, revision_no)
    return Saved(_write(film, old, list(src.segments), editor, "in_review", base,
                        via="restore", restored_from=revision_no), True)


CONTEXT_WORDS = 4  # unchanged words shown either side of a change in a comparison


def _compare_tokens(t: Transcript) -> tuple[list[Word], list[int]]:
    out: list[Word] = []
    groups: list[int] = []
    for s in t.segments:
        ws = ([Word(start=s.start, end=s.end, text=f"*{s.text}*")] if s.kind == "sound"
              else written(words_of(s)))  # whole words: "KI-Einführung" is one
        if ws:
            out.extend(ws)
            groups.append(len(ws))
    return out, groups


def compare(film: Film, old_no: int, new_no: int | None = None) -> list[dict]:
    """What changed in the text from revision `old_no` to `new_no` (default: current).

    Chunks in film order, {"op": "equal"|"delete"|"insert"|"replace", "old": text,
    "new": text, "start": ms}; a long unchanged stretch keeps CONTEXT_WORDS either side of
    a change and is otherwise cut ({"op": "gap"}). Sound events appear as "*Musik*".
    Words compare exactly (a changed comma is a change).
    """
    a = revision(film, old_no)
    b = current(film) if new_no is None else revision(film, new_no)
    aw, ag = _compare_tokens(a)
    bw, bg = _compare_tokens(b)
    ops: list[tuple[str, int, int, int, int]] = []
    for op in _opcodes([w.text for w in aw], ag, [w.text for w in bw], bg):
        if ops and op[0] == "equal" and ops[-1][0] == "equal":  # join equal runs
            ops[-1] = ("equal", ops[-1][1], op[2], ops[-1][3], op[4])
        else:
            ops.append(op)
    chunks: list[dict] = []
    for n, (op, i1, i2, j1, j2) in enumerate(ops):
        start = bw[j1].start if j2 > j1 else (aw[i1].start if i2 > i1 else 0)
        if op != "equal":
            chunks.append({"op": op, "old": join(aw[i1:i2]), "new": join(bw[j1:j2]),
                           "start": start})
            continue
        ws = bw[j1:j2]
        first, last = n == 0, n == len(ops) - 1
        keep_head = [] if first else ws[:CONTEXT_WORDS]
        keep_tail = [] if last else ws[-CONTEXT_WORDS:]
        if len(keep_head) + len(keep_tail) >= len(ws):
            keep_head, keep_tail = ws, []
        for part in (keep_head, None, keep_tail):
            if part is None:
                if len(keep_head) + len(keep_tail) < len(ws):
                    chunks.append({"op": "gap", "old": "", "new": "", "start": 0})
            elif part:
                text = join(part)
                chunks.append({"op": "equal", "old": text, "new": text, "start": part[0].start})
    return chunks
