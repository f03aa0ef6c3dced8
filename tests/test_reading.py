"""How the matcher reads text before it matches it (words.py), and what it reads as pain
(pain.py) and as exercises named, refused and corrected (naming.py), each on its own."""

from __future__ import annotations

import pytest

from voicecoach.intents import IntentSet
from voicecoach.matcher import Matcher
from voicecoach.words import Normaliser, once, remove, split


@pytest.fixture(scope="module")
def norm(intents: IntentSet) -> Normaliser:
    return Normaliser(intents)


@pytest.mark.parametrize(("words", "said"), [
    ("the the bridge", "the bridge"),
    ("hang on hang on", "hang on"),
    ("stop stop stop", "stop"),
    ("one two one two", "one two"),
    ("left right left", "left right left"),
])
def test_a_run_said_again_at_once_is_said_once(words: str, said: str) -> None:
    assert once(tuple(words.split())) == tuple(said.split())


def test_remove_takes_out_whole_runs_only() -> None:
    words = ("okay", "coach", "okay", "lets", "go")
    assert remove(words, ("okay", "coach")) == ("okay", "lets", "go")
    assert remove(("coaches",), ("coach",)) == ("coaches",)
    assert remove(("a", "a", "b", "a", "b", "b"), ("a", "b")) == ("a", "b")
    assert remove(("a", "b", "a"), ("b", "a", "c")) == ("a", "b", "a")


def test_split_drops_apostrophes_and_case_and_parts_hyphens() -> None:
    assert split("My BACK'S sore, side-lying!") == ("my", "backs", "sore", "side", "lying")


@pytest.mark.parametrize(("text", "words"), [
    ("ＯＵＣＨ", ("ouch",)),  # full width
    ("ｉｔ ｈｕｒｔｓ", ("it", "hurts")),
    ("it hu\u200brts", ("it", "hurts")),  # a zero-width space, as pasted
    ("\ufeffit\u00a0hurts\u00ad", ("it", "hurts")),  # a byte order mark, a no-break space
    ("STRAßE", ("strasse",)),
    ("do ١٢ reps", ("do", "12", "reps")),  # Arabic-Indic digits
    ("do １２ reps", ("do", "12", "reps")),
    ("do 十二 reps", ("do", "十二", "reps")),  # a word of another script stays a word
])
def test_split_reads_text_in_one_unicode_form(text: str, words: tuple[str, ...]) -> None:
    assert split(text) == words


@pytest.mark.parametrize(("text", "read"), [
    ("twenty five reps", "25 reps"),
    ("p p pause", "pause"),
    ("st stop", "stop"),
    ("um please stop", "stop"),
    ("hold for five", "hold for 5"),
])
def test_the_normaliser_reads_text_as_the_matcher_compares_it(
        norm: Normaliser, text: str, read: str) -> None:
    assert " ".join(norm.tokens(text)) == read


@pytest.mark.parametrize(("token", "root"), [
    ("hurts", "hurt"), ("hurting", "hurt"), ("owww", "ow"), ("twinging", "twinge"),
    ("number", None), ("painless", None),
])
def test_a_pain_word_is_known_in_its_forms(matcher: Matcher, token: str, root: str | None) -> None:
    assert matcher.pain.pain_root(token) == root


@pytest.mark.parametrize(("token", "slip"), [
    ("hurst", "hurts"), ("hutrs", "hurts"), ("ocuh", "ouch"),  # two letters swapped
    ("hurtin", "hurting"), ("hurtz", "hurts"), ("owch", "ouch"), ("owwwch", "ouch"),
    ("oucj", "ouch"), ("ithurts", "hurts"), ("mybackhurts", "hurts"), ("backache", "ache"),
    ("huts", None), ("hunting", None), ("freezing", None), ("sitting", None),
    ("hurry", None), ("hurryy", None), ("touch", None), ("hurts", None), ("ouchhh", None),
])
def test_a_pain_word_typed_with_a_slip_is_that_word(matcher: Matcher, token: str,
                                                   slip: str | None) -> None:
    assert matcher.pain.slipped(token) == slip


@pytest.mark.parametrize(("text", "read"), [
    ("it hrts", "it hurts"), ("that huts", "that hurts"), ("my back urts", "my back hurts"),
    ("i hrts", "i hrts"), ("pizza huts", "pizza huts"), ("that much", "that much"),
])
def test_a_slip_of_hurt_is_read_after_a_lead_or_a_body_part(matcher: Matcher, text: str,
                                                           read: str) -> None:
    assert " ".join(matcher.pain.unslipped(matcher.words(text))) == read


def test_no_word_the_recognizers_listen_for_is_a_slip(matcher: Matcher,
                                                      intents: IntentSet) -> None:
    """Slips are typed: what is heard stays as it was, and no slip is listened for."""
    heard = {w for text in intents.expanded() for w in split(text)}
    leads = ["", *intents.slip_leads, "back"]
    assert [w for w in heard for lead in leads if matcher.pain.slipped(w, lead)] == []
    assert heard.isdisjoint(["hurst", "hurtin", "hurtz", "owch", "hrts", "ithurts"])


def test_a_negation_covers_its_pain_word_unless_undone(matcher: Matcher) -> None:
    pain = matcher.pain
    assert pain.pain_words(matcher.words("it doesn't hurt")) == []
    assert pain.pain_words(matcher.words("it didn't hurt until now")) == ["hurt"]
    assert pain.pain_words(matcher.words("not hurtin")) == []


@pytest.mark.parametrize(("text", "found"), [
    ("let's do the glute bridge", ("glute_bridge", 2, 4)),  # "the" is a filler
    ("glue bridge please", ("glute_bridge", 0, 2)),
    ("what's the weather", None),
])
def test_an_exercise_is_found_by_its_name_or_near_it(
        matcher: Matcher, text: str, found: tuple[str, int, int] | None) -> None:
    assert matcher.naming.find_exercise(matcher.words(text)) == found


def test_a_refusal_names_what_it_refuses_and_a_correction_what_replaces_it(
        matcher: Matcher) -> None:
    naming, words = matcher.naming, matcher.words
    refusal = naming.refused(words("no more bridges"))
    assert refusal is not None and refusal.exercise == "glute_bridge" and refusal.last
    assert naming.refused(words("no, the bridge")) is None
    assert naming.corrected(words("start the bridge no wait the clamshell")) == words(
        "start the clamshell")
    assert naming.unrefused(words("skip the bridge and do the clamshell")) == words(
        "and do the clamshell")
