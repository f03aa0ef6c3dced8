"""The speech engine: pyttsx3 writes each line to a WAV, read back as a Clip.

pyttsx3's `runAndWait` has been seen to hang on repeated calls; so one worker thread owns the
engine and only renders files (espeak-ng takes ~10 ms a line); it runs in a process of its own
(tts.py), which is ended and replaced when it hangs, fails or crashes.

pyttsx3 2.99's espeak driver runs espeak-ng in its asynchronous mode, which needs care (measured
with espeak-ng 1.51, and read in both sources):

- `runAndWait` returns before espeak has finished (the WAV may be missing or half written), so a
  render waits for the engine's "finished-utterance" notification. That notification comes from
  espeak's own thread, from inside the driver's callback, before the driver and espeak are done
  with the line; so the engine is not touched again until espeak is idle (`EspeakEngine`).
- every `runAndWait` ends in the driver's `stop()`, which calls `espeak_Cancel` whenever espeak is
  busy; and espeak is busy right after a property is set (`espeak_SetParameter` is itself a
  queued command in this mode). `espeak_Cancel` resets every speech parameter to its value when
  the previous line started: the rate just set was silently undone (a line at 260 words a minute
  came out at the 120 of the line before), and the cancel the driver then kept pending cancelled
  the next line it started (finished with completed=False, an empty WAV). So the driver's `stop()`
  may cancel only a line it is speaking (`EspeakEngine`), which at that point it never is; an
  empty render is still retried.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
import wave
from collections.abc import Callable
from concurrent import futures
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import numpy as np

from voicecoach.errors import AudioError

logger = logging.getLogger(__name__)

SYNTH_TIMEOUT = 5.0
"""Seconds a line may take to render before the engine counts as hung and is replaced."""
TRIM_LEVEL = 64
"""int16 units: quieter than this at either end of a rendered line counts as silence."""
KEEP_MS = 30
"""Milliseconds of that silence kept at each end, so words do not start or stop abruptly."""
RENDER_TRIES = 3
"""Renders of one line on the same engine before the engine counts as broken."""
IDLE_POLL = 0.001
"""Seconds between two looks at whether espeak is idle (it goes idle ~1 ms after a line)."""
ENGINE_FIX = "install espeak-ng with `sudo apt-get install espeak-ng`"


class TtsEngine(Protocol):
    """The part of a pyttsx3 Engine the speaker uses."""

    def setProperty(self, name: str, value: object) -> None: ...

    def getProperty(self, name: str) -> object: ...

    def save_to_file(self, text: str, filename: str) -> None: ...

    def runAndWait(self) -> None: ...

    def connect(self, topic: str, cb: Callable[..., object]) -> object: ...


EngineFactory = Callable[[], TtsEngine]

_ENGINES: list[TtsEngine] = []
"""Every pyttsx3 engine made, kept for the life of the process: the espeak driver shares one C
callback per process, which a garbage-collected engine unregisters (silencing its successor)."""


def pyttsx3_engine() -> TtsEngine:
    """A new pyttsx3 engine (never pyttsx3.init()'s cached one: a hung engine must be replaced)."""
    import pyttsx3

    engine: TtsEngine = pyttsx3.Engine()
    _ENGINES.append(engine)
    driver_module = getattr(getattr(engine, "proxy", None), "_module", None)
    if driver_module is not None:
        # The espeak driver print()s "Audio saved to ..." on every save_to_file, and stdout
        # carries the CLI's results: send the driver's prints to the debug log instead.
        driver_module.print = _driver_print
    espeak = getattr(driver_module, "_espeak", None)
    if espeak is None:  # another driver (not Linux)
        return engine
    return EspeakEngine(engine, espeak)


def _driver_print(*args: object, **_: object) -> None:
    logger.debug("pyttsx3: %s", " ".join(map(str, args)))


class EspeakEngine:
    """A pyttsx3 engine on the espeak driver, made safe to render one line after another.

    See the module doc: each call first waits until espeak is idle (so the previous line's
    callback has returned and every queued command has run), and the driver's `stop()` at the end
    of each `runAndWait` no longer cancels anything unless a line is being spoken.
    """

    def __init__(self, engine: TtsEngine, espeak: Any, timeout: float = SYNTH_TIMEOUT) -> None:
        self._engine = engine
        self._espeak = espeak
        self._timeout = timeout
        driver = getattr(getattr(engine, "proxy", None), "_driver", None)
        if driver is not None:
            cancel = driver.stop

            def stop() -> None:
                if getattr(driver, "_speaking", True):
                    cancel()

            driver.stop = stop

    def setProperty(self, name: str, value: object) -> None:
        self._wait_idle()
        self._engine.setProperty(name, value)

    def getProperty(self, name: str) -> object:
        self._wait_idle()
        return self._engine.getProperty(name)

    def save_to_file(self, text: str, filename: str) -> None:
        self._wait_idle()
        self._engine.save_to_file(text, filename)

    def runAndWait(self) -> None:
        self._wait_idle()
        self._engine.runAndWait()

    def connect(self, topic: str, cb: Callable[..., object]) -> object:
        return self._engine.connect(topic, cb)

    def _wait_idle(self) -> None:
        """Until espeak has run every command queued so far (lines, settings) and is idle."""
        deadline = time.monotonic() + self._timeout
        while self._espeak.IsPlaying():
            if time.monotonic() > deadline:
                raise TimeoutError("espeak stayed busy")
            time.sleep(IDLE_POLL)


@dataclass(frozen=True)
class Clip:
    """A rendered line."""

    pcm: bytes
    """16-bit signed little-endian mono."""
    rate: int
    """Hertz."""

    @property
    def seconds(self) -> float:
        return len(self.pcm) / 2 / self.rate


def read_clip(path: Path) -> Clip:
    """A 16-bit WAV file as a mono Clip, trimmed of the engine's leading and trailing silence."""
    with wave.open(str(path), "rb") as wav:
        if wav.getsampwidth() != 2:
            raise AudioError(f"{path}: the speech engine wrote {8 * wav.getsampwidth()}-bit "
                             "audio; only 16-bit is supported.")
        rate, channels = wav.getframerate(), wav.getnchannels()
        samples = np.frombuffer(wav.readframes(wav.getnframes()), "<i2")
    mono = samples.reshape(-1, channels).mean(axis=1) if channels > 1 else samples
    return Clip(trim(np.asarray(mono, dtype="<i2"), rate).tobytes(), rate)


def trim(samples: np.ndarray, rate: int) -> np.ndarray:
    loud = np.flatnonzero(np.abs(samples.astype(np.int32)) > TRIM_LEVEL)
    if not len(loud):
        return samples[:0]
    keep = rate * KEEP_MS // 1000
    return samples[max(0, loud[0] - keep) : loud[-1] + keep]


@dataclass(frozen=True)
class Job:
    text: str
    voice: str | None
    rate: int | None
    path: Path
    result: futures.Future[Clip]


class SynthWorker:
    """One daemon thread that creates one engine and renders jobs with it, one at a time."""

    def __init__(self, factory: EngineFactory, timeout: float = SYNTH_TIMEOUT) -> None:
        self._factory = factory
        self._timeout = timeout
        self._jobs: queue.Queue[Job] = queue.Queue()
        self._settings: tuple[str | None, int | None] = (None, None)
        self._finished = threading.Event()
        self._completed = False
        self._thread = threading.Thread(target=self._run, name="tts-engine", daemon=True)
        self._thread.start()

    def submit(self, job: Job) -> None:
        self._jobs.put(job)

    def _run(self) -> None:
        engine: TtsEngine | None = None
        error: BaseException | None = None
        try:
            engine = self._factory()
            engine.connect("finished-utterance", self._on_finished)
        except Exception as exc:
            engine, error = None, exc
        while True:  # until the process ends
            job = self._jobs.get()
            if engine is None:
                job.result.set_exception(error or RuntimeError("no engine"))
            else:
                self._render(engine, job)

    def _on_finished(self, completed: bool = True, **_: object) -> None:
        self._completed = completed
        self._finished.set()

    def _render(self, engine: TtsEngine, job: Job) -> None:
        try:
            if (job.voice, job.rate) != self._settings:
                configure(engine, job.voice, job.rate)
                self._settings = (job.voice, job.rate)
            for attempt in range(1, RENDER_TRIES + 1):
                clip = self._render_once(engine, job)
                if clip is not None:
                    job.result.set_result(clip)
                    return
                logger.debug("render %d of %r came back empty", attempt, job.text)
            raise RuntimeError(f"no audio after {RENDER_TRIES} tries")
        except Exception as exc:
            job.result.set_exception(exc)

    def _render_once(self, engine: TtsEngine, job: Job) -> Clip | None:
        """The rendered line, or None when the engine cancelled it or wrote no audio."""
        self._finished.clear()
        job.path.unlink(missing_ok=True)
        engine.save_to_file(job.text, str(job.path))
        engine.runAndWait()
        if not self._finished.wait(self._timeout):
            raise TimeoutError("the engine never finished the line")
        if not self._completed or not job.path.exists():
            return None
        clip = read_clip(job.path)
        return clip if clip.pcm else None


def configure(engine: TtsEngine, voice: str | None, rate: int | None) -> None:
    """Apply voice and words-per-minute, for the lines rendered from now on (pyttsx3 may queue
    these until the next runAndWait, which applies them before it starts the line)."""
    if voice is not None:
        voices = engine.getProperty("voices")
        problem = unknown_voice(voice, voices) if isinstance(voices, list) and voices else None
        if problem:
            logger.warning("%s", problem)
        engine.setProperty("voice", voice)
    if rate is not None:
        engine.setProperty("rate", rate)


def unknown_voice(name: str, voices: list[Any]) -> str | None:
    """None when one of pyttsx3's voices is called name as espeak-ng looks it up (any case, a
    variant after "+" aside): by its file ("gmw/en-us"), the file's last part ("en-us") or its name
    ("English (America)"); else the sentence to warn with, as espeak-ng then silently keeps the
    voice it has. A language ("en-gb") is not a name: the voice for it is named instead."""
    wanted, plus, variant = name.strip().lower().partition("+")
    for voice in voices:
        file = str(getattr(voice, "id", "")).lower()
        if wanted in (file, file.rsplit("/", 1)[-1], str(getattr(voice, "name", "")).lower()):
            return None
    speaks = [str(v.id) for v in voices if wanted in map(str.lower, getattr(v, "languages", []))]
    hint = (f"use {speaks[0]}{plus}{variant}, its voice for {wanted}" if speaks
            else "use a name from the File column of `espeak-ng --voices`")
    return f"The speech engine has no voice {name!r} and keeps the one it has; {hint}."
