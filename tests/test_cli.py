"""The command line as a user meets it: JSON out, one-sentence errors, no tracebacks."""

from __future__ import annotations

import argparse
import importlib.metadata
import json
import os
import re
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from voicecoach.cli import build_parser
from voicecoach.intents import intents_root

ROOT = Path(__file__).parent.parent


def vc(*args: str, stdin: str = "", env: dict[str, str] | None = None,
       cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "voicecoach", *args], input=stdin,
                          capture_output=True, text=True, timeout=120, cwd=cwd,
                          env={**os.environ, **(env or {})})


def assert_clean_error(result: subprocess.CompletedProcess[str], code: int) -> str:
    assert result.returncode == code
    assert "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("voicecoach: "), result.stderr
    return lines[0]


def script(tmp_path: Path, *lines: tuple[float, str]) -> Path:
    path = tmp_path / "script.txt"
    path.write_text("".join(f"{t}\t{text}\n" for t, text in lines))
    return path


def test_parse_prints_one_json_line_per_utterance() -> None:
    result = vc("parse", "start glute bridge", "what's the weather")
    rows = [json.loads(line) for line in result.stdout.splitlines()]
    assert rows[0] == {"text": "start glute bridge", "intent": "start_exercise",
                       "slots": {"exercise": "glute_bridge"}, "score": 100.0}
    assert rows[1]["intent"] is None and rows[1]["slots"] == {}


def test_parse_reads_stdin_when_no_text_is_given() -> None:
    result = vc("parse", stdin="it hurts\ndo twelve reps\n")
    rows = [json.loads(line) for line in result.stdout.splitlines()]
    assert [(r["intent"], r["slots"]) for r in rows] == [
        ("report_pain", {}), ("set_reps", {"count": 12})]


def test_a_mistyped_command_is_named_with_the_commands() -> None:
    line = assert_clean_error(vc("hsitory"), 2)
    assert "There is no command 'hsitory'; the commands are parse, exercises, run" in line


def test_verbose_before_the_command_help_and_version() -> None:
    listed = vc("-v", "exercises")
    assert listed.returncode == 0 and listed.stdout.startswith("bird_dog ")
    assert vc("help").stdout.startswith("usage: voicecoach")
    version = importlib.metadata.version("voicecoach")
    assert vc("--version").stdout.strip() == f"voicecoach {version}"


def test_a_scripted_session_coaches_and_logs_events(tmp_path: Path) -> None:
    events, db = tmp_path / "events.jsonl", tmp_path / "h.db"
    path = script(tmp_path, (0, "yes"), (1, "start clamshell"), (400, "no"))
    result = vc("run", "--script", str(path), "--events", str(events), "--db", str(db))
    assert result.returncode == 0, result.stderr
    said = [line[len("coach: "):] for line in result.stdout.splitlines()]
    assert "Now switch to your other side, and get into position." in said
    rows = [json.loads(line) for line in events.read_text().splitlines()]
    reps = [(r["side"], r["rep"]) for r in rows if r["type"] == "rep"]
    assert reps[:7] == [("right", n) for n in range(1, 7)] + [("left", 1)]
    assert rows[-1]["type"] == "session_end"
    assert rows[-1]["summary"]["exercises"] == ["clamshell"]
    assert {"heard", "said", "state", "rep", "session_end"} <= {r["type"] for r in rows}


@pytest.mark.parametrize("target", ["db", "script"])
def test_the_events_file_never_overwrites_the_history_or_the_script(tmp_path: Path,
                                                                     target: str) -> None:
    db = tmp_path / "h.db"
    path = script(tmp_path, (0, "yes"), (1, "stop"))
    assert vc("run", "--script", str(path), "--db", str(db)).returncode == 0
    kept = {"db": db, "script": path}[target]
    before = kept.read_bytes()
    result = vc("run", "--script", str(path), "--db", str(db), "--events", str(kept))
    assert "would overwrite; pass --events another file" in assert_clean_error(result, 2)
    assert kept.read_bytes() == before


def test_a_run_that_fails_to_start_leaves_the_events_file_as_it_was(tmp_path: Path) -> None:
    events = tmp_path / "events.jsonl"
    events.write_text('{"t": 0.0, "type": "state"}\n')
    result = vc("run", "--no-speech", "--db", str(tmp_path / "h.db"), "--events", str(events),
                "--input-device", "no such microphone")
    assert "No microphone is named like" in assert_clean_error(result, 1)
    assert events.read_text() == '{"t": 0.0, "type": "state"}\n'


@pytest.mark.parametrize("name", ["SIGINT", "SIGTERM", "SIGHUP"])
def test_ctrl_c_or_a_shutdown_ends_the_session_saved_and_summed_up(tmp_path: Path,
                                                                   name: str) -> None:
    """Ctrl-C, SIGTERM (a shutdown, `timeout`) and SIGHUP (a closed terminal)."""
    if not hasattr(signal, name):
        pytest.skip(f"no {name} here")
    number = getattr(signal, name)  # not ignored, as under nohup or in a background job
    events, db = tmp_path / "events.jsonl", tmp_path / "h.db"
    proc = subprocess.Popen([sys.executable, "-m", "voicecoach", "run", "--text", "--no-speech",
                             "--events", str(events), "--db", str(db)],
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, preexec_fn=lambda: signal.signal(number, signal.SIG_DFL))
    assert proc.stdin and proc.stdout
    proc.stdin.write("yes\nstart clamshell\n")
    proc.stdin.flush()
    while "Let's do the clamshell" not in proc.stdout.readline():
        pass
    proc.send_signal(number)
    _, err = proc.communicate(timeout=30)
    assert proc.returncode == 128 + number and "Traceback" not in err, err
    last = json.loads(events.read_text().splitlines()[-1])
    assert last["type"] == "session_end" and last["summary"]["reason"] == "interrupted"
    shown = vc("history", "--json", "--db", str(db))
    assert [json.loads(line)["reason"] for line in shown.stdout.splitlines()] == ["interrupted"]


def test_a_script_keeps_no_history_unless_one_is_named(tmp_path: Path) -> None:
    """A rehearsal must not acknowledge the safety statement for the user's real sessions."""
    home = {"HOME": str(tmp_path), "XDG_DATA_HOME": str(tmp_path / "data")}
    env = {k: v for k, v in os.environ.items() if k != "VOICECOACH_DB"}
    path = script(tmp_path, (0, "yes"), (1, "stop"))
    rehearsed = subprocess.run([sys.executable, "-m", "voicecoach", "run", "--script", str(path)],
                               capture_output=True, text=True, timeout=120, env={**env, **home})
    assert rehearsed.returncode == 0 and "check with your doctor" in rehearsed.stdout
    assert not (tmp_path / "data").exists()
    kept = vc("run", "--script", str(path), env={"VOICECOACH_DB": str(tmp_path / "h.db")})
    assert kept.returncode == 0 and (tmp_path / "h.db").exists()


def test_an_exercise_refused_by_name_is_left_out_of_the_workout(tmp_path: Path) -> None:
    events = tmp_path / "events.jsonl"
    path = script(tmp_path, (0, "yes"), (2, "start my workout"), (40, "no clamshells today"),
                  (60, "skip this one"), (65, "stop"))
    result = vc("run", "--script", str(path), "--events", str(events),
                "--db", str(tmp_path / "h.db"))
    assert result.returncode == 0, result.stderr
    assert "coach: All right, I've taken the clamshell off today's workout." in result.stdout
    assert "coach: Next up is the glute bridge. Take a short rest first." in result.stdout
    rows = [json.loads(line) for line in events.read_text().splitlines()]
    skipped = [r["exercise"] for r in rows if r["type"] == "exercise_skipped"]
    assert skipped == ["clamshell", "bird_dog"]
    assert [r["exercise"] for r in rows if r["type"] == "left_out"] == ["clamshell"]


def test_an_exercise_left_out_stays_out_of_a_later_session_the_same_day(tmp_path: Path) -> None:
    db = tmp_path / "h.db"
    first = script(tmp_path, (0, "yes"), (1, "do two reps"), (2, "start bird dog"), (300, "no"),
                   (301, "no clams thank you"), (302, "stop"))
    assert vc("run", "--script", str(first), "--db", str(db)).returncode == 0
    second = script(tmp_path, (0, "start my workout"), (3, "carry on"), (4, "stop"))
    result = vc("run", "--script", str(second), "--db", str(db))
    assert result.returncode == 0, result.stderr
    said = result.stdout.splitlines()
    assert said[1].startswith("coach: You've already done 1 of the 5 exercises today.")
    assert said[2].startswith("coach: Here's your workout. 3 exercises,")
    assert said[3].startswith("coach: Let's do the glute bridge.")
    again = script(tmp_path, (0, "start the clamshell"), (3, "stop"))
    started = vc("run", "--script", str(again), "--db", str(db)).stdout.splitlines()
    assert started[1].startswith("coach: Let's do the clamshell.")


def test_the_safety_statement_is_asked_once(tmp_path: Path) -> None:
    db = tmp_path / "h.db"
    first = vc("run", "--script", str(script(tmp_path, (0, "yes"))), "--db", str(db))
    second = vc("run", "--script", str(script(tmp_path, (0, "help"))), "--db", str(db))
    assert "check with your doctor" in first.stdout
    assert "check with your doctor" not in second.stdout


def test_pain_in_a_script_stops_the_session_and_is_remembered(tmp_path: Path) -> None:
    db = tmp_path / "h.db"
    path = script(tmp_path, (0, "yes"), (1, "start hip thrust"), (45, "ouch my back"))
    result = vc("run", "--script", str(path), "--db", str(db))
    assert "physical therapist" in result.stdout
    assert "Lean back and lift your hips." in result.stdout
    after = result.stdout.split("physical therapist")[1]
    assert "lift your hips" not in after
    again = vc("run", "--script", str(script(tmp_path, (0, "stop"))), "--db", str(db))
    assert "Last time, you felt pain during the hip thrust." in again.stdout


def test_text_mode_takes_typed_commands(tmp_path: Path) -> None:
    result = vc("run", "--text", "--no-speech", "--db", str(tmp_path / "h.db"),
                stdin="yes\nwhat does clamshell work\nstop\n")
    assert result.returncode == 0, result.stderr
    assert "The clamshell strengthens" in result.stdout
    assert result.stdout.strip().splitlines()[-1].startswith("coach: That's all for today.")


def test_the_end_of_typed_input_mid_exercise_ends_the_session_with_a_goodbye(
        tmp_path: Path) -> None:
    """Ctrl-D, or the end of a pipe: nothing typed can reach the coach any more, not even
    "it hurts", so it does not coach on."""
    db = tmp_path / "h.db"
    result = vc("run", "--text", "--no-speech", "--db", str(db),
                stdin="yes\nstart glute bridge\n")
    assert result.returncode == 0, result.stderr
    assert "Let's do the glute bridge" in result.stdout and "1 of 6" not in result.stdout
    assert result.stdout.strip().splitlines()[-1].startswith("coach: That's all for today.")
    assert sessions(db) == [("end", False)]


def typing_to(command: str, tmp_path: Path) -> list[str]:
    """The arguments of a command that reads stdin: run --text or parse."""
    if command == "parse":
        return [sys.executable, "-m", "voicecoach", "parse"]
    return [sys.executable, "-m", "voicecoach", "run", "--text", "--no-speech",
            "--db", str(tmp_path / "h.db")]


@pytest.mark.skipif(sys.platform == "win32", reason="stdin closed as `<&-` does is Unix's")
@pytest.mark.parametrize("command", ["run", "parse"])
def test_a_closed_stdin_is_one_sentence(tmp_path: Path, command: str) -> None:
    result = subprocess.run(typing_to(command, tmp_path), capture_output=True, text=True,
                            timeout=60, preexec_fn=lambda: os.close(0))
    line = assert_clean_error(result, 2)
    assert "stdin is closed;" in line and "pipe them in" in line
    assert not (tmp_path / "h.db").exists()


@pytest.mark.parametrize("command", ["run", "parse"])
def test_undecodable_typing_is_read_past(tmp_path: Path, command: str) -> None:
    result = subprocess.run(typing_to(command, tmp_path), input=b"\xff\xd6\x80\nyes\nstop\n",
                            capture_output=True, timeout=60,
                            env={**os.environ, "PYTHONIOENCODING": "utf-8:strict"})
    assert result.returncode == 0 and not result.stderr, result.stderr
    last = result.stdout.decode().strip().splitlines()[-1]
    assert last.startswith("coach: That's all" if command == "run" else '{"text": "stop"')


def test_parse_stops_quietly_when_its_reader_goes_away() -> None:
    proc = subprocess.Popen([sys.executable, "-m", "voicecoach", "parse"], stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    assert proc.stdin and proc.stdout and proc.stderr
    proc.stdin.write("stop\n")
    proc.stdin.flush()
    assert '"intent": "stop"' in proc.stdout.readline()
    proc.stdout.close()  # as `| head -1` does
    proc.stdin.write("pause\n" * 100)
    proc.stdin.close()
    assert proc.wait(timeout=60) == 141 and proc.stderr.read() == ""


@pytest.mark.parametrize("command", ["exercises", "devices", "model"])
def test_any_command_stops_quietly_when_its_reader_has_gone(command: str) -> None:
    reader, writer = os.pipe()
    os.close(reader)  # gone before the first line, as `| head -0` would be
    done = subprocess.run([sys.executable, "-m", "voicecoach", command], stdout=writer,
                          stderr=subprocess.PIPE, text=True, timeout=120)
    os.close(writer)
    assert done.returncode == 141 and done.stderr == ""


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="no /dev/full to fill")
def test_parse_to_an_output_that_cannot_be_written_is_one_sentence() -> None:
    with open("/dev/full", "w") as full:
        done = subprocess.run([sys.executable, "-m", "voicecoach", "parse", "stop"], stdout=full,
                              stderr=subprocess.PIPE, text=True, timeout=60)
    assert done.returncode == 1 and "Traceback" not in done.stderr
    assert done.stderr.startswith("voicecoach: Cannot write the output (No space left on device)")
    assert len(done.stderr.splitlines()) == 1


def test_a_bad_script_line_is_named(tmp_path: Path) -> None:
    path = tmp_path / "bad.txt"
    path.write_text("0\tyes\nsoon\tstart glute bridge\n")
    line = assert_clean_error(vc("run", "--script", str(path)), 2)
    assert "bad.txt line 2" in line


def test_a_malformed_intent_file_is_named_with_exit_2(tmp_path: Path) -> None:
    folder = tmp_path / "en"
    shutil.copytree(intents_root() / "en", folder)
    (folder / "controls.yaml").write_text('intents:\n  pause:\n    - 12\n')
    line = assert_clean_error(vc("parse", "pause", env={"VOICECOACH_INTENTS": str(folder)}), 2)
    assert "controls.yaml: intent 'pause'" in line


def test_a_corrupt_history_is_reported_and_kept(tmp_path: Path) -> None:
    db = tmp_path / "h.db"
    db.write_text("garbage" * 200)
    path = script(tmp_path, (0, "yes"))
    assert "damaged" in assert_clean_error(vc("run", "--script", str(path), "--db", str(db)), 1)
    assert db.read_text() == "garbage" * 200


@pytest.mark.parametrize("args", [["run", "--exercise", "yoga"], ["run", "--bogus"],
                                  ["run", "--text", "--script", "x"]])
def test_bad_options_are_one_sentence_that_points_to_help(args: list[str]) -> None:
    result = vc(*args)
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert re.fullmatch(r"voicecoach( run)?: .+; see voicecoach( run)? --help\.", lines[0])


@pytest.mark.parametrize("command", ["run", "transcribe"])
def test_a_model_given_to_pocketsphinx_is_an_error_not_ignored(tmp_path: Path,
                                                               command: str) -> None:
    what = (["--script", str(script(tmp_path, (0, "yes")))] if command == "run"
            else [str(tmp_path / "said.wav")])
    line = assert_clean_error(vc(command, "--recognizer", "pocketsphinx", "--model",
                                 str(tmp_path), *what), 2)
    assert line == ("voicecoach: --model names a Vosk model, which --recognizer pocketsphinx "
                    "does not use; drop --model, or use --recognizer vosk or auto.")


@pytest.mark.parametrize("how", ["--text", "--script"])
def test_a_model_given_to_a_session_that_does_not_listen_is_an_error(tmp_path: Path,
                                                                    how: str) -> None:
    what = [how, str(script(tmp_path, (0, "yes")))] if how == "--script" else [how]
    line = assert_clean_error(vc("run", "--model", str(tmp_path), *what), 2)
    assert line == ("voicecoach: --model names a Vosk model to listen with, and --text and "
                    "--script do not listen; drop --model, or the other.")


def test_an_unknown_exercise_names_the_ones_there_are() -> None:
    err = vc("run", "--exercise", "yoga").stderr
    ids = "bird_dog, clamshell, glute_bridge, hip_thrust, side_lying_hip_abduction"
    assert f"unknown exercise 'yoga'; use one of {ids}" in err
    err = vc("run", "--exercise", "glute_brige").stderr
    assert "unknown exercise 'glute_brige' (did you mean glute_bridge?); use one of" in err


def test_exercises_lists_the_catalogue() -> None:
    ids = [line.split()[0] for line in vc("exercises").stdout.splitlines()]
    assert ids == ["bird_dog", "clamshell", "glute_bridge", "hip_thrust",
                   "side_lying_hip_abduction"]


def test_a_plain_install_carries_its_data(tmp_path: Path) -> None:
    target = tmp_path / "site"
    subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "--no-deps",
                    "--target", str(target), str(ROOT)], check=True, capture_output=True)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    env = {**os.environ, "PYTHONPATH": str(target)}
    result = subprocess.run([sys.executable, "-m", "voicecoach", "parse", "start bird dog"],
                            capture_output=True, text=True, cwd=elsewhere, env=env, timeout=60)
    assert json.loads(result.stdout)["slots"] == {"exercise": "bird_dog"}
    assert (target / "voicecoach" / "intents" / "en" / "safety.yaml").is_file()


def test_an_unwritable_history_is_said_and_the_session_goes_on(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    path = script(tmp_path, (0, "yes"), (1, "what does the bridge work"))
    result = vc("run", "--script", str(path), "--db", str(blocker / "h.db"))
    assert result.returncode == 0
    assert "coach: I can't save your progress right now, but we'll carry on." in result.stdout
    assert "The glute bridge strengthens" in result.stdout
    assert "cannot be written" in result.stderr and "Traceback" not in result.stderr


def sessions(db: Path) -> list[tuple[str, bool]]:
    shown = vc("history", "--json", "--db", str(db)).stdout.splitlines()
    return [(row["reason"], row["pain"]) for row in map(json.loads, shown)]


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="no /dev/full to fill")
@pytest.mark.parametrize("full", ["events", "stdout"])
def test_a_full_disk_under_the_output_is_said_and_the_session_saved(tmp_path: Path,
                                                                     full: str) -> None:
    db = tmp_path / "h.db"
    path = script(tmp_path, (0, "yes"), (1, "start hip thrust"), (45, "ouch my back"))
    events = "/dev/full" if full == "events" else str(tmp_path / "events.jsonl")
    with open("/dev/full" if full == "stdout" else os.devnull, "w") as out:
        result = subprocess.run([sys.executable, "-m", "voicecoach", "run", "--script", str(path),
                                 "--db", str(db), "--events", events], stdout=out,
                                stderr=subprocess.PIPE, text=True, timeout=120)
    assert result.returncode == 0 and "Traceback" not in result.stderr, result.stderr
    [line] = result.stderr.splitlines()
    said = {"events": "events are no longer written", "stdout": "the session goes on without"}
    assert "(No space left on device)" in line and said[full] in line
    assert sessions(db) == [("pain", True)]


def test_a_closed_output_pipe_ends_no_session(tmp_path: Path) -> None:
    db = tmp_path / "h.db"
    proc = subprocess.Popen([sys.executable, "-m", "voicecoach", "run", "--text", "--no-speech",
                             "--db", str(db)], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    assert proc.stdin and proc.stdout and proc.stderr
    assert "check with your doctor" in proc.stdout.readline()
    proc.stdout.close()  # as `| head -1` does
    proc.stdin.write("yes\nstart glute bridge\nit hurts\n")
    proc.stdin.close()
    assert proc.wait(timeout=60) == 0
    assert "(Broken pipe); the session goes on without them" in proc.stderr.read()
    assert sessions(db) == [("pain", True)]


def test_two_sessions_in_a_row_differ_because_of_the_first(tmp_path: Path) -> None:
    db = tmp_path / "h.db"
    first = script(tmp_path, (0, "yes"), (1, "start glute bridge"), (400, "no"), (401, "stop"))
    vc("run", "--script", str(first), "--db", str(db))
    path = script(tmp_path, (0, "start glute bridge"), (1, "stop"))
    second = vc("run", "--script", str(path), "--db", str(db)).stdout
    assert "Last time you did 6 reps. Today, 8." in second


def test_the_minutes_kept_and_told_are_of_exercise_not_of_waiting(tmp_path: Path) -> None:
    """A check-in left unanswered, then a long wait: neither is exercise."""
    db, events = tmp_path / "h.db", tmp_path / "events.jsonl"
    first = script(tmp_path, (0, "yes"), (60, "start glute bridge"), (2000, "stop"))
    vc("run", "--script", str(first), "--db", str(db), "--events", str(events))
    rows = [json.loads(line) for line in events.read_text().splitlines()]
    asked = next(r["t"] for r in rows if r["type"] == "said" and "any pain" in r["text"])
    minutes = round((asked - 60) / 60, 1)
    (shown,) = [json.loads(line) for line in vc("history", "--json", "--db", str(db)).stdout
                .splitlines()]
    assert shown["minutes"] == minutes < 10
    second = vc("run", "--script", str(script(tmp_path, (0, "how am I doing"))), "--db", str(db))
    assert f"for {round(minutes)} minutes in all." in second.stdout


def test_a_rep_count_said_before_any_exercise_is_for_that_session(tmp_path: Path) -> None:
    db = tmp_path / "h.db"
    vc("run", "--script", str(script(tmp_path, (0, "yes"), (1, "do two reps"), (2, "stop"))),
       "--db", str(db))
    path = script(tmp_path, (0, "start clamshell"), (1, "stop"))
    assert "We'll do 2 sets of 6 reps." in vc("run", "--script", str(path), "--db", str(db)).stdout


def test_a_yes_to_any_pain_is_kept_when_no_rating_follows(tmp_path: Path) -> None:
    db = tmp_path / "h.db"
    first = script(tmp_path, (0, "yes"), (1, "do two reps"), (5, "start glute bridge"),
                   (140, "yes"), (141, "stop"))
    out = vc("run", "--script", str(first), "--db", str(db)).stdout
    assert "coach: How strong was it, from one to ten?" in out
    rows = [json.loads(line) for line in vc("history", "--json", "--db", str(db)).stdout.split("\n")
            if line]
    assert [(row["reason"], row["pain"]) for row in rows] == [("stop", True)]
    second = vc("run", "--script", str(script(tmp_path, (0, "stop"))), "--db", str(db)).stdout
    assert "coach: Last time, you felt pain during the glute bridge." in second


def test_a_pain_rating_changes_the_next_plan(tmp_path: Path) -> None:
    db = tmp_path / "h.db"
    first = script(tmp_path, (0, "yes"), (1, "start glute bridge"), (400, "yes"),
                   (401, "about a six"), (402, "stop"))
    out = vc("run", "--script", str(first), "--db", str(db)).stdout
    assert "6 out of ten is too much for today." in out
    path = script(tmp_path, (0, "start glute bridge"), (1, "stop"))
    second = vc("run", "--script", str(path), "--db", str(db)).stdout
    assert "We'll do 2 sets of 4 reps." in second
    assert "We'll take the glute bridge a little easier today." in second


def test_history_lists_sessions_as_json_and_draws_a_chart(tmp_path: Path) -> None:
    db = tmp_path / "h.db"
    path = script(tmp_path, (0, "yes"), (10, "start clamshell"), (40, "ouch"))
    vc("run", "--script", str(path), "--db", str(db))
    rows = [json.loads(line) for line in vc("history", "--json", "--db", str(db)).stdout.split("\n")
            if line]
    assert [(r["reason"], r["pain"], r["pain_in"], r["minutes"]) for r in rows] == [
        ("pain", True, ["clamshell"], 0.5)]
    table = vc("history", "--db", str(db)).stdout
    assert table.rstrip().endswith("(pain reported: clamshell)")  # the exercise that hurt
    chart = tmp_path / "chart.png"
    result = vc("history", "--db", str(db), "--plot", str(chart))
    assert result.returncode == 0 and chart.read_bytes()[:4] == b"\x89PNG"


def test_a_chart_named_with_no_ending_is_a_png_and_one_of_an_unknown_kind_is_refused(
        tmp_path: Path) -> None:
    db = tmp_path / "h.db"
    vc("run", "--script", str(script(tmp_path, (0, "yes"), (30, "stop"))), "--db", str(db))
    (tmp_path / "charts").mkdir()
    result = vc("history", "--db", str(db), "--plot", str(tmp_path / "charts"))
    assert f"chart written to {tmp_path / 'charts.png'}" in result.stderr
    assert result.stdout.startswith("date")  # the table alone: --json stays JSON
    assert (tmp_path / "charts.png").read_bytes()[:4] == b"\x89PNG"
    result = vc("history", "--db", str(db), "--plot", str(tmp_path / "chart.txt"))
    assert "name it FILE.png, FILE.svg or FILE.pdf" in assert_clean_error(result, 2)
    assert not (tmp_path / "chart.txt").exists()


@pytest.mark.parametrize("named", ["h.png", "h"])
def test_a_chart_named_as_the_history_is_refused_and_the_history_kept(
        tmp_path: Path, named: str) -> None:
    db = tmp_path / "h.png"
    vc("run", "--script", str(script(tmp_path, (0, "yes"), (30, "stop"))), "--db", str(db))
    before = db.read_bytes()
    result = vc("history", "--db", str(db), "--plot", str(tmp_path / named))
    assert "is the history itself" in assert_clean_error(result, 2)
    assert db.read_bytes() == before


def test_a_chart_with_no_file_name_is_refused(tmp_path: Path) -> None:
    result = vc("history", "--db", str(tmp_path / "h.db"), "--plot", "")
    assert "not a file name; name it FILE.png" in assert_clean_error(result, 2)


@pytest.mark.parametrize("place", ["folder", "/dev/null"])
@pytest.mark.parametrize("command", ["history", "run"])
def test_a_folder_or_a_device_as_the_history_says_what_it_is(tmp_path: Path, place: str,
                                                             command: str) -> None:
    (tmp_path / "folder").mkdir()
    more = ["--script", str(script(tmp_path, (0, "yes")))] if command == "run" else []
    result = vc(command, *more, "--db", str(tmp_path / place))
    assert "is not a history file but a folder or a device" in assert_clean_error(result, 2)
    assert result.stdout == ""  # refused before the session began


def test_history_before_any_session_says_so_and_makes_no_file(tmp_path: Path) -> None:
    db = tmp_path / "typo.db"
    result = vc("history", "--db", str(db))
    assert result.returncode == 0 and "no history yet in" in result.stderr
    assert not db.exists()


def test_history_of_an_empty_file_says_there_is_none_and_leaves_it_empty(tmp_path: Path) -> None:
    db = tmp_path / "empty.db"
    db.touch()
    result = vc("history", "--db", str(db), "--json")
    assert result.returncode == 0 and "no history yet in" in result.stderr
    assert result.stdout == "" and db.stat().st_size == 0


def test_an_unexpected_failure_is_one_sentence(tmp_path: Path) -> None:
    db = tmp_path / "h.db"
    vc("run", "--script", str(script(tmp_path, (0, "yes"))), "--db", str(db))
    import sqlite3
    sqlite3.connect(db).execute("DROP TABLE sessions")
    line = assert_clean_error(vc("history", "--db", str(db)), 1)
    assert "something unexpected went wrong" in line


def test_every_option_says_what_it_does(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_DATA_HOME", "/home/ann/.data")  # named in the help, never made
    parser = build_parser()
    commands = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    for name, sub in commands.choices.items():
        for action in sub._actions:
            assert action.help, f"{name} {action.option_strings or action.dest} has no help"
        assert "None" not in sub.format_help(), name
    run_help = " ".join(commands.choices["run"].format_help().split())
    assert "/home/ann/.data/voicecoach/history.sqlite3" in run_help


def test_an_events_file_in_a_missing_folder_says_how_to_fix_it(tmp_path: Path) -> None:
    events = tmp_path / "nowhere" / "ev.jsonl"
    result = vc("run", "--script", str(script(tmp_path, (0, "yes"))), "--db",
                str(tmp_path / "h.db"), "--events", str(events))
    assert assert_clean_error(result, 2) == (
        f"voicecoach: Cannot write the events file {events} (No such file or directory); "
        "pass --events a file in a folder that exists.")


@pytest.mark.parametrize(("setting", "option", "where", "problem"), [
    ("", ["--rate", "20"], "command line: --rate", "20 is too slow to follow"),
    ("rate = 400\n", [], "{config}: rate", "400 is too fast to follow")])
def test_a_rate_out_of_range_says_which_rates_to_give(tmp_path: Path, setting: str,
                                                      option: list[str], where: str,
                                                      problem: str) -> None:
    config = tmp_path / "config.toml"
    config.write_text(setting)
    result = vc("run", "--script", str(script(tmp_path, (0, "yes"))), "--db",
                str(tmp_path / "h.db"), *option, env={"VOICECOACH_CONFIG": str(config)})
    assert assert_clean_error(result, 2) == (
        f"voicecoach: {where.format(config=config)}: {problem}; give a rate from 80 to 300 "
        "words per minute.")


def test_a_settings_file_that_is_not_toml_names_itself_and_a_fix(tmp_path: Path) -> None:
    config = tmp_path / "config.toml"
    config.write_text("voice en-gb\n")
    result = vc("run", "--script", str(script(tmp_path, (0, "yes"))), "--db",
                str(tmp_path / "h.db"), env={"VOICECOACH_CONFIG": str(config)})
    line = assert_clean_error(result, 2)
    assert line.startswith(f"voicecoach: {config} is not valid TOML (")
    assert line.endswith("); fix that line or move the file aside.")


def test_a_model_variable_that_names_nothing_is_warned_of_with_a_fix(tmp_path: Path) -> None:
    result = vc("model", env={"VOICECOACH_MODEL": str(tmp_path / "none"),
                              "HOME": str(tmp_path)})
    assert result.returncode == 0
    warning = [line for line in result.stderr.splitlines() if "VOICECOACH_MODEL" in line]
    assert warning == [f"voicecoach: $VOICECOACH_MODEL names {tmp_path / 'none'}, where there is "
                       "nothing; point it at a Vosk model folder, or unset it."]
