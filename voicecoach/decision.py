"""Which intent the scores of the example sentences decide for (rule 6 of matcher.py's recipe),
and the parts of an utterance not understood whole that are decided so: its ending (rule 8) and
its opening question about an exercise (rule 9); and a refusal alone that is a skip (rule 9).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from voicecoach.likeness import Likeness, Reading, Scores
from voicecoach.matcher_settings import (
    CUTOFF,
    MARGIN,
    QUESTION_MAX_WORDS,
    QUESTION_WORDS,
    QUESTIONS,
    SHORT_CHARS,
    SHORT_CUTOFF,
    TAIL_CUTOFF,
    TAIL_MAX_WORDS,
    TAIL_WORDS,
)
from voicecoach.naming import Naming, Refusal


@dataclass(frozen=True)
class Match:
    intent: str
    slots: dict[str, str | int] = field(default_factory=dict)
    score: float = 100.0
    """Similarity 0-100 of the best example sentence."""
    emergency: bool = False
    """Pain that is a call for help or a sign of an emergency (``help_calls`` in safety.yaml)."""


def decide(heard: Reading, scores: Scores) -> Match | None:
    """The intent of the best sentence, with its slots, if it scores at least CUTOFF
    (SHORT_CUTOFF for a short utterance) and leads every other intent by MARGIN (rule 6)."""
    ranked = sorted(scores.items(), key=lambda item: item[1][0], reverse=True)
    if not ranked:
        return None
    intent, (best, template) = ranked[0]
    runner_up = ranked[1][1][0] if len(ranked) > 1 else 0.0
    short = len(" ".join(heard.tokens)) <= SHORT_CHARS
    if best < (SHORT_CUTOFF if short else CUTOFF) or best - runner_up < MARGIN:
        return None
    slots: dict[str, str | int] = {}
    if heard.exercise and (template.exercise or intent in QUESTIONS):
        slots["exercise"] = heard.exercise[0]
    if template.number and heard.number is not None:
        slots[template.number] = heard.number
    return Match(intent, slots, round(best, 1))


def refusal_only(refusal: Refusal | None) -> Match | None:
    """A skip of the exercise an utterance refuses and ends on, where at most one word (who
    refuses) comes before the refusal: "i cannot do the clamshell"; not "he can't do a bird dog
    without wobbling" (rule 9)."""
    if refusal and refusal.last and refusal.lead <= 1:
        return Match("next", {"exercise": refusal.exercise}, CUTOFF)
    return None


def tail(likeness: Likeness, denials: frozenset[str], tokens: tuple[str, ...]) -> Match | None:
    """The command that ends the utterance (rule 8), if sure enough and not denied: "i'm
    not sure i'm ready" is no "sure i'm ready"."""
    for start in range(max(1, len(tokens) - TAIL_MAX_WORDS), len(tokens) - TAIL_WORDS + 1):
        if tokens[start - 1] in denials:
            continue
        heard, scores = likeness.best_reading(tokens[start:])
        scores.pop("report_pain", None)
        found = decide(heard, scores)
        slot = heard.exercise[2] - heard.exercise[1] if heard.exercise else 0
        if found and found.score >= TAIL_CUTOFF and len(tokens) - start > slot:
            return found
    return None


def question(likeness: Likeness, naming: Naming, tokens: tuple[str, ...]) -> Match | None:
    """The question about an exercise that opens the utterance (rule 9), if sure enough."""
    exercise = naming.find_exercise(tokens)
    if exercise is None:
        return None
    shortest = max(QUESTION_WORDS, exercise[2])
    for end in range(min(len(tokens) - 1, QUESTION_MAX_WORDS), shortest - 1, -1):
        heard, scores = likeness.best_reading(tokens[:end])
        found = decide(heard, {k: v for k, v in scores.items() if k in QUESTIONS})
        if found and found.score >= TAIL_CUTOFF:
            return found
    return None
