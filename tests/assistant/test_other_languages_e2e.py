"""A person writing in one of nine other languages gets, through the real running assistant on
REST, socket.io and SMS, the "call 211, an interpreter can help you" text IN THAT LANGUAGE —
not the French one — and the conversation then goes on in French or English.

(Last time the nine texts were silently dropped by a catalog key that did not exist, and no
test went through the running Rasa in those languages.)
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator

import aiohttp
import pytest

from bot.ops.sms_sandbox import Phone
from bot.ops.stack import Stack
from bot.texts import t
from tests.people import SocketPerson

pytestmark = [pytest.mark.integration]

WRITTEN = {
    "es": "Hola, necesito comida para mis hijos, no tengo dinero",
    "ar": "مرحبا، أحتاج إلى طعام لأطفالي من فضلك",
    "ht": "Bonjou, mwen bezwen manje pou pitit mwen yo, mwen pa gen lajan",
    "zh": "你好，我需要帮助，我没有钱给孩子买食物",
    "vi": "Xin chào, tôi cần thức ăn cho con tôi, tôi không có tiền",
    "pt": "Olá, preciso de comida para os meus filhos, não tenho dinheiro",
    "fa": "سلام، من برای بچه‌هایم غذا لازم دارم و پول ندارم",
    "ru": "Здравствуйте, мне нужна еда для моих детей, у меня нет денег",
    "it": "Buongiorno, ho bisogno di cibo per i miei figli, non ho soldi",
}
KEY = "nlu.other_language.message"
LANGUAGES = sorted(WRITTEN)
_numbers = iter(range(300, 400))


def in_their_language(code: str, text: str) -> bool:
    """Their language's text, and not the French or English one."""
    return t(KEY, code) in text and t(KEY, "fr") not in text


def texts(messages: list[dict]) -> str:
    return "\n".join(m.get("text") or "" for m in messages)


@pytest.mark.parametrize("code", LANGUAGES)
async def test_rest_answers_in_their_language_then_goes_on(stack: Stack, code: str) -> None:
    me = f"lang-{code}-{uuid.uuid4().hex[:8]}"
    async with stack.client() as rasa:
        reply = texts(await rasa.send(me, WRITTEN[code]))
        assert in_their_language(code, reply), reply
        assert "911" in reply  # we cannot read them: it may be an emergency
        assert t("nlu.other_language.next", "fr") in reply
        # then in French: the assistant answers in French and finds services
        onward = await rasa.send(me, "j'ai besoin de nourriture à Laval")
        assert any((m.get("custom") or {}).get("type") == "service_results" for m in onward)
        assert "Voici des ressources" in texts(onward)
        assert (await rasa.tracker(me))["slots"]["language"] == "fr"


async def test_rest_goes_on_in_english_too(stack: Stack) -> None:
    me = f"lang-en-{uuid.uuid4().hex[:8]}"
    async with stack.client() as rasa:
        assert in_their_language("es", texts(await rasa.send(me, WRITTEN["es"])))
        onward = await rasa.send(me, "I need food in Laval please")
        assert "Here are" in texts(onward)
        assert (await rasa.tracker(me))["slots"]["language"] == "en"


@pytest.mark.parametrize(
    ("code", "words"),
    [("es", "ya no quiero vivir, quiero morir"), ("ht", "mwen pa vle viv ankò, mwen vle mouri")],
)
async def test_a_crisis_in_their_language_gets_the_line_then_the_interpreters(
    stack: Stack, code: str, words: str
) -> None:
    """The suicide line first (its numbers are read in any language), then the text in their
    language; in Haitian Creole, which the classifier cannot read, the crisis patterns catch
    it and a rent problem is not a crisis."""
    me = f"lang-crisis-{code}-{uuid.uuid4().hex[:8]}"
    async with stack.client() as rasa:
        reply = texts(await rasa.send(me, words))
        assert "1-866-277-3553" in reply and "988" in reply, reply
        assert in_their_language(code, reply), reply
        assert (await rasa.tracker(me))["slots"]["crisis"] == "suicide"
    if code == "ht":
        rent = f"lang-rent-{uuid.uuid4().hex[:8]}"
        async with stack.client() as rasa:
            reply = texts(await rasa.send(rent, "bonjou, mwen pa ka peye lwaye mwen"))
            assert in_their_language(code, reply), reply
            assert not (await rasa.tracker(rent))["slots"]["crisis"]


@pytest.mark.parametrize("code", LANGUAGES)
async def test_socketio_answers_in_their_language(person: SocketPerson, code: str) -> None:
    await person.say(WRITTEN[code])
    await person.expect(t(KEY, code))
    assert person.count(t(KEY, "fr")) == 0
    await person.say("j'ai besoin de nourriture à Laval")  # then on in French
    await person.expect("Voici des ressources")


@pytest.fixture
async def session() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as client:
        yield client


@pytest.mark.parametrize("code", LANGUAGES)
async def test_sms_answers_in_their_language(
    stack: Stack, session: aiohttp.ClientSession, code: str
) -> None:
    assert stack.sms is not None
    phone = Phone(f"+1514555{next(_numbers):04d}", stack.rasa_url, stack.sms)
    reply = await phone.say(session, WRITTEN[code])
    assert in_their_language(code, reply), reply
    onward = await phone.say(session, "j'ai besoin de nourriture à Laval")
    assert "Voici des ressources" in onward
