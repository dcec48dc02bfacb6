"""Chapter suggestions on a synthetic transcript with known boundaries and goals, and the
suggest → review → accept workflow.

`python -m tests.test_suggest` prints the quality figures quoted in docs/chapters.md.
"""

from __future__ import annotations

import json

import pytest
import yaml

from pipeline import timecode
from pipeline.didactics.suggest import Params, suggest
from pipeline.workspace import Workspace
from tests.conftest import casefilm, write_film
from tests.test_didactics_helpers import (TOPIC_GOALS, manifest, synthetic_transcript,
                                          topic_goals, write_programme)

TOLERANCE_MS = 3000  # "within a few seconds"


def _check(seed: int, **variant) -> None:
    tr, starts, goals, duration = synthetic_transcript(seed, **variant)
    chs = suggest(tr, topic_goals(), duration)
    got = [timecode.parse(c.start) for c in chs]
    assert len(got) == 3, (seed, [c.start for c in chs], starts)
    assert got[0] == 0
    for g, truth in zip(got[1:], starts[1:]):
        assert abs(g - truth) <= TOLERANCE_MS, (seed, got, starts)
    for ch, goal in zip(chs, goals):
        assert ch.candidates and ch.candidates[0].id == goal, (seed, ch)
        assert ch.goals == [goal]
        assert ch.candidates[0].matched  # says which words matched


@pytest.mark.parametrize("seed", range(6))
def test_boundaries_and_goals_on_synthetic_film(seed):
    _check(seed)


@pytest.mark.parametrize("seed", range(3))
def test_without_speaker_information(seed):
    """No speaker ids at all (e.g. an imported SRT): vocabulary and pauses carry it."""
    _check(seed, speaker_changes=False)


def test_shot_changes_are_evidence():
    """Topic-only setting (no speakers, boundary pauses shorter than some inside blocks)
    where the vocabulary alone misplaces a boundary by a sentence; shot changes at the true
    boundaries (cuts.json) put both right."""
    variant = dict(speaker_changes=False, boundary_pause_ms=(600, 1000))

    def worst(chs, starts):
        return max(abs(timecode.parse(c.start) - t) for c, t in zip(chs[1:], starts[1:]))

    for seed in range(30):  # the premise: a film where vocabulary alone is not enough
        tr, starts, _, duration = synthetic_transcript(seed, **variant)
        plain = suggest(tr, topic_goals(), duration)
        if len(plain) == 3 and worst(plain, starts) > TOLERANCE_MS:
            break
    else:
        pytest.fail("no synthetic film needs shot changes (premise of this test)")
    assert not any(c.why.shot_change for c in plain[1:])
    with_cuts = suggest(tr, topic_goals(), duration, cuts=starts[1:])
    assert all(c.why and c.why.shot_change for c in with_cuts[1:])
    assert len(with_cuts) == 3 and worst(with_cuts, starts) <= TOLERANCE_MS


def test_min_length_respected():
    tr, _, _, duration = synthetic_transcript(2)
    chs = suggest(tr, topic_goals(), duration, params=Params(min_length_ms=60_000))
    starts = [timecode.parse(c.start) for c in chs] + [duration]
    assert all(b - a >= 60_000 for a, b in zip(starts, starts[1:]))


def test_no_goal_matches_means_no_goal_preselected():
    from pipeline.models import LearningGoal

    tr, _, _, duration = synthetic_transcript(0)
    chs = suggest(tr, [LearningGoal(id="X", text="Photovoltaik auf Dächern montieren")],
                  duration)
    assert all(c.goals == [] and c.candidates == [] for c in chs)


# --- suggest → accept through the CLI ------------------------------------------------------


def _film_with_transcript(ws, chapters=None):
    tr, starts, goals, duration = synthetic_transcript(4)
    catalogue = {"name": "Lernziele", "goals": [{"id": k, "text": v}
                                                for k, v in TOPIC_GOALS.items()]}
    (ws / "projects" / "learning-goals.yaml").write_text(
        yaml.safe_dump(catalogue, allow_unicode=True), encoding="utf-8")
    m = manifest(learning_goals=[], chapters=chapters or [])
    d = write_film(ws, "pflege", m)
    # a hand-written comment that accept must keep
    text = (d / "film.yaml").read_text(encoding="utf-8")
    (d / "film.yaml").write_text("# Redaktion: bitte Titel prüfen\n" + text, encoding="utf-8")
    (d / "transcript").mkdir()
    (d / "transcript" / "asr.json").write_text(tr.model_copy(update={"film": "pflege"})
                                               .model_dump_json(), encoding="utf-8")
    write_programme(ws, "pflege", duration)
    return d, starts, goals


def test_suggest_writes_reviewable_file_and_never_film_yaml(workspace):
    d, starts, goals = _film_with_transcript(workspace)
    before = (d / "film.yaml").read_bytes()
    proc = casefilm(workspace, "chapters", "suggest", "pflege", check=True)
    assert "accept pflege" in proc.stdout
    assert (d / "film.yaml").read_bytes() == before
    s = yaml.safe_load((workspace / "chapters/pflege/suggestions.yaml").read_text())
    assert s["film"] == "pflege" and s["transcript"]["path"].endswith("asr.json")
    assert [c["goals"] for c in s["chapters"]] == [[g] for g in goals]
    assert all("score" in c["candidates"][0] and c["candidates"][0]["matched"]
               for c in s["chapters"])


def test_accept_writes_film_yaml_with_backup_and_keeps_comments(workspace):
    d, starts, goals = _film_with_transcript(workspace)
    casefilm(workspace, "chapters", "suggest", "pflege", check=True)
    sp = workspace / "chapters/pflege/suggestions.yaml"
    s = yaml.safe_load(sp.read_text())
    s["chapters"][1]["title"] = "Beteiligung des Betriebsrats"  # the editor's review
    s["chapters"][1]["questions"] = ["Wann sollte der Betriebsrat einbezogen werden?"]
    sp.write_text(yaml.safe_dump(s, allow_unicode=True, sort_keys=False), encoding="utf-8")
    before = (d / "film.yaml").read_text(encoding="utf-8")

    proc = casefilm(workspace, "chapters", "accept", "pflege", check=True)
    assert "+ " in proc.stdout and "Beteiligung des Betriebsrats" in proc.stdout
    text = (d / "film.yaml").read_text(encoding="utf-8")
    assert text.startswith("# Redaktion: bitte Titel prüfen\n")
    backups = list(d.glob("film.yaml.*.bak"))
    assert len(backups) == 1 and backups[0].read_text(encoding="utf-8") == before
    film = Workspace.resolve(workspace).film("pflege")
    chs = film.manifest.chapters
    assert [c.goals for c in chs] == [[g] for g in goals]
    assert chs[1].title == "Beteiligung des Betriebsrats"
    assert chs[1].questions == ["Wann sollte der Betriebsrat einbezogen werden?"]
    assert film.manifest.title == manifest()["title"]  # everything else unchanged
    # and the stage accepts what was accepted
    assert casefilm(workspace, "chapters", "pflege").returncode == 0
    assert (workspace / "chapters/pflege/chapters.vtt").exists()
    # accepting again changes nothing and makes no new backup
    proc = casefilm(workspace, "chapters", "accept", "pflege", check=True)
    assert "nothing changed" in proc.stdout
    assert len(list(d.glob("film.yaml.*.bak"))) == 1


def test_accept_refuses_to_overwrite_existing_chapters_without_replace(workspace):
    d, _, _ = _film_with_transcript(workspace, chapters=[{"start": 0, "title": "Von Hand"}])
    casefilm(workspace, "chapters", "suggest", "pflege", check=True)
    before = (d / "film.yaml").read_bytes()
    proc = casefilm(workspace, "chapters", "accept", "pflege")
    assert proc.returncode == 2
    assert "film.yaml: chapters: already has 1 chapters" in proc.stderr
    assert "--replace" in proc.stderr
    assert (d / "film.yaml").read_bytes() == before and not list(d.glob("*.bak"))
    proc = casefilm(workspace, "chapters", "accept", "pflege", "--replace", check=True)
    assert "~ 0:00 'Von Hand' → " in proc.stdout
    assert len(list(d.glob("film.yaml.*.bak"))) == 1


@pytest.mark.parametrize("edit, field", [
    (lambda s: s["chapters"][1].update(goals=["LZ-GIBTSNICHT"]), "chapters.1.goals"),
    (lambda s: s["chapters"][2].update(start="00:10"), "chapters.2.start"),
    (lambda s: s["chapters"][0].update(title=""), "chapters.0.title"),
    (lambda s: s["chapters"][0].update(colour="rot"), "chapters.0.colour"),
])
def test_accept_rejects_bad_review_edits_naming_suggestions_file(workspace, edit, field):
    d, _, _ = _film_with_transcript(workspace)
    casefilm(workspace, "chapters", "suggest", "pflege", check=True)
    sp = workspace / "chapters/pflege/suggestions.yaml"
    s = yaml.safe_load(sp.read_text())
    edit(s)
    sp.write_text(yaml.safe_dump(s, allow_unicode=True, sort_keys=False), encoding="utf-8")
    before = (d / "film.yaml").read_bytes()
    proc = casefilm(workspace, "chapters", "accept", "pflege")
    assert proc.returncode == 2
    lines = [ln for ln in proc.stderr.splitlines() if ln.startswith("error:")]
    assert len(lines) == 1 and "suggestions.yaml" in lines[0] and f"{field}:" in lines[0], \
        proc.stderr
    assert (d / "film.yaml").read_bytes() == before and not list(d.glob("*.bak"))


def test_suggest_without_transcript_says_what_is_missing(workspace):
    write_film(workspace, "leer", manifest())
    proc = casefilm(workspace, "chapters", "suggest", "leer")
    assert proc.returncode == 2 and "transcript" in proc.stderr
    assert not (workspace / "chapters/leer/suggestions.yaml").exists()


def measure(seeds: int = 50) -> dict:
    """Boundary error and goal ranking over `seeds` variants of each synthetic setting."""
    out = {}
    settings = {
        "speaker changes + pauses": {},
        "no speaker info": {"speaker_changes": False},
        "topic only (short boundary pauses)": {"speaker_changes": False,
                                               "boundary_pause_ms": (600, 1000)},
    }
    for name, variant in settings.items():
        errs, count_ok, goal_ok, blocks = [], 0, 0, 0
        for seed in range(seeds):
            tr, starts, goals, duration = synthetic_transcript(seed, **variant)
            chs = suggest(tr, topic_goals(), duration)
            got = [timecode.parse(c.start) for c in chs]
            if len(got) == 3:
                count_ok += 1
                errs += [abs(g - t) / 1000 for g, t in zip(got[1:], starts[1:])]
                goal_ok += sum(c.candidates[:1] and c.candidates[0].id == g
                               for c, g in zip(chs, goals))
                blocks += 3
        errs.sort()
        out[name] = {"films": seeds, "right_number_of_chapters": count_ok,
                     "boundary_error_s_median": errs[len(errs) // 2] if errs else None,
                     "boundary_error_s_p90": errs[int(len(errs) * 0.9)] if errs else None,
                     "boundary_error_s_max": errs[-1] if errs else None,
                     "within_3_s": sum(e <= 3 for e in errs), "boundaries": len(errs),
                     "right_goal_first": f"{goal_ok}/{blocks}"}
    return out


if __name__ == "__main__":
    print(json.dumps(measure(), indent=2, ensure_ascii=False))


def test_accept_warns_when_transcript_changed_since_suggest(workspace):
    d, _, _ = _film_with_transcript(workspace)
    casefilm(workspace, "chapters", "suggest", "pflege", check=True)
    asr = d / "transcript" / "asr.json"
    asr.write_text(asr.read_text(encoding="utf-8").replace("Software", "Programm"),
                   encoding="utf-8")
    proc = casefilm(workspace, "chapters", "accept", "pflege", check=True)
    assert "warning: the transcript changed" in proc.stderr


def test_replace_top_level_keeps_everything_else():
    from pipeline.manifest.rewrite import replace_top_level

    text = ("title: Film  # Arbeitstitel\nchapters:\n  - start: 0\n    title: Alt\n\n"
            "  # alter Kommentar im Block\n# zu export:\nexport:\n  poster: 5\n")
    new = replace_top_level(text, "chapters", "chapters:\n- start: 0\n  title: Neu\n")
    assert new == ("title: Film  # Arbeitstitel\nchapters:\n- start: 0\n  title: Neu\n"
                   "# zu export:\nexport:\n  poster: 5\n")
    assert yaml.safe_load(new)["chapters"] == [{"start": 0, "title": "Neu"}]
    appended = replace_top_level("title: Film", "chapters", "chapters: []\n")
    assert appended == "title: Film\nchapters: []\n"
