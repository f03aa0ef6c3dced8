"""Keyword spotting for pain words: a second pocketsphinx search beside the sentence LM.

The LM decoder must explain every sound with the coach's sentences, and a pain word that loses
to a likelier command ("it hurts" heard as "it's too fast") is gone. A keyword-spotting search
only asks, frame by frame, whether a pain word explains the audio nearly as well as any sequence
of phones would (pocketsphinx's phone loop), so it hears a pain word however unlikely the
sentence around it. It runs in a decoder of its own on the same audio, frame for frame, so its
detections line up with the LM's words.

A detection's score is log10 of the keyword path's likelihood over the phone loop's (0 is as
good as the best phone sequence), the scale of pocketsphinx's ``kws_threshold``.
"""

from __future__ import annotations

import math
import tempfile
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

import pocketsphinx

KWS_MAX = 1500
"""pocketsphinx subtracts this from a detection's score (kws_search.c) to keep it below 1."""
SENSCR_SHIFT = 10
"""Bits pocketsphinx drops from its log scores in the search (acmod.h)."""
PHONE_LOOP_PENALTY = 0.1
"""Probability of each phone change in the phone loop (pocketsphinx's kws_plp)."""
DEFAULT_THRESHOLD = -14.0
"""log10 score a pain word without a threshold of its own needs."""


@dataclass(frozen=True)
class Spot:
    """A pain word the spotter heard: frames (10 ms) from the start of the utterance."""

    word: str
    start: int
    end: int
    score: float
    """log10 likelihood ratio of the word over the best phone sequence."""


class PainSpotter:
    """A keyword-spotting decoder for pain words; feed it what the LM decoder gets."""

    def __init__(self, prons: Mapping[str, list[str]],
                 thresholds: Mapping[str, float] | None = None,
                 default: float = DEFAULT_THRESHOLD, plp: float = PHONE_LOOP_PENALTY) -> None:
        self.thresholds = {word: (thresholds or {}).get(word, default) for word in prons}
        self._decoder = _decoder(prons, self.thresholds, plp)
        self._log10_unit = self._decoder.logmath.log_to_log10(1 << SENSCR_SHIFT)

    def start(self) -> None:
        self._decoder.start_utt()

    def process(self, speech: bytes) -> None:
        self._decoder.process_raw(speech)

    def end(self) -> None:
        self._decoder.end_utt()

    def spots(self) -> list[Spot]:
        """The pain words heard so far in this utterance over their thresholds, best first."""
        found = []
        logmath = self._decoder.logmath
        for segment in self._decoder.seg() or ():
            word = segment.word.strip().split("(")[0]
            score = (logmath.log(segment.prob) + KWS_MAX) * self._log10_unit
            if score >= self.thresholds.get(word, math.inf):
                found.append(Spot(word, segment.start_frame, segment.end_frame, round(score, 2)))
        return sorted(found, key=lambda spot: spot.score, reverse=True)


def _decoder(prons: Mapping[str, list[str]], thresholds: Mapping[str, float], plp: float
             ) -> pocketsphinx.Decoder:
    """A decoder in keyword-spotting mode with every pronunciation of every word a keyphrase."""
    entries = list(_entries(prons))
    with tempfile.TemporaryDirectory(prefix="voicecoach-kws-") as tmp:
        dict_path, list_path = Path(tmp, "pain.dict"), Path(tmp, "pain.kws")
        dict_path.write_text("".join(f"{name} {phones}\n" for name, _, phones in entries),
                             encoding="utf-8")
        list_path.write_text("".join(f"{name} /{10.0 ** thresholds[word]:.3g}/\n"
                                     for name, word, _ in entries), encoding="utf-8")
        return pocketsphinx.Decoder(hmm=pocketsphinx.get_model_path("en-us/en-us"),
                                    dict=str(dict_path), kws=str(list_path), kws_plp=plp,
                                    loglevel="FATAL")


def _entries(prons: Mapping[str, list[str]]) -> Iterable[tuple[str, str, str]]:
    """(dictionary name, word, phones) of every pronunciation: word, word(2), ..."""
    for word, variants in sorted(prons.items()):
        for i, phones in enumerate(variants):
            yield (word if i == 0 else f"{word}({i + 1})"), word, phones


Word = tuple[str, int, int]
"""A word of a hypothesis and its first and last frame."""


def merge(words: list[Word], spots: Iterable[Spot], pain_words: Iterable[str]) -> list[Word]:
    """The LM's words with each spotted pain word in place of the words it overlaps, unless the
    LM heard a pain word there itself (its "it doesn't hurt" stands: the spotter knows no
    negations)."""
    pain = set(pain_words)
    out = list(words)
    for spot in spots:
        hit = [i for i, (_, start, end) in enumerate(out)
               if start <= spot.end and end >= spot.start]
        if any(is_pain_word(out[i][0], pain) for i in hit):
            continue
        at = hit[0] if hit else next(
            (i for i, (_, start, _) in enumerate(out) if start > spot.start), len(out))
        out[at : at + len(hit)] = [(spot.word, spot.start, spot.end)]
    return out


def is_pain_word(word: str, pain: set[str]) -> bool:
    """The matcher's test: a pain word, or a word starting with one of 4 letters or more."""
    return word in pain or any(len(p) >= 4 and word.startswith(p) for p in pain)
