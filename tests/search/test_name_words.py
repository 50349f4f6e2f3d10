"""The person's words found in a service's name (bot/search/name_words.py): a plain signal the
ranking adds to the encoder's similarity, so the one service that answers comes first whatever
the encoder's last digits on this machine."""

from __future__ import annotations

from bot.search.name_words import shares_a_word, stems


def test_words_are_folded_cut_and_stripped_of_the_empty_ones() -> None:
    assert stems("un dentiste pas cher pour mon fils") == {"dent", "cher", "fils"}
    assert stems("ça me prend un AVOCAT pour l'appel") == {"pren", "avoc", "appe"}
    assert stems("J'ai besoin d'aide, svp, merci") == frozenset()  # nothing says which service
    assert stems("Évincée du logement") == stems("evincee du LOGEMENT") == {"evin", "loge"}


def test_a_name_in_either_language_can_hold_the_word() -> None:
    dental = {"fr": "Clinique dentaire à faible coût", "en": "Low-cost dental clinic"}
    assert shares_a_word(stems("un dentiste pas cher"), dental)
    assert shares_a_word(stems("toothache, no dental insurance"), dental)
    assert not shares_a_word(stems("un dentiste pas cher"), {"fr": "Soins de santé", "en": ""})
    assert not shares_a_word(frozenset(), dental)
