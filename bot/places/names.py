"""Find the gazetteer's names in a run of folded tokens: longest match first, no overlap.

A plain dictionary of token tuples is enough here and keeps `match` free of spaCy, whose import
pulls in torch (about 20 s cold on a 2-core machine): the CLI and the action server must not
pay that to read "DDO". Inside a spaCy pipeline, bot/places/spacy_places.py wraps the
gazetteer so that both read the same names.
"""

from __future__ import annotations

from collections.abc import Iterable


class NameMatcher:
    """Longest non-overlapping runs of tokens that are names of the table, left to right."""

    def __init__(self, names: Iterable[str]) -> None:
        self._names: set[tuple[str, ...]] = {tuple(name.split()) for name in names if name}
        self.longest = max((len(n) for n in self._names), default=0)
        self.size = len(self._names)

    def find(self, words: list[str]) -> list[tuple[int, int]]:
        """(start, end) token ranges of the names found in `words`."""
        found: list[tuple[int, int]] = []
        start = 0
        while start < len(words):
            for size in range(min(self.longest, len(words) - start), 0, -1):
                if tuple(words[start : start + size]) in self._names:
                    found.append((start, start + size))
                    start += size
                    break
            else:
                start += 1
        return found
