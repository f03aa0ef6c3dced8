"""QuietClock: how long the audio has been quiet, which settles the newest word of a partial."""

from __future__ import annotations

import pytest
from speech import missing_tools, room, synthesize

from voicecoach.audio.quiet import FRAME_SECONDS, QuietClock

pytestmark = pytest.mark.skipif(bool(missing_tools()), reason="needs espeak-ng and sox")

FRAME_BYTES = int(FRAME_SECONDS * 16000) * 2


def warmed_up() -> QuietClock:
    """A clock that has heard 0.3 s of room: the detector takes its first frames for speech."""
    clock = QuietClock()
    clock.hear(room(0.3))
    return clock


def test_quiet_settles_and_speech_starts_it_again() -> None:
    clock = warmed_up()
    assert clock.settled
    speech = synthesize("stop stop stop", lead=0.0, trail=0.0)
    clock.hear(speech[: len(speech) // 2])
    assert clock.seconds < 0.1 and not clock.settled
    clock.hear(room(0.6, seed=1))
    assert clock.settled


def test_quiet_grows_a_whole_frame_at_a_time() -> None:
    clock = warmed_up()
    before = clock.seconds
    quiet = room(FRAME_SECONDS, seed=2)
    assert clock.hear(quiet[: FRAME_BYTES // 2]) == before
    assert clock.hear(quiet[FRAME_BYTES // 2 :]) == pytest.approx(before + FRAME_SECONDS)
