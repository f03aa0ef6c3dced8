"""WAV files as an AudioSource: any rate, channel count and sample format in, 16 kHz mono out.

The RIFF container is parsed here rather than with the standard ``wave`` module, because that
module (before Python 3.12) refuses WAVE_FORMAT_EXTENSIBLE, which sox and most recorders write
for 24-bit, 32-bit and multi-channel files.
"""

from __future__ import annotations

import logging
import struct
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from voicecoach.audio.resample import resample
from voicecoach.errors import AudioError
from voicecoach.ports import SAMPLE_RATE

log = logging.getLogger(__name__)

CHUNK_SECONDS = 0.1
"""Length of each chunk a WavSource yields."""
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
    """Reads a WAV file and yields it as 16 kHz mono 16-bit PCM chunks, like a microphone."""

    def __init__(self, path: Path | str, chunk_seconds: float = CHUNK_SECONDS) -> None:
        self.path = Path(path)
        self.format, self._data = read_wav(self.path)
        self._chunk_bytes = 2 * max(1, int(chunk_seconds * SAMPLE_RATE))
        self._closed = False

    def chunks(self) -> Iterator[bytes]:
        """Yield the whole file as PCM chunks; the last one may be shorter."""
        pcm = convert(self._data, self.format)
        for start in range(0, len(pcm), self._chunk_bytes):
            if self._closed:
                return
            yield pcm[start : start + self._chunk_bytes]

    def close(self) -> None:
        self._closed = True


def read_pcm16k(path: Path | str) -> bytes:
    """The whole WAV file as 16 kHz mono 16-bit little-endian PCM."""
    fmt, data = read_wav(Path(path))
    return convert(data, fmt)


def read_wav(path: Path) -> tuple[WavFormat, bytes]:
    """The format and the raw sample bytes of a WAV file; AudioError when it cannot be used."""
    try:
        blob = path.read_bytes()
    except FileNotFoundError as exc:
        raise AudioError(f"Audio file {path} does not exist; check the path.") from exc
    except OSError as exc:
        raise AudioError(f"Audio file {path} cannot be read ({exc.strerror}); "
                         "check its permissions.") from exc
    if not blob:
        raise AudioError(f"Audio file {path} is empty; record or export it again as a WAV file.")
    if blob[:4] not in (b"RIFF", b"RIFX") or blob[8:12] != b"WAVE":
        raise AudioError(f"{path} is not a WAV file; {CONVERT}.")
    if blob[:4] == b"RIFX":
        raise AudioError(f"{path} is a big-endian WAV file; {CONVERT}.")
    chunks = _riff_chunks(blob, path)
    if b"fmt " not in chunks or b"data" not in chunks:
        raise AudioError(f"{path} is a damaged WAV file (no format or data chunk); {CONVERT}.")
    fmt = _parse_format(chunks[b"fmt "], path)
    frame = fmt.channels * fmt.bits // 8
    data = chunks[b"data"]
    data = data[: len(data) - len(data) % frame]
    if not data:
        raise AudioError(f"{path} holds no audio samples; record or export it again.")
    log.debug("%s: %d Hz, %d channel(s), %d-bit, %.2f s", path, fmt.rate, fmt.channels,
              fmt.bits, len(data) / frame / fmt.rate)
    if fmt.rate < NARROWBAND_RATE:
        log.warning("%s is recorded at %d Hz, which loses the higher sounds of speech: it will "
                    "be misheard more often; record at 16000 Hz or more", path, fmt.rate)
    return fmt, data


def _riff_chunks(blob: bytes, path: Path) -> dict[bytes, bytes]:
    """The top-level chunks of a RIFF file by id; a truncated last chunk is cut at the end, with
    a warning unless its size says the file was written as a stream (of unknown length)."""
    chunks: dict[bytes, bytes] = {}
    pos = 12
    while pos + 8 <= len(blob):
        chunk_id, size = struct.unpack_from("<4sI", blob, pos)
        chunks.setdefault(chunk_id, blob[pos + 8 : pos + 8 + size])
        if len(blob) < pos + 8 + size < STREAMED:
            log.warning("%s is cut short: %d of its %d bytes of %s are there; what is missing "
                        "is not heard", path, len(blob) - pos - 8, size,
                        chunk_id.decode("latin-1").strip())
        pos += 8 + size + (size & 1)
    return chunks


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


def convert(data: bytes, fmt: WavFormat) -> bytes:
    """Raw WAV samples to 16 kHz mono 16-bit little-endian PCM."""
    samples = decode_samples(data, fmt).reshape(-1, fmt.channels).mean(axis=1)
    pcm = np.clip(np.round(samples * 32768.0), -32768, 32767).astype("<i2").tobytes()
    return resample(pcm, fmt.rate, SAMPLE_RATE)


def decode_samples(data: bytes, fmt: WavFormat) -> np.ndarray:
    """Interleaved samples as float64 in [-1, 1)."""
    if fmt.tag == FLOAT:
        return np.frombuffer(data, dtype="<f4" if fmt.bits == 32 else "<f8").astype(np.float64)
    if fmt.bits == 8:
        return (np.frombuffer(data, dtype=np.uint8).astype(np.float64) - 128.0) / 128.0
    if fmt.bits == 24:
        triples = np.frombuffer(data, dtype=np.uint8).reshape(-1, 3).astype(np.int32)
        ints = triples[:, 0] | (triples[:, 1] << 8) | (triples[:, 2] << 16)
        return np.where(ints >= 1 << 23, ints - (1 << 24), ints).astype(np.float64) / 2.0**23
    dtype = "<i2" if fmt.bits == 16 else "<i4"
    return np.frombuffer(data, dtype=dtype).astype(np.float64) / 2.0 ** (fmt.bits - 1)
