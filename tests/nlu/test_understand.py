import io
import json

from bot.ops import understand


class FakeAgent:
    """Stands in for the Rasa agent: returns a parse shaped like the pipeline's."""

    async def parse_message(self, text):
        if text == "boom":
            raise RuntimeError("model exploded")
        return {
            "text": text,
            "intent": {"name": "need_food", "confidence": 0.91234},
            "entities": [
                {"entity": "language", "value": "fr", "start": 0, "end": len(text)},
                {"entity": "place", "value": "Laval", "start": 0, "end": 5, "code_geo": "65005"},
                {"entity": "need", "value": "food", "start": 0, "end": 5},
            ],
            "language": "fr",
            "language_requested": None,
            "needs": ["food", "income"],
            "crisis": None,
        }


def run_lines(monkeypatch, lines):
    monkeypatch.setattr(understand, "load_agent", lambda model: FakeAgent())
    out = io.StringIO()
    errors = understand.run("unused", io.StringIO("\n".join(lines) + "\n"), out)
    return errors, [json.loads(line) for line in out.getvalue().splitlines()]


def test_one_record_per_line_in_order(monkeypatch):
    errors, records = run_lines(
        monkeypatch,
        [
            '{"text": "Laval, j\'ai faim", "id": 7}',
            "not json",
            '"une chaîne"',
            "{}",
            '{"text": "boom"}',
        ],
    )
    assert errors == 3
    assert len(records) == 5
    first = records[0]
    assert first["id"] == 7
    assert first["need"] == "food" and first["needs"] == ["food", "income"]
    assert first["municipality"] == {"code_geo": "65005", "name": "Laval"}
    assert first["crisis"] is False and first["language"] == "fr"
    assert first["intent"] == "need_food" and first["confidence"] == 0.9123
    assert records[1]["line"] == 2
    assert "JSON invalide" in records[1]["error"]["fr"]
    assert "invalid JSON" in records[1]["error"]["en"]
    assert records[2]["text"] == "une chaîne"
    assert "« text »" in records[3]["error"]["fr"] and '"text"' in records[3]["error"]["en"]
    assert "model exploded" in records[4]["error"]["en"]
    assert "a échoué" in records[4]["error"]["fr"]


def test_summary_of_a_crisis():
    record = understand.summarize(
        {
            "intent": {"name": "crisis_suicide", "confidence": 0.99},
            "entities": [],
            "language": "en",
            "needs": [],
            "crisis": "suicide",
        }
    )
    assert record["crisis"] is True and record["crisis_kind"] == "suicide"
    assert record["need"] is None and record["municipality"] is None
    assert record["language_confident"] is False


def test_nothing_to_tell_the_language_gives_the_default_answer_language():
    record = understand.summarize(
        {"intent": {"name": "provide_place", "confidence": 0.9}, "entities": [], "language": None}
    )
    assert record["language"] == "fr" and record["language_detected"] is False
