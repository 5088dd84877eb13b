"""The socket.io channel the widget uses, hardened like the REST webhook.

Rasa's ``SocketIOInput`` (3.6.21) accepts 1 MB messages, lets any origin connect, ignores a
message without ``session_id`` silently, crashes its handler on non-dict data or string
metadata that is not JSON, and says nothing when a turn fails. This subclass keeps Rasa's
blueprint and events and replaces the two handlers that read client data.
"""

from __future__ import annotations

import inspect
import logging
import uuid
from typing import Any, Awaitable, Callable, Dict, Optional, Text

from rasa.core.channels.channel import InputChannel, UserMessage
from rasa.core.channels.socketio import SocketIOInput, SocketIOOutput
from sanic import Blueprint, Sanic

from channels.guard import InputError, check_sender, plan_turn
from channels.replies import reply_text
from channels.rest import domain_payloads
from channels.settings import ChannelSettings, load_channel_settings
from channels.turn import configure_process, run_turn

logger = logging.getLogger(__name__)


class CountingSocketIOOutput(SocketIOOutput):
    """Rasa's socket.io output that counts what it sent, so a silent turn can be noticed."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.sent = 0

    async def _send_message(self, socket_id: Text, response: Any) -> None:
        self.sent += 1
        await super()._send_message(socket_id, response)

    async def send_custom_json(self, recipient_id: Text, json_message: Dict[Text, Any], **kwargs: Any) -> None:
        """Stock Rasa passes the payload as ``emit`` keyword arguments, which crashes (TypeError)
        on any payload but ``{"data": ...}``; here it travels as ``{"custom": payload}``, the
        shape the REST channel uses."""
        self.sent += 1
        if set(json_message) <= {"data", "room", "namespace", "to", "skip_sid", "callback"}:
            await super().send_custom_json(recipient_id, json_message, **kwargs)
        else:
            await self._send_message(recipient_id, {"custom": json_message})
            self.sent -= 1  # _send_message counted it already


class HardenedSocketIOInput(SocketIOInput):
    """``SocketIOInput`` with origin and size limits, validated messages and fault replies."""

    @classmethod
    def from_credentials(cls, credentials: Optional[Dict[Text, Any]]) -> InputChannel:
        credentials = credentials or {}
        channel = cls(
            credentials.get("user_message_evt", "user_uttered"),
            credentials.get("bot_message_evt", "bot_uttered"),
            credentials.get("namespace"),
            credentials.get("session_persistence", False),
            credentials.get("socketio_path", "/socket.io"),
            credentials.get("jwt_key"),
            credentials.get("jwt_method", "HS256"),
            credentials.get("metadata_key", "metadata"),
        )
        channel.configure(load_channel_settings())
        return channel

    def configure(self, settings: ChannelSettings) -> None:
        self.settings = settings
        self._app: Optional[Sanic] = None
        configure_process(settings)

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        if not hasattr(self, "settings"):
            self.configure(load_channel_settings())
        webhook = super().blueprint(on_new_message)
        sio = self.sio
        assert sio is not None
        # Only the widget's page may connect; messages above the body cap are refused.
        sio.eio.cors_allowed_origins = list(self.settings.cors_origins)
        sio.eio.max_http_buffer_size = self.settings.max_body_bytes

        @webhook.listener("after_server_start")
        async def remember_app(app: Sanic, _: Any) -> None:
            self._app = app

        async def session_request(sid: Text, data: Any = None) -> None:
            session_id = data.get("session_id") if isinstance(data, dict) else None
            try:
                session_id = check_sender(session_id, self.settings.max_sender_chars)
            except InputError:
                session_id = uuid.uuid4().hex
            if self.session_persistence:
                # python-socketio 5's enter_room is a coroutine; stock Rasa forgets to await it,
                # so the widget never joins its room and hears nothing.
                joined = sio.enter_room(sid, session_id)
                if inspect.isawaitable(joined):
                    await joined
            await sio.emit("session_confirm", session_id, room=sid)

        async def handle_message(sid: Text, data: Any = None) -> None:
            await self._handle_message(sid, data, on_new_message)

        sio.on("session_request", session_request, namespace=self.namespace)
        sio.on(self.user_message_evt, handle_message, namespace=self.namespace)
        return webhook

    async def _say(self, room: Text, key: str) -> None:
        text = reply_text(key, self.settings.max_message_chars)
        assert self.sio is not None
        await self.sio.emit(self.bot_message_evt, {"text": text}, room=room)

    def _sender(self, sid: Text, data: Dict[str, Any]) -> str:
        if not self.session_persistence:
            return sid
        return check_sender(data.get("session_id"), self.settings.max_sender_chars)

    async def _handle_message(
        self, sid: Text, data: Any, on_new_message: Callable[[UserMessage], Awaitable[Any]]
    ) -> None:
        """One widget message: validated like the webhook, never left unanswered."""
        if not isinstance(data, dict) or not isinstance(data.get("message", ""), str):
            logger.info("socketio.rejected sid=%s error=unreadable", sid)
            await self._say(sid, "unreadable")
            return
        try:
            sender_id = self._sender(sid, data)
        except InputError as error:
            logger.info("socketio.rejected sid=%s error=%s", sid, error.code)
            await self._say(sid, "unreadable")
            return
        agent = getattr(self._app.ctx, "agent", None) if self._app is not None else None
        turn = plan_turn(data.get("message") or "", domain_payloads(agent), self.settings.max_message_chars)
        if turn.reply is not None:
            logger.info("turn sender=%s intent=None answered=channel reply=%s", sender_id, turn.reply)
            await self._say(sender_id, turn.reply)
            return
        metadata = data.get(self.metadata_key)
        assert self.sio is not None
        output = CountingSocketIOOutput(self.sio, self.bot_message_evt)
        message = UserMessage(
            turn.text, output, sender_id, input_channel=self.name(),
            metadata=metadata if isinstance(metadata, dict) else None,
        )
        if not await run_turn(on_new_message, message, agent, lambda: output.sent, self.settings.log_message_text):
            await self._say(sender_id, "trouble")
