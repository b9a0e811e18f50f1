"""Consumers of the outbox, registered by name (by the package that owns each one), and the
retry schedule of a failed delivery. The relay that feeds them is ``clipshop.worker.relay``.

A consumer is called once per event, in the relay's transaction, inside a savepoint: what
it writes to the database commits with the delivery's mark, so a consumer that only writes
to the database sees each event exactly once. What it does outside the database (a webhook,
an e-mail) may happen again if the relay dies before that transaction commits: such
consumers deduplicate on ``Delivered.id``. It raises to have the event retried later
(``backoff``); the events of the same order after it wait for it. Write with the ORM or
``rawsql.run``, not ``rawsql.defer`` (a deferred write would outlive a failed attempt's
savepoint)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session

FIRST_RETRY = timedelta(seconds=5)
LAST_RETRY = timedelta(hours=1)


@dataclass(frozen=True, slots=True)
class Delivered:
    """An outbox event as a consumer receives it (``payload``: ``Event.payload()``)."""

    id: int
    type: str
    shop_id: int
    order_id: int | None
    payload: dict[str, Any]
    created_at: datetime


@dataclass(frozen=True, slots=True)
class Consumer:
    """``serial``: one batch at a time across every worker (the event feed numbers its rows
    in commit order); otherwise workers share the consumer's events in SKIP LOCKED
    batches."""

    name: str
    handle: Callable[[Session, Delivered], None]
    serial: bool = False


_consumers: dict[str, Consumer] = {}


def register(name: str, handle: Callable[[Session, Delivered], None], serial: bool = False) -> None:
    """Add a consumer (again with the same name: replaced). It receives the events the relay
    takes from the outbox from then on."""
    if not 0 < len(name) <= 40:
        raise ValueError("a consumer's name is 1 to 40 characters")
    _consumers[name] = Consumer(name, handle, serial)


def unregister(name: str) -> None:
    _consumers.pop(name, None)


def consumers() -> list[Consumer]:
    return list(_consumers.values())


def backoff(attempts: int) -> timedelta:
    """The wait before the next attempt after ``attempts`` failed ones: 5 s, doubling, at
    most an hour."""
    return min(FIRST_RETRY * (1 << min(max(attempts - 1, 0), 20)), LAST_RETRY)
