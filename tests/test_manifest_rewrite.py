"""The one film.yaml chapters rewrite (pipeline.manifest.rewrite), used by `chapters accept`
and conform: only the block changes, chapter ids survive, errors name the right file."""

from __future__ import annotations

import pytest

from pipeline.errors import ManifestError
from pipeline.manifest import load_film, rewrite

FILM_YAML = """\
# Fall 3: Pflege
title: KI in der Dienstplanung   # Arbeitstitel
sources:
  - id: a
    file: raw/a.mov
chapters:
  - id: start
    start: "00:00"
    title: Ausgangslage
# clips for social media
clips:
  - id: teaser
    chapter: start
"""


def test_rewrite_keeps_everything_but_the_chapters_and_round_trips_ids(tmp_path):
    path = tmp_path / "film.yaml"
    path.write_text(FILM_YAML, encoding="utf-8")
    old = load_film(path)
    moved = [old.chapters[0].model_copy(update={"start": 1500, "goals": ["LZ1"]})]
    text, new = rewrite.with_chapters(path, old, [rewrite.chapter_dict(c) for c in moved])
    assert new.chapters[0].id == "start" and new.chapters[0].start == 1500  # the clip's chapter
    assert text.startswith("# Fall 3: Pflege\ntitle: KI in der Dienstplanung   # Arbeitstitel\n")
    assert "# clips for social media\nclips:\n  - id: teaser\n" in text
    backup = rewrite.write_with_backup(path, text)
    assert backup.read_text(encoding="utf-8") == FILM_YAML
    assert load_film(path).chapters == new.chapters


def test_a_bad_chapter_names_the_file_it_came_from(tmp_path):
    path = tmp_path / "film.yaml"
    path.write_text(FILM_YAML, encoding="utf-8")
    old = load_film(path)
    bad = [{"id": "start", "start": "kein Zeitcode", "title": "X"}]
    with pytest.raises(ManifestError) as e:
        rewrite.with_chapters(path, old, bad, source=tmp_path / "suggestions.yaml")
    assert e.value.file.name == "suggestions.yaml" and e.value.field.startswith("chapters.0")
    assert path.read_text(encoding="utf-8") == FILM_YAML  # nothing written
    with pytest.raises(ManifestError) as e:  # dropping the id breaks the clip: film.yaml's fault
        rewrite.with_chapters(path, old, [{"start": "00:00", "title": "X"}])
    assert e.value.file == path and e.value.field.startswith("clips.0")
