"""Test helper: synthesized speech as 16 kHz mono PCM, the way a microphone would deliver it.

espeak-ng (or flite, for a voice named "flite:NAME") speaks the text, sox resamples it to 16 kHz
mono (so the resampler under test is not the one that made the test data; -R: its dither the same
on every run, so a test hears the same audio each time), and numpy pads it with silence and mixes
in a faint noise floor: perfectly digital silence confuses decoders.
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
import wave
from collections.abc import Iterator
from pathlib import Path

import numpy as np

from voicecoach.ports import Hypothesis, Recognizer

RATE = 16000
"""Hertz."""
CHUNK_BYTES = 3200
"""100 ms of 16-bit mono PCM at RATE."""
NOISE_DBFS = -60.0
"""Level of the noise floor mixed into every sample, in dB relative to full scale (RMS)."""

TOOLS = ("espeak-ng", "sox")
ESPEAK_SAYS = {"ow": "[['aU]]", "owwie": "[['aUwi]]"}
FLITE_SAYS = {"ow": "aow"}
"""Both synthesizers say "ow" as "oh" (as in "bow"), espeak-ng "owwie" too; these spellings make
them say it as a person in pain does (espeak-ng's [[...]] are its own phonemes)."""


def missing_tools() -> list[str]:
    """The speech tools this helper needs that are not on PATH."""
    return [tool for tool in TOOLS if shutil.which(tool) is None]


def synthesize(
    text: str,
    voice: str = "en-us",
    words_per_minute: int = 150,
    lead: float = 0.5,
    trail: float = 1.0,
    seed: int = 0,
) -> bytes:
    """Speak text with espeak-ng or flite; 16 kHz mono int16 PCM with lead/trail seconds of room
    noise. words_per_minute is espeak-ng's; flite speaks at its voice's own pace."""
    with tempfile.TemporaryDirectory() as tmp:
        raw = Path(tmp) / "tts.wav"
        out = Path(tmp) / "16k.wav"
        subprocess.run(_tts_command(text, voice, words_per_minute, raw), check=True,
                       capture_output=True)
        subprocess.run(["sox", "-R", str(raw), "-r", str(RATE), "-c", "1", "-b", "16", str(out)],
                       check=True, capture_output=True)
        speech = np.frombuffer(read_wav_frames(out), dtype="<i2")
    lead_pad = np.zeros(int(lead * RATE), dtype=np.float64)
    trail_pad = np.zeros(int(trail * RATE), dtype=np.float64)
    signal = np.concatenate([lead_pad, speech.astype(np.float64), trail_pad])
    return to_pcm(signal + noise(len(signal), NOISE_DBFS, seed))


def _tts_command(text: str, voice: str, words_per_minute: int, out: Path) -> list[str]:
    engine, _, name = voice.rpartition(":")
    if engine == "flite":
        return ["flite", "-voice", name, "-t", said_as(text, FLITE_SAYS), "-o", str(out)]
    return ["espeak-ng", "-v", voice, "-s", str(words_per_minute), "-w", str(out),
            said_as(text, ESPEAK_SAYS)]


def said_as(text: str, spellings: dict[str, str]) -> str:
    """text with each word of spellings respelled."""
    return " ".join(spellings.get(word, word) for word in text.split())


def noise(samples: int, dbfs: float, seed: int = 0) -> np.ndarray:
    """White noise at an RMS level of dbfs, in int16 units."""
    rms = 32768.0 * 10.0 ** (dbfs / 20.0)
    return np.random.default_rng(seed).normal(0.0, rms, samples)


def room(seconds: float, dbfs: float = NOISE_DBFS, seed: int = 0) -> bytes:
    """Nothing but a noise floor: what a quiet room sounds like."""
    return to_pcm(noise(int(seconds * RATE), dbfs, seed))


def to_pcm(signal: np.ndarray) -> bytes:
    return np.clip(np.round(signal), -32768, 32767).astype("<i2").tobytes()


def chunks(pcm: bytes, size: int = CHUNK_BYTES) -> Iterator[bytes]:
    """Cut PCM into microphone-sized chunks."""
    for start in range(0, len(pcm), size):
        yield pcm[start : start + size]


def hear(recognizer: Recognizer, pcm: bytes) -> Iterator[Hypothesis]:
    """Everything a recognizer says about a stream of microphone chunks, its flush included."""
    for chunk in chunks(pcm):
        found = recognizer.accept(chunk)
        if found:
            yield found
    last = recognizer.finish()
    if last:
        yield last


def read_wav_frames(path: Path) -> bytes:
    with wave.open(str(path), "rb") as wav:
        return wav.readframes(wav.getnframes())


def write_wav(path: Path, pcm: bytes, rate: int = RATE, channels: int = 1, width: int = 2) -> Path:
    """Write raw little-endian PCM into a plain WAV file."""
    with wave.open(str(path), "wb") as wav:
        wav.setnchannels(channels)
        wav.setsampwidth(width)
        wav.setframerate(rate)
        wav.writeframes(pcm)
    return path
