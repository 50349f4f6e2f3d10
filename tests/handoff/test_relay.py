"""The relay across a restart of the web app: nothing lost, nothing delivered twice.

A "restart" is a new `HandoffService` on the same database (the in-memory state is gone);
the end-to-end test restarts the real process.
"""

from __future__ import annotations

from typing import Any

from bot.handoff.config import HandoffSettings
from bot.handoff.rasa_api import RasaApi
from bot.handoff.service import RESEND_AFTER, Backoff, HandoffService
from bot.handoff.store import CLOSED, COUNSELLOR, PENDING, RETURNED, HandoffStore
from bot.texts import t
from tests.handoff.fake_rasa import TOKEN, FakeRasa


async def service_for(store: HandoffStore, url: str) -> HandoffService:
    return HandoffService(store, RasaApi(url, TOKEN), HandoffSettings(counsellor_grace=3600))


async def claimed(
    store: HandoffStore, fake_rasa: FakeRasa, aiohttp_server: Any
) -> tuple[HandoffService, dict[str, Any], int]:
    """A service on the fake Rasa, and a conversation a counsellor holds."""
    server = await aiohttp_server(fake_rasa.app())
    service = await service_for(store, str(server.make_url("")).rstrip("/"))
    counsellor = await store.add_counsellor("a@example.org", "Ana", "x")
    item = await store.create_escalation(sender_id="p", language="en", channel="socketio")
    assert await service.claim(item["id"], counsellor)
    return service, item, counsellor


async def test_person_messages_survive_a_restart_once(
    store: HandoffStore, fake_rasa: FakeRasa, aiohttp_server: Any
) -> None:
    server = await aiohttp_server(fake_rasa.app())
    url = str(server.make_url("")).rstrip("/")
    asked = fake_rasa.user("p", "un humain svp", "ask_human")
    item = await store.create_escalation(
        sender_id="p", language="fr", last_event_ts=asked["timestamp"]
    )
    first = await service_for(store, url)
    fake_rasa.user("p", "un")
    fake_rasa.user("p", "deux")
    await first.relay_once()
    await first.relay_once()
    await first.rasa.close()

    fake_rasa.user("p", "trois")  # arrives while the web app is down
    second = await service_for(store, url)
    await second.relay_once()
    await second.relay_once()
    await second.rasa.close()
    person = [m["text"] for m in await store.messages(item["id"]) if m["direction"] == "person"]
    assert person == ["un", "deux", "trois"]


async def test_interrupted_outgoing_message_is_sent_exactly_once(
    store: HandoffStore, fake_rasa: FakeRasa, aiohttp_server: Any
) -> None:
    server = await aiohttp_server(fake_rasa.app())
    url = str(server.make_url("")).rstrip("/")
    item = await store.create_escalation(sender_id="p", language="fr", channel="twilio_sms")
    clock = store.clock
    store.clock = lambda: clock() - RESEND_AFTER - 1  # stored a while ago
    never_posted = await store.queue_outgoing(item["id"], COUNSELLOR, "avant la panne", "Ana")
    posted_not_marked = await store.queue_outgoing(item["id"], COUNSELLOR, "déjà parti", "Ana")
    store.clock = clock
    service = await service_for(store, url)
    # The crash happened after Rasa accepted the second message, before it was marked sent.
    await service.rasa.say("p", "déjà parti", {"message_id": posted_not_marked["id"]}, None)
    await service.relay_once()
    await service.relay_once()
    await service.rasa.close()
    delivered = [e["text"] for e in fake_rasa.delivered["p"]]
    assert delivered == ["déjà parti", "avant la panne"]
    assert all(m["status"] != PENDING for m in await store.messages(item["id"]))
    assert never_posted["id"] != posted_not_marked["id"]


async def test_rasa_down_keeps_the_message_pending(
    store: HandoffStore, fake_rasa: FakeRasa, aiohttp_server: Any
) -> None:
    service, item, counsellor = await claimed(store, fake_rasa, aiohttp_server)
    fake_rasa.down = True
    row = await service.send(item["id"], counsellor, "are you there?")
    assert (await store.messages(item["id"]))[-1]["status"] == PENDING
    fake_rasa.down = False
    service.store.clock = lambda: row["created_at"] + RESEND_AFTER + 1
    await service.relay_once()
    await service.rasa.close()
    texts = [e["data"]["custom"]["data"]["text"] for e in fake_rasa.delivered["p"]]
    assert texts.count("are you there?") == 1


async def test_hand_back_while_rasa_is_down_is_delivered_later_once(
    store: HandoffStore, fake_rasa: FakeRasa, aiohttp_server: Any
) -> None:
    """The escalation closes with its resume in the outbox; retries (with a growing wait,
    and again from a restarted web app) deliver resume + notice + listen exactly once."""
    server = await aiohttp_server(fake_rasa.app())
    url = str(server.make_url("")).rstrip("/")
    service = await service_for(store, url)
    counsellor = await store.add_counsellor("a@example.org", "Ana", "x")
    item = await store.create_escalation(sender_id="p", language="fr", channel="socketio")
    fake_rasa.events["p"].append({"event": "pause", "timestamp": 1.0})
    assert await service.claim(item["id"], counsellor)
    fake_rasa.down = True
    assert await service.close(item["id"], counsellor, RETURNED)
    assert (await store.escalation(item["id"]))["status"] == CLOSED  # type: ignore[index]
    [resume] = await store.pending_resumes()
    assert resume["sender_id"] == "p" and fake_rasa.paused("p")
    await service.relay_once()  # still down, and not yet due: nothing
    assert service.backoff.tries[resume["id"]][0] == 1
    await service.rasa.close()

    fake_rasa.down = False
    restarted = await service_for(store, url)  # a new process tries at once
    await restarted.relay_once()
    await restarted.relay_once()
    await restarted.rasa.close()
    assert not fake_rasa.paused("p")
    kinds = [e["event"] for e in fake_rasa.events["p"]]
    assert kinds[-3:] == ["resume", "bot", "action"]
    texts = [e["data"]["custom"]["data"]["text"] for e in fake_rasa.delivered["p"]]
    assert texts.count(t("handoff.person.back", "fr")) == 1
    assert await store.pending_resumes() == []


def test_backoff_doubles_up_to_its_cap() -> None:
    now = [0.0]
    backoff = Backoff(first=1.0, cap=5.0, clock=lambda: now[0])
    assert [backoff.failed(7) for _ in range(5)] == [1.0, 2.0, 4.0, 5.0, 5.0]
    assert not backoff.due(7)
    now[0] = 100.0
    assert backoff.due(7) and backoff.due(8)
    backoff.done(7)
    assert 7 not in backoff.tries


async def test_a_person_writing_while_waiting_hears_they_are_still_in_line(
    store: HandoffStore, fake_rasa: FakeRasa, aiohttp_server: Any
) -> None:
    """ "allo?", "c'est long là" got no answer at all while waiting (a tester): the first
    message is answered, the next ones within two minutes are not, each time."""
    server = await aiohttp_server(fake_rasa.app())
    service = await service_for(store, str(server.make_url("")).rstrip("/"))
    asked = fake_rasa.user("p", "un humain svp", "ask_human")
    item = await store.create_escalation(
        sender_id="p", language="fr", channel="socketio", last_event_ts=asked["timestamp"]
    )
    fake_rasa.user("p", "allo?")
    await service.relay_once()
    fake_rasa.user("p", "c'est long là")
    await service.relay_once()
    await service.rasa.close()
    said = [e["data"]["custom"]["data"]["text"] for e in fake_rasa.delivered["p"]]
    assert said == [t("handoff.person.already_queued", "fr", position="1re")]
    person = [m["text"] for m in await store.messages(item["id"]) if m["direction"] == "person"]
    assert person == ["allo?", "c'est long là"]


async def test_a_claimed_conversation_gets_no_waiting_answer(
    store: HandoffStore, fake_rasa: FakeRasa, aiohttp_server: Any
) -> None:
    service, _, _ = await claimed(store, fake_rasa, aiohttp_server)
    fake_rasa.user("p", "hello?")
    await service.relay_once()
    await service.rasa.close()
    said = [e["data"]["custom"]["data"]["text"] for e in fake_rasa.delivered["p"]]
    assert t("handoff.person.already_queued", "en", position="1") not in said
