"""The microphone as an AudioSource: PortAudio capture, 16 kHz mono 16-bit chunks, failures loud."""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections.abc import Callable, Iterator
from types import TracebackType
from typing import Any

from voicecoach.audio.devices import LIST_HINT, close_stream, portaudio, resolve
from voicecoach.audio.resample import Resampler
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

Cleaner = Callable[[bytes, float], bytes]
"""What each block goes through before it is yielded, with the time.monotonic() at which it was
captured: the echo canceller."""


_left_behind: list[threading.Thread] = []
"""The closer of a stream that did not close within CLOSE_SECONDS, while it is still stuck: no
other stream is opened beside it (one more would be left behind each time the device stalls)."""


def _still_stuck() -> bool:
    _left_behind[:] = [closer for closer in _left_behind if closer.is_alive()]
    return bool(_left_behind)


class MicSource:
    """Captures the microphone; chunks() yields 16 kHz mono int16 PCM of about block_ms each.

    Opens at 16 kHz when the device allows it, else at the device's default rate, resampled.
    Raises AudioError when the device cannot be opened or a stream left behind is still stuck in
    its driver, and from chunks() when it stops delivering audio (unplugged, stalled) so the
    caller can pause and tell the user.
    """

    def __init__(self, device: int | str | None = None, block_ms: int = 100,
                 stall_seconds: float = STALL_SECONDS, clean: Cleaner | None = None) -> None:
        if _still_stuck():
            raise AudioError(f"The microphone is still stuck in its driver; check that it is "
                             f"connected, or {LIST_HINT} and pass --input-device.")
        sd = portaudio()
        self._sd = sd
        index = resolve(device, "input")
        self.rate = capture_rate(index)
        """Hertz the device runs at; chunks are resampled to SAMPLE_RATE when it differs."""
        self._resample = Resampler(self.rate) if self.rate != SAMPLE_RATE else None
        self._clean = clean
        self._queue: queue.Queue[tuple[float, bytes]] = queue.Queue(
            maxsize=int(QUEUE_SECONDS * 1000 / block_ms))
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
            self._queue.put_nowait((self._last_audio, bytes(indata)))
        except queue.Full:
            self.dropped += 1

    def chunks(self) -> Iterator[bytes]:
        while (block := self._next()) is not None:
            self._report_losses()
            at, pcm = block
            pcm = self._resample(pcm) if self._resample else pcm
            yield self._clean(pcm, at) if self._clean else pcm

    def _next(self) -> tuple[float, bytes] | None:
        """The next block and when it was captured; None once closed; AudioError when the stream
        died or went quiet."""
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
            logger.warning("microphone lost audio: %d overflowed blocks, %d dropped blocks; if "
                           "this repeats, close other busy programs.", *counts)
            self._reported = counts

    def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        closer = threading.Thread(target=self._shutdown, name="mic-close", daemon=True)
        closer.start()
        closer.join(CLOSE_SECONDS)
        if closer.is_alive():
            _left_behind.append(closer)
            logger.warning("the microphone did not close within %g s (its driver is stuck); "
                           "leaving it behind; reconnect it if it stays stuck.", CLOSE_SECONDS)

    def _shutdown(self) -> None:
        close_stream(self._stream, "microphone")

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
