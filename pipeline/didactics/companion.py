"""The companion sheet for trainers: a printable German HTML page per film.

Rendered with the one Jinja2 environment (`pipeline.templating`) from
`pipeline/templates/companion.html.j2`; every UI string comes from
`pipeline/locale/<lang>/companion.yaml`. Timecodes link into the player page
(`pipeline.links.player_href`, relative to `chapters/<film>/`).
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

from .. import i18n, links, templating, timecode
from ..errors import MissingTool, ToolError
from ..fsutil import atomic_path
from .model import ChapterSet

TEMPLATE = templating.TEMPLATES / "companion.html.j2"
UI_LANG = i18n.DEFAULT_LANG


def render(cs: ChapterSet, lang: str = UI_LANG) -> str:
    goals = [(g, [c for c in cs.chapters if any(x.id == g.id for x in c.goals)])
             for g in cs.goals]
    return templating.render(
        TEMPLATE.name, cs=cs, s=i18n.strings("companion", lang), ui_lang=lang, goals=goals,
        short=timecode.short, href=lambda ms: links.player_href(cs.film, ms))


def chromium_binary() -> str | None:
    for name in ("chromium", "chromium-browser", "google-chrome"):
        found = shutil.which(name)
        if found:
            return found
    return None


def print_pdf(html: Path, pdf: Path, timeout: float = 120) -> Path:
    """Print `html` to `pdf` (A4, the page's print CSS) with headless Chromium, atomically.

    Raises MissingTool without Chromium, ToolError when it fails or writes nothing."""
    binary = chromium_binary()
    if binary is None:
        raise MissingTool("chromium", "chromium", "to print PDFs")
    with atomic_path(pdf) as tmp:
        argv = [binary, "--headless=new", "--no-sandbox", "--disable-gpu", "--no-first-run",
                "--disable-background-networking", "--disable-component-update",
                "--no-pdf-header-footer", "--allow-file-access-from-files",
                f"--print-to-pdf={tmp}", html.resolve().as_uri()]
        try:
            proc = subprocess.run(argv, capture_output=True, text=True, timeout=timeout)
        except subprocess.TimeoutExpired:
            raise ToolError(argv, -1, f"no result within {timeout:.0f} s") from None
        if proc.returncode != 0 or tmp.stat().st_size < 100 or \
                not tmp.read_bytes()[:5] == b"%PDF-":
            raise ToolError(argv, proc.returncode, proc.stderr or "no PDF written")
    return pdf
