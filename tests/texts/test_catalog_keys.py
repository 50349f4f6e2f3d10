"""Every catalog key the code reads exists, in French and English.

A key that does not exist fails only when its message is shown, often in one language on one
channel: last time the nine "call 211 with an interpreter" texts were silently dropped by a
key that did not exist. This reads the code instead of running it:
- Python (bot/, actions/): every string literal shaped like a key of a catalog area must be a
  key; an f-string key (`f"need.{need}.label"`) must match at least one key; every
  `response="utter_…"` must be a response of domain.yml;
- the web widget (`t("…")` → `widget.ui.…`), the console (`T["…"]` → `console.…`) and the
  templates (`t("…")`) the same way.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from functools import lru_cache
from pathlib import Path

import pytest
import yaml

from bot.settings import DOMAIN_PATH, ROOT
from bot.texts import LANGUAGES, catalog

PYTHON_ROOTS = (ROOT / "bot", ROOT / "actions")
KEY = re.compile(r"^[a-z0-9_]+(\.[a-z0-9_]+)+$")
FILE_SUFFIXES = (".yml", ".yaml", ".json", ".csv", ".py", ".js", ".html", ".txt", ".db")


@lru_cache(maxsize=1)
def areas() -> set[str]:
    """The first part of every catalog key (`dialogue`, `handoff`, `need`, `211`…)."""
    return {key.split(".", 1)[0] for key in catalog()}


def python_files() -> Iterator[Path]:
    for root in PYTHON_ROOTS:
        yield from root.rglob("*.py")


def _is_docstring(node: ast.Constant, parents: dict[ast.AST, ast.AST]) -> bool:
    parent = parents.get(node)
    return isinstance(parent, ast.Expr)


def literal_keys(path: Path) -> tuple[set[str], set[str], set[str]]:
    """(exact keys, f-string key patterns, response names) used in one Python file."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    parents = {child: node for node in ast.walk(tree) for child in ast.iter_child_nodes(node)}
    known = areas()
    exact: set[str] = set()
    patterns: set[str] = set()
    responses: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            value = node.value
            if (
                KEY.match(value)
                and value.split(".", 1)[0] in known
                and not value.endswith(FILE_SUFFIXES)
                and not _is_docstring(node, parents)
                and not _inside_fstring(node, parents)
            ):
                exact.add(value)
        elif isinstance(node, ast.JoinedStr):
            pattern = _fstring_pattern(node)
            head = pattern.split(".", 1)[0]
            if "." in pattern and head in known and re.fullmatch(r"[a-z0-9_.{}]+", pattern):
                patterns.add(pattern)
        elif (
            isinstance(node, ast.keyword)
            and node.arg == "response"
            and isinstance(node.value, ast.Constant)
            and isinstance(node.value.value, str)
        ):
            responses.add(node.value.value)
    return exact, patterns, responses


def _inside_fstring(node: ast.AST, parents: dict[ast.AST, ast.AST]) -> bool:
    return isinstance(parents.get(node), ast.JoinedStr)


def _fstring_pattern(node: ast.JoinedStr) -> str:
    parts = []
    for value in node.values:
        if isinstance(value, ast.Constant):
            parts.append(str(value.value))
        else:
            parts.append("{}")
    return "".join(parts)


def _matches(pattern: str, keys: set[str]) -> bool:
    regex = re.compile("^" + re.escape(pattern).replace(r"\{\}", r"[a-z0-9_]+") + "$")
    return any(regex.match(key) for key in keys)


@lru_cache(maxsize=1)
def domain_responses() -> set[str]:
    return set(yaml.safe_load(DOMAIN_PATH.read_text(encoding="utf-8"))["responses"])


def test_every_key_has_french_and_english():
    missing = [
        key
        for key, versions in catalog().items()
        if not all(versions.get(code) for code in LANGUAGES)
    ]
    assert not missing


@pytest.mark.parametrize("path", sorted(python_files()), ids=lambda p: str(p.relative_to(ROOT)))
def test_python_reads_only_keys_that_exist(path: Path):
    keys = set(catalog())
    exact, patterns, responses = literal_keys(path)
    # a literal may also be the stem of keys completed later (`f"{key}.name"`)
    unknown = {k for k in exact - keys if not any(key.startswith(k + ".") for key in keys)}
    assert sorted(unknown) == [], "keys not in bot/texts/catalog"
    assert sorted(p for p in patterns if not _matches(p, keys)) == [], "no key matches"
    assert sorted(responses - domain_responses()) == [], "responses not in domain.yml"


def _js_keys(paths: list[Path], pattern: str, prefix: str) -> set[str]:
    found: set[str] = set()
    for path in paths:
        found |= {prefix + key for key in re.findall(pattern, path.read_text(encoding="utf-8"))}
    return found


def test_widget_reads_only_keys_that_exist():
    used = _js_keys(
        sorted((ROOT / "widget" / "src").glob("*.js")), r'\bt\("([a-z_0-9]+)"\)', "widget.ui."
    )
    assert used and sorted(used - set(catalog())) == []


def test_console_reads_only_keys_that_exist():
    used = _js_keys(
        [ROOT / "bot/web/static/console/console.js"], r'\b(?:tr|fmt)\("([a-z_0-9.]+)"', "console."
    )
    assert used and sorted(used - set(catalog())) == []


def test_templates_read_only_keys_that_exist():
    templates = sorted((ROOT / "bot/web/templates").rglob("*.html"))
    used = _js_keys(templates, r"""\bt\(['"]([a-z_0-9.]+)['"]""", "")
    assert used and sorted(used - set(catalog())) == []


def test_the_checker_sees_a_missing_key(tmp_path: Path):
    """The test above can fail: a file reading a key that does not exist is caught."""
    sample = tmp_path / "sample.py"
    sample.write_text(
        "from bot.texts import t\n"
        'x = t("dialogue.utter.no_such_key", "fr")\n'
        'y = t(f"need.{n}.no_such_field", "fr")\n'
        'z = dispatcher.utter_message(response="utter_no_such_response")\n',
        encoding="utf-8",
    )
    exact, patterns, responses = literal_keys(sample)
    assert "dialogue.utter.no_such_key" in exact - set(catalog())
    assert "need.{}.no_such_field" in patterns
    assert not _matches("need.{}.no_such_field", set(catalog()))
    assert "utter_no_such_response" in responses - domain_responses()
