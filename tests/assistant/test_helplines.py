"""Province-wide help lines said with some results (bot/dialogue/helplines.py)."""

from __future__ import annotations

from bot.dialogue.helplines import HELPLINES, helplines
from bot.texts import LANGUAGES, t


def test_elder_mistreatment_gets_its_line_and_other_needs_none() -> None:
    assert helplines(["violence", "seniors"]) == ["dialogue.results.line.elder_abuse"]
    assert helplines(["seniors", "violence", "legal"]) == ["dialogue.results.line.elder_abuse"]
    assert helplines(["violence"]) == [] and helplines(["seniors", "food"]) == []
    assert helplines(["shelter", "youth"]) == ["dialogue.results.line.youth_without_home"]


def test_every_line_is_written_in_both_languages() -> None:
    for _, key in HELPLINES:
        assert all(t(key, language) != key for language in LANGUAGES)
    for language in LANGUAGES:
        assert "1-888-489-2287" in t("dialogue.results.line.elder_abuse", language)
