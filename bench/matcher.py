"""Matcher accuracy on the held-out set of utterances it was never tuned on."""

from __future__ import annotations

import platform
import time
from pathlib import Path
from typing import Any

import yaml

from voicecoach.intents import default_intents
from voicecoach.matcher import Matcher

UNSEEN = Path(__file__).parent.parent / "tests" / "data" / "unseen_en.yaml"


def evaluate(matcher: Matcher, cases: list[dict[str, Any]]) -> dict[str, float]:
    in_domain = [c for c in cases if c["intent"]]
    out = [c for c in cases if not c["intent"]]
    pain = [c for c in cases if c["intent"] == "report_pain"]

    def right(case: dict[str, Any]) -> bool:
        found = matcher.match(case["text"])
        if found is None:
            return case["intent"] is None
        return found.intent == case["intent"] and found.slots == (case.get("slots") or {})

    start = time.perf_counter()
    results = {id(c): right(c) for c in cases}
    per_utterance = (time.perf_counter() - start) / len(cases)
    return {
        "in_domain": sum(results[id(c)] for c in in_domain) / len(in_domain),
        "rejected": sum(results[id(c)] for c in out) / len(out),
        "pain_recall": sum(results[id(c)] for c in pain) / len(pain),
        "ms_per_utterance": per_utterance * 1000,
        "n_in": len(in_domain), "n_out": len(out), "n_pain": len(pain),
    }


def main() -> dict[str, float]:
    cases = yaml.safe_load(UNSEEN.read_text())["tests"]
    figures = evaluate(Matcher(default_intents()), cases)
    print(f"matcher on {UNSEEN.name} ({platform.processor() or platform.machine()}):")
    print(f"  intent and slots right, in-domain: {figures['in_domain']:.1%} of {figures['n_in']}")
    print(f"  out-of-domain rejected:            {figures['rejected']:.1%} of {figures['n_out']}")
    print(f"  pain phrases recognised:           {figures['pain_recall']:.1%}"
          f" of {figures['n_pain']}")
    print(f"  time per utterance:                {figures['ms_per_utterance']:.1f} ms")
    return figures


if __name__ == "__main__":
    main()
