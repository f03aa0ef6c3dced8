"""How well the matcher generalises: paraphrases it was not written from (tests/data/dev_en.yaml).

The floors are what the matcher reaches with some room, so that a change which makes it worse
at language in general fails here even when every intent-file case still passes.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from voicecoach.matcher import Matcher

DEV = Path(__file__).parent / "data" / "dev_en.yaml"
FLOORS = {"in_domain": 0.89, "not_for_the_coach": 0.93, "pain": 1.0}
"""Lowest share of each group of the development set that must come out right (measured: 90.1% of
3479, 94.3% of 2529 and all 1609 pain phrases but the 21 of KNOWN_MISSES). The batch of negated
and conditional commands, whose negated stops and pauses are labelled null though the coach obeys
them, took the others from 96.8% to 95.8%, and the batch of unusual pain reports, whose talk of
effort is taken for pain ("my legs are shaking from the effort"), to 95.1%, where the batch of
pain in images and old words, whose talk of past pain and of others' pain is taken for pain, left
them, and the batch of short household talk and idioms of the body, taken for pain as meant ("a
pain in the neck" of a person, "get off my back"), took them to 94.7%, that of pain told with an
exercise, whose muscle burn is taken for pain, to 94.2%, and the two batches of pain hidden in
reassurance and in other talk, whose others' pain and idioms are taken for pain, to 93.6%, and
the two batches of talk near the coach and about exercise back to 94.1%; skipping an exercise
by name took one wondering aloud ("i wonder if i should skip the hip thrust") and one labelled
null with the negated commands ("i'd rather not do bird dogs") for skips (94.0%; that one and
"let's not do the hip thrust today" were then labelled skips), and a word the coach does not know
after "this" or "many" took five others for nothing (94.2%: "how many eggs are left"), and
two more where the word is a near spelling of one the coach knows (94.4%: "skip this song"), and
the calls for a doctor and "shut up" as a pause two ("remind me to call the doctor" is pain,
"stop barking" a pause: 94.3%).
Commands were 90.8% of 3395 before the batch said with can't, won't and don't, whose refusals of
an exercise by name the matcher understands 58% of (90.1%);
they were 91.7% of 3256 before those two batches, whose answers of no pain the matcher
understands 16 of 42 of (the others as nothing, which asks "any pain?" again: a "no" it cannot
be sure of is never taken); they were 92.4% of 1967 before the batch of
full sentences in the world's Englishes, which the matcher understands 86% of; 96% of 1256
before the batch of requests wrapped in stories, which the matcher understands 75% of, 95.2% of
1425 before the batch of commands wrapped in how one feels ("i'm wiped out end the session"),
76%, and 93.9% of 1597 before the batch of pain reports and body talk, whose few commands mention
the body (39%). Pain has no room: "my back feels bad" was missed until feeling bad became a pain
word, "something's pinching" and "my sciatica is flaring up" until those were pain words too, "ah
the knee again" until a cry with body parts was pain, "i think i tweaked something when i came
up" until pain sentences counted inside longer utterances, "my foot's gone dead" until talk of
"my" body part was pain, and "i feel sick" and "my chest feels tight" until those were a pain
word and a body part, and "i'm far from okay" (a no to "any pain?") and seven more like it until
a hedge before a word of being well (well_hedges) denied it, and "it's not like it doesn't hurt"
until "like" undid a negation after it; of the batch of distress said mid-exercise, 20 of 150 were
missed when written, 10 since ("i feel awful" once feeling unwell was pain, body_ill; "i can't bear
it" once it was something the body cannot do). Only the pain phrases of KNOWN_MISSES are missed."""
KNOWN_MISSES = {
    # a denial of a denial, or of being well, told the long way round
    "there's not one position where my back doesn't ache",
    "i can't remember the last time my back didn't hurt", "it's not what i'd call pain free",
    "not terrible but it's definitely there", "not really well maybe a little bit",
    # pain that came, stayed or moved, told without a pain word where it counts
    "it didn't bother me yesterday but today it does",
    "no issues on the first set then it kicked in",
    "i was okay on the way up but not on the way down", "it hasn't settled down at all",
    "i thought it would wear off but it hasn't",
    "the pain's gone from my back but now it's in my knee",
    # distress in images or in words the coach does not listen for, and a rating that grew
    "this is torture", "i'm in bits here", "my body is telling me no",
    "there's a hot poker in my bum cheek", "whoa the ceiling's going round and round",
    "argh that's horrible", "summat's up with me hip it's not right",
    "clamshell on the left side is giving me grief in the hip",
    "it was a two before now it's like a seven",
    # taken for a stop, which ends the session too
    "please make it stop",
}
"""Pain phrases of the development set the matcher does not catch, each by name: a change that
catches one takes it out of here, and one that misses another fails. A person hears pain in each;
the matcher, which has no grammar, cannot tell these from their no-pain twins ("i'd say i'm
okay", "never felt better", "the pain's gone from my back") without taking the twins for pain.
Said in answer to "any pain?", those understood as nothing get the question again."""


def _group(case: dict[str, Any]) -> str:
    if case["intent"] is None:
        return "not_for_the_coach"
    return "pain" if case["intent"] == "report_pain" else "in_domain"


def _right(matcher: Matcher, case: dict[str, Any]) -> bool:
    found = matcher.match(case["text"])
    if case["intent"] is None or found is None:
        return found is None and case["intent"] is None
    return (found.intent, found.slots) == (case["intent"], case.get("slots") or {})


@pytest.fixture(scope="module")
def cases() -> list[dict[str, Any]]:
    return list(yaml.safe_load(DEV.read_text())["tests"])


def test_the_development_set_is_big_enough(cases: list[dict[str, Any]]) -> None:
    sizes = {group: sum(_group(c) == group for c in cases) for group in FLOORS}
    assert sizes["in_domain"] >= 250 and sizes["not_for_the_coach"] >= 60 and sizes["pain"] >= 30


@pytest.mark.parametrize("group", sorted(FLOORS))
def test_accuracy_on_unseen_paraphrases_stays_above_its_floor(
        matcher: Matcher, cases: list[dict[str, Any]], group: str) -> None:
    mine = [c for c in cases if _group(c) == group and c["text"] not in KNOWN_MISSES]
    wrong = [c["text"] for c in mine if not _right(matcher, c)]
    assert 1 - len(wrong) / len(mine) >= FLOORS[group], wrong


def test_the_known_pain_misses_are_still_missed(matcher: Matcher,
                                                cases: list[dict[str, Any]]) -> None:
    known = [c for c in cases if c["text"] in KNOWN_MISSES]
    assert len(known) == len(KNOWN_MISSES) and all(c["intent"] == "report_pain" for c in known)
    assert [c["text"] for c in known if _right(matcher, c)] == []
