"""`casefilm demo`: a workspace with a synthetic German case film.

Two interview clips, each a different shot (lavfi `gradients` and `testsrc2`), with speech
from espeak-ng in two voices for two speakers; a goal catalogue, film goals and chapters;
an audio description (descriptions.yaml): the first clip opens on a few seconds without
speech, where one description fits, and the second shot is introduced by an extended
description (the player pauses the film while it is spoken); a sign-language interpreter
track (a generated picture standing in for a DGS interpreter, `_make_interpreter`).
A workspace that already holds the demo film is reused as it is: the demo never overwrites
a film.yaml or footage that may have been edited since.

After the pipeline, `reports` writes what the README sends a newcomer to besides the
package: the caption QC report (the library call behind `casefilm qc`) and the coverage
report (the one behind `casefilm coverage`).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import yaml

from . import ffmpeg, timecode
from .fsutil import atomic_path, write_text
from .workspace import Workspace

FILM_ID = "ki-dienstplanung"

LEAD_S = {"interview-anna": 5.0}  # silence before the speech (s): room for a description
CLIPS = [  # (source id, file name, speaker, espeak voice, lavfi video, text)
    ("interview-anna", "interview_anna.mp4", "anna", "de+Annie",
     "gradients=s=1280x720:r=25:c0=0x1f3a5f:c1=0x3f7fbf:x0=0:y0=0:x1=1280:y1=720:speed=0.02",
     "Guten Tag. Ich bin Anna Beispiel, Pflegedienstleitung. "
     "Früher hat die Dienstplanung jede Woche zwölf Stunden gedauert. "
     "Heute schlägt uns eine KI einen Dienstplan vor, und wir prüfen ihn gemeinsam. "
     "So bleibt mehr Zeit für die Pflege."),
    ("interview-ben", "interview ben (Betriebsrat).mp4", "ben", "de+Boris",
     "testsrc2=s=1280x720:r=25",
     "Ich bin Ben Beispiel vom Betriebsrat. Wichtig war uns, dass niemand überwacht wird. "
     "Wir haben eine Betriebsvereinbarung geschlossen, bevor das System eingeführt wurde. "
     "Die Beschäftigten tragen ihre Wünsche jetzt direkt ein."),
]

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


def _make_clip(raw: Path, name: str, voice: str, video: str, text: str,
               lead_s: float = 0.3) -> float:
    """Render one interview clip (speech after `lead_s` s); returns its duration in s."""
    out = raw / name
    wav = raw / f".tmp-{out.stem}.wav"
    ffmpeg.run(["-v", voice, "-s", "150", "-w", wav, text], tool="espeak-ng")
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
    durations = [_make_clip(raw, name, voice, video, text, LEAD_S.get(sid, 0.3))
                 for sid, name, _, voice, video, text in CLIPS]
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
    }
    manifest["sign_language"] = _make_interpreter(raw, round(sum(durations), 2))
    write_text(ws.catalogue_path(), yaml.safe_dump(CATALOGUE, allow_unicode=True,
                                                   sort_keys=False))
    write_text(film_dir / "film.yaml", "# casefilm demo film: edit freely, `casefilm run "
               f"{FILM_ID}` redoes what your change affects\n"
               + yaml.safe_dump(manifest, allow_unicode=True, sort_keys=False))
    write_text(film_dir / "descriptions.yaml", descriptions_yaml(anna))
    ws.ensure_gitignore()
    return ws, FILM_ID


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


@dataclass
class DemoReports:
    qc_html: Path  # subtitles/<film>/qc.html
    qc_summary: str  # "N cues, M findings (H hard)"
    coverage_html: Path  # reports/coverage.html (reports/coverage.csv beside it)


def reports(ws: Workspace, film_id: str = FILM_ID) -> DemoReports:
    """Write the caption QC report of `film_id` and the workspace's coverage report.

    Hard-limit breaks are counted in the summary, not raised: the demo shows the report."""
    from .runner import why_stale  # noqa: PLC0415
    from .signoff import workflow  # noqa: PLC0415  (captions and didactics load lazily)
    from .didactics.coverage import write_reports  # noqa: PLC0415

    qc = workflow.qc(ws.film(film_id), stale=why_stale)
    sm = qc.result.summary
    _, paths = write_reports(ws)
    html = next(p for p in paths if p.suffix == ".html")
    return DemoReports(qc.html, f"{sm.cues} cues, {sm.findings} findings "
                                f"({sm.hard} hard)", html)
