"""Sample-rate conversion of int16 mono PCM, block by block (a microphone) or whole (a file)."""

from __future__ import annotations

import numpy as np

from voicecoach.ports import SAMPLE_RATE


class Resampler:
    """Converts int16 mono PCM between rates block by block, with no seams between blocks.

    Linear interpolation, after a windowed-sinc low-pass when the rate goes down, so that what
    lies above the new Nyquist frequency (hiss, sibilants) does not fold back into speech.
    """

    def __init__(self, source_rate: int, target_rate: int = SAMPLE_RATE, taps: int = 101) -> None:
        self.step = source_rate / target_rate
        """Input samples per output sample."""
        self._kernel = lowpass(0.45 / self.step, taps) if self.step > 1 else np.ones(1)
        self._history = np.zeros(len(self._kernel) - 1)
        self.delay = (len(self._kernel) - 1) // 2
        """Input samples the low-pass filter delays the signal by."""
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


def resample(pcm: bytes, rate_in: int, rate_out: int = SAMPLE_RATE) -> bytes:
    """A whole recording at another rate: the same filter, with its delay taken out."""
    if rate_in == rate_out:
        return pcm
    resampler = Resampler(rate_in, rate_out)
    delay = resampler.delay
    out = resampler(pcm + bytes(2 * delay))
    return out[2 * round(delay / resampler.step):]
