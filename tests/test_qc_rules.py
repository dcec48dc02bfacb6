"""QC as a list of rules: the generic registry (`pipeline.qc`) and the caption rules on it;
the caption files' cross-check through the subtitle layer's readers."""

from __future__ import annotations

import sys
import textwrap
from types import SimpleNamespace

import pytest
import yaml

from pipeline import i18n
from pipeline.captions import build, profiles, qc, synthetic
from pipeline.captions.qc_rules import RULES
from pipeline.manifest import FilmManifest
from pipeline.qc import Hit, Registry, summarise

MANIFEST = FilmManifest(title="Test", master="x.mp4", speakers=[
    {"id": "anna", "name": "Anna Beispiel"}, {"id": "ben", "name": "Ben Muster"}])


def _item(n, start):
    return SimpleNamespace(number=n, start_ms=start)


def test_rules_run_per_item_and_per_track_sorted_by_cue_then_rule_order():
    reg = Registry("qc")

    @reg.rule("max_lines", "hard", "f_max_lines")
    def first(item):
        if item.number == 2:
            return Hit(3, 2)

    @reg.rule("ellipsis", "warning", "f_ellipsis")
    def second(item):
        yield Hit("...", "…")

    @reg.rule("structure", "hard", "f_struct_missing", "f_struct_other", scope="track")
    def whole(track):
        yield Hit("—", key="f_struct_other", fmt={"file": track}, cue=2, start_ms=4000)
        yield Hit("—")  # the file as a whole: cue 0, default message

    found = reg.run("captions.srt", [_item(1, 0), _item(2, 4000)], "de")
    assert [(f.cue, f.rule) for f in found] == [
        (0, "structure"), (1, "ellipsis"), (2, "max_lines"), (2, "ellipsis"), (2, "structure")]
    s = i18n.strings("qc", "de")
    by = {(f.cue, f.rule): f for f in found}
    assert by[(2, "max_lines")].severity == "hard" and by[(2, "max_lines")].measured == "3"
    assert by[(2, "structure")].message == s["f_struct_other"].format(file="captions.srt")
    assert by[(2, "structure")].timecode == "00:00:04.000"
    assert by[(0, "structure")].message == s["f_struct_missing"]
    assert reg.ids() == ["max_lines", "ellipsis", "structure"]
    assert [f.rule for f in reg.run("x", [_item(1, 0)], only=["ellipsis"])] == ["ellipsis"]
    summary = summarise(2, found, reg.ids())
    assert summary.model_dump() == {"cues": 2, "findings": 5, "hard": 3,
                                    "by_rule": {"max_lines": 1, "ellipsis": 2, "structure": 2},
                                    "cues_passing": 0, "passing_share": 0.0}


def test_a_rule_is_declared_once_with_its_own_messages():
    reg = Registry("qc")
    reg.rule("empty", "warning", "f_empty")(lambda item: Hit(0, key="f_max_lines"))
    with pytest.raises(ValueError, match="registered twice"):
        reg.rule("empty", "warning", "f_empty")(lambda item: None)
    with pytest.raises(ValueError, match="severity"):
        reg.rule("x", "fatal", "f_empty")
    with pytest.raises(ValueError, match="message"):
        reg.rule("x", "hard")
    with pytest.raises(ValueError, match="not one of its own"):
        reg.run(None, [_item(1, 0)])


def test_a_new_module_of_rules_registers_itself(tmp_path, monkeypatch):
    """Other tracks extend a registry by adding a module: nothing existing is edited."""
    pkg = tmp_path / "extra_rules"
    pkg.mkdir()
    (pkg / "__init__.py").write_text(textwrap.dedent("""
        from pipeline.qc import Registry
        RULES = Registry("qc", package=__name__)
    """))
    (pkg / "cuts.py").write_text(textwrap.dedent("""
        from pipeline.qc import Hit
        from . import RULES

        @RULES.rule("shot_change", "warning", "f_shot_cross")
        def across_an_edit(item):
            return Hit("00:00:01.000") if item.number == 1 else None
    """))
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.delitem(sys.modules, "extra_rules", raising=False)
    import extra_rules

    assert [f.rule for f in extra_rules.RULES.run(None, [_item(1, 0), _item(2, 9)])] == \
        ["shot_change"]


def test_every_caption_rule_has_its_name_and_messages_in_the_locale():
    de = yaml.safe_load(open(i18n.LOCALE_DIR / "de" / "qc.yaml", encoding="utf-8"))
    rules = RULES.rules
    assert [r.id for r in rules][:5] == ["max_lines", "chars_per_line", "min_gap", "overlap",
                                         "structure"]
    assert {r.id for r in rules if r.severity == "hard"} == {
        "max_lines", "chars_per_line", "min_gap", "overlap", "structure"}
    for r in rules:
        assert f"r_{r.id}" in de, r.id
        for key in r.messages:
            assert key in de, (r.id, key)


def _cs(seed=5, minutes=2):
    syn = synthetic.interview(minutes=minutes, seed=seed)
    return build.build(MANIFEST, "f", syn.transcript, profiles.PROFILES["de-web"], fps=25,
                       duration_ms=syn.duration_ms, cuts=syn.cuts)


def _files(tmp_path, cs):
    paths = {}
    for fmt, name in (("vtt", "captions.vtt"), ("srt", "captions.srt"), ("ttml", "captions.ttml")):
        paths[fmt] = tmp_path / name
        paths[fmt].write_text(build.render(cs, fmt), encoding="utf-8")
    return paths


def _structure(cs, paths):
    findings, _, _ = qc.check(cs, cs.profile, paths["vtt"].read_text(encoding="utf-8"),
                              files=paths)
    return [(f.cue, f.measured, f.message) for f in findings if f.rule == "structure"]


def test_caption_files_agree_with_cues_json(tmp_path):
    cs = _cs()
    assert _structure(cs, _files(tmp_path, cs)) == []


def test_a_changed_voice_in_the_webvtt_is_a_structure_break(tmp_path):
    cs = _cs()
    paths = _files(tmp_path, cs)
    vtt = paths["vtt"].read_text(encoding="utf-8")
    paths["vtt"].write_text(vtt.replace("<v.yellow Ben Muster>", "<v.yellow Anna Beispiel>", 1),
                            encoding="utf-8")
    found = _structure(cs, paths)
    assert len(found) == 1
    cue, measured, message = found[0]
    assert cue > 0 and "Anna Beispiel" in measured
    assert message == i18n.t("qc", "f_struct_voice")


@pytest.mark.parametrize("fmt,change", [
    ("srt", lambda t: t.replace("Pflege", "Pflegi", 1)),  # text (only times were compared)
    ("ttml", lambda t: t.replace('style="yellow"', 'style="white"', 1)),  # a speaker's colour
    ("ttml", lambda t: t.replace('end="00:00:0', 'end="00:00:1', 1)),
    ("srt", lambda t: t + "99\n00:00:01,000 --> kaputt\nx\n"),  # unreadable
])
def test_srt_and_ttml_are_read_back_and_compared(tmp_path, fmt, change):
    cs = _cs()
    paths = _files(tmp_path, cs)
    text = paths[fmt].read_text(encoding="utf-8")
    assert change(text) != text
    paths[fmt].write_text(change(text), encoding="utf-8")
    found = _structure(cs, paths)
    assert [(c, m) for c, _, m in found] == [
        (0, i18n.t("qc", "f_struct_other", file=paths[fmt].name))]
