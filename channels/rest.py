"""The REST webhook, hardened: ``POST /webhooks/rest/webhook`` and ``GET /webhooks/rest/ready``.

Differences from Rasa's ``RestInput`` (3.6.21), each answering a failure seen on it:

- the body is streamed and capped (``ISK_MAX_BODY_BYTES``, 413) before anything is parsed,
  and Sanic's app-wide limit drops from 100 MB to ``ISK_APP_MAX_BODY_BYTES``;
- a body that is not a UTF-8 JSON object, a missing ``sender`` or ``message``, or one of the
  wrong type gets a 400 with ``{"error": code, "detail": text}`` instead of a 500 or ``[]``;
- empty, too long, slash-command and control-character text is handled by
  :mod:`channels.guard` (only the bot's own "/intent" button payloads skip NLU);
- a turn that produced nothing (action server down or slow, lock store unreachable) is
  answered with a short "trouble answering" message instead of ``[]``;
- ``input_channel`` can no longer be spoofed from the body, and the text is never logged;
- sender ids are limited to letters, digits and ``-_.:`` (they are written into log lines),
  and ``web:...`` ids, the widget's, are refused (400 ``reserved_sender``);
- rate limits per conversation, per client address and for new conversations per address
  (:mod:`channels.limits`) answer 429 with ``Retry-After`` before Rasa sees the message, so a
  refused message leaves nothing in the tracker store;
- ``metadata`` keeps only the keys the project uses (:func:`channels.guard.filter_metadata`).
"""

from __future__ import annotations

import logging
from typing import Any, Awaitable, Callable, Dict, FrozenSet, Optional, Text

from rasa.core.channels.channel import CollectingOutputChannel, InputChannel, UserMessage
from rasa.core.channels.rest import RestInput
from sanic import Blueprint, Sanic, response
from sanic.request import Request
from sanic.response import HTTPResponse

from channels.guard import (
    InputError, Turn, button_payloads, check_message, check_rest_sender, filter_metadata, parse_body, plan_turn,
)
from channels.limits import Limiter, client_address, process_limiter, retry_after_header
from channels.readiness import check_readiness
from channels.replies import reply_text
from channels.settings import ChannelSettings, load_channel_settings
from channels.turn import configure_process, run_turn
from channels.widget_session import short_hash

logger = logging.getLogger(__name__)


class CappedBlueprint(Blueprint):
    """A blueprint that lowers Sanic's app-wide body limit when it is registered."""

    def __init__(self, *args: Any, app_max_body_bytes: int, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.ctx.app_max_body_bytes = app_max_body_bytes

    def register(self, app: Sanic, options: Dict[Text, Any]) -> None:
        app.config.REQUEST_MAX_SIZE = min(app.config.REQUEST_MAX_SIZE, self.ctx.app_max_body_bytes)
        super().register(app, options)


def domain_payloads(agent: Optional[Any]) -> FrozenSet[str]:
    """The "/intent" payloads of the loaded model's domain (empty before it loads)."""
    domain = getattr(agent, "domain", None)
    return button_payloads(domain.intents) if domain is not None else frozenset()


async def read_capped_body(request: Request, limit: int) -> bytes:
    """The request body, refusing (413) before reading more than ``limit`` bytes."""
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > limit:
        raise InputError(413, "body_too_large", f"The request body must be at most {limit} bytes.")
    chunks = []
    size = 0
    while True:
        chunk = await request.stream.read()
        if chunk is None:
            break
        size += len(chunk)
        if size > limit:
            raise InputError(413, "body_too_large", f"The request body must be at most {limit} bytes.")
        chunks.append(chunk)
    return b"".join(chunks)


class HardenedRestInput(RestInput):
    """Rasa's REST channel with input validation, size caps, fault replies and readiness."""

    def __init__(self, settings: Optional[ChannelSettings] = None, limiter: Optional[Limiter] = None) -> None:
        self.settings = settings or load_channel_settings()
        self.limiter = limiter or process_limiter()
        configure_process(self.settings)

    @classmethod
    def from_credentials(cls, credentials: Optional[Dict[Text, Any]]) -> InputChannel:
        return cls()

    def _reply(self, sender_id: str, key: str) -> HTTPResponse:
        text = reply_text(key, self.settings.max_message_chars)
        return response.json([{"recipient_id": sender_id, "text": text}])

    async def _admit(self, sender_id: str, address: str) -> Optional[float]:
        """None when the message may go to Rasa, else the seconds to wait.

        A conversation id the limiter has not seen counts as a new conversation for the
        address (REST has no session request to count them at).
        """
        known = await self.limiter.is_known_conversation(sender_id)
        if not known:
            wait = await self.limiter.check_new_conversation(address)
            if wait is not None:
                return wait
        wait = await self.limiter.check_message(sender_id, address)
        if wait is None and not known:
            await self.limiter.remember_conversation(sender_id)
        return wait

    def _too_many(self, wait: float) -> HTTPResponse:
        seconds = retry_after_header(wait)
        body = {
            "error": "rate_limited",
            "detail": f"Too many messages; try again in {seconds} seconds.",
            "retry_after": int(seconds),
        }
        return response.json(body, status=429, headers={"Retry-After": seconds})

    async def handle(
        self, request: Request, on_new_message: Callable[[UserMessage], Awaitable[Any]]
    ) -> HTTPResponse:
        """Validate, then run one turn; every outcome is JSON."""
        try:
            body = parse_body(await read_capped_body(request, self.settings.max_body_bytes))
            sender_id = check_rest_sender(body.get("sender"), self.settings.max_sender_chars)
            raw_text = check_message(body.get("message"))
        except InputError as error:
            logger.info("rest.rejected status=%s error=%s", error.status, error.code)
            return response.json(error.as_json(), status=error.status)

        address = client_address(request.ip, request.headers.get("x-forwarded-for"), self.limiter.trusted_proxies)
        wait = await self._admit(sender_id, address)
        if wait is not None:
            logger.info("rest.rejected status=429 error=rate_limited conv=%s", short_hash(sender_id))
            return self._too_many(wait)

        agent = getattr(request.app.ctx, "agent", None)
        turn: Turn = plan_turn(raw_text, domain_payloads(agent), self.settings.max_message_chars)
        if turn.reply is not None:
            logger.info("turn conv=%s intent=None answered=channel reply=%s", short_hash(sender_id), turn.reply)
            return self._reply(sender_id, turn.reply)

        collector = CollectingOutputChannel()
        message = UserMessage(
            turn.text, collector, sender_id, input_channel=self.name(), metadata=filter_metadata(body.get("metadata")),
        )
        answered = await run_turn(
            on_new_message, message, agent, lambda: len(collector.messages), self.settings.log_message_text
        )
        if not answered:
            return self._reply(sender_id, "trouble")
        return response.json(collector.messages)

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[None]]) -> Blueprint:
        """``GET /`` (alive), ``GET /ready`` (can answer) and ``POST /webhook``."""
        webhook = CappedBlueprint(
            f"custom_webhook_{type(self).__name__}",
            __name__,
            app_max_body_bytes=self.settings.app_max_body_bytes,
        )

        @webhook.route("/", methods=["GET"])
        async def health(request: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        @webhook.route("/ready", methods=["GET"])
        async def ready(request: Request) -> HTTPResponse:
            agent = getattr(request.app.ctx, "agent", None)
            result = await check_readiness(agent, self.settings.probe_timeout)
            return response.json(result, status=200 if result["ready"] else 503)

        @webhook.route("/webhook", methods=["POST"], stream=True)
        async def receive(request: Request) -> HTTPResponse:
            return await self.handle(request, on_new_message)

        return webhook
