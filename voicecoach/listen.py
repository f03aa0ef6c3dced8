"""Hearing: audio chunks through a recognizer into utterances for the coach.

Pain, stop and pause act on a partial result, before the speaker has finished; everything else
on the final result. An utterance acted on early is not passed on again at its end, unless its
end turns out to be pain ("stop ... it hurts"): pain is never held back.
"""

from __future__ import annotations

import logging
import queue
import threading
from collections.abc import Callable
from dataclasses import dataclass

from voicecoach.errors import AudioError
from voicecoach.matcher import Matcher
from voicecoach.ports import AudioSource, Hypothesis, Recognizer

log = logging.getLogger(__name__)
RETRY_SECONDS = 2.0
"""How often a lost microphone is looked for again."""


@dataclass(frozen=True)
class Notice:
    """Something about the hearing itself the user must be told: a prompt key."""

    key: str
    detail: str = ""


Utterance = str | None | Notice
"""What reaches the coach: an utterance, the end of input (None), or a notice."""


class Hearing:
    """Turns hypotheses into utterances, acting early on urgent partial results."""

    def __init__(self, matcher: Matcher, out: Callable[[str], None]) -> None:
        self.matcher, self.out = matcher, out
        self._acted: str | None = None
        """The intent already acted on in the utterance under way."""

    def take(self, hyp: Hypothesis) -> None:
        if not hyp.final:
            urgent = self.matcher.urgent(hyp.text)
            if urgent and self._acted != "report_pain" and urgent.intent != self._acted:
                self._acted = urgent.intent
                self.out(hyp.text)
            return
        acted, self._acted = self._acted, None
        if not hyp.text.strip():
            return
        final = self.matcher.match(hyp.text)
        pain_now = final is not None and final.intent == "report_pain"
        if acted is None or (pain_now and acted != "report_pain"):
            self.out(hyp.text)


def listen(source: AudioSource, recognizer: Recognizer, hearing: Hearing) -> None:
    """Feed every chunk of source to the recognizer until the source ends."""
    for chunk in source.chunks():
        hyp = recognizer.accept(chunk)
        if hyp is not None:
            hearing.take(hyp)
    last = recognizer.finish()
    if last is not None:
        hearing.take(last)


def transcribe(source: AudioSource, recognizer: Recognizer) -> str:
    """Every final result of a whole recording, joined."""
    texts: list[str] = []
    for chunk in source.chunks():
        hyp = recognizer.accept(chunk)
        if hyp is not None and hyp.final and hyp.text.strip():
            texts.append(hyp.text.strip())
    last = recognizer.finish()
    if last is not None and last.text.strip():
        texts.append(last.text.strip())
    return " ".join(texts)


class Listener(threading.Thread):
    """The microphone loop: listens, tells the coach when the microphone goes and comes back."""

    def __init__(self, open_source: Callable[[], AudioSource], recognizer: Recognizer,
                 matcher: Matcher, heard: queue.Queue[Utterance]) -> None:
        super().__init__(name="listener", daemon=True)
        self.open_source, self.recognizer, self.heard = open_source, recognizer, heard
        self.hearing = Hearing(matcher, heard.put)
        self.stopping = threading.Event()
        self.source: AudioSource | None = None

    def run(self) -> None:
        lost = False
        while not self.stopping.is_set():
            try:
                self.source = self.open_source()
                if lost:
                    self.heard.put(Notice("mic_back"))
                    lost = False
                listen(self.source, self.recognizer, self.hearing)
                if not self.stopping.is_set():
                    raise AudioError("The microphone stream ended.")
            except AudioError as exc:
                if not lost and not self.stopping.is_set():
                    log.warning("%s", exc)
                    self.heard.put(Notice("mic_lost", str(exc)))
                    lost = True
                self.stopping.wait(RETRY_SECONDS)
        self.heard.put(None)

    def stop(self) -> None:
        self.stopping.set()
        if self.source is not None:
            self.source.close()
