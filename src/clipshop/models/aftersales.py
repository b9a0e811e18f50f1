"""After-sales: cancellation requests, returns and refunds (with their lines and records),
disputes, and the per-line refund allocations that keep refunds within what was paid.

Statuses are the reference API's names (return_refund module). Money is integer minor units
of the order's currency."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, CheckConstraint, ForeignKey, Index, String, text
from sqlalchemy.orm import Mapped, mapped_column

from clipshop.core.clock import utcnow
from clipshop.models.base import Base, CreatedMixin, IdMixin

CANCEL_STATUSES = (
    "CANCELLATION_REQUEST_PENDING",
    "CANCELLATION_REQUEST_SUCCESS",
    "CANCELLATION_REQUEST_CANCEL",
    "CANCELLATION_REQUEST_COMPLETE",
)
RETURN_STATUSES = (
    "RETURN_OR_REFUND_REQUEST_PENDING",
    "AWAITING_BUYER_RESPONSE",  # a partial refund offer waits for the buyer
    "AWAITING_BUYER_SHIP",
    "BUYER_SHIPPED_ITEM",
    "REJECT_RECEIVE_PACKAGE",
    "RETURN_OR_REFUND_REQUEST_SUCCESS",
    "REFUND_OR_RETURN_REQUEST_REJECT",
    "RETURN_OR_REFUND_REQUEST_CANCEL",
    "RETURN_OR_REFUND_REQUEST_COMPLETE",
)
RETURN_TYPES = ("REFUND", "RETURN_AND_REFUND", "REPLACEMENT")
DISPUTE_STATUSES = ("IN_PROGRESS", "SUPPORT_BUYER", "SUPPORT_SELLER", "CLOSED")
DISPUTE_KINDS = ("ESCALATION", "DAMAGE_CLAIM", "BUYER_PROTECTION")


class Cancellation(IdMixin, CreatedMixin, Base):
    """A cancellation of some or all of an order's lines: a buyer's request the seller
    decides (``BUYER_CANCEL``), or a seller's, system's or operator's cancel (``CANCEL``)."""

    __tablename__ = "cancellations"
    __table_args__ = (
        CheckConstraint(f"status IN {CANCEL_STATUSES!r}", name="status"),
        CheckConstraint("cancel_type IN ('CANCEL', 'BUYER_CANCEL')", name="cancel_type"),
        CheckConstraint("role IN ('BUYER', 'SELLER', 'SYSTEM', 'OPERATOR')", name="role"),
        CheckConstraint("refund_amount >= 0", name="refund_amount"),
        Index("ix_cancellations_order_id", "order_id"),
        Index("ix_cancellations_shop_id_id", "shop_id", "id"),
        # One open buyer request per order at a time.
        Index(
            "uq_cancellations_one_pending",
            "order_id",
            unique=True,
            sqlite_where=text("status = 'CANCELLATION_REQUEST_PENDING'"),
            postgresql_where=text("status = 'CANCELLATION_REQUEST_PENDING'"),
        ),
    )

    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id"))
    shop_id: Mapped[int] = mapped_column(ForeignKey("shops.id"))
    buyer_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    cancel_type: Mapped[str] = mapped_column(String(12))
    role: Mapped[str] = mapped_column(String(10))  # who initiated it
    status: Mapped[str] = mapped_column(String(32))
    reason: Mapped[str] = mapped_column(String(200))
    line_item_ids: Mapped[list[str]] = mapped_column(JSON)  # decimal strings
    refund_amount: Mapped[int] = mapped_column(default=0)
    respond_by: Mapped[datetime | None]  # the seller's deadline (auto-approved after)
    reject_reason: Mapped[str | None] = mapped_column(String(200))
    requested_by: Mapped[int | None]
    decided_by: Mapped[int | None]
    decided_at: Mapped[datetime | None]
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class Return(IdMixin, CreatedMixin, Base):
    """A buyer's return / refund / replacement request for some delivered lines."""

    __tablename__ = "returns"
    __table_args__ = (
        CheckConstraint(f"status IN {RETURN_STATUSES!r}", name="status"),
        CheckConstraint(f"return_type IN {RETURN_TYPES!r}", name="return_type"),
        CheckConstraint("refund_amount >= 0", name="refund_amount"),
        CheckConstraint(
            "partial_refund_amount IS NULL OR partial_refund_amount > 0", name="partial_refund"
        ),
        Index("ix_returns_order_id", "order_id"),
        Index("ix_returns_shop_id_id", "shop_id", "id"),
        Index("ix_returns_buyer_id_id", "buyer_id", "id"),
    )

    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id"))
    shop_id: Mapped[int] = mapped_column(ForeignKey("shops.id"))
    buyer_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    return_type: Mapped[str] = mapped_column(String(20))
    status: Mapped[str] = mapped_column(String(40))
    reason: Mapped[str] = mapped_column(String(40))  # NOT_RECEIVED, WRONG_ITEM, ...
    description: Mapped[str] = mapped_column(String(1000), default="")
    refund_amount: Mapped[int] = mapped_column(default=0)  # what the buyer gets if approved
    shipping_refund: Mapped[int] = mapped_column(default=0)  # part of refund_amount
    partial_refund_amount: Mapped[int | None]  # the seller's offer, if any
    partial_refund_status: Mapped[str | None] = mapped_column(String(12))  # OFFERED, ...
    seller_respond_by: Mapped[datetime | None]
    buyer_respond_by: Mapped[datetime | None]  # a partial refund offer lapses then
    buyer_ship_by: Mapped[datetime | None]
    return_provider: Mapped[str | None] = mapped_column(String(20))
    return_tracking_number: Mapped[str | None] = mapped_column(String(64))
    reject_reason: Mapped[str | None] = mapped_column(String(200))
    replacement_order_id: Mapped[int | None] = mapped_column(ForeignKey("orders.id"))
    refund_txn_id: Mapped[int | None]
    decided_by: Mapped[int | None]
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class ReturnLine(IdMixin, Base):
    __tablename__ = "return_lines"
    __table_args__ = (
        CheckConstraint("refund_amount >= 0", name="refund_amount"),
        Index("ix_return_lines_return_id", "return_id"),
        Index("ix_return_lines_line_item_id", "line_item_id"),
    )

    return_id: Mapped[int] = mapped_column(ForeignKey("returns.id"))
    line_item_id: Mapped[int] = mapped_column(ForeignKey("order_line_items.id"))
    refund_amount: Mapped[int]


class AftersaleRecord(IdMixin, CreatedMixin, Base):
    """Append-only timeline of a return, a cancellation or a dispute (who, what, why)."""

    __tablename__ = "aftersale_records"
    __table_args__ = (Index("ix_aftersale_records_subject", "subject_kind", "subject_id", "id"),)

    subject_kind: Mapped[str] = mapped_column(String(12))  # RETURN, CANCELLATION, DISPUTE
    subject_id: Mapped[int]
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id"))
    shop_id: Mapped[int] = mapped_column(ForeignKey("shops.id"))
    event: Mapped[str] = mapped_column(String(40))
    actor_role: Mapped[str] = mapped_column(String(10))  # BUYER SELLER SYSTEM OPERATOR
    actor_id: Mapped[int | None]
    note: Mapped[str] = mapped_column(String(1000), default="")
    status_after: Mapped[str | None] = mapped_column(String(40))


class Dispute(IdMixin, CreatedMixin, Base):
    """An escalation to the platform, a damage claim, or a buyer-protection claim."""

    __tablename__ = "disputes"
    __table_args__ = (
        CheckConstraint(f"status IN {DISPUTE_STATUSES!r}", name="status"),
        CheckConstraint(f"kind IN {DISPUTE_KINDS!r}", name="kind"),
        Index("ix_disputes_status_id", "status", "id"),
        Index("ix_disputes_order_id", "order_id"),
    )

    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id"))
    shop_id: Mapped[int] = mapped_column(ForeignKey("shops.id"))
    buyer_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    return_id: Mapped[int | None] = mapped_column(ForeignKey("returns.id"))
    kind: Mapped[str] = mapped_column(String(20))
    reason: Mapped[str] = mapped_column(String(40))
    description: Mapped[str] = mapped_column(String(1000), default="")
    status: Mapped[str] = mapped_column(String(20), default="IN_PROGRESS")
    line_item_ids: Mapped[list[str]] = mapped_column(JSON)
    agent_id: Mapped[int | None]
    decision_note: Mapped[str | None] = mapped_column(String(1000))
    refund_amount: Mapped[int | None]
    decided_at: Mapped[datetime | None]
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class RefundAllocation(IdMixin, CreatedMixin, Base):
    """Which line (or the shipping fee, ``line_item_id`` NULL) a refund paid back, and how
    much. The sums equal ``order_line_items.refunded_amount`` and
    ``orders.shipping_refunded``, whose CHECK constraints cap them at what was paid."""

    __tablename__ = "refund_allocations"
    __table_args__ = (
        CheckConstraint("amount > 0", name="amount_positive"),
        Index("ix_refund_allocations_order_id", "order_id"),
        Index("ix_refund_allocations_transaction_id", "transaction_id"),
    )

    transaction_id: Mapped[int] = mapped_column(ForeignKey("payment_transactions.id"))
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id"))
    line_item_id: Mapped[int | None] = mapped_column(ForeignKey("order_line_items.id"))
    amount: Mapped[int]
