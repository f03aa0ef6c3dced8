"""The coach's voice: each line is rendered to a Clip (tts.py), and we play it ourselves.

pyttsx3's own playback cannot be interrupted from another thread, so a PortAudio stream plays
the rendered lines (player.py) and `stop()` cuts a word in half at once. Each line's `played`
callback is told when it began and stopped playing.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import deque
from collections.abc import Iterable
from types import TracebackType

from voicecoach.audio.devices import resolve
from voicecoach.audio.echo import Playback
from voicecoach.audio.engine import ENGINE_FIX, SYNTH_TIMEOUT, EngineFactory, pyttsx3_engine
from voicecoach.audio.player import Player
from voicecoach.audio.tts import Synthesizer
from voicecoach.errors import AudioError
from voicecoach.ports import Played

logger = logging.getLogger(__name__)

PROBE_TEXT = "ok"
"""What open_speaker renders (not plays) to check that the engine works."""
ECHO_TAIL = 1.0
"""Seconds a line still counts as being said after it ended (`speaking()`): its echo reaches the
recognizer late (room, microphone blocks, the recognizer's own lag), and a short line ("2") may be
over before the recognizer makes its first guess at it."""


class TtsSpeaker:
    """The Speaker port on pyttsx3 + PortAudio: say() queues, stop() silences at once."""

    def __init__(self, voice: str | None = None, rate: int | None = None,
                 output_device: int | str | None = None, *,
                 engine_factory: EngineFactory = pyttsx3_engine,
                 synth_timeout: float = SYNTH_TIMEOUT, echo_tail: float = ECHO_TAIL,
                 record: bool = False) -> None:
        self.voice = voice
        """espeak-ng voice name (`espeak-ng --voices`); None for the engine's default."""
        self.rate = rate
        """Words per minute; None for the engine's default. Both apply from the next line on."""
        self.playback = Playback() if record else None
        """Everything the speaker plays, silence included, if asked to record it: the echo
        canceller's reference."""
        self._player = Player(resolve(output_device, "output"), self.playback)
        self.synthesizer = Synthesizer(engine_factory, synth_timeout)
        self._lines: deque[tuple[str, Played | None]] = deque()
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

    def say(self, text: str, played: Played | None = None) -> None:
        """Queue a line; returns at once. played(start, end) is called from the speaker's thread
        once the line is over (see the Speaker port)."""
        line = " ".join(text.split())
        if not line:
            _tell(played, None)
            return
        with self._cond:
            self._lines.append((line, played))
            self._cond.notify_all()

    def stop(self) -> None:
        """Silence the line being spoken and forget the queued ones."""
        with self._cond:
            dropped = list(self._lines)
            self._lines.clear()
            self._player.abort()
            self._cond.notify_all()
        for _, played in dropped:
            _tell(played, None)

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
        self._player.close()
        self.synthesizer.close()

    def __enter__(self) -> TtsSpeaker:
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.close()

    def _loop(self) -> None:
        while (taken := self._take()) is not None:
            line, played = taken
            when = None
            try:
                when = self._player.play(self.synthesizer.clip(line, self.voice, self.rate))
            except AudioError as exc:
                logger.warning("could not speak %r (%s); the session goes on.", line, exc)
            except Exception:  # a dead speaker thread would leave every later line queued
                logger.exception("could not speak %r", line)
            finally:
                with self._cond:
                    self._speaking, self._current = False, ""
                    self._ended.append((time.monotonic(), line))
                    self._cond.notify_all()
                _tell(played, when)

    def _take(self) -> tuple[str, Played | None] | None:
        with self._cond:
            self._cond.wait_for(lambda: self._lines or self._closed)
            if self._closed:
                return None
            self._speaking = True
            self._player.reset()
            taken = self._lines.popleft()
            self._current = taken[0]
            return taken


def _tell(played: Played | None, when: tuple[float, float] | None) -> None:
    """Tell a line's caller when it played; its mistakes must not end the speaker's thread."""
    if played is None:
        return
    try:
        played(*(when or (None, None)))
    except Exception:
        logger.exception("the caller of a line failed on being told when it played")


def open_speaker(voice: str | None = None, rate: int | None = None,
                 output_device: int | str | None = None, *,
                 engine_factory: EngineFactory = pyttsx3_engine,
                 synth_timeout: float = SYNTH_TIMEOUT, record: bool = False
                 ) -> tuple[TtsSpeaker | None, str | None]:
    """A working TtsSpeaker (recording what it plays, if asked) and None, or None and the one
    sentence saying why (the coach then prints only). A device the user named that is not there
    is an AudioError, as for the microphone: not a session without a voice."""
    if output_device is not None:
        resolve(output_device, "output")
    try:
        speaker = TtsSpeaker(voice, rate, output_device, engine_factory=engine_factory,
                             synth_timeout=synth_timeout, record=record)
    except AudioError as exc:
        return None, because(str(exc))
    try:
        speaker.preload([PROBE_TEXT])
    except AudioError as exc:
        speaker.close()
        cause = exc.__cause__ or exc
        return None, because(f"the speech engine could not start ({cause}); "
                                           f"{ENGINE_FIX}.")
    return speaker, None


def because(message: str) -> str:
    """'No speaker was found; ...' -> 'Speech output is off because no speaker was found; ...'"""
    return f"Speech output is off because {message[:1].lower()}{message[1:]}"


