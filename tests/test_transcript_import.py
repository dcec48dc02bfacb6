"""Reading existing transcripts: Whisper JSON, SRT and WebVTT, and their bad forms."""

from __future__ import annotations

import json

import pytest

from pipeline.errors import ManifestError
from pipeline.transcript_io import read_transcript

SPEAKERS = {"Anna Beispiel": "anna", "anna": "anna"}


def read(path, duration_ms=10_000):
    return read_transcript(path, film="f", language="de", duration_ms=duration_ms,
                           speakers=SPEAKERS)


def test_whisper_json_keeps_word_timings_and_clamps(tmp_path):
    p = tmp_path / "whisper.json"
    p.write_text(json.dumps({"text": "…", "segments": [
        {"start": 0.5, "end": 2.0, "text": " Guten Tag.",
         "words": [{"word": " Guten", "start": 0.5, "end": 1.0, "probability": 0.9},
                   {"word": " Tag.", "start": 1.0, "end": 2.0, "probability": 0.8}]},
        {"start": 2.5, "end": 12.0, "text": " Ohne Wortzeiten bis über das Ende"},
        {"start": 12.0, "end": 13.0, "text": " Untertitel der Amara.org-Community"},
    ]}), encoding="utf-8")
    t = read(p)
    assert t.provenance.backend == "import:whisper-json"
    assert [s.text for s in t.segments] == ["Guten Tag.", "Ohne Wortzeiten bis über das Ende"]
    assert [(w.start, w.end, w.probability) for w in t.segments[0].words] == [
        (500, 1000, 0.9), (1000, 2000, 0.8)]
    second = t.segments[1]
    assert second.end == 10_000 and second.words[0].start == 2500
    assert second.words[-1].end == 10_000 and len(second.words) == 6


def test_webvtt_voices_become_speakers_and_text_is_unescaped(tmp_path):
    p = tmp_path / "vendor.vtt"
    p.write_text("WEBVTT\n\n00:00:01.000 --> 00:00:02.500\n<v Anna Beispiel>Pflege &amp; "
                 "Planung\n\n00:00:03.000 --> 00:00:04.000\nZweite\nZeile\n", encoding="utf-8")
    t = read(p)
    assert t.provenance.backend == "import:vtt"
    assert [(s.text, s.speaker) for s in t.segments] == [
        ("Pflege & Planung", "anna"), ("Zweite Zeile", None)]
    assert [w.text for w in t.segments[0].words] == ["Pflege", "&", "Planung"]
    assert t.segments[0].words[0].start == 1000 and t.segments[0].words[-1].end == 2500


@pytest.mark.parametrize("name, body, words", [
    ("kaputt.json", "{\"segments\": [", "not valid JSON"),
    ("falsch.json", "{\"text\": \"x\"}", "segments"),
    ("kaputt.srt", "1\n00:00:01,000 --> kaputt\nText\n", "valid SRT"),
    ("notiz.txt", "Text", "unsupported transcript format"),
])
def test_bad_import_files_name_file_and_field(tmp_path, name, body, words):
    p = tmp_path / name
    p.write_text(body, encoding="utf-8")
    with pytest.raises(ManifestError) as e:
        read(p)
    line = e.value.line()
    assert name in line and "transcript.import" in line and words in line


def test_missing_import_file(tmp_path):
    with pytest.raises(ManifestError) as e:
        read(tmp_path / "fehlt.srt")
    assert "fehlt.srt" in e.value.line() and "not found" in e.value.line()
