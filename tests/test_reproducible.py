"""Renditions that are the same every time (issue 19): the same film built twice in a row,
and built on a Dask cluster, gives byte-identical files under exports/, subtitles/ and
chapters/ (recorded times aside), with real x264 encodes of a moving picture whose rungs
run into their VBV caps (where x264's default frame threads gave different bytes on every
run). Two films of 2 s testsrc2 at 960x540 (rungs 540p and 360p), built side by side on
two workers so their encodes compete for the cores as on a busy machine."""

from __future__ import annotations

import shutil

from tests.cluster_films import clip, make_films, output_digests, temporaries
from tests.conftest import casefilm

ENV = {"DASK_DISTRIBUTED__COMM__TIMEOUTS__CONNECT": "3s"}
CHAPTERS = {"chapters": [{"start": "00:00", "title": "Anfang"}, {"start": "00:01", "title": "Mitte"}]}


def test_two_builds_and_a_cluster_build_give_the_same_bytes(tmp_path):
    src = clip(tmp_path, seconds=2, size="960x540")
    pristine = tmp_path / "pristine"
    make_films(pristine, src, ["a", "b"], **CHAPTERS)
    ws = tmp_path / "ws"  # every build at the same path: transcripts record their source path

    builds = []
    for args in (["--all"], ["--all"], ["--all", "--workers", "2"]):
        shutil.rmtree(ws, ignore_errors=True)
        shutil.copytree(pristine, ws)
        casefilm(ws, "run", *args, env=ENV, check=True)
        builds.append(output_digests(ws))
        assert not temporaries(ws)
    first = builds[0]
    for f in ("a", "b"):
        for top, what in (("exports", "540p.mp4"), ("exports", "hls/360p/seg_00000.m4s"),
                          ("subtitles", ".vtt"), ("chapters", "chapters.vtt")):
            assert any(k.startswith(f"{top}/{f}/") and k.endswith(what) for k in first), (f, what)
    diff = {k for b in builds[1:] for k in first.keys() | b.keys() if first.get(k) != b.get(k)}
    assert not diff, sorted(diff)
    # and the two films, built side by side from the same source, have the same HLS media
    # (their MP4s differ by design: the title and the film's captions are muxed in)
    hls = [{k.split("/", 2)[2]: v for k, v in first.items()
            if k.startswith(f"exports/{f}/hls/") and k.endswith((".mp4", ".m4s"))} for f in "ab"]
    assert hls[0] == hls[1] and len(hls[0]) >= 4
