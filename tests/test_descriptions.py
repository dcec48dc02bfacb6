"""Audio description, authoring half: descriptions.yaml validation, gaps, fit, voices, the
AD mix measured on decoded audio, the describe stage, the describer's script, the CLI.
Media is tiny (8 s, 160x90, see tests/ad_support.py); narrations come from espeak-ng."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from pipeline import runner
from pipeline.descriptions import gaps, model, store
from pipeline.descriptions.fit import fit
from pipeline.errors import ManifestError
from pipeline.stages.base import RunOptions
from pipeline.workspace import Workspace
from tests.ad_support import DESCRIPTIONS, DURATION_MS, FILM, ad_film, decode, transcript
from tests.conftest import casefilm

P = Path("projects/f/descriptions.yaml")


# --- descriptions.yaml (pure) ---------------------------------------------------------------

def test_parse_valid_list():
    ds = store.parse(P, yaml.safe_load(DESCRIPTIONS), DURATION_MS)
    assert [(d.at_ms, d.extended) for d in ds] == [(2500, False), (5500, True)]
    assert ds[0].text == "Ein helles Büro."
    assert store.parse(P, None) == []
    # unquoted MM:SS is YAML 1.1 base 60: 01:30 -> 90 -> 90 s, as intended
    assert store.parse(P, yaml.safe_load("- {at: 01:30, text: x}"))[0].at_ms == 90000


@pytest.mark.parametrize("text, field, reason", [
    ("{at: 1, text: x}", "", "expected a list of descriptions"),
    ("- just text", "entry 1", "expected a mapping"),
    ("- {at: '00:01', text: '  '}", "entry 1: text", "empty text"),
    ("- {at: '00:01'}", "entry 1: text", "Field required"),
    ("- {text: x}", "entry 1: at", "Field required"),
    ("- {at: 'soon', text: x}", "entry 1: at", "not a timecode"),
    ("- {at: '00:01', text: x, voice: y}", "entry 1: voice", "unknown key"),
    ("- {at: '00:03', text: x}\n- {at: '00:02', text: y}", "entry 2: at", "time order"),
    ("- {at: '00:03', text: x}\n- {at: '00:03.000', text: y}", "entry 2: at", "same time"),
    ("- {at: '00:09', text: x}", "entry 1: at", "outside the programme"),
])
def test_parse_rejects_with_file_entry_field(text, field, reason):
    with pytest.raises(ManifestError) as e:
        store.parse(P, yaml.safe_load(text), DURATION_MS)
    assert e.value.field == field and reason in e.value.reason
    line = e.value.line()
    assert "\n" not in line and line.startswith(f"{P}: ")


# --- gaps and fit (pure) ----------------------------------------------------------------------

def test_gaps_from_word_timings_sound_events_occupied():
    t = transcript()
    busy = gaps.occupied(t)
    assert busy[0] == (200, 608) and busy[4] == (1992, 2400) and (4500, 4800) in busy
    found = gaps.find_gaps(t, DURATION_MS, 1000)
    assert [(g.start, g.end) for g in found] == [(2400, 4500)]
    assert found[0].words(2.2) == int(2100 * 2.2 // 1000) == 4
    # shorter gaps appear with a lower threshold, the pauses between words never merge speech
    short = gaps.find_gaps(t, DURATION_MS, 150)
    assert [(g.start, g.end) for g in short] == [(0, 200), (2400, 4500), (4800, 5000),
                                                 (7600, 8000)]
    # a pause between two words (40 ms) is not a gap
    assert all(g.length >= 150 for g in short)
    assert gaps.find_gaps(None, 5000, 1000)[0].length == 5000  # no transcript: all free


def test_fit_overlap_in_ms_unless_extended():
    t = transcript()
    ds = store.parse(P, yaml.safe_load(DESCRIPTIONS), DURATION_MS)
    f1, f2 = fit(ds, t, DURATION_MS, 2.0)
    assert (f1.gap_ms, f1.estimated_ms, f1.overlap_ms, f1.fits) == (2000, 1500, 0, True)
    assert f2.gap_ms == 0 and f2.extended and f2.overlap_ms == 0 and f2.fits
    assert f2.speech_overlap_ms > 0  # what a linear mix talks over
    # measured length wins; running into the sound event at 4.5 s costs exactly the overlap
    f1, _ = fit(ds, t, DURATION_MS, 2.0, {1: 2300})
    assert f1.measured and f1.overlap_ms == 2500 + 2300 - 4500 and not f1.fits
    # not extended: the overlap counts only the speech (words), not the pauses between them
    plain = [d.model_copy(update={"extended": False}) for d in ds]
    _, f2 = fit(plain, t, DURATION_MS, 2.0)
    assert f2.overlap_ms == gaps.overlap(gaps.occupied(t), 5500, 5500 + f2.spoken_ms) > 0
    # one description running into the next
    close = store.parse(P, yaml.safe_load("- {at: '00:02.5', text: a b c d e f}\n"
                                          "- {at: '00:03', text: x}"), DURATION_MS)
    assert fit(close, t, DURATION_MS, 2.0)[0].next_overlap_ms == 2500
