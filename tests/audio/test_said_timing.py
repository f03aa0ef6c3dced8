"""When the coach says it spoke, on the virtual speaker: `said` start and end bracket what really
left the speaker, and a count starts at (not before, nor long after) its deadline.

The bounds are generous on purpose: the figures themselves are bench/timing.py's.
"""

from __future__ import annotations

import io
import json
import queue
import threading
import time
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
from alsa import SPEAKER, SPEECH_LEVEL, VirtualAudio, left
from speech import missing_tools

from voicecoach.audio.speaker import TtsSpeaker
from voicecoach.coach import Coach, Ports, run_live
from voicecoach.content import Content
from voicecoach.events import EventLog
from voicecoach.listen import Utterance
from voicecoach.matcher import Matcher
from voicecoach.run import MonotonicClock
from voicecoach.session import Session
from voicecoach.session_types import Context

pytestmark = [
    pytest.mark.audio,
    pytest.mark.slow,
    pytest.mark.skipif("espeak-ng" in missing_tools(), reason="needs espeak-ng"),
]

DRAIN = 0.25
"""Seconds a line's sound may still leave the virtual speaker after its reported end: its 21 ms
pipe, the 10 ms between two reads, and a reader thread late on a loaded machine."""
ONSET = 0.5
"""Seconds within which a line's first loud sound follows its reported start (its 30 ms of lead
silence, the pipe, the soft start of a word, a loaded machine)."""
LATE = 1.0
"""Seconds a count may start after its deadline on a loaded machine: before the next one is due."""
EARLY = 0.05
"""Seconds by which a line's first loud sound may come before its reported start: the speaker's
clock follows its callbacks' times smoothly, and errs by up to 42 ms (bench/timing.py, p99); a
line's 30 ms of lead silence covers most of that (a clean-clone run saw the sound 3 ms early)."""


def loud_times(audio: VirtualAudio) -> list[float]:
    """Monotonic times of the reads of the virtual speaker that carried speech."""
    return [when for when, raw in audio.played_chunks()
            if np.abs(left(raw)).max(initial=0) > SPEECH_LEVEL]


def wait_for(condition: Callable[[], object], timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.01)


def rows(out: io.StringIO) -> list[dict[str, Any]]:
    return [json.loads(line) for line in out.getvalue().splitlines()]


def coached_rep(catalogue: Content, matcher: Matcher, clock: MonotonicClock
                ) -> list[dict[str, Any]]:
    """Events of a live glute bridge through the real speaker, up to its first rep, then stop."""
    out = io.StringIO()
    context = Context(acknowledged=True, start="glute_bridge",
                      brief=frozenset(catalogue.exercises))
    heard: queue.Queue[Utterance] = queue.Queue()
    events = EventLog(out)
    with TtsSpeaker(output_device=SPEAKER) as speaker:
        coach = Coach(Session(catalogue, context), matcher, Ports(speaker, events, None,
                                                                  out=io.StringIO()))
        thread = threading.Thread(target=run_live, args=(coach, heard, clock), daemon=True)
        thread.start()
        wait_for(lambda: any(r["type"] == "rep" for r in rows(out)), timeout=90)
        heard.put("stop")
        heard.put(None)
        thread.join(timeout=30)
        assert speaker.wait(timeout=30)
    events.close()
    return rows(out)


def test_said_start_and_end_bracket_the_real_playback_and_counts_start_on_time(
        virtual_audio: VirtualAudio, catalogue: Content, matcher: Matcher) -> None:
    clock = MonotonicClock()
    found = coached_rep(catalogue, matcher, clock)
    time.sleep(DRAIN)
    loud = [when - clock.zero for when in loud_times(virtual_audio)]
    stop = next(r["t"] for r in found if r["type"] == "heard")
    said = [r for r in found if r["type"] == "said" and r["start"] is not None]
    assert said and not [r for r in found if r["type"] == "said" and r["start"] is None
                         and r["t"] < stop - LATE]  # only stop drops lines
    for line in said:
        assert line["t"] <= line["start"] <= line["end"]
        within = [t for t in loud if line["start"] <= t <= line["end"] + DRAIN]
        assert within and within[0] - line["start"] < ONSET, line
    for t in loud:  # nothing was heard outside the lines
        assert any(r["start"] - EARLY <= t <= r["end"] + DRAIN for r in said), (t, said[0])
    holds = [r for r in found if r["type"] == "hold"]
    assert [h["count"] for h in holds] == list(range(1, len(holds) + 1)) and holds
    for hold in holds:
        assert hold["deadline"] <= hold["start"] < hold["deadline"] + LATE, hold
        number = found[found.index(hold) + 1]
        assert number["type"] == "said" and number["start"] == hold["start"]


def test_the_speaker_tells_when_a_line_played_and_that_dropped_lines_never_did(
        virtual_audio: VirtualAudio) -> None:
    told: dict[str, tuple[float | None, float | None]] = {}
    lines = ("Lie on your back with your knees bent and your feet flat.", "Rest now.", "Hold.")
    with TtsSpeaker(output_device=SPEAKER) as speaker:
        said = time.monotonic()
        for text in lines:
            speaker.say(text, lambda start, end, text=text: told.update({text: (start, end)}))
        wait_for(lambda: loud_times(virtual_audio), timeout=5)
        stopped = time.monotonic()
        speaker.stop()
        assert speaker.wait(timeout=2)
    start, end = told[lines[0]]
    assert start is not None and end is not None
    assert said < start < loud_times(virtual_audio)[0] + EARLY
    assert loud_times(virtual_audio)[0] < stopped <= end < stopped + LATE
    assert told[lines[1]] == told[lines[2]] == (None, None)
