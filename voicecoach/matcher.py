"""Text to intent: a pure, fuzzy match of what was heard against the example sentences.

The recipe, in order:

1. normalise (words.py): one Unicode form (NFKC, no format characters such as a zero-width space,
   digits of any script as 0-9), lower case, words only, a stutter said once ("p p pause", "my my
   back" -> "pause", "my back"), number words to digits ("twenty five" -> "25"), fillers ("please",
   "um", "okay coach") removed; then "me" before a body part as "my" ("me back's playing up"), and
   "not" with the number or exercise after it dropped where another is said ("five seconds not ten",
   "not the bridge the clamshell"), and so are a refusal and the exercises it refuses ("skip the
   bridge and do the clamshell"; not "skip the bridge and the clamshell");
2. pain first (pain.py reads the words): any pain word, or typed slip of one ("it hrts"), that is
   not part of a negation ("no pain", "doesn't hurt") is ``report_pain`` at once, whatever else was
   said ("stop, it hurts"; a negation that a denial before it or a word of change after it undoes is
   none: "i can't move without pain", "the pain's gone down my leg"), and so is a cry or "my" with
   nothing but body parts ("ah my neck"), a call for help said word for word (``help_calls`` in
   safety.yaml: "help help") and an inability just before a body action (``inabilities`` and
   ``body_actions``: "i can't straighten up"); failing that, a pain example sentence scoring at
   least ``PAIN_CUTOFF`` against the whole utterance, or ``PAIN_SPAN_CUTOFF`` against a run of as
   many of its words ("i think i tweaked something when i came up"), unless the utterance is word
   for word an example sentence of another intent ("my back is fine" is not "my back is sore") or, a
   part of one, opens one ("i can't" of "i can't hear you"); an utterance that says nothing but
   where a body part is and how it lies ("my back is flat": no loose likeness to "i strained my
   back" nor "my back felt fine"), or is word for word an answer neither yes nor no (``uncertain``
   in answers.yaml: "i'm not sure"), is no intent;
3. a correction ("no wait", "i mean": ``corrections`` in lists.yaml; naming.py finds it, as it finds
   the exercises named and refused) gives what follows it the last word: in place of the last
   exercise or number said before it, if it opens with one ("start the bridge no wait the
   clamshell", "do ten reps make that twelve"), else as the whole command ("stop for a sec no i mean
   pause"), whenever that is understood (the whole being no pain); a "no" between two numbers is a
   correction too ("twelve no fourteen");
4. slots (naming.py finds the exercise, likeness.py the number): the longest exercise alias
   found exactly, else the closest one scoring at least ``ALIAS_CUTOFF``; each number in turn,
   keeping the one that fits best ("hold each one for five seconds" holds for 5, "seven out of
   ten" rates 7), but no "one" after ``one_after`` ("hold this one for ten seconds" holds for 10,
   "can we do this one slower" sets no reps); a question about an exercise (``QUESTIONS``) that
   names one is about it, whatever its sentence;
5. every example sentence is scored against the utterance with its slots replaced by
   placeholders (likeness.py: the likeness of its letters and of its words; a word the coach does
   not know earns nothing, except against pain sentences, which stay permissive); where the
   utterance has no denial (``body_denials``, ``command_denials``), no sentence of a command or
   an answer with one counts ("we can carry on" is no "i can't carry on");
6. the best sentence wins if it scores at least ``CUTOFF`` (``SHORT_CUTOFF`` for utterances of
   one short word: "no" is not "now") and beats the best sentence of any other intent by
   ``MARGIN``. Ties between sentences of one intent do not matter; ties between intents reject;
   so does a command or a yes (``COUNTERMANDED``) with a denial its sentence lacks ("don't skip
   this one", "not sure"), and then no part of the utterance is tried, and so does one that
   names no exercise and has a word the recognizers do not listen for just after a pointer
   (``pointers`` in lists.yaml: "what does this button do", "how many eggs are left", "skip this
   song"), unless it is a stop or a pause ("stop this nonsense");
7. failing that, an utterance that opens with a short answer ("okay i'm back", "no keep going")
   is matched again without it, and the command found counts if it scores ``LEAD_IN_CUTOFF``;
   whichever step finds a resume, an utterance that opens with a word of plain assent
   (``affirmations`` in answers.yaml) is a yes to the coach's question: "yeah go on";
8. failing that, the longest ending of the utterance, of ``TAIL_WORDS`` to ``TAIL_MAX_WORDS``
   words and more than the exercise's name, that matches on its own scoring at least
   ``TAIL_CUTOFF``: a command after a remark ("okay i'm lying down now let's start with the
   bridges"). Openings are not tried: what follows a command usually changes it ("let's go
   shopping", "i'm done with the laundry");
9. failing that, in a whole utterance (not a partial result), the longest opening of
   ``QUESTION_WORDS`` to ``QUESTION_MAX_WORDS`` words that is a question about an exercise
   (``QUESTIONS``) scoring at least ``TAIL_CUTOFF``: what follows a question is a remark about
   it, and a wrong answer loses nothing; where a refusal comes just before an exercise's name
   (``refusals`` in lists.yaml: "let's skip the clamshells", "i can't do the bridge"; before a
   plural, ``plural_refusals``: "no bridges"), a start of it is a skip of it (``next`` with the
   exercise), in 6 (the start's score counts as the skip's, and a denial inside the refusal
   denies nothing: "let's not do the bridge") as in 7 to 9; and an utterance that ends on the
   exercise a refusal refuses, with at most one word before the refusal, skips it whatever its
   likeness to a sentence ("i cannot do the clamshell");
10. last, in a whole utterance that denies no pain and was not understood, or was understood as
   an answer or a control (``BODY_OUTRANKS``): "my" and a body part, unless a word after the
   part says it is well (and no denial takes it back) or where it is, or the utterance asks
   where it goes, or a stretch comes before a part that ends the talk (the body lists of
   ``safety.yaml``), is pain ("my lower back feels a bit funny", "stop stop my knee", "my back's
   not okay"; not "my hips are stacked", "where do my hands go", "i can feel the stretch in my
   hamstrings"), and so is feeling or being well denied ("i'm not feeling great", "i'm not
   okay"; not "i'm not good at this") or hedged away (``well_hedges``: "i'm far from okay").

A line of more than ``LINE_WORDS`` words, most likely pasted, is read whole for pain by the rules
of steps 2 and 10 and a run of words like a pain sentence, and otherwise matched in its last
``LINE_WORDS`` words only.
"""

from __future__ import annotations

from dataclasses import replace
from itertools import pairwise

import numpy as np
from rapidfuzz import fuzz, process

from voicecoach.decision import Match, decide, question, refusal_only, tail
from voicecoach.intents import IntentSet
from voicecoach.likeness import Likeness, Reading, Scores
from voicecoach.matcher_settings import (
    BODY_OUTRANKS,
    COUNTERMANDED,
    LEAD_IN_CUTOFF,
    LEAD_INS,
    LINE_WORDS,
    MEMO_SIZE,
    PAIN_CUTOFF,
    PAIN_SPAN_CUTOFF,
    URGENT,
    URGENT_CUTOFF,
)
from voicecoach.naming import Naming
from voicecoach.pain import PainReader
from voicecoach.words import Normaliser, split, word_set


class Matcher:
    def __init__(self, intents: IntentSet) -> None:
        self.intents = intents
        self._norm = Normaliser(intents)
        self.pain = PainReader(intents, self._norm)
        """Pain in what was heard, word by word."""
        self._listened = {t for w in self._norm.heard for t in self._norm.tokens(w)}
        """The words the recognizers listen for, as the matcher reads them."""
        self._wanting = word_set(intents.denial_asides)
        self._uncertain = {" ".join(self._norm.tokens(u)) for u in intents.uncertain}
        self.naming = Naming(intents, self._norm)
        """Exercises named, refused and corrected in what was heard."""
        self.likeness = Likeness(intents, self._norm, self.naming, self.pain)
        """The example sentences, scored against what was heard."""
        templates = self.likeness.templates
        self._openings = {tuple(t.text.split()[:n]) for t in templates
                          if t.intent != "report_pain" for n in range(1, len(t.text.split()))}
        """Every opening of a sentence of another intent than pain: a part of an utterance that
        is one may yet be that sentence ("i can't" of "i can't hear you")."""
        self._pain_sentences: dict[int, list[str]] = {}
        """The pain sentences of more than one word, by how many words they have."""
        for t in templates:
            if t.intent == "report_pain" and len(t.text.split()) > 1:
                self._pain_sentences.setdefault(len(t.text.split()), []).append(t.text)
        self._memo: dict[tuple[str, bool], Match | None] = {}
        """What each utterance recently matched meant: a recognizer gives the same partial result
        over and over while a word is being heard."""
        self._lead_ins = sorted({self._norm.tokens(s) for name, words in LEAD_INS.items()
                                 for s in intents.intents[name].sentences
                                 if 0 < len(self._norm.tokens(s)) <= words}, key=len, reverse=True)

    def match(self, text: str, whole: bool = True) -> Match | None:
        """The intent of one utterance, or None when it is not for the coach. A part of one
        (``whole`` false) is no pain by body parts alone ("my back" may go on "is fine"), nor by
        likeness to a pain sentence when it opens a sentence of another intent ("i can't" may go
        on "hear you")."""
        key = (text, whole)
        if key not in self._memo:
            if len(self._memo) >= MEMO_SIZE:
                self._memo.clear()
            self._memo[key] = self._marked(text, self._match(text, whole))
        return self._memo[key]

    def _marked(self, text: str, found: Match | None) -> Match | None:
        """found, marked as an emergency where it is pain with a call for help in it."""
        if (found and found.intent == "report_pain"
                and self.pain.called_for_help(self._norm.unfilled(split(text)))):
            return replace(found, emergency=True)
        return found

    def _match(self, text: str, whole: bool) -> Match | None:
        words = self._norm.tokens(text)
        if len(words) > LINE_WORDS:
            return self._long(text, words, whole)
        tokens = self._mine(self.naming.unrefused(self.naming.unmeant(words)))
        if not tokens:
            return None
        if self._pain_said(text, tokens, whole):
            return Match("report_pain")
        if " ".join(tokens) in self._uncertain or self.pain.form_only(tokens):
            return None
        heard, scores = self.likeness.best_reading(tokens)
        pain = scores.pop("report_pain", (0.0, None))[0]
        if pain < PAIN_CUTOFF:
            pain = self._pain_span(tokens)
        exact = max((score for score, _ in scores.values()), default=0.0) >= 100.0
        if (pain and not exact and not self.pain.negated(tokens)
                and (whole or tokens not in self._openings)):
            return Match("report_pain", score=round(pain, 1))
        corrected = self.naming.corrected(tokens)
        found = self.match(" ".join(corrected), whole) if corrected else None
        if found:
            return found
        found = self._command(tokens, heard, scores, whole)
        if (whole and (not found or found.intent in BODY_OUTRANKS) and not self.pain.negated(tokens)
                and (self.pain.body_talk(tokens) or self.pain.unwell(tokens))):
            return Match("report_pain")
        return found

    def _long(self, text: str, words: tuple[str, ...], whole: bool) -> Match | None:
        """A line of more than LINE_WORDS words: pain anywhere in it, said in words (rule 2) or,
        where no negation of pain holds, in a run of words like a pain sentence or, in a whole
        utterance, in talk of the body (rule 10); else what its last LINE_WORDS words mean."""
        tokens = self._mine(words)
        if self._pain_said(text, tokens, whole) or (not self.pain.negated(tokens) and (
                self._pain_span(tokens)
                or (whole and (self.pain.body_talk(tokens) or self.pain.unwell(tokens))))):
            return Match("report_pain")
        return self.match(" ".join(words[-LINE_WORDS:]), whole)

    def _pain_said(self, text: str, tokens: tuple[str, ...], whole: bool) -> bool:
        """A pain word no negation covers, an inability before a body action, a cry with body
        parts (in a whole utterance) or a call for help (rule 2)."""
        return (self.pain.has_pain_word(tokens) or self.pain.unable(tokens)
                or (whole and self.pain.cried_out(tokens))
                or self.pain.called_for_help(self._norm.unfilled(split(text))))

    def _command(self, tokens: tuple[str, ...], heard: Reading,
                 scores: Scores, whole: bool) -> Match | None:
        """The command understood, whole or in part, unless denied; the start of an exercise
        refused is a skip of it."""
        refusal = self.naming.refused(tokens)
        refused, words = (refusal.exercise, refusal.words) if refusal else (None, ())
        if refused and "start_exercise" in scores:
            start = scores.pop("start_exercise")
            scores["next"] = max(scores.get("next", start), start, key=lambda score: score[0])
        found = decide(heard, scores)
        if (found and self.pain.denials.isdisjoint(words)
                and self._countermanded(heard, found, scores)):
            return None
        found = (found or self._led_in(tokens) or tail(self.likeness, self.pain.denials, tokens)
                 or (question(self.likeness, self.naming, tokens) if whole else None)
                 or refusal_only(refusal))
        if found and found.intent not in URGENT and self._points_elsewhere(heard):
            return None
        if found and found.intent == "start_exercise" and refused:
            return Match("next", {"exercise": refused}, found.score)
        if found and found.intent == "resume" and tokens[0] in self.intents.affirmations:
            return Match("yes", score=found.score)
        return found

    def _countermanded(self, heard: Reading, found: Match,
                       scores: Scores) -> bool:
        """A command whose sentence has no denial, said with a denial just before one of its
        words: "don't skip this one", "don't do twelve reps" (rule 6)."""
        template = scores[found.intent][1]
        sentence = template.text.split()
        if found.intent not in COUNTERMANDED or self.pain.denials.intersection(sentence):
            return False
        form = heard.form((template.exercise, template.number is not None, False)) or ""
        words = [w for w in form.split() if w not in self._wanting]
        return any(word in self.pain.denials and after in sentence
                   for word, after in pairwise(words))

    def _points_elsewhere(self, heard: Reading) -> bool:
        """A word the recognizers do not listen for (though it may be a near spelling of one they
        do: "song", "word") just after a pointer, where no exercise is named: "what does this
        button do", "skip this song"; not "stop this nonsense" (rule 6)."""
        return heard.exercise is None and any(
            before in self.intents.pointers and after not in self._listened
            for before, after in pairwise(heard.tokens))

    def _mine(self, tokens: tuple[str, ...]) -> tuple[str, ...]:
        """"me" as "my" just before a body part, where it opens the utterance or follows what
        was done to it: "me back's playing up", "i've done me back in"; not "call me back"."""
        return tuple("my" if token == "me" and self.pain.is_body_part(after)
                     and (not before or before == "done" or before.endswith("ed")) else token
                     for before, token, after
                     in zip(("", *tokens), tokens, (*tokens[1:], ""), strict=False))

    def urgent(self, partial: str) -> Match | None:
        """Pain, stop or pause in a partial result, sure enough to act on before the end."""
        found = self.match(partial, whole=False)
        if found and (found.intent == "report_pain"
                      or (found.intent in URGENT and found.score >= URGENT_CUTOFF)):
            return found
        return None

    def words(self, text: str) -> tuple[str, ...]:
        """text as the matcher compares it: lower-case words, numbers as digits, no fillers."""
        return self._norm.tokens(text)

    def _pain_span(self, tokens: tuple[str, ...]) -> float:
        """The best score of a pain sentence against a run of as many words of a longer
        utterance, if at least PAIN_SPAN_CUTOFF, else 0."""
        best = 0.0
        for n, sentences in self._pain_sentences.items():
            if n < len(tokens):
                runs = [" ".join(tokens[start : start + n]) for start in range(len(tokens) - n + 1)]
                scores = process.cdist(runs, sentences, scorer=fuzz.ratio, dtype=np.float64,
                                       score_cutoff=PAIN_SPAN_CUTOFF)
                best = max(best, float(scores.max()))
        return best

    def _led_in(self, tokens: tuple[str, ...]) -> Match | None:
        """The command after a leading short answer ("okay i'm back"), if sure enough. Pain
        was looked for in the whole: what follows "no pain" is no pain report."""
        for lead_in in self._lead_ins:
            if len(lead_in) < len(tokens) and tokens[: len(lead_in)] == lead_in:
                found = self.match(" ".join(tokens[len(lead_in) :]))
                return (found if found and found.score >= LEAD_IN_CUTOFF
                        and found.intent != "report_pain" else None)
        return None
