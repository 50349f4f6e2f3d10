"""Rasa's own checks: `rasa data validate` is clean and `rasa test core` passes every story
of `tests/stories/` (both languages) against the trained model."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from bot.ops import runner
from bot.settings import ROOT

pytestmark = pytest.mark.slow

CONFIG = ROOT / "bot" / "config.yml"


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
    if os.environ.get("RELAIS_TEST_MODEL"):
        return Path(os.environ["RELAIS_TEST_MODEL"])
    try:
        from bot.ops import training
    except ImportError:
        pytest.skip("no model: bot.ops.training is not there yet and RELAIS_TEST_MODEL unset")
    return Path(training.ensure_model())


def test_rasa_data_validate_is_clean() -> None:
    if not CONFIG.exists():
        pytest.skip("bot/config.yml is not there yet")
    result = rasa(
        "data", "validate", "--fail-on-warnings",
        "--config", str(CONFIG), "--domain", "bot/domain",
        "--data", "data/nlu", "data/rules", "data/stories",
    )  # fmt: skip
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-4000:]


def test_core_stories_pass(model: Path, tmp_path: Path) -> None:
    result = rasa(
        "test", "core", "--model", str(model), "--stories", "tests/stories",
        "--out", str(tmp_path), "--fail-on-prediction-errors",
    )  # fmt: skip
    failed = tmp_path / "failed_test_stories.yml"
    details = failed.read_text(encoding="utf-8") if failed.exists() else ""
    assert result.returncode == 0, details[-6000:] + result.stderr[-3000:]
