"""H5P Interactive Video content (library H5P.InteractiveVideo 1.27).

    h5p.json                  title, language, main library, the libraries it needs
    content/content.json      the Interactive Video parameters (semantics.json of 1.27)
    content/videos/<mp4>      the rendition the export's player page plays
    content/files/*.vtt       captions, and the text descriptions when the film has them

The package leaves the H5P libraries out: Moodle (4.3 and later ship Interactive Video),
ILIAS with its H5P plug-in and h5p.com install them, and an upload uses what the platform
has (`h5p.json` names the versions). Chapters become bookmarks; each quiz question a
single-choice interaction (H5P.SingleChoiceSet, which takes the first answer as the right
one and shuffles itself) at its chapter's end that pauses the film.

Text from film.yaml stays text: plain-text fields (titles, labels) are stored as they are
(H5P escapes them when it shows them); fields H5P renders as HTML (question, answers) are
HTML-escaped and wrapped in <p>.
"""

from __future__ import annotations

import html
import json
import uuid
from pathlib import Path

from .. import i18n
from ..workspace import Film
from .model import QuizEntry
from .source import ExportView

IV = ("H5P.InteractiveVideo", 1, 27)
SINGLE_CHOICE = ("H5P.SingleChoiceSet", 1, 11)
SUMMARY = ("H5P.Summary", 1, 10)


def source_files() -> list[Path]:
    return [Path(__file__), i18n.LOCALE_DIR / "de" / "player.yaml"]


def _lib(lib: tuple[str, int, int]) -> str:
    return f"{lib[0]} {lib[1]}.{lib[2]}"


def _dep(lib: tuple[str, int, int]) -> dict:
    return {"machineName": lib[0], "majorVersion": lib[1], "minorVersion": lib[2]}


def _html(text: str) -> str:
    return f"<p>{html.escape(text, quote=False)}</p>"


def _sub_id(film: Film, what: str) -> str:
    """A stable sub-content id (same film and question: same id, same bytes)."""
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"casefilm:{film.id}:{what}"))


def content_json(film: Film, duration_ms: int, video: str, tracks: list[dict],
                 chapters: list[tuple[int, str]], quiz: list[QuizEntry]) -> dict:
    """content.json of the Interactive Video: `video` and each track's `path` relative to
    content/; `chapters` as (start ms, title)."""
    m = film.manifest
    dur = duration_ms / 1000
    interactions = []
    for q in quiz:
        at = round(min(q.at_ms / 1000, max(0.0, dur - 1.0)), 2)
        # SingleChoiceSet: the first answer is the right one (it shuffles when shown)
        answers = [q.answers[q.correct]] + [a for k, a in enumerate(q.answers) if k != q.correct]
        interactions.append({
            "x": 5, "y": 5, "width": 30, "height": 20,
            "duration": {"from": at, "to": round(min(at + 10, dur), 2)},
            "pause": True, "displayType": "poster", "buttonOnMobile": False,
            "label": "", "libraryTitle": "Single Choice Set",
            "action": {
                "library": _lib(SINGLE_CHOICE),
                "params": {"choices": [{"question": _html(q.text),
                                        "answers": [_html(a) for a in answers],
                                        "subContentId": _sub_id(film, f"{q.id}-choice")}],
                           "behaviour": {"autoContinue": True, "enableRetry": False,
                                         "enableSolutionsButton": True,
                                         "passPercentage": 100}},
                "subContentId": _sub_id(film, q.id),
                "metadata": {"contentType": "Single Choice Set", "license": "U",
                             "title": q.text},
            },
            "visuals": {"backgroundColor": "rgb(255, 255, 255)", "boxShadow": True},
            "goto": {"visualize": False},
        })
    return {
        "interactiveVideo": {
            "video": {
                "startScreenOptions": {"title": m.title, "hideStartTitle": False},
                "textTracks": {"videoTrack": tracks,
                               "defaultTrackLabel": tracks[0]["label"] if tracks else ""},
                "files": [{"path": video, "mime": "video/mp4", "copyright": {"license": "U"}}],
            },
            "assets": {
                "interactions": interactions,
                "bookmarks": [{"time": round(start / 1000, 2), "label": title}
                              for start, title in chapters],
                "endscreens": [],
            },
            "summary": {"task": {"library": _lib(SUMMARY), "params": {},
                                 "subContentId": _sub_id(film, "summary")},
                        "displayAt": 3},
        },
        "override": {"autoplay": False, "loop": False, "showBookmarksmenuOnLoad": False,
                     "showRewind10": True, "preventSkippingMode": "none",
                     "deactivateSound": False, "retryButton": "on"},
    }


def h5p_json(film: Film, has_quiz: bool) -> dict:
    m = film.manifest
    deps = [IV, SUMMARY] + ([SINGLE_CHOICE] if has_quiz else [])
    return {"title": m.title, "language": m.language, "mainLibrary": IV[0],
            "embedTypes": ["iframe"], "license": "U", "defaultLanguage": m.language,
            "preloadedDependencies": [_dep(d) for d in deps]}


def contents(film: Film, view: ExportView, quiz: list[QuizEntry]
             ) -> tuple[dict[str, str], dict[str, Path]]:
    """The .h5p: text members and files (name -> path)."""
    m = film.manifest
    lang = m.language
    data = view.page_data()
    mp4 = view.require(data["mp4"]).path
    files = {f"content/videos/{Path(mp4).name}": view.dir / mp4}
    tracks = []
    for rel, kind, label_key in (("captions.vtt", "captions", "captions_track_label"),
                                 ("descriptions.vtt", "descriptions", "ad_text_track_label")):
        if view.artifact(rel) is not None:
            files[f"content/files/{rel}"] = view.dir / view.require(rel).path
            tracks.append({"label": i18n.t("player", label_key, lang), "kind": kind,
                           "srcLang": lang, "track": {"path": f"files/{rel}", "mime": "text/vtt",
                                                      "copyright": {"license": "U"}}})
    chapters = [(c.start, c.text) for c in view.chapters()]
    content = content_json(film, view.manifest.programme.duration_ms,
                           f"videos/{Path(mp4).name}", tracks, chapters, quiz)
    texts = {"h5p.json": json.dumps(h5p_json(film, bool(quiz)), ensure_ascii=False, indent=2),
             "content/content.json": json.dumps(content, ensure_ascii=False, indent=2)}
    return texts, files
