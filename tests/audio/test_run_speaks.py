"""`voicecoach run --text`, started as a user starts it, speaks through a real sound device."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
from alsa import SPEAKER_RATE, VirtualAudio

pytestmark = [pytest.mark.audio, pytest.mark.slow]


def loud_seconds(samples: np.ndarray) -> float:
    """Seconds of the signal in 10 ms frames above a speech level."""
    frame = SPEAKER_RATE // 100
    frames = samples[: len(samples) // frame * frame].astype(float).reshape(-1, frame)
    return float((np.sqrt((frames**2).mean(axis=1)) > 300).sum()) / 100


def test_typed_commands_are_answered_aloud(tmp_path: Path) -> None:
    with VirtualAudio(tmp_path) as audio:
        coach = subprocess.Popen(
            [sys.executable, "-m", "voicecoach", "run", "--text", "--db", str(tmp_path / "h.db")],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
            env=audio.env)
        assert coach.stdin is not None
        coach.stdin.write("yes\n")
        coach.stdin.flush()
        time.sleep(2)
        out, err = coach.communicate("stop\n", timeout=90)
        assert coach.returncode == 0, err
        played = audio.played()
    assert "coach: That's all for today." in out
    assert "Traceback" not in err and "Speech output is off" not in err
    assert loud_seconds(played) > 1.5  # at least the goodbye, said whole after the stop


def test_without_a_speaker_it_prints_and_says_why_once(tmp_path: Path) -> None:
    env = {"HOME": str(tmp_path), "PATH": "/usr/bin:/bin"}
    result = subprocess.run(
        [sys.executable, "-m", "voicecoach", "run", "--text", "--db", str(tmp_path / "h.db")],
        input="yes\nstop\n", capture_output=True, text=True, env=env, timeout=90)
    assert result.returncode == 0
    assert "coach: That's all for today." in result.stdout
    assert result.stderr.count("Speech output is off") == 1
