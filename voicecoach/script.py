"""--script files: lines of SECONDS<TAB>utterance, heard at that session time."""

from __future__ import annotations

from pathlib import Path

from voicecoach.errors import UsageError

LONGEST = 24 * 3600.0
"""A script covers at most a day: a later time is a typing slip, and would be saved as minutes."""


def read_script(path: Path) -> list[tuple[float, str]]:
    """The timed utterances of a script file; blank lines and # comments are skipped."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as exc:
        raise UsageError(f"The script {path} is not UTF-8 text; save it as UTF-8.") from exc
    except OSError as exc:
        raise UsageError(f"Cannot read the script {path}; check the path.") from exc
    lines: list[tuple[float, str]] = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        lines.append(_parse(path, number, line, lines[-1][0] if lines else 0.0))
    if not lines:
        raise UsageError(f"The script {path} has no utterances; write one per line as "
                         "SECONDS<TAB>utterance, for example '0<TAB>yes'.")
    return lines


def _parse(path: Path, number: int, line: str, previous: float) -> tuple[float, str]:
    where = f"{path} line {number}"
    seconds, tab, utterance = line.partition("\t")
    try:
        when = float(seconds)
    except ValueError:
        when = -1.0
    if not tab or not 0 <= when <= LONGEST or not utterance.strip():  # NaN is in no range
        raise UsageError(f"{where}: expected SECONDS<TAB>utterance, SECONDS from 0 to "
                         f"{LONGEST:.0f}, for example '12.5<TAB>pause'.")
    if when < previous:
        raise UsageError(f"{where}: {when:g} s comes before the line above; keep times in order.")
    return when, utterance.strip()
