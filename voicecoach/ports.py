"""The ports between the pure core and the hardware: small protocols any end can fake."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Protocol

SAMPLE_RATE = 16000
"""Hertz: every AudioSource delivers 16-bit signed little-endian mono PCM at this rate."""


class AudioSource(Protocol):
    """Where speech comes from: a microphone, a WAV file, a test pipe."""

    def chunks(self) -> Iterator[bytes]:
        """Yield PCM chunks (16 kHz, mono, 16-bit) until the source ends or is closed."""
        ...

    def close(self) -> None: ...


@dataclass(frozen=True)
class Hypothesis:
    """What a recognizer made of the audio so far."""

    text: str
    """Lower-case words; empty when nothing was recognized."""
    final: bool
    """True at the end of an utterance, False for a partial result."""
    settled: bool = False
    """A partial result whose newest word has been followed by silence: it will not grow into
    another word ("stop" into "start"). Recognizers that cannot tell leave it False."""


class Recognizer(Protocol):
    """Turns PCM into words; restricted to the coach's vocabulary."""

    name: str

    def accept(self, pcm: bytes) -> Hypothesis | None:
        """Feed a chunk; return a partial or final hypothesis when there is news, else None."""
        ...

    def finish(self) -> Hypothesis | None:
        """Flush the end of the stream and return the last final hypothesis, if any."""
        ...

    def restart(self) -> None:
        """Forget what was learned of the stream so far (its room's noise, its voice): the
        next chunk starts another (a file of its own, a microphone back)."""
        ...


Played = Callable[[float | None, float | None], None]
"""Told once a line is over, from any thread: when it began playing (its first audio went to the
device) and when it stopped (played out, or cut by stop()), in time.monotonic() seconds; (None,
None) when none of it was played (dropped by stop(), or it could not be played)."""


class Speaker(Protocol):
    """Where the coach's voice goes."""

    def say(self, text: str, played: Played | None = None) -> None:
        """Start speaking text; may return before the speech ends. played, if given, is called
        exactly once, when the line is over."""
        ...

    def stop(self) -> None:
        """Silence the coach at once."""
        ...

    def speaking(self) -> str:
        """The words the microphone may be hearing of the coach right now (its echo): the line
        being played and those that ended a moment ago; "" when silent. Thread-safe."""
        ...

    def wait(self, timeout: float | None = None) -> bool:
        """Block until every queued line has been spoken; False on timeout."""
        ...

    def close(self) -> None:
        """Release the audio device; speaking after close is an error."""
        ...


class Clock(Protocol):
    def now(self) -> float:
        """Seconds on a monotonic clock."""
        ...
