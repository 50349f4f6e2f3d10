"""The conversation's small decisions, used by the actions and the channels, with no Rasa import.

- `language`: which language to answer in;
- `place`: where the person is, read from the `place` slot the NLU filled (the place is
  decided once, by `bot.nlu.places`, and passed on as a slot);
- `paging`: which page of results a message asks for;
- `results`: the one results payload the actions send and every channel renders;
- `responses`: the Rasa responses generated from the texts catalog.
"""
