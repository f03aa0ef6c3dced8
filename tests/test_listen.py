"""Hearing: urgent partial results act at once; pain is never held back; a lost mic is told."""

from __future__ import annotations

import queue
import time
from collections.abc import Iterator

import pytest

from voicecoach.errors import AudioError
from voicecoach.listen import Hearing, Listener, Notice, Utterance, listen
from voicecoach.matcher import Matcher
from voicecoach.matcher_settings import URGENT_CUTOFF
from voicecoach.ports import Hypothesis


def heard_from(matcher: Matcher, *hyps: tuple[str, bool]) -> list[str]:
    out: list[str] = []
    hearing = Hearing(matcher, out.append)
    for text, final in hyps:
        hearing.take(Hypothesis(text, final))
    return out


def over_coach(matcher: Matcher, *steps: tuple[str, str, bool]) -> list[str | None]:
    """The intents passed on when each hypothesis (text, final) comes while the coach is saying
    the step's first item ("" when silent)."""
    out: list[str] = []
    coach = [""]
    hearing = Hearing(matcher, out.append, lambda: coach[0])
    for said, text, final in steps:
        coach[0] = said
        hearing.take(Hypothesis(text, final))
    return [m.intent if (m := matcher.match(text)) else None for text in out]


def test_pain_in_a_partial_acts_before_the_end(matcher: Matcher) -> None:
    got = heard_from(matcher, ("it", False), ("it hurts", False), ("it hurts so", False),
                     ("it hurts so much", True))
    assert got == ["it hurts"]


def test_the_newest_word_of_a_partial_waits_to_be_settled(matcher: Matcher) -> None:
    """It is still being heard: "okay" begins as "ow", "start" as "stop"."""
    assert heard_from(matcher, ("ow", False), ("okay", False), ("okay let's resume", True)
                      ) == ["okay let's resume"]
    assert heard_from(matcher, ("stop", False), ("start clam", False),
                      ("start clam shells", True)) == ["start clam shells"]


def test_a_newest_word_followed_by_silence_is_settled(matcher: Matcher) -> None:
    got: list[str] = []
    hearing = Hearing(matcher, got.append)
    hearing.take(Hypothesis("stop", False))
    assert got == []
    hearing.take(Hypothesis("stop", False, settled=True))
    assert got == ["stop"]
    hearing.take(Hypothesis("stop", True))
    assert got == ["stop"]
    hearing.take(Hypothesis("ow", False, settled=True))
    assert got == ["stop", "ow"]


def test_a_pain_word_waits_to_be_settled_like_any_other(matcher: Matcher) -> None:
    """"exercise" is heard as "hurts" on its way; "okay" as "ow"."""
    assert heard_from(matcher, ("next", False), ("next hurts", False),
                      ("next exercise", True)) == ["next exercise"]
    for pain in ("my back hurts", "ow"):
        got: list[str] = []
        hearing = Hearing(matcher, got.append)
        hearing.take(Hypothesis(pain, False))
        assert got == []
        hearing.take(Hypothesis(pain, False, settled=True))
        assert got == [pain]


def test_a_negated_pain_word_is_not_pain_early(matcher: Matcher) -> None:
    got: list[str] = []
    Hearing(matcher, got.append).take(Hypothesis("it doesn't hurt", False))
    assert got == []


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

    def restart(self) -> None:
        pass


class Chunks:
    def __init__(self, chunks: list[bytes], fail: bool = False) -> None:
        self.items, self.fail = chunks, fail
        self.closed = False

    def chunks(self) -> Iterator[bytes]:
        yield from self.items
        if self.fail:
            raise AudioError("The microphone stopped.")

    def close(self) -> None:
        self.closed = True


def test_listen_feeds_every_chunk_and_flushes_the_end(matcher: Matcher) -> None:
    out: list[str] = []
    rec = ScriptedRecognizer({b"a": Hypothesis("pause", False), b"b": Hypothesis("pause", True)})
    listen(Chunks([b"a", b"b", b"c"]), rec, Hearing(matcher, out.append))
    assert out == ["pause", "it hurts"]


def notices_of(opened: list[Chunks | None], opens: int,
               monkeypatch: pytest.MonkeyPatch, matcher: Matcher) -> list[str]:
    """The notices a Listener gives over the sources opened (None: opening fails) until it has
    tried opens times."""
    monkeypatch.setattr("voicecoach.listen.RETRY_SECONDS", 0.01)
    heard: queue.Queue[Utterance] = queue.Queue()
    tries: list[int] = []

    def open_source() -> Chunks:
        tries.append(1)
        source = opened[min(len(tries), len(opened)) - 1]
        if source is None:
            raise AudioError("No microphone.")
        return source

    listener = Listener(open_source, ScriptedRecognizer({}), matcher, heard)
    listener.start()
    while len(tries) < opens:
        time.sleep(0.01)
    listener.stop()
    listener.join(5)
    return [s.key for s in list(heard.queue) if isinstance(s, Notice)]


@pytest.mark.timeout(20)
def test_a_lost_microphone_is_told_and_back_once_audio_arrives(
        matcher: Matcher, monkeypatch: pytest.MonkeyPatch) -> None:
    silent = Chunks([], fail=True)
    opened = [silent, None, silent, Chunks([b"a"], fail=True), silent]
    assert notices_of(opened, 8, monkeypatch, matcher) == ["mic_lost", "mic_back", "mic_lost"]


@pytest.mark.timeout(20)
def test_a_microphone_that_opens_but_stays_silent_is_told_once_and_never_back(
        matcher: Matcher, monkeypatch: pytest.MonkeyPatch) -> None:
    """A stalled device opens again; it is back only when its audio arrives."""
    assert notices_of([Chunks([], fail=True)], 10, monkeypatch, matcher) == ["mic_lost"]


@pytest.mark.timeout(20)
def test_a_failed_microphone_is_closed_before_it_is_opened_again(
        matcher: Matcher, monkeypatch: pytest.MonkeyPatch) -> None:
    """A stalled stream left open takes audio from the device when it comes back."""
    monkeypatch.setattr("voicecoach.listen.RETRY_SECONDS", 0.01)
    sources: list[Chunks] = []
    closed_before_open: list[bool] = []
    heard: queue.Queue[Utterance] = queue.Queue()

    def open_source() -> Chunks:
        closed_before_open.append(all(s.closed for s in sources))
        sources.append(Chunks([], fail=True))
        return sources[-1]

    listener = Listener(open_source, ScriptedRecognizer({}), matcher, heard)
    listener.start()
    while len(sources) < 3:
        time.sleep(0.01)
    listener.stop()
    assert closed_before_open[:3] == [True, True, True]


def test_a_lost_microphone_pauses_the_exercise_and_says_why_in_full(matcher: Matcher) -> None:
    """Its line is not cut by the pause, and the loss is an event of its own, not a "pause"
    heard."""
    import io
    import json

    from voicecoach.coach import Coach, EventLog, Ports
    from voicecoach.content import content
    from voicecoach.session import Session
    from voicecoach.session_types import Context, Phase, speech_seconds

    out, log = io.StringIO(), io.StringIO()
    coach = Coach(Session(content(), Context(acknowledged=True)), matcher,
                  Ports(None, EventLog(log), None, out=out))
    coach.begin(0.0)
    coach.hear("start glute bridge", 1.0)
    coach.advance(60.0)
    coach.notice(Notice("mic_lost", "The microphone stopped."), 60.0)
    coach.close(90.0)
    assert coach.state is not None and coach.state.phase is Phase.ENDED
    rows = [json.loads(line) for line in log.getvalue().splitlines()]
    lost = content().say("mic_lost")
    said = next(e for e in rows if e["type"] == "said" and e["text"] == lost)
    assert said["end"] - said["start"] == pytest.approx(speech_seconds(lost), abs=0.01)
    assert {"t": 60.0, "type": "mic_lost", "reason": "The microphone stopped."} in rows
    assert [e["state"] for e in rows if e["type"] == "state"][-1] == "paused"
    assert not [e for e in rows if e["type"] == "heard" and e["t"] >= 60.0]
    assert f"coach: {content().say('paused')}" not in out.getvalue()


def test_a_microphone_back_is_an_event_and_said(matcher: Matcher) -> None:
    import io
    import json

    from voicecoach.coach import Coach, EventLog, Ports
    from voicecoach.content import content
    from voicecoach.session import Session
    from voicecoach.session_types import Context

    out, log = io.StringIO(), io.StringIO()
    coach = Coach(Session(content(), Context(acknowledged=True)), matcher,
                  Ports(None, EventLog(log), None, out=out))
    coach.begin(0.0)
    coach.notice(Notice("mic_back"), 5.0)
    assert {"t": 5.0, "type": "mic_back"} in [json.loads(line) for line in
                                              log.getvalue().splitlines()]
    assert f"coach: {content().say('mic_back')}" in out.getvalue()


# The coach's own voice: the rule in voicecoach/listen.py.

BRIDGE = "Stop when your shoulders, hips and knees make one straight line."
LIFT = "Squeeze and lift your hips."
SAFETY = "If anything hurts at any point, just say it hurts, and we'll stop right away."
WELCOME = "Say start and the name of an exercise, or say start my workout, or say help."


def test_the_coach_saying_stop_is_not_obeyed(matcher: Matcher) -> None:
    assert over_coach(matcher, (BRIDGE, "stop", False), (BRIDGE, "stop when", False),
                      (BRIDGE, "stop when your shoulders", True)) == []


def test_a_filler_does_not_settle_the_word_before_it(matcher: Matcher) -> None:
    """On its way to "start glue bridges" a partial was "stop the"."""
    assert heard_from(matcher, ("stop the", False), ("start glue bridges", True)) == [
        "start glue bridges"]
    assert heard_from(matcher, ("stop the", False), ("stop the session", False)) == ["stop the"]


def test_pain_the_coach_is_not_saying_acts_at_once(matcher: Matcher) -> None:
    assert over_coach(matcher, (LIFT, "it hurts", False), (LIFT, "it hurts so", False)
                      ) == ["report_pain"]


def test_pain_among_the_coachs_words_still_acts(matcher: Matcher) -> None:
    got = over_coach(matcher, (LIFT, "squeeze and [unk] ouch", True))
    assert got == ["report_pain"]


def test_pain_words_all_in_the_coachs_line_are_echo(matcher: Matcher) -> None:
    assert over_coach(matcher, (SAFETY, "say it hurts", False), (SAFETY, "say it hurts", True),
                      ("", "", True)) == []


def test_a_pain_word_the_coach_says_in_another_form_is_echo(matcher: Matcher) -> None:
    assert over_coach(matcher, (SAFETY, "say it hurt", False), (SAFETY, "say it hurt", True)) == []


def test_one_pain_word_the_coach_is_not_saying_is_enough(matcher: Matcher) -> None:
    assert over_coach(matcher, (SAFETY, "it hurts ouch", True)) == ["report_pain"]


def test_pain_by_similarity_over_the_coach_must_be_sure(matcher: Matcher) -> None:
    found = matcher.urgent("my back again")  # alone, a weak match to "my back hurts"
    assert found is not None and found.score < URGENT_CUTOFF
    assert over_coach(matcher, ("", "my back again", True)) == ["report_pain"]
    assert over_coach(matcher, ("Lie on your back.", "my back again", True)) == []


def test_other_commands_are_not_taken_while_the_coach_speaks(matcher: Matcher) -> None:
    assert over_coach(matcher, (WELCOME, "start my workout", False),
                      (WELCOME, "start my workout", True)) == []
    assert over_coach(matcher, (LIFT, "yes", True)) == []


def test_an_answer_begun_once_the_coach_is_quiet_is_taken(matcher: Matcher) -> None:
    assert over_coach(matcher, ("", "yes", False), ("", "yes", True)) == ["yes"]


def test_the_end_of_the_coachs_echo_heard_after_its_tail_is_still_echo(matcher: Matcher) -> None:
    got = over_coach(matcher, (SAFETY, "if anything hurts", False),
                     ("", "if anything hurts just say it hurts and we'll stop", True))
    assert got == []


def test_an_answer_begun_within_the_echo_tail_counts_as_said_over_the_coach(
        matcher: Matcher) -> None:
    said = "Say yes to go on."
    assert over_coach(matcher, (said, "yes", False), ("", "yes", True)) == []  # a blind spot


def test_a_stop_heard_over_the_coach_twice_acts_once(matcher: Matcher) -> None:
    got = over_coach(matcher, (LIFT, "[unk] stop", False), (LIFT, "[unk] stop lift", False),
                     (LIFT, "[unk] stop lift your hips", True))
    assert got == ["stop"]


def test_a_fleeting_stop_or_pause_over_the_coach_is_a_mishearing(matcher: Matcher) -> None:
    said = "Set 2 of 2. Here we go."
    assert over_coach(matcher, (said, "sec", False), (said, "set", False),
                      (said, "set 2 of 2", True)) == []
    assert over_coach(matcher, ("Back to hands and knees.", "[unk] [unk] freeze", True)) == []


def test_once_the_canceller_has_learned_the_room_one_hearing_of_stop_is_enough(
        matcher: Matcher) -> None:
    """Rule 4 is for a coach without an echo canceller: with one that has learned the room, a
    settled "stop" over the coach acts at once."""
    for learned, expected in ((lambda: True, ["stop"]), (None, [])):
        out: list[str] = []
        hearing = Hearing(matcher, out.append, lambda: LIFT, learned)
        hearing.take(Hypothesis("[unk] stop", False, settled=True))
        assert out == expected


def test_before_the_canceller_has_learned_the_room_only_pain_over_the_coach_counts(
        matcher: Matcher) -> None:
    """Rule 5: an utterance over the coach begun before the canceller learned the room."""
    said = "Hello, good to have you here. Say start and the name of an exercise."
    out: list[str] = []
    learned = [False]
    hearing = Hearing(matcher, out.append, lambda: said, lambda: learned[0])
    hearing.take(Hypothesis("good [unk] exit", False))
    learned[0] = True  # its output comes in: quiet, and the cut-off "exercise" stands as "exit"
    hearing.take(Hypothesis("good [unk] exit", False, settled=True))
    hearing.take(Hypothesis("good [unk] exit", True))
    assert out == []
    hearing.take(Hypothesis("[unk] it hurts", False, settled=True))  # pain, as ever, at once
    assert out == ["[unk] it hurts"]
    hearing.take(Hypothesis("[unk] it hurts", True))
    for hyp in (Hypothesis("stop", False), Hypothesis("stop", True)):  # a new utterance: learned
        hearing.take(hyp)
    assert out == ["[unk] it hurts", "stop"]


def test_a_word_that_looks_nearly_like_the_coachs_is_its_echo(matcher: Matcher) -> None:
    said = "Lift your top knee."
    assert over_coach(matcher, (said, "stop", False), (said, "stop knee", False),
                      (said, "stop knee", True)) == []


def test_a_pain_word_must_be_the_coachs_exactly(matcher: Matcher) -> None:
    said = "It strengthens your glutes and your core."
    assert over_coach(matcher, (said, "glutes and your sore", True)) == ["report_pain"]


def test_words_are_compared_as_the_matcher_reads_them(matcher: Matcher) -> None:
    said = "Hold each rep for 3 seconds."
    assert over_coach(matcher, (said, "hold for three", False), (said, "hold for three seconds",
                                                                  True)) == []


def test_the_coach_speaking_later_in_the_utterance_explains_its_start(matcher: Matcher) -> None:
    assert over_coach(matcher, (BRIDGE, "stop", False), ("Hold.", "stop hold", False),
                      ("Hold.", "stop hold", True)) == []


def test_without_the_coach_speaking_nothing_changes(matcher: Matcher) -> None:
    assert over_coach(matcher, ("", "stop", False), ("", "stop", True)) == ["stop"]
    assert over_coach(matcher, ("", "start my workout", True)) == ["start_routine"]


def test_the_listener_hears_with_the_speakers_words(matcher: Matcher) -> None:
    listener = Listener(lambda: Chunks([]), ScriptedRecognizer({}), matcher, queue.Queue(),
                        lambda: "Hold.")
    assert listener.hearing.speaking() == "Hold."
