"""The README's examples are run, so that they stay true.

Every ```console block is a list of commands (lines starting with "$ ") each followed by its
exact output. Commands run from the repository root with a fresh history file.
"""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).parent.parent
BLOCK = re.compile(r"```console\n(.*?)```", re.S)


def _examples() -> list[tuple[str, str]]:
    examples = []
    for block in BLOCK.findall((ROOT / "README.md").read_text()):
        for part in re.split(r"^\$ ", block, flags=re.M)[1:]:
            command, _, output = part.partition("\n")
            examples.append((command, output))
    return examples


EXAMPLES = _examples()


def test_the_readme_has_examples() -> None:
    assert len(EXAMPLES) >= 2


@pytest.mark.parametrize(("command", "output"), EXAMPLES, ids=[c for c, _ in EXAMPLES])
def test_readme_example(command: str, output: str, tmp_path: Path) -> None:
    argv = shlex.split(command)
    assert argv[0] == "voicecoach"
    env = {**os.environ, "VOICECOACH_DB": str(tmp_path / "history.db")}
    result = subprocess.run([sys.executable, "-m", "voicecoach", *argv[1:]], cwd=ROOT, env=env,
                            capture_output=True, text=True, timeout=120)
    assert result.stdout == output
