"""Script files: SECONDS<TAB>utterance, with mistakes named by line."""

from __future__ import annotations

from pathlib import Path

import pytest

from voicecoach.errors import UsageError
from voicecoach.script import read_script


def test_lines_comments_and_blanks(tmp_path: Path) -> None:
    path = tmp_path / "s.txt"
    path.write_text("# a session\n0\tyes\n\n2.5\tstart glute bridge\n")
    assert read_script(path) == [(0.0, "yes"), (2.5, "start glute bridge")]


@pytest.mark.parametrize("line", ["yes", "x\tyes", "-1\tyes", "3\t  ", "3 yes"])
def test_a_bad_line_is_named_by_number(tmp_path: Path, line: str) -> None:
    path = tmp_path / "s.txt"
    path.write_text(f"0\tyes\n{line}\n")
    with pytest.raises(UsageError, match=r"s\.txt line 2: expected SECONDS<TAB>utterance"):
        read_script(path)


def test_times_must_not_go_backwards(tmp_path: Path) -> None:
    path = tmp_path / "s.txt"
    path.write_text("5\tyes\n2\tstop\n")
    with pytest.raises(UsageError, match="line 2: 2 s comes before"):
        read_script(path)


def test_a_missing_file_is_reported(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="Cannot read the script"):
        read_script(tmp_path / "nope.txt")
