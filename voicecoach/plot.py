"""The progress chart of `voicecoach history --plot`: minutes per day against the 30-minute goal."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import numpy as np

from voicecoach.errors import UsageError
from voicecoach.history import DayRow

GOAL_MINUTES = 30
"""The source's advice: about thirty minutes, most days of the week."""


def chart_file(path: Path, history: Path) -> Path:
    """The file a chart named path is written to: path, or path.png where path has no ending;
    UsageError for a kind matplotlib cannot write, or for the history file itself."""
    from matplotlib.backend_bases import FigureCanvasBase

    if not path.name:
        raise UsageError(f"Cannot draw a chart into {str(path)!r}, which is not a file name; "
                         "name it FILE.png.")
    kind = path.suffix.lower().lstrip(".")
    if not kind:
        path = path.with_name(f"{path.name}.png")
    elif kind not in FigureCanvasBase.get_supported_filetypes():
        raise UsageError(f"Cannot draw a chart as a {path.suffix} file ({path}); name it "
                         "FILE.png, FILE.svg or FILE.pdf.")
    if path.exists() and history.exists() and path.samefile(history):
        raise UsageError(f"The chart file {path} is the history itself, which it would "
                         "overwrite; name the chart another file, such as progress.png.")
    return path


def plot_days(rows: list[DayRow], path: Path, today: date, weeks: int = 4) -> None:
    """Draw minutes per day over the last weeks into path (see chart_file), with the goal line
    and days with pain marked."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    days = [today - timedelta(days=n) for n in range(weeks * 7 - 1, -1, -1)]
    by_day = {row.day: row for row in rows}
    minutes = [by_day[d.isoformat()].minutes if d.isoformat() in by_day else 0 for d in days]
    fig, ax = plt.subplots(figsize=(10, 4), dpi=100)
    ax.bar(np.array(days, dtype="datetime64[D]"), minutes, color="#4c8bbf",
           label="minutes of exercise")
    ax.axhline(GOAL_MINUTES, color="#2a9d4a", linestyle="--", label="30-minute goal")
    pain = [d for d in days if d.isoformat() in by_day and by_day[d.isoformat()].pain]
    if pain:
        heights = [by_day[d.isoformat()].minutes + 1.5 for d in pain]
        ax.scatter(np.array(pain, dtype="datetime64[D]"), heights, marker="v", color="#d1495b",
                   s=60, zorder=3, label="pain reported")
    active = sum(1 for m in minutes[-7:] if m > 0)
    ax.set_title(f"voicecoach: last {weeks} weeks ({active} of the last 7 days active)")
    ax.set_ylabel("minutes")
    ax.set_ylim(0, max([GOAL_MINUTES + 10, *minutes]) * 1.1)
    ax.legend(loc="upper left")
    fig.autofmt_xdate()
    fig.tight_layout()
    try:
        fig.savefig(path)
    except OSError as exc:
        problem = f"Cannot write the chart {path} ({exc.strerror}); pick another path."
        raise UsageError(problem) from exc
    finally:
        plt.close(fig)
