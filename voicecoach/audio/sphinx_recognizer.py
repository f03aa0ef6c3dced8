"""Pocketsphinx restricted to the coach's sentences: the zero-download English recognizer.

The PyPI wheel bundles a US English acoustic model and the CMU dictionary. The decoder gets a
dictionary of only the sentences' words (``extra_dict.txt`` adds the ones CMU lacks) and a
trigram language model built from the sentences. Measured on synthesized speech (3 espeak-ng
voices), that LM let 5 of 36 out-of-domain sentences through as commands where a strict grammar of
the same sentences let 23 through (it forces every sound into some command), and it decodes 15
times faster (real-time factor 0.07 against 1.16).

A garbage word, ``[unk]``, pronounced as any single phone, lets speech the coach does not know
come out as ``[unk]`` tokens (the token Vosk uses) instead of command words, and so does a
one-phone word hypothesized in less time than anyone can say it (hiss heard as "ow"). Longer
words keep their shortest readings: "the" and "i'm" are often said in under 80 ms (on 300
development utterances in two voice families, holding every word to 40 ms a phone cost one
command in a hundred, and the noise tests pass without it). pocketsphinx's own
Endpointer (voice activity detection) cuts the stream into utterances; with a 0.3 s window and a
0.7 ratio the final hypothesis comes about 0.4 s after the end of speech. The Endpointer hands
speech back a window late; the decoder gets it sooner: once speech has begun, the window the
Endpointer held, then every frame as it comes, so that a partial result ("it hurts") is not a
window behind the speaker.

In a noisy room WebRTC's noise suppression (denoise.py) comes first: measured on the development
set (226 utterances, its four voices), it took the share understood from 64% to 71% in white
noise at 20 dB SNR and from 43% to 50% at 10 dB.
"""

from __future__ import annotations

import logging
import math
import tempfile
from collections import defaultdict, deque
from collections.abc import Iterable
from pathlib import Path

import pocketsphinx

from voicecoach.audio.denoise import make_denoiser
from voicecoach.audio.quiet import SETTLED_SECONDS, QuietClock
from voicecoach.errors import ModelError
from voicecoach.ports import SAMPLE_RATE, Hypothesis

log = logging.getLogger(__name__)

UNK = "[unk]"
"""The word out-of-vocabulary speech is recognized as (the token Vosk uses too)."""
EXTRA_DICT = Path(__file__).with_name("extra_dict.txt")
DISCOUNT = 0.1
"""Probability mass each n-gram context leaves for backing off to shorter contexts."""
GARBAGE_LOG10 = -1.5
"""Unigram log10 probability of the garbage word; higher rejects more, and mishears more."""
VAD_WINDOW = 0.3
"""Seconds of audio the endpointer looks at to decide speech or silence."""
VAD_RATIO = 0.7
"""Share of that window that must be silence to end an utterance (or speech to start one)."""
VAD_MODE = 0
"""Aggressiveness of the endpointer's voice activity detector, 0 (loose) to 3 (strict)."""
PHONES = ["AA", "AE", "AH", "AO", "AW", "AY", "B", "CH", "D", "DH", "EH", "ER", "EY", "F", "G",
          "HH", "IH", "IY", "JH", "K", "L", "M", "N", "NG", "OW", "OY", "P", "R", "S", "SH", "T",
          "TH", "UH", "UW", "V", "W", "Y", "Z", "ZH"]
"""The phones of the bundled acoustic model, noise and silence left out."""
VOICELESS = {"P", "T", "K", "F", "TH"}
"""Final phones after which a plural -s is pronounced S rather than Z."""
SENTENCE = ("<s>", "</s>")
FILLER_MARKS = ("<", "[NOISE]", "[SPEECH]", "+")
"""Silence and noise words of the acoustic model, left out of hypotheses."""
MIN_FRAMES = 4
"""10 ms frames: a one-phone word spoken faster than this is noise (its HMM allows 3)."""
FLAT_WINDOW = 10
"""Frames around each frame in which the second (flat-lexicon) pass, at the end of an utterance,
looks for the words the first pass found ending (pocketsphinx's default is 25). On 200 development
utterances in six conditions (two voice families; quiet, 20 and 10 dB SNR) it decoded 5 to 19%
faster (the most at 10 dB, where the first pass finds the most words), with from 2 fewer to 3 more
of the 200 right."""


class SphinxRecognizer:
    """Streaming pocketsphinx over 16 kHz PCM, with partial and final hypotheses."""

    name = "pocketsphinx"

    def __init__(self, sentences: list[str], garbage: bool = True,
                 vad_window: float = VAD_WINDOW, vad_ratio: float = VAD_RATIO,
                 denoise: bool = True) -> None:
        self._decoder = _decoder(sentences, garbage)
        self._denoise = make_denoiser() if denoise else None
        self._vad = (vad_window, vad_ratio)
        self._endpointer = self._new_endpointer()
        self._window: deque[bytes] = deque(maxlen=self.held_frames())
        """The latest frames, not yet given to the decoder: what the Endpointer holds back."""
        self._quiet = QuietClock()
        self._pending = b""
        self._in_utterance = False
        self._partial: tuple[str, bool] = ("", False)
        """The last partial result given: its text and whether it was settled."""

    def held_frames(self) -> int:
        """How many frames late the Endpointer hands speech back: its window."""
        window: float = self._vad[0]
        frame: float = self._endpointer.frame_length
        return round(window / frame)

    def accept(self, pcm: bytes) -> Hypothesis | None:
        """Feed a chunk; return the final hypothesis of an utterance that ended, else a new
        partial one, else None."""
        self._pending += self._denoise(pcm) if self._denoise else pcm
        size = self._endpointer.frame_bytes
        news: Hypothesis | None = None
        while len(self._pending) >= size:
            frame, self._pending = self._pending[:size], self._pending[size:]
            found = self._step(frame)
            if found and (news is None or not news.final):
                news = found
        return news

    def finish(self) -> Hypothesis | None:
        """End of stream: decode what is left and return the last final hypothesis, if any."""
        if self._denoise:
            self._pending += self._denoise.rest()
        if self._in_utterance and self._pending:
            self._feed(self._pending)
        self._pending = b""
        final = self._end_utterance() if self._in_utterance else None
        self._endpointer = self._new_endpointer()
        self._window.clear()
        return final

    def restart(self) -> None:
        """After finish: what was learned of the last stream starts again: the front end's
        noise estimate and cepstral mean, the suppressor's noise floor, the quiet clock."""
        self._decoder.reinit_feat()
        self._denoise = self._denoise and make_denoiser()
        self._quiet = QuietClock()

    def _step(self, frame: bytes) -> Hypothesis | None:
        """One frame: to the decoder at once within an utterance; the Endpointer decides where
        utterances begin (its window is then decoded) and end. A pause longer than
        SETTLED_SECONDS is held back, and decoded only if speech comes back within a window."""
        self._window.append(frame)
        self._quiet.hear(frame)
        speech = self._endpointer.process(frame) is not None
        if not (speech or self._in_utterance):
            return None
        partial = None
        if not self._in_utterance or self._quiet.seconds <= SETTLED_SECONDS:
            partial = self._feed(b"".join(self._window))
            self._window.clear()
        if not self._endpointer.in_speech:
            return self._end_utterance()
        return partial

    def _feed(self, speech: bytes) -> Hypothesis | None:
        if not self._in_utterance:
            self._decoder.start_utt()
            self._in_utterance, self._partial = True, ("", False)
        self._decoder.process_raw(speech)
        text = self._text()
        settled = self._quiet.settled
        if text and (text, settled) != self._partial:
            self._partial = text, settled
            return Hypothesis(text, final=False, settled=settled)
        return None

    def _end_utterance(self) -> Hypothesis | None:
        self._decoder.end_utt()
        self._in_utterance = False
        text = self._text()
        log.debug("final: %r", text)
        return Hypothesis(text, final=True) if text or self._partial[0] else None

    def _new_endpointer(self) -> pocketsphinx.Endpointer:
        window, ratio = self._vad
        return pocketsphinx.Endpointer(window=window, ratio=ratio, vad_mode=VAD_MODE,
                                       sample_rate=SAMPLE_RATE)

    def _text(self) -> str:
        """The words of the current hypothesis; a one-phone word too short to have been spoken
        (noise matched by "ow") becomes [unk]."""
        words = []
        for segment in self._decoder.seg() or ():
            word = segment.word.split("(")[0]
            if word in SENTENCE or word.startswith(FILLER_MARKS):
                continue
            phones = len((self._decoder.lookup_word(segment.word) or "X").split())
            frames = segment.end_frame - segment.start_frame + 1
            words.append(UNK if phones == 1 and frames < MIN_FRAMES else word)
        while words and words[-1] == UNK:  # the room after the last word: "yes [unk]" is "yes"
            words.pop()
        return " ".join(words)


def _decoder(sentences: list[str], garbage: bool) -> pocketsphinx.Decoder:
    """A decoder whose dictionary and language model hold only the words of the sentences."""
    words = sorted({word for sentence in sentences for word in sentence.split()})
    prons = pronunciations(words)
    unknown = [word for word in words if word not in prons]
    if unknown:
        log.warning("pocketsphinx has no pronunciation for %s, so these words cannot be "
                    "recognized; add them to %s.", ", ".join(unknown), EXTRA_DICT.name)
    kept = [" ".join(w for w in s.split() if w in prons) for s in sentences]
    if garbage:
        prons[UNK] = PHONES
    with tempfile.TemporaryDirectory(prefix="voicecoach-sphinx-") as tmp:
        dict_path, lm_path = Path(tmp, "words.dict"), Path(tmp, "sentences.lm")
        dict_path.write_text(dictionary_text(prons), encoding="utf-8")
        lm_path.write_text(arpa(kept, [UNK] if garbage else []), encoding="utf-8")
        try:
            return pocketsphinx.Decoder(hmm=pocketsphinx.get_model_path("en-us/en-us"),
                                        dict=str(dict_path), lm=str(lm_path),
                                        fwdflatsfwin=FLAT_WINDOW, loglevel="FATAL")
        except (RuntimeError, ValueError) as exc:
            raise ModelError("pocketsphinx could not load its bundled English model; reinstall "
                             "it with: pip install --force-reinstall pocketsphinx.") from exc


def pronunciations(words: Iterable[str]) -> dict[str, list[str]]:
    """Phone strings per word: extra_dict.txt first, then the bundled CMU dictionary, then a
    compound of two known words or a known word plus -s, -es or -ing."""
    wanted = set(words)
    extra = read_dictionary(EXTRA_DICT.read_text(encoding="utf-8").splitlines())
    cmu_path = Path(pocketsphinx.get_model_path("en-us/cmudict-en-us.dict"))
    with cmu_path.open(encoding="utf-8") as lines:
        cmu = read_dictionary(lines)
    known = {**cmu, **extra}
    found = {word: known[word] for word in wanted if word in known}
    for word in wanted - found.keys():
        guess = _compound(word, known) or _suffixed(word, known)
        if guess:
            log.info("pocketsphinx: guessed the pronunciation of %r as %s", word, guess[0])
            found[word] = guess
    return found


def read_dictionary(lines: Iterable[str]) -> dict[str, list[str]]:
    """Parse cmudict lines ("word(2) PH ON ES"); comments start with ';;;'."""
    out: dict[str, list[str]] = defaultdict(list)
    for line in lines:
        head, _, phones = line.strip().partition(" ")
        word = head.split("(")[0].lower()
        if phones and not head.startswith(";;;"):
            out[word].append(" ".join(phones.split()))
    return dict(out)


def _compound(word: str, known: dict[str, list[str]]) -> list[str] | None:
    for cut in range(2, len(word) - 1):
        head, tail = word[:cut], word[cut:]
        if head in known and tail in known:
            return [f"{known[head][0]} {known[tail][0]}"]
    return None


def _suffixed(word: str, known: dict[str, list[str]]) -> list[str] | None:
    for suffix in ("ing", "es", "s"):
        stem = word[: -len(suffix)]
        if word.endswith(suffix) and stem in known:
            phones = known[stem][0]
            if suffix == "ing":
                return [f"{phones} IH NG"]
            ending = "S" if phones.split()[-1] in VOICELESS else "Z"
            return [f"{phones} {'IH Z' if suffix == 'es' else ending}"]
    return None


def dictionary_text(prons: dict[str, list[str]]) -> str:
    lines = [f"{word}{'' if i == 0 else f'({i + 1})'} {phones}"
             for word in sorted(prons) for i, phones in enumerate(prons[word])]
    return "\n".join(lines) + "\n"


def arpa(sentences: Iterable[str], garbage: list[str], discount: float = DISCOUNT) -> str:
    """A trigram model in ARPA format that treats every continuation seen as equally likely.

    The sentences come from templates filled with every alias, so how often an n-gram occurs
    says more about the templates than about what people say: only which n-grams occur counts.
    Each context keeps ``discount`` of its mass for backing off; every word is a unigram.
    """
    grams = _ngrams(sentences)
    unigrams = _unigrams(grams[1], garbage)
    bigrams, backoff1 = _level(grams[2], unigrams, discount)
    trigrams, backoff2 = _level(grams[3], bigrams, discount)
    lines = ["\\data\\", f"ngram 1={len(unigrams)}", f"ngram 2={len(bigrams)}",
             f"ngram 3={len(trigrams)}", "", "\\1-grams:"]
    lines += [_arpa_line(gram, prob, backoff1.get(gram)) for gram, prob in unigrams.items()]
    lines += ["", "\\2-grams:"]
    lines += [_arpa_line(gram, prob, backoff2.get(gram)) for gram, prob in bigrams.items()]
    lines += ["", "\\3-grams:"]
    lines += [_arpa_line(gram, prob, None) for gram, prob in trigrams.items()]
    return "\n".join([*lines, "", "\\end\\", ""])


Gram = tuple[str, ...]


def _ngrams(sentences: Iterable[str]) -> dict[int, set[Gram]]:
    grams: dict[int, set[Gram]] = {1: set(), 2: set(), 3: set()}
    for sentence in sentences:
        words = (SENTENCE[0], *sentence.split(), SENTENCE[1])
        for n, found in grams.items():
            found.update(words[i : i + n] for i in range(len(words) - n + 1))
    return grams


def _unigrams(grams: set[Gram], garbage: list[str]) -> dict[Gram, float]:
    """Uniform over the words (never the sentence start), the garbage words at a fixed level."""
    words = sorted({gram for gram in grams if gram[0] != SENTENCE[0]} | {(g,) for g in garbage})
    reserved = sum(10.0 ** GARBAGE_LOG10 for _ in garbage)
    share = (1.0 - reserved) / (len(words) - len(garbage))
    probs = {word: 10.0 ** GARBAGE_LOG10 if word[0] in garbage else share for word in words}
    return {(SENTENCE[0],): 0.0, **probs}


def _level(grams: set[Gram], lower: dict[Gram, float], discount: float
           ) -> tuple[dict[Gram, float], dict[Gram, float]]:
    """Probabilities of n-grams and the back-off weights of their (n-1)-gram contexts."""
    followers: dict[Gram, list[Gram]] = defaultdict(list)
    for gram in sorted(grams):
        followers[gram[:-1]].append(gram)
    probs: dict[Gram, float] = {}
    backoff: dict[Gram, float] = {}
    for context, seen in followers.items():
        for gram in seen:
            probs[gram] = (1.0 - discount) / len(seen)
        covered = sum(lower[gram[1:]] for gram in seen)
        backoff[context] = discount / max(1.0 - covered, 1e-6)
    return probs, backoff


def _arpa_line(gram: Gram, prob: float, backoff: float | None) -> str:
    logprob = -99.0 if prob <= 0.0 else math.log10(prob)
    text = f"{logprob:.5f} {' '.join(gram)}"
    return text if backoff is None else f"{text} {math.log10(backoff):.5f}"
