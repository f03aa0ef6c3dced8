"""The sound devices PortAudio sees; a user's --input-device/--output-device turned into one."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from types import ModuleType
from typing import Any, Literal, cast

from voicecoach.errors import AudioError

logger = logging.getLogger(__name__)

Kind = Literal["input", "output"]

LIST_HINT = "run `voicecoach devices` to list them"
OPTION = {"input": "--input-device", "output": "--output-device"}
WHAT = {"input": "microphone", "output": "speaker"}
INSTEAD = {"input": ", or type your commands with `voicecoach run --text`", "output": ""}
"""What to do without the device, said after how to get one."""


@dataclass(frozen=True)
class Device:
    """One PortAudio device."""

    index: int
    """PortAudio's device number: what --input-device/--output-device accept besides a name."""
    name: str
    inputs: int
    """Input channels; 0 for a device that cannot record."""
    outputs: int
    """Output channels; 0 for a device that cannot play."""
    default_rate: int
    """Hertz."""
    default_input: bool = False
    """True for the system's default microphone."""
    default_output: bool = False
    """True for the system's default speaker."""

    def channels(self, kind: Kind) -> int:
        return self.inputs if kind == "input" else self.outputs


def portaudio() -> ModuleType:
    """The sounddevice module, imported on first use so text-only runs need no PortAudio."""
    try:
        import sounddevice
    except OSError as exc:  # sounddevice raises OSError when libportaudio is missing
        raise AudioError(
            "The PortAudio library is missing; install it with `sudo apt-get install libportaudio2`"
            " (or your system's portaudio package)."
        ) from exc
    return cast(ModuleType, sounddevice)


def list_devices() -> list[Device]:
    """Every device PortAudio knows, in its order."""
    sd = portaudio()
    try:
        infos: list[dict[str, Any]] = list(sd.query_devices())
        default_in, default_out = sd.default.device
    except sd.PortAudioError as exc:
        raise AudioError(f"Cannot list sound devices: {exc}; check that ALSA works.") from exc
    return [_device(info, default_in, default_out) for info in infos]


def _device(info: dict[str, Any], default_in: int, default_out: int) -> Device:
    index = int(info["index"])
    return Device(index=index, name=str(info["name"]), inputs=int(info["max_input_channels"]),
                  outputs=int(info["max_output_channels"]),
                  default_rate=round(info["default_samplerate"]),
                  default_input=index == default_in, default_output=index == default_out)


def resolve(device: int | str | None, kind: Kind) -> int | None:
    """The device index for a user's choice: None (the default), an index, or part of a name.

    Names match case-insensitively; an exact name wins over a name that merely contains the text.
    None stays None when PortAudio has a default of that kind; raises AudioError when nothing fits.
    """
    every = list_devices()
    devices = [d for d in every if d.channels(kind) > 0]
    if device is None:
        return _default(devices, kind)
    if isinstance(device, int) or device.strip().isdigit():
        return _by_index(every, int(device), kind)
    return _by_name(devices, device.strip(), kind)


def _default(devices: list[Device], kind: Kind) -> int | None:
    if not devices:
        raise AudioError(f"No {WHAT[kind]} was found; connect one, or {LIST_HINT} and pass "
                         f"{OPTION[kind]}{INSTEAD[kind]}.")
    if any(d.default_input if kind == "input" else d.default_output for d in devices):
        return None
    logger.info("no default %s device; using %s", kind, devices[0].name)
    return devices[0].index


def _by_index(every: list[Device], index: int, kind: Kind) -> int:
    """index, when it is a device of that kind among every device there is."""
    device = next((d for d in every if d.index == index), None)
    if device is None:
        raise AudioError(f"There is no sound device {index}; {LIST_HINT} and pass "
                         f"{OPTION[kind]} with a number or name from the list.")
    if device.channels(kind) == 0:
        raise AudioError(f"Sound device {index} ({device.name}) is not a {WHAT[kind]}; "
                         f"{LIST_HINT} and pass {OPTION[kind]} with a number or name from the "
                         "list.")
    return index


def _by_name(devices: list[Device], name: str, kind: Kind) -> int:
    wanted = name.casefold()
    exact = [d for d in devices if d.name.casefold() == wanted]
    found = exact or [d for d in devices if wanted in d.name.casefold()]
    if len(found) == 1:
        return found[0].index
    if not found:
        raise AudioError(f"No {WHAT[kind]} is named like {name!r}; {LIST_HINT} and pass "
                         f"{OPTION[kind]} with a number or name from the list.")
    names = ", ".join(f"{d.index} ({d.name})" for d in found)
    raise AudioError(f"{OPTION[kind]} {name!r} matches several devices: {names}; pass the "
                     "number of the one you mean.")


def close_stream(stream: Any, what: str) -> None:
    """Abort and close a PortAudio stream; a failure is logged, not raised: it is going anyway."""
    try:
        stream.abort()
        stream.close()
    except portaudio().PortAudioError as exc:
        logger.warning("closing the %s failed (%s); it is let go as it is.", what, exc)
