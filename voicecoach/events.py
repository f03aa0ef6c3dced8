"""--events: the session as JSON lines, and when each line of the coach was actually heard.

Every event has `t`: the session seconds at which the coach decided or noticed it. A `said` event
also has `start` and `end`: when its line began playing and when it stopped (played out, or cut
by stop()), in session seconds; both are null for a line that was never played (stop() dropped it
while it waited its turn). A `hold` or `countdown` event has `start`: when its spoken number began.

These times are known only once the line is over, so such an event is written then; every other
event is written at once (a program reading the file as it grows sees the session live), except
`session_end`, which waits for every line and is always the last.

When nothing plays the lines (a script on its simulated clock, or no speech output), `Estimate`
times them by one rule: a line starts when the coach says it or when the line before it ends,
whichever is later, and lasts `speech_seconds` (WORDS_PER_SECOND, the pace the session already
waits for); stop() cuts the line under way at that moment and drops the ones after it.
"""

from __future__ import annotations

import contextlib
import json
import logging
import threading
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import IO

from voicecoach.session_types import speech_seconds

log = logging.getLogger(__name__)

SPOKEN_ON_TIME = ("hold", "countdown")
"""Facts about the number the coach says right after them: their `start` is when it began."""
LAST = "session_end"
"""The event written after every line."""


@dataclass
class Spoken:
    """When one line of the coach was heard, in session seconds; set once it is over."""

    start: float | None = None
    end: float | None = None
    over: bool = False


@dataclass
class _Waiting:
    event: dict[str, object]
    spoken: Spoken | None
    keys: tuple[str, ...]
    """The fields of spoken the event gets."""


class EventLog:
    """--events: one JSON object per line (see the module doc); thread-safe."""

    def __init__(self, out: IO[str] | None) -> None:
        self.out = out
        self._waiting: deque[_Waiting] = deque()
        self._lock = threading.Lock()

    def write(self, t: float, type_: str, spoken: Spoken | None = None,
              keys: tuple[str, ...] = ("start", "end"), **data: object) -> None:
        """Write an event: at once, or once spoken is over (LAST: once every line is)."""
        event: dict[str, object] = {"t": round(t, 3), "type": type_, **data}
        with self._lock:
            if spoken is None and type_ != LAST:
                self._put(event)
            else:
                self._waiting.append(_Waiting(event, spoken, keys))
                self._flush()

    def over(self, spoken: Spoken, start: float | None, end: float | None) -> None:
        """The line is over: it played from start to end (None: it never played)."""
        with self._lock:
            spoken.start, spoken.end, spoken.over = start, end, True
            self._flush()

    def close(self) -> None:
        """Write what still waits; a line never reported over gets null times."""
        with self._lock:
            for waiting in self._waiting:
                if waiting.spoken:
                    waiting.spoken.over = True
            self._flush()

    def _flush(self) -> None:
        while self._waiting and (self._waiting[0].spoken is None or self._waiting[0].spoken.over):
            waiting = self._waiting.popleft()
            if waiting.spoken:
                times = {key: getattr(waiting.spoken, key) for key in waiting.keys}
                waiting.event.update({k: v if v is None else round(v, 3) for k, v in times.items()})
            self._put(waiting.event)

    def _put(self, event: dict[str, object]) -> None:
        if not self.out:
            return
        try:
            self.out.write(json.dumps(event) + "\n")
            self.out.flush()
        except OSError as exc:
            self._lost(exc)

    def _lost(self, exc: OSError) -> None:
        """Writing failed (a full disk): say so once, let go of the file, and go on without it."""
        assert self.out is not None
        out, self.out = self.out, None
        log.warning("Cannot write the events file %s (%s); events are no longer written.",
                    getattr(out, "name", ""), exc.strerror or exc)
        with contextlib.suppress(OSError):
            out.close()  # what it still holds would fail again


class Estimate:
    """Times the lines nothing plays, by the rule in the module doc, on the coach's clock."""

    def __init__(self, events: EventLog, seconds: Callable[[str], float] = speech_seconds) -> None:
        self._events = events
        self._seconds = seconds
        """How long a line lasts."""
        self._lines: deque[tuple[Spoken, float, float]] = deque()
        """Lines not yet over: (spoken, start, end)."""
        self._free = 0.0
        """When the last line ends."""

    def say(self, text: str, now: float, spoken: Spoken) -> None:
        self.settle(now)
        start = max(now, self._free)
        self._free = start + self._seconds(text)
        self._lines.append((spoken, start, self._free))

    def stop(self, now: float) -> None:
        """Cut the line under way at now; drop the ones after it."""
        self.settle(now)
        for spoken, start, _ in self._lines:
            cut = start < now
            self._events.over(spoken, start if cut else None, now if cut else None)
        self._lines.clear()
        self._free = now

    def settle(self, now: float | None) -> None:
        """Report the lines over by now; every line when now is None (nothing can cut them)."""
        while self._lines and (now is None or self._lines[0][2] <= now):
            spoken, start, end = self._lines.popleft()
            self._events.over(spoken, start, end)
