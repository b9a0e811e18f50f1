"""Helpers for the webhook delivery tests: a real HTTP receiver in a thread that verifies
every request with the ``standardwebhooks`` library (never our own code), subscriptions
written straight to the table, and events announced like the relay tests do."""

from __future__ import annotations

import base64
import json
import os
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from sqlalchemy import select
from standardwebhooks import Webhook, WebhookVerificationError

from clipshop.core.clock import utcnow
from clipshop.core.db import Database
from clipshop.core.events import OrderStatusChanged, announce
from clipshop.core.settings import Settings
from clipshop.models import OutboxEvent, WebhookDelivery, WebhookSubscription
from clipshop.worker.relay import relay


def new_secret() -> str:
    return "whsec_" + base64.b64encode(os.urandom(24)).decode()


@dataclass
class Received:
    message_id: str
    body: dict[str, Any]
    verified: dict[str, bool]  # secret -> did standardwebhooks verify it with that secret
    host: str = ""  # the Host header
    raw: bytes = b""  # the body as received
    authorization: str = ""  # the Authorization header (a partner app's TikTok-format webhook)


@dataclass
class Receiver:
    """Answers ``status`` (after ``delay`` seconds) to every POST and records it, with which
    of ``secrets`` the ``standardwebhooks`` library verified it. ``on_request`` runs first."""

    secrets: list[str]
    status: int = 200
    delay: float = 0.0
    on_request: Callable[[], None] | None = None
    received: list[Received] = field(default_factory=list)
    port: int = 0
    _server: ThreadingHTTPServer | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/hooks"

    def start(self) -> Receiver:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                raw = self.rfile.read(int(self.headers.get("content-length", "0")))
                if receiver.on_request:
                    receiver.on_request()
                headers = {k: v for k, v in self.headers.items()}
                verified = {}
                for secret in receiver.secrets:
                    try:
                        Webhook(secret).verify(raw, headers)
                        verified[secret] = True
                    except WebhookVerificationError:
                        verified[secret] = False
                body = json.loads(raw)
                message = Received(
                    self.headers.get("webhook-id", ""),
                    body,
                    verified,
                    self.headers["host"],
                    raw,
                    self.headers.get("authorization", ""),
                )
                receiver.received.append(message)
                if receiver.delay:
                    time.sleep(receiver.delay)
                self.send_response(receiver.status)
                self.send_header("content-length", "0")
                self.end_headers()

            def log_message(self, *_args: Any) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        self._server.daemon_threads = True
        self.port = self._server.server_address[1]
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def message_ids(self) -> list[str]:
        return [r.message_id for r in self.received]

    def all_verified(self) -> bool:
        return all(r.verified and all(r.verified.values()) for r in self.received)


@contextmanager
def receiving(secrets: list[str], **options: Any) -> Iterator[Receiver]:
    receiver = Receiver(secrets, **options).start()
    try:
        yield receiver
    finally:
        receiver.stop()


@contextmanager
def sender_db(db: Database, **settings: Any) -> Iterator[Database]:
    """Another handle on the test database whose settings allow loopback targets (the
    receivers listen on 127.0.0.1) with a short timeout, unless ``settings`` say otherwise."""
    values = {"webhooks_allow_loopback": True, "webhook_timeout_seconds": 2} | settings
    other = Database(Settings(env="test", database_url=db.settings.database_url, **values))
    try:
        yield other
    finally:
        other.dispose()


def subscribe(
    db: Database,
    shop_id: int,
    url: str,
    secret: str,
    event_types: list[str] | None = None,
    **fields: Any,
) -> int:
    """A subscription row; the events announced before it (the world's set-up) are relayed
    first, so it receives only what the test announces after."""
    relay(db)
    with db.unit_of_work() as session:
        sub = WebhookSubscription(
            shop_id=shop_id,
            url=url,
            event_types=event_types or ["*"],
            enabled=True,
            description="",
            secret=secret,
            **fields,
        )
        session.add(sub)
        session.flush()
        return sub.id


def announce_changes(db: Database, shop_id: int, orders: list[int], steps: int) -> None:
    """``steps`` status changes of each of ``orders``, one transaction per round."""
    for step in range(steps):
        with db.unit_of_work() as session:
            for order_id in orders:
                change = OrderStatusChanged(
                    order_id=order_id,
                    shop_id=shop_id,
                    buyer_id=1,
                    from_status=f"S{step}",
                    to_status=f"S{step + 1}",
                    actor="SYSTEM",
                    actor_id=None,
                    reason="",
                    at=utcnow(),
                )
                announce(session, change)


def change_ids(db: Database) -> list[int]:
    """The ids of the order status changes in the outbox (what ``announce_changes`` made),
    oldest first."""
    with db.unit_of_work(write=False) as session:
        stmt = select(OutboxEvent.id).where(OutboxEvent.type == OrderStatusChanged.type)
        return list(session.scalars(stmt.order_by(OutboxEvent.id)))


def delivery_rows(db: Database, subscription_id: int) -> list[WebhookDelivery]:
    with db.unit_of_work(write=False) as session:
        stmt = select(WebhookDelivery).where(WebhookDelivery.subscription_id == subscription_id)
        rows = list(session.scalars(stmt.order_by(WebhookDelivery.id)))
        session.expunge_all()
        return rows


def subscription_row(db: Database, subscription_id: int) -> WebhookSubscription:
    with db.unit_of_work(write=False) as session:
        row = session.get_one(WebhookSubscription, subscription_id)
        session.expunge_all()
        return row
