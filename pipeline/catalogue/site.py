"""`casefilm catalogue`: the static site in `exports/catalogue/`, built only when needed.

    exports/catalogue/index.html           every exported film as a card; search and filters
    exports/catalogue/compare.html         the cases side by side
    exports/catalogue/films/<film>.html    one page per film with its case card (JSON-LD)
    exports/catalogue/assets/              catalogue.css/.js, the lunr files, search-index.js

Pages link to the players beside the catalogue (`exports/<film>/index.html#t=SECONDS`)
and their posters, and to nothing else: no CDN, no request outside exports/. The search
index and its documents are a script file, so the site works from file://.

Incremental: `.casefilm/catalogue.json` (`CatalogueRecord`) holds each film's input
digests (export manifest, current transcript, chapters, case, the film.yaml fields shown),
the goal catalogue's and the layout's digests and every output's sha256. When all match
and the outputs are intact, a build does nothing and says so; otherwise it says why and
writes the whole site again (the index spans all films), removing what it wrote before and
no longer writes.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

from .. import i18n, links, templating, timecode, transcripts
from ..errors import CasefilmError, InputError
from ..fsutil import read_json, sha256_file, sha256_json, sha256_text, write_json, write_text
from ..manifest.case import CHAIN, SECTORS
from ..models import utcnow
from ..workspace import Film, Workspace
from . import collect, search
from .model import CatalogueRecord, FilmEntry, SearchDoc

SITE = "catalogue"  # exports/catalogue/
FORMAT_VERSION = "1"  # bump when what the site is made of changes in a way inputs do not show
TEMPLATES = ("catalogue-base.html.j2", "catalogue-index.html.j2", "catalogue-film.html.j2",
             "catalogue-compare.html.j2", "catalogue-macros.html.j2")
STATIC = ("catalogue.css", "catalogue.js")
LANG = "de"


@dataclass
class Outcome:
    root: Path  # exports/catalogue/
    films: list[str]  # in the catalogue
    not_exported: list[str]  # films without an export (not in the catalogue)
    problems: list[str]  # films left out because their inputs are invalid, one line each
    reasons: list[str] = field(default_factory=list)  # why it was (re)built; empty: up to date
    written: list[Path] = field(default_factory=list)
    removed: list[Path] = field(default_factory=list)

    @property
    def up_to_date(self) -> bool:
        return not self.reasons


def site_root(ws: Workspace) -> Path:
    return ws.root / "exports" / SITE


def record_path(ws: Workspace) -> Path:
    return ws.state / "catalogue.json"


def layout_digest() -> str:
    """Digest of what shapes the site besides the films: templates, scripts, strings, the
    index builder and the lunr files."""
    files = [templating.TEMPLATES / t for t in TEMPLATES]
    files += [search.STATIC / s for s in STATIC]
    files += [i18n.LOCALE_DIR / LANG / "catalogue.yaml", search.BUILDER,
              *search.library_files().values()]
    return sha256_json([FORMAT_VERSION, *(sha256_file(f) for f in files)])


def _shared(ws: Workspace) -> dict[str, str]:
    cat = ws.catalogue_path()
    return {"goal_catalogue": sha256_file(cat) if cat.is_file() else "absent",
            "layout": layout_digest()}


def _load_record(ws: Workspace) -> CatalogueRecord | None:
    p = record_path(ws)
    if not p.is_file():
        return None
    try:
        return read_json(p, CatalogueRecord, "catalogue record")
    except CasefilmError:
        return None  # unreadable: build again


def _reasons(old: CatalogueRecord | None, films: dict[str, dict[str, str]],
             shared: dict[str, str], root: Path) -> list[str]:
    """Why the site must be built (empty: it is up to date)."""
    if old is None:
        return ["no catalogue built yet"]
    why = []
    for fid in sorted(films.keys() - old.films.keys()):
        why.append(f"{fid}: new in the catalogue")
    for fid in sorted(old.films.keys() - films.keys()):
        why.append(f"{fid}: no longer exported")
    for fid in sorted(films.keys() & old.films.keys()):
        changed = [k for k, v in films[fid].items() if old.films[fid].get(k) != v]
        if changed:
            why.append(f"{fid}: {', '.join(changed)} changed")
    if shared["goal_catalogue"] != old.shared.get("goal_catalogue"):
        why.append("projects/learning-goals.yaml changed")
    if shared["layout"] != old.shared.get("layout"):
        why.append("casefilm's catalogue layout changed")
    missing = [rel for rel in old.outputs if not (root / rel).is_file()]
    if len(missing) == len(old.outputs):
        why.append(f"{root} is missing")
    else:
        why += [f"{rel} is missing" for rel in missing]
        why += [f"{rel} was changed by hand" for rel, digest in old.outputs.items()
                if rel not in missing and sha256_file(root / rel) != digest]
    return why


def build(ws: Workspace, *, force: bool = False) -> Outcome:
    """Build the catalogue of every exported film when anything it shows changed (or
    `force`). Films whose inputs are invalid are left out and named in `problems`."""
    if SITE in ws.film_ids():
        raise InputError(f"{ws.projects / SITE}: a film may not be called {SITE!r}: its export "
                         f"would share exports/{SITE}/ with the catalogue; rename the folder")
    root = site_root(ws)
    films: dict[str, Film] = {}
    inputs: dict[str, dict[str, str]] = {}
    out = Outcome(root, [], [], [])
    for fid in ws.film_ids():
        film = ws.film(fid)
        try:
            film.manifest  # noqa: B018  (validates film.yaml)
            if not collect.is_exported(film):
                out.not_exported.append(fid)
                continue
            inputs[fid] = collect.inputs(film)
            films[fid] = film
        except CasefilmError as e:
            out.problems.append(f"{fid}: left out: {e.line()}")
    out.films = sorted(films)
    shared = _shared(ws)
    old = _load_record(ws)
    out.reasons = ["--force"] if force else _reasons(old, inputs, shared, root)
    if not out.reasons:
        return out
    entries: list[FilmEntry] = []
    docs: list[SearchDoc] = []
    for fid in out.films:
        film = films[fid]
        try:
            t = transcripts.current(film)
            e = collect.entry(film, t)
            d = collect.documents(film, e, t, len(docs), LANG)
        except CasefilmError as err:
            out.problems.append(f"{fid}: left out: {err.line()}")
            inputs.pop(fid)
            continue
        entries.append(e)
        docs += d
    out.films = [e.id for e in entries]
    entries.sort(key=lambda e: (e.title.casefold(), e.id))
    files = render(entries, docs)
    outputs: dict[str, str] = {}
    for rel, content in files.items():
        write_text(root / rel, content)
        outputs[rel] = sha256_text(content)
        out.written.append(root / rel)
    for rel in sorted((old.outputs.keys() if old else set()) - outputs.keys()):
        p = root / rel
        if p.is_file():
            p.unlink()
            out.removed.append(p)
    write_json(record_path(ws), CatalogueRecord(films=inputs, shared=shared, outputs=outputs)
               .model_dump(mode="json"))
    return out


# --- the pages ------------------------------------------------------------------------------


def iso_duration(ms: int) -> str:
    """schema.org duration (ISO 8601): 83500 -> 'PT1M24S'."""
    h, rem = divmod(round(ms / 1000), 3600)
    m, s = divmod(rem, 60)
    return "PT" + (f"{h}H" if h else "") + (f"{m}M" if m else "") + f"{s}S"


def video_object(e: FilmEntry, up: str, s: dict[str, str]) -> dict:
    """schema.org VideoObject of one film; URLs relative to a page whose folder reaches
    exports/ through `up`."""
    base = f"{up}/{e.id}/"
    c = e.case
    keywords = [s[f"sector_{c.sector}"]] if c.sector else []
    keywords += [s[f"chain_{k}"] for k in c.chain]
    doc: dict = {
        "@context": "https://schema.org", "@type": "VideoObject", "name": e.title,
        "description": c.ai_use.text if c.ai_use else " · ".join(
            x for x in (e.title, e.organisation, e.industry) if x),
        "inLanguage": e.language, "duration": iso_duration(e.duration_ms),
        "uploadDate": e.exported_at, "contentUrl": base + e.video,
        "embedUrl": links.export_player_href(e.id, up=up),
    }
    if e.poster:
        doc["thumbnailUrl"] = base + e.poster
    if e.organisation:
        doc["about"] = {"@type": "Organization", "name": e.organisation}
    if keywords:
        doc["keywords"] = ", ".join(keywords)
    if e.goals:
        doc["teaches"] = [g.text for g in e.goals]
    if e.chapters:
        doc["hasPart"] = [{"@type": "Clip", "name": ch.title, "position": ch.index,
                           "startOffset": round(ch.start / 1000, 3),
                           "endOffset": round(ch.end / 1000, 3),
                           "url": links.export_player_href(e.id, ch.start, up=up)}
                          for ch in e.chapters]
    return doc


def _filters(entries: list[FilmEntry], s: dict[str, str]) -> list[dict]:
    """The checkbox groups: only values some film has, in the lists' own order."""
    sectors = [k for k in SECTORS if any(e.case.sector == k for e in entries)]
    chain = [k for k in CHAIN if any(k in e.case.chain for e in entries)]
    goals: dict[str, str] = {}
    for e in entries:
        for g in e.goals:
            goals.setdefault(g.id, g.text)
    features = [k for k in ("captions", "captions_reviewed", "audio_description",
                                 "sign_language", "chapters")
                if any(k in e.features() for e in entries)]
    groups = [
        ("sector", s["filter_sector"], [(k, s[f"sector_{k}"]) for k in sectors]),
        ("chain", s["filter_chain"], [(k, s[f"chain_{k}"]) for k in chain]),
        ("goal", s["filter_goal"], [(k, f"{k}: {t}") for k, t in sorted(goals.items())]),
        ("feature", s["filter_features"], [(k, s[f"feature_{k}"]) for k in features]),
    ]
    return [{"key": k, "legend": legend, "options": [{"value": v, "label": lbl}
                                                     for v, lbl in opts]}
            for k, legend, opts in groups if opts]


def _script(name: str, data) -> str:
    """A script file that hands `data` to the page (no fetch: file:// forbids it)."""
    return f"window.{name} = " + json.dumps(data, ensure_ascii=False, separators=(",", ":")) \
        + ";\n"


def render(entries: list[FilmEntry], docs: list[SearchDoc]) -> dict[str, str]:
    """Every file of the site: path relative to exports/catalogue/ -> its text (copies,
    never links, of the scripts: a hand edit in the site cannot reach their sources)."""
    s = i18n.strings("catalogue", LANG)
    generated = s["generated"].format(date=utcnow()[:10])
    common = dict(s=s, lang=LANG, entries=entries, generated=generated, ms=timecode.short,
                  player=links.export_player_href)
    index = search.build_index(docs)
    films = {e.id: {"title": e.title, "lang": e.language,
                    "player": links.export_player_href(e.id), "page": f"films/{e.id}.html"}
             for e in entries}
    data = {"index": index, "films": films,
            "docs": [d.model_dump(exclude={"ref"}, exclude_none=True) for d in docs],
            "strings": {k: s[k] for k in ("count_all", "count_all_one", "count_hits",
                                          "count_hits_one_film", "count_filtered",
                                          "count_none", "hits_heading", "hits_more",
                                          "play_at")}}
    files: dict[str, str] = {
        "index.html": templating.render(
            "catalogue-index.html.j2", **common, up="..", home="", here="index",
            filters=_filters(entries, s),
            jsonld={"@context": "https://schema.org", "@type": "ItemList",
                    "name": s["site_title"],
                    "itemListElement": [{"@type": "ListItem", "position": i,
                                         "url": f"films/{e.id}.html",
                                         "item": video_object(e, "..", s)}
                                        for i, e in enumerate(entries, 1)]}),
        "compare.html": templating.render("catalogue-compare.html.j2", **common, up="..",
                                          home="", here="compare"),
        "assets/search-index.js": _script("casefilmCatalogue", data),
    }
    for e in entries:
        files[f"films/{e.id}.html"] = templating.render(
            "catalogue-film.html.j2", **common, up="../..", home="../", here="film", e=e,
            jsonld=video_object(e, "../..", s))
    for name in STATIC:
        files[f"assets/{name}"] = (search.STATIC / name).read_text(encoding="utf-8")
    for name, path in search.library_files().items():
        files[f"assets/{name}"] = path.read_text(encoding="utf-8")
    return files
