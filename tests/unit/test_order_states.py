"""The order state machine: every (from, to) pair, every actor, through ``transition()``.

Two layers:
* the tables against DOMAIN.md's "Order lifecycle" (moves the brief names must be allowed for
  the actor it names; moves it rules out must be absent), written out here independently;
* ``transition()`` on a real order row (placed through the checkout service) for all
  9 x 9 statuses x 5 actors: it applies a move exactly when ALLOWED and ACTORS say so,
  records the order event, moves the live line items, and refuses stale reads.
"""

from __future__ import annotations

import threading
from itertools import product

import pytest
from sqlalchemy import select, update
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

from clipshop.core.db import Database
from clipshop.models import Order, OrderEvent, OrderLineItem
from clipshop.orders.errors import InvalidTransition
from clipshop.orders.states import ACTORS, ALLOWED, Actor, OrderStatus
from clipshop.orders.transitions import transition
from clipshop.payments.simulated import SimulatedGateway
from tests.checkout_support import buy, save_card
from tests.conftest import World

S = OrderStatus
A = Actor
TERMINAL = (S.COMPLETED, S.CANCELLED)
# The forward order of the lifecycle; CANCELLED is a side exit, not a rank.
RANK = {
    S.UNPAID: 0,
    S.ON_HOLD: 1,
    S.AWAITING_SHIPMENT: 2,
    S.PARTIALLY_SHIPPING: 3,
    S.AWAITING_COLLECTION: 4,
    S.IN_TRANSIT: 5,
    S.DELIVERED: 6,
    S.COMPLETED: 7,
}

# DOMAIN.md "Transitions and who makes them", read literally: these moves must exist, and
# the actor the brief names must be allowed to make them.
DOMAIN_MOVES: dict[tuple[OrderStatus, OrderStatus], set[Actor]] = {
    (S.UNPAID, S.ON_HOLD): {A.BUYER},  # pay
    (S.ON_HOLD, S.AWAITING_SHIPMENT): {A.SYSTEM},  # remorse window ends
    (S.AWAITING_SHIPMENT, S.PARTIALLY_SHIPPING): {A.SELLER},  # ship some
    (S.AWAITING_SHIPMENT, S.AWAITING_COLLECTION): {A.SELLER},  # ship all
    (S.PARTIALLY_SHIPPING, S.AWAITING_COLLECTION): {A.SELLER},  # ship the rest
    (S.AWAITING_COLLECTION, S.IN_TRANSIT): {A.CARRIER},  # first scan of the last package
    (S.IN_TRANSIT, S.DELIVERED): {A.CARRIER},  # last package delivered
    (S.DELIVERED, S.COMPLETED): {A.SYSTEM},  # after-sales window ends
    (S.UNPAID, S.CANCELLED): {A.BUYER, A.SYSTEM},  # buyer, or not paid in time
    (S.ON_HOLD, S.CANCELLED): {A.BUYER, A.SELLER, A.SYSTEM},  # freely / out of stock / fraud
    (S.AWAITING_SHIPMENT, S.CANCELLED): {A.SELLER, A.SYSTEM},  # approves / not shipped in time
    (S.AWAITING_COLLECTION, S.CANCELLED): {A.SYSTEM},  # no tracking progress
    (S.IN_TRANSIT, S.CANCELLED): {A.SYSTEM},  # lost package, refused
}


def allowed(frm: OrderStatus, to: OrderStatus, actor: Actor) -> bool:
    return to in ALLOWED[frm] and actor in ACTORS[(frm, to)]


# -- the tables against the brief -----------------------------------------------------------


def test_tables_cover_every_status() -> None:
    assert set(ALLOWED) == set(S)
    pairs = {(a, b) for a, targets in ALLOWED.items() for b in targets}
    assert set(ACTORS) == pairs
    assert all(ACTORS[pair] for pair in pairs), "an allowed move nobody may make"


@pytest.mark.parametrize(("frm", "to"), list(DOMAIN_MOVES), ids=lambda s: str(s))
def test_domain_moves_are_allowed_for_the_named_actor(frm: OrderStatus, to: OrderStatus) -> None:
    assert to in ALLOWED[frm]
    assert DOMAIN_MOVES[(frm, to)] <= ACTORS[(frm, to)]


def test_terminal_states_have_no_exits() -> None:
    for status in TERMINAL:
        assert ALLOWED[status] == frozenset()
        assert not [pair for pair in ACTORS if pair[0] is status]


def test_the_lifecycle_only_moves_forward_or_to_cancelled() -> None:
    for frm, targets in ALLOWED.items():
        assert frm not in targets, f"{frm} loops onto itself"
        assert S.UNPAID not in targets, "nothing goes back to UNPAID"
        for to in targets:
            if to is not S.CANCELLED:
                assert RANK[to] > RANK[frm], f"{frm} -> {to} goes backwards"


def test_rules_the_brief_implies() -> None:
    # Payment cannot be skipped.
    assert ALLOWED[S.UNPAID] == {S.ON_HOLD, S.CANCELLED}
    # A delivered order is settled through after-sales, not cancelled.
    assert S.CANCELLED not in ALLOWED[S.DELIVERED]
    # The seller may not ship (nor release) during the remorse window.
    for to in ALLOWED[S.ON_HOLD] - {S.CANCELLED}:
        assert A.SELLER not in ACTORS[(S.ON_HOLD, to)]
    # Once something has shipped, the buyer cannot cancel by themself.
    for frm in (S.PARTIALLY_SHIPPING, S.AWAITING_COLLECTION, S.IN_TRANSIT):
        assert A.BUYER not in ACTORS[(frm, S.CANCELLED)]
    # The carrier only reports movement of packages.
    for (frm, to), actors in ACTORS.items():
        if A.CARRIER in actors:
            assert to in (S.IN_TRANSIT, S.DELIVERED), (frm, to)
    # Only the seller (or an operator) arranges shipments.
    for frm, to in ACTORS:
        if to in (S.PARTIALLY_SHIPPING, S.AWAITING_COLLECTION):
            assert ACTORS[(frm, to)] <= {A.SELLER, A.OPERATOR}


# -- transition() on a real order ------------------------------------------------------------


@pytest.fixture
def placed(db: Database, world: World) -> Order:
    """A paid order (ON_HOLD) of two line items, placed through the checkout service."""
    save_card(db, world.buyer.principal)
    [order] = buy(db, SimulatedGateway(db), world.buyer.principal, {world.shop_a.sku_id: 2})
    assert order.status == S.ON_HOLD
    return order


def _events(session: Session, order_id: int) -> list[OrderEvent]:
    stmt = select(OrderEvent).where(
        OrderEvent.order_id == order_id, OrderEvent.kind == "STATUS_CHANGED"
    )
    return list(session.scalars(stmt.order_by(OrderEvent.id)))


def _line_statuses(session: Session, order_id: int) -> list[str]:
    stmt = select(OrderLineItem.status).where(OrderLineItem.order_id == order_id)
    return sorted(session.scalars(stmt.order_by(OrderLineItem.id)))


def _status_in_db(session: Session, order_id: int) -> str:
    return session.scalars(select(Order.status).where(Order.id == order_id)).one()


def _force_status(session: Session, order: Order, status: OrderStatus) -> None:
    session.execute(update(Order).where(Order.id == order.id).values(status=status.value))
    session.execute(
        update(OrderLineItem)
        .where(OrderLineItem.order_id == order.id, OrderLineItem.status != "CANCELLED")
        .values(status=status.value)
    )
    set_committed_value(order, "status", status.value)


def test_transition_applies_exactly_the_table(db: Database, placed: Order) -> None:
    """All 405 (from, to, actor) cases, each in a savepoint on the same order row."""
    outcomes: dict[tuple[OrderStatus, OrderStatus, Actor], bool] = {}
    with db.unit_of_work() as session:
        order = session.get_one(Order, placed.id)
        # One of the two line items is already cancelled: transitions must not revive it.
        first_line = min(
            session.scalars(select(OrderLineItem.id).where(OrderLineItem.order_id == order.id))
        )
        session.execute(
            update(OrderLineItem).where(OrderLineItem.id == first_line).values(status="CANCELLED")
        )
        for frm, to, actor in product(S, S, A):
            savepoint = session.begin_nested()
            _force_status(session, order, frm)
            events_before = len(_events(session, order.id))
            try:
                transition(session, order, to, actor, actor_id=7, reason="matrix")
            except InvalidTransition as exc:
                outcomes[(frm, to, actor)] = False
                assert exc.code == "invalid_transition"
                assert exc.status == 409
                assert exc.extra == {"from_status": frm.value, "to_status": to.value}
                assert order.status == frm.value
                assert _status_in_db(session, order.id) == frm.value
                assert len(_events(session, order.id)) == events_before
                assert _line_statuses(session, order.id) == sorted(["CANCELLED", frm.value])
            else:
                outcomes[(frm, to, actor)] = True
                events = _events(session, order.id)  # the event is written before this read
                assert len(events) == events_before + 1
                event = events[-1]
                assert (event.from_status, event.to_status) == (frm.value, to.value)
                assert (event.actor_type, event.actor_id, event.reason) == (
                    actor.value,
                    7,
                    "matrix",
                )
                assert (event.order_id, event.shop_id) == (order.id, order.shop_id)
                assert order.status == to.value
                assert _status_in_db(session, order.id) == to.value
                assert _line_statuses(session, order.id) == sorted(["CANCELLED", to.value])
            savepoint.rollback()

    expected = {case: allowed(*case) for case in product(S, S, A)}
    wrong = {case: got for case, got in outcomes.items() if got != expected[case]}
    assert not wrong, f"transition() disagrees with ALLOWED/ACTORS on {wrong}"
    assert len(outcomes) == len(S) ** 2 * len(A)
    assert sum(outcomes.values()) == sum(len(actors) for actors in ACTORS.values())


def test_a_stale_order_object_cannot_transition(db: Database, placed: Order) -> None:
    """Loaded by one request, moved by another, then used: the UPDATE finds no row to change."""
    with db.unit_of_work(write=False) as session:
        stale = session.get_one(Order, placed.id)
    with db.unit_of_work() as session:
        transition(session, session.get_one(Order, placed.id), S.AWAITING_SHIPMENT, A.SYSTEM)
    assert stale.status == S.ON_HOLD  # still what it was when read
    with db.unit_of_work() as session:
        session.add(stale)
        with pytest.raises(InvalidTransition) as exc:
            transition(session, stale, S.CANCELLED, A.BUYER, reason="changed my mind")
        assert exc.value.code == "invalid_transition"
    _assert_moved_once(db, placed.id, S.AWAITING_SHIPMENT)


def test_two_open_sessions_second_transition_fails(db: Database, placed: Order) -> None:
    """Two transactions read ON_HOLD; one moves the order and commits; the other's move fails."""
    if db.is_sqlite:
        pytest.skip("SQLite writers queue at BEGIN IMMEDIATE: two write sessions cannot overlap")
    with db.unit_of_work() as second:
        stale = second.get_one(Order, placed.id)
        with db.unit_of_work() as first:
            transition(first, first.get_one(Order, placed.id), S.AWAITING_SHIPMENT, A.SYSTEM)
        assert stale.status == S.ON_HOLD
        with pytest.raises(InvalidTransition) as exc:
            transition(second, stale, S.CANCELLED, A.SELLER, reason="out of stock")
        assert exc.value.code == "invalid_transition"
    _assert_moved_once(db, placed.id, S.AWAITING_SHIPMENT)


def test_concurrent_identical_transitions_apply_once(db: Database, placed: Order) -> None:
    """Eight threads each load the order and release it from ON_HOLD: exactly one succeeds."""
    threads = 8
    barrier = threading.Barrier(threads)
    results: list[str] = []
    lock = threading.Lock()

    def work() -> None:
        barrier.wait()
        try:
            with db.unit_of_work() as session:
                order = session.get_one(Order, placed.id)
                transition(session, order, S.AWAITING_SHIPMENT, A.SYSTEM, reason="window ended")
            outcome = "moved"
        except InvalidTransition:
            outcome = "refused"
        except Exception as exc:  # anything else is a failure of the test
            outcome = f"error: {exc!r}"
        with lock:
            results.append(outcome)

    workers = [threading.Thread(target=work) for _ in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    assert sorted(results) == ["moved"] + ["refused"] * (threads - 1)
    _assert_moved_once(db, placed.id, S.AWAITING_SHIPMENT)


def _assert_moved_once(db: Database, order_id: int, to: OrderStatus) -> None:
    with db.unit_of_work(write=False) as session:
        assert _status_in_db(session, order_id) == to
        moves = [(e.from_status, e.to_status) for e in _events(session, order_id)]
        assert moves == [(S.UNPAID.value, S.ON_HOLD.value), (S.ON_HOLD.value, to.value)]
        assert _line_statuses(session, order_id) == [to.value, to.value]
