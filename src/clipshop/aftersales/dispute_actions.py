"""Dispute use cases as the API runs them: each its own unit of work; a refund an agent's
decision queued goes to the gateway after the commit (``payments.refunds``)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from clipshop.aftersales import disputes
from clipshop.core.db import Database
from clipshop.core.pagination import Page, PageRequest, make_page
from clipshop.identity.principal import Principal
from clipshop.models import Dispute, Order
from clipshop.payments.gateway import PaymentGateway
from clipshop.payments.refunds import execute_refunds


@dataclass(frozen=True)
class DisputeFilters:
    status: str | None = None
    kind: str | None = None
    order_id: int | None = None


def open_dispute(db: Database, principal: Principal, order_id: int, claim: disputes.Claim) -> int:
    with db.unit_of_work() as session:
        return disputes.open_dispute(session, principal, order_id, claim).id


def withdraw(db: Database, principal: Principal, dispute_id: int, reason: str) -> None:
    with db.unit_of_work() as session:
        disputes.withdraw(session, principal, dispute_id, reason)


def decide(
    db: Database,
    gateway: PaymentGateway,
    principal: Principal,
    dispute_id: int,
    decision: str,
    note: str,
    amount: int | None,
) -> None:
    with db.unit_of_work() as session:
        txn_id = disputes.decide(session, principal, dispute_id, decision, note, amount)
    execute_refunds(db, gateway, [txn_id] if txn_id is not None else [])


def queue(
    session: Session, principal: Principal, page: PageRequest, filters: DisputeFilters
) -> Page[Dispute]:
    """Oldest first (the agents' queue order), one page at a time."""
    stmt = disputes.scoped(principal)
    if filters.status is not None:
        stmt = stmt.where(Dispute.status == filters.status)
    if filters.kind is not None:
        stmt = stmt.where(Dispute.kind == filters.kind)
    if filters.order_id is not None:
        stmt = stmt.where(Dispute.order_id == filters.order_id)
    if page.after_id is not None:
        stmt = stmt.where(Dispute.id > page.after_id)
    rows = list(session.scalars(stmt.order_by(Dispute.id).limit(page.limit + 1)))
    return make_page(rows, page, lambda d: d.id)


def currencies(session: Session, order_ids: list[int]) -> dict[int, str]:
    rows = session.execute(select(Order.id, Order.currency).where(Order.id.in_(order_ids)))
    return {order_id: currency for order_id, currency in rows}
