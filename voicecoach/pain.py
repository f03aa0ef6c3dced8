"""Pain in what was heard, word by word (steps 2 and 10 of the matcher's recipe): pain words no
negation covers (typed with a slip too: "it hrts", "owch"), a cry or "my" with body parts, a call
for help, an inability before a body action, and talk of the body that does not say it is well.
The lists are in safety.yaml."""

from __future__ import annotations

from collections.abc import Sequence
from itertools import groupby

from voicecoach.intents import IntentSet
from voicecoach.pain_forms import PainForms
from voicecoach.words import Normaliser, Words, remove, split, word_set

UNDONE_BEFORE = 5
"""Words before a negation a denial that undoes it may be: "i can't lift my leg without pain"."""
UNDONE_AFTER = 2
"""Words after a negation or a word of being well a word that undoes it may be: "it doesn't hurt
any less", "my knee was fine until now"."""
DENIAL_WORDS = 3
"""How many words before a word of body_well a denial takes it back ("isn't feeling too good")."""
ILL_AFTER = 3
"""How many words after "feel" a word of being unwell may be ("i feel really quite awful")."""


class PainReader(PainForms):
    """Reads normalised words (Normaliser.tokens) for pain."""

    def __init__(self, intents: IntentSet, normaliser: Normaliser) -> None:
        super().__init__(intents, normaliser)
        tokens = normaliser.tokens
        self._negations: dict[str, list[Words]] = {}
        """Negations by their first word, the longest first."""
        for negation in sorted((tokens(n) for n in intents.pain_negations), key=len,
                               reverse=True):
            self._negations.setdefault(negation[0], []).append(negation)
        self._feeling = word_set(intents.feeling_words)
        self._feelers = word_set(intents.feelers)
        self._being = word_set(intents.being_words)
        self._hedges = [h for h in (tokens(" ".join(h)) for h in intents.well_hedges) if h]
        calls = [normaliser.unfilled(split(call)) for call in intents.help_calls]
        self._calls = [*calls, *(typed for call in calls
                                 if (typed := _digits(call, intents.numbers)) != call)]
        """The calls for help, and those with digits in them as typed: "call 911"."""
        self._inabilities = [tokens(" ".join(i)) for i in intents.inabilities]
        self._actions = [tokens(" ".join(a)) for a in intents.body_actions]
        self.denials = word_set(intents.body_denials)
        """Words that deny what follows them ("not", "don't")."""
        self._undo_before = word_set(intents.negation_undoers_before)
        self._undo_well = word_set(intents.well_undoers)
        self._undo_after = self._undo_well | word_set(intents.negation_undoers_after)
        self._body_questions = [split(" ".join(q)) for q in intents.body_questions]

    def pain_words(self, words: Sequence[str]) -> list[str]:
        """The pain words among words that no negation covers ("no pain" has none), a typed slip
        as the pain word it slips from."""
        return [w for w in self._without_negations(self.unslipped(words)) if self._said(w)]

    def has_pain_word(self, tokens: Sequence[str]) -> bool:
        return any(self._said(token) for token in self._without_negations(self.unslipped(tokens)))

    def is_pain_word(self, token: str) -> bool:
        return self.pain_root(token) is not None

    def negated(self, tokens: Sequence[str]) -> bool:
        """A negation of pain holds somewhere in tokens ("no pain", "doesn't hurt", "not
        hurtin")."""
        return len(self._without_negations(self.unslipped(tokens))) < len(tokens)

    def called_for_help(self, words: Words) -> bool:
        """A call for help, word for word, among words: "help help", "can you help me up"."""
        return any(remove(words, call) != words for call in self._calls)

    def unable(self, tokens: Words) -> bool:
        """An inability just before a body action: "i can't straighten up"."""
        return any(tokens[at : at + len(inability)] == inability
                   and any(tokens[at + len(inability) :][: len(action)] == action
                           for action in self._actions)
                   for at in range(len(tokens)) for inability in self._inabilities)

    def cried_out(self, tokens: Words) -> bool:
        """Body parts and nothing else but body links and a cry, "my" or a verdict: "ah my
        neck", "my back", "ugh back back", "knee no good"; not "back", "i'm back" nor "my back
        is fine"."""
        cries, links = self.intents.pain_cries, self.intents.body_links
        verdict = next((v for v in self.intents.body_verdicts if tokens[-len(v):] == v), ())
        words = tokens[: len(tokens) - len(verdict)]
        rest = [t for t in words if t not in cries and t not in links]
        return (bool(rest) and all(self.is_body_part(t) for t in rest)
                and (bool(verdict) or any(t in cries or t == "my" for t in words)))

    def body_talk(self, tokens: Words) -> bool:
        """"my" and a body part, perhaps with body links between, not followed by a place, and up
        to the next "my" no word of body_form, nor of body_well without a denial just before it or
        a word of change just after it (a question whether it is alright aside), or else a verdict:
        "my lower back feels a bit funny", "that's pulling on my groin", "my back's not good
        today", "my knee was fine until now", "my knee doesn't feel great", "my back feels funny is
        that okay", "my back is fine but my knee feels odd"; not "my back's fine", "my hips are
        stacked", "my knees are on the mat", "my back is not flat", "my back exercises", "get my
        breath back", a part that a place names ("my hands are under my shoulders") nor a stretch
        before a part that ends the talk ("i can feel the stretch in my hamstrings")."""
        if any(tokens[: len(q) + 1] == (*q, "my") for q in self._body_questions):
            return False
        links, places = self.intents.body_links, self.intents.body_places
        mine = [i for i, token in enumerate(tokens) if token == "my"]
        for before, at, end in zip([0, *mine], mine, [*mine[1:], len(tokens)], strict=False):
            if any(tokens[at - len(place) : at] == place for place in places):
                continue
            part = next((i for i in range(at + 1, end)
                         if tokens[i] not in links or self.is_body_part(tokens[i])), end)
            if part == end or not self.is_body_part(tokens[part]):
                continue
            after = tokens[part + 1 : end]
            for doubt in self.intents.body_doubts:
                after = remove(after, doubt)
            if any(after[: len(place)] == place for place in self.intents.body_places):
                continue
            if (self.intents.body_stretches.intersection(tokens[before:at])
                    and all(t in links or self.is_body_part(t) for t in after)):
                continue
            well = [i for i, token in enumerate(after) if token in self.intents.body_form
                    or (token in self.intents.body_well and not self._taken_back(after, i))]
            if not well or any(remove(after, v) != after for v in self.intents.body_verdicts):
                return True
        return False

    def form_only(self, tokens: Words) -> bool:
        """Nothing but "my", body parts, body links and words of body_form, with one of each:
        "my back is flat", "my back is straight" (no loose likeness to "i strained my back")."""
        form, links = self.intents.body_form, self.intents.body_links
        return ("my" in tokens and any(self.is_body_part(t) for t in tokens)
                and bool(form.intersection(tokens))
                and all(t in form or t in links or self.is_body_part(t) for t in tokens))

    def unwell(self, tokens: Words) -> bool:
        """A word of body_well, or "well", that a denial and one of feeling_words come just
        before ("i'm not feeling great", "i don't feel well"; not "i feel great"), or a denial and
        one of being_words when it ends the talk ("i'm not okay"), or one of well_hedges alone
        ("i'm far from okay"), or a word of well_undoers just after ("it was fine till i rolled
        over"). "well" is no word of body_well: after a body part it is most often "as well" ("my
        back feels odd as well")."""
        if self._feeling_ill(tokens):
            return True
        for i, token in enumerate(tokens):
            if token not in self.intents.body_well and token != "well":
                continue
            how = self._feeling | self._being if i == len(tokens) - 1 else self._feeling
            before = tokens[max(0, i - DENIAL_WORDS) : i]
            if (self._undone_well(tokens, i) or self._hedged(tokens, i)
                    or (self._denied(tokens, i) and how & set(before))):
                return True
        return False

    def _feeling_ill(self, tokens: Words) -> bool:
        """A word of body_ill up to ILL_AFTER words after one of feeling_words that opens the talk
        or follows one of feelers (the speaker), with no denial just before: "i feel awful",
        "feeling a bit rough", "it makes me feel strange"; not "i don't feel awful", nor "skip
        them if they feel weird"."""
        for i, token in enumerate(tokens):
            if (token in self._feeling and (i == 0 or tokens[i - 1] in self._feelers)
                    and not self._denied(tokens, i)
                    and self.intents.body_ill.intersection(tokens[i + 1 : i + 1 + ILL_AFTER])):
                return True
        return False

    def _hedged(self, tokens: Words, at: int) -> bool:
        """A word of well_hedges ends at most DENIAL_WORDS words before the word at."""
        return any(tokens[end - len(h) : end] == h for h in self._hedges
                   for end in range(max(len(h), at - DENIAL_WORDS + 1), at + 1))

    def _taken_back(self, words: Words, at: int) -> bool:
        """The word of being well at is taken back: "my back's not okay", "my knee was fine until
        now"."""
        return self._denied(words, at) or self._undone_well(words, at)

    def _undone_well(self, words: Words, at: int) -> bool:
        return not self._undo_well.isdisjoint(words[at + 1 : at + 1 + UNDONE_AFTER])

    def _denied(self, words: Words, at: int) -> bool:
        return bool(self.denials.intersection(words[max(0, at - DENIAL_WORDS) : at]))

    def _without_negations(self, tokens: Sequence[str]) -> list[str]:
        """tokens less every negation that holds, the longest first where two begin."""
        words, kept, at = list(tokens), [], 0
        while at < len(words):
            size = next((len(n) for n in self._negations.get(words[at], ())
                         if tuple(words[at:at + len(n)]) == n), 0)
            if size and not self._undone(words, at, at + size):
                at += size
                continue
            kept.append(words[at])
            at += 1
        return kept

    def _undone(self, words: list[str], start: int, end: int) -> bool:
        """A negation from start to end is undone by a denial up to UNDONE_BEFORE words before
        it ("i can't move without pain") or a word of change up to UNDONE_AFTER words after it
        ("it didn't hurt until now", "the pain's gone down my leg")."""
        before = words[max(0, start - UNDONE_BEFORE):start]
        after = words[end:end + UNDONE_AFTER]
        return not (self._undo_before.isdisjoint(before) and self._undo_after.isdisjoint(after))


def _digits(words: Words, numbers: dict[str, int]) -> Words:
    """words with each run of digit words as one number typed in digits: "call nine one one"
    as "call 911"."""
    out: list[str] = []
    for digits, run in groupby(words, key=lambda word: numbers.get(word, 10) < 10):
        said = list(run)
        out += ["".join(str(numbers[word]) for word in said)] if digits else said
    return tuple(out)
