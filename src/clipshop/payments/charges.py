"""Extra charges on a paid checkout (an order made dearer after payment: a new shipping
address, an accepted order edit). Database rows only; the gateway call happens between units
of work, like every other gateway call.

A charge is a ``CAPTURE`` row of the ledger for one order, ``PENDING`` until the gateway has
answered. Its id keys both gateway calls (``chg_<id>`` to authorize, ``chgcap_<id>`` to
capture), so a retry or the reconciler can never take the money twice. When it succeeds the
payment's ``amount`` and ``captured_amount`` grow by the charge, so refunds of that order may
later give it back (``refunded_amount <= captured_amount`` still holds).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from clipshop.core.clock import utcnow
from clipshop.core.errors import Conflict
from clipshop.core.ids import new_id
from clipshop.models import Order, Payment, PaymentMethod, PaymentTransaction
from clipshop.payments.gateway import GatewayResult, GatewayTimeout, PaymentGateway
from clipshop.payments.ledger import clip


class NoPaymentMethod(Conflict):
    code = "no_payment_method"


@dataclass(frozen=True)
class PendingCharge:
    txn_id: int
    token: str
    amount: int
    currency: str

    @property
    def authorize_key(self) -> str:
        return authorize_key(self.txn_id)


def authorize_key(txn_id: int) -> str:
    return f"chg_{txn_id}"


def capture_key(txn_id: int) -> str:
    return f"chgcap_{txn_id}"


def _method(session: Session, payment: Payment) -> PaymentMethod:
    """The method that paid the checkout; the buyer's default one if it was removed since."""
    method = session.get(PaymentMethod, payment.method_id) if payment.method_id else None
    if method is not None and method.removed_at is None:
        return method
    method = session.scalar(
        select(PaymentMethod).where(
            PaymentMethod.buyer_id == payment.buyer_id,
            PaymentMethod.removed_at.is_(None),
            PaymentMethod.is_default,
        )
    )
    if method is None:
        raise NoPaymentMethod(
            "the card that paid this order was removed and there is no default payment "
            "method to charge the difference to: add one first"
        )
    return method


def pending_for_order(session: Session, order_id: int) -> PaymentTransaction | None:
    return session.scalar(
        select(PaymentTransaction).where(
            PaymentTransaction.order_id == order_id,
            PaymentTransaction.kind == "CAPTURE",
            PaymentTransaction.status == "PENDING",
        )
    )


def open_charge(session: Session, order: Order, amount: int, reason: str) -> PendingCharge:
    """A PENDING capture row for ``amount`` more on ``order``'s payment."""
    assert amount > 0
    payment = session.get_one(Payment, order.payment_id)
    method = _method(session, payment)
    txn = PaymentTransaction(
        id=new_id(),
        payment_id=payment.id,
        order_id=order.id,
        shop_id=order.shop_id,
        kind="CAPTURE",
        status="PENDING",
        amount=amount,
        currency=payment.currency,
        reason=clip(reason),
    )
    session.add(txn)
    session.flush()
    return PendingCharge(txn.id, method.token, amount, payment.currency)


def call_gateway(gateway: PaymentGateway, charge: PendingCharge) -> GatewayResult | None:
    """Authorize then capture; None when the gateway did not answer. Never inside a unit of
    work."""
    try:
        auth = gateway.authorize(charge.token, charge.amount, charge.currency, charge.authorize_key)
        if not auth.ok or auth.reference is None:
            return auth
        return gateway.capture(
            auth.reference, charge.amount, charge.currency, capture_key(charge.txn_id)
        )
    except GatewayTimeout:
        return None


def record_success(session: Session, txn_id: int, reference: str) -> bool:
    """The money was taken: the row SUCCEEDED, the payment's amount and capture grow.
    False when the row was already recorded as SUCCEEDED (by the reconciler). A row the
    reconciler marked FAILED (the gateway had not seen the call yet) is corrected: the money
    is there, so it must be in the books."""
    txn = session.get_one(PaymentTransaction, txn_id)
    done = session.execute(
        update(PaymentTransaction)
        .where(
            PaymentTransaction.id == txn_id, PaymentTransaction.status.in_(("PENDING", "FAILED"))
        )
        .values(status="SUCCEEDED", gateway_ref=reference)
    )
    if done.rowcount != 1:  # type: ignore[attr-defined]
        return False
    grown = session.execute(
        update(Payment)
        .where(Payment.id == txn.payment_id, Payment.status == "CAPTURED")
        .values(
            amount=Payment.amount + txn.amount,
            captured_amount=Payment.captured_amount + txn.amount,
            updated_at=utcnow(),
        )
    )
    if grown.rowcount != 1:  # type: ignore[attr-defined]
        raise AssertionError(f"payment {txn.payment_id} is not CAPTURED: cannot add a charge")
    return True


def record_failure(session: Session, txn_id: int, failure_code: str | None) -> bool:
    """Nothing was taken: the row FAILED, with the gateway's code in its reason.
    False when the row was settled meanwhile."""
    txn = session.get_one(PaymentTransaction, txn_id)
    done = session.execute(
        update(PaymentTransaction)
        .where(PaymentTransaction.id == txn_id, PaymentTransaction.status == "PENDING")
        .values(status="FAILED", reason=clip(f"{txn.reason} ({failure_code or 'failed'})"))
    )
    return bool(done.rowcount == 1)  # type: ignore[attr-defined]


def stale_charges(session: Session, older_than: timedelta, limit: int = 500) -> list[int]:
    """PENDING charges older than ``older_than``: the request that opened them never heard
    back from the gateway (a timeout, or a crash in between)."""
    cutoff = utcnow() - older_than
    return list(
        session.scalars(
            select(PaymentTransaction.id)
            .where(
                PaymentTransaction.kind == "CAPTURE",
                PaymentTransaction.status == "PENDING",
                PaymentTransaction.created_at <= cutoff,
            )
            .order_by(PaymentTransaction.id)
            .limit(limit)
        )
    )
