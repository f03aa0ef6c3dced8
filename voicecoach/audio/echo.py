"""Echo cancellation: the coach's own voice taken out of the microphone before it is recognized.

The speaker records what it plays and when (`Playback`, at SAMPLE_RATE on the monotonic clock); the
microphone hands each block with the time it was captured to an `EchoCanceller`, which feeds
WebRTC's echo canceller (AEC3, through LiveKit's audio processing module) the played audio as its
reference and the captured audio as the signal to clean, 10 ms at a time. AEC3 learns the room
(the delay from speaker to microphone, up to about half a second, and its reverberation) as it
goes, and keeps the user's voice. The reference is taken LEAD seconds ahead of the capture time,
so that it always comes before its echo, whatever the two clocks' errors.

The echo rules of listen.py still apply on top: they catch what is left while AEC3 converges
(the first seconds of a session) and what it cannot remove.
"""

from __future__ import annotations

import logging
import threading
from collections import deque
from typing import Any

import numpy as np

from voicecoach.ports import SAMPLE_RATE

logger = logging.getLogger(__name__)

FRAME = SAMPLE_RATE // 100
"""Samples per frame: AEC3 works on 10 ms frames."""
LEAD = 0.05
"""Seconds by which the reference is taken ahead of the capture time: AEC3 finds an echo delayed
from 0 to about 0.5 s after its reference, and nothing that comes before it."""
SMOOTHING = 0.05
"""Share of each block's capture time taken into the canceller's clock: the jitter of callbacks
averages out, while a microphone whose clock runs apart from the speaker's is followed (a drift
of 0.05% left alone costs AEC3 half its suppression)."""
RESYNC = 0.5
"""Seconds a block's capture time may differ from the canceller's clock before it starts over
from it (the microphone was reopened)."""
KEEP = 10.0
"""Seconds of played audio kept after it ended (a microphone block may be processed late)."""


class Playback:
    """What the speaker played, at SAMPLE_RATE, and when (time.monotonic() seconds). Written by
    the speaker's thread, read by the listener's."""

    def __init__(self) -> None:
        self._lines: deque[tuple[float, np.ndarray]] = deque()
        self._lock = threading.Lock()

    def line(self, start: float, pcm: bytes) -> None:
        """A line began to sound at start: its int16 samples at SAMPLE_RATE."""
        samples = np.frombuffer(pcm, "<i2")
        with self._lock:
            while self._lines and _end(self._lines[0]) < start - KEEP:
                self._lines.popleft()
            self._lines.append((start, samples))

    def cut(self, when: float) -> None:
        """The last line stopped sounding at when (aborted): the rest of it was never heard."""
        with self._lock:
            if self._lines:
                start, samples = self._lines[-1]
                kept = max(0, round((when - start) * SAMPLE_RATE))
                self._lines[-1] = (start, samples[:kept])

    def between(self, start: float, count: int) -> np.ndarray:
        """The count samples that sounded from start on; silence where nothing played."""
        out = np.zeros(count, np.int16)
        with self._lock:
            lines = list(self._lines)
        for begin, samples in lines:
            offset = round((begin - start) * SAMPLE_RATE)
            lo, hi = max(0, offset), min(count, offset + len(samples))
            if lo < hi:
                out[lo:hi] = samples[lo - offset : hi - offset]
        return out


def _end(line: tuple[float, np.ndarray]) -> float:
    return line[0] + len(line[1]) / SAMPLE_RATE


class EchoCanceller:
    """Cleans microphone audio of what `playback` played; call it on each captured block in turn."""

    def __init__(self, playback: Playback, lead: float = LEAD) -> None:
        from livekit import rtc

        self._rtc = rtc
        self._apm = rtc.AudioProcessingModule(echo_cancellation=True, high_pass_filter=True)
        self._playback = playback
        self._lead = lead
        self._held = np.zeros(0, np.int16)
        """Captured samples waiting for a whole frame."""
        self._zero: float | None = None
        """When the first sample given was captured, as the blocks' capture times tell."""
        self._count = 0
        """Samples given so far."""
        self._blocks = 0
        """Blocks since the clock started: the first ones are averaged, later ones followed."""
        self._failed = False

    def __call__(self, pcm: bytes, start: float) -> bytes:
        """pcm (int16 at SAMPLE_RATE, its first sample captured at start) less the coach's echo.
        Returns whole frames only: up to 10 ms is held back for the next block."""
        zero = start - self._count / SAMPLE_RATE
        if self._zero is None or abs(zero - self._zero) > RESYNC:
            self._zero, self._blocks = zero, 0
        self._blocks += 1
        self._zero += max(SMOOTHING, 1 / self._blocks) * (zero - self._zero)
        begin = self._zero + (self._count - len(self._held)) / SAMPLE_RATE
        samples = np.concatenate([self._held, np.frombuffer(pcm, "<i2")])
        self._count += len(pcm) // 2
        frames = len(samples) // FRAME
        self._held = samples[frames * FRAME :]
        reference = self._playback.between(begin + self._lead, frames * FRAME)
        try:
            return b"".join(self._frame(samples[i * FRAME : (i + 1) * FRAME],
                                        reference[i * FRAME : (i + 1) * FRAME])
                            for i in range(frames))
        except RuntimeError as exc:  # the native module failed: hear the room as it is
            if not self._failed:
                logger.warning("echo cancellation failed (%s); listening without it", exc)
            self._failed = True
            return samples[: frames * FRAME].tobytes()

    def _frame(self, captured: np.ndarray, reference: np.ndarray) -> bytes:
        self._apm.process_reverse_stream(self._audio(reference))
        frame = self._audio(captured)
        self._apm.process_stream(frame)
        return bytes(frame.data)

    def _audio(self, samples: np.ndarray) -> Any:
        return self._rtc.AudioFrame(bytearray(samples.astype("<i2").tobytes()), SAMPLE_RATE, 1,
                                    FRAME)


def make_canceller(playback: Playback | None) -> EchoCanceller | None:
    """An EchoCanceller, or None (with a warning) when there is nothing to cancel or it cannot
    run here: the echo rules of listen.py then work alone."""
    if playback is None:
        return None
    try:
        return EchoCanceller(playback)
    except Exception as exc:  # an import or native-library failure: listening must go on
        logger.warning("echo cancellation is off (%s); the coach may hear its own voice more "
                       "often: reinstall voicecoach to get it back", exc)
        return None
