"""Text as the matcher reads it: in one Unicode form, lower-case words, a stutter or a run said
twice said once ("p p pause", "hang on hang on"), number words as digits ("twenty five" -> "25")
and fillers removed ("please", "um", "okay coach")."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable

from voicecoach.intents import IntentSet

Words = tuple[str, ...]
TOKEN = re.compile(r"\{\w+\}|[^\W_]+")
"""A placeholder, or a run of letters and digits: a word of another script is a word the coach
does not know, not nothing ("do 十二 reps" is no "do reps", a yes)."""
TENS = (20, 30, 40, 50, 60, 70, 80, 90)
"""Values a unit word is added to: "twenty five" is 25."""
REPEATED_WORDS = 3
"""The longest run of words that, said twice in a row, is taken as said once."""
STUTTER_CHARS = 3
"""The longest start of a word taken for a stutter ("st st stop") when it is no word the coach
knows."""


class Normaliser:
    """Reads text as the matcher compares it, with the coach's own words, fillers and numbers."""

    def __init__(self, intents: IntentSet) -> None:
        self.heard = {w for text in intents.expanded() for w in split(text)}
        """The words the recognizers listen for, split but not normalised."""
        self._spelled = self.heard | {w for text in intents.fillers for w in split(text)}
        self._fillers = sorted((split(f) for f in intents.fillers), key=len, reverse=True)
        self._values = intents.numbers

    def tokens(self, text: str) -> Words:
        """Words of text without stutters, with number words as digits and fillers removed."""
        return once(self.unfilled(self._numbers(self._unstuttered(split(text)))))

    def unfilled(self, words: Words) -> Words:
        for filler in self._fillers:
            words = remove(words, filler)
        return words

    def _unstuttered(self, words: Words) -> Words:
        """words said once, without a start of the next one that is no word ("st stop")."""
        said = once(words)
        return tuple(word for word, after in zip(said, (*said[1:], ""), strict=False)
                     if not (len(word) <= STUTTER_CHARS and after.startswith(word)
                             and word not in self._spelled))

    def _numbers(self, words: Words) -> Words:
        out: list[str] = []
        for word in words:
            value = self._values.get(word)
            previous = int(out[-1]) if out and out[-1].isdigit() else 0
            if value is not None and previous in TENS and 0 < value < 10:
                out[-1] = str(previous + value)
            else:
                out.append(str(value) if value is not None else word)
        return tuple(out)


def split(text: str) -> Words:
    """The lower-case words of text, apostrophes dropped, hyphens as spaces."""
    text = plain(text).replace("'", "").replace("’", "")
    return tuple(TOKEN.findall(text.replace("-", " ")))


def plain(text: str) -> str:
    """text, typed or heard, in one form: compatibility characters as the plain ones (NFKC:
    full-width "ＯＵＣＨ" is "OUCH"), no format characters (a zero-width space pasted inside
    "hurts"), case folded, and digits of any script as 0-9 ("١٢" is "12")."""
    if text.isascii():
        return text.lower()
    text = unicodedata.normalize("NFKC", text)
    text = "".join(c for c in text if unicodedata.category(c) != "Cf")
    text = unicodedata.normalize("NFKC", text.casefold())
    return "".join(str(unicodedata.digit(c)) if c.isdigit() else c for c in text)


def word_set(texts: Iterable[str]) -> frozenset[str]:
    """Every word of texts."""
    return frozenset(w for text in texts for w in split(text))


def once(words: Words) -> Words:
    """words with a word or a run of up to REPEATED_WORDS said again at once said once: "the
    the" is "the", "hang on hang on" is "hang on"."""
    out: list[str] = []
    for word in words:
        out.append(word)
        for n in range(1, REPEATED_WORDS + 1):
            if len(out) >= 2 * n and out[-n:] == out[-2 * n : -n]:
                del out[-n:]
                break
    return tuple(out)


def remove(words: Words, phrase: Words) -> Words:
    """words without any occurrence of phrase (a run of whole words), left to right."""
    if not phrase or phrase[0] not in words:
        return words
    n, i = len(phrase), 0
    out: list[str] = []
    for at in (at for at, word in enumerate(words) if word == phrase[0]):
        if at >= i and words[at : at + n] == phrase:
            out.extend(words[i:at])
            i = at + n
    return (*out, *words[i:])
