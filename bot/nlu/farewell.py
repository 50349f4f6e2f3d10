"""`FarewellIntent`: thanks said with a goodbye is a goodbye.

"thank you so much, bye" and "thanks, that's all" were read as thanks, which the assistant
answers with "Anything else?": a question to someone who has just left. The classifier splits
such messages between the two intents (0.51 / 0.48); the words of leave-taking
(`says_goodbye`, the replies lexicon's `farewells`) decide.
"""

from __future__ import annotations

from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.shared.nlu.constants import INTENT, TEXT
from rasa.shared.nlu.training_data.message import Message

from bot.nlu.component import MessageComponent, choose_intent, ranked_confidence
from bot.nlu.replies import says_goodbye

THANKS = "thanks"
GOODBYE = "goodbye"


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=False)
class FarewellIntent(MessageComponent):
    """Turns thanks into goodbye when the message also takes leave."""

    def process_message(self, message: Message) -> None:
        if str((message.get(INTENT) or {}).get("name") or "") != THANKS:
            return
        if says_goodbye(message.get(TEXT) or ""):
            confidence = ranked_confidence(message, THANKS) + ranked_confidence(message, GOODBYE)
            choose_intent(message, GOODBYE, min(1.0, confidence), replaced=(THANKS,))
