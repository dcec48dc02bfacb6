"""The one place where ffmpeg and ffprobe are run.

argv is always a list, `-nostdin` always set, stderr captured and carried by the raised
`ToolError`; callers never see an exit code. Long runs report progress through `-progress`.
A child ffmpeg dies with its parent (PR_SET_PDEATHSIG), so `kill -9` of casefilm leaves no
encoder writing in the background.

Filter graphs are built with ffmpeg-python (the user's choice for this project) and run
here too: `run_graph(*outputs)` compiles the graph to argv (ffmpeg-python's `get_args()`,
without the leading binary) and hands it to `run`, so a graph gets the same progress bar,
parent-death signal and stderr-carrying errors as any other call. The package's module is
also called `ffmpeg`; inside `pipeline` it is imported as `import ffmpeg as ffmpeg_python`
(absolute imports only, so `pipeline/ffmpeg.py` never shadows it). Stream copies and plain
transcodes without a filter stay argv lists given to `run`.
"""

from __future__ import annotations

import ctypes
import functools
import json
import shutil
import signal
import subprocess
import tempfile
from fractions import Fraction
from pathlib import Path
from typing import Sequence

import ffmpeg as ffmpeg_python  # ffmpeg-python, not this module
from ffmpeg.nodes import FilterableStream, FilterNode, Node, OutputStream
from tqdm import tqdm

from .errors import MediaError, MissingTool, ToolError
from .models import MediaInfo, StreamInfo

# tool on PATH -> the Debian package that provides it (named in MissingTool)
DEBIAN_PACKAGES = {"ffmpeg": "ffmpeg", "ffprobe": "ffmpeg", "espeak-ng": "espeak-ng",
                   "chromium": "chromium"}


def _die_with_parent() -> None:  # runs in the child between fork and exec
    try:
        ctypes.CDLL("libc.so.6").prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except OSError:
        pass


def _binary(name: str) -> str:
    path = shutil.which(name)
    if not path:
        raise MissingTool(name, DEBIAN_PACKAGES.get(name, name))
    return path


def run(
    args: Sequence[str | Path],
    *,
    duration_ms: int | None = None,
    desc: str | None = None,
    tool: str = "ffmpeg",
) -> str:
    """Run ffmpeg (or another command-line tool, e.g. espeak-ng) with `args`; return its
    stderr text (where ffmpeg reports; stdout carries only `-progress` lines).

    With `duration_ms` and `desc`, a progress bar follows ffmpeg's `-progress` output.
    Raises ToolError with the captured stderr on a non-zero exit.
    """
    argv = [_binary(tool)]
    if tool == "ffmpeg":
        argv += ["-nostdin", "-hide_banner", "-y"]
        if duration_ms and desc:
            argv += ["-progress", "pipe:1", "-nostats"]
    argv += [str(a) for a in args]
    with tempfile.TemporaryFile(mode="w+", encoding="utf-8", errors="replace") as err:
        proc = subprocess.Popen(
            argv, stdout=subprocess.PIPE, stderr=err, stdin=subprocess.DEVNULL,
            text=True, preexec_fn=_die_with_parent,
        )
        bar = None
        if duration_ms and desc and tool == "ffmpeg":
            bar = tqdm(total=round(duration_ms / 1000, 1), desc=desc, unit="s",
                       leave=False, disable=None,
                       bar_format="{desc}: {percentage:3.0f}%|{bar}| {n:.0f}/{total:.0f} s")
        assert proc.stdout is not None
        for line in proc.stdout:
            if bar is not None and line.startswith("out_time_us="):
                try:
                    t = int(line.split("=", 1)[1]) / 1e6
                    bar.update(max(0.0, min(t, bar.total) - bar.n))
                except ValueError:
                    pass
        rc = proc.wait()
        if bar is not None:
            bar.close()
        err.seek(0)
        stderr = err.read()
    if rc != 0:
        raise ToolError(argv, rc, stderr)
    return stderr


def graph_args(*outputs: OutputStream) -> list[str]:
    """argv (without the leading binary) of one ffmpeg process writing all `outputs`
    (ffmpeg-python output streams; several are merged into one process)."""
    if not outputs:
        raise ValueError("graph_args needs at least one output")
    spec = outputs[0] if len(outputs) == 1 else ffmpeg_python.merge_outputs(*outputs)
    return spec.get_args()


def run_graph(*outputs: OutputStream, duration_ms: int | None = None, desc: str | None = None,
              loglevel: str | None = None) -> str:
    """Run the ffmpeg-python graph ending in `outputs` through `run`; return stderr.

    `loglevel` (e.g. "info") when the caller parses filter reports (loudnorm, ebur128,
    signalstats) from stderr."""
    pre = ["-loglevel", loglevel] if loglevel else []
    return run([*pre, *graph_args(*outputs)], duration_ms=duration_ms, desc=desc)


class _SourceNode(FilterNode):
    """A source filter (no input pad) inside -filter_complex. ffmpeg-python's FilterNode
    insists on an input stream, and it identifies nodes by their parameters, so two equal
    sources (two silent clips of one length) would merge into one node used twice; each
    source node here is distinct."""

    def __init__(self, name: str, args: list, kwargs: dict):
        Node.__init__(self, stream_spec=None, name=name, incoming_stream_types={},
                      outgoing_stream_type=FilterableStream, min_inputs=0, max_inputs=0,
                      args=args, kwargs=kwargs)

    def __hash__(self) -> int:
        return id(self)

    def __eq__(self, other) -> bool:
        return self is other


def source(name: str, *args, **kwargs) -> FilterableStream:
    """The output of source filter `name` (color, anullsrc, sine …) in a graph, e.g.
    `source("anullsrc", r=48000, cl="stereo")`."""
    return _SourceNode(name, list(args), kwargs).stream()


def fan_out(stream: FilterableStream, n: int, *, audio: bool) -> list[FilterableStream]:
    """`n` independent uses of one stream: the stream itself, or the outputs of a
    split/asplit (ffmpeg-python refuses a stream consumed twice)."""
    if n <= 1:
        return [stream]
    node = stream.asplit() if audio else stream.split()
    return [node[i] for i in range(n)]


def probe_json(path: Path, *extra: str) -> dict:
    argv = [_binary("ffprobe"), "-v", "error", "-print_format", "json", *extra, str(path)]
    proc = subprocess.run(argv, capture_output=True, text=True, stdin=subprocess.DEVNULL)
    if proc.returncode != 0:
        raise ToolError(argv, proc.returncode, proc.stderr)
    return json.loads(proc.stdout or "{}")


def _fps(rate: str | None) -> float | None:
    try:
        f = Fraction(rate) if rate else None
    except (ValueError, ZeroDivisionError):
        return None
    return round(float(f), 3) if f else None


def _rotation(s: dict) -> int:
    for sd in s.get("side_data_list", []) or []:
        if "rotation" in sd:
            return int(round(float(sd["rotation"]))) % 360
    tag = (s.get("tags") or {}).get("rotate")
    return int(tag) % 360 if tag and tag.lstrip("-").isdigit() else 0


def check_file(path: Path, field: str | None = None) -> int:
    """Size in bytes of the media file `path`, checked without running a tool.

    Raises MediaError (naming the file and `field`, e.g. "sources.0.file") when it is
    missing, not a regular file or empty."""
    path = Path(path)
    if not path.exists():
        raise MediaError(path, "file not found", field=field)
    if not path.is_file():
        raise MediaError(path, "not a regular file" + (
            " (a directory)" if path.is_dir() else ""), field=field)
    size = path.stat().st_size
    if size == 0:
        raise MediaError(path, "file is empty (0 bytes)", field=field)
    return size


def media_info(path: Path, sha256: str) -> MediaInfo:
    """Probe `path`; raise MediaError (naming the file) if it is not usable media."""
    path = Path(path)
    size = check_file(path)
    try:
        data = probe_json(path, "-show_format", "-show_streams")
    except ToolError as e:
        raise MediaError(path, f"not readable as media: {e.tail()}") from None
    fmt = data.get("format") or {}
    streams = []
    for s in data.get("streams", []):
        kind = s.get("codec_type", "other")
        if kind not in ("video", "audio", "subtitle", "data", "attachment"):
            kind = "other"
        if kind == "video" and (s.get("disposition") or {}).get("attached_pic"):
            kind = "attachment"
        dur = s.get("duration")
        streams.append(StreamInfo(
            index=s["index"], kind=kind, codec=s.get("codec_name"), profile=s.get("profile"),
            level=s.get("level") if isinstance(s.get("level"), int) else None,
            pix_fmt=s.get("pix_fmt"), width=s.get("width"), height=s.get("height"),
            fps=_fps(s.get("avg_frame_rate")) or _fps(s.get("r_frame_rate")) if kind == "video" else None,
            rotation=_rotation(s) if kind == "video" else 0,
            channels=s.get("channels"),
            sample_rate=int(s["sample_rate"]) if s.get("sample_rate") else None,
            language=(s.get("tags") or {}).get("language"),
            duration_ms=round(float(dur) * 1000) if dur not in (None, "N/A") else None,
        ))
    av = [s for s in streams if s.kind in ("video", "audio")]
    if not av:
        raise MediaError(path, "no audio or video stream: not a media file")
    duration = fmt.get("duration")
    if duration in (None, "N/A"):
        durations = [s.duration_ms for s in av if s.duration_ms]
        if not durations:
            raise MediaError(path, "media has no known duration (truncated or not seekable?)")
        duration_ms = max(durations)
    else:
        duration_ms = round(float(duration) * 1000)
    if duration_ms <= 0:
        raise MediaError(path, "media has zero duration")
    return MediaInfo(
        path=str(path), size=size, sha256=sha256, format_name=fmt.get("format_name", "?"),
        duration_ms=duration_ms,
        bit_rate=int(fmt["bit_rate"]) if str(fmt.get("bit_rate", "")).isdigit() else None,
        streams=streams,
    )


_DAMAGE = ("partial file", "invalid data", "corrupt", "truncat", "error while decoding",
           "moov atom not found", "no frame", "incomplete")


def check_decodes(path: Path, info: MediaInfo, *, tail_only: bool = False) -> None:
    """Decode the file (or its last 3 s) and raise MediaError if it is damaged or truncated."""
    args: list[str | Path] = ["-v", "error"]
    if tail_only and info.duration_ms > 5000:
        args += ["-ss", f"{(info.duration_ms - 3000) / 1000:.3f}"]
    args += ["-i", path, "-map", "0:v?", "-map", "0:a?", "-f", "null", "-"]
    try:
        stderr = run(args)
    except ToolError as e:
        raise MediaError(path, f"cannot be decoded: {e.tail()}") from None
    bad = [ln for ln in stderr.splitlines() if any(k in ln.lower() for k in _DAMAGE)]
    if bad:
        raise MediaError(path, f"damaged or truncated: {bad[0].strip()}")


@functools.lru_cache(maxsize=None)
def version() -> str:
    try:
        out = subprocess.run([_binary("ffmpeg"), "-version"], capture_output=True, text=True)
        return out.stdout.splitlines()[0] if out.stdout else "unknown"
    except MissingTool:
        return "missing"
