"""Where models are cached: `$XDG_CACHE_HOME` (else `~/.cache`), one folder per owner —
`whisper/` (openai-whisper's downloads, `whisper/converted/` for checkpoints converted
from CTranslate2 directories), `faster-whisper/` (faster-whisper's downloads),
`casefilm/models/` (the bundled base, `asr.bundled`)."""

from __future__ import annotations

import os
from pathlib import Path


def cache_home() -> Path:
    return Path(os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"),
                                                                 ".cache"))
