"""The review service and its HTTP API (no browser): revisions, stale saves, status,
restore, safety (Host/Origin, path traversal, bad requests), media ranges."""

from __future__ import annotations

import json
import warnings

import pytest

with warnings.catch_warnings():  # starlette suggests httpx2; httpx is what is installed
    warnings.simplefilter("ignore")
    from starlette.testclient import TestClient

from pipeline import transcripts
from pipeline.errors import EditError, StaleRevision
from pipeline.review import service
from pipeline.review.realign import edits_of
from pipeline.review.server import create_app
from pipeline.review.status import review_lines
from tests.test_review_common import make_clip, make_film

PORT = 8123


@pytest.fixture(scope="module")
def clip(tmp_path_factory):
    return make_clip(tmp_path_factory.mktemp("clip"))


@pytest.fixture
def film(workspace, clip):
    return make_film(workspace, clip=clip)


@pytest.fixture
def client(film):
    return TestClient(create_app(film, PORT), base_url=f"http://127.0.0.1:{PORT}",
                      raise_server_exceptions=False)


def disk(film) -> dict:
    """Every transcript file of the film: name -> bytes."""
    return {p.relative_to(film.transcript_dir).as_posix(): p.read_bytes()
            for p in sorted(film.transcript_dir.rglob("*.json"))}


def save_body(film, base, editor="Anna", change=None):
    t = transcripts.current(film)
    segs = [e.model_dump() for e in edits_of(t)]
    if change:
        change(segs)
    return {"base": base, "editor": editor, "segments": segs}


# --- service ---------------------------------------------------------------------------


def test_save_makes_a_revision_with_editor_time_and_realigned_words(film):
    t0 = transcripts.current(film)
    e = edits_of(t0)
    e[1].text = "Wir planen Dienste mit KI."
    saved = service.save_edit(film, base=0, edits=e, editor=" Anna  Beispiel ")
    assert saved.changed
    t1 = transcripts.current(film)
    assert t1.revision == 1 and t1.parent == 0
    assert t1.provenance.editor == "Anna Beispiel" and t1.provenance.status == "in_review"
    assert t1.provenance.backend == "review" and t1.provenance.created_at
    assert t1.segments[1].words[:4] == t0.segments[1].words[:4]
    assert t1.segments[1].words[4].text == "KI."
    assert transcripts.read(transcripts.asr_path(film)) == t0  # the machine original kept
    assert review_lines(film)[0].split()[:5] == ["review", "in", "review", "by", "Anna"]


def test_unchanged_save_writes_nothing(film):
    before = disk(film)
    saved = service.save_edit(film, base=0, edits=edits_of(transcripts.current(film)), editor="Anna")
    assert not saved.changed and disk(film) == before


def test_stale_base_is_refused_and_nothing_is_written(film):
    e = edits_of(transcripts.current(film))
    e[0].text = "Hallo"
    service.save_edit(film, base=0, edits=e, editor="Anna")
    before = disk(film)
    e[0].text = "Servus"
    with pytest.raises(StaleRevision):
        service.save_edit(film, base=0, edits=e, editor="Ben")
    assert disk(film) == before


def test_editor_and_speaker_are_checked(film):
    e = edits_of(transcripts.current(film))
    with pytest.raises(EditError, match="editor"):
        service.save_edit(film, base=0, edits=e, editor="  ")
    e[0].speaker = "carla"
    with pytest.raises(EditError, match=r"segments\.0\.speaker"):
        service.save_edit(film, base=0, edits=e, editor="Anna")
    assert transcripts.revision_numbers(film) == []


def test_speaker_unknown_to_film_yaml_but_in_the_base_stays_saveable(workspace):
    from tests.test_review_common import machine_transcript

    t = machine_transcript()
    t.segments[0].speaker = "carla"  # e.g. removed from film.yaml since the ASR run
    film = make_film(workspace, transcript=t)
    e = edits_of(transcripts.current(film))
    e[1].text = "Wir planen Dienste mit KI."
    assert service.save_edit(film, base=0, edits=e, editor="Anna").changed
    e[1].speaker = "dora"
    with pytest.raises(EditError, match="dora"):
        service.save_edit(film, base=1, edits=e, editor="Anna")


def test_status_and_restore(film):
    t0 = transcripts.current(film)
    e = edits_of(t0)
    e[2].text = "Der Betriebsrat war nicht dabei."
    service.save_edit(film, base=0, edits=e, editor="Anna")
    service.set_status(film, base=1, status="reviewed", editor="Anna")
    t2 = transcripts.current(film)
    assert t2.revision == 2 and t2.provenance.status == "reviewed" and t2.segments == transcripts.read_revision(film, 1).segments
    assert review_lines(film)[0].startswith("review     reviewed by Anna (rev 2, ")
    # an edit after sign-off goes back to "in review"
    e[2].text = "Der Betriebsrat war dabei!"
    service.save_edit(film, base=2, edits=e, editor="Ben")
    assert transcripts.current(film).provenance.status == "in_review"
    service.restore(film, revision_no=0, base=3, editor="Ben")
    t4 = transcripts.current(film)
    assert t4.revision == 4 and t4.segments == t0.segments
    assert t4.provenance.parameters == {"via": "restore", "restored_from": 0}
    assert [r.revision for r in service.history(film)] == [0, 1, 2, 3, 4]


def test_status_line_for_machine_transcript_and_missing_one(film, workspace):
    assert "machine transcript" in review_lines(film)[0]
    transcripts.asr_path(film).unlink()
    assert "pending" in review_lines(film)[0]


# --- HTTP ------------------------------------------------------------------------------


def test_page_and_transcript_json(client):
    r = client.get("/")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/html")
    assert '<html lang="de">' in r.text and "Transkript prüfen" in r.text
    assert "script-src 'self'" in r.headers["content-security-policy"]
    d = client.get("/api/transcript").json()
    assert d["revision"] == 0 and d["status"] == "auto" and len(d["segments"]) == 3
    assert [s["id"] for s in d["speakers"]] == ["anna", "ben"] and "Betriebsrat" in d["glossary"]
    assert d["media"] is True


def test_api_save_then_stale_save_is_409_and_disk_unchanged(client, film):
    def edit(segs):
        segs[1]["text"] = "Wir planen Dienste mit KI."
    r = client.post("/api/save", json=save_body(film, 0, change=edit))
    assert r.status_code == 200 and r.json()["revision"] == 1 and r.json()["changed"]
    before = disk(film)
    r = client.post("/api/save", json=save_body(film, 0, editor="Ben",
                                                change=lambda s: s[0].update(text="Hallo")))
    assert r.status_code == 409
    body = r.json()
    assert body["code"] == "stale" and body["latest"] == 1 and "revision 1" in body["error"]
    assert disk(film) == before


def test_media_supports_ranges(client, clip):
    size = clip.stat().st_size
    r = client.get("/media", headers={"Range": "bytes=100-199"})
    assert r.status_code == 206 and r.content == clip.read_bytes()[100:200]
    assert r.headers["content-range"] == f"bytes 100-199/{size}"
    r = client.get("/media", headers={"Range": f"bytes={size + 10}-"})
    assert r.status_code == 416


def test_media_missing_before_ingest_is_a_clear_404(client, film):
    (film.cache_dir / "programme.json").unlink()
    r = client.get("/media")
    assert r.status_code == 404 and "ingest" in r.json()["error"]
    assert client.get("/api/transcript").json()["media"] is False


@pytest.mark.parametrize("path", [
    "/static/../film.yaml", "/static/..%2f..%2fprojects%2fcase%2ffilm.yaml", "/static/%2e%2e/review.py",
    "/media/../../../etc/passwd", "/static/review.html", "/static/", "/projects/case/film.yaml",
    "/api/transcript?revision=../../film", "/api/transcript?revision=99",
])
def test_path_traversal_and_unknown_paths_are_refused(client, path):
    r = client.get(path)
    assert r.status_code in (400, 404, 422)
    assert "error" in r.json()
    assert "speakers" not in r.text and "Traceback" not in r.text


@pytest.mark.parametrize("headers", [
    {"Host": "evil.example"}, {"Host": "127.0.0.1"}, {"Host": f"127.0.0.1:{PORT + 1}"},
    {"Origin": "http://evil.example"}, {"Origin": f"http://127.0.0.1:{PORT + 1}"}, {"Origin": "null"},
])
def test_foreign_host_or_origin_is_refused(client, film, headers):
    before = disk(film)
    for method, url in (("GET", "/api/transcript"), ("GET", "/media"), ("POST", "/api/save")):
        r = client.request(method, url, headers=headers, json=save_body(film, 0) if method == "POST" else None)
        assert r.status_code == 403 and "refused" in r.json()["error"]
    assert disk(film) == before


def test_cross_site_fetch_and_wrong_method_are_refused(client, film):
    r = client.get("/api/transcript", headers={"Sec-Fetch-Site": "cross-site"})
    assert r.status_code == 403 and "cross-site" in r.json()["error"]
    r = client.get("/api/save")
    assert r.status_code == 405 and r.json()["error"]
    r = client.delete("/media")
    assert r.status_code == 405 and r.json()["error"]


def test_own_origin_is_accepted(client, film):
    for origin in (f"http://127.0.0.1:{PORT}", f"http://localhost:{PORT}"):
        r = client.post("/api/save", headers={"Origin": origin}, json=save_body(film, 0))
        assert r.status_code == 200


@pytest.mark.parametrize("body,ctype,status,fragment", [
    ("not json", "application/json", 400, "not valid JSON"),
    ('{"base": 0}', "application/json", 422, "editor"),
    ('{"base": -1, "editor": "A", "segments": []}', "application/json", 422, "base"),
    ('{"base": 0, "editor": "A", "segments": [{"text": 5}]}', "application/json", 422, "segments.0.text"),
    ('{"base": 0, "editor": "A", "segments": [{"text": "x", "kind": "film"}]}', "application/json", 422, "kind"),
    ('{"base": 0, "editor": "A", "segments": [{"text": "x", "speaker": "zoe"}]}', "application/json", 422, "speaker"),
    ('{"base": 0, "editor": "A", "segments": [{"text": "M", "kind": "sound", "start": 10}]}', "application/json", 422, "sound"),
    ('{"base": 0, "editor": "", "segments": []}', "application/json", 422, "editor"),
    ('[1, 2]', "application/json", 422, "body"),
    ('{"base": 0, "editor": "A", "segments": []}', "text/plain", 415, "JSON"),
])
def test_bad_requests_get_a_clear_4xx_json(client, film, body, ctype, status, fragment):
    before = disk(film)
    r = client.post("/api/save", content=body, headers={"Content-Type": ctype})
    assert r.status_code == status, r.text
    msg = r.json()["error"]
    assert fragment in msg and "Traceback" not in msg
    assert disk(film) == before


def test_restore_and_status_over_http(client, film):
    r = client.post("/api/save", json=save_body(film, 0, change=lambda s: s[0].update(text="Hallo zusammen")))
    assert r.status_code == 200
    r = client.post("/api/status", json={"base": 1, "editor": "Anna", "status": "reviewed"})
    assert r.status_code == 200 and r.json()["status"] == "reviewed" and r.json()["revision"] == 2
    r = client.post("/api/restore", json={"base": 2, "editor": "Anna", "revision": 0})
    assert r.status_code == 200 and r.json()["revision"] == 3
    assert r.json()["segments"][0]["text"] == "Guten Tag, ich bin Anna aus Stuttgart."
    r = client.post("/api/restore", json={"base": 3, "editor": "Anna", "revision": 42})
    assert r.status_code == 422 and "no such revision" in r.json()["error"]
    assert [x["revision"] for x in client.get("/api/revisions").json()] == [0, 1, 2, 3]


def test_draft_captions_escape_text(client, film):
    t = transcripts.current(film)
    e = [x.model_dump() for x in edits_of(t)]
    e[0]["text"] = "<b>fett</b> --> & mehr"
    client.post("/api/save", json={"base": 0, "editor": "A", "segments": e})
    vtt = client.get("/captions.vtt").text
    assert "&lt;b&gt;fett&lt;/b&gt;" in vtt and "--&gt;" in vtt and "&amp;" in vtt
    assert json.dumps(vtt).count("-->") == 3  # only the three timing lines


def test_compare_lists_word_changes(client, film):
    def edit(segs):
        segs[1]["text"] = "Wir planen Dienste mit KI."
        segs[2]["text"] = "Der Betriebsrat war nicht dabei."
    client.post("/api/save", json=save_body(film, 0, change=edit))
    chunks = client.get("/api/compare?revision=0").json()["chunks"]
    changes = [(c["op"], c["old"], c["new"]) for c in chunks if c["op"] not in ("equal", "gap")]
    assert changes == [("replace", "Kai.", "KI."), ("insert", "", "nicht")]
    assert chunks[0]["op"] == "gap"  # the untouched first segment is cut to context
    same = client.get("/api/compare?revision=1").json()["chunks"]
    assert all(c["op"] in ("equal", "gap") for c in same)
    assert client.get("/api/compare?revision=x").status_code == 400
    assert client.get("/api/compare?revision=9").status_code == 422


def test_concurrent_saves_on_one_base_make_exactly_one_revision(film):
    import threading

    results: list[str] = []
    barrier = threading.Barrier(6)

    def save(k):
        e = edits_of(transcripts.read(transcripts.asr_path(film)))
        e[0].text = f"Version {k}"
        barrier.wait()
        try:
            service.save_edit(film, base=0, edits=e, editor=f"E{k}")
            results.append(f"ok{k}")
        except StaleRevision:
            results.append("stale")

    threads = [threading.Thread(target=save, args=(k,)) for k in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(results).count("stale") == 5 and transcripts.revision_numbers(film) == [1]
    winner = next(r for r in results if r.startswith("ok"))[2:]
    assert transcripts.current(film).segments[0].text == f"Version {winner}"
