"""Caption guideline profiles: defined with film.yaml's `subtitles` block in
`pipeline.manifest.subtitles` (the base layer), re-exported here for the caption code."""

from ..manifest.subtitles import (DEFAULT_PROFILE, OVERRIDES, PROFILES, Profile, ReadingUnit,
                                  SubtitleSettings, effective, get)

__all__ = ["DEFAULT_PROFILE", "OVERRIDES", "PROFILES", "Profile", "ReadingUnit",
           "SubtitleSettings", "effective", "get"]
