"""The channel over HTTP: signed webhooks in, provider API calls out (a local fake), with a
scripted stand-in for Rasa. The same flows against the real Rasa are in test_sms_e2e.py."""

from __future__ import annotations

import asyncio
import logging
from dataclasses import replace

import pytest

from bot.channels.sms_gateway import send_sms
from bot.channels.sms_privacy import sender_id_for
from bot.channels.sms_segments import prepare, segment_count
from bot.texts import t
from tests.channels.channels_support import (
    AUTH_TOKEN,
    FROM_NUMBER,
    WEBHOOK_PATH,
    FakeProvider,
    SmsServer,
    age,
    sign,
)

PHONE = "+15145550123"
OTHER = "+14385550199"


def sender(number: str = PHONE) -> str:
    return sender_id_for(number, "test-secret-key-for-sms")


async def test_health(sms_server: SmsServer) -> None:
    async with sms_server.session.get(sms_server.url + "/webhooks/twilio_sms/") as response:
        assert response.status == 200
        assert await response.json() == {"status": "ok", "configured": True}


async def test_signed_webhook_answers_empty_twiml_and_replies_by_api(sms_server: SmsServer) -> None:
    response = await sms_server.post(PHONE, "Bonjour")
    assert response.status == 200
    assert response.content_type == "text/xml"
    await sms_server.drain()
    sent = sms_server.provider.sent
    assert len(sent) == 2  # a new conversation first says what is kept, in an SMS of its own
    assert {(s.to, s.sender) for s in sent} == {(PHONE, FROM_NUMBER)}
    assert sent[0].body == t("privacy.notice.sms", "fr")
    assert sent[1].body == "Bonjour! De quoi avez-vous besoin?\n\n1. Alimentation\n2. Logement"
    (who, text, metadata) = sms_server.bot.received[0]
    assert who == sender() and text == "Bonjour"
    assert metadata["channel"] == "sms" and PHONE not in str(metadata)


@pytest.mark.parametrize(
    "signature",
    ["", "not-a-signature", "WRONG_URL", "WRONG_TOKEN", "TAMPERED"],
)
async def test_bad_signature_is_refused_with_403(sms_server: SmsServer, signature: str) -> None:
    params = {"MessageSid": "SM1", "From": PHONE, "To": FROM_NUMBER, "Body": "Bonjour"}
    public = sms_server.public_url + WEBHOOK_PATH
    forged = {
        "WRONG_URL": sign(sms_server.url + WEBHOOK_PATH, params),  # internal URL, not public
        "WRONG_TOKEN": sign(public, params, token="other-token"),
        "TAMPERED": sign(public, {**params, "Body": "autre chose"}),
    }.get(signature, signature)
    async with sms_server.session.post(
        sms_server.url + WEBHOOK_PATH, data=params, headers={"X-Twilio-Signature": forged}
    ) as response:
        assert response.status == 403
    await sms_server.drain()
    assert sms_server.bot.received == [] and sms_server.provider.sent == []


async def test_webhook_returns_before_the_bot_answers(sms_server: SmsServer) -> None:
    release = asyncio.Event()
    original = sms_server.bot.__call__

    async def slow(message: object) -> None:
        await release.wait()
        await original(message)

    sms_server.channel.on_new_message = slow
    response = await sms_server.post(PHONE, "Bonjour")
    assert response.status == 200
    assert sms_server.provider.sent == []  # answered while the bot is still thinking
    release.set()
    await sms_server.provider.wait_for(1)


async def test_numbered_choice_and_words_map_to_the_last_options(sms_server: SmsServer) -> None:
    bot = sms_server.bot
    await sms_server.post(PHONE, "Bonjour")
    await sms_server.post(PHONE, "2")
    await sms_server.drain()
    assert bot.received[-1][1] == "/need_housing"
    await sms_server.post(PHONE, "2")  # the last message offered no options: plain text now
    await sms_server.post(PHONE, "allo")
    await sms_server.post(PHONE, "alimentation")
    await sms_server.drain()
    assert [text for _, text, _ in bot.received[-3:]] == ["2", "allo", "/need_food"]


async def test_results_as_short_text_within_segments_then_more(sms_server: SmsServer) -> None:
    provider = sms_server.provider
    await sms_server.post(PHONE, "echo " + "x" * 10)
    await sms_server.post(PHONE, "Laval")
    await sms_server.drain()
    first = provider.to(PHONE)[-1]
    assert first.startswith("Voici des ressources")
    # who and what: the organization answers that phone
    assert "- Moisson 1 : Banque alimentaire 1 (1,2 km)" in first and "Tél. 514-555-0101" in first
    assert "FICTIF (démo), ne pas appeler" in first
    assert "☎" not in first
    assert segment_count(first) <= 3
    assert first.endswith(t("sms.more.hint", "fr"))
    await sms_server.post(PHONE, "PLUS")
    await sms_server.drain()
    rest = provider.to(PHONE)[-1]
    assert "Banque alimentaire 3" in first + rest and "1. Un autre besoin" in rest
    assert segment_count(rest) <= 3
    assert len(sms_server.bot.received) == 2  # "PLUS" was answered by the channel
    await sms_server.post(PHONE, "3")  # the options of the results menu, shown on page 2
    await sms_server.post(PHONE, "plus")  # nothing left: the person's own word
    await sms_server.drain()
    assert [text for _, text, _ in sms_server.bot.received[-2:]] == ["/goodbye", "plus"]


async def test_stop_then_start(sms_server: SmsServer) -> None:
    provider, bot = sms_server.provider, sms_server.bot
    await sms_server.post(PHONE, "Bonjour")
    await sms_server.post(PHONE, "ARRÊT")
    await sms_server.drain()
    assert provider.to(PHONE)[-1] == prepare(t("sms.stop.confirm", "fr"))
    count_sent, count_received = len(provider.sent), len(bot.received)
    for text in ("Bonjour", "1", "AIDE", "STOP"):  # silence, even a second STOP
        await sms_server.post(PHONE, text)
    await sms_server.drain()
    assert (len(provider.sent), len(bot.received)) == (count_sent, count_received)
    # the counsellor seam honors the opt-out too
    assert not await send_sms(sms_server.channel.config, sender(), "Un message")
    await sms_server.post(PHONE, "start")
    await sms_server.drain()
    assert provider.to(PHONE)[-1] == prepare(t("sms.start.confirm", "fr"))
    await sms_server.post(PHONE, "Bonjour")
    await sms_server.drain()
    assert provider.to(PHONE)[-1].startswith("Bonjour!")
    assert len(bot.received) == count_received + 1


async def test_stop_in_english_conversation_answers_in_english(sms_server: SmsServer) -> None:
    sms_server.bot.language[sender()] = "en"
    await sms_server.post(PHONE, "hello")
    await sms_server.post(PHONE, "stop")
    await sms_server.drain()
    assert sms_server.provider.to(PHONE)[-1] == prepare(t("sms.stop.confirm", "en"))


async def test_help_keywords(sms_server: SmsServer) -> None:
    await sms_server.post(PHONE, "aide")
    await sms_server.post(OTHER, "HELP")
    await sms_server.drain()
    fr, en = sms_server.provider.to(PHONE)[-1], sms_server.provider.to(OTHER)[-1]
    assert "211" in fr and "ARRET" in fr and segment_count(fr) <= 3
    assert "211" in en and "STOP" in en and segment_count(en) <= 3
    assert sms_server.bot.received == []


async def test_restart_and_language_keywords_become_rasa_payloads(sms_server: SmsServer) -> None:
    bot = sms_server.bot
    await sms_server.post(PHONE, "Bonjour")
    await sms_server.post(PHONE, "ENGLISH")
    await sms_server.post(PHONE, "Recommencer")
    await sms_server.post(PHONE, "Français")
    await sms_server.drain()
    assert [text for _, text, _ in bot.received] == [
        "Bonjour",
        '/change_language{"language": "en"}',
        "/restart",
        '/change_language{"language": "fr"}',
    ]
    notices = {t("privacy.notice.sms", language) for language in ("fr", "en")}
    sent = sms_server.provider.to(PHONE)
    assert [body in notices for body in sent].count(True) == 2  # a new conversation, twice
    replies = [body for body in sent if body not in notices]
    assert replies[1].startswith("Hello!")
    assert replies[3].startswith("Bonjour!")


async def test_duplicate_delivery_is_processed_once(sms_server: SmsServer) -> None:
    await asyncio.gather(*(sms_server.post(PHONE, "Bonjour", sid="SMdup") for _ in range(3)))
    await sms_server.post(PHONE, "Bonjour", sid="SMdup")
    await sms_server.drain()
    assert len(sms_server.bot.received) == 1
    assert len(sms_server.provider.sent) == 2  # the privacy notice, then the one reply


async def test_burst_is_answered_in_order_per_phone_while_others_proceed(
    sms_server: SmsServer,
) -> None:
    bot, provider = sms_server.bot, sms_server.provider
    bot.delay = 0.05
    for i in range(6):  # faster than the bot answers
        await sms_server.post(PHONE, f"echo {i}")
    await sms_server.post(OTHER, "echo other")
    await provider.wait_for(1, OTHER)
    assert len(provider.to(PHONE)) < 6  # the other phone did not wait for the burst
    await sms_server.drain()
    assert [text for who, text, _ in bot.received if who == sender()] == [
        f"echo {i}" for i in range(6)
    ]
    notice = t("privacy.notice.sms", "fr")  # before the first reply only
    assert provider.to(PHONE) == [notice] + [str(i) for i in range(6)]


async def test_paused_conversation_gets_the_persons_words(sms_server: SmsServer) -> None:
    """During a handoff the tracker is paused: "1" reaches Rasa (and the console) as typed,
    RECOMMENCER still restarts (Rasa handles `/restart` on a paused tracker)."""
    bot = sms_server.bot
    await sms_server.post(PHONE, "Bonjour")
    await sms_server.drain()
    bot.paused.add(sender())
    await sms_server.post(PHONE, "1")
    await sms_server.post(PHONE, "recommencer")
    await sms_server.drain()
    assert [text for _, text, _ in bot.received[-2:]] == ["1", "/restart"]
    # the counsellor's reply, as Rasa sends it with output_channel=latest
    output = sms_server.channel.get_output_channel()
    await output.send_response(sender(), {"text": "Bonjour, ici Julie, intervenante du 211."})
    assert sms_server.provider.to(PHONE)[-1] == "Bonjour, ici Julie, intervenante du 211."


async def test_send_sms_seam_by_sender_id_or_number(sms_server: SmsServer) -> None:
    config = sms_server.channel.config
    await sms_server.post(PHONE, "Bonjour")
    await sms_server.drain()
    assert await send_sms(config, sender(), "Message de l’intervenante")
    assert sms_server.provider.to(PHONE)[-1] == "Message de l'intervenante"
    assert await send_sms(config, "(438) 555-0199", "Rappel")
    assert sms_server.provider.to(OTHER) == ["Rappel"]


async def test_bot_failure_gets_a_polite_sms(sms_server: SmsServer) -> None:
    sms_server.bot.fail_on = "Bonjour"
    await sms_server.post(PHONE, "Bonjour")
    await sms_server.drain()
    assert sms_server.provider.to(PHONE) == [prepare(t("sms.error", "fr"))]


async def test_provider_side_unsubscribe_is_recorded(sms_server: SmsServer) -> None:
    sms_server.provider.unsubscribed.add(PHONE)
    await sms_server.post(PHONE, "Bonjour")
    await sms_server.drain()
    gateway = sms_server.channel._gateway
    assert await gateway.store.is_opted_out(sender())


async def test_logs_never_contain_the_number(
    sms_server: SmsServer, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    for text in ("Bonjour", "1", "Laval", "PLUS", "STOP", "Bonjour", "START"):
        await sms_server.post(PHONE, text)
    await sms_server.post(PHONE, "Bonjour", signature="bad")
    sms_server.bot.fail_on = "boom"
    await sms_server.post(PHONE, "boom")
    await sms_server.drain()
    assert caplog.records, "the channel logs its work"
    assert sender() in caplog.text
    for fragment in ("5145550123", "514-555-0123", "555-0123", "5550123"):
        assert fragment not in caplog.text


async def test_unconfigured_channel_answers_503(
    sms_server: SmsServer, provider: FakeProvider
) -> None:
    sms_server.channel.config = replace(sms_server.channel.config, auth_token="")
    response = await sms_server.post(PHONE, "Bonjour")
    assert response.status == 503


async def test_public_url_with_query_string_is_signed_as_is(sms_server: SmsServer) -> None:
    params = {"MessageSid": "SMq", "From": PHONE, "To": FROM_NUMBER, "Body": "Bonjour"}
    signature = sign(sms_server.public_url + WEBHOOK_PATH + "?v=2", params, AUTH_TOKEN)
    async with sms_server.session.post(
        sms_server.url + WEBHOOK_PATH + "?v=2",
        data=params,
        headers={"X-Twilio-Signature": signature},
    ) as response:
        assert response.status == 200


def test_credentials_come_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    from bot.channels.twilio_sms import TwilioSmsInput

    monkeypatch.setenv("RELAIS_SMS_ACCOUNT_SID", "ACenv")
    monkeypatch.setenv("RELAIS_SMS_AUTH_TOKEN", "tok")
    monkeypatch.setenv("RELAIS_SMS_FROM_NUMBER", "+15145550000")
    monkeypatch.setenv("RELAIS_SECRET_KEY", "s")
    channel = TwilioSmsInput.from_credentials({"public_url": "https://x.org/"})
    assert isinstance(channel, TwilioSmsInput)
    assert channel.config.account_sid == "ACenv" and channel.config.configured
    assert channel.config.public_url == "https://x.org"
    assert channel.config.api_url == "https://api.twilio.com"
    assert channel.name() == "twilio_sms"
    monkeypatch.delenv("RELAIS_SMS_AUTH_TOKEN")
    unconfigured = TwilioSmsInput.from_credentials({"public_url": ""})
    assert isinstance(unconfigured, TwilioSmsInput)
    assert unconfigured.config.missing() == ["RELAIS_SMS_AUTH_TOKEN"]


async def test_picture_without_text_is_not_sent_to_rasa(sms_server: SmsServer) -> None:
    await sms_server.post(PHONE, "", extra={"NumMedia": "1", "MediaUrl0": "https://x/y.jpg"})
    await sms_server.drain()
    assert sms_server.bot.received == [] and sms_server.provider.sent == []


async def test_malformed_webhook_is_refused(sms_server: SmsServer) -> None:
    assert (await sms_server.post("not a phone", "Bonjour")).status == 400


async def test_a_message_a_dead_server_left_is_handled_once_by_another(
    sms_server: SmsServer,
) -> None:
    """A server accepted an SMS (the provider got its 200) and was killed before handling it:
    another gateway takes it over, Rasa gets it once, with the MessageSid as its id, and the
    person gets the reply; the provider delivering it again changes nothing."""
    await sms_server.post(OTHER, "Bonjour")  # the gateway of this server is open
    await sms_server.drain()
    gateway = sms_server.channel._gateway
    sid = "SM" + "0123456789abcdef" * 2
    await gateway.store.claim_message(
        sid, sender(), number=PHONE, body="echo toujours là", owner="a-killed-server"
    )
    assert await gateway.resume_unhandled() == 0  # taken a moment ago: its server may live
    await age(gateway.store, sid, 120)
    assert await gateway.resume_unhandled() == 1
    await sms_server.drain()
    assert await gateway.resume_unhandled() == 0
    await sms_server.post(PHONE, "echo toujours là", sid=sid)  # a redelivery
    await sms_server.drain()
    mine = [(text, meta) for who, text, meta in sms_server.bot.received if who == sender()]
    assert mine == [("echo toujours là", {"channel": "sms", "message_sid": sid, "message_id": sid})]
    assert [m.body for m in sms_server.provider.sent if m.to == PHONE][-1] == "toujours là"
