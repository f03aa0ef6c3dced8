"""A coach that never hears itself: its own speech fed back into the recognizer, counted.

The coach's lines are those of a scripted session (safety, the routine, answers to questions),
then every prompt, tip and exercise answer it has, each said once, at each speaking rate of
RATES. They are rendered by the speaker's own engine and voice, laid on one timeline the way the
speaker plays them (a queued line follows the last at once; a timed one waits, long silences
shortened to MAX_GAP). The microphone hears that timeline ECHO_DELAY later, through a reverberant
room (tests/audio/alsa.py's Room), as loud as the user, on a faint noise floor. It is streamed in
100 ms chunks through the echo canceller (given the timeline as the speaker's output stream
writes it, a little ahead of the microphone),
pocketsphinx and the Hearing, which is told what the coach is saying exactly as
TtsSpeaker.speaking() would tell it (the line playing, plus the lines that ended within
ECHO_TAIL), on the audio's own clock: no waiting, no sound card.

Nobody else speaks: every utterance the Hearing passes on is a command the coach gave itself.
The same audio also goes through the Hearing without the echo canceller, and through a Hearing
that is not told what the coach says (neither the canceller nor the echo rules).

The price: the user's "stop", "pause" and "it hurts" (espeak-ng en-us+klatt) said at equal
loudness into the middle of OVER_LINES of the coach's lines, which follow one another on one
timeline through the same room (each trial ends 3 s after its line): how often the Hearing acts
on them, with and without the canceller, and how often it takes them, or a "yes" or "okay"
said too early, for pain.
"""

from __future__ import annotations

import hashlib
import io
import json
import sys
import time
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from tqdm import tqdm

sys.path.insert(0, str(Path(__file__).parent.parent / "tests" / "audio"))
from alsa import Room
from speech import CHUNK_BYTES, RATE, chunks, room, synthesize, to_pcm

from voicecoach.audio.echo import EchoCanceller, Playback
from voicecoach.audio.models import make_recognizer
from voicecoach.audio.resample import Resampler
from voicecoach.audio.speaker import ECHO_TAIL
from voicecoach.audio.tts import Synthesizer
from voicecoach.coach import Coach, Ports, run_script
from voicecoach.content import Content, content
from voicecoach.events import EventLog
from voicecoach.intents import default_intents
from voicecoach.listen import Hearing
from voicecoach.matcher import Matcher
from voicecoach.session import Session
from voicecoach.session_types import Context

SCRIPT = [(0, "yes"), (3, "start my workout"), (60, "what can I say"),
          (120, "what does clamshell work"), (200, "how many left"), (250, "hang on"),
          (262, "keep going"), (300, "slow down"), (400, "how do I do a bird dog"),
          (500, "which exercises do you know"), (600, "how am I doing this week"),
          (700, "say that again")]
"""What the user says in the session whose lines the coach speaks (the user is not heard)."""
FIELDS: dict[str, object] = {
    "name": "glute bridge", "muscles": "your glutes", "reps": 8, "sets": 2, "hold": 3,
    "rep": 4, "seconds": 30, "set": 2, "count": 5, "minutes": 18, "side": "left",
    "names": "the bird dog and the clamshell", "benefit": "", "steps": "", "days": 3,
    "rating": 6, "before": 6, "now": 8, "done": 2}
"""Values for the placeholders of prompts said once each."""
ECHO_DELAY = 0.08
"""Seconds from the speaker to the microphone: device buffers, and the way through the air."""
AHEAD = 0.025
"""Seconds the speaker's output stream writes ahead of what is sounding (its buffer)."""
RATES = (None, 140, 210)
"""Speaking rates the coach's lines are said at (words per minute; None: the engine's own)."""
QUEUE_GAP = 0.05
"""Seconds between two queued lines (rendering and opening the stream)."""
MAX_GAP = 3.0
"""Longer silences of the session are cut to this: silence gives the recognizer nothing."""
NOISE_DBFS = -70.0
"""The virtual microphone's noise floor (tests/audio/alsa.py)."""
USER_VOICE = "en-us+klatt"
OVER = (("stop", "stop"), ("pause", "pause"), ("it hurts", "report_pain"), ("yes", None),
        ("okay", None))
"""What the user says over the coach, and the intent that must be acted on (None: nothing must
be, as for an answer begun before the coach has finished its question)."""
URGENT = frozenset({"report_pain", "stop", "pause"})
OVER_LINES = 40
"""Coach lines each of OVER is said over: those whose text hashes lowest, so that a line added to
what the coach says changes the sample only if it is drawn itself."""


@dataclass
class Line:
    text: str
    start: float
    end: float


@dataclass
class Tally:
    acted: list[tuple[float, str, str | None]] = field(default_factory=list)
    """(seconds, text passed on, its intent) with the rule."""
    before: list[tuple[float, str, str | None]] = field(default_factory=list)
    """The same without it: every final result, and urgent partial ones."""
    lag: list[float] = field(default_factory=list)
    """Seconds from the end of a line to the final hypothesis of its echo."""


def session_lines(catalogue: Content) -> list[tuple[float, str]]:
    """(session seconds, text) of every line a scripted session says, on a simulated clock."""
    log = io.StringIO()
    session = Session(catalogue, Context())
    coach = Coach(session, Matcher(default_intents()), Ports(None, EventLog(log), None,
                                                             out=io.StringIO()))
    run_script(coach, [(float(t), text) for t, text in SCRIPT])
    events = [json.loads(line) for line in log.getvalue().splitlines()]
    return [(e["t"], e["text"]) for e in events if e["type"] == "said"]


def other_lines(catalogue: Content) -> list[str]:
    """Every prompt, tip and exercise answer, placeholders filled."""
    lines = [catalogue.say(key, **FIELDS) for key in catalogue.prompts]
    lines += list(catalogue.tips.values())
    for ex in catalogue.exercises.values():
        lines += [catalogue.say("answer_benefits", name=ex.name, muscles=ex.strengthens,
                                benefit=ex.benefit),
                  catalogue.say("answer_instructions", name=ex.name, steps=" ".join(ex.steps)),
                  *ex.cues, *ex.move_cues.values(), ex.return_cue]
    return lines


def script_of_lines(catalogue: Content) -> list[tuple[float, str]]:
    """The session's lines at their times, then every other line, one every 2 s of silence."""
    said = session_lines(catalogue)
    end = said[-1][0] if said else 0.0
    extra = [(end + 2.0 * (i + 1), text) for i, text in enumerate(other_lines(catalogue))]
    return said + extra


def timeline(script: list[tuple[float, str]], clip: dict[str, bytes], now: float = 0.0
             ) -> tuple[list[Line], float]:
    """The lines' times on the speaker's clock, from now on, and when the last one ends."""
    lines: list[Line] = []
    last = script[0][0] if script else 0.0
    for when, text in script:
        wait = when - last
        last = when
        now += QUEUE_GAP if wait <= 0 else min(wait, MAX_GAP)
        seconds = len(clip[text]) / 2 / RATE
        lines.append(Line(text, now, now + seconds))
        now += seconds
    return lines, now


def lay(speaker: np.ndarray, lines: list[Line], clip: dict[str, bytes]) -> None:
    """Add each line to what the speaker plays, at its time."""
    for line in lines:
        at = int(line.start * RATE)
        voice = np.frombuffer(clip[line.text], "<i2").astype(np.float64)
        speaker[at: at + len(voice)] += voice


def heard(speaker: np.ndarray, user: np.ndarray | None = None) -> bytes:
    """What the microphone hears: the speaker ECHO_DELAY later through the room, the user, and
    the noise floor."""
    delayed = np.concatenate([np.zeros(int(ECHO_DELAY * RATE)), speaker])[: len(speaker)]
    total = np.frombuffer(Room()(to_pcm(delayed)), "<i2").astype(np.float64)
    total += np.frombuffer(room(len(total) / RATE, NOISE_DBFS), "<i2")[: len(total)]
    if user is not None:
        total += user
    return to_pcm(total)


def cancelled(mic: bytes, speaker: np.ndarray) -> tuple[bytes, float]:
    """mic through the echo canceller, each 100 ms chunk once the speaker's output stream has
    written what it plays up to AHEAD past the chunk's end; and the second at which it had
    learned the room (inf if never)."""
    playback = Playback()
    canceller = EchoCanceller(playback)
    out: list[bytes] = []
    written = 0
    learned = float("inf")
    for i, chunk in enumerate(chunks(mic)):
        end = (i + 1) * CHUNK_BYTES / 2 / RATE
        upto = min(len(speaker), round((end + AHEAD) * RATE))
        playback.push(to_pcm(speaker[written:upto]), RATE)
        written = upto
        out.append(canceller(chunk))
        if canceller.converged and learned == float("inf"):
            learned = end
    return b"".join(out), learned


def render(synth: Synthesizer, texts: set[str], rate: int | None) -> dict[str, bytes]:
    """Each line in the speaker's own voice at rate, as 16 kHz PCM, rendered by synth (one for
    every rate: one speech engine process, started once)."""
    out = {}
    for text in sorted(texts):
        clip = synth.clip(" ".join(text.split()), None, rate)
        out[text] = Resampler(clip.rate, RATE)(clip.pcm)
    return out


def speaking_at(lines: list[Line], now: float) -> str:
    """TtsSpeaker.speaking() at speaker time now."""
    return " ".join(ln.text for ln in lines if ln.start <= now <= ln.end + ECHO_TAIL)


def run(pcm: bytes, lines: list[Line], matcher: Matcher, label: str,
        learned: float | None = None) -> Tally:
    """Stream the audio through a fresh recognizer into a told and an untold Hearing; the told
    one knows when the canceller learned the room (at second learned; None: no canceller)."""
    recognizer = make_recognizer("pocketsphinx", None, matcher.intents.expanded())
    tally, clock = Tally(), [0.0]

    def told(text: str) -> None:
        tally.acted.append((clock[0], text, _intent(matcher, text)))

    def untold(text: str) -> None:
        tally.before.append((clock[0], text, _intent(matcher, text)))

    hearings = (Hearing(matcher, told, lambda: speaking_at(lines, clock[0]),
                        None if learned is None else lambda: clock[0] >= learned),
                Hearing(matcher, untold))
    total = len(pcm) // CHUNK_BYTES
    for i, chunk in enumerate(tqdm(chunks(pcm), label, total, unit="chunk", file=sys.stderr)):
        clock[0] = (i + 1) * CHUNK_BYTES / 2 / RATE
        hyp = recognizer.accept(chunk)
        if hyp is not None:
            for hearing in hearings:
                hearing.take(hyp)
            lag = _lag(lines, clock[0])
            if hyp.final and hyp.text.strip() and lag is not None:
                tally.lag.append(lag)
    if (last := recognizer.finish()) is not None:
        for hearing in hearings:
            hearing.take(last)
    return tally


def _intent(matcher: Matcher, text: str) -> str | None:
    found = matcher.match(text)
    return found.intent if found else None


def _lag(lines: list[Line], now: float) -> float | None:
    """Seconds since the last line ended; None while one is playing."""
    if any(ln.start <= now <= ln.end for ln in lines):
        return None
    ended = [ln.end for ln in lines if ln.end < now]
    return now - max(ended) if ended else None


def over_coach(clips: dict[str, bytes], matcher: Matcher
               ) -> dict[str, dict[str, tuple[float, float]]]:
    """Per user phrase and way of hearing (with the canceller and the echo rules, each alone,
    with neither): the shares of OVER_LINES coach lines over which it was acted on as meant, and
    taken for pain (a phrase meant as nothing: for pain, stop or pause)."""
    sample = sorted(clips, key=lambda text: hashlib.sha256(text.encode()).digest())[:OVER_LINES]
    shares = {}
    for phrase, intent in OVER:
        user = np.frombuffer(synthesize(phrase, voice=USER_VOICE, lead=0, trail=0), "<i2")
        lines, end = timeline([(0.0, line) for line in sample], clips)
        lines = [Line(ln.text, ln.start + 3.0 * i, ln.end + 3.0 * i) for i, ln in enumerate(lines)]
        speaker = np.zeros(int((end + 3.0 * len(lines) + 1.0) * RATE))
        lay(speaker, lines, clips)
        voice = np.zeros(len(speaker))
        for line in lines:
            at = int(((line.start + line.end) / 2 + ECHO_DELAY) * RATE) - len(user) // 2
            voice[at: at + len(user)] += user
        mic = heard(speaker, voice)
        pcm, learned = cancelled(mic, speaker)
        with_aec = run(pcm, lines, matcher, f"{phrase!r} over, cancelled", learned)
        without = run(mic, lines, matcher, f"{phrase!r} over, not cancelled")
        wrong = {"report_pain"} if intent else URGENT
        shares[phrase] = {name: (_share(acted, lines, {intent} if intent else set()),
                                 _share(acted, lines, wrong))
                          for name, acted in (("cancelled", with_aec.acted),
                                              ("canceller only", with_aec.before),
                                              ("rules only", without.acted),
                                              ("neither", without.before))}
    return shares


def _share(acted: list[tuple[float, str, str | None]], lines: list[Line],
           intents: AbstractSet[str | None]) -> float:
    """The share of lines in whose trial (the line and 3 s after it) one of intents was acted
    on."""
    hit = {i for t, _, found in acted if found in intents
           for i, ln in enumerate(lines) if ln.start <= t < ln.end + 3.0}
    return len(hit) / len(lines)


def main() -> dict[str, float]:
    catalogue = content()
    matcher = Matcher(default_intents())
    script = script_of_lines(catalogue)
    lines: list[Line] = []
    parts = []
    end = 0.0
    synth = Synthesizer()
    try:
        for rate in RATES:
            clips = render(synth, {text for _, text in script}, rate)
            more, end = timeline(script, clips, end)
            lines += more
            parts.append((more, clips))
    finally:
        synth.close()
    voice = np.zeros(int((end + 3.0) * RATE))
    for more, clips in parts:
        lay(voice, more, clips)
    mic = heard(voice)
    start = time.perf_counter()
    pcm, learned = cancelled(mic, voice)
    with_aec = run(pcm, lines, matcher, "own voice, cancelled", learned)
    without = run(mic, lines, matcher, "own voice, not cancelled")
    seconds = time.perf_counter() - start
    figures = report(with_aec, without, lines, seconds)
    print(f"  the user over the middle of {OVER_LINES} coach lines, equally loud: acted on as"
          " meant / taken for pain (for yes and okay: for pain, stop or pause)")
    for phrase, shares in over_coach(clips, matcher).items():
        print(f"    {phrase!r:12}" + "   ".join(f"{k} {meant:4.0%} / {pain:4.0%}"
                                              for k, (meant, pain) in shares.items()))
        figures[f"over_{phrase}"], figures[f"over_{phrase}_pain"] = shares["cancelled"]
    return figures


def report(tally: Tally, without: Tally, lines: list[Line], seconds: float) -> dict[str, float]:
    speech = sum(ln.end - ln.start for ln in lines)
    pain = [a for a in tally.acted if a[2] == "report_pain"]
    print(f"the coach's own voice fed back through a room, as loud as the user (pocketsphinx,"
          f" {seconds:.0f} s):")
    print(f"  speech fed back:              {speech / 60:.1f} min in {len(lines)} lines"
          f" ({lines[-1].end / 60:.1f} min with the silences)")
    print(f"  commands it gave itself:      {len(tally.acted)} ({len(pain)} of them pain)")
    for t, text, intent in tally.acted:
        print(f"    {t:7.1f} s  {intent}: {text[:70]!r}")
    counts = {"rules only": without.acted, "canceller only": tally.before,
              "neither": without.before}
    for name, acted in counts.items():
        commands = [a for a in acted if a[2] is not None]
        print(f"  with {name + ':':24}{len(commands)} commands"
              f" ({sum(a[2] == 'report_pain' for a in commands)} pain)")
    lag = sorted(tally.lag)
    if lag:
        print(f"  final results after a line:   median {lag[len(lag) // 2]:.2f} s,"
              f" max {lag[-1]:.2f} s after its end")
    return {"self_commands": float(len(tally.acted)), "self_pain": float(len(pain)),
            "rules_only": float(len([a for a in without.acted if a[2] is not None])),
            "speech_minutes": speech / 60}


if __name__ == "__main__":
    main()
