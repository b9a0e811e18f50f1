"""The optional ``nats`` outbox consumer (when ``CLIPSHOP_NATS_URL`` is set): publishes every
event to NATS JetStream for internal consumers, on subject ``clipshop.<shop_id>.<type>`` of
the stream ``CLIPSHOP`` (created if missing: messages kept 7 days, ids remembered an hour),
with the header ``Nats-Msg-Id`` = the event id, so the stream drops the duplicate a relay
retry may send within its duplicate window.

nats-py is asyncio: one background thread per process runs its event loop and connection;
the relay's consumer call waits for the JetStream acknowledgement, and a failure (server
down, no JetStream) raises, so the relay retries the event later with its backoff."""

from __future__ import annotations

import asyncio
import json
import threading
from collections.abc import Callable, Coroutine
from typing import Any, TypeVar

from sqlalchemy.orm import Session

from clipshop.core.outbox import Delivered

CONSUMER = "nats"
STREAM = "CLIPSHOP"
SUBJECTS = "clipshop.>"
TIMEOUT = 5.0  # seconds: connecting, and each publish's acknowledgement
MAX_AGE = 7 * 86_400.0  # seconds a message is kept (when this code creates the stream)
DUPLICATE_WINDOW = 3600.0  # seconds the stream remembers a Nats-Msg-Id (the relay's last retry)

T = TypeVar("T")


def subject(event: Delivered) -> str:
    return f"clipshop.{event.shop_id}.{event.type}"


def message(event: Delivered) -> bytes:
    body: dict[str, Any] = {"id": str(event.id), "type": event.type}
    body["shop_id"] = str(event.shop_id)
    body["order_id"] = None if event.order_id is None else str(event.order_id)
    body |= {"timestamp": event.created_at.isoformat(), "data": event.payload}
    return json.dumps(body, separators=(",", ":")).encode()


class Publisher:
    """A JetStream connection in a background event loop; calling it publishes one event
    (the outbox consumer's signature)."""

    def __init__(self, url: str) -> None:
        self.url = url
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)
        self._thread.start()
        self._js: Any = None
        self._lock = threading.Lock()

    def _run(self, coro: Coroutine[Any, Any, T]) -> T:
        return asyncio.run_coroutine_threadsafe(coro, self._loop).result(TIMEOUT * 2)

    async def _connect(self) -> Any:
        import nats
        from nats.js.errors import NotFoundError

        client = await nats.connect(
            self.url, connect_timeout=TIMEOUT, max_reconnect_attempts=3, allow_reconnect=True
        )
        js = client.jetstream(timeout=TIMEOUT)
        try:
            await js.stream_info(STREAM)
        except NotFoundError:
            await js.add_stream(
                name=STREAM,
                subjects=[SUBJECTS],
                max_age=MAX_AGE,
                duplicate_window=DUPLICATE_WINDOW,
            )
        return js

    def __call__(self, _session: Session, event: Delivered) -> None:
        with self._lock:
            if self._js is None:
                self._js = self._run(self._connect())
            js = self._js
        headers = {"Nats-Msg-Id": str(event.id)}
        try:
            self._run(js.publish(subject(event), message(event), headers=headers, stream=STREAM))
        except Exception:
            with self._lock:  # connect afresh on the next event (the relay retries this one)
                self._js = None
            raise


_publishers: dict[str, Publisher] = {}
_lock = threading.Lock()


def publisher(url: str) -> Callable[[Session, Delivered], None]:
    """This process's publisher to ``url`` (one connection, reused by every relay round)."""
    with _lock:
        if url not in _publishers:
            _publishers[url] = Publisher(url)
        return _publishers[url]
