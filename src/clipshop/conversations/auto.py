"""The ``auto_messages`` outbox consumer: the platform's automatic messages in a buyer's
conversation with the shop (order confirmed, shipped with tracking, delayed, delivered, a
request that needs the buyer's answer). It writes only to the database, so it runs exactly
once per event (inside the relay's savepoint).

CONTRACT (filled in by the conversations work)."""

from __future__ import annotations

from sqlalchemy.orm import Session

from clipshop.core.outbox import Delivered

CONSUMER = "auto_messages"


def store(session: Session, event: Delivered) -> None:
    """The consumer: the automatic message ``event`` calls for, if any."""
