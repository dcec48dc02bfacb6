"""The review page's descriptions lane: read and save descriptions.yaml beside the transcript.

    GET  /api/descriptions    {digest, duration_ms, rate_wps, descriptions: [{n, at_ms, text,
                              extended, narration, fits, overlap_ms, gap_ms, spoken_ms}],
                              gaps: [{start_ms, end_ms, words}]}
    POST /api/descriptions    {base, editor, descriptions: [{at_ms, text, extended}]}
                              base: the digest the page loaded ("absent": no file yet)

A save validates like the file itself (`descriptions.store.parse`: in the programme, in time
order, no two at the same time, non-empty text; one error naming the entry and field) and
goes through `store.save_revision`: the replaced state is kept as a revision, a save from a
stale page is refused (409). Narration paths of existing entries are kept by time.
Nothing from the request names a file.
"""

from __future__ import annotations

from typing import Awaitable, Callable

from pydantic import BaseModel, Field
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from .. import i18n, transcripts
from ..descriptions import gaps, store
from ..descriptions.fit import fit
from ..descriptions.model import descriptions_path
from ..programme import load_programme
from ..workspace import Film


class LaneEntry(BaseModel):
    at_ms: int = Field(ge=0)
    text: str
    extended: bool = False


class LaneSave(BaseModel):
    base: str = Field(min_length=1, max_length=80)
    editor: str | None = Field(default=None, max_length=200)
    descriptions: list[LaneEntry] = Field(max_length=5000)


def lane_json(film: Film) -> dict:
    prog = load_programme(film)
    descs = store.load(film, prog.duration_ms)
    t = transcripts.current(film)
    rate = film.manifest.descriptions.rate_wps
    fits = fit(descs.descriptions, t, prog.duration_ms, rate)
    return {
        "digest": descs.digest, "duration_ms": prog.duration_ms, "rate_wps": rate,
        "descriptions": [{"n": f.n, "at_ms": f.at_ms, "text": f.text, "extended": f.extended,
                          "narration": d.narration, "fits": f.fits, "overlap_ms": f.overlap_ms,
                          "gap_ms": f.gap_ms, "spoken_ms": f.spoken_ms}
                         for f, d in zip(fits, descs.descriptions)],
        "gaps": [{"start_ms": g.start, "end_ms": g.end, "words": g.words(rate)}
                 for g in gaps.find_gaps(t, prog.duration_ms, film.manifest.descriptions.min_gap_ms)],
    }


def save(film: Film, b: LaneSave) -> dict:
    prog = load_programme(film)
    old = {d.at_ms: d.narration for d in store.load(film).descriptions}
    rows = [{"at": e.at_ms / 1000, "text": e.text, "extended": e.extended,
             **({"narration": old[e.at_ms]} if old.get(e.at_ms) else {})}
            for e in b.descriptions]
    descs = store.parse(descriptions_path(film), rows, prog.duration_ms)
    store.save_revision(film, descs, base_digest=b.base, editor=b.editor)
    return lane_json(film)


def routes(film: Film, body: Callable[[Request, type[BaseModel]], Awaitable[BaseModel]]
           ) -> list[Route]:
    """The lane's routes; `body` is the server's JSON body reader (type, size checks)."""

    def get_lane(request: Request) -> Response:
        return JSONResponse(lane_json(film))

    async def post_lane(request: Request) -> Response:
        b = await body(request, LaneSave)
        return JSONResponse(await run_in_threadpool(save, film, b))

    return [Route("/api/descriptions", get_lane, methods=["GET"]),
            Route("/api/descriptions", post_lane, methods=["POST"])]


def strings(lang: str) -> dict[str, str]:
    """The lane's strings (keys `lane_*` of locale/<lang>/descriptions.yaml)."""
    return {k: v for k, v in i18n.strings("descriptions", lang).items() if k.startswith("lane_")}
