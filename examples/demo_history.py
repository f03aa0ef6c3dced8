"""Build a demo history: three weeks of scripted routines, then `voicecoach history --plot`.

    python examples/demo_history.py demo.db docs/progress.png

Each session is a real routine on a simulated clock, answered "no" at every check-in (one day
reports pain), so the plans progress as they would for a user; the sessions are then dated over
the last three weeks.
"""

from __future__ import annotations

import io
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

from voicecoach.cli import main
from voicecoach.coach import Coach, EventLog, Ports
from voicecoach.content import content
from voicecoach.history import History
from voicecoach.intents import default_intents
from voicecoach.matcher import Matcher
from voicecoach.session import Session
from voicecoach.session_types import Context, Phase

SKIPPED = {3, 4, 10, 17}
"""Days without a session."""
PAIN_DAY = 8


def one_routine(history: History, pain: bool) -> None:
    context = Context(acknowledged=True, plans=history.plans(), previous=history.previous_plans())
    coach = Coach(Session(content(), context), Matcher(default_intents()),
                  Ports(None, EventLog(None), history, out=io.StringIO()))
    coach.begin(0.0)
    coach.hear("start my workout", 1.0)
    now = 1.0
    while coach.state is not None and coach.state.phase is not Phase.IDLE and not coach.ended:
        now = coach.settle(now)
        if coach.state.phase is Phase.CHECKIN:
            coach.hear("yes" if pain else "no", now)
            if pain:
                coach.hear("about a five", now)
                pain = False
    coach.hear("stop", now)


def main_demo(db: Path, chart: Path) -> None:
    db.unlink(missing_ok=True)
    history = History(db)
    today = datetime.now(UTC).replace(hour=8, minute=0, second=0, microsecond=0)
    for day in range(21):
        if day in SKIPPED:
            continue
        one_routine(history, pain=day == PAIN_DAY)
        when = (today - timedelta(days=20 - day)).isoformat(timespec="seconds")
        history.db.execute("UPDATE sessions SET started = ? WHERE id = ?",
                           (when, history.session_id))
        history.db.commit()
    history.close()
    main(["history", "--db", str(db), "--plot", str(chart)])


if __name__ == "__main__":
    main_demo(Path(sys.argv[1]), Path(sys.argv[2]))
