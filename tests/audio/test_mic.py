"""MicSource on the virtual ALSA microphone: what is fed into the pipe comes out of chunks()."""

from __future__ import annotations

import threading
import time
from typing import Any

import numpy as np
import pytest
import sounddevice
from alsa import MIC, SPEAKER, VirtualAudio
from speech import missing_tools, synthesize

from voicecoach.audio import mic as mic_module
from voicecoach.audio.mic import CLOSE_SECONDS, STALL_SECONDS, MicSource
from voicecoach.audio.resample import Resampler
from voicecoach.audio.speaker import TtsSpeaker
from voicecoach.errors import AudioError

audio = pytest.mark.audio
BYTES_PER_SECOND = 32000
"""16 kHz, 16-bit, mono."""


def record(mic: MicSource, seconds: float) -> bytes:
    heard = bytearray()
    for chunk in mic.chunks():
        heard += chunk
        if len(heard) >= seconds * BYTES_PER_SECOND:
            break
    return bytes(heard)


def tone(hertz: float, seconds: float, rate: int = 16000, amplitude: float = 8000) -> np.ndarray:
    return amplitude * np.sin(2 * np.pi * hertz * np.arange(int(seconds * rate)) / rate)


def pcm(signal: np.ndarray) -> bytes:
    return np.round(signal).astype("<i2").tobytes()


def peak_hertz(samples: np.ndarray, rate: int = 16000) -> float:
    spectrum = np.abs(np.fft.rfft(samples * np.hanning(len(samples))))
    return float(np.argmax(spectrum) * rate / len(samples))


@audio
@pytest.mark.skipif(bool(missing_tools()), reason="needs espeak-ng and sox")
def test_the_microphone_delivers_speech_fed_to_the_device_sample_for_sample(
        virtual_audio: VirtualAudio) -> None:
    speech = synthesize("start glute bridge", lead=0.2, trail=0.2)
    with MicSource(MIC) as mic:
        virtual_audio.feed(speech)
        heard = record(mic, len(speech) / BYTES_PER_SECOND + 0.5)
    offset = heard.find(speech)
    assert offset >= 0
    assert offset % 2 == 0


@audio
def test_chunks_come_in_real_time_in_blocks_of_block_ms(virtual_audio: VirtualAudio) -> None:
    with MicSource(MIC, block_ms=50) as mic:
        start = time.monotonic()
        sizes = [len(chunk) for chunk, _ in zip(mic.chunks(), range(20), strict=False)]
        elapsed = time.monotonic() - start
    assert set(sizes) == {1600}
    assert 0.7 < elapsed < 1.5  # 20 blocks of 50 ms; the first may have waited in the pipe


@audio
def test_a_device_that_cannot_record_16k_is_recorded_at_its_rate_and_resampled(
        virtual_audio: VirtualAudio, monkeypatch: pytest.MonkeyPatch) -> None:
    import sounddevice as sd

    def refuse_16k(**settings: Any) -> None:
        if settings["samplerate"] == 16000:
            raise sd.PortAudioError("Invalid sample rate")

    monkeypatch.setattr(sd, "check_input_settings", refuse_16k)
    with MicSource(MIC) as mic:
        assert mic.rate == 48000
        virtual_audio.feed(pcm(tone(1000, 1.5)))
        heard = np.frombuffer(record(mic, 2.0), "<i2").astype(np.float64)
    loud = heard[np.flatnonzero(np.abs(heard) > 4000)[0]:][4000:20000]
    assert peak_hertz(loud) == pytest.approx(1000, abs=5)
    assert loud.std() == pytest.approx(8000 / np.sqrt(2), rel=0.15)


@audio
def test_with_echo_the_microphone_hears_what_the_speaker_plays(
        virtual_audio: VirtualAudio) -> None:
    virtual_audio.echo = 0.5
    with MicSource(MIC) as mic, TtsSpeaker(output_device=SPEAKER) as speaker:
        quiet = np.frombuffer(record(mic, 0.5), "<i2").std()
        speaker.say("Switch sides now.")
        heard = np.frombuffer(record(mic, 1.5), "<i2").std()
    assert heard > 20 * quiet


@audio
def test_each_block_is_cleaned_before_it_is_yielded(virtual_audio: VirtualAudio) -> None:
    given: list[bytes] = []
    times: list[float] = []

    def clean(pcm: bytes, captured_at: float) -> bytes:
        given.append(pcm)
        times.append(captured_at)
        return bytes(len(pcm) // 2)  # the first half, as silence

    opened = time.monotonic()
    with MicSource(MIC, clean=clean) as mic:
        heard = record(mic, 1.0)
    assert len(given) >= 9 and all(len(pcm) == 3200 for pcm in given)  # 100 ms blocks
    assert heard == b"".join(bytes(len(pcm) // 2) for pcm in given)  # what clean returned
    assert opened < times[0] and times == sorted(times)  # when each block was captured
    assert 0.05 < (times[-1] - times[0]) / (len(times) - 1) < 0.2  # 100 ms apart, on average


@audio
def test_an_unknown_microphone_says_how_to_pick_one(virtual_audio: VirtualAudio) -> None:
    with pytest.raises(AudioError, match="`voicecoach devices`.*--input-device"):
        MicSource("usb headset")


@audio
def test_a_consumer_that_falls_behind_loses_what_overfills_the_queue_and_says_so(
        virtual_audio: VirtualAudio, monkeypatch: pytest.MonkeyPatch,
        caplog: pytest.LogCaptureFixture) -> None:
    """The callback never waits for the consumer: blocks that find the queue full are dropped,
    counted and logged once, and what comes after still arrives."""
    monkeypatch.setattr(mic_module, "QUEUE_SECONDS", 0.5)
    with MicSource(MIC) as mic:
        time.sleep(1.5)
        assert mic.dropped >= 5
        with caplog.at_level("WARNING", logger="voicecoach.audio.mic"):
            assert len(record(mic, 1.0)) >= BYTES_PER_SECOND
    lost = [r.getMessage() for r in caplog.records if "lost audio" in r.getMessage()]
    assert len(lost) >= 1
    assert lost[0].startswith("microphone lost audio: 0 overflowed blocks, ")
    assert int(lost[0].split(", ")[1].split()[0]) >= 5


@audio
def test_an_overflow_portaudio_reports_is_counted_and_logged(
        virtual_audio: VirtualAudio, caplog: pytest.LogCaptureFixture) -> None:
    flags = sounddevice.CallbackFlags()
    flags.input_overflow = True
    with MicSource(MIC) as mic, caplog.at_level("WARNING", logger="voicecoach.audio.mic"):
        chunks = mic.chunks()
        next(chunks)
        mic._on_audio(bytes(3200), 1600, None, flags)
        next(chunks)
        assert mic.overflows == 1
    assert "microphone lost audio: 1 overflowed blocks, 0 dropped blocks" in caplog.text


@audio
def test_a_microphone_that_stops_delivering_raises_within_a_few_seconds(
        virtual_audio: VirtualAudio) -> None:
    with MicSource(MIC) as mic:
        chunks = mic.chunks()
        next(chunks)
        virtual_audio.disconnect()
        start = time.monotonic()
        with pytest.raises(AudioError, match="^The microphone stopped: no audio arrived"):
            for _ in chunks:
                pass
        assert time.monotonic() - start < STALL_SECONDS + 1.0
        virtual_audio.reconnect()  # else PortAudio cannot close the stream (see alsa.py)


@audio
def test_closing_a_stalled_microphone_does_not_hang(virtual_audio: VirtualAudio) -> None:
    mic = MicSource(MIC)
    next(mic.chunks())
    virtual_audio.disconnect()
    time.sleep(0.3)
    start = time.monotonic()
    mic.close()
    assert time.monotonic() - start < CLOSE_SECONDS + 0.5


@audio
def test_no_microphone_opens_beside_one_still_stuck_until_it_lets_go(
        virtual_audio: VirtualAudio) -> None:
    """Else each stall would leave one more stream behind, stuck in the driver for good."""
    mic = MicSource(MIC)
    next(mic.chunks())
    virtual_audio.disconnect()
    time.sleep(0.3)
    mic.close()  # left behind: it waits for the device in a read
    for _ in range(3):
        with pytest.raises(AudioError, match="^The microphone is still stuck in its driver"):
            MicSource(MIC)
    virtual_audio.reconnect()
    deadline = time.monotonic() + 5.0
    while mic_module._still_stuck() and time.monotonic() < deadline:
        time.sleep(0.1)
    with MicSource(MIC) as again:
        assert next(again.chunks())


class DyingStream:
    """A PortAudio stream whose device vanishes 0.2 s after it starts."""

    def __init__(self, finished_callback: Any, **settings: Any) -> None:
        self._finished = finished_callback

    def start(self) -> None:
        threading.Timer(0.2, self._finished).start()

    def abort(self) -> None:
        pass

    def close(self) -> None:
        pass


@audio
def test_a_stream_that_ends_by_itself_raises_at_once(
        virtual_audio: VirtualAudio, monkeypatch: pytest.MonkeyPatch) -> None:
    import sounddevice as sd

    monkeypatch.setattr(sd, "RawInputStream", DyingStream)
    with MicSource(MIC, stall_seconds=30) as mic:
        start = time.monotonic()
        with pytest.raises(AudioError, match="^The microphone stopped: its audio stream ended"):
            list(mic.chunks())
        assert time.monotonic() - start < 1.0


@audio
def test_closing_the_microphone_from_another_thread_ends_chunks(
        virtual_audio: VirtualAudio) -> None:
    with MicSource(MIC) as mic:
        threading.Timer(0.3, mic.close).start()
        start = time.monotonic()
        list(mic.chunks())
        assert time.monotonic() - start < 1.0


def test_resampling_block_by_block_leaves_no_seams() -> None:
    signal = pcm(tone(1000, 1.0, rate=48000))
    whole = Resampler(48000)(signal)
    blocks, resampler = bytearray(), Resampler(48000)
    for start in range(0, len(signal), 2 * 997):
        blocks += resampler(signal[start : start + 2 * 997])
    assert len(blocks) == len(whole)
    difference = np.frombuffer(bytes(blocks), "<i2") - np.frombuffer(whole, "<i2").astype(int)
    assert np.abs(difference).max() <= 1


def test_resampling_keeps_speech_frequencies_and_drops_what_16k_cannot_carry() -> None:
    kept = np.frombuffer(Resampler(48000)(pcm(tone(1000, 1.0, rate=48000))), "<i2")[100:]
    dropped = np.frombuffer(Resampler(48000)(pcm(tone(12000, 1.0, rate=48000))), "<i2")[100:]
    assert peak_hertz(kept.astype(np.float64)) == pytest.approx(1000, abs=2)
    assert kept.std() == pytest.approx(8000 / np.sqrt(2), rel=0.02)
    assert dropped.std() < 0.01 * 8000
