"""Order actions callers take through the API: each its own unit of work, then any refund
it queued goes to the gateway after the commit."""

from __future__ import annotations

from clipshop.core.db import Database
from clipshop.core.errors import NotFound
from clipshop.identity.principal import Permission, Principal, Role
from clipshop.orders import cancellations, changes, lifecycle, queries
from clipshop.orders.states import Actor, OrderStatus
from clipshop.payments.gateway import PaymentGateway
from clipshop.payments.refunds import execute_refunds


def buyer_cancel(
    db: Database, gateway: PaymentGateway, principal: Principal, order_id: int, reason: str
) -> None:
    with db.unit_of_work() as session:
        order = queries.get_order(session, principal, order_id)
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
        order = queries.get_order(session, principal, order_id)
        lines = changes.active_lines(session, order.id)
        txn = lifecycle.decide_review(session, order, principal.user_id, clear, note)
        if order.status == OrderStatus.CANCELLED:  # rejected: an OPERATOR cancellation
            reason = f"fraud review: {note}"
            cancellations.record_completed(
                session, order, lines, Actor.OPERATOR, principal.user_id, reason, txn
            )
        refund_ids = [txn.id] if txn is not None else []
    execute_refunds(db, gateway, refund_ids)
