"""The review web app: one film's programme video and transcript, on 127.0.0.1 only.

    GET  /                  the review page (German UI)
    GET  /static/review.js  /static/review.css
    GET  /media             the film's programme video (HTTP Range supported)
    GET  /captions.vtt      the current transcript as draft captions for the video
    GET  /api/transcript    the current transcript (or ?revision=N) with speakers, glossary
    GET  /api/revisions     the revision history
    GET  /api/compare?revision=N   word changes from revision N to the current one
    POST /api/save          {base, editor, status?, segments: [{text, speaker, kind, start, end}]}
    POST /api/status        {base, editor, status}
    POST /api/restore       {base, editor, revision}
    /edit, /api/edit…       the paper edit (`paper_edit`), and /sources/<id>/… this same
                            page for each source's own transcript (`paper_edit.SourceView`)

Safety: the server binds 127.0.0.1; requests whose `Host` is not this server's loopback
address, whose `Origin` is foreign or that a browser marks `Sec-Fetch-Site: cross-site`
are refused with 403 (DNS rebinding, cross-site requests); only the programme file named by ingest and the film's transcripts are ever
read, by fixed routes (no path from the request reaches the filesystem); every error is a
JSON `{"error": "..."}` with a 4xx status (5xx only for a bug, without a traceback).
"""

from __future__ import annotations

import json
import logging
import mimetypes
import socket
import threading
import traceback
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, Field, ValidationError
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import FileResponse, JSONResponse, Response
from starlette.routing import Mount, Route

from .. import i18n, subtitle_io, templating, transcripts
from ..asr.spec import is_draft
from ..errors import (CasefilmError, EditError, InputError, Pending, StageOrderError,
                      StaleRevision, validation_problem)
from ..programme import load_programme
from ..models import ReviewStatus, Transcript
from ..workspace import Film
from . import descriptions as descriptions_lane
from . import paper_edit, service
from .offline import segment_cues
from .realign import EditedSegment

log = logging.getLogger("casefilm.review")

PACKAGE = Path(__file__).resolve().parent.parent
STATIC = PACKAGE / "static"
STATIC_FILES = {"review.js": "text/javascript", "review.css": "text/css",  # the only static files served
                "review-descriptions.js": "text/javascript",
                "edit.js": "text/javascript", "edit.css": "text/css"}
MAX_BODY = 8 * 1024 * 1024  # bytes of a JSON request body
LOW_CONFIDENCE = 0.5  # default threshold: words below this probability are marked uncertain

CSP = ("default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
       "media-src 'self'; connect-src 'self'; form-action 'none'; frame-ancestors 'none'; "
       "base-uri 'none'")


# --- request bodies ---------------------------------------------------------------------


class SaveBody(BaseModel):
    base: int = Field(ge=0)
    editor: str = Field(max_length=200)
    status: ReviewStatus | None = None
    segments: list[EditedSegment] = Field(max_length=20_000)


class StatusBody(BaseModel):
    base: int = Field(ge=0)
    editor: str = Field(max_length=200)
    status: Literal["in_review", "reviewed"]


class RestoreBody(BaseModel):
    base: int = Field(ge=0)
    editor: str = Field(max_length=200)
    revision: int = Field(ge=0)


# --- film data --------------------------------------------------------------------------


def programme_media(film: Film) -> Path | None:
    """The programme video named by ingest, or None while ingest has not run."""
    try:
        prog = load_programme(film)
    except (Pending, OSError, ValueError):
        return None
    except CasefilmError as e:  # a broken programme.json must not break transcript editing
        log.warning("review: no programme video: %s", e.line())
        return None
    # a light proxy, if ingest made one for a heavy programme, is what the page should play
    media = Path(prog.proxy or prog.media)
    return media if media.is_file() else None


def transcript_json(film: Film, t: Transcript, media_of=programme_media) -> dict:
    m = film.manifest
    return {
        "film": film.id,
        "title": m.title,
        "language": t.language,
        "revision": t.revision,
        "latest": transcripts.latest_revision(film),
        "status": t.provenance.status,
        "editor": t.provenance.editor,
        "created_at": t.provenance.created_at,
        "backend": t.provenance.backend,
        "model": t.provenance.model,  # the Whisper model that heard the film (kept by reviews)
        "draft_model": is_draft(t.provenance.model),
        "duration_ms": t.duration_ms,
        "segments": [s.model_dump() for s in t.segments],
        "speakers": [s.model_dump() for s in m.speakers],
        "glossary": list(m.glossary),
        "revisions": [r.model_dump() for r in service.history(film)],
        "media": media_of(film) is not None,
    }


def captions_vtt(t: Transcript, film: Film) -> str:
    """Draft WebVTT of the transcript, one cue per segment, for watching while editing;
    a voice `<v Name>` where film.yaml names the speaker."""
    names = {s.id: s.name for s in film.manifest.speakers}
    cues = [c if c.speaker in names else c.model_copy(update={"speaker": None})
            for c in segment_cues(t)]
    return subtitle_io.to_string(cues, "vtt", subtitle_io.Meta(speaker_names=names))


# --- the app ----------------------------------------------------------------------------


def _error(status: int, message: str, **extra) -> JSONResponse:
    return JSONResponse({"error": message, **extra}, status_code=status)


class Guard:
    """ASGI middleware: refuse foreign Host/Origin, limit bodies, add security headers."""

    def __init__(self, app, port_ref: dict):
        self.app, self.port_ref = app, port_ref

    def allowed_hosts(self) -> set[str]:
        port = self.port_ref["port"]
        return {f"127.0.0.1:{port}", f"localhost:{port}"}

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
        host = headers.get("host", "")
        origin = headers.get("origin")
        allowed = self.allowed_hosts()
        try:
            length = int(headers.get("content-length") or 0)
        except ValueError:
            length = -1
        if host not in allowed:
            resp = _error(403, f"refused: Host {host!r} is not this review server")
        elif origin is not None and origin not in {f"http://{h}" for h in allowed}:
            resp = _error(403, f"refused: requests from origin {origin!r} are not allowed")
        elif headers.get("sec-fetch-site") == "cross-site":
            resp = _error(403, "refused: cross-site request")
        elif length > MAX_BODY or length < 0:
            resp = _error(413 if length > 0 else 400,
                          f"request body larger than {MAX_BODY} bytes" if length > 0 else "bad Content-Length")
        else:
            resp = None
        if resp is not None:
            return await resp(scope, receive, send)

        async def send_with_headers(message):
            if message["type"] == "http.response.start":
                extra = [(b"content-security-policy", CSP.encode()),
                         (b"x-content-type-options", b"nosniff"),
                         (b"referrer-policy", b"no-referrer"),
                         (b"x-frame-options", b"DENY"),
                         (b"cache-control", b"no-store")]
                names = {k.lower() for k, _ in message.get("headers", [])}
                message["headers"] = list(message.get("headers", [])) + [
                    (k, v) for k, v in extra if k not in names]
            await send(message)

        await self.app(scope, receive, send_with_headers)


def create_app(film: Film, port: int = 0, *, media_of=programme_media,
               mounted: bool = False) -> Starlette:
    """The review app for `film`. `port` is the port it is served on (for the Host check);
    `app.state.port_ref["port"]` may be set later when the port is chosen at bind time.

    The film's app also serves the paper edit and, under /sources/<id>/, the same app for
    each source's transcript (`mounted`: no guard of its own, `media_of` its raw file)."""
    port_ref = {"port": port}

    def as_json(film, t):  # the transcript with this app's media
        return transcript_json(film, t, media_of)

    async def body(request: Request, model: type[BaseModel]):
        if request.headers.get("content-type", "").split(";")[0].strip() != "application/json":
            raise HTTPException(415, "send JSON (Content-Type: application/json)")
        raw = await request.body()
        if len(raw) > MAX_BODY:
            raise HTTPException(413, f"request body larger than {MAX_BODY} bytes")
        try:
            data = json.loads(raw)
        except ValueError:
            raise HTTPException(400, "request body is not valid JSON") from None
        return model.model_validate(data)

    def page(request: Request) -> Response:
        m = film.manifest
        strings = i18n.strings("review")
        html = templating.render(
            "review.html",
            s=strings, film_id=film.id, title=m.title, language=m.language,
            glossary=m.glossary, threshold=LOW_CONFIDENCE,
            nav=paper_edit.nav(film, "source:" + film.source_id
                               if isinstance(film, paper_edit.SourceView) else "programme"),
            # strings for the script, as JSON in a data block (autoescaped by tojson)
            strings_json=strings, ds=descriptions_lane.strings(m.language),
            descriptions_lane=not mounted)  # descriptions are in programme time
        return Response(html, media_type="text/html; charset=utf-8")

    def static(request: Request) -> Response:
        name = request.path_params["name"]
        if name not in STATIC_FILES:
            raise HTTPException(404, "not found")
        return FileResponse(STATIC / name, media_type=STATIC_FILES[name])

    def media(request: Request) -> Response:
        path = media_of(film)
        if path is None:
            raise HTTPException(404, "no programme video yet: run `casefilm ingest` for this film")
        mt = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        return FileResponse(path, media_type=mt)

    def captions(request: Request) -> Response:
        return Response(captions_vtt(service.current(film), film), media_type="text/vtt; charset=utf-8")

    def get_transcript(request: Request) -> Response:
        rev = request.query_params.get("revision")
        if rev is None:
            t = service.current(film)
        else:
            if not rev.isdigit() or len(rev) > 6:
                raise HTTPException(400, "revision must be a whole number")
            t = service.revision(film, int(rev))
        return JSONResponse(as_json(film, t))

    def get_compare(request: Request) -> Response:
        rev = request.query_params.get("revision", "")
        if not rev.isdigit() or len(rev) > 6:
            raise HTTPException(400, "revision must be a whole number")
        return JSONResponse({"revision": int(rev), "chunks": service.compare(film, int(rev))})

    def get_revisions(request: Request) -> Response:
        return JSONResponse([r.model_dump() for r in service.history(film)])

    async def save(request: Request) -> Response:
        b = await body(request, SaveBody)
        # in a worker thread: a long film's realignment must not stall video range requests;
        # concurrent saves are safe (write_revision refuses a stale base atomically)
        saved = await run_in_threadpool(service.save_edit, film, base=b.base, edits=b.segments,
                                        editor=b.editor, status=b.status)
        return JSONResponse({"changed": saved.changed,
                             **await run_in_threadpool(as_json, film, saved.transcript)})

    async def set_status(request: Request) -> Response:
        b = await body(request, StatusBody)
        saved = await run_in_threadpool(service.set_status, film, base=b.base, status=b.status,
                                        editor=b.editor)
        return JSONResponse({"changed": saved.changed,
                             **await run_in_threadpool(as_json, film, saved.transcript)})

    async def restore(request: Request) -> Response:
        b = await body(request, RestoreBody)
        saved = await run_in_threadpool(service.restore, film, revision_no=b.revision, base=b.base,
                                        editor=b.editor)
        return JSONResponse({"changed": saved.changed,
                             **await run_in_threadpool(as_json, film, saved.transcript)})

    async def on_http(request: Request, exc: HTTPException) -> Response:
        return _error(exc.status_code, exc.detail if isinstance(exc.detail, str) else "error")

    async def on_validation(request: Request, exc: ValidationError) -> Response:
        field, reason, _ = validation_problem(exc, top="(body)")
        return _error(422, f"{field}: {reason}", field=field)

    async def on_casefilm(request: Request, exc: CasefilmError) -> Response:
        if isinstance(exc, StaleRevision):
            return _error(409, exc.line(), code="stale", latest=exc.latest)
        if isinstance(exc, StageOrderError):
            return _error(409, exc.line())
        if isinstance(exc, EditError):
            return _error(422, exc.line(), field=exc.field)
        if isinstance(exc, InputError):
            return _error(400, exc.line())
        log.error("review: %s", exc.line())
        return _error(500, exc.line())

    async def on_bug(request: Request, exc: Exception) -> Response:
        log.error("review server error:\n%s", "".join(traceback.format_exception(exc)))
        return _error(500, "internal error of the review server (details in its terminal)")

    routes = [
        Route("/", page, methods=["GET"]),
        Route("/static/{name}", static, methods=["GET"]),
        Route("/media", media, methods=["GET", "HEAD"]),
        Route("/captions.vtt", captions, methods=["GET"]),
        Route("/api/transcript", get_transcript, methods=["GET"]),
        Route("/api/revisions", get_revisions, methods=["GET"]),
        Route("/api/compare", get_compare, methods=["GET"]),
        Route("/api/save", save, methods=["POST"]),
        Route("/api/status", set_status, methods=["POST"]),
        Route("/api/restore", restore, methods=["POST"]),
    ]
    if not mounted:  # a source view has no descriptions and no paper edit of its own
        routes += descriptions_lane.routes(film, body)  # the audio-description lane
        routes += paper_edit.routes(film)
        routes += [Mount(f"/sources/{s.id}", app=create_app(
            paper_edit.SourceView(film, s.id), port,
            media_of=lambda v: paper_edit.source_media(v.film, v.source_id), mounted=True))
            for s in film.manifest.sources]
    app = Starlette(routes=routes, exception_handlers={
        HTTPException: on_http, ValidationError: on_validation, CasefilmError: on_casefilm,
        Exception: on_bug})
    app.state.port_ref = port_ref
    if not mounted:
        app.add_middleware(Guard, port_ref=port_ref)
    return app


# --- serving ----------------------------------------------------------------------------

HOST = "127.0.0.1"  # never anything else: the review server is for this machine only
DEFAULT_PORT = 8765


def bind(port: int | None) -> socket.socket:
    """A listening socket on 127.0.0.1:`port`; `None` tries DEFAULT_PORT, then any free port."""
    def make(p: int) -> socket.socket:
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        s.bind((HOST, p))
        s.listen(64)
        return s

    if port is not None:
        try:
            return make(port)
        except OSError as e:
            raise InputError(f"cannot listen on {HOST}:{port}: {e.strerror}") from None
    try:
        return make(DEFAULT_PORT)
    except OSError:
        return make(0)


class ReviewServer:
    """The app served by uvicorn on a loopback socket; `start()` runs it in a thread
    (tests), `run()` in the foreground (the CLI)."""

    def __init__(self, film: Film, port: int | None = None):
        import uvicorn  # noqa: PLC0415

        self.sock = bind(port)
        self.port = self.sock.getsockname()[1]
        self.app = create_app(film, self.port)
        config = uvicorn.Config(self.app, log_level="warning", lifespan="off",
                                server_header=False, access_log=False)
        self.server = uvicorn.Server(config)
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        return f"http://{HOST}:{self.port}/"

    def run(self) -> None:
        self.server.run(sockets=[self.sock])

    def start(self) -> "ReviewServer":
        self._thread = threading.Thread(target=self.run, name="review-server", daemon=True)
        self._thread.start()
        import time  # noqa: PLC0415

        for _ in range(500):
            if self.server.started:
                break
            time.sleep(0.01)
        return self

    def stop(self) -> None:
        self.server.should_exit = True
        if self._thread is not None:
            self._thread.join(timeout=10)
        self.sock.close()
