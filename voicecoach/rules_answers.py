"""What the user answers to the coach's own questions: the safety statement, "any pain?" after an
exercise and "how strong was it?"; and pain said at any time, or a yes, no or rating nobody asked
for."""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

from voicecoach.progression import progress, step_back
from voicecoach.session_types import Action, Emit, Heard, Phase, Say, Silence, State

if TYPE_CHECKING:
    from voicecoach.session import Result, Session

PAIN_STOP_RATING = 4
"""A pain rating (0-10) at or above this ends the exercise for today and eases its next plan."""
UNASKED_RATING_WORDS = 3
"""Fewest words of a pain rating nobody asked for that make it pain: "a five out of ten"."""


def pain(s: Session, state: State, heard: Heard, now: float) -> Result:
    """Pain, heard anywhere: silence, advice, the facts kept, and the session ends."""
    facts: list[Action] = [Emit("pain", {"exercise": state.exercise, "text": heard.text,
                                         "rep": state.rep if s.running(state) else None})]
    if state.exercise:
        facts.append(s.plan_fact(state, state.exercise, step_back, "pain"))
    said = [Say(s._line(key)) for key in _pain_lines(s.running(state), heard)]
    state = replace(state, last_said=" ".join(a.text for a in said))
    ended, end = s.finish(state, now, "pain")
    return ended, [Silence(), *facts, *said, *end]


def _pain_lines(running: bool, heard: Heard) -> list[str]:
    """What the coach says to pain: stop the exercise (or rest, with none under way), call for
    help where that was asked for or an emergency told, and see someone if it stays."""
    emergency = heard.match is not None and heard.match.emergency
    return ["pain_stop" if running else "pain_rest", *(["pain_emergency"] if emergency else []),
            "pain_advice"]


def checkin_yes(s: Session, state: State, heard: Heard, now: float) -> Result:
    return s._say(replace(state, phase=Phase.RATING), "pain_rating_ask")


def checkin_no(s: Session, state: State, heard: Heard, now: float) -> Result:
    ex_id = state.exercise
    assert ex_id is not None
    facts: list[Action] = [Emit("exercise_done", {"exercise": ex_id, "pain": False}),
                           s.plan_fact(state, ex_id, progress, "progress")]
    state = replace(state, done=(*state.done, ex_id))
    return s._then(s._next_exercise(state, now, s._line("checkin_good")), facts)


def unrated_pain(state: State) -> list[Action]:
    """The pain of a "yes" to "any pain?" that was never rated: kept all the same, whatever
    leaves the question (a "no", a stop, another exercise)."""
    ex_id = state.exercise
    return [Emit("pain", {"exercise": ex_id, "rep": None, "text": "yes", "rating": None}),
            Emit("exercise_done", {"exercise": ex_id, "pain": True})]


def rating_refused(s: Session, state: State, heard: Heard, now: float) -> Result:
    """A "no" to "how strong was it?": the pain said a moment ago is kept, unrated."""
    assert state.exercise is not None
    state = replace(state, done=(*state.done, state.exercise))
    return s._then(s._next_exercise(state, now, s._line("pain_noted")), unrated_pain(state))


def rating_unasked(s: Session, state: State, heard: Heard, now: float) -> Result:
    """A rating nobody asked for is pain said in numbers ("it's about a five out of ten"), unless
    it is zero or a number said alone, as when counting along ("three", "four five")."""
    assert heard.match is not None
    if int(heard.match.slots["rating"]) > 0 and len(heard.text.split()) >= UNASKED_RATING_WORDS:
        return pain(s, state, heard, now)
    return state, []


def pain_rating(s: Session, state: State, heard: Heard, now: float) -> Result:
    """A spoken pain rating after an exercise: kept; a high one ends the exercise for today."""
    assert heard.match is not None and state.exercise is not None
    rating = min(10, int(heard.match.slots["rating"]))
    if rating == 0:
        return checkin_no(s, state, heard, now)
    ex_id = state.exercise
    facts: list[Action] = [Emit("pain", {"exercise": ex_id, "rep": None, "text": heard.text,
                                         "rating": rating})]
    if rating >= PAIN_STOP_RATING:
        facts.append(s.plan_fact(state, ex_id, step_back, "pain"))
        advice = f"{s._line('pain_rating_high', rating=rating)} {s.content.tips['see_therapist']}"
        return s._then(s._next_exercise(state, now, advice), facts)
    facts.append(Emit("exercise_done", {"exercise": ex_id, "pain": True}))
    state = replace(state, done=(*state.done, ex_id))
    return s._then(s._next_exercise(state, now, s._line("pain_rating_low", rating=rating)), facts)


def safety_yes(s: Session, state: State, heard: Heard, now: float) -> Result:
    state, said = s._say(state, "safety_thanks")
    state, more = s._welcome(state, now)
    return state, [Emit("acknowledged", {}), *said, *more]


def safety_no(s: Session, state: State, heard: Heard, now: float) -> Result:
    state, said = s._say(state, "safety_declined")
    ended, end = s.finish(state, now, "declined")
    return ended, said + end


def safety_again(s: Session, state: State, heard: Heard, now: float) -> Result:
    """Before the spoken yes, nothing else starts: the statement is said again."""
    return s._say(state, "safety_intro")


def yes_no_unasked(s: Session, state: State, heard: Heard, now: float) -> Result:
    return s._say(state, "answer_yes_no")
