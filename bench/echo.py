"""A coach that never hears itself: its own speech fed back into the recognizer, counted.

The coach's lines are those of a scripted session (safety, the routine, answers to questions),
then every prompt, tip and exercise answer it has, each said once. They are rendered by the
speaker's own engine and voice, laid on one timeline the way the speaker plays them (a queued line
follows the last at once; a timed one waits, long silences shortened to MAX_GAP), with a faint
noise floor, and streamed in 100 ms chunks through pocketsphinx and the Hearing, which is told
what the coach is saying exactly as TtsSpeaker.speaking() would tell it (the line playing, plus
the lines that ended within ECHO_TAIL), on the audio's own clock: no waiting, no sound card.

Nobody else speaks: every utterance the Hearing passes on is a command the coach gave itself.
The same hypotheses also go through a Hearing that is not told (the coach before this rule).

The price: the user's "stop", "pause" and "it hurts" (espeak-ng en-us+klatt) mixed at equal
loudness into the middle of OVER_LINES of the coach's lines, each decoded on its own: how often
the Hearing still acts on them.
"""

from __future__ import annotations

import io
import json
import random
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).parent.parent / "tests" / "audio"))
from speech import CHUNK_BYTES, RATE, chunks, room, synthesize, to_pcm

from voicecoach.audio.models import make_recognizer
from voicecoach.audio.resample import Resampler
from voicecoach.audio.speaker import ECHO_TAIL
from voicecoach.audio.tts import Synthesizer
from voicecoach.coach import Coach, EventLog, Ports, run_script
from voicecoach.content import Content, content
from voicecoach.intents import default_intents
from voicecoach.listen import Hearing
from voicecoach.matcher import Matcher
from voicecoach.ports import Recognizer
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
ECHO_DELAY = 0.05
"""Seconds from the speaker to the microphone (buffers; the room itself adds ~10 ms)."""
QUEUE_GAP = 0.05
"""Seconds between two queued lines (rendering and opening the stream)."""
MAX_GAP = 3.0
"""Longer silences of the session are cut to this: silence gives the recognizer nothing."""
NOISE_DBFS = -70.0
"""The virtual microphone's noise floor (tests/audio/alsa.py)."""
USER_VOICE = "en-us+klatt"
OVER = (("stop", "stop"), ("pause", "pause"), ("it hurts", "report_pain"))
"""What the user says over the coach, and the intent that must be acted on."""
OVER_LINES = 40
"""Coach lines (drawn at random, fixed seed) each of OVER is said over."""


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
    lines = [text.format(**FIELDS) for text in catalogue.prompts.values()]
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


def timeline(script: list[tuple[float, str]], clip: dict[str, bytes]) -> tuple[bytes, list[Line]]:
    """The microphone's audio (the coach's voice, delayed, on a noise floor) and the lines' times
    on the speaker's clock."""
    lines: list[Line] = []
    now, last = 0.0, 0.0
    for when, text in script:
        wait = when - last
        last = when
        now += QUEUE_GAP if wait <= 0 else min(wait, MAX_GAP)
        seconds = len(clip[text]) / 2 / RATE
        lines.append(Line(text, now, now + seconds))
        now += seconds
    total = np.frombuffer(room(now + 3.0, NOISE_DBFS), "<i2").astype(np.float64)
    for line in lines:
        at = int((line.start + ECHO_DELAY) * RATE)
        voice = np.frombuffer(clip[line.text], "<i2").astype(np.float64)
        total[at: at + len(voice)] += voice
    return to_pcm(total), lines


def render(texts: set[str]) -> dict[str, bytes]:
    """Each line in the speaker's own voice, as 16 kHz PCM."""
    synth = Synthesizer()
    try:
        out = {}
        for text in sorted(texts):
            clip = synth.clip(" ".join(text.split()))
            out[text] = Resampler(clip.rate, RATE)(clip.pcm)
        return out
    finally:
        synth.close()


def speaking_at(lines: list[Line], now: float) -> str:
    """TtsSpeaker.speaking() at speaker time now."""
    return " ".join(ln.text for ln in lines if ln.start <= now <= ln.end + ECHO_TAIL)


def run(pcm: bytes, lines: list[Line], recognizer: Recognizer, matcher: Matcher) -> Tally:
    """Stream the audio through the recognizer into a told and an untold Hearing."""
    tally, clock = Tally(), [0.0]

    def told(text: str) -> None:
        tally.acted.append((clock[0], text, _intent(matcher, text)))

    def untold(text: str) -> None:
        tally.before.append((clock[0], text, _intent(matcher, text)))

    with_rule = Hearing(matcher, told, lambda: speaking_at(lines, clock[0]))
    without = Hearing(matcher, untold)
    for i, chunk in enumerate(chunks(pcm)):
        clock[0] = (i + 1) * CHUNK_BYTES / 2 / RATE
        hyp = recognizer.accept(chunk)
        if hyp is not None:
            with_rule.take(hyp)
            without.take(hyp)
            lag = _lag(lines, clock[0])
            if hyp.final and hyp.text.strip() and lag is not None:
                tally.lag.append(lag)
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


def over_coach(clips: dict[str, bytes], recognizer: Recognizer, matcher: Matcher
               ) -> dict[str, tuple[float, float]]:
    """Per user phrase: the share of OVER_LINES coach lines over which it is acted on, with the
    rule and without it."""
    sample = random.Random(0).sample(sorted(clips), OVER_LINES)
    shares = {}
    for phrase, intent in OVER:
        user = np.frombuffer(synthesize(phrase, voice=USER_VOICE, lead=0, trail=0), "<i2")
        acted = [said_over(clips[line], line, user, recognizer, matcher) for line in sample]
        shares[phrase] = (sum(intent in told for told, _ in acted) / len(acted),
                          sum(intent in untold for _, untold in acted) / len(acted))
    return shares


def said_over(coach: bytes, line: str, user: np.ndarray, recognizer: Recognizer,
              matcher: Matcher) -> tuple[list[str | None], list[str | None]]:
    """The intents acted on when the user is heard in the middle of the line: by the Hearing
    told what the coach says, and by one that is not."""
    voice = np.frombuffer(coach, "<i2").astype(np.float64)
    total = np.frombuffer(room(len(voice) / RATE + 3.0, NOISE_DBFS), "<i2").astype(np.float64)
    at = int(0.5 * RATE)
    total[at: at + len(voice)] += voice
    at += max(0, (len(voice) - len(user)) // 2)
    total[at: at + len(user)] += user
    told: list[str] = []
    untold: list[str] = []
    hearings = (Hearing(matcher, told.append, lambda: line), Hearing(matcher, untold.append))
    for chunk in chunks(to_pcm(total)):
        if (hyp := recognizer.accept(chunk)) is not None:
            for hearing in hearings:
                hearing.take(hyp)
    if (last := recognizer.finish()) is not None:
        for hearing in hearings:
            hearing.take(last)
    return [_intent(matcher, t) for t in told], [_intent(matcher, t) for t in untold]


def main() -> dict[str, float]:
    catalogue = content()
    matcher = Matcher(default_intents())
    said = session_lines(catalogue)
    script = script_of_lines(catalogue)
    clips = render({text for _, text in script})
    pcm, lines = timeline(script, clips)
    recognizer = make_recognizer("pocketsphinx", None, matcher.intents.expanded())
    start = time.perf_counter()
    tally = run(pcm, lines, recognizer, matcher)
    seconds = time.perf_counter() - start
    figures = report(tally, lines, lines[len(said) - 1].end, seconds)
    shares = over_coach(clips, recognizer, matcher)
    print(f"  the user over the middle of {OVER_LINES} coach lines, equally loud, acted on"
          " (without the rule, which also obeys the coach):")
    for phrase, (share, before) in shares.items():
        print(f"    {phrase!r:12} {share:4.0%}   ({before:.0%})")
        figures[f"over_{phrase}"] = share
    return figures


def report(tally: Tally, lines: list[Line], session_end: float, seconds: float
           ) -> dict[str, float]:
    speech = sum(ln.end - ln.start for ln in lines)
    commands = [a for a in tally.before if a[2] is not None]
    in_session = [a for a in tally.acted if a[0] <= session_end + ECHO_TAIL]
    pain = [a for a in tally.acted if a[2] == "report_pain"]
    print(f"the coach's own voice fed back at equal loudness (pocketsphinx, {seconds:.0f} s):")
    print(f"  speech fed back:              {speech / 60:.1f} min in {len(lines)} lines"
          f" ({lines[-1].end / 60:.1f} min with the silences)")
    print(f"  commands it gave itself:      {len(tally.acted)} ({len(pain)} of them pain;"
          f" {len(in_session)} in the scripted session, the rest in the other lines)")
    for t, text, intent in tally.acted:
        print(f"    {t:7.1f} s  {intent}: {text[:70]!r}")
    print(f"  without the rule:             {len(commands)} commands"
          f" (and {len(tally.before) - len(commands)} utterances it would not understand)")
    lag = sorted(tally.lag)
    if lag:
        print(f"  final results after a line:   median {lag[len(lag) // 2]:.2f} s,"
              f" max {lag[-1]:.2f} s after its end")
    return {"self_commands": float(len(tally.acted)), "self_pain": float(len(pain)),
            "before": float(len(commands)), "speech_minutes": speech / 60}


if __name__ == "__main__":
    main()
