"""The socket.io channel the widget uses, hardened like the REST webhook.

Rasa's ``SocketIOInput`` (3.6.21) accepts 1 MB messages, lets any origin connect, ignores a
message without ``session_id`` silently, crashes its handler on non-dict data or string
metadata that is not JSON, and says nothing when a turn fails. Worse, it takes any
``session_id`` a client names and joins that room, so a second browser that learns a reader's
id hears and steers the reader's conversation.

This subclass keeps Rasa's blueprint and replaces the handlers that read client data:

- sessions are issued and signed by the server (:mod:`channels.widget_session`); a socket is
  bound to the session it was confirmed (``sid -> session``, dropped on disconnect), and a
  message naming any other ``session_id`` is refused politely without reaching Rasa;
- every reply goes to the sending socket's own sid; no socket joins a named room;
- open sockets, new sessions and messages are rate-limited per client address and
  conversation (:mod:`channels.limits`); over a limit the socket hears "please slow down";
- ``metadata`` keeps only the keys the project uses, capped (:func:`channels.guard.filter_metadata`,
  shared with the REST webhook; the widget itself sends none);
- logs name a session by a short hash, never by its id or token.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any, Awaitable, Callable, Dict, Optional, Text

from rasa.core.channels.channel import InputChannel, UserMessage
from rasa.core.channels.socketio import SocketIOInput, SocketIOOutput
from sanic import Blueprint, Sanic
from socketio import AsyncServer

from channels.guard import filter_metadata, plan_turn
from channels.limits import Limiter, client_address, process_limiter
from channels.replies import reply_text
from channels.rest import domain_payloads
from channels.settings import ChannelSettings, load_channel_settings
from channels.turn import configure_process, run_turn
from channels.widget_session import Session, SessionSigner

logger = logging.getLogger(__name__)

_ROUTING_KEYS = {"room", "to", "namespace", "skip_sid", "callback"}


class SocketReplyOutput(SocketIOOutput):
    """Rasa's socket.io output bound to one socket: whatever the recipient id, replies go to
    ``sid`` alone (never to a room another socket could join). Counts what it sent, so a
    silent turn can be noticed."""

    def __init__(self, sio: AsyncServer, bot_message_evt: Text, sid: Text) -> None:
        super().__init__(sio, bot_message_evt)
        self.sid = sid
        self.sent = 0

    async def _send_message(self, socket_id: Text, response: Any) -> None:
        self.sent += 1
        await self.sio.emit(self.bot_message_evt, response, room=self.sid)

    async def send_custom_json(self, recipient_id: Text, json_message: Dict[Text, Any], **kwargs: Any) -> None:
        """Stock Rasa passes the payload as ``emit`` keyword arguments: it crashes on any payload
        but ``{"data": ...}`` and lets a payload pick its room. Here ``{"data": x}`` sends ``x``
        and any other payload travels as ``{"custom": payload}`` (the REST channel's shape)."""
        if "data" in json_message and set(json_message) - {"data"} <= _ROUTING_KEYS:
            await self._send_message(recipient_id, json_message["data"])
        else:
            await self._send_message(recipient_id, {"custom": json_message})


@dataclass
class SocketState:
    """What the server knows about one open socket."""

    address: str
    session: Optional[Session] = None


class HardenedSocketIOInput(SocketIOInput):
    """``SocketIOInput`` with signed sessions, rate limits, origin and size limits, validated
    messages and fault replies."""

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

    def configure(
        self, settings: ChannelSettings, signer: Optional[SessionSigner] = None, limiter: Optional[Limiter] = None
    ) -> None:
        self.settings = settings
        self.signer = signer or SessionSigner.from_environment()
        self.limiter = limiter or process_limiter()  # one set of counts with REST
        self.sockets: Dict[str, SocketState] = {}
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
        namespace = self.namespace or "/"
        # Rasa's own connect handler checks the optional JWT; ours runs it first.
        rasa_connect = sio.handlers.get(namespace, {}).get("connect")

        @webhook.listener("after_server_start")
        async def remember_app(app: Sanic, _: Any) -> None:
            self._app = app

        async def connect(sid: Text, environ: Dict[str, Any], auth: Optional[Dict[str, Any]] = None) -> bool:
            if rasa_connect is not None and await rasa_connect(sid, environ, auth) is False:
                return False
            return await self._open(sid, environ)

        async def disconnect(sid: Text, reason: Any = None) -> None:
            await self._close(sid)

        async def session_request(sid: Text, data: Any = None) -> None:
            await self._session_request(sid, data)

        async def handle_message(sid: Text, data: Any = None) -> None:
            await self._handle_message(sid, data, on_new_message)

        sio.on("connect", connect, namespace=self.namespace)
        sio.on("disconnect", disconnect, namespace=self.namespace)
        sio.on("session_request", session_request, namespace=self.namespace)
        sio.on(self.user_message_evt, handle_message, namespace=self.namespace)
        return webhook

    def _address(self, environ: Dict[str, Any]) -> str:
        """The client's address: the peer (python-engineio's Sanic driver always puts 127.0.0.1
        in REMOTE_ADDR), or the forwarded one when the peer is a trusted proxy."""
        request = environ.get("sanic.request")
        peer = getattr(request, "ip", None) or environ.get("REMOTE_ADDR") or "unknown"
        return client_address(peer, environ.get("HTTP_X_FORWARDED_FOR"), self.limiter.trusted_proxies)

    async def _open(self, sid: Text, environ: Dict[str, Any]) -> bool:
        address = self._address(environ)
        if not await self.limiter.open_socket(address):
            logger.info("socketio.refused sid=%s error=too_many_sockets", sid)
            return False
        self.sockets[sid] = SocketState(address=address)
        return True

    async def _close(self, sid: Text) -> None:
        state = self.sockets.pop(sid, None)
        if state is not None:
            await self.limiter.close_socket(state.address)

    async def _session_request(self, sid: Text, data: Any) -> None:
        """Continue the session a valid token names; else the socket's own, else a new one.

        A socket keeps its session when it asks again without a valid token: the widget can
        send two requests before the first confirmation arrives, and a second new session
        would orphan the messages it already sent with the first.
        """
        state = self.sockets.get(sid)
        if state is None:  # not connected through our connect handler: nothing to bind
            await self._say(sid, "unreadable")
            return
        token = data.get("session_id") if isinstance(data, dict) else None
        session = (self.signer.verify(token) if self.session_persistence else None) or state.session
        if session is None:
            if await self.limiter.check_new_conversation(state.address) is not None:
                logger.info("socketio.refused sid=%s error=too_many_sessions", sid)
                await self._say(sid, "slow_down")
                return
            session = self.signer.issue()
            logger.info("socketio.session sid=%s session=%s new", sid, session.log_id)
        else:
            logger.info("socketio.session sid=%s session=%s continued", sid, session.log_id)
        state.session = session
        assert self.sio is not None
        await self.sio.emit("session_confirm", session.token, room=sid)

    async def _say(self, sid: Text, key: str) -> None:
        text = reply_text(key, self.settings.max_message_chars)
        assert self.sio is not None
        await self.sio.emit(self.bot_message_evt, {"text": text}, room=sid)

    def _own_session(self, sid: Text, data: Dict[str, Any]) -> Optional[Session]:
        """The socket's session when the message names it (the widget sends its token with
        every message); None for a socket without a session or a message naming another."""
        state = self.sockets.get(sid)
        if state is None or state.session is None:
            return None
        if self.session_persistence and data.get("session_id") != state.session.token:
            return None
        return state.session

    async def _handle_message(
        self, sid: Text, data: Any, on_new_message: Callable[[UserMessage], Awaitable[Any]]
    ) -> None:
        """One widget message: validated like the webhook, never left unanswered."""
        if not isinstance(data, dict) or not isinstance(data.get("message", ""), str):
            logger.info("socketio.rejected sid=%s error=unreadable", sid)
            await self._say(sid, "unreadable")
            return
        session = self._own_session(sid, data)
        if session is None:
            logger.info("socketio.rejected sid=%s error=not_this_sockets_session", sid)
            await self._say(sid, "unreadable")
            return
        address = self.sockets[sid].address
        if await self.limiter.check_message(session.sender_id, address) is not None:
            logger.info("socketio.rejected session=%s error=slow_down", session.log_id)
            await self._say(sid, "slow_down")
            return
        agent = getattr(self._app.ctx, "agent", None) if self._app is not None else None
        turn = plan_turn(data.get("message") or "", domain_payloads(agent), self.settings.max_message_chars)
        if turn.reply is not None:
            logger.info("turn session=%s intent=None answered=channel reply=%s", session.log_id, turn.reply)
            await self._say(sid, turn.reply)
            return
        assert self.sio is not None
        output = SocketReplyOutput(self.sio, self.bot_message_evt, sid)
        message = UserMessage(
            turn.text, output, session.sender_id, input_channel=self.name(),
            metadata=filter_metadata(data.get(self.metadata_key)),
        )
        if not await run_turn(on_new_message, message, agent, lambda: output.sent, self.settings.log_message_text):
            await self._say(sid, "trouble")
