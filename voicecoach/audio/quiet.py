"""Quiet after speech: when the newest word of a partial result counts as said (settled).

A partial result's newest word may be the start of a longer one ("okay" begins as "ow", "exercise"
as "hurts"), so it is acted on once a later word follows it, or once this much quiet does.
"""

from __future__ import annotations

import pocketsphinx

from voicecoach.ports import SAMPLE_RATE

SETTLED_SECONDS = 0.15
"""Quiet (by the voice activity detector) that settles the newest word of a partial result
(Hypothesis.settled): "stop" is acted on then, not once the utterance ends."""
QUIET_VAD_MODE = 2
"""Aggressiveness of the detector, 0 (loose) to 3 (strict). On 300 spoken development utterances
through pocketsphinx, a word was settled 55 to 65 ms sooner with 2 than with 0 (pain, stop and
pause acted on at a median of 260 ms after the end of speech, against 315 and 325), with as many
right; with 3 sooner still, and 1.7 points fewer were right."""
FRAME_SECONDS = 0.03


class QuietClock:
    """How long the audio heard so far has been quiet."""

    def __init__(self) -> None:
        self._vad = pocketsphinx.Vad(QUIET_VAD_MODE, SAMPLE_RATE, FRAME_SECONDS)
        self._pending = b""
        self._frames = 0
        """Frames of quiet since the last frame of speech."""

    def hear(self, pcm: bytes) -> float:
        """Take 16 kHz mono int16 PCM (any length; a part frame waits for the rest); return the
        seconds of quiet since the last frame of speech."""
        self._pending += pcm
        size = self._vad.frame_bytes
        while len(self._pending) >= size:
            frame, self._pending = self._pending[:size], self._pending[size:]
            self._frames = 0 if self._vad.is_speech(frame) else self._frames + 1
        return self.seconds

    @property
    def seconds(self) -> float:
        """Quiet since the last frame of speech."""
        return self._frames * FRAME_SECONDS

    @property
    def settled(self) -> bool:
        return self.seconds >= SETTLED_SECONDS
