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


# --- the describe stage and the mix (decoded audio) -----------------------------------------

def _cli(ws: Path, capsys, *args: str) -> tuple[int, list[str], str]:
    """`casefilm -w WS ARGS…` in this process: (exit code, error lines, stdout)."""
    from pipeline.cli import main

    capsys.readouterr()
    try:
        main(["-w", str(ws), *args])
        code = 0
    except SystemExit as e:
        code = e.code or 0
    out = capsys.readouterr()
    return code, [ln for ln in out.err.splitlines() if ln.startswith("error:")], out.out


def _state(film):
    from pipeline.stages.base import Context

    st, _ = runner.stage_state(Context(film, RunOptions()), runner.stage_by_name("describe"))
    return st


def _run(ws: Path, *stages: str, force=()) -> runner.FilmOutcome:
    film = Workspace.resolve(ws).film(FILM)
    out = runner.run_film(film, RunOptions(report=lambda m: None),
                          [runner.stage_by_name(s) for s in stages or ("describe",)], set(force))
    if out.error:
        raise out.error
    return out


@pytest.fixture(scope="module")
def described(tmp_path_factory) -> Path:
    ws = tmp_path_factory.mktemp("ad") / "ws"
    (ws / "projects").mkdir(parents=True)
    ad_film(ws)
    _run(ws)
    return ws


def _track(ws: Path) -> model.AdTrack:
    film = Workspace.resolve(ws).film(FILM)
    return model.AdTrack.model_validate_json(model.ad_track_path(film).read_text())


def test_stage_writes_track_vtt_mix_and_stem(described):
    t = _track(described)
    assert [(p.n, p.start_ms, p.extended, p.voice.kind, p.voice.draft) for p in t.descriptions] == \
        [(1, 2500, False, "espeak-ng", True), (2, 5500, True, "espeak-ng", True)]
    p1, p2 = t.descriptions
    assert 500 < p1.end_ms - p1.start_ms < 2000 and p1.overlap_ms == 0 and p1.gap_ms == 2000
    assert p2.overlap_ms == 0  # extended
    for f in (t.mix, t.narration):
        info = json.loads(__import__("subprocess").run(
            ["ffprobe", "-v", "error", "-print_format", "json", "-show_streams", f],
            capture_output=True, text=True, check=True).stdout)["streams"][0]
        assert (info["codec_name"], info["sample_rate"], info["channels"]) == ("flac", "48000", 2)
    vtt = Path(t.vtt).read_text(encoding="utf-8")
    assert vtt.startswith("WEBVTT - de") and "Ein helles Büro." in vtt
    assert "\n1\n00:00:02.500 --> " in vtt and "\n2\n00:00:05.500 --> " in vtt
    assert Path(t.vtt) == described / "subtitles" / FILM / "descriptions.vtt"
    assert all(Path(p.clip).is_file() for p in t.descriptions)
    assert t.digest == store.load(Workspace.resolve(described).film(FILM)).digest


def test_mix_ducks_exactly_inside_windows_and_is_main_audio_elsewhere(described, tmp_path):
    import ffmpeg as ffmpeg_python
    import numpy as np

    from pipeline import ffmpeg
    from pipeline.audio import PCM_OPTIONS, loudness

    t = _track(described)
    media = described / "projects" / FILM / "raw" / "main.mp4"
    # the main mix before its encode, made here with the export's own loudness calls
    m1, _ = loudness.measure(media, -16.0, -1.5, DURATION_MS)
    main_path = tmp_path / "main.flac"
    ffmpeg.run_graph(loudness.normalise(ffmpeg_python.input(str(media))["a:0"], -16.0, -1.5,
                                        None if loudness.is_silent(m1) else m1)
                     .output(str(main_path), format="flac", **PCM_OPTIONS))
    main, mix, stem = decode(main_path), decode(Path(t.mix)), decode(Path(t.narration))
    assert len(mix) == len(stem) == len(main) == DURATION_MS * 48
    sps, ramp = 48, t.ramp_ms * 48
    outside = np.ones(len(main), bool)
    for p in t.descriptions:
        a, b = p.start_ms * sps, p.end_ms * sps
        outside[max(0, a - ramp):b + ramp] = False
        inside = slice(a, b)
        assert np.sqrt((stem[inside] ** 2).mean()) > 0.01  # the narration is in the stem
        if p.extended:  # spoken while the player pauses: not in the linear mix
            assert np.abs(mix[inside] - main[inside]).max() < 1e-4
            continue
        prog = mix[inside] - stem[inside]  # the programme part of the mix
        ratio_db = 20 * np.log10(np.sqrt((prog ** 2).mean() / (main[inside] ** 2).mean()))
        assert ratio_db == pytest.approx(t.duck_db, abs=0.05)
        assert np.abs(prog - main[inside] * 10 ** (t.duck_db / 20)).max() < 1e-4
        assert np.sqrt((stem[inside] ** 2).mean()) > 0.01  # the narration is there
        assert np.allclose(stem[inside][:, 0], stem[inside][:, 1])  # centred
    assert any(p.extended for p in t.descriptions) and not all(p.extended for p in t.descriptions)
    assert outside.sum() > len(main) * 0.4
    assert np.abs(mix[outside] - main[outside]).max() < 1e-4  # identical elsewhere
    assert np.abs(stem[outside]).max() == 0.0
    # loudness: the main mix's target and ceiling, measured on the written file
    after = loudness.measure_file(Path(t.mix))
    assert abs(after.integrated_lufs - -16.0) <= 1.0 and after.true_peak_dbtp <= -1.5
    assert (t.mix_lufs, t.mix_true_peak_dbtp) == (after.integrated_lufs, after.true_peak_dbtp)


def test_second_run_does_nothing_a_text_change_remixes(described):
    assert _run(described).worked == []
    film = Workspace.resolve(described).film(FILM)
    assert _state(film).state == "done"
    path = model.descriptions_path(film)
    old = path.read_text(encoding="utf-8")
    before = _track(described)
    try:
        path.write_text(old.replace("Ein helles Büro.", "Ein helles, großes Büro."), encoding="utf-8")
        st = _state(film)
        assert st.state == "stale" and "descriptions changed" in st.why
        assert _run(described).worked == ["describe"]
        after = _track(described)
        assert after.descriptions[0].text == "Ein helles, großes Büro."
        assert after.mix_sha256 != before.mix_sha256
        assert after.descriptions[1].voice == before.descriptions[1].voice  # cached voice
    finally:
        path.write_text(old, encoding="utf-8")
        _run(described)


def test_recorded_narration_wins_and_bad_ones_are_one_line(described, capsys):
    from tests import media

    film = Workspace.resolve(described).film(FILM)
    folder = model.narrations_dir(film)
    folder.mkdir(exist_ok=True)
    rec = media.speak("Ein Büro.", folder / "1.wav", voice="de+f3")
    try:
        _run(described)
        p1 = _track(described).descriptions[0]
        assert (p1.voice.kind, p1.voice.source, p1.voice.draft) == ("recorded", "descriptions/1.wav", False)
        before = {p: p.stat().st_mtime_ns for p in (described / "subtitles" / FILM).iterdir()}
        for content in (b"", b"not audio at all " * 20):
            rec.write_bytes(content)
            code, err, _ = _cli(described, capsys, "describe", FILM)
            assert code == 2 and len(err) == 1, err
            assert "descriptions/1.wav" in err[0] and "description 1" in err[0]
            assert {p: p.stat().st_mtime_ns for p in (described / "subtitles" / FILM).iterdir()} == before
    finally:
        rec.unlink(missing_ok=True)
        _run(described)


def test_bad_descriptions_file_one_line_nothing_touched(described, capsys):
    film = Workspace.resolve(described).film(FILM)
    path = model.descriptions_path(film)
    old = path.read_bytes()
    before = sorted((p, p.stat().st_mtime_ns) for p in (described / ".casefilm" / "cache" / FILM / "ad").rglob("*"))
    try:
        for bad, expect in [(b"- {at: '00:02', text: x}\n- {at: '00:02', text: y}\n", "entry 2: at: at the same time"),
                            (b"- {at: '00:30', text: x}\n", "entry 1: at: outside the programme"),
                            ("- {at: '00:02', text: Büro}\n".encode("latin-1"), "not UTF-8"),
                            (b"at: 1\ntext: x\n", "expected a list")]:
            path.write_bytes(bad)
            code, err, _ = _cli(described, capsys, "describe", FILM)
            assert code == 2 and len(err) == 1, err
            assert "descriptions.yaml" in err[0] and expect in err[0], err
        after = sorted((p, p.stat().st_mtime_ns) for p in (described / ".casefilm" / "cache" / FILM / "ad").rglob("*"))
        assert after == before
    finally:
        path.write_bytes(old)


# --- the describer's script ---------------------------------------------------------------------

def test_gaps_command_lists_gaps_and_writes_script(described, capsys):
    import docx

    code, err, out = _cli(described, capsys, "descriptions", "gaps", FILM)
    assert code == 0, err
    assert "1 gaps of at least 1 s" in out and "00:02.400" in out and "2.1s  4" in out
    assert "description 1 at 00:02.500" in out and "(measured): fits" in out
    assert "description 2 at 00:05.500" in out and ": extended" in out
    html = (described / "subtitles" / FILM / "descriptions-script.html").read_text(encoding="utf-8")
    assert '<html lang="de">' in html and "Skript für die Audiodeskription" in html
    assert 'data-start="2400" data-length="2100" data-words="4"' in html
    assert 'data-n="1" data-at="2500" data-fits="true"' in html
    doc = docx.Document(str(described / "subtitles" / FILM / "descriptions-script.docx"))
    cells = [c.text for t in doc.tables for row in t.rows for c in row.cells]
    assert "Ein helles Büro." in cells and "00:02.400" in cells
    # the narration rate is an override: 3 words/s fit 6 words into the 2.1 s gap
    code, err, out = _cli(described, capsys, "descriptions", "gaps", FILM, "--rate", "3",
                          "--min-gap", "0.15")
    assert code == 0 and "2.1s  6" in out and "4 gaps of at least 0.15 s" in out


# --- QC, voice acceptance, sign-off, status ------------------------------------------------------

def test_qc_part_signoff_binds_ad_files_and_is_voided(described, capsys):
    from pipeline.runner import why_stale
    from pipeline.signoff import approval, workflow
    from pipeline.signoff.status import description_lines
    from pipeline.errors import InputError

    def ad_lines(film):
        return description_lines(film, why_stale)

    ws = Workspace.resolve(described)
    film = ws.film(FILM)
    _run(described, "subtitles")
    path = model.descriptions_path(film)
    old = path.read_text(encoding="utf-8")
    try:
        r = workflow.qc(film, stale=why_stale).result
        ad = r.audio_description
        assert (ad.count, ad.extended, ad.drafts, ad.recorded, ad.stale) == (2, 1, 2, 0, None)
        assert [f.rule for f in ad.findings] == ["ad_draft_voice", "ad_draft_voice"]
        assert ad.per_minute == 15.0 and ad.longest_ms is not None
        ids = [c.id for c in r.checklist]
        assert ids[-5:] == ["WCAG 2.2 1.2.3", "WCAG 2.2 1.2.5", "EN 301 549 7.2.1",
                            "EN 301 549 7.2.2", "EN 301 549 7.2.3"]
        html = (described / "subtitles" / FILM / "qc.html").read_text(encoding="utf-8")
        assert 'id="audio-description" data-present="true"' in html
        assert 'id="ad-1" data-n="1" data-voice="espeak-ng" data-draft="true"' in html
        assert "Synthetische Stimme (Entwurf)" in html
        with pytest.raises(InputError, match="synthetic draft voices"):
            workflow.qc(film, reviewer="Rita", stale=why_stale)
        assert approval.load(film) is None
        assert "2 draft voices" in ad_lines(film)[0] and "not signed off" in ad_lines(film)[0]

        code, err, out = _cli(described, capsys, "descriptions", "accept-voice", FILM, "--all",
                              "--reviewer", "Rita")
        assert code == 0 and "accepted synthetic voices: 1, 2" in out, err
        assert _state(film).state == "stale"
        _run(described)
        assert [p.voice.accepted_by for p in _track(described).descriptions] == ["Rita", "Rita"]
        a = workflow.qc(film, reviewer="Rita", stale=why_stale).approval
        assert {"descriptions.yaml", "descriptions.vtt", "ad-mix.flac",
                "ad-narration.flac"} <= set(a.files)
        assert approval.check(film) == (approval.load(film), None)
        assert "signed off by Rita" in ad_lines(film)[0]

        # a changed description voids the sign-off; its new voice is a draft again
        path.write_text(old.replace("Ein helles Büro.", "Ein dunkles Büro."), encoding="utf-8")
        assert "not voiced and mixed" in ad_lines(film)[0]
        _run(described)
        _, why = approval.check(film)
        assert why and "descriptions.yaml" in why and "ad-mix.flac" in why
        ps = _track(described).descriptions
        assert (ps[0].voice.draft, ps[1].voice.accepted_by) == (True, "Rita")
        assert "sign-off by Rita void" in ad_lines(film)[0]
    finally:
        path.write_text(old, encoding="utf-8")
        approval.path(film).unlink(missing_ok=True)
        model.acceptance_path(film).unlink(missing_ok=True)
        _run(described)


# --- the review page's descriptions lane ----------------------------------------------------------

def test_review_lane_saves_revisions_and_refuses_stale_and_bad(described):
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from starlette.testclient import TestClient
    from pipeline.review.server import create_app

    film = Workspace.resolve(described).film(FILM)
    path = model.descriptions_path(film)
    old = path.read_text(encoding="utf-8")
    client = TestClient(create_app(film, 8799), base_url="http://127.0.0.1:8799")
    try:
        page = client.get("/").text
        assert 'id="ad-lane"' in page and "/static/review-descriptions.js" in page
        assert client.get("/static/review-descriptions.js").status_code == 200
        lane = client.get("/api/descriptions").json()
        assert [d["at_ms"] for d in lane["descriptions"]] == [2500, 5500]
        assert lane["descriptions"][0]["fits"] and lane["gaps"][0]["start_ms"] == 2400
        rows = [{k: d[k] for k in ("at_ms", "text", "extended")} for d in lane["descriptions"]]
        new = rows + [{"at_ms": 7700, "text": "Abspann.", "extended": False}]
        r = client.post("/api/descriptions", json={"base": lane["digest"], "editor": "Eva",
                                                   "descriptions": new})
        assert r.status_code == 200, r.text
        assert [d["at_ms"] for d in r.json()["descriptions"]] == [2500, 5500, 7700]
        kept = model.revisions_dir(film) / "0001.yaml"
        assert kept.read_text(encoding="utf-8").endswith(old)  # the replaced state is kept
        assert len(store.load(film).descriptions) == 3
        # a second tab still on the old digest is refused, nothing written
        r = client.post("/api/descriptions", json={"base": lane["digest"], "descriptions": rows})
        assert r.status_code == 409 and len(store.load(film).descriptions) == 3
        bad = [rows[0], {**rows[1], "at_ms": 2500}]
        r = client.post("/api/descriptions", json={"base": store.load(film).digest,
                                                   "descriptions": bad})
        assert r.status_code == 400 and "entry 2: at: at the same time" in r.json()["error"]
        assert sorted(p.name for p in model.revisions_dir(film).iterdir()) == ["0001.yaml"]
    finally:
        path.write_text(old, encoding="utf-8")
        import shutil

        shutil.rmtree(model.revisions_dir(film), ignore_errors=True)
