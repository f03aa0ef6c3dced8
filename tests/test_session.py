"""The session as a user lives it: what the coach says, records and does, on a clock the test moves.

Every test builds a real session over the packaged content, feeds it what was heard (as a Match,
so the matcher is not under test here) and the passing time, and checks the lines spoken (built
from the content), the facts emitted, the phase reached and the deadlines set.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest

from voicecoach.content import content
from voicecoach.decision import Match
from voicecoach.rules import GET_READY_SECONDS, SWITCH_SECONDS
from voicecoach.rules_plan import REPS_RANGE, TEMPO_RANGE
from voicecoach.session import HINT_GAP, Session
from voicecoach.session_types import (
    Action,
    Context,
    Emit,
    Event,
    Heard,
    InputEnded,
    Phase,
    Plan,
    Say,
    Silence,
    Tick,
    speech_seconds,
)

CONTENT = content()
EX = CONTENT.exercises
BRIDGE, CLAM, BIRD = EX["glute_bridge"], EX["clamshell"], EX["bird_dog"]
THRUST = EX["hip_thrust"]
BRIDGE_MOVE = BRIDGE.move_cues[""]
ACKNOWLEDGED = Context(acknowledged=True)
MAX_TICKS = 10_000


def line(key: str, **fields: object) -> str:
    """A prompt as the content words it."""
    return CONTENT.say(key, **fields)


def texts(actions: list[Action]) -> list[str]:
    return [a.text for a in actions if isinstance(a, Say)]


def facts(actions: list[Action], kind: str) -> list[dict[str, object]]:
    return [a.data for a in actions if isinstance(a, Emit) and a.type == kind]


def summed_up(actions: list[Action], key: str) -> object:
    """A field of the session's summary (reason, minutes, ...)."""
    (end,) = facts(actions, "session_end")
    summary = end["summary"]
    assert isinstance(summary, dict)
    return summary[key]


def end_reason(actions: list[Action]) -> object:
    return summed_up(actions, "reason")


class Coach:
    """A session under test: a state, a clock moved by the test, and everything said so far."""

    def __init__(self, context: Context = ACKNOWLEDGED, now: float = 0.0) -> None:
        self.session = Session(CONTENT, context)
        self.now = now
        self.said: list[tuple[float, str]] = []
        """(session seconds, text) of every line spoken."""
        self.state, self.begun = self.session.begin(now)
        self._record(self.begun)

    @property
    def phase(self) -> Phase:
        return self.state.phase

    @property
    def deadline(self) -> float | None:
        return self.session.next_deadline(self.state)

    def hear(self, text: str, intent: str | None = None, **slots: str | int) -> list[Action]:
        """The user says text, which the matcher took as intent with slots (None: rejected)."""
        match = Match(intent, dict(slots)) if intent else None
        return self._step(Heard(text, match))

    def tick(self, at: float) -> list[Action]:
        self.now = at
        return self._step(Tick())

    def run_until(self, until: float) -> list[Action]:
        """Tick at every deadline up to until, then leave the clock at until."""
        actions: list[Action] = []
        for _ in range(MAX_TICKS):
            due = self.deadline
            if due is None or due > until:
                self.now = max(self.now, until)
                return actions
            actions += self.tick(max(self.now, due))
        raise AssertionError("the session never settled")

    def run_to(self, phase: Phase) -> list[Action]:
        """Tick at every deadline until the session is in phase."""
        actions: list[Action] = []
        for _ in range(MAX_TICKS):
            if self.phase is phase:
                return actions
            due = self.deadline
            assert due is not None, f"waiting in {self.phase} with nothing due, not {phase}"
            actions += self.tick(max(self.now, due))
        raise AssertionError(f"never reached {phase}")

    def lines_since(self, mark: int) -> list[tuple[float, str]]:
        return self.said[mark:]

    def _step(self, event: Event) -> list[Action]:
        self.state, actions = self.session.step(self.state, event, self.now)
        self._record(actions)
        return actions

    def _record(self, actions: list[Action]) -> None:
        self.said += [(self.now, text) for text in texts(actions)]


def started(ex_id: str, context: Context = ACKNOWLEDGED) -> Coach:
    coach = Coach(context)
    coach.hear(f"start {ex_id}", "start_exercise", exercise=ex_id)
    return coach


def at_first_rep(ex_id: str) -> Coach:
    coach = started(ex_id)
    coach.run_to(Phase.MOVE)
    return coach


def in_order(text: str, parts: list[str]) -> bool:
    """Every part is in text, each after the one before."""
    position = 0
    for part in parts:
        found = text.find(part, position)
        if found < 0:
            return False
        position = found + len(part)
    return True


# -- first run ---------------------------------------------------------------------------------


def test_first_run_says_the_safety_statement_and_waits() -> None:
    coach = Coach(Context())
    assert texts(coach.begun) == [line("safety_intro")]
    assert coach.phase is Phase.SAFETY
    assert coach.deadline is None
    assert coach.run_until(600) == []


@pytest.mark.parametrize(("text", "intent", "slots"), [
    ("start glute bridge", "start_exercise", {"exercise": "glute_bridge"}),
    ("start my workout", "start_routine", {}),
])
def test_nothing_starts_before_the_safety_yes(
        text: str, intent: str, slots: dict[str, str]) -> None:
    coach = Coach(Context())
    said = texts(coach.hear(text, intent, **slots))
    assert coach.phase is Phase.SAFETY
    assert not any(line("briefing_intro", name=ex.name) in t for ex in EX.values() for t in said)
    assert coach.run_until(600) == []


def test_yes_to_safety_records_it_then_welcomes() -> None:
    coach = Coach(Context())
    actions = coach.hear("yes", "yes")
    assert actions[0] == Emit("acknowledged", {})
    assert texts(actions) == [line("safety_thanks"), line("welcome")]
    assert coach.phase is Phase.IDLE


def test_go_on_to_safety_is_the_yes() -> None:
    """The statement ends "say yes to go on": "go on" is the answer, not something else."""
    coach = Coach(Context())
    actions = coach.hear("go on", "resume")
    assert actions[0] == Emit("acknowledged", {})
    assert texts(actions) == [line("safety_thanks"), line("welcome")]


def test_no_to_safety_ends_the_session() -> None:
    coach = Coach(Context())
    actions = coach.hear("no", "no")
    assert texts(actions) == [line("safety_declined")]
    assert end_reason(actions) == "declined"
    assert coach.phase is Phase.ENDED


def test_an_acknowledged_user_is_welcomed_without_the_statement() -> None:
    coach = Coach(ACKNOWLEDGED)
    assert texts(coach.begun) == [line("welcome")]
    assert coach.phase is Phase.IDLE


def test_an_exercise_asked_for_begins_after_the_yes() -> None:
    coach = Coach(Context(start="glute_bridge"))
    assert coach.phase is Phase.SAFETY
    said = texts(coach.hear("yes", "yes"))
    assert coach.phase is Phase.BRIEFING
    assert coach.state.exercise == "glute_bridge"
    assert said[-1].startswith(line("briefing_intro", name=BRIDGE.name))
    assert line("greeting") in said and line("welcome") not in said  # no "say start ..."


def test_last_pain_is_mentioned_in_the_welcome() -> None:
    coach = Coach(Context(acknowledged=True, last_pain="clamshell"))
    assert texts(coach.begun) == [line("welcome"), line("pain_last_time", name=CLAM.name)]


# -- briefing ----------------------------------------------------------------------------------


def briefing(ex_id: str) -> str:
    return started(ex_id).said[-1][1]


def test_briefing_gives_name_how_to_strengths_a_cue_and_the_plan() -> None:
    text = briefing("glute_bridge")
    assert in_order(text, [
        line("briefing_intro", name=BRIDGE.name), BRIDGE.position, *BRIDGE.steps,
        line("strengthens", muscles=BRIDGE.strengthens),
    ])
    assert any(cue in text for cue in BRIDGE.cues)
    assert in_order(text, [line("plan", reps=BRIDGE.reps, sets=BRIDGE.sets),
                           line("plan_hold", hold=BRIDGE.hold_seconds)])
    assert line("plan_one_sided") not in text
    assert line("plan_alternating") not in text


def test_not_ready_in_the_briefing_waits_for_the_user() -> None:
    coach = started("glute_bridge")
    said = texts(coach.hear("i'm not ready", "no"))
    assert coach.phase is Phase.PAUSED and said == [line("paused")]
    coach.run_until(coach.now + 120)
    assert coach.phase is Phase.PAUSED  # no count starts meanwhile
    coach.hear("okay i'm ready now", "resume")
    assert coach.phase is Phase.BRIEFING


def test_briefing_of_a_one_sided_exercise_says_the_other_side_and_no_hold() -> None:
    text = briefing("clamshell")
    assert line("plan", reps=CLAM.reps, sets=CLAM.sets) in text
    assert line("plan_one_sided") in text
    assert line("plan_hold", hold=0) not in text


def test_briefing_of_bird_dog_says_sides_alternate() -> None:
    text = briefing("bird_dog")
    assert in_order(text, [line("plan_hold", hold=BIRD.hold_seconds), line("plan_alternating")])


def test_first_rep_starts_after_the_briefing_and_time_to_get_ready() -> None:
    coach = started("glute_bridge")
    text = coach.said[-1][1]
    due = speech_seconds(text) + GET_READY_SECONDS
    assert coach.deadline == pytest.approx(due)
    assert coach.tick(due - 0.01) == []
    assert texts(coach.tick(due)) == [BRIDGE_MOVE]
    assert coach.phase is Phase.MOVE


# -- reps --------------------------------------------------------------------------------------


def test_a_glute_bridge_rep_moves_holds_counts_returns_and_numbers_it() -> None:
    coach = started("glute_bridge")
    t = coach.deadline
    assert t is not None
    mark = len(coach.said)
    actions = coach.run_until(t + 8)
    move, ret = BRIDGE.move_seconds, BRIDGE.return_seconds
    assert coach.lines_since(mark) == [
        (t, BRIDGE_MOVE), (t + move, line("hold")),
        (t + move + 1, "1"), (t + move + 2, "2"), (t + move + 3, "3"),
        (t + move + 3, BRIDGE.return_cue),
        (t + move + 3 + ret, line("rep_count", rep=1, reps=BRIDGE.reps)),
        (t + move + 3 + ret, BRIDGE_MOVE),
    ]
    assert facts(actions, "rep") == [
        {"exercise": "glute_bridge", "set": 1, "rep": 1, "side": None}]


def test_a_hold_made_shorter_than_its_count_so_far_ends_without_another_count() -> None:
    coach = at_first_rep("glute_bridge")
    coach.run_to(Phase.HOLD)
    for _ in range(2):
        assert coach.deadline is not None
        coach.tick(coach.deadline)
    coach.hear("hold for one second", "set_hold", seconds=1)
    assert coach.deadline is not None
    said = texts(coach.tick(coach.deadline))
    assert coach.phase is Phase.RETURN and "3" not in said and said == [BRIDGE.return_cue]


def test_hold_counts_keep_to_whole_seconds_when_ticks_come_late() -> None:
    coach = at_first_rep("glute_bridge")
    coach.run_to(Phase.HOLD)
    held_at = coach.now
    deadlines = []
    for _ in range(BRIDGE.hold_seconds - 1):
        due = coach.deadline
        assert due is not None
        coach.tick(due + 0.4)
        deadlines.append(coach.deadline)
    assert deadlines == [held_at + 2, held_at + 3]


def reps_of(coach: Coach, until: Phase) -> tuple[list[Action], list[dict[str, object]]]:
    actions = coach.run_to(until)
    return actions, facts(actions, "rep")


def test_clamshell_does_every_rep_on_the_right_then_switches_to_the_left() -> None:
    coach = at_first_rep("clamshell")
    before, reps = reps_of(coach, Phase.SWITCH)
    assert [(r["rep"], r["side"]) for r in reps] == [(n, "right") for n in range(1, 7)]
    assert texts(before)[-1] == line("switch_sides")
    switched_at = coach.now
    assert coach.deadline == pytest.approx(
        switched_at + speech_seconds(line("switch_sides")) + SWITCH_SECONDS)
    _, reps = reps_of(coach, Phase.REST)
    assert [(r["rep"], r["side"]) for r in reps] == [(n, "left") for n in range(1, 7)]


def test_clamshell_has_no_hold_and_no_counts() -> None:
    coach = at_first_rep("clamshell")
    said = texts(coach.run_to(Phase.SWITCH))
    assert line("hold") not in said
    assert not any(t.isdigit() for t in said)
    assert said[:2] == [CLAM.return_cue, line("rep_count", rep=1, reps=CLAM.reps)]


def test_bird_dog_alternates_sides_every_rep_with_the_matching_cue() -> None:
    coach = started("bird_dog")
    actions = coach.run_to(Phase.REST)
    cues = [t for t in texts(actions) if t in BIRD.move_cues.values()]
    sides = [r["side"] for r in facts(actions, "rep")]
    assert sides == ["right", "left"] * BIRD.reps
    assert cues == [BIRD.move_cues[side] for side in sides]
    counts = [t for t in texts(actions) if " of " in t]  # one count a rep, both sides done
    assert counts == [line("rep_count", rep=n, reps=BIRD.reps) for n in range(1, BIRD.reps + 1)]
    said = texts(actions)
    first = said.index(BIRD.return_cue)
    assert said[first + 1] == BIRD.move_cues["left"]  # the right side done: straight to the left


def test_switch_sides_mid_clamshell_goes_to_the_left_side_from_its_first_rep() -> None:
    coach = at_first_rep("clamshell")
    coach.run_to(Phase.RETURN)
    coach.run_to(Phase.MOVE)  # rep 2 on the right
    actions = coach.hear("other side please", "switch_sides")
    assert actions[0] == Silence()
    assert texts(actions) == [line("switch_sides")]
    assert (coach.phase, coach.state.side, coach.state.rep) == (Phase.SWITCH, "left", 1)
    assert coach.deadline == pytest.approx(
        coach.now + speech_seconds(line("switch_sides")) + SWITCH_SECONDS)
    _, reps = reps_of(coach, Phase.REST)
    assert [(r["rep"], r["side"]) for r in reps] == [(n, "left") for n in range(1, CLAM.reps + 1)]


def test_switch_sides_on_the_second_side_says_so_and_the_rep_starts_again() -> None:
    coach = at_first_rep("clamshell")
    coach.run_to(Phase.SWITCH)
    coach.run_to(Phase.MOVE)
    actions = coach.hear("switch sides", "switch_sides")
    assert texts(actions) == [line("switch_second")]
    assert (coach.phase, coach.state.side, coach.state.rep) == (Phase.ANSWER, "left", 1)
    assert texts(coach.run_to(Phase.RETURN))[0] == CLAM.move_cues.get(
        "left", next(iter(CLAM.move_cues.values())))


@pytest.mark.parametrize(("ex_id", "key"), [("bird_dog", "switch_alternating"),
                                            ("glute_bridge", "switch_none")])
def test_switch_sides_where_the_coach_leads_the_sides_says_why(ex_id: str, key: str) -> None:
    coach = at_first_rep(ex_id)
    side = coach.state.side
    assert texts(coach.hear("switch sides", "switch_sides")) == [line(key)]
    assert (coach.phase, coach.state.side) == (Phase.ANSWER, side)


def test_switch_sides_while_paused_mid_rep_goes_on_with_the_other_side() -> None:
    coach = at_first_rep("clamshell")
    coach.hear("hang on", "pause")
    actions = coach.hear("let's do the other side", "switch_sides")
    assert texts(actions) == [line("switch_sides")]
    assert (coach.phase, coach.state.side, coach.state.rep) == (Phase.SWITCH, "left", 1)
    _, reps = reps_of(coach, Phase.REST)
    assert [(r["rep"], r["side"]) for r in reps] == [(n, "left") for n in range(1, CLAM.reps + 1)]


def test_switch_sides_paused_in_the_bird_dog_says_why_and_stays_paused() -> None:
    coach = at_first_rep("bird_dog")
    coach.hear("hang on", "pause")
    assert texts(coach.hear("switch sides", "switch_sides")) == [line("switch_alternating")]
    assert (coach.phase, coach.state.side) == (Phase.PAUSED, "right")


def test_switch_sides_in_a_briefing_or_rest_says_when_and_changes_nothing_else() -> None:
    coach = started("clamshell")
    deadline = coach.deadline
    assert deadline is not None
    assert texts(coach.hear("switch sides", "switch_sides")) == [line("switch_later")]
    assert (coach.phase, coach.state.side, coach.deadline) == (Phase.BRIEFING, "right", max(
        deadline, coach.now + speech_seconds(line("switch_later"))))
    coach.run_to(Phase.REST)
    assert texts(coach.hear("other side", "switch_sides")) == [line("switch_later")]
    assert (coach.phase, coach.state.side, coach.state.set) == (Phase.REST, "right", 1)
    coach.hear("hang on", "pause")
    assert texts(coach.hear("switch sides", "switch_sides")) == [line("switch_later")]
    assert coach.phase is Phase.PAUSED


def test_switch_sides_while_switching_or_checking_in_is_ignored() -> None:
    coach = at_first_rep("clamshell")
    coach.hear("other side please", "switch_sides")
    state = coach.state
    assert coach.hear("switch to your other side", "switch_sides") == []
    assert coach.state == state
    coach.run_to(Phase.CHECKIN)
    assert coach.hear("switch sides", "switch_sides") == []


def test_switch_sides_while_idle_says_no_exercise_is_running() -> None:
    coach = started("clamshell")
    coach.run_to(Phase.CHECKIN)
    coach.hear("no", "no")
    assert coach.phase is Phase.IDLE
    assert texts(coach.hear("switch sides", "switch_sides")) == [line("switch_idle")]
    assert coach.phase is Phase.IDLE


# -- rest and check-in -------------------------------------------------------------------------


def test_a_question_at_the_check_in_is_answered_and_any_pain_asked_again() -> None:
    coach = started("clamshell")
    coach.run_to(Phase.CHECKIN)
    said = texts(coach.hear("what does the clamshell work", "exercise_benefits",
                            exercise="clamshell"))
    assert said[-1].endswith(line("any_pain", name=CLAM.name)) and coach.phase is Phase.CHECKIN
    coach.hear("yes", "yes")
    said = texts(coach.hear("how many left", "status"))
    assert said[-1].endswith(line("pain_rating_ask")) and coach.phase is Phase.RATING



def test_rest_counts_down_in_its_last_seconds_then_starts_set_two() -> None:
    coach = started("glute_bridge")
    coach.run_to(Phase.REST)
    rested_at, mark = coach.now, len(coach.said)
    assert coach.said[-1][1] == line("rest", seconds=BRIDGE.rest_seconds)
    actions = coach.run_to(Phase.HOLD)
    end = rested_at + BRIDGE.rest_seconds
    assert coach.lines_since(mark) == [
        (end - 3, "3"), (end - 2, "2"), (end - 1, "1"),
        (end, line("next_set", set=2, sets=BRIDGE.sets)), (end, BRIDGE_MOVE),
        (coach.now, line("hold")),
    ]
    assert coach.state.set == 2
    assert facts(actions, "state")[-1]["set"] == 2


def test_after_the_last_set_the_coach_asks_about_pain() -> None:
    coach = started("glute_bridge")
    actions = coach.run_to(Phase.CHECKIN)
    assert texts(actions)[-1] == line("any_pain", name=BRIDGE.name)
    assert len(facts(actions, "rep")) == BRIDGE.reps * BRIDGE.sets
    assert [f["set"] for f in facts(actions, "set_done")] == [1, 2]
    assert coach.deadline is None


def test_no_pain_at_check_in_records_the_exercise_and_goes_idle() -> None:
    coach = started("glute_bridge")
    coach.run_to(Phase.CHECKIN)
    actions = coach.hear("no", "no")
    assert facts(actions, "exercise_done") == [{"exercise": "glute_bridge", "pain": False}]
    assert texts(actions) == [line("checkin_good"), line("what_next")]
    assert coach.phase is Phase.IDLE
    assert coach.state.done == ("glute_bridge",)


def test_yes_at_check_in_asks_how_strong() -> None:
    coach = started("glute_bridge")
    coach.run_to(Phase.CHECKIN)
    actions = coach.hear("yes", "yes")
    assert texts(actions) == [line("pain_rating_ask")]
    assert coach.phase is Phase.RATING


def rated(rating: int, routine: bool = False) -> tuple[Coach, list[Action]]:
    coach = Coach()
    if routine:
        coach.hear("start my workout", "start_routine")
    else:
        coach.hear("start glute bridge", "start_exercise", exercise="glute_bridge")
    coach.run_to(Phase.CHECKIN)
    coach.hear("yes", "yes")
    return coach, coach.hear(f"about a {rating}", "pain_rating", rating=rating)


def asked_how_strong() -> Coach:
    coach = started("glute_bridge")
    coach.run_to(Phase.CHECKIN)
    coach.hear("yes", "yes")
    assert coach.phase is Phase.RATING
    return coach


UNRATED = {"exercise": "glute_bridge", "rep": None, "text": "yes", "rating": None}


def test_a_no_to_how_strong_keeps_the_pain_unrated_and_the_plan_as_it_is() -> None:
    actions = asked_how_strong().hear("no", "no")
    assert facts(actions, "pain") == [UNRATED]
    assert facts(actions, "exercise_done") == [{"exercise": "glute_bridge", "pain": True}]
    assert facts(actions, "plan") == []
    assert texts(actions)[0].startswith(line("pain_noted"))


@pytest.mark.parametrize(("text", "intent", "slots"), [
    ("stop", "stop", {}), ("start clamshell", "start_exercise", {"exercise": "clamshell"}),
    ("start my workout", "start_routine", {})])
def test_whatever_leaves_how_strong_keeps_the_pain_said_before_it(
        text: str, intent: str, slots: dict[str, str]) -> None:
    coach = asked_how_strong()
    actions = coach.hear(text, intent, **slots)
    assert coach.phase is not Phase.RATING
    assert facts(actions, "pain") == [UNRATED]
    kinds = [a.type for a in actions if isinstance(a, Emit)]
    assert kinds.index("pain") < kinds.index("session_end") if "session_end" in kinds else True


def test_pain_said_at_how_strong_is_kept_once() -> None:
    actions = asked_how_strong().hear("it really hurts", "report_pain")
    assert [f["text"] for f in facts(actions, "pain")] == ["it really hurts"]


def test_a_high_rating_ends_the_exercise_and_eases_its_next_plan() -> None:
    coach, actions = rated(6)
    assert facts(actions, "pain") == [
        {"exercise": "glute_bridge", "rep": None, "text": "about a 6", "rating": 6}]
    beginner = CONTENT.exercises["glute_bridge"]
    assert facts(actions, "plan")[0]["reps"] == beginner.reps - 2
    assert line("pain_rating_high", rating=6) in texts(actions)[0]
    assert CONTENT.tips["see_therapist"] in texts(actions)[0]
    assert facts(actions, "exercise_done") == []
    assert coach.phase is Phase.IDLE


def test_a_high_rating_in_a_routine_goes_on_to_the_next_exercise() -> None:
    coach, _actions = rated(8, routine=True)
    assert coach.phase is Phase.BRIEFING
    assert coach.state.exercise == "clamshell"


def test_a_low_rating_is_kept_and_the_plan_stays() -> None:
    _coach, actions = rated(2)
    assert facts(actions, "pain")[0]["rating"] == 2
    assert facts(actions, "plan") == []
    assert facts(actions, "exercise_done") == [{"exercise": "glute_bridge", "pain": True}]
    assert texts(actions)[0] == line("pain_rating_low", rating=2)


def test_a_pain_free_exercise_progresses_its_next_plan() -> None:
    coach = started("glute_bridge")
    coach.run_to(Phase.CHECKIN)
    plan = facts(coach.hear("no", "no"), "plan")
    ex = CONTENT.exercises["glute_bridge"]
    assert plan == [{"exercise": "glute_bridge", "reps": ex.reps + 2, "sets": ex.sets,
                     "hold": ex.hold_seconds, "reason": "progress"}]


def test_pain_mid_exercise_eases_its_next_plan() -> None:
    coach = at_first_rep("glute_bridge")
    plan = facts(coach.hear("ouch", "report_pain"), "plan")
    assert plan[0]["reason"] == "pain"
    assert plan[0]["reps"] == CONTENT.exercises["glute_bridge"].reps - 2


def test_pain_never_makes_any_plan_harder() -> None:
    from voicecoach.progression import MIN_REPS, step_back

    for ex in EX.values():
        beginner = Plan(ex.reps, ex.sets, ex.hold_seconds)
        for reps in range(1, 31):
            for sets in range(1, 4):
                for hold in range(0, 9) if ex.hold_seconds else (0,):
                    plan = Plan(reps, sets, hold)
                    back = step_back(plan, beginner)
                    assert back.reps <= reps and back.sets <= sets and back.hold <= hold, plan
                    floor = reps <= MIN_REPS and sets <= ex.sets and hold <= ex.hold_seconds
                    assert back != plan or floor, plan


def test_pain_after_a_chosen_low_rep_count_keeps_it() -> None:
    coach = started("glute_bridge")
    coach.hear("do one rep", "set_reps", count=1)
    coach.run_to(Phase.MOVE)
    plan = facts(coach.hear("ouch", "report_pain"), "plan")
    assert (plan[0]["reps"], plan[0]["reason"]) == (1, "pain")


def test_a_rating_nobody_asked_for_is_pain_unless_counted_along() -> None:
    coach = at_first_rep("glute_bridge")
    assert coach.hear("three", "pain_rating", rating=3) == []
    assert coach.hear("zero out of ten", "pain_rating", rating=0) == []
    actions = coach.hear("it's about a five out of ten", "pain_rating", rating=5)
    assert texts(actions) == [line("pain_stop"), line("pain_advice")]
    assert coach.phase is Phase.ENDED


def test_the_briefing_says_what_changed_since_last_time() -> None:
    context = Context(acknowledged=True, plans={"glute_bridge": Plan(8, 2, 3)},
                      previous={"glute_bridge": Plan(6, 2, 3)})
    coach = Coach(context)
    actions = coach.hear("start glute bridge", "start_exercise", exercise="glute_bridge")
    assert line("progress_reps", before=6, now=8) in texts(actions)[0]


def test_after_pain_the_briefing_says_it_is_easier_and_advises_help() -> None:
    context = Context(acknowledged=True, last_pain="glute_bridge",
                      plans={"glute_bridge": Plan(4, 2, 3)},
                      previous={"glute_bridge": Plan(6, 2, 3)})
    coach = Coach(context)
    actions = coach.hear("start glute bridge", "start_exercise", exercise="glute_bridge")
    assert line("easier", name="glute bridge") in texts(actions)[0]
    assert CONTENT.tips["see_therapist"] in texts(actions)[0]


def test_a_chosen_rep_count_is_kept_for_next_time() -> None:
    coach = started("clamshell")
    plan = facts(coach.hear("do ten reps", "set_reps", count=10), "plan")
    assert plan == [{"exercise": "clamshell", "reps": 10, "sets": 2, "hold": 0,
                     "reason": "chosen"}]


def test_the_routine_offers_to_continue_where_it_stopped_today() -> None:
    coach = Coach(Context(acknowledged=True, done_today=("bird_dog", "clamshell")))
    actions = coach.hear("start my workout", "start_routine")
    assert texts(actions) == [line("routine_offer", done=2, count=5)]
    assert coach.phase is Phase.OFFER
    coach.hear("yes", "yes")
    assert coach.state.exercise == "glute_bridge"
    assert coach.state.queue == ("hip_thrust", "side_lying_hip_abduction")


def test_carry_on_takes_the_offer_to_continue() -> None:
    """The offer asks "Shall we carry on where you stopped?": "carry on" is a resume."""
    coach = Coach(Context(acknowledged=True, done_today=("bird_dog", "clamshell")))
    coach.hear("start my workout", "start_routine")
    coach.hear("carry on", "resume")
    assert coach.state.exercise == "glute_bridge"


def test_an_exercise_named_with_a_skip_at_the_offer_is_left_out_and_the_offer_made_again() -> None:
    coach = Coach(Context(acknowledged=True, done_today=("bird_dog", "clamshell")))
    offer = texts(coach.hear("start my workout", "start_routine"))
    actions = coach.hear("skip the hip thrust", "next", exercise=THRUST.id)
    assert texts(actions) == [line("left_out", name=THRUST.name), *offer]
    assert facts(actions, "exercise_skipped") == [{"exercise": THRUST.id}]
    assert facts(actions, "left_out") == [{"exercise": THRUST.id}]
    assert coach.phase is Phase.OFFER
    assert texts(coach.hear("skip", "next")) == offer
    coach.hear("yes", "yes")
    assert coach.state.exercise == "glute_bridge"
    assert coach.state.queue == ("side_lying_hip_abduction",)


def test_an_exercise_left_out_earlier_today_stays_out_of_the_routine_and_its_offer() -> None:
    coach = Coach(Context(acknowledged=True, done_today=("bird_dog",), left_out=("clamshell",)))
    coach.hear("start my workout", "start_routine")
    coach.hear("carry on", "resume")
    assert coach.state.exercise == "glute_bridge"
    assert coach.state.queue == ("hip_thrust", "side_lying_hip_abduction")
    coach.hear("start the clamshell", "start_exercise", exercise=CLAM.id)
    assert (coach.phase, coach.state.exercise) == (Phase.BRIEFING, CLAM.id)


def test_declining_the_offer_runs_the_whole_routine() -> None:
    coach = Coach(Context(acknowledged=True, done_today=("bird_dog",)))
    coach.hear("start my workout", "start_routine")
    coach.hear("no", "no")
    assert coach.state.exercise == "bird_dog"


# -- pain, from every phase --------------------------------------------------------------------


def _in_safety() -> Coach:
    return Coach(Context())


def _in_idle() -> Coach:
    return Coach()


def _in_briefing() -> Coach:
    return started("glute_bridge")


def _in_move() -> Coach:
    return at_first_rep("glute_bridge")


def _in(phase: Phase, ex_id: str = "glute_bridge") -> Callable[[], Coach]:
    def reach() -> Coach:
        coach = started(ex_id)
        coach.run_to(phase)
        return coach
    return reach


def _in_answer() -> Coach:
    coach = at_first_rep("glute_bridge")
    coach.hear("what does the clamshell work", "exercise_benefits", exercise="clamshell")
    return coach


def _in_paused() -> Coach:
    coach = at_first_rep("glute_bridge")
    coach.run_to(Phase.HOLD)
    coach.hear("hang on", "pause")
    return coach


def _in_rating() -> Coach:
    coach = started("glute_bridge")
    coach.run_to(Phase.CHECKIN)
    coach.hear("yes", "yes")
    return coach


def _in_offer() -> Coach:
    coach = Coach(Context(acknowledged=True, done_today=("bird_dog",)))
    coach.hear("start my workout", "start_routine")
    return coach


REACH: dict[Phase, tuple[Callable[[], Coach], str | None, int | None]] = {
    Phase.SAFETY: (_in_safety, None, None),
    Phase.IDLE: (_in_idle, None, None),
    Phase.BRIEFING: (_in_briefing, "glute_bridge", 1),
    Phase.MOVE: (_in_move, "glute_bridge", 1),
    Phase.HOLD: (_in(Phase.HOLD), "glute_bridge", 1),
    Phase.RETURN: (_in(Phase.RETURN), "glute_bridge", 1),
    Phase.SWITCH: (_in(Phase.SWITCH, "clamshell"), "clamshell", 1),
    Phase.REST: (_in(Phase.REST), "glute_bridge", 1),
    Phase.ANSWER: (_in_answer, "glute_bridge", 1),
    Phase.PAUSED: (_in_paused, "glute_bridge", 1),
    Phase.CHECKIN: (_in(Phase.CHECKIN), "glute_bridge", None),
    Phase.RATING: (_in_rating, "glute_bridge", None),
    Phase.OFFER: (_in_offer, None, None),
}
"""How to bring a session into each phase, and the exercise and rep a pain there is recorded with.
ENDED is the one phase left out: nothing happens there (checked at the end of the pain test)."""


@pytest.mark.parametrize("phase", [Phase.IDLE, Phase.HOLD], ids=lambda p: p.value)
def test_a_call_for_help_is_told_to_call_the_emergency_number(phase: Phase) -> None:
    coach = REACH[phase][0]()
    actions = coach._step(Heard("call nine one one", Match("report_pain", emergency=True)))
    said = texts(actions)
    assert said[1:] == [line("pain_emergency"), line("pain_advice")]
    assert "emergency number" in said[1] and end_reason(actions) == "pain"


@pytest.mark.parametrize("phase", list(REACH), ids=lambda p: p.value)
def test_the_end_of_typed_input_says_goodbye_from_every_phase(phase: Phase) -> None:
    """Nothing more can be heard, "it hurts" neither: the session ends, as a stop ends it."""
    coach = REACH[phase][0]()
    actions = coach._step(InputEnded())
    assert texts(actions)[-1].startswith("That's all for today.")
    assert end_reason(actions) == "end" and coach.phase is Phase.ENDED
    kept = [p["rating"] for p in facts(actions, "pain")]
    assert kept == ([None] if phase is Phase.RATING else [])  # a "yes" to "any pain?" is kept


def test_pain_reaches_every_phase_but_ended() -> None:
    assert set(REACH) == set(Phase) - {Phase.ENDED}


@pytest.mark.parametrize("phase", list(REACH), ids=lambda p: p.value)
def test_pain_stops_the_session_from_every_phase(phase: Phase) -> None:
    reach, exercise, rep = REACH[phase]
    coach = reach()
    assert coach.phase is phase
    actions = coach.hear("it hurts", "report_pain")
    assert actions[0] == Silence()
    under_way = rep is not None  # an exercise to stop; else only rest
    assert texts(actions) == [line("pain_stop" if under_way else "pain_rest"), line("pain_advice")]
    pain = facts(actions, "pain")
    assert [(p["exercise"], p["rep"]) for p in pain] == [(exercise, rep)]
    assert end_reason(actions) == "pain"
    assert coach.phase is Phase.ENDED
    assert coach.deadline is None
    assert coach.run_until(coach.now + 600) == []
    assert coach.hear("start glute bridge", "start_exercise", exercise="glute_bridge") == []
    assert coach.hear("it hurts", "report_pain") == []


# -- pause and resume --------------------------------------------------------------------------


def paused_in_hold() -> Coach:
    coach = at_first_rep("glute_bridge")
    coach.run_to(Phase.HOLD)
    coach.run_until(coach.now + 1)  # "1" has been counted
    assert coach.said[-1][1] == "1"
    coach.hear("hang on", "pause")
    return coach


def test_pause_in_a_hold_stops_speech_and_counts_nothing_however_long() -> None:
    coach = at_first_rep("glute_bridge")
    coach.run_to(Phase.HOLD)
    actions = coach.hear("hang on", "pause")
    assert actions[0] == Silence()
    assert texts(actions) == [line("paused")]
    assert coach.phase is Phase.PAUSED
    assert coach.deadline is None
    assert coach.run_until(coach.now + 3600) == []


def test_resume_starts_the_rep_again_from_its_move_cue_and_holds_afresh() -> None:
    coach = paused_in_hold()
    coach.run_until(coach.now + 300)
    said = texts(coach.hear("keep going", "resume"))
    assert said == [line("resumed"), BRIDGE_MOVE]
    assert coach.phase is Phase.MOVE
    assert coach.state.rep == 1
    assert coach.deadline == pytest.approx(
        coach.now + speech_seconds(line("resumed")) + BRIDGE.move_seconds)
    said = texts(coach.run_to(Phase.RETURN))
    assert said == [line("hold"), "1", "2", "3", BRIDGE.return_cue]


def test_yes_while_paused_resumes() -> None:
    """Paused, the coach says "say resume when you're ready": "yeah go on" is a yes, and resumes."""
    coach = paused_in_hold()
    said = texts(coach.hear("yeah go on", "yes"))
    assert said == [line("resumed"), BRIDGE_MOVE]
    assert coach.phase is Phase.MOVE


def test_a_lone_yes_while_paused_reminds_what_to_say() -> None:
    coach = paused_in_hold()
    assert texts(coach.hear("yes", "yes")) == [line("paused")]
    assert coach.phase is Phase.PAUSED


@pytest.mark.parametrize("into", [8.0, BRIDGE.rest_seconds - 2.5])
def test_a_rest_resumed_goes_on_with_the_time_it_had_left(into: float) -> None:
    coach = started("glute_bridge")
    coach.run_to(Phase.REST)
    rested_at = coach.now
    coach.run_until(rested_at + into)
    coach.hear("hang on", "pause")
    coach.run_until(coach.now + 75)
    mark = len(coach.said)
    coach.hear("yeah go on", "yes")
    coach.run_to(Phase.MOVE)
    left = max(BRIDGE.rest_seconds - into, speech_seconds(line("resumed")) + 3)
    end = coach.now
    assert end == pytest.approx(coach.said[mark][0] + left)
    assert [text for _, text in coach.lines_since(mark)] == [
        line("resumed"), "3", "2", "1", line("next_set", set=2, sets=BRIDGE.sets), BRIDGE_MOVE]
    assert [when for when, _ in coach.lines_since(mark)][1:4] == pytest.approx(
        [end - 3, end - 2, end - 1])


def test_pause_when_idle_is_ignored() -> None:
    coach = Coach()
    assert coach.hear("hang on", "pause") == []
    assert coach.phase is Phase.IDLE


# -- skip and stop -----------------------------------------------------------------------------


def test_skip_mid_exercise_moves_the_routine_on_to_the_next_exercise() -> None:
    coach = Coach()
    coach.hear("start my workout", "start_routine")
    first, second = list(EX.values())[:2]
    coach.run_to(Phase.HOLD)
    actions = coach.hear("skip this one", "next")
    assert actions[0] == Silence()
    assert facts(actions, "exercise_skipped") == [{"exercise": first.id}]
    assert facts(actions, "left_out") == []
    said = texts(actions)
    assert said[:2] == [line("skipped", name=first.name), line("routine_next", name=second.name)]
    assert said[2].startswith(line("briefing_intro", name=second.name))
    assert (coach.phase, coach.state.exercise) == (Phase.BRIEFING, second.id)


def test_skip_of_a_single_exercise_goes_idle() -> None:
    coach = at_first_rep("glute_bridge")
    said = texts(coach.hear("skip this one", "next"))
    assert said == [line("skipped", name=BRIDGE.name), line("what_next")]
    assert coach.phase is Phase.IDLE
    assert coach.deadline is None


def test_skipping_an_exercise_still_to_come_takes_it_out_of_the_routine() -> None:
    coach = Coach()
    coach.hear("start my workout", "start_routine")
    first, second, third = list(EX.values())[:3]
    coach.run_to(Phase.HOLD)
    actions = coach.hear("no more clamshells today", "next", exercise=second.id)
    assert facts(actions, "exercise_skipped") == [{"exercise": second.id}]
    assert texts(actions) == [line("left_out", name=second.name)]
    assert (coach.phase, coach.state.exercise) == (Phase.ANSWER, first.id)
    assert second.id not in coach.state.queue
    coach.run_to(Phase.MOVE)
    said = texts(coach.hear("skip this one", "next"))
    assert said[:2] == [line("skipped", name=first.name), line("routine_next", name=third.name)]
    assert coach.state.exercise == third.id


def test_skipping_the_exercise_under_way_by_name_skips_it_and_leaves_it_out_today() -> None:
    coach = at_first_rep("glute_bridge")
    actions = coach.hear("let's skip the bridge", "next", exercise=BRIDGE.id)
    assert facts(actions, "exercise_skipped") == [{"exercise": BRIDGE.id}]
    assert facts(actions, "left_out") == [{"exercise": BRIDGE.id}]
    assert texts(actions) == [line("skipped", name=BRIDGE.name), line("what_next")]
    assert coach.phase is Phase.IDLE
    said = texts(coach.hear("start my workout", "start_routine"))
    assert said[0] == line("routine_intro", count=len(EX) - 1, minutes=_minutes_said(said[0]))
    assert BRIDGE.id not in (coach.state.exercise, *coach.state.queue)


@pytest.mark.parametrize("setup", [lambda: at_first_rep("glute_bridge"), Coach])
def test_an_exercise_left_out_before_a_workout_is_not_in_it(setup: Callable[[], Coach]) -> None:
    coach = setup()
    before = coach.state.exercise
    actions = coach.hear("no clamshells today", "next", exercise=CLAM.id)
    assert texts(actions) == [line("left_out", name=CLAM.name)]
    assert facts(actions, "exercise_skipped") == [{"exercise": CLAM.id}]
    assert facts(actions, "left_out") == [{"exercise": CLAM.id}]
    assert coach.state.exercise == before
    coach.hear("start my workout", "start_routine")
    assert coach.state.exercise == BIRD.id
    assert coach.state.queue == tuple(ex for ex in list(EX)[1:] if ex != CLAM.id)
    coach.hear("start the clamshell", "start_exercise", exercise=CLAM.id)
    assert (coach.phase, coach.state.exercise) == (Phase.BRIEFING, CLAM.id)


def test_a_workout_with_every_exercise_left_out_starts_nothing() -> None:
    coach = Coach()
    for ex_id in EX:
        coach.hear("skip it", "next", exercise=ex_id)
    assert texts(coach.hear("start my workout", "start_routine")) == [line("what_next")]
    assert (coach.phase, coach.state.exercise) == (Phase.IDLE, None)


def test_skip_with_nothing_under_way_or_named_says_so() -> None:
    coach = Coach()
    assert texts(coach.hear("skip this one", "next")) == [line("skip_idle")]
    assert coach.phase is Phase.IDLE


def test_stop_says_goodbye_and_ends_the_session() -> None:
    coach = at_first_rep("glute_bridge")
    coach.run_until(coach.now + 120)
    actions = coach.hear("end the session", "stop")
    assert actions[0] == Silence()
    assert texts(actions) == [line("goodbye", minutes=round(coach.now / 60))]
    assert end_reason(actions) == "stop"
    assert coach.phase is Phase.ENDED


def test_stop_within_a_minute_says_goodbye_without_the_minutes() -> None:
    coach = started("glute_bridge")
    assert texts(coach.hear("end the session", "stop")) == [line("goodbye_short")]


# -- questions ---------------------------------------------------------------------------------


def test_a_question_mid_rep_is_answered_then_that_rep_starts_again() -> None:
    coach = paused_in_hold()
    coach.hear("keep going", "resume")
    coach.run_to(Phase.HOLD)
    coach.run_until(coach.now + 2)  # "1", "2"
    actions = coach.hear("what does the clamshell work", "exercise_benefits", exercise="clamshell")
    answer = line("answer_benefits", name=CLAM.name, muscles=CLAM.strengthens,
                  benefit=CLAM.benefit)
    assert actions[0] == Silence()
    assert texts(actions) == [answer]
    assert coach.phase is Phase.ANSWER
    assert coach.deadline == pytest.approx(coach.now + speech_seconds(answer))
    said = texts(coach.run_to(Phase.RETURN))
    assert said == [BRIDGE_MOVE, line("hold"), "1", "2", "3", BRIDGE.return_cue]
    assert (coach.state.set, coach.state.rep) == (1, 1)


def test_a_question_during_rest_does_not_shorten_it() -> None:
    coach = started("glute_bridge")
    coach.run_to(Phase.REST)
    due = coach.deadline
    coach.tick(coach.now + 1)
    coach.hear("how do I do a bird dog", "exercise_instructions", exercise="bird_dog")
    assert coach.phase is Phase.REST
    assert coach.deadline == due


def test_a_question_naming_no_exercise_is_about_the_one_under_way() -> None:
    coach = started("glute_bridge")
    coach.run_to(Phase.REST)
    said = texts(coach.hear("what does this one work", "exercise_benefits"))
    assert said == [line("answer_benefits", name=BRIDGE.name, muscles=BRIDGE.strengthens,
                         benefit=BRIDGE.benefit)]
    steps = " ".join((BRIDGE.position, *BRIDGE.steps))
    said = texts(coach.hear("how do i do this one", "exercise_instructions"))
    assert said == [line("answer_instructions", name=BRIDGE.name, steps=steps)]
    assert coach.phase is Phase.REST


def test_a_question_naming_no_exercise_with_none_under_way_asks_which() -> None:
    coach = Coach()
    assert texts(coach.hear("what does this one work", "exercise_benefits")) == [
        line("which_exercise")]
    assert texts(coach.hear("how do i do this one", "exercise_instructions")) == [
        line("which_exercise")]


# -- repeat and status -------------------------------------------------------------------------


def test_repeat_says_the_last_line_again() -> None:
    coach = Coach()
    coach.hear("what can I say", "help")
    assert texts(coach.hear("say that again", "repeat")) == [line("help")]


def test_repeat_skips_countdown_numbers() -> None:
    coach = started("glute_bridge")
    coach.run_to(Phase.REST)
    coach.run_until(coach.deadline or 0)
    assert coach.said[-1][1] == "3"
    said = texts(coach.hear("say that again", "repeat"))
    assert said == [line("rest", seconds=BRIDGE.rest_seconds)]


def test_repeat_mid_rep_says_the_movement_cue_again() -> None:
    coach = at_first_rep("glute_bridge")
    said = texts(coach.hear("say that again", "repeat"))
    assert said[0] == BRIDGE_MOVE


def test_status_says_exercise_set_rep_and_side() -> None:
    coach = at_first_rep("bird_dog")
    coach.run_to(Phase.RETURN)
    coach.run_to(Phase.HOLD)  # rep 1, left side
    said = texts(coach.hear("how many left", "status"))
    assert said == [
        line("status_exercise", name=BIRD.name, set=1, sets=BIRD.sets, rep=1, reps=BIRD.reps)
        + " " + line("status_side", side=line("side_left"))]


def test_status_when_idle_says_nothing_is_running() -> None:
    assert texts(Coach().hear("how many left", "status")) == [line("status_idle")]


def test_progress_tells_the_week_as_the_history_had_it() -> None:
    coach = Coach(Context(acknowledged=True, week=(2, 25)))
    assert texts(coach.hear("how am i doing", "progress")) == [
        line("progress", days=2, minutes=25)]
    assert texts(Coach().hear("how am i doing", "progress")) == [line("progress_none")]


def test_progress_mid_session_counts_this_sessions_reps_too() -> None:
    coach = at_first_rep("clamshell")
    coach.run_until(coach.now + 150)
    reps = coach.state.reps_done
    assert reps > 1
    said = texts(coach.hear("how am i doing", "progress"))
    assert said == [line("progress_first") + " "
                    + line("progress_session", reps=reps, minutes=round(coach.now / 60))]


# -- tempo -------------------------------------------------------------------------------------


def first_rep_durations(coach: Coach) -> tuple[float, float]:
    """Seconds the first rep spends moving and returning."""
    coach.hear("start glute bridge", "start_exercise", exercise="glute_bridge")
    coach.run_to(Phase.MOVE)
    moved = coach.now
    coach.run_to(Phase.HOLD)
    move = coach.now - moved
    coach.run_to(Phase.RETURN)
    returned = coach.now
    coach.run_until(coach.deadline or 0)
    return move, coach.now - returned


def moving(seconds: float) -> float:
    """How long the glute bridge's move lasts when its tempo makes it seconds: never less than
    its cue takes to say."""
    return max(seconds, speech_seconds(next(iter(BRIDGE.move_cues.values()))))


def test_a_move_lasts_until_the_rep_count_and_its_cue_are_said() -> None:
    """Bird dog's cues are long: its hold must not be counted over them."""
    coach = at_first_rep("bird_dog")
    coach.run_to(Phase.RETURN)
    said = texts(coach.run_to(Phase.MOVE))
    started = coach.now
    coach.run_to(Phase.HOLD)
    assert coach.now - started == pytest.approx(speech_seconds(" ".join(said[-2:])))
    assert coach.now - started > content().exercises["bird_dog"].move_seconds


def test_slower_stretches_moving_and_returning() -> None:
    coach = Coach()
    assert texts(coach.hear("slow down", "slower")) == [line("slower")]
    move, ret = first_rep_durations(coach)
    assert move == pytest.approx(BRIDGE.move_seconds * 1.25)
    assert ret == pytest.approx(BRIDGE.return_seconds * 1.25)


def test_faster_shortens_moving_and_returning() -> None:
    coach = Coach()
    assert texts(coach.hear("too slow", "faster")) == [line("faster")]
    move, ret = first_rep_durations(coach)
    assert move == pytest.approx(moving(BRIDGE.move_seconds * 0.8))
    assert ret == pytest.approx(BRIDGE.return_seconds * 0.8)


@pytest.mark.parametrize(("intent", "limit"), [("slower", TEMPO_RANGE[1]),
                                               ("faster", TEMPO_RANGE[0])])
def test_tempo_stops_at_its_limit(intent: str, limit: float) -> None:
    coach = Coach()
    replies = [texts(coach.hear(intent, intent)) for _ in range(8)]
    assert replies[0] == [line(intent)]
    assert replies[-2:] == [[line("tempo_limit")]] * 2
    move, ret = first_rep_durations(coach)
    assert move == pytest.approx(moving(BRIDGE.move_seconds * limit))
    assert ret == pytest.approx(BRIDGE.return_seconds * limit)


# -- reps and hold -----------------------------------------------------------------------------


def test_set_reps_changes_the_running_exercise() -> None:
    coach = at_first_rep("glute_bridge")
    assert texts(coach.hear("do two reps", "set_reps", count=2)) == [line("reps_set", count=2)]
    actions = coach.run_to(Phase.REST)
    assert [f["rep"] for f in facts(actions, "rep")] == [1, 2]
    assert line("rep_count", rep=2, reps=2) in texts(actions)


def at_rep(ex_id: str, rep: int, side: str | None = None, phase: Phase = Phase.MOVE) -> Coach:
    """A session in the set's first rep number rep, on side, in phase."""
    coach = at_first_rep(ex_id)
    for _ in range(MAX_TICKS):
        if (coach.state.rep, coach.state.side, coach.phase) == (rep, side, phase):
            return coach
        due = coach.deadline
        assert due is not None
        coach.tick(due)
    raise AssertionError(f"never reached rep {rep}, {side}, {phase}")


def sets_saved(actions: list[Action]) -> list[tuple[object, object]]:
    return [(f["set"], f["reps"]) for f in facts(actions, "set_done")]


@pytest.mark.parametrize("phase", [Phase.MOVE, Phase.HOLD, Phase.RETURN])
def test_fewer_reps_than_done_ends_the_set_now_with_the_reps_done(phase: Phase) -> None:
    coach = at_rep("bird_dog", 5, "left", phase)  # 4 reps done, and the right side of the 5th
    actions = coach.hear("do three reps", "set_reps", count=3)
    assert actions[1] == Silence()
    assert texts(actions) == [f"{line('reps_set', count=3)} {line('reps_set_done')}",
                              line("rest", seconds=BIRD.rest_seconds)]
    assert sets_saved(actions) == [(1, 4)]
    assert coach.phase is Phase.REST
    actions = coach.run_to(Phase.CHECKIN)
    assert [t for t in texts(actions) if t[0].isdigit() and " of " in t] == [
        line("rep_count", rep=n, reps=3) for n in (1, 2, 3)]
    assert sets_saved(actions) == [(2, 3)]


def test_as_many_reps_as_done_ends_the_last_set_at_the_check_in() -> None:
    coach = started("glute_bridge")
    coach.run_to(Phase.REST)
    coach.run_to(Phase.MOVE)
    coach.run_to(Phase.RETURN)
    coach.run_to(Phase.MOVE)  # set 2, rep 2: one done
    actions = coach.hear("just one rep", "set_reps", count=1)
    assert sets_saved(actions) == [(2, 1)]
    assert texts(actions)[-1] == line("any_pain", name=BRIDGE.name)
    assert coach.phase is Phase.CHECKIN


def test_fewer_reps_than_done_on_a_first_side_turns_to_the_other_for_as_many() -> None:
    coach = at_rep("clamshell", 5, "right")  # 4 done on the right
    actions = coach.hear("do three reps", "set_reps", count=3)
    assert texts(actions) == [
        f"{line('reps_set', count=3)} {line('reps_side_done', reps=4)}", line("switch_sides")]
    assert (coach.phase, coach.state.side, coach.state.rep) == (Phase.SWITCH, "left", 1)
    actions, reps = reps_of(coach, Phase.REST)
    assert [(r["rep"], r["side"]) for r in reps] == [(n, "left") for n in range(1, 5)]
    assert line("rep_count", rep=4, reps=4) in texts(actions)
    assert sets_saved(actions) == [(1, 4)]
    _, reps = reps_of(coach, Phase.CHECKIN)
    assert [(r["rep"], r["side"]) for r in reps] == [
        *((n, "right") for n in range(1, 4)), *((n, "left") for n in range(1, 4))]


def test_fewer_reps_than_done_on_the_second_side_ends_the_set() -> None:
    coach = at_rep("clamshell", 3, "left")
    actions = coach.hear("do two reps", "set_reps", count=2)
    assert texts(actions)[0] == f"{line('reps_set', count=2)} {line('reps_set_done')}"
    assert sets_saved(actions) == [(1, 2)]
    assert coach.phase is Phase.REST


def test_fewer_reps_than_done_while_paused_ends_the_set() -> None:
    coach = at_rep("glute_bridge", 3, phase=Phase.HOLD)
    coach.hear("hang on", "pause")
    actions = coach.hear("do two reps", "set_reps", count=2)
    assert sets_saved(actions) == [(1, 2)]
    assert coach.phase is Phase.REST


def test_more_reps_than_done_go_on_in_the_set_under_way() -> None:
    coach = at_rep("clamshell", 3, "right")
    assert texts(coach.hear("do eight reps", "set_reps", count=8)) == [line("reps_set", count=8)]
    assert texts(coach.hear("how many left", "status"))[0].startswith(line(
        "status_exercise", name=CLAM.name, set=1, sets=CLAM.sets, rep=3, reps=8))
    actions, reps = reps_of(coach, Phase.REST)
    assert [(r["rep"], r["side"]) for r in reps] == [
        *((n, "right") for n in range(3, 9)), *((n, "left") for n in range(1, 9))]
    assert sets_saved(actions) == [(1, 8)]


def test_a_count_no_higher_than_the_rep_under_way_finishes_with_it() -> None:
    coach = at_rep("glute_bridge", 4, phase=Phase.HOLD)
    coach.hear("four reps", "set_reps", count=4)
    actions = coach.run_to(Phase.REST)
    assert line("rep_count", rep=4, reps=4) in texts(actions)
    assert sets_saved(actions) == [(1, 4)]


@pytest.mark.parametrize(("asked", "kept"), [(50, REPS_RANGE[1]), (0, REPS_RANGE[0])])
def test_set_reps_is_kept_within_range(asked: int, kept: int) -> None:
    coach = at_first_rep("glute_bridge")
    said = texts(coach.hear(f"do {asked} reps", "set_reps", count=asked))
    assert said == [line("reps_set", count=kept)]
    assert coach.state.plans["glute_bridge"].reps == kept


def test_set_reps_when_idle_changes_every_exercise_of_this_session_only() -> None:
    """A count said before any exercise is for today: kept for next time by none of them, only
    grown or eased from it after an exercise done with it."""
    coach = Coach()
    actions = coach.hear("do ten reps", "set_reps", count=10)
    assert facts(actions, "plan") == []
    assert {ex_id: plan.reps for ex_id, plan in coach.state.plans.items()} == dict.fromkeys(EX, 10)
    coach.hear("start hip thrust", "start_exercise", exercise="hip_thrust")
    assert line("plan", reps=10, sets=EX["hip_thrust"].sets) in coach.said[-1][1]


def test_set_hold_changes_the_hold_count() -> None:
    coach = at_first_rep("glute_bridge")
    assert texts(coach.hear("hold for five", "set_hold", seconds=5)) == [
        line("hold_set", seconds=5)]
    said = texts(coach.run_to(Phase.RETURN))
    assert said == [line("hold"), "1", "2", "3", "4", "5", BRIDGE.return_cue]


def test_set_hold_on_an_exercise_without_a_hold_says_it_has_none() -> None:
    coach = at_first_rep("clamshell")
    said = texts(coach.hear("hold for five", "set_hold", seconds=5))
    assert said == [line("no_hold", name=CLAM.name)]


# -- routine -----------------------------------------------------------------------------------


def test_routine_runs_the_five_exercises_in_catalogue_order() -> None:
    coach = Coach()
    actions = coach.hear("start my workout", "start_routine")
    assert texts(actions)[0] == line("routine_intro", count=len(EX),
                                     minutes=_minutes_said(texts(actions)[0]))
    done: list[object] = []
    for _ in EX:
        coach.run_to(Phase.CHECKIN)
        actions = coach.hear("no", "no")
        done += [f["exercise"] for f in facts(actions, "exercise_done")]
    assert done == list(EX)
    assert line("routine_done") in texts(actions)
    assert coach.phase is Phase.IDLE


def _minutes_said(text: str) -> int:
    """The minutes figure in a routine_intro line."""
    numbers = [int(word) for word in text.split() if word.isdigit()]
    return numbers[-1]


def test_routine_estimate_is_about_as_long_as_the_routine() -> None:
    coach = Coach()
    said = texts(coach.hear("start my workout", "start_routine"))
    for _ in EX:
        coach.run_to(Phase.CHECKIN)
        coach.hear("no", "no")
    assert _minutes_said(said[0]) == pytest.approx(coach.now / 60, rel=0.25)


# -- what is not understood --------------------------------------------------------------------


def test_an_unmatched_sentence_gets_a_hint_once_per_gap() -> None:
    coach = Coach()
    assert texts(coach.hear("what's the weather like")) == [line("not_understood")]
    coach.run_until(HINT_GAP - 1)
    assert coach.hear("what's the weather like") == []
    coach.run_until(HINT_GAP)
    assert texts(coach.hear("what's the weather like")) == [line("not_understood")]


def test_an_answer_not_understood_is_asked_for_again() -> None:
    coach = started("glute_bridge")
    coach.run_to(Phase.CHECKIN)
    assert texts(coach.hear("i'm not sure")) == [line("not_understood_answer")]
    assert coach.phase is Phase.CHECKIN
    coach.hear("yes", "yes")
    coach.run_until(coach.now + HINT_GAP)
    assert texts(coach.hear("hard to say")) == [line("not_understood_rating")]
    assert coach.phase is Phase.RATING


def test_one_word_not_understood_is_asked_for_again_only_where_an_answer_is_awaited() -> None:
    coach = started("glute_bridge")
    assert coach.hear("severe") == []  # a word alone, when nothing was asked: noise, maybe
    coach.run_to(Phase.CHECKIN)
    coach.hear("yes", "yes")
    assert texts(coach.hear("severe")) == [line("not_understood_rating")]


@pytest.mark.parametrize("phase", [Phase.MOVE, Phase.HOLD, Phase.REST, Phase.PAUSED])
def test_during_an_exercise_what_is_not_understood_gets_how_to_stop(phase: Phase) -> None:
    coach = started("glute_bridge")
    if phase is Phase.PAUSED:
        coach.run_to(Phase.HOLD)
        coach.hear("hang on", "pause")
    coach.run_to(phase)
    assert texts(coach.hear("[unk] kicked [unk] drink")) == [line("not_understood_working")]
    assert coach.phase is phase
    assert end_reason(coach.hear("stop", "stop")) == "stop"


def test_one_word_noise_gets_nothing() -> None:
    assert Coach().hear("hmm") == []


# -- the end -----------------------------------------------------------------------------------


def test_finish_summarises_the_session() -> None:
    coach = started("glute_bridge")
    coach.run_to(Phase.CHECKIN)
    worked = coach.now
    coach.hear("no", "no")
    coach.run_until(600)
    state, actions = coach.session.finish(coach.state, coach.now)
    assert actions == [Emit("session_end", {"summary": {
        "reason": "end", "minutes": round(worked / 60, 1), "exercises": ["glute_bridge"],
        "reps": BRIDGE.reps * BRIDGE.sets}})]
    assert state.phase is Phase.ENDED


def test_the_minutes_are_of_exercise_not_of_waiting_idle_or_for_an_answer() -> None:
    coach = Coach(now=0.0)
    coach.run_until(300)  # idle before starting
    coach.hear("start glute bridge", "start_exercise", exercise="glute_bridge")
    coach.run_to(Phase.CHECKIN)
    worked = coach.now - 300
    coach.run_until(coach.now + 1000)  # the check-in left unanswered
    actions = coach.hear("end the session", "stop")
    assert summed_up(actions, "minutes") == round(worked / 60, 1)
    assert texts(actions) == [line("goodbye", minutes=round(worked / 60))]


def test_the_minutes_leave_out_a_pause_and_count_an_exercise_under_way_at_the_end() -> None:
    coach = at_first_rep("glute_bridge")
    coach.run_to(Phase.HOLD)
    coach.hear("hang on", "pause")
    paused_at = coach.now
    coach.run_until(paused_at + 1200)
    coach.hear("keep going", "resume")
    coach.run_until(coach.now + 60)
    assert coach.session.running(coach.state) and coach.phase is not Phase.PAUSED
    said = texts(coach.hear("how am i doing", "progress"))
    worked = paused_at + 60
    assert said[-1].endswith(line("progress_session", reps=coach.state.reps_done,
                                  minutes=round(worked / 60)))
    _, actions = coach.session.finish(coach.state, coach.now)
    assert summed_up(actions, "minutes") == round(worked / 60, 1)


def test_a_known_exercise_gets_a_brief_briefing() -> None:
    full = Coach().hear("start glute bridge", "start_exercise", exercise="glute_bridge")
    known = Coach(Context(acknowledged=True, brief=frozenset({"glute_bridge"})))
    brief = known.hear("start glute bridge", "start_exercise", exercise="glute_bridge")
    ex = CONTENT.exercises["glute_bridge"]
    assert ex.position in texts(full)[0] and ex.position not in texts(brief)[0]
    assert line("plan", reps=ex.reps, sets=ex.sets) in texts(brief)[0]
    assert len(texts(brief)[0]) < len(texts(full)[0]) / 2


def test_each_hold_second_is_a_fact_with_its_deadline() -> None:
    coach = at_first_rep("glute_bridge")
    coach.run_to(Phase.HOLD)
    start = coach.now
    actions = coach.run_until(start + 3)
    holds = facts(actions, "hold")
    assert [(h["count"], h["deadline"]) for h in holds] == [
        (n, round(start + n, 3)) for n in range(1, 4)]


def test_a_step_much_later_than_due_is_timed_from_when_it_happens() -> None:
    coach = at_first_rep("glute_bridge")
    coach.run_to(Phase.HOLD)
    due = coach.deadline
    assert due is not None
    coach.tick(due + 5)
    assert coach.deadline == pytest.approx(due + 6)
