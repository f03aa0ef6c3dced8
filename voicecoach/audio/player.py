"""Playing rendered lines on an output device, through one PortAudio stream of our own.

pyttsx3's own playback cannot be interrupted from another thread; this one stops within a block.
The stream stays open, silent between lines, so that every sample has its place on one clock:
when a line sounds is known to the sample, and the echo canceller gets everything the device
plays, silence included, as one continuous reference (`Playback`).
"""

from __future__ import annotations

import logging
import threading
import time
from typing import Any

from voicecoach.audio.devices import LIST_HINT, close_stream, portaudio
from voicecoach.audio.echo import Playback
from voicecoach.audio.engine import Clip
from voicecoach.audio.resample import Resampler
from voicecoach.errors import AudioError

logger = logging.getLogger(__name__)

BLOCK_MS = 10
"""Milliseconds of audio per playback callback: the longest abort() waits for the stream."""
LATENCY = "low"
"""PortAudio's output latency hint; with BLOCK_MS it sizes the device buffer that abort() cannot
recall: measured on the virtual speaker, "low" stops in ~40 ms, "high" in ~110 ms."""
SMOOTHING = 0.01
"""Share of each callback's estimate of the stream's time zero taken into it (100 a second)."""
SLACK = 2.0
"""Seconds a line may take beyond its length before play() gives up on the device."""


class Player:
    """Plays one clip at a time on an output device; abort() silences it within one block."""

    def __init__(self, device: int | None, playback: Playback | None = None) -> None:
        self._sd = portaudio()
        self._device = device
        self._playback = playback
        """Where what sounds is recorded, for the echo canceller."""
        self._abort = threading.Event()
        self._out: _Out | None = None
        self._stream()  # open now: its clock has settled by the first line

    def abort(self) -> None:
        self._abort.set()

    def reset(self) -> None:
        self._abort.clear()

    def play(self, clip: Clip) -> tuple[float, float] | None:
        """Play clip and return once it has sounded, or at once after abort(): when it began and
        stopped sounding (played out, or cut), in time.monotonic() seconds; None when none of it
        was played."""
        if self._abort.is_set() or not clip.pcm:
            return None
        out = self._stream()
        pcm = clip.pcm if out.rate == clip.rate else Resampler(clip.rate, out.rate)(clip.pcm)
        line = _Line(pcm)
        underflows = out.underflows
        out.queue(line)
        if not line.done.wait(timeout=len(pcm) / 2 / out.rate + SLACK):
            logger.warning("playback did not finish in time; cutting it off.")
            line.cut = True
            line.done.wait(timeout=0.5)
        if out.underflows > underflows:
            logger.warning("speaker underflowed %d times in one line; if its sound stutters, close "
                           "other busy programs.", out.underflows - underflows)
        if line.start is None or line.end is None:
            return None
        time.sleep(max(0.0, line.end - time.monotonic()))  # until its last sample has sounded
        return line.start, line.end

    def close(self) -> None:
        if self._out is not None:
            self._out.close()
            self._out = None

    def _stream(self) -> _Out:
        """The open stream (reopened if it died), at the device's own rate, where it plays every
        sample as given: a rate the driver converts itself (ALSA's plug does) may run measurably
        fast or slow, and an echo running apart from its reference cannot be cancelled."""
        if self._out is not None and not self._out.alive():
            self.close()
        if self._out is None:
            info = self._sd.query_devices(self._device, "output")
            self._out = _Out(self._sd, self._device, int(info["default_samplerate"]),
                             self._abort, self._playback)
        return self._out


class _Line:
    """One clip on its way out; start and end are when it sounds, set by the stream."""

    def __init__(self, pcm: bytes) -> None:
        self.pcm = pcm
        self.pos = 0
        self.cut = False
        self.start: float | None = None
        self.end: float | None = None
        self.done = threading.Event()


class _Out:
    """The open output stream and its callback: the queued line's next block, else silence.

    Output frame n sounds at `zero + n / rate`. Each callback estimates zero from the time it
    runs and PortAudio's estimate of how long its block takes to reach the speaker (the stream's
    latency where the driver gives none); zero follows those estimates smoothly (SMOOTHING), so
    that the jitter of callbacks does not move the lines, while an underrun, after which the
    speaker is later than the frames counted, is followed within a second or two. The first
    estimates are averaged alike (`_follow`)."""

    def __init__(self, sd: Any, device: int | None, rate: int, abort: threading.Event,
                 playback: Playback | None) -> None:
        self._sd, self.rate, self._abort, self._playback = sd, rate, abort, playback
        self._line: _Line | None = None
        self._frames = 0
        self._zero: float | None = None
        self._calls = 0
        self.underflows = 0
        """Blocks the device played before we filled them (heard as clicks)."""
        self._ended = threading.Event()
        try:
            self._stream = sd.RawOutputStream(
                device=device, samplerate=rate, channels=1, dtype="int16",
                blocksize=rate * BLOCK_MS // 1000, latency=LATENCY, callback=self._callback,
                finished_callback=self._ended.set)
            self._stream.start()
        except sd.PortAudioError as exc:
            raise AudioError(f"The speaker could not be opened ({exc}); close other programs "
                             f"that use it, or {LIST_HINT} and pass --output-device.") from exc

    def queue(self, line: _Line) -> None:
        self._line = line

    def alive(self) -> bool:
        return not self._ended.is_set()

    def close(self) -> None:
        close_stream(self._stream, "speaker")
        if self._line is not None:
            self._line.done.set()

    def _at(self, frame: int) -> float:
        return (self._zero or 0.0) + frame / self.rate

    def _callback(self, outdata: Any, frames: int, when: Any, status: Any) -> None:
        self.underflows += bool(status.output_underflow)
        latency = when.outputBufferDacTime - when.currentTime
        if not 0 < latency < 1:
            latency = self._stream.latency
        self._calls += 1
        zero = time.monotonic() + latency - self._frames / self.rate
        self._zero = _follow(self._zero, zero, max(SMOOTHING, 1 / self._calls))
        outdata[:] = bytes(len(outdata))
        line = self._line
        if line is not None:
            self._fill(line, outdata)
        if self._playback:
            self._playback.push(bytes(outdata), self.rate)
        self._frames += frames

    def _fill(self, line: _Line, outdata: Any) -> None:
        """Copy the line's next block; finish it when played out, aborted or cut."""
        if self._abort.is_set() or line.cut:
            self._finish(line, cut=True)
            return
        if line.start is None:
            line.start = self._at(self._frames)
        block = line.pcm[line.pos : line.pos + len(outdata)]
        outdata[: len(block)] = block
        line.pos += len(block)
        if line.pos >= len(line.pcm):
            line.end = self._at(self._frames + len(block) // 2)
            self._finish(line, cut=False)

    def _finish(self, line: _Line, cut: bool) -> None:
        if cut and line.start is not None:
            line.end = self._at(self._frames)
        self._line = None
        line.done.set()


def _follow(value: float | None, estimate: float, share: float) -> float:
    """value moved share of the way to estimate; the estimate itself at first."""
    return estimate if value is None else value + share * (estimate - value)
