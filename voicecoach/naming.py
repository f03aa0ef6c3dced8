"""Exercises named in what was heard: an exercise's name found exactly or nearly, "not" before
one where another is named, a refusal before one ("no more bridges", "i can't do the clamshell"),
and a correction ("start the bridge no wait the clamshell"): steps 1, 3 and 9 of the matcher's
recipe. The word lists are in lists.yaml."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from rapidfuzz import fuzz, process

from voicecoach.intents import IntentSet
from voicecoach.words import Normaliser, Words, split, word_set

ALIAS_CUTOFF = 80.0
"""Lowest similarity of a few heard words to an exercise alias."""


@dataclass(frozen=True)
class Refusal:
    exercise: str
    """Id of the exercise refused."""
    words: Words
    """The refusal: "no more", "can't do"."""
    lead: int
    """How many words come before it, "the" and the like aside."""
    last: bool
    """The exercise's name ends the utterance."""


class Naming:
    """Reads normalised words (Normaliser.tokens) for the exercises they name and refuse."""

    def __init__(self, intents: IntentSet, normaliser: Normaliser) -> None:
        self.aliases = {
            " ".join(normaliser.tokens(alias)): ex_id
            for ex_id, aliases in intents.exercises.items()
            for alias in aliases
        }
        """Exercise ids by every alias, as the matcher reads it."""
        self._longest = max(len(alias.split()) for alias in self.aliases)
        """The most words of an alias."""
        self._asides = word_set(intents.refusal_asides)
        self._joins = word_set(intents.exercise_joins)
        self._refusals = [tuple(w for w in split(" ".join(r)) if w not in self._asides)
                          for r in intents.refusals]
        self._plural_refusals = [split(" ".join(r)) for r in intents.plural_refusals]
        self._any_refusals = [*self._refusals, *self._plural_refusals]
        self._corrections = sorted((split(" ".join(c)) for c in intents.corrections),
                                   key=len, reverse=True)

    def find_exercise(self, tokens: Words) -> tuple[str, int, int] | None:
        """The exercise named, as its id and where its name starts and ends: the longest alias
        said exactly, else the nearest few words to one ("glue bridge")."""
        spans = [(i, i + n) for n in range(self._longest, 0, -1)
                 for i in range(len(tokens) - n + 1)]
        for start, end in spans:
            ex_id = self.aliases.get(" ".join(tokens[start:end]))
            if ex_id:
                return ex_id, start, end
        best: tuple[float, tuple[str, int, int]] | None = None
        for start, end in spans:
            words = " ".join(tokens[start:end])
            if len(words) < 4 or words.isdigit():
                continue
            found = process.extractOne(words, self.aliases.keys(), scorer=fuzz.ratio,
                                       score_cutoff=ALIAS_CUTOFF)
            if found and (best is None or found[1] > best[0]):
                best = (found[1], (self.aliases[found[0]], start, end))
        return best[1] if best else None

    def alias_at(self, tokens: Words, start: int) -> int:
        """How many words the exercise named at ``start`` has; 0 if none is."""
        return next((n for n in range(min(len(tokens) - start, self._longest), 0, -1)
                     if " ".join(tokens[start : start + n]) in self.aliases), 0)

    def unmeant(self, tokens: Words) -> Words:
        """Without "not" and the number or exercise after it, where another is said before or
        after it: "hold for five seconds not ten", "not the bridge the clamshell"."""
        for at in range(len(tokens) - 2, -1, -1):
            if tokens[at] != "not":
                continue
            rest, before = tokens[at + 1 :], tokens[:at]
            named = 1 if rest[0].isdigit() else self.alias_at(rest, 0)
            other = (any(t.isdigit() for t in (*before, *rest[1:])) if rest[0].isdigit()
                     else bool(self.find_exercise(before) or self.find_exercise(rest[named:])))
            if named and other:
                tokens = (*before, *rest[named:])
        return tokens

    def unrefused(self, tokens: Words) -> Words:
        """Without a refusal and the exercises it refuses, where another is named: "skip the
        bridge and do the clamshell"; not "skip the bridge and the clamshell"."""
        for at, refusal in ((a, r) for a in range(len(tokens)) for r in self._any_refusals
                            if tokens[a : a + len(r)] == r):
            end = at + len(refusal)
            while end < len(tokens) and tokens[end] in self._asides:
                end += 1
            named = end + self.alias_at(tokens, end)
            if refusal not in self._refusals_of(tokens[end:named]):
                continue
            while named > end and named + 1 < len(tokens) and tokens[named] in self._joins and (
                    self.alias_at(tokens, named + 1)):
                named += 1 + self.alias_at(tokens, named + 1)
            rest = (*tokens[:at], *tokens[named:])
            if named > end and any(self.alias_at(rest, i) for i in range(len(rest))):
                return self.unrefused(rest)
        return tokens

    def refused(self, tokens: Words) -> Refusal | None:
        """The exercise named just after a refusal ("no more bridges", or "no bridges": a plural
        refusal before a plural), or None."""
        exercise = self.find_exercise(tokens)
        if exercise is None:
            return None
        before = tuple(t for t in tokens[: exercise[1]] if t not in self._asides)
        refusals = self._refusals_of(tokens[exercise[1] : exercise[2]])
        words = next((r for r in refusals if before[-len(r):] == r), None)
        if words is None:
            return None
        return Refusal(exercise[0], words, len(before) - len(words), exercise[2] == len(tokens))

    def corrected(self, tokens: Words) -> Words | None:
        """The utterance as its last correction leaves it (rule 3), or None if it has none or
        nothing stands on either side of it."""
        at = self._correction(tokens)
        if at is None:
            return None
        before, after = tokens[: at[0]], tokens[at[1] :]
        if not before or not after:
            return None
        numbers = [i for i, token in enumerate(before) if token.isdigit()]
        if numbers and after[0].isdigit():
            return (*before[: numbers[-1]], after[0], *before[numbers[-1] + 1 :], *after[1:])
        said, meant = self.find_exercise(before), self.find_exercise(after)
        if said and meant and meant[1] == 0:
            return (*before[: said[1]], *after[: meant[2]], *before[said[2] :], *after[meant[2] :])
        return after

    def _refusals_of(self, named: Sequence[str]) -> list[Words]:
        """The refusals that may refuse the exercise named so: the plural ones too before a
        plural ("no bridges"; not "no, the bridge", a correction)."""
        name = " ".join(named)
        plural = name.endswith("s") and name[:-1] in self.aliases
        return [*self._refusals, *(self._plural_refusals if plural else [])]

    def _correction(self, tokens: Words) -> tuple[int, int] | None:
        """Where the last correction phrase is, or a "no" between two numbers."""
        for start in range(len(tokens) - 1, 0, -1):
            if (tokens[start] == "no" and tokens[start - 1].isdigit()
                    and start + 1 < len(tokens) and tokens[start + 1].isdigit()):
                return start, start + 1
            for phrase in self._corrections:
                if tokens[start : start + len(phrase)] == phrase:
                    return start, start + len(phrase)
        return None
