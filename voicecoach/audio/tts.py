"""Text to Clip for the speaker: a cache in front of a speech engine in a process of its own.

espeak-ng, started a second time in one process, now and then crashes that process (a segmentation
fault in its synthesizer: 2 of 3 runs of 1500 lines with a new engine every 200 lines); and a
new engine is what replaces one that hung or failed. So the engine (engine.py) renders in a child
process, and a line it cannot render, within SYNTH_TIMEOUT or at all, ends that process: a new
one renders the line again. A second failure on the same line is an AudioError.
"""

from __future__ import annotations

import contextlib
import itertools
import logging
import multiprocessing
import os
import queue
import signal
import tempfile
import threading
from collections import OrderedDict
from concurrent import futures
from multiprocessing.connection import Connection
from pathlib import Path

from voicecoach.audio.engine import (
    ENGINE_FIX,
    SYNTH_TIMEOUT,
    Clip,
    EngineFactory,
    Job,
    SynthWorker,
    pyttsx3_engine,
)
from voicecoach.errors import AudioError

logger = logging.getLogger(__name__)

START_SECONDS = 30.0
"""How long a new process may take to start (Python and its imports; the engine's timeout counts
from then on)."""
CACHE_LINES = 256
"""Rendered lines kept in memory (a few seconds of 22 kHz audio each)."""

Line = tuple[str, str | None, int | None]
"""What to render: text, voice, words per minute."""


class SynthProcess:
    """A SynthWorker in a child process: each line goes down a pipe and its Clip comes back."""

    def __init__(self, factory: EngineFactory, timeout: float, folder: Path) -> None:
        context = multiprocessing.get_context("spawn")  # forking a process with audio threads
        self._conn, child = context.Pipe()
        self._process = context.Process(
            target=serve, name="speech-engine", daemon=True,
            args=(child, factory, timeout, folder, logging.getLogger().level))
        self._process.start()
        child.close()
        self._lines: queue.Queue[tuple[Line, futures.Future[Clip]] | None] = queue.Queue()
        self.started = threading.Event()
        """Set once the process has said it is ready, or has ended."""
        threading.Thread(target=self._run, name="tts-pipe", daemon=True).start()

    def render(self, line: Line) -> futures.Future[Clip]:
        result: futures.Future[Clip] = futures.Future()
        self._lines.put((line, result))
        return result

    def retire(self) -> None:
        """End the process now, whatever it is doing."""
        self._lines.put(None)
        self._process.kill()

    def _run(self) -> None:
        with contextlib.suppress(EOFError, OSError):  # if it ended, every line will say so
            self._conn.recv()
        self.started.set()
        while (item := self._lines.get()) is not None:
            line, result = item
            try:
                self._conn.send(line)
                ok, answer = self._conn.recv()
            except (EOFError, OSError):
                self._process.join(timeout=1.0)
                result.set_exception(RuntimeError(
                    f"its process ended (exit code {self._process.exitcode})"))
                continue
            if ok:
                result.set_result(answer)
            else:
                result.set_exception(RuntimeError(answer))
        self._conn.close()


def serve(conn: Connection, factory: EngineFactory, timeout: float, folder: Path,
          level: int) -> None:
    """The child process: renders each line it is sent (to a WAV in folder, which the parent
    removes, as a killed process cannot), answering (True, Clip) or (False, why), until the pipe
    closes. Ctrl+C is the parent's to handle."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    logging.basicConfig(level=level, format="voicecoach: %(message)s")
    worker = SynthWorker(factory, timeout)
    conn.send((True, "ready"))
    for n in itertools.count():
        try:
            text, voice, rate = conn.recv()
        except (EOFError, OSError):
            return
        job = Job(text, voice, rate, folder / f"line-{os.getpid()}-{n}.wav", futures.Future())
        worker.submit(job)
        try:
            answer: tuple[bool, Clip | str] = (True, job.result.result())
        except Exception as exc:
            answer = (False, str(exc))
        finally:
            job.path.unlink(missing_ok=True)
        try:
            conn.send(answer)
        except OSError:
            return


class Synthesizer:
    """Text to Clip: a cache in front of a SynthProcess that is replaced when it hangs or fails.
    The factory runs in the child process, so it must be picklable (a module-level function)."""

    def __init__(self, factory: EngineFactory = pyttsx3_engine,
                 timeout: float = SYNTH_TIMEOUT) -> None:
        self._factory = factory
        self._timeout = timeout
        self._dir = tempfile.TemporaryDirectory(prefix="voicecoach-tts-")
        self._worker = SynthProcess(factory, timeout, Path(self._dir.name))
        self._cache: OrderedDict[Line, Clip] = OrderedDict()
        self._lock = threading.Lock()
        self.hits = 0
        self.misses = 0
        self.restarts = 0
        """Processes replaced because they hung, failed or crashed."""

    def clip(self, text: str, voice: str | None = None, rate: int | None = None) -> Clip:
        key = (text, voice, rate)
        with self._lock:
            if key in self._cache:
                self.hits += 1
                self._cache.move_to_end(key)
                return self._cache[key]
            self.misses += 1
            clip = self._render_with_retry(key)
            self._cache[key] = clip
            if len(self._cache) > CACHE_LINES:
                self._cache.popitem(last=False)
            return clip

    def _render_with_retry(self, line: Line) -> Clip:
        try:
            return self._render(line)
        except Exception as exc:
            logger.warning("speech engine failed on %r (%s); starting a new one.", line[0], exc)
            self._restart()
        try:
            return self._render(line)
        except Exception as exc:
            raise AudioError(f"The speech engine failed twice on {line[0]!r} ({exc}); "
                             f"{ENGINE_FIX}.") from exc

    def _render(self, line: Line) -> Clip:
        if not self._worker.started.wait(START_SECONDS):
            raise TimeoutError(f"its process did not start within {START_SECONDS:g} s")
        try:
            return self._worker.render(line).result(timeout=self._timeout)
        except futures.TimeoutError:
            raise TimeoutError(f"no answer within {self._timeout:g} s") from None

    def _restart(self) -> None:
        self._worker.retire()
        self._worker = SynthProcess(self._factory, self._timeout, Path(self._dir.name))
        self.restarts += 1

    def close(self) -> None:
        self._worker.retire()
        self._dir.cleanup()
