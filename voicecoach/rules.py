"""What the user says, by phase: the session's transition table for heard intents.

Each rule is ``(phase, intent) -> handler``; ``(ANY, intent)`` applies where no rule for that
phase exists, and a phase without any rule for an intent ignores it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import TYPE_CHECKING

from voicecoach.content import Exercise
from voicecoach.intents import INTENT_NAMES
from voicecoach.progression import progress, step_back
from voicecoach.session_types import (
    REP_PHASES,
    TIMED,
    WORKING,
    Action,
    Emit,
    Heard,
    Phase,
    Plan,
    Say,
    Silence,
    State,
    speech_seconds,
)

if TYPE_CHECKING:
    from voicecoach.session import Result, Session

Handler = Callable[["Session", State, Heard, float], "Result"]
GET_READY_SECONDS = 4.0
"""Seconds between the end of a briefing and the first rep."""
SWITCH_SECONDS = 6.0
"""Seconds to change sides, after the prompt is spoken."""
TEMPO_STEP = 1.25
TEMPO_RANGE = (0.6, 2.0)
"""Movement phases last their catalogue time times the tempo, kept within this range."""
REPS_RANGE = (1, 30)
HOLD_RANGE = (1, 30)


PAIN_STOP_RATING = 4
"""A pain rating (0-10) at or above this ends the exercise for today and eases its next plan."""
UNASKED_RATING_WORDS = 3
"""Fewest words of a pain rating nobody asked for that make it pain: "a five out of ten"."""


def _pain(s: Session, state: State, heard: Heard, now: float) -> Result:
    """Pain, heard anywhere: silence, advice, the facts kept, and the session ends."""
    facts: list[Action] = [Emit("pain", {"exercise": state.exercise, "text": heard.text,
                                         "rep": state.rep if s.running(state) else None})]
    if state.exercise:
        facts.append(s.plan_fact(state, state.exercise, step_back, "pain"))
    said = [Say(s._line("pain_stop")), Say(s._line("pain_advice"))]
    state = replace(state, last_said=" ".join(a.text for a in said))
    ended, end = s.finish(state, now, "pain")
    return ended, [Silence(), *facts, *said, *end]


def _checkin_yes(s: Session, state: State, heard: Heard, now: float) -> Result:
    return s._say(replace(state, phase=Phase.RATING), "pain_rating_ask")


def _checkin_no(s: Session, state: State, heard: Heard, now: float) -> Result:
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


def _rating_refused(s: Session, state: State, heard: Heard, now: float) -> Result:
    """A "no" to "how strong was it?": the pain said a moment ago is kept, unrated."""
    assert state.exercise is not None
    state = replace(state, done=(*state.done, state.exercise))
    return s._then(s._next_exercise(state, now, s._line("pain_noted")), unrated_pain(state))


def _rating_unasked(s: Session, state: State, heard: Heard, now: float) -> Result:
    """A rating nobody asked for is pain said in numbers ("it's about a five out of ten"), unless
    it is zero or a number said alone, as when counting along ("three", "four five")."""
    assert heard.match is not None
    if int(heard.match.slots["rating"]) > 0 and len(heard.text.split()) >= UNASKED_RATING_WORDS:
        return _pain(s, state, heard, now)
    return state, []


def _rating(s: Session, state: State, heard: Heard, now: float) -> Result:
    """A spoken pain rating after an exercise: kept; a high one ends the exercise for today."""
    assert heard.match is not None and state.exercise is not None
    rating = min(10, int(heard.match.slots["rating"]))
    if rating == 0:
        return _checkin_no(s, state, heard, now)
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


def _safety_yes(s: Session, state: State, heard: Heard, now: float) -> Result:
    state, said = s._say(state, "safety_thanks")
    state, more = s._welcome(state, now)
    return state, [Emit("acknowledged", {}), *said, *more]


def _safety_no(s: Session, state: State, heard: Heard, now: float) -> Result:
    state, said = s._say(state, "safety_declined")
    ended, end = s.finish(state, now, "declined")
    return ended, said + end


def _stop(s: Session, state: State, heard: Heard, now: float) -> Result:
    """Goodbye, with the minutes of exercise put in when there are two or more."""
    minutes = round(s.worked(state, now) / 60)
    state, said = (s._say(state, "goodbye", minutes=minutes) if minutes >= 2
                   else s._say(state, "goodbye_short"))
    ended, end = s.finish(state, now, "stop")
    return ended, [Silence(), *said, *end]


def _start_exercise(s: Session, state: State, heard: Heard, now: float) -> Result:
    assert heard.match is not None
    ex_id = str(heard.match.slots["exercise"])
    return s._brief(replace(state, queue=(), routine=False), ex_id, now)


def _start_routine(s: Session, state: State, heard: Heard, now: float) -> Result:
    """The whole routine; offered from where it stopped if part of it was done today."""
    done = [ex for ex in s.content.exercises if ex in (*s.context.done_today, *state.done)]
    if 0 < len(done) < len(s.content.exercises):
        return s._say(replace(state, phase=Phase.OFFER), "routine_offer", done=len(done),
                      count=len(s.content.exercises))
    return s._routine(state, now)


def _offer_skip(s: Session, state: State, heard: Heard, now: float) -> Result:
    """While the rest of the workout is on offer, an exercise named is left out of it, and the
    offer is made again."""
    assert heard.match is not None
    said: list[Action] = []
    if "exercise" in heard.match.slots:
        ex = s.content.exercises[str(heard.match.slots["exercise"])]
        state, said = s._say(_leave_out(state, ex.id), "left_out", name=ex.name)
        said = [Emit("exercise_skipped", {"exercise": ex.id}), *said]
    return s._then(_start_routine(s, state, heard, now), said)


def _offer_yes(s: Session, state: State, heard: Heard, now: float) -> Result:
    done = (*s.context.done_today, *state.done)
    return s._routine(state, now, [ex for ex in s.content.exercises if ex not in done])


def _offer_no(s: Session, state: State, heard: Heard, now: float) -> Result:
    return s._routine(state, now)


def _pause(s: Session, state: State, heard: Heard, now: float) -> Result:
    return pause(s, state, now, "paused")


def pause(s: Session, state: State, now: float, key: str) -> Result:
    """Pause a timed phase, keeping the time its step had left: the coach stops speaking, then
    says the line of key."""
    left = max(0.0, state.deadline - now) if state.deadline is not None else 0.0
    state, said = s._say(replace(state, phase=Phase.PAUSED, paused_from=state.phase,
                                 paused_left=left, deadline=None), key)
    return state, [Silence(), *said]


def _resume(s: Session, state: State, heard: Heard, now: float) -> Result:
    state, said = s._say(state, "resumed")
    wait = speech_seconds(state.last_said)
    if state.paused_from is Phase.REST:
        return s.rest_again(state, now, wait), said
    if state.paused_from is Phase.BRIEFING:
        return replace(state, phase=Phase.BRIEFING, deadline=now + wait + GET_READY_SECONDS), said
    if state.paused_from is Phase.SWITCH:
        return replace(state, phase=Phase.SWITCH, deadline=now + wait + SWITCH_SECONDS), said
    return s._then(s._move(state, now, wait), said)


def _paused_yes(s: Session, state: State, heard: Heard, now: float) -> Result:
    """"yeah go on" resumes; a lone "yes", as likely said to someone else or made of noise,
    gets the reminder of what to say."""
    if len(heard.text.split()) > 1:
        return _resume(s, state, heard, now)
    return s._say(state, "paused")


def _skip(s: Session, state: State, heard: Heard, now: float) -> Result:
    """The exercise under way is skipped. One named is left out of today's workouts too: of the
    one under way, if it is still to come, and of any started later ("no clamshells today")."""
    assert heard.match is not None
    if "exercise" in heard.match.slots:
        named = str(heard.match.slots["exercise"])
        state = _leave_out(state, named)
        if named != state.exercise:
            said = _answer(s, state, s._line("left_out", name=s.content.exercises[named].name),
                           now)
            return s._then(said, [Emit("exercise_skipped", {"exercise": named})])
    if state.exercise is None:
        return _answer(s, state, s._line("skip_idle"), now)
    name = s._ex(state).name
    fact = Emit("exercise_skipped", {"exercise": state.exercise})
    return s._then(s._next_exercise(state, now, s._line("skipped", name=name)), [Silence(), fact])


def _leave_out(state: State, ex_id: str) -> State:
    """ex_id out of the workout under way and of any started later in the session."""
    return replace(state, queue=tuple(ex for ex in state.queue if ex != ex_id),
                   left_out=(*(ex for ex in state.left_out if ex != ex_id), ex_id))


def _switch_sides(s: Session, state: State, heard: Heard, now: float) -> Result:
    """Asked mid-rep, or paused mid-rep: a one-sided exercise turns to its other side now; else
    (in a briefing or rest too) why it does not."""
    phase = state.paused_from if state.phase is Phase.PAUSED else state.phase
    sides = s._ex(state).sides
    if sides == "one_sided" and state.side == "right" and phase in REP_PHASES:
        return s._then(s.switch(state, now), [Silence()])
    if sides == "one_sided":
        key = "switch_second" if state.side == "left" else "switch_later"
    else:
        key = "switch_alternating" if sides == "alternating" else "switch_none"
    return _answer(s, state, s._line(key), now)


def _repeat(s: Session, state: State, heard: Heard, now: float) -> Result:
    if not state.last_said:
        return s._say(state, "nothing_to_repeat")
    return _answer(s, state, state.last_said, now)


def _answer(s: Session, state: State, text: str, now: float) -> Result:
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


def _say_key(key: str) -> Handler:
    def handler(s: Session, state: State, heard: Heard, now: float) -> Result:
        return _answer(s, state, s._line(key), now)
    return handler


def _benefits(s: Session, state: State, heard: Heard, now: float) -> Result:
    ex = _asked_about(s, state, heard)
    if ex is None:
        return _answer(s, state, s._line("which_exercise"), now)
    text = s._line("answer_benefits", name=ex.name, muscles=ex.strengthens, benefit=ex.benefit)
    return _answer(s, state, text, now)


def _instructions(s: Session, state: State, heard: Heard, now: float) -> Result:
    ex = _asked_about(s, state, heard)
    if ex is None:
        return _answer(s, state, s._line("which_exercise"), now)
    steps = " ".join((ex.position, *ex.steps))
    return _answer(s, state, s._line("answer_instructions", name=ex.name, steps=steps), now)


def _asked_about(s: Session, state: State, heard: Heard) -> Exercise | None:
    """The exercise a question names, else the one under way ("what does this one work")."""
    assert heard.match is not None
    named = heard.match.slots.get("exercise", state.exercise)
    return s.content.exercises[str(named)] if named else None


def _list(s: Session, state: State, heard: Heard, now: float) -> Result:
    names = [f"the {ex.name}" for ex in s.content.exercises.values()]
    joined = ", ".join(names[:-1]) + ", and " + names[-1]
    return _answer(s, state, s._line("list_exercises", names=joined), now)


def _status(s: Session, state: State, heard: Heard, now: float) -> Result:
    if not s.running(state):
        return _answer(s, state, s._line("status_idle"), now)
    ex = s._ex(state)
    plan = s._plan(state, ex)
    text = s._line("status_exercise", name=ex.name, set=state.set, sets=plan.sets,
                   rep=state.rep, reps=state.goal)
    if state.side:
        text += " " + s._line("status_side", side=s._line(f"side_{state.side}"))
    return _answer(s, state, text, now)


def _progress(s: Session, state: State, heard: Heard, now: float) -> Result:
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
    return _answer(s, state, text, now)


def _tempo(factor: float, key: str) -> Handler:
    def handler(s: Session, state: State, heard: Heard, now: float) -> Result:
        low, high = TEMPO_RANGE
        tempo = round(min(high, max(low, state.tempo * factor)), 3)
        if tempo == state.tempo:
            return s._say(state, "tempo_limit")
        return s._say(replace(state, tempo=tempo), key)
    return handler


def _set_plan(s: Session, state: State, heard: Heard, now: float) -> Result:
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


def _safety_again(s: Session, state: State, heard: Heard, now: float) -> Result:
    """Before the spoken yes, nothing else starts: the statement is said again."""
    return s._say(state, "safety_intro")


def _yes_no_unasked(s: Session, state: State, heard: Heard, now: float) -> Result:
    return s._say(state, "answer_yes_no")


def _ignore(s: Session, state: State, heard: Heard, now: float) -> Result:
    return state, []


ANY = "*"
RULES: dict[tuple[Phase | str, str], Handler] = {
    (ANY, "report_pain"): _pain,
    (ANY, "stop"): _stop,
    (ANY, "help"): _say_key("help"),
    (ANY, "list_exercises"): _list,
    (ANY, "exercise_benefits"): _benefits,
    (ANY, "exercise_instructions"): _instructions,
    (ANY, "repeat"): _repeat,
    (ANY, "status"): _status,
    (ANY, "progress"): _progress,
    (ANY, "slower"): _tempo(TEMPO_STEP, "slower"),
    (ANY, "faster"): _tempo(1 / TEMPO_STEP, "faster"),
    (ANY, "set_reps"): _set_plan,
    (ANY, "set_hold"): _set_plan,
    (ANY, "start_exercise"): _start_exercise,
    (ANY, "start_routine"): _start_routine,
    (ANY, "yes"): _yes_no_unasked,
    (ANY, "no"): _yes_no_unasked,
    (ANY, "pain_rating"): _rating_unasked,
    **{(Phase.SAFETY, intent): _safety_again for intent in INTENT_NAMES
       if intent not in ("report_pain", "stop", "help", "repeat")},
    (Phase.SAFETY, "yes"): _safety_yes,
    (Phase.SAFETY, "resume"): _safety_yes,
    (Phase.SAFETY, "no"): _safety_no,
    (Phase.CHECKIN, "yes"): _checkin_yes,
    (Phase.CHECKIN, "no"): _checkin_no,
    (Phase.CHECKIN, "pain_rating"): _rating,
    (Phase.RATING, "pain_rating"): _rating,
    (Phase.RATING, "no"): _rating_refused,
    (Phase.RATING, "yes"): _checkin_yes,
    (Phase.OFFER, "yes"): _offer_yes,
    (Phase.OFFER, "resume"): _offer_yes,
    (Phase.OFFER, "no"): _offer_no,
    (Phase.OFFER, "next"): _offer_skip,
    **{(phase, "pause"): _pause for phase in TIMED},
    (Phase.BRIEFING, "no"): _pause,
    **{(phase, "next"): _skip for phase in (*WORKING, Phase.CHECKIN, Phase.IDLE)},
    **{(phase, "switch_sides"): _switch_sides
       for phase in (Phase.BRIEFING, *REP_PHASES, Phase.REST, Phase.PAUSED)},
    (Phase.IDLE, "switch_sides"): _say_key("switch_idle"),
    (Phase.PAUSED, "resume"): _resume,
    (Phase.PAUSED, "yes"): _paused_yes,
}
"""(phase, intent) -> handler; (ANY, intent) applies where no phase-specific rule exists.
Phases without a rule for an intent ignore it (pause when idle, resume when not paused). Asked to
"say yes to go on" or "say resume", people say either: at the safety statement a resume ("go on")
is the yes, and while paused a yes of more than one word resumes."""
