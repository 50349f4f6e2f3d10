"""Small-cell suppression, complementary suppression included (bot.stats.suppression)."""

from __future__ import annotations

import itertools

from bot.stats.suppression import TOTAL, suppress


def recoverable(cells: dict, hidden: frozenset, counts: dict) -> list:
    """Hidden cells that one additive line gives back (total minus the published others)."""
    found = []
    lines: dict = {}
    for cell in counts:
        lines.setdefault(("row", cell[0]), []).append(cell)
        lines.setdefault(("col", cell[1]), []).append(cell)
    for line in lines.values():
        withheld = [c for c in line if c in hidden]
        if len(withheld) == 1:
            found.append(withheld[0])
    return found


def test_small_cells_are_withheld_and_cannot_be_recomputed_from_totals() -> None:
    cells = {("food", "66023"): 12, ("food", "65005"): 3, ("housing", "66023"): 7,
             ("housing", "65005"): 9, ("legal", "66023"): 6}  # fmt: skip
    done = suppress(cells)
    assert ("food", "65005") in done.hidden  # primary
    assert done.value(("food", TOTAL)) is None or done.value(("food", "66023")) is None
    assert not recoverable(cells, done.hidden, done.counts)
    assert all(done.counts[c] >= 5 for c in done.counts if c not in done.hidden)


def test_a_lone_small_cell_hides_its_total_too() -> None:
    done = suppress({("crisis", "suicide"): 2})
    assert done.value(("crisis", "suicide")) is None
    assert done.value(("crisis", TOTAL)) is None and done.value((TOTAL, TOTAL)) is None


def test_no_suppression_when_every_cell_is_large() -> None:
    done = suppress({("a", "x"): 5, ("a", "y"): 8, ("b", "x"): 40})
    assert not done.hidden
    assert done.value(("a", TOTAL)) == 13 and done.value((TOTAL, TOTAL)) == 53


def test_random_tables_never_leave_a_cell_recoverable() -> None:
    import random

    rng = random.Random(17)
    for _ in range(300):
        rows, cols = rng.randint(1, 5), rng.randint(1, 5)
        cells = {(r, c): rng.choice([0, 1, 2, 3, 4, 5, 6, 9, 20])
                 for r, c in itertools.product(range(rows), range(cols))}  # fmt: skip
        done = suppress(cells)
        assert not recoverable(cells, done.hidden, done.counts)
        assert all(n >= 5 for c, n in done.counts.items() if c not in done.hidden)
