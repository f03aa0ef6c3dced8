"""The noise suppressor in front of pocketsphinx: real WebRTC noise suppression on white noise and
espeak-ng speech."""

from __future__ import annotations

import logging
import sys

import numpy as np
import pytest
from speech import RATE, missing_tools, noise, synthesize, to_pcm

from voicecoach.audio.denoise import FRAME, NOISY_DBFS, Denoiser, make_denoiser


def level(pcm: bytes) -> float:
    """dB of mean power."""
    x = np.frombuffer(pcm, "<i2").astype(np.float64)
    return float(10 * np.log10(np.mean(x**2) + 1e-9))


@pytest.mark.parametrize("dbfs", [-45.0, -30.0])
def test_a_steady_noise_is_taken_down_once_learned(dbfs: float) -> None:
    pcm = to_pcm(noise(5 * RATE, dbfs, seed=1))
    denoiser = Denoiser()
    out = denoiser(pcm)
    last = 2 * RATE * 2
    assert denoiser.noisy and level(out[-last:]) <= level(pcm[-last:]) - 10.0


@pytest.mark.skipif(bool(missing_tools()), reason="needs espeak-ng and sox")
def test_in_a_quiet_room_the_sound_is_left_as_it_is() -> None:
    """The suppressor would take the hiss of "s" for noise: "stop" came out "top"."""
    pcm = synthesize("stop", voice="en-us+klatt", lead=2.0)
    denoiser = Denoiser()
    out = denoiser(pcm)
    assert not denoiser.noisy and out == pcm[: len(out)]


def test_it_turns_on_when_the_room_gets_noisy_and_off_when_it_is_quiet_again() -> None:
    """A noise must fill 95% of the last 6 s to count as the room's; quiet, 5% of them."""
    denoiser = Denoiser()
    seen = []
    for dbfs, seconds in ((-60.0, 6), (-40.0, 7), (-60.0, 2)):
        for second in range(seconds):
            denoiser(to_pcm(noise(RATE, dbfs, seed=second)))
            seen.append(denoiser.noisy)
    assert seen == [False] * 6 + [False] * 5 + [True] * 2 + [False] * 2


@pytest.mark.skipif(bool(missing_tools()), reason="needs espeak-ng and sox")
def test_speech_over_the_noise_is_kept() -> None:
    speech = np.frombuffer(synthesize("start glute bridge", voice="en-us+klatt", lead=3.0,
                                      trail=0.5), "<i2")
    noisy = to_pcm(speech.astype(np.float64) + noise(len(speech), -35.0, seed=3))
    out = Denoiser()(noisy)
    words = slice(3 * RATE * 2, len(noisy) - RATE)
    assert abs(level(out[words]) - level(noisy[words])) < 2.0


def test_whole_frames_come_out_and_the_rest_is_held() -> None:
    denoiser = Denoiser()
    sizes = (1000, 3333, 7)
    pcm = to_pcm(noise(sum(sizes), -40.0, seed=2))
    out, start = b"", 0
    for size in sizes:
        out += denoiser(pcm[2 * start : 2 * (start + size)])
        start += size
        assert len(out) % (2 * FRAME) == 0
    rest = denoiser.rest()
    assert len(out) + len(rest) == len(pcm) and len(rest) < 2 * FRAME
    assert rest == pcm[len(out) :] and denoiser.rest() == b""


def test_without_the_native_module_listening_goes_on_and_says_why(
        monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture) -> None:
    monkeypatch.setitem(sys.modules, "livekit", None)
    with caplog.at_level(logging.WARNING):
        assert make_denoiser() is None
    assert "noise suppression is off" in caplog.text


def test_a_native_module_that_cannot_start_in_a_noisy_room_leaves_the_sound_as_it_is(
        monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture) -> None:
    denoiser = Denoiser()

    def broken(**_: object) -> None:
        raise OSError("cannot load liblivekit_ffi.so")
    monkeypatch.setattr(denoiser._rtc, "AudioProcessingModule", broken)
    pcm = to_pcm(noise(3 * RATE, NOISY_DBFS + 10.0, seed=6))
    with caplog.at_level(logging.WARNING):
        out = denoiser(pcm)
    assert denoiser.noisy and out == pcm[: len(out)] and len(out) > len(pcm) - 2 * FRAME
    assert "noise suppression failed" in caplog.text


def test_a_noise_just_under_the_mark_keeps_it_on_but_does_not_turn_it_on() -> None:
    """Hysteresis: a floor hovering about NOISY_DBFS does not turn it on and off."""
    on, off = Denoiser(), Denoiser()
    on(to_pcm(noise(7 * RATE, NOISY_DBFS + 5.0, seed=4)))
    assert on.noisy
    for denoiser in (on, off):
        denoiser(to_pcm(noise(7 * RATE, NOISY_DBFS - 1.5, seed=5)))
    assert on.noisy and not off.noisy


@pytest.mark.skipif(bool(missing_tools()), reason="needs espeak-ng and sox")
def test_a_long_sentence_in_a_quiet_room_is_not_taken_for_noise() -> None:
    pcm = synthesize("lie on your back with your knees bent and your feet flat on the floor then "
                     "squeeze your glutes and lift your hips until your body is straight",
                     voice="en-us+klatt", words_per_minute=170, lead=0.5)
    denoiser = Denoiser()
    noisy = []
    for start in range(0, len(pcm), 3200):
        denoiser(pcm[start : start + 3200])
        noisy.append(denoiser.noisy)
    assert len(pcm) / 2 / RATE > 6.0 and not any(noisy)
