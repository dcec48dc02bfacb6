"""Shared audio: the figures every audio output of casefilm uses, and loudness measurement
and normalisation (`loudness`). Base layer: used by the export (delivery), the audio
description mix (descriptions) and social clips (compose); imports no feature package.
"""

AUDIO_RATE = 48000  # Hz, every delivered and intermediate track
AUDIO_KBPS = 128  # AAC bitrate of a stereo delivery track
# lossless intermediate audio (24-bit FLAC in s32, fastest level): the normalised programme
# audio the export keeps until its AAC holds the ceiling, the AD mix and its narration stem
PCM_OPTIONS = {"c:a": "flac", "sample_fmt": "s32", "compression_level": 0}
