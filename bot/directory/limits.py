"""What `relais directory import` accepts: files inside the package, of a bounded size.

A datapackage names its CSV files (`resources[].path`); a descriptor from elsewhere could
name `/etc/passwd` or `../../var/relais.db`. Every path is resolved (symlinks followed) and
must stay inside the package's folder; a file over `RELAIS_IMPORT_MAX_BYTES`, or a table
over `RELAIS_IMPORT_MAX_ROWS` rows, is refused before it is read whole. Nothing read from a
refused file is ever repeated in a message.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

DEFAULT_MAX_BYTES = 512 * 1024 * 1024
DEFAULT_MAX_ROWS = 2_000_000


def _positive(env: dict[str, str], name: str, default: int) -> int:
    try:
        value = int(env.get(name, "") or default)
    except ValueError:
        return default
    return value if value > 0 else default


@dataclass(frozen=True)
class ImportLimits:
    max_bytes: int = DEFAULT_MAX_BYTES
    """Largest file read (each JSON, CSV or descriptor file): `RELAIS_IMPORT_MAX_BYTES`."""
    max_rows: int = DEFAULT_MAX_ROWS
    """Most rows in one table (or objects in one JSON file): `RELAIS_IMPORT_MAX_ROWS`."""

    @classmethod
    def from_env(cls, env: dict[str, str] | None = None) -> ImportLimits:
        env = dict(os.environ if env is None else env)
        return cls(
            max_bytes=_positive(env, "RELAIS_IMPORT_MAX_BYTES", DEFAULT_MAX_BYTES),
            max_rows=_positive(env, "RELAIS_IMPORT_MAX_ROWS", DEFAULT_MAX_ROWS),
        )


def inside(folder: Path, declared: object) -> Path | None:
    """The file `declared` (a descriptor's `path`) names in `folder`, or None when it is not a
    plain relative path that stays inside the folder once symlinks are followed."""
    if not isinstance(declared, str) or not declared.strip() or "\x00" in declared:
        return None
    relative = Path(declared)
    if relative.is_absolute() or ".." in relative.parts or "://" in declared:
        return None
    base = folder.resolve()
    target = (base / relative).resolve()
    if target != base and base not in target.parents:
        return None
    return base / relative


def too_large(path: Path, limits: ImportLimits) -> bool:
    try:
        return path.stat().st_size > limits.max_bytes
    except OSError:
        return False  # reading it will say what is wrong
