"""`casefilm lms`: build a package when one of its inputs changed, write it atomically,
list it (size, sha256) in the export's manifest.json.

Inputs of a package (digested into `BuildRecord.key`): the export artifacts it reads (by
the sha256 manifest.json lists for them), film.yaml's title, language, organisation,
industry, chapters' goals and quiz, the goal texts, and casefilm's own files that shape it
(SCO script, template, strings, this package's code). The record lives in
`.casefilm/cache/<film>/lms/<format>.json`; the package is rebuilt when the key differs or
the file is missing or changed.

Listing: the package is an artifact of the export (`scorm-package` / `h5p-package`) in
`exports/<film>/manifest.json`. manifest.json is an output of the export stage, so the
export's stage record gets the new digest of manifest.json (the export stays "done").
"""

from __future__ import annotations

import zipfile
from dataclasses import dataclass
from pathlib import Path

from .. import records
from ..delivery.model import Artifact, ExportManifest
from ..errors import CasefilmError, ManifestError
from ..fsutil import atomic_path, read_json, sha256_file, sha256_json, write_json
from ..workspace import Film
from . import h5p, scorm, source
from .model import BuildRecord, Format

LMS_VERSION = 1
ROLE = {"scorm12": "scorm-package", "h5p": "h5p-package"}
STORED = {".mp4", ".jpg", ".jpeg", ".png", ".flac", ".m4a", ".zip"}  # already compressed
EPOCH = (1980, 1, 1, 0, 0, 0)  # fixed member times: the same inputs give the same bytes


@dataclass
class LmsResult:
    format: Format
    path: Path
    built: bool  # False: up to date, nothing written
    size: int
    files: int  # members of the package


def package_path(film: Film, fmt: Format) -> Path:
    name = f"{film.id}-scorm12.zip" if fmt == "scorm12" else f"{film.id}.h5p"
    return film.export_dir / "lms" / name


def write_zip(final: Path, texts: dict[str, str], files: dict[str, Path],
              first: str | None = None) -> int:
    """A deterministic zip (sorted members, fixed times; media stored, text deflated),
    written atomically. Returns the number of members."""
    names = sorted({*texts, *files}, key=lambda n: (n != first, n))
    with atomic_path(final) as tmp, zipfile.ZipFile(tmp, "w") as zf:
        for name in names:
            info = zipfile.ZipInfo(name, date_time=EPOCH)
            info.external_attr = 0o644 << 16
            info.compress_type = (zipfile.ZIP_STORED if Path(name).suffix.lower() in STORED
                                  else zipfile.ZIP_DEFLATED)
            if name in texts:
                zf.writestr(info, texts[name].encode("utf-8"))
            else:
                big = files[name].stat().st_size >= zipfile.ZIP64_LIMIT
                with open(files[name], "rb") as src, zf.open(info, "w", force_zip64=big) as dst:
                    while block := src.read(1 << 20):
                        dst.write(block)
    return len(names)


def inputs_key(film: Film, fmt: Format, view: source.ExportView, used: list[str]) -> str:
    m = film.manifest
    mine = scorm.source_files() if fmt == "scorm12" else h5p.source_files()
    return sha256_json({
        "v": LMS_VERSION, "format": fmt, "film": film.id,
        "export": {a.path: a.sha256 for a in view.manifest.artifacts if a.path in used},
        "film.yaml": m.model_dump(mode="json", include={"title", "language", "organisation",
                                                        "industry", "quiz"}),
        "chapters": [ch.goals for ch in m.chapters],
        "goals": {g.id: g.text for g in film.goals().values()},
        "casefilm": {p.name: film.ws.digests.digest(p) for p in mine},
    })


@dataclass
class _Plan:
    texts: dict[str, str]  # member name -> text
    files: dict[str, Path]  # member name -> file
    first: str  # the member that opens the zip
    key: str  # BuildRecord.key
    manifest: ExportManifest  # the export's manifest.json as read


def _plan(film: Film, fmt: Format) -> _Plan:
    """What the package of `fmt` holds and its input key (no zip written)."""
    view = source.read(film)
    quiz = source.quiz_entries(film, view.chapters())
    goals = source.goal_entries(film, quiz)
    if fmt == "scorm12":
        texts, files = scorm.contents(film, view, quiz, goals)
        first = "imsmanifest.xml"
    else:
        texts, files = h5p.contents(film, view, quiz)
        first = "h5p.json"
    used = [str(p.relative_to(view.dir)) for p in files.values() if p.is_relative_to(view.dir)]
    if fmt == "scorm12":
        used.append("index.html")  # the page the SCO is made from
    return _Plan(texts, files, first, inputs_key(film, fmt, view, used), view.manifest)


def _record_path(film: Film, fmt: Format) -> Path:
    return film.cache_dir / "lms" / f"{fmt}.json"


def _current(film: Film, fmt: Format, key: str) -> BuildRecord | None:
    """The record of the package on disk when it was built from inputs with `key`."""
    rec = _record(_record_path(film, fmt))
    final = package_path(film, fmt)
    if (rec is not None and rec.key == key and final.is_file()
            and film.ws.digests.digest(final) == rec.sha256):
        return rec
    return None


def build(film: Film, fmt: Format, *, force: bool = False, report=lambda m: None) -> LmsResult:
    plan = _plan(film, fmt)
    final = package_path(film, fmt)
    mf = plan.manifest
    rec = None if force else _current(film, fmt, plan.key)
    if rec is not None:
        _list(film, mf, final, fmt, rec.sha256)
        return LmsResult(fmt, final, False, final.stat().st_size, 0)
    report(f"{fmt}: building {final.name} ({len(plan.texts) + len(plan.files)} files)")
    n = write_zip(final, plan.texts, plan.files, first=plan.first)
    digest = sha256_file(final)
    film.ws.digests.remember(final, digest)
    write_json(_record_path(film, fmt), BuildRecord(
        format=fmt, key=plan.key, path=final.relative_to(film.export_dir).as_posix(),
        sha256=digest, size=final.stat().st_size).model_dump())
    _list(film, mf, final, fmt, digest)
    film.ws.digests.save()
    return LmsResult(fmt, final, True, final.stat().st_size, n)


def status_lines(film: Film) -> list[str]:
    """`casefilm status` lines of the packages built so far: done, or stale (an input
    changed, or the export is gone) with the command that rebuilds it."""
    out = []
    for fmt in ROLE:
        if _record(_record_path(film, fmt)) is None:
            continue  # never built: no line
        try:
            ok = _current(film, fmt, _plan(film, fmt).key) is not None
        except CasefilmError as e:
            ok, why = False, e.line()
        else:
            why = "an input changed"
        state = "done" if ok else "stale"
        detail = package_path(film, fmt).name if ok else f"{why} (casefilm lms {film.id} --format {fmt})"
        out.append(f"{'lms':<11}{state:<8}{fmt}: {detail}")
    return out


def _record(path: Path) -> BuildRecord | None:
    """The last build's record; None when missing or unreadable (then: build)."""
    if not path.is_file():
        return None
    try:
        return read_json(path, BuildRecord)
    except ManifestError:
        return None


def _list(film: Film, mf: ExportManifest, final: Path, fmt: Format, digest: str) -> None:
    """List the package in manifest.json (once, with its current size and sha256) and keep
    the export's stage record true to the rewritten manifest.json."""
    rel = final.relative_to(film.export_dir).as_posix()
    art = Artifact(path=rel, size=final.stat().st_size, sha256=digest, role=ROLE[fmt],
                   format="application/zip")
    if any(a == art for a in mf.artifacts):
        return
    mf.artifacts = sorted([a for a in mf.artifacts if a.path != rel] + [art],
                          key=lambda a: a.path)
    path = film.export_dir / "manifest.json"
    write_json(path, mf.model_dump(mode="json"))
    rec = records.load(film.records_dir, "export")
    if rec is not None:
        key = str(path.resolve().relative_to(film.ws.root))
        if key in rec.outputs:
            rec.outputs[key] = film.ws.digests.digest(path)
            records.save(film.records_dir, rec)
