"""bench/spoken.py's clock (the end of speech that its delays are measured from) and its sums."""

from __future__ import annotations

import math

import pytest
from speech import RATE, missing_tools, synthesize

from bench.spoken import LEAD, Trial, speech_end, summary


@pytest.mark.skipif(bool(missing_tools()), reason="needs espeak-ng and sox")
@pytest.mark.parametrize("voice", ["flite:kal16", "flite:rms", "en-us+klatt3"])
def test_the_end_of_speech_is_where_the_voice_stops_not_the_room(voice: str) -> None:
    """kal16 speaks so softly that 40 dB below its loudest is the room's noise itself."""
    trail = 1.5
    pcm = synthesize("stop", voice=voice, lead=LEAD, trail=trail)
    end = speech_end(pcm)
    assert LEAD + 0.2 < end < len(pcm) / 2 / RATE - trail + 0.05


def _trial(intent: str | None, right: bool, as_pain: bool) -> Trial:
    return Trial({"intent": intent}, "", right, None, 0.1, 1.0, as_pain)


def test_the_no_pain_share_taken_for_pain_counts_only_utterances_that_were_no_pain() -> None:
    trials = [_trial("report_pain", True, True), _trial("report_pain", True, True),
              _trial("stop", False, True), _trial(None, False, True), _trial(None, True, False),
              _trial("pause", True, False)]
    figures = summary(trials)
    assert figures["taken_for_pain"] == pytest.approx(2 / 4)
    assert figures["pain"] == 1.0 and figures["pain_missed"] == 0
    assert figures["rejected"] == pytest.approx(1 / 2)


def test_a_run_of_pain_phrases_alone_has_no_share_taken_for_pain() -> None:
    figures = summary([_trial("report_pain", False, False)])
    assert math.isnan(figures["taken_for_pain"])  # nothing to count
    assert figures["pain_missed"] == 1
