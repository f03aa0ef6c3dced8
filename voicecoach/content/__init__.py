"""What the coach says and knows: the exercise catalogue and the spoken prompts, loaded once."""

from __future__ import annotations

import os
import string
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from voicecoach.datafile import Entry, load_yaml
from voicecoach.intents import EXERCISE_IDS

HERE = Path(__file__).parent
SIDES = ("none", "one_sided", "alternating")

PROMPTS: dict[str, frozenset[str]] = {
    key: frozenset(fields.split()) if fields else frozenset()
    for key, fields in {
        "safety_intro": "", "safety_declined": "", "safety_thanks": "", "welcome": "",
        "greeting": "",
        "pain_last_time": "name", "briefing_intro": "name", "strengthens": "muscles",
        "plan": "reps sets", "plan_hold": "hold", "plan_one_sided": "", "plan_alternating": "",
        "get_ready": "", "hold": "", "rep_count": "rep reps", "switch_sides": "",
        "rest": "seconds", "next_set": "set sets", "any_pain": "name", "checkin_good": "",
        "what_next": "", "routine_intro": "count minutes", "routine_next": "name",
        "routine_done": "", "pain_stop": "", "pain_rest": "", "pain_emergency": "",
        "pain_advice": "", "paused": "", "resumed": "",
        "skipped": "name", "left_out": "name", "goodbye": "minutes", "goodbye_short": "",
        "status_exercise": "name set sets rep reps",
        "status_side": "side", "status_idle": "", "slower": "", "faster": "", "tempo_limit": "",
        "reps_set": "count", "reps_set_done": "", "reps_side_done": "reps",
        "hold_set": "seconds", "no_hold": "name", "list_exercises": "names",
        "answer_benefits": "name muscles benefit", "answer_instructions": "name steps",
        "which_exercise": "", "switch_second": "", "switch_later": "",
        "switch_alternating": "", "switch_none": "", "switch_idle": "", "skip_idle": "",
        "help": "", "not_understood": "", "not_understood_working": "",
        "not_understood_answer": "", "not_understood_rating": "",
        "nothing_to_repeat": "", "side_left": "",
        "side_right": "", "progress": "days minutes", "progress_none": "",
        "progress_first": "", "progress_session": "reps minutes", "answer_yes_no": "",
        "pain_rating_ask": "", "pain_rating_high": "rating", "pain_rating_low": "rating",
        "pain_noted": "",
        "progress_reps": "before now", "progress_sets": "before now", "progress_hold": "before now",
        "easier": "name", "routine_offer": "done count", "history_off": "",
        "mic_lost": "", "mic_back": "", "recognizer_fallback": "",
    }.items()
}
TIPS = (
    "start_slowly", "listen_to_body", "form_check", "consistency", "see_doctor", "see_therapist",
)


@dataclass(frozen=True)
class Exercise:
    id: str
    name: str
    position: str
    steps: tuple[str, ...]
    strengthens: str
    benefit: str
    cues: tuple[str, ...]
    move_cues: dict[str, str]
    """Cue at the start of a rep, by side ("left", "right") or "" for exercises without sides."""
    return_cue: str
    sides: str
    """"none", "one_sided" (all reps on one side, then the other) or "alternating" (every rep)."""
    hold_seconds: int
    """Seconds; 0 for exercises without a hold."""
    move_seconds: int
    """Seconds to move into the working position, at normal tempo."""
    return_seconds: int
    """Seconds to return to the start, at normal tempo."""
    reps: int
    sets: int
    rest_seconds: int
    """Seconds of rest between sets."""


@dataclass(frozen=True)
class Content:
    exercises: dict[str, Exercise]
    """By id, in catalogue order."""
    prompts: dict[str, str]
    tips: dict[str, str]

    def say(self, key: str, **fields: object) -> str:
        return SPOKEN.format(self.prompts[key], **fields)


class _Spoken(string.Formatter):
    """str.format, and a count with its noun: `{reps:rep|reps}` says "1 rep", "5 reps"."""

    def format_field(self, value: Any, format_spec: str) -> str:
        if "|" in format_spec:
            one, many = format_spec.split("|", 1)
            return f"{value} {one if value == 1 else many}"
        return str(super().format_field(value, format_spec))


SPOKEN = _Spoken()


def _move_cues(entry: Entry) -> dict[str, str]:
    value = entry.data.get("move_cue")
    if isinstance(value, dict):
        sides = Entry(value, entry.file, f"{entry.name}.move_cue")
        return {"left": sides.text("left"), "right": sides.text("right")}
    return {"": entry.text("move_cue")}


def _exercise(data: Any, file: Path, index: int) -> Exercise:
    entry = Entry(data, file, f"exercises[{index}]")
    entry.name = f"exercise '{entry.text('id')}'"
    return Exercise(
        id=entry.text("id"), name=entry.text("name"), position=entry.text("position"),
        steps=entry.texts("steps"), strengthens=entry.text("strengthens"),
        benefit=entry.text("benefit"), cues=entry.texts("cues"), move_cues=_move_cues(entry),
        return_cue=entry.text("return_cue"), sides=entry.choice("sides", SIDES),
        hold_seconds=entry.number("hold_seconds", 0, 30),
        move_seconds=entry.number("move_seconds", 1, 10),
        return_seconds=entry.number("return_seconds", 1, 10),
        reps=entry.number("reps", 1, 30), sets=entry.number("sets", 1, 5),
        rest_seconds=entry.number("rest_seconds", 5, 180),
    )


def _prompts(data: Any, file: Path) -> dict[str, str]:
    entry = Entry(data, file, "prompts")
    prompts = {}
    for key, allowed in PROMPTS.items():
        text = Entry(entry.data, file, f"prompts.{key}").text(key)
        try:
            fields = [(name, spec) for _, name, spec, _ in SPOKEN.parse(text) if name]
        except ValueError as exc:
            raise entry.fail(f"'{key}' has a brace that is no placeholder ({exc}); a brace said "
                             "aloud is written {{ or }}") from exc
        used = {name for name, _ in fields}
        if not used <= allowed:
            extra = ", ".join(sorted(used - allowed))
            raise entry.fail(f"'{key}' uses unknown placeholder {extra}; use {sorted(allowed)}")
        odd = [f"{{{name}:{spec}}}" for name, spec in fields if spec and spec.count("|") != 1]
        if odd:
            raise entry.fail(f"'{key}' has {odd[0]}; a count's nouns are written "
                             "{count:one|many}, as in {reps:rep|reps}")
        prompts[key] = text
    return prompts


def load_content(folder: Path = HERE) -> Content:
    """Load and validate exercises.yaml and prompts.yaml from folder."""
    ex_file, pr_file = folder / "exercises.yaml", folder / "prompts.yaml"
    raw = load_yaml(ex_file).get("exercises")
    if not isinstance(raw, list) or not raw:
        raise Entry({}, ex_file, "exercises").fail("must be a non-empty list of exercises")
    exercises = [_exercise(item, ex_file, i) for i, item in enumerate(raw)]
    ids = [ex.id for ex in exercises]
    if sorted(ids) != sorted(EXERCISE_IDS):
        raise Entry({}, ex_file, "exercises").fail(
            f"has the ids {', '.join(ids)}; the coach's exercises are {', '.join(EXERCISE_IDS)}, "
            "each once (their names and words are free to change)")
    prompt_data = load_yaml(pr_file)
    tips_entry = Entry(prompt_data.get("tips"), pr_file, "tips")
    return Content(
        exercises={ex.id: ex for ex in exercises},
        prompts=_prompts(prompt_data.get("prompts"), pr_file),
        tips={key: tips_entry.text(key) for key in TIPS},
    )


@cache
def content() -> Content:
    """The packaged content, or the folder named by $VOICECOACH_CONTENT; loaded once."""
    folder = os.environ.get("VOICECOACH_CONTENT")
    return load_content(Path(folder) if folder else HERE)
