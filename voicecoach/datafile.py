"""Reading the YAML data files: one loader, typed getters, errors that name the file and entry."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from voicecoach.errors import DataFileError


def load_yaml(path: Path) -> dict[str, Any]:
    """Parse a YAML file whose top level is a mapping."""
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise DataFileError(str(path), "file", f"cannot be read ({exc.strerror}); check the "
                            "path and its permissions") from exc
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}" if mark else "file"
        problem = "is not valid YAML; check its quotes and indentation"
        raise DataFileError(str(path), where, problem) from exc
    if not isinstance(data, dict):
        raise DataFileError(str(path), "file", "must be a mapping of keys at the top level")
    return data


class Entry:
    """A mapping inside a data file, with getters that report the file and the entry on error."""

    def __init__(self, data: Any, file: Path, name: str) -> None:
        if not isinstance(data, dict):
            raise DataFileError(str(file), name, "must be a mapping")
        self.data, self.file, self.name = data, file, name

    def fail(self, problem: str) -> DataFileError:
        return DataFileError(str(self.file), self.name, problem)

    def text(self, key: str) -> str:
        value = self.data.get(key)
        if not isinstance(value, str) or not value.strip():
            raise self.fail(f"'{key}' must be a quoted, non-empty string")
        return value

    def texts(self, key: str) -> tuple[str, ...]:
        value = self.data.get(key)
        if not isinstance(value, list) or not value:
            raise self.fail(f"'{key}' must be a non-empty list of quoted strings")
        for item in value:
            if not isinstance(item, str) or not item.strip():
                raise self.fail(f"'{key}' has {item!r}, which is not a quoted, non-empty string")
        return tuple(value)

    def number(self, key: str, low: int, high: int) -> int:
        value = self.data.get(key)
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
            raise self.fail(f"'{key}' must be a whole number from {low} to {high}")
        return value

    def choice(self, key: str, options: tuple[str, ...]) -> str:
        value = self.text(key)
        if value not in options:
            raise self.fail(f"'{key}' must be one of {', '.join(options)}")
        return value
