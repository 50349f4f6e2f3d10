"""Rasa's own checks at the root, as a Rasa user runs them (a standard project, no path flag):
`rasa data validate` passes and `rasa test core` passes every story of `tests/stories/` (both
languages) against the trained model."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from bot.ops import runner
from bot.settings import ROOT

pytestmark = pytest.mark.slow


def rasa(*args: str, timeout: float = 900) -> subprocess.CompletedProcess:
    env = {**os.environ, **runner.QUIET_ENV}
    return subprocess.run(
        [sys.executable, "-m", "rasa", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


@pytest.fixture(scope="module")
def model() -> Path:
    from bot.ops import training

    return Path(training.ensure_model())


def test_rasa_data_validate_passes_with_no_flag() -> None:
    result = rasa("data", "validate")
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-4000:]
    assert "completed with errors" not in result.stdout + result.stderr


def test_core_stories_pass(model: Path, tmp_path: Path) -> None:
    result = rasa(
        "test", "core", "--model", str(model), "--out", str(tmp_path),
        "--fail-on-prediction-errors",
    )  # fmt: skip
    failed = tmp_path / "failed_test_stories.yml"
    details = failed.read_text(encoding="utf-8") if failed.exists() else ""
    assert result.returncode == 0, details[-6000:] + result.stderr[-3000:]
