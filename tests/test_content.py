"""The catalogue and prompts: the seed's facts, complete, and strict about mistakes."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
import yaml

from voicecoach.content import HERE, PROMPTS, TIPS, Content, load_content
from voicecoach.errors import DataFileError
from voicecoach.intents import EXERCISE_IDS


def test_five_exercises_in_catalogue_order(catalogue: Content) -> None:
    assert tuple(catalogue.exercises) == EXERCISE_IDS


def test_holds_and_sides_follow_the_seed(catalogue: Content) -> None:
    ex = catalogue.exercises
    holds = {i for i, e in ex.items() if e.hold_seconds}
    assert holds == {"bird_dog", "glute_bridge", "hip_thrust"}
    assert {i for i, e in ex.items() if e.sides == "one_sided"} == {
        "clamshell", "side_lying_hip_abduction"}
    assert ex["bird_dog"].sides == "alternating"
    assert set(ex["bird_dog"].move_cues) == {"left", "right"}


def test_beginner_plans_start_small(catalogue: Content) -> None:
    for ex in catalogue.exercises.values():
        assert 1 <= ex.reps <= 10 and 1 <= ex.sets <= 3


def test_every_prompt_and_tip_is_there(catalogue: Content) -> None:
    assert set(catalogue.prompts) == set(PROMPTS)
    assert set(catalogue.tips) == set(TIPS)
    assert "physical therapist" in catalogue.prompts["pain_advice"]
    assert "doctor" in catalogue.prompts["safety_intro"]


def _copy(tmp_path: Path) -> Path:
    folder = tmp_path / "content"
    folder.mkdir()
    for name in ("exercises.yaml", "prompts.yaml"):
        shutil.copy(HERE / name, folder / name)
    return folder


def _with_prompt(tmp_path: Path, key: str, text: str | None) -> Path:
    """A copy of the content folder with one prompt rewritten (None: left out)."""
    folder = _copy(tmp_path)
    data = yaml.safe_load((folder / "prompts.yaml").read_text())
    if text is None:
        del data["prompts"][key]
    else:
        data["prompts"][key] = text
    (folder / "prompts.yaml").write_text(yaml.safe_dump(data))
    return folder


def test_a_wrong_placeholder_names_the_prompt(tmp_path: Path) -> None:
    folder = _with_prompt(tmp_path, "rest", "Rest for {minutes} minutes.")
    with pytest.raises(DataFileError, match=r"prompts\.yaml: prompts: 'rest' uses unknown"):
        load_content(folder)


def test_a_bad_number_names_the_exercise(tmp_path: Path) -> None:
    folder = _copy(tmp_path)
    data = yaml.safe_load((folder / "exercises.yaml").read_text())
    data["exercises"][2]["reps"] = "many"
    (folder / "exercises.yaml").write_text(yaml.safe_dump(data))
    with pytest.raises(DataFileError, match=r"exercise 'glute_bridge': 'reps' must be a whole"):
        load_content(folder)


def test_a_missing_prompt_is_named(tmp_path: Path) -> None:
    folder = _with_prompt(tmp_path, "any_pain", None)
    with pytest.raises(DataFileError, match=r"prompts\.any_pain: 'any_pain' must be"):
        load_content(folder)


def test_a_count_of_one_takes_its_noun_in_the_singular(catalogue: Content) -> None:
    assert catalogue.say("reps_set", count=1) == "Okay, 1 rep from now on."
    assert catalogue.say("reps_set", count=5) == "Okay, 5 reps from now on."
    assert catalogue.say("plan", sets=1, reps=8) == "We'll do 1 set of 8 reps."


@pytest.mark.parametrize("key", sorted(PROMPTS))
def test_no_prompt_says_one_with_a_plural(catalogue: Content, key: str) -> None:
    said = catalogue.say(key, **{name: 1 for name in PROMPTS[key]})
    nouns = r"(reps|sets|seconds|minutes|days|exercises)"
    assert not re.search(rf"\b1 {nouns}\b", said), said


def test_a_count_written_without_its_two_nouns_is_named(tmp_path: Path) -> None:
    folder = _with_prompt(tmp_path, "rest", "Rest for {seconds:seconds}.")
    with pytest.raises(DataFileError, match=r"'rest' has \{seconds:seconds\}; a count's nouns"):
        load_content(folder)


def test_the_echo_benchmark_says_every_prompt(catalogue: Content) -> None:
    """bench/echo.py feeds every line the coach can say back to it; each must be sayable."""
    from bench.echo import other_lines

    lines = other_lines(catalogue)
    assert catalogue.say("plan", reps=8, sets=2) in lines
    assert len(lines) >= len(PROMPTS) + len(TIPS)


def test_a_brace_that_is_no_placeholder_names_the_prompt(tmp_path: Path) -> None:
    folder = _with_prompt(tmp_path, "hold", "Hold {.")
    with pytest.raises(DataFileError, match=r"prompts: 'hold' has a brace that is no placeholder"):
        load_content(folder)


@pytest.mark.parametrize("ids", [["squat"], ["bird_dog"]])
def test_exercise_ids_are_the_coachs_five(tmp_path: Path, ids: list[str]) -> None:
    """An id is what the intents, the history and the contract name: only the words change."""
    folder = _copy(tmp_path)
    data = yaml.safe_load((folder / "exercises.yaml").read_text())
    data["exercises"][0]["id"], data["exercises"][1]["id"] = ids[0], ids[-1]
    (folder / "exercises.yaml").write_text(yaml.safe_dump(data))
    with pytest.raises(DataFileError, match=r"exercises\.yaml: exercises: has the ids .*each once"):
        load_content(folder)
