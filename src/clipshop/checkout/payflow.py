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

from sqlalchemy import bindparam, or_, select
from sqlalchemy.orm import Session

from clipshop.core.clock import utcnow
from clipshop.core.db import Database
from clipshop.models import Order, Payment, PaymentAttempt, PaymentMethod
from clipshop.orders import lifecycle, rows
from clipshop.orders.states import OrderStatus
from clipshop.payments import ledger
from clipshop.payments.gateway import GatewayResult, GatewayTimeout, PaymentGateway
from clipshop.payments.refunds import execute_refunds
from clipshop.payments.rows import PaymentRow

UNKNOWN_MESSAGE = "The payment is being confirmed with the bank; you will not be charged twice."


@dataclass(frozen=True)
class Outcome:
    """A payment and its orders with their lines, as plain values, as the transaction that
    read them (the outcome's own, when it recorded one) left them."""

    payment: PaymentRow
    orders: list[rows.Row]
    lines: dict[int, list[rows.Row]]  # order id -> its lines, in id order

    @property
    def payment_id(self) -> int:
        return self.payment.id

    @property
    def status(self) -> str:
        return self.payment.status


# Called in the outcome's transaction, before its COMMIT (the router stores its answer).
Keep = Callable[[Session, Outcome], None]


def outcome_of(session: Session, payment_id: int) -> Outcome | None:
    """The payment as it stands (None: there is no such payment)."""
    found = rows.of_payment(session, payment_id)
    return None if found is None else Outcome(*found)


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


def _finish(
    db: Database,
    gateway: PaymentGateway,
    attempt_id: int,
    result: GatewayResult | None,
    keep: Keep | None = None,
) -> Outcome:
    """Record the outcome on rows (``orders.rows``, ``payments.rows``: no ORM object in this
    unit of work); ``keep`` is called with it before the COMMIT."""
    refunds: list[int] = []
    with db.unit_of_work() as session:
        # The attempt, its payment, its orders and their lines: one round trip.
        attempt, payment, orders, lines = rows.of_attempt(session, attempt_id)
        if result is None:
            ledger.record_unknown(session, attempt)
            orders = lifecycle.mark_payment_failed(session, orders, UNKNOWN_MESSAGE)
            outcome = Outcome(payment, orders, lines)
        elif not result.ok:
            payment = ledger.record_failure(session, attempt, payment, result)
            message = result.message or result.failure_code or "payment failed"
            orders = lifecycle.mark_payment_failed(session, orders, message)
            outcome = Outcome(payment, orders, lines)
        else:
            unpaid = [o for o in orders if o.status == OrderStatus.UNPAID]
            shares = [(o.id, o.shop_id, o.total_amount) for o in unpaid]
            assert result.reference is not None
            captured = ledger.record_capture(session, attempt, payment, result.reference, shares)
            if captured is not None:
                orders, lines = lifecycle.mark_paid(session, orders, lines)
                # Safety net: orders cannot be cancelled while an attempt is in flight, but if
                # the money taken exceeds what the unpaid orders owe, give the rest back.
                surplus = attempt.amount - sum(amount for _, _, amount in shares)
                captured, txn_id = ledger.queue_surplus_refund(
                    session, captured, surplus, "paid more than the unpaid orders owed"
                )
                if txn_id is not None:
                    refunds.append(txn_id)
                outcome = Outcome(captured, orders, lines)
            else:
                # Recorded meanwhile by another run on the same attempt (the reconciler, or
                # the retry of a request that outlived its lease): answer from its rows.
                found = outcome_of(session, attempt.payment_id)
                assert found is not None
                outcome = found
        if keep is not None:
            keep(session, outcome)
    if refunds:
        execute_refunds(db, gateway, refunds)
    return outcome


def pay(
    db: Database,
    gateway: PaymentGateway,
    charge: Charge,
    backup_method_id: int | None,
    keep: Keep | None = None,
) -> Outcome:
    """Run one attempt, and the backup method after a decline; the outcome."""
    result = _gateway_call(gateway, charge)
    if (
        backup_method_id is None
        or result is None
        or result.ok
        or result.failure_code not in ledger.DECLINES_WORTH_A_BACKUP
    ):
        return _finish(db, gateway, charge.attempt_id, result, keep)
    _finish(db, gateway, charge.attempt_id, result)
    with db.unit_of_work() as session:
        payment = session.get_one(Payment, charge.payment_id)
        backup = session.get_one(PaymentMethod, backup_method_id)
        payment.status = "PENDING"
        attempt = ledger.new_attempt(session, payment, backup.id, charge.amount)
    return pay(db, gateway, Charge.of(attempt, backup.token), None, keep)


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
    db: Database, gateway: PaymentGateway, buyer_id: int, claim_id: int, keep: Keep | None = None
) -> Outcome | None:
    """For the retry that took over the Idempotency-Key of a request that died: what that
    request did. None when it opened no payment attempt (it placed and charged nothing: run
    it again). Its payment's latest attempt still PENDING (it died before the outcome) is
    paid on with the same gateway keys, so the gateway books it at most once; otherwise the
    outcome is the payment as it stands (the reconciler may have settled it), given to
    ``keep`` in the transaction that read it."""
    with db.unit_of_work() as session:
        payment_id = session.scalar(_CLAIMED, {"claim": claim_id, "buyer": buyer_id})
        if payment_id is None:
            return None
        attempt, method = session.execute(_LATEST, {"payment": payment_id}).one()
        if attempt.status != "PENDING" or method.removed_at is not None:
            outcome = outcome_of(session, payment_id)
            assert outcome is not None  # its attempt names it
            if keep is not None:
                keep(session, outcome)
            return outcome
        charge = Charge(
            attempt.id,
            payment_id,
            attempt.amount,
            attempt.currency,
            attempt.idempotency_key,
            method.token,
        )
    return pay(db, gateway, charge, None, keep)


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
        _finish(db, gateway, attempt.id, result)
    return len(attempts)


def unpaid_orders(db: Database, payment_id: int) -> list[Order]:
    with db.unit_of_work(write=False) as session:
        return [
            o
            for o in lifecycle.orders_of_payment(session, payment_id)
            if o.status == OrderStatus.UNPAID
        ]
