"""German SDH conventions: speaker colours, sound tags, ellipsis, text hygiene.

Colours follow the joint German broadcaster order (white first, then yellow, cyan, green;
never red or blue); speakers get them in the order of the film's `speakers:` list, speakers
not in the manifest after them, and a fifth speaker starts the order again.
"""

from __future__ import annotations

import re

from ..subtitle_io import clean_line

COLOURS = ("white", "yellow", "cyan", "green")
CSS = {"white": "#ffffff", "yellow": "#ffff00", "cyan": "#00ffff", "green": "#00ff00"}

_ELLIPSIS = re.compile(r"\.{3,}")
_SOUND = re.compile(r"^\*[^*\s][^*]*[^*\s]\*$|^\*[^*\s]\*$")


def clean(text: str) -> str:
    """One line of plain text as the subtitle layer cleans it (`subtitle_io.clean_line`:
    whitespace incl. line breaks collapsed, control characters dropped), and `...` → `…`.
    Markup characters stay; writers escape them."""
    return _ELLIPSIS.sub("…", clean_line(text))


def sound_tag(text: str) -> str:
    """A sound/music event as a German SDH tag: "musik" / "[Musik]" / "(Telefon klingelt)"
    → "*Musik*", "*Telefon klingelt*"."""
    inner = clean(text).strip("*[]() ")
    if not inner:
        inner = "Geräusch"
    return f"*{inner[0].upper()}{inner[1:]}*"


def is_sound_tag(text: str) -> bool:
    return bool(_SOUND.match(text.strip()))


def colour_map(speaker_ids: list[str], used: list[str | None]) -> dict[str, str]:
    """speaker id -> colour name, manifest order first, then order of appearance."""
    order = [s for s in speaker_ids if s in used] + \
        [s for s in dict.fromkeys(u for u in used if u) if s not in speaker_ids]
    return {s: COLOURS[i % len(COLOURS)] for i, s in enumerate(order)}
