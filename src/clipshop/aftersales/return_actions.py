"""Return actions callers take through the API: each its own unit of work; a refund it
queued goes to the gateway after the commit (``payments.refunds.execute_refunds``)."""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy.orm import Session

from clipshop.aftersales import return_decisions, returns
from clipshop.aftersales.return_schemas import ReturnOut, return_out
from clipshop.core.db import Database
from clipshop.identity.principal import Principal
from clipshop.models import Order, PaymentTransaction, Return
from clipshop.payments.gateway import PaymentGateway
from clipshop.payments.refunds import execute_refunds


def view(session: Session, ret: Return) -> ReturnOut:
    currency = session.get_one(Order, ret.order_id).currency
    txn = session.get(PaymentTransaction, ret.refund_txn_id) if ret.refund_txn_id else None
    lines = returns.lines_of(session, [ret.id])[ret.id]
    return return_out(ret, lines, currency, txn.status if txn is not None else None)


def read(db: Database, principal: Principal, return_id: int) -> ReturnOut:
    with db.unit_of_work(write=False) as session:
        return view(session, returns.get_return(session, principal, return_id))


def with_refund(
    db: Database,
    gateway: PaymentGateway,
    principal: Principal,
    return_id: int,
    step: Callable[[Session], PaymentTransaction | None],
) -> ReturnOut:
    with db.unit_of_work() as session:
        txn = step(session)
        refund_ids = [txn.id] if txn is not None else []
    execute_refunds(db, gateway, refund_ids)
    return read(db, principal, return_id)


def approve(
    db: Database,
    gateway: PaymentGateway,
    principal: Principal,
    return_id: int,
    decision: str,
    amount: int | None,
    buyer_keep_item: bool,
    resellable: bool = True,
) -> ReturnOut:
    return with_refund(
        db,
        gateway,
        principal,
        return_id,
        lambda s: return_decisions.approve(
            s, principal, return_id, decision, amount, buyer_keep_item, resellable
        ),
    )


def answer_offer(
    db: Database, gateway: PaymentGateway, principal: Principal, return_id: int, accept: bool
) -> ReturnOut:
    return with_refund(
        db,
        gateway,
        principal,
        return_id,
        lambda s: return_decisions.answer_offer(s, principal, return_id, accept),
    )
