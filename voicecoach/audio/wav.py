"""WAV files as an AudioSource: any rate, channel count and sample format in, 16 kHz mono out.

The RIFF container is parsed here rather than with the standard ``wave`` module, because that
module (before Python 3.12) refuses WAVE_FORMAT_EXTENSIBLE, which sox and most recorders write
for 24-bit, 32-bit and multi-channel files.
"""

from __future__ import annotations

import logging
import os
import stat
import struct
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

import numpy as np

from voicecoach.audio.resample import Resampler
from voicecoach.errors import AudioError
from voicecoach.ports import SAMPLE_RATE

log = logging.getLogger(__name__)

CHUNK_SECONDS = 0.1
"""Length of each chunk a WavSource yields."""
BLOCK_SECONDS = 1.0
"""Seconds of the file read and converted at a time."""
STDIN = "-"
"""The file name that reads stdin."""
MAX_FORMAT = 1024
"""Bytes of a format chunk read at most (it holds 16 to 40)."""
PCM, FLOAT, EXTENSIBLE = 1, 3, 0xFFFE
"""WAV format tags."""
CONVERT = "convert it with: sox INPUT -r 16000 -c 1 -b 16 OUTPUT.wav"
STREAMED = 0x7FFF0000
"""A chunk size this large is a recorder's "length unknown" (arecord, sox to a pipe), not a
promise of so many bytes."""
NARROWBAND_RATE = 11025
"""Below this rate a recording has none of speech above half of it, which the recognizers'
16 kHz models listen for: at 8 kHz (a telephone's), "it hurts" alone came out "it didn't hurt";
at 11 025 Hz and up, as at 16 kHz."""


@dataclass(frozen=True)
class WavFormat:
    """What the fmt chunk of a WAV file says."""

    tag: int
    """PCM or FLOAT (an EXTENSIBLE file reports its sub-format here)."""
    channels: int
    rate: int
    """Hertz."""
    bits: int
    """Bits per sample of one channel."""


class WavSource:
    """Reads a WAV file and yields it as 16 kHz mono 16-bit PCM chunks, like a microphone: read
    and converted BLOCK_SECONDS at a time, so that memory stays flat whatever its length."""

    def __init__(self, path: Path | str, chunk_seconds: float = CHUNK_SECONDS) -> None:
        self.path = Path(path)
        self._file, self.format, self._size = open_wav(self.path)
        self._chunk_bytes = 2 * max(1, int(chunk_seconds * SAMPLE_RATE))
        self._closed = False

    def chunks(self) -> Iterator[bytes]:
        """Yield the whole file as PCM chunks; the last one may be shorter."""
        pending = bytearray()
        try:
            for pcm in self._converted():
                pending += pcm
                while len(pending) >= self._chunk_bytes and not self._closed:
                    yield bytes(pending[: self._chunk_bytes])
                    del pending[: self._chunk_bytes]
            if pending and not self._closed:
                yield bytes(pending)
        finally:
            self._file.close()

    def _converted(self) -> Iterator[bytes]:
        """The samples at 16 kHz mono, block by block; the resampler's delay taken out as
        resample() takes it out of a whole recording."""
        rate = self.format.rate
        resampler = Resampler(rate) if rate != SAMPLE_RATE else None
        skip = 2 * round(resampler.delay / resampler.step) if resampler else 0
        for data in self._blocks():
            pcm = to_pcm(data, self.format)
            if resampler:
                pcm = resampler(pcm)
                pcm, skip = pcm[skip:], max(0, skip - len(pcm))
            yield pcm
        if resampler and resampler.delay:
            yield resampler(bytes(2 * resampler.delay))[skip:]

    def _blocks(self) -> Iterator[bytes]:
        """The data chunk's whole frames, BLOCK_SECONDS at a time, as far as the file goes."""
        frame = self.format.channels * self.format.bits // 8
        block = frame * max(1, int(BLOCK_SECONDS * self.format.rate))
        left, got, carry = self._size, 0, b""
        while left > 0 and not self._closed:
            data = self._file.read(min(block, left))
            if not data:
                break
            left, got = left - len(data), got + len(data)
            data = carry + data
            whole = len(data) - len(data) % frame
            carry = data[whole:]
            if whole:
                yield data[:whole]
        if got < frame:
            raise AudioError(f"{self.path} holds no audio samples; record or export it again.")
        if left > 0 and self._size < STREAMED and not self._closed:
            log.warning("%s is cut short: %d of its %d bytes of data are there, and what is "
                        "missing is not heard; record or export it again.",
                        self.path, got, self._size)

    def close(self) -> None:
        self._closed = True


def read_pcm16k(path: Path | str) -> bytes:
    """The whole WAV file as 16 kHz mono 16-bit little-endian PCM."""
    return b"".join(WavSource(path).chunks())


def open_wav(path: Path) -> tuple[BinaryIO, WavFormat, int]:
    """The file, read up to its samples, their format and the bytes its data chunk holds (or
    STREAMED or more: until it ends); AudioError when it cannot be used."""
    file = _open(path)
    try:
        fmt, size = _read_header(file, path)
    except BaseException:
        file.close()
        raise
    if size < STREAMED and _regular(file) and _left(file) < fmt.channels * fmt.bits // 8:
        file.close()
        raise AudioError(f"{path} holds no audio samples; record or export it again.")
    log.debug("%s: %d Hz, %d channel(s), %d-bit", path, fmt.rate, fmt.channels, fmt.bits)
    if fmt.rate < NARROWBAND_RATE:
        log.warning("%s is recorded at %d Hz, which loses the higher sounds of speech: it will "
                    "be misheard more often; record at 16000 Hz or more.", path, fmt.rate)
    return file, fmt, size


def _open(path: Path) -> BinaryIO:
    """The file; "-" is stdin."""
    if str(path) == STDIN:
        return open(sys.stdin.fileno(), "rb", closefd=False)
    try:
        return path.open("rb")
    except FileNotFoundError as exc:
        raise AudioError(f"Audio file {path} does not exist; check the path.") from exc
    except IsADirectoryError as exc:
        raise AudioError(f"{path} is a folder, not an audio file; name a WAV file in it.") from exc
    except OSError as exc:
        raise AudioError(f"Audio file {path} cannot be read ({exc.strerror}); "
                         "check its permissions.") from exc


def _regular(file: BinaryIO) -> bool:
    return stat.S_ISREG(os.fstat(file.fileno()).st_mode)


def _left(file: BinaryIO) -> int:
    return os.fstat(file.fileno()).st_size - file.tell()


def _read_header(file: BinaryIO, path: Path) -> tuple[WavFormat, int]:
    """Read the RIFF chunks up to the data chunk: the format, and the size the data claims."""
    head = _read(file, 12, path)
    if not head:
        raise AudioError(f"Audio file {path} is empty; record or export it again as a WAV file.")
    if head[:4] not in (b"RIFF", b"RIFX") or head[8:12] != b"WAVE":
        raise AudioError(f"{path} is not a WAV file; {CONVERT}.")
    if head[:4] == b"RIFX":
        raise AudioError(f"{path} is a big-endian WAV file; {CONVERT}.")
    fmt: WavFormat | None = None
    while len(chunk := _read(file, 8, path)) == 8:
        chunk_id, size = struct.unpack("<4sI", chunk)
        if chunk_id == b"data" and fmt is not None:
            return fmt, size
        if chunk_id == b"fmt " and fmt is None:
            fmt = _parse_format(_read(file, min(size, MAX_FORMAT), path), path)
            size -= min(size, MAX_FORMAT)
        _skip(file, size + (size & 1), path)
    raise AudioError(f"{path} is a damaged WAV file (no format or data chunk); {CONVERT}.")


def _read(file: BinaryIO, size: int, path: Path) -> bytes:
    try:
        return file.read(size)
    except OSError as exc:
        raise AudioError(f"Audio file {path} cannot be read ({exc.strerror}); "
                         "check its permissions.") from exc


def _skip(file: BinaryIO, size: int, path: Path) -> None:
    """Pass over a chunk the coach does not use (LIST, fact, ...), also in a pipe."""
    while size > 0 and (data := _read(file, min(size, 1 << 16), path)):
        size -= len(data)


def _parse_format(fmt: bytes, path: Path) -> WavFormat:
    if len(fmt) < 16:
        raise AudioError(f"{path} has a damaged format chunk; {CONVERT}.")
    tag, channels, rate, _, _, bits = struct.unpack_from("<HHIIHH", fmt)
    if tag == EXTENSIBLE and len(fmt) >= 26:
        tag = struct.unpack_from("<H", fmt, 24)[0]
    supported = (tag == PCM and bits in (8, 16, 24, 32)) or (tag == FLOAT and bits in (32, 64))
    if not supported or channels < 1 or rate < 1000:
        raise AudioError(f"{path} holds audio voicecoach cannot read (format {tag}, "
                         f"{bits}-bit, {channels} channel(s), {rate} Hz); {CONVERT}.")
    return WavFormat(tag, channels, rate, bits)


def to_pcm(data: bytes, fmt: WavFormat) -> bytes:
    """Raw WAV samples (whole frames) to mono 16-bit little-endian PCM at their own rate."""
    samples = decode_samples(data, fmt).reshape(-1, fmt.channels).mean(axis=1)
    return bytes(np.clip(np.round(samples * 32768.0), -32768, 32767).astype("<i2").tobytes())


def decode_samples(data: bytes, fmt: WavFormat) -> np.ndarray:
    """Interleaved samples as float64 in [-1, 1)."""
    if fmt.tag == FLOAT:  # NaN is silence, infinity full scale
        floats = np.frombuffer(data, dtype="<f4" if fmt.bits == 32 else "<f8")
        return np.nan_to_num(floats.astype(np.float64), nan=0.0, posinf=1.0, neginf=-1.0)
    if fmt.bits == 8:
        return (np.frombuffer(data, dtype=np.uint8).astype(np.float64) - 128.0) / 128.0
    if fmt.bits == 24:
        triples = np.frombuffer(data, dtype=np.uint8).reshape(-1, 3).astype(np.int32)
        ints = triples[:, 0] | (triples[:, 1] << 8) | (triples[:, 2] << 16)
        return np.where(ints >= 1 << 23, ints - (1 << 24), ints).astype(np.float64) / 2.0**23
    dtype = "<i2" if fmt.bits == 16 else "<i4"
    return np.frombuffer(data, dtype=dtype).astype(np.float64) / 2.0 ** (fmt.bits - 1)
