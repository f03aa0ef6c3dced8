"""Hearing: audio chunks through a recognizer into utterances for the coach.

Pain, stop and pause act on a partial result, before the speaker has finished; everything else on
the final result. A partial's newest word is still being heard and is often the start of another
("okay" begins as "ow", "start" as "stop", "exercise" as "hurts"), so it counts once a later word, a
moment of quiet after it (Hypothesis.settled) or the final result settles it; pain words too: acted
on while still being heard, they ended the session on 11% (flite's voices) and 19% (espeak-ng's) of
317 spoken development utterances that were no pain, for 0 and 5 more of 83 pain phrases caught. An
utterance acted on early is not passed on again at its end, unless its end turns out to be pain
("stop ... it hurts"): pain is never held back.

The microphone stays open while the coach talks, so the recognizer hears the coach too ("Stop
when your shoulders...", "Say resume when you're ready", "just say it hurts"). The coach must
never obey itself, and the user must still be able to stop it mid-sentence. The echo canceller
(audio/echo.py; off with --no-echo-cancel) takes the coach's voice out before the recognizer
hears it, once it has learned the room; until then, and without it, the recognizer hears the
coach. The rule for what is heard while the speaker says it is speaking (`Speaker.speaking()`:
the line playing and those that ended within its echo tail, about a second):

1. An utterance is heard over the coach when the coach was speaking at any of its hypotheses
   (its final result may come after the echo tail). Of it, only pain, stop and pause are acted
   on; anything else must be said once the coach is quiet.
2. The heard words the coach's speech explains are dropped: every word the coach said while the
   utterance was being heard, or one that looks nearly like it (NEAR: the coach's "top" heard as
   "stop"), compared as the matcher compares words ("one" is "1"); and `[unk]`. What is left must
   still be pain, stop or pause on its own, scoring at least URGENT_CUTOFF: "stop" heard while
   the coach says "Stop when your shoulders..." is echo; "it hurts" heard while it says "lift
   your hips" is the user.
3. Pain by a pain word ("hurts", "ouch") is dropped only when every pain word heard is one the
   coach said, in that or another form of it ("hurt" for "hurts"; never by NEAR: "sore" is not
   the coach's "core"); and then only if the rest does not stand as pain on its own.
   Pain is acted on at once.
4. Without an echo canceller, stop and pause must be heard in two hypotheses of the utterance (a
   partial, then a later partial or the final): a mishearing of the coach's voice flickers
   through one hypothesis and is gone ("sec" then "set"), while a word the user said stays.
   With pocketsphinx on 10 minutes of the coach's own voice fed back (bench/echo.py), this cut
   the stops and pauses it gave itself from 22 to 2. With a canceller, rule 5 keeps out what was
   heard before it learned the room, and after that one hearing is enough: on the bench's 33.6
   minutes the coach gave itself no command either way, and the user's "stop" and "pause" over
   it were acted on 5 to 12% and 25 to 28% of the time (two runs, the user's voice dithered
   differently) instead of 8% and 15%.
5. Stop and pause are not acted on in an utterance heard over the coach any part of which was
   heard before the echo canceller had learned the room (`learned`): the first seconds of the
   coach's first line, which the recognizer hears as it is. In real time the coach took "exit"
   out of its own "exercise" there, and rule 4 did not hold: the word stood in the partial cut
   off when the canceller's output came in. Pain is acted on all the same.

Blind spots: the user saying the words the coach is saying at that moment is taken for echo ("it
hurts" while the coach says "just say it hurts", "stop" over "Stop this exercise now", or over
"Lift your top knee" by NEAR); so is an answer begun within the echo tail ("yes" at once after
"Say yes to go on"). Saying it again once the coach is quiet works. Words the recognizer mishears
in the coach's voice are not explained by its text; pain words among them (the coach's "program"
heard as "cramp") still count as pain, by rule 3. So do the user's words clipped by the echo
canceller and misheard as pain: a "yes" said over the coach is often heard as "hurt".
"""

from __future__ import annotations

import logging
import queue
import threading
from collections.abc import Callable
from dataclasses import dataclass

from rapidfuzz import fuzz, process

from voicecoach.decision import Match
from voicecoach.errors import AudioError
from voicecoach.matcher import Matcher
from voicecoach.matcher_settings import URGENT_CUTOFF
from voicecoach.ports import AudioSource, Hypothesis, Recognizer

log = logging.getLogger(__name__)
RETRY_SECONDS = 2.0
"""How often a lost microphone is looked for again."""
UNKNOWN = "unk"
"""The recognizers' `[unk]` as the matcher reads it: speech outside the coach's vocabulary."""
NEAR = 80.0
"""Similarity (rapidfuzz ratio, 0-100) at which a heard word is a word the coach said, misheard:
"stop" for its "top" (86), "knee" for "knees"; not "step" for "stop" (75). Never for pain words
(rule 3)."""


@dataclass(frozen=True)
class Notice:
    """Something about the hearing itself the user must be told: a prompt key."""

    key: str
    detail: str = ""


INTERRUPTED = Notice("interrupted")
"""Ctrl-C, as the coach is told of it: the session ends between two of its steps."""
Utterance = str | None | Notice
"""What reaches the coach: an utterance, the end of input (None), or a notice."""


class Hearing:
    """Turns hypotheses into utterances, acting early on urgent partial results, and never on the
    coach's own voice (the rule is in the module docstring)."""

    def __init__(self, matcher: Matcher, out: Callable[[str], None],
                 speaking: Callable[[], str] | None = None,
                 learned: Callable[[], bool] | None = None) -> None:
        self.matcher, self.out = matcher, out
        self.speaking = speaking or _silent
        """What the coach is saying now, echo tail included (Speaker.speaking)."""
        self.learned = learned or _learned
        """Whether the echo canceller has learned the room (EchoCanceller.converged); always,
        without one."""
        self._twice = learned is None
        """Rule 4 holds: there is no echo canceller."""
        self._unlearned = False
        """Part of the utterance under way was heard before the canceller learned the room."""
        self._acted: str | None = None
        """The intent already acted on in the utterance under way."""
        self._said: set[str] = set()
        """Words the coach said while the utterance under way was being heard."""
        self._seen: set[str] = set()
        """Urgent intents heard over the coach's voice in the utterance under way."""

    def take(self, hyp: Hypothesis) -> None:
        self._said.update(self.matcher.words(self.speaking()))
        self._unlearned = self._unlearned or not self.learned()
        if hyp.final:
            self._final(hyp.text, over_coach=bool(self._said))
            self._said, self._seen, self._unlearned = set(), set(), False
            return
        settled = hyp.text if hyp.settled else self._settled(hyp.text)
        if self._said:
            own = self._own(settled)
            urgent = self._urgent_over_coach(own)
            if self._twice:
                self._remember(self._own(hyp.text))
            self._act_early(urgent, own)
        else:
            self._act_early(self.matcher.urgent(settled), settled)

    def _settled(self, partial: str) -> str:
        """A partial hypothesis less its newest word, which is still being heard and often the
        start of another ("okay" begins as "ow", "start" as "stop"), and less the fillers that
        follow it: a "the" or "a" does not settle the word before it ("start glue" was heard as
        "stop the" on its way)."""
        words = partial.split()
        while words and not self.matcher.words(words[-1]):
            words.pop()
        return " ".join(words[:-1])

    def _own(self, heard: str) -> str:
        """What of heard the coach's speech does not explain: all of it when it has a pain word
        the coach did not say (in any form: "hurt" for "hurts"); else the words the coach did not
        say, less unknown and pain words."""
        words, pain = self.matcher.words(heard), self.matcher.pain
        said_pain = {pain.pain_root(w) for w in self._said}
        if any(pain.pain_root(w) not in said_pain for w in pain.pain_words(words)):
            return heard
        return " ".join(w for w in words if not self._explained(w) and w != UNKNOWN
                        and not pain.is_pain_word(w))

    def _explained(self, word: str) -> bool:
        """The coach said word, or a word that looks nearly like it."""
        return word in self._said or process.extractOne(
            word, self._said, scorer=fuzz.ratio, score_cutoff=NEAR) is not None

    def _urgent_over_coach(self, text: str) -> Match | None:
        """Pain as sure as URGENT_CUTOFF (a pain word is sure); stop or pause as sure, all of it
        heard once the echo canceller had learned the room (rule 5), and without a canceller
        heard in an earlier hypothesis of the utterance too (rule 4)."""
        found = self.matcher.urgent(text)
        if found is None or found.score < URGENT_CUTOFF:
            return None
        if found.intent == "report_pain":
            return found
        if self._unlearned or (self._twice and found.intent not in self._seen):
            return None
        return found

    def _remember(self, text: str) -> None:
        """Note the urgent intent a partial hypothesis holds, for rule 4 (without a canceller
        only: with one, the match it takes would be wasted)."""
        found = self.matcher.urgent(text)
        if found is not None and found.score >= URGENT_CUTOFF:
            self._seen.add(found.intent)

    def _act_early(self, urgent: Match | None, text: str) -> None:
        if urgent and self._acted != "report_pain" and urgent.intent != self._acted:
            self._acted = urgent.intent
            self.out(text)

    def _final(self, heard: str, over_coach: bool) -> None:
        acted, self._acted = self._acted, None
        text = self._own(heard) if over_coach else heard
        if not text.strip():
            return
        final = self._urgent_over_coach(text) if over_coach else self.matcher.match(text)
        if over_coach and final is None:
            return
        pain_now = final is not None and final.intent == "report_pain"
        if acted is None or (pain_now and acted != "report_pain"):
            self.out(text)


def _silent() -> str:
    return ""


def _learned() -> bool:
    return True


def _nothing() -> None:
    pass


def listen(source: AudioSource, recognizer: Recognizer, hearing: Hearing,
           arrived: Callable[[], None] = _nothing) -> None:
    """Feed every chunk of source, a stream of its own, to the recognizer until it ends; arrived
    is called as each chunk arrives."""
    recognizer.restart()
    for chunk in source.chunks():
        arrived()
        hyp = recognizer.accept(chunk)
        if hyp is not None:
            hearing.take(hyp)
    last = recognizer.finish()
    if last is not None:
        hearing.take(last)


def transcribe(source: AudioSource, recognizer: Recognizer) -> str:
    """Every final result of a whole recording, joined; heard as the only one (the recognizer
    forgets the recordings before it)."""
    recognizer.restart()
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
    """The microphone loop: listens, tells the coach once when the microphone goes and once when
    its audio arrives again, and looks for it every RETRY_SECONDS in between."""

    def __init__(self, open_source: Callable[[], AudioSource], recognizer: Recognizer,
                 matcher: Matcher, heard: queue.Queue[Utterance],
                 speaking: Callable[[], str] | None = None,
                 learned: Callable[[], bool] | None = None) -> None:
        super().__init__(name="listener", daemon=True)
        self.open_source, self.recognizer, self.heard = open_source, recognizer, heard
        self.hearing = Hearing(matcher, heard.put, speaking, learned)
        self.stopping = threading.Event()
        self.source: AudioSource | None = None
        self.lost = False
        """The coach was told the microphone is gone, and no audio has arrived since."""

    def run(self) -> None:
        while not self.stopping.is_set():
            try:
                self.source = self.open_source()
                listen(self.source, self.recognizer, self.hearing, self._arrived)
                if not self.stopping.is_set():
                    raise AudioError("The microphone stream ended; check that it is still "
                                     "connected.")
            except AudioError as exc:
                self._lose(exc)
                self._let_go()
                self.stopping.wait(RETRY_SECONDS)
        self.heard.put(None)

    def _lose(self, exc: AudioError) -> None:
        """Tell the coach the microphone is gone, once until audio arrives again."""
        if not self.lost and not self.stopping.is_set():
            log.warning("%s", exc)
            self.heard.put(Notice("mic_lost", str(exc)))
            self.lost = True

    def _arrived(self) -> None:
        """Audio arrives: a lost microphone is back (a stream that opens may still be stalled)."""
        if self.lost:
            self.lost = False
            self.heard.put(Notice("mic_back"))

    def _let_go(self) -> None:
        """Close a source that failed: a stalled stream left open would go on taking audio from
        the device once it comes back, and the new stream would hear every other block."""
        source, self.source = self.source, None
        if source is not None:
            source.close()

    def stop(self) -> None:
        self.stopping.set()
        source = self.source
        if source is not None:
            source.close()
