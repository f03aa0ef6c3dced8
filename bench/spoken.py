"""Spoken commands through the recognizer and the matcher: accuracy against noise, delay, speed.

The utterances are the held-out set (tests/data/unseen_en.yaml), spoken by voices the recognizer
was not tuned on, of two families: espeak-ng's formant synthesis (machine-made sound, far from a
person's) and flite's CMU ARCTIC voices (built from recordings of people), at a noise floor and
at 20 and 10 dB signal-to-noise ratio (white noise scaled to the speech's own loudness). Each
utterance is streamed in 100 ms chunks as a microphone would deliver it; the delay is measured on
the audio's own timeline (the chunk at which the decision is made, minus the end of the speech)
plus the time spent decoding that chunk.
"""

from __future__ import annotations

import statistics
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import yaml
from tqdm import tqdm

sys.path.insert(0, str(Path(__file__).parent.parent / "tests" / "audio"))
from speech import CHUNK_BYTES, RATE, chunks, noise, synthesize, to_pcm

from voicecoach.audio.models import make_recognizer
from voicecoach.intents import default_intents
from voicecoach.listen import Hearing
from voicecoach.matcher import Matcher
from voicecoach.ports import Recognizer

UNSEEN = Path(__file__).parent.parent / "tests" / "data" / "unseen_en.yaml"
VOICES = {
    "espeak-ng": ("en-gb+klatt2", "en-us+klatt3", "en-us-nyc+klatt", "en-029+klatt4"),
    "flite": ("flite:slt", "flite:rms"),
}
"""Voices no test uses and nothing was tuned on: espeak-ng's Klatt variants (pocketsphinx mishears
its default voices badly, a problem of the synthetic speech rather than of the coach), and
flite's US English ARCTIC voices, a woman's and a man's (its kal16 and awb voices are for
development)."""
CONDITIONS = (("clean", None), ("20 dB", 20.0), ("10 dB", 10.0))
LEAD, TRAIL = 0.5, 1.5
"""Seconds of room noise before and after each utterance."""
AUDIBLE_DB = 40.0
"""A 10 ms frame is still speech while it is within this many dB of the utterance's loudest: the
synthesizers end their files with up to 0.3 s of near-silence, which is not speech."""
ABOVE_FLOOR_DB = 10.0
"""...and this many dB above the room noise heard before it: 40 dB below a quiet voice's loudest
(flite's kal16) is the noise floor itself, and the whole recording would count as speech."""
URGENT = ("report_pain", "stop", "pause")


@dataclass
class Trial:
    case: dict[str, Any]
    text: str
    right: bool
    delay: float | None
    """Seconds from the end of speech to the decision; None when nothing was decided."""
    decode: float
    """Seconds of processor time spent decoding."""
    audio: float
    """Seconds of audio."""
    acted: str | None
    """The intent of what was acted on; None when nothing was."""

    @property
    def as_pain(self) -> bool:
        """What was acted on was taken for pain (and ended the session)."""
        return self.acted == "report_pain"


def with_noise(pcm: bytes, snr: float | None, seed: int) -> bytes:
    if snr is None:
        return pcm
    signal = np.frombuffer(pcm, "<i2").astype(np.float64)
    speech = signal[int(LEAD * RATE): len(signal) - int(TRAIL * RATE)]
    rms = float(np.sqrt(np.mean(speech**2)))
    level = 20 * np.log10(rms / 32768.0) - snr
    return to_pcm(signal + noise(len(signal), level, seed))


def speech_end(pcm: bytes) -> float:
    """Seconds from the start of pcm (LEAD seconds of room noise, then speech) to the end of its
    last audible 10 ms frame."""
    signal = np.frombuffer(pcm, "<i2").astype(np.float64)
    frame = RATE // 100
    frames = signal[: len(signal) // frame * frame].reshape(-1, frame)
    level = 10 * np.log10(np.mean(frames**2, axis=1) + 1e-9)
    floor = float(np.median(level[: int(LEAD * 100)]))
    audible = np.flatnonzero(level >= max(level.max() - AUDIBLE_DB, floor + ABOVE_FLOOR_DB))
    return float((audible[-1] + 1) * frame / RATE)


def run_one(recognizer: Recognizer, matcher: Matcher, pcm: bytes,
            speech_end: float) -> tuple[str, float | None, float]:
    """Stream pcm; return what the coach acted on, the delay after speech end, decode seconds."""
    acted: list[str] = []
    decided: list[float] = []
    """Audio time plus decoding time at which each utterance was acted on."""
    hearing = Hearing(matcher, acted.append)
    spent = position = 0.0
    for chunk in [*chunks(pcm, CHUNK_BYTES), b""]:
        start = time.process_time()
        hyp = recognizer.accept(chunk) if chunk else recognizer.finish()
        if hyp is not None:
            hearing.take(hyp)
        took = time.process_time() - start
        spent += took
        position += len(chunk) / 2 / RATE
        decided += [position + took] * (len(acted) - len(decided))
    if not acted:
        return "", None, spent
    return acted[-1], decided[-1] - speech_end, spent


def judge(matcher: Matcher, case: dict[str, Any], text: str) -> bool:
    found = matcher.match(text) if text else None
    if found is None:
        return case["intent"] is None
    return found.intent == case["intent"] and found.slots == (case.get("slots") or {})


def measure(cases: list[dict[str, Any]], voices: tuple[str, ...], snr: float | None,
            label: str) -> list[Trial]:
    intents = default_intents()
    matcher = Matcher(intents)
    recognizer = make_recognizer("pocketsphinx", None, intents.expanded())
    trials = []
    for n, case in enumerate(tqdm(cases, desc=label, unit="utt", file=sys.stderr)):
        clean = synthesize(case["text"], voice=voices[n % len(voices)], lead=LEAD, trail=TRAIL,
                           seed=n)
        pcm = with_noise(clean, snr, seed=n)
        audio = len(pcm) / 2 / RATE
        text, delay, spent = run_one(recognizer, matcher, pcm, speech_end(clean))
        found = matcher.match(text) if text else None
        trials.append(Trial(case, text, judge(matcher, case, text), delay, spent, audio,
                            found.intent if found else None))
    return trials


def summary(trials: list[Trial]) -> dict[str, float]:
    def share(rows: list[Trial], right: Callable[[Trial], bool] = lambda t: t.right) -> float:
        return sum(map(right, rows)) / len(rows) if rows else float("nan")

    pain = [t for t in trials if t.case["intent"] == "report_pain"]
    urgent = [t.delay for t in trials if t.case["intent"] in URGENT and t.right and t.delay]
    other = [t.delay for t in trials
             if t.case["intent"] and t.case["intent"] not in URGENT and t.right and t.delay]
    return {
        "all": share(trials),
        "in_domain": share([t for t in trials if t.case["intent"]]),
        "rejected": share([t for t in trials if not t.case["intent"]]),
        "pain": share(pain),
        "pain_missed": sum(not t.right for t in pain),
        "pain_went_on": sum(t.acted not in URGENT for t in pain),
        "taken_for_pain": share([t for t in trials if t.case["intent"] != "report_pain"],
                                lambda t: t.as_pain),
        "delay_median_ms": 1000 * statistics.median(other) if other else float("nan"),
        "urgent_delay_median_ms": 1000 * statistics.median(urgent) if urgent else float("nan"),
        "rtf": sum(t.decode for t in trials) / sum(t.audio for t in trials),
    }


Results = dict[str, dict[str, dict[str, float]]]
"""Summaries by voice family, then by noise condition."""
LINES = (("in_domain", "commands", "-"), ("rejected", "not for the coach, rejected", ":"),
         ("pain", "pain phrases", "--"))


def plot(results: Results, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(7.5, 4.5), dpi=100)
    for family, color in zip(results, ("tab:blue", "tab:orange"), strict=False):
        labels = list(results[family])
        for key, name, style in LINES:
            ax.plot(labels, [100 * results[family][c][key] for c in labels], style, marker="o",
                    color=color, label=f"{family}: {name}")
    ax.set_ylim(0, 105)
    ax.set_ylabel("right (%)")
    ax.set_xlabel("noise")
    ax.set_title("Spoken commands, pocketsphinx fallback, unseen voices and phrasings")
    ax.grid(alpha=0.3)
    ax.legend(loc="lower left", fontsize="small")
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)


def main(limit: int | None = None) -> Results:
    cases = yaml.safe_load(UNSEEN.read_text())["tests"][:limit]
    results: Results = {}
    for family, voices in VOICES.items():
        results[family] = {}
        for label, snr in CONDITIONS:
            r = results[family][label] = summary(measure(cases, voices, snr, f"{family} {label}"))
            print(f"spoken, {family}, {label:5}: {r['all']:.1%} right ({r['in_domain']:.1%} of "
                  f"commands, {r['rejected']:.1%} of others rejected), pain {r['pain']:.1%} "
                  f"({r['pain_missed']:.0f} missed, {r['pain_went_on']:.0f} of them with"
                  f" no stop or pause either), no pain taken for pain "
                  f"{r['taken_for_pain']:.1%}, delay median {r['delay_median_ms']:.0f} ms, "
                  f"pain/stop/pause {r['urgent_delay_median_ms']:.0f} ms, RTF {r['rtf']:.3f}")
    out = Path(__file__).parent.parent / "docs" / "accuracy_noise.png"
    plot(results, out)
    print(f"chart: {out}")
    return results


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else None)
