"""The series as one body of knowledge: a static catalogue of every exported film.

    from pipeline.catalogue import build
    outcome = build(ws)              # exports/catalogue/ when anything it shows changed

- `collect`  what the catalogue shows of a film, read only through other features' typed
             outputs (film.yaml, the export's manifest.json, chapters.json, the current
             transcript) and the search documents made from it;
- `search`   the lunr index (German stemmer), built at build time with node;
- `site`     the pages (Jinja2 templates `catalogue-*.html.j2`, `static/catalogue.*`),
             the incremental record, the build;
- `case_qc`  what a film's `case:` lacks (`casefilm status`, the QC report);
- `model`    the typed data between them.

The `case:` block itself is film.yaml's (`pipeline.manifest.case`).
"""

from __future__ import annotations

from .site import Outcome, build

__all__ = ["Outcome", "build"]
