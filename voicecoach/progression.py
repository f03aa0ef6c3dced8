"""Gradual progression: start slowly, add a little after each pain-free session, ease off on pain.

The order of growth is reps (by ``REPS_STEP`` up to ``MAX_REPS``), then one more set (reps back to
the beginner's number) up to ``MAX_SETS``, then one more second of hold up to ``MAX_HOLD`` for the
exercises that hold. Pain steps back: a second of hold; else ``REPS_STEP`` fewer reps, or one set
fewer (its reps kept) where an extra set would fall below the beginner's reps; never below
``MIN_REPS`` reps, and never up.
"""

from __future__ import annotations

from dataclasses import replace

from voicecoach.session_types import Plan

REPS_STEP = 2
MAX_REPS = 10
MIN_REPS = 3
MAX_SETS = 3
MAX_HOLD = 8
"""Seconds."""


def progress(plan: Plan, beginner: Plan) -> Plan:
    """The plan for next time after a pain-free session."""
    if plan.reps < MAX_REPS:
        return replace(plan, reps=min(MAX_REPS, plan.reps + REPS_STEP))
    if plan.sets < MAX_SETS:
        return replace(plan, sets=plan.sets + 1, reps=beginner.reps)
    if beginner.hold and plan.hold < MAX_HOLD:
        return replace(plan, hold=plan.hold + 1)
    return plan


def step_back(plan: Plan, beginner: Plan) -> Plan:
    """The plan for next time after pain: one rung easier, and never more of anything, not even
    for a plan the user chose below the ladder ("do two reps")."""
    if beginner.hold and plan.hold > beginner.hold:
        return replace(plan, hold=plan.hold - 1)
    if plan.sets > beginner.sets and plan.reps - REPS_STEP < beginner.reps:
        return replace(plan, sets=plan.sets - 1)
    return replace(plan, reps=min(plan.reps, max(MIN_REPS, plan.reps - REPS_STEP)))
