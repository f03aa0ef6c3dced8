"""The intent files: they load, they are strict, and every file has its test cases."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest
import yaml

from voicecoach.errors import DataFileError
from voicecoach.intents import (
    EXERCISE_IDS,
    HEARD_UP_TO,
    INTENT_NAMES,
    IntentSet,
    intents_root,
    load_intents,
)
from voicecoach.matcher import Matcher

EN = intents_root() / "en"
CASES = Path(__file__).parent / "intents" / "en"


def test_every_contract_intent_and_exercise_is_present(intents: IntentSet) -> None:
    assert set(intents.intents) == set(INTENT_NAMES)
    assert set(intents.exercises) == set(EXERCISE_IDS)


def test_every_phrase_loads_as_a_string(intents: IntentSet) -> None:
    phrases = [s for i in intents.intents.values() for s in i.sentences]
    phrases += [a for names in intents.exercises.values() for a in names]
    phrases += [*intents.fillers, *intents.pain_words, *intents.pain_negations, *intents.pain_cries]
    phrases += [*intents.body_parts, *intents.body_links, *intents.body_well, *intents.body_form,
                *intents.body_denials, *intents.affirmations, *intents.uncertain,
                *intents.negation_undoers_before, *intents.negation_undoers_after,
                *intents.well_undoers, *intents.help_calls]
    phrases += [" ".join(p) for p in (*intents.body_verdicts, *intents.body_places,
                                      *intents.body_doubts, *intents.body_questions,
                                      *intents.corrections, *intents.refusals)]
    assert phrases and all(isinstance(p, str) and p.strip() for p in phrases)
    assert "yes" in intents.intents["yes"].sentences
    assert "no" in intents.intents["no"].sentences


def test_every_intent_file_has_a_test_file() -> None:
    assert sorted(p.name for p in EN.glob("*.yaml")) == sorted(p.name for p in CASES.glob("*.yaml"))


def test_expanded_sentences_fill_every_slot(intents: IntentSet) -> None:
    expanded = intents.expanded()
    assert "start glute bridge" in expanded
    assert set(intents.uncertain) <= set(expanded)  # heard as said, not forced into a yes or no
    assert not any("{" in s for s in expanded)


def test_every_pain_word_can_be_heard(intents: IntentSet) -> None:
    """The recognizers hear only the words of the expanded sentences."""
    words = {word for sentence in intents.expanded() for word in sentence.split()}
    assert intents.pain_words and set(intents.pain_words) <= words
    body = (intents.pain_cries | intents.body_parts | intents.body_links | intents.body_well
            | intents.body_form | intents.body_denials | intents.affirmations)
    assert intents.pain_cries and intents.body_parts and intents.body_links and intents.body_well
    phrases = (*intents.body_verdicts, *intents.body_places, *intents.body_doubts,
               *intents.body_questions)
    assert body | {w for p in phrases for w in p} <= words


def test_the_pain_words_that_slip_are_pain_words(intents: IntentSet) -> None:
    assert intents.slip_words and intents.slip_cries and intents.slip_leads
    assert intents.slip_words | intents.slip_cries <= intents.pain_words


def test_calls_for_help_are_heard_as_said(intents: IntentSet) -> None:
    """The recognizers' language model has each call whole, not only its words: flite's "help
    help" came out "nope no pain" before."""
    assert intents.help_calls and set(intents.help_calls) <= set(intents.expanded())


def test_every_number_up_to_twenty_can_be_heard_in_a_command(intents: IntentSet) -> None:
    """"hold for fourteen seconds" is heard as such, not as the nearest number a sentence has."""
    takes = {word for word, value in intents.numbers.items() if 0 < value <= HEARD_UP_TO}
    expanded = set(intents.expanded())
    assert {"eleven", "fourteen", "nineteen", "twenty"} <= takes
    assert all(f"do {word} reps" in expanded and f"hold for {word} seconds" in expanded
               for word in takes)


def _copy(tmp_path: Path) -> Path:
    folder = tmp_path / "en"
    shutil.copytree(EN, folder)
    return folder


def _edit(folder: Path, name: str, change: dict[str, object]) -> None:
    path = folder / name
    data = yaml.safe_load(path.read_text())
    data.update(change)
    path.write_text(yaml.safe_dump(data))


def test_an_unknown_intent_names_the_file_and_entry(tmp_path: Path) -> None:
    folder = _copy(tmp_path)
    _edit(folder, "controls.yaml", {"intents": {"dance": ["let's dance"]}})
    with pytest.raises(DataFileError, match=r"controls\.yaml: intent 'dance': is not a known"):
        load_intents(folder)


def test_an_unquoted_yes_that_became_a_boolean_is_refused(tmp_path: Path) -> None:
    folder = _copy(tmp_path)
    (folder / "answers.yaml").write_text('intents:\n  "yes":\n    - yes\n  "no":\n    - "no"\n')
    with pytest.raises(DataFileError, match=r"answers\.yaml: intent 'yes': .*quoted"):
        load_intents(folder)


def test_an_unknown_slot_is_refused(tmp_path: Path) -> None:
    folder = _copy(tmp_path)
    _edit(folder, "controls.yaml", {"intents": {"pause": ["wait {minutes}"]}})
    with pytest.raises(DataFileError, match=r"unknown slot \{minutes\}"):
        load_intents(folder)


def test_an_alias_of_two_exercises_is_refused(tmp_path: Path) -> None:
    folder = _copy(tmp_path)
    lists = yaml.safe_load((folder / "lists.yaml").read_text())
    lists["lists"]["exercise"]["clamshell"].append("bridge")
    (folder / "lists.yaml").write_text(yaml.safe_dump(lists))
    with pytest.raises(DataFileError, match=r"lists\.yaml: lists\.exercise: alias 'bridge'"):
        load_intents(folder)


def test_broken_yaml_names_the_line(tmp_path: Path) -> None:
    folder = _copy(tmp_path)
    (folder / "safety.yaml").write_text('intents:\n  report_pain:\n    - "it hurts\n')
    with pytest.raises(DataFileError, match=r"safety\.yaml: line \d+: is not valid YAML"):
        load_intents(folder)


def test_a_missing_intent_is_named(tmp_path: Path) -> None:
    folder = _copy(tmp_path)
    _edit(folder, "answers.yaml", {"intents": {"yes": ["yes"]}})
    with pytest.raises(DataFileError, match=r"no examples for no\b"):
        load_intents(folder)


LISTS = [("safety.yaml", key) for key in ("body_parts", "body_well", "body_form", "body_verdicts",
                                          "body_places", "body_doubts", "body_denials",
                                          "body_questions", "body_stretches",
                                          "negation_undoers_before", "negation_undoers_after",
                                          "well_undoers", "help_calls", "slip_words",
                                          "slip_cries", "slip_leads")] + [
    ("lists.yaml", "corrections"), ("lists.yaml", "refusals"), ("lists.yaml", "pointers"),
    ("lists.yaml", "plural_refusals"), ("lists.yaml", "refusal_asides"),
    ("lists.yaml", "exercise_joins"), ("lists.yaml", "denial_asides"), ("lists.yaml", "one_after"),
    ("safety.yaml", "inabilities"), ("safety.yaml", "body_actions"),
    ("safety.yaml", "feeling_words"), ("safety.yaml", "being_words"),
    ("safety.yaml", "well_hedges"), ("answers.yaml", "affirmations"),
    ("answers.yaml", "uncertain")]


def _edit_list(folder: Path, file: str, key: str, value: list[Any] | None) -> None:
    data = yaml.safe_load((folder / file).read_text())
    if value is None:
        del data[key]
    else:
        data[key] = value
    (folder / file).write_text(yaml.safe_dump(data))


@pytest.mark.parametrize(("file", "key"), LISTS)
def test_a_missing_list_is_named(tmp_path: Path, file: str, key: str) -> None:
    folder = _copy(tmp_path)
    _edit_list(folder, file, key, None)
    with pytest.raises(DataFileError, match=f"no file defines '{key}'"):
        load_intents(folder)


@pytest.mark.parametrize(("file", "key"), LISTS)
def test_a_list_entry_that_is_not_a_string_is_named(tmp_path: Path, file: str, key: str) -> None:
    folder = _copy(tmp_path)
    _edit_list(folder, file, key, ["fine", 3])
    with pytest.raises(DataFileError, match=rf"{file.replace('.', '[.]')}.*'{key}' has 3"):
        load_intents(folder)


@pytest.mark.parametrize(("file", "key"), LISTS[::4])
def test_a_list_given_as_one_word_is_named(tmp_path: Path, file: str, key: str) -> None:
    folder = _copy(tmp_path)
    _edit_list(folder, file, key, None)
    (folder / file).write_text((folder / file).read_text() + f'{key}: "fine"\n')
    with pytest.raises(DataFileError, match=rf"{file.replace('.', '[.]')}: {key}: must be a list"):
        load_intents(folder)


def test_intents_that_are_no_mapping_are_named(tmp_path: Path) -> None:
    folder = _copy(tmp_path)
    _edit(folder, "controls.yaml", {"intents": 5})
    with pytest.raises(DataFileError, match=r"controls\.yaml: intents: must be a mapping"):
        load_intents(folder)


def test_a_folder_that_is_not_there_is_named(tmp_path: Path) -> None:
    with pytest.raises(DataFileError, match="nothing: folder: is not a folder of intent files"):
        load_intents(tmp_path / "nothing")


def test_the_word_lists_are_the_matchers_words(tmp_path: Path) -> None:
    """The matcher reads its small word sets from the files, not from code: with "this" no
    longer in one_after, "this one" holds for 1 second."""
    folder = _copy(tmp_path)
    said = "hold this one for ten seconds"
    found = Matcher(load_intents(folder)).match(said)
    assert found is not None and (found.intent, found.slots) == ("set_hold", {"seconds": 10})
    _edit_list(folder, "lists.yaml", "one_after", ["that"])
    found = Matcher(load_intents(folder)).match(said)
    assert found is not None and found.slots == {"seconds": 1}


def test_the_folder_above_a_language_folder_names_the_one_inside(tmp_path: Path) -> None:
    _copy(tmp_path / "mine")
    (tmp_path / "mine" / "notes.txt").write_text("a file beside it")
    with pytest.raises(DataFileError, match=r"has no intent files \(\*\.yaml\); name the "
                       r"language folder inside it, .*mine/en"):
        load_intents(tmp_path / "mine")
