"""An audio-description track written to the describe stage's contract, for export tests.

`write_ad(ws, film, descriptions)` does by hand what the describe stage does (see
`pipeline.descriptions.model`): each description voiced by espeak-ng, the narrations placed
at their start times into a narration-only stem, the programme audio mixed with the stem
into an AD mix normalised to the main mix's target (FLAC, 48 kHz stereo), the text
descriptions as WebVTT through the subtitle layer, and `ad.json` written from the model.
The fixture mixes plainly (programme lowered by a constant 6 dB, no ramps): the export
reads the mix as it is, so its tests need a real, loud, decodable AD mix, not a good one.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
from pathlib import Path

import pytest

from tests import media
from tests.conftest import casefilm
from tests.test_export_support import FILM, export_ws  # noqa: F401

# (at_ms, text, extended, voice kind): one in the pause after the first sentences, one
# extended description early on (the player pauses the film while it is spoken)
DESCRIPTIONS = [
    (3000, "Anna zeigt auf eine Tabelle.", True, "espeak-ng"),
    (6200, "Ein Dienstplan auf dem Bildschirm.", False, "recorded"),
]
PROGRAMME_DUCK_DB = 6.0


def _sha(p: Path) -> str:
    return hashlib.sha256(p.read_bytes()).hexdigest()


def _duration_ms(p: Path) -> int:
    out = subprocess.run(["ffprobe", "-v", "error", "-show_entries", "format=duration", "-of",
                          "csv=p=0", str(p)], capture_output=True, text=True, check=True).stdout
    return round(float(out.strip()) * 1000)


def write_ad(ws: Path, film: str, descriptions=DESCRIPTIONS, *, loudness_lufs: float = -16.0,
             true_peak_dbtp: float = -1.5) -> Path:
    """Write the narrations, the AD mix, the stem, descriptions.vtt and ad.json for `film`
    (whose programme.json must exist); returns the ad.json path."""
    from pipeline import subtitle_io
    from pipeline.descriptions.model import (AdTrack, PlacedDescription, Voice, ad_track_path,
                                             narrations_dir, vtt_path, work_dir)
    from pipeline.models import Cue, Programme
    from pipeline.workspace import Workspace

    fm = Workspace(ws).film(film)
    prog = Programme.model_validate_json((fm.cache_dir / "programme.json").read_text())
    work = work_dir(fm)
    work.mkdir(parents=True, exist_ok=True)
    placed, inputs, chains = [], [], []
    for n, (at, text, extended, kind) in enumerate(descriptions, 1):
        if kind == "recorded":
            narrations_dir(fm).mkdir(parents=True, exist_ok=True)
            wav = media.speak(text, narrations_dir(fm) / f"{n}.wav", voice="de+f3")
            source = f"descriptions/{n}.wav"
        else:
            wav = media.speak(text, work / f"voice-{n}.wav")
            source = "espeak-ng de"
        length = _duration_ms(wav)
        placed.append(PlacedDescription(n=n, start_ms=at, end_ms=at + length, text=text,
                                        extended=extended,
                                        voice=Voice(kind=kind, source=source, sha256=_sha(wav))))
        inputs += ["-i", str(wav)]
        chains.append(f"[{n}:a]aformat=sample_rates=48000:channel_layouts=stereo,"
                      f"adelay={at}:all=1[n{n}]")
    k = len(placed)
    dur = prog.duration_ms / 1000
    graph = ";".join([
        f"[0:a]aformat=sample_rates=48000:channel_layouts=stereo,volume=-{PROGRAMME_DUCK_DB}dB[p]",
        *chains,
        "".join(f"[n{i}]" for i in range(1, k + 1))
        + f"amix=inputs={k}:normalize=0,apad,atrim=0:{dur},asplit[na][nb]",
        f"[p][na]amix=inputs=2:normalize=0,loudnorm=I={loudness_lufs}:TP={true_peak_dbtp - 0.5}"
        f":LRA=11,aresample=48000,aformat=channel_layouts=stereo,atrim=0:{dur}[mix]",
    ])
    mix, stem = work / "mix.flac", work / "narration.flac"
    media.sh(["ffmpeg", "-nostdin", "-loglevel", "error", "-y", "-i", prog.media, *inputs,
              "-filter_complex", graph, "-map", "[mix]", "-ar", "48000", "-c:a", "flac", mix,
              "-map", "[nb]", "-ar", "48000", "-c:a", "flac", stem])
    cues = [Cue(start=d.start_ms, end=d.end_ms, lines=[d.text]) for d in placed]
    subtitle_io.save(vtt_path(fm), cues, "vtt")
    digest = hashlib.sha256(json.dumps([list(d[:3]) for d in descriptions]).encode()).hexdigest()
    track = AdTrack(film=film, language="de", descriptions=placed, vtt=str(vtt_path(fm)),
                    mix=str(mix), narration=str(stem), duck_db=PROGRAMME_DUCK_DB, digest=digest)
    out = ad_track_path(fm)
    out.write_text(track.model_dump_json(indent=2), encoding="utf-8")
    return out


@pytest.fixture(scope="session")
def ad_ws(tmp_path_factory, export_ws) -> Path:  # noqa: F811
    """The exported session workspace (tests.test_export_support.export_ws) copied, an
    audio description added and exported again: the video encode is re-used."""
    ws = tmp_path_factory.mktemp("ad") / "ws AD"
    shutil.copytree(export_ws, ws)
    write_ad(ws, FILM)
    p = casefilm(ws, "export", FILM, check=True)
    assert "re-using encode" in p.stderr, p.stderr
    return ws
