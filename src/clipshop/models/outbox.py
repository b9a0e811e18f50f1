"""The transactional outbox: every domain event, written in the transaction of the change
that announced it (``core.events``); per-consumer deliveries the relay works through
(``worker.relay``); and the seller event feed, the first consumer's own table."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from clipshop.core import events
from clipshop.models.base import Base, CreatedMixin, IdMixin


class OutboxEvent(IdMixin, CreatedMixin, Base):
    """One announced event. ``relayed_at``: when the relay fanned it out into one delivery
    per consumer (NULL: not yet). No foreign keys: the insert rides on the hot path, and the
    row is pruned after the retention (``CLIPSHOP_OUTBOX_RETENTION_HOURS``)."""

    __tablename__ = "outbox"
    __table_args__ = (
        Index("ix_outbox_order_id_id", "order_id", "id"),
        Index("ix_outbox_relayed_at_id", "relayed_at", "id"),
    )

    type: Mapped[str] = mapped_column(String(64))
    shop_id: Mapped[int]
    order_id: Mapped[int | None]  # the ordering key
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    relayed_at: Mapped[datetime | None]


class OutboxDelivery(Base):
    """An event one consumer has yet to receive; deleted in the transaction that delivers it
    (the consumer's mark). A failed attempt stays, with its next attempt time."""

    __tablename__ = "outbox_deliveries"
    __table_args__ = (
        Index("ix_outbox_deliveries_consumer_next_attempt_at", "consumer", "next_attempt_at"),
        Index("ix_outbox_deliveries_consumer_order_id", "consumer", "order_id", "event_id"),
    )

    consumer: Mapped[str] = mapped_column(String(40), primary_key=True)
    event_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("outbox.id"), primary_key=True, autoincrement=False
    )
    order_id: Mapped[int | None]
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime]
    last_error: Mapped[str | None] = mapped_column(String(500))


class FeedEvent(CreatedMixin, Base):
    """An event in the sellers' feed (``GET /api/v1/events``). ``seq`` is given in the
    order rows are committed (the feed consumer runs one batch at a time), so a reader that
    resumes after a ``seq`` never misses a row committed later. ``created_at``: when the
    event happened."""

    __tablename__ = "event_feed"
    __table_args__ = (
        UniqueConstraint("event_id", name="uq_event_feed_event_id"),
        Index("ix_event_feed_shop_id_seq", "shop_id", "seq"),
        Index("ix_event_feed_created_at", "created_at"),  # pruning
    )

    seq: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    event_id: Mapped[int]
    type: Mapped[str] = mapped_column(String(64))
    shop_id: Mapped[int]
    order_id: Mapped[int | None]
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)


events.use_outbox(OutboxEvent.__table__)  # type: ignore[arg-type]
