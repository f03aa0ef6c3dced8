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


def _trial(intent: str | None, right: bool, acted: str | None) -> Trial:
    return Trial({"intent": intent}, "", right, None, 0.1, 1.0, acted)


def test_the_no_pain_share_taken_for_pain_counts_only_utterances_that_were_no_pain() -> None:
    pain = "report_pain"
    trials = [_trial(pain, True, pain), _trial(pain, True, pain), _trial("stop", False, pain),
              _trial(None, False, pain), _trial(None, True, None), _trial("pause", True, "pause")]
    figures = summary(trials)
    assert figures["taken_for_pain"] == pytest.approx(2 / 4)
    assert figures["pain"] == 1.0 and figures["pain_missed"] == 0
    assert figures["rejected"] == pytest.approx(1 / 2)


def test_a_run_of_pain_phrases_alone_has_no_share_taken_for_pain() -> None:
    figures = summary([_trial("report_pain", False, None)])
    assert math.isnan(figures["taken_for_pain"])  # nothing to count
    assert figures["pain_missed"] == 1


def test_a_pain_phrase_heard_as_stop_or_pause_is_missed_but_did_not_go_on() -> None:
    trials = [_trial("report_pain", False, "stop"), _trial("report_pain", False, "pause"),
              _trial("report_pain", False, "yes"), _trial("report_pain", False, None),
              _trial("report_pain", True, "report_pain")]
    figures = summary(trials)
    assert figures["pain_missed"] == 4
    assert figures["pain_went_on"] == 2
