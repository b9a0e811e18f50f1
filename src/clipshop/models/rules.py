"""The platform clock's durable state: due-time timers, the sandbox clock offset, and the
seller-standing records that performance reviews write."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, CheckConstraint, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from clipshop.core.clock import utcnow
from clipshop.models.base import Base, CreatedMixin, IdMixin

SHOP_STANDINGS = ("GOOD", "WARNING", "RESTRICTED", "SUSPENDED")


class Timer(IdMixin, CreatedMixin, Base):
    """A deadline that will fall due: armed in the transaction of the state change that
    starts it, deleted when it fires or stops mattering. One per (kind, subject)."""

    __tablename__ = "timers"
    __table_args__ = (
        UniqueConstraint("kind", "subject_id", name="uq_timers_kind_subject"),
        Index("ix_timers_due_at", "due_at"),
        CheckConstraint("attempts >= 0", name="attempts"),
    )

    kind: Mapped[str] = mapped_column(String(24))
    subject_id: Mapped[int]  # an order, a package or a shop id, by kind
    shop_id: Mapped[int | None] = mapped_column(ForeignKey("shops.id"))  # None: no shop's
    due_at: Mapped[datetime]
    attempts: Mapped[int] = mapped_column(default=0)  # failed applications so far
    last_error: Mapped[str | None] = mapped_column(String(500))


class ClockState(Base):
    """The sandbox clock's offset, shared by every process (API, workers) of one database."""

    __tablename__ = "clock_state"

    id: Mapped[int] = mapped_column(primary_key=True)
    offset_microseconds: Mapped[int] = mapped_column(default=0)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class ShopStandingEvent(IdMixin, CreatedMixin, Base):
    """One performance review of a shop that found breaches or changed its standing."""

    __tablename__ = "shop_standing_events"
    __table_args__ = (Index("ix_shop_standing_events_shop_id_id", "shop_id", "id"),)

    shop_id: Mapped[int] = mapped_column(ForeignKey("shops.id"))
    window_days: Mapped[int]
    breaches: Mapped[list[str]] = mapped_column(JSON)
    metrics: Mapped[dict[str, Any]] = mapped_column(JSON)
    from_standing: Mapped[str] = mapped_column(String(12))
    to_standing: Mapped[str] = mapped_column(String(12))
    note: Mapped[str] = mapped_column(String(500), default="")
