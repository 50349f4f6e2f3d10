"""EFFACER / DELETE by SMS: erase the phone's conversation after a confirmation.

The keyword (`bot.channels.sms_keywords`, Command.ERASE) asks "Erase your whole conversation?
Reply YES"; the question is stored as the phone's one numbered option, so "OUI", "yes" or
"1" confirms, anything else keeps everything (and says so). The erasure is the one of
`relais privacy forget --phone`: Rasa's tracker, handoffs, callbacks given with this number,
the SMS state. The confirmation is sent to the number held in the message itself, since the
phone's row, number included, is gone by then.
"""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING

from bot.channels.sms_keywords import fold
from bot.channels.sms_render import resolve_choice
from bot.channels.sms_store import Option
from bot.texts import t

if TYPE_CHECKING:
    from bot.channels.sms_gateway import Inbound, SmsGateway

log = logging.getLogger(__name__)

CONFIRM = "/relais_erase_confirm"
"""The payload of the confirmation option; never sent to Rasa."""
YES = frozenset({"oui", "o", "yes", "y", "ok"})


async def ask(gateway: SmsGateway, sender_id: str, language: str) -> None:
    option = Option(t("privacy.yes", language).upper(), CONFIRM)
    await gateway.deliver(
        sender_id, t("privacy.sms.confirm_ask", language), language, options=[option]
    )


async def answered(gateway: SmsGateway, item: Inbound) -> bool:
    """Whether `item` answered the erasure question (then it is fully handled here)."""
    contact = await gateway.store.contact(item.sender_id)
    if contact is None or [o.payload for o in contact.options] != [CONFIRM]:
        return False
    language = (await gateway.conversation(item.sender_id)).language
    if resolve_choice(item.body, contact.options) == CONFIRM or fold(item.body) in YES:
        await erase(gateway, item, language)
    else:
        await gateway.store.save_options(item.sender_id, [])
        await gateway.deliver(item.sender_id, t("privacy.sms.kept", language), language)
    return True


def forget_phone(number: str) -> dict[str, dict[str, int]]:
    """`relais privacy forget --phone` for this number (blocking: run in a thread)."""
    from bot.privacy.service import Privacy, Subject
    from bot.settings import get_settings

    office = Privacy(get_settings())
    try:
        return office.forget(Subject(phone=number), actor="sms").counts
    finally:
        office.close()


async def erase(gateway: SmsGateway, item: Inbound, language: str) -> None:
    counts = await asyncio.to_thread(forget_phone, item.number)
    log.info("SMS %s erased on request: %s", item.sender_id, counts)
    await gateway.sender.send(item.number, t("privacy.sms.erased", language))
