"""Peak resident memory of `voicecoach run`, listening through the virtual microphone: as it is
(with the echo canceller), and without it (`--no-echo-cancel`)."""

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
    """VmHWM: the most resident memory the process has had, in MB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


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
        peak = 0.0
        end = time.monotonic() + SECONDS
        while time.monotonic() < end and coach.poll() is None:
            peak = max(peak, peak_rss_mb(coach.pid))
            time.sleep(0.5)
        coach.kill()
        coach.wait()
    return peak


if __name__ == "__main__":
    main()
