"""When the coach's lines were heard: `said` events get `start` and `end`, counts get `start`.

A line's event is written once the line is over, the others at once, and the end of the session
last. A real speaker tells when each line played (faked here; tests/audio checks the real
one); with nothing to play them, lines are timed by the rule of voicecoach/events.py.
"""

from __future__ import annotations

import io
import json
import time
from typing import Any

import pytest

from voicecoach.coach import Coach, Ports, run_script
from voicecoach.content import Content
from voicecoach.events import Estimate, EventLog, Spoken
from voicecoach.matcher import Matcher
from voicecoach.ports import Played
from voicecoach.session import Session
from voicecoach.session_types import Context, Tick, speech_seconds

Row = dict[str, Any]


def rows(out: io.StringIO) -> list[Row]:
    return [json.loads(line) for line in out.getvalue().splitlines()]


def of_type(found: list[Row], kind: str) -> list[Row]:
    return [r for r in found if r["type"] == kind]


def test_a_said_event_is_written_once_its_line_is_over_and_others_at_once() -> None:
    out = io.StringIO()
    log = EventLog(out)
    line = Spoken()
    log.write(1.0, "said", line, text="Hold.")
    log.write(1.5, "state", state="hold")
    assert rows(out) == [{"t": 1.5, "type": "state", "state": "hold"}]
    log.over(line, 1.0204, 1.4)
    assert rows(out)[1:] == [{"t": 1.0, "type": "said", "text": "Hold.", "start": 1.02,
                              "end": 1.4}]


def test_the_end_of_the_session_is_written_after_every_line() -> None:
    out = io.StringIO()
    log = EventLog(out)
    goodbye = Spoken()
    log.write(3.0, "said", goodbye, text="Well done.")
    log.write(3.0, "session_end", summary={})
    assert rows(out) == []
    log.over(goodbye, 3.0, 5.0)
    assert [r["type"] for r in rows(out)] == ["said", "session_end"]


def test_a_line_never_reported_over_is_written_at_close_with_null_times() -> None:
    out = io.StringIO()
    log = EventLog(out)
    log.write(0.0, "said", Spoken(), text="Bye.")
    log.write(0.1, "session_end", summary={})
    log.close()
    assert [(r["type"], r.get("start", "-"), r.get("end", "-")) for r in rows(out)] == [
        ("said", None, None), ("session_end", "-", "-")]


def estimate() -> tuple[Estimate, list[Spoken]]:
    """An Estimate in which a line lasts one second per character, and three lines to say."""
    return Estimate(EventLog(None), seconds=len), [Spoken(), Spoken(), Spoken()]


def test_estimated_lines_follow_each_other_and_are_over_when_their_time_has_passed() -> None:
    timeline, (a, b, _) = estimate()
    timeline.say("abc", 0.0, a)
    timeline.say("de", 1.0, b)  # waits for the first: 3 to 5
    timeline.settle(4.9)
    assert (a.over, a.start, a.end) == (True, 0.0, 3.0)
    assert not b.over
    timeline.settle(None)
    assert (b.start, b.end) == (3.0, 5.0)


def test_an_estimated_line_said_after_a_silence_starts_when_said() -> None:
    timeline, (a, b, _) = estimate()
    timeline.say("ab", 0.0, a)
    timeline.say("c", 10.0, b)
    timeline.settle(None)
    assert (b.start, b.end) == (10.0, 11.0)


def test_stop_cuts_the_estimated_line_playing_and_drops_the_queued_ones() -> None:
    timeline, (a, b, c) = estimate()
    timeline.say("abcd", 0.0, a)
    timeline.say("ef", 0.0, b)
    timeline.stop(1.5)
    assert (a.start, a.end) == (0.0, 1.5)
    assert (b.over, b.start, b.end) == (True, None, None)
    timeline.say("x", 1.5, c)
    timeline.settle(None)
    assert (c.start, c.end) == (1.5, 2.5)


def scripted(catalogue: Content, matcher: Matcher, lines: list[tuple[float, str]]) -> list[Row]:
    out = io.StringIO()
    coach = Coach(Session(catalogue, Context()), matcher, Ports(None, EventLog(out), None,
                                                                 out=io.StringIO()))
    run_script(coach, lines)
    return rows(out)


def test_a_script_times_its_lines_at_the_spoken_pace_one_after_another(
        catalogue: Content, matcher: Matcher) -> None:
    said = of_type(scripted(catalogue, matcher, [(0, "yes")]), "said")
    first, second = said[0], said[1]
    assert (first["t"], first["start"]) == (0.0, 0.0)
    assert first["end"] == round(speech_seconds(first["text"]), 3)
    assert second["start"] == first["end"]  # said at 0, heard once the first has ended
    assert all(r["start"] is not None and r["end"] >= r["start"] for r in said)


def test_pain_in_a_script_cuts_the_line_playing_and_drops_those_waiting(
        catalogue: Content, matcher: Matcher) -> None:
    found = scripted(catalogue, matcher, [(0, "yes"), (5, "it hurts")])
    said = of_type(found, "said")
    pain_at = of_type(found, "heard")[-1]["t"]
    assert (said[0]["start"], said[0]["end"]) == (0.0, pain_at)  # the safety statement, cut
    waiting = [r for r in said if r["t"] < pain_at][1:]
    assert waiting and all((r["start"], r["end"]) == (None, None) for r in waiting)
    after = [r for r in said if r["t"] == pain_at]
    assert after[0]["start"] == pain_at
    assert found[-1]["type"] == "session_end"


LAG = 0.25
"""Seconds the fake speaker takes to start a line."""
ZERO = time.monotonic() - 1000.0
"""The monotonic time of session second 0."""


class LateSpeaker:
    """Plays each line LAG seconds after it is said, for 0.2 s, and says so at once."""

    def __init__(self) -> None:
        self.now = 0.0
        """The session time the test is at."""

    def say(self, text: str, played: Played | None = None) -> None:
        assert played is not None
        played(ZERO + self.now + LAG, ZERO + self.now + LAG + 0.2)

    def stop(self) -> None: ...

    def speaking(self) -> str:
        return ""

    def wait(self, timeout: float | None = None) -> bool:
        return True

    def close(self) -> None: ...


class SessionClock:
    def now(self) -> float:
        return time.monotonic() - ZERO


@pytest.mark.parametrize("exercise", ["glute_bridge", "bird_dog"])
def test_a_count_starts_when_its_number_began_playing_not_when_it_was_due(
        catalogue: Content, matcher: Matcher, exercise: str) -> None:
    out, speaker = io.StringIO(), LateSpeaker()
    context = Context(acknowledged=True, start=exercise, brief=frozenset(catalogue.exercises))
    coach = Coach(Session(catalogue, context), matcher,
                  Ports(speaker, EventLog(out), None, out=io.StringIO()))
    coach.clock = SessionClock()
    coach.begin(0.0)
    while not of_type(rows(out), "rep"):
        assert coach.state is not None
        speaker.now = coach.session.next_deadline(coach.state) or 0.0
        coach.feed(Tick(), speaker.now)
    found = rows(out)
    holds = of_type(found, "hold")
    assert [h["count"] for h in holds] == list(range(1, catalogue.exercises[exercise]
                                                     .hold_seconds + 1))
    for hold in holds:
        assert hold["start"] == pytest.approx(hold["deadline"] + LAG, abs=0.002)
        number = found[found.index(hold) + 1]
        assert (number["type"], number["text"]) == ("said", str(hold["count"]))
        assert number["start"] == hold["start"]
        assert number["end"] == pytest.approx(number["start"] + 0.2, abs=0.002)
