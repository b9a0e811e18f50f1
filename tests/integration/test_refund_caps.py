"""After-sales refunds stay within what was paid, per line, for shipping and per order:
the service refuses (nothing changes) and the database's CHECK constraints refuse too."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError

from clipshop.core.db import Database
from clipshop.models import Order, OrderLineItem, Payment, RefundAllocation
from clipshop.orders import refunds
from clipshop.payments.errors import OverRefund
from tests.conftest import World
from tests.sweeper_support import on_hold_orders


def paid_order(db: Database, world: World) -> int:
    (order_id,) = on_hold_orders(db, world, 1)
    return order_id


def state(db: Database, order_id: int) -> tuple[int, int, list[int], int, int]:
    with db.unit_of_work(write=False) as session:
        order = session.get_one(Order, order_id)
        lines = session.scalars(
            select(OrderLineItem.refunded_amount)
            .where(OrderLineItem.order_id == order_id)
            .order_by(OrderLineItem.id)
        ).all()
        payment = session.get_one(Payment, order.payment_id)
        allocated = session.scalar(
            select(func.coalesce(func.sum(RefundAllocation.amount), 0)).where(
                RefundAllocation.order_id == order_id
            )
        )
        return (
            order.refunded_amount,
            order.shipping_refunded,
            list(lines),
            payment.refunded_amount,
            allocated,
        )


def test_partial_refunds_add_up_and_stop_at_each_cap(db: Database, world: World) -> None:
    order_id = paid_order(db, world)
    with db.unit_of_work(write=False) as session:
        order = session.get_one(Order, order_id)
        (line,) = session.scalars(select(OrderLineItem).where(OrderLineItem.order_id == order_id))
        line_id, line_total, shipping = line.id, line.sale_price + line.tax, order.shipping_fee
        assert order.total_amount == line_total + shipping
    with db.unit_of_work() as session:
        order = session.get_one(Order, order_id)
        refunds.refund(session, order, {line_id: line_total - 1}, 0, "partial one")
    assert state(db, order_id) == (
        line_total - 1,
        0,
        [line_total - 1],
        line_total - 1,
        line_total - 1,
    )

    before = state(db, order_id)
    for per_line, ship in (({line_id: 2}, 0), ({}, shipping + 1), ({line_id: 1}, shipping + 1)):
        with pytest.raises(OverRefund), db.unit_of_work() as session:
            order = session.get_one(Order, order_id)
            refunds.refund(session, order, per_line, ship, "too much")
        assert state(db, order_id) == before  # nothing half-applied

    with db.unit_of_work() as session:
        order = session.get_one(Order, order_id)
        per_line, ship = refunds.full_refund_plan(session, order)
        assert (per_line, ship) == ({line_id: 1}, shipping)
        refunds.refund(session, order, per_line, ship, "the rest")
    total = line_total + shipping
    assert state(db, order_id) == (total, shipping, [line_total], total, total)
    with db.unit_of_work() as session:
        order = session.get_one(Order, order_id)
        assert refunds.full_refund_plan(session, order) == ({}, 0)
        assert refunds.refund(session, order, {}, 0, "nothing") is None


def test_the_database_refuses_refunds_beyond_the_caps(db: Database, world: World) -> None:
    order_id = paid_order(db, world)
    statements = [
        update(OrderLineItem)
        .where(OrderLineItem.order_id == order_id)
        .values(refunded_amount=OrderLineItem.sale_price + OrderLineItem.tax + 1),
        update(Order).where(Order.id == order_id).values(refunded_amount=Order.total_amount + 1),
        update(Order).where(Order.id == order_id).values(shipping_refunded=Order.shipping_fee + 1),
        update(Order).where(Order.id == order_id).values(refunded_amount=-1),
    ]
    for statement in statements:
        with pytest.raises(IntegrityError), db.unit_of_work() as session:
            session.execute(statement)
    assert state(db, order_id)[:3] == (0, 0, [0])


def test_negative_amounts_are_a_programming_error(db: Database, world: World) -> None:
    order_id = paid_order(db, world)
    with pytest.raises(ValueError), db.unit_of_work() as session:
        refunds.refund(session, session.get_one(Order, order_id), {1: -5}, 0, "bad")
