"""Noise suppression in front of pocketsphinx: WebRTC's (through LiveKit's audio processing module),
in a noisy room only.

pocketsphinx's acoustic model was trained on clean speech, and a steady noise (a fan, traffic,
hiss) fills the quiet between the user's words with sound it forces into the coach's words.
WebRTC's suppressor learns the room's steady noise from the stream and takes it out, 10 ms at a
time. In a quiet room it does harm: it takes the hiss-like start and end of a word for noise
("stop" came out "top", "yes" "use"). So it runs only while the room's noise floor (the quietest
twentieth of the last FLOOR_SECONDS) is above NOISY_DBFS; given a noise, it takes
some 11 dB out of it within the first two seconds.
"""

from __future__ import annotations

import logging
from collections import deque
from typing import Any

import numpy as np

from voicecoach.audio.echo import FRAME
from voicecoach.ports import SAMPLE_RATE

logger = logging.getLogger(__name__)
NOISY_DBFS = -50.0
"""Noise floor (dB relative to full scale) above which the suppressor runs: the tests' quiet room
is at -60, white noise 20 dB below their speech at -40 to -45."""
HYSTERESIS_DB = 3.0
"""How far below NOISY_DBFS the floor must fall for the suppressor's output to be left again."""
FLOOR_SECONDS = 6.0
"""Seconds of the stream over which the noise floor is measured."""
FLOOR_PERCENTILE = 5.0
"""The level of the quietest frames that is taken for the floor: the room between words. Only a
sound that fills 95% of FLOOR_SECONDS raises it: a noise, not a long sentence (with 10% of 3 s, a
long utterance in a quiet room turned the suppressor on)."""


class Denoiser:
    """Call it on each chunk of 16 kHz int16 PCM in turn; it returns whole frames, holding back
    up to 10 ms for the next chunk (`rest` returns what is held)."""

    def __init__(self) -> None:
        from livekit import rtc

        self._rtc = rtc
        self._apm: Any = None
        """Made once the room is noisy: LiveKit's runtime starts with the first, and a process
        that exits while it starts is aborted (a file that could not be read, under load)."""
        self._held = b""
        self._levels: deque[float] = deque(maxlen=round(FLOOR_SECONDS * 100))
        self._frames = 0
        self.noisy = False
        """The room is noisy: the suppressor runs."""
        self._failed = False

    def __call__(self, pcm: bytes) -> bytes:
        data = self._held + pcm
        whole = len(data) // (2 * FRAME) * 2 * FRAME
        self._held = data[whole:]
        if self._failed:
            return data[:whole]
        try:
            return b"".join(self._frame(data[i : i + 2 * FRAME])
                            for i in range(0, whole, 2 * FRAME))
        except Exception as exc:  # the native module failed to start or run: hear the room as is
            logger.warning("noise suppression failed (%s); listening without it.", exc)
            self._failed = True
            return data[:whole]

    def rest(self) -> bytes:
        """The samples held back, as they were: the end of a stream."""
        held, self._held = self._held, b""
        return held

    def _frame(self, pcm: bytes) -> bytes:
        self._measure(pcm)
        if not self.noisy:
            return pcm
        if self._apm is None:
            self._apm = self._rtc.AudioProcessingModule(noise_suppression=True,
                                                        high_pass_filter=True)
        frame: Any = self._rtc.AudioFrame(bytearray(pcm), SAMPLE_RATE, 1, FRAME)
        self._apm.process_stream(frame)
        return bytes(frame.data)

    def _measure(self, pcm: bytes) -> None:
        samples = np.frombuffer(pcm, "<i2").astype(np.float64)
        self._levels.append(10 * float(np.log10(np.mean(samples**2) / 32768**2 + 1e-12)))
        self._frames += 1
        if self._frames % 10 or self._frames < 50:  # every 0.1 s, from 0.5 s on
            return
        floor = float(np.percentile(self._levels, FLOOR_PERCENTILE))
        was, self.noisy = self.noisy, floor > NOISY_DBFS - (HYSTERESIS_DB if self.noisy else 0)
        if was != self.noisy:
            logger.info("noise suppression %s (noise floor %.0f dBFS)",
                        "on" if self.noisy else "off", floor)


def make_denoiser() -> Denoiser | None:
    """A Denoiser, or None (with a warning) when the native module cannot run here."""
    try:
        return Denoiser()
    except Exception as exc:  # an import or native-library failure: listening must go on
        logger.warning("noise suppression is off (%s); a noisy room will be misheard more "
                       "often: reinstall voicecoach to get it back.", exc)
        return None
