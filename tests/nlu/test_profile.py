import re

import pytest

from bot.nlu.crisis import default_rules
from bot.nlu.lexicons import lexicon_words
from bot.nlu.needs import default_lexicon as need_lexicon
from bot.nlu.profile import ProfileExtractor, default_lexicon


@pytest.mark.parametrize(
    ("text", "group"),
    [
        ("j'ai 16 ans", "youth"),
        ("ma mère de 82 ans", "senior"),
        ("my 82 year old mom", "senior"),
        ("I'm 30 and homeless", "adult"),
        ("mon bébé a besoin de couches", "child"),
        ("je suis une personne âgée", "senior"),
        ("ma grand-maman a besoin d'aide", "senior"),
    ],
)
def test_age_groups(text, group):
    assert group in [v for e, v, _, _ in default_lexicon().find(text) if e == "age_group"]


def test_populations(make_component, message, entity_values):
    extractor = make_component(ProfileExtractor)
    msg = message("je suis étudiante, autochtone et trans")
    extractor.process([msg])
    assert entity_values(msg, "population") == ["students", "indigenous", "lgbtq"]


def test_nothing_found(make_component, message, entity_values):
    extractor = make_component(ProfileExtractor)
    msg = message("j'ai besoin d'aide")
    extractor.process([msg])
    assert entity_values(msg, "population") == [] and entity_values(msg, "age_group") == []


def test_the_age_of_an_elder_is_the_senior_band():
    """words_lexicon.yml's `elder_years` (the needs' and crisis lines' elder) and the profile's
    `senior` age band are one fact: every age from 0 to 119 falls on the same side of both."""
    elder_years = re.compile(lexicon_words()["elder_years"])
    lexicon = default_lexicon()
    for age in range(120):
        assert bool(elder_years.fullmatch(str(age))) == (lexicon.group_for_age(age) == "senior")


@pytest.mark.parametrize(
    "text",
    ["ma voisine a 83 ans pis elle est tombée", "my granny fell and can't get up"],
)
def test_an_elder_named_is_one_fact_for_the_needs_the_crisis_lines_and_the_profile(text):
    assert "seniors" in [need for need, _, _ in need_lexicon().find(text)]
    assert default_rules().match(text).elder_only
    assert "senior" in [v for e, v, _, _ in default_lexicon().find(text) if e == "age_group"]
