"""Many threads changing ONE stock level at once, through the inventory service, on SQLite and
PostgreSQL.

Each change runs in its own unit of work (one transaction, like one API request). The ledger
must stay exact: no lost update, no negative level, one movement per successful change, and the
movements must chain into one walk from the starting level to the final one.
"""

from __future__ import annotations

import random
import threading
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field

import pytest
from sqlalchemy import select

from clipshop.catalog import inventory, listing, products
from clipshop.catalog.schemas import SkuUpdate
from clipshop.core.db import Database
from clipshop.core.errors import InsufficientStock, StockMismatch
from clipshop.identity.principal import Role
from clipshop.models import InventoryMovement, Sku, StockLevel
from tests.conftest import BACKENDS, ShopFixture, make_actor, make_shop

pytestmark = pytest.mark.parametrize("database", BACKENDS, indirect=True)

THREADS = 20
CHANGES_PER_THREAD = 25
START = 10
THRESHOLD = 4  # auto-delist below this: the flag must follow the final level


@dataclass
class Outcome:
    applied: list[int] = field(default_factory=list)  # deltas that succeeded
    refused: list[int] = field(default_factory=list)  # deltas refused with InsufficientStock
    errors: list[BaseException] = field(default_factory=list)  # anything else
    lock: threading.Lock = field(default_factory=threading.Lock)


def run_threads(count: int, work: Callable[[int], None]) -> None:
    """Start ``count`` threads together (a barrier) and wait for all of them."""
    barrier = threading.Barrier(count)

    def body(index: int) -> None:
        barrier.wait()
        work(index)

    threads = [threading.Thread(target=body, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()


def movements(db: Database, sku_id: int) -> list[InventoryMovement]:
    with db.unit_of_work(write=False) as session:
        stmt = select(InventoryMovement).where(InventoryMovement.sku_id == sku_id)
        return list(session.scalars(stmt))


def level(db: Database, shop: ShopFixture) -> int:
    with db.unit_of_work(write=False) as session:
        stmt = select(StockLevel.available).where(
            StockLevel.sku_id == shop.sku_id, StockLevel.warehouse_id == shop.warehouse_id
        )
        return session.scalars(stmt).one()


def assert_single_walk(start: int, final: int, moves: list[InventoryMovement]) -> None:
    """The movements, taken as edges level_before -> level_after, form ONE walk from ``start``
    to ``final`` using each edge once (an Eulerian path): what serialized updates produce."""
    out_minus_in: Counter[int] = Counter()
    neighbours: dict[int, set[int]] = {}
    for m in moves:
        before = m.available_after - m.delta_available
        assert before >= 0, f"movement {m.id} starts from a negative level {before}"
        out_minus_in[before] += 1
        out_minus_in[m.available_after] -= 1
        neighbours.setdefault(before, set()).add(m.available_after)
        neighbours.setdefault(m.available_after, set()).add(before)
    expected: Counter[int] = Counter()
    if start != final:
        expected[start], expected[final] = 1, -1
    assert +out_minus_in == +expected and -out_minus_in == -expected, (
        "the movements do not chain from the starting level to the final one"
    )
    if not moves:
        return
    seen, todo = {start}, [start]  # every edge must be reachable from the start
    while todo:
        for nxt in neighbours.get(todo.pop(), ()):
            if nxt not in seen:
                seen.add(nxt)
                todo.append(nxt)
    assert seen >= neighbours.keys(), "some movements are not connected to the walk"


def test_concurrent_adjustments_keep_the_ledger_exact(db: Database) -> None:
    admin = make_actor(db, Role.ADMIN, "admin@race.dev")
    seller = make_actor(db, Role.SELLER, "seller@race.dev")
    shop = make_shop(db, seller, admin, "Race", stock=START)
    with db.unit_of_work() as session:
        products.update_sku(
            session,
            seller.principal,
            shop.sku_id,
            SkuUpdate(low_stock_threshold=THRESHOLD, auto_delist=True),
        )
    before = movements(db, shop.sku_id)
    outcome = Outcome()

    def work(index: int) -> None:
        rng = random.Random(index)
        for _ in range(CHANGES_PER_THREAD):
            # Removals outweigh additions, so the level keeps hitting zero and some are refused.
            delta = rng.choice([-6, -5, -4, -3, -2, -1, 1, 2, 3, 4])
            try:
                with db.unit_of_work() as session:
                    inventory.adjust_stock(
                        session, seller.principal, shop.sku_id, shop.warehouse_id, delta
                    )
            except InsufficientStock:
                with outcome.lock:
                    outcome.refused.append(delta)
                continue
            except BaseException as exc:
                with outcome.lock:
                    outcome.errors.append(exc)
                continue
            with outcome.lock:
                outcome.applied.append(delta)

    run_threads(THREADS, work)

    assert outcome.errors == []
    assert len(outcome.applied) + len(outcome.refused) == THREADS * CHANGES_PER_THREAD
    assert outcome.refused, "no adjustment was refused: the race never reached zero"
    assert all(delta < 0 for delta in outcome.refused)
    final = level(db, shop)
    assert final == START + sum(outcome.applied)
    after = movements(db, shop.sku_id)
    assert sum(m.delta_available for m in after) == final
    assert all(m.available_after >= 0 for m in after)
    new = [m for m in after if m.id not in {b.id for b in before}]
    assert len(new) == len(outcome.applied)
    assert Counter(m.delta_available for m in new) == Counter(outcome.applied)
    assert all(m.reason == "ADJUST" and m.actor_user_id == seller.id for m in new)
    assert_single_walk(START, final, new)
    with db.unit_of_work(write=False) as session:
        sku = session.get_one(Sku, shop.sku_id)
        assert listing.is_delisted(sku, listing.total_available(session, sku.id)) == (
            final < THRESHOLD
        )


def test_compare_and_swap_has_exactly_one_winner(db: Database) -> None:
    admin = make_actor(db, Role.ADMIN, "admin@race.dev")
    seller = make_actor(db, Role.SELLER, "seller@race.dev")
    shop = make_shop(db, seller, admin, "Race", stock=10)
    before = movements(db, shop.sku_id)
    winners: list[int] = []
    mismatches: list[StockMismatch] = []
    outcome = Outcome()

    def work(index: int) -> None:
        target = 100 + index
        try:
            with db.unit_of_work() as session:
                inventory.set_stock(
                    session, seller.principal, shop.sku_id, shop.warehouse_id, target, expected=10
                )
        except StockMismatch as exc:
            with outcome.lock:
                mismatches.append(exc)
        except BaseException as exc:
            with outcome.lock:
                outcome.errors.append(exc)
        else:
            with outcome.lock:
                winners.append(target)

    run_threads(10, work)

    assert outcome.errors == []
    assert len(winners) == 1, f"{len(winners)} threads won the compare-and-swap"
    assert len(mismatches) == 9
    assert all(exc.extra["available"] == winners[0] for exc in mismatches)
    assert level(db, shop) == winners[0]
    new = [m for m in movements(db, shop.sku_id) if m.id not in {b.id for b in before}]
    assert [(m.reason, m.delta_available, m.available_after) for m in new] == [
        ("SET", winners[0] - 10, winners[0])
    ]


def test_delisting_follows_a_change_committed_while_the_sku_was_loaded(db: Database) -> None:
    """A request reads the SKU (as every stock change does first), another request commits a
    restock that lifts the delisting, then the first one drops the stock below the threshold
    again: the SKU must end up delisted, whatever the first request read before."""
    if db.is_sqlite:
        # Two write transactions open at once: PostgreSQL's row locks only. SQLite's writers
        # take turns for the whole transaction (BEGIN IMMEDIATE), so the second would wait
        # for the first, which waits for it: no interleaving to test there.
        pytest.skip("PostgreSQL only: two write transactions cannot overlap on SQLite")
    admin = make_actor(db, Role.ADMIN, "admin@race.dev")
    seller = make_actor(db, Role.SELLER, "seller@race.dev")
    shop = make_shop(db, seller, admin, "Race", stock=2)
    with db.unit_of_work() as session:
        products.update_sku(
            session,
            seller.principal,
            shop.sku_id,
            SkuUpdate(low_stock_threshold=5, auto_delist=True),
        )
    args = (seller.principal, shop.sku_id, shop.warehouse_id)
    with db.unit_of_work() as late:
        # adjust_stock holds the SKU it read first until it refreshes the listing; so do we.
        loaded = late.get_one(Sku, shop.sku_id)
        assert listing.is_delisted(loaded, listing.total_available(late, loaded.id))
        with db.unit_of_work() as restock:
            inventory.adjust_stock(restock, *args, 8)  # 10: back on sale
        inventory.adjust_stock(late, *args, -7)  # 3: below the threshold again
    assert level(db, shop) == 3
    with db.unit_of_work(write=False) as session:
        sku = session.get_one(Sku, shop.sku_id)
        assert listing.is_delisted(sku, listing.total_available(session, sku.id))
