"""How like each example sentence an utterance is (rules 4 and 5 of matcher.py).

Every example sentence is scored against the utterance with its slots (the exercise named, a
number) replaced by placeholders, as the best of rapidfuzz's ``ratio``, ``token_sort_ratio`` (word
order) and a word coverage. A word the coach does not know, not even as a near spelling, is no
mis-hearing of its words: its letters are masked and earn nothing ("skip the ad" is not "skip
ahead"), except against pain sentences, which stay permissive.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from rapidfuzz import fuzz, process

from voicecoach.intents import NUMBER_SLOTS, IntentSet
from voicecoach.naming import Naming
from voicecoach.pain import PainReader
from voicecoach.words import Normaliser, word_set

WORD_CUTOFF = 80.0
"""Lowest similarity of a heard word to a word of an example sentence."""
FUZZY_CHARS = 5
"""Shorter words must be heard exactly ("no" is not "now")."""
KNOWN_EXTRA = 0.25
"""What a heard word the coach knows, but the sentence lacks, costs (a matched word gains 1)."""
UNKNOWN_EXTRA = 1.0
"""What a heard word the coach does not know costs."""
MASK = "#"
"""Stands for each letter of an unknown word in the character comparisons: no sentence has it."""


@dataclass(frozen=True)
class Template:
    """An example sentence, its slots as placeholders."""

    intent: str
    text: str
    exercise: bool
    number: str | None
    """Name of the number slot, or None."""


Shape = tuple[bool, bool, bool]
"""What a template's sentence is compared with: (exercise slot, number slot, masked)."""


@dataclass(frozen=True)
class Reading:
    """An utterance read one way: the exercise it names and one number in it as the slot."""

    tokens: tuple[str, ...]
    masked: tuple[str, ...]
    """tokens with the letters of each word the coach does not know replaced by ``MASK``."""
    exercise: tuple[str, int, int] | None = None
    """(exercise id, first token, end token) of the alias found."""
    number: int | None = None

    def form(self, shape: Shape) -> str | None:
        """The utterance, masked or as heard, with the slots of templates of this shape
        replaced, or None if one is missing."""
        exercise, number, masked = shape
        tokens = list(self.masked if masked else self.tokens)
        if number:
            if self.number is None:
                return None
            at = tokens.index(str(self.number))
            tokens[at] = "{n}"
        if exercise:
            if self.exercise is None:
                return None
            _, start, end = self.exercise
            tokens[start:end] = ["{exercise}"]
        return " ".join(tokens)


@dataclass(frozen=True)
class _Table:
    """The example sentences as arrays, in the order of Likeness._places, so that the score of
    each and the most its word coverage could add are found at once, and the coverage itself,
    which is slow, is worked out only where it could win."""

    rows: dict[Shape, np.ndarray]
    """The sentences of each shape, in the order rapidfuzz scores them."""
    flat: dict[Shape, tuple[np.ndarray, np.ndarray]]
    """By shape, the vocabulary index of every word of its sentences, one after another, and
    the sentence each is of (summed with ``np.bincount``: a matrix product would start the
    linear algebra library's threads, which spin)."""
    lengths: np.ndarray
    intent_of: np.ndarray
    """Index in ``intents`` of each sentence's intent."""
    intents: list[str]
    members: list[np.ndarray]
    """The sentences of each intent."""
    words: dict[str, int]
    """Index of each word of the vocabulary."""

    @classmethod
    def of(cls, places: list[tuple[Template, Shape, int, list[str]]],
           vocabulary: list[str]) -> _Table:
        words = {word: i for i, word in enumerate(vocabulary)}
        intents = sorted({t.intent for t, _, _, _ in places})
        shapes = {shape for _, shape, _, _ in places}
        intent_of = np.array([intents.index(t.intent) for t, _, _, _ in places])
        rows = {shape: np.array([i for i, p in enumerate(places) if p[1] == shape])
                for shape in shapes}
        flat = {shape: (np.array([words[w] for i in r for w in places[i][3]], dtype=np.intp),
                        np.array([n for n, i in enumerate(r) for _ in places[i][3]],
                                 dtype=np.intp))
                for shape, r in rows.items()}
        return cls(rows, flat, np.array([len(p[3]) for p in places], dtype=np.float64),
                   intent_of, intents,
                   [np.flatnonzero(intent_of == k) for k in range(len(intents))], words)

    def ratios_and_bounds(self, found: dict[Shape, tuple[np.ndarray, set[str], float]]
                          ) -> tuple[np.ndarray, np.ndarray]:
        """Each sentence's rapidfuzz score (-1 where its shape has no form) and the most its
        coverage can be, given per shape the scores, the words that can be matched (heard or
        near) and what the heard words cost left over: each word matched adds at most 1 and
        takes at most ``UNKNOWN_EXTRA`` off that cost."""
        score, bound = np.full(len(self.lengths), -1.0), np.full(len(self.lengths), -1.0)
        for shape, (ratios, reachable, extra) in found.items():
            rows = self.rows[shape]
            heard = np.zeros(len(self.words))
            heard[[self.words[w] for w in reachable if w in self.words]] = 1.0
            index, owner = self.flat[shape]
            can = np.bincount(owner, weights=heard[index], minlength=len(rows))
            score[rows] = ratios
            # a hair over the bound, so that rounding never leaves out a coverage that ties it
            bound[rows] = 100.0 * can / (self.lengths[rows]
                                         + np.maximum(0.0, extra - can * UNKNOWN_EXTRA)) + 1e-6
        return score, bound

    def worth_covering(self, score: np.ndarray, bound: np.ndarray) -> np.ndarray:
        """The sentences whose coverage could beat the best rapidfuzz score of their intent."""
        best = np.full(len(self.intents), -1.0)
        np.maximum.at(best, self.intent_of, score)
        return np.flatnonzero(bound > np.maximum(score, best[self.intent_of]))

    def best(self, score: np.ndarray) -> list[tuple[int, int]]:
        """(intent index, first sentence with its best score) of each intent scored."""
        out = []
        for k, mine in enumerate(self.members):
            i = mine[np.argmax(score[mine])]
            if score[i] >= 0:
                out.append((k, int(i)))
        return out


Scores = dict[str, tuple[float, Template]]
"""The best score of each intent's sentences, with the sentence."""


class Likeness:
    """The example sentences, ready to be scored against what was heard."""

    def __init__(self, intents: IntentSet, norm: Normaliser, naming: Naming,
                 pain: PainReader) -> None:
        self._norm, self._naming = norm, naming
        self._one_after = word_set(intents.one_after)
        self._not_before = word_set(intents.count_not_before)
        templates = [self._template(name, s)
                     for name, intent in intents.intents.items() for s in intent.sentences]
        self._vocabulary = {w for t in templates for w in t.text.split()} | {
            w for alias in naming.aliases for w in alias.split()}
        self._fuzzy_vocabulary = sorted(w for w in self._vocabulary if len(w) >= FUZZY_CHARS)
        # Pain sentences with a pain word are covered by the word check itself.
        self.templates = [t for t in templates if not (
            t.intent == "report_pain" and pain.has_pain_word(t.text.split()))]
        """The sentences scored."""
        # Sentences of one shape are compared with one form of the utterance, in one call each.
        self._shapes: dict[Shape, list[str]] = {}
        self._places: list[tuple[Template, Shape, int, list[str]]] = []
        for t in self.templates:
            shape = (t.exercise, t.number is not None, t.intent != "report_pain")
            texts = self._shapes.setdefault(shape, [])
            self._places.append((t, shape, len(texts), t.text.split()))
            texts.append(t.text)
        self._table = _Table.of(self._places, sorted(self._vocabulary))
        self._denials = pain.denials | word_set(intents.command_denials)
        self._denied = np.array([t.intent != "report_pain" and not self._denials.isdisjoint(words)
                                 for t, _, _, words in self._places])
        """The sentences, pain aside, with a denial: none is what was said where none was ("we
        can carry on" is no "i can't carry on")."""

    def best_reading(self, tokens: tuple[str, ...]) -> tuple[Reading, Scores]:
        """The reading of tokens whose best sentence scores highest, with its scores."""
        return max(((h, self.scores(h)) for h in self.readings(tokens)),
                   key=lambda found: max((s for s, _ in found[1].values()), default=0))

    def scores(self, heard: Reading) -> Scores:
        """Best score per intent; pain sentences with a pain word are left to the word check, the
        other pain sentences see the words as heard, every other sentence sees them masked."""
        found = {shape: self._shape_scores(form, texts) for shape, texts in self._shapes.items()
                 if (form := heard.form(shape)) is not None}
        near = self._near({word for words, _, _ in found.values() for word in words})
        table = self._table
        score, bound = table.ratios_and_bounds(
            {shape: (ratios, set(words) | near, extra)
             for shape, (words, extra, ratios) in found.items()})
        for i in table.worth_covering(score, bound):
            _, shape, _, words = self._places[i]
            heard_words, extra, _ = found[shape]
            score[i] = max(score[i], self._coverage(heard_words, extra, words, near))
        if self._denials.isdisjoint(heard.tokens):
            score[self._denied] = -1.0
        return {table.intents[k]: (float(score[i]), self._places[i][0])
                for k, i in table.best(score)}

    def _near(self, heard: set[str]) -> set[str]:
        """The long words of the sentences that are near spellings of a heard word (of any
        length): only these can be matched fuzzily in ``_coverage``."""
        if not heard:
            return set()
        ratios = process.cdist(sorted(heard), self._fuzzy_vocabulary, scorer=fuzz.ratio,
                               score_cutoff=WORD_CUTOFF, dtype=np.float64)
        return {self._fuzzy_vocabulary[j] for j in np.flatnonzero(ratios.max(axis=0))}

    def _shape_scores(self, form: str, texts: list[str]
                      ) -> tuple[list[str], float, np.ndarray]:
        """form's words, what they cost left over, and the better of ``ratio`` and
        ``token_sort_ratio`` against each of texts."""
        words = form.split()
        ratios = [process.cdist([form], texts, scorer=scorer, dtype=np.float64)[0]
                  for scorer in (fuzz.ratio, fuzz.token_sort_ratio)]
        return words, sum(map(self._extra, words)), np.maximum(*ratios)

    def _coverage(self, heard: list[str], extra: float, template: list[str],
                  near: set[str]) -> float:
        """Share of the template's words heard, where extra words the coach knows cost little;
        ``extra`` is what all of heard would cost left over; ``near``: see ``_near``."""
        unmatched, matched = list(heard), 0.0
        for word in template:
            if word in unmatched:
                unmatched.remove(word)
                matched += 1.0
                extra -= self._extra(word)
            elif word in near:
                found = process.extractOne(word, unmatched, scorer=fuzz.ratio,
                                           score_cutoff=WORD_CUTOFF)
                if found:
                    extra -= self._extra(unmatched.pop(found[2]))
                    matched += found[1] / 100.0
        return 100.0 * matched / (len(template) + extra)

    def _extra(self, word: str) -> float:
        return KNOWN_EXTRA if word in self._vocabulary else UNKNOWN_EXTRA

    def _known(self, token: str) -> bool:
        """Whether token is a word of the example sentences or aliases, or a number, or a near
        spelling of a long one (as ``_coverage`` would match it)."""
        return (token in self._vocabulary or token.isdigit()
                or process.extractOne(token, self._fuzzy_vocabulary, scorer=fuzz.ratio,
                                      score_cutoff=WORD_CUTOFF) is not None)

    def readings(self, tokens: tuple[str, ...]) -> list[Reading]:
        """The utterance with its exercise, once for each number in it that could be the slot."""
        exercise = self._naming.find_exercise(tokens)
        masked = tuple(t if self._known(t) else MASK * len(t) for t in tokens)
        numbers = sorted({int(t) for i, t in enumerate(tokens) if t.isdigit()
                          and not (t == "1" and i and tokens[i - 1] in self._one_after)
                          and self._not_before.isdisjoint(tokens[i + 1 : i + 2])})
        return ([Reading(tokens, masked, exercise, n) for n in numbers]
                or [Reading(tokens, masked, exercise)])

    def _template(self, intent: str, sentence: str) -> Template:
        tokens = self._norm.tokens(sentence)
        slots = [t[1:-1] for t in tokens if t.startswith("{")]
        number = next((s for s in slots if s in NUMBER_SLOTS), None)
        text = " ".join("{n}" if t[1:-1] in NUMBER_SLOTS else t for t in tokens)
        return Template(intent, text, "exercise" in slots, number)


