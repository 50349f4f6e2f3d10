from rasa.shared.nlu.training_data.message import Message

from bot.nlu.tokenizer import NormalizingTokenizer


def test_lemmas_are_normalized_and_text_is_kept(make_component):
    tokenizer = make_component(NormalizingTokenizer)
    msg = Message({"text": "J'AI besoin d'épicerie"})
    tokenizer.process([msg])
    tokens = msg.get("text_tokens")
    assert [t.lemma for t in tokens] == ["jai", "besoin", "depicerie"]
    assert tokens[0].text == "J'AI"
    assert tokens[-1].start == len("J'AI besoin ")
