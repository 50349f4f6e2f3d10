"""Check action-server responses against Rasa's schema without re-validating the schema.

Rasa 3.6 checks every response of the action server with `jsonschema.validate(result,
schema)`. That function first validates the schema itself against the JSON Schema
meta-schema, then builds a fresh validator, and each event is then tried against all 23
event schemas of a `oneOf`: about 40 ms for a response of 10 events, ~30 % of the Rasa
process's time per message in `bench/assistant.py` (py-spy), more than the NLU.

The alternatives of that `oneOf` differ by `event`'s constant, so exactly one of them can
match an event: the one named by its `event`. `ResponseValidator` checks the response without
the `oneOf`, then each event against its own alternative only, with validators built once.
Any failure is handed to the full schema, so a response is accepted or rejected exactly as
Rasa does, with the same `ValidationError` and message.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any


class ResponseValidator:
    """Rasa's action-response schema, split so that each event meets one alternative."""

    def __init__(self, schema: dict[str, Any]) -> None:
        from jsonschema.validators import validator_for

        cls = validator_for(schema)
        cls.check_schema(schema)
        self.full = cls(schema)
        events = schema["properties"]["events"]
        event = events["items"]
        base_event = {key: value for key, value in event.items() if key != "oneOf"}
        outline = {
            **schema,
            "properties": {**schema["properties"], "events": {**events, "items": base_event}},
        }
        self.outline = cls(outline)
        names = [
            alternative.get("properties", {}).get("event", {}).get("const")
            for alternative in event["oneOf"]
        ]
        # the short way holds only while each alternative names its own event
        self.split = None not in names and len(set(names)) == len(names)
        self.by_event = {name: cls(alt) for name, alt in zip(names, event["oneOf"], strict=True)}

    def is_valid(self, result: Any) -> bool:
        """The same answer as the full schema, by the short way."""
        if not self.split:
            return self.full.is_valid(result)
        if not self.outline.is_valid(result):
            return False
        for event in result.get("events") or []:
            alternative = self.by_event.get(event["event"])
            if alternative is None or not alternative.is_valid(event):
                return False
        return True


@lru_cache(maxsize=1)
def response_validator() -> ResponseValidator:
    from rasa.core.actions.action import RemoteAction

    return ResponseValidator(RemoteAction.action_response_format_spec())


def validate_action_result(self: Any, result: dict[str, Any]) -> bool:
    """`RemoteAction._validate_action_result`, by the short way when the response is valid."""
    from jsonschema.exceptions import best_match
    from rasa.shared.constants import DOCS_BASE_URL

    validator = response_validator()
    if validator.is_valid(result):
        return True
    error = best_match(validator.full.iter_errors(result))
    if error is None:  # cannot happen: both ways agree; trust the full schema if they don't
        return True
    error.message += (
        ". Failed to validate Action server response from API, "
        "make sure your response from the Action endpoint is valid. "
        f"For more information about the format visit {DOCS_BASE_URL}/custom-actions"
    )
    raise error
