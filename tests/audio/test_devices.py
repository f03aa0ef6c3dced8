"""Listing sound devices and resolving --input-device/--output-device, on virtual ALSA devices."""

from __future__ import annotations

import subprocess
import sys

import pytest
from alsa import MIC, SPEAKER, VirtualAudio

from voicecoach.audio.devices import list_devices, resolve
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


def test_a_number_that_is_no_device_is_an_audio_error(virtual_audio: VirtualAudio) -> None:
    with pytest.raises(AudioError, match="Sound device 99 .*--output-device"):
        resolve("99", "output")


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
