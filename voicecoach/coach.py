"""The loop: feeds the session what is heard and the passing time, and carries out its actions."""

from __future__ import annotations

import json
import logging
import queue
import sys
from collections.abc import Iterable
from dataclasses import dataclass
from typing import IO

from voicecoach.errors import HistoryUnwritable
from voicecoach.history import History
from voicecoach.listen import Notice, Utterance
from voicecoach.matcher import Match, Matcher
from voicecoach.ports import Clock, Speaker
from voicecoach.session import Session
from voicecoach.session_types import (
    Action,
    Emit,
    Event,
    Heard,
    Phase,
    Plan,
    Say,
    Silence,
    State,
    Tick,
)

log = logging.getLogger(__name__)
MAX_STEPS = 100_000
"""A guard against a session that never ends on a simulated clock."""


class EventLog:
    """--events: one JSON object per line, with the session time in seconds."""

    def __init__(self, out: IO[str] | None) -> None:
        self.out = out

    def write(self, t: float, type_: str, **data: object) -> None:
        if self.out:
            self.out.write(json.dumps({"t": round(t, 3), "type": type_, **data}) + "\n")
            self.out.flush()


@dataclass
class Ports:
    speaker: Speaker | None
    events: EventLog
    history: History | None
    history_problem: str | None = None
    """Why there is no history, to be said once at the start."""
    out: IO[str] = sys.stdout


class Coach:
    """Runs one session over its ports."""

    def __init__(self, session: Session, matcher: Matcher, ports: Ports) -> None:
        self.session, self.matcher, self.ports = session, matcher, ports
        self.state: State | None = None

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
        """The hearing changed: say so; a lost microphone pauses a running exercise."""
        assert self.state is not None
        self._say(self.session.content.say(notice.key), now)
        if notice.key == "mic_lost" and self.session.running(self.state):
            self.feed(Heard("", Match("pause")), now)

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

    def close(self, now: float) -> None:
        if self.state is not None and not self.ended:
            self.state, actions = self.session.finish(self.state, now)
            self._act(actions, now)

    def _act(self, actions: Iterable[Action], now: float) -> None:
        for action in actions:
            if isinstance(action, Say):
                self._say(action.text, now)
            elif isinstance(action, Silence):
                if self.ports.speaker:
                    self.ports.speaker.stop()
            else:
                self._emit(action, now)

    def _say(self, text: str, now: float) -> None:
        print(f"coach: {text}", file=self.ports.out, flush=True)
        self.ports.events.write(now, "said", text=text)
        if self.ports.speaker:
            self.ports.speaker.say(text)

    def _emit(self, fact: Emit, now: float) -> None:
        extra = {"start": round(now, 3)} if fact.type == "hold" else {}
        self.ports.events.write(now, fact.type, **fact.data, **extra)
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


def run_live(coach: Coach, heard: queue.Queue[Utterance], clock: Clock) -> None:
    """Real time: utterances from a queue (None ends the input), timed steps on the clock."""
    coach.begin(clock.now())
    input_open = True
    while not coach.ended:
        assert coach.state is not None
        due = coach.session.next_deadline(coach.state)
        if not input_open and due is None:
            break
        timeout = None if due is None else max(0.0, due - clock.now())
        try:
            text = heard.get(timeout=timeout)
        except queue.Empty:
            coach.feed(Tick(), clock.now())
            continue
        if text is None:
            input_open = False
        elif isinstance(text, Notice):
            coach.notice(text, clock.now())
        else:
            coach.hear(text, clock.now())
    coach.close(clock.now())
