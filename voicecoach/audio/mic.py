"""The microphone as an AudioSource: PortAudio capture, 16 kHz mono 16-bit chunks, failures loud."""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections.abc import Iterator
from types import TracebackType
from typing import Any

import numpy as np

from voicecoach.audio.devices import LIST_HINT, portaudio, resolve
from voicecoach.errors import AudioError
from voicecoach.ports import SAMPLE_RATE

logger = logging.getLogger(__name__)

STALL_SECONDS = 2.0
"""Seconds without audio from a running stream after which the microphone counts as gone."""
QUEUE_SECONDS = 10.0
"""Seconds of audio kept for a consumer that falls behind; older blocks are dropped beyond it."""
POLL_SECONDS = 0.25
"""How often chunks() checks that the stream is alive while it waits for audio."""
CLOSE_SECONDS = 2.0
"""How long close() waits for PortAudio; a driver stuck in a read never lets go of its stream."""
FALLBACK_RATES = (48000, 44100, 32000)
"""Hertz tried, after the device's default rate, when it cannot record at SAMPLE_RATE."""


class MicSource:
    """Captures the microphone; chunks() yields 16 kHz mono int16 PCM of about block_ms each.

    Opens at 16 kHz when the device allows it, else at the device's default rate, resampled.
    Raises AudioError when the device cannot be opened, and from chunks() when it stops
    delivering audio (unplugged, stalled) so the caller can pause and tell the user.
    """

    def __init__(self, device: int | str | None = None, block_ms: int = 100,
                 stall_seconds: float = STALL_SECONDS) -> None:
        sd = portaudio()
        self._sd = sd
        index = resolve(device, "input")
        self.rate = capture_rate(index)
        """Hertz the device runs at; chunks are resampled to SAMPLE_RATE when it differs."""
        self._resample = Resampler(self.rate) if self.rate != SAMPLE_RATE else None
        self._queue: queue.Queue[bytes] = queue.Queue(maxsize=int(QUEUE_SECONDS * 1000 / block_ms))
        self._stall_seconds = stall_seconds
        self._last_audio = time.monotonic()
        self._ended = threading.Event()
        self._closed = False
        self.overflows = 0
        """Blocks PortAudio reported as overflowed (audio lost before it reached us)."""
        self.dropped = 0
        """Blocks dropped because the consumer fell more than QUEUE_SECONDS behind."""
        self._reported = (0, 0)
        self._stream = self._open(index, self.rate * block_ms // 1000)

    def _open(self, index: int | None, blocksize: int) -> Any:
        sd = self._sd
        stream = None
        try:
            stream = sd.RawInputStream(device=index, samplerate=self.rate, channels=1,
                                       dtype="int16", blocksize=blocksize,
                                       callback=self._on_audio, finished_callback=self._ended.set)
            stream.start()
        except sd.PortAudioError as exc:
            if stream is not None:
                stream.close()
            raise AudioError(f"The microphone could not be opened ({exc}); close other programs "
                             f"that use it, or {LIST_HINT} and pass --input-device.") from exc
        logger.info("microphone open: device %s at %d Hz", index, self.rate)
        return stream

    def _on_audio(self, indata: Any, frames: int, when: Any, status: Any) -> None:
        """PortAudio's callback thread: hand the bytes over and return; never block, never log."""
        self._last_audio = time.monotonic()
        if status.input_overflow:
            self.overflows += 1
        try:
            self._queue.put_nowait(bytes(indata))
        except queue.Full:
            self.dropped += 1

    def chunks(self) -> Iterator[bytes]:
        while (pcm := self._next()) is not None:
            self._report_losses()
            yield self._resample(pcm) if self._resample else pcm

    def _next(self) -> bytes | None:
        """The next block; None once closed; AudioError when the stream died or went quiet."""
        while not self._closed:
            try:
                return self._queue.get(timeout=POLL_SECONDS)
            except queue.Empty:
                self._check_alive()
        return None

    def _check_alive(self) -> None:
        if self._closed:
            return
        if self._ended.is_set():
            raise AudioError("The microphone stopped: its audio stream ended (was it unplugged?); "
                             "reconnect it and start again.")
        quiet = time.monotonic() - self._last_audio
        if quiet > self._stall_seconds:
            raise AudioError(f"The microphone stopped: no audio arrived for {quiet:.1f} s; check "
                             f"that it is connected, or {LIST_HINT} and pass --input-device.")

    def _report_losses(self) -> None:
        counts = (self.overflows, self.dropped)
        if counts != self._reported:
            logger.warning("microphone lost audio: %d overflowed blocks, %d dropped blocks",
                           *counts)
            self._reported = counts

    def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        closer = threading.Thread(target=self._shutdown, name="mic-close", daemon=True)
        closer.start()
        closer.join(CLOSE_SECONDS)
        if closer.is_alive():
            logger.warning("the microphone did not close within %g s (its driver is stuck); "
                           "leaving it behind", CLOSE_SECONDS)

    def _shutdown(self) -> None:
        try:
            self._stream.abort()
            self._stream.close()
        except self._sd.PortAudioError as exc:
            logger.warning("closing the microphone failed: %s", exc)

    def __enter__(self) -> MicSource:
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.close()


def capture_rate(index: int | None) -> int:
    """SAMPLE_RATE when the device records mono int16 at it, else the first rate it does record."""
    sd = portaudio()
    default = int(sd.query_devices(index, "input")["default_samplerate"])
    for rate in (SAMPLE_RATE, default, *FALLBACK_RATES):
        try:
            sd.check_input_settings(device=index, channels=1, dtype="int16", samplerate=rate)
        except (sd.PortAudioError, ValueError) as exc:
            logger.info("microphone cannot record at %d Hz: %s", rate, exc)
            continue
        if rate != SAMPLE_RATE:
            logger.info("microphone records at %d Hz; resampling to %d Hz", rate, SAMPLE_RATE)
        return rate
    return default  # opening the stream will say what is wrong


class Resampler:
    """Converts int16 mono PCM between rates block by block, with no seams between blocks.

    Linear interpolation, after a windowed-sinc low-pass when the rate goes down, so that what
    lies above the new Nyquist frequency (hiss, sibilants) does not fold back into speech.
    """

    def __init__(self, source_rate: int, target_rate: int = SAMPLE_RATE, taps: int = 63) -> None:
        self.step = source_rate / target_rate
        """Input samples per output sample."""
        self._kernel = lowpass(0.45 / self.step, taps) if self.step > 1 else np.ones(1)
        self._history = np.zeros(len(self._kernel) - 1)
        self._held = np.zeros(0)
        self._pos = 0.0

    def __call__(self, pcm: bytes) -> bytes:
        return self._interpolate(self._filter(np.frombuffer(pcm, "<i2").astype(np.float64)))

    def _filter(self, x: np.ndarray) -> np.ndarray:
        padded = np.concatenate([self._history, x])
        self._history = padded[len(padded) - len(self._history):]
        return np.convolve(padded, self._kernel, mode="valid")

    def _interpolate(self, x: np.ndarray) -> bytes:
        x = np.concatenate([self._held, x])
        last = len(x) - 1
        count = int((last - self._pos) // self.step) + 1 if last >= self._pos else 0
        y = np.interp(self._pos + self.step * np.arange(count), np.arange(len(x)), x)
        self._pos += self.step * count - last if len(x) else 0.0
        self._held = x[-1:]
        return bytes(np.clip(np.round(y), -32768, 32767).astype("<i2").tobytes())


def lowpass(cutoff: float, taps: int) -> np.ndarray:
    """A Hamming-windowed sinc low-pass FIR with unit gain; cutoff in cycles per sample (< 0.5)."""
    n = np.arange(taps) - (taps - 1) / 2
    kernel = np.sinc(2 * cutoff * n) * np.hamming(taps)
    return np.asarray(kernel / kernel.sum())
