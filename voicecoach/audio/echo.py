"""Echo cancellation: the coach's own voice taken out of the microphone before it is recognized.

The speaker's output stream records every block it writes, silence included, with the moment it
wrote it (`Playback`): one continuous stream, in the order the device plays it. Before each
microphone block is cleaned, the `EchoCanceller` hands what was written up to the moment the
block was captured to WebRTC's echo canceller (AEC3, through LiveKit's audio processing module)
as the reference, 10 ms at a time, then the captured block. The reference always arrives ahead of
its echo (a block is written before it sounds), and AEC3 finds the delay between them (up to
about half a second) and the room's reverberation itself, from the audio. Pairing by the moment
of capture keeps that delay steady when the listener falls behind (a long final result) and
catches up on a burst of blocks: handed everything written so far, the first block of the burst
would get a second of reference ahead of its echo, and AEC3 would lose the room for a moment and
let the coach's voice through.

AEC3 learns the room in the first seconds the coach speaks; until then what it returns is the
coach's voice, partly removed and distorted, which the recognizer mishears more than the voice
itself. So the canceller passes the microphone on as it is until it has seen AEC3 take at least
CONVERGED_DB out of the coach's voice over CONVERGED_SECONDS of it, or has heard that the
microphone does not hear the coach at all (headphones: NO_ECHO_DB); from then on it passes on
AEC3's output. The echo rules of listen.py apply either way.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import deque
from typing import Any

import numpy as np

from voicecoach.audio.resample import Resampler
from voicecoach.ports import SAMPLE_RATE

logger = logging.getLogger(__name__)

FRAME = SAMPLE_RATE // 100
"""Samples per frame: AEC3 works on 10 ms frames."""
KEEP = 10.0
"""Seconds of played audio kept for a listener that has fallen behind; older audio is dropped."""
ACTIVE_DBFS = -50.0
"""Level of a reference frame above which the coach is speaking."""
ECHO_FRAMES = 50
"""Captured frames after the coach's last loud one that may hold its echo (AEC3 looks half a
second back)."""
WARMUP_SECONDS = 1.0
"""Seconds of the coach's voice AEC3 takes to start: meanwhile it suppresses everything heard
over the coach by some 40 dB, echo or not, and that says nothing about what it has learned."""
CONVERGED_DB = 30.0
"""How much of the coach's voice AEC3 must be seen to remove, after WARMUP_SECONDS, before its
output is used: once it has learned the room it removes 35 to 45 dB; a voice it cannot cancel
it only suppresses, by 5 to 25 dB."""
CONVERGED_SECONDS = 2.0
"""Seconds of the coach's voice over which CONVERGED_DB is measured."""
PAUSE_FRAMES = 10
"""Frames in a row of the coach's own audio quieter than ACTIVE_DBFS that make a pause between
its words: espeak-ng pauses 110 to 290 ms at a comma or a full stop, and no more than 40 ms
within a word (the closure of a "k" or a "t"; one, cut there, made the coach's "exercise" into
"exit")."""
WAIT_FRAMES = 200
"""Frames of the coach's voice after which the gate opens even without a pause."""
NO_ECHO_DB = 6.0
"""How far above the room's noise floor the microphone must hear the coach, over
CONVERGED_SECONDS of its voice, for there to be an echo to learn. Below it (headphones, a speaker
turned away) there is nothing to cancel, and the gate counts the room as learned: else stop and
pause would never be taken over the coach's voice."""
FLOOR_FRAMES = 300
"""Frames heard while the coach was silent whose quietest tenth is the room's noise floor."""
FLOOR_MIN = 50
"""Frames of the coach's silence needed before the noise floor is trusted."""


class Playback:
    """Everything the speaker's output stream wrote, in order. Written by the stream's callback,
    read (at SAMPLE_RATE) by the listener's thread."""

    def __init__(self) -> None:
        self._blocks: deque[tuple[float, int, bytes]] = deque()
        self._queued = 0.0
        self._lock = threading.Lock()
        self._resamplers: dict[int, Resampler] = {}

    def push(self, pcm: bytes, rate: int) -> None:
        """The output stream wrote pcm (int16 mono at rate): called from its callback."""
        with self._lock:
            self._blocks.append((time.monotonic(), rate, pcm))
            self._queued += len(pcm) / 2 / rate
            while self._queued > KEEP:
                _, old_rate, old = self._blocks.popleft()
                self._queued -= len(old) / 2 / old_rate

    def take(self, until: float | None = None) -> np.ndarray:
        """What was written since the last call, at SAMPLE_RATE: all of it, or what was written
        up to the time.monotonic() until."""
        blocks = []
        with self._lock:
            while self._blocks and (until is None or self._blocks[0][0] <= until):
                _, rate, pcm = self._blocks.popleft()
                self._queued -= len(pcm) / 2 / rate
                blocks.append((rate, pcm))
        out = [self._at_our_rate(pcm, rate) for rate, pcm in blocks]
        return np.frombuffer(b"".join(out), "<i2")

    def _at_our_rate(self, pcm: bytes, rate: int) -> bytes:
        if rate == SAMPLE_RATE:
            return pcm
        return self._resamplers.setdefault(rate, Resampler(rate))(pcm)


class EchoCanceller:
    """Cleans microphone audio of what `playback` played; call it on each captured block in turn."""

    def __init__(self, playback: Playback) -> None:
        from livekit import rtc

        self._rtc = rtc
        self._apm = rtc.AudioProcessingModule(echo_cancellation=True, high_pass_filter=True)
        self._playback = playback
        self._reference = np.zeros(0, np.int16)
        """Played samples waiting for a whole frame."""
        self._held = np.zeros(0, np.int16)
        """Captured samples waiting for a whole frame."""
        self._gate = _Gate()
        self._failed = False

    @property
    def converged(self) -> bool:
        """AEC3's output is being passed on."""
        return self._gate.open

    def __call__(self, pcm: bytes, captured_at: float | None = None) -> bytes:
        """pcm (int16 at SAMPLE_RATE) less the coach's echo, once AEC3 has learned the room.
        captured_at, the time.monotonic() at which the block was captured, pairs it with what was
        played by then; without it, with everything played so far. Returns whole frames only: up
        to 10 ms is held back for the next block."""
        samples = np.concatenate([self._held, np.frombuffer(pcm, "<i2")])
        frames = len(samples) // FRAME
        self._held = samples[frames * FRAME :]
        captured = samples[: frames * FRAME]
        if self._failed:
            return captured.tobytes()
        try:
            self._feed_reference(captured_at)
            return b"".join(self._frame(captured[i * FRAME : (i + 1) * FRAME])
                            for i in range(frames))
        except RuntimeError as exc:  # the native module failed: hear the room as it is
            logger.warning("echo cancellation failed (%s); listening without it: use headphones, "
                           "or the coach may take its own voice for yours.", exc)
            self._failed = True
            return captured.tobytes()

    def _feed_reference(self, until: float | None) -> None:
        played = np.concatenate([self._reference, self._playback.take(until)])
        frames = len(played) // FRAME
        self._reference = played[frames * FRAME :]
        for i in range(frames):
            frame = played[i * FRAME : (i + 1) * FRAME]
            self._apm.process_reverse_stream(self._audio(frame))
            self._gate.reference(frame)

    def _frame(self, captured: np.ndarray) -> bytes:
        frame = self._audio(captured)
        self._apm.process_stream(frame)
        cleaned = np.frombuffer(bytes(frame.data), "<i2")
        return (cleaned if self._gate.passes(captured, cleaned) else captured).tobytes()

    def _audio(self, samples: np.ndarray) -> Any:
        return self._rtc.AudioFrame(bytearray(samples.astype("<i2").tobytes()), SAMPLE_RATE, 1,
                                    FRAME)


class _Gate:
    """Opens for good once AEC3 has removed CONVERGED_DB of the coach's voice over the last
    CONVERGED_SECONDS of captured frames heard while the coach spoke, after WARMUP_SECONDS; and
    then only in a pause between the coach's words (PAUSE_FRAMES of its audio, or its echo all
    gone), or after WAIT_FRAMES. Opened within a word, it cut the word off in the middle of an
    utterance the recognizer was hearing, and the broken end was heard as words ("glute ache" at
    the end of the safety statement: pain)."""

    def __init__(self) -> None:
        self.open = False
        self._warmup = round(WARMUP_SECONDS * 100)
        self._recent: deque[tuple[float, float]] = deque(maxlen=round(CONVERGED_SECONDS * 100))
        """(captured, cleaned) energy of the latest frames heard while the coach spoke."""
        self._speaking = 0
        """Frames to come that may still hold the echo of the coach's last loud frame."""
        self._heard = 0
        """Frames heard while the coach spoke."""
        self._learned = False
        """AEC3 has been seen to remove CONVERGED_DB: the gate opens at the next pause."""
        self._waited = 0
        """Frames of the coach's voice since it was learned."""
        self._pause = 0
        """The coach's latest frames in a row that were quieter than ACTIVE_DBFS."""
        self._paused = False
        """The coach has paused since AEC3 was seen to learn the room."""
        self._room: deque[float] = deque(maxlen=FLOOR_FRAMES)
        """Energy of the latest frames heard while the coach was silent."""

    def reference(self, frame: np.ndarray) -> None:
        if _dbfs(frame) > ACTIVE_DBFS:
            self._speaking, self._pause = ECHO_FRAMES, 0
        else:
            self._pause += 1
            self._paused = self._paused or (self._learned and self._pause >= PAUSE_FRAMES)

    def passes(self, captured: np.ndarray, cleaned: np.ndarray) -> bool:
        if self._speaking <= 0:
            self._room.append(_energy(captured))
            self.open = self.open or self._learned
            return self.open
        self._speaking -= 1
        self._heard += 1
        if self.open:
            return True
        if self._warmup > 0:
            self._warmup -= 1
            return False
        if self._learned:
            self._waited += 1
            self.open = self._paused or self._waited > WAIT_FRAMES
            if self.open:
                logger.info("echo canceller: passing its output on, %.2f s later, %s",
                            self._waited / 100, "at a pause" if self._paused else "without one")
            return self.open
        self._recent.append((_energy(captured), _energy(cleaned)))
        if len(self._recent) == self._recent.maxlen:
            heard = sum(c for c, _ in self._recent)
            left = sum(k for _, k in self._recent)
            if heard > 10 ** (CONVERGED_DB / 10) * max(left, 1.0):
                self._learned = True
                logger.info("echo canceller converged after %.1f s of the coach's voice",
                            self._heard / 100)
            elif self._unheard(heard):
                self._learned = True
                logger.info("echo canceller: the microphone does not hear the coach (headphones?);"
                            " there is no echo to take out")
        return False

    def _unheard(self, heard: float) -> bool:
        """The coach's voice, heard energy over the window, is within NO_ECHO_DB of the room's
        noise floor."""
        if len(self._room) < FLOOR_MIN:
            return False
        floor = max(float(np.percentile(self._room, 10)), 1.0) * len(self._recent)
        return heard < 10 ** (NO_ECHO_DB / 10) * floor


def _energy(samples: np.ndarray) -> float:
    return float(np.sum(samples.astype(np.float64) ** 2))


def _dbfs(samples: np.ndarray) -> float:
    rms = float(np.sqrt(np.mean(samples.astype(np.float64) ** 2))) if len(samples) else 0.0
    return 20 * float(np.log10(max(rms, 1e-9) / 32768))


def make_canceller(playback: Playback | None) -> EchoCanceller | None:
    """An EchoCanceller, or None (with a warning) when there is nothing to cancel or it cannot
    run here: the echo rules of listen.py then work alone."""
    if playback is None:
        return None
    try:
        return EchoCanceller(playback)
    except Exception as exc:  # an import or native-library failure: listening must go on
        logger.warning("echo cancellation is off (%s); through a speaker the coach may take its "
                       "own voice for pain and stop: use headphones, or reinstall voicecoach to "
                       "get it back.", exc)
        return None
