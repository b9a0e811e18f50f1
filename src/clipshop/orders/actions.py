"""Order actions callers take through the API: each its own unit of work, then any refund
it queued goes to the gateway after the commit."""

from __future__ import annotations

from clipshop.core.db import Database
from clipshop.core.errors import NotFound
from clipshop.identity.principal import Permission, Principal, Role
from clipshop.orders import lifecycle, queries
from clipshop.payments.gateway import PaymentGateway
from clipshop.payments.refunds import execute_refunds


def buyer_cancel(
    db: Database, gateway: PaymentGateway, principal: Principal, order_id: int, reason: str
) -> None:
    with db.unit_of_work() as session:
        order = queries.get_order(session, principal, order_id)
        if principal.role is not Role.BUYER:
            raise NotFound("order not found")  # only the buyer cancels here
        txn = lifecycle.buyer_cancel(session, order, principal.user_id, reason)
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
        txn = lifecycle.decide_review(session, order, principal.user_id, clear, note)
        refund_ids = [txn.id] if txn is not None else []
    execute_refunds(db, gateway, refund_ids)
