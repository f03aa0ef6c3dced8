"""The session: a pure state machine. (state, event, now) -> (new state, actions); no I/O.

Phases and what moves them (``*`` is any phase):

    SAFETY   --yes--> IDLE (or the exercise asked for)      SAFETY --no--> ENDED
    IDLE     --start_exercise / start_routine--> BRIEFING
    BRIEFING --time--> MOVE --time--> HOLD (if the exercise holds) --time--> RETURN --time--> MOVE
    RETURN   --time, one side done--> SWITCH --time--> MOVE
    a rep of a one-sided exercise's first side, or its pause --switch_sides--> SWITCH
    RETURN   --time, set done--> REST --time--> MOVE;  after the last set --> CHECKIN
    CHECKIN  --no--> IDLE, or BRIEFING of the routine's next exercise;  --yes--> as pain
    ANSWER   --time--> MOVE: a question asked mid-rep is answered, then that rep starts again
    timed    --pause--> PAUSED --resume--> the same phase afresh: a rep from its move cue (a
             hold restarts cleanly); a rest goes on with the time it had left
    timed    --the microphone stops--> PAUSED, saying why
    a rep    --set_reps at or below the reps done--> the side, or the set, done now
    *        --stop--> ENDED;   * --report_pain--> ENDED, speech silenced first
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

from voicecoach.content import Exercise
from voicecoach.reps import Reps, move_seconds
from voicecoach.rules import GET_READY_SECONDS, RULES, goodbye, pause
from voicecoach.rules_answers import unrated_pain
from voicecoach.session_types import (
    TIMED,
    WORKING,
    Action,
    Emit,
    Event,
    Heard,
    InputEnded,
    MicLost,
    Phase,
    Plan,
    Say,
    State,
    speech_seconds,
)

ROUTINE_MINUTES = 30.0
"""Plans grow only while the whole routine stays within this: the source's 30 minutes a day."""
HINT_GAP = 30.0
"""Seconds between two "say help" hints, so that noise does not make the coach nag."""
AGAIN = {Phase.SAFETY: "safety_intro", Phase.CHECKIN: "not_understood_answer",
         Phase.OFFER: "not_understood_answer", Phase.RATING: "not_understood_rating",
         **{phase: "not_understood_working" for phase in WORKING}}
"""What the coach says, in place of the hint, to an answer it did not understand; during an
exercise, how to stop, as a report of pain may be what it did not understand."""
ANSWERS = (Phase.CHECKIN, Phase.OFFER, Phase.RATING)
"""Where the coach waits on a short answer: one word it did not understand gets AGAIN too
(elsewhere a word alone, as noise makes, gets nothing; at the safety statement it would be read
again whole)."""

Result = tuple[State, list[Action]]


class Session(Reps):
    """The rules of a session over one catalogue and what is known of the user."""

    def begin(self, now: float) -> Result:
        state = State(Phase.IDLE, at=now, plans=dict(self.context.plans),
                      left_out=self.context.left_out)
        if not self.context.acknowledged:
            return self._say(replace(state, phase=Phase.SAFETY), "safety_intro")
        return self._welcome(state, now)

    def step(self, state: State, event: Event, now: float) -> Result:
        if state.phase is Phase.ENDED:
            return state, []
        state = replace(state, worked=self.worked(state, now), at=now)
        if isinstance(event, Heard):
            new, actions = self._heard(state, event, now)
        elif isinstance(event, MicLost):
            new, actions = self._mic_lost(state, now)
        elif isinstance(event, InputEnded):
            new, actions = goodbye(self, state, now, "end")
        else:
            new, actions = self._tick(state, now)
        if (state.phase is Phase.RATING and new.phase is not Phase.RATING
                and not any(isinstance(a, Emit) and a.type == "pain" for a in actions)):
            actions = [*unrated_pain(state), *actions]
        if (new.phase, new.exercise, new.set, new.rep, new.side) != (
                state.phase, state.exercise, state.set, state.rep, state.side):
            ends = [i for i, a in enumerate(actions)
                    if isinstance(a, Emit) and a.type == "session_end"]
            actions.insert(ends[0] if ends else len(actions), Emit("state", self._where(new)))
        return new, actions

    def finish(self, state: State, now: float, reason: str = "end") -> Result:
        """End the session (stop, pain, or nothing more to do) with its summary."""
        summary = {"reason": reason, "minutes": round(self.worked(state, now) / 60, 1),
                   "exercises": list(state.done), "reps": state.reps_done}
        ended = replace(state, phase=Phase.ENDED, deadline=None)
        return ended, [Emit("session_end", {"summary": summary})]

    @staticmethod
    def worked(state: State, now: float) -> float:
        """Seconds of exercise by now: the minutes a session is saved and praised with, which
        leave out the time the coach waits (idle, paused, for an answer)."""
        return state.worked + (now - state.at if state.phase in TIMED else 0.0)

    def running(self, state: State) -> bool:
        """An exercise is under way (paused or not)."""
        return state.phase in WORKING

    def _mic_lost(self, state: State, now: float) -> Result:
        """Nothing can be heard: a timed phase pauses, and the coach says why (not cut by the
        pause, as a heard "pause" would cut it)."""
        if state.phase in TIMED:
            return pause(self, state, now, "mic_lost")
        return state, [Say(self._line("mic_lost"))]

    def _where(self, state: State) -> dict[str, object]:
        return {"state": state.phase.value, "exercise": state.exercise, "set": state.set,
                "rep": state.rep, "side": state.side}

    # -- heard ------------------------------------------------------------------------------

    def _heard(self, state: State, heard: Heard, now: float) -> Result:
        match = heard.match
        if match is None:
            return self._not_understood(state, heard, now)
        handler = RULES.get((state.phase, match.intent)) or RULES.get(("*", match.intent))
        if handler is None:
            return state, []
        return handler(self, state, heard, now)

    def _not_understood(self, state: State, heard: Heard, now: float) -> Result:
        alone = len(heard.text.split()) < 2 and state.phase not in ANSWERS
        if alone or now - state.last_hint < HINT_GAP:
            return state, []
        key = AGAIN.get(state.phase, "not_understood")
        new, actions = self._say(state, key)
        return replace(new, last_hint=now), actions

    def _welcome(self, state: State, now: float) -> Result:
        """A greeting, and what to say when nothing was asked for when the coach was started."""
        key = "greeting" if self.context.start else "welcome"
        state, actions = self._say(replace(state, phase=Phase.IDLE), key)
        if self.context.last_pain:
            name = self.content.exercises[self.context.last_pain].name
            state, more = self._say(state, "pain_last_time", name=name)
            actions += more
        start = self.context.start
        if start:
            begun = self._routine(state, now) if start == "routine" else None
            return self._then(begun or self._brief(state, start, now), actions)
        return state, actions

    # -- exercises --------------------------------------------------------------------------

    def _routine(self, state: State, now: float, ids: list[str] | None = None) -> Result:
        ids = [ex for ex in (self.content.exercises if ids is None else ids)
               if ex not in state.left_out]
        if not ids:
            return self._say(state, "what_next")
        minutes = round(sum(self._minutes(state, ex_id) for ex_id in ids))
        state, actions = self._say(state, "routine_intro", count=len(ids), minutes=minutes)
        state = replace(state, queue=tuple(ids[1:]), routine=True)
        state, more = self._brief(state, ids[0], now, actions)
        return state, more

    def routine_minutes(self, state: State) -> float:
        """About how long the whole routine takes with today's plans."""
        return sum(self._minutes(state, ex_id) for ex_id in self.content.exercises)

    def _minutes(self, state: State, ex_id: str) -> float:
        ex = self.content.exercises[ex_id]
        plan = self._plan(state, ex)
        sides = 1 if ex.sides == "none" else 2
        count = self._line("rep_count", rep=plan.reps, reps=plan.reps)
        move = move_seconds(ex, 1.0, f"{count} {max(ex.move_cues.values(), key=len)}")
        per_set = plan.reps * sides * (move + plan.hold + ex.return_seconds)
        return (plan.sets * per_set + (plan.sets - 1) * ex.rest_seconds + 60) / 60

    def _brief(self, state: State, ex_id: str, now: float,
               said: list[Action] | None = None) -> Result:
        ex = self.content.exercises[ex_id]
        plan = self._plan(state, ex)
        explain = [] if ex_id in self.context.brief else [
            ex.position, *ex.steps, self._line("strengthens", muscles=ex.strengthens)]
        lines = [self._line("briefing_intro", name=ex.name), *explain,
                 ex.cues[len(state.done) % len(ex.cues)],
                 self._line("plan", reps=plan.reps, sets=plan.sets)]
        if plan.hold:
            lines.append(self._line("plan_hold", hold=plan.hold))
        if ex.sides != "none":
            lines.append(self._line(f"plan_{ex.sides}"))
        lines += self._plan_change(ex, plan)
        lines.append(self._line("get_ready"))
        text = " ".join(lines)
        first = "right" if ex.sides != "none" else None
        state = replace(state, phase=Phase.BRIEFING, exercise=ex_id, set=1, rep=1, side=first,
                        goal=plan.reps, count=0, last_said=text,
                        deadline=now + speech_seconds(text) + GET_READY_SECONDS)
        return state, [*(said or []), Say(text)]

    def _plan_change(self, ex: Exercise, plan: Plan) -> list[str]:
        """"Last time 6 reps, today 8", or that it is easier after pain."""
        before = self.context.previous.get(ex.id)
        if before is None or before == plan:
            return []
        key = "sets" if plan.sets != before.sets else "hold" if plan.hold != before.hold else "reps"
        old, new = getattr(before, key), getattr(plan, key)
        if new > old:
            return [self._line(f"progress_{key}", before=old, now=new)]
        easier = [self._line("easier", name=ex.name)]
        return easier + ([self.content.tips["see_therapist"]]
                         if self.context.last_pain == ex.id else [])

    def plan_fact(self, state: State, ex_id: str, rule: Callable[[Plan, Plan], Plan],
                  reason: str) -> Emit:
        """The plan for next time, by a progression rule, as a fact to keep."""
        ex = self.content.exercises[ex_id]
        nxt = rule(self._plan(state, ex), Plan(ex.reps, ex.sets, ex.hold_seconds))
        grown = replace(state, plans={**state.plans, ex_id: nxt})
        if reason == "progress" and self.routine_minutes(grown) > ROUTINE_MINUTES:
            nxt = self._plan(state, ex)
        return Emit("plan", {"exercise": ex_id, "reps": nxt.reps, "sets": nxt.sets,
                             "hold": nxt.hold, "reason": reason})

    def _next_exercise(self, state: State, now: float, text: str) -> Result:
        """After an exercise ends or is skipped: text, then the routine's next one, or idle."""
        state, said = self._utter(state, text)
        base = replace(state, exercise=None, side=None, set=1, rep=1, deadline=None)
        if state.queue:
            nxt = self.content.exercises[state.queue[0]]
            more: list[Action] = [Say(self._line("routine_next", name=nxt.name))]
            return self._brief(replace(base, queue=state.queue[1:]), nxt.id, now, said + more)
        if state.routine:
            done, tip = self._line("routine_done"), self.content.tips["consistency"]
            state = replace(base, phase=Phase.IDLE, last_said=f"{done} {tip}")
            return state, [*said, Say(done), Say(tip)]
        state, idle = self._say(replace(base, phase=Phase.IDLE), "what_next")
        return state, said + idle
