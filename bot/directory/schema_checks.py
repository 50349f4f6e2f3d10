"""The HSDS 3.0 JSON Schemas compiled into fast yes/no checks, for importing large JSON files.

`jsonschema` interprets a schema node by node and costs about 5 ms per `service_full` object:
eight minutes for 100k services. The HSDS schemas only use `type`, `properties`, `required`,
`items`, `enum` and file `$ref`s (the other keys are annotations Draft 7 ignores, `format`
included, as no format checker is used), which compile into a few plain Python functions.

A check answers "valid" only when `jsonschema` would report nothing; anything it does not
fully understand answers "not sure" (False), and the caller asks `jsonschema` for the located
errors. So the fast path changes the speed of a valid file, never a report.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from urllib.parse import urljoin

Check = Callable[[Any], bool]

ANNOTATIONS = frozenset(
    {
        "$schema",
        "$id",
        "$comment",
        "title",
        "description",
        "default",
        "examples",
        "definitions",
        "format",
        "name",
        "constraints",
        "unique",
        "example",
        "core",
        "path",
        "datapackage_metadata",
        "mediatype",
        "profile",
        "order",
        "datapackage_type",
        "tabular_required",
    }
)
"""Keys of the HSDS schemas that validate nothing in Draft 7 (`format` needs a checker)."""

VALIDATING = frozenset({"type", "properties", "required", "items", "enum"})

TYPES: dict[str, Check] = {
    "string": lambda value: isinstance(value, str),
    "number": lambda value: isinstance(value, (int, float)) and not isinstance(value, bool),
    "array": lambda value: isinstance(value, list),
    "object": lambda value: isinstance(value, dict),
}


def _unsure(_value: Any) -> bool:
    return False


class SchemaChecks:
    """Checks of the schema files of `store` (URI → schema), compiled once each."""

    def __init__(self, store: dict[str, Any]) -> None:
        self.store = store
        self.checks: dict[str, Check] = {}

    def check(self, uri: str) -> Check:
        """The check of the schema file at `uri`."""
        if uri not in self.checks:
            self.checks[uri] = _unsure  # while compiling: a cycle only meets lazy `_Ref`s
            self.checks[uri] = self._compile(self.store[uri], uri)
        return self.checks[uri]

    def _compile(self, schema: Any, base: str) -> Check:
        if not isinstance(schema, dict):
            return _unsure
        if "$ref" in schema:  # Draft 7 ignores the keys beside a $ref
            uri = urljoin(base, schema["$ref"])
            return _Ref(self, uri) if uri in self.store else _unsure
        if set(schema) - VALIDATING - ANNOTATIONS:
            return _unsure
        kind = schema.get("type")
        is_kind = TYPES.get(kind) if isinstance(kind, str) else None
        if "type" in schema and is_kind is None:
            return _unsure
        enum = schema.get("enum")
        if enum is not None and not all(isinstance(item, str) for item in enum):
            return _unsure
        if set(schema) & VALIDATING == {"type"} and is_kind is not None:
            return is_kind  # most leaves: `{"type": "string", …}`
        allowed = frozenset(enum) if enum is not None else None
        required = tuple(schema.get("required") or ())
        properties = {
            name: self._compile(sub, base) for name, sub in (schema.get("properties") or {}).items()
        }
        items = schema.get("items")
        item = self._compile(items, base) if items is not None else None

        def check(value: Any) -> bool:
            if is_kind is not None and not is_kind(value):
                return False
            if allowed is not None and not (isinstance(value, str) and value in allowed):
                return False
            if isinstance(value, dict):
                for name in required:
                    if name not in value:
                        return False
                for name, sub in value.items():
                    inner = properties.get(name)
                    if inner is not None and not inner(sub):
                        return False
            elif item is not None and isinstance(value, list):
                for sub in value:
                    if not item(sub):
                        return False
            return True

        return check


class _Ref:
    """A `$ref` to another schema file, looked up on first use (the schemas refer to each
    other: a service holds its organization, which lists services)."""

    def __init__(self, checks: SchemaChecks, uri: str) -> None:
        self.checks, self.uri = checks, uri
        self.target: Check | None = None

    def __call__(self, value: Any) -> bool:
        if self.target is None:
            self.target = self.checks.check(self.uri)
        return self.target(value)
