"""The CLI package: every command reachable from `casefilm --help`, one film selection for
every command that takes a film list, commands defined once, and the stage contract
(`run(ctx, plan)` gets the plan it was planned with; nothing is planned twice)."""

from __future__ import annotations

import inspect
import re

import click
import pytest

from pipeline import cli as cli_pkg
from pipeline.cli import common, didactics
from pipeline.runner import STAGE_NAMES, run_film
from pipeline.stages import STAGES
from pipeline.stages import chapters as chapters_stage
from pipeline.stages.base import Plan, Result, RunOptions, Stage
from pipeline.workspace import Workspace
from tests.conftest import casefilm, write_film
from tests.test_didactics_helpers import make_film

EXPECTED = {
    *STAGE_NAMES, "run", "status", "demo", "qc", "profiles", "goals", "coverage",
    "verify-export", "vendor-hlsjs", "review", "transcript", "descriptions", "edit",
    "conform", "cut", "clips", "lms", "catalogue",
}
SUBCOMMANDS = {"chapters": {"suggest", "accept", "pdf"}, "transcript": {"export", "import"},
               "descriptions": {"gaps", "accept-voice"}, "edit": {"transcribe", "check", "export"}}


def _main(monkeypatch, capsys, ws, *args) -> tuple[int, str, str]:
    """`casefilm ARGS` in-process through `main` (the one error mapping)."""
    monkeypatch.setenv("CASEFILM_WORKSPACE", str(ws))
    code = 0
    try:
        common.main(list(args))
    except SystemExit as e:
        code = e.code if isinstance(e.code, int) else 1
    out = capsys.readouterr()
    return code, out.out, out.err


def test_every_command_group_is_reachable_from_help(workspace, monkeypatch, capsys):
    top = casefilm(workspace, "--help", check=True).stdout
    listed = set(re.findall(r"^  ([a-z][a-z-]*)\s", top.split("Commands:")[1], re.M))
    assert listed == EXPECTED
    for name in sorted(listed):
        code, out, _ = _main(monkeypatch, capsys, workspace, name, "--help")
        assert code == 0 and f"Usage: casefilm {name}" in out, name
        for sub in SUBCOMMANDS.get(name, ()):
            assert re.search(rf"^  {sub}\s", out, re.M), (name, sub)
            code, out2, _ = _main(monkeypatch, capsys, workspace, name, sub, "--help")
            assert code == 0 and f"Usage: casefilm {name} {sub}" in out2


def test_commands_are_defined_once():
    """`chapters` is one group: the stage as its default, the subcommands beside it."""
    group = common.cli.commands["chapters"]
    assert group is didactics.chapters and isinstance(group, common.StageGroup)
    assert set(group.commands) == SUBCOMMANDS["chapters"]
    assert [c.name for c in cli_pkg.STAGE_COMMANDS] == STAGE_NAMES
    with pytest.raises(RuntimeError, match="defined twice"):
        common.add_commands(click.Group("g"), [click.Command("x"), click.Command("x")])


SELECTING = ["run", "ingest", "transcribe", "chapters", "export", "verify-export"]


@pytest.fixture
def two_films(workspace):
    """Film `a` (its source missing: any work on it fails loudly) and film `b`."""
    for fid in ("a", "b"):
        write_film(workspace, fid, {"title": fid.upper(),
                                    "sources": [{"id": "s", "file": "raw/missing.mp4"}]})
    return workspace


@pytest.mark.parametrize("command", SELECTING)
def test_film_selection_errors_come_before_any_work(two_films, monkeypatch, capsys, command):
    ws = two_films
    code, _, err = _main(monkeypatch, capsys, ws, command, "a", "nosuch")
    assert code == 2
    assert err == "error: unknown film 'nosuch' (films in this workspace: a, b)\n"
    assert not (ws / ".casefilm" / "records").exists()  # film a was not started

    code, _, err = _main(monkeypatch, capsys, ws, command, "a", "--all")
    assert code == 2
    assert err == f"error: give film ids or --all, not both (see: casefilm {command} --help)\n"

    code, _, err = _main(monkeypatch, capsys, ws, command)
    assert code == 2
    assert err == f"error: name one or more films, or use --all (see: casefilm {command} --help)\n"


@pytest.mark.parametrize("command", SELECTING)
def test_all_in_a_workspace_without_films(workspace, monkeypatch, capsys, command):
    code, _, err = _main(monkeypatch, capsys, workspace, command, "--all")
    assert code == 2 and err.startswith("error: no films in ") and err.count("\n") == 1


# --- the stage contract ---------------------------------------------------------------------


def test_runner_hands_run_the_plan_it_made(workspace):
    """A stage is planned once per run; `run` receives that very Plan with its data."""
    make_film(workspace)
    film = Workspace.resolve(workspace).film("pflege")
    made: list[Plan] = []

    def plan(ctx) -> Plan[object]:
        made.append(Plan({"x": "1"}, {"p": 1}, data=object()))
        return made[-1]

    def run(ctx, p: Plan[object]) -> Result:
        assert p is made[-1] and p.data is made[-1].data
        return Result(outputs=[])

    probe = Stage("probe", plan, run)
    out = run_film(film, RunOptions(report=lambda m: None), [probe])
    assert out.error is None and out.worked == ["probe"] and len(made) == 1
    out = run_film(film, RunOptions(report=lambda m: None), [probe])  # up to date
    assert out.worked == [] and len(made) == 2


def test_chapters_stage_loads_its_inputs_once(workspace, monkeypatch):
    """The chapters stage reads the programme (and the transcript) while planning only."""
    make_film(workspace)
    film = Workspace.resolve(workspace).film("pflege")
    calls = {"plan": 0, "load_programme": 0}
    real_plan, real_load = chapters_stage.plan, chapters_stage.load_programme

    def counting_plan(ctx):
        calls["plan"] += 1
        return real_plan(ctx)

    def counting_load(f):
        calls["load_programme"] += 1
        return real_load(f)

    monkeypatch.setattr(chapters_stage, "load_programme", counting_load)
    stage = Stage("chapters", counting_plan, chapters_stage.run)
    out = run_film(film, RunOptions(report=lambda m: None), [stage], {"chapters"})
    assert out.error is None and out.worked == ["chapters"]
    assert calls == {"plan": 1, "load_programme": 1}
    assert (film.chapters_dir / "chapters.json").is_file()


def test_every_stage_runs_with_its_plan():
    for stage in STAGES:
        assert list(inspect.signature(stage.run).parameters) == ["ctx", "plan"], stage.name
