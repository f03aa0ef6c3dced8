"""`voicecoach run` and `voicecoach history`: wiring the session to its ports."""

from __future__ import annotations

import argparse
import json
import logging
import os
import queue
import signal
import sys
import threading
import time
from collections.abc import Callable
from contextlib import ExitStack
from dataclasses import asdict
from datetime import UTC, datetime
from pathlib import Path
from types import FrameType
from typing import IO, TYPE_CHECKING, Any

from voicecoach.cli import stdin_text
from voicecoach.coach import Coach, Ports, run_live, run_script
from voicecoach.content import content
from voicecoach.errors import HistoryUnwritable, UsageError
from voicecoach.events import EventLog
from voicecoach.history import DayRow, History, SessionRow
from voicecoach.intents import default_intents
from voicecoach.listen import INTERRUPTED, Listener, Notice, Utterance
from voicecoach.matcher import Matcher
from voicecoach.script import read_script
from voicecoach.session import Session
from voicecoach.session_types import Context
from voicecoach.settings import Settings, load_settings, merged

if TYPE_CHECKING:
    from voicecoach.audio.speaker import TtsSpeaker

log = logging.getLogger(__name__)


class MonotonicClock:
    """Session seconds since the clock was made, on the monotonic clock."""

    def __init__(self) -> None:
        self.zero = time.monotonic()

    def now(self) -> float:
        return time.monotonic() - self.zero


def db_path(args: argparse.Namespace) -> Path:
    """The history file; a folder or a device is a usage error, before anything starts."""
    from voicecoach.cli import default_db
    path: Path = args.db or default_db()
    if path.exists() and not path.is_file():
        raise UsageError(f"{path} is not a history file but a folder or a device; pass --db with "
                         "the history file itself.")
    return path


FINISH_SECONDS = 30.0
"""How long the end of a session waits for the coach to finish speaking."""
BRIEF_AFTER = 3
"""In brief mode "auto", an exercise done this many times is briefed shortly."""


def _brief(settings: Settings, times_done: dict[str, int]) -> frozenset[str]:
    if settings.brief == "always":
        return frozenset(content().exercises)
    if settings.brief == "never":
        return frozenset()
    return frozenset(ex for ex, n in times_done.items() if n >= BRIEF_AFTER)


def _context(history: History | None, args: argparse.Namespace, settings: Settings) -> Context:
    start = args.exercise or ("routine" if args.routine else None)
    if history is None:
        return Context(start=start, brief=_brief(settings, {}))
    return Context(acknowledged=history.acknowledged(), last_pain=history.last_pain(),
                   week=history.week(), plans=history.plans(), previous=history.previous_plans(),
                   brief=_brief(settings, history.times_done()),
                   done_today=history.done_today(), left_out=history.left_out_today(),
                   start=start)


def _events(stack: ExitStack, path: Path | None, keep: list[Path | None]) -> EventLog:
    """The events, to the file at path (never one of keep: the history, the script) once
    _start_events opens it, so that a run that fails before leaves it as it was; what waits for
    the last lines is written once they are over (the speaker's own exit comes first: it is
    pushed on the stack later), then the file is closed."""
    if path and any(other and path.exists() and other.exists() and path.samefile(other)
                    for other in keep):
        raise UsageError(f"The events file {path} is the history or the script, which it would "
                         "overwrite; pass --events another file.")
    events = EventLog(None)
    stack.callback(_close_events, events)
    return events


def _start_events(events: EventLog, path: Path | None) -> None:
    """The session starts: open the events file (emptied), if there is one."""
    if path is None:
        return
    try:
        events.out = path.open("w", encoding="utf-8")
    except OSError as exc:
        fix = ("a file in a folder that exists" if isinstance(exc, FileNotFoundError)
               else "a file, not a folder" if isinstance(exc, IsADirectoryError)
               else "a file in a folder you can write to")
        raise UsageError(f"Cannot write the events file {path} ({exc.strerror}); pass --events "
                         f"{fix}.") from exc


def _close_events(events: EventLog) -> None:
    events.close()
    if events.out:
        events.out.close()


def _speaker(args: argparse.Namespace, settings: Settings) -> TtsSpeaker | None:
    """The speaker; None when nothing can be played (the coach only prints, and times its lines
    by events.Estimate)."""
    if args.no_speech:
        return None
    from voicecoach.audio.speaker import open_speaker
    speaker, reason = open_speaker(settings.voice, settings.rate, args.output_device,
                                   record=args.echo_cancel and not args.text)
    if reason:
        print(f"voicecoach: {reason}", file=sys.stderr)
    return speaker


def _finish_speaking(speaker: TtsSpeaker) -> None:
    """Let the last lines ("see a physical therapist", the goodbye) be heard, then let go."""
    speaker.wait(timeout=FINISH_SECONDS)
    speaker.close()


Handler = Callable[[int, FrameType | None], Any] | int | None
"""A signal's handler, as signal.signal takes and gives it."""
ENDING = ("SIGINT", "SIGTERM", "SIGHUP")
"""Ctrl-C, a shutdown or `timeout`, a closed terminal: what ends a session, saved as interrupted
(the signals of them the platform has)."""


def _interrupt_between_steps(stack: ExitStack, heard: queue.Queue[Utterance]) -> list[int]:
    """Ctrl-C, SIGTERM and SIGHUP reach the coach as INTERRUPTED, so that the session ends
    between two of its steps (a KeyboardInterrupt raised in the middle of one left it half done,
    and its end unsaved; SIGTERM and SIGHUP ended it unsaved); a signal after the first, or after
    the session, is handled as it was before (a second Ctrl-C is Python's own), and one ignored
    (nohup) stays ignored. Returns the signals received."""
    received: list[int] = []
    before: dict[int, Handler] = {}

    def handler(signum: int, frame: object) -> None:
        received.append(signum)
        _restore(before)
        # put from another thread: the main one may hold the queue's lock when the signal comes
        threading.Thread(target=heard.put, args=(INTERRUPTED,), daemon=True).start()

    for name in ENDING:
        number = getattr(signal, name, None)
        if number is not None and signal.getsignal(number) is not signal.SIG_IGN:
            before[number] = signal.signal(number, handler)
    stack.callback(_restore, before)
    return received


def _restore(handlers: dict[int, Handler]) -> None:
    for number, handler in handlers.items():
        signal.signal(number, handler)


def _live_session(coach: Coach, heard: queue.Queue[Utterance], received: list[int]) -> int:
    """The session in real time; the exit status: a signal's (128 + its number) once it is
    saved."""
    try:
        run_live(coach, heard, MonotonicClock(), lambda: bool(received))
    except KeyboardInterrupt:  # run_live has saved and summed up the session
        return 128 + (received[0] if received else signal.SIGINT)
    return 0


def _typed(stream: IO[str], heard: queue.Queue[Utterance]) -> None:
    """Each typed line is heard; then the end of input, also when reading fails."""
    try:
        for line in stream:
            heard.put(line.strip())
    except (OSError, ValueError) as exc:
        log.warning("Reading what is typed failed (%s); that is taken as the end of input.", exc)
    finally:
        heard.put(None)


def _history(path: Path) -> tuple[History | None, str | None]:
    """The history file, or None and why it cannot be written (a damaged one stops the run)."""
    try:
        return History(path), None
    except HistoryUnwritable as exc:
        return None, str(exc)


def _listen(stack: ExitStack, args: argparse.Namespace, matcher: Matcher,
            heard: queue.Queue[Utterance], speaker: TtsSpeaker | None) -> None:
    """Hear the microphone through the recognizer (after the echo canceller, unless turned off),
    in a thread of its own, the recognizer in a process of its own (audio/apart.py); what the
    speaker plays and is saying tells them what is the coach's own voice."""
    from voicecoach.audio.apart import RecognizerProcess
    from voicecoach.audio.devices import resolve
    from voicecoach.audio.echo import make_canceller
    from voicecoach.audio.mic import MicSource

    resolve(args.input_device, "input")  # no microphone: say so before anything starts
    recognizer = RecognizerProcess(args.recognizer, args.model, matcher.intents.expanded())
    stack.callback(recognizer.close)
    clean = make_canceller(speaker.playback if speaker else None)  # None with --no-echo-cancel
    cancelling = ", taking the coach's own voice out of it" if clean else ""
    print(f"voicecoach: listening with {recognizer.name}{cancelling}", file=sys.stderr)
    if recognizer.name == "pocketsphinx" and args.recognizer == "auto":
        heard.put(Notice("recognizer_fallback"))
    listener = Listener(lambda: MicSource(args.input_device, clean=clean), recognizer, matcher,
                        heard, speaker.speaking if speaker else None,
                        (lambda: clean.converged) if clean else None)
    listener.start()
    stack.callback(listener.stop)


def cmd_run(args: argparse.Namespace) -> int:
    if args.script:
        lines = read_script(args.script)
    if args.text:
        typed = stdin_text("run --text reads your commands from it, so start it from a terminal "
                           "or pipe them in")
    matcher = Matcher(default_intents())
    settings = merged(load_settings(), args.voice, args.rate, args.brief)
    rehearsal = args.script and not (args.db or os.environ.get("VOICECOACH_DB"))
    history, problem = (None, None) if rehearsal else _history(db_path(args))
    with ExitStack() as stack:
        if history:
            stack.callback(history.close)
        session = Session(content(), _context(history, args, settings))
        events = _events(stack, args.events, [db_path(args), args.script])
        if args.script:
            _start_events(events, args.events)
            run_script(Coach(session, matcher, Ports(None, events, history, problem)), lines)
            return 0
        speaker = _speaker(args, settings)
        if speaker:
            stack.callback(_finish_speaking, speaker)
        coach = Coach(session, matcher, Ports(speaker, events, history, problem))
        heard: queue.Queue[Utterance] = queue.Queue()
        received = _interrupt_between_steps(stack, heard)
        if args.text:
            threading.Thread(target=_typed, args=(typed, heard), daemon=True).start()
        else:
            _listen(stack, args, matcher, heard, speaker)
        _start_events(events, args.events)
        return _live_session(coach, heard, received)


def cmd_history(args: argparse.Namespace) -> int:
    path = db_path(args)
    if args.plot is not None:
        from voicecoach.plot import chart_file, plot_days
        chart = chart_file(args.plot, path)
    if path.exists() and path.stat().st_size:
        rows, days = _read_history(path)
    else:  # an empty file is no history either, and is left as it is
        rows, days = [], []
        print(f"voicecoach: no history yet in {path}; it starts with your first session.",
              file=sys.stderr)
    if args.plot is not None:
        plot_days(days, chart, datetime.now(UTC).date())
        print(f"voicecoach: chart written to {chart}", file=sys.stderr)
    if args.json:
        for row in rows:
            print(json.dumps(asdict(row)))
        return 0
    print(f"{'date':12}{'minutes':>8}  {'ended by':13}exercises")
    for row in rows:
        where = f": {', '.join(row.pain_in)}" if row.pain_in else ""
        exercises = ", ".join(row.exercises) + (f"  (pain reported{where})" if row.pain else "")
        print(f"{row.date:12}{row.minutes:>8}  {row.reason:13}{exercises}")
    return 0


def _read_history(path: Path) -> tuple[list[SessionRow], list[DayRow]]:
    try:
        history = History(path)
    except HistoryUnwritable:
        history = History(path, read_only=True)
    try:
        return history.sessions(), history.days()
    finally:
        history.close()
