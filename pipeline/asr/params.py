"""Decoding parameters: one typed set from film.yaml, turned into each backend's keywords."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class AsrParams:
    language: str
    glossary: tuple[str, ...]
    beam_size: int | None = None
    temperature: tuple[float, ...] = (0.0, 0.2, 0.4, 0.6, 0.8, 1.0)
    condition_on_previous_text: bool = False  # avoids repetition loops (docs/asr.md)
    hallucination_silence_threshold: float | None = 2.0  # s; needs word timestamps
    vad_filter: bool = True  # decode only what Silero VAD calls speech (`onset.speech_groups`)
    onset: str = "vad"  # word-edge refinement against the audio: vad, energy, off
    chunk_s: int = 600  # long recordings are transcribed in chunks of about this length

    def prompt(self) -> str | None:
        return ", ".join(self.glossary) + "." if self.glossary else None

    def kwargs(self, fp16: bool) -> dict:
        """openai-whisper `transcribe()` keywords."""
        kw = dict(language=self.language, task="transcribe", word_timestamps=True,
                  initial_prompt=self.prompt(), carry_initial_prompt=bool(self.glossary),
                  condition_on_previous_text=self.condition_on_previous_text,
                  temperature=self.temperature, compression_ratio_threshold=2.4,
                  logprob_threshold=-1.0, no_speech_threshold=0.6,
                  hallucination_silence_threshold=self.hallucination_silence_threshold,
                  fp16=fp16, verbose=False)
        if self.beam_size:
            kw["beam_size"] = self.beam_size
        return kw

    def faster_kwargs(self) -> dict:
        """faster-whisper `WhisperModel.transcribe()` keywords with the same meaning.

        Greedy unless a beam is set (faster-whisper's default is a beam of 5). The glossary
        goes in as `hotwords`, which faster-whisper puts before every window's prompt: with
        previous text or not, that is the prompt openai-whisper builds with
        `carry_initial_prompt` (`<|startofprev|> glossary [previous text]
        <|startoftranscript|>…`)."""
        kw = dict(language=self.language, task="transcribe", word_timestamps=True,
                  beam_size=self.beam_size or 1, best_of=1,
                  temperature=list(self.temperature),
                  condition_on_previous_text=self.condition_on_previous_text,
                  compression_ratio_threshold=2.4, log_prob_threshold=-1.0,
                  no_speech_threshold=0.6,
                  hallucination_silence_threshold=self.hallucination_silence_threshold)
        if self.glossary:
            kw["hotwords"] = self.prompt()
        return kw


def params_for(manifest) -> AsrParams:
    """Decoding parameters from a film manifest (`transcript:` settings)."""
    ts = manifest.transcript
    temp = ts.temperature
    temperature = AsrParams.temperature if temp is None else (
        tuple(temp) if isinstance(temp, list) else (float(temp),))
    return AsrParams(language=manifest.language, glossary=tuple(manifest.glossary),
                     beam_size=ts.beam_size, temperature=temperature,
                     condition_on_previous_text=ts.condition_on_previous_text,
                     hallucination_silence_threshold=ts.hallucination_silence_threshold,
                     vad_filter=ts.vad_filter, onset=ts.onset, chunk_s=ts.chunk_s)
