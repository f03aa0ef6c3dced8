"""User settings: voice, speaking rate and brief mode, from a TOML file and the command line.

The file is ``config.toml`` in the user's config directory (``voicecoach doctor`` prints where),
or the one named by ``$VOICECOACH_CONFIG``::

    voice = "en-us"      # a voice of the speech engine (espeak-ng --voices lists them)
    rate = 160           # words per minute
    brief = "auto"       # short briefings: "auto" (after 3 times), "always", "never"
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass
from pathlib import Path

from platformdirs import user_config_dir

from voicecoach.errors import DataFileError

BRIEF = ("auto", "always", "never")
RATE_RANGE = (80, 300)
"""Words per minute a listener can still follow."""


@dataclass(frozen=True)
class Settings:
    voice: str | None = None
    rate: int | None = None
    """Words per minute; None keeps the engine's default."""
    brief: str = "auto"


def config_path() -> Path:
    env = os.environ.get("VOICECOACH_CONFIG")
    return Path(env) if env else Path(user_config_dir("voicecoach")) / "config.toml"


def load_settings(path: Path | None = None) -> Settings:
    """The settings file, or the defaults when there is none."""
    path = path or config_path()
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return Settings()
    except IsADirectoryError as exc:
        raise DataFileError(str(path), "", "is a folder, not a settings file; move it away, or "
                            "set $VOICECOACH_CONFIG to a settings file") from exc
    except NotADirectoryError as exc:
        raise DataFileError(str(path), "", "cannot be there, as a part of that path is a file; "
                            "set $VOICECOACH_CONFIG to a settings file") from exc
    except OSError as exc:
        raise DataFileError(str(path), "", f"cannot be read ({exc.strerror or exc}); check its "
                            "permissions, or move the file aside") from exc
    except UnicodeDecodeError as exc:
        raise DataFileError(str(path), "", "is not UTF-8 text; save it as UTF-8, or move the "
                            "file aside") from exc
    except tomllib.TOMLDecodeError as exc:
        raise DataFileError(str(path), "", f"is not valid TOML ({exc}); fix that line or "
                            "move the file aside") from exc
    return validate(data, str(path))


def validate(data: dict[str, object], where: str, prefix: str = "") -> Settings:
    """The settings in data, from where; an error names a setting with prefix ("--" for the
    command line's options)."""
    unknown = set(data) - {"voice", "rate", "brief"}
    if unknown:
        raise DataFileError(where, ", ".join(sorted(unknown)), "is not a setting; use voice, "
                            "rate or brief, or remove it")
    voice, rate, brief = data.get("voice"), data.get("rate"), data.get("brief", "auto")
    if voice is not None and not isinstance(voice, str):
        raise DataFileError(where, prefix + "voice", f"{voice!r} is not a voice name; write one "
                            "in quotes, such as \"en-us\"")
    speed = None if rate is None else _check_rate(rate, where, prefix + "rate")
    if brief not in BRIEF:
        raise DataFileError(where, prefix + "brief", f"{brief!r} is not a brief mode; use "
                            f"{', '.join(BRIEF[:-1])} or {BRIEF[-1]}")
    return Settings(voice, speed, str(brief))


def _check_rate(rate: object, where: str, entry: str) -> int:
    low, high = RATE_RANGE
    give = f"give a rate from {low} to {high} words per minute"
    if not isinstance(rate, int) or isinstance(rate, bool):
        raise DataFileError(where, entry, f"{rate!r} is not a whole number; {give}")
    if not low <= rate <= high:
        raise DataFileError(where, entry, f"{rate} is too {'slow' if rate < low else 'fast'} "
                            f"to follow; {give}")
    return rate


def merged(settings: Settings, voice: str | None, rate: int | None, brief: str | None) -> Settings:
    """The command line's options over the file's settings."""
    options: dict[str, object] = {"voice": voice or settings.voice,
                                  "rate": rate if rate is not None else settings.rate,
                                  "brief": brief or settings.brief}
    return validate({k: v for k, v in options.items() if v is not None}, "command line", "--")
