"""The one module that changes Rasa's own code: each patch fenced by Rasa's version and the
patched function's signature.

Everything else extends Rasa through its seams (components in `config.yml`, channels in
`credentials.yml`, stores in `endpoints.yml`). Five behaviours have no seam in Rasa 3.6:

1. **A failed custom action still answers the person.** Rasa logs an action-server failure
   (down, slow, crashing) and the person gets silence. `MessageProcessor._run_action` runs
   custom actions and forms under a timeout, and a failure becomes `utter_service_unavailable`
   in the person's language with the 211 line (rendered by Rasa itself), the form is stopped
   and the bot listens.
2. **Action-server responses are validated without re-validating Rasa's schema.** Rasa checks
   each response with `jsonschema.validate`, which re-checks the schema itself and tries each
   event against 23 alternatives (~30 % of the Rasa process's time per turn):
   `RemoteAction._validate_action_result` uses validators built once (`action_results.py`),
   with the same verdicts and errors.
3. **A rule's decision skips TED and memoization** (`policies.py`): the policies'
   `predict_action_probabilities` return an empty prediction when `RulePolicy` already
   decided with certainty. Subclasses registered in `config.yml` would be the seam, but Rasa
   recognizes the rule policy by its exact class (`node.uses == RulePolicy` in its recipe
   validator) and memorizing policies by class-name suffix (`is_not_in_training_data`), so
   a subclass would silently lose both.

4. **A message sent again is answered, not processed twice** (`resent.py`): a client that
   got no answer resends its message with the same `metadata.message_id`; under the
   conversation's lock, `MessageProcessor.handle_message` first looks for that id in the
   conversation and sends again the answers it had. Rasa's seams stop outside the lock
   (the channel's `on_new_message` is `Agent.handle_message`, which takes it), so the
   check can only sit in the processor.

5. **A message is read in its conversation**: after a crisis line, the classifier's reading of
   another kind ("il sait pas que jécris" after conjugal violence: a medical emergency) is the
   same crisis going on (`bot.nlu.crisis.continued_crisis`); nothing but social words ("ok
   thx", "hello?") keeps the language the conversation already has
   (`bot.nlu.language.continued_language`). NLU components see one message, not the
   conversation; `MessageProcessor.parse_message` holds both, so the parse is completed
   there before any slot is set.

The tracker store (`tracker_store.py`) patches nothing but reads private members of
`SQLTrackerStore`; they are fenced here too.

`install()` runs when Rasa creates `RelaisTrackerStore` (named in `endpoints.yml`), so plain
`rasa run` and `rasa shell` at the root behave exactly as `relais run`. On another Rasa
version, or when a patched function's signature changed, it refuses to start with a clear
message in French and English instead of patching blindly.
"""

from __future__ import annotations

import asyncio
import functools
import inspect
import logging
import os
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

log = logging.getLogger(__name__)

SUPPORTED_RASA = "3.6."
"""The Rasa series these patches were written and tested against."""

FALLBACK_RESPONSE = "utter_service_unavailable"
DEFAULT_TIMEOUT = 10.0
"""Seconds a custom action may take (`RELAIS_ACTION_TIMEOUT`); Rasa's own limit is 5 minutes."""

MARK = "_relais_patch"


class RasaMismatch(RuntimeError):
    """The installed Rasa is not the one the patches were written for (message in FR and EN)."""


@dataclass(frozen=True)
class Fence:
    """A private Rasa function we patch or call: where it is and the parameters we rely on."""

    module: str
    owner: str
    attribute: str
    parameters: tuple[str, ...]

    def target(self) -> Any:
        import importlib

        return getattr(importlib.import_module(self.module), self.owner)

    def problem(self) -> str | None:
        """Why this fence does not hold on the installed Rasa (None when it does)."""
        try:
            function = getattr(self.target(), self.attribute)
        except (ImportError, AttributeError) as error:
            return f"{self.module}.{self.owner}.{self.attribute}: {error}"
        original = getattr(function, "__wrapped__", function)
        found = tuple(inspect.signature(original).parameters)
        if found != self.parameters:
            return f"{self.owner}.{self.attribute}{found} ≠ {self.parameters}"
        return None


RUN_ACTION = Fence(
    "rasa.core.processor",
    "MessageProcessor",
    "_run_action",
    ("self", "action", "tracker", "output_channel", "nlg", "prediction"),
)
HANDLE_MESSAGE = Fence(
    "rasa.core.processor", "MessageProcessor", "handle_message", ("self", "message")
)
PARSE_MESSAGE = Fence(
    "rasa.core.processor",
    "MessageProcessor",
    "parse_message",
    ("self", "message", "tracker", "only_output_properties"),
)
VALIDATE_RESULT = Fence(
    "rasa.core.actions.action", "RemoteAction", "_validate_action_result", ("self", "result")
)
_PREDICT = ("self", "tracker", "domain", "rule_only_data")
POLICY_PREDICT = (
    Fence(
        "rasa.core.policies.rule_policy",
        "RulePolicy",
        "predict_action_probabilities",
        (*_PREDICT, "kwargs"),
    ),
    Fence(
        "rasa.core.policies.memoization",
        "MemoizationPolicy",
        "predict_action_probabilities",
        (*_PREDICT, "kwargs"),
    ),
    Fence(
        "rasa.core.policies.ted_policy",
        "TEDPolicy",
        "predict_action_probabilities",
        (*_PREDICT, "precomputations", "kwargs"),
    ),
)
TRACKER_STORE_PRIVATE = Fence(
    "rasa.core.tracker_store",
    "SQLTrackerStore",
    "_event_query",
    ("self", "session", "sender_id", "fetch_events_from_all_sessions"),
)
FENCES: tuple[Fence, ...] = (
    RUN_ACTION,
    HANDLE_MESSAGE,
    PARSE_MESSAGE,
    VALIDATE_RESULT,
    *POLICY_PREDICT,
    TRACKER_STORE_PRIVATE,
)


def problems(version: str | None = None) -> list[str]:
    """Everything that does not match the Rasa these patches were written for."""
    import rasa

    version = rasa.__version__ if version is None else version
    found = [] if version.startswith(SUPPORTED_RASA) else [f"rasa {version}"]
    return found + [problem for fence in FENCES if (problem := fence.problem())]


def check(version: str | None = None) -> None:
    """Refuse to run on a Rasa the patches do not fit, saying so in both languages."""
    found = problems(version)
    if not found:
        return
    from bot.texts import t

    details = "; ".join(found)
    raise RasaMismatch(
        t("runtime.rasa_mismatch", "fr", expected=SUPPORTED_RASA, details=details)
        + "\n"
        + t("runtime.rasa_mismatch", "en", expected=SUPPORTED_RASA, details=details)
    )


# --- 1. a failed custom action answers politely ----------------------------------------------


def action_timeout() -> float:
    return float(os.environ.get("RELAIS_ACTION_TIMEOUT") or DEFAULT_TIMEOUT)


async def unavailable_events(output_channel: Any, nlg: Any, tracker: Any) -> list[Any]:
    """The events that replace a failed action: the polite message, form stopped, listen."""
    from rasa.core.actions.action import create_bot_utterance
    from rasa.shared.core.constants import ACTION_LISTEN_NAME, REQUESTED_SLOT
    from rasa.shared.core.events import ActiveLoop, FollowupAction, SlotSet

    events: list[Any] = []
    message = await nlg.generate(FALLBACK_RESPONSE, tracker, output_channel.name())
    if message:
        message["utter_action"] = FALLBACK_RESPONSE
        events.append(create_bot_utterance(message))
    if tracker.active_loop_name:
        events += [ActiveLoop(None), SlotSet(REQUESTED_SLOT, None)]
    events.append(FollowupAction(ACTION_LISTEN_NAME))
    return events


class GuardedAction:
    """A custom action or form whose failure becomes a polite message (a transparent proxy)."""

    def __init__(self, action: Any, timeout: float) -> None:
        self._action = action
        self._timeout = timeout

    def __getattr__(self, name: str) -> Any:
        return getattr(self._action, name)

    async def run(self, output_channel: Any, nlg: Any, tracker: Any, domain: Any) -> list[Any]:
        from rasa.core.actions.action import ActionExecutionRejection

        try:
            return await asyncio.wait_for(
                self._action.run(output_channel, nlg, tracker, domain), self._timeout
            )
        except ActionExecutionRejection:
            raise  # a form declining the message is normal flow, not a failure
        except Exception:
            log.exception(
                "Action %r failed; answering with %s", self._action.name(), FALLBACK_RESPONSE
            )
            return await unavailable_events(output_channel, nlg, tracker)


def needs_guard(action: Any) -> bool:
    """Custom actions and forms call the action server; built-in ones do not."""
    from rasa.core.actions.action import RemoteAction
    from rasa.core.actions.loops import LoopAction

    return isinstance(action, (RemoteAction, LoopAction))


def _guarded_run_action(original: Callable[..., Any]) -> Callable[..., Any]:
    async def _run_action(self, action, tracker, output_channel, nlg, prediction):
        if needs_guard(action):
            action = GuardedAction(action, action_timeout())
        return await original(self, action, tracker, output_channel, nlg, prediction)

    return _run_action


# --- 2. action results validated by the short way --------------------------------------------


def _validated_result(_original: Callable[..., Any]) -> Callable[..., Any]:
    from bot.runtime.action_results import validate_action_result

    def _validate_action_result(self, result):
        return validate_action_result(self, result)

    return _validate_action_result


# --- 3. a rule's decision spares TED and memoization -----------------------------------------


def _rule_marking(original: Callable[..., Any]) -> Callable[..., Any]:
    from bot.runtime.policies import mark_rule_decision

    def predict(self, tracker, domain, *args, **kwargs):
        prediction = original(self, tracker, domain, *args, **kwargs)
        mark_rule_decision(prediction, tracker, domain)
        return prediction

    return predict


def _skipped_when_decided(original: Callable[..., Any]) -> Callable[..., Any]:
    from bot.runtime.policies import decided_by_rule

    def predict(self, tracker, domain, *args, **kwargs):
        if decided_by_rule(tracker, self.priority):
            log.debug("%s skipped: a rule decided", type(self).__name__)
            return self._prediction(self._default_predictions(domain))
        return original(self, tracker, domain, *args, **kwargs)

    return predict


# --- 4. a resent message answered from the conversation ---------------------------------------


def _answering_resent(original: Callable[..., Any]) -> Callable[..., Any]:
    from rasa.core.channels.channel import CollectingOutputChannel

    from bot.runtime.resent import answer_if_resent

    async def handle_message(self, message):
        if not await answer_if_resent(self, message):
            return await original(self, message)
        if isinstance(message.output_channel, CollectingOutputChannel):
            return message.output_channel.messages
        return None

    return handle_message


# --- 5. a message read in its conversation ------------------------------------------------------


def _read_in_context(original: Callable[..., Any]) -> Callable[..., Any]:
    from rasa.shared.core.events import SlotSet

    from bot.nlu.crisis import continued_crisis
    from bot.nlu.language import continued_language

    async def parse_message(self, message, tracker=None, only_output_properties=True):
        parse = await original(self, message, tracker, only_output_properties)
        if tracker is None:
            return parse
        parse = continued_crisis(parse, tracker.get_slot("crisis"))
        chosen = any(isinstance(e, SlotSet) and e.key == "language" for e in tracker.events)
        return continued_language(parse, chosen)

    return parse_message


PATCHES: tuple[tuple[Fence, Callable[[Callable[..., Any]], Callable[..., Any]]], ...] = (
    (RUN_ACTION, _guarded_run_action),
    (HANDLE_MESSAGE, _answering_resent),
    (PARSE_MESSAGE, _read_in_context),
    (VALIDATE_RESULT, _validated_result),
    (POLICY_PREDICT[0], _rule_marking),
    (POLICY_PREDICT[1], _skipped_when_decided),
    (POLICY_PREDICT[2], _skipped_when_decided),
)


def installed() -> bool:
    return all(getattr(getattr(f.target(), f.attribute), MARK, False) for f, _ in PATCHES)


def install() -> None:
    """Check the fences, then apply every patch once (idempotent)."""
    check()
    for fence, make in PATCHES:
        owner = fence.target()
        original = getattr(owner, fence.attribute)
        if getattr(original, MARK, False):
            continue
        # the original's name, doc and annotations: Rasa validates components' signatures
        replacement = functools.wraps(original)(make(original))
        setattr(replacement, MARK, True)
        setattr(owner, fence.attribute, replacement)
