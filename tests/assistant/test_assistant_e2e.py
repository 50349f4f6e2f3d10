"""End to end: a REAL Rasa server and a REAL action server (the shared stack of
tests/stacks.py), talked to over the REST channel, on the demo directory in a temporary SQLite
database; the "action server down" test stops and restarts the action server.
"""

from __future__ import annotations

import uuid
from datetime import datetime

import pytest

from bot.dialogue.results import card_name
from bot.ops.rasa_client import RasaClient
from bot.ops.stack import Stack
from bot.texts import t

pytestmark = [pytest.mark.integration, pytest.mark.slow]


def texts(messages: list[dict]) -> str:
    return "\n".join(m.get("text") or "" for m in messages)


def cards(messages: list[dict]) -> list[dict]:
    found = [
        m["custom"] for m in messages if (m.get("custom") or {}).get("type") == "service_results"
    ]
    return found[0]["cards"] if found else []


def sender() -> str:
    return f"e2e-{uuid.uuid4().hex[:10]}"


def payloads(messages: list[dict]) -> list[str]:
    return [b["payload"] for m in messages for b in m.get("buttons") or []]


async def say_need(rasa: RasaClient, me: str, text: str, need: str) -> list[dict]:
    """Say a need in words; when the assistant is unsure and offers choices, the need must be
    among them and is clicked, as a person would."""
    reply = await rasa.send(me, text)
    if f"/need_{need}" in payloads(reply) and not cards(reply):
        reply = await rasa.send(me, f"/need_{need}")
    return reply


async def ask_after_the_cards(
    stack: Stack, need_text: str, place: str, question: str
) -> tuple[list[dict], list[dict], dict]:
    """A need, a place, then a question about the cards shown: (cards, reply, tracker)."""
    me = sender()
    async with stack.client() as rasa:
        await rasa.send(me, need_text)
        shown = cards(await rasa.send(me, place))
        assert len(shown) >= 2, "cards for the need"
        reply = await rasa.send(me, question)
        return shown, reply, await rasa.tracker(me)


async def test_french_conversation_need_place_cards(stack: Stack) -> None:
    me = sender()
    async with stack.client() as rasa:
        assert "211" in texts(await rasa.send(me, "Bonjour"))
        asked = await say_need(rasa, me, "j'ai besoin de nourriture pour mes enfants", "food")
        assert "ville" in texts(asked) or "quartier" in texts(asked)
        results = await rasa.send(me, "Laval")
        shown = cards(results)
        assert len(shown) == 3
        assert all(card["name"] in texts(results) for card in shown)
        assert "Que voulez-vous faire" in texts(results)
        assert [b["title"] for b in results[-1]["buttons"]][-3:] == [
            "Un autre besoin",
            "Parler à une personne intervenante",
            "C'est tout, merci",
        ]
        distances = [c["distance_km"] for c in shown if c["distance_km"] is not None]
        assert distances == sorted(distances)
        tracker = await rasa.tracker(me)
        assert tracker["slots"]["place"]["code_geo"] == "65005"
        assert tracker["slots"]["need"] == "food"


async def test_english_conversation_need_place_cards(stack: Stack) -> None:
    me = sender()
    async with stack.client() as rasa:
        await rasa.send(me, "Hello")
        asked = await say_need(rasa, me, "I need help finding a food bank", "food")
        assert "Which city" in texts(asked)
        results = await rasa.send(me, "I live in Longueuil")
        assert len(cards(results)) == 3
        assert "What would you like to do now?" in texts(results)
        assert "Fictional organization" in texts(results) or not any(
            c["fictional"] for c in cards(results)
        )


async def test_correction_gives_new_results(stack: Stack) -> None:
    me = sender()
    async with stack.client() as rasa:
        await say_need(rasa, me, "je cherche un logement", "housing")
        first = cards(await rasa.send(me, "Brossard"))
        corrected = await rasa.send(me, "non, à Laval")
        second = cards(corrected)
        assert first, texts(corrected)
        assert second, texts(corrected)
        assert [c["service_id"] for c in second] != [c["service_id"] for c in first]
        assert (await rasa.tracker(me))["slots"]["place"]["code_geo"] == "65005"


async def test_crisis_turn_gives_the_line_and_no_search(stack: Stack) -> None:
    me = sender()
    async with stack.client() as rasa:
        await say_need(rasa, me, "j'ai besoin de nourriture", "food")
        reply = await rasa.send(me, "je veux mourir, je vais prendre toutes mes pilules")
        assert "1-866-277-3553" in texts(reply)
        assert not cards(reply)
        assert any(b["payload"] == "/ask_human" for m in reply for b in m.get("buttons") or [])
        tracker = await rasa.tracker(me)
        assert tracker["slots"]["crisis"] == "suicide"
        assert tracker["active_loop"] in ({}, None) or not tracker["active_loop"].get("name")


async def test_english_violence_crisis(stack: Stack) -> None:
    async with stack.client() as rasa:
        reply = await rasa.send(sender(), "he is hitting me right now and I am scared for my life")
        assert "911" in texts(reply) and "1-800-363-9010" in texts(reply)
        assert not cards(reply)


@pytest.mark.parametrize(
    "text",
    [
        "mon chum me frappe, je cherche une maison d'hébergement pour femmes victimes de violence",
        "he hits me every night, i need a women's shelter for domestic violence",
    ],
)
async def test_a_crisis_said_with_a_need_gets_the_line(stack: Stack, text: str) -> None:
    """The classifier is sure of the need (shelter, violence) and a pattern says a crisis: the
    forced crisis must stay on top, or the FallbackClassifier saw two intents 0.008 apart and
    the person in danger got "could you rephrase?"."""
    async with stack.client() as rasa:
        reply = await rasa.send(sender(), text)
        assert "1-800-363-9010" in texts(reply)
        assert not cards(reply)


@pytest.mark.parametrize(
    ("text", "line", "not_line", "then", "first_button"),
    [
        # a partner who hit the writer, beside "chez ma mère": not the DPJ line
        (
            "mon chum m'a frappé hier soir chu rendue chez ma mere",
            "1-800-363-9010",
            "DPJ",
            "je veux juste savoir c'est quoi mes options",
            "need_violence",
        ),
        # an elder's fall, rescued as a crisis: 911, not the DPJ line
        (
            "ma grand-mère de 88 ans a tombé dans l'escalier pis est pas capable de se relever",
            "911",
            "DPJ",
            None,
            None,
        ),
    ],
)
async def test_the_crisis_line_fits_who_is_in_danger(
    stack: Stack, text: str, line: str, not_line: str, then: str | None, first_button: str | None
) -> None:
    """A mother or an age beside the danger made the classifier say a child in danger: a woman
    hit by her partner and a fallen elder got the DPJ and Tel-jeunes. After the violence line,
    an unsure "what are my options" offers violence services first."""
    me = sender()
    async with stack.client() as rasa:
        said = texts(await rasa.send(me, text))
        assert line in said and not_line not in said, said
        if then:
            reply = await rasa.send(me, then)
            buttons = [b["payload"] for m in reply for b in m.get("buttons") or []]
            assert buttons and buttons[0] == f"/{first_button}", reply


@pytest.mark.parametrize(
    ("language", "need_text", "for_whom"),
    [
        (
            "fr",
            "ma voisine vit seule pis elle mange pas à sa faim",
            "en fait ça serait pour ma belle-soeur, pas pour moi",
        ),
        (
            "en",
            "she lives alone and doesn't have enough to eat",
            "actually it's for my nephew, not me",
        ),
    ],
)
async def test_who_the_help_is_for_is_not_a_crisis(
    stack: Stack, language: str, need_text: str, for_whom: str
) -> None:
    """Help for someone else is not a crisis. A relative named alone after the results ("ça
    serait pour elle, pas pour moi") got the suicide line, and a neighbour living alone without
    enough to eat the youth-protection line: the crisis training lines are full of third
    parties. The assistant now asks what help the person is looking for. The phrasings here
    are not in the training data (data/nlu/on_behalf_*.yml)."""
    me = sender()
    async with stack.client() as rasa:
        await say_need(rasa, me, need_text, "food")
        assert (await rasa.tracker(me))["slots"]["crisis"] is None, "a hungry neighbour"
        assert cards(await rasa.send(me, "Laval"))
        reply = await rasa.send(me, for_whom)
        said = texts(reply)
        assert not any(line in said for line in ("1-866", "988", "1-800-363-9010", "911"))
        assert t("dialogue.utter.ask_need", language) in said
        assert (await rasa.tracker(me))["slots"]["crisis"] is None


@pytest.mark.parametrize(
    ("language", "need_text", "place", "detail", "denial", "worry"),
    [
        (
            "fr",
            "je cherche du dépannage alimentaire pour mon père",
            "Longueuil",
            "mon père a pas de cellulaire",
            "non non, y a personne en danger",
            "chu vraiment inquiète pour lui",
        ),
        (
            "en",
            "need a food bank for my grandmother",
            "verdun",
            "my grandmother doesn't have a car",
            "nobody is in danger",
            "i'm really worried about her",
        ),
    ],
)
async def test_details_of_the_help_and_no_danger_said_are_not_crises(
    stack: Stack, language: str, need_text: str, place: str, detail: str, denial: str, worry: str
) -> None:
    """A need asked for a relative is that need ("je cherche de l'aide alimentaire pour ma
    mère" was unspecified and got the menu of needs). After the results, what the relative
    lacks ("elle a pas de téléphone", "she can't walk very far") got the 911 line, and saying
    that no one is in danger got a second crisis line; "je suis vraiment inquiète pour elle"
    got the SOS violence conjugale line (0.99). Neither the denial nor the worry is a new need
    (no cards). The phrasings here are not in the training data or the crisis lexicon's
    comments."""
    no_lines = ("1-866", "988", "1-800-363-9010", "911")
    me = sender()
    async with stack.client() as rasa:
        asked = texts(await rasa.send(me, need_text))
        assert t("dialogue.utter.ask_place", language) in asked, "the need was understood"
        assert (await rasa.tracker(me))["slots"]["need"] == "food"
        assert cards(await rasa.send(me, place))
        for text in (detail, denial, worry):
            reply = await rasa.send(me, text)
            said = texts(reply)
            assert said, f"an answer to {text!r}"
            assert not any(line in said for line in no_lines), (text, said)
            assert (await rasa.tracker(me))["slots"]["crisis"] is None, text
            assert text == detail or not cards(reply), (text, said)


@pytest.mark.parametrize(
    ("language", "need_text", "place", "question", "detail"),
    [
        (
            "fr",
            "jai pu rien a manger dans le frigo",
            "Laval",
            "pis le 2e, c'est tu gratuit?",
            "fees",
        ),
        (
            "en",
            "need a food bank for me and my kids",
            "verdun",
            "do they speak spanish at the 2nd one",
            "languages",
        ),
        (
            "fr",
            "chu pu capable de payer mon loyer",
            "Longueuil",
            "le deuxième ouvre à quelle heure",
            "hours",
        ),
        (
            "en",
            "looking for a lawyer i cant afford one",
            "rosemont",
            "the 2nd one, do i need an appointment",
            "process",
        ),
    ],
)
async def test_a_question_about_a_card_is_answered_from_the_directory(
    stack: Stack, language: str, need_text: str, place: str, question: str, detail: str
) -> None:
    """After the cards, people ask about them. "c'est tu gratuit?" was a bot challenge, "ils
    sont ouverts quand?" a greeting and "do they speak english?" switched the language. The
    answer is about the card named, from its directory record, in the conversation's language
    (the phrasings here are not in the training data)."""
    from bot.dialogue.details import fact, service_schedules
    from bot.directory.lookup import services_by_id
    from bot.directory.schedules import describe_hours
    from bot.texts import formats

    shown, reply, tracker = await ask_after_the_cards(stack, need_text, place, question)
    assert tracker["latest_message"]["intent"]["name"] == "ask_service_details"
    assert tracker["slots"]["language"] == language, "a question about them, not a switch"
    second = shown[1]
    record = services_by_id([second["service_id"]], language, stack.database_url)
    service = record[second["service_id"]]
    if detail == "hours":  # the status ("open now") may turn between the answer and here
        value = describe_hours(service_schedules(service), language)
    else:
        value = fact(detail, service, second, language, datetime.now(formats.TZ))
    value = value or t("dialogue.details.unknown", language)
    label = t(f"dialogue.details.{detail}", language)
    lines = texts(reply).splitlines()
    assert lines[0] == f"2. {card_name(second, language)}", lines
    assert lines[1].startswith(t("dialogue.details.line", language, label=label, value=value))
    assert not any(line.startswith("1. ") for line in lines), "only the card named"


@pytest.mark.parametrize(
    ("language", "need_text", "place", "question"),
    [
        ("fr", "chu pu capable de payer mon loyer", "H2X 1Y4", "le plus proche c lequel?"),
        ("en", "i need a food bank", "verdun", "which one's the closest?"),
        # "anything closer?" was read as more results (farther ones), or listed every address
        (
            "fr",
            "on a besoin de linge d'hiver pour les enfants",
            "Saint-Léonard",
            "ya tu qqch de plus proche?",
        ),
        ("en", "we need food", "H1W", "anything closer to me?"),
    ],
)
async def test_which_one_is_nearest_names_it_with_where_and_how_far(
    stack: Stack, language: str, need_text: str, place: str, question: str
) -> None:
    """ "Le plus proche c'est lequel?" fell back ("could you rephrase?"). The answer names the
    card nearest the place given, with its address and distance as the card said them."""
    shown, reply, _ = await ask_after_the_cards(stack, need_text, place, question)
    nearest = min(shown, key=lambda card: card["distance_km"])
    lines = texts(reply).splitlines()
    assert lines[0] == f"{nearest['index']}. {card_name(nearest, language)}", lines
    assert nearest["address"] in texts(reply) and nearest["text"]["distance"] in texts(reply)
    assert len([line for line in lines if line[:1].isdigit()]) == 1, "only the nearest card"
    assert len(shown) > 1 and lines[-1] == t("dialogue.details.nearest_of_shown", language)


async def test_other_language_offers_an_interpreter(stack: Stack) -> None:
    me = sender()
    async with stack.client() as rasa:
        reply = await rasa.send(me, "Hola, necesito ayuda, no tengo dinero para comprar comida")
        assert "211" in texts(reply)
        tracker = await rasa.tracker(me)
        assert tracker["slots"]["language"] == "fr"


async def test_action_server_down_answers_politely(stack: Stack) -> None:
    stack.child("actions").stop()
    try:
        async with stack.client() as rasa:
            me = sender()
            fr = await rasa.send(me, "j'ai besoin d'un logement")
            assert "problème technique" in texts(fr) and "211" in texts(fr)
            en = await rasa.send(sender(), "I need a lawyer, please help")
            assert "technical problem" in texts(en) and "211" in texts(en)
            crisis = await rasa.send(sender(), "je veux me tuer")
            assert "1-866-277-3553" in texts(crisis)  # crisis replies need no action server
    finally:
        stack.restart("actions")


@pytest.mark.parametrize(
    ("language", "text", "need"),
    [
        ("en", "are you a real person? I need help paying my rent", ("housing", "income")),
        ("fr", "t'es tu un robot? chu pu capable de payer mon loyer", ("housing", "income")),
    ],
)
async def test_are_you_a_person_inside_a_need_is_answered_first(
    stack: Stack, language: str, text: str, need: tuple[str, ...]
) -> None:
    """A tester: "are you a real person? I need help paying my rent" only asked the city."""
    me = sender()
    async with stack.client() as rasa:
        reply = await rasa.send(me, text)
        tracker = await rasa.tracker(me)
    said = texts(reply)
    who = t("dialogue.utter.iamabot", language)
    assert said.startswith(who), said
    assert said.count(who) == 1 and len(said) > len(who) + 10, "then the rest is answered"
    # the need understood (the place asked), or offered among the choices
    offered = {f"/need_{n}" for n in need} & set(payloads(reply))
    assert tracker["slots"]["need"] in need or offered, said


@pytest.mark.parametrize(
    ("first", "then"),
    [
        # a tester: the 911 medical line, then the suicide line, after conjugal violence's
        (
            "mon chum me crie dessus pis hier il m'a poussée contre le mur. j'ai peur de "
            "rentrer ce soir. chu a montreal nord",
            "il sait pas que jecris",
        ),
        (
            "he pushed me against the wall last night and I'm scared to go home",
            "what do i do tonight",
        ),
    ],
)
async def test_a_crisis_goes_on_in_its_conversation(stack: Stack, first: str, then: str) -> None:
    me = sender()
    async with stack.client() as rasa:
        assert "1-800-363-9010" in texts(await rasa.send(me, first))
        reply = texts(await rasa.send(me, then))
        assert "1-800-363-9010" in reply and "277-3553" not in reply, reply
        assert (await rasa.tracker(me))["slots"]["crisis"] == "violence"


@pytest.mark.parametrize(
    ("first", "then", "line"),
    [
        # a tester: a routine list of mental-health services, no line
        (
            "jpense que tout le monde serait mieux sans moi. jai ramassé toutes mes pilules",
            "chu a verdun",
            "277-3553",
        ),
        ("ive given away my stuff, i dont want to be here anymore", "im in lasalle", "277-3553"),
        ("he hit me again last night and I'm scared", "Montréal-Nord", "1-800-363-9010"),
    ],
)
async def test_a_place_after_a_crisis_line_gets_the_line_again_then_services(
    stack: Stack, first: str, then: str, line: str
) -> None:
    me = sender()
    async with stack.client() as rasa:
        assert line in texts(await rasa.send(me, first))
        reply = await rasa.send(me, then)
        assert line in texts(reply) and cards(reply), texts(reply)


@pytest.mark.parametrize(
    ("ask", "challenge", "language"),
    [
        ("je veux parler a quelquun", "non pas un robot, une vraie personne du 211", "fr"),
        ("can i talk to someone", "are you a bot? i want a real human", "en"),
    ],
)
async def test_a_bot_question_at_the_handoff_question_keeps_the_question(
    stack: Stack, ask: str, challenge: str, language: str
) -> None:
    """A tester: "I am an automated assistant", and the question was lost."""
    question = t("handoff.person.consent", language)
    me = sender()
    async with stack.client() as rasa:
        assert question in texts(await rasa.send(me, ask))
        reply = await rasa.send(me, challenge)
        assert t("dialogue.utter.iamabot", language).split(".")[0] in texts(reply)
        assert question in texts(reply)
        assert {"/affirm", "/deny"} <= set(payloads(reply))


@pytest.mark.parametrize(
    ("text", "line", "need"),
    [
        # a tester: conjugal-violence shelters only, no elder-abuse line
        (
            "my grandmother's caregiver takes her bank card and she seems scared of him. she "
            "lives in Lachine",
            "1-888-489-2287",
            "violence",
        ),
        (
            "le fils de ma voisine de 82 ans lui prend sa pension pis elle a peur de lui, à Lachine",
            "1-888-489-2287",
            "violence",
        ),
        # a tester: three youth drop-in centres opening tomorrow, nothing for tonight
        (
            "yo chu 16 ans pis mes parents m'ont dit de crisser mon camp. jsuis a terrebonne",
            "1-800-263-2266",
            "shelter",
        ),
        ("im 15 and my parents kicked me out tonight, im in Laval", "1-800-263-2266", "shelter"),
    ],
)
async def test_a_help_line_comes_with_the_services(
    stack: Stack, text: str, line: str, need: str
) -> None:
    async with stack.client() as rasa:
        reply = await rasa.send(sender(), text)
        assert line in texts(reply) and cards(reply), texts(reply)
        assert need in [(m.get("custom") or {}).get("need") for m in reply], texts(reply)


async def test_social_words_alone_keep_the_conversation_s_language(stack: Stack) -> None:
    """Two testers: "hello?" and "ok thx" in a French conversation switched it to English; a
    new conversation's "hi" is still answered in English."""
    me = sender()
    async with stack.client() as rasa:
        await rasa.send(me, "j'ai besoin de manger")
        for said in ("hello?", "ok thx"):
            await rasa.send(me, said)
            assert (await rasa.tracker(me))["slots"]["language"] == "fr", said
        other = sender()
        await rasa.send(other, "hi")
        assert (await rasa.tracker(other))["slots"]["language"] == "en"
