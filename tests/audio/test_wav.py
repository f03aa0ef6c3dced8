"""WavSource: any WAV file in, 16 kHz mono 16-bit PCM chunks out, like a microphone."""

from __future__ import annotations

import logging
import shutil
import struct
import subprocess
from pathlib import Path

import numpy as np
import pytest

from voicecoach.audio.wav import WavSource, read_pcm16k
from voicecoach.errors import AudioError

RATE = 16000


def tone(freq: float, rate: int, seconds: float = 1.0, level: float = 0.5) -> np.ndarray:
    return level * np.sin(2 * np.pi * freq * np.arange(int(rate * seconds)) / rate)


def wav_bytes(signal: np.ndarray, rate: int, channels: int = 1, bits: int = 16,
              floating: bool = False, extensible: bool = False) -> bytes:
    """A WAV file, built by hand so every format variant can be made without tools."""
    frames = np.repeat(signal[:, None], channels, axis=1).ravel()
    if floating:
        data = frames.astype("<f4").tobytes()
    elif bits == 8:
        data = np.clip(np.round(frames * 128 + 128), 0, 255).astype(np.uint8).tobytes()
    elif bits == 24:
        ints = np.clip(np.round(frames * 2**23), -(2**23), 2**23 - 1).astype("<i4")
        data = ints.view(np.uint8).reshape(-1, 4)[:, :3].tobytes()
    else:
        dtype = "<i2" if bits == 16 else "<i4"
        scale = 2.0 ** (bits - 1)
        data = np.clip(np.round(frames * scale), -scale, scale - 1).astype(dtype).tobytes()
    tag = 3 if floating else 1
    block = channels * bits // 8
    fmt = struct.pack("<HHIIHH", 0xFFFE if extensible else tag, channels, rate, rate * block,
                      block, bits)
    if extensible:
        guid_tail = b"\x00\x00\x00\x00\x10\x00\x80\x00\x00\xaa\x00\x38\x9b\x71"
        fmt += struct.pack("<HHIH", 22, bits, 0, tag) + guid_tail
    chunks = b"fmt " + struct.pack("<I", len(fmt)) + fmt + b"data" + struct.pack("<I", len(data))
    body = b"WAVE" + chunks + data
    return b"RIFF" + struct.pack("<I", len(body)) + body


def write(tmp_path: Path, blob: bytes, name: str = "in.wav") -> Path:
    path = tmp_path / name
    path.write_bytes(blob)
    return path


def samples(pcm: bytes) -> np.ndarray:
    return np.frombuffer(pcm, dtype="<i2").astype(np.float64) / 32768.0


def peak_hz(signal: np.ndarray, rate: int = RATE) -> float:
    spectrum = np.abs(np.fft.rfft(signal * np.hanning(len(signal))))
    return float(np.argmax(spectrum) * rate / len(signal))


def test_16k_mono_16bit_passes_through_unchanged(tmp_path: Path) -> None:
    signal = tone(440, RATE)
    blob = wav_bytes(signal, RATE)
    assert read_pcm16k(write(tmp_path, blob)) == blob[44:]


@pytest.mark.parametrize(("rate", "channels", "bits"), [
    (44100, 2, 16), (48000, 1, 24), (22050, 1, 32), (8000, 1, 8), (11025, 6, 16)])
def test_any_rate_channels_and_width_become_16k_mono(tmp_path: Path, rate: int, channels: int,
                                                     bits: int) -> None:
    path = write(tmp_path, wav_bytes(tone(440, rate), rate, channels, bits))
    out = samples(read_pcm16k(path))
    assert abs(len(out) - RATE) <= 1
    assert peak_hz(out) == pytest.approx(440, abs=2)
    middle = out[1000:-1000]
    assert np.sqrt(np.mean(middle**2)) == pytest.approx(0.5 / np.sqrt(2), rel=0.05)


@pytest.mark.parametrize("floating", [False, True])
def test_extensible_and_float_files_are_read(tmp_path: Path, floating: bool) -> None:
    bits = 32 if floating else 24
    path = write(tmp_path, wav_bytes(tone(1000, 48000), 48000, 2, bits, floating, extensible=True))
    assert peak_hz(samples(read_pcm16k(path))) == pytest.approx(1000, abs=2)


def test_downsampling_removes_what_16k_cannot_hold(tmp_path: Path) -> None:
    """A 12 kHz tone would fold back to 4 kHz without the anti-aliasing filter."""
    path = write(tmp_path, wav_bytes(tone(12000, 48000), 48000))
    level = np.sqrt(np.mean(samples(read_pcm16k(path))[500:-500] ** 2))
    assert 20 * np.log10(level / (0.5 / np.sqrt(2)) + 1e-9) < -40


def test_chunks_are_100_ms_and_add_up_to_the_file(tmp_path: Path) -> None:
    path = write(tmp_path, wav_bytes(tone(440, 44100, seconds=0.95), 44100))
    chunks = list(WavSource(path).chunks())
    assert [len(c) for c in chunks[:-1]] == [3200] * 9
    assert 0 < len(chunks[-1]) <= 3200
    assert b"".join(chunks) == read_pcm16k(path)


def test_a_file_cut_short_is_read_as_far_as_it_goes_with_a_warning(
        tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    whole = wav_bytes(tone(440, RATE, seconds=1.0), RATE)
    kept = len(whole) * 2 // 3 - 44
    cut = write(tmp_path, whole[: 44 + kept])
    with caplog.at_level(logging.WARNING):
        assert len(read_pcm16k(cut)) == kept
    assert f"{cut} is cut short: {kept} of its 32000 bytes of data are there" in caplog.text


def test_a_stream_of_unknown_length_is_read_without_a_warning(
        tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    whole = bytearray(wav_bytes(tone(440, RATE, seconds=0.5), RATE))
    struct.pack_into("<I", whole, 40, 0xFFFFFFFF)  # as a recorder writing to a pipe does
    with caplog.at_level(logging.WARNING):
        assert len(read_pcm16k(write(tmp_path, bytes(whole)))) == len(whole) - 44
    assert caplog.text == ""


def test_close_stops_the_chunks(tmp_path: Path) -> None:
    source = WavSource(write(tmp_path, wav_bytes(tone(440, RATE, seconds=2.0), RATE)))
    chunks = source.chunks()
    next(chunks)
    source.close()
    assert list(chunks) == []


@pytest.mark.parametrize(("content", "says"), [
    (None, "does not exist"),
    (b"", "is empty"),
    (b"this is a text file, not audio\n", "is not a WAV file"),
    (wav_bytes(np.zeros(0), RATE), "holds no audio"),
    (wav_bytes(tone(440, RATE), RATE)[:20], "damaged"),
])
def test_unusable_files_raise_one_sentence_naming_the_file(tmp_path: Path, content: bytes | None,
                                                            says: str) -> None:
    path = tmp_path / "take 1.wav"
    if content is not None:
        path.write_bytes(content)
    with pytest.raises(AudioError) as caught:
        WavSource(path)
    message = str(caught.value)
    assert str(path) in message and says in message
    assert message.count(". ") == 0 and message.endswith(".")


def test_unsupported_sample_format_says_how_to_convert(tmp_path: Path) -> None:
    blob = bytearray(wav_bytes(tone(440, RATE), RATE))
    blob[20:22] = struct.pack("<H", 2)  # ADPCM
    with pytest.raises(AudioError, match="sox"):
        WavSource(write(tmp_path, bytes(blob)))


@pytest.mark.audio
@pytest.mark.skipif(shutil.which("sox") is None, reason="needs sox")
def test_a_file_written_by_sox_reads_like_the_same_sound_at_16k(tmp_path: Path) -> None:
    source = write(tmp_path, wav_bytes(tone(440, RATE), RATE), "mono16k.wav")
    converted = tmp_path / "stereo44k24bit.wav"
    subprocess.run(["sox", str(source), "-r", "44100", "-c", "2", "-b", "24", str(converted)],
                   check=True, capture_output=True)
    back = samples(read_pcm16k(converted))
    original = samples(read_pcm16k(source))
    assert abs(len(back) - len(original)) <= 2
    n = min(len(back), len(original)) - 400
    assert np.max(np.abs(back[200:n] - original[200:n])) < 0.02


def test_a_long_file_is_read_a_block_at_a_time_in_flat_memory(tmp_path: Path) -> None:
    """A minute of 48 kHz stereo float is 23 MB; read whole and made float64 it took four times
    that (30 minutes: 4.9 GB)."""
    import tracemalloc

    path = write(tmp_path, wav_bytes(tone(440, 48000, seconds=60.0, level=0.1), 48000, 2,
                                     32, floating=True))
    tracemalloc.start()
    try:
        total = sum(len(chunk) for chunk in WavSource(path).chunks())
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert abs(total - 60 * RATE * 2) <= 2
    assert peak < 4_000_000


def test_a_file_through_a_pipe_of_unknown_length_is_read_to_its_end(tmp_path: Path) -> None:
    import os
    import threading

    whole = bytearray(wav_bytes(tone(440, 44100, seconds=2.0), 44100))
    struct.pack_into("<I", whole, 40, 0xFFFFFFFF)
    pipe = tmp_path / "pipe.wav"
    os.mkfifo(pipe)
    writer = threading.Thread(target=pipe.write_bytes, args=(bytes(whole),))
    writer.start()
    assert abs(len(read_pcm16k(pipe)) - 2 * RATE * 2) <= 2
    writer.join()


@pytest.mark.skipif(not Path("/dev/zero").exists(), reason="no /dev/zero")
def test_a_device_that_never_ends_is_refused_from_its_first_bytes() -> None:
    with pytest.raises(AudioError, match="^/dev/zero is not a WAV file"):
        WavSource("/dev/zero")


def test_a_folder_is_named_as_one(tmp_path: Path) -> None:
    with pytest.raises(AudioError, match="is a folder, not an audio file"):
        WavSource(tmp_path)


def test_nan_samples_are_silence_without_a_warning(tmp_path: Path) -> None:
    import warnings

    signal = tone(440, RATE)
    signal[RATE // 2:] = np.nan
    path = write(tmp_path, wav_bytes(signal, RATE, bits=32, floating=True))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        out = samples(read_pcm16k(path))
    assert not out[RATE // 2:].any() and out[: RATE // 2].any()


def test_a_header_with_no_samples_after_it_is_one_message(
        tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    path = write(tmp_path, wav_bytes(tone(440, RATE), RATE)[:44])
    with caplog.at_level(logging.WARNING), pytest.raises(AudioError, match="holds no audio"):
        WavSource(path)
    assert caplog.text == ""
