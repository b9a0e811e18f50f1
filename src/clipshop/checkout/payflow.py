"""Paying for a checkout: gateway calls happen between short units of work, never inside one.

1. (unit of work) an attempt row exists, PENDING, keyed ``pay_<attempt id>``;
2. authorize with that key, then capture with ``cap_<payment id>`` — both idempotent;
3. (unit of work) record the outcome: orders go ON_HOLD, or stay UNPAID with the reason.
A declined primary method is followed by the backup method, if the buyer gave one. A
timeout leaves the attempt UNKNOWN; ``reconcile`` asks the gateway later by the same key.
A request that died after step 1 is finished by its client's retry (``recover``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import TypeVar

from sqlalchemy import bindparam, or_, select
from sqlalchemy.orm import Session

from clipshop.core.clock import utcnow
from clipshop.core.db import Database
from clipshop.models import Order, OrderLineItem, Payment, PaymentAttempt, PaymentMethod
from clipshop.orders import lifecycle
from clipshop.orders.states import OrderStatus
from clipshop.payments import ledger
from clipshop.payments.gateway import GatewayResult, GatewayTimeout, PaymentGateway
from clipshop.payments.refunds import execute_refunds

UNKNOWN_MESSAGE = "The payment is being confirmed with the bank; you will not be charged twice."
T = TypeVar("T")


@dataclass(frozen=True)
class Loaded:
    """A payment's orders and their lines, as the outcome's transaction loaded them."""

    orders: list[Order]
    lines: dict[int, list[OrderLineItem]]


# (session, payment id, its orders and lines if already loaded) -> what the caller answers
View = Callable[[Session, int, Loaded | None], T]


def payment_id_of(_session: Session, payment_id: int, _loaded: Loaded | None) -> int:
    return payment_id


@dataclass(frozen=True)
class Charge:
    """What the gateway needs for one attempt, taken from the rows that created it (so
    paying needs no second read)."""

    attempt_id: int
    payment_id: int
    amount: int
    currency: str
    idempotency_key: str
    token: str

    @classmethod
    def of(cls, attempt: ledger.Attempt, token: str) -> Charge:
        """``token``: the gateway's token of the attempt's payment method."""
        return cls(
            attempt.id,
            attempt.payment_id,
            attempt.amount,
            attempt.currency,
            attempt.idempotency_key,
            token,
        )


def _gateway_call(gateway: PaymentGateway, charge: Charge) -> GatewayResult | None:
    """Authorize then capture; None when the gateway did not answer."""
    try:
        auth = gateway.authorize(
            charge.token, charge.amount, charge.currency, charge.idempotency_key
        )
        if not auth.ok or auth.reference is None:
            return auth
        return gateway.capture(
            auth.reference, charge.amount, charge.currency, f"cap_{charge.payment_id}"
        )
    except GatewayTimeout:
        return None


_ATTEMPT = (
    select(PaymentAttempt, Payment)
    .join(Payment, Payment.id == PaymentAttempt.payment_id)
    .where(PaymentAttempt.id == bindparam("attempt"))
)


def _finish(
    db: Database,
    gateway: PaymentGateway,
    attempt_id: int,
    result: GatewayResult | None,
    view: View[T],
) -> T:
    """Record the outcome, and build the caller's answer in the same transaction."""
    refunds: list[int] = []
    with db.unit_of_work() as session:
        # The payment comes with its attempt (one query): the answer finds it in the session.
        attempt, _payment = session.execute(_ATTEMPT, {"attempt": attempt_id}).one()
        orders, lines = lifecycle.orders_with_lines(session, attempt.payment_id)
        loaded: Loaded | None = Loaded(orders, lines)
        if result is None:
            ledger.record_unknown(session, attempt)
            lifecycle.mark_payment_failed(session, orders, UNKNOWN_MESSAGE)
        elif not result.ok:
            ledger.record_failure(session, attempt, result)
            lifecycle.mark_payment_failed(
                session, orders, result.message or result.failure_code or "payment failed"
            )
        else:
            unpaid = [o for o in orders if o.status == OrderStatus.UNPAID]
            shares = [(o.id, o.shop_id, o.total_amount) for o in unpaid]
            assert result.reference is not None
            if ledger.record_capture(session, attempt, result.reference, shares):
                lifecycle.mark_paid(session, unpaid)
                # Safety net: orders cannot be cancelled while an attempt is in flight, but if
                # the money taken exceeds what the unpaid orders owe, give the rest back.
                surplus = attempt.amount - sum(amount for _, _, amount in shares)
                txn = ledger.queue_refund(
                    session,
                    attempt.payment_id,
                    None,
                    None,
                    surplus,
                    "paid more than the unpaid orders owed",
                )
                if txn is not None:
                    refunds.append(txn.id)
            else:
                # Recorded meanwhile by another run on the same attempt (the reconciler, or
                # the retry of a request that outlived its lease): answer from its rows.
                session.expire_all()
                loaded = None
        answer = view(session, attempt.payment_id, loaded)
    if refunds:
        execute_refunds(db, gateway, refunds)
    return answer


def pay(
    db: Database,
    gateway: PaymentGateway,
    charge: Charge,
    backup_method_id: int | None,
    view: View[T],
) -> T:
    """Run one attempt, and the backup method after a decline; ``view`` of the outcome."""
    result = _gateway_call(gateway, charge)
    if (
        backup_method_id is None
        or result is None
        or result.ok
        or result.failure_code not in ledger.DECLINES_WORTH_A_BACKUP
    ):
        return _finish(db, gateway, charge.attempt_id, result, view)
    _finish(db, gateway, charge.attempt_id, result, payment_id_of)
    with db.unit_of_work() as session:
        payment = session.get_one(Payment, charge.payment_id)
        backup = session.get_one(PaymentMethod, backup_method_id)
        payment.status = "PENDING"
        attempt = ledger.new_attempt(session, payment, backup.id, charge.amount)
    return pay(db, gateway, Charge.of(attempt, backup.token), None, view)


_CLAIMED = select(PaymentAttempt.payment_id).where(
    PaymentAttempt.claim_id == bindparam("claim"), PaymentAttempt.buyer_id == bindparam("buyer")
)
_LATEST = (
    select(PaymentAttempt, PaymentMethod)
    .join(PaymentMethod, PaymentMethod.id == PaymentAttempt.method_id)
    .where(PaymentAttempt.payment_id == bindparam("payment"))
    .order_by(PaymentAttempt.id.desc())
    .limit(1)
)


def recover(
    db: Database, gateway: PaymentGateway, buyer_id: int, claim_id: int, view: View[T]
) -> T | None:
    """For the retry that took over the Idempotency-Key of a request that died: what that
    request did. None when it opened no payment attempt (it placed and charged nothing: run
    it again). Its payment's latest attempt still PENDING (it died before the outcome) is
    paid on with the same gateway keys, so the gateway books it at most once; otherwise the
    answer is ``view`` of the payment as it stands (the reconciler may have settled it)."""
    with db.unit_of_work() as session:
        payment_id = session.scalar(_CLAIMED, {"claim": claim_id, "buyer": buyer_id})
        if payment_id is None:
            return None
        attempt, method = session.execute(_LATEST, {"payment": payment_id}).one()
        if attempt.status != "PENDING" or method.removed_at is not None:
            return view(session, payment_id, None)
        charge = Charge(
            attempt.id,
            payment_id,
            attempt.amount,
            attempt.currency,
            attempt.idempotency_key,
            method.token,
        )
    return pay(db, gateway, charge, None, view)


def reconcile(db: Database, gateway: PaymentGateway, older_than: timedelta) -> int:
    """Settle attempts left UNKNOWN (or PENDING after a crash) by asking the gateway."""
    cutoff = utcnow() - older_than
    with db.unit_of_work(write=False) as session:
        stmt = select(PaymentAttempt).where(
            or_(
                PaymentAttempt.status == "UNKNOWN",
                (PaymentAttempt.status == "PENDING") & (PaymentAttempt.created_at <= cutoff),
            )
        )
        attempts = list(session.scalars(stmt.order_by(PaymentAttempt.id).limit(500)))
    for attempt in attempts:
        found = gateway.lookup(attempt.idempotency_key)
        if found is None:
            result: GatewayResult | None = GatewayResult(
                False,
                None,
                "no_answer",
                "The bank never received the payment; nothing was charged. Please try again.",
            )
        elif found.ok and found.reference:
            result = gateway.capture(
                found.reference, attempt.amount, attempt.currency, f"cap_{attempt.payment_id}"
            )
        else:
            result = found
        _finish(db, gateway, attempt.id, result, payment_id_of)
    return len(attempts)


def unpaid_orders(db: Database, payment_id: int) -> list[Order]:
    with db.unit_of_work(write=False) as session:
        return [
            o
            for o in lifecycle.orders_of_payment(session, payment_id)
            if o.status == OrderStatus.UNPAID
        ]
