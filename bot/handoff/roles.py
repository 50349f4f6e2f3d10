"""Console roles: counsellor < staff < admin; each may do what the roles below it may.

Counsellors answer people; staff also keep the canned responses and will see the statistics
dashboard (`/console/stats`); admins also manage accounts.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .store import ROLES

COUNSELLOR, STAFF, ADMIN = ROLES


def rank(role: str | None) -> int:
    """The role's place in `ROLES` (-1 for an unknown one, which may do nothing)."""
    return ROLES.index(role) if role in ROLES else -1


def has_role(account: Mapping[str, Any] | None, role: str) -> bool:
    """Whether `account` (a counsellor row) is active and has `role` or a higher one."""
    if role not in ROLES:
        raise ValueError(f"unknown role {role!r}")
    if not account or not account.get("active"):
        return False
    return rank(account.get("role") or COUNSELLOR) >= rank(role)


__all__ = ["ADMIN", "COUNSELLOR", "ROLES", "STAFF", "has_role", "rank"]
