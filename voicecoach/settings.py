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
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise DataFileError(str(path), "file", f"cannot be read as TOML ({exc})") from exc
    return validate(data, str(path))


def validate(data: dict[str, object], where: str) -> Settings:
    unknown = set(data) - {"voice", "rate", "brief"}
    if unknown:
        raise DataFileError(where, ", ".join(sorted(unknown)), "is not a setting; use voice, "
                            "rate or brief")
    voice, rate, brief = data.get("voice"), data.get("rate"), data.get("brief", "auto")
    if voice is not None and not isinstance(voice, str):
        raise DataFileError(where, "voice", "must be a quoted voice name, such as \"en-us\"")
    low, high = RATE_RANGE
    if rate is not None and (not isinstance(rate, int) or isinstance(rate, bool)
                             or not low <= rate <= high):
        raise DataFileError(where, "rate", f"must be words per minute from {low} to {high}")
    if brief not in BRIEF:
        raise DataFileError(where, "brief", f"must be one of {', '.join(BRIEF)}")
    return Settings(voice, rate, str(brief))


def merged(settings: Settings, voice: str | None, rate: int | None, brief: str | None) -> Settings:
    """The command line's options over the file's settings."""
    options: dict[str, object] = {"voice": voice or settings.voice,
                                  "rate": rate if rate is not None else settings.rate,
                                  "brief": brief or settings.brief}
    return validate({k: v for k, v in options.items() if v is not None}, "command line")
