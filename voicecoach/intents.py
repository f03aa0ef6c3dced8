"""What the coach hears: intents/<lang>/*.yaml loaded and validated into frozen dataclasses."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from voicecoach.datafile import Entry, load_yaml
from voicecoach.errors import DataFileError

INTENT_NAMES = (
    "start_exercise", "start_routine", "exercise_benefits", "exercise_instructions",
    "list_exercises", "pause", "resume", "stop", "next", "repeat", "slower", "faster",
    "set_reps", "set_hold", "status", "help", "report_pain", "yes", "no", "progress",
    "pain_rating", "switch_sides",
)
EXERCISE_IDS = ("bird_dog", "clamshell", "glute_bridge", "hip_thrust", "side_lying_hip_abduction")
NUMBER_SLOTS = ("count", "seconds", "rating")
SLOTS = ("exercise", *NUMBER_SLOTS)
BODY_LISTS = ("pain_cries", "body_parts", "body_links", "body_verdicts", "body_well", "body_form",
              "body_places", "body_doubts", "body_denials", "body_questions", "body_stretches",
              "inabilities", "body_actions", "feeling_words", "being_words", "well_hedges",
              "body_ill", "feelers")
MAPPINGS = ("lists", "numbers")
"""The keys of the intent files that hold a mapping; the others (fillers, pain_words, ...) hold
a list."""
HEARD_UP_TO = 20
"""Every number word up to this fills the counts and seconds of the sentences the recognizers
hear ("hold for fourteen seconds"). Not "thirty": with it, espeak-ng's "that really hurts" came
out of pocketsphinx as "that really first" and "it's hurting" as "it thirty" (4 more of 66
development pain phrases missed)."""
PLACEHOLDER = re.compile(r"\{([^}]*)\}")


@dataclass(frozen=True)
class Intent:
    name: str
    sentences: tuple[str, ...]
    """Example sentences; may hold the placeholders {exercise}, {count} and {seconds}."""


@dataclass(frozen=True)
class IntentSet:
    language: str
    intents: dict[str, Intent]
    exercises: dict[str, tuple[str, ...]]
    """Exercise id -> spoken aliases, mis-hearings included."""
    numbers: dict[str, int]
    """Number word -> value; "twenty five" is composed by the matcher."""
    fillers: tuple[str, ...]
    pain_words: frozenset[str]
    """Any one of these words marks an utterance as pain."""
    pain_negations: tuple[str, ...]
    """Phrases that mention pain and mean there is none ("no pain")."""
    negation_undoers_before: frozenset[str]
    """Denials that, a few words before a negation, undo it: "i can't move without pain"."""
    negation_undoers_after: frozenset[str]
    """Words that, right after a negation, undo it: "the pain's gone down my leg"."""
    well_undoers: frozenset[str]
    """Words that, right after a negation or a word of being well, undo it: "it didn't hurt
    until now", "it was fine till i rolled over"."""
    slip_words: frozenset[str]
    """Pain words that, typed with a letter missing, extra or wrong, are still them right after one
    of slip_leads or a body part: "it hrts"."""
    slip_cries: frozenset[str]
    """Pain words that, typed with a letter after the first missing, extra or wrong, are still them
    anywhere: "owch", "oucj"."""
    slip_leads: frozenset[str]
    """Words that lead into a pain word slipped or run together: "it hrts", "ithurts"."""
    help_calls: tuple[str, ...]
    """Calls for help, distress wherever they are said: "help help", "help me up"."""
    pain_cries: frozenset[str]
    body_parts: frozenset[str]
    """A cry (or "my") with nothing but body parts is pain: "ah my neck"."""
    body_links: frozenset[str]
    """Words that may come with a cry and body parts: "ah the knee again"."""
    body_verdicts: tuple[tuple[str, ...], ...]
    """Endings that make body parts pain without a cry: "knee no good"."""
    body_well: frozenset[str]
    """Words that make talk of "my" body part no complaint: "my back's fine", "my back
    exercises"."""
    body_places: tuple[tuple[str, ...], ...]
    """Phrases that, right after a body part, say where it is: "my knees are on the mat"."""
    body_form: frozenset[str]
    """Words that make talk of "my" body part a remark on form or a name: "my hips are
    stacked", "my back exercises"."""
    body_denials: frozenset[str]
    """Words that, just before a word of body_well, take it back: "my back's not okay"."""
    body_doubts: tuple[tuple[str, ...], ...]
    """Questions whether a feeling is alright, which say nothing is well: "my back feels funny,
    is that okay"."""
    body_questions: tuple[tuple[str, ...], ...]
    """Openings of a question where a part goes, which is no complaint: "where do my hands go"."""
    body_stretches: frozenset[str]
    """Words that, before "my" and a body part that ends the talk, make it a stretch felt: "i can
    feel the stretch in my hamstrings"."""
    inabilities: tuple[tuple[str, ...], ...]
    body_actions: tuple[tuple[str, ...], ...]
    """What the body cannot do, said after an inability, is pain: "i can't straighten up"."""
    feeling_words: frozenset[str]
    being_words: frozenset[str]
    """Before a word of being well that a denial takes back, how one feels or is: "i'm not
    feeling great", "i'm not okay"."""
    well_hedges: tuple[tuple[str, ...], ...]
    """Just before a word of being well, these deny it: "i'm far from okay"."""
    body_ill: frozenset[str]
    """Words of being unwell that, just after one of feeling_words, are pain: "i feel awful"."""
    feelers: frozenset[str]
    """Just before one of feeling_words, these say the speaker feels it: "i feel awful"."""
    affirmations: frozenset[str]
    """Words of plain assent that make an utterance they open, asking to go on, a yes: "yeah go
    on"."""
    uncertain: tuple[str, ...]
    """Answers that are neither yes nor no, said whole: "i'm not sure", "i don't know"."""
    refusals: tuple[tuple[str, ...], ...]
    """Phrases that, just before an exercise's name, refuse it: "let's skip the clamshells"."""
    plural_refusals: tuple[tuple[str, ...], ...]
    """Words that refuse an exercise named in the plural just after them: "no bridges today"."""
    refusal_asides: frozenset[str]
    """Words that may stand between a refusal and the exercise it refuses: "enough of the
    bridges"."""
    exercise_joins: frozenset[str]
    """Words that join exercises one refusal refuses: "skip the bridge and the clamshell"."""
    denial_asides: frozenset[str]
    """Words that may stand between a denial and the command it denies: "i don't want to do"."""
    command_denials: frozenset[str]
    """With body_denials, the denials a sentence may have: "can't", "won't"."""
    one_after: frozenset[str]
    """Words after which "one" is no number that could fill a slot: "hold this one for ten
    seconds"."""
    count_not_before: frozenset[str]
    """Words before which a number fills no slot: "one more rep", "three sets"."""
    pointers: frozenset[str]
    """Words after which a word the recognizers do not listen for names a thing the coach knows
    nothing of: "what does this button do"."""
    corrections: tuple[tuple[str, ...], ...]
    """Phrases after which the speaker corrects what they said: "start the bridge, no wait, the
    clamshell"."""

    def expanded(self) -> list[str]:
        """Every example sentence with each placeholder filled by every alias or number word (up
        to HEARD_UP_TO), every word of the pain and body lists on its own, and the calls for help
        as said: what the recognizers may hear, and each word the matcher takes for pain must be
        one of it."""
        numbers = [word for word, value in self.numbers.items() if 0 < value <= HEARD_UP_TO]
        fills = {"exercise": [a for names in self.exercises.values() for a in names],
                 "count": numbers, "seconds": numbers,
                 "rating": [word for word in numbers if self.numbers[word] <= 10]}
        out: list[str] = []
        for intent in self.intents.values():
            for sentence in intent.sentences:
                out.extend(_fill(sentence, fills))
        phrases = (*self.body_verdicts, *self.body_places, *self.body_doubts,
                   *self.body_questions, *self.corrections, *self.inabilities, *self.body_actions)
        words = (self.pain_words | self.pain_cries | self.body_parts | self.body_links
                 | self.body_well | self.body_ill | self.body_form | self.body_denials
                 | self.affirmations)
        return out + sorted(words | {*self.uncertain, *self.help_calls}
                            | {" ".join(p) for p in phrases})


def _fill(sentence: str, fills: dict[str, list[str]]) -> list[str]:
    found = PLACEHOLDER.search(sentence)
    if not found:
        return [sentence]
    head, tail = sentence[: found.start()], sentence[found.end() :]
    return [head + value + rest for value in fills[found[1]] for rest in _fill(tail, fills)]


def _sentences(entry: Entry, name: str) -> tuple[str, ...]:
    sentences = entry.texts(name)
    for sentence in sentences:
        for slot in PLACEHOLDER.findall(sentence):
            if slot not in SLOTS:
                raise entry.fail(f"sentence {sentence!r} has unknown slot {{{slot}}}; use {SLOTS}")
    return sentences


def _exercise_lists(entry: Entry) -> dict[str, tuple[str, ...]]:
    lists = Entry(entry.data.get("exercise"), entry.file, "lists.exercise")
    owner: dict[str, str] = {}
    for ex_id in lists.data:
        if ex_id not in EXERCISE_IDS:
            raise lists.fail(f"'{ex_id}' is not an exercise id; use one of {EXERCISE_IDS}")
        for alias in lists.texts(ex_id):
            if owner.setdefault(alias, ex_id) != ex_id:
                raise lists.fail(f"alias {alias!r} is listed for both {owner[alias]} and {ex_id}")
    return {ex_id: lists.texts(ex_id) for ex_id in lists.data}


def _numbers(entry: Entry) -> dict[str, int]:
    for word, value in entry.data.items():
        if not isinstance(word, str) or isinstance(value, bool) or not isinstance(value, int):
            raise entry.fail(f"{word!r}: {value!r} must map a quoted word to a whole number")
    return dict(entry.data)


def _merge(files: list[Path]) -> dict[str, Any]:
    merged: dict[str, Any] = {"intents": {}, "language": None}
    for file in files:
        data = load_yaml(file)
        intents = data.get("intents") or {}
        if not isinstance(intents, dict):
            raise DataFileError(str(file), "intents", "must be a mapping of intent names to "
                                "their sentences")
        for name, sentences in intents.items():
            entry = Entry({name: sentences}, file, f"intent '{name}'")
            if name not in INTENT_NAMES:
                raise entry.fail(f"is not a known intent; use one of {', '.join(INTENT_NAMES)}")
            if name in merged["intents"]:
                raise entry.fail("is defined in two files; keep each intent in one file")
            merged["intents"][name] = Intent(name, _sentences(entry, name))
        for key in ("lists", "numbers", "fillers", "pain_words", "pain_negations",
                    "negation_undoers_before", "negation_undoers_after", "well_undoers",
                    "slip_words", "slip_cries", "slip_leads", "help_calls", "refusals",
                    "plural_refusals", "pointers", "corrections",
                    "refusal_asides", "exercise_joins", "denial_asides", "command_denials",
                    "one_after", "count_not_before",
                    "affirmations", "uncertain", *BODY_LISTS):
            if key in data:
                merged[key] = (data[key], file)
    return merged


def _part(merged: dict[str, Any], key: str, folder: Path) -> Entry:
    if key not in merged:
        raise DataFileError(str(folder), key, f"no file defines '{key}'; add it to lists.yaml")
    data, file = merged[key]
    if key not in MAPPINGS and not isinstance(data, list):
        raise DataFileError(str(file), key, "must be a list of quoted strings")
    return Entry({key: data} if isinstance(data, list) else data, file, key)


def _words(merged: dict[str, Any], key: str, folder: Path) -> tuple[str, ...]:
    return _part(merged, key, folder).texts(key)


def load_intents(folder: Path) -> IntentSet:
    """Load and validate every *.yaml file of one language folder."""
    if not folder.is_dir():
        raise DataFileError(str(folder), "folder", "is not a folder of intent files; check "
                            "the path (or $VOICECOACH_INTENTS)")
    files = sorted(folder.glob("*.yaml"))
    if not files:
        inside = sorted(sub.name for sub in folder.iterdir() if any(sub.glob("*.yaml")))
        hint = (f"name the language folder inside it, {folder / inside[0]}" if inside
                else "check the path (or $VOICECOACH_INTENTS)")
        raise DataFileError(str(folder), "folder", f"has no intent files (*.yaml); {hint}")
    merged = _merge(files)
    missing = [name for name in INTENT_NAMES if name not in merged["intents"]]
    if missing:
        raise DataFileError(str(folder), "intents", f"no examples for {', '.join(missing)}; "
                            "add their sentences to a file in that folder")
    return IntentSet(
        language=folder.name,
        intents=merged["intents"],
        exercises=_exercise_lists(_part(merged, "lists", folder)),
        numbers=_numbers(_part(merged, "numbers", folder)),
        fillers=_words(merged, "fillers", folder),
        pain_words=frozenset(_words(merged, "pain_words", folder)),
        pain_negations=_words(merged, "pain_negations", folder),
        negation_undoers_before=frozenset(_words(merged, "negation_undoers_before", folder)),
        negation_undoers_after=frozenset(_words(merged, "negation_undoers_after", folder)),
        well_undoers=frozenset(_words(merged, "well_undoers", folder)),
        slip_words=frozenset(_words(merged, "slip_words", folder)),
        slip_cries=frozenset(_words(merged, "slip_cries", folder)),
        slip_leads=frozenset(_words(merged, "slip_leads", folder)),
        help_calls=_words(merged, "help_calls", folder),
        pain_cries=frozenset(_words(merged, "pain_cries", folder)),
        body_parts=frozenset(_words(merged, "body_parts", folder)),
        body_links=frozenset(_words(merged, "body_links", folder)),
        body_verdicts=tuple(tuple(v.split()) for v in _words(merged, "body_verdicts", folder)),
        body_well=frozenset(_words(merged, "body_well", folder)),
        body_places=tuple(tuple(p.split()) for p in _words(merged, "body_places", folder)),
        body_form=frozenset(_words(merged, "body_form", folder)),
        body_denials=frozenset(_words(merged, "body_denials", folder)),
        body_doubts=tuple(tuple(d.split()) for d in _words(merged, "body_doubts", folder)),
        body_questions=tuple(tuple(q.split()) for q in _words(merged, "body_questions", folder)),
        body_stretches=frozenset(_words(merged, "body_stretches", folder)),
        inabilities=tuple(tuple(i.split()) for i in _words(merged, "inabilities", folder)),
        body_actions=tuple(tuple(a.split()) for a in _words(merged, "body_actions", folder)),
        feeling_words=frozenset(_words(merged, "feeling_words", folder)),
        being_words=frozenset(_words(merged, "being_words", folder)),
        well_hedges=tuple(tuple(h.split()) for h in _words(merged, "well_hedges", folder)),
        body_ill=frozenset(_words(merged, "body_ill", folder)),
        feelers=frozenset(_words(merged, "feelers", folder)),
        affirmations=frozenset(_words(merged, "affirmations", folder)),
        uncertain=_words(merged, "uncertain", folder),
        refusals=tuple(tuple(r.split()) for r in _words(merged, "refusals", folder)),
        plural_refusals=tuple(tuple(r.split()) for r in _words(merged, "plural_refusals",
                                                               folder)),
        refusal_asides=frozenset(_words(merged, "refusal_asides", folder)),
        exercise_joins=frozenset(_words(merged, "exercise_joins", folder)),
        denial_asides=frozenset(_words(merged, "denial_asides", folder)),
        command_denials=frozenset(_words(merged, "command_denials", folder)),
        one_after=frozenset(_words(merged, "one_after", folder)),
        count_not_before=frozenset(_words(merged, "count_not_before", folder)),
        pointers=frozenset(_words(merged, "pointers", folder)),
        corrections=tuple(tuple(c.split()) for c in _words(merged, "corrections", folder)),
    )


def intents_root() -> Path:
    """The intents/ folder: packaged inside voicecoach, or beside it in a source checkout."""
    packaged = Path(__file__).parent / "intents"
    return packaged if packaged.is_dir() else Path(__file__).parent.parent / "intents"


@cache
def default_intents(language: str = "en") -> IntentSet:
    """The packaged intents of a language, or the folder named by $VOICECOACH_INTENTS."""
    folder = os.environ.get("VOICECOACH_INTENTS")
    return load_intents(Path(folder) if folder else intents_root() / language)
