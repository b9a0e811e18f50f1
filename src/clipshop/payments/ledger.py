"""Payment rows: attempts, outcomes, captures and refunds. Database only: gateway calls are
made between units of work by ``checkout.payflow`` and ``payments.refunds``."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import bindparam, func, or_, select, update
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

from clipshop.core import rawsql
from clipshop.core.clock import utcnow
from clipshop.core.events import RefundStatusChanged, announce
from clipshop.core.ids import new_id
from clipshop.models import Payment, PaymentAttempt, PaymentTransaction
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
    rawsql.insert(session, Payment.__table__, row)
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
    rawsql.insert(session, PaymentAttempt.__table__, row)
    return attempt


def record_failure(session: Session, attempt: PaymentAttempt, result: GatewayResult) -> None:
    attempt.status = "FAILED"
    attempt.failure_code = result.failure_code
    attempt.failure_message = result.message
    attempt.completed_at = utcnow()
    session.execute(
        update(Payment)
        .where(Payment.id == attempt.payment_id, Payment.status == "PENDING")
        .values(status="FAILED", failure_code=result.failure_code, updated_at=utcnow())
    )


def record_unknown(session: Session, attempt: PaymentAttempt) -> None:
    attempt.status = "UNKNOWN"
    attempt.failure_message = "no answer from the payment gateway; checking"


_CAPTURED_COLUMNS = (
    "status",
    "amount",
    "captured_amount",
    "gateway_ref",
    "method_id",
    "failure_code",
    "updated_at",
)
_CAPTURED = rawsql.Statement(
    update(Payment)
    .where(
        Payment.id == bindparam("payment"),
        or_(Payment.status == "PENDING", Payment.status == "FAILED"),
    )
    .values({column: bindparam(f"set_{column}") for column in _CAPTURED_COLUMNS})
)
_SUCCEEDED_COLUMNS = ("status", "gateway_ref", "completed_at", "failure_code", "failure_message")
_SUCCEEDED = rawsql.Statement(
    update(PaymentAttempt)
    .where(PaymentAttempt.id == bindparam("attempt"))
    .values({column: bindparam(f"set_{column}") for column in _SUCCEEDED_COLUMNS})
)


def record_capture(
    session: Session, attempt: PaymentAttempt, reference: str, shares: list[tuple[int, int, int]]
) -> bool:
    """The attempt took the money. ``shares`` are (order_id, shop_id, amount) per order.
    Returns False if the payment was already captured (a duplicate answer)."""
    now = utcnow()
    captured: dict[str, object] = {"status": "CAPTURED", "amount": attempt.amount}
    captured |= {"captured_amount": attempt.amount, "gateway_ref": reference}
    captured |= {"method_id": attempt.method_id, "failure_code": None, "updated_at": now}
    params = {f"set_{column}": value for column, value in captured.items()}
    won = rawsql.run(session, _CAPTURED, params | {"payment": attempt.payment_id}).rowcount == 1
    held = session.identity_map.get(Session.identity_key(Payment, attempt.payment_id))
    if held is not None and won:
        for column, value in captured.items():  # the row this session holds sees it too
            set_committed_value(held, column, value)
    succeeded: dict[str, object] = {"status": "SUCCEEDED", "gateway_ref": reference}
    succeeded |= {"completed_at": now, "failure_code": None, "failure_message": None}
    values = {f"set_{column}": value for column, value in succeeded.items()}
    rawsql.defer(session, _SUCCEEDED, values | {"attempt": attempt.id})
    for column, value in succeeded.items():
        set_committed_value(attempt, column, value)
    if not won:
        return False
    txn = {"payment_id": attempt.payment_id, "kind": "CAPTURE", "currency": attempt.currency}
    txn["gateway_ref"] = reference
    rows = [txn | {"order_id": o, "shop_id": shop, "amount": amount} for o, shop, amount in shares]
    rawsql.insert(session, PaymentTransaction.__table__, rows)
    return True


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


def failed_query(buyer_id: int) -> tuple[rawsql.Statement, dict[str, object]]:
    """The count of the buyer's failed attempts in the last hour (``failed_count``)."""
    return _FAILED_SINCE, {"buyer": buyer_id, "since": utcnow() - timedelta(hours=1)}


def failed_count(result: rawsql.Result) -> int:
    row = result.first()
    return int(row[0] or 0) if row else 0


_FAILED_SINCE = rawsql.Statement(
    select(func.count())
    .select_from(PaymentAttempt)
    .where(
        PaymentAttempt.buyer_id == bindparam("buyer"),
        PaymentAttempt.status == "FAILED",
        PaymentAttempt.created_at >= bindparam("since"),
    )
)
