"""When the counts are heard: count onset error, its drift, and how fast a stop silences the coach.

The onset error of a count is when its number began playing (the `start` of its `hold` or
`countdown` event: its first audio going to the device) minus its deadline. Drift is the trend of
that error over the session: the least-squares slope times the time from the first count to the
last. Measured three ways:

- A simulated 30-minute routine (all five exercises, plans grown as a user's would be until the
  routine is near 30 minutes), on the script's simulated clock, each line lasting as long as the
  speaker's own engine renders it. On a simulated clock the coach is never late, so this shows
  only what the schedule does: whether a count ever waits behind a line still playing, and whether
  the deadlines drift over half an hour. Audio latency is not in it.
- Five minutes of `voicecoach run --text --routine` in real time, speaking through TtsSpeaker to
  the virtual ALSA speaker (tests/audio/alsa.py), its user typing as a user talks: "yes" once the
  safety statement is over, "no" at each check-in, "hang on" over the coach now and then and "keep
  going" after it. The onsets come from its events file: the coach's own report of when each count
  began playing, on its session clock. Its figure from each "hang on" to the end of the line it cut
  is the coach's own report too.
- From the decision to stop to silence at the virtual speaker (what left it, read every 10 ms):
  TtsSpeaker.stop() called mid-line, as the coach does on Silence.
"""

from __future__ import annotations

import io
import json
import os
import random
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

import numpy as np
from tqdm import tqdm

sys.path.insert(0, str(Path(__file__).parent.parent / "tests" / "audio"))
from alsa import SPEAKER, SPEECH_LEVEL, VirtualAudio, left

from voicecoach.audio.tts import Synthesizer
from voicecoach.coach import Coach, Ports
from voicecoach.content import Content, content
from voicecoach.events import EventLog
from voicecoach.intents import default_intents
from voicecoach.matcher import Matcher
from voicecoach.progression import progress
from voicecoach.session import Session
from voicecoach.session_types import Context, Phase, Plan

ROUTINE_MINUTES = 30.0
GOAL = 0.050  # seconds: the onset error a count should stay within
REAL_SECONDS = 300.0
"""Length of the real-time session."""
PAUSE_EVERY = 60.0
"""Seconds between two "hang on"s in the real-time session."""
QUIET = 0.8
"""Seconds of silence after which the typing user answers a question."""
STOP_TRIALS = 20
STOP_LINE = "Lie on your back with your knees bent and your feet flat on the floor."

Row = dict[str, Any]


def counts(rows: list[Row]) -> list[Row]:
    """The hold and countdown events of every count that was played."""
    return [r for r in rows if r["type"] in ("hold", "countdown") and r["start"] is not None]


def onsets(rows: list[Row]) -> list[tuple[float, float]]:
    """(deadline, onset error) of every count that was played."""
    return [(r["deadline"], r["start"] - r["deadline"]) for r in counts(rows)]


def late(rows: list[Row]) -> str:
    """Which counts were later than GOAL: how many, by exercise, kind and number."""
    found = Counter(f"{r['exercise']} {r['type']} {r['count']}" for r in counts(rows)
                    if r["start"] - r["deadline"] > GOAL)
    return ", ".join(f"{n} {what}" for what, n in found.most_common()) or "none"


def drift(points: list[tuple[float, float]]) -> float:
    """Seconds the onset error grows from the first count to the last (least-squares trend)."""
    t, error = np.array(points).T
    slope = np.polyfit(t, error, 1)[0]
    return float(slope * (t.max() - t.min()))


def describe(label: str, points: list[tuple[float, float]]) -> dict[str, float]:
    errors = np.array([e for _, e in points])
    figures = {"p99_ms": float(np.percentile(errors, 99)) * 1000,
               "median_ms": float(np.median(errors)) * 1000,
               "max_ms": float(errors.max()) * 1000, "drift_ms": drift(points) * 1000}
    print(f"  {label}: {len(points)} counts over {(points[-1][0] - points[0][0]) / 60:.1f} min;"
          f" onset error p99 {figures['p99_ms']:.0f} ms, median {figures['median_ms']:.0f} ms,"
          f" max {figures['max_ms']:.0f} ms; drift {figures['drift_ms']:+.1f} ms")
    return figures


# (a) The simulated routine.

def routine_plans(catalogue: Content) -> dict[str, Plan]:
    """The beginner plans grown, session by session, while the routine stays within 30 min."""
    beginner = {ex.id: Plan(ex.reps, ex.sets, ex.hold_seconds)
                for ex in catalogue.exercises.values()}
    plans = dict(beginner)
    while True:
        grown = {i: progress(plan, beginner[i]) for i, plan in plans.items()}
        session = Session(catalogue, Context(plans=grown))
        if grown == plans or session.routine_minutes(session.begin(0.0)[0]) > ROUTINE_MINUTES:
            return plans
        plans = grown


def simulated() -> dict[str, float]:
    catalogue = content()
    synth = Synthesizer()
    log = io.StringIO()
    context = Context(acknowledged=True, plans=routine_plans(catalogue))
    coach = Coach(Session(catalogue, context), Matcher(default_intents()),
                  Ports(None, EventLog(log), None, out=io.StringIO(),
                        seconds=lambda text: synth.clip(" ".join(text.split())).seconds))
    try:
        now = _routine(coach)
    finally:
        synth.close()
    rows = [json.loads(line) for line in log.getvalue().splitlines()]
    print(f"count onsets, simulated {now / 60:.0f}-minute routine (the schedule; lines as long as"
          " espeak-ng renders them; no audio latency):")
    figures = describe("simulated", onsets(rows))
    print(f"  later than {GOAL * 1000:.0f} ms: {late(rows)}")
    return figures


def _routine(coach: Coach) -> float:
    """The whole routine, "no" at each check-in once the question is heard; the time reached."""
    coach.begin(0.0)
    coach.hear("start my workout", 1.0)
    now = 1.0
    while coach.state is not None and coach.state.phase is not Phase.IDLE and not coach.ended:
        now = coach.settle(now)
        if coach.state.phase is Phase.CHECKIN:
            now += coach.ports.seconds(coach.state.last_said)
            coach.hear("no", now)
    coach.hear("stop", now)
    coach.close(now)
    return now


# (b) Five minutes in real time.

def real_time() -> dict[str, float]:
    with tempfile.TemporaryDirectory() as tmp, VirtualAudio(Path(tmp)) as audio:
        events = Path(tmp) / "events.jsonl"
        coach = subprocess.Popen(
            [sys.executable, "-m", "voicecoach", "run", "--text", "--routine", "--events",
             str(events), "--db", str(Path(tmp) / "h.db")], env=audio.env, text=True,
            stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        try:
            _drive(coach, audio, events)
            _wait_speaking(audio)
            _, err = coach.communicate("stop\n", timeout=120)
        finally:
            coach.kill()
        rows = _read(events)
    if "Traceback" in err or coach.returncode:
        print(f"  the coach failed: {err.strip()[-300:]}")
    print(f"count onsets, {REAL_SECONDS / 60:g} minutes of voicecoach run in real time (the"
          " virtual speaker):")
    figures = describe("real time", onsets(rows))
    print(f"  later than {GOAL * 1000:.0f} ms: {late(rows)}")
    cuts = _cuts(rows)
    if cuts:
        figures["cut_ms"] = float(np.median(cuts)) * 1000
        print(f"  typed hang on / stop to the end of the line it cut (the coach's own report):"
              f" median {figures['cut_ms']:.0f} ms of {len(cuts)}")
    return figures


def _drive(coach: subprocess.Popen[str], audio: VirtualAudio, events: Path) -> None:
    """Type as a user talks, for REAL_SECONDS."""
    begun = time.monotonic()
    acknowledged, answered, pause_at = False, 0, PAUSE_EVERY
    with tqdm(total=int(REAL_SECONDS), desc="real-time session", unit="s",
              file=sys.stderr) as bar:
        while (elapsed := time.monotonic() - begun) < REAL_SECONDS:
            rows = _read(events)
            if not acknowledged and any(r["type"] == "said" for r in rows):
                acknowledged = _type(coach, "yes")  # the safety statement is over
            checkins = sum(r["type"] == "state" and r["state"] == "checkin" for r in rows)
            if checkins > answered and not _loud_within(audio, QUIET):
                answered += _type(coach, "no")
            if elapsed > pause_at and _loud_within(audio, 0.02):
                _type(coach, "hang on")
                time.sleep(2.0)
                _type(coach, "keep going")
                pause_at += PAUSE_EVERY
            bar.update(int(elapsed) - bar.n)
            time.sleep(0.02)


def _type(coach: subprocess.Popen[str], text: str) -> bool:
    assert coach.stdin
    coach.stdin.write(text + "\n")
    coach.stdin.flush()
    return True


def _read(events: Path) -> list[Row]:
    if not events.exists():
        return []
    return [json.loads(line) for line in events.read_text().splitlines() if line.endswith("}")]


def _loud_within(audio: VirtualAudio, seconds: float) -> bool:
    """Speech left the virtual speaker within the last seconds."""
    since = time.monotonic() - seconds
    for when, raw in reversed(audio.played_chunks()):
        if when < since:
            return False
        if np.abs(left(raw)).max(initial=0) > SPEECH_LEVEL:
            return True
    return False


def _wait_speaking(audio: VirtualAudio, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not _loud_within(audio, 0.02) and time.monotonic() < deadline:
        time.sleep(0.005)


def _cuts(rows: list[Row]) -> list[float]:
    """Seconds from each heard pause or stop to the end of the line then playing."""
    heard = [r["t"] for r in rows if r["type"] == "heard" and r["intent"] in ("pause", "stop")]
    said = [r for r in rows if r["type"] == "said" and r["start"] is not None]
    return [line["end"] - t for t in heard for line in said if line["start"] <= t < line["end"]]


# (c) From the decision to stop to silence.

def stop_to_silence() -> dict[str, float]:
    import sounddevice as sd

    from voicecoach.audio.speaker import TtsSpeaker

    home = os.environ.get("HOME", "")
    with tempfile.TemporaryDirectory() as tmp, VirtualAudio(Path(tmp)) as audio:
        os.environ["HOME"] = str(audio.home)
        sd._terminate()
        sd._initialize()
        try:
            with TtsSpeaker(output_device=SPEAKER) as speaker:
                heard, told = _stops(audio, speaker)
        finally:
            os.environ["HOME"] = home
            sd._terminate()
            sd._initialize()
    figures = {"silence_ms": float(np.median(heard)) * 1000,
               "silence_max_ms": float(np.max(heard)) * 1000,
               "told_ms": float(np.median(told)) * 1000}
    print(f"from the decision to stop to silence at the virtual speaker, {len(heard)} stops"
          f" mid-line: median {figures['silence_ms']:.0f} ms, max {figures['silence_max_ms']:.0f}"
          f" ms (the line's reported end: median {figures['told_ms']:.0f} ms)")
    return figures


def _stops(audio: VirtualAudio, speaker: Any) -> tuple[list[float], list[float]]:
    """Seconds from each stop() to the last speech out of the speaker, and to the line's end."""
    rng = random.Random(0)
    heard: list[float] = []
    told: list[float] = []
    for _ in tqdm(range(STOP_TRIALS), desc="stop to silence", unit="stop", file=sys.stderr):
        ends: list[float | None] = []
        audio.clear_played()
        speaker.say(STOP_LINE, lambda start, end, ends=ends: ends.append(end))
        _wait_speaking(audio)
        time.sleep(rng.uniform(0.2, 1.5))
        decided = time.monotonic()
        speaker.stop()
        speaker.wait(timeout=1.0)
        time.sleep(0.3)
        loud = [when for when, raw in audio.played_chunks()
                if np.abs(left(raw)).max(initial=0) > SPEECH_LEVEL]
        heard.append(max(loud) - decided)
        told.append((ends[0] or decided) - decided if ends else float("nan"))
    return heard, told


def main() -> dict[str, float]:
    figures = {f"sim_{k}": v for k, v in simulated().items()}
    figures.update(stop_to_silence())
    figures.update({f"real_{k}": v for k, v in real_time().items()})
    return figures


if __name__ == "__main__":
    main()
