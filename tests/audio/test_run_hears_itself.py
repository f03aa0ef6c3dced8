"""`voicecoach run` with its own voice in the microphone, as loud as the user's: it never obeys
itself, and the user's "stop" said over it still ends the session.

The virtual room (alsa.py, echo=1.0) feeds everything the coach plays back into the microphone,
through a reverberant room; the user is espeak-ng's en-us+klatt voice, fed into the same
microphone at its own loudness. The coach takes its own voice out with the echo canceller
(voicecoach/audio/echo.py) once that has learned the room, and applies its echo rules
(voicecoach/listen.py) to what is heard over it.

A known limit (listen.py, rule 3): until the canceller has learned the room (the first seconds of
the coach's voice), a pain word the recognizer mishears in the coach's voice still counts as pain,
as pain must (pocketsphinx has heard the "exercise program" of the safety statement as "exercise
cramp"). The first test marks such a run as an expected failure, naming the words; any other
command the coach gives itself fails it. The second test, which needs the session to be running
when the user speaks, marks a run the coach ended or paused by itself before that the same way.
The last one checks that `--no-echo-cancel` takes the canceller out of the way.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from alsa import TICK_MS, VirtualAudio
from speech import RATE, missing_tools, synthesize

pytestmark = [
    pytest.mark.audio,
    pytest.mark.slow,
    pytest.mark.skipif(bool(missing_tools()), reason="needs espeak-ng and sox"),
]

USER = "en-us+klatt"
"""The user's voice: not the coach's."""
QUESTION_SECONDS = 40.0
"""Time allowed for the start and the safety question (about 13 s of speech)."""


@contextmanager
def coach(tmp: Path, audio: VirtualAudio, *options: str
          ) -> Iterator[tuple[Path, subprocess.Popen[bytes]]]:
    """`voicecoach run` on the virtual devices with pocketsphinx: its events file and process,
    killed at the end if still running."""
    events = tmp / "events.jsonl"
    command = [sys.executable, "-m", "voicecoach", "run", "--recognizer", "pocketsphinx",
               "--exercise", "glute_bridge", "--brief", "always", "--db", str(tmp / "h.db"),
               "--events", str(events), *options]
    with (tmp / "out.txt").open("w") as out, (tmp / "err.txt").open("w") as err:
        process = subprocess.Popen(command, stdout=out, stderr=err, env=audio.env)
        try:
            yield events, process
        finally:
            process.kill()
            process.wait()
    assert "Traceback" not in (tmp / "err.txt").read_text()


def read(events: Path) -> list[dict[str, Any]]:
    if not events.exists():
        return []
    return [json.loads(line) for line in events.read_text().splitlines() if line.endswith("}")]


def of_type(events: Path, kind: str) -> list[dict[str, Any]]:
    return [e for e in read(events) if e["type"] == kind]


def wait_for(condition: Callable[[], object], timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)


def next_line(events: Path) -> Callable[[], bool]:
    """A condition: the coach has begun a line since now. A `said` event is written once its line
    is over; a `state` event at once, and each comes with a line ("Hold.", a count, ...)."""
    count = len(of_type(events, "state"))
    return lambda: len(of_type(events, "state")) > count


def answer_the_safety_question(audio: VirtualAudio, events: Path) -> None:
    """Say yes once the question has been asked, as a user would (unless the session ended)."""
    wait_for(lambda: of_type(events, "session_end")
             or (of_type(events, "said") and audio.quiet_for(1.5)), QUESTION_SECONDS)
    audio.feed(synthesize("yes", voice=USER))
    wait_for(lambda: of_type(events, "acknowledged") or of_type(events, "session_end"), 10)


def acknowledge(tmp: Path) -> None:
    """A history in which the safety statement was already answered."""
    script = tmp / "yes.tsv"
    script.write_text("0\tyes\n")
    subprocess.run([sys.executable, "-m", "voicecoach", "run", "--script", str(script), "--db",
                    str(tmp / "h.db")], check=True, capture_output=True, timeout=60)


def test_the_coach_never_obeys_its_own_voice(tmp_path: Path) -> None:
    with VirtualAudio(tmp_path, echo=1.0) as audio, coach(tmp_path, audio) as (events, _):
        answer_the_safety_question(audio, events)
        started = time.monotonic()
        wait_for(lambda: time.monotonic() - started > 25 or of_type(events, "session_end"), 30)
        heard = of_type(events, "heard")
        said = of_type(events, "said")
        talked = sum(1 for t in audio.spoke_at() if t > started) * TICK_MS / 1000
    others = [e for e in heard if e["intent"] not in ("yes", "report_pain")]
    assert not others, others
    if any(e["intent"] == "report_pain" for e in heard):
        pytest.xfail(f"a pain word misheard in the coach's own voice: {heard}")
    assert [e["intent"] for e in heard] == ["yes"], heard
    assert "Squeeze and lift your hips." in [e["text"] for e in said]  # it briefed and counted
    assert talked > 10  # seconds of its own voice in the microphone after the answer


def test_a_stop_said_over_the_coach_ends_the_session(tmp_path: Path) -> None:
    stop = synthesize("stop", voice=USER, lead=0.0, trail=0.5)
    spoken: list[float] = []
    acknowledge(tmp_path)
    with VirtualAudio(tmp_path, echo=1.0) as audio, coach(tmp_path, audio) as (events, run):
        # counting: the coach speaks every second
        wait_for(lambda: of_type(events, "rep") or of_type(events, "heard"), 40)
        if heard := of_type(events, "heard"):
            pytest.xfail(f"the coach heard itself before the user spoke: {heard}")
        for _ in range(3):  # as a user would, who is not obeyed at once
            wait_for(next_line(events), 10)
            spoken.append(time.monotonic())
            audio.feed(stop)
            time.sleep(2.5)
            if of_type(events, "heard"):  # (session_end comes once the goodbye is said)
                break
        end = spoken[-1] + len(stop) / 2 / RATE
        over = [t for t in audio.spoke_at() if spoken[-1] <= t <= end]
        assert run.wait(timeout=20) == 0  # after its goodbye
    ends = of_type(events, "session_end")
    heard = [e["intent"] for e in of_type(events, "heard")]
    assert ends and ends[0]["summary"]["reason"] == "stop", heard
    assert heard == ["stop"]
    assert over  # the stop that was obeyed was said while the coach was speaking


@pytest.mark.parametrize(("options", "cancels"), [((), True), (("--no-echo-cancel",), False)])
def test_the_coach_listens_through_the_canceller_unless_told_not_to(
        tmp_path: Path, options: tuple[str, ...], cancels: bool) -> None:
    acknowledge(tmp_path)
    with VirtualAudio(tmp_path, echo=1.0) as audio, coach(tmp_path, audio, *options) as (
            events, run):
        wait_for(lambda: of_type(events, "said"), 30)  # it spoke, and heard itself
        assert run.poll() is None
    said = (tmp_path / "err.txt").read_text()
    assert ("taking the coach's own voice out of it" in said) == cancels
    assert "listening with pocketsphinx" in said
    assert "echo cancellation" not in said  # neither off nor failed
