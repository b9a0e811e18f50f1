"""Packages (a shipment of line items of one or more orders of one buyer and shop), the
carrier events that move them, and the simulated carrier's script. Their photos are
``StoredFile`` rows (``models/files.py``)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, CheckConstraint, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from clipshop.core.clock import utcnow
from clipshop.models.base import Base, CreatedMixin, IdMixin

PACKAGE_STATUSES = ("PROCESSING", "FULFILLING", "COMPLETED", "CANCELLED")


class Package(IdMixin, CreatedMixin, Base):
    __tablename__ = "packages"
    __table_args__ = (
        CheckConstraint(f"status IN {PACKAGE_STATUSES!r}", name="status"),
        CheckConstraint("shipping_type IN ('SELLER', 'PLATFORM')", name="shipping_type"),
        CheckConstraint("failed_attempts >= 0", name="failed_attempts"),
        UniqueConstraint("provider_code", "tracking_number", name="uq_packages_tracking"),
        Index("ix_packages_shop_id_id", "shop_id", "id"),
        Index("ix_packages_buyer_id", "buyer_id"),
    )

    shop_id: Mapped[int] = mapped_column(ForeignKey("shops.id"))
    buyer_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    shipping_type: Mapped[str] = mapped_column(String(10))
    shipping_service: Mapped[str] = mapped_column(String(20))
    provider_code: Mapped[str] = mapped_column(String(20))
    tracking_number: Mapped[str] = mapped_column(String(64))
    tracking_updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    tracking_corrections: Mapped[int] = mapped_column(default=0)
    status: Mapped[str] = mapped_column(String(12), default="PROCESSING")
    handover_method: Mapped[str | None] = mapped_column(String(10))
    pickup_slot_start: Mapped[datetime | None]
    pickup_slot_end: Mapped[datetime | None]
    recipient_address: Mapped[dict[str, Any]] = mapped_column(JSON)
    weight_grams: Mapped[int] = mapped_column(default=0)
    estimated_delivery: Mapped[date | None]
    collected_at: Mapped[datetime | None]
    delivered_at: Mapped[datetime | None]
    returned_at: Mapped[datetime | None]
    failed_attempts: Mapped[int] = mapped_column(default=0)
    last_event_at: Mapped[datetime | None]
    last_event_kind: Mapped[str | None] = mapped_column(String(24))
    sim_scenario: Mapped[str | None] = mapped_column(String(24))
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class PackageEvent(IdMixin, Base):
    """A carrier tracking event, kept once per (provider, carrier event id)."""

    __tablename__ = "package_events"
    __table_args__ = (
        UniqueConstraint("provider_code", "carrier_event_id", name="uq_package_events_carrier"),
        Index("ix_package_events_package_id_occurred_at", "package_id", "occurred_at"),
    )

    package_id: Mapped[int] = mapped_column(ForeignKey("packages.id"))
    shop_id: Mapped[int] = mapped_column(ForeignKey("shops.id"))
    provider_code: Mapped[str] = mapped_column(String(20))
    carrier_event_id: Mapped[str] = mapped_column(String(100))
    kind: Mapped[str] = mapped_column(String(24))
    occurred_at: Mapped[datetime]
    location: Mapped[str] = mapped_column(String(200), default="")
    description: Mapped[str] = mapped_column(String(500), default="")
    received_at: Mapped[datetime] = mapped_column(default=utcnow)


class SimCarrierStep(IdMixin, Base):
    """The simulated carrier's script: events it will report when the platform clock
    reaches ``due_at`` (the sandbox moves the clock; the jobs runner emits them)."""

    __tablename__ = "sim_carrier_steps"
    __table_args__ = (Index("ix_sim_carrier_steps_due_at", "emitted", "due_at"),)

    package_id: Mapped[int] = mapped_column(ForeignKey("packages.id"))
    provider_code: Mapped[str] = mapped_column(String(20))
    tracking_number: Mapped[str] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(String(24))
    due_at: Mapped[datetime]
    location: Mapped[str] = mapped_column(String(200), default="")
    emitted: Mapped[bool] = mapped_column(default=False)
