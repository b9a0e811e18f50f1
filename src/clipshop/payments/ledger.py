"""Payment rows: attempts, outcomes, captures and refunds. Database only: gateway calls are
made between units of work by ``checkout.payflow`` and ``payments.refunds``."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import bindparam, func, select, update
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

from clipshop.core.clock import utcnow
from clipshop.core.ids import new_id
from clipshop.models import Payment, PaymentAttempt, PaymentMethod, PaymentTransaction
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


def open_payment(
    session: Session, buyer_id: int, amount: int, currency: str, method_id: int
) -> Payment:
    payment = Payment(
        id=new_id(),
        buyer_id=buyer_id,
        amount=amount,
        currency=currency,
        status="PENDING",
        method_id=method_id,
    )
    session.add(payment)
    session.flush()  # the ORM orders inserts only by flush (no relationships are mapped)
    return payment


def new_attempt(
    session: Session, payment: Payment, method: PaymentMethod, amount: int
) -> PaymentAttempt:
    """``amount``: what the still-unpaid orders of the payment add up to now."""
    attempt_id = new_id()
    attempt = PaymentAttempt(
        id=attempt_id,
        payment_id=payment.id,
        buyer_id=payment.buyer_id,
        method_id=method.id,
        amount=amount,
        currency=payment.currency,
        status="PENDING",
        idempotency_key=f"pay_{attempt_id}",
    )
    session.add(attempt)
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
_CAPTURED = (
    update(Payment)
    .where(Payment.id == bindparam("payment"), Payment.status.in_(("PENDING", "FAILED")))
    .values({column: bindparam(f"set_{column}") for column in _CAPTURED_COLUMNS})
    .execution_options(synchronize_session=False)
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
    result = session.execute(_CAPTURED, params | {"payment": attempt.payment_id})
    held = session.identity_map.get(Session.identity_key(Payment, attempt.payment_id))
    if held is not None and result.rowcount == 1:  # type: ignore[attr-defined]
        for column, value in captured.items():  # the row this session holds sees it too
            set_committed_value(held, column, value)
    attempt.status = "SUCCEEDED"
    attempt.gateway_ref = reference
    attempt.completed_at = now
    attempt.failure_code = attempt.failure_message = None
    if result.rowcount != 1:  # type: ignore[attr-defined]
        return False
    for order_id, shop_id, amount in shares:
        session.add(
            PaymentTransaction(
                payment_id=attempt.payment_id,
                order_id=order_id,
                shop_id=shop_id,
                kind="CAPTURE",
                amount=amount,
                currency=attempt.currency,
                gateway_ref=reference,
            )
        )
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
    return txn


def has_attempt_in_flight(session: Session, payment_id: int) -> bool:
    stmt = select(PaymentAttempt.id).where(
        PaymentAttempt.payment_id == payment_id, PaymentAttempt.status.in_(("PENDING", "UNKNOWN"))
    )
    return session.scalar(stmt.limit(1)) is not None


def failed_attempts_last_hour(session: Session, buyer_id: int) -> int:
    since = utcnow() - timedelta(hours=1)
    return int(session.scalar(_FAILED_SINCE, {"buyer": buyer_id, "since": since}) or 0)


_FAILED_SINCE = (
    select(func.count())
    .select_from(PaymentAttempt)
    .where(
        PaymentAttempt.buyer_id == bindparam("buyer"),
        PaymentAttempt.status == "FAILED",
        PaymentAttempt.created_at >= bindparam("since"),
    )
)
