"""Hearing: urgent partial results act at once; pain is never held back; a lost mic is told."""

from __future__ import annotations

import queue
from collections.abc import Iterator

import pytest

from voicecoach.errors import AudioError
from voicecoach.listen import Hearing, Listener, Notice, Utterance, listen
from voicecoach.matcher import Matcher
from voicecoach.ports import Hypothesis


def heard_from(matcher: Matcher, *hyps: tuple[str, bool]) -> list[str]:
    out: list[str] = []
    hearing = Hearing(matcher, out.append)
    for text, final in hyps:
        hearing.take(Hypothesis(text, final))
    return out


def test_pain_in_a_partial_acts_before_the_end(matcher: Matcher) -> None:
    assert heard_from(matcher, ("it", False), ("it hurts", False)) == ["it hurts"]


def test_an_utterance_acted_on_early_is_not_passed_on_again(matcher: Matcher) -> None:
    assert heard_from(matcher, ("stop", False), ("stop", True)) == ["stop"]


def test_pain_at_the_end_of_an_early_stop_still_gets_through(matcher: Matcher) -> None:
    got = heard_from(matcher, ("stop", False), ("stop it", False), ("stop it hurts", True))
    assert got == ["stop", "stop it hurts"]


def test_other_commands_wait_for_the_final_result(matcher: Matcher) -> None:
    got = heard_from(matcher, ("start", False), ("start glute", False),
                     ("start glute bridge", True))
    assert got == ["start glute bridge"]


def test_silence_and_empty_results_are_dropped(matcher: Matcher) -> None:
    assert heard_from(matcher, ("", False), ("", True), ("  ", True)) == []


class ScriptedRecognizer:
    name = "scripted"

    def __init__(self, results: dict[bytes, Hypothesis]) -> None:
        self.results = results

    def accept(self, pcm: bytes) -> Hypothesis | None:
        return self.results.get(pcm)

    def finish(self) -> Hypothesis | None:
        return Hypothesis("it hurts", True)


class Chunks:
    def __init__(self, chunks: list[bytes], fail: bool = False) -> None:
        self.items, self.fail = chunks, fail

    def chunks(self) -> Iterator[bytes]:
        yield from self.items
        if self.fail:
            raise AudioError("The microphone stopped.")

    def close(self) -> None:
        pass


def test_listen_feeds_every_chunk_and_flushes_the_end(matcher: Matcher) -> None:
    out: list[str] = []
    rec = ScriptedRecognizer({b"a": Hypothesis("pause", False), b"b": Hypothesis("pause", True)})
    listen(Chunks([b"a", b"b", b"c"]), rec, Hearing(matcher, out.append))
    assert out == ["pause", "it hurts"]


@pytest.mark.timeout(20)
def test_a_lost_microphone_is_told_and_found_again(matcher: Matcher,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("voicecoach.listen.RETRY_SECONDS", 0.01)
    opened: list[int] = []
    heard: queue.Queue[Utterance] = queue.Queue()

    def open_source() -> Chunks:
        opened.append(1)
        if len(opened) == 2:
            raise AudioError("No microphone.")
        return Chunks([], fail=True)

    listener = Listener(open_source, ScriptedRecognizer({}), matcher, heard)
    listener.start()
    seen = [heard.get(timeout=5) for _ in range(4)]
    listener.stop()
    notices = [s.key for s in seen if isinstance(s, Notice)]
    assert notices[:2] == ["mic_lost", "mic_back"]


def test_a_lost_microphone_pauses_the_exercise_and_says_why(matcher: Matcher) -> None:
    import io

    from voicecoach.coach import Coach, EventLog, Ports
    from voicecoach.content import content
    from voicecoach.session import Session
    from voicecoach.session_types import Context, Phase

    out = io.StringIO()
    coach = Coach(Session(content(), Context(acknowledged=True)), matcher,
                  Ports(None, EventLog(None), None, out=out))
    coach.begin(0.0)
    coach.hear("start glute bridge", 1.0)
    coach.advance(60.0)
    coach.notice(Notice("mic_lost"), 60.0)
    assert coach.state is not None and coach.state.phase is Phase.PAUSED
    assert f"coach: {content().say('mic_lost')}" in out.getvalue()
