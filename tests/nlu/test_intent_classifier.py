"""`BilingualIntentClassifier`: trains, persists, loads and ranks every intent (Rasa plumbing)."""

from __future__ import annotations

from rasa.engine.graph import ExecutionContext, GraphSchema
from rasa.engine.storage.resource import Resource
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot.nlu.intent_classifier import BilingualIntentClassifier
from bot.nlu.sentence_vectors import DIMENSIONS, sentence_vectors

EXAMPLES = {
    "need_food": [
        "j'ai faim",
        "banque alimentaire",
        "i need food",
        "dépannage alimentaire",
        "nothing to eat",
        "food bank near me",
    ],
    "need_housing": [
        "mon proprio veut m'évincer",
        "je cherche un logement",
        "eviction notice",
        "i cant pay my rent",
        "loyer trop cher",
        "looking for an apartment",
    ],
    "greet": ["bonjour", "allo", "hi", "hello there", "salut", "good morning"],
}


def _training_data() -> TrainingData:
    return TrainingData(
        [
            Message({"text": text, "intent": intent})
            for intent, texts in EXAMPLES.items()
            for text in texts
        ]
    )


def _trained(model_storage) -> BilingualIntentClassifier:
    resource = Resource("intents")
    context = ExecutionContext(GraphSchema({}), "test")
    config = BilingualIntentClassifier.get_default_config()
    component = BilingualIntentClassifier.create(config, model_storage, resource, context)
    component.train(_training_data())
    return BilingualIntentClassifier.load(config, model_storage, resource, context)


def test_a_persisted_model_classifies_in_both_languages(model_storage):
    classifier = _trained(model_storage)
    messages = [
        Message({"text": "y a tu une banque alimentaire"}),
        Message({"text": "my landlord wants to evict me"}),
        Message({"text": "salut toi"}),
    ]
    classifier.process(messages)
    assert [m.get("intent")["name"] for m in messages] == ["need_food", "need_housing", "greet"]


def test_the_ranking_holds_every_intent_as_probabilities(model_storage):
    classifier = _trained(model_storage)
    message = Message({"text": "je cherche un appartement pas cher"})
    classifier.process([message])
    ranking = message.get("intent_ranking")
    assert {r["name"] for r in ranking} == set(EXAMPLES)
    assert abs(sum(r["confidence"] for r in ranking) - 1.0) < 1e-6
    assert ranking[0] == message.get("intent")


def test_an_empty_message_is_left_unclassified(model_storage):
    """No intent, said as Rasa's classifiers say it: the FallbackClassifier after it reads
    `intent` and failed with a KeyError on a blank message (found by the chat fuzz)."""
    classifier = _trained(model_storage)
    message = Message({"text": "  \n\t "})
    classifier.process([message])
    assert message.get("intent") == {"name": None, "confidence": 0.0}


def test_an_untrained_model_loads_and_does_nothing(model_storage):
    context = ExecutionContext(GraphSchema({}), "test")
    classifier = BilingualIntentClassifier.load(
        BilingualIntentClassifier.get_default_config(), model_storage, Resource("none"), context
    )
    message = Message({"text": "bonjour"})
    classifier.process([message])
    assert message.get("intent") is None


def test_sentence_vectors_are_normalized_and_empty_text_is_zero():
    vectors = sentence_vectors(["j'ai faim", "", "I am hungry"])
    assert vectors.shape == (3, DIMENSIONS)
    assert abs(float((vectors[0] ** 2).sum()) - 1.0) < 1e-3
    assert not vectors[1].any()
    # the same need in two languages is closer than two different needs
    other = sentence_vectors(["mon proprio m'a mis dehors"])[0]
    assert float(vectors[0] @ vectors[2]) > float(vectors[0] @ other)


def test_probabilities_match_scikit_learns(model_storage):
    """The regressions' average is scikit-learn's, and the neighbours' votes are mixed in with
    their weight."""
    classifier = _trained(model_storage)
    model = classifier._model
    texts = ["j'ai faim", "loyer trop cher", "hello"]
    from bot.nlu.normalize import normalize

    regressions = model.ngram_weight * model.words.predict_proba(
        model.vectorizer.transform([normalize(t) for t in texts])
    ) + (1 - model.ngram_weight) * model.meaning.predict_proba(sentence_vectors(texts))
    votes = model.neighbour_votes(sentence_vectors(texts))
    expected = (1 - model.neighbour_weight) * regressions + model.neighbour_weight * votes
    assert model.neighbour_weight > 0
    assert abs(model.probabilities(texts) - expected).max() < 1e-6


def test_neighbour_votes_favour_the_nearest_sentences(model_storage):
    """A near-copy of one training sentence gets most of its vote from that sentence's intent,
    even when several sentences of another intent are among the `neighbours`; the votes are a
    distribution over every intent."""
    model = _trained(model_storage)._model
    votes = model.neighbour_votes(sentence_vectors(["mon propriétaire veut m'évincer", "hi!"]))
    assert votes.shape == (2, len(model.classes))
    assert abs(votes.sum(axis=1) - 1.0).max() < 1e-9
    assert model.classes[int(votes[0].argmax())] == "need_housing"
    assert votes[0].max() > 0.5
    assert model.classes[int(votes[1].argmax())] == "greet"


def test_without_neighbours_the_regressions_alone_decide(model_storage):
    resource = Resource("no-neighbours")
    context = ExecutionContext(GraphSchema({}), "test")
    config = {**BilingualIntentClassifier.get_default_config(), "neighbour_weight": 0.0}
    component = BilingualIntentClassifier.create(config, model_storage, resource, context)
    component.train(_training_data())
    model = component._model
    texts = ["j'ai faim", "eviction notice"]
    from bot.nlu.normalize import normalize

    expected = model.ngram_weight * model.words.predict_proba(
        model.vectorizer.transform([normalize(t) for t in texts])
    ) + (1 - model.ngram_weight) * model.meaning.predict_proba(sentence_vectors(texts))
    assert abs(model.probabilities(texts) - expected).max() < 1e-9
