"""Links into a film's player page, the one place they are built.

The player page is `exports/<film>/index.html`; it honours the media fragment `#t=SECONDS`
(seconds as a decimal number, W3C Media Fragments). Pages in the workspace link to it
relatively: from `subtitles/<film>/` and `chapters/<film>/` with `from_dir="../.."` (the
default), from `reports/` with `from_dir=".."`. Published pages (schema.org `Clip.url`)
append `fragment(ms)` to the absolute player URL.
"""

from __future__ import annotations


def seconds_str(ms: int) -> str:
    """Milliseconds as seconds for URLs and JSON-LD: 83500 → '83.5', 83000 → '83'."""
    s = f"{ms / 1000:.3f}".rstrip("0").rstrip(".")
    return s or "0"


def fragment(ms: int, *, padded: bool = False) -> str:
    """The media fragment for `ms`: '#t=83.5'; `padded`: always three decimals
    ('#t=83.500', the QC report's cue links, so they line up in a table)."""
    return f"#t={ms / 1000:.3f}" if padded else f"#t={seconds_str(ms)}"


def player_page(film_id: str, *, from_dir: str = "../..") -> str:
    """Relative link to the film's player page from `from_dir` (see the module docstring)."""
    return f"{from_dir}/exports/{film_id}/index.html"


def player_href(film_id: str, ms: int, *, from_dir: str = "../..", padded: bool = False) -> str:
    """Relative link that opens the film's player page at `ms`."""
    return player_page(film_id, from_dir=from_dir) + fragment(ms, padded=padded)


def export_player_href(film_id: str, ms: int | None = None, *, up: str = "..") -> str:
    """Link to the film's player page from a page inside exports/ (the catalogue): `up`
    leads from that page's folder to exports/ ("..": exports/catalogue/, "../..": its
    films/ pages). Stays inside exports/, so it works wherever exports/ is served."""
    href = f"{up}/{film_id}/index.html"
    return href if ms is None else href + fragment(ms)
