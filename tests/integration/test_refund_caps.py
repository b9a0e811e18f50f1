"""After-sales refunds stay within what was paid, per line, for shipping, per order and per
payment: the service refuses (nothing changes) and the database's CHECK constraints refuse too.

Each cap is tested where it is the tightest one, at exactly what is left under it (taken) and
one more (refused with ``OverRefund``, nothing changed): a cap made off by one either way
fails here (one more gets through, or the CHECK constraint answers instead of the cap)."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError

from clipshop.core.db import Database
from clipshop.models import Order, OrderLineItem, Payment, RefundAllocation
from clipshop.orders import refunds
from clipshop.payments import ledger
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
        allocated = session.scalars(
            select(func.coalesce(func.sum(RefundAllocation.amount), 0)).where(
                RefundAllocation.order_id == order_id
            )
        ).one()
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


LEFT = 3  # what is left under the cap a test brings to its edge
CAPS = ("line", "shipping", "order", "payment")


def facts(db: Database, order_id: int) -> tuple[int, int, int, int]:
    """The order's one line (id, price + tax), its shipping fee, and its payment's capture."""
    with db.unit_of_work(write=False) as session:
        order = session.get_one(Order, order_id)
        (line,) = session.scalars(select(OrderLineItem).where(OrderLineItem.order_id == order_id))
        captured = session.get_one(Payment, order.payment_id).captured_amount
        assert captured == order.total_amount == line.sale_price + line.tax + order.shipping_fee
        return line.id, line.sale_price + line.tax, order.shipping_fee, captured


@pytest.mark.parametrize("cap", CAPS)
def test_each_cap_gives_exactly_what_is_left(db: Database, world: World, cap: str) -> None:
    order_id = paid_order(db, world)
    line_id, line_total, shipping, captured = facts(db, order_id)
    assert min(line_total, shipping) > LEFT + 1  # only the cap under test can refuse
    with db.unit_of_work() as session:  # use up all but LEFT of the cap under test
        order = session.get_one(Order, order_id)
        if cap == "line":
            refunds.refund(session, order, {line_id: line_total - LEFT}, 0, "most of the line")
        elif cap == "shipping":
            refunds.refund(session, order, {}, shipping - LEFT, "most of the shipping")
        elif cap == "order":
            # The order's cap stands behind its lines' and shipping's, which add up to it: to
            # make it the tightest, its books are put ahead of its lines (the CHECK allows it).
            session.execute(
                update(Order)
                .where(Order.id == order_id)
                .values(refunded_amount=Order.total_amount - LEFT)
            )
        else:  # what an order change or a checkout surplus gives back: the payment only
            ledger.queue_refund(
                session, order.payment_id, order_id, order.shop_id, captured - LEFT, "change"
            )

    def ask(amount: int) -> tuple[dict[int, int], int]:
        return ({}, amount) if cap == "shipping" else ({line_id: amount}, 0)

    before = state(db, order_id)
    with pytest.raises(OverRefund), db.unit_of_work() as session:
        refunds.refund(session, session.get_one(Order, order_id), *ask(LEFT + 1), "one more")
    assert state(db, order_id) == before  # nothing half-applied

    with db.unit_of_work() as session:
        txn = refunds.refund(session, session.get_one(Order, order_id), *ask(LEFT), "the rest")
        assert txn is not None and txn.amount == LEFT
    order_refunded, shipping_refunded, (line_refunded,), payment_refunded, allocated = before
    after = (
        order_refunded + LEFT,
        shipping_refunded + (LEFT if cap == "shipping" else 0),
        [line_refunded + (0 if cap == "shipping" else LEFT)],
        payment_refunded + LEFT,
        allocated + LEFT,
    )
    assert state(db, order_id) == after

    with pytest.raises(OverRefund), db.unit_of_work() as session:
        refunds.refund(session, session.get_one(Order, order_id), *ask(1), "one more")
    assert state(db, order_id) == after


def test_the_payment_ledger_gives_exactly_what_was_captured(db: Database, world: World) -> None:
    """``ledger.queue_refund`` alone (order changes and checkout surpluses call it directly)."""
    order_id = paid_order(db, world)
    *_, captured = facts(db, order_id)
    with db.unit_of_work(write=False) as session:
        order = session.get_one(Order, order_id)
        payment_id, shop_id = order.payment_id, order.shop_id

    def queue(amount: int) -> int | None:
        with db.unit_of_work() as session:
            txn = ledger.queue_refund(session, payment_id, order_id, shop_id, amount, "ledger")
            return None if txn is None else txn.amount

    assert queue(captured - LEFT) == captured - LEFT
    for too_much in (LEFT + 1, LEFT + 2):
        with pytest.raises(OverRefund):
            queue(too_much)
        assert state(db, order_id)[3] == captured - LEFT
    assert queue(LEFT) == LEFT
    with pytest.raises(OverRefund):
        queue(1)
    assert state(db, order_id)[3] == captured
    assert queue(0) is None  # nothing asked, nothing queued


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
