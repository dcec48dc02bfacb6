"""The one error hierarchy of casefilm.

Every error carries its data (file, field, value, …) and renders itself as exactly one
line. `pipeline.cli.common.main` is the only place that turns an error into a message and
an exit code; stages and library code raise, they never print or exit.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pydantic import ValidationError


class Pending(Exception):
    """Not an error but a state: an input of a stage does not exist yet (an upstream stage
    has not run). `missing` says what, e.g. "ingest (no programme yet)". The runner turns it
    into the status "pending", or into `StageOrderError` when that stage is asked to run;
    library code catches it where a missing upstream result is normal (review page)."""

    def __init__(self, missing: str):
        self.missing = missing
        super().__init__(missing)


class CasefilmError(Exception):
    """Base of every error casefilm reports to a user."""

    exit_code = 1

    def line(self) -> str:  # one line, no trailing newline
        return str(self).replace("\n", " ")


# --- bad input (exit 2) -----------------------------------------------------------------


class InputError(CasefilmError):
    exit_code = 2


class ManifestError(InputError):
    """A structured file people or stages write (film.yaml, learning-goals.yaml, a
    transcript, cues.json, chapters.json …) is malformed or fails validation."""

    def __init__(self, file: Path | str, field: str, reason: str, value: object = None):
        self.file, self.field, self.reason, self.value = Path(file), field, reason, value
        super().__init__(file, field, reason, value)

    @classmethod
    def from_validation(cls, file: Path | str, err: "ValidationError") -> "ManifestError":
        """The error for `file` that failed pydantic validation (see `validation_problem`)."""
        return cls(file, *validation_problem(err))

    def __str__(self) -> str:
        where = f"{self.file}: {self.field}: " if self.field else f"{self.file}: "
        val = "" if self.value is None else f" (got {self.value!r})"
        return f"{where}{self.reason}{val}"


def validation_problem(err: "ValidationError", *, top: str = "(top level)"
                       ) -> tuple[str, str, object]:
    """`(field, reason, value)` of pydantic's first error, the way `ManifestError` takes them.

    The one formatting of pydantic errors for every file casefilm reads (film.yaml, the goal
    catalogue, transcripts, cues.json, chapters.json, review requests):
    - `field` is the dotted location ("chapters.2.start"); a model-level validator that
      says "field: reason" names that field; `top` when there is no location ("(body)"
      for a request), "" when the text is not JSON at all;
    - `reason` is pydantic's message without its "Value error, " prefix; an unknown key
      reads "unknown key", text that is not JSON "malformed JSON: …";
    - `value` is the bad input when it is a scalar (None for missing fields, mappings, lists).
    """
    first = err.errors()[0]
    kind, msg = first["type"], first["msg"]
    field = ".".join(str(p) for p in first["loc"] if p != "function-after")
    if kind == "json_invalid":
        return "", f"malformed JSON: {first.get('ctx', {}).get('error', msg)}", None
    if kind == "extra_forbidden":
        return field or top, "unknown key", None
    if kind == "value_error":
        msg = msg.removeprefix("Value error, ")
        head, sep, rest = msg.partition(": ")
        if sep and " " not in head and not field:  # "field: reason" from a model validator
            return head, rest, None
    value = None if kind == "missing" else first.get("input")
    if isinstance(value, (dict, list)):
        value = None
    return field or top, msg, value


class MediaError(InputError):
    """A media file is missing, empty, not media, truncated or lacks a needed stream."""

    def __init__(self, file: Path | str, reason: str, field: str | None = None):
        self.file, self.reason, self.field = Path(file), reason, field
        super().__init__(file, reason, field)

    def __str__(self) -> str:
        fld = f" ({self.field})" if self.field else ""
        return f"{self.file}{fld}: {self.reason}"


class UnknownFilm(InputError):
    def __init__(self, film: str, known: list[str]):
        self.film, self.known = film, known
        super().__init__(film, known)

    def __str__(self) -> str:
        known = ", ".join(self.known) or "none"
        return f"unknown film {self.film!r} (films in this workspace: {known})"


class UnknownStage(InputError):
    def __init__(self, stage: str, known: list[str]):
        self.stage, self.known = stage, known
        super().__init__(stage, known)

    def __str__(self) -> str:
        return f"unknown stage {self.stage!r} (stages: {', '.join(self.known)})"


class NoSpeech(InputError):
    """The programme has no audio at all, so there is nothing to transcribe or caption."""

    def __init__(self, film: str, detail: str):
        self.film, self.detail = film, detail
        super().__init__(film, detail)

    def __str__(self) -> str:
        return f"film {self.film!r} has no speech to caption: {self.detail}"


class StageOrderError(InputError):
    """A stage was asked to run before what it consumes exists."""

    def __init__(self, film: str, stage: str, missing: str):
        self.film, self.stage, self.missing = film, stage, missing
        super().__init__(film, stage, missing)

    def __str__(self) -> str:
        return f"film {self.film!r}: stage {self.stage!r} needs {self.missing} first"


class ReviewedTranscriptError(InputError):
    """Refusal to replace human-reviewed work with machine output."""

    def __init__(self, file: Path | str, detail: str):
        self.file, self.detail = Path(file), detail
        super().__init__(file, detail)

    def __str__(self) -> str:
        return f"{self.file}: {self.detail}"


class StaleRevision(InputError):
    """A save based on an older revision than the newest one (e.g. a second, stale tab)."""

    exit_code = 5

    def __init__(self, film: str, base: int, latest: int):
        self.film, self.base, self.latest = film, base, latest
        super().__init__(film, base, latest)

    def __str__(self) -> str:
        return (f"film {self.film!r}: this edit is based on revision {self.base}, but revision "
                f"{self.latest} was saved meanwhile; reload and apply the edit again")


class StaleEdit(StaleRevision):
    """A save of the paper edit (edit.yaml) made from an older version of the file."""

    def __init__(self, file: Path | str):
        self.file = Path(file)
        super().__init__(str(file), -1, -1)

    def __str__(self) -> str:
        return (f"{self.file}: changed since this page loaded it (another tab or a hand edit); "
                "reload and apply the change again")


# --- tools and models (exit 3, 4) ------------------------------------------------------


class ToolError(CasefilmError):
    """An external tool (ffmpeg, ffprobe, espeak-ng, chromium) failed."""

    exit_code = 3

    def __init__(self, argv: list[str], returncode: int, stderr: str):
        self.argv, self.returncode, self.stderr = list(argv), returncode, stderr
        super().__init__(argv, returncode, stderr)

    def tail(self) -> str:
        lines = [ln.strip() for ln in self.stderr.strip().splitlines() if ln.strip()]
        return lines[-1] if lines else "no error output"

    def __str__(self) -> str:
        return f"{Path(self.argv[0]).name} failed (exit {self.returncode}): {self.tail()}"


class MissingTool(CasefilmError):
    """A program casefilm runs is not installed. `package` is the Debian package that
    provides it (ffprobe comes with ffmpeg); `purpose` says what needs it, if not everything."""

    exit_code = 3

    def __init__(self, tool: str, package: str | None = None, purpose: str = ""):
        self.tool, self.package, self.purpose = tool, package or tool, purpose
        super().__init__(tool, package, purpose)

    def __str__(self) -> str:
        why = f" (needed {self.purpose})" if self.purpose else ""
        return (f"{self.tool} not found on PATH{why}; install it with: "
                f"apt-get install {self.package}")


class MissingAsset(CasefilmError):
    """A browser library casefilm vendors into what it writes (from npm, e.g. lunr for the
    catalogue's search) is not installed. `what` names the file, `purpose` what needs it,
    `env` the variable that can point at it."""

    exit_code = 3

    def __init__(self, what: str, purpose: str, env: str):
        self.what, self.purpose, self.env = what, purpose, env
        super().__init__(what, purpose, env)

    def __str__(self) -> str:
        return (f"{self.what} not found (needed {self.purpose}); run `npm ci` in the casefilm "
                f"checkout, or point {self.env} at a folder holding it")


class ModelUnavailable(CasefilmError):
    exit_code = 4

    def __init__(self, model: str, detail: str, backend: str = "openai-whisper"):
        self.model, self.detail, self.backend = model, detail, backend
        super().__init__(model, detail)

    def __str__(self) -> str:
        if self.backend == "faster-whisper":
            return (
                f"faster-whisper model {self.model!r} is not available ({self.detail}); "
                f"provide a CTranslate2 model directory with --model /path/to/dir, or set "
                f"CASEFILM_WHISPER_MODEL, or run once with network access to cache it"
            )
        return (
            f"Whisper model {self.model!r} is not available ({self.detail}); provide one with "
            f"--model /path/to/{self.model}.pt --model-name {self.model}, or set "
            f"CASEFILM_WHISPER_MODEL, or run once with network access to cache it"
        )


class ModelCorrupt(ModelUnavailable):
    """A model file that fails its pinned size or sha256 (the bundled base): never used,
    never replaced by a download; the remedy says how to get a good copy."""

    def __init__(self, file: Path | str, reason: str, remedy: str):
        self.file, self.reason, self.remedy = str(file), reason, remedy
        CasefilmError.__init__(self, file, reason, remedy)
        self.model, self.detail, self.backend = "base (bundled)", reason, ""

    def __str__(self) -> str:
        return f"Whisper model file {self.file} {self.reason}: not used; {self.remedy}"


class InternalError(CasefilmError):
    """An unexpected exception inside casefilm: a bug. Reported in one line; the full
    traceback is printed when CASEFILM_DEBUG=1."""

    exit_code = 70

    def __init__(self, where: str, exc: BaseException):
        self.where, self.exc = where, exc
        super().__init__(where, exc)

    def __str__(self) -> str:
        return (f"internal error in {self.where}: {type(self.exc).__name__}: {self.exc} "
                f"(please report; CASEFILM_DEBUG=1 shows the traceback)")


class BatchFailed(CasefilmError):
    """Raised by the CLI after a batch in which some films failed (already reported)."""

    def __init__(self, failed: list[str], total: int):
        self.failed, self.total = failed, total
        super().__init__(failed, total)

    def __str__(self) -> str:
        return f"{len(self.failed)} of {self.total} films failed: {', '.join(self.failed)}"


class QCFailed(CasefilmError):
    """Caption QC found breaks of hard limits (lines, chars/line, min gap, overlap,
    structure). The report is written; the exit code lets a delivery script stop."""

    exit_code = 6

    def __init__(self, film: str, count: int, rules: list[str], report: Path | str):
        self.film, self.count, self.rules, self.report = film, count, rules, Path(report)
        super().__init__(film, count, rules, report)

    def __str__(self) -> str:
        return (f"film {self.film!r}: caption QC found {self.count} hard-limit "
                f"break{'s' if self.count != 1 else ''} ({', '.join(self.rules)}); "
                f"see {self.report}")


class EditError(ManifestError):
    """A review edit (a save from the review page, or an edited file to import) is invalid.

    The file (or request) it came from, the place in it (e.g. "segments.3.speaker" or
    "line 12"), the reason and the bad value."""


class SubtitleParseError(InputError):
    """A subtitle file (WebVTT, SRT, TTML) cannot be read: `pipeline.subtitle_io` raises it
    with the line (1-based, when known), the reason and the offending text. Callers that
    know more (the film.yaml field, the edited file) re-raise it as their own error; its
    cause (`__cause__`) is the parser's exception, when there was one."""

    def __init__(self, file: Path | str | None, reason: str, line: int | None = None,
                 value: object = None):
        self.file = None if file is None else Path(file)
        self.reason, self.line, self.value = reason, line, value
        super().__init__(file, reason, line, value)

    def detail(self) -> str:
        """The error without the file: 'line 2: malformed SRT timing line (got '…')'."""
        where = f"line {self.line}: " if self.line else ""
        val = "" if self.value is None else f" (got {self.value!r})"
        return f"{where}{self.reason}{val}"

    def __str__(self) -> str:
        return f"{self.file}: {self.detail()}" if self.file else self.detail()


class ExportMismatch(CasefilmError):
    """An export folder differs from what its manifest.json lists."""

    def __init__(self, films: list[str]):
        self.films = films
        super().__init__(films)

    def __str__(self) -> str:
        return f"export differs from its manifest.json: {', '.join(self.films)}"


# --- more than one process or machine (exit 7, 1) ---------------------------------------


class FilmLocked(CasefilmError):
    """Another process holds the film's lock (`pipeline.locks`), and this one does not
    wait for it. `holder` describes that process (owner@host pid N since T)."""

    def __init__(self, film: str, lock: Path | str, holder: str | None):
        self.film, self.lock, self.holder = film, Path(lock), holder
        super().__init__(film, lock, holder)

    def __str__(self) -> str:
        return (f"film {self.film!r} is being built by {self.holder or 'another process'} "
                f"(lock {self.lock})")


class SchedulerUnreachable(CasefilmError):
    """The Dask scheduler named by --scheduler / CASEFILM_SCHEDULER cannot be reached
    (nothing was started). Exit 7, the cluster's own code."""

    exit_code = 7

    def __init__(self, address: str, detail: str):
        self.address, self.detail = address, detail
        super().__init__(address, detail)

    def __str__(self) -> str:
        return (f"cannot reach the Dask scheduler at {self.address} ({self.detail}); start "
                f"one with `dask scheduler`, or run without --scheduler/CASEFILM_SCHEDULER")


class WorkerFailed(CasefilmError):
    """A film failed on a cluster worker: the worker's error line and exit code, carried
    back to the CLI, which reports it like a local failure."""

    def __init__(self, line: str, exit_code: int, worker: str | None = None):
        self.text, self.exit_code, self.worker = line, exit_code, worker
        super().__init__(line, exit_code, worker)

    def __str__(self) -> str:
        return f"{self.text} (on worker {self.worker})" if self.worker else self.text
