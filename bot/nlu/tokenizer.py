"""`NormalizingTokenizer`: Rasa's whitespace tokenizer whose token lemmas are normalized.

Rasa's `CountVectorsFeaturizer` reads `token.lemma` (`use_lemma: true`, its default), so giving
every token the lemma "aide" for "AIDE", "aidé" and "d'aide"→"daide" makes Rasa see the same
features for "J'AI BESOIN D'AIDE" and "jai besoin daide", while token text and offsets stay the
person's own (entity spans still point into the real message). Works for French and English
alike, unlike a language-specific spaCy lemmatizer.
"""

from __future__ import annotations

from typing import Any

from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.nlu.tokenizers.tokenizer import Token
from rasa.nlu.tokenizers.whitespace_tokenizer import WhitespaceTokenizer
from rasa.shared.nlu.training_data.message import Message

from bot.nlu.normalize import APOSTROPHES, fold_token


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.MESSAGE_TOKENIZER, is_trainable=False)
class NormalizingTokenizer(WhitespaceTokenizer):
    """Whitespace tokens with accent-free, apostrophe-free, lowercase lemmas."""

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        return WhitespaceTokenizer.get_default_config()

    def tokenize(self, message: Message, attribute: str) -> list[Token]:
        text = message.get(attribute) or ""
        tokens = _join_elisions(super().tokenize(message, attribute), text)
        for token in tokens:
            token.lemma = fold_token(token.text) or token.text
        return tokens


def _join_elisions(tokens: list[Token], text: str) -> list[Token]:
    """Glue tokens split at an apostrophe back together ("J" "AI" → "J'AI").

    Rasa's whitespace tokenizer splits "j'ai" in two while SMS writers type "jai"; one token
    with the lemma "jai" makes both spellings identical features.
    """
    joined: list[Token] = []
    for token in tokens:
        previous = joined[-1] if joined else None
        gap = text[previous.end : token.start] if previous else ""
        if previous and gap and all(c in APOSTROPHES for c in gap):
            merged = text[previous.start : token.end]
            joined[-1] = Token(merged, previous.start, token.end, data=previous.data)
        else:
            joined.append(token)
    return joined
