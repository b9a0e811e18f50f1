"""Payments: one per checkout, the attempts to pay it, and a ledger of money movements."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from clipshop.core.clock import utcnow
from clipshop.models.base import Base, CreatedMixin, IdMixin


class PaymentMethod(IdMixin, CreatedMixin, Base):
    """A saved method: the gateway's token plus what a buyer needs to recognise it."""

    __tablename__ = "payment_methods"
    __table_args__ = (
        CheckConstraint("kind IN ('CARD', 'WALLET')", name="kind"),
        Index("ix_payment_methods_buyer_id", "buyer_id"),
    )

    buyer_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    kind: Mapped[str] = mapped_column(String(10))
    token: Mapped[str] = mapped_column(String(100))
    brand: Mapped[str] = mapped_column(String(20))
    last4: Mapped[str] = mapped_column(String(4))
    exp_month: Mapped[int | None]
    exp_year: Mapped[int | None]
    is_default: Mapped[bool] = mapped_column(default=False)
    removed_at: Mapped[datetime | None]


class Payment(IdMixin, CreatedMixin, Base):
    """What the buyer owes for one checkout, across its shop orders, and where it stands."""

    __tablename__ = "payments"
    __table_args__ = (
        CheckConstraint(
            "status IN ('PENDING', 'AUTHORIZED', 'CAPTURED', 'FAILED', 'VOIDED')", name="status"
        ),
        CheckConstraint(
            "amount >= 0 AND captured_amount >= 0 AND refunded_amount >= 0",
            name="amounts_non_negative",
        ),
        CheckConstraint("captured_amount <= amount", name="captured_le_amount"),
        CheckConstraint("refunded_amount <= captured_amount", name="refunded_le_captured"),
        Index("ix_payments_buyer_id", "buyer_id"),
    )

    buyer_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    amount: Mapped[int]
    currency: Mapped[str] = mapped_column(String(3))
    status: Mapped[str] = mapped_column(String(12), default="PENDING")
    method_id: Mapped[int | None] = mapped_column(ForeignKey("payment_methods.id"))
    gateway_ref: Mapped[str | None] = mapped_column(String(100))
    captured_amount: Mapped[int] = mapped_column(default=0)
    refunded_amount: Mapped[int] = mapped_column(default=0)
    failure_code: Mapped[str | None] = mapped_column(String(40))
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class PaymentAttempt(IdMixin, CreatedMixin, Base):
    """One try to authorize a payment with one method. Its id keys the gateway call."""

    __tablename__ = "payment_attempts"
    __table_args__ = (
        CheckConstraint("status IN ('PENDING', 'SUCCEEDED', 'FAILED', 'UNKNOWN')", name="status"),
        Index("ix_payment_attempts_payment_id", "payment_id"),
        Index("ix_payment_attempts_buyer_id_created_at", "buyer_id", "created_at"),
        Index("ix_payment_attempts_status", "status"),
    )

    payment_id: Mapped[int] = mapped_column(ForeignKey("payments.id"))
    buyer_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    method_id: Mapped[int] = mapped_column(ForeignKey("payment_methods.id"))
    amount: Mapped[int]
    currency: Mapped[str] = mapped_column(String(3))
    status: Mapped[str] = mapped_column(String(10), default="PENDING")
    idempotency_key: Mapped[str] = mapped_column(String(64), unique=True)
    gateway_ref: Mapped[str | None] = mapped_column(String(100))
    failure_code: Mapped[str | None] = mapped_column(String(40))
    failure_message: Mapped[str | None] = mapped_column(String(200))
    completed_at: Mapped[datetime | None]
    # The Idempotency-Key claim of the request that opened it (checkout, payment retry)
    claim_id: Mapped[int | None] = mapped_column(unique=True)


class PaymentTransaction(IdMixin, CreatedMixin, Base):
    """The money ledger: every authorize, capture, void and refund, per shop order."""

    __tablename__ = "payment_transactions"
    __table_args__ = (
        CheckConstraint("kind IN ('AUTHORIZE', 'CAPTURE', 'VOID', 'REFUND')", name="kind"),
        CheckConstraint("amount >= 0", name="amount_non_negative"),
        Index("ix_payment_transactions_payment_id", "payment_id"),
        Index("ix_payment_transactions_order_id", "order_id"),
    )

    payment_id: Mapped[int] = mapped_column(ForeignKey("payments.id"))
    order_id: Mapped[int | None] = mapped_column(ForeignKey("orders.id"))
    shop_id: Mapped[int | None] = mapped_column(ForeignKey("shops.id"))
    kind: Mapped[str] = mapped_column(String(10))
    status: Mapped[str] = mapped_column(String(10), default="SUCCEEDED")  # PENDING, FAILED
    amount: Mapped[int]
    currency: Mapped[str] = mapped_column(String(3))
    gateway_ref: Mapped[str | None] = mapped_column(String(100))
    reason: Mapped[str] = mapped_column(String(200), default="")


class SimGatewayOperation(CreatedMixin, Base):
    """The simulated gateway's own books (it is a separate system that shares the database).

    Keyed by the caller's idempotency key: a repeated call returns the first result."""

    __tablename__ = "sim_gateway_operations"

    idempotency_key: Mapped[str] = mapped_column(String(80), primary_key=True)
    operation: Mapped[str] = mapped_column(String(10))
    reference: Mapped[str] = mapped_column(String(100))
    token: Mapped[str | None] = mapped_column(String(100))
    amount: Mapped[int]
    currency: Mapped[str] = mapped_column(String(3))
    succeeded: Mapped[bool]
    failure_code: Mapped[str | None] = mapped_column(String(40))
