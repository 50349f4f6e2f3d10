"""The committed bundle: small, built from the current sources, and HTML-free rendering."""

from __future__ import annotations

import gzip
import hashlib
import re
import shutil
import subprocess

import pytest

from bot import texts
from bot.settings import ROOT
from bot.web.widget import BUNDLE

WIDGET = ROOT / "widget"
MAX_GZIP_BYTES = 60 * 1024


def inputs_hash() -> str:
    """Same hash as widget/build.mjs: sources sorted by name, then the lock file."""
    digest = hashlib.sha256()
    for path in sorted((WIDGET / "src").iterdir(), key=lambda p: p.name):
        digest.update(path.name.encode() + b"\0")
        digest.update(path.read_bytes())
    digest.update((WIDGET / "package-lock.json").read_bytes())
    return digest.hexdigest()


def test_bundle_is_built_from_the_current_sources() -> None:
    banner = BUNDLE.read_text(encoding="utf-8")[:200]
    assert f"inputs sha256:{inputs_hash()}" in banner, "stale bundle: cd widget && npm run build"


def test_bundle_is_small() -> None:
    assert len(gzip.compress(BUNDLE.read_bytes(), 9)) <= MAX_GZIP_BYTES


@pytest.mark.skipif(
    not (WIDGET / "node_modules" / "esbuild").exists() or not shutil.which("node"),
    reason="node_modules missing: `cd widget && npm ci` (the hash test above still guards)",
)
def test_fresh_build_is_byte_identical() -> None:
    result = subprocess.run(
        ["node", "build.mjs", "--check"], cwd=WIDGET, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr


def test_sources_never_parse_html() -> None:
    for path in (WIDGET / "src").glob("*.js"):
        code = path.read_text(encoding="utf-8")
        for sink in (".innerHTML", ".outerHTML", ".insertAdjacentHTML", "document.write", "eval("):
            assert sink not in code, f"{path.name} uses {sink}"


def test_every_text_the_widget_uses_is_in_the_catalog() -> None:
    used: set[str] = set()
    for path in (WIDGET / "src").glob("*.js"):
        used |= set(re.findall(r"\bt\(\"([a-z_]+)\"\)", path.read_text(encoding="utf-8")))
    assert len(used) > 20
    missing = {key for key in used if not texts.has(f"widget.ui.{key}")}
    assert not missing
