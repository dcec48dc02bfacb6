"""Audio description: authored texts, speech gaps, narration voices, the AD mix.

`model.py` is the contract between the stage that voices and mixes the descriptions and
the export that delivers them (MP4 track, HLS rendition, player page, manifest)."""
