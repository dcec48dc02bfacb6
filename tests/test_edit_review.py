"""The paper edit on the review page: API (TestClient) and the page in headless Chromium."""

from __future__ import annotations

import pytest
import yaml
from starlette.testclient import TestClient

from pipeline import transcripts
from pipeline.edit import load_edit, sources
from pipeline.review.server import ReviewServer, create_app
from tests.test_edit import WORDS_A, WORDS_B, imported, make_film, media, sel, write_edit  # noqa: F401

PORT = 8799


@pytest.fixture
def film(workspace, media):  # noqa: F811
    f = make_film(workspace, media)
    imported(f)
    return f


@pytest.fixture
def client(film):
    return TestClient(create_app(film, PORT), base_url=f"http://127.0.0.1:{PORT}",
                      raise_server_exceptions=False)


def test_edit_api_save_resolve_and_stale(client, film):
    r = client.get("/api/edit")
    assert r.status_code == 200 and r.json()["digest"] == "none" and r.json()["items"] == []
    assert [s["id"] for s in r.json()["sources"]] == ["anna", "ben"]
    words = client.get("/api/edit/source/ben").json()["words"]
    assert [w["text"] for w in words] == WORDS_B
    body = {"digest": "none", "selects": [
        {"card": ["Titel"], "duration": 2},
        {"source": "ben", "start": words[1]["start"] / 1000, "end": words[3]["end"] / 1000,
         "text": "Betriebsrat war früh"}]}
    saved = client.post("/api/edit/save", json=body)
    assert saved.status_code == 200, saved.text
    data = saved.json()
    assert data["duration_ms"] == 2000 + words[3]["end"] - words[1]["start"]
    assert [i.get("at_ms") for i in data["items"]] == [0, 2000]
    edit = load_edit(film)
    assert edit.selects[1].start == words[1]["start"] and edit.selects[1].text == "Betriebsrat war früh"
    # a second tab that loaded the empty edit may not overwrite it
    stale = client.post("/api/edit/save", json=body)
    assert stale.status_code == 409 and "changed since this page loaded it" in stale.json()["error"]
    # a select that points at no words is refused with the select and field named
    bad = {"digest": data["digest"], "selects": [{"source": "ben", "start": 0.0, "end": 0.1}]}
    r = client.post("/api/edit/save", json=bad)
    assert r.status_code == 400 and "selects.0" in r.json()["error"]
    assert load_edit(film).selects[1].text == "Betriebsrat war früh"  # nothing written
    assert client.get("/api/edit/source/nobody").status_code == 404
    assert client.get("/api/edit/media/anna").status_code == 200


def test_review_page_per_source_uses_its_own_store(client, film):
    page = client.get("/sources/anna/")
    assert page.status_code == 200 and 'href="/edit"' in page.text
    t = client.get("/sources/anna/api/transcript").json()
    assert t["film"] == "f/anna" and t["media"] is True
    segs = [{"text": s["text"].replace("planen", "verplanen"), "speaker": s["speaker"],
             "kind": s["kind"], "start": s["start"], "end": s["end"]} for s in t["segments"]]
    r = client.post("/sources/anna/api/save", json={"base": t["revision"], "editor": "Eva",
                                                    "segments": segs})
    assert r.status_code == 200, r.text
    st = sources.store(film, "anna")
    assert transcripts.latest_revision(st) == 1
    assert "verplanen" in [w.text for w in sources.current(film, "anna").words]
    assert transcripts.current(film) is None  # the programme's store is untouched


@pytest.mark.browser
def test_paper_edit_in_the_browser(film):
    from playwright.sync_api import expect

    from tests.browser import axe_violations, chromium

    srv = ReviewServer(film, 0).start()
    try:
        with chromium() as browser:
            page = browser.new_page(viewport={"width": 1280, "height": 900})
            page.goto(srv.url + "edit")
            page.wait_for_selector(".word")
            words = page.locator(".word")
            assert words.count() == len(WORDS_A)
            words.nth(2).click()
            words.nth(4).click(modifiers=["Shift"])
            assert "3 Wörter" in page.locator("#selection").inner_text()
            page.click("#add-select")
            page.select_option("#source", "ben")
            expect(page.locator(".word").first).to_have_text("Der")
            expect(page.locator(".word")).to_have_count(len(WORDS_B))
            page.locator(".word").nth(0).click()
            page.locator(".word").nth(1).click(modifiers=["Shift"])
            page.click("#add-select")
            page.click("li.select:nth-child(2) button.up")  # ben first
            page.click("li.select:nth-child(1) button.end-later")  # one more word: "war"
            page.click("li.select:nth-child(2) button.start-later")  # anna from "planen"
            a = sources.current(film, "anna").words
            b = sources.current(film, "ben").words
            total = (b[2].end - b[0].start) + (a[4].end - a[3].start)
            shown = int(page.locator("#total").get_attribute("data-ms"))
            assert shown == total
            page.click("#save")
            page.wait_for_selector("#total[data-saved='1']")
            edit = load_edit(film)
            assert [(s.source, s.start, s.end, s.text) for s in edit.selects] == [
                ("ben", b[0].start, b[2].end, "Der Betriebsrat war"),
                ("anna", a[3].start, a[4].end, "planen Dienste")]
            ctx = browser.new_context(bypass_csp=True)  # axe is injected as an inline script
            checked = ctx.new_page()
            checked.goto(srv.url + "edit")
            checked.wait_for_selector(".word")
            assert axe_violations(checked) == []
    finally:
        srv.stop()
