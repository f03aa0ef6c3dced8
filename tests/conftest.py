"""Shared fixtures: the packaged data, loaded once per test run."""

from __future__ import annotations

from pathlib import Path

import pytest

from voicecoach.content import Content, content
from voicecoach.intents import IntentSet, default_intents
from voicecoach.matcher import Matcher

ROOT = Path(__file__).parent.parent


@pytest.fixture(scope="session")
def intents() -> IntentSet:
    return default_intents()


@pytest.fixture(scope="session")
def matcher(intents: IntentSet) -> Matcher:
    return Matcher(intents)


@pytest.fixture(scope="session")
def catalogue() -> Content:
    return content()
