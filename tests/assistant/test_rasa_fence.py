"""The patches of Rasa's private code are fenced: on another Rasa version, or when a patched
function's signature changed, Relais refuses to start with a message in French and English
(simulated here), instead of patching blindly."""

from __future__ import annotations

import subprocess
import sys

import pytest

from bot.runtime import patches


def test_the_installed_rasa_fits():
    assert patches.problems() == []
    patches.check()


def test_another_rasa_version_is_refused():
    with pytest.raises(patches.RasaMismatch) as refused:
        patches.check(version="3.7.0")
    message = str(refused.value)
    assert "refuse de démarrer" in message and "refuses to start" in message
    assert "rasa 3.7.0" in message and "3.6.x" in message


def test_a_changed_signature_is_refused(monkeypatch: pytest.MonkeyPatch):
    from rasa.core.processor import MessageProcessor

    async def _run_action(self, action, tracker, output_channel, nlg):  # one parameter less
        return True

    monkeypatch.setattr(MessageProcessor, "_run_action", _run_action)
    found = patches.problems()
    assert any("MessageProcessor._run_action" in problem for problem in found)
    with pytest.raises(patches.RasaMismatch):
        patches.install()


def test_rasa_itself_refuses_to_start_on_a_mismatch(tmp_path):
    """Through Rasa's own loading of endpoints.yml: the tracker store's creation stops it."""
    program = (
        "import rasa; rasa.__version__ = '3.7.0'\n"
        "from rasa.core.tracker_store import TrackerStore\n"
        "from rasa.utils.endpoints import read_endpoint_config\n"
        "from bot.settings import ENDPOINTS_FILE\n"
        "TrackerStore.create(read_endpoint_config(str(ENDPOINTS_FILE), 'tracker_store'))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", program], cwd=tmp_path, capture_output=True, text=True, timeout=300
    )
    assert done.returncode != 0
    assert "refuse de démarrer" in done.stderr and "refuses to start" in done.stderr
