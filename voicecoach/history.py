"""The history: a small SQLite file of sessions, sets, pain reports and exercises left out."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from voicecoach.errors import HistoryError, HistoryUnwritable
from voicecoach.session_types import Plan

SCHEMA_VERSION = 3
MIGRATIONS: dict[int, str] = {
    1: """
    CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
    CREATE TABLE sessions (
        id INTEGER PRIMARY KEY, started TEXT NOT NULL, ended TEXT,
        minutes REAL, reason TEXT);
    CREATE TABLE sets (
        id INTEGER PRIMARY KEY, session_id INTEGER NOT NULL REFERENCES sessions(id),
        exercise TEXT NOT NULL, set_no INTEGER NOT NULL, reps INTEGER NOT NULL,
        hold INTEGER NOT NULL, tempo REAL NOT NULL, at TEXT NOT NULL);
    CREATE TABLE pains (
        id INTEGER PRIMARY KEY, session_id INTEGER NOT NULL REFERENCES sessions(id),
        exercise TEXT, rep INTEGER, text TEXT, at TEXT NOT NULL);
    """,
    2: """
    ALTER TABLE pains ADD COLUMN rating INTEGER;
    CREATE TABLE plans (
        exercise TEXT PRIMARY KEY, reps INTEGER NOT NULL, sets INTEGER NOT NULL,
        hold INTEGER NOT NULL, reason TEXT NOT NULL, at TEXT NOT NULL);
    CREATE TABLE done (
        id INTEGER PRIMARY KEY, session_id INTEGER NOT NULL REFERENCES sessions(id),
        exercise TEXT NOT NULL, pain INTEGER NOT NULL, at TEXT NOT NULL);
    """,
    3: """
    CREATE TABLE left_out (
        id INTEGER PRIMARY KEY, session_id INTEGER NOT NULL REFERENCES sessions(id),
        exercise TEXT NOT NULL, at TEXT NOT NULL);
    """,
}
"""Schema version -> the SQL that brings the previous version to it."""


@dataclass(frozen=True)
class SessionRow:
    date: str
    """YYYY-MM-DD, UTC."""
    minutes: float
    """Minutes of exercise, not of waiting (Session.worked)."""
    reason: str
    """How it ended: end, stop, pain, declined, interrupted (Ctrl-C, SIGTERM, SIGHUP), or
    unfinished."""
    exercises: list[str]
    pain: bool
    pain_in: list[str]
    """Exercises a pain was reported in (none for one reported between exercises)."""


@dataclass(frozen=True)
class DayRow:
    day: str
    """YYYY-MM-DD, UTC."""
    minutes: float
    pain: bool


def _open_read_only(path: Path) -> sqlite3.Connection:
    """The file opened for reading only. A file in WAL mode needs its shared-memory file beside
    it even then; where that cannot be made, it is read as immutable (nothing writes it there)."""
    uri = path.resolve().as_uri()
    try:
        return _checked(sqlite3.connect(f"{uri}?mode=ro", uri=True))
    except sqlite3.OperationalError:
        return _checked(sqlite3.connect(f"{uri}?mode=ro&immutable=1", uri=True))


def _checked(db: sqlite3.Connection) -> sqlite3.Connection:
    """db, once it has shown it can be read (sqlite opens lazily)."""
    db.execute("SELECT 1 FROM sqlite_master").fetchall()
    return db


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


class History:
    """One user's history file. Each fact is committed as it happens."""

    def __init__(self, path: Path, *, read_only: bool = False) -> None:
        """read_only: for showing a history where it cannot be written (a read-only disk)."""
        self.path = path
        self.session_id: int | None = None
        try:
            if read_only:
                self.db = _open_read_only(path)
                self._migrate(read_only=True)
                return
            path.parent.mkdir(parents=True, exist_ok=True)
            self.db = sqlite3.connect(path, timeout=10.0)
            self._migrate()
            self.db.execute("PRAGMA journal_mode = WAL")
        except (OSError, sqlite3.OperationalError) as exc:
            if read_only:
                raise HistoryError(f"The history file {path} cannot be read ({exc}); check its "
                                   "permissions, or pass --db with another file.") from exc
            raise HistoryUnwritable(f"The history file {path} cannot be written ({exc}); "
                                    "pass --db with a writable place.") from exc
        except sqlite3.DatabaseError as exc:
            raise HistoryError(
                f"The history file {path} is damaged or not a database; move it aside "
                "(it is kept as it is) or pass --db with another file.") from exc

    def _migrate(self, *, read_only: bool = False) -> None:
        version = self.db.execute("PRAGMA user_version").fetchone()[0]
        if version == 0 and self.db.execute("SELECT 1 FROM sqlite_master").fetchone():
            raise HistoryError(
                f"The file {self.path} is a database of something else, not a voicecoach "
                "history (it is kept as it is); pass --db with another file.")
        if version > SCHEMA_VERSION:
            raise HistoryError(
                f"The history file {self.path} comes from a newer voicecoach (schema {version}); "
                "upgrade voicecoach or pass --db with another file.")
        if read_only and version < SCHEMA_VERSION:
            raise HistoryUnwritable(
                f"The history file {self.path} is from an older voicecoach and cannot be brought "
                "up to date where it is; copy it to a writable place and pass --db with the copy.")
        for step in range(version + 1, SCHEMA_VERSION + 1):
            with self.db:
                self.db.executescript(MIGRATIONS[step])
                self.db.execute(f"PRAGMA user_version = {step}")

    def _write(self, sql: str, *args: object) -> int:
        try:
            with self.db:
                cursor = self.db.execute(sql, args)
        except sqlite3.Error as exc:
            raise HistoryUnwritable(f"Cannot write to the history file {self.path} ({exc}); "
                                    "check the disk and its permissions.") from exc
        return cursor.lastrowid or 0

    def acknowledged(self) -> bool:
        row = self.db.execute("SELECT value FROM meta WHERE key = 'acknowledged'").fetchone()
        return row is not None

    def acknowledge(self) -> None:
        self._write("INSERT OR REPLACE INTO meta VALUES ('acknowledged', ?)", _now())

    def last_pain(self) -> str | None:
        """Exercise of a pain reported in the most recent session that had one, if recent."""
        row = self.db.execute(
            "SELECT p.exercise FROM sessions s LEFT JOIN pains p ON p.session_id = s.id "
            "WHERE s.ended IS NOT NULL ORDER BY s.id DESC LIMIT 1").fetchone()
        return row[0] if row else None

    def week(self, today: datetime | None = None) -> tuple[int, int]:
        """(days with a session, minutes) over the last seven days: today and the six before it,
        as the chart of `history --plot` counts them."""
        since = ((today or datetime.now(UTC)) - timedelta(days=6)).date().isoformat()
        days, minutes = self.db.execute(
            "SELECT COUNT(DISTINCT substr(started, 1, 10)), COALESCE(SUM(minutes), 0) "
            "FROM sessions WHERE substr(started, 1, 10) >= ? AND minutes > 0", (since,)).fetchone()
        return int(days), round(minutes)

    def begin(self) -> None:
        self.session_id = self._write("INSERT INTO sessions (started) VALUES (?)", _now())

    def record_set(self, exercise: str, set_no: int, reps: int, hold: int, tempo: float) -> None:
        self._write("INSERT INTO sets (session_id, exercise, set_no, reps, hold, tempo, at) "
                    "VALUES (?, ?, ?, ?, ?, ?, ?)",
                    self.session_id, exercise, set_no, reps, hold, tempo, _now())

    def record_pain(self, exercise: str | None, rep: int | None, text: str,
                    rating: int | None = None) -> None:
        self._write("INSERT INTO pains (session_id, exercise, rep, text, rating, at) "
                    "VALUES (?, ?, ?, ?, ?, ?)",
                    self.session_id, exercise, rep, text, rating, _now())

    def record_done(self, exercise: str, pain: bool) -> None:
        self._write("INSERT INTO done (session_id, exercise, pain, at) VALUES (?, ?, ?, ?)",
                    self.session_id, exercise, int(pain), _now())

    def save_plan(self, exercise: str, plan: Plan, reason: str) -> None:
        """The plan for the next time this exercise is done."""
        self._write("INSERT OR REPLACE INTO plans VALUES (?, ?, ?, ?, ?, ?)",
                    exercise, plan.reps, plan.sets, plan.hold, reason, _now())

    def plans(self) -> dict[str, Plan]:
        rows = self.db.execute("SELECT exercise, reps, sets, hold FROM plans").fetchall()
        return {ex: Plan(reps, sets, hold) for ex, reps, sets, hold in rows}

    def previous_plans(self) -> dict[str, Plan]:
        """What each exercise's last finished set was: reps, sets reached, hold."""
        rows = self.db.execute(
            "SELECT exercise, reps, MAX(set_no), hold FROM sets WHERE session_id = "
            "(SELECT MAX(session_id) FROM sets s2 WHERE s2.exercise = sets.exercise) "
            "GROUP BY exercise").fetchall()
        return {ex: Plan(reps, sets, hold) for ex, reps, sets, hold in rows}

    def times_done(self) -> dict[str, int]:
        rows = self.db.execute("SELECT exercise, COUNT(*) FROM done GROUP BY exercise").fetchall()
        return dict(rows)

    def done_today(self, today: str | None = None) -> tuple[str, ...]:
        day = today or _now()[:10]
        rows = self.db.execute("SELECT DISTINCT exercise FROM done WHERE substr(at, 1, 10) = ?",
                               (day,)).fetchall()
        return tuple(row[0] for row in rows)

    def record_left_out(self, exercise: str) -> None:
        """The exercise was taken off today's workout by name."""
        self._write("INSERT INTO left_out (session_id, exercise, at) VALUES (?, ?, ?)",
                    self.session_id, exercise, _now())

    def left_out_today(self, today: str | None = None) -> tuple[str, ...]:
        """Exercises taken off the workout by name today (UTC), in earlier sessions too."""
        day = today or _now()[:10]
        rows = self.db.execute("SELECT DISTINCT exercise FROM left_out "
                               "WHERE substr(at, 1, 10) = ?", (day,)).fetchall()
        return tuple(row[0] for row in rows)

    def end(self, minutes: float, reason: str) -> None:
        self._write("UPDATE sessions SET ended = ?, minutes = ?, reason = ? WHERE id = ?",
                    _now(), minutes, reason, self.session_id)

    def sessions(self) -> list[SessionRow]:
        """Finished sessions, oldest first: date, minutes, reason, exercises, pain and where."""
        rows = self.db.execute(
            "SELECT s.id, substr(s.started, 1, 10), COALESCE(s.minutes, 0), "
            "COALESCE(s.reason, 'unfinished'), "
            "(SELECT group_concat(DISTINCT exercise) FROM sets WHERE session_id = s.id), "
            "(SELECT COUNT(*) FROM pains WHERE session_id = s.id), "
            "(SELECT group_concat(DISTINCT exercise) FROM pains WHERE session_id = s.id) "
            "FROM sessions s ORDER BY s.id").fetchall()
        return [SessionRow(date, round(minutes, 1), reason,
                           exercises.split(",") if exercises else [], bool(pain),
                           pain_in.split(",") if pain_in else [])
                for _, date, minutes, reason, exercises, pain, pain_in in rows]

    def days(self) -> list[DayRow]:
        """Minutes of exercise and whether pain was reported, per day with a session."""
        rows = self.db.execute(
            "SELECT substr(started, 1, 10) AS day, COALESCE(SUM(minutes), 0), "
            "SUM((SELECT COUNT(*) FROM pains p WHERE p.session_id = s.id)) "
            "FROM sessions s GROUP BY day ORDER BY day").fetchall()
        return [DayRow(day, round(minutes, 1), bool(pain)) for day, minutes, pain in rows]

    def close(self) -> None:
        self.db.close()
