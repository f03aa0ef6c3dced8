"""Vosk (Kaldi) restricted to the coach's vocabulary: the main recognizer.

The recognizer gets a grammar: the words of the coach's sentences that the model knows, plus the
model's unknown-word token, so that speech the coach does not know comes out as ``[unk]`` instead
of a forced command. Which words a model knows is asked of the model itself
(``vosk_model_find_word``): small models ship no ``graph/words.txt``, their vocabulary lives in the
symbol table of ``graph/Gr.fst``.

Endpointing: vosk 0.3.45 (the newest on PyPI) has no SetEndpointerMode/SetEndpointerDelays; an
utterance ends by the Kaldi rules of the model's ``conf/model.conf`` (for the small models: 0.5 s of
trailing silence once the grammar can end). Newer vosk versions get shorter delays set here. A
partial result is sent again, settled, once SETTLED_SECONDS of quiet follow it (quiet.py), so that
"stop" or "it hurts" is acted on well before the utterance ends.
"""

from __future__ import annotations

import json
import logging
from functools import lru_cache
from pathlib import Path
from typing import Any

import vosk

from voicecoach.audio.quiet import QuietClock
from voicecoach.errors import ModelError
from voicecoach.ports import SAMPLE_RATE, Hypothesis

log = logging.getLogger(__name__)

UNK = "[unk]"
"""How speech outside the vocabulary appears in hypotheses."""
UNKNOWN_TOKENS = ("[unk]", "<unk>", "<UNK>")
"""Unknown-word tokens of Kaldi models, in order of preference ([unk]: the small English one)."""
ENDPOINTER_DELAYS = (5.0, 0.3, 10.0)
"""Seconds: initial silence before giving up, trailing silence that ends an utterance, and the
longest utterance. Only used by vosk versions that have SetEndpointerDelays (not 0.3.45)."""
QUIET = -3
"""Kaldi's log level that keeps its own errors and warnings off stderr (a broken model is said in
a sentence of ours); only with -v is its log shown (level 0)."""
FETCH_HINT = "run `voicecoach model --fetch`, or set --model to the folder of a Vosk model"


class VoskRecognizer:
    """Streaming Vosk over 16 kHz PCM, with partial and final hypotheses."""

    name = "vosk"

    def __init__(self, model_path: Path, sentences: list[str]) -> None:
        self.model_path = Path(model_path)
        model = load_model(self.model_path)
        self.grammar = grammar(model, sentences, self.model_path)
        self._unknown = next((w for w in self.grammar if w in UNKNOWN_TOKENS), UNK)
        self._recognizer = vosk.KaldiRecognizer(model, SAMPLE_RATE,
                                                json.dumps(self.grammar, ensure_ascii=False))
        tune_endpointer(self._recognizer)
        self._partial = ""
        self._settled = False
        self._quiet = QuietClock()

    def accept(self, pcm: bytes) -> Hypothesis | None:
        """Feed a chunk; a final hypothesis when Kaldi ends the utterance, else a partial one
        that changed or has just been settled by quiet, else None."""
        self._quiet.hear(pcm)
        if self._recognizer.AcceptWaveform(pcm):
            return self._final(self._recognizer.Result())
        text = self._clean(_field(self._recognizer.PartialResult(), "partial"))
        settled = self._quiet.settled
        if text and (text, settled) != (self._partial, self._settled):
            self._partial, self._settled = text, settled
            return Hypothesis(text, final=False, settled=settled)
        return None

    def finish(self) -> Hypothesis | None:
        """End of stream: the last final hypothesis, if anything was heard."""
        return self._final(self._recognizer.FinalResult())

    def restart(self) -> None:
        """After finish: Kaldi's state and the quiet clock start again."""
        self._recognizer.Reset()
        self._partial, self._settled, self._quiet = "", False, QuietClock()

    def _final(self, result: str) -> Hypothesis | None:
        text = self._clean(_field(result, "text"))
        heard, self._partial, self._settled = bool(text or self._partial), "", False
        log.debug("final: %r", text)
        return Hypothesis(text, final=True) if heard else None

    def _clean(self, text: str) -> str:
        return " ".join(UNK if word == self._unknown else word for word in text.split())


@lru_cache(maxsize=2)
def load_model(path: Path) -> vosk.Model:
    """Load a model folder once per process; ModelError if it is missing or broken."""
    if not path.is_dir():
        raise ModelError(f"There is no Vosk model folder at {path}; {FETCH_HINT}.")
    if not ((path / "am" / "final.mdl").is_file() or (path / "final.mdl").is_file()):
        raise ModelError(f"{path} is not a Vosk model folder (no am/final.mdl); {FETCH_HINT}.")
    vosk.SetLogLevel(0 if log.isEnabledFor(logging.DEBUG) else QUIET)
    try:
        return vosk.Model(str(path))
    except Exception as exc:  # vosk raises a bare Exception("Failed to create a model")
        raise ModelError(f"The Vosk model at {path} is broken or incomplete; delete it and "
                         f"{FETCH_HINT}.") from exc


def check_model(path: Path, sentences: list[str]) -> list[str]:
    """Load the model at path and make its grammar for sentences, as VoskRecognizer does; the
    grammar, or ModelError as VoskRecognizer raises it."""
    return grammar(load_model(path), sentences, path)


def grammar(model: vosk.Model, sentences: list[str], path: Path) -> list[str]:
    """The vocabulary words the model knows, plus its unknown-word token; one warning listing
    the words it lacks."""
    words = sorted({word for sentence in sentences for word in sentence.split()})
    known = [word for word in words if model.vosk_model_find_word(word) >= 0]
    missing = [word for word in words if word not in known]
    if not known:
        raise ModelError(f"The Vosk model at {path} knows none of the coach's words (is it an "
                         f"English model?); {FETCH_HINT}.")
    if missing:
        log.warning("The Vosk model at %s lacks %d of the coach's words, which it cannot hear: "
                    "%s; for all of them, %s.", path, len(missing), ", ".join(missing),
                    FETCH_HINT)
    unknown = [t for t in UNKNOWN_TOKENS if model.vosk_model_find_word(t) >= 0][:1]
    if not unknown:
        log.warning("The Vosk model at %s has no unknown-word token; speech that is not for the "
                    "coach will be heard as the coach's words; for a model with one, %s.", path,
                    FETCH_HINT)
    return known + unknown


def tune_endpointer(recognizer: Any) -> None:
    """Shorter end-of-utterance delays for short commands, where this vosk version allows it."""
    set_delays = getattr(recognizer, "SetEndpointerDelays", None)
    if set_delays is None:
        log.debug("vosk %s cannot set endpointer delays; using the model's conf/model.conf",
                  getattr(vosk, "__version__", "0.3.45 or older"))
        return
    set_delays(*ENDPOINTER_DELAYS)


def _field(result: str, key: str) -> str:
    value = json.loads(result).get(key, "")
    return value.strip() if isinstance(value, str) else ""
