"""Pain in what was heard, word by word (steps 2 and 10 of the matcher's recipe): pain words no
negation covers (typed with a slip too: "it hrts", "owch"), a cry or "my" with body parts, a call
for help, an inability before a body action, and talk of the body that does not say it is well.
The lists are in safety.yaml."""

from __future__ import annotations

import re
from collections.abc import Sequence
from itertools import groupby

from rapidfuzz.distance import Levenshtein

from voicecoach.intents import IntentSet
from voicecoach.words import Normaliser, Words, remove, split, word_set

INFLECTIONS = ("s", "es", "d", "ed", "ing", "ful", "ness", "y")
"""Endings that keep a pain word of 4+ letters a pain word ("cramping", "twinged", "soreness")."""
UNDONE_BEFORE = 5
"""Words before a negation a denial that undoes it may be: "i can't lift my leg without pain"."""
UNDONE_AFTER = 2
"""Words after a negation or a word of being well a word that undoes it may be: "it doesn't hurt
any less", "my knee was fine until now"."""
DENIAL_WORDS = 3
"""How many words before a word of body_well a denial takes it back ("isn't feeling too good")."""
ILL_AFTER = 3
"""How many words after "feel" a word of being unwell may be ("i feel really quite awful")."""
FEELERS = frozenset({"i", "i'm", "im", "me", "am"})
"""Just before "feel", these say the speaker feels it."""
REPEATS = re.compile(r"([a-z])\1+")
"""A letter typed more than once in a row: a cry drawn out ("owww", "ouchhh") is the pain word."""
SLIP_LETTERS = 4
"""Fewest letters of a pain word, and of a word typed, that a slip is looked for in (slipped)."""
SLIP_MAX_LETTERS = 30
"""Most letters of a word typed that a slip is looked for in: a line pasted without spaces is one
word."""


class PainReader:
    """Reads normalised words (Normaliser.tokens) for pain."""

    def __init__(self, intents: IntentSet, normaliser: Normaliser) -> None:
        self.intents = intents
        tokens = normaliser.tokens
        self._negations: dict[str, list[Words]] = {}
        """Negations by their first word, the longest first."""
        for negation in sorted((tokens(n) for n in intents.pain_negations), key=len,
                               reverse=True):
            self._negations.setdefault(negation[0], []).append(negation)
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
        self._feeling = word_set(intents.feeling_words)
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
        or follows the speaker (FEELERS), with no denial just before: "i feel awful", "feeling a
        bit rough", "it makes me feel strange"; not "i don't feel awful", nor "skip them if they
        feel weird"."""
        for i, token in enumerate(tokens):
            if (token in self._feeling and (i == 0 or tokens[i - 1] in FEELERS)
                    and not self._denied(tokens, i)
                    and self.intents.body_ill.intersection(tokens[i + 1 : i + 1 + ILL_AFTER])):
                return True
        return False

    def is_body_part(self, token: str) -> bool:
        """A body part, or one with "s" ("backs" is how "back's" is heard)."""
        parts = self.intents.body_parts
        return token in parts or token.removesuffix("s") in parts

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


def _digits(words: Words, numbers: dict[str, int]) -> Words:
    """words with each run of digit words as one number typed in digits: "call nine one one"
    as "call 911"."""
    out: list[str] = []
    for digits, run in groupby(words, key=lambda word: numbers.get(word, 10) < 10):
        said = list(run)
        out += ["".join(str(numbers[word]) for word in said)] if digits else said
    return tuple(out)
