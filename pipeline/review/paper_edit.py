"""The paper edit on the review page: source transcripts side by side, selects built from
marked passages, and each source's transcript reviewed on its own.

Routes (added to the review app by `server.create_app`):

    GET  /edit                     the paper-edit page (German UI)
    GET  /api/edit                 edit.yaml resolved: items, running times, sources
    GET  /api/edit/source/{id}     a source's current transcript words (source time)
    GET  /api/edit/media/{id}      a source's raw file (id from film.yaml; read only)
    POST /api/edit/save            {digest, selects: [...]}: validate, resolve, write edit.yaml
    /sources/{id}/…                the review page itself for that source's transcript (its
                                   own revision store; `SourceView`)

A save names the digest of the edit.yaml it was made from; a newer edit.yaml (another tab,
a hand edit) refuses it with 409, nothing written. Every problem of the new list is the
loader's one-line error (file, `selects.N.field`), answered 422.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from pydantic import BaseModel, Field
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import FileResponse, JSONResponse, Response
from starlette.routing import Route

import yaml

from .. import i18n, templating, transcripts
from ..compose.model import Card
from ..edit import resolve as resolve_mod
from ..edit import sources
from ..edit.model import parse_edit
from ..errors import CasefilmError, StaleEdit
from ..fsutil import write_text
from ..manifest import read_yaml
from ..words import join
from ..workspace import Film


class SourceView(transcripts.SourceStore):
    """A source's transcript store seen as the review page's "film": same id and
    transcript_dir as the store, the film's manifest for speakers and glossary."""

    @property
    def manifest(self):
        return self.film.manifest


class SaveEditBody(BaseModel):
    digest: str = Field(max_length=80)  # sha256 of the edit.yaml the page loaded, or "none"
    selects: list[dict] = Field(max_length=5000)


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest() if path.is_file() else "none"


def source_media(film: Film, source_id: str) -> Path | None:
    for s in film.manifest.sources:
        if s.id == source_id:
            p = film.resolve_media(s.file)
            return p if p.is_file() else None
    return None


def _sources(film: Film) -> list[dict]:
    out = []
    for s in film.manifest.sources:
        st = sources.store(film, s.id)
        t = transcripts.current(st)
        out.append({"id": s.id, "speaker": s.speaker,
                    "name": film.manifest.speaker_name(s.speaker) or s.id,
                    "file": Path(s.file).name, "revision": t.revision if t else None,
                    "status": t.provenance.status if t else None,
                    "has_media": source_media(film, s.id) is not None})
    return out


def edit_json(film: Film) -> dict:
    """edit.yaml resolved for the page: each item with its running start, or the error."""
    path = resolve_mod.edit_path(film)
    out = {"film": film.id, "title": film.manifest.title, "digest": digest(path),
           "sources": _sources(film), "items": [], "duration_ms": 0, "error": None}
    if not path.is_file():
        return out
    try:
        edit = resolve_mod.load_edit(film, path)
    except CasefilmError as e:
        out["error"] = e.line()
        return out
    out["items"] = [e.model_dump() | {"kind": "card" if hasattr(e, "card") else "select"}
                    for e in edit.selects]
    try:
        tl = resolve_mod.resolve(film, edit, path).timeline
    except CasefilmError as e:
        out["error"] = e.line()
        return out
    run = 0
    for item, d in zip(tl.items, out["items"]):
        dur = item.duration_ms if isinstance(item, Card) else item.src_out_ms - item.src_in_ms
        d.update({"at_ms": run, "duration_ms": dur})
        if not isinstance(item, Card):
            d["words"] = join(item.words)
        run += dur
    out["duration_ms"] = run
    return out


def source_json(film: Film, source_id: str) -> dict:
    t = sources.current(film, source_id)
    if t is None:
        raise HTTPException(404, f"source {source_id!r} has no transcript yet: run "
                                 f"`casefilm edit transcribe {film.id} --source {source_id}`")
    src = next(s for s in film.manifest.sources if s.id == source_id)
    words = resolve_mod.source_words(t, src.speaker)
    return {"source": source_id, "revision": t.revision, "status": t.provenance.status,
            "duration_ms": t.duration_ms,
            "words": [{"i": w.index, "start": w.start, "end": w.end, "text": w.text,
                       "speaker": w.speaker, "segment": w.segment} for w in words]}


def save_edit(film: Film, body: SaveEditBody) -> dict:
    """Validate and resolve the page's list, then write edit.yaml (atomically)."""
    path = resolve_mod.edit_path(film)
    if body.digest != digest(path):
        raise StaleEdit(path)
    old = read_yaml(path) if path.is_file() else None
    fps = old.get("fps") if isinstance(old, dict) else None
    edit = parse_edit(path, {"selects": body.selects, **({"fps": fps} if fps else {})})
    resolve_mod.check_sources(film, path, edit)
    resolve_mod.resolve(film, edit, path)  # every select still points at words
    text = (f"# paper edit of {film.id}, saved from the review page\n"
            + yaml.safe_dump(edit.to_yaml_data(), allow_unicode=True, sort_keys=False, width=100))
    write_text(path, text)
    return edit_json(film)


def nav(film, here: str) -> dict:
    """Links between the programme's review page, each source's and the paper edit
    (`here`: "programme", "edit" or "source:<id>"), for `edit_nav.html`."""
    base = film.film if isinstance(film, SourceView) else film
    return {"strings": i18n.strings("edit"), "here": here,
            "sources": [{"id": s.id, "name": base.manifest.speaker_name(s.speaker) or s.id}
                        for s in base.manifest.sources]}


def routes(film: Film) -> list[Route]:
    def page(request: Request) -> Response:
        m = film.manifest
        strings = i18n.strings("edit")
        html = templating.render("edit.html", s=strings, film_id=film.id, title=m.title,
                                 language=m.language, strings_json=strings,
                                 sources=_sources(film), nav=nav(film, "edit"))
        return Response(html, media_type="text/html; charset=utf-8")

    async def get_edit(request: Request) -> Response:
        return JSONResponse(await run_in_threadpool(edit_json, film))

    def _sid(request: Request) -> str:
        sid = request.path_params["sid"]
        if sid not in {s.id for s in film.manifest.sources}:
            raise HTTPException(404, "no such source in film.yaml")
        return sid

    async def get_source(request: Request) -> Response:
        return JSONResponse(await run_in_threadpool(source_json, film, _sid(request)))

    def media(request: Request) -> Response:
        p = source_media(film, _sid(request))
        if p is None:
            raise HTTPException(404, "the source file is not there")
        import mimetypes  # noqa: PLC0415

        return FileResponse(p, media_type=mimetypes.guess_type(p.name)[0] or "application/octet-stream")

    async def save(request: Request) -> Response:
        import json  # noqa: PLC0415

        if request.headers.get("content-type", "").split(";")[0].strip() != "application/json":
            raise HTTPException(415, "send JSON (Content-Type: application/json)")
        try:
            data = json.loads(await request.body())
        except ValueError:
            raise HTTPException(400, "request body is not valid JSON") from None
        body = SaveEditBody.model_validate(data)
        return JSONResponse(await run_in_threadpool(save_edit, film, body))

    return [
        Route("/edit", page, methods=["GET"]),
        Route("/api/edit", get_edit, methods=["GET"]),
        Route("/api/edit/source/{sid}", get_source, methods=["GET"]),
        Route("/api/edit/media/{sid}", media, methods=["GET", "HEAD"]),
        Route("/api/edit/save", save, methods=["POST"]),
    ]
