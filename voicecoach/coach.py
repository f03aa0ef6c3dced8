"""The loop: feeds the session what is heard and the passing time, and carries out its actions."""

from __future__ import annotations

import logging
import queue
import sys
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import IO

from voicecoach.errors import HistoryUnwritable
from voicecoach.events import SPOKEN_ON_TIME, Estimate, EventLog, Spoken
from voicecoach.history import History
from voicecoach.listen import INTERRUPTED, Notice, Utterance
from voicecoach.matcher import Matcher
from voicecoach.ports import Clock, Speaker
from voicecoach.session import Session
from voicecoach.session_types import (
    Action,
    Emit,
    Event,
    Heard,
    InputEnded,
    MicLost,
    Phase,
    Plan,
    Say,
    Silence,
    State,
    Tick,
    speech_seconds,
)

log = logging.getLogger(__name__)
MAX_STEPS = 100_000
"""A guard against a session that never ends on a simulated clock."""


@dataclass
class Ports:
    speaker: Speaker | None
    events: EventLog
    history: History | None
    history_problem: str | None = None
    """Why there is no history, to be said once at the start."""
    out: IO[str] | None = sys.stdout
    """Where the lines are printed; None once that failed (a closed pipe, a full disk)."""
    seconds: Callable[[str], float] = speech_seconds
    """How long a line lasts when no speaker plays it (events.Estimate)."""


class Coach:
    """Runs one session over its ports."""

    def __init__(self, session: Session, matcher: Matcher, ports: Ports) -> None:
        self.session, self.matcher, self.ports = session, matcher, ports
        self.state: State | None = None
        self.clock: Clock | None = None
        """The real clock the speaker's times are converted to (run_live); None: simulated."""
        self._estimate = Estimate(ports.events, ports.seconds)

    @property
    def ended(self) -> bool:
        return self.state is not None and self.state.phase is Phase.ENDED

    def begin(self, now: float) -> None:
        if self.ports.history_problem:
            self.history_lost(self.ports.history_problem, now)
        elif self.ports.history:
            try:
                self.ports.history.begin()
            except HistoryUnwritable as exc:
                self.history_lost(str(exc), now)
        self.state, actions = self.session.begin(now)
        self._act(actions, now)

    def feed(self, event: Event, now: float) -> None:
        assert self.state is not None
        if isinstance(event, Heard):
            m = event.match
            self.ports.events.write(now, "heard", text=event.text, intent=m and m.intent,
                                    slots=m.slots if m else {}, score=m.score if m else 0.0)
        self.state, actions = self.session.step(self.state, event, now)
        self._act(actions, now)

    def hear(self, text: str, now: float) -> None:
        self.feed(Heard(text, self.matcher.match(text)), now)

    def notice(self, notice: Notice, now: float) -> None:
        """The hearing changed: say so; the microphone lost (with why) and back are events of
        their own, and a lost microphone pauses a running exercise."""
        assert self.state is not None
        if notice.key == "mic_lost":
            self.ports.events.write(now, "mic_lost", reason=notice.detail)
            self.feed(MicLost(), now)
            return
        if notice.key == "mic_back":
            self.ports.events.write(now, "mic_back")
        self._say(self.session.content.say(notice.key), now)

    def advance(self, until: float) -> float:
        """Simulated time: every timed step due up to until happens at its own deadline."""
        assert self.state is not None
        for _ in range(MAX_STEPS):
            due = self.session.next_deadline(self.state)
            if due is None or due > until:
                return until
            self.feed(Tick(), due)
        raise RuntimeError("the session did not settle; this is a bug in the session rules")

    def settle(self, now: float) -> float:
        """Simulated time: run on until no exercise is under way; return the time reached."""
        assert self.state is not None
        for _ in range(MAX_STEPS):
            due = self.session.next_deadline(self.state)
            if due is None:
                return now
            now = max(now, due)
            self.feed(Tick(), now)
        raise RuntimeError("the session did not settle; this is a bug in the session rules")

    def close(self, now: float, reason: str = "end") -> None:
        if self.state is not None and not self.ended:
            self.state, actions = self.session.finish(self.state, now, reason)
            self._act(actions, now)
        self._estimate.settle(None)

    def _act(self, actions: Iterable[Action], now: float) -> None:
        self._estimate.settle(now)
        upcoming: Spoken | None = None  # the line a hold or countdown is about: the next one
        for action in actions:
            if isinstance(action, Say):
                self._say(action.text, now, upcoming)
                upcoming = None
            elif isinstance(action, Silence):
                self._silence(now)
            elif action.type in SPOKEN_ON_TIME:
                upcoming = Spoken()
                self._emit(action, now, upcoming)
            else:
                self._emit(action, now)
        if upcoming:
            self.ports.events.over(upcoming, None, None)

    def _say(self, text: str, now: float, spoken: Spoken | None = None) -> None:
        self._print(text)
        spoken = spoken or Spoken()
        self.ports.events.write(now, "said", spoken, text=text)
        if self.ports.speaker:
            self.ports.speaker.say(text, lambda start, end: self._played(spoken, start, end))
        else:
            self._estimate.say(text, now, spoken)

    def _print(self, text: str) -> None:
        """Print the line; if that fails, say so once and go on without printing."""
        if not self.ports.out:
            return
        try:
            print(f"coach: {text}", file=self.ports.out, flush=True)
        except OSError as exc:
            self.ports.out = None
            log.warning("Cannot print the coach's lines (%s); the session goes on without them.",
                        exc.strerror or exc)

    def _silence(self, now: float) -> None:
        if self.ports.speaker:
            self.ports.speaker.stop()
        else:
            self._estimate.stop(now)

    def _played(self, spoken: Spoken, start: float | None, end: float | None) -> None:
        """The speaker's report (monotonic seconds, from its thread), in session seconds."""
        shift = self.clock.now() - time.monotonic() if self.clock else 0.0
        self.ports.events.over(spoken, None if start is None else start + shift,
                               None if end is None else end + shift)

    def _emit(self, fact: Emit, now: float, spoken: Spoken | None = None) -> None:
        self.ports.events.write(now, fact.type, spoken, ("start",), **fact.data)
        if self.ports.history:
            try:
                record(self.ports.history, fact)
            except HistoryUnwritable as exc:
                self.history_lost(str(exc), now)

    def history_lost(self, reason: str, now: float) -> None:
        """Saving failed: say so once, and go on without saving."""
        log.warning("%s", reason)
        self.ports.history = None
        self._say(self.session.content.say("history_off"), now)


def record(history: History, fact: Emit) -> None:
    """Keep the facts that matter later; each is committed at once."""
    d = fact.data
    if fact.type == "acknowledged":
        history.acknowledge()
    elif fact.type == "set_done":
        history.record_set(str(d["exercise"]), int(str(d["set"])), int(str(d["reps"])),
                           int(str(d["hold"])), float(str(d["tempo"])))
    elif fact.type == "pain":
        exercise, rep, rating = d.get("exercise"), d.get("rep"), d.get("rating")
        history.record_pain(str(exercise) if exercise else None,
                            int(str(rep)) if rep is not None else None, str(d.get("text", "")),
                            int(str(rating)) if rating is not None else None)
    elif fact.type == "left_out":
        history.record_left_out(str(d["exercise"]))
    elif fact.type == "exercise_done":
        history.record_done(str(d["exercise"]), bool(d["pain"]))
    elif fact.type == "plan":
        plan = Plan(int(str(d["reps"])), int(str(d["sets"])), int(str(d["hold"])))
        history.save_plan(str(d["exercise"]), plan, str(d["reason"]))
    elif fact.type == "session_end":
        summary = d["summary"]
        assert isinstance(summary, dict)
        history.end(float(summary["minutes"]), str(summary["reason"]))


def run_script(coach: Coach, lines: list[tuple[float, str]]) -> None:
    """--script: each utterance heard at its time on a simulated clock, no waiting."""
    now = 0.0
    coach.begin(now)
    for when, text in lines:
        if coach.ended:
            break
        now = coach.advance(max(now, when))
        coach.hear(text, now)
    if not coach.ended:
        now = coach.settle(now)
    coach.close(now)


def run_live(coach: Coach, heard: queue.Queue[Utterance], clock: Clock,
             signalled: Callable[[], bool] = lambda: False) -> None:
    """Real time: utterances from a queue (None ends the input), timed steps on the clock.
    signalled: a signal came, whose INTERRUPTED may reach the queue after the end of input it
    brought (a closed terminal)."""
    coach.clock = clock
    coach.begin(clock.now())
    try:
        _live(coach, heard, clock, signalled)
    except KeyboardInterrupt:  # Ctrl-C: the session is saved and summed up, then the exit
        coach.close(clock.now(), "interrupted")
        raise
    coach.close(clock.now())


def _live(coach: Coach, heard: queue.Queue[Utterance], clock: Clock,
          signalled: Callable[[], bool]) -> None:
    """Until the session ends: by what is heard, or with the input (it says goodbye then)."""
    while not coach.ended:
        assert coach.state is not None
        due = coach.session.next_deadline(coach.state)
        timeout = None if due is None else max(0.0, due - clock.now())
        try:
            text = heard.get(timeout=timeout)
        except queue.Empty:
            coach.feed(Tick(), clock.now())
            continue
        if text == INTERRUPTED or (text is None and signalled()):
            raise KeyboardInterrupt
        if text is None:
            coach.feed(InputEnded(), clock.now())
        elif isinstance(text, Notice):
            coach.notice(text, clock.now())
        else:
            coach.hear(text, clock.now())
