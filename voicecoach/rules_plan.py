"""How fast and how much, by voice: a slower or faster tempo, and the reps or the hold of the
exercise under way, or of every exercise when idle."""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

from voicecoach.session_types import Action, Heard, Plan, Silence, State

if TYPE_CHECKING:
    from voicecoach.rules import Handler
    from voicecoach.session import Result, Session

TEMPO_STEP = 1.25
TEMPO_RANGE = (0.6, 2.0)
"""Movement phases last their catalogue time times the tempo, kept within this range."""
REPS_RANGE = (1, 30)
HOLD_RANGE = (1, 30)


def change_tempo(factor: float, key: str) -> Handler:
    def handler(s: Session, state: State, heard: Heard, now: float) -> Result:
        low, high = TEMPO_RANGE
        tempo = round(min(high, max(low, state.tempo * factor)), 3)
        if tempo == state.tempo:
            return s._say(state, "tempo_limit")
        return s._say(replace(state, tempo=tempo), key)
    return handler


def set_plan(s: Session, state: State, heard: Heard, now: float) -> Result:
    """Set reps or hold for the exercise under way, kept for next time; or, when idle, for every
    exercise of this session, each kept only as the plan it is done with grows or eases."""
    assert heard.match is not None
    slot, value = next(iter(heard.match.slots.items()))
    low, high = REPS_RANGE if slot == "count" else HOLD_RANGE
    value = min(high, max(low, int(value)))
    targets = [state.exercise] if state.exercise else list(s.content.exercises)
    holds = [s.content.exercises[t] for t in targets if s.content.exercises[t].hold_seconds]
    if slot == "seconds" and not holds:
        return s._say(state, "no_hold", name=s._ex(state).name)
    plans = dict(state.plans)
    for ex_id in targets:
        plan = s._plan(state, s.content.exercises[ex_id])
        plans[ex_id] = replace(plan, reps=value) if slot == "count" else replace(plan, hold=value)
    state = replace(state, plans=plans)
    facts: list[Action] = ([s.plan_fact(state, state.exercise, _same, "chosen")]
                           if state.exercise else [])  # idle: for this session's exercises
    if slot == "seconds":
        return s._then(s._say(state, "hold_set", seconds=value), facts)
    if s.running(state):
        return s._then(_new_goal(s, state, value, now), facts)
    return s._then(s._say(state, "reps_set", count=value), facts)


def _new_goal(s: Session, state: State, reps: int, now: float) -> Result:
    """A new rep count in the set under way: above the reps done on this side, the set goes on
    to it; else this side (a one-sided exercise's first side: the other does as many), or the
    set, is done now, with the reps done."""
    done = state.rep - 1  # the rep under way is not done
    said = s._line("reps_set", count=reps)
    if reps > done:
        return s._utter(replace(state, goal=reps), said)
    turn = s._ex(state).sides == "one_sided" and state.side == "right"
    more = s._line("reps_side_done", reps=done) if turn else s._line("reps_set_done")
    state, spoken = s._utter(state, f"{said} {more}")
    return s._then(s.side_done(replace(state, rep=done), now), [Silence(), *spoken])


def _same(plan: Plan, beginner: Plan) -> Plan:
    return plan
