"""`ServiceDetailExtractor`: what a question about the cards asks, and which card."""

import pytest

from bot.nlu.details import ServiceDetailExtractor, default_lexicon


def asked(text: str) -> list[tuple[str, str]]:
    return [(f.entity, f.value) for f in default_lexicon().find(text)]


@pytest.mark.parametrize(
    ("text", "detail"),
    [
        ("c'est tu gratuit?", "fees"),
        ("ça coûte combien", "fees"),
        ("do i have to pay anything", "fees"),
        ("ils sont ouverts quand?", "hours"),
        ("are they open on sunday", "hours"),
        ("ils parlent tu espagnol là-bas", "languages"),
        ("do they speak arabic", "languages"),
        ("c'est où exactement?", "address"),
        ("is there parking", "address"),
        ("faut-il prendre rendez-vous", "process"),
        ("can i just walk in", "process"),
        ("est-ce que j'ai droit à ça", "eligibility"),
        ("is it only for women", "eligibility"),
        ("c koi leur numéro de téléphone", "contact"),
        ("do they have a website", "contact"),
    ],
)
def test_the_detail_asked(text, detail):
    assert ("detail", detail) in asked(text)


@pytest.mark.parametrize(
    ("text", "card"),
    [
        ("pis le 2e, c'est ouvert quand?", "2"),
        ("tell me more about the second one", "2"),
        ("#3 do they have a website", "3"),
        ("numéro 1 svp, c'est gratuit?", "1"),
        ("le premier c'est où", "1"),
        ("the last one, is it free", "last"),
        ("le plus proche c lequel?", "nearest"),
        ("lequel est le plus près de chez nous", "nearest"),
        ("which one's the closest", "nearest"),
        ("the nearest one, is it open now?", "nearest"),
        ("ya tu qqch de plus proche", "nearest"),
        ("y a rien de plus près de chez moi?", "nearest"),
        ("anything closer?", "nearest"),
        ("is there something a bit closer to verdun", "nearest"),
        ("vous en avez pas d'autres plus proches?", "nearest"),
        ("c'est loin, y a pas plus près?", "nearest"),
        ("any place that's closer to home", "nearest"),
    ],
)
def test_the_card_named(text, card):
    assert ("card", card) in asked(text)


@pytest.mark.parametrize(
    ("text", "codes"),
    [("do they speak spanish?", ["es"]), ("ils parlent-tu arabe ou espagnol", ["ar", "es"])],
)
def test_the_languages_named(text, codes):
    assert [v for e, v in asked(text) if e == "language_asked"] == codes


def test_the_nearest_metro_is_a_detail_of_access_not_a_card():
    assert asked("c'est quoi le métro le plus proche") == [("detail", "address")]


def test_card_numbers_are_not_contact_details_nor_or_an_address():
    # "numéro 2" names a card, not a phone number; "ou" (or) is not "où" (where)
    assert asked("numéro 2, c'est gratuit ou payant?") == [("card", "2"), ("detail", "fees")]


def test_several_details_in_the_order_asked():
    assert [v for e, v in asked("is it free and when do they open?") if e == "detail"] == [
        "fees",
        "hours",
    ]


def test_entities_only_on_a_question_about_the_cards(make_component, message, entity_values):
    extractor = make_component(ServiceDetailExtractor)
    question = message("ils ouvrent quand le 2e?", intent="ask_service_details")
    need = message("un dépannage ouvert le dimanche", intent="need_food")
    extractor.process([question, need])
    assert entity_values(question, "detail") == ["hours"]
    assert entity_values(question, "card") == ["2"]
    assert entity_values(need, "detail") == [] and entity_values(need, "card") == []


@pytest.mark.parametrize("text", ["y en a tu un pour les femmes?", "is any of them for seniors"])
def test_who_it_is_for(text):
    assert ("detail", "eligibility") in asked(text)
