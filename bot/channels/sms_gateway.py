"""The SMS conversation loop, independent of Sanic: what happens to one inbound SMS.

    webhook ─▶ admit(): duplicate MessageSid? ─▶ drop; else kept (encrypted) until handled
        ─▶ per-phone queue (and line in Redis) ─▶ handle():
        taken over by another server meanwhile? ─▶ skip
        opted out? ─▶ only START is heard
        keyword (STOP, AIDE, PLUS…)? ─▶ answered here, or turned into a Rasa payload
        "2" / the option's words ─▶ the payload of the LAST options sent to that phone
        ─▶ Rasa (the `TurnRunner`) ─▶ render_turn ─▶ pages ─▶ provider API

The webhook returns as soon as the message is queued; each phone has its own queue worked
in arrival order, so a burst of messages gets answers in the order it was written, while
other phones are served concurrently. With several Rasa servers (`RELAIS_REDIS_URL`), each
message also takes its place in the phone's line in Redis on arrival and waits for its turn
there (`sms_order`), so the order holds whichever server a webhook reached; a redelivered
MessageSid is dropped by the shared database (`sms_inbound`) on any server. Only the hashed
`sender_id` is logged.

Nothing accepted is lost when a server dies: the webhook answers only once the message is in
the database, and every gateway running in Rasa looks every `SWEEP_SECONDS` for messages
another took more than `TAKE_OVER_AFTER` ago and never finished (its process was killed),
takes each over (one gateway per message) and handles it. Rasa answers a message it had
already processed from the conversation (the MessageSid is the message's id,
`bot.runtime.resent`), so the person gets the reply once it is sent, and the tracker has the
message once.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import uuid
from collections import deque
from collections.abc import Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any, Protocol

from bot.privacy import sms as sms_erasure
from bot.runtime.resent import MESSAGE_ID_KEY
from bot.settings import Settings
from bot.texts import normalize_language, t

from .sms_config import SmsConfig
from .sms_keywords import Command, Keyword, change_language_payload, parse_keyword
from .sms_order import RedisOrder, phone_order
from .sms_privacy import (
    NumberCipher,
    is_sender_id,
    normalize_number,
    sender_id_for,
)
from .sms_render import render_turn, resolve_choice
from .sms_segments import paginate
from .sms_sender import RecipientOptedOut, SendError, TwilioSender
from .sms_store import Option, SmsStore

log = logging.getLogger(__name__)

RESTART_PAYLOAD = "/restart"
SWEEP_SECONDS = 10.0
"""How often a gateway looks for messages a dead server left unhandled."""
TAKE_OVER_AFTER = timedelta(seconds=60)
"""How long a message may stay taken and unhandled before another gateway takes it over:
longer than any turn and than a phone's queue ever waits on a live server."""

TurnRunner = Callable[[str, str, dict[str, Any]], Awaitable[list[dict[str, Any]]]]
"""(text, sender_id, metadata) → the bot messages Rasa produced for that user message."""


@dataclass(frozen=True)
class ConversationInfo:
    language: str = "fr"
    paused: bool = False


class ConversationReader(Protocol):
    async def __call__(self, sender_id: str) -> ConversationInfo: ...


async def unknown_conversation(sender_id: str) -> ConversationInfo:
    """For processes without Rasa (the handoff module sending a counsellor's message)."""
    return ConversationInfo()


@dataclass(frozen=True)
class Inbound:
    """One webhook, already verified; `number` is E.164 and never logged."""

    message_sid: str
    sender_id: str
    number: str
    body: str
    extra: Mapping[str, str] = field(default_factory=dict)


class SmsGateway:
    """Per-phone ordered processing, keywords, rendering and sending."""

    def __init__(
        self,
        config: SmsConfig,
        store: SmsStore,
        sender: TwilioSender,
        *,
        runner: TurnRunner | None = None,
        conversation: ConversationReader = unknown_conversation,
    ) -> None:
        self.config = config
        self.store = store
        self.sender = sender
        self.runner = runner
        self.conversation = conversation
        self.order = phone_order(config.redis_url, config.redis_prefix)
        self._queues: dict[str, deque[Inbound]] = {}
        self._turns: set[asyncio.Task[None]] = set()
        self._workers: dict[str, asyncio.Task[None]] = {}
        self.owner = uuid.uuid4().hex
        """This gateway, as the taker of the messages it accepted (`sms_inbound.owner`)."""
        self._sweeper: asyncio.Task[None] | None = None

    @classmethod
    async def open(cls, config: SmsConfig, **kwargs: Any) -> SmsGateway:
        """A gateway on `config.database_url` (tables created if missing)."""
        from bot.directory.store import create_async_engine_from_url
        from bot.privacy.log_filter import install_everywhere

        install_everywhere()
        store = SmsStore(
            create_async_engine_from_url(config.database_url), NumberCipher(config.secret_key)
        )
        await store.init()
        return cls(config, store, TwilioSender(config), **kwargs)

    async def close(self) -> None:
        if self._sweeper is not None:
            self._sweeper.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._sweeper
            self._sweeper = None
        await self.drain()
        await self.sender.close()
        await self.store.close()
        if isinstance(self.order, RedisOrder):
            await self.order.aclose()

    # --- inbound --------------------------------------------------------------------------

    def inbound(self, params: Mapping[str, str]) -> Inbound:
        """A verified webhook's form as an `Inbound` (raises ValueError when malformed)."""
        sid = params.get("MessageSid") or params.get("SmsSid") or ""
        if not sid:
            raise ValueError("no MessageSid")
        number = normalize_number(params.get("From") or "")
        return Inbound(
            message_sid=sid,
            sender_id=sender_id_for(number, self.config.secret_key),
            number=number,
            body=(params.get("Body") or "").strip(),
        )

    async def admit(self, item: Inbound) -> None:
        """Keep the message and queue it; the webhook answers once this returns. A MessageSid
        seen before (the provider delivering again) is dropped here."""
        claimed = await self.store.claim_message(
            item.message_sid, item.sender_id, number=item.number, body=item.body, owner=self.owner
        )
        if not claimed:
            log.info("SMS %s from %s is a redelivery: ignored", item.message_sid, item.sender_id)
            return
        await self._enqueue(item)

    async def _enqueue(self, item: Inbound) -> None:
        """With several servers (Redis), the message's place in the phone's line is taken now
        and the line is the queue: it waits for its turn there, whichever server holds the
        earlier ones."""
        ticket = await self.order.ticket(item.sender_id)
        if ticket is None:
            self.accept(item)
            return
        task = asyncio.create_task(self._take_turn(item, ticket))
        self._turns.add(task)
        task.add_done_callback(self._turns.discard)

    async def _take_turn(self, item: Inbound, ticket: int) -> None:
        async with self.order.turn(item.sender_id, ticket):
            await self._handle_or_apologize(item)

    # --- what a dead server left ----------------------------------------------------------

    async def resume_unhandled(self) -> int:
        """Take over and queue the messages a dead server accepted and never handled."""
        taken = await self.store.take_over(self.owner, TAKE_OVER_AFTER)
        for message in taken:
            log.warning(
                "SMS %s from %s left unhandled by a stopped server: handled here",
                message.message_sid,
                message.sender_id,
            )
            await self._enqueue(
                Inbound(message.message_sid, message.sender_id, message.number, message.body)
            )
        return len(taken)

    def start_sweeping(self) -> None:
        """Look for what a dead server left now, then every `SWEEP_SECONDS` (Rasa's SMS
        channel starts it with the server)."""
        if self._sweeper is None:
            self._sweeper = asyncio.create_task(self._sweep())

    async def _sweep(self) -> None:
        while True:
            try:
                await self.resume_unhandled()
            except Exception:  # the database away for a while: try again at the next beat
                log.exception("Looking for unhandled SMS failed")
            await asyncio.sleep(SWEEP_SECONDS)

    def accept(self, item: Inbound) -> None:
        """Queue a message behind the same phone's earlier ones; returns at once."""
        queue = self._queues.get(item.sender_id)
        if queue is None:
            queue = self._queues[item.sender_id] = deque()
            self._workers[item.sender_id] = asyncio.create_task(self._work(item.sender_id, queue))
        queue.append(item)

    async def _handle_or_apologize(self, item: Inbound) -> None:
        try:
            await self.handle(item)
        except Exception:
            log.exception("SMS from %s failed", item.sender_id)
            await self._apologize(item.sender_id)

    async def _work(self, sender_id: str, queue: deque[Inbound]) -> None:
        try:
            while queue:
                await self._handle_or_apologize(queue.popleft())
        finally:
            # no await between the empty check and here: nothing can be queued in between
            self._queues.pop(sender_id, None)
            self._workers.pop(sender_id, None)

    async def _apologize(self, sender_id: str) -> None:
        """Best effort after an unexpected failure (database down…): silence is worse."""
        try:
            await self.deliver(sender_id, t("sms.error", "fr"), "fr")
        except Exception:
            log.exception("Could not tell %s about the failure", sender_id)

    async def drain(self) -> None:
        """Wait until every queued message is handled (tests, shutdown)."""
        while self._workers or self._turns:
            tasks = [*self._workers.values(), *self._turns]
            await asyncio.gather(*tasks, return_exceptions=True)

    async def handle(self, item: Inbound) -> None:
        """Everything one accepted SMS causes (see the module docstring), once."""
        if not await self.store.start_handling(item.message_sid, self.owner):
            log.info("SMS %s from %s was handled elsewhere", item.message_sid, item.sender_id)
            return
        try:
            await self._handle(item)
        finally:
            with contextlib.suppress(Exception):  # at worst it is taken over and answered again
                await self.store.handled(item.message_sid)

    async def _handle(self, item: Inbound) -> None:
        sender_id = item.sender_id
        first = await self.store.remember(sender_id, item.number)
        if not item.body:  # a picture alone (MMS): nothing to understand
            log.info("SMS %s from %s has no text: ignored", item.message_sid, sender_id)
            return
        keyword = parse_keyword(item.body)
        if await self.store.is_opted_out(sender_id):
            if keyword and keyword.command is Command.START:
                await self._start(sender_id, keyword.language)
            else:
                log.info("SMS from %s ignored: opted out (STOP)", sender_id)
            return
        text = item.body
        if keyword is not None:
            handled, text = await self._keyword(sender_id, keyword, item.body)
            if handled:
                return
        elif await sms_erasure.answered(self, item):  # the reply to "erase? YES"
            return
        elif not (await self.conversation(sender_id)).paused:
            contact = await self.store.contact(sender_id)
            choice = resolve_choice(item.body, contact.options if contact else [])
            text = choice or item.body
        # the MessageSid is the message's id too: Rasa answers one it already processed once
        metadata = {
            "channel": "sms",
            "message_sid": item.message_sid,
            MESSAGE_ID_KEY: item.message_sid,
        }
        notice = first or text == RESTART_PAYLOAD  # a new conversation: say what is kept
        await self._converse(sender_id, text, metadata, notice=notice)

    async def _keyword(self, sender_id: str, keyword: Keyword, body: str) -> tuple[bool, str]:
        """(handled here, text for Rasa otherwise). The conversation (language, pause) is
        read from Rasa only when the keyword does not settle it."""
        if keyword.command is Command.MORE:
            page = await self.store.pop_pending(sender_id)
            if page is not None:
                await self._send(sender_id, page)
                return True, body
            return False, body  # nothing waits: "plus" is the person's words
        if keyword.command is Command.START:
            await self._start(sender_id, keyword.language)
            return True, body
        language = keyword.language
        if language is None or keyword.command in (Command.RESTART, Command.LANGUAGE):
            info = await self.conversation(sender_id)
            language = language or info.language
            if info.paused and keyword.command is Command.LANGUAGE:
                return False, body  # a counsellor is in the conversation: words go to the console
        if keyword.command is Command.STOP:
            await self.store.set_opted_out(sender_id, True)
            await self.deliver(sender_id, t("sms.stop.confirm", language), language, force=True)
            log.info("SMS %s opted out", sender_id)
            return True, body
        if keyword.command is Command.ERASE:
            await sms_erasure.ask(self, sender_id, language)
            return True, body
        if keyword.command is Command.HELP:
            await self.deliver(sender_id, t("sms.help", language), language, keep_options=True)
            return True, body
        if keyword.command is Command.RESTART:  # Rasa restarts even a paused conversation
            return False, RESTART_PAYLOAD
        return False, change_language_payload(keyword.language or "fr")  # LANGUAGE

    async def _start(self, sender_id: str, language: str | None) -> None:
        language = language or (await self.conversation(sender_id)).language
        await self.store.set_opted_out(sender_id, False)
        await self.deliver(sender_id, t("sms.start.confirm", language), language)
        log.info("SMS %s opted back in", sender_id)

    async def _converse(
        self, sender_id: str, text: str, metadata: dict[str, Any], *, notice: bool = False
    ) -> None:
        if self.runner is None:
            raise RuntimeError("the gateway has no Rasa runner (outbound-only gateway)")
        try:
            messages = await self.runner(text, sender_id, metadata)
        except Exception:
            log.exception("Rasa failed on an SMS from %s", sender_id)
            language = (await self.conversation(sender_id)).language
            await self.deliver(sender_id, t("sms.error", language), language)
            return
        await self.deliver_messages(sender_id, messages, notice=notice)

    # --- outbound -------------------------------------------------------------------------

    async def deliver_messages(
        self, sender_id: str, messages: Iterable[Mapping[str, Any]], *, notice: bool = False
    ) -> int:
        """Bot messages (Rasa's dicts) rendered for SMS and sent; returns pages sent. With
        `notice` (the first message of a conversation), the privacy notice goes first, as an
        SMS of its own: joined to the reply it would push a long or UCS-2 reply (Arabic,
        Chinese) to a second page the person must ask for."""
        messages = list(messages)
        if not messages:
            return 0
        language = normalize_language((await self.conversation(sender_id)).language)
        turn = render_turn(messages, language)
        sent = 0
        if notice:
            notice_text = t("privacy.notice.sms", language)
            sent += await self.deliver(sender_id, notice_text, language, keep_options=True)
        return sent + await self.deliver(sender_id, turn.text, language, options=turn.options)

    async def deliver(
        self,
        sender_id: str,
        text: str,
        language: str,
        *,
        options: Iterable[Option] = (),
        keep_options: bool = False,
        force: bool = False,
    ) -> int:
        """Send `text` (first page now, the rest kept for "more"); returns pages sent (0/1).

        `force` sends even to an opted-out phone: only for the STOP confirmation.
        """
        if not text.strip():
            return 0
        if not force and await self.store.is_opted_out(sender_id):
            log.info("Not sending to %s: opted out", sender_id)
            return 0
        hint = t("sms.more.hint", language)
        pages = [
            page.text
            for page in paginate(text, more_hint=hint, max_segments=self.config.max_segments)
        ]
        await self.store.save_reply(
            sender_id, pending=pages[1:], options=None if keep_options else list(options)
        )
        return 1 if await self._send(sender_id, pages[0]) else 0

    async def _send(self, sender_id: str, body: str) -> bool:
        contact = await self.store.contact(sender_id)
        if contact is None:
            log.warning("No number known for %s: message not sent", sender_id)
            return False
        try:
            sid = await self.sender.send(contact.number, body)
        except RecipientOptedOut:
            log.info("Provider says %s opted out; recorded", sender_id)
            await self.store.set_opted_out(sender_id, True)
            return False
        except SendError as exc:
            log.error("SMS to %s not sent: %s", sender_id, exc)
            return False
        log.info("SMS %s sent to %s", sid, sender_id)
        return True

    async def send_text(self, target: str, text: str, language: str | None = None) -> bool:
        """A message not caused by an SMS (a counsellor's reply): `target` is the
        conversation's `sender_id` or a phone number. Honors STOP; clears numbered options
        so the person's next "1" reaches the counsellor as typed."""
        if is_sender_id(target):
            sender_id = target
        else:
            number = normalize_number(target)
            sender_id = sender_id_for(number, self.config.secret_key)
            await self.store.remember(sender_id, number)
        language = normalize_language(language or (await self.conversation(sender_id)).language)
        return await self.deliver(sender_id, text, language) > 0


async def send_sms(
    settings: Settings | SmsConfig,
    sender_id_or_number: str,
    text: str,
    *,
    language: str | None = None,
) -> bool:
    """Send `text` by SMS outside a Rasa turn: the seam for the handoff area (issue #6).

    `sender_id_or_number` is the conversation's `sender_id` (`sms-…`, as the console knows
    it) or a phone number. Long texts are paged like the bot's ("more"); an opted-out phone
    gets nothing (returns False). Provider credentials come from `RELAIS_SMS_*`.
    """
    config = (
        settings
        if isinstance(settings, SmsConfig)
        else SmsConfig.from_credentials(settings=settings)
    )
    if not config.configured:
        raise RuntimeError("SMS channel not configured: missing " + ", ".join(config.missing()))
    gateway = await SmsGateway.open(config)
    try:
        return await gateway.send_text(sender_id_or_number, text, language)
    finally:
        await gateway.close()
