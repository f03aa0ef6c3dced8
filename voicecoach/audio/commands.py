"""The audio commands: transcribe, devices, doctor, model."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from voicecoach.audio.devices import list_devices, resolve
from voicecoach.errors import VoicecoachError
from voicecoach.intents import default_intents
from voicecoach.matcher import Matcher


def cmd_transcribe(args: argparse.Namespace) -> int:
    """One JSON line per file; the model is loaded once for all of them."""
    from voicecoach.audio.models import make_recognizer
    from voicecoach.audio.wav import WavSource
    from voicecoach.cli import emit, match_json
    from voicecoach.listen import transcribe

    intents = default_intents()
    matcher = Matcher(intents)
    recognizer = make_recognizer(args.recognizer, args.model, intents.expanded())
    failed = 0
    for path in args.files:
        try:
            text = transcribe(WavSource(path), recognizer)
        except VoicecoachError as exc:
            print(f"voicecoach: {exc}", file=sys.stderr)
            failed += 1
            continue
        emit(json.dumps({"file": str(path), **match_json(text, matcher.match(text))}))
    return 1 if failed else 0


def cmd_devices(args: argparse.Namespace) -> int:
    devices = list_devices()
    if not devices:
        print("No sound devices found.")
    for d in devices:
        marks = [m for m, on in (("default input", d.default_input),
                                 ("default output", d.default_output)) if on]
        print(f"{d.index:3}  {d.name:40} in {d.inputs}  out {d.outputs}  {d.default_rate} Hz"
              + (f"  ({', '.join(marks)})" if marks else ""))
    return 0


def _check(label: str, check: object) -> bool:
    try:
        detail = check() if callable(check) else check
    except VoicecoachError as exc:
        print(f"[fix] {label}: {exc}")
        return False
    print(f"[ok]  {label}: {detail}")
    return True


def _microphone(device: str | None) -> str:
    index = resolve(device, "input")
    return f"device {index}" if index is not None else "the system default"


def _speech(device: str | None) -> str:
    from voicecoach.audio.speaker import open_speaker

    speaker, reason = open_speaker(output_device=device)
    if speaker:
        speaker.close()
    if reason:
        raise VoicecoachError(reason)
    return "speech engine and speaker work"


def _model(explicit: Path | None) -> str:
    from voicecoach.audio.models import find_model, not_a_model

    found, looked = find_model(explicit)
    if found is None and explicit is not None:
        raise VoicecoachError(not_a_model(explicit))
    if found is None:
        raise VoicecoachError("No Vosk model was found (looked in " + ", ".join(looked) + "); "
                              "run `voicecoach model --fetch`; until then the built-in "
                              "pocketsphinx recognizer is used.")
    from voicecoach.audio.vosk_recognizer import check_model

    check_model(found, default_intents().expanded())
    return f"Vosk model at {found}"


def _settings() -> str:
    from voicecoach.settings import config_path, load_settings

    path = config_path()
    load_settings(path)
    if not path.exists():
        return f"there is none at {path}, so the defaults are used"
    return str(path)


def cmd_doctor(args: argparse.Namespace) -> int:
    """Check each part a spoken session needs (the devices named as run names them), and say how
    to fix what fails."""
    results = [_check("microphone", lambda: _microphone(args.input_device)),
               _check("speech output", lambda: _speech(args.output_device)),
               _check("recognizer model", lambda: _model(args.model)),
               _check("settings file", _settings)]
    return 0 if all(results) else 1


def cmd_model(args: argparse.Namespace) -> int:
    from voicecoach.audio.models import fetch_model, find_model, not_a_model

    if args.fetch:
        print(f"model ready at {fetch_model()}")
        return 0
    found, looked = find_model(args.model)
    for place in looked:
        print(f"looked in {place}")
    if found is None and args.model is not None:
        raise VoicecoachError(not_a_model(args.model))
    if found is None:
        print("no model found; run `voicecoach model --fetch`.")
        return 0
    from voicecoach.audio.vosk_recognizer import check_model

    check_model(found, default_intents().expanded())  # broken, or not English: as run says
    print(f"found: {found}")
    return 0
