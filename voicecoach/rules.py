"""What the user says, by phase: the session's transition table for heard intents.

Each rule is ``(phase, intent) -> handler``; ``(ANY, intent)`` applies where no rule for that
phase exists, and a phase without any rule for an intent ignores it.

The handlers here move through the workout: start, stop, the offer of what is left of it, pause
and resume, skip, switch sides. The answers to the coach's own questions (the safety statement,
"any pain?", "how strong was it?") are in rules_answers.py, the user's questions in
rules_questions.py, and tempo, reps and hold in rules_plan.py.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import TYPE_CHECKING

from voicecoach.intents import INTENT_NAMES
from voicecoach.rules_answers import (
    checkin_no,
    checkin_yes,
    pain,
    pain_rating,
    rating_refused,
    rating_unasked,
    safety_again,
    safety_no,
    safety_yes,
    yes_no_unasked,
)
from voicecoach.rules_plan import TEMPO_STEP, change_tempo, set_plan
from voicecoach.rules_questions import (
    answer,
    benefits,
    instructions,
    list_exercises,
    progress,
    repeat,
    say_key,
    status,
)
from voicecoach.session_types import (
    REP_PHASES,
    TIMED,
    WORKING,
    Action,
    Emit,
    Heard,
    Phase,
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


def _stop(s: Session, state: State, heard: Heard, now: float) -> Result:
    return goodbye(s, state, now, "stop")


def goodbye(s: Session, state: State, now: float, reason: str) -> Result:
    """Goodbye, with the minutes of exercise put in when there are two or more, and the end."""
    minutes = round(s.worked(state, now) / 60)
    state, said = (s._say(state, "goodbye", minutes=minutes) if minutes >= 2
                   else s._say(state, "goodbye_short"))
    ended, end = s.finish(state, now, reason)
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
        state, kept = _leave_out(state, ex.id)
        state, said = s._say(state, "left_out", name=ex.name)
        said = [Emit("exercise_skipped", {"exercise": ex.id}), kept, *said]
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
    if "exercise" not in heard.match.slots:
        return _skip_current(s, state, now)
    named = str(heard.match.slots["exercise"])
    state, kept = _leave_out(state, named)
    if named == state.exercise:
        return s._then(_skip_current(s, state, now), [kept])
    said = answer(s, state, s._line("left_out", name=s.content.exercises[named].name), now)
    return s._then(said, [Emit("exercise_skipped", {"exercise": named}), kept])


def _skip_current(s: Session, state: State, now: float) -> Result:
    """The exercise under way skipped, or why there is none to skip."""
    if state.exercise is None:
        return answer(s, state, s._line("skip_idle"), now)
    name = s._ex(state).name
    fact = Emit("exercise_skipped", {"exercise": state.exercise})
    return s._then(s._next_exercise(state, now, s._line("skipped", name=name)), [Silence(), fact])


def _leave_out(state: State, ex_id: str) -> tuple[State, Emit]:
    """ex_id out of the workout under way and of any started later in the session, and the fact
    that keeps it out of later sessions of the day."""
    state = replace(state, queue=tuple(ex for ex in state.queue if ex != ex_id),
                    left_out=(*(ex for ex in state.left_out if ex != ex_id), ex_id))
    return state, Emit("left_out", {"exercise": ex_id})


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
    return answer(s, state, s._line(key), now)


def _ignore(s: Session, state: State, heard: Heard, now: float) -> Result:
    return state, []


ANY = "*"
RULES: dict[tuple[Phase | str, str], Handler] = {
    (ANY, "report_pain"): pain,
    (ANY, "stop"): _stop,
    (ANY, "help"): say_key("help"),
    (ANY, "list_exercises"): list_exercises,
    (ANY, "exercise_benefits"): benefits,
    (ANY, "exercise_instructions"): instructions,
    (ANY, "repeat"): repeat,
    (ANY, "status"): status,
    (ANY, "progress"): progress,
    (ANY, "slower"): change_tempo(TEMPO_STEP, "slower"),
    (ANY, "faster"): change_tempo(1 / TEMPO_STEP, "faster"),
    (ANY, "set_reps"): set_plan,
    (ANY, "set_hold"): set_plan,
    (ANY, "start_exercise"): _start_exercise,
    (ANY, "start_routine"): _start_routine,
    (ANY, "yes"): yes_no_unasked,
    (ANY, "no"): yes_no_unasked,
    (ANY, "pain_rating"): rating_unasked,
    **{(Phase.SAFETY, intent): safety_again for intent in INTENT_NAMES
       if intent not in ("report_pain", "stop", "help", "repeat")},
    (Phase.SAFETY, "yes"): safety_yes,
    (Phase.SAFETY, "resume"): safety_yes,
    (Phase.SAFETY, "no"): safety_no,
    (Phase.CHECKIN, "yes"): checkin_yes,
    (Phase.CHECKIN, "no"): checkin_no,
    (Phase.CHECKIN, "pain_rating"): pain_rating,
    (Phase.RATING, "pain_rating"): pain_rating,
    (Phase.RATING, "no"): rating_refused,
    (Phase.RATING, "yes"): checkin_yes,
    (Phase.OFFER, "yes"): _offer_yes,
    (Phase.OFFER, "resume"): _offer_yes,
    (Phase.OFFER, "no"): _offer_no,
    (Phase.OFFER, "next"): _offer_skip,
    **{(phase, "pause"): _pause for phase in TIMED},
    (Phase.BRIEFING, "no"): _pause,
    **{(phase, "next"): _skip for phase in (*WORKING, Phase.CHECKIN, Phase.IDLE)},
    **{(phase, "switch_sides"): _switch_sides
       for phase in (Phase.BRIEFING, *REP_PHASES, Phase.REST, Phase.PAUSED)},
    (Phase.IDLE, "switch_sides"): say_key("switch_idle"),
    (Phase.PAUSED, "resume"): _resume,
    (Phase.PAUSED, "yes"): _paused_yes,
}
"""(phase, intent) -> handler; (ANY, intent) applies where no phase-specific rule exists.
Phases without a rule for an intent ignore it (pause when idle, resume when not paused). Asked to
"say yes to go on" or "say resume", people say either: at the safety statement a resume ("go on")
is the yes, and while paused a yes of more than one word resumes."""
