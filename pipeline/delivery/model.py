"""Typed data of the export side: what the cached encode made, and what an export delivers.

    EncodeSpec      what to encode; `EncodeSpec.key` names the cache directory
    EncodeResult    `meta.json` of a finished cache directory: the encoded rungs (HLS
                    segments, I-frame ranges, measured bitrates), the audio tracks with
                    their loudness, the sprite sheets, the poster, the sha256 of every file
    ExportManifest  `exports/<film>/manifest.json`: every artifact with role, size and
                    sha256; rungs, audio tracks, loudness, caption provenance, poster

Units: times in integer milliseconds unless a name ends in `_s` (seconds, as HLS
playlists want them); bitrates in bit/s (`_bps`) or kbit/s (`_kbps`); loudness in LUFS,
true peak in dBTP, loudness range in LU; sizes in bytes.

Growing the export (issues 9 and 10) is additive:
- another audio track (an audio-description mix) is one more `EncodedAudio` in
  `EncodeResult.audio` (and `AudioTrack` in `ExportManifest.audio`) with a new
  `AudioRole`; the main programme mix keeps role "main";
- another kind of delivered file (AD script, rough cut, social clip) is one more
  `ArtifactRole`, plus an optional `Artifact` field if it carries data of its own.
"""

from __future__ import annotations

from typing import Annotated, Literal, Union

from pydantic import ConfigDict, Field, model_serializer

from .. import ffmpeg
from ..captions import LiveProvenance
from ..fsutil import sha256_json
from ..audio.loudness import Loudness, LoudnormReport  # noqa: F401  (part of the manifest)
from ..manifest.sign_language import Crop
from ..models import Ms, Strict
from .ladder import AUDIO_KBPS, CRF, Rung

ENCODE_VERSION = 4  # bump when the encode recipe changes in a way settings do not show
# (4: reproducible x264 threading, ladder.X264_THREADS sliced threads)

# --- the encode ----------------------------------------------------------------------------


class EncoderSettings(Strict):
    """Everything that determines the encoded bytes (and nothing else); digested into the
    cache key."""

    v: int = ENCODE_VERSION
    media: str  # sha256 of the programme
    rungs: list[Rung]
    preset: str
    crf: int
    audio_kbps: int | None  # None: no audio
    loudness: tuple[float, float] | None  # (integrated LUFS, true-peak ceiling dBTP)
    language: str  # ISO 639-2 of the main audio track
    ffmpeg: str  # `ffmpeg -version` first line


class EncodeSpec(Strict):
    """What to encode: the programme and the film's export settings."""

    media: str  # programme file
    media_sha256: str
    duration_ms: Ms
    width: int
    height: int
    fps: float  # programme frame rate
    has_audio: bool
    rungs: list[Rung]
    preset: str = "medium"
    crf: int = CRF
    audio_kbps: int = AUDIO_KBPS
    loudness_lufs: float = -16.0
    true_peak_dbtp: float = -1.5  # ceiling of every delivered audio track, verified after encoding
    language: str = "und"  # ISO 639-2 code for the audio track

    def settings(self) -> EncoderSettings:
        return EncoderSettings(
            media=self.media_sha256, rungs=self.rungs, preset=self.preset, crf=self.crf,
            audio_kbps=self.audio_kbps if self.has_audio else None,
            loudness=(self.loudness_lufs, self.true_peak_dbtp) if self.has_audio else None,
            language=self.language, ffmpeg=ffmpeg.version())

    @property
    def key(self) -> str:
        return sha256_json(self.settings().model_dump(mode="json"))[:20]


class Segment(Strict):
    """One fMP4 HLS media segment of a rung."""

    file: str  # name inside the rung's HLS folder, e.g. "seg_00000.m4s"
    duration_s: float
    size: int


class IFrame(Strict):
    """Byte range of a segment holding its moof and first (IDR) sample: one I-frame
    playlist entry."""

    file: str
    offset: int
    length: int
    duration_s: float


class EncodedRung(Rung):
    """A rung as encoded: its files in the cache directory and the measured figures."""

    file: str  # progressive MP4 (video + audio, +faststart)
    codecs: str  # RFC 6381, video and audio, e.g. "avc1.64001f,mp4a.40.2" (the variant's
    # CODECS: its video and the audio rendition played with it)
    video_codec: str  # RFC 6381, video only (I-frame playlists)
    hls_dir: str  # folder with init.mp4 and the segments
    segments: list[Segment]  # video only
    peak_bps: int  # highest segment bitrate (HLS BANDWIDTH adds the audio rendition's)
    average_bps: int  # total bits / total duration (HLS AVERAGE-BANDWIDTH, likewise)
    iframe_peak_bps: int
    iframe_average_bps: int
    iframes: list[IFrame]


class HlsAudio(Strict):
    """An audio-only HLS rendition as cut: fMP4 segments (AAC) and measured bitrates."""

    hls_dir: str  # folder with init.mp4 and the segments, relative to the cache directory
    segments: list[Segment]
    codecs: str = "mp4a.40.2"
    peak_bps: int  # highest segment bitrate
    average_bps: int  # total bits / total duration


class LoudnessTarget(Strict):
    integrated_lufs: float
    true_peak_dbtp: float  # the ceiling
    lra_lu: float


class LoudnessReport(Strict):
    """Loudness of one delivered audio track: measured before normalisation (`ebur128`,
    pass 1), the loudnorm reports, and measured on the encoded AAC (`after`, `ebur128`
    with true peak), which is what viewers get."""

    target: LoudnessTarget
    before: Loudness
    loudnorm_pass1: LoudnormReport | None  # None: a track the export does not normalise
    # (the audio-description mix, normalised by the describe stage; measured and held)
    loudnorm_pass2: LoudnormReport | None = None  # None: silent programme, no gain applied
    normalization_type: Literal["linear", "dynamic"] | None = None
    after: Loudness
    # extra gain (dB, <= 0) applied after loudnorm so the encoded true peak stays under the
    # ceiling (AAC overshoots what the limiter let through), and how many audio-only
    # re-encodes that took; 0 and 0 when the first encode already held the ceiling
    ceiling_gain_db: float = 0.0
    ceiling_passes: int = 0


# "main": the programme's mix; "description": the audio-description mix (programme ducked
# under the narration), a second track of the top rung and an HLS audio rendition
AudioRole = Literal["main", "description"]


class AudioTrack(Strict):
    """A delivered audio track (muxed into every rung)."""

    role: AudioRole
    language: str  # ISO 639-2
    codec: Literal["aac"] = "aac"
    profile: Literal["LC"] = "LC"
    sample_rate: int
    channels: int
    bitrate_kbps: int
    loudness: LoudnessReport
    title: str | None = None  # the track name players show (MP4 handler name, HLS NAME)


class EncodedAudio(AudioTrack):
    file: str  # the encoded track in the cache directory, e.g. "audio.m4a"


class Sprite(Strict):
    """Thumbnail sprite sheets for scrub previews."""

    files: list[str]  # sprite-NNN.jpg, in order
    interval_s: int  # one thumbnail per interval
    count: int  # thumbnails in all sheets
    thumb_width: int
    thumb_height: int
    columns: int
    rows: int


class AutoPoster(Strict):
    """A poster picked among the frames the encode made (see pictures.py)."""

    file: str = "poster.jpg"
    time_ms: Ms
    method: Literal["auto"] = "auto"
    luma_mean: float  # signalstats YAVG, 0..255
    jpeg_bytes: int  # detail measure: JPEG size at fixed quality


class FixedPoster(Strict):
    """The poster at the time film.yaml `export.poster` names."""

    file: str = "poster.jpg"
    time_ms: Ms
    method: Literal["film.yaml"] = "film.yaml"


Poster = Annotated[Union[AutoPoster, FixedPoster], Field(discriminator="method")]


class EncodeResult(Strict):
    """meta.json of a finished cache directory."""

    key: str
    created_at: str
    spec: EncodeSpec
    encoder: EncoderSettings
    rungs: list[EncodedRung]
    audio: list[EncodedAudio]  # empty when the programme has no audio
    # the main track as its own HLS audio rendition (the rungs' HLS segments are video
    # only, so players can switch to the audio-description rendition); None: no audio
    audio_hls: HlsAudio | None = None
    first_video_pts_s: float  # presentation time of the first video frame in the segments
    sprite: Sprite
    poster: AutoPoster
    # sha256 of every file in the directory an export links (path relative to it), taken
    # while the encode wrote or read them, so an export never re-reads them for hashing
    digests: dict[str, str]

    @property
    def main_audio(self) -> EncodedAudio | None:
        return next((a for a in self.audio if a.role == "main"), None)


class AdEncodeSpec(Strict):
    """What to encode of an audio-description track: its mix (FLAC from the describe
    stage) as AAC like the main track, held under the same ceiling. `key` names the cache
    directory; the video encode's key does not depend on it."""

    v: int = 1
    mix: str  # the AD mix file (absolute)
    mix_sha256: str
    duration_ms: Ms
    audio_kbps: int = AUDIO_KBPS
    loudness_lufs: float = -16.0
    true_peak_dbtp: float = -1.5
    language: str = "und"  # ISO 639-2
    ffmpeg: str = ""  # `ffmpeg -version` first line

    @property
    def key(self) -> str:
        return sha256_json(self.model_dump(mode="json", exclude={"mix"}))[:20]


class EncodedAd(Strict):
    """meta.json of a finished AD cache directory: the AAC track, its fMP4 HLS segments
    (audio only, an alternate rendition) and the sha256 of every file."""

    key: str
    created_at: str
    spec: AdEncodeSpec
    audio: EncodedAudio  # role "description"
    hls: HlsAudio
    digests: dict[str, str]


# --- the export ----------------------------------------------------------------------------

ArtifactRole = Literal[
    "video",  # progressive MP4 of a rung
    "captions", "chapters",  # sidecar tracks (WebVTT, SRT)
    "hls-master-playlist", "hls-media-playlist", "hls-iframe-playlist", "hls-init",
    "hls-segment", "hls-subtitle-playlist", "hls-subtitle-segment",
    "poster", "thumbnail-sprite", "thumbnails",
    "player-page", "player-asset",
    # audio description: the text descriptions (WebVTT kind="descriptions"), the
    # narration-only stem (FLAC, for platforms that mix themselves; the player plays
    # extended descriptions from it), the AD mix as an HLS audio rendition
    "descriptions", "ad-narration", "hls-audio-playlist", "hls-audio-init", "hls-audio-segment",
    # learning-platform packages `casefilm lms` adds under lms/ (SCORM 1.2 zip, H5P)
    "scorm-package", "h5p-package",
    # sign language (DGS interpreter, signlang.py): the rendition as MP4 and as its own HLS stream
    "sign-language-video", "sign-language-hls-playlist", "sign-language-hls-init",
    "sign-language-hls-segment",
]


class Artifact(Strict):
    """One file of the export. Fields beyond path/size/sha256/role describe it where they
    apply and are left out of manifest.json where they do not."""

    path: str  # relative to exports/<film>/, POSIX separators
    size: int
    sha256: str
    role: ArtifactRole
    language: str | None = None  # BCP-47
    format: str | None = None  # MIME type of text tracks
    rung: str | None = None
    width: int | None = None
    height: int | None = None
    codecs: str | None = None
    captions: bool | None = None  # the MP4 carries mov_text captions
    chapters: int | None = None  # chapters in the MP4
    audio_description: bool | None = None  # the MP4 carries the AD mix (a second track,
    # or, in the AD variant, its only audio track)
    time_ms: Ms | None = None  # poster time
    method: str | None = None  # how the poster was chosen
    library: str | None = None  # vendored player library
    version: str | None = None

    @model_serializer(mode="wrap")
    def _without_none(self, handler):
        return {k: v for k, v in handler(self).items() if v is not None}


class ManifestRung(Strict):
    name: str
    width: int
    height: int
    fps: float
    level: int
    maxrate_kbps: int
    bufsize_kbps: int
    codecs: str
    peak_bps: int
    average_bps: int

    @classmethod
    def of(cls, r: EncodedRung) -> "ManifestRung":
        return cls(**r.model_dump(include=set(cls.model_fields)))


class ProgrammeRef(Strict):
    sha256: str
    duration_ms: Ms
    width: int
    height: int
    fps: float


class EncodeRef(Strict):
    key: str
    reused: bool  # True: this export linked an earlier encode (no video encoded)
    settings: EncoderSettings


class CaptionSummary(Strict):
    status: str  # LiveProvenance.status
    provenance: LiveProvenance
    cues: int


class DescribedVoice(Strict):
    """One description as delivered: where it sits and whose voice speaks it."""

    n: int
    start_ms: Ms
    end_ms: Ms
    extended: bool
    voice: str  # "recorded", "espeak-ng", "piper"
    source: str
    draft: bool  # a synthetic voice no reviewer has accepted: not a deliverable yet
    accepted_by: str | None = None
    overlap_ms: Ms = 0


class DescriptionSummary(Strict):
    """The audio description of the export (from the describe stage's ad.json)."""

    language: str  # BCP-47
    count: int
    extended: int
    digest: str  # of the descriptions the track was made from
    duck_db: float
    draft: bool  # any voice is a draft
    voices: list[DescribedVoice]
    files: dict[str, str]  # what -> export path: vtt, narration, mp4 (AD variant), hls


class SignLanguageSummary(Strict):
    """The sign-language interpreter of the export (`signlang.py`): the rendition as
    measured by ffprobe, where it sits in the programme, and the recording it came from.
    The catalogue reads `ExportManifest.sign_language is not None` as "has DGS"."""

    language: str = "gsg"  # BCP-47: Deutsche Gebärdensprache
    mp4: str  # export path of the MP4 (video only)
    hls: str  # export path of its own HLS media playlist
    width: int
    height: int
    fps: float
    duration_ms: Ms  # of the rendition (programme time 0 .. the interpreter's end)
    size: int  # bytes of the MP4 (the page's download list shows it)
    average_bps: int
    keyframe_interval_s: float
    codecs: str
    offset_ms: Ms  # programme time where the interpreter starts (film.yaml sign_language.offset)
    crop: Crop | None = None  # film.yaml sign_language.crop (recording pixels)
    covers_from_ms: Ms
    covers_to_ms: Ms  # end of the interpreter in programme time (at most the programme's end)
    programme_ms: Ms
    meets_bitv: bool  # at least 320 x 240 px and 25 fps
    recording_sha256: str
    recording_width: int  # after the crop, before scaling
    recording_height: int
    recording_fps: float
    encode_key: str
    reused: bool  # True: the cached rendition was linked (no encode)


class Tools(Strict):
    model_config = ConfigDict(extra="forbid", validate_by_name=True, serialize_by_alias=True)

    ffmpeg: str
    hls_js: str | None = Field(default=None, alias="hls.js")


class ExportManifest(Strict):
    """exports/<film>/manifest.json, written last."""

    film: str
    title: str
    language: str
    created_at: str
    export_version: int
    programme: ProgrammeRef
    encode: EncodeRef
    rungs: list[ManifestRung]
    audio: list[AudioTrack]
    loudness: LoudnessReport | None  # the main track's (audio[role=main].loudness)
    captions: CaptionSummary | None
    descriptions: DescriptionSummary | None = None  # None: the film has no audio description
    sign_language: SignLanguageSummary | None = None  # None: the film has no DGS interpreter
    chapters: int
    poster: Poster
    notes: list[str]
    tools: Tools
    artifacts: list[Artifact]


class ManifestArtifacts(Strict):
    """Just the artifact list of any manifest.json (for verification)."""

    model_config = ConfigDict(extra="ignore")

    artifacts: list[Artifact]


class ProgressiveMp4(Strict):
    """A rung's MP4 as the player page links it."""

    src: str  # relative to the page
    rung: str
    width: int
    height: int
