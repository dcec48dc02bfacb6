"""Strings that viewers and reviewers read, kept in one place: `pipeline/locale/<lang>/`.

One YAML file per area (player, qc, review, companion, coverage); code and templates fetch
strings by key, never hard-code them. German (`de`) is the default and complete; another
language falls back to German key by key.
"""

from __future__ import annotations

import functools
from pathlib import Path

import yaml

LOCALE_DIR = Path(__file__).parent / "locale"
DEFAULT_LANG = "de"


@functools.lru_cache(maxsize=None)
def _load(lang: str, area: str) -> dict[str, str]:
    p = LOCALE_DIR / lang / f"{area}.yaml"
    return yaml.safe_load(p.read_text(encoding="utf-8")) or {} if p.exists() else {}


def strings(area: str, lang: str = DEFAULT_LANG) -> dict[str, str]:
    """All strings of `area` in `lang`, German filling any gap."""
    base = dict(_load(DEFAULT_LANG, area))
    primary = lang.split("-")[0]
    if primary != DEFAULT_LANG:
        base.update(_load(primary, area))
    return base


def t(area: str, key: str, lang: str = DEFAULT_LANG, **fmt: object) -> str:
    s = strings(area, lang)[key]
    return s.format(**fmt) if fmt else s
