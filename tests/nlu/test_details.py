"""`ServiceDetailExtractor`: what a question about the cards asks, and which card."""

import pytest

from bot.dialogue.details import DETAILS_INTENT as DETAILS
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


@pytest.mark.parametrize(
    ("text", "detail"),
    [
        # waiting time (HSDS service.wait_time), the elided "d'" glued or typed without
        ("y a tu une liste d'attente?", "wait"),
        ("ya tu une liste dattente", "wait"),
        ("ça prend combien de temps avant d'avoir une place", "wait"),
        ("is there a waiting list?", "wait"),
        ("how long is the wait", "wait"),
        # online or in person (location_type, url)
        ("c'est tu en ligne ou faut se déplacer?", "online"),
        ("faut tu y aller en personne", "online"),
        ("is it online or in person?", "online"),
        ("can i do it from home", "online"),
        # who it is for, ages and income
        ("c'est pour les adultes?", "eligibility"),
        ("faut-tu avoir un revenu bas?", "eligibility"),
        ("c'est ouvert aux hommes aussi?", "eligibility"),
        ("is there a minimum age", "eligibility"),
        ("do you have to be low income", "eligibility"),
        # how to apply: referral, calling first, documents
        ("do I need a referral from a doctor?", "process"),
        ("faut tu que j'appelle avant?", "process"),
        ("faut tu une référence du médecin", "process"),
        ("what documents do I need?", "process"),
        ("do i have to call them first", "process"),
        # 211 and this conversation
        ("c'est tu confidentiel?", "confidential"),
        ("is this anonymous", "confidential"),
    ],
)
def test_the_new_details_asked(text, detail):
    assert ("detail", detail) in asked(text)


@pytest.mark.parametrize(
    ("text", "not_asked"),
    [
        ("faut tu que j'appelle avant?", "contact"),  # calling first is how to apply
        ("do i have to call them first", "contact"),
        ("c'est ouvert aux hommes aussi?", "hours"),  # open to men: who it is for
        ("je suis sans statut, ils vont m'aider quand même?", "hours"),  # "quand même": anyway
        ("ça prend combien de temps pour me rendre au #1", "wait"),  # the way there
        ("how long does it take to get there", "wait"),
        ("parle-moi plus du 2e", "languages"),  # "tell me more", not a language
        ("ont-ils une adresse courriel", "address"),
    ],
)
def test_a_word_shared_with_another_detail_is_not_that_detail(text, not_asked):
    assert ("detail", not_asked) not in asked(text)


@pytest.mark.parametrize(
    "text", ["do they take dogs?", "ils acceptent les chiens?", "do they accept pets"]
)
def test_what_no_detail_holds_names_no_detail(text):
    """Answered "the directory doesn't say" with the phones, not hours and fees."""
    assert [v for e, v in asked(text) if e == "detail"] == []


@pytest.mark.parametrize(
    ("text", "card"),
    [("et le 2e?", "2"), ("what about the last one?", "last"), ("ok pis?", None)],
)
def test_a_card_named_alone_asks_for_its_main_facts(text, card):
    found = asked(text)
    assert ("detail", "overview") in found
    assert [v for e, v in found if e == "card"] == ([card] if card else [])


def test_a_card_named_with_a_question_no_detail_holds_is_not_an_overview():
    assert asked("le 2e prend tu les chiens?") == [("card", "2")]


@pytest.mark.parametrize(
    "text", ["c'est quoi ces places-là?", "tell me more about them", "ils font quoi au juste"]
)
def test_tell_me_more_is_an_overview(text):
    assert ("detail", "overview") in asked(text)


@pytest.mark.parametrize(
    ("text", "card"),
    [
        ("c'est où le plus proche?", "nearest"),
        ("où est le plus proche?", "nearest"),
        ("la plus proche est où?", "nearest"),
        ("c'est quoi le plus près", "nearest"),
        ("laquelle des ressources est la plus proche", "nearest"),
        ("where's the closest one?", "nearest"),
        ("which of these is nearest", "nearest"),
        ("lequel est ouvert demain?", "which"),
        ("y en a tu un pour les femmes?", "which"),
        ("which one is free?", "which"),
        ("is any of them open on sunday", "which"),
    ],
)
def test_a_question_that_picks_among_the_cards(text, card):
    assert [v for e, v in asked(text) if e == "card"] == [card]


@pytest.mark.parametrize(
    "text",
    ["where is the nearest metro?", "which floor is it on", "do i have to call them first"],
)
def test_no_card_in_access_questions_or_calling_first(text):
    assert [v for e, v in asked(text) if e == "card"] == []


def test_where_is_the_nearest_asks_its_address():
    found = asked("c'est où le plus proche?")
    assert ("card", "nearest") in found and ("detail", "address") in found
    assert ("detail", "address") in asked("where's the closest one?")


@pytest.mark.parametrize(
    ("text", "intent", "ranking"),
    [
        ("c'est tu confidentiel?", "bot_challenge", [("bot_challenge", 0.44), (DETAILS, 0.43)]),
        ("is this confidential?", "bot_challenge", [("bot_challenge", 0.45), (DETAILS, 0.3)]),
        ("est-ce que c'est anonyme", "chitchat", [("chitchat", 0.5), ("greet", 0.1)]),
    ],
)
def test_confidentiality_alone_becomes_a_question_about_the_services(
    make_component, message, entity_values, text, intent, ranking
):
    """It was a bot challenge or "please rephrase" (two readings within the margin)."""
    msg = message(text, intent=intent, confidence=ranking[0][1], ranking=ranking)
    make_component(ServiceDetailExtractor).process([msg])
    assert msg.get("intent")["name"] == DETAILS
    shares = sum(c for n, c in ranking if n in (intent, DETAILS))
    assert msg.get("intent")["confidence"] == pytest.approx(shares)
    names = [r["name"] for r in msg.get("intent_ranking")]
    assert names[0] == DETAILS and intent not in names and names.count(DETAILS) == 1
    assert entity_values(msg, "detail") == ["confidential"]


@pytest.mark.parametrize(
    ("text", "intent"),
    [
        ("est-ce que c'est confidentiel ce que je t'écris, t'es qui", "bot_challenge"),
        ("c'est un robot ou c'est confidentiel?", "bot_challenge"),
        ("c'est tu confidentiel? je cherche de l'aide pour ma consommation", "need_addiction"),
        ("j'ai besoin d'aide confidentielle", "need_unspecified"),
    ],
)
def test_other_messages_naming_confidentiality_keep_their_intent(
    make_component, message, entity_values, text, intent
):
    msg = message(text, intent=intent)
    make_component(ServiceDetailExtractor).process([msg])
    assert msg.get("intent")["name"] == intent
    assert entity_values(msg, "detail") == []


@pytest.mark.parametrize(
    ("text", "intent", "detail"),
    [
        # a tester's question read as a goodbye ("bonne fin de semaine"): the chat ended
        ("pis y livrent tu la fin de semaine?", "goodbye", "hours"),
        ("ils livrent tu le samedi", "goodbye", "hours"),
        ("merci! c'est gratuit?", "thanks", "fees"),
        ("ok thanks, are they open on sunday?", "thanks", "hours"),
    ],
)
def test_a_question_of_a_detail_read_as_a_courtesy_is_the_question(
    make_component, message, entity_values, text, intent, detail
):
    msg = message(text, intent=intent, confidence=0.3, ranking=[(intent, 0.3), (DETAILS, 0.2)])
    make_component(ServiceDetailExtractor).process([msg])
    assert msg.get("intent")["name"] == DETAILS
    assert detail in entity_values(msg, "detail")


@pytest.mark.parametrize(
    ("text", "intent"),
    [
        ("merci, bonne fin de semaine!", "goodbye"),
        ("bye, à demain", "goodbye"),
        ("merci beaucoup", "thanks"),
        ("bonjour, vous êtes là?", "greet"),
    ],
)
def test_a_courtesy_stays_a_courtesy(make_component, message, text, intent):
    msg = message(text, intent=intent)
    make_component(ServiceDetailExtractor).process([msg])
    assert msg.get("intent")["name"] == intent


@pytest.mark.parametrize(
    ("text", "need", "need_share", "question_share", "detail"),
    [
        # a tester after the cards: "please rephrase", then the same health list again
        ("cest pour les adultes?", "need_education", 0.33, 0.34, "eligibility"),
        ("do I need a referral from a doctor?", "need_health", 0.44, 0.34, "process"),
        ("est-ce que ça prend une carte soleil?", "need_government", 0.46, 0.27, "process"),
    ],
)
@pytest.mark.parametrize("question_first", [False, True])
def test_a_question_of_a_detail_split_with_a_need_is_the_question(
    make_component,
    message,
    entity_values,
    text,
    need,
    need_share,
    question_share,
    detail,
    question_first,
):
    ranking = [(need, need_share), (DETAILS, question_share)]
    if question_first:  # "c'est pour les adultes?": question 0.34, education 0.33
        ranking = [(DETAILS, need_share), (need, question_share)]
    msg = message(text, intent=ranking[0][0], confidence=ranking[0][1], ranking=ranking)
    make_component(ServiceDetailExtractor).process([msg])
    assert msg.get("intent")["name"] == DETAILS
    assert msg.get("intent")["confidence"] == pytest.approx(need_share + question_share)
    assert detail in entity_values(msg, "detail")


@pytest.mark.parametrize(
    ("text", "need", "need_share", "question_share"),
    [
        # a need asked as a question, the question's share under half the need's
        (
            "on est étudiants pis on arrive pu à payer l'épicerie, y a tu de l'aide pour nous?",
            "need_food",
            0.56,
            0.14,
        ),
        ("une clinique sans rendez-vous ouverte le soir?", "need_health", 0.93, 0.01),
        # a split vote, but no question naming a detail
        ("j'ai besoin d'aide avec mes devoirs", "need_education", 0.35, 0.34),
        # a crisis is never rerouted
        ("ça prend tu une preuve pour appeler le 911? il me frappe", "crisis_violence", 0.4, 0.35),
    ],
)
def test_a_need_asked_as_a_question_stays_a_need(
    make_component, message, text, need, need_share, question_share
):
    msg = message(
        text,
        intent=need,
        confidence=need_share,
        ranking=[(need, need_share), (DETAILS, question_share)],
    )
    make_component(ServiceDetailExtractor).process([msg])
    assert msg.get("intent")["name"] == need


# --- the day asked about: entity `day_asked` ----------------------------------------------------


@pytest.mark.parametrize(
    ("text", "day"),
    [
        ("lequel est ouvert demain?", "tomorrow"),
        ("lequel est ouvert aujourd'hui", "today"),
        ("lequel est ouvert ce soir?", "tonight"),
        ("y en a tu un d'ouvert à soir", "tonight"),
        ("lequel est ouvert samedi", "saturday"),
        ("y en a tu un ouvert le dimanche?", "sunday"),
        ("lesquels sont ouverts maintenant", "now"),
        ("y en a tu un d'ouvert asteure?", "now"),
        ("which one is open tomorrow?", "tomorrow"),
        ("which one is open on Saturday?", "saturday"),
        ("which ones are open now?", "now"),
        ("is any of them open tonight", "tonight"),
        ("are they open today", "today"),
        ("vous êtes ouverts la fin de semaine?", "weekend"),
        ("y sont tu ouverts en fds", "weekend"),
        ("c'est ouvert samedi ou dimanche?", "weekend"),  # both days: the weekend
        ("is any of them open on weekends", "weekend"),
        ("which one is open this week-end?", "weekend"),
    ],
)
def test_the_day_asked(text, day):
    assert [v for e, v in asked(text) if e == "day_asked"] == [day]
    assert ("detail", "hours") in asked(text)


@pytest.mark.parametrize(
    "text",
    [
        "lequel est ouvert le plus tard?",
        "ils sont ouverts du lundi au vendredi?",  # a range: each card's weekly hours
        "ouvert le vendredi ou le samedi?",
        "which one is open today or tomorrow",
        "sont tu ouverts après-demain?",  # no answer says "après-demain"
        "open the day after tomorrow?",
        "ils sont ouverts le soir?",  # evening hours, not tonight
    ],
)
def test_no_day_or_several_days_names_no_day(text):
    assert [v for e, v in asked(text) if e == "day_asked"] == []


def test_the_day_only_on_a_question_about_the_cards(make_component, message, entity_values):
    extractor = make_component(ServiceDetailExtractor)
    question = message("lequel est ouvert demain?", intent="ask_service_details")
    need = message("un dépannage ouvert le dimanche", intent="need_food")
    extractor.process([question, need])
    assert entity_values(question, "day_asked") == ["tomorrow"]
    assert entity_values(question, "card") == ["which"]
    assert entity_values(need, "day_asked") == []


def test_a_day_does_not_stop_confidentiality_alone_from_being_the_question(
    make_component, message, entity_values
):
    ranking = [("bot_challenge", 0.44), (DETAILS, 0.43)]
    msg = message("c'est tu confidentiel maintenant?", intent="bot_challenge", ranking=ranking)
    make_component(ServiceDetailExtractor).process([msg])
    assert msg.get("intent")["name"] == DETAILS
    assert entity_values(msg, "detail") == ["confidential"]


@pytest.mark.parametrize(
    ("text", "intent", "day"),
    [
        # a tester after the cards: the welcome came again, or the suicide line
        ("et demain matin?", "greet", "tomorrow"),
        ("what about tomorrow morning?", "greet", "tomorrow"),
        ("pis le soir?", "crisis_suicide", None),
        ("and on saturday?", "out_of_scope", "saturday"),
        ("ce soir?", "chitchat", "tonight"),
    ],
)
def test_a_day_or_a_time_alone_asks_the_hours(
    make_component, message, entity_values, text, intent, day
):
    msg = message(text, intent=intent, confidence=0.3, ranking=[(intent, 0.3), (DETAILS, 0.1)])
    make_component(ServiceDetailExtractor).process([msg])
    assert msg.get("intent")["name"] == DETAILS
    assert "hours" in entity_values(msg, "detail")
    assert entity_values(msg, "day_asked") == ([day] if day else [])


@pytest.mark.parametrize(
    ("text", "intent"),
    [
        ("à demain!", "goodbye"),
        ("ok merci, à demain", "goodbye"),
        ("see you tomorrow", "goodbye"),
        ("bonne soirée", "goodbye"),
        ("ok now what?", "chitchat"),
        ("j'ai besoin d'un lit pour ce soir", "need_shelter"),
    ],
)
def test_a_day_with_more_said_is_not_the_hours_asked(make_component, message, text, intent):
    msg = message(text, intent=intent, confidence=0.8)
    make_component(ServiceDetailExtractor).process([msg])
    assert msg.get("intent")["name"] == intent
