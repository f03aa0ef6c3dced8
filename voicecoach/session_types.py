"""The session's vocabulary: phases, state, the events it takes and the actions it returns."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum

from voicecoach.decision import Match

WORDS_PER_SECOND = 2.6
"""Speaking pace used to wait for a long line to finish before the next timed step."""


def speech_seconds(text: str) -> float:
    """About how long a line takes to say."""
    return len(text.split()) / WORDS_PER_SECOND


class Phase(Enum):
    SAFETY = "safety"
    IDLE = "idle"
    BRIEFING = "briefing"
    MOVE = "move"
    HOLD = "hold"
    RETURN = "return"
    SWITCH = "switch"
    REST = "rest"
    ANSWER = "answer"
    PAUSED = "paused"
    CHECKIN = "checkin"
    RATING = "rating"
    OFFER = "offer"
    ENDED = "ended"


REP_PHASES = (Phase.MOVE, Phase.HOLD, Phase.RETURN, Phase.ANSWER)
TIMED = (Phase.BRIEFING, *REP_PHASES, Phase.SWITCH, Phase.REST)
WORKING = (*TIMED, Phase.PAUSED)


@dataclass(frozen=True)
class Plan:
    reps: int
    """Reps per set, on each side for one-sided and alternating exercises."""
    sets: int
    hold: int
    """Seconds each rep is held; 0 for exercises without a hold."""


@dataclass(frozen=True)
class Context:
    """What the session knows from outside when it starts."""

    acknowledged: bool = False
    """The first-run safety statement was accepted in an earlier session."""
    last_pain: str | None = None
    """Exercise id of the pain reported in the last session, if any."""
    week: tuple[int, int] = (0, 0)
    """(days exercised, minutes) over the last seven days."""
    plans: dict[str, Plan] = field(default_factory=dict)
    """Today's plans where they differ from the catalogue's beginner plan, by exercise id."""
    previous: dict[str, Plan] = field(default_factory=dict)
    """The plans of the last time each exercise was done, by exercise id."""
    brief: frozenset[str] = frozenset()
    """Exercises the user knows: briefed with name, plan and one cue only."""
    done_today: tuple[str, ...] = ()
    """Exercises already finished today, in earlier sessions."""
    left_out: tuple[str, ...] = ()
    """Exercises taken off today's workout by name in earlier sessions."""
    start: str | None = None
    """An exercise id or "routine" to begin with, as asked on the command line."""


@dataclass(frozen=True)
class State:
    phase: Phase
    at: float
    """Session seconds of the last step."""
    deadline: float | None = None
    """Session seconds at which the current timed step ends."""
    exercise: str | None = None
    set: int = 1
    rep: int = 1
    goal: int = 0
    """Reps (on each side) the set under way comes to: its plan's, or a count said during it; on
    the second side of a one-sided exercise, as many as the first side did."""
    side: str | None = None
    """"left", "right" or None."""
    count: int = 0
    """Hold seconds or rest countdown numbers said so far."""
    tempo: float = 1.0
    plans: dict[str, Plan] = field(default_factory=dict)
    queue: tuple[str, ...] = ()
    """Exercises of the routine still to come."""
    routine: bool = False
    """The whole routine was asked for."""
    left_out: tuple[str, ...] = ()
    """Exercises taken out of today's workout by name: "no clamshells today"."""
    paused_from: Phase | None = None
    paused_left: float = 0.0
    """Seconds the step paused had still to run when paused."""
    last_said: str = ""
    last_hint: float = float("-inf")
    reps_done: int = 0
    worked: float = 0.0
    """Seconds of exercise up to `at`: spent in a timed phase (a briefing, a rep, a switch, a
    rest), not idle, paused or waiting for an answer."""
    done: tuple[str, ...] = ()
    """Exercises finished this session."""


@dataclass(frozen=True)
class Heard:
    """An utterance, and what the matcher made of it."""

    text: str
    match: Match | None


@dataclass(frozen=True)
class Tick:
    """Time passes: anything due by now happens."""


@dataclass(frozen=True)
class MicLost:
    """The microphone stopped: nothing the user says reaches the coach."""


@dataclass(frozen=True)
class InputEnded:
    """Nothing more can reach the coach: the typed input ended (Ctrl-D, or the end of a pipe)."""


Event = Heard | Tick | MicLost | InputEnded


@dataclass(frozen=True)
class Say:
    text: str
    count: bool = False
    """A count or countdown number: not kept for "say that again"."""


@dataclass(frozen=True)
class Silence:
    """Stop speaking at once."""


@dataclass(frozen=True)
class Emit:
    """A fact for the event log and the history: rep, set_done, pain, acknowledged, ..."""

    type: str
    data: dict[str, object]


Action = Say | Silence | Emit
