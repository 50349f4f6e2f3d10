"""Words around a name that say it is not where someone is.

A town name inside a 211 message is not always a place: "ma sœur Lorraine" is a person,
"Mme Mercier" a social worker, "poulet St-Hubert" a restaurant, "Hydro-Québec" a public
utility, "la Saint-Jean" a feast, "Saint-Jean-Baptiste day" a holiday, "accepter à contrecœur"
an idiom, "arriver au Québec" the province, "jsuis pas de montreal" a place denied. The word lists live in aliases.yml
(`not_place_before`, `feast_before`, `not_place_after`, `idioms`, `residence_words`,
`province_phrases`, `organizations`, `not_there`) so that a counsellor's report of a new case is a one-line
data change.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from bot.places import normalize

SAINTS: frozenset[str] = frozenset(["saint", "sainte", "saints", "saintes"])
ARTICLES: frozenset[str] = frozenset(["le", "la", "les", "l", "the"])
"""May stand between a locative and the place: "dans le Plateau", "in the Village"."""


def _folded(words: Any) -> frozenset[str]:
    return frozenset(normalize.fold(str(word)) for word in words or ())


@dataclass(frozen=True)
class ContextRules:
    """The lists of aliases.yml that veto a name found in a sentence."""

    not_place_before: frozenset[str]
    feast_before: frozenset[str]
    not_place_after: frozenset[str]
    idioms: frozenset[str]
    residence_words: frozenset[str]
    province_phrases: frozenset[str]
    organizations: frozenset[str] = frozenset()
    not_there: frozenset[str] = frozenset()
    """Words that deny the place named after them ("pas de Montréal", "not in Laval")."""

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> ContextRules:
        return cls(
            not_place_before=_folded(config.get("not_place_before")),
            feast_before=_folded(config.get("feast_before")),
            not_place_after=_folded(config.get("not_place_after")),
            idioms=_folded(config.get("idioms")),
            residence_words=_folded(config.get("residence_words")),
            province_phrases=_folded(config.get("province_phrases")),
            organizations=_folded(config.get("organizations")),
            not_there=_folded(config.get("not_there")),
        )

    def is_feast(self, words: list[str], start: int) -> bool:
        """A Saint-/Sainte- name after an article or a wish: "la Saint-Jean", "bonne St-Jean"."""
        return start > 0 and words[start] in SAINTS and words[start - 1] in self.feast_before

    def rejects(self, words: list[str], start: int, end: int, original: str) -> bool:
        """Whether `words[start:end]`, a name of the table, is no place in this sentence.

        `words` are the folded tokens of the sentence, `original` the name as written.
        """
        before = words[start - 1] if start > 0 else ""
        after = words[end] if end < len(words) else ""
        if before in self.not_place_before or after in self.not_place_after:
            return True
        if self.is_feast(words, start):
            return True
        # the province after one or two words ("au Québec", "province de Québec")
        if any(" ".join(words[max(start - n, 0) : end]) in self.province_phrases for n in (1, 2)):
            return True
        # a name inside an organization's ("Hydro-Québec", "Revenu Québec", "Québec solidaire")
        if any(
            " ".join(words[max(start - before_n, 0) : end + after_n]) in self.organizations
            for before_n in (0, 1, 2)
            for after_n in (0, 1)
            if before_n or after_n
        ):
            return True
        # a place denied: "jsuis pas de montreal", "not in the Plateau"
        if any(
            " ".join(words[max(start - n, 0) : start - skip]) in self.not_there
            for n, skip in ((2, 0), (3, 1))
            if skip == 0 or words[start - 1] in ARTICLES
        ):
            return True
        phrase = f"{before} {' '.join(words[start:end])}"
        if phrase in self.idioms and original == original.lower():
            return start < 2 or words[start - 2] not in self.residence_words
        return False
