"""Stand-ins for pyttsx3 for the speaker's tests. The speech engine runs in a child process, so
each factory is a module-level function (with functools.partial for its arguments) and what it
must remember across processes ("the first engine made hangs") is a file."""

from __future__ import annotations

import ctypes
import time
import wave
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from voicecoach.audio.engine import TtsEngine


class ToneEngine:
    """Renders any line as 0.3 s of 440 Hz; or, as asked, hangs or crashes its process there."""

    def __init__(self, fault: str = "") -> None:
        self._fault = fault
        self._path = ""
        self._finished: Callable[..., object] = lambda **_: None

    def setProperty(self, name: str, value: object) -> None:
        pass

    def getProperty(self, name: str) -> object:
        return None

    def connect(self, topic: str, cb: Callable[..., Any]) -> object:
        self._finished = cb
        return None

    def save_to_file(self, text: str, filename: str) -> None:
        self._path = filename

    def runAndWait(self) -> None:
        if self._fault == "hang":
            time.sleep(3600)
        if self._fault == "crash":
            ctypes.string_at(0)  # a segmentation fault, as espeak-ng's
        samples = 8000 * np.sin(2 * np.pi * 440 * np.arange(6615) / 22050)
        with wave.open(self._path, "wb") as wav:
            wav.setnchannels(1)
            wav.setsampwidth(2)
            wav.setframerate(22050)
            wav.writeframes(samples.astype("<i2").tobytes())
        self._finished(name=None, completed=True)


def tone_engine() -> TtsEngine:
    return ToneEngine()


def first_faulty(fault: str, marker: Path) -> TtsEngine:
    """The first engine made (no marker yet) hangs, crashes, or fails to start ("fail"); the
    next ones work."""
    if marker.exists():
        return ToneEngine()
    marker.touch()
    if fault == "fail":
        raise RuntimeError("espeak crashed")
    return ToneEngine(fault)


def no_espeak() -> TtsEngine:
    raise RuntimeError("could not initialize espeak")
