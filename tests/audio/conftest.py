"""Fixtures for the audio tests: the virtual ALSA devices of alsa.py, seen by a fresh PortAudio."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

import pytest
import vosk
from alsa import MIC, VirtualAudio

from voicecoach.audio import models


def _sounddevice() -> ModuleType:
    try:
        import sounddevice
    except OSError as exc:  # no libportaudio
        pytest.skip(f"needs PortAudio (Debian: libportaudio2): {exc}")
    return sounddevice


def _reinitialize(sd: ModuleType) -> None:
    """Make PortAudio (and ALSA under it) read the sound configuration again, from $HOME."""
    sd._terminate()
    sd._initialize()


def _join_abandoned_closes() -> None:
    """Wait for MicSource.close() threads that gave up on a stalled stream: they finish once the
    pipe is closed, and PortAudio must not close the same stream while they do (it hangs)."""
    for thread in threading.enumerate():
        if thread.name == "mic-close":
            thread.join(timeout=5)


@pytest.fixture
def virtual_audio(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[VirtualAudio]:
    """A virtual microphone and speaker (alsa.py), and PortAudio re-initialized to see them.

    Every stream a test opens must be closed by the end of the test.
    """
    sd = _sounddevice()
    with VirtualAudio(tmp_path) as audio:
        monkeypatch.setenv("HOME", str(audio.home))
        _reinitialize(sd)
        try:
            if not any(device["name"] == MIC for device in sd.query_devices()):
                pytest.skip("PortAudio does not list the virtual ALSA devices (no ALSA here?)")
            yield audio
        finally:
            audio.close()  # first: a stream left reading the pipe gets end-of-file, not a hang
            _join_abandoned_closes()
            monkeypatch.undo()
            _reinitialize(sd)


@pytest.fixture
def no_audio(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """A machine with no sound devices at all (no sound card, no ~/.asoundrc)."""
    sd = _sounddevice()
    monkeypatch.setenv("HOME", str(tmp_path))
    _reinitialize(sd)
    try:
        if len(sd.query_devices()):
            pytest.skip("this machine has real sound devices")
        yield
    finally:
        monkeypatch.undo()
        _reinitialize(sd)


@pytest.fixture
def nowhere(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A machine with no model anywhere: empty home, working directory, checkout and vosk dirs."""
    for var in models.ENV_VARS:
        monkeypatch.delenv(var, raising=False)
    home = tmp_path / "home"
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.chdir(work)
    monkeypatch.setattr(models, "CHECKOUT_MODELS", tmp_path / "checkout" / "models")
    monkeypatch.setattr(vosk, "MODEL_DIRS", [None, tmp_path / "usr-share-vosk"])
    return tmp_path
