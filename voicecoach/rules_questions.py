"""The user's questions, answered without losing the place: help, say that again, what an exercise
works and how it is done, the exercises there are, where the workout is, and the progress so far."""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

from voicecoach.content import Exercise
from voicecoach.session_types import (
    REP_PHASES,
    TIMED,
    Action,
    Heard,
    Phase,
    Say,
    Silence,
    State,
    speech_seconds,
)

if TYPE_CHECKING:
    from voicecoach.rules import Handler
    from voicecoach.session import Result, Session


def repeat(s: Session, state: State, heard: Heard, now: float) -> Result:
    if not state.last_said:
        return s._say(state, "nothing_to_repeat")
    return answer(s, state, state.last_said, now)


def answer(s: Session, state: State, text: str, now: float) -> Result:
    """Say text without losing the place: a rep under way starts again after it, and a question
    about pain is asked again."""
    text += _asked_again(s, state)
    said: list[Action] = [Say(text)]
    state = replace(state, last_said=text)
    wait = now + speech_seconds(text)
    if state.phase in REP_PHASES:
        return replace(state, phase=Phase.ANSWER, count=0, deadline=wait), [Silence(), *said]
    if state.phase in TIMED and state.deadline is not None:
        return replace(state, deadline=max(state.deadline, wait)), said
    return state, said


def _asked_again(s: Session, state: State) -> str:
    """The question about pain the coach is waiting on, to follow an answer: it is not lost."""
    if state.phase is Phase.CHECKIN:
        return " " + s._line("any_pain", name=s._ex(state).name)
    if state.phase is Phase.RATING:
        return " " + s._line("pain_rating_ask")
    return ""


def say_key(key: str) -> Handler:
    def handler(s: Session, state: State, heard: Heard, now: float) -> Result:
        return answer(s, state, s._line(key), now)
    return handler


def benefits(s: Session, state: State, heard: Heard, now: float) -> Result:
    ex = _asked_about(s, state, heard)
    if ex is None:
        return answer(s, state, s._line("which_exercise"), now)
    text = s._line("answer_benefits", name=ex.name, muscles=ex.strengthens, benefit=ex.benefit)
    return answer(s, state, text, now)


def instructions(s: Session, state: State, heard: Heard, now: float) -> Result:
    ex = _asked_about(s, state, heard)
    if ex is None:
        return answer(s, state, s._line("which_exercise"), now)
    steps = " ".join((ex.position, *ex.steps))
    return answer(s, state, s._line("answer_instructions", name=ex.name, steps=steps), now)


def _asked_about(s: Session, state: State, heard: Heard) -> Exercise | None:
    """The exercise a question names, else the one under way ("what does this one work")."""
    assert heard.match is not None
    named = heard.match.slots.get("exercise", state.exercise)
    return s.content.exercises[str(named)] if named else None


def list_exercises(s: Session, state: State, heard: Heard, now: float) -> Result:
    names = [f"the {ex.name}" for ex in s.content.exercises.values()]
    joined = ", ".join(names[:-1]) + ", and " + names[-1]
    return answer(s, state, s._line("list_exercises", names=joined), now)


def status(s: Session, state: State, heard: Heard, now: float) -> Result:
    if not s.running(state):
        return answer(s, state, s._line("status_idle"), now)
    ex = s._ex(state)
    plan = s._plan(state, ex)
    text = s._line("status_exercise", name=ex.name, set=state.set, sets=plan.sets,
                   rep=state.rep, reps=state.goal)
    if state.side:
        text += " " + s._line("status_side", side=s._line(f"side_{state.side}"))
    return answer(s, state, text, now)


def progress(s: Session, state: State, heard: Heard, now: float) -> Result:
    """The last seven days as the history had them when the session began, and this session's
    reps so far."""
    days, minutes = s.context.week
    if days:
        text = s._line("progress", days=days, minutes=minutes)
    else:
        text = s._line("progress_first" if state.reps_done else "progress_none")
    if state.reps_done:
        text += " " + s._line("progress_session", reps=state.reps_done,
                              minutes=max(1, round(s.worked(state, now) / 60)))
    return answer(s, state, text, now)
