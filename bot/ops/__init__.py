"""Operations around Rasa: `relais run` (the supervisor), training with a content-hash cache,
evaluation, `relais chat`, `relais understand`, and a stack on free ports for tests and
benchmarks. Nothing here runs inside Rasa or the action server."""
