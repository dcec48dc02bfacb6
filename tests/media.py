"""Media fixtures made with ffmpeg lavfi and espeak-ng, plus a tiny random Whisper.

Nothing here is checked in as binary; every fixture is generated into a temporary
directory. Each helper's docstring states what the made file contains.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

FF = ["ffmpeg", "-nostdin", "-hide_banner", "-loglevel", "error", "-y"]


def sh(argv: list) -> None:
    subprocess.run([str(a) for a in argv], check=True, capture_output=True)


def speak(text: str, out: Path, voice: str = "de", speed: int = 160) -> Path:
    """German speech from espeak-ng as a WAV (22.05 kHz mono)."""
    sh(["espeak-ng", "-v", voice, "-s", speed, "-w", out, text])
    return out


def video(out: Path, seconds: float, *, size: str = "640x360", fps: int = 25,
          source: str = "testsrc2", audio: Path | None = None, tone: bool = False,
          extra: list | None = None) -> Path:
    """H.264/AAC clip of `seconds` s from a lavfi video `source` (testsrc2, smptebars,
    color=c=navy …), with `audio` (a WAV, padded/cut to length), or a 440 Hz tone, or
    no audio stream at all when neither is given."""
    src = source if "=" in source else f"{source}=size={size}:rate={fps}"
    if "=" in source and "size=" not in source:
        src = f"{source}:size={size}:rate={fps}"
    argv = [*FF, "-f", "lavfi", "-i", f"{src}:duration={seconds}"]
    if audio is not None:
        argv += ["-i", audio, "-filter_complex", f"[1:a]apad,atrim=0:{seconds}[a]",
                 "-map", "0:v", "-map", "[a]"]
    elif tone:
        argv += ["-f", "lavfi", "-i", f"sine=frequency=440:duration={seconds}"]
    argv += ["-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p",
             "-g", str(fps)]
    if audio is not None or tone:
        argv += ["-c:a", "aac", "-b:a", "96k", "-ar", "48000"]
    argv += [*(extra or []), "-t", str(seconds), out]
    sh(argv)
    return out


def talking_clip(out: Path, text: str, *, voice: str = "de", source: str = "testsrc2",
                 size: str = "640x360", tail: float = 0.8) -> Path:
    """A clip whose audio is `text` spoken by espeak-ng, lasting the speech plus `tail` s."""
    wav = out.with_suffix(".speech.wav")
    speak(text, wav, voice)
    dur = float(subprocess.run(
        ["ffprobe", "-v", "error", "-show_entries", "format=duration", "-of", "csv=p=0", wav],
        capture_output=True, text=True, check=True).stdout.strip())
    video(out, round(dur + tail, 2), source=source, size=size, audio=wav)
    wav.unlink()
    return out


def tiny_whisper(out: Path, seed: int = 0) -> Path:
    """A randomly initialised multilingual Whisper checkpoint (a few MB), saved like a real
    one ({"dims", "model_state_dict"}) so it loads through whisper.load_model(path).
    Its output is gibberish: test structure and invariants, never words."""
    import torch
    from whisper.model import ModelDimensions, Whisper

    torch.manual_seed(seed)
    dims = ModelDimensions(n_mels=80, n_audio_ctx=1500, n_audio_state=64, n_audio_head=2,
                           n_audio_layer=2, n_vocab=51865, n_text_ctx=448, n_text_state=64,
                           n_text_head=2, n_text_layer=2)
    model = Whisper(dims)
    with torch.no_grad():
        for p in model.parameters():
            p.normal_(0.0, 0.02)
    torch.save({"dims": dims.__dict__, "model_state_dict": model.state_dict()}, out)
    return out


if __name__ == "__main__":  # python -m tests.media tiny-whisper PATH
    import sys

    if len(sys.argv) != 3 or sys.argv[1] != "tiny-whisper":
        sys.exit("usage: python -m tests.media tiny-whisper PATH")
    print(tiny_whisper(Path(sys.argv[2])))
