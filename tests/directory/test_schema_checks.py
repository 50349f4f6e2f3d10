"""The compiled JSON Schema checks never call an object valid that `jsonschema` rejects."""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from typing import Any

import pytest

from bot.directory.schema_checks import SchemaChecks
from bot.directory.validation import json_validator, schema_check, schema_issues
from tests.directory.directory_support import EXAMPLES, bilingual_service

KINDS = {
    "service_full.json": "service",
    "organization_full.json": "organization",
    "service_at_location_full.json": "service_at_location",
    "location.json": "location",
    "taxonomy_term.json": "taxonomy_term",
    "taxonomy.json": "taxonomy",
}
WRONG = (None, 1.5, True, "zz", [{"id": 3}], {"id": 3})


def _examples() -> Iterator[tuple[str, Any]]:
    for name, kind in KINDS.items():
        yield kind, json.loads((EXAMPLES / name).read_text(encoding="utf-8"))
    yield "service", bilingual_service()


def _paths(value: Any, path: tuple = ()) -> Iterator[tuple]:
    """Every path to a value inside a JSON document (first items of lists: the others have
    the same schema)."""
    if isinstance(value, dict):
        for key, inner in value.items():
            yield (*path, key)
            yield from _paths(inner, (*path, key))
    elif isinstance(value, list) and value:
        yield (*path, 0)
        yield from _paths(value[0], (*path, 0))


def _replaced(document: Any, path: tuple, value: Any) -> Any:
    changed = copy.deepcopy(document)
    holder = changed
    for step in path[:-1]:
        holder = holder[step]
    if value is _DELETE:
        del holder[path[-1]]
    else:
        holder[path[-1]] = value
    return changed


_DELETE = object()


def test_valid_examples_take_the_fast_path() -> None:
    for kind, document in _examples():
        assert not list(json_validator(kind).iter_errors(document)), kind
        assert schema_check(kind)(document), kind


def test_a_rejected_object_is_still_located_by_jsonschema() -> None:
    service = bilingual_service()
    service["phones"][0]["number"] = 5140000000
    assert not schema_check("service")(service)
    (issue,) = schema_issues(service, "service")
    assert (issue.code, issue.table, issue.field) == ("type_string", "phone", "number")


@pytest.mark.parametrize(
    ("kind", "document"), list(_examples()), ids=[kind for kind, _ in _examples()]
)
def test_what_the_fast_check_accepts_jsonschema_accepts(kind: str, document: Any) -> None:
    """Every value of the examples replaced by values of other types, or removed: whatever
    the compiled check calls valid, `jsonschema` finds valid too."""
    check, validator = schema_check(kind), json_validator(kind)
    tried = accepted = 0
    for path in _paths(document):
        for value in (*WRONG, _DELETE):
            changed = _replaced(document, path, value)
            tried += 1
            if check(changed):
                accepted += 1
                assert not list(validator.iter_errors(changed)), (path, value)
    assert 0 < accepted < tried


def test_unknown_keywords_and_refs_are_never_trusted() -> None:
    store = {
        "file:///a.json": {
            "type": "object",
            "properties": {
                "n": {"type": "number", "minimum": 0},
                "b": {"$ref": "b.json"},
                "c": {"$ref": "missing.json"},
                "t": {"type": ["string", "null"]},
            },
        },
        "file:///b.json": {
            "type": "object",
            "required": ["id"],
            "properties": {"id": {"type": "string"}, "kind": {"enum": ["x", "y"]}},
        },
    }
    check = SchemaChecks(store).check("file:///a.json")
    assert check({}) and check({"b": {"id": "1", "kind": "x"}})
    assert not check({"n": 5})  # `minimum` is not compiled: not sure
    assert not check({"c": {}}) and not check({"t": "a"})
    assert not check({"b": {"kind": "x"}}) and not check({"b": {"id": "1", "kind": "z"}})
    assert not check([])
