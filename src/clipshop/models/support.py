"""Support cases between a user (buyer or seller) and the platform's agents, their messages
(internal agent notes among them) and the force-majeure request a seller's case may carry
(docs/support.md). Attachments are ``StoredFile`` rows owned by the case (SUPPORT_CASE)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from clipshop.models.base import Base, CreatedMixin, IdMixin

CASE_STATUSES = ("OPEN", "PENDING_USER", "PENDING_AGENT", "RESOLVED", "CLOSED")
CASE_CATEGORIES = (
    "ORDER_ISSUE",
    "DELIVERY_DELAY",
    "RETURN_REFUND",
    "PAYMENT",
    "ACCOUNT",
    "FORCE_MAJEURE",
    "DISPUTE",
    "OTHER",
)
FM_DECISIONS = ("APPROVED", "REJECTED")


class SupportCase(IdMixin, CreatedMixin, Base):
    """One case. ``shop_id``: the shop it is about (its order's, or the seller's), None for a
    case about no shop; ``number``: ``CS-`` and the id in base 32 (unique, human-readable)."""

    __tablename__ = "support_cases"
    __table_args__ = (
        CheckConstraint(f"status IN {CASE_STATUSES!r}", name="status"),
        CheckConstraint(f"category IN {CASE_CATEGORIES!r}", name="category"),
        CheckConstraint(f"fm_decision IN {FM_DECISIONS!r}", name="fm_decision"),
        CheckConstraint("fm_requested_hours > 0", name="fm_requested_hours"),
        CheckConstraint("fm_approved_hours > 0", name="fm_approved_hours"),
        Index("ix_support_cases_opened_by_id_id", "opened_by_id", "id"),
        Index("ix_support_cases_shop_id_id", "shop_id", "id"),
        Index("ix_support_cases_status_first_response_due", "status", "first_response_due"),
    )

    number: Mapped[str] = mapped_column(String(20), unique=True)
    category: Mapped[str] = mapped_column(String(20))
    status: Mapped[str] = mapped_column(String(20))
    shop_id: Mapped[int | None] = mapped_column(ForeignKey("shops.id"))
    order_id: Mapped[int | None] = mapped_column(ForeignKey("orders.id"))
    dispute_id: Mapped[int | None] = mapped_column(ForeignKey("disputes.id"), unique=True)
    opened_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    opened_by_role: Mapped[str] = mapped_column(String(12))  # buyer, seller, agent... system
    description: Mapped[str] = mapped_column(String(4000))
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    first_response_due: Mapped[datetime]
    first_response_at: Mapped[datetime | None]
    decide_by: Mapped[datetime | None]  # a DISPUTE case: when the platform must have decided
    escalated_at: Mapped[datetime | None]
    escalation_reason: Mapped[str | None] = mapped_column(String(500))
    resolution: Mapped[str | None] = mapped_column(String(1000))
    resolved_at: Mapped[datetime | None]
    closed_at: Mapped[datetime | None]
    updated_at: Mapped[datetime]
    fm_requested_hours: Mapped[int | None]
    fm_approved_hours: Mapped[int | None]
    fm_decision: Mapped[str | None] = mapped_column(String(10))


class SupportMessage(IdMixin, CreatedMixin, Base):
    """One contact on a case: the opener's, an agent's or a supervisor's, or the platform's
    (``author_id`` None). ``internal``: an agent note the user never sees."""

    __tablename__ = "support_messages"
    __table_args__ = (Index("ix_support_messages_case_id_id", "case_id", "id"),)

    case_id: Mapped[int] = mapped_column(ForeignKey("support_cases.id"))
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    author_role: Mapped[str] = mapped_column(String(12))
    body: Mapped[str] = mapped_column(String(4000))
    internal: Mapped[bool] = mapped_column(default=False)
