"""Listing sound devices and resolving --input-device/--output-device, on virtual ALSA devices."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from alsa import MIC, SPEAKER, VirtualAudio

from voicecoach.audio import devices
from voicecoach.audio.devices import Device, list_devices, resolve
from voicecoach.cli import main
from voicecoach.errors import AudioError

pytestmark = pytest.mark.audio


def index_of(name: str) -> int:
    return {device.name: device.index for device in list_devices()}[name]


def test_the_virtual_devices_are_listed_with_what_they_can_do(virtual_audio: VirtualAudio) -> None:
    devices = {device.name: device for device in list_devices()}
    assert devices[MIC].inputs >= 1
    assert devices[SPEAKER].outputs >= 1
    assert devices["default"].default_input
    assert devices["default"].default_output
    assert all(device.default_rate > 0 for device in devices.values())


def test_a_device_is_found_by_exact_name_in_any_case(virtual_audio: VirtualAudio) -> None:
    assert resolve(MIC, "input") == index_of(MIC)
    assert resolve(MIC.upper(), "input") == index_of(MIC)


def test_a_device_is_found_by_a_part_of_its_name_that_only_it_has(
        virtual_audio: VirtualAudio) -> None:
    assert resolve("AL_MI", "input") == index_of(MIC)
    assert resolve("speak", "output") == index_of(SPEAKER)


def test_a_device_is_found_by_its_number(virtual_audio: VirtualAudio) -> None:
    assert resolve(str(index_of(SPEAKER)), "output") == index_of(SPEAKER)
    assert resolve(index_of(SPEAKER), "output") == index_of(SPEAKER)


def test_no_choice_means_the_system_default(virtual_audio: VirtualAudio) -> None:
    assert resolve(None, "input") is None
    assert resolve(None, "output") is None


def test_an_unknown_name_says_how_to_list_devices_and_what_to_pass(
        virtual_audio: VirtualAudio) -> None:
    with pytest.raises(AudioError, match=r"'usb headset'.*`voicecoach devices`.*--input-device"):
        resolve("usb headset", "input")


def test_a_name_that_fits_several_devices_asks_for_a_number(virtual_audio: VirtualAudio) -> None:
    with pytest.raises(AudioError, match="matches several devices.*number"):
        resolve("virtual", "output")


def test_a_number_that_is_no_device_says_there_is_none_and_how_to_list_them(
        virtual_audio: VirtualAudio) -> None:
    assert 99 not in {device.index for device in list_devices()}
    said = "There is no sound device 99; run `voicecoach devices` to list them and pass {} " \
        "with a number or name from the list."
    with pytest.raises(AudioError) as caught:
        resolve("99", "input")
    assert str(caught.value) == said.format("--input-device")
    with pytest.raises(AudioError) as caught:
        resolve(99, "output")
    assert str(caught.value) == said.format("--output-device")


def test_a_number_of_a_device_of_the_other_kind_says_what_it_is_not(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """(The virtual devices can each record and play: these are made up.)"""
    monkeypatch.setattr(devices, "list_devices", lambda: [
        Device(0, "usb mic", inputs=1, outputs=0, default_rate=16000),
        Device(1, "hdmi", inputs=0, outputs=2, default_rate=48000)])
    with pytest.raises(AudioError, match=r"^Sound device 1 \(hdmi\) is not a microphone; run "
                                         r"`voicecoach devices` .* --input-device"):
        resolve(1, "input")
    with pytest.raises(AudioError, match=r"^Sound device 0 \(usb mic\) is not a speaker; .*"
                                         r"--output-device"):
        resolve("0", "output")
    with pytest.raises(AudioError, match=r"^There is no sound device 2; "):
        resolve(2, "output")


@pytest.mark.parametrize("option", ["--input-device", "--output-device"])
def test_run_with_a_number_that_is_no_device_says_so(
        virtual_audio: VirtualAudio, capsys: pytest.CaptureFixture[str], tmp_path: Path,
        option: str) -> None:
    quiet = ["--no-speech"] if option == "--input-device" else []  # the speaker opens first
    assert main(["run", option, "99", "--db", str(tmp_path / "h.db"), *quiet]) == 1
    err = capsys.readouterr().err
    assert err.startswith("voicecoach: There is no sound device 99; run `voicecoach devices`")
    assert option in err and len(err.splitlines()) == 1


def test_a_machine_without_sound_devices_says_what_is_missing(no_audio: None) -> None:
    assert list_devices() == []
    with pytest.raises(AudioError, match="^No microphone was found; connect one.* --text"):
        resolve(None, "input")
    with pytest.raises(AudioError, match="^No speaker was found; .*--output-device"):
        resolve(None, "output")


def test_a_child_process_given_the_env_sees_the_devices(virtual_audio: VirtualAudio) -> None:
    code = ("from voicecoach.audio.devices import list_devices\n"
            "print([device.name for device in list_devices()])")
    listed = subprocess.run([sys.executable, "-c", code], env=virtual_audio.env, check=True,
                            capture_output=True, text=True, timeout=30).stdout
    assert MIC in listed
    assert SPEAKER in listed


def test_the_devices_command_lists_the_microphone_and_the_speaker(
        virtual_audio: VirtualAudio, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["devices"]) == 0
    rows = capsys.readouterr().out.splitlines()
    mic = next(row for row in rows if MIC in row)
    speaker = next(row for row in rows if SPEAKER in row)
    assert mic.split()[0] == str(index_of(MIC)) and "in 1" in mic
    assert speaker.split()[0] == str(index_of(SPEAKER)) and "out 0" not in speaker


def test_the_devices_command_on_a_machine_without_any_says_so(
        no_audio: None, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["devices"]) == 0
    assert capsys.readouterr().out == "No sound devices found.\n"
