"""A seller's own returns racing the buyer's requests for the same lines (PostgreSQL, and
SQLite taking turns): the order row is locked while a request is made, so exactly one
request takes the lines; every other one is refused by the state it finds (the lines in an
open request, or already refunded in full), and the books balance."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable

import pytest
from sqlalchemy import func, select

from clipshop.aftersales import returns, seller_returns
from clipshop.core.db import Database
from clipshop.models import Return
from tests.concurrency.test_refund_race import THREADS, race
from tests.conftest import BACKENDS, World
from tests.integration.matrix_returns import delivered_orders
from tests.refund_support import assert_balanced, read_books

pytestmark = pytest.mark.parametrize("database", BACKENDS, indirect=True)


def test_seller_returns_and_buyer_requests_take_the_lines_once(db: Database, world: World) -> None:
    ((order_id, lines),) = delivered_orders(
        db, {"own": world.buyer}, {"own": world.shop_a}, 2
    ).values()

    def seller() -> str:
        with db.unit_of_work() as session:
            seller_returns.create_for_buyer(
                session, world.seller_a.principal, order_id, "REFUND", "DAMAGED", lines
            )
        return "SELLER"

    def buyer() -> str:
        with db.unit_of_work() as session:
            returns.create_return(
                session, world.buyer.principal, order_id, "REFUND", "DAMAGED", lines, ""
            )
        return "BUYER"

    jobs: list[Callable[[], str]] = [seller, buyer] * (THREADS // 2)
    results = Counter(race(jobs))
    made = results["SELLER"] + results["BUYER"]
    assert made == 1, results
    refused = {"line_fully_refunded"} if results["SELLER"] else {"return_already_open"}
    assert set(results) - {"SELLER", "BUYER"} == refused, results
    with db.unit_of_work(write=False) as session:
        count = session.scalar(select(func.count()).where(Return.order_id == order_id))
    assert count == 1
    books = read_books(db, order_id)
    assert_balanced(books)
    assert books.order_refunded == (books.total if results["SELLER"] else 0)
