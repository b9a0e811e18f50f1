"""Payment rows: attempts, outcomes, captures and refunds. Database only: gateway calls are
made between units of work by ``checkout.payflow`` and ``payments.refunds``.

A payment's outcome (``record_*``, ``queue_surplus_refund``) is written on plain rows with
driver statements (``payments.rows``); refunds after the sale (``queue_refund``) through the
ORM, as their callers' units of work are."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from clipshop.core.clock import utcnow
from clipshop.core.events import RefundStatusChanged, announce
from clipshop.core.ids import new_id
from clipshop.models import Payment, PaymentAttempt, PaymentTransaction
from clipshop.payments import rows
from clipshop.payments.errors import OverRefund
from clipshop.payments.gateway import GatewayResult

REASON_LENGTH = 200  # payment_transactions.reason, orders.cancel_reason, line cancel_reason


def clip(text: str, limit: int = REASON_LENGTH) -> str:
    """Fit a derived text (a prefix plus what a user wrote) into its column."""
    return text if len(text) <= limit else text[: limit - 1] + "\u2026"


DECLINES_WORTH_A_BACKUP = frozenset(
    {
        "card_declined",
        "insufficient_funds",
        "expired_card",
        "bank_verification_failed",
        "wallet_sync_failed",
    }
)


@dataclass(frozen=True)
class Opened:
    """A payment just opened: its row is written with the transaction (``core.rawsql``)."""

    id: int
    buyer_id: int
    currency: str


@dataclass(frozen=True)
class Attempt:
    """A payment attempt just made (its row is written with the transaction)."""

    id: int
    payment_id: int
    method_id: int
    amount: int
    currency: str
    idempotency_key: str


def open_payment(
    session: Session, buyer_id: int, amount: int, currency: str, method_id: int
) -> Opened:
    payment = Opened(new_id(), buyer_id, currency)
    row: dict[str, object] = {"id": payment.id, "buyer_id": buyer_id, "amount": amount}
    row |= {"currency": currency, "status": "PENDING", "method_id": method_id}
    rows.insert_payment(session, row)
    return payment


def new_attempt(
    session: Session,
    payment: Opened | Payment,
    method_id: int,
    amount: int,
    claim_id: int | None = None,
) -> Attempt:
    """``amount``: what the still-unpaid orders of the payment add up to now. The attempt's
    gateway key is derived from its id: a retry after a crash cannot charge twice.
    ``claim_id``: the Idempotency-Key claim of the request that opens it (one attempt per
    claim), by which a retry of that request finds it (``checkout.payflow.recover``)."""
    attempt_id = new_id()
    attempt = Attempt(
        attempt_id, payment.id, method_id, amount, payment.currency, f"pay_{attempt_id}"
    )
    row: dict[str, object] = {"id": attempt.id, "payment_id": payment.id}
    row |= {
        "buyer_id": payment.buyer_id,
        "method_id": method_id,
        "amount": amount,
        "currency": payment.currency,
    }
    row |= {"status": "PENDING", "idempotency_key": attempt.idempotency_key}
    row["claim_id"] = claim_id
    rows.insert_attempt(session, row)
    return attempt


def record_failure(
    session: Session, attempt: rows.AttemptRow, payment: rows.PaymentRow, result: GatewayResult
) -> rows.PaymentRow:
    """The attempt FAILED, and its payment if it was PENDING: the payment as it is now."""
    now = utcnow()
    rows.attempt_failed(session, attempt.id, result.failure_code, result.message, now)
    failed = {"status": "FAILED", "failure_code": result.failure_code, "updated_at": now}
    rows.fail(session, payment.id, failed)
    return payment.but(**failed) if payment.status == "PENDING" else payment


def record_unknown(session: Session, attempt: rows.AttemptRow) -> None:
    rows.attempt_unknown(session, attempt.id, "no answer from the payment gateway; checking")


def record_capture(
    session: Session,
    attempt: rows.AttemptRow,
    payment: rows.PaymentRow,
    reference: str,
    shares: list[tuple[int, int, int]],
) -> rows.PaymentRow | None:
    """The attempt took the money. ``shares`` are (order_id, shop_id, amount) per order.
    Returns the payment captured, or None if it was already (a duplicate answer)."""
    now = utcnow()
    captured: dict[str, Any] = {"status": "CAPTURED", "amount": attempt.amount}
    captured |= {"captured_amount": attempt.amount, "gateway_ref": reference}
    captured |= {"method_id": attempt.method_id, "failure_code": None, "updated_at": now}
    won = rows.capture(session, attempt.payment_id, captured)
    succeeded: dict[str, object] = {"status": "SUCCEEDED", "gateway_ref": reference}
    succeeded |= {"completed_at": now, "failure_code": None, "failure_message": None}
    rows.attempt_succeeded(session, attempt.id, succeeded)
    if not won:
        return None
    txn = {"payment_id": attempt.payment_id, "kind": "CAPTURE", "currency": attempt.currency}
    txn["gateway_ref"] = reference
    done = [txn | {"order_id": o, "shop_id": shop, "amount": amount} for o, shop, amount in shares]
    rows.insert_transactions(session, done)
    return payment.but(**captured)


def queue_surplus_refund(
    session: Session, payment: rows.PaymentRow, amount: int, reason: str
) -> tuple[rows.PaymentRow, int | None]:
    """``queue_refund`` of a payment just captured, of no order, on rows (the payment's
    outcome writes payments with driver statements only). The payment as it is now, and the
    queued refund's id (None when ``amount`` is 0)."""
    if amount <= 0:
        return payment, None
    reserved = rows.reserve(session, payment.id, amount, utcnow())
    if reserved is None:
        raise OverRefund(f"refunding {amount} would exceed what was captured")
    txn_id = new_id()
    txn: dict[str, object] = {"id": txn_id, "payment_id": payment.id, "order_id": None}
    txn |= {"shop_id": None, "kind": "REFUND", "status": "PENDING", "amount": amount}
    txn |= {"currency": payment.currency, "gateway_ref": payment.gateway_ref}
    rows.insert_transactions(session, [txn | {"reason": clip(reason)}])
    refunded, updated_at = reserved
    return payment.but(refunded_amount=refunded, updated_at=updated_at), txn_id


def queue_refund(
    session: Session,
    payment_id: int,
    order_id: int | None,
    shop_id: int | None,
    amount: int,
    reason: str,
) -> PaymentTransaction | None:
    """Reserve ``amount`` of the captured money for a refund (never more than captured:
    a conditional UPDATE plus a CHECK constraint) and queue the gateway call."""
    if amount <= 0:
        return None
    payment = session.get(Payment, payment_id)
    assert payment is not None
    if payment.status != "CAPTURED":
        return None
    result = session.execute(
        update(Payment)
        .where(
            Payment.id == payment_id, Payment.refunded_amount + amount <= Payment.captured_amount
        )
        .values(refunded_amount=Payment.refunded_amount + amount, updated_at=utcnow())
    )
    if result.rowcount != 1:  # type: ignore[attr-defined]
        raise OverRefund(f"refunding {amount} would exceed what was captured")
    txn = PaymentTransaction(
        payment_id=payment_id,
        order_id=order_id,
        shop_id=shop_id,
        kind="REFUND",
        status="PENDING",
        amount=amount,
        currency=payment.currency,
        gateway_ref=payment.gateway_ref,
        reason=clip(reason),
    )
    session.add(txn)
    session.flush()
    announce_refund(session, txn, None)
    return txn


def announce_refund(session: Session, txn: PaymentTransaction, before: str | None) -> None:
    """``RefundStatusChanged`` for a refund of an order (the order's row is locked by the
    caller, so its events keep their order)."""
    if txn.order_id is None or txn.shop_id is None:
        return
    changed = RefundStatusChanged(
        refund_id=txn.id,
        payment_id=txn.payment_id,
        order_id=txn.order_id,
        shop_id=txn.shop_id,
        amount=txn.amount,
        currency=txn.currency,
        from_status=before,
        to_status=txn.status,
        reason=txn.reason or "",
        at=utcnow(),
    )
    announce(session, changed)


def has_attempt_in_flight(session: Session, payment_id: int) -> bool:
    stmt = select(PaymentAttempt.id).where(
        PaymentAttempt.payment_id == payment_id, PaymentAttempt.status.in_(("PENDING", "UNKNOWN"))
    )
    return session.scalar(stmt.limit(1)) is not None


def failed_query(buyer_id: int) -> rows.Query:
    """The count of the buyer's failed attempts in the last hour (``failed_count``)."""
    return rows.FAILED_SINCE, {"buyer": buyer_id, "since": utcnow() - timedelta(hours=1)}


def failed_count(result: rows.Result) -> int:
    row = result.first()
    return int(row[0] or 0) if row else 0
