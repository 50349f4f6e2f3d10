import pytest

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
