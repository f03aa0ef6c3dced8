"""An exercise under way, as the clock moves it: the timed phases of a rep (move, hold, return),
the switch to the other side, and the rest between sets with its countdown; no I/O.

``Reps`` is the base of ``Session`` (session.py), and its ways to say a line are the session's.
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

from voicecoach.content import Content, Exercise
from voicecoach.rules import SWITCH_SECONDS
from voicecoach.session_types import (
    TIMED,
    Action,
    Context,
    Emit,
    Phase,
    Plan,
    Say,
    State,
    speech_seconds,
)

if TYPE_CHECKING:
    from voicecoach.session import Result

COUNTDOWN = 3
"""The last seconds of a rest are counted down aloud."""
CATCH_UP_SECONDS = 0.5
"""A step this late or less is timed from its deadline, so that lateness never adds up;
a later one (the machine stalled) from the moment it happens, so nothing is rushed through."""


class Reps:
    """The timed steps of a session over one catalogue and what is known of the user."""

    def __init__(self, content: Content, context: Context) -> None:
        self.content = content
        self.context = context

    # -- speech -----------------------------------------------------------------------------

    def _line(self, key: str, **fields: object) -> str:
        return self.content.say(key, **fields)

    def _say(self, state: State, key: str, **fields: object) -> Result:
        return self._utter(state, self._line(key, **fields))

    @staticmethod
    def _utter(state: State, text: str) -> Result:
        """Say text and keep it for "say that again"."""
        return replace(state, last_said=text), [Say(text)]

    @staticmethod
    def _then(result: Result, before: list[Action]) -> Result:
        return result[0], before + result[1]

    def _plan(self, state: State, ex: Exercise) -> Plan:
        default = Plan(ex.reps, ex.sets, ex.hold_seconds)
        plan = state.plans.get(ex.id) or default
        return replace(plan, hold=plan.hold if ex.hold_seconds else 0)

    def _ex(self, state: State) -> Exercise:
        assert state.exercise is not None
        return self.content.exercises[state.exercise]

    # -- a rep, a side, a set ---------------------------------------------------------------

    def _move(self, state: State, now: float, wait: float = 0.0, queued: str = "") -> Result:
        """Start the current rep: the movement cue, then the move phase, which lasts at least
        until the cue (and the queued line before it) has been said, so the hold is counted on
        time."""
        ex = self._ex(state)
        cue = ex.move_cues.get(state.side or "") or next(iter(ex.move_cues.values()))
        deadline = now + wait + move_seconds(ex, state.tempo, f"{queued} {cue}")
        return self._utter(replace(state, phase=Phase.MOVE, count=0, deadline=deadline), cue)

    def _hold_or_return(self, state: State, now: float) -> Result:
        plan = self._plan(state, self._ex(state))
        if plan.hold:
            return self._say(replace(state, phase=Phase.HOLD, count=0, deadline=now + 1), "hold")
        return self._return(state, now)

    def _count(self, state: State, now: float) -> Result:
        if state.count >= self._plan(state, self._ex(state)).hold:  # made shorter while held
            return self._return(state, now)
        count = state.count + 1
        assert state.deadline is not None
        fact = Emit("hold", {"exercise": state.exercise, "rep": state.rep, "side": state.side,
                             "count": count, "deadline": round(state.deadline, 3)})
        actions: list[Action] = [fact, Say(str(count), count=True)]
        state = replace(state, count=count, deadline=now + 1)
        if count >= self._plan(state, self._ex(state)).hold:
            state, more = self._return(state, now)
            actions += more
        return state, actions

    def _return(self, state: State, now: float) -> Result:
        ex = self._ex(state)
        deadline = now + ex.return_seconds * state.tempo
        return self._utter(replace(state, phase=Phase.RETURN, deadline=deadline), ex.return_cue)

    def _rep_done(self, state: State, now: float) -> Result:
        ex = self._ex(state)
        fact = Emit("rep", {"exercise": ex.id, "set": state.set, "rep": state.rep,
                            "side": state.side})
        text = self._line("rep_count", rep=state.rep, reps=state.goal)
        state = replace(state, reps_done=state.reps_done + 1)
        if ex.sides == "alternating" and state.side == "right":  # counted once the left is done
            return self._then(self._move(replace(state, side="left"), now), [fact])
        said: list[Action] = [fact, Say(text, count=True)]
        if ex.sides == "alternating":
            state = replace(state, side="right")
        if state.rep < state.goal:
            return self._then(self._move(replace(state, rep=state.rep + 1), now, queued=text),
                              said)
        return self._then(self.side_done(state, now), said)

    def side_done(self, state: State, now: float) -> Result:
        """The reps of this side are done (state.rep of them): a one-sided exercise's first side
        turns to the other, which does as many; else the set is done."""
        if self._ex(state).sides == "one_sided" and state.side == "right":
            return self.switch(replace(state, goal=state.rep), now)
        return self._set_done(state, now)

    def switch(self, state: State, now: float) -> Result:
        """To the other side of a one-sided exercise, from its first rep, after time to turn."""
        state, said = self._say(replace(state, phase=Phase.SWITCH, side="left", rep=1, count=0),
                                "switch_sides")
        wait = speech_seconds(state.last_said) + SWITCH_SECONDS
        return replace(state, deadline=now + wait), said

    def _set_done(self, state: State, now: float) -> Result:
        """The set is done, with the reps of its last side (state.rep): a rest, or the check-in
        after the last set."""
        ex, plan = self._ex(state), self._plan(state, self._ex(state))
        fact = Emit("set_done", {"exercise": ex.id, "set": state.set, "reps": state.rep,
                                 "hold": plan.hold, "tempo": state.tempo})
        if state.set < plan.sets:
            side = "right" if ex.sides != "none" else None
            state, said = self._say(replace(state, phase=Phase.REST, side=side, rep=1,
                                            goal=plan.reps, count=0),
                                    "rest", seconds=ex.rest_seconds)
            rest = max(ex.rest_seconds - COUNTDOWN, speech_seconds(state.last_said))
            return replace(state, deadline=now + rest), [fact, *said]
        state, said = self._say(replace(state, phase=Phase.CHECKIN, deadline=None), "any_pain",
                                name=ex.name)
        return state, [fact, *said]

    def _rest_tick(self, state: State, now: float) -> Result:
        if state.count < COUNTDOWN:
            assert state.deadline is not None
            left = COUNTDOWN - state.count
            fact = Emit("countdown", {"exercise": state.exercise, "count": left,
                                      "deadline": round(state.deadline, 3)})
            return (replace(state, count=state.count + 1, deadline=state.deadline + 1),
                    [fact, Say(str(left), count=True)])
        state = replace(state, set=state.set + 1)
        plan = self._plan(state, self._ex(state))
        state, said = self._say(state, "next_set", set=state.set, sets=plan.sets)
        return self._then(self._move(state, now, speech_seconds(state.last_said)), said)

    @staticmethod
    def rest_again(state: State, now: float, wait: float) -> State:
        """A paused rest resumed: it goes on with the time it had left, its countdown said in
        full once the wait (the line that resumes it) is over."""
        left = state.paused_left + COUNTDOWN - state.count  # seconds to the next set
        return replace(state, phase=Phase.REST, count=0, deadline=now + max(left - COUNTDOWN, wait))

    # -- time -------------------------------------------------------------------------------

    def _tick(self, state: State, now: float) -> Result:
        if state.phase not in TIMED or state.deadline is None or now < state.deadline:
            return state, []
        on_time = {
            Phase.BRIEFING: self._move, Phase.ANSWER: self._move, Phase.SWITCH: self._move,
            Phase.MOVE: self._hold_or_return, Phase.HOLD: self._count,
            Phase.RETURN: self._rep_done, Phase.REST: self._rest_tick,
        }[state.phase]
        late = now - state.deadline
        return on_time(state, state.deadline if late < CATCH_UP_SECONDS else now)

    def next_deadline(self, state: State) -> float | None:
        """When the next timed step is due, if any."""
        return state.deadline if state.phase in TIMED else None


def move_seconds(ex: Exercise, tempo: float, said: str) -> float:
    """A move lasts its seconds at the tempo, and at least as long as saying what is said over it
    (the rep count and the cue), so the hold that follows is counted on time."""
    return max(ex.move_seconds * tempo, speech_seconds(said))
