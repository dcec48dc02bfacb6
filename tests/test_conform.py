"""NLE round trip: paper edit → OTIO/EDL/FCP 7 XML/FCPXML → an editor's changes through the
OTIO API → conform → programme transcript, captions and chapters; bad edit lists."""

from __future__ import annotations

import json
import re
import subprocess

import opentimelineio as otio
import pytest
import yaml

from pipeline import transcripts
from pipeline.edit import conform, interchange, sources
from pipeline.errors import ManifestError, ReviewedTranscriptError
from pipeline.workspace import Workspace
from tests.conftest import casefilm, write_film
from tests.edit_media import spoken_source, whisper_json

FPS = 25
FRAME = 1000 / FPS
WORDS_A = ["Guten", "Morgen", "wir", "planen", "Dienste", "mit", "KI", "jeden", "Tag", "neu"]
WORDS_B = ["Der", "Betriebsrat", "war", "früh", "dabei", "und", "hat", "zugestimmt"]
TC_B = "10:00:00:00"  # ben's camera writes a start timecode


@pytest.fixture(scope="module")
def media(tmp_path_factory):
    d = tmp_path_factory.mktemp("conform-media")
    a = spoken_source(d / "anna.mp4", WORDS_A)
    b = spoken_source(d / "ben.mp4", WORDS_B, source="smptebars", timecode=TC_B)
    return {"dir": d, "anna": a, "ben": b, "anna_json": whisper_json(d / "anna.json", a),
            "ben_json": whisper_json(d / "ben.json", b)}


def make_film(ws, media, **extra):
    write_film(ws, "f", {
        "title": "KI im Dienstplan", "organisation": "Pflege gGmbH",
        "speakers": [{"id": "anna", "name": "Anna A."}, {"id": "ben", "name": "Ben B."}],
        "sources": [
            {"id": "anna", "file": str(media["dir"] / "anna.mp4"), "speaker": "anna",
             "transcript": str(media["anna_json"])},
            {"id": "ben", "file": str(media["dir"] / "ben.mp4"), "speaker": "ben",
             "transcript": str(media["ben_json"])}], **extra})
    film = Workspace(ws).film("f")
    for s in ("anna", "ben"):
        sources.transcribe_source(film, s, load_model=lambda: pytest.fail("no Whisper"))
    return film


def sel(src, words, a, b):
    return {"source": src, "start": words[a].start / 1000, "end": words[b].end / 1000,
            "text": " ".join(w.text for w in words[a:b + 1])}


def write_edit(film, media):
    wa, wb = media["anna"], media["ben"]
    (film.dir / "edit.yaml").write_text(yaml.safe_dump({"selects": [
        {"card": ["KI im Dienstplan"], "duration": 2},
        sel("anna", wa, 0, 4), sel("ben", wb, 1, 4), sel("anna", wa, 5, 9)]},
        allow_unicode=True), encoding="utf-8")


def correct_source(film, old, new):
    """An editor's correction on a source transcript (a reviewed revision)."""
    st = sources.store(film, "anna")
    t = sources.current(film, "anna")
    segs = [s.model_copy(update={"words": [w.model_copy(update={"text": new}) if w.text == old
                                           else w for w in s.words],
                                 "text": s.text.replace(old, new)}) for s in t.segments]
    transcripts.write_revision(st, t.model_copy(update={
        "segments": segs, "provenance": t.provenance.model_copy(
            update={"backend": "review", "status": "reviewed", "editor": "Anna"})}),
        base=transcripts.latest_revision(st))


def dialogue(tl):
    return [t for t in tl.tracks if t.kind == otio.schema.TrackKind.Audio][0]


def track_summary(track):
    """[kind, record in, duration, (name, source in, media URL)] per item in programme frames;
    an EDL track starts at its first event (OTIO: a negative track start): a leading gap."""
    out = []
    lead = -track.source_range.start_time.to_frames() if track.source_range else 0
    if lead:
        out.append(["Gap", 0, lead])
    for c in track:
        r = c.range_in_parent()
        item = [type(c).__name__, r.start_time.to_frames() + lead, r.duration.to_frames()]
        if isinstance(c, otio.schema.Clip):
            item += [c.name, c.source_range.start_time.to_frames(),
                     c.media_reference.target_url]
        out.append(item)
    return out


def test_edl_and_fcp7_xml_read_back_into_the_same_timeline(workspace, media):
    film = make_film(workspace, media)
    write_edit(film, media)
    proc = casefilm(workspace, "edit", "export", "f", check=True)
    paths = proc.stdout.split()
    assert [p.rsplit(".", 1)[1] for p in paths] == ["otio", "edl", "xml", "fcpxml"]
    ref = otio.adapters.read_from_file(paths[0])
    v1 = track_summary(ref.video_tracks()[0])
    # source timecode kept: ben's clip starts at 10:00:00:00 + its in point
    ben_clip = [c for c in ref.video_tracks()[0] if c.name == "ben"][0]
    assert ben_clip.source_range.start_time.to_timecode() .startswith("10:00:0")
    assert ben_clip.media_reference.target_url == (media["dir"] / "ben.mp4").resolve().as_uri()
    assert ben_clip.media_reference.available_range.start_time.to_timecode() == "10:00:00:00"
    edl = otio.adapters.read_from_file(paths[1], rate=FPS)
    assert track_summary(edl.video_tracks()[0]) == v1
    assert [(c.metadata["cmx_3600"]["reel"]) for c in edl.video_tracks()[0]
            if isinstance(c, otio.schema.Clip)] == ["anna", "ben", "anna"]
    xml = otio.adapters.read_from_file(paths[2])
    assert track_summary(xml.video_tracks()[0]) == v1
    assert track_summary(xml.audio_tracks()[0]) == track_summary(dialogue(ref))
    fcpx = otio.adapters.read_from_file(paths[3])
    assert track_summary(fcpx.video_tracks()[0]) == v1
    # a select keeps whole words: in at or before the first word, out at or after the last
    a0 = [c for c in ref.video_tracks()[0] if c.name == "anna"][0].source_range
    assert a0.start_time.to_seconds() * 1000 <= media["anna"][0].start
    assert a0.end_time_exclusive().to_seconds() * 1000 >= media["anna"][4].end


def expected_words(track, truth, fixes):
    """The source words mapped through `track` (computed here from the OTIO API alone)."""
    out = []
    for c in track:
        if not isinstance(c, otio.schema.Clip):
            continue
        r = c.range_in_parent()
        zero = c.media_reference.available_range.start_time
        s_in = round((c.source_range.start_time - zero).to_seconds() * 1000)
        s_out = round((c.source_range.end_time_exclusive() - zero).to_seconds() * 1000)
        rec_in, rec_out = round(r.start_time.to_seconds() * 1000), round(
            r.end_time_exclusive().to_seconds() * 1000)
        for w in truth[c.name]:
            if s_in <= (w.start + w.end) / 2 < s_out:
                clamp = lambda t: min(rec_out, max(rec_in, rec_in + t - s_in))  # noqa: E731
                out.append((fixes.get(w.text, w.text), clamp(w.start), clamp(w.end)))
    return out


def render(track, media, out):
    """The programme as the NLE would render it: the sources cut per `track` with ffmpeg."""
    inputs, parts, k = [], [], 0
    for c in track:
        d = c.range_in_parent().duration.to_seconds()
        if isinstance(c, otio.schema.Gap):
            parts.append(f"color=c=black:s=320x180:r={FPS}:d={d}[v{k}];"
                         f"anullsrc=r=48000:cl=mono,atrim=0:{d}[a{k}]")
        else:
            zero = c.media_reference.available_range.start_time
            a = (c.source_range.start_time - zero).to_seconds()
            inputs += ["-i", str(media["dir"] / f"{c.name}.mp4")]
            n = len(inputs) // 2 - 1
            parts.append(f"[{n}:v]trim={a}:{a + d},setpts=PTS-STARTPTS[v{k}];"
                         f"[{n}:a]atrim={a}:{a + d},asetpts=PTS-STARTPTS,aformat=channel_layouts=mono[a{k}]")
        k += 1
    graph = ";".join(parts) + ";" + "".join(f"[v{i}][a{i}]" for i in range(k)) + \
        f"concat=n={k}:v=1:a=1[v][a]"
    subprocess.run(["ffmpeg", "-v", "error", "-y", *inputs, "-filter_complex", graph,
                    "-map", "[v]", "-map", "[a]", "-c:v", "libx264", "-preset", "ultrafast",
                    "-pix_fmt", "yuv420p", "-c:a", "aac", "-ar", "48000", out], check=True)
    return out


def speech_bursts(path):
    """(onset, offset) ms of every stretch of sound in the file's audio (silencedetect)."""
    err = subprocess.run(["ffmpeg", "-v", "info", "-nostats", "-i", path, "-af",
                          "silencedetect=noise=-40dB:d=0.12", "-f", "null", "-"],
                         capture_output=True, text=True, check=True).stderr
    starts = [float(x) * 1000 for x in re.findall(r"silence_start: ([\d.]+)", err)]
    ends = [float(x) * 1000 for x in re.findall(r"silence_end: ([\d.]+)", err)]
    bursts, t = [], 0.0
    for s, e in zip(starts, ends + [None] * len(starts)):
        if s > t + 1:
            bursts.append((t, s))
        t = e if e is not None else float("inf")
    if t != float("inf") and len(ends) == len(starts):  # sound up to the end of the file
        bursts.append((t, float("inf")))
    return bursts


def test_round_trip_through_the_otio_api(workspace, media):
    film = make_film(workspace, media)
    correct_source(film, "planen", "verplanen")  # reviewed before the edit
    write_edit(film, media)
    casefilm(workspace, "edit", "export", "f", check=True)
    rough = film.export_dir / "roughcut.otio"
    # the rough cut conformed first (the programme before the fine cut); chapters set on it
    casefilm(workspace, "conform", "f", str(rough), "--editor", "Eva", check=True)
    rough_t = transcripts.current(film)
    betriebsrat = next(w for w in rough_t.words if w.text == "Betriebsrat")
    m = yaml.safe_load(film.manifest_path.read_text())
    m["chapters"] = [{"start": "00:00", "title": "Einstieg"},
                     {"start": betriebsrat.start / 1000 - 0.1, "title": "Mitbestimmung"}]
    film.manifest_path.write_text(yaml.safe_dump(m, allow_unicode=True), encoding="utf-8")

    # the editor in the NLE: swap selects 2 and 3, trim select 3 (anna, 5-9) by 1 s at its head
    tl = otio.adapters.read_from_file(str(rough))
    for track in tl.tracks:
        clips = list(track)
        a, b = clips[2], clips[3]
        track[2:4] = [b.deepcopy(), a.deepcopy()]
        moved = track[2]
        sr = moved.source_range
        moved.source_range = otio.opentime.TimeRange(
            sr.start_time + otio.opentime.RationalTime(FPS, FPS),
            sr.duration - otio.opentime.RationalTime(FPS, FPS))
    fine = workspace / "fine.otio"
    otio.adapters.write_to_file(tl, str(fine))
    master = render(dialogue(tl), media, workspace / "projects" / "f" / "fine_cut.mp4")

    proc = casefilm(workspace, "conform", "f", str(fine), "--editor", "Eva", check=True)
    t = transcripts.current(film)
    assert t.revision == 2 and t.provenance.backend == "conform"
    truth = {"anna": media["anna"], "ben": media["ben"]}
    want = expected_words(dialogue(tl), truth, {"planen": "verplanen"})
    got = [(w.text, w.start, w.end) for w in t.words]
    assert [g[0] for g in got] == [w[0] for w in want]
    assert all(abs(g[1] - w[1]) <= 1 and abs(g[2] - w[2]) <= 1 for g, w in zip(got, want))
    assert "verplanen" in [w.text for w in t.words] and "planen" not in [w.text for w in t.words]
    assert {s.speaker for s in t.segments if "Betriebsrat" in s.text} == {"ben"}
    p = t.provenance.parameters
    assert p["edit_list"] == str(fine.resolve()) and p["format"] == "OTIO"
    assert p["sources"] == {"anna": {"revision": 1, "status": "reviewed"},
                            "ben": {"revision": 0, "status": "auto"}}
    assert p["untranscribed"] == [{"start": 0, "end": 2000, "item": "gap", "reason": "gap"}]
    assert "for review: 00:00:00.000–00:00:02.000" in proc.stderr
    # chapters moved with their anchor words
    film.reload()
    ch = {c.title: c.start for c in film.manifest.chapters}
    new_b = next(w for w in t.words if w.text == "Betriebsrat")
    ben_in = round(next(c for c in dialogue(tl) if c.name == "ben").range_in_parent()
                   .start_time.to_seconds() * 1000)
    # its offset to the anchor word kept, but never before the clip the word is in
    assert ch["Mitbestimmung"] == max(new_b.start - 100, ben_in)
    assert ch["Mitbestimmung"] > betriebsrat.start  # it moved: the selects were swapped
    assert ch["Einstieg"] == 0
    assert list(film.dir.glob("film.yaml.*.bak"))

    # the fine cut is the master; captions follow from the conformed transcript, no Whisper
    m = yaml.safe_load(film.manifest_path.read_text())
    m["master"] = "fine_cut.mp4"
    film.manifest_path.write_text(yaml.safe_dump(m, allow_unicode=True), encoding="utf-8")
    run = casefilm(workspace, "run", "f", "--until", "subtitles", check=True)
    assert "kept the conformed transcript (revision 2" in run.stderr
    assert "human" not in run.stderr
    cues = json.loads((workspace / "subtitles" / "f" / "cues.json").read_text())["cues"]
    bursts = [b for b in speech_bursts(master) if b[1] - b[0] >= 150]
    for on, off in bursts:  # every stretch of speech starts with a word of the transcript
        first = min(t.words, key=lambda w: abs(w.start - on))
        assert abs(first.start - on) <= 2 * FRAME, (first, on)
        assert any(on <= (w.start + w.end) / 2 <= off for w in t.words)
    for w in t.words:  # every word is heard where the transcript puts it, and captioned then
        mid = (w.start + w.end) / 2
        assert any(on <= mid <= off for on, off in bursts), f"{w.text!r} not heard at {mid} ms"
        cue = [c for c in cues if c["start"] <= mid < c["end"]]
        assert cue, f"no caption while {w.text!r} is heard at {mid:.0f} ms"
        assert w.text in " ".join(cue[0]["lines"])
        assert cue[0]["start"] <= w.start + FRAME  # never late


def test_edl_conform_and_bad_edit_lists(workspace, media):
    film = make_film(workspace, media)
    write_edit(film, media)
    casefilm(workspace, "edit", "export", "f", check=True)
    edl = (film.export_dir / "roughcut.edl").read_text()
    # an EDL keeps only reels and comments: strip the file comments, match by reel alone
    bare = workspace / "bare.edl"
    bare.write_text("\n".join(ln for ln in edl.splitlines() if "FROM CLIP:" not in ln) + "\n")
    t, evs = conform.build(film, bare)
    assert [e.source_id for e in evs] == [None, "anna", "ben", "anna"]
    assert t.words[0].text == "Guten"
    # every format the NLE may send back conforms to the same programme words
    words = [(w.text, w.start, w.end) for w in t.words]
    for suffix in (".otio", ".xml", ".fcpxml"):
        other, _ = conform.build(film, film.export_dir / f"roughcut{suffix}")
        assert [(w.text, w.start, w.end) for w in other.words] == words, suffix

    before = sorted(p.relative_to(workspace) for p in workspace.rglob("*"))
    unknown = workspace / "unknown.edl"
    unknown.write_text(re.sub(r"^(002  )ben     ", r"\1KAMERA9 ", edl, flags=re.M).replace(
        "ben.mp4", "kamera9.mp4").replace("CLIP NAME:  ben", "CLIP NAME:  kamera9"))
    proc = casefilm(workspace, "conform", "f", str(unknown))
    assert proc.returncode == 2
    assert proc.stderr.startswith(f"error: {unknown}: event 002: clip 'kamera9', reel 'KAMERA9'")
    assert "matches no source" in proc.stderr and len(proc.stderr.splitlines()) == 1

    past = workspace / "past.edl"
    lines = edl.splitlines()
    i = next(k for k, ln in enumerate(lines) if ln.startswith("002"))
    src_in, src_out = lines[i].split()[4:6]  # ben's source in/out: move them a minute on
    lines[i] = lines[i].replace(src_in, "10:01" + src_in[5:], 1).replace(
        src_out, "10:01" + src_out[5:], 1)
    past.write_text("\n".join(lines) + "\n")
    proc = casefilm(workspace, "conform", "f", str(past))
    assert proc.returncode == 2 and "event 002" in proc.stderr
    assert "reaches past the end of source 'ben'" in proc.stderr

    broken = workspace / "broken.otio"
    broken.write_text('{"OTIO_SCHEMA": "Timeline.1", "tracks": ')
    proc = casefilm(workspace, "conform", "f", str(broken))
    assert proc.returncode == 2 and proc.stderr.startswith(f"error: {broken}: not a readable OTIO file")
    assert sorted(p.relative_to(workspace) for p in workspace.rglob("*")
                  if p.name not in ("unknown.edl", "past.edl", "broken.otio")) == \
        [p for p in before if p.name not in ("unknown.edl", "past.edl", "broken.otio")]
    assert transcripts.current(film) is None  # nothing written

    # --allow-unknown marks the unknown clip for review instead
    res = conform.conform(film, unknown, allow_unknown=True, dry_run=True)
    assert [u["item"] for u in res.untranscribed] == ["gap", "event 002"]
    assert "unknown source" in res.untranscribed[1]["reason"]


def test_conform_never_supersedes_human_programme_work_silently(workspace, media):
    film = make_film(workspace, media)
    write_edit(film, media)
    casefilm(workspace, "edit", "export", "f", check=True)
    otio_file = film.export_dir / "roughcut.otio"
    conform.conform(film, otio_file, editor="Eva")
    t = transcripts.current(film)
    # an editor corrects the programme transcript itself (review page save)
    human = t.model_copy(update={"provenance": t.provenance.model_copy(
        update={"backend": "review", "editor": "Ida", "status": "reviewed"})})
    transcripts.write_revision(film, human, base=1)
    with pytest.raises(ReviewedTranscriptError, match="revision 2 by Ida .* is human work"):
        conform.conform(film, otio_file)
    assert transcripts.latest_revision(film) == 2
    res = conform.conform(film, otio_file, supersede=True)
    assert res.transcript.revision == 3
    assert res.transcript.provenance.parameters["supersedes"] == {"revision": 2, "editor": "Ida"}
    assert transcripts.read_revision(film, 2).provenance.editor == "Ida"  # kept in history


def test_unreadable_edit_lists(workspace, media, tmp_path):
    film = make_film(workspace, media)
    for name, body, words in [
        ("cut.otio", "not json at all", "not a readable OTIO file"),
        ("cut.xml", "<xmeml><sequence>", "not a readable FCP 7 XML file"),
        ("cut.aaf", "", "unsupported edit list"),
        ("missing.edl", None, "file not found"),
    ]:
        p = tmp_path / name
        if body is not None:
            p.write_text(body)
        with pytest.raises(ManifestError) as e:
            conform.build(film, p)
        assert words in str(e.value) and str(e.value).startswith(str(p))
    assert interchange.FORMATS[".fcpxml"][1] == "FCPXML"


def test_an_export_leaves_the_edit_lists_and_cuts_alone(tmp_path):
    from pipeline.delivery.package import _remove_stale

    for rel in ("roughcut.otio", "roughcut.edl", "roughcut.mp4", "clips/c1-9x16.mp4",
                "stale.m3u8", "hls/old.ts", "index.html"):
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text("x")
    _remove_stale(tmp_path, {"index.html"})
    left = sorted(p.relative_to(tmp_path).as_posix() for p in tmp_path.rglob("*") if p.is_file())
    assert left == ["clips/c1-9x16.mp4", "index.html", "roughcut.edl", "roughcut.mp4",
                    "roughcut.otio"]


# --- issue 19: conform on sources `casefilm edit transcribe` has not imported yet --------


def _unimported(workspace, media):
    """The film with its rough cut exported, then its source transcript stores removed: the
    state after film.yaml declares sources[].transcript files but before `edit transcribe`."""
    film = make_film(workspace, media)
    write_edit(film, media)
    casefilm(workspace, "edit", "export", "f", check=True)
    imported_words = [(w.text, w.start, w.end)
                      for w in conform.build(film, film.export_dir / "roughcut.otio")[0].words]
    import shutil

    shutil.rmtree(film.transcript_dir / "sources")
    return film, film.export_dir / "roughcut.otio", imported_words


def test_conform_imports_declared_source_transcripts_on_the_way(workspace, media):
    film, rough, want = _unimported(workspace, media)
    dry = casefilm(workspace, "conform", "f", str(rough), "--dry-run", check=True)
    assert "[f/anna] would import its sources[].transcript file" in dry.stderr
    assert not (film.transcript_dir / "sources").exists()  # a dry run writes nothing

    proc = casefilm(workspace, "conform", "f", str(rough), "--editor", "Eva", check=True)
    for sid in ("anna", "ben"):
        assert f"[f/{sid}] imported its sources[].transcript file" in proc.stderr
        st = sources.store(film, sid)  # imported as `edit transcribe` would have
        assert transcripts.asr_path(st).is_file() and not transcripts.has_human_work(st)
        assert sources.current(film, sid).provenance.backend.startswith("import:")
    t = transcripts.current(film)
    assert [(w.text, w.start, w.end) for w in t.words] == want and want
    assert t.provenance.parameters["imported"] == ["anna", "ben"]
    assert "no transcript" not in proc.stderr
    # the import is what `edit transcribe` makes: it finds them up to date
    again = casefilm(workspace, "edit", "transcribe", "f", check=True)
    assert again.stderr.count("up to date") == 2


def test_conform_with_an_untranscribed_source_fails_and_writes_nothing(workspace, media):
    film, rough, _ = _unimported(workspace, media)
    m = yaml.safe_load(film.manifest_path.read_text())
    del m["sources"][1]["transcript"]  # ben: neither a transcript nor a file
    film.manifest_path.write_text(yaml.safe_dump(m, allow_unicode=True), encoding="utf-8")
    before = {p: p.read_bytes() for p in workspace.rglob("*") if p.is_file()}
    proc = casefilm(workspace, "conform", "f", str(rough))
    assert proc.returncode == 2, proc.stderr
    lines = proc.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"error: {film.manifest_path}: sources: ")
    assert "source 'ben' of the edit list has no transcript yet" in lines[0]
    assert "run `casefilm edit transcribe f --source ben`" in lines[0]
    assert "'anna'" not in lines[0]  # anna's file is declared: it would be imported
    after = {p: p.read_bytes() for p in workspace.rglob("*") if p.is_file()}
    assert after == before  # nothing written: no import of anna, no revision


def test_a_conform_is_not_called_human_work(workspace, media):
    film, rough, _ = _unimported(workspace, media)
    casefilm(workspace, "conform", "f", str(rough), "--editor", "Eva", check=True)
    t = transcripts.current(film)
    assert t.provenance.backend == "conform" and t.provenance.status == "auto"
    assert transcripts.describe(t) == "the conformed transcript (revision 1 by Eva, not reviewed)"
    run = casefilm(workspace, "run", "f", "--until", "transcribe", check=True)
    assert ("[f] transcribe: kept the conformed transcript (revision 1 by Eva, not reviewed); "
            "no machine run replaces it") in run.stderr
    assert "human" not in run.stderr
