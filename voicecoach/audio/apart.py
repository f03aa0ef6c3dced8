"""The recognizer in a process of its own.

pocketsphinx holds Python's lock (the GIL) while it decodes: some 20 ms a chunk, and up to most of
a second for the final result of a long utterance (the coach's own voice, heard before the echo
canceller has learned the room). Meanwhile no other thread of the coach runs: the speaker's output
stream misses its callbacks and its audio breaks up, counts slip, and what the echo canceller is
told was played no longer matches what the room heard, so the coach's voice comes through it and
is misheard ("ow", "quit"). In a process of its own the recognizer decodes on its own lock; the
listener's thread waits for it on a pipe, which holds no lock.

`RecognizerProcess` is a Recognizer: each call is sent to the process and its answer awaited. A
process that dies is started again, with a warning, and the utterance under way is lost; one
that cannot be started again is said to, and hears nothing more.
"""

from __future__ import annotations

import logging
import multiprocessing
import signal
import threading
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

from voicecoach.audio.models import make_recognizer
from voicecoach.errors import ModelError, VoicecoachError
from voicecoach.ports import Hypothesis

log = logging.getLogger(__name__)
START_SECONDS = 120.0
"""How long the process may take to load its model (a large Vosk model takes tens of seconds)."""
CLOSE_SECONDS = 2.0
"""How long close() waits for a call under way (a final result takes up to about a second)."""


class RecognizerProcess:
    """make_recognizer(kind, model, sentences), run in a child process."""

    def __init__(self, kind: str, model: Path | None, sentences: list[str]) -> None:
        self._args = (kind, model, sentences, logging.getLogger().level)
        self.name = ""
        self._closed = False
        self._lock = threading.Lock()
        """Held for each call: close() never takes the pipe from under one."""
        self._start()

    def accept(self, pcm: bytes) -> Hypothesis | None:
        return self._call("accept", pcm)

    def finish(self) -> Hypothesis | None:
        return self._call("finish", b"")

    def restart(self) -> None:
        self._call("restart", b"")

    def close(self) -> None:
        """End the process; a call under way in another thread returns None."""
        self._closed = True
        if not self._lock.acquire(timeout=CLOSE_SECONDS):  # a call is stuck: end it under it
            self._process.kill()
            self._lock.acquire()
        try:
            self._stop()
        finally:
            self._lock.release()

    def _stop(self) -> None:
        self._conn.close()
        self._process.join(timeout=CLOSE_SECONDS)
        if self._process.is_alive():
            self._process.kill()

    def _start(self) -> None:
        context = multiprocessing.get_context("spawn")  # forking a process with audio threads
        self._conn, child = context.Pipe()
        self._process = context.Process(target=serve, args=(child, *self._args),
                                        name="recognizer", daemon=True)
        self._process.start()
        child.close()
        try:
            if not self._conn.poll(START_SECONDS):
                raise EOFError
            self.name = self._answer()
        except EOFError:
            self._stop()
            raise ModelError(f"The speech recognizer did not start (exit code "
                             f"{self._process.exitcode}); check it with `voicecoach doctor`."
                             ) from None

    def _call(self, what: str, pcm: bytes) -> Hypothesis | None:
        with self._lock:
            if self._closed:
                return None
            try:
                self._conn.send((what, pcm))
                answer: Hypothesis | None = self._answer()
            except (EOFError, OSError):
                if self._closed:  # ended by close() while this call waited
                    return None
                self._process.join(timeout=1.0)
                log.warning("the speech recognizer stopped (exit code %s); starting it again.",
                            self._process.exitcode)
                self._stop()
                try:
                    self._start()
                except VoicecoachError as exc:  # nothing to hear with: say why, once
                    log.warning("%s", exc)
                    self._closed = True
                return None
            return answer

    def _answer(self) -> Any:
        ok, value = self._conn.recv()
        if not ok:
            raise value
        return value


def serve(conn: Connection, kind: str, model: Path | None, sentences: list[str],
          level: int) -> None:
    """The child process: builds the recognizer, says its name, then answers calls until the
    pipe closes. Ctrl+C is the parent's to handle: it closes the pipe."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    logging.basicConfig(level=level, format="voicecoach: %(message)s")
    try:
        recognizer = make_recognizer(kind, model, sentences)
    except VoicecoachError as exc:
        conn.send((False, exc))
        return
    conn.send((True, recognizer.name))
    while True:
        try:
            what, pcm = conn.recv()
        except (EOFError, OSError):  # the coach has closed the pipe, or is gone
            return
        try:
            heard = recognizer.accept(pcm) if what == "accept" else getattr(recognizer, what)()
        except RuntimeError as exc:  # the decoder failed on this audio: the next may do
            log.warning("the speech recognizer failed on a piece of audio (%s), which is not "
                        "heard; if this repeats, run again with -v and report it.", exc)
            heard = None
        try:
            conn.send((True, heard))
        except OSError:
            return
