"""bench/spoken.py's clock: the end of speech that its delays are measured from."""

from __future__ import annotations

import pytest
from speech import RATE, missing_tools, synthesize

from bench.spoken import LEAD, speech_end

pytestmark = pytest.mark.skipif(bool(missing_tools()), reason="needs espeak-ng and sox")


@pytest.mark.parametrize("voice", ["flite:kal16", "flite:rms", "en-us+klatt3"])
def test_the_end_of_speech_is_where_the_voice_stops_not_the_room(voice: str) -> None:
    """kal16 speaks so softly that 40 dB below its loudest is the room's noise itself."""
    trail = 1.5
    pcm = synthesize("stop", voice=voice, lead=LEAD, trail=trail)
    end = speech_end(pcm)
    assert LEAD + 0.2 < end < len(pcm) / 2 / RATE - trail + 0.05
