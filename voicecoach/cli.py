"""The voicecoach command: run a session, parse text, transcribe audio, and the helpers."""

from __future__ import annotations

import argparse
import difflib
import importlib.metadata
import io
import json
import logging
import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import NoReturn, TextIO

from platformdirs import user_data_dir

from voicecoach.content import content
from voicecoach.decision import Match
from voicecoach.errors import OutputError, UsageError, VoicecoachError
from voicecoach.intents import EXERCISE_IDS, default_intents
from voicecoach.matcher import Matcher
from voicecoach.settings import BRIEF

log = logging.getLogger("voicecoach")
MODEL_HELP = "Vosk model folder (default: looked for as `voicecoach model` shows)"
PIPE_CLOSED = 141
"""The exit status of a command whose reader went away (`| head -1`), as a shell gives that of
one ended by SIGPIPE."""


def data_db() -> Path:
    """The history file in the user's data directory."""
    return Path(user_data_dir("voicecoach")) / "history.sqlite3"


def default_db() -> Path:
    env = os.environ.get("VOICECOACH_DB")
    return Path(env) if env else data_db()


def _exercise_id(value: str) -> str:
    if value not in EXERCISE_IDS:
        near = difflib.get_close_matches(value, EXERCISE_IDS, n=1)
        meant = f" (did you mean {near[0]}?)" if near else ""
        raise argparse.ArgumentTypeError(
            f"unknown exercise {value!r}{meant}; use one of {', '.join(EXERCISE_IDS)}")
    return value


class _Parser(argparse.ArgumentParser):
    """argparse's parser, whose errors are one sentence (without the usage block before it)."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: {message.rstrip('.')}; see {self.prog} --help.\n")


def _run_options(p: argparse.ArgumentParser) -> None:
    how = p.add_mutually_exclusive_group()
    how.add_argument("--text", action="store_true", help="type commands instead of speaking")
    how.add_argument("--script", type=Path, metavar="FILE",
                     help="lines of SECONDS<TAB>utterance, run on a simulated clock (kept in "
                          "no history unless --db or $VOICECOACH_DB names one)")
    what = p.add_mutually_exclusive_group()
    what.add_argument("--exercise", type=_exercise_id, metavar="ID", help="start this exercise")
    what.add_argument("--routine", action="store_true", help="start the routine of all five")
    p.add_argument("--events", type=Path, metavar="FILE", help="write JSON events, one a line")
    _db_option(p)
    _recognizer_options(p)
    _device_options(p)
    p.add_argument("--no-speech", action="store_true", help="print only; no voice output")
    p.add_argument("--echo-cancel", action=argparse.BooleanOptionalAction, default=True,
                   help="take the coach's own voice out of the microphone (default: on; turn "
                        "it off with headphones only)")
    p.add_argument("--voice", help="speech engine voice, such as en-us")
    p.add_argument("--rate", type=int, help="speaking rate in words per minute")
    p.add_argument("--brief", choices=BRIEF,
                   help="short briefings: auto (once an exercise was done 3 times), always, never")


def _device_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--input-device", metavar="DEVICE", help="microphone: index or name")
    p.add_argument("--output-device", metavar="DEVICE", help="speaker: index or name")


def _db_option(p: argparse.ArgumentParser) -> None:
    p.add_argument("--db", type=Path, metavar="PATH",
                   help=f"history file (default: $VOICECOACH_DB, else {data_db()})")


def _recognizer_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--recognizer", choices=("auto", "vosk", "pocketsphinx"), default="auto",
                   help="auto (the default): Vosk when its model is found, else pocketsphinx")
    p.add_argument("--model", type=Path, metavar="PATH", help=MODEL_HELP)


def build_parser() -> argparse.ArgumentParser:
    common = _Parser(add_help=False)
    common.add_argument("-v", "--verbose", action="store_true", help="log details to stderr")
    parser = _Parser(prog="voicecoach", description=__doc__,
                                     epilog="Without a command, voicecoach runs a session.")
    parser.add_argument("--version", action="version",
                        version=f"voicecoach {importlib.metadata.version('voicecoach')}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    def command(name: str, help: str) -> argparse.ArgumentParser:
        return sub.add_parser(name, help=help, parents=[common])

    _run_options(command("run", "a coached session (the default)"))
    parse = command("parse", "text to intent, as JSON lines")
    parse.add_argument("text", nargs="*", help="utterances (default: one per line of stdin)")
    tr = command("transcribe", "WAV files to text and intent, as JSON lines")
    tr.add_argument("files", nargs="+", type=Path, metavar="FILE.wav",
                    help="recordings, at any rate and channel count")
    _recognizer_options(tr)
    hist = command("history", "days, minutes, exercises and pain")
    hist.add_argument("--json", action="store_true", help="one JSON object per session")
    hist.add_argument("--plot", type=Path, metavar="FILE.png",
                      help="draw minutes per day over the last four weeks")
    _db_option(hist)
    command("exercises", "the exercise catalogue")
    command("devices", "audio devices")
    doctor = command("doctor", "check microphone, speech output, model and settings file")
    doctor.add_argument("--model", type=Path, metavar="PATH", help=MODEL_HELP)
    _device_options(doctor)
    model = command("model", "where the Vosk model is looked for; fetch it")
    model.add_argument("--fetch", action="store_true", help="download the English model")
    model.add_argument("--model", type=Path, metavar="PATH", help=MODEL_HELP)
    return parser


def match_json(text: str, match: Match | None) -> dict[str, object]:
    return {"text": text, "intent": match.intent if match else None,
            "slots": match.slots if match else {}, "score": match.score if match else 0.0}


def stdin_text(fix: str) -> TextIO:
    """stdin, its undecodable bytes read as U+FFFD; a closed one is an error that says fix."""
    if sys.stdin is None:
        raise UsageError(f"stdin is closed; {fix}.")
    if isinstance(sys.stdin, io.TextIOWrapper):
        sys.stdin.reconfigure(errors="replace")
    return sys.stdin


def cmd_parse(args: argparse.Namespace) -> int:
    matcher = Matcher(default_intents())
    texts = args.text or (line.rstrip("\n") for line in stdin_text(
        "give parse the utterances as arguments, or pipe them in one a line"))
    for text in texts:
        emit(json.dumps(match_json(text, matcher.match(text))))
    return 0


def emit(line: str) -> None:
    """Print a line of output at once; OutputError when it cannot be written (what is left of it
    is then dropped: Python's own flush at exit would fail again, with a traceback). A reader gone
    away (BrokenPipeError) ends the command quietly in main."""
    try:
        print(line, flush=True)
    except BrokenPipeError:
        raise
    except OSError as exc:
        _drop_stdout()
        raise OutputError(f"Cannot write the output ({exc.strerror or exc}); make room where it "
                          "goes (is the disk full?) or send it elsewhere.") from exc


def _drop_stdout() -> None:
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    except (OSError, ValueError):  # not a file (a test's capture): nothing to drop
        pass


def cmd_exercises(args: argparse.Namespace) -> int:
    sides = {"none": "both sides together", "one_sided": "one side, then the other",
             "alternating": "alternating sides"}
    for ex in content().exercises.values():
        hold = f", {ex.hold_seconds}-second hold" if ex.hold_seconds else ""
        print(f"{ex.id:26} {ex.sets} x {ex.reps} reps{hold}, {sides[ex.sides]}; "
              f"strengthens {ex.strengthens}")
    return 0


def _with_command(argv: list[str]) -> list[str]:
    """argv with its command first: "run" when it names none ("voicecoach --text"), the command
    after a leading -v moved before it; "help" is --help. A first word that is no command is
    a mistake, not an argument of run."""
    if argv[:1] == ["help"]:
        return ["--help"]
    if argv[:1] in (["-v"], ["--verbose"]) and argv[1:2] and argv[1] in COMMANDS:
        return [argv[1], argv[0], *argv[2:]]
    if not argv or (argv[0].startswith("-") and argv[0] not in ("-h", "--help", "--version")):
        return ["run", *argv]
    if argv[0] not in COMMANDS and not argv[0].startswith("-"):
        raise UsageError(f"There is no command '{argv[0]}'; the commands are "
                         f"{', '.join(COMMANDS)} (voicecoach --help says what each does).")
    return argv


def _check_options(args: argparse.Namespace) -> None:
    """Options that contradict each other: one of them would be ignored without a word."""
    if getattr(args, "recognizer", None) == "pocketsphinx" and args.model is not None:
        raise UsageError("--model names a Vosk model, which --recognizer pocketsphinx does not "
                         "use; drop --model, or use --recognizer vosk or auto.")
    if getattr(args, "model", None) is not None and (getattr(args, "text", False)
                                                     or getattr(args, "script", None)):
        raise UsageError("--model names a Vosk model to listen with, and --text and --script "
                         "do not listen; drop --model, or the other.")


def main(argv: Sequence[str] | None = None) -> int:
    try:
        argv = _with_command(list(sys.argv[1:] if argv is None else argv))
    except UsageError as exc:
        print(f"voicecoach: {exc}", file=sys.stderr)
        return exc.exit_code
    args = build_parser().parse_args(argv)
    logging.basicConfig(level=logging.DEBUG if args.verbose else logging.WARNING,
                        format="voicecoach: %(message)s")
    try:
        _check_options(args)
        return COMMANDS[args.command](args)
    except BrokenPipeError:  # what reads the output went away (`| head -1`): stop quietly
        _drop_stdout()
        return PIPE_CLOSED
    except VoicecoachError as exc:
        print(f"voicecoach: {exc}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        return 130
    except Exception as exc:  # the last line of defence: a sentence, never a traceback
        log.debug("unexpected error", exc_info=True)
        print(f"voicecoach: something unexpected went wrong ({type(exc).__name__}: {exc}); "
              "run again with -v for details and report it.", file=sys.stderr)
        return 1


def _lazy(module: str, name: str) -> Callable[[argparse.Namespace], int]:
    def run(args: argparse.Namespace) -> int:
        import importlib
        command: Callable[[argparse.Namespace], int] = getattr(
            importlib.import_module(module), name)
        return command(args)
    return run


COMMANDS: dict[str, Callable[[argparse.Namespace], int]] = {
    "parse": cmd_parse,
    "exercises": cmd_exercises,
    "run": _lazy("voicecoach.run", "cmd_run"),
    "history": _lazy("voicecoach.run", "cmd_history"),
    "transcribe": _lazy("voicecoach.audio.commands", "cmd_transcribe"),
    "devices": _lazy("voicecoach.audio.commands", "cmd_devices"),
    "doctor": _lazy("voicecoach.audio.commands", "cmd_doctor"),
    "model": _lazy("voicecoach.audio.commands", "cmd_model"),
}
