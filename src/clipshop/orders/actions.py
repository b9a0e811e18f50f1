"""Order actions callers take through the API: each its own unit of work, then any refund
it queued goes to the gateway after the commit.

Each action reads the order with its row locked (one statement), as the other order paths
do: a second action on the same order waits for the first to commit and then decides on
what it did (two cancels at once: one 200, the other 409), instead of releasing stock the
first one already released."""

from __future__ import annotations

from sqlalchemy.orm import Session

from clipshop.core.db import Database
from clipshop.core.errors import NotFound
from clipshop.identity.principal import Permission, Principal, Role
from clipshop.models import Order
from clipshop.orders import cancellations, changes, lifecycle, queries
from clipshop.orders.states import Actor, OrderStatus
from clipshop.payments.gateway import PaymentGateway
from clipshop.payments.refunds import execute_refunds


def _locked_order(session: Session, principal: Principal, order_id: int) -> Order:
    """The order as the caller may see it (else 404), its row locked for the transaction
    (SQLite: write transactions take turns anyway)."""
    stmt = queries.visible_to(principal, Order).where(Order.id == order_id)
    order = session.scalar(stmt.with_for_update())
    if order is None:
        raise NotFound("order not found")
    return order


def buyer_cancel(
    db: Database, gateway: PaymentGateway, principal: Principal, order_id: int, reason: str
) -> None:
    with db.unit_of_work() as session:
        order = _locked_order(session, principal, order_id)
        if principal.role is not Role.BUYER:
            raise NotFound("order not found")  # only the buyer cancels here
        lines = changes.active_lines(session, order.id)
        txn = lifecycle.buyer_cancel(session, order, principal.user_id, reason)
        cancellations.record_completed(
            session, order, lines, Actor.BUYER, principal.user_id, reason, txn, "BUYER_CANCEL"
        )
        refund_ids = [txn.id] if txn is not None else []
    execute_refunds(db, gateway, refund_ids)


def review(
    db: Database,
    gateway: PaymentGateway,
    principal: Principal,
    order_id: int,
    clear: bool,
    note: str,
) -> None:
    principal.require(Permission.ORDERS_REVIEW)
    with db.unit_of_work() as session:
        order = _locked_order(session, principal, order_id)
        lines = changes.active_lines(session, order.id)
        txn = lifecycle.decide_review(session, order, principal.user_id, clear, note)
        if order.status == OrderStatus.CANCELLED:  # rejected: an OPERATOR cancellation
            reason = f"fraud review: {note}"
            cancellations.record_completed(
                session, order, lines, Actor.OPERATOR, principal.user_id, reason, txn
            )
        refund_ids = [txn.id] if txn is not None else []
    execute_refunds(db, gateway, refund_ids)
