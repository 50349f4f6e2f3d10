"""Privacy (Québec Law 25): keep personal identifiers out of logs and aggregates.

`redact.find(text)` says where the identifiers are, `redact.redact(text)` replaces them with
neutral placeholders, and `log_filter.install()` makes every log record go through `redact`.
"""
