"""Property-based checks of the HTTP API against its own OpenAPI document.

Schemathesis cannot be installed beside Rasa (every 3.x release needs either pytest < 8 or
jsonschema >= 4.18, and Rasa 3.6 pins jsonschema < 4.18), so this module does what its
checks do with `hypothesis-jsonschema`: parameters generated from the document's schemas
(and its `x-relais-parameter-rules`: coordinates together, place or point required), then
for every answer:

- not_a_server_error: no 5xx;
- status_code_conformance: the status is documented for the operation;
- content_type_conformance: the media type is the documented one;
- response_schema_conformance: the body validates against the documented schema;
- positive_data_acceptance: parameters valid by the document are not refused (400/422);
- negative_data_rejection: parameters invalid by the document are refused (4xx);
- unsupported_method: a method the path does not have answers 405 with `Allow`.
"""

from __future__ import annotations

import copy
import json
import string
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

import requests
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis_jsonschema import from_schema
from jsonschema import Draft7Validator, RefResolver

METHODS = ("get", "post", "put", "patch", "delete")
REFUSED = (400, 422)


@dataclass
class Operation:
    path: str
    method: str
    spec: dict[str, Any]

    @property
    def parameters(self) -> list[dict[str, Any]]:
        return list(self.spec.get("parameters") or [])

    @property
    def rules(self) -> dict[str, Any]:
        return dict(self.spec.get("x-relais-parameter-rules") or {})

    def __str__(self) -> str:
        return f"{self.method.upper()} {self.path}"


def operations(document: dict[str, Any]) -> list[Operation]:
    return [
        Operation(path, method, spec)
        for path, item in document["paths"].items()
        for method, spec in item.items()
        if method in METHODS
    ]


def as_json_schema(node: Any) -> Any:
    """OpenAPI 3.0 schema → JSON Schema (draft 7) as Python reads it: `nullable` becomes a
    null type, a final `$` of a pattern `\\Z` (generation uses Python's `re`)."""
    if isinstance(node, list):
        return [as_json_schema(item) for item in node]
    if not isinstance(node, dict):
        return node
    out = {k: as_json_schema(v) for k, v in node.items() if k not in ("nullable", "example")}
    pattern = out.get("pattern")
    if isinstance(pattern, str) and pattern.endswith("$") and not pattern.endswith("\\$"):
        out["pattern"] = pattern[:-1] + "\\Z"  # ECMA `$` is the end; Python's allows a "\n"
    if node.get("nullable"):
        if "type" in out:
            out["type"] = [out["type"], "null"]
        if "enum" in out:
            out["enum"] = [*out["enum"], None]
    return out


def parameters_schema(operation: Operation) -> dict[str, Any]:
    """One object schema for all parameters, rules included."""
    schema: dict[str, Any] = {
        "type": "object",
        "properties": {p["name"]: as_json_schema(p["schema"]) for p in operation.parameters},
        "required": [p["name"] for p in operation.parameters if p.get("required")],
        "additionalProperties": False,
    }
    rules = operation.rules
    if rules.get("together"):
        schema["dependencies"] = {
            name: [other for other in group if other != name]
            for group in rules["together"]
            for name in group
        }
    if rules.get("one_of_required"):
        schema["allOf"] = [
            {"anyOf": [{"required": [name]} for name in group]}
            for group in rules["one_of_required"]
        ]
    return schema


def _wire(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


class Client:
    """Sends one call of an operation and checks the answer against the document."""

    def __init__(self, base_url: str, document: dict[str, Any]) -> None:
        self.base = base_url.rstrip("/")
        self.document = as_json_schema(document)
        self.resolver = RefResolver.from_schema(self.document)
        self.session = requests.Session()
        self.failures: list[str] = []
        self.calls = 0

    def call(self, operation: Operation, values: dict[str, Any]) -> requests.Response:
        path = operation.path
        query: dict[str, str] = {}
        where = {p["name"]: p["in"] for p in operation.parameters}
        for name, value in values.items():
            if where.get(name) == "path":
                path = path.replace("{" + name + "}", quote(_wire(value), safe=""))
            else:
                query[name] = _wire(value)
        self.calls += 1
        return self.session.request(
            operation.method.upper(), self.base + path, params=query, timeout=60
        )

    def fail(self, operation: Operation, values: dict[str, Any], check: str, detail: str) -> None:
        shown = json.dumps(values, ensure_ascii=True)[:200]
        self.failures.append(f"{check}: {operation} {shown}: {detail}")

    def conformance(
        self, operation: Operation, values: dict[str, Any], response: requests.Response
    ) -> None:
        status = response.status_code
        if status >= 500:
            self.fail(operation, values, "not_a_server_error", str(status))
        documented = operation.spec["responses"]
        answer = documented.get(str(status)) or documented.get("default")
        if answer is None:
            self.fail(operation, values, "status_code_conformance", str(status))
            return
        content = answer.get("content") or {}
        media = response.headers.get("Content-Type", "").split(";")[0].strip()
        if content and media not in content:
            self.fail(operation, values, "content_type_conformance", media)
            return
        schema = (content.get(media) or {}).get("schema")
        if schema is None or media != "application/json":
            return
        schema = as_json_schema(schema)
        errors = list(Draft7Validator(schema, resolver=self.resolver).iter_errors(response.json()))
        if errors:
            self.fail(operation, values, "response_schema_conformance", errors[0].message[:200])

    def positive(self, operation: Operation, values: dict[str, Any]) -> None:
        response = self.call(operation, values)
        self.conformance(operation, values, response)
        if response.status_code in REFUSED and not _semantic(response):
            self.fail(operation, values, "positive_data_acceptance", response.text[:200])

    def negative(self, operation: Operation, values: dict[str, Any]) -> None:
        response = self.call(operation, values)
        self.conformance(operation, values, response)
        if not 400 <= response.status_code < 500:
            self.fail(operation, values, "negative_data_rejection", str(response.status_code))

    def unsupported_method(self, operation: Operation) -> None:
        have = set(self.document["paths"][operation.path])
        method = next(m for m in METHODS if m not in have)
        path = operation.path.replace("{id}", "x")
        response = self.session.request(method.upper(), self.base + path, timeout=60)
        self.calls += 1
        if response.status_code != 405 or "Allow" not in response.headers:
            self.fail(operation, {}, "unsupported_method", f"{method} → {response.status_code}")


def _semantic(response: requests.Response) -> bool:
    """A refusal the document cannot express (a place name the gazetteer does not know)."""
    try:
        return response.json()["error"]["code"] == "place_not_found"
    except (ValueError, KeyError, TypeError):
        return False


def invalid_values(operation: Operation) -> st.SearchStrategy[dict[str, Any]]:
    """Valid parameters with ONE made invalid (a value outside its schema, or a required
    one left out, or a coordinate without the other)."""
    schema = parameters_schema(operation)
    names = [p["name"] for p in operation.parameters if p["in"] == "query"]
    if not names:
        return st.nothing()

    @st.composite
    def build(draw: st.DrawFn) -> dict[str, Any]:
        values = dict(draw(from_schema(schema)))
        name = draw(st.sampled_from(names))
        spec = schema["properties"][name]
        kinds = ["drop"] if name in schema["required"] else []
        if "enum" in spec or spec.get("type") in ("number", "integer", "boolean"):
            kinds.append("garbage")
        if "maxLength" in spec:
            kinds.append("long")
        if "maximum" in spec:
            kinds.append("big")
        if name in schema.get("dependencies", {}):
            kinds.append("alone")
        if not kinds:
            return {}
        kind = draw(st.sampled_from(kinds))
        if kind == "drop":
            values.pop(name, None)
        elif kind == "garbage":
            values[name] = draw(st.text(string.digits + "#!", min_size=1, max_size=8)) + "#"
        elif kind == "long":
            values[name] = "x" * (spec["maxLength"] + draw(st.integers(1, 50)))
        elif kind == "big":
            values[name] = spec["maximum"] + draw(st.integers(1, 1000))
        else:  # a coordinate alone
            values = {k: v for k, v in values.items() if k not in schema["dependencies"][name]}
            values[name] = draw(from_schema(spec))
        return values

    return build()


def run(client: Client, operation: Operation, examples: int) -> None:
    """Every check of one operation, `examples` generated calls each way."""
    schema = parameters_schema(operation)
    options = settings(
        max_examples=examples,
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
    )

    @options
    @given(from_schema(copy.deepcopy(schema)))
    def positive(values: dict[str, Any]) -> None:
        client.positive(operation, values)

    @options
    @given(invalid_values(operation))
    def negative(values: dict[str, Any]) -> None:
        if values:
            client.negative(operation, values)

    positive()
    if any(p["in"] == "query" for p in operation.parameters):
        negative()
    client.unsupported_method(operation)
