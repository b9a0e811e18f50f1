"""Running queued refunds through the gateway, after the transaction that queued them."""

from __future__ import annotations

from sqlalchemy import select

from clipshop.core.db import Database
from clipshop.models import Order, PaymentTransaction
from clipshop.payments.gateway import GatewayTimeout, PaymentGateway
from clipshop.payments.ledger import announce_refund, clip


def execute_refunds(db: Database, gateway: PaymentGateway, txn_ids: list[int]) -> int:
    """Send PENDING refunds; keyed by our transaction id, so a repeat never refunds twice.
    A timeout leaves the refund PENDING for ``retry_pending_refunds``. Returns how many ended."""
    done = 0
    for txn_id in txn_ids:
        with db.unit_of_work(write=False) as session:
            txn = session.get(PaymentTransaction, txn_id)
            if txn is None or txn.status != "PENDING" or txn.gateway_ref is None:
                continue
            ref, amount, currency = txn.gateway_ref, txn.amount, txn.currency
            order_id = txn.order_id
        try:
            result = gateway.refund(ref, amount, currency, f"ref_{txn_id}")
        except GatewayTimeout:
            continue
        with db.unit_of_work() as session:
            if order_id is not None:  # the order's events keep their order (its row first)
                session.execute(select(Order.id).where(Order.id == order_id).with_for_update())
            txn = session.get_one(PaymentTransaction, txn_id)
            before = txn.status
            txn.status = "SUCCEEDED" if result.ok else "FAILED"
            if result.ok and result.reference:
                txn.gateway_ref = result.reference
            txn.reason = txn.reason if result.ok else clip(f"{txn.reason} ({result.failure_code})")
            session.flush()
            announce_refund(session, txn, before)
        done += 1
    return done


def retry_pending_refunds(db: Database, gateway: PaymentGateway, limit: int = 500) -> int:
    with db.unit_of_work(write=False) as session:
        ids = list(
            session.scalars(
                select(PaymentTransaction.id)
                .where(PaymentTransaction.kind == "REFUND", PaymentTransaction.status == "PENDING")
                .order_by(PaymentTransaction.id)
                .limit(limit)
            )
        )
    return execute_refunds(db, gateway, ids)
