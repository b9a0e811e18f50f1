"""Twenty refund approvals on one order at the same moment (PostgreSQL, and SQLite taking
turns): exactly as many win as the caps allow, the others get ``refund_exceeds_capture``
with nothing of theirs kept, and the books balance: never over-refunded per line, for
shipping, per order or per payment; every winner's refund reaches the gateway once."""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest

from clipshop.aftersales import dispute_actions
from clipshop.core.db import Database
from clipshop.core.errors import DomainError
from clipshop.core.ids import new_id
from clipshop.models import Dispute, Order
from clipshop.orders import refunds
from clipshop.payments.refunds import execute_refunds
from clipshop.payments.simulated import SimulatedGateway
from tests.checkout_support import buy, save_card
from tests.conftest import BACKENDS, World
from tests.refund_support import assert_balanced, read_books

pytestmark = pytest.mark.parametrize("database", BACKENDS, indirect=True)

THREADS = 20


def race(jobs: list[Callable[[], Any]]) -> list[Any]:
    """Run the jobs on threads released together; each result, or the error code raised."""
    go = threading.Event()

    def gated(job: Callable[[], Any]) -> Any:
        go.wait()
        try:
            return job()
        except DomainError as exc:
            return exc.code

    with ThreadPoolExecutor(max_workers=len(jobs)) as pool:
        futures = [pool.submit(gated, job) for job in jobs]
        go.set()
        return [f.result() for f in futures]


def paid_order(db: Database, world: World, units: int) -> tuple[int, SimulatedGateway]:
    gateway = SimulatedGateway(db)
    save_card(db, world.buyer.principal)
    (order,) = buy(db, gateway, world.buyer.principal, {world.shop_a.sku_id: units})
    return order.id, gateway


def refund_job(
    db: Database, gateway: SimulatedGateway, order_id: int, per_line: dict[int, int], ship: int
) -> Callable[[], int]:
    """One approval: its own unit of work, then the gateway call after commit."""

    def job() -> int:
        with db.unit_of_work() as session:
            txn = refunds.refund(session, session.get_one(Order, order_id), per_line, ship, "race")
            assert txn is not None
            txn_id = txn.id
        execute_refunds(db, gateway, [txn_id])
        return txn_id

    return job


def test_twenty_partial_refunds_of_one_line(db: Database, world: World) -> None:
    order_id, gateway = paid_order(db, world, 1)
    books = read_books(db, order_id)
    ((line_id, cap),) = books.line_caps.items()
    share = cap // 7 + 1  # 20 shares ask for ~3x the line's price; floor(cap / share) fit
    results = race([refund_job(db, gateway, order_id, {line_id: share}, 0) for _ in range(THREADS)])
    winners = [r for r in results if isinstance(r, int)]
    assert Counter(r for r in results if not isinstance(r, int)) == {
        "refund_exceeds_capture": THREADS - cap // share
    }
    assert len(winners) == cap // share
    after = read_books(db, order_id)
    assert_balanced(after)
    assert after.line_refunded == {line_id: share * len(winners)}
    assert set(after.refunds) == set(winners)
    assert {status for _, status in after.refunds.values()} == {"SUCCEEDED"}


def test_twenty_full_approvals_of_the_same_order(db: Database, world: World) -> None:
    """Everyone approves "refund everything" (each line and the shipping): one wins."""
    order_id, gateway = paid_order(db, world, 3)
    books = read_books(db, order_id)
    jobs = [
        refund_job(db, gateway, order_id, dict(books.line_caps), books.shipping_fee)
        for _ in range(THREADS)
    ]
    results = race(jobs)
    assert Counter(r if isinstance(r, str) else "won" for r in results) == {
        "won": 1,
        "refund_exceeds_capture": THREADS - 1,
    }
    after = read_books(db, order_id)
    assert_balanced(after)
    assert after.order_refunded == after.total == after.payment_refunded
    assert sum(after.gateway_refunds.values()) == after.total


def a_dispute(db: Database, order_id: int) -> int:
    """An open buyer-protection dispute over every line of the order (as the API opens it)."""
    with db.unit_of_work() as session:
        order = session.get_one(Order, order_id)
        lines = refunds.full_refund_plan(session, order)[0]
        dispute = Dispute(
            id=new_id(),
            order_id=order.id,
            shop_id=order.shop_id,
            buyer_id=order.buyer_id,
            kind="BUYER_PROTECTION",
            reason="NOT_RECEIVED",
            status="IN_PROGRESS",
            line_item_ids=[str(i) for i in lines],
        )
        session.add(dispute)
        return dispute.id


def test_twenty_agents_deciding_one_dispute_refund_once(db: Database, world: World) -> None:
    order_id, gateway = paid_order(db, world, 2)
    dispute_id = a_dispute(db, order_id)
    agent = world.agent.principal

    def job() -> str:
        dispute_actions.decide(db, gateway, agent, dispute_id, "SUPPORT_BUYER", "race", None)
        return "won"

    # Half the threads decide the dispute, half refund the same lines directly: one decision
    # is taken, and the money goes back once (a decision after the direct refund finds
    # nothing left to pay; a direct refund after the decision is refused).
    books = read_books(db, order_id)
    direct = refund_job(db, gateway, order_id, dict(books.line_caps), books.shipping_fee)
    results = race([job] * (THREADS // 2) + [direct] * (THREADS // 2))
    decided = Counter(results[: THREADS // 2])
    assert decided == {"won": 1, "dispute_already_decided": THREADS // 2 - 1}, decided
    refunded = Counter(r if isinstance(r, str) else "won" for r in results[THREADS // 2 :])
    assert set(refunded) <= {"won", "refund_exceeds_capture"}
    assert refunded["won"] <= 1
    after = read_books(db, order_id)
    assert len(after.refunds) == 1
    assert_balanced(after)
    assert after.order_refunded == after.total
    assert sum(after.gateway_refunds.values()) == after.total
