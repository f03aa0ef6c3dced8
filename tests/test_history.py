"""The history file: facts kept as they happen; damage reported, never overwritten."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from voicecoach.errors import HistoryError
from voicecoach.history import SCHEMA_VERSION, History


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
