"""`voicecoach run`, started as a user starts it, hears a spoken session through a real
sounddevice stream from the virtual microphone, fed at real-time pace, and coaches."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

import pytest
from alsa import VirtualAudio
from speech import synthesize

pytestmark = [pytest.mark.audio, pytest.mark.slow]
VOICE = "en-us+klatt"


def start(audio: VirtualAudio, tmp_path: Path, *extra: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "voicecoach", "run", "--recognizer", "pocketsphinx",
         "--db", str(tmp_path / "h.db"), "--events", str(tmp_path / "events.jsonl"), *extra],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=audio.env)


def events(tmp_path: Path) -> list[dict[str, object]]:
    path = tmp_path / "events.jsonl"
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def wait_for(tmp_path: Path, predicate: object, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if any(predicate(e) for e in events(tmp_path)):  # type: ignore[operator]
            return True
        time.sleep(0.2)
    return False


def say(audio: VirtualAudio, text: str) -> None:
    audio.feed(synthesize(text, voice=VOICE, lead=0.3, trail=1.0))
    audio.wait_fed(timeout=15)


def answer(audio: VirtualAudio, text: str) -> None:
    """Say text once the coach has finished speaking: only pain, stop and pause are taken while
    it speaks (voicecoach/listen.py)."""
    deadline = time.monotonic() + 60
    while not audio.quiet_for(1.5):
        assert time.monotonic() < deadline, "the coach never stopped talking"
        time.sleep(0.1)
    say(audio, text)


def state_is(state: str) -> object:
    return lambda e: e["type"] == "state" and e["state"] == state


def briefed(audio: VirtualAudio, tmp_path: Path) -> None:
    """Answer the safety statement with a yes and wait for the briefing to begin."""
    assert wait_for(tmp_path, lambda e: e["type"] == "said", 60), "the coach never spoke"
    answer(audio, "yes")
    assert wait_for(tmp_path, state_is("briefing"), 30)


def test_a_spoken_session_is_heard_and_pain_ends_it(tmp_path: Path) -> None:
    with VirtualAudio(tmp_path) as audio:
        coach = start(audio, tmp_path)
        try:
            assert wait_for(tmp_path, lambda e: e["type"] == "said", 60), "the coach never spoke"
            answer(audio, "yes")
            assert wait_for(tmp_path, lambda e: e["type"] == "acknowledged", 20)
            answer(audio, "start glute bridge")
            assert wait_for(tmp_path, state_is("briefing"), 20)
            say(audio, "it hurts")
            out, err = coach.communicate(timeout=60)
        finally:
            coach.kill()
    rows = events(tmp_path)
    assert any(e["type"] == "pain" for e in rows)
    assert rows[-1]["type"] == "session_end" and rows[-1]["summary"]["reason"] == "pain"
    assert "coach: If the pain stays or comes back" in out
    assert "listening with pocketsphinx" in err and "Traceback" not in err


def test_a_microphone_that_goes_away_pauses_and_nothing_is_lost(tmp_path: Path) -> None:
    """Said once in full, and back once audio arrives again, however long it stays away."""
    with VirtualAudio(tmp_path) as audio:
        coach = start(audio, tmp_path, "--exercise", "clamshell")
        try:
            briefed(audio, tmp_path)
            audio.disconnect()
            assert wait_for(tmp_path, state_is("paused"), 20), \
                "the session did not pause when the microphone went away"
            time.sleep(14.0)  # the microphone is looked for every 2 s, and a stall takes 2 s
            while_away = events(tmp_path)
            audio.reconnect()
            assert wait_for(tmp_path, lambda e: e["type"] == "mic_back", 30)
            answer(audio, "stop")
            _, err = coach.communicate(timeout=60)
        finally:
            coach.kill()
    assert not [e for e in while_away if e["type"] == "mic_back"
                or "hear you again" in str(e.get("text"))]
    rows = events(tmp_path)
    lost = [e for e in rows if e["type"] == "said" and "microphone stopped" in str(e["text"])]
    assert len(lost) == 1 and lost[0]["start"] is not None and lost[0]["end"] is not None
    assert [e["type"] for e in rows].count("mic_lost") == 1
    assert len([e for e in rows if "hear you again" in str(e.get("text"))]) == 1
    assert not [e for e in rows if e["type"] == "heard" and not e["text"]]
    assert err.count("leaving it behind") <= 1 and err.count("microphone stopped") == 1, err
    assert rows[-1]["type"] == "session_end"


def test_with_headphones_pause_is_taken_while_the_coach_speaks(tmp_path: Path) -> None:
    """The virtual microphone does not hear the speaker, as with headphones: there is no echo for
    the canceller to learn, and a pause said over the coach's voice must still be taken."""
    with VirtualAudio(tmp_path) as audio:
        coach = start(audio, tmp_path, "--exercise", "clamshell")
        try:
            briefed(audio, tmp_path)
            time.sleep(4.0)  # into the briefing, which lasts half a minute
            say(audio, "pause")
            assert wait_for(tmp_path, state_is("paused"), 20), \
                "pause, said over the coach's voice, was not taken"
        finally:
            coach.kill()
    rows = events(tmp_path)
    paused = next(e for e in rows if e["type"] == "heard" and e["intent"] == "pause")
    spoken = [(e["start"], e["end"]) for e in rows if e["type"] == "said" and e.get("start")]
    assert any(start <= paused["t"] <= end for start, end in spoken)  # type: ignore[operator]
