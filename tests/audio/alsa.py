"""Test helper: a virtual ALSA microphone and speaker, for a machine with no sound card.

`VirtualAudio` writes a `$HOME/.asoundrc` into its own folder that defines two PCMs:

- `virtual_mic`: ALSA's `file` plugin reading raw 16 kHz mono S16_LE from a named pipe
  (`infile`); a feeder thread writes that pipe at real-time pace, so the capture stream runs like
  a person talking. Between `feed()`s it writes a faint noise floor, like a quiet room.
- `virtual_speaker`: the `file` plugin writing into a second named pipe, which a reader thread
  drains at real-time pace (48 kHz stereo S16_LE), so playback takes as long as the sound lasts
  and what was played can be inspected with timestamps. With `echo` > 0 the microphone hears
  what the speaker plays, as in a real room: through `Room`, a reverberant impulse response.

Both are wrapped in `plug`, so an application may open them at any rate, format and channel count;
`default` points at the pair. PortAudio reads the config when it initializes: point HOME at
`VirtualAudio.home` (or run a child process with `VirtualAudio.env`) and then (re)initialize it
(`sounddevice._terminate(); sounddevice._initialize()`).

Why the pipes are shaped the way they are (measured with strace on alsa-lib 1.2.8, PortAudio 19.6):
the `null` slave has no clock, so capture runs exactly as fast as the infile delivers; the plugin
does one read() per period and fills what the read did not return with stale buffer contents. So
the feeder writes whole chunks of CHUNK_MS (one atomic write, under PIPE_BUF) and the microphone
must read periods that divide a chunk (100, 50, 20 or 10 ms). Both pipes are shrunk to one page:
nothing stale piles up while no stream is open, and the speaker pipe holds only 21 ms, like a
small hardware buffer. A capture stream stalled by disconnect() cannot be closed by PortAudio
(its thread waits in read(), where it does not accept cancellation): reconnect() or close() first.
"""

from __future__ import annotations

import errno
import fcntl
import os
import threading
import time
from collections.abc import Callable
from pathlib import Path
from types import TracebackType

import numpy as np

from voicecoach.audio.resample import Resampler

MIC = "virtual_mic"
"""Name of the capture device PortAudio lists."""
SPEAKER = "virtual_speaker"
"""Name of the playback device PortAudio lists."""
MIC_RATE = 16000
"""Hertz; raw S16_LE mono in the microphone pipe."""
SPEAKER_RATE = 48000
"""Hertz; raw S16_LE in the speaker pipe."""
SPEAKER_CHANNELS = 2
"""Stereo, like most speakers: one page of pipe then holds 21 ms, like a small hardware buffer."""
CHUNK_MS = 100
"""Milliseconds of audio per write to the microphone pipe (3200 bytes: under PIPE_BUF)."""
TICK_MS = 10
"""Milliseconds between two reads of the speaker pipe."""
PIPE_BYTES = 4096
"""Capacity both pipes are shrunk to (one page, the minimum)."""
NOISE_RMS = 10.0
"""int16 units (about -70 dBFS): the idle microphone's noise floor."""
SPEECH_LEVEL = 500
"""int16 units: played audio louder than this at its peak is speech, not silence."""
SLACK_TICKS = 5
"""Ticks (50 ms) the virtual speaker waits for a late writer before it plays silence."""
ECHO_MARGIN = 960
"""Bytes of echo (30 ms) that must wait behind a chunk before the microphone hears it."""
RT60 = 0.3
"""Seconds the room's echo takes to fade by 60 dB: a furnished living room."""

F_SETPIPE_SZ = getattr(fcntl, "F_SETPIPE_SZ", 1031)

ASOUNDRC = """\
pcm.{mic} {{
    type plug
    slave {{
        pcm {{ type file; slave.pcm "null"; file "/dev/null"; infile "{mic_fifo}"; format "raw" }}
        format S16_LE
        rate {mic_rate}
        channels 1
    }}
    hint.description "voicecoach test microphone"
}}
pcm.{speaker} {{
    type plug
    slave {{
        pcm {{ type file; slave.pcm "null"; file "{speaker_fifo}"; format "raw" }}
        format S16_LE
        rate {speaker_rate}
        channels {speaker_channels}
    }}
    hint.description "voicecoach test speaker"
}}
pcm.!default {{ type asym; playback.pcm "{speaker}"; capture.pcm "{mic}" }}
"""


def asoundrc(mic_fifo: Path, speaker_fifo: Path) -> str:
    """The ALSA config that turns the two pipes into a microphone and a speaker."""
    return ASOUNDRC.format(mic=MIC, speaker=SPEAKER, mic_fifo=mic_fifo, speaker_fifo=speaker_fifo,
                           mic_rate=MIC_RATE, speaker_rate=SPEAKER_RATE,
                           speaker_channels=SPEAKER_CHANNELS)


def open_pipe(path: Path) -> int:
    """Make a named pipe and hold it open both ways, so neither side of ALSA ever blocks on open."""
    os.mkfifo(path)
    fd = os.open(path, os.O_RDWR | os.O_NONBLOCK)
    fcntl.fcntl(fd, F_SETPIPE_SZ, PIPE_BYTES)
    return fd


def every(period: float, step: Callable[[], None], stop: threading.Event) -> None:
    """Call step on absolute deadlines of the monotonic clock until stop is set."""
    deadline = time.monotonic()
    while not stop.is_set():
        step()
        deadline += period
        stop.wait(max(0.0, deadline - time.monotonic()))


class VirtualAudio:
    """A virtual microphone and speaker living in `root`; use as a context manager."""

    def __init__(self, root: Path, noise_rms: float = NOISE_RMS, echo: float = 0.0) -> None:
        self.home = root
        self.mic_fifo = root / "mic.fifo"
        self.speaker_fifo = root / "speaker.fifo"
        self.noise_rms = noise_rms
        self.echo = echo
        """Gain at which what the speaker plays reaches the microphone (0: not at all)."""
        self._pending = bytearray()
        self._room_sound = bytearray()
        self._to_mic_rate = Resampler(SPEAKER_RATE, MIC_RATE)
        self._room_echo = Room()
        self._echo_flowing = False
        self._owed = 0
        """Bytes the last reads of the speaker fell short of a tick each."""
        self._idle = 0
        """Reads in a row that found nothing played."""
        self._played: list[tuple[float, bytes]] = []
        self._connected = True
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []
        self._fds: list[int] = []
        self._rng = np.random.default_rng(0)

    @property
    def env(self) -> dict[str, str]:
        """os.environ with HOME pointing here: for a child process that should see the devices."""
        return {**os.environ, "HOME": str(self.home)}

    def __enter__(self) -> VirtualAudio:
        self._mic_fd = open_pipe(self.mic_fifo)
        self._speaker_fd = open_pipe(self.speaker_fifo)
        self._fds = [self._mic_fd, self._speaker_fd]
        (self.home / ".asoundrc").write_text(asoundrc(self.mic_fifo, self.speaker_fifo))
        self._start(CHUNK_MS / 1000, self._feed_step, "virtual-mic")
        self._start(TICK_MS / 1000, self._drain_step, "virtual-speaker")
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.close()

    def close(self) -> None:
        """Stop the threads and close the pipes: a stream still reading the microphone gets
        end-of-file instead of blocking (and runs free on stale data until it is closed)."""
        self._stop.set()
        for thread in self._threads:
            thread.join(timeout=2)
        for fd in self._fds:
            os.close(fd)
        self._fds = []

    def _start(self, period: float, step: Callable[[], None], name: str) -> None:
        thread = threading.Thread(target=every, args=(period, step, self._stop), name=name,
                                  daemon=True)
        thread.start()
        self._threads.append(thread)

    # The microphone.

    def feed(self, pcm: bytes) -> None:
        """Queue 16 kHz mono S16_LE PCM for the microphone; it is heard at real-time pace."""
        with self._lock:
            self._pending += pcm

    def pending(self) -> int:
        """Bytes fed but not yet delivered to the microphone pipe."""
        with self._lock:
            return len(self._pending)

    def wait_fed(self, timeout: float) -> bool:
        """Wait until everything fed has gone into the microphone pipe; False on timeout."""
        deadline = time.monotonic() + timeout
        while self.pending() and time.monotonic() < deadline:
            time.sleep(0.01)
        return not self.pending()

    def disconnect(self) -> None:
        """Stall the microphone: the pipe stays open but no audio arrives (see the module doc)."""
        self._connected = False

    def reconnect(self) -> None:
        self._connected = True

    def _feed_step(self) -> None:
        if not self._connected:
            return
        size = MIC_RATE * 2 * CHUNK_MS // 1000
        with self._lock:
            chunk = bytes(self._pending[:size])
            echo = self._take_echo(size)
        fed = len(chunk)
        chunk += self._room(size - fed)
        if echo:
            chunk = mix(chunk, echo, self.echo)
        if self._write(chunk) and fed:
            with self._lock:
                del self._pending[:fed]

    def _take_echo(self, size: int) -> bytes:
        """The next chunk of the room's echo, once ECHO_MARGIN more is waiting behind it: reads of
        the speaker come unevenly, and an echo that ran dry mid-chunk would jump in time."""
        if len(self._room_sound) < size + (0 if self._echo_flowing else ECHO_MARGIN):
            self._echo_flowing = False
            return b""
        self._echo_flowing = True
        echo = bytes(self._room_sound[:size])
        del self._room_sound[:size]
        return echo

    def _room(self, size: int) -> bytes:
        samples = self._rng.normal(0.0, self.noise_rms, size // 2)
        return np.round(samples).astype("<i2").tobytes()

    def _write(self, chunk: bytes) -> bool:
        """One atomic write; False when the pipe is full (nobody is listening): try again later."""
        try:
            os.write(self._mic_fd, chunk)
        except BlockingIOError:
            return False
        return True

    # The speaker.

    def _drain_step(self) -> None:
        """Read one tick of what is played, and what earlier reads fell short by. Like a sound
        card with a buffer of SLACK_TICKS, the speaker waits that long for a late writer; after
        that the room hears silence each tick, so that its echo keeps time with the speaker."""
        tick = SPEAKER_RATE * SPEAKER_CHANNELS * 2 * TICK_MS // 1000
        try:
            data = os.read(self._speaker_fd, tick + self._owed)
        except OSError as exc:
            if exc.errno != errno.EAGAIN:
                raise
            data = b""
        self._idle = 0 if data else self._idle + 1
        silent = self._idle > SLACK_TICKS
        self._owed = 0 if silent else min(SLACK_TICKS * tick, self._owed + tick - len(data))
        with self._lock:
            if data:
                self._played.append((time.monotonic(), data))
            if self.echo and (data or silent):
                heard = self._to_mic_rate(left(data or bytes(tick)).tobytes())
                self._room_sound += self._room_echo(heard)
                del self._room_sound[: max(0, len(self._room_sound) - MIC_RATE * 2)]

    def played(self) -> np.ndarray:
        """Everything played so far: the left channel, int16 at SPEAKER_RATE."""
        return left(b"".join(data for _, data in self.played_chunks()))

    def played_chunks(self) -> list[tuple[float, bytes]]:
        """What was played, as (monotonic time it left the speaker, raw stereo PCM) pairs."""
        with self._lock:
            return list(self._played)

    def spoke_at(self) -> list[float]:
        """When each stretch of speech left the speaker (monotonic seconds of its reads)."""
        return [when for when, raw in self.played_chunks()
                if np.abs(left(raw)).max(initial=0) > SPEECH_LEVEL]

    def quiet_for(self, seconds: float) -> bool:
        """The speaker has spoken, and not for the last seconds: a user would answer now."""
        spoke = self.spoke_at()
        return bool(spoke) and time.monotonic() - spoke[-1] > seconds

    def clear_played(self) -> None:
        with self._lock:
            self._played.clear()


class Room:
    """The path from speaker to microphone: the direct sound, then reflections fading away by
    60 dB in rt60 seconds (seeded noise under an exponential envelope), about as loud in all as
    the direct sound (a speaker a metre or two away), at MIC_RATE. Applied
    block by block, the reverberation of one block carrying into the next."""

    def __init__(self, rt60: float = RT60, seed: int = 1) -> None:
        t = np.arange(int(rt60 * MIC_RATE)) / MIC_RATE
        response = np.random.default_rng(seed).normal(0.0, 0.05, len(t)) * 10 ** (-3 * t / rt60)
        response[0] = 1.0
        self.response = response / np.sqrt(np.sum(response**2))
        """Unit energy: the echo is as loud as what was played."""
        self._tail = np.zeros(len(t) - 1)

    def __call__(self, pcm: bytes) -> bytes:
        x = np.frombuffer(pcm, "<i2").astype(np.float64)
        if not len(x):
            return b""
        y = np.convolve(x, self.response)
        y[: len(self._tail)] += self._tail[: len(y)]
        rest = self._tail[len(y):]
        self._tail = y[len(x):]
        self._tail[: len(rest)] += rest
        return np.clip(np.round(y[: len(x)]), -32768, 32767).astype("<i2").tobytes()


def left(raw: bytes) -> np.ndarray:
    """The left channel of raw interleaved stereo S16_LE."""
    frames = len(raw) // (2 * SPEAKER_CHANNELS)
    samples = np.frombuffer(raw[: frames * 2 * SPEAKER_CHANNELS], "<i2")
    return samples.reshape(frames, SPEAKER_CHANNELS)[:, 0]


def mix(pcm: bytes, other: bytes, gain: float) -> bytes:
    """pcm plus gain times other (which may be shorter), both int16 mono, clipped."""
    total = np.frombuffer(pcm, "<i2").astype(np.float64)
    added = np.frombuffer(other, "<i2").astype(np.float64)[: len(total)]
    total[: len(added)] += gain * added
    return np.clip(np.round(total), -32768, 32767).astype("<i2").tobytes()
