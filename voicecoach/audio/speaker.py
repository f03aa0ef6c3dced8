"""The coach's voice: each line is rendered to a Clip (tts.py), and we play it ourselves.

pyttsx3's own playback cannot be interrupted from another thread, so a PortAudio stream plays
the rendered lines and `stop()` cuts a word in half at once.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import deque
from collections.abc import Iterable
from types import TracebackType
from typing import Any

from voicecoach.audio.devices import LIST_HINT, portaudio, resolve
from voicecoach.audio.resample import Resampler
from voicecoach.audio.tts import (
    ENGINE_FIX,
    SYNTH_TIMEOUT,
    Clip,
    EngineFactory,
    Synthesizer,
    pyttsx3_engine,
)
from voicecoach.errors import AudioError
from voicecoach.ports import Speaker

logger = logging.getLogger(__name__)

BLOCK_MS = 10
"""Milliseconds of audio per playback callback: the longest stop() waits for the stream."""
LATENCY = "low"
"""PortAudio's output latency hint; with BLOCK_MS it sizes the device buffer that stop() cannot
recall: measured on the virtual speaker, "low" stops in ~40 ms, "high" in ~110 ms."""
PROBE_TEXT = "ok"
"""What open_speaker renders (not plays) to check that the engine works."""
ECHO_TAIL = 1.0
"""Seconds a line still counts as being said after it ended (`speaking()`): its echo reaches the
recognizer late (room, microphone blocks, the recognizer's own lag), and a short line ("2") may be
over before the recognizer makes its first guess at it."""


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

    def play(self, clip: Clip) -> None:
        """Play clip and return when it has been heard, or at once after abort()."""
        rate = self._device_rate(clip.rate)
        pcm = clip.pcm if rate == clip.rate else Resampler(clip.rate, rate)(clip.pcm)
        if self._abort.is_set() or not pcm:
            return
        feed = _Feed(pcm, self._abort, self._sd)
        done = threading.Event()
        stream = self._open(rate, feed, done)
        try:
            stream.start()
            if not done.wait(timeout=len(pcm) / 2 / rate + 2.0):
                logger.warning("playback did not finish in time; cutting it off")
            if feed.underflows:
                logger.warning("speaker underflowed %d times in one line", feed.underflows)
        finally:
            stream.abort()
            stream.close()

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

    def __call__(self, outdata: Any, frames: int, when: Any, status: Any) -> None:
        self.underflows += bool(status.output_underflow)
        if self._abort.is_set():
            outdata[:] = bytes(len(outdata))
            raise self._sd.CallbackAbort
        block = self._pcm[self._pos : self._pos + len(outdata)]
        self._pos += len(block)
        outdata[: len(block)] = block
        outdata[len(block) :] = bytes(len(outdata) - len(block))
        if self._pos >= len(self._pcm):
            raise self._sd.CallbackStop


class TtsSpeaker:
    """The Speaker port on pyttsx3 + PortAudio: say() queues, stop() silences at once."""

    def __init__(self, voice: str | None = None, rate: int | None = None,
                 output_device: int | str | None = None, *,
                 engine_factory: EngineFactory = pyttsx3_engine,
                 synth_timeout: float = SYNTH_TIMEOUT, echo_tail: float = ECHO_TAIL) -> None:
        self.voice = voice
        """espeak-ng voice name (`espeak-ng --voices`); None for the engine's default."""
        self.rate = rate
        """Words per minute; None for the engine's default. Both apply from the next line on."""
        self._player = Player(resolve(output_device, "output"))
        self.synthesizer = Synthesizer(engine_factory, synth_timeout)
        self._lines: deque[str] = deque()
        self._speaking = False
        self._current = ""
        """The line being played."""
        self._ended: deque[tuple[float, str]] = deque()
        """(monotonic time it ended, line) of lines played within the last echo_tail seconds."""
        self._echo_tail = echo_tail
        self._closed = False
        self._cond = threading.Condition()
        self._thread = threading.Thread(target=self._loop, name="speaker", daemon=True)
        self._thread.start()

    def say(self, text: str) -> None:
        """Queue a line; returns at once."""
        line = " ".join(text.split())
        if line:
            with self._cond:
                self._lines.append(line)
                self._cond.notify_all()

    def stop(self) -> None:
        """Silence the line being spoken and forget the queued ones."""
        with self._cond:
            self._lines.clear()
            self._player.abort()
            self._cond.notify_all()

    def busy(self) -> bool:
        with self._cond:
            return self._busy()

    def speaking(self) -> str:
        """What the microphone may be hearing of the coach now: the line being played and the
        lines that ended within the echo tail, oldest first; "" when the coach is silent."""
        with self._cond:
            horizon = time.monotonic() - self._echo_tail
            while self._ended and self._ended[0][0] < horizon:
                self._ended.popleft()
            return " ".join([line for _, line in self._ended] + [self._current]).strip()

    def _busy(self) -> bool:
        return bool(self._lines) or self._speaking

    def wait(self, timeout: float | None = None) -> bool:
        """Block until every queued line has been spoken; False on timeout."""
        with self._cond:
            return self._cond.wait_for(lambda: not self._busy(), timeout)

    def preload(self, lines: Iterable[str]) -> None:
        """Render lines into the cache now, so saying them later never waits on the engine."""
        for line in lines:
            self.synthesizer.clip(" ".join(line.split()), self.voice, self.rate)

    def close(self) -> None:
        with self._cond:
            self._closed = True
        self.stop()
        self._thread.join(timeout=2.0)
        self.synthesizer.close()

    def __enter__(self) -> TtsSpeaker:
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.close()

    def _loop(self) -> None:
        while (line := self._take()) is not None:
            try:
                self._player.play(self.synthesizer.clip(line, self.voice, self.rate))
            except AudioError as exc:
                logger.warning("could not speak %r: %s", line, exc)
            except Exception:  # a dead speaker thread would leave every later line queued
                logger.exception("could not speak %r", line)
            finally:
                with self._cond:
                    self._speaking, self._current = False, ""
                    self._ended.append((time.monotonic(), line))
                    self._cond.notify_all()

    def _take(self) -> str | None:
        with self._cond:
            self._cond.wait_for(lambda: self._lines or self._closed)
            if self._closed:
                return None
            self._speaking = True
            self._player.reset()
            self._current = self._lines.popleft()
            return self._current


class PrintOnlySpeaker:
    """No voice: the coach prints every line anyway."""

    def say(self, text: str) -> None:
        pass

    def stop(self) -> None:
        pass

    def busy(self) -> bool:
        return False

    def speaking(self) -> str:
        return ""

    def wait(self, timeout: float | None = None) -> bool:
        return True

    def preload(self, lines: Iterable[str]) -> None:
        pass

    def close(self) -> None:
        pass


def open_speaker(voice: str | None = None, rate: int | None = None,
                 output_device: int | str | None = None, *,
                 engine_factory: EngineFactory = pyttsx3_engine,
                 synth_timeout: float = SYNTH_TIMEOUT
                 ) -> tuple[Speaker, str | None]:
    """A working TtsSpeaker and None, or a PrintOnlySpeaker and the one sentence saying why."""
    try:
        speaker = TtsSpeaker(voice, rate, output_device, engine_factory=engine_factory,
                             synth_timeout=synth_timeout)
    except AudioError as exc:
        return PrintOnlySpeaker(), because(str(exc))
    try:
        speaker.preload([PROBE_TEXT])
    except AudioError as exc:
        speaker.close()
        cause = exc.__cause__ or exc
        return PrintOnlySpeaker(), because(f"the speech engine could not start ({cause}); "
                                           f"{ENGINE_FIX}.")
    return speaker, None


def because(message: str) -> str:
    """'No speaker was found; ...' -> 'Speech output is off because no speaker was found; ...'"""
    return f"Speech output is off because {message[:1].lower()}{message[1:]}"


