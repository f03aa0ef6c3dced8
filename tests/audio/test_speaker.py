"""The speaker on the virtual ALSA speaker: rendered by pyttsx3, played in real time, stoppable."""

from __future__ import annotations

import functools
import json
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import numpy as np
import pytest
from alsa import (
    PIPE_BYTES,
    SPEAKER,
    SPEAKER_CHANNELS,
    SPEAKER_RATE,
    TICK_MS,
    VirtualAudio,
    left,
)
from engines import first_faulty, no_espeak
from speech import missing_tools

from voicecoach.audio.speaker import ECHO_TAIL, TtsSpeaker, open_speaker
from voicecoach.audio.tts import Synthesizer
from voicecoach.errors import AudioError

pytestmark = [
    pytest.mark.audio,
    pytest.mark.skipif("espeak-ng" in missing_tools(), reason="needs espeak-ng"),
]

LINE = "Lie on your back with your knees bent and your feet flat on the floor."
LOUD = 500
"""int16 units: played audio above this is speech, below it silence."""
FRAME_BYTES = 2 * SPEAKER_CHANNELS
UNHEARD_FRAMES = (PIPE_BYTES + SPEAKER_RATE * FRAME_BYTES * TICK_MS // 1000) // FRAME_BYTES
"""What can still be on its way out of the virtual speaker once a line has sounded: a full pipe,
and the read in hand (31 ms). Exact, however loaded the machine."""
PROMPT = 0.5
"""Seconds within which a rendered line starts, and after which wait() returns once it ended
(measured: at most 0.07 s, also with five CPU-bound processes on two cores)."""
LOADED = 1.0
"""Seconds a line may take beyond its length on a loaded machine. The virtual speaker has no
buffer but its 21 ms pipe, so whenever the playback thread is descheduled for longer the pipe
runs dry and the line takes that much longer (measured on two cores: up to +0.23 s with three
CPU-bound processes, +0.73 s with five). A player stuck until its own timeout (+2 s) still fails."""


@pytest.fixture
def speaker(virtual_audio: VirtualAudio) -> Iterator[TtsSpeaker]:
    with TtsSpeaker(output_device=SPEAKER, record=True) as speaker:
        yield speaker


def loud_times(audio: VirtualAudio) -> list[float]:
    """When each stretch of speech left the virtual speaker (monotonic seconds)."""
    return [when for when, raw in audio.played_chunks() if np.abs(left(raw)).max(initial=0) > LOUD]


def wait_for(condition: Callable[[], object], timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.005)


def test_a_line_is_rendered_and_played_in_real_time(
        virtual_audio: VirtualAudio, speaker: TtsSpeaker) -> None:
    clip = speaker.synthesizer.clip(LINE)  # rendered now: say() only plays it
    start = time.monotonic()
    speaker.say(LINE)
    assert speaker.busy()
    assert speaker.wait(timeout=clip.seconds + 3)
    done = time.monotonic()
    out_by_then = len(virtual_audio.played())
    time.sleep(0.2)  # the speaker drains its pipe
    played = virtual_audio.played()
    loud = np.flatnonzero(np.abs(played) > LOUD)
    sounds = loud_times(virtual_audio)
    # All of the line, at its own speed, and speech.
    assert (loud[-1] - loud[0]) / SPEAKER_RATE == pytest.approx(clip.seconds, abs=0.15)
    assert played[loud[0] : loud[-1]].std() > 1000
    # wait() returned once the line was all in the speaker, not before...
    assert loud[-1] - out_by_then <= UNHEARD_FRAMES
    # ...and promptly: the line started at once and nothing waited after it.
    assert sounds[0] - start < PROMPT
    assert done - sounds[-1] < PROMPT
    # In real time: as long as the line lasts, plus what a loaded machine costs.
    assert done - start < clip.seconds + LOADED


def loud_span(samples: np.ndarray, rate: int) -> tuple[float, float]:
    """Seconds from the start of samples to its first and its last loud sample."""
    loud = np.flatnonzero(np.abs(samples.astype(np.float64)) > LOUD)
    return loud[0] / rate, loud[-1] / rate


def recorded(speaker: TtsSpeaker) -> np.ndarray:
    """What the speaker has recorded for the echo canceller since it was opened (16 kHz)."""
    assert speaker.playback is not None
    return speaker.playback.take()


def test_stop_silences_the_line_within_100_ms_and_its_recording_with_it(
        virtual_audio: VirtualAudio, speaker: TtsSpeaker) -> None:
    speaker.say(LINE)
    wait_for(lambda: loud_times(virtual_audio), timeout=3)
    time.sleep(0.6)
    stopped = time.monotonic()
    speaker.stop()
    assert speaker.wait(timeout=0.5)
    time.sleep(0.3)
    assert max(loud_times(virtual_audio)) - stopped < 0.100
    # what the echo canceller is told ends where the sound did
    told, played = loud_span(recorded(speaker), 16000), loud_span(virtual_audio.played(),
                                                                  SPEAKER_RATE)
    assert told[1] == pytest.approx(played[1], abs=0.05)


def test_stop_forgets_the_lines_still_queued(
        virtual_audio: VirtualAudio, speaker: TtsSpeaker) -> None:
    for line in (LINE, "Switch sides.", "Rest now."):
        speaker.say(line)
    wait_for(lambda: loud_times(virtual_audio), timeout=3)
    speaker.stop()
    assert speaker.wait(timeout=0.5)
    time.sleep(0.15)  # what was already in the device buffer
    virtual_audio.clear_played()
    time.sleep(0.5)
    assert loud_times(virtual_audio) == []


def test_what_is_played_is_recorded_for_the_echo_canceller_silence_and_all(
        virtual_audio: VirtualAudio, speaker: TtsSpeaker) -> None:
    time.sleep(0.5)
    speaker.say(LINE)
    assert speaker.wait(timeout=10)
    time.sleep(0.5)
    told, played = recorded(speaker), virtual_audio.played()
    # one continuous stream, as long as what the device played, the line where it sounded; both
    # keep growing and are read one after the other (60 ms apart seen on a loaded machine),
    # while a recording without the silence would be a second or more short
    assert len(told) / 16000 == pytest.approx(len(played) / SPEAKER_RATE, abs=0.1)
    (start, end), (sounded, ended) = loud_span(told, 16000), loud_span(played, SPEAKER_RATE)
    assert end - start == pytest.approx(ended - sounded, abs=0.01)
    assert start == pytest.approx(sounded, abs=0.05)  # measured: written 20 ms before it sounds


def test_speaking_tells_the_line_playing_and_its_echo_tail(
        virtual_audio: VirtualAudio, speaker: TtsSpeaker) -> None:
    assert speaker.speaking() == ""
    speaker.say("Switch sides.")
    speaker.say("Rest   now.")
    wait_for(lambda: loud_times(virtual_audio), timeout=3)
    assert speaker.speaking() == "Switch sides."
    assert speaker.wait(timeout=5)
    assert speaker.speaking() == "Switch sides. Rest now."  # both within the echo tail
    time.sleep(ECHO_TAIL + 0.1)
    assert speaker.speaking() == ""


def test_a_stopped_line_is_still_echoing_for_the_tail(speaker: TtsSpeaker) -> None:
    speaker.preload([LINE])  # else the line counts as spoken while it is still being rendered
    speaker.say(LINE)
    wait_for(speaker.speaking, timeout=3)
    speaker.stop()
    assert speaker.wait(timeout=0.5)
    assert speaker.speaking() == LINE
    time.sleep(ECHO_TAIL + 0.1)
    assert speaker.speaking() == ""


def test_a_repeated_line_is_rendered_once(speaker: TtsSpeaker) -> None:
    for count in ("one", "two", "one", "two", "one"):
        speaker.say(count)
    assert speaker.wait(timeout=5)
    assert (speaker.synthesizer.misses, speaker.synthesizer.hits) == (2, 3)


def test_blank_lines_are_not_spoken(speaker: TtsSpeaker) -> None:
    speaker.say("  \n ")
    assert not speaker.busy()


def test_voice_and_rate_reach_the_engine(virtual_audio: VirtualAudio) -> None:
    synthesizer = Synthesizer()
    try:
        slow = synthesizer.clip(LINE, voice="en-us", rate=120)
        fast = synthesizer.clip(LINE, voice="en-us", rate=260)
    finally:
        synthesizer.close()
    assert slow.seconds > 1.5 * fast.seconds


NAMES = ("en-us", "EN-US", "English (America)", "gmw/en-us", "en-us+f3", "gmw/en+klatt2",
         "en-gb", "en-gb+klatt2", "English_(America)", "zzz")
VOICE_AFTER = """
import json, sys, pyttsx3
from voicecoach.audio.engine import unknown_voice
engine = pyttsx3.init("espeak")
voices, seen = engine.getProperty("voices"), {}
for name in sys.argv[1:]:
    for voice in ("gmw/af", name):
        engine.setProperty("voice", voice)
        engine.save_to_file("hello", sys.argv[0] + ".wav")
        engine.runAndWait()
    seen[name] = [unknown_voice(name, voices), engine.getProperty("voice")]
print(json.dumps(seen))
"""


def test_a_voice_is_called_unknown_exactly_when_espeak_would_keep_the_one_it_has(
        tmp_path: Path) -> None:
    script = tmp_path / "voice_after.py"
    script.write_text(VOICE_AFTER)
    done = subprocess.run([sys.executable, str(script), *NAMES], capture_output=True, text=True,
                          timeout=60, check=True)
    seen = json.loads(done.stdout.splitlines()[-1])
    kept = {name for name, (_, voice) in seen.items() if voice == "gmw/af"}
    assert kept == {"en-gb", "en-gb+klatt2", "English_(America)", "zzz"}
    assert {name for name, (problem, _) in seen.items() if problem} == kept
    assert "use gmw/en+klatt2, its voice for en-gb" in seen["en-gb+klatt2"][0]
    assert "File column of `espeak-ng --voices`" in seen["zzz"][0]


def test_an_unknown_voice_is_warned_of_and_the_line_still_spoken(
        capfd: pytest.CaptureFixture[str]) -> None:
    synthesizer = Synthesizer()
    try:
        clip = synthesizer.clip("hello", voice="en-gb")
    finally:
        synthesizer.close()
    assert clip.seconds > 0.2
    assert ("voicecoach: The speech engine has no voice 'en-gb' and keeps the one it has; use "
            "gmw/en, its voice for en-gb.") in capfd.readouterr().err


def test_the_engine_prints_nothing_on_stdout(capfd: pytest.CaptureFixture[str]) -> None:
    synthesizer = Synthesizer()
    try:
        synthesizer.clip("hello")
    finally:
        synthesizer.close()
    assert capfd.readouterr().out == ""


@pytest.mark.parametrize("fault", ["hang", "crash", "fail"])
def test_an_engine_that_hangs_crashes_or_fails_is_replaced_and_the_line_still_spoken(
        virtual_audio: VirtualAudio, tmp_path: Path, fault: str) -> None:
    """"crash": a segmentation fault in the engine, as espeak-ng's, ends only its process."""
    factory = functools.partial(first_faulty, fault, tmp_path / "faulted")
    with TtsSpeaker(output_device=SPEAKER, engine_factory=factory, synth_timeout=0.5) as speaker:
        speaker.say("three")
        assert speaker.wait(timeout=5)
        assert speaker.synthesizer.restarts == 1
    assert loud_times(virtual_audio)


def test_open_speaker_gives_a_talking_speaker(virtual_audio: VirtualAudio) -> None:
    speaker, reason = open_speaker(output_device=SPEAKER)
    try:
        assert isinstance(speaker, TtsSpeaker)
        assert reason is None
    finally:
        speaker.close()


def test_without_a_speech_engine_open_speaker_prints_only_and_says_why(
        virtual_audio: VirtualAudio) -> None:
    speaker, reason = open_speaker(output_device=SPEAKER, engine_factory=no_espeak)
    assert speaker is None
    assert reason == ("Speech output is off because the speech engine could not start (could "
                      "not initialize espeak); install espeak-ng with "
                      "`sudo apt-get install espeak-ng`.")


def test_without_a_speaker_open_speaker_prints_only_and_says_why(no_audio: None) -> None:
    speaker, reason = open_speaker()
    assert speaker is None
    assert reason is not None
    assert reason.startswith("Speech output is off because no speaker was found; connect one")
    assert "--output-device" in reason



@pytest.mark.parametrize("named", ["nonsense", "99"])
def test_a_speaker_named_that_is_not_there_is_an_error_not_a_silent_session(
        virtual_audio: VirtualAudio, named: str) -> None:
    with pytest.raises(AudioError, match="--output-device"):
        open_speaker(output_device=named)
