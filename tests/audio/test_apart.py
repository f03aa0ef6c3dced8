"""The recognizer in a process of its own (voicecoach/audio/apart.py): it hears what it would hear
in the coach's process, reports its failures as the same clear errors, comes back when it dies,
and lets the coach's other threads run while it decodes. Real pocketsphinx, real speech."""

from __future__ import annotations

import itertools
import logging
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from speech import hear, missing_tools, synthesize

from voicecoach.audio.apart import RecognizerProcess
from voicecoach.audio.models import make_recognizer
from voicecoach.content import content
from voicecoach.errors import ModelError, UsageError
from voicecoach.intents import default_intents

pytestmark = pytest.mark.skipif(bool(missing_tools()), reason="needs espeak-ng and sox")

SENTENCES = default_intents().expanded()


@pytest.fixture(scope="module")
def apart() -> Iterator[RecognizerProcess]:
    recognizer = RecognizerProcess("pocketsphinx", None, SENTENCES)
    yield recognizer
    recognizer.close()


def finals(recognizer: object, pcm: bytes) -> list[str]:
    return [h.text for h in hear(recognizer, pcm) if h.final]  # type: ignore[arg-type]


def test_it_hears_what_it_would_hear_in_the_coachs_process(apart: RecognizerProcess) -> None:
    pcm = synthesize("start the glute bridge") + synthesize("what does clamshell work")
    assert apart.name == "pocketsphinx"
    heard = finals(apart, pcm)
    assert heard == finals(make_recognizer("pocketsphinx", None, SENTENCES), pcm)
    assert len(heard) == 2 and "bridge" in heard[0] and "clamshell" in heard[1]


def test_its_failures_to_start_are_the_same_clear_errors(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="Unknown recognizer 'whisper'"):
        RecognizerProcess("whisper", None, SENTENCES)
    with pytest.raises(ModelError, match=str(tmp_path)):
        RecognizerProcess("vosk", tmp_path / "no-model", SENTENCES)


def test_a_recognizer_that_dies_is_started_again_with_a_warning(
        caplog: pytest.LogCaptureFixture) -> None:
    recognizer = RecognizerProcess("pocketsphinx", None, SENTENCES)
    try:
        recognizer._process.kill()
        with caplog.at_level(logging.WARNING):
            assert recognizer.accept(bytes(3200)) is None  # the chunk it was given is lost
        assert "the speech recognizer stopped" in caplog.text
        pcm = synthesize("start the glute bridge")
        fresh = make_recognizer("pocketsphinx", None, SENTENCES)
        assert finals(recognizer, pcm) == finals(fresh, pcm) != []  # as a new one hears it
    finally:
        recognizer.close()
    assert not recognizer._process.is_alive()


def test_a_recognizer_that_cannot_be_started_again_says_why_and_hears_nothing_more(
        caplog: pytest.LogCaptureFixture) -> None:
    recognizer = RecognizerProcess("pocketsphinx", None, SENTENCES)
    try:
        recognizer._args = ("whisper", *recognizer._args[1:])  # as if its model had gone
        recognizer._process.kill()
        with caplog.at_level(logging.WARNING):
            assert recognizer.accept(bytes(3200)) is None
        assert "Unknown recognizer 'whisper'" in caplog.text  # the reason, not a traceback
        assert recognizer.accept(bytes(3200)) is None
    finally:
        recognizer.close()


def test_the_coachs_other_threads_run_while_it_decodes(apart: RecognizerProcess) -> None:
    """The final result of the safety statement heard whole (the coach's own voice, before the
    canceller has learned the room) takes pocketsphinx most of a second, during which it holds
    Python's lock: in the coach's process, no thread would run (measured: 815 ms)."""
    pcm = synthesize(content().prompts["safety_intro"])
    beats: list[float] = []
    done = threading.Event()

    def beat() -> None:  # as the speaker's output callback would, every 10 ms
        while not done.is_set():
            beats.append(time.monotonic())
            time.sleep(0.01)

    ticker = threading.Thread(target=beat)
    ticker.start()
    try:
        assert finals(apart, pcm)
    finally:
        done.set()
        ticker.join()
    gaps = [b - a for a, b in itertools.pairwise(beats)]
    assert max(gaps) < 0.2, max(gaps)


def test_closing_it_while_another_thread_is_hearing_ends_both_quietly(
        capfd: pytest.CaptureFixture[str]) -> None:
    """As when the session ends while the listener's thread is in a call."""
    recognizer = RecognizerProcess("pocketsphinx", None, SENTENCES)
    failures: list[BaseException] = []
    closed = threading.Event()

    def listen() -> None:
        try:
            while not closed.is_set():
                recognizer.accept(bytes(3200))
        except BaseException as exc:  # any of them is the failure looked for
            failures.append(exc)

    listener = threading.Thread(target=listen)
    listener.start()
    time.sleep(0.3)
    recognizer.close()
    closed.set()
    listener.join(5.0)
    assert failures == [] and not listener.is_alive()
    assert recognizer.accept(bytes(3200)) is None  # closed: no answer, and no error
    assert not recognizer._process.is_alive()
    assert "Traceback" not in capfd.readouterr().err  # nor from the process
