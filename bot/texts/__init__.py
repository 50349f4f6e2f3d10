"""Every string a person, a counsellor or a staff member reads, in French and English.

Strings live in `catalog/*.yml`, one file per area, each key holding its languages side
by side so that a French text can never exist without its English twin (a test checks):

    need.food.label:
      fr: Alimentation
      en: Food

`t("need.food.label", "en")` returns the text; `{placeholders}` are filled from keyword
arguments. Languages other than French and English (es, ar, ht…) may appear on a few
keys; `t` falls back to French, then English, for a language a key does not have.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

CATALOG_DIR = Path(__file__).resolve().parent / "catalog"
LANGUAGES: tuple[str, ...] = ("fr", "en")
"""The two first-class languages: every key has both."""
DEFAULT_LANGUAGE = "fr"


class MissingText(KeyError):
    """A key that is in no catalog file."""


@lru_cache(maxsize=1)
def catalog() -> dict[str, dict[str, str]]:
    """All catalog files merged; a key defined twice is an error, not a silent override."""
    merged: dict[str, dict[str, str]] = {}
    for path in sorted(CATALOG_DIR.glob("*.yml")):
        with path.open(encoding="utf-8") as handle:
            entries = yaml.safe_load(handle) or {}
        for key, versions in entries.items():
            if key in merged:
                raise ValueError(f"{path.name}: text key {key!r} is already defined elsewhere")
            if not isinstance(versions, dict):
                raise ValueError(f"{path.name}: text key {key!r} must map languages to texts")
            merged[key] = {lang: str(text) for lang, text in versions.items()}
    return merged


def normalize_language(language: str | None) -> str:
    """`fr-CA`, `FR`, `en_US` → `fr`/`en`; anything else → the default language."""
    code = (language or "").strip().lower().replace("_", "-").split("-")[0]
    return code if code in LANGUAGES else DEFAULT_LANGUAGE


def has(key: str) -> bool:
    """Whether the catalog defines `key`."""
    return key in catalog()


def t(key: str, language: str | None = None, /, **variables: Any) -> str:
    """The text for `key` in `language`, with `{placeholders}` filled in."""
    try:
        versions = catalog()[key]
    except KeyError:
        raise MissingText(key) from None
    code = (language or DEFAULT_LANGUAGE).strip().lower().replace("_", "-").split("-")[0]
    chosen = (
        code if code in versions else DEFAULT_LANGUAGE if DEFAULT_LANGUAGE in versions else "en"
    )
    text = versions[chosen]
    if not variables:
        return text
    for name, value in variables.items():
        # a value ending a sentence with its own period ("back today at 8 a.m.") takes the
        # sentence's: "8 a.m.." is a typo a person sees
        if str(value).endswith("."):
            text = text.replace("{" + name + "}.", "{" + name + "}")
        if chosen == "fr":
            text, variables[name] = _french_de(text, name, value)
    return text.format(**variables)


_VOWELS = tuple("AEIOUÀÂÉÈÊËÎÏÔÖÙÛaeiouàâéèêëîïôöùû")  # not Y: "de Yamaska"


def _french_de(text: str, name: str, value: Any) -> tuple[str, Any]:
    """French "de" before a name: "près d'Anjou", "près du Plateau-Mont-Royal", "près des
    Cèdres" (not "près de Anjou", "près de Le Plateau")."""
    slot = "de {" + name + "}"
    if not isinstance(value, str) or slot not in text:
        return text, value
    if value.startswith(_VOWELS):
        return text.replace(slot, "d'{" + name + "}"), value
    if text.count("{" + name + "}") == 1:
        for article, contracted in (("Le ", "du "), ("Les ", "des ")):
            if value.startswith(article):
                return text.replace(slot, contracted + "{" + name + "}"), value[len(article) :]
    return text, value


def both(key: str, /, **variables: Any) -> dict[str, str]:
    """`{"fr": …, "en": …}` for `key`: for API errors and other bilingual payloads."""
    return {lang: t(key, lang, **variables) for lang in LANGUAGES}
