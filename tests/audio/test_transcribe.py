"""`voicecoach transcribe`: WAV files of any rate and channel count to text and intent, one JSON
line each, in one process that loads the recognizer once; a file it cannot read is named on
stderr and the others are still transcribed."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from speech import missing_tools, room, synthesize, write_wav

from voicecoach.audio import models
from voicecoach.cli import main

pytestmark = [pytest.mark.audio,
              pytest.mark.skipif(bool(missing_tools()), reason="needs espeak-ng and sox")]
VOICE = "en-us+klatt"
SAID = {
    "bridge.wav": ("start the glute bridge", "start_exercise", {"exercise": "glute_bridge"}),
    "clamshell.wav": ("what does the clamshell work", "exercise_benefits",
                      {"exercise": "clamshell"}),
    "hurts.wav": ("it hurts", "report_pain", {}),
}
FORMATS = {"bridge.wav": (44100, 2), "clamshell.wav": (11025, 1), "hurts.wav": (16000, 1)}
"""Rate and channels each file is written at."""


@pytest.fixture(scope="module")
def spoken(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    folder = tmp_path_factory.mktemp("spoken")
    files = []
    for name, (text, _, _) in SAID.items():
        plain = write_wav(folder / f"16k-{name}", synthesize(text, voice=VOICE))
        rate, channels = FORMATS[name]
        subprocess.run(["sox", str(plain), "-r", str(rate), "-c", str(channels),
                        str(folder / name)], check=True, capture_output=True)
        files.append(folder / name)
    return files


def transcribe(*files: Path) -> tuple[subprocess.CompletedProcess[str], list[dict[str, Any]]]:
    done = subprocess.run([sys.executable, "-m", "voicecoach", "transcribe", "--recognizer",
                           "pocketsphinx", *map(str, files)],
                          capture_output=True, text=True, timeout=300)
    return done, [json.loads(line) for line in done.stdout.splitlines()]


def test_each_file_comes_out_as_one_json_line_with_its_intent(spoken: list[Path]) -> None:
    done, rows = transcribe(*spoken)
    assert done.returncode == 0, done.stderr
    assert [row["file"] for row in rows] == [str(f) for f in spoken]
    for row in rows:
        _, intent, slots = SAID[Path(row["file"]).name]
        assert set(row) == {"file", "text", "intent", "slots", "score"}
        assert (row["intent"], row["slots"]) == (intent, slots), row["text"]


def test_a_file_that_cannot_be_read_is_named_and_the_rest_are_transcribed(
        spoken: list[Path], tmp_path: Path) -> None:
    not_audio = tmp_path / "notes.wav"
    not_audio.write_text("these are my notes, not a recording\n")
    missing = tmp_path / "missing.wav"
    done, rows = transcribe(spoken[0], not_audio, missing, spoken[2])
    assert done.returncode == 1
    assert [row["file"] for row in rows] == [str(spoken[0]), str(spoken[2])]
    errors = done.stderr.splitlines()
    assert len(errors) == 2 and "Traceback" not in done.stderr
    assert str(not_audio) in errors[0] and str(missing) in errors[1]
    assert all(line.startswith("voicecoach: ") for line in errors)


def test_each_file_is_heard_as_if_it_were_the_only_one(spoken: list[Path],
                                                       tmp_path: Path) -> None:
    """What was learned of a loud file before it (the noise to remove, the cepstral mean) does
    not change what a file is heard as."""
    loud = write_wav(tmp_path / "loud.wav", room(10.0, dbfs=-25.0, seed=2))
    alone = {f: transcribe(f)[1][0]["text"] for f in spoken}
    done, rows = transcribe(*[x for f in spoken for x in (loud, f)])
    assert done.returncode == 0, done.stderr
    after_noise = {Path(r["file"]): r["text"] for r in rows if r["file"] != str(loud)}
    assert after_noise == alone


def test_a_telephone_rate_recording_is_transcribed_with_a_warning(spoken: list[Path],
                                                                  tmp_path: Path) -> None:
    """At 8 kHz the sounds above 4 kHz are gone, and the 16 kHz models mishear it: say so."""
    narrow = tmp_path / "phone.wav"
    subprocess.run(["sox", str(spoken[2]), "-r", "8000", str(narrow)], check=True)
    done, rows = transcribe(narrow)
    assert done.returncode == 0 and len(rows) == 1
    assert f"{narrow} is recorded at 8000 Hz" in done.stderr
    assert "record at 16000 Hz or more" in done.stderr


def test_silence_is_no_text_and_no_intent(tmp_path: Path) -> None:
    quiet = write_wav(tmp_path / "quiet.wav", room(3.0))
    done, rows = transcribe(quiet)
    assert done.returncode == 0, done.stderr
    assert [(row["text"], row["intent"], row["slots"]) for row in rows] == [("", None, {})]


def test_the_recognizer_is_loaded_once_for_all_files(
        spoken: list[Path], monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    made = []
    real = models.make_recognizer

    def counted(*args: Any) -> Any:
        made.append(args[0])
        return real(*args)

    monkeypatch.setattr(models, "make_recognizer", counted)
    assert main(["transcribe", "--recognizer", "pocketsphinx", *map(str, spoken)]) == 0
    assert made == ["pocketsphinx"]
    assert len(capsys.readouterr().out.splitlines()) == len(spoken)


def test_it_stops_quietly_once_its_reader_has_gone(spoken: list[Path]) -> None:
    proc = subprocess.Popen([sys.executable, "-m", "voicecoach", "transcribe", "--recognizer",
                             "pocketsphinx", *map(str, spoken * 3)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    assert proc.stdout and proc.stderr
    assert '"file"' in proc.stdout.readline()
    proc.stdout.close()  # as `| head -1` does
    assert proc.wait(timeout=300) == 141 and proc.stderr.read() == ""


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="no /dev/full to fill")
def test_an_output_that_cannot_be_written_is_one_sentence(spoken: list[Path]) -> None:
    with open("/dev/full", "w") as full:
        done = subprocess.run([sys.executable, "-m", "voicecoach", "transcribe", "--recognizer",
                               "pocketsphinx", str(spoken[-1])],
                              stdout=full, stderr=subprocess.PIPE, text=True, timeout=300)
    assert done.returncode == 1
    assert done.stderr.splitlines() == [
        "voicecoach: Cannot write the output (No space left on device); make room where it goes "
        "(is the disk full?) or send it elsewhere."]


def test_a_file_named_dash_is_read_from_stdin(spoken: list[Path]) -> None:
    with spoken[-1].open("rb") as stdin:
        done = subprocess.run([sys.executable, "-m", "voicecoach", "transcribe", "--recognizer",
                               "pocketsphinx", "-"], stdin=stdin, capture_output=True, text=True,
                              timeout=300)
    assert done.returncode == 0, done.stderr
    row = json.loads(done.stdout)
    assert (row["file"], row["intent"]) == ("-", "report_pain")
