"""Playing one rendered line on an output device, in a PortAudio stream of our own.

pyttsx3's own playback cannot be interrupted from another thread; this one stops within a block,
and says when the line began and stopped playing.
"""

from __future__ import annotations

import logging
import threading
import time
from typing import Any

from voicecoach.audio.devices import LIST_HINT, portaudio
from voicecoach.audio.resample import Resampler
from voicecoach.audio.tts import Clip
from voicecoach.errors import AudioError

logger = logging.getLogger(__name__)

BLOCK_MS = 10
"""Milliseconds of audio per playback callback: the longest stop() waits for the stream."""
LATENCY = "low"
"""PortAudio's output latency hint; with BLOCK_MS it sizes the device buffer that stop() cannot
recall: measured on the virtual speaker, "low" stops in ~40 ms, "high" in ~110 ms."""


class Player:
    """Plays one clip at a time on an output device; abort() silences it within one block."""

    def __init__(self, device: int | None) -> None:
        self._sd = portaudio()
        self._device = device
        self._rates: dict[int, int] = {}
        self._abort = threading.Event()

    def abort(self) -> None:
        self._abort.set()

    def reset(self) -> None:
        self._abort.clear()

    def play(self, clip: Clip) -> tuple[float, float] | None:
        """Play clip and return when it has been heard, or at once after abort(): when it began
        (its first block went to the device) and when it stopped (played out, or cut), in
        time.monotonic() seconds; None when none of it was played."""
        rate = self._device_rate(clip.rate)
        pcm = clip.pcm if rate == clip.rate else Resampler(clip.rate, rate)(clip.pcm)
        if self._abort.is_set() or not pcm:
            return None
        feed = _Feed(pcm, self._abort, self._sd)
        done = threading.Event()
        stream = self._open(rate, feed, done)
        try:
            stream.start()
            if not done.wait(timeout=len(pcm) / 2 / rate + 2.0):
                logger.warning("playback did not finish in time; cutting it off")
            end = time.monotonic()
            if feed.underflows:
                logger.warning("speaker underflowed %d times in one line", feed.underflows)
        finally:
            stream.abort()
            stream.close()
        return None if feed.first is None else (feed.first, end)

    def _open(self, rate: int, feed: _Feed, done: threading.Event) -> Any:
        sd = self._sd
        try:
            return sd.RawOutputStream(device=self._device, samplerate=rate, channels=1,
                                      dtype="int16", blocksize=rate * BLOCK_MS // 1000,
                                      latency=LATENCY,
                                      callback=feed, finished_callback=done.set)
        except sd.PortAudioError as exc:
            raise AudioError(f"The speaker could not be opened ({exc}); close other programs "
                             f"that use it, or {LIST_HINT} and pass --output-device.") from exc

    def _device_rate(self, rate: int) -> int:
        """rate when the device plays it, else the device's default rate (we resample)."""
        if rate not in self._rates:
            try:
                self._sd.check_output_settings(device=self._device, channels=1, dtype="int16",
                                               samplerate=rate)
                self._rates[rate] = rate
            except (self._sd.PortAudioError, ValueError):
                info = self._sd.query_devices(self._device, "output")
                self._rates[rate] = round(info["default_samplerate"])
                logger.info("speaker cannot play %d Hz; resampling to %d Hz", rate,
                            self._rates[rate])
        return self._rates[rate]


class _Feed:
    """The playback callback: copies the next block out of the clip; ends or aborts the stream."""

    def __init__(self, pcm: bytes, abort: threading.Event, sd: Any) -> None:
        self._pcm = pcm
        self._pos = 0
        self._abort = abort
        self._sd = sd
        self.underflows = 0
        """Blocks the device played before we filled them (heard as clicks)."""
        self.first: float | None = None
        """time.monotonic() when the first block of the line went to the device."""

    def __call__(self, outdata: Any, frames: int, when: Any, status: Any) -> None:
        self.underflows += bool(status.output_underflow)
        if self._abort.is_set():
            outdata[:] = bytes(len(outdata))
            raise self._sd.CallbackAbort
        if self.first is None:
            self.first = time.monotonic()
        block = self._pcm[self._pos : self._pos + len(outdata)]
        self._pos += len(block)
        outdata[: len(block)] = block
        outdata[len(block) :] = bytes(len(outdata) - len(block))
        if self._pos >= len(self._pcm):
            raise self._sd.CallbackStop
