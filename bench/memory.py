"""Peak resident memory of `voicecoach run`, listening through the virtual microphone: as it is
(with the echo canceller), and without it (`--no-echo-cancel`). The coach's process and its
recognizer's process (audio/apart.py) are added up, each at its own peak."""

from __future__ import annotations

import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent.parent / "tests" / "audio"))
from alsa import VirtualAudio

SECONDS = 15.0
"""How long the coach runs: loading the recognizer, speaking its first lines, listening."""


def peak_rss_mb(pid: int) -> float:
    """VmHWM: the most resident memory the process has had, in MB (0 once it has gone)."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return 0.0
    for line in status.splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return 0.0


def children(pid: int) -> list[int]:
    """The processes pid started (the recognizer's, and multiprocessing's own helper)."""
    try:
        found = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    except OSError:
        return []
    return [int(child) for child in found]


def main() -> float:
    peak = 0.0
    for options in ((), ("--no-echo-cancel",)):
        measured = measure(options)
        peak = max(peak, measured)
        how = " ".join(options) or "as it is"
        print(f"memory: voicecoach run {how} (pocketsphinx, speaking and listening) peaks at"
              f" {measured:.0f} MB resident")
    return peak


def measure(options: tuple[str, ...]) -> float:
    """Peak resident memory of `voicecoach run` with options, in MB."""
    with tempfile.TemporaryDirectory() as tmp, VirtualAudio(Path(tmp)) as audio:
        coach = subprocess.Popen(
            [sys.executable, "-m", "voicecoach", "run", "--recognizer", "pocketsphinx",
             "--db", str(Path(tmp) / "h.db"), *options], env=audio.env,
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        peaks: dict[int, float] = {}
        end = time.monotonic() + SECONDS
        while time.monotonic() < end and coach.poll() is None:
            for pid in (coach.pid, *children(coach.pid)):
                peaks[pid] = max(peaks.get(pid, 0.0), peak_rss_mb(pid))
            time.sleep(0.5)
        coach.kill()
        coach.wait()
    return sum(peaks.values())


if __name__ == "__main__":
    main()
