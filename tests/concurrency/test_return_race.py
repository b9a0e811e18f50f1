"""Twenty approvals of one return at the same moment (PostgreSQL, and SQLite taking turns):
exactly one refunds, the others find the request already decided (409
``invalid_return_status``), and the books balance. Then twenty accepts of one partial-refund
offer: one refund of exactly the offer."""

from __future__ import annotations

from collections import Counter

import pytest

from clipshop.aftersales import return_actions, return_decisions, returns
from clipshop.core.db import Database
from clipshop.payments.simulated import SimulatedGateway
from tests.concurrency.test_refund_race import THREADS, race
from tests.conftest import BACKENDS, World
from tests.integration.matrix_returns import delivered_orders
from tests.refund_support import assert_balanced, read_books

pytestmark = pytest.mark.parametrize("database", BACKENDS, indirect=True)


def _request(db: Database, world: World, units: int) -> tuple[int, int]:
    ((order_id, lines),) = delivered_orders(
        db, {"own": world.buyer}, {"own": world.shop_a}, units
    ).values()
    with db.unit_of_work() as session:
        ret = returns.create_return(
            session, world.buyer.principal, order_id, "REFUND", "DAMAGED", lines, ""
        )
        return order_id, ret.id


def test_twenty_approvals_of_one_return_refund_once(db: Database, world: World) -> None:
    order_id, return_id = _request(db, world, 2)
    gateway = SimulatedGateway(db)
    seller = world.seller_a.principal

    def approve() -> str:
        out = return_actions.approve(db, gateway, seller, return_id, "APPROVE_REFUND", None, False)
        return out.return_status

    results = race([approve for _ in range(THREADS)])
    assert Counter(results) == {
        "RETURN_OR_REFUND_REQUEST_COMPLETE": 1,
        "invalid_return_status": THREADS - 1,
    }
    books = read_books(db, order_id)
    assert_balanced(books)
    assert books.order_refunded == books.total == books.payment_refunded


def test_twenty_accepts_of_one_offer_refund_it_once(db: Database, world: World) -> None:
    order_id, return_id = _request(db, world, 2)
    with db.unit_of_work() as session:
        return_decisions.approve(
            session, world.seller_a.principal, return_id, "OFFER_PARTIAL_REFUND", 555
        )
    gateway = SimulatedGateway(db)
    buyer = world.buyer.principal

    def accept() -> str:
        return return_actions.answer_offer(db, gateway, buyer, return_id, True).return_status

    results = race([accept for _ in range(THREADS)])
    assert Counter(results) == {
        "RETURN_OR_REFUND_REQUEST_COMPLETE": 1,
        "invalid_return_status": THREADS - 1,
    }
    books = read_books(db, order_id)
    assert_balanced(books)
    assert books.order_refunded == books.payment_refunded == 555
