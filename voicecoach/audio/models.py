"""Where the Vosk model is, how to fetch it, and which recognizer to use.

A model folder is looked for in ``--model`` alone when it is given; else, in this order, in
``$VOICECOACH_MODEL``; ``$VOSK_MODEL_PATH``; ``./models`` under the current directory; ``models/``
of the source checkout (when running from one); ``~/.cache/vosk``; and vosk's own folders
(``vosk.MODEL_DIRS``). Each place may be a model folder itself or a folder holding
``vosk-model-small-en-us-0.15`` (preferred) or any other ``vosk-model-*en-us*`` folder.
"""

from __future__ import annotations

import contextlib
import io
import logging
import os
import urllib.error
import zipfile
from collections.abc import Iterator
from pathlib import Path

import requests
import vosk

from voicecoach.errors import ModelError, UsageError
from voicecoach.ports import Recognizer

log = logging.getLogger(__name__)

MODEL_NAME = "vosk-model-small-en-us-0.15"
MODEL_PATTERN = "vosk-model-*en-us*"
ENV_VARS = ("VOICECOACH_MODEL", "VOSK_MODEL_PATH")
KINDS = ("auto", "vosk", "pocketsphinx")
CHECKOUT_MODELS = Path(__file__).resolve().parent.parent.parent / "models"
"""models/ beside the package in a source checkout (meaningless in an installed wheel)."""


def find_model(explicit: Path | None) -> tuple[Path | None, list[str]]:
    """The first model folder found, or None, and every place looked in (for the user); a
    variable that names no model (nothing, a file, a folder without one) is warned of, as a typo
    in it would otherwise go unseen."""
    for var in ENV_VARS:
        named = os.environ.get(var)
        wrong = _no_model_at(Path(named).expanduser()) if named else None
        if wrong:
            log.warning("$%s names %s, %s; point it at a Vosk model folder, or unset it.",
                        var, named, wrong)
    if explicit is not None:  # a place the user names is the only one looked in, as run uses it
        return model_in(explicit.expanduser()), [str(explicit)]
    looked: list[str] = []
    for place in search_places():
        looked.append(str(place))
        found = model_in(place)
        if found is not None:
            log.debug("Vosk model found at %s", found)
            return found, looked
    return None, looked


def _no_model_at(place: Path) -> str | None:
    """What is at place instead of a model (None when a model is found there)."""
    if not place.exists():
        return "where there is nothing"
    if not place.is_dir():
        return "which is a file, not a Vosk model folder"
    if model_in(place) is None:
        return "a folder that holds no English Vosk model (a model folder holds am/final.mdl)"
    return None


def search_places() -> list[Path]:
    places = [Path(os.environ[var]).expanduser() for var in ENV_VARS if os.environ.get(var)]
    places += [Path.cwd() / "models", CHECKOUT_MODELS, Path.home() / ".cache" / "vosk"]
    places += [Path(d) for d in vosk.MODEL_DIRS if d is not None]
    unique: list[Path] = []
    for place in places:
        if place not in unique:
            unique.append(place)
    return unique


def model_in(place: Path) -> Path | None:
    """place itself when it is a model folder, else the best model folder inside it."""
    if is_model(place):
        return place
    if not place.is_dir():
        return None
    preferred = place / MODEL_NAME
    if is_model(preferred):
        return preferred
    return next((p for p in sorted(place.glob(MODEL_PATTERN)) if is_model(p)), None)


def not_a_model(place: Path) -> str:
    """What to say when the place the user named holds no model."""
    return (f"There is no Vosk model at {place} (a model folder holds am/final.mdl); point "
            "--model at one, or run `voicecoach model --fetch`.")


def is_model(folder: Path) -> bool:
    return (folder / "am" / "final.mdl").is_file() or (folder / "final.mdl").is_file()


class _Downloader(vosk.Model):  # type: ignore[misc]
    """vosk.Model's own downloader (model list, tqdm progress bar, unzip) without the model."""

    def __init__(self) -> None:
        pass

    def __del__(self) -> None:
        pass


def fetch_model(name: str = MODEL_NAME, url_base: str | None = None,
                dest: Path | None = None) -> Path:
    """Download and unzip a model with vosk's downloader into dest (default: ~/.cache/vosk,
    where find_model looks); the model folder. url_base replaces https://alphacephei.com/vosk/models/."""
    folder = dest or Path.home() / ".cache" / "vosk"
    base = url_base or vosk.MODEL_PRE_URL
    try:
        with _vosk_settings(base, folder), contextlib.redirect_stdout(io.StringIO()):
            path = Path(_Downloader().get_model_by_name(name))
    except SystemExit as exc:  # vosk prints a line and exits when the name is not in the list
        raise ModelError(f"There is no Vosk model named {name!r} in the list at {base}; pick a "
                         "name from https://alphacephei.com/vosk/models.") from exc
    except (requests.RequestException, urllib.error.URLError, ValueError) as exc:
        _remove_partial(folder, name)
        raise ModelError(f"Cannot download {name} from {base} ({_reason(exc)}); check the network, "
                         f"or unzip {name}.zip into ./models by hand.") from exc
    except (OSError, zipfile.BadZipFile) as exc:
        _remove_partial(folder, name)
        raise ModelError(f"Cannot unpack {name} into {folder} ({exc}); check the free space and "
                         "permissions there, or set --model.") from exc
    if not path.is_dir():
        raise ModelError(f"The download of {name} did not unpack into {path}; unzip it by hand "
                         "into ./models.")
    log.info("Vosk model %s is at %s", name, path)
    return path


@contextlib.contextmanager
def _vosk_settings(base: str, folder: Path) -> Iterator[None]:
    """Point vosk's downloader at base and folder for the duration of one fetch."""
    saved = vosk.MODEL_PRE_URL, vosk.MODEL_LIST_URL, vosk.MODEL_DIRS
    base = base if base.endswith("/") else base + "/"
    vosk.MODEL_PRE_URL, vosk.MODEL_LIST_URL = base, base + "model-list.json"
    vosk.MODEL_DIRS = [folder]
    try:
        yield
    finally:
        vosk.MODEL_PRE_URL, vosk.MODEL_LIST_URL, vosk.MODEL_DIRS = saved


def _remove_partial(folder: Path, name: str) -> None:
    with contextlib.suppress(OSError):
        (folder / f"{name}.zip").unlink()


def _reason(exc: Exception) -> str:
    """A few words for what went wrong (requests' own messages run to several lines)."""
    if isinstance(exc, requests.Timeout):
        return "no answer in time"
    if isinstance(exc, requests.ConnectionError):
        return "cannot connect"
    if isinstance(exc, urllib.error.HTTPError):
        return f"HTTP {exc.code} for the zip"
    if isinstance(exc, urllib.error.URLError):
        return str(exc.reason)
    return "the model list is not valid JSON"


def make_recognizer(kind: str, model: Path | None, sentences: list[str]) -> Recognizer:
    """auto: Vosk when a model is found (or given), else pocketsphinx; vosk; pocketsphinx."""
    if kind not in KINDS:
        raise UsageError(f"Unknown recognizer {kind!r}; use one of {', '.join(KINDS)}.")
    if kind == "pocketsphinx":
        return _sphinx(sentences)
    path, looked = find_model(model)
    if path is None and model is not None:
        raise ModelError(not_a_model(model))
    if path is not None:
        from voicecoach.audio.vosk_recognizer import VoskRecognizer

        log.info("Recognizer: Vosk with the model at %s", path)
        return VoskRecognizer(path, sentences)
    if kind == "vosk":
        raise ModelError(f"No Vosk model was found (looked in {', '.join(looked)}); run "
                         "`voicecoach model --fetch`, or set --model.")
    log.warning("No Vosk model found; using pocketsphinx, which mishears more. For the better "
                "recognizer run `voicecoach model --fetch` (40 MB), or set --model.")
    return _sphinx(sentences)


def _sphinx(sentences: list[str]) -> Recognizer:
    from voicecoach.audio.sphinx_recognizer import SphinxRecognizer

    log.info("Recognizer: pocketsphinx with its bundled English model")
    return SphinxRecognizer(sentences)
