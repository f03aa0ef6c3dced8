"""Settings: a TOML file, overridden by the command line, strict about mistakes."""

from __future__ import annotations

from pathlib import Path

import pytest

from voicecoach.errors import DataFileError
from voicecoach.settings import Settings, load_settings, merged


def test_no_file_gives_the_defaults(tmp_path: Path) -> None:
    assert load_settings(tmp_path / "none.toml") == Settings()


def test_a_file_sets_voice_rate_and_brief(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text('voice = "en-gb"\nrate = 150\nbrief = "always"\n')
    assert load_settings(path) == Settings("en-gb", 150, "always")


@pytest.mark.parametrize(("text", "entry"), [
    ("rate = 1000", "rate"), ('rate = "fast"', "rate"), ("voice = 3", "voice"),
    ('brief = "sometimes"', "brief"), ("volume = 3", "volume")])
def test_a_bad_setting_names_the_file_and_entry(tmp_path: Path, text: str, entry: str) -> None:
    path = tmp_path / "config.toml"
    path.write_text(text + "\n")
    with pytest.raises(DataFileError, match=rf"config\.toml: {entry}: "):
        load_settings(path)


def test_a_folder_is_said_to_be_a_folder_in_one_sentence(tmp_path: Path) -> None:
    with pytest.raises(DataFileError) as caught:
        load_settings(tmp_path)
    assert str(caught.value) == (f"{tmp_path} is a folder, not a settings file; move it away, "
                                 "or set $VOICECOACH_CONFIG to a settings file.")


def test_a_path_through_a_file_is_said_to_be_one_in_one_sentence(tmp_path: Path) -> None:
    (tmp_path / "file").write_text("")
    with pytest.raises(DataFileError) as caught:
        load_settings(tmp_path / "file" / "config.toml")
    assert str(caught.value) == (f"{tmp_path / 'file' / 'config.toml'} cannot be there, as a "
                                 "part of that path is a file; set $VOICECOACH_CONFIG to a "
                                 "settings file.")


def test_the_command_line_wins() -> None:
    assert merged(Settings("en-gb", 150, "never"), None, 200, "auto") == Settings(
        "en-gb", 200, "auto")


def test_a_file_that_is_not_toml_is_named_with_its_line_and_a_fix(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text("rate = 150\nvoice en-gb\n")
    with pytest.raises(DataFileError) as caught:
        load_settings(path)
    assert str(caught.value).startswith(f"{path} is not valid TOML (")
    assert "line 2" in str(caught.value)
    assert str(caught.value).endswith("; fix that line or move the file aside.")


@pytest.mark.parametrize(("text", "problem"), [
    ("rate = 1000", "1000 is too fast to follow"), ("rate = 20", "20 is too slow to follow"),
    ('rate = "fast"', "'fast' is not a whole number")])
def test_a_bad_rate_says_which_rates_to_give(tmp_path: Path, text: str, problem: str) -> None:
    path = tmp_path / "config.toml"
    path.write_text(text + "\n")
    with pytest.raises(DataFileError) as caught:
        load_settings(path)
    assert str(caught.value) == (f"{path}: rate: {problem}; give a rate from 80 to 300 words "
                                 "per minute.")


def test_a_bad_rate_on_the_command_line_names_the_option() -> None:
    with pytest.raises(DataFileError) as caught:
        merged(Settings(), None, 20, None)
    assert str(caught.value) == ("command line: --rate: 20 is too slow to follow; give a rate "
                                 "from 80 to 300 words per minute.")


@pytest.mark.parametrize("text", ["voice = 3", 'brief = "sometimes"', "volume = 3"])
def test_every_bad_setting_says_how_to_fix_it_in_one_sentence(tmp_path: Path, text: str) -> None:
    path = tmp_path / "config.toml"
    path.write_text(text + "\n")
    with pytest.raises(DataFileError) as caught:
        load_settings(path)
    message = str(caught.value)
    assert message.count(";") == 1 and message.endswith(".") and message.count(".") == 2, message
