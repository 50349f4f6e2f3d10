"""Rasa runtime extensions: what Rasa loads by name from `endpoints.yml`, `credentials.yml` and
`config.yml` (tracker and lock stores, policies) and the one fenced module of patches.

Nothing here is imported by the actions: the dialogue logic they use lives in `bot.dialogue`.
"""
