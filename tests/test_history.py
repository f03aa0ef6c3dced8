"""The history file: facts kept as they happen; damage reported, never overwritten."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from voicecoach.errors import HistoryError, HistoryUnwritable
from voicecoach.history import MIGRATIONS, SCHEMA_VERSION, History
from voicecoach.session_types import Plan


def test_acknowledgement_is_remembered(tmp_path: Path) -> None:
    db = tmp_path / "h.db"
    first = History(db)
    assert not first.acknowledged()
    first.acknowledge()
    first.close()
    assert History(db).acknowledged()


def test_a_session_with_sets_and_pain(tmp_path: Path) -> None:
    history = History(tmp_path / "h.db")
    history.begin()
    history.record_set("glute_bridge", 1, 6, 3, 1.0)
    history.record_pain("glute_bridge", 4, "it hurts")
    history.end(3.5, "pain")
    rows = history.sessions()
    assert [(r.minutes, r.reason, r.exercises, r.pain) for r in rows] == [
        (3.5, "pain", ["glute_bridge"], True)]
    assert history.last_pain() == "glute_bridge"
    assert history.week() == (1, 4)


def test_the_week_is_today_and_the_six_days_before_as_the_chart_counts(tmp_path: Path) -> None:
    history = History(tmp_path / "h.db")
    for started in ("2026-11-22T23:59:00+00:00", "2026-11-23T00:01:00+00:00",
                    "2026-11-29T08:00:00+00:00"):
        history.begin()
        history.end(10.0, "end")
        history.db.execute("UPDATE sessions SET started = ? WHERE id = ?",
                           (started, history.session_id))
        history.db.commit()
    assert history.week(datetime(2026, 11, 29, 12, 0, tzinfo=UTC)) == (2, 20)


def test_a_pain_free_session_clears_last_pain(tmp_path: Path) -> None:
    history = History(tmp_path / "h.db")
    for pain in (True, False):
        history.begin()
        if pain:
            history.record_pain("clamshell", 2, "ouch")
        history.end(1.0, "stop")
    assert history.last_pain() is None


def test_each_set_is_committed_at_once(tmp_path: Path) -> None:
    db = tmp_path / "h.db"
    history = History(db)
    history.begin()
    history.record_set("clamshell", 1, 6, 0, 1.0)
    count = sqlite3.connect(db).execute("SELECT COUNT(*) FROM sets").fetchone()[0]
    assert count == 1


def test_a_corrupt_file_is_reported_and_kept(tmp_path: Path) -> None:
    db = tmp_path / "h.db"
    db.write_bytes(b"this is not a database" * 100)
    with pytest.raises(HistoryError, match="damaged or not a database; move it aside"):
        History(db)
    assert db.read_bytes() == b"this is not a database" * 100


def test_a_file_from_a_newer_version_is_refused(tmp_path: Path) -> None:
    db = tmp_path / "h.db"
    sqlite3.connect(db).execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    with pytest.raises(HistoryError, match="newer voicecoach"):
        History(db)


@pytest.mark.parametrize("tables", ["CREATE TABLE foo (x)",
                                    "CREATE TABLE sessions (x); CREATE TABLE notes (y)"])
def test_another_programs_database_is_refused_and_left_as_it_is(tmp_path: Path,
                                                                 tables: str) -> None:
    db = tmp_path / "other.db"
    other = sqlite3.connect(db)
    other.executescript(tables)
    other.close()
    before = db.read_bytes()
    with pytest.raises(HistoryError, match="database of something else, not a voicecoach "
                                           "history"):
        History(db)
    assert db.read_bytes() == before


def test_a_version_1_file_is_migrated_and_keeps_its_sessions(tmp_path: Path) -> None:
    db = tmp_path / "h.db"
    old = sqlite3.connect(db)
    old.executescript(MIGRATIONS[1])
    old.execute("INSERT INTO sessions (started, ended, minutes, reason) "
                "VALUES ('2026-11-20T08:00:00', '2026-11-20T08:20:00', 20, 'stop')")
    old.execute("PRAGMA user_version = 1")
    old.commit()
    old.close()
    history = History(db)
    assert [r.minutes for r in history.sessions()] == [20]
    history.begin()
    history.record_pain("clamshell", 1, "ouch", rating=5)
    assert sqlite3.connect(db).execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION


def test_plans_done_today_and_last_plans(tmp_path: Path) -> None:
    history = History(tmp_path / "h.db")
    history.begin()
    history.record_set("glute_bridge", 1, 6, 3, 1.0)
    history.record_set("glute_bridge", 2, 6, 3, 1.0)
    history.record_done("glute_bridge", pain=False)
    history.save_plan("glute_bridge", Plan(8, 2, 3), "progress")
    assert history.plans() == {"glute_bridge": Plan(8, 2, 3)}
    assert history.previous_plans() == {"glute_bridge": Plan(6, 2, 3)}
    assert history.done_today() == ("glute_bridge",)


def test_an_exercise_left_out_is_kept_for_the_rest_of_the_day(tmp_path: Path) -> None:
    db = tmp_path / "h.db"
    first = History(db)
    first.begin()
    first.record_left_out("clamshell")
    first.end(0.0, "stop")
    first.close()
    later = History(db)
    assert later.left_out_today() == ("clamshell",)
    assert later.left_out_today("2000-01-01") == ()


def test_a_version_2_file_is_migrated_and_can_keep_what_is_left_out(tmp_path: Path) -> None:
    db = tmp_path / "h.db"
    old = sqlite3.connect(db)
    for step in (1, 2):
        old.executescript(MIGRATIONS[step])
    old.execute("INSERT INTO done (session_id, exercise, pain, at) "
                "VALUES (1, 'bird_dog', 0, '2026-11-20T08:10:00')")
    old.execute("PRAGMA user_version = 2")
    old.commit()
    old.close()
    history = History(db)
    assert history.done_today("2026-11-20") == ("bird_dog",)
    assert history.left_out_today() == ()
    history.begin()
    history.record_left_out("clamshell")
    assert history.left_out_today() == ("clamshell",)
    assert sqlite3.connect(db).execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION


def test_two_coaches_on_one_file_both_keep_their_sets(tmp_path: Path) -> None:
    db = tmp_path / "h.db"
    first, second = History(db), History(db)
    first.begin()
    second.begin()
    for n in range(1, 4):
        first.record_set("clamshell", n, 6, 0, 1.0)
        second.record_set("bird_dog", n, 6, 3, 1.0)
    first.end(5, "stop")
    second.end(6, "stop")
    rows = sqlite3.connect(db).execute(
        "SELECT exercise, COUNT(*) FROM sets GROUP BY exercise ORDER BY exercise").fetchall()
    assert rows == [("bird_dog", 3), ("clamshell", 3)]


def test_a_full_disk_is_an_unwritable_history(tmp_path: Path) -> None:
    history = History(tmp_path / "h.db")
    history.begin()
    pages = history.db.execute("PRAGMA page_count").fetchone()[0]
    history.db.execute(f"PRAGMA max_page_count = {pages}")
    with pytest.raises(HistoryUnwritable, match="check the disk"):
        for n in range(10_000):
            history.record_pain("clamshell", n, "x" * 500)


def test_a_read_only_place_is_an_unwritable_history() -> None:
    with pytest.raises(HistoryUnwritable, match="pass --db with a writable place"):
        History(Path("/proc/self/voicecoach-history.db"))


def test_an_unwritable_path_is_an_unwritable_history(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    with pytest.raises(HistoryUnwritable, match="cannot be written"):
        History(blocker / "h.db")


@pytest.fixture
def read_only(tmp_path: Path) -> Iterator[Callable[[Path], None]]:
    """Makes a folder and its files as unwritable as a read-only disk, for root too (its
    immutable attribute, where the file system has one), and writable again afterwards."""
    made: list[Path] = []

    def make(folder: Path) -> None:
        paths = [*folder.iterdir(), folder]
        if os.geteuid() == 0:
            done = subprocess.run(["chattr", "+i", *map(str, paths)], capture_output=True)
            if done.returncode:
                pytest.skip(f"chattr cannot make files immutable here: {done.stderr!r}")
        else:
            for path in paths:
                path.chmod(0o555 if path.is_dir() else 0o444)
        made.extend(paths)

    yield make
    if made and os.geteuid() == 0:
        subprocess.run(["chattr", "-i", *map(str, made)], check=True)
    for path in made:
        path.chmod(0o755 if path.is_dir() else 0o644)


def test_a_history_on_a_read_only_disk_is_shown_not_changed(
        tmp_path: Path, read_only: Callable[[Path], None]) -> None:
    folder = tmp_path / "disk"
    history = History(folder / "h.db")
    history.begin()
    history.record_set("clamshell", 1, 10, 0, 1.0)
    history.end(4, "done")
    history.close()
    before = (folder / "h.db").read_bytes()
    read_only(folder)
    with pytest.raises(HistoryUnwritable, match="cannot be written"):
        History(folder / "h.db")
    shown = History(folder / "h.db", read_only=True)
    assert [(row.minutes, row.reason, row.exercises) for row in shown.sessions()] == [
        (4, "done", ["clamshell"])]
    shown.close()
    result = subprocess.run([sys.executable, "-m", "voicecoach", "history", "--db",
                             str(folder / "h.db")], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[1].split()[1:] == ["4.0", "done", "clamshell"]
    assert (folder / "h.db").read_bytes() == before
    assert sorted(p.name for p in folder.iterdir()) == ["h.db"]


def test_a_history_of_an_older_voicecoach_on_a_read_only_disk_says_to_copy_it(
        tmp_path: Path, read_only: Callable[[Path], None]) -> None:
    folder = tmp_path / "disk"
    folder.mkdir()
    old = sqlite3.connect(folder / "h.db")
    old.executescript(MIGRATIONS[1])
    old.execute("PRAGMA user_version = 1")
    old.close()
    read_only(folder)
    with pytest.raises(HistoryUnwritable, match="copy it to a writable place and pass --db"):
        History(folder / "h.db", read_only=True)


KILLER = """
import os, signal, sys
from datetime import UTC, datetime
from pathlib import Path
from voicecoach.coach import Coach, EventLog, Ports, run_script
from voicecoach.content import content
from voicecoach.history import History
from voicecoach.intents import default_intents
from voicecoach.matcher import Matcher
from voicecoach.session import Session
from voicecoach.session_types import Context

class KillMidSet:
    sets = 0
    def write(self, line):
        self.sets += '"set_done"' in line
        if self.sets == 1 and '"type": "rep"' in line:
            os.kill(os.getpid(), signal.SIGKILL)
    def flush(self):
        pass

history = History(Path(sys.argv[1]))
session = Session(content(), Context(acknowledged=True))
coach = Coach(session, Matcher(default_intents()), Ports(None, EventLog(KillMidSet()), history))
run_script(coach, [(0.0, "start clamshell")])
"""


def test_a_process_killed_mid_set_keeps_every_finished_set(tmp_path: Path) -> None:
    db = tmp_path / "h.db"
    result = subprocess.run([sys.executable, "-c", KILLER, str(db)], timeout=60)
    assert result.returncode == -signal.SIGKILL
    rows = sqlite3.connect(db).execute("SELECT exercise, set_no FROM sets").fetchall()
    assert rows == [("clamshell", 1)]
    assert History(db).sessions()[0].reason == "unfinished"


def test_days_sum_minutes_and_mark_pain(tmp_path: Path) -> None:
    history = History(tmp_path / "h.db")
    for minutes, pain in ((10, False), (12.5, True)):
        history.begin()
        if pain:
            history.record_pain("bird_dog", 2, "ouch")
        history.end(minutes, "stop")
    [day] = history.days()
    assert (day.minutes, day.pain) == (22.5, True)


def test_the_chart_is_a_png_with_the_days(tmp_path: Path) -> None:
    from datetime import date

    from voicecoach.history import DayRow
    from voicecoach.plot import plot_days

    path = tmp_path / "chart.png"
    rows = [DayRow("2026-11-20", 25.0, False), DayRow("2026-11-24", 31.0, True)]
    plot_days(rows, path, today=date(2026, 11, 25))
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert path.stat().st_size > 10_000
