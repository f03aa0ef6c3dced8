"""Pain words as they are said and typed: in their forms ("hurting" is "hurt"), drawn out
("owww"), and typed with a slip ("it hrts", "owch", "ithurts"). The base of PainReader."""

from __future__ import annotations

import re
from collections.abc import Sequence

from rapidfuzz.distance import Levenshtein

from voicecoach.intents import IntentSet
from voicecoach.words import Normaliser, word_set

INFLECTIONS = ("s", "es", "d", "ed", "ing", "ful", "ness", "y")
"""Endings that keep a pain word of 4+ letters a pain word ("cramping", "twinged", "soreness")."""
REPEATS = re.compile(r"([a-z])\1+")
"""A letter typed more than once in a row: a cry drawn out ("owww", "ouchhh") is the pain word."""
SLIP_LETTERS = 4
"""Fewest letters of a pain word, and of a word typed, that a slip is looked for in (slipped)."""
SLIP_MAX_LETTERS = 30
"""Most letters of a word typed that a slip is looked for in: a line pasted without spaces is one
word."""


class PainForms:
    """The pain words of safety.yaml in every form the matcher takes them in."""

    def __init__(self, intents: IntentSet, normaliser: Normaliser) -> None:
        self.intents = intents
        self._forms = _forms(intents.pain_words)
        """Each pain word and each of its forms (pain_root), by the shortest pain word it is."""
        self._anagrams: dict[str, list[str]] = {}
        """The forms of pain words of SLIP_LETTERS or more by their letters in order: a word with
        two letters swapped has the same."""
        for form in sorted(self._forms):
            if len(self._forms[form]) >= SLIP_LETTERS:
                self._anagrams.setdefault("".join(sorted(form)), []).append(form)
        self._drawn_out = {REPEATS.sub(r"\1", w): w for w in intents.pain_words}
        """Pain words by their letters with no letter twice in a row ("kiling": "killing")."""
        self._listened = {REPEATS.sub(r"\1", w) for w in normaliser.heard}
        """The words the recognizers listen for, a letter typed twice in a row once: none is a
        slip of a pain word, nor is one of them typed with a letter twice ("hurryy")."""
        self._leads = word_set(intents.slip_leads)
        self._run_words = self._leads | intents.body_parts | intents.body_links
        """Words that may run into a pain word: "ithurts", "mybackhurts"."""

    def pain_root(self, token: str) -> str | None:
        """The shortest pain word token is, or is with an ending of INFLECTIONS (or -ing for a
        final e: "twinging"): "hurts" and "hurting" are "hurt"; "number" is not "numb", nor
        "painless" "pain"; drawn out, "owww" and "hurtsss" are "ow" and "hurt"; typed with a slip
        that needs no word before it (slipped), "hurst" is "hurt"."""
        return self._said(self.slipped(token) or token)

    def _said(self, token: str) -> str | None:
        """The pain word token is, in one of its forms or drawn out; see pain_root."""
        if token in self._forms:
            return self._forms[token]
        plain = REPEATS.sub(r"\1", token)
        return self._said(self._drawn_out[plain]) if plain in self._drawn_out else None

    def unslipped(self, words: Sequence[str]) -> list[str]:
        """words with each typed slip of a pain word as the pain word it slips from: "it hrts" is
        "it hurts", "not hurtin" "not hurting"."""
        return [self.slipped(word, before) or word
                for before, word in zip(("", *words), words, strict=False)]

    def slipped(self, typed: str, before: str = "") -> str | None:
        """The pain word (in one of its forms, of SLIP_LETTERS or more) that a word typed slips
        from, letters typed twice in it or not, where neither is a word the recognizers listen
        for (slip_words in safety.yaml): "hurst", "hurtin", "owwwch"; after "it", "hrts"."""
        plain = REPEATS.sub(r"\1", typed)
        if (len(typed) > SLIP_MAX_LETTERS or typed in self._forms or plain in self._listened
                or plain in self._drawn_out):
            return None
        for word in dict.fromkeys((typed, plain)):
            slip = (self._swapped(word) or self._respelled(word) or self._one_off(word, before)
                    or self._run_together(word))
            if slip:
                return slip
        return None

    def _form(self, word: str) -> str | None:
        """word, if it is a pain word of SLIP_LETTERS or more or one of its forms."""
        root = self._forms.get(word)
        return word if root and len(root) >= SLIP_LETTERS else None

    def _swapped(self, word: str) -> str | None:
        """A pain word with two letters next to each other swapped: "hurst", "ocuh"."""
        return next((form for form in self._anagrams.get("".join(sorted(word)), ())
                     if _swap_of(word, form)), None)

    def _respelled(self, word: str) -> str | None:
        """A pain word with "-in" for "-ing" ("hurtin") or a final "z" for "s" ("hurtz")."""
        if word.endswith("in"):
            return self._form(f"{word}g")
        return self._form(f"{word[:-1]}s") if word.endswith("z") else None

    def _one_off(self, word: str, before: str) -> str | None:
        """One of slip_words with a letter missing, extra or wrong, after one of slip_leads or a
        body part ("it hrts", "my back huts"), or one of slip_cries so, its first letter kept
        ("owch")."""
        if len(word) < SLIP_LETTERS:
            return None
        led = before in self._leads or self.is_body_part(before)
        near = [*(self.intents.slip_words if led else ()),
                *(cry for cry in self.intents.slip_cries if cry[0] == word[0])]
        return next((w for w in sorted(near) if Levenshtein.distance(word, w) <= 1), None)

    def _run_together(self, word: str) -> str | None:
        """A pain word of SLIP_LETTERS or more run together with the leads, body parts and body
        links before it: "ithurts", "mybackhurts"."""
        return next((form for at in range(2, len(word) - SLIP_LETTERS + 1)
                     if (form := self._form(word[at:])) and self._run_of_words(word[:at])), None)

    def _run_of_words(self, letters: str) -> bool:
        """letters are words of _run_words, of two letters or more, with no space between."""
        ends = [0]
        for end in range(2, len(letters) + 1):
            if any(end - start >= 2 and letters[start:end] in self._run_words for start in ends):
                ends.append(end)
        return ends[-1] == len(letters)

    def is_body_part(self, token: str) -> bool:
        """A body part, or one with "s" ("backs" is how "back's" is heard)."""
        parts = self.intents.body_parts
        return token in parts or token.removesuffix("s") in parts


def _swap_of(typed: str, word: str) -> bool:
    """typed, of the same letters as word, is word with two letters next to each other swapped."""
    at = [i for i, (a, b) in enumerate(zip(typed, word, strict=True)) if a != b]
    return len(at) == 2 and at[1] == at[0] + 1


def _forms(pain_words: frozenset[str]) -> dict[str, str]:
    """Each pain word, and each of 4+ letters with an ending of INFLECTIONS (or -ing for a final
    e), by the shortest pain word it is (pain_root)."""
    forms: dict[str, str] = {}
    for word in sorted(pain_words, key=lambda w: (len(w), w), reverse=True):
        endings = INFLECTIONS if len(word) >= 4 else ()
        forms.update({form: word for form in (word, *(word + e for e in endings))})
        if len(word) >= 4 and word.endswith("e"):
            forms[f"{word[:-1]}ing"] = word
    return forms
