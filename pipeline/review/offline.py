"""Offline round trip: export a transcript for a word processor, import the edited file.

Formats (writers take a text stream or, for DOCX, a path; only the command opens files):

* TXT and DOCX: one block per segment, a marker line then the text::

      [00:00:01.200 – 00:00:04.900 | Anna Beispiel]
      Guten Tag, ich bin Anna.

      [00:00:05.000 – 00:00:08.000 | *Musik*]

  The header names the film and the revision the file was made from. Editors change the
  text; change a speaker by editing the name in the marker; split a segment by adding a
  marker line with just a name (`[Anna Beispiel]`), merge by deleting a marker line.
* SRT (and VTT on import): one cue per segment; `*…*` marks a sound event. Speakers are
  not written; on import each cue keeps the speaker of the segment it overlaps most (a VTT
  voice names it). Both go through the one subtitle layer (`pipeline.subtitle_io`), so
  the SRT is escaped like every other and read back exactly.

Import parses the file into `EditedSegment`s and saves them through
`service.save_edit`, i.e. realigned onto the timings exactly like a save on the review
page, as a new revision based on the revision named in the file (TXT/DOCX) or the
current one (SRT/VTT, or `base` given). A file made from an older revision than the
current one is refused (StaleRevision), so nobody's later work is silently undone.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO

from .. import i18n, subtitle_io, timecode, transcripts
from ..errors import EditError, InputError, SubtitleParseError
from ..models import Cue, Transcript
from ..workspace import Film
from . import service
from .realign import EditedSegment

FORMATS = ("txt", "docx", "srt")
IMPORT_SUFFIXES = (".txt", ".docx", ".srt", ".vtt")

HEADER = "casefilm transcript · film: {film} · revision: {rev}"
_HEADER_RE = re.compile(r"casefilm transcript\s*·\s*film:\s*(?P<film>\S+)\s*·\s*revision:\s*(?P<rev>\d+)")
_TC = r"\d{1,2}:\d{2}(?::\d{2})?(?:[.,]\d{1,3})?"
_MARKER = re.compile(
    rf"^\s*\[\s*(?:(?P<start>{_TC})\s*[–—-]+\s*(?P<end>{_TC})\s*(?:\|\s*)?)?(?P<label>[^\]]*?)\s*\]\s*$")


def _marker(start: int, end: int, label: str) -> str:
    return f"[{timecode.vtt(start)} – {timecode.vtt(end)} | {label}]"


def _label(film: Film, seg) -> str:
    if seg.kind == "sound":
        return f"*{seg.text}*"
    return film.manifest.speaker_name(seg.speaker) or seg.speaker or ""


def blocks(film: Film, t: Transcript) -> list[tuple[str, str]]:
    """(marker line, text) per segment."""
    return [(_marker(s.start, s.end, _label(film, s)), "" if s.kind == "sound" else s.text)
            for s in t.segments]


def instructions(t: Transcript) -> str:
    """How to edit the exported file (for the editor: `locale/<lang>/review.yaml`)."""
    return i18n.t("review", "offline_instructions", t.language)


def write_txt(film: Film, t: Transcript, out: TextIO) -> None:
    out.write(f"# {HEADER.format(film=film.id, rev=t.revision)}\n")
    out.write(f"# {film.manifest.title}\n# {instructions(t)}\n\n")
    for marker, text in blocks(film, t):
        out.write(f"{marker}\n{text}\n\n" if text else f"{marker}\n\n")


def segment_cues(t: Transcript) -> list[Cue]:
    """The transcript as cues, one per segment (those with a duration): a sound event's
    text as its `*…*` tag; speakers are the segments' speaker ids."""
    return [Cue(start=s.start, end=s.end, lines=[f"*{s.text}*" if s.kind == "sound" else s.text],
                speaker=s.speaker, kind=s.kind) for s in t.segments if s.end > s.start]


def write_srt(film: Film, t: Transcript, out: TextIO) -> None:
    subtitle_io.write(segment_cues(t), out, "srt")


def write_docx(film: Film, t: Transcript, path: Path) -> None:
    import docx  # noqa: PLC0415
    from docx.shared import Pt, RGBColor  # noqa: PLC0415

    doc = docx.Document()
    doc.core_properties.title = film.manifest.title
    doc.core_properties.language = t.language
    doc.add_heading(film.manifest.title, level=1)
    doc.add_paragraph(HEADER.format(film=film.id, rev=t.revision))
    doc.add_paragraph(instructions(t))
    for marker, text in blocks(film, t):
        p = doc.add_paragraph()
        run = p.add_run(marker)
        run.font.size = Pt(9)
        run.font.color.rgb = RGBColor(0x44, 0x44, 0x44)
        if text:
            doc.add_paragraph(text)
    doc.save(str(path))


def export(film: Film, fmt: str, out_path: Path, revision: int | None = None) -> Path:
    """Write the current transcript (or `revision`) to `out_path` atomically."""
    from ..fsutil import atomic_path, atomic_text  # noqa: PLC0415

    if fmt not in FORMATS:
        raise InputError(f"unknown export format {fmt!r} (formats: {', '.join(FORMATS)})")
    t = service.current(film) if revision is None else service.revision(film, revision)
    if fmt == "docx":
        with atomic_path(out_path) as tmp:
            write_docx(film, t, tmp)
    else:
        with atomic_text(out_path) as fh:
            (write_txt if fmt == "txt" else write_srt)(film, t, fh)
    return out_path


# --- import ------------------------------------------------------------------------------


@dataclass
class Parsed:
    edits: list[EditedSegment]
    base: int | None  # revision named in the file, if any


def _speaker(film: Film, label: str, source: str, where: str) -> str | None:
    """Speaker id for a label: a film speaker's name or id, or an id the current
    transcript already uses (exported as the bare id when film.yaml does not name it)."""
    label = label.strip()
    if label in ("", "?", "-", "–"):
        return None
    for s in film.manifest.speakers:
        if label.casefold() in (s.name.casefold(), s.id.casefold()):
            return s.id
    current = transcripts.current(film)
    if current is not None and label in {s.speaker for s in current.segments}:
        return label
    known = ", ".join(s.name for s in film.manifest.speakers) or "none defined in film.yaml"
    raise EditError(source, where, f"unknown speaker (film speakers: {known})", label)


def parse_lines(film: Film, lines: list[str], source: str, line_no=None) -> Parsed:
    """Parse TXT/DOCX lines (see module docstring). `line_no(i)` names line i in errors."""
    where = line_no or (lambda i: f"line {i + 1}")
    edits: list[EditedSegment] = []
    base = None
    cur: dict | None = None
    body: list[str] = []

    def close():
        if cur is None:
            return
        text = " ".join(" ".join(body).split())
        if cur["kind"] == "sound":
            if text:
                raise EditError(source, cur["where"],
                                "text under a sound event; put a speaker line [Name] before it", text[:40])
            edits.append(EditedSegment(text=cur["label"], kind="sound", start=cur["start"], end=cur["end"]))
        elif text:
            edits.append(EditedSegment(text=text, speaker=cur["speaker"], kind="speech"))

    for i, raw in enumerate(lines):
        line = raw.strip()
        if cur is None:
            m = _HEADER_RE.search(line)
            if m:
                if m["film"] != film.id:
                    raise EditError(source, where(i), f"this file is a transcript of film {m['film']!r}, not {film.id!r}")
                base = int(m["rev"])
                continue
            if not line or line.startswith("#") or not _MARKER.match(line):
                continue  # title, instructions
        m = _MARKER.match(line)
        if m:
            close()
            body = []
            label = m["label"]
            start = end = None
            if m["start"]:
                start, end = timecode.parse(m["start"].replace(",", ".")), timecode.parse(m["end"].replace(",", "."))
            if len(label) >= 2 and label.startswith("*") and label.endswith("*"):
                if start is None:
                    raise EditError(source, where(i), "a sound event needs its times, e.g. "
                                    "[00:00:05.000 – 00:00:08.000 | *Musik*]", line)
                cur = {"kind": "sound", "label": label.strip("*").strip() or "Musik",
                       "start": start, "end": end, "where": where(i)}
            else:
                cur = {"kind": "speech", "speaker": _speaker(film, label, source, where(i)), "where": where(i)}
            continue
        body.append(line)
    close()
    if cur is None:
        raise EditError(source, "", "no segment markers found (lines like "
                                    "[00:00:01.200 – 00:00:04.900 | Name]); was it exported by casefilm?")
    return Parsed(edits, base)


def parse_txt(film: Film, path: Path) -> Parsed:
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as e:
        raise EditError(path, "", f"not UTF-8 text ({e.reason} at byte {e.start})") from None
    return parse_lines(film, text.splitlines(), str(path))


def parse_docx(film: Film, path: Path) -> Parsed:
    import docx  # noqa: PLC0415

    try:
        doc = docx.Document(str(path))
    except Exception as e:  # python-docx raises several kinds for a broken package
        raise EditError(path, "", f"not a readable DOCX file ({type(e).__name__}: {e})") from None
    lines: list[str] = []
    para: list[int] = []
    for k, p in enumerate(doc.paragraphs):
        for ln in p.text.splitlines() or [""]:
            lines.append(ln)
            para.append(k + 1)
    return parse_lines(film, lines, str(path), line_no=lambda i: f"paragraph {para[i]}")


def parse_cues(film: Film, path: Path, base: Transcript) -> Parsed:
    """An edited SRT or VTT file as edits: one per cue with text; `*…*` is a sound event
    (keeping its times), a VTT voice names the speaker, else the speaker is that of the
    base segment the cue overlaps most."""
    try:
        track = subtitle_io.load(path)
    except SubtitleParseError as e:
        where = f"line {e.line}" if e.line else ""
        raise EditError(path, where, e.reason, e.value) from None
    edits: list[EditedSegment] = []
    for n, c in enumerate(track.cues):
        text = " ".join(c.text.split())
        if not text:
            continue
        if len(text) >= 2 and text.startswith("*") and text.endswith("*"):
            edits.append(EditedSegment(text=text.strip("*").strip() or "Musik", kind="sound",
                                       start=c.start, end=c.end))
            continue
        speaker = None
        if c.speaker:
            speaker = _speaker(film, c.speaker, str(path), f"cue {n + 1}")
        else:
            best = 0
            for s in base.segments:  # the speaker of the segment this cue overlaps most
                ov = min(c.end, s.end) - max(c.start, s.start)
                if s.kind == "speech" and ov > best:
                    best, speaker = ov, s.speaker
        edits.append(EditedSegment(text=text, speaker=speaker))
    if not edits:
        raise EditError(path, "", "no cues with text")
    return Parsed(edits, None)


def import_file(film: Film, path: Path, *, editor: str | None, base: int | None = None) -> service.Saved:
    """Realign the edited `path` onto its base revision and save it as a new revision."""
    path = Path(path)
    if not path.is_file():
        raise InputError(f"{path}: file not found")
    suffix = path.suffix.lower()
    if suffix not in IMPORT_SUFFIXES:
        raise EditError(path, "", f"unknown transcript format (use {', '.join(IMPORT_SUFFIXES)})", suffix)
    editor = service.check_editor(editor, str(path))
    latest = transcripts.latest_revision(film)
    if suffix == ".txt":
        parsed = parse_txt(film, path)
    elif suffix == ".docx":
        parsed = parse_docx(film, path)
    else:
        parsed = parse_cues(film, path, service.revision(film, base if base is not None else latest))
    base_no = base if base is not None else (parsed.base if parsed.base is not None else latest)
    return service.save_edit(film, base=base_no, edits=parsed.edits, editor=editor,
                             via=f"import:{suffix.lstrip('.')}", source=str(path))
