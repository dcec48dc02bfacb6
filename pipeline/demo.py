"""`casefilm demo`: a workspace with a synthetic German case film.

Two interview clips, each a different shot (lavfi `gradients` and `testsrc2`), with speech
from espeak-ng in two voices for two speakers; a goal catalogue, film goals and chapters;
an audio description (descriptions.yaml): the first clip opens on a few seconds without
speech, where one description fits, and the second shot is introduced by an extended
description (the player pauses the film while it is spoken); a sign-language interpreter
track (a generated picture standing in for a DGS interpreter, `_make_interpreter`).
A workspace that already holds the demo film is reused as it is: the demo never overwrites
a film.yaml or footage that may have been edited since.

A second, shorter film (`SECOND_ID`: one interview in a craft business, another sector
and case) is built beside it, so the catalogue compares two (`DEMO_FILMS`).

Between transcription and captions, `review_as_editor` does an editor's work through the
review service: the script's text saved over Whisper's transcript, then marked reviewed,
so the captions and the player come from a reviewed revision (`casefilm demo` runs the
stages up to transcribe, this step, then the rest). The second film keeps Whisper's
transcript, so the catalogue shows a reviewed and an unreviewed film.

After the pipeline, `reports` writes what the README sends a newcomer to besides the
package: the caption QC report (the library call behind `casefilm qc`, with the case QC),
the coverage report (the one behind `casefilm coverage`) and the catalogue (`casefilm
catalogue`).
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import yaml

from . import ffmpeg, timecode
from .fsutil import atomic_path, write_text
from .workspace import Workspace

FILM_ID = "ki-dienstplanung"

LEAD_S = {"interview-anna": 5.0}  # silence before the speech (s): room for a description


@dataclass(frozen=True)
class Voice:
    """How espeak-ng speaks a clip: voice (language+variant), rate in words per minute,
    `word_gap` between words (espeak's -g, in 10 ms units at normal speed) and the pause
    between sentences in ms (an SSML break; 0 keeps espeak-ng's own, about 0.4 s at 150)."""

    espeak: str
    rate_wpm: int = 150
    word_gap: int = 0
    sentence_pause_ms: int = 0


# Chosen by measurement (benchmarks/bench_demo_voices.py, docs/asr-german.md): the
# variants the bundled Whisper base recognises best (f2 32.8 % WER on the demo's sentences
# at 130 words/min, Annie 59.7 %; the plain voice 28.4 %, boris loops), with 600 ms between
# sentences, the only pause with which no setting lost or repeated whole sentences.
VOICES = {"anna": Voice("de+f2", 130, sentence_pause_ms=600),
          "ben": Voice("de", 150, sentence_pause_ms=600)}

CLIPS = [  # (source id, file name, speaker, lavfi video, text)
    ("interview-anna", "interview_anna.mp4", "anna",
     "gradients=s=1280x720:r=25:c0=0x1f3a5f:c1=0x3f7fbf:x0=0:y0=0:x1=1280:y1=720:speed=0.02",
     "Guten Tag. Ich bin Anna Beispiel, Pflegedienstleitung. "
     "Früher hat die Dienstplanung jede Woche zwölf Stunden gedauert. "
     "Heute schlägt uns eine KI einen Dienstplan vor, und wir prüfen ihn gemeinsam. "
     "So bleibt mehr Zeit für die Pflege."),
    ("interview-ben", "interview ben (Betriebsrat).mp4", "ben",
     "testsrc2=s=1280x720:r=25",
     "Ich bin Ben Beispiel vom Betriebsrat. Wichtig war uns, dass niemand überwacht wird. "
     "Wir haben eine Betriebsvereinbarung geschlossen, bevor das System eingeführt wurde. "
     "Die Beschäftigten tragen ihre Wünsche jetzt direkt ein."),
]


def sentences(text: str) -> list[str]:
    """The sentences of a demo script (split after . ! ? followed by a space)."""
    return [s for s in re.split(r"(?<=[.!?])\s+", text.strip()) if s]


def speak(wav: Path, voice: Voice, text: str) -> None:
    """Render `text` with espeak-ng into `wav`: sentences separated by the voice's pause
    (SSML `<break>`), words by its word gap, at its rate."""
    pause = f' <break time="{voice.sentence_pause_ms}ms"/> ' if voice.sentence_pause_ms else " "
    ssml = "<speak>" + pause.join(html.escape(s, quote=False) for s in sentences(text)) + "</speak>"
    ffmpeg.run(["-m", "-v", voice.espeak, "-s", str(voice.rate_wpm), "-g", str(voice.word_gap),
                "-w", wav, ssml], tool="espeak-ng")


CATALOGUE = {
    "name": "KI gegen Fachkräftemangel – Lernziele",
    "goals": [
        {"id": "LZ-PLANUNG-1", "text": "Beschreiben, wie KI die Einsatzplanung entlastet",
         "level": "verstehen", "dimension": "Einsatzplanung",
         "audiences": ["Unternehmen", "Kommunen"]},
        {"id": "LZ-BETEILIGUNG-1",
         "text": "Erläutern, warum der Betriebsrat bei der Einführung von KI früh beteiligt wird",
         "level": "verstehen", "dimension": "Einführung von KI-Systemen",
         "audiences": ["Betriebsräte", "Führungskräfte"]},
    ],
}


def _make_clip(raw: Path, name: str, voice: Voice, video: str, text: str,
               lead_s: float = 0.3) -> float:
    """Render one interview clip (speech after `lead_s` s); returns its duration in s."""
    out = raw / name
    wav = raw / f".tmp-{out.stem}.wav"
    speak(wav, voice, text)
    speech_s = ffmpeg.media_info(wav, "-").duration_ms / 1000
    dur = round(speech_s + lead_s + 0.7, 2)
    lead = round(lead_s * 1000)
    with atomic_path(out) as tmp:
        ffmpeg.run(["-f", "lavfi", "-i", f"{video}:d={dur}", "-i", wav, "-filter_complex",
                    f"[1:a]adelay={lead}|{lead},apad,atrim=0:{dur},aformat=channel_layouts=stereo[a]",
                    "-map", "0:v", "-map", "[a]", "-c:v", "libx264", "-preset", "veryfast",
                    "-crf", "20", "-pix_fmt", "yuv420p", "-c:a", "aac", "-b:a", "128k",
                    "-ar", "48000", "-t", str(dur), "-f", "mp4", tmp])
    wav.unlink()
    return dur


# --- sign language: a generated stand-in for the interpreter (a head and two moving hands
# on a dark ground, in the middle of a wider recording that film.yaml crops) -----------------
INTERPRETER = ("color=c=0x1b1f2a:s=1280x720:r=25:d={d},"
               "drawbox=x=570:y=120:w=140:h=180:color=0xd8a878:t=fill,"
               "drawbox=x=520:y=330:w=240:h=390:color=0x10141c:t=fill,"
               "drawbox=x='500+70*sin(2*PI*0.8*t)':y='400+50*cos(2*PI*1.1*t)':w=70:h=90:color=0xd8a878:t=fill,"
               "drawbox=x='710+70*sin(2*PI*0.9*t+1)':y='380+60*sin(2*PI*1.3*t)':w=70:h=90:color=0xd8a878:t=fill")


def _make_interpreter(raw: Path, seconds: float) -> dict:
    """Render the interpreter's recording (video only) and return film.yaml's block."""
    with atomic_path(raw / "dgs_interpreter.mp4") as tmp:
        ffmpeg.run(["-f", "lavfi", "-i", INTERPRETER.format(d=seconds), "-c:v", "libx264",
                    "-preset", "veryfast", "-crf", "23", "-pix_fmt", "yuv420p", "-f", "mp4", tmp])
    return {"file": "raw/dgs_interpreter.mp4", "offset": "00:00",
            "crop": {"x": 320, "y": 0, "width": 640, "height": 720}}


def build_demo(directory: str | Path, report: Callable[[str], None] = print
               ) -> tuple[Workspace, str]:
    ws = Workspace.resolve(directory)
    film_dir = ws.projects / FILM_ID
    if (film_dir / "film.yaml").exists():
        report(f"demo workspace {ws.root} exists: reusing it as it is")
        return ws, FILM_ID
    ffmpeg.run(["--version"], tool="espeak-ng")  # MissingTool before anything is written
    report(f"building demo workspace in {ws.root}")
    raw = film_dir / "raw"
    raw.mkdir(parents=True, exist_ok=True)
    durations = [_make_clip(raw, name, VOICES[spk], video, text, LEAD_S.get(sid, 0.3))
                 for sid, name, spk, video, text in CLIPS]
    anna = durations[0]
    manifest = {
        "title": "KI in der Dienstplanung",
        "language": "de",
        "organisation": "Pflegedienst Beispiel gGmbH",
        "industry": "Pflege",
        "learning_goals": [{"id": "LZ-DEMO-1",
                            "text": "Einschätzen, welche Zeitersparnis KI im Dienstplan bringt",
                            "level": "bewerten", "dimension": "Entlastung von Routineaufgaben"}],
        "speakers": [{"id": "anna", "name": "Anna Beispiel", "role": "Pflegedienstleitung"},
                     {"id": "ben", "name": "Ben Beispiel", "role": "Betriebsrat"}],
        "glossary": ["Dienstplan", "Pflegedienstleitung", "Betriebsrat",
                     "Betriebsvereinbarung", "KI"],
        "sources": [{"id": sid, "file": f"raw/{name}", "speaker": spk}
                    for sid, name, spk, *_ in CLIPS],
        # decoding: temperature 0 makes the demo deterministic; synthetic speech has no long
        # silences, so the hallucination skip (default 2 s, right for interviews) is off
        "transcript": {"temperature": 0.0, "hallucination_silence_threshold": None},
        "subtitles": {"profile": "de-web"},
        "export": {"preset": "veryfast"},  # quick demo; the default (medium) packs tighter
        "chapters": [
            {"start": "00:00", "title": "Ausgangslage", "goals": ["LZ-PLANUNG-1"],
             "summary": "Die Dienstplanung kostete jede Woche zwölf Stunden.",
             "questions": ["Wie viel Zeit kostet die Dienstplanung in Ihrer Organisation?"]},
            {"start": f"00:{int(anna * 0.45):02d}", "title": "Die KI schlägt den Dienstplan vor",
             "goals": ["LZ-PLANUNG-1", "LZ-DEMO-1"],
             "summary": "Die KI macht einen Vorschlag, das Team prüft ihn gemeinsam."},
            {"start": f"00:{int(anna):02d}", "title": "Beteiligung des Betriebsrats",
             "goals": ["LZ-BETEILIGUNG-1"],
             "summary": "Eine Betriebsvereinbarung schließt Überwachung aus.",
             "questions": ["Wann sollte der Betriebsrat einbezogen werden?"]},
        ],
        "case": case_of_first_film(anna),  # the catalogue (cat20)
    }
    manifest["sign_language"] = _make_interpreter(raw, round(sum(durations), 2))
    write_text(ws.catalogue_path(), yaml.safe_dump(CATALOGUE, allow_unicode=True,
                                                   sort_keys=False))
    write_text(film_dir / "film.yaml", "# casefilm demo film: edit freely, `casefilm run "
               f"{FILM_ID}` redoes what your change affects\n"
               + yaml.safe_dump(manifest, allow_unicode=True, sort_keys=False))
    write_text(film_dir / "descriptions.yaml", descriptions_yaml(anna))
    build_second_film(ws)  # the catalogue's second case (cat20)
    ws.ensure_gitignore()
    return ws, FILM_ID


# --- the catalogue (cat20): the first film's case and a second, shorter film ----------------
# `casefilm catalogue` shows search, filters and the comparison with two films of different
# sectors and cases. The second film is one interview clip; `DEMO_FILMS` lists both.

SECOND_ID = "ki-einarbeitung"
DEMO_FILMS = (FILM_ID, SECOND_ID)
SECOND_CLIP = ("interview-karl", "interview_karl.mp4", "karl",
               Voice("de", 140, sentence_pause_ms=600),
               "smptehdbars=s=1280x720:r=25",
               "Ich bin Karl Beispiel, Meister in einer Tischlerei. "
               "Neue Auszubildende fragen jetzt zuerst unseren digitalen Assistenten. "
               "Er kennt alle Arbeitsanweisungen und jede Maschine in der Werkstatt. "
               "Die Einarbeitung dauert nur noch drei statt sechs Wochen. "
               "Und das Wissen der erfahrenen Kollegen bleibt im Betrieb.")


def case_of_first_film(anna_s: float) -> dict:
    """The first film's case; `anna_s`: length of Anna's clip (Ben speaks after it)."""
    at = lambda s: timecode.manifest(round(s * 1000))  # noqa: E731
    return {
        "chain": ["einsatzplanung", "arbeitsalltag"], "sector": "pflege", "size": 48,
        "region": "Reutlingen",
        "ai_use": "Die KI schlägt den Dienstplan aus Verfügbarkeiten und Wünschen vor.",
        "effects": [{"kind": "zeit", "at": at(anna_s * 0.45),
                     "text": "Dienstplanung: zwölf Stunden pro Woche werden zu einer Prüfung im Team"}],
        "conditions": {"organisation": [{"text": "Betriebsvereinbarung vor der Einführung",
                                         "at": at(anna_s + 4)}],
                       "kultur": ["Beschäftigte tragen ihre Wünsche selbst ein"]},
        "transfer": "Übertragbar auf Betriebe mit Schichtarbeit ab etwa 20 Beschäftigten.",
    }


def build_second_film(ws: Workspace) -> str:
    """Write the second demo film (footage and film.yaml) into `ws`; returns its id."""
    sid, name, spk, voice, video, text = SECOND_CLIP
    film_dir = ws.projects / SECOND_ID
    raw = film_dir / "raw"
    raw.mkdir(parents=True, exist_ok=True)
    dur = _make_clip(raw, name, voice, video, text)
    manifest = {
        "title": "Ein digitaler Assistent für die Einarbeitung",
        "language": "de", "organisation": "Tischlerei Beispiel", "industry": "Tischlerhandwerk",
        "learning_goals": [{"id": "LZ-DEMO-2",
                            "text": "Erklären, wie ein Assistent Wissen im Betrieb hält",
                            "level": "verstehen", "dimension": "Wissenssicherung"}],
        "speakers": [{"id": spk, "name": "Karl Beispiel", "role": "Tischlermeister"}],
        "glossary": ["Auszubildende", "Einarbeitung", "Tischlerei"],
        "sources": [{"id": sid, "file": f"raw/{name}", "speaker": spk}],
        "transcript": {"temperature": 0.0, "hallucination_silence_threshold": None},
        "export": {"preset": "veryfast", "rungs": [720, 360]},
        "chapters": [
            {"start": "00:00", "title": "Fragen an den Assistenten", "goals": ["LZ-DEMO-2"]},
            {"start": timecode.manifest(round(dur * 500)), "title": "Wissen bleibt im Betrieb",
             "goals": ["LZ-DEMO-2"]},
        ],
        "case": {
            "chain": ["einarbeitung", "wissenssicherung"], "sector": "handwerk", "size": 14,
            "region": "Tübingen",
            "ai_use": {"text": "Ein Sprachassistent beantwortet die Fragen neuer Auszubildender.",
                       "at": "00:03"},
            "effects": [{"kind": "zeit", "text": "Einarbeitung in drei statt sechs Wochen",
                         "at": timecode.manifest(round(dur * 600))}],
            "conditions": {"technik": ["Arbeitsanweisungen digital erfasst"],
                           "kultur": ["Erfahrene Kollegen geben ihr Wissen weiter"]},
            "transfer": "Übertragbar auf Handwerksbetriebe mit wiederkehrenden Arbeitsabläufen.",
        },
    }
    write_text(film_dir / "film.yaml", "# second casefilm demo film (the catalogue's second "
               "case)\n" + yaml.safe_dump(manifest, allow_unicode=True, sort_keys=False))
    return SECOND_ID
# --- end of the catalogue's part ----------------------------------------------------------


def descriptions_yaml(anna_s: float) -> str:
    """The demo's audio description: one in the opening pause, one extended at the cut to
    the second interview (`anna_s`: where it starts)."""
    rows = [
        {"at": "00:00.3", "text": "Ein Büro in Blau. Anna Beispiel am Schreibtisch."},
        {"at": timecode.manifest(round(anna_s * 1000)), "extended": True,
         "text": "Ein Testbild in bunten Farben. Ben Beispiel vom Betriebsrat."},
    ]
    return ("# Audio description of the demo film: edit freely, `casefilm run` re-voices\n"
            "# and re-mixes; `casefilm descriptions gaps ki-dienstplanung` shows the pauses\n"
            + yaml.safe_dump(rows, allow_unicode=True, sort_keys=False))


EDITOR = "Redaktion (Demo)"  # the editor name the demo's review revisions carry


@dataclass
class EditorStep:
    revisions: list[int]  # the revisions written (empty: human work found, nothing done)
    machine_words: int  # words of the machine transcript
    changed_words: int  # words the editor replaced, added or deleted against it


def review_as_editor(ws: Workspace, film_id: str = FILM_ID,
                     report: Callable[[str], None] = print) -> EditorStep:
    """The editor's step, as on the review page: the script's sentences (with their
    speakers) saved over the machine transcript through the review service (realigned onto
    Whisper's timings, a new revision), then marked reviewed (another revision), so captions
    come from the reviewed text and the page's history compares it with what Whisper heard.

    A transcript that already has revisions is human work and is left as it is."""
    from . import transcripts  # noqa: PLC0415  (the review package loads lazily)
    from .review import service  # noqa: PLC0415
    from .review.realign import EditedSegment  # noqa: PLC0415

    film = ws.film(film_id)
    if transcripts.has_human_work(film):
        report(f"[{film_id}] transcript has editor revisions: kept as they are")
        return EditorStep([], 0, 0)
    machine = service.current(film)
    edits = [EditedSegment(text=sentence, speaker=speaker)
             for _, _, speaker, _, text in CLIPS for sentence in sentences(text)]
    edited = service.save_edit(film, base=machine.revision, edits=edits, editor=EDITOR,
                               via="demo")
    reviewed = service.set_status(film, base=edited.transcript.revision, status="reviewed",
                                  editor=EDITOR)
    revisions = [step.transcript.revision for step in (edited, reviewed) if step.changed]
    words = sum(len(s.text.split()) for s in machine.segments if s.kind == "speech")
    changed = sum(max(len(c["old"].split()), len(c["new"].split()))
                  for c in service.compare(film, machine.revision)
                  if c["op"] not in ("equal", "gap"))
    report(f"[{film_id}] editor: the script's text saved over Whisper's transcript and marked "
           f"reviewed (revisions {', '.join(map(str, revisions))}); {changed} of {words} "
           f"words changed: `casefilm review {film_id}` compares them")
    return EditorStep(revisions, words, changed)


@dataclass
class DemoReports:
    qc_html: Path  # subtitles/<film>/qc.html
    qc_summary: str  # "N cues, M findings (H hard)"
    coverage_html: Path  # reports/coverage.html (reports/coverage.csv beside it)
    catalogue_html: Path | None = None  # exports/catalogue/index.html (cat20)


def reports(ws: Workspace, film_id: str = FILM_ID) -> DemoReports:
    """Write the caption QC report of `film_id` and the workspace's coverage report.

    Hard-limit breaks are counted in the summary, not raised: the demo shows the report."""
    from .catalogue import build as build_catalogue  # noqa: PLC0415
    from .didactics.coverage import write_reports  # noqa: PLC0415
    from .runner import why_stale  # noqa: PLC0415
    from .signoff import workflow  # noqa: PLC0415  (captions and didactics load lazily)

    qc = workflow.qc(ws.film(film_id), stale=why_stale)
    sm = qc.result.summary
    _, paths = write_reports(ws)
    html = next(p for p in paths if p.suffix == ".html")
    catalogue = build_catalogue(ws).root / "index.html"
    return DemoReports(qc.html, f"{sm.cues} cues, {sm.findings} findings "
                                f"({sm.hard} hard)", html, catalogue)
