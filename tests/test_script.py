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


@pytest.mark.parametrize("line", ["yes", "x\tyes", "-1\tyes", "3\t  ", "3 yes",
                                  "inf\tyes", "nan\tyes", "1e12\tyes"])
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


def test_a_byte_order_mark_is_no_part_of_the_first_time(tmp_path: Path) -> None:
    path = tmp_path / "s.txt"
    path.write_text("0\tyes\n", encoding="utf-8-sig")
    assert read_script(path) == [(0.0, "yes")]


def test_a_script_not_in_utf8_says_so(tmp_path: Path) -> None:
    path = tmp_path / "s.txt"
    path.write_bytes("0\tcaf\u00e9\n".encode("latin-1"))
    with pytest.raises(UsageError, match="is not UTF-8 text; save it as UTF-8"):
        read_script(path)


@pytest.mark.parametrize("text", ["", "\n\n", "# only a comment\n"])
def test_a_script_with_no_utterance_says_so(tmp_path: Path, text: str) -> None:
    path = tmp_path / "s.txt"
    path.write_text(text)
    with pytest.raises(UsageError, match="has no utterances; write one per line"):
        read_script(path)
