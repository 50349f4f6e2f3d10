"""Small-cell suppression of a table of counts, complementary suppression included.

A published cell counting fewer than `k` conversations could point at a person, so its count
is withheld (primary suppression). Withholding it alone is not enough when totals are
published too: a row total minus the other cells of the row gives it back. So every additive
line (each row and each column with its total, the row of column totals and the column of
row totals with the grand total) is checked: when exactly one of its members is withheld,
the smallest other non-zero member is withheld too (complementary suppression), preferring
an inner cell to a total; repeated until no line has a single withheld member.

Cells are keyed `(row, column)`; `TOTAL` names the margins. Zero cells are absent (a count of
zero is published as such by its absence and needs no protection).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Hashable, Mapping
from dataclasses import dataclass

TOTAL = "total"
K = 5
"""The open-data threshold: a cell counting fewer conversations is never published."""

Cell = tuple[Hashable, Hashable]


@dataclass(frozen=True)
class Suppressed:
    """Counts with margins, and the cells withheld."""

    counts: dict[Cell, int]
    hidden: frozenset[Cell]

    def value(self, cell: Cell) -> int | None:
        return None if cell in self.hidden else self.counts.get(cell, 0)


def with_margins(cells: Mapping[Cell, int]) -> dict[Cell, int]:
    """The cells, their row totals `(r, TOTAL)`, column totals `(TOTAL, c)` and the grand
    total `(TOTAL, TOTAL)`."""
    counts: dict[Cell, int] = {cell: n for cell, n in cells.items() if n}
    rows: dict[Hashable, int] = defaultdict(int)
    cols: dict[Hashable, int] = defaultdict(int)
    for (r, c), n in counts.items():
        rows[r] += n
        cols[c] += n
    grand = sum(rows.values())
    counts.update({(r, TOTAL): n for r, n in rows.items()})
    counts.update({(TOTAL, c): n for c, n in cols.items()})
    if counts:
        counts[(TOTAL, TOTAL)] = grand
    return counts


def _lines(counts: Mapping[Cell, int]) -> list[list[Cell]]:
    """Every additive line: a total with the cells it sums."""
    by_row: dict[Hashable, list[Cell]] = defaultdict(list)
    by_col: dict[Hashable, list[Cell]] = defaultdict(list)
    for cell in counts:
        by_row[cell[0]].append(cell)
        by_col[cell[1]].append(cell)
    return [*by_row.values(), *by_col.values()]


def suppress(cells: Mapping[Cell, int], k: int = K) -> Suppressed:
    """Suppress `cells` (inner cells only; margins are added here) with threshold `k`."""
    counts = with_margins(cells)
    hidden = {cell for cell, n in counts.items() if 0 < n < k}
    lines = _lines(counts)
    changed = True
    while changed:
        changed = False
        for line in lines:
            withheld = [cell for cell in line if cell in hidden]
            if len(withheld) != 1:
                continue
            candidates = [c for c in line if c not in hidden and counts[c] > 0]
            if not candidates:
                continue
            inner = [c for c in candidates if TOTAL not in c]
            pick = min(inner or candidates, key=lambda c: (counts[c], str(c)))
            hidden.add(pick)
            changed = True
    return Suppressed(counts, frozenset(hidden))


def suppress_1d(values: Mapping[Hashable, int], k: int = K) -> Suppressed:
    """A one-way table (with its total): cells keyed `(value, TOTAL)`."""
    return suppress({(value, "all"): n for value, n in values.items()}, k)


__all__ = ["TOTAL", "K", "Suppressed", "suppress", "suppress_1d", "with_margins"]
