"""The order state machine: every (from, to) pair, every actor, through ``transition()``.

Two layers:
* ``ALLOWED`` / ``ACTORS`` pinned against ``EXPECTED``, a copy written out here by hand from
  /work/shared/DOMAIN.md "Order lifecycle" and docs/aftersales.md, docs/checkout.md,
  docs/fulfillment.md (never computed from the table): every allowed and every forbidden
  (from, to, actor) must agree, so adding or dropping a move fails a test;
* ``transition()`` on a real order row (placed through the checkout service) for all
  9 x 9 statuses x 5 actors: it applies a move exactly when ``EXPECTED`` says so, records the
  order event, moves the live line items, and refuses stale reads.
"""

from __future__ import annotations

import threading
from itertools import product

import pytest
from sqlalchemy import select, update
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

from clipshop.core.db import Database
from clipshop.fulfillment import packages
from clipshop.models import Order, OrderEvent, OrderLineItem
from clipshop.orders import changes, lifecycle, states
from clipshop.orders.errors import InvalidTransition
from clipshop.orders.states import ACTORS, ALLOWED, Actor, OrderStatus
from clipshop.orders.transitions import transition
from clipshop.payments.simulated import SimulatedGateway
from tests.checkout_support import buy, save_card
from tests.conftest import World

S = OrderStatus
A = Actor
BUYER, SELLER, SYSTEM, OPERATOR, CARRIER = A.BUYER, A.SELLER, A.SYSTEM, A.OPERATOR, A.CARRIER

# Every move that exists, with exactly who may make it. Any (from, to, actor) not listed is
# forbidden. Written from the documents, one line per move, with where it is said.
EXPECTED: dict[tuple[OrderStatus, OrderStatus], set[Actor]] = {
    # DOMAIN "pay (buyer)". SYSTEM: see UNNAMED below.
    (S.UNPAID, S.ON_HOLD): {BUYER, SYSTEM},
    # DOMAIN "buyer, or not paid in time"; aftersales.md: the operator cancels UNPAID at once.
    # The seller cannot (aftersales.md: 409 order_not_cancellable).
    (S.UNPAID, S.CANCELLED): {BUYER, SYSTEM, OPERATOR},
    # DOMAIN "remorse window ends (system)"; OPERATOR: see UNNAMED below.
    (S.ON_HOLD, S.AWAITING_SHIPMENT): {SYSTEM, OPERATOR},
    # DOMAIN "buyer freely, seller out of stock, fraud (system)"; aftersales.md: operator.
    (S.ON_HOLD, S.CANCELLED): {BUYER, SELLER, SYSTEM, OPERATOR},
    # DOMAIN "ship some/all (seller)"; fulfillment.md: POST /packages by "seller, admin".
    (S.AWAITING_SHIPMENT, S.PARTIALLY_SHIPPING): {SELLER, OPERATOR},
    (S.AWAITING_SHIPMENT, S.AWAITING_COLLECTION): {SELLER, OPERATOR},
    # DOMAIN "buyer request the seller approves, seller, or not shipped in time": the buyer
    # only asks (aftersales.md: "a request the seller answers"), so never the actor;
    # SYSTEM auto-approves an unanswered request or cancels at the deadline; operator cancel.
    (S.AWAITING_SHIPMENT, S.CANCELLED): {SELLER, SYSTEM, OPERATOR},
    # fulfillment.md "every item packed, not all collected": the seller packs the rest.
    (S.PARTIALLY_SHIPPING, S.AWAITING_COLLECTION): {SELLER, OPERATOR},
    # The unpacked items are cancelled while every package is already collected.
    (S.PARTIALLY_SHIPPING, S.IN_TRANSIT): {CARRIER, SYSTEM},
    # aftersales.md: the operator cancels any items; the system's deadlines (a lost package,
    # no tracking) settle the rest. The buyer and seller only cancel unshipped items, which
    # never leaves every item cancelled.
    (S.PARTIALLY_SHIPPING, S.CANCELLED): {SYSTEM, OPERATOR},
    # DOMAIN "first carrier scan of the last package (carrier)".
    (S.AWAITING_COLLECTION, S.IN_TRANSIT): {CARRIER, SYSTEM},
    # DOMAIN "AWAITING_COLLECTION / IN_TRANSIT (system: no tracking progress, lost, refused)";
    # aftersales.md: the operator cancels any items; buyer and seller get already_shipped.
    (S.AWAITING_COLLECTION, S.CANCELLED): {SYSTEM, OPERATOR},
    # DOMAIN "last package delivered" (the carrier's event).
    (S.IN_TRANSIT, S.DELIVERED): {CARRIER, SYSTEM},
    (S.IN_TRANSIT, S.CANCELLED): {SYSTEM, OPERATOR},
    # DOMAIN "window ends -> COMPLETED" (system); aftersales.md: a dispute that refunds the
    # order in full completes it (the deciding agent, OPERATOR).
    (S.DELIVERED, S.COMPLETED): {SYSTEM, OPERATOR},
}

# Permissions the table grants that no document names and no code path uses today (the
# reconciler records a late capture as the buyer's payment, the review clear is released by
# the sweeper, package progress is recorded as the carrier's). Pinned as they are so that
# removing or widening them is a visible decision, not an accident.
UNNAMED: set[tuple[OrderStatus, OrderStatus, Actor]] = {
    (S.UNPAID, S.ON_HOLD, SYSTEM),
    (S.ON_HOLD, S.AWAITING_SHIPMENT, OPERATOR),
    (S.PARTIALLY_SHIPPING, S.IN_TRANSIT, SYSTEM),
    (S.AWAITING_COLLECTION, S.IN_TRANSIT, SYSTEM),
    (S.IN_TRANSIT, S.DELIVERED, SYSTEM),
}

# Who cancels in which status (docs/aftersales.md, the cancellations table).
EXPECTED_BUYER_CANCELS_AT_ONCE = {S.UNPAID, S.ON_HOLD}
EXPECTED_BUYER_REQUESTS_CANCEL = {S.AWAITING_SHIPMENT, S.PARTIALLY_SHIPPING}
EXPECTED_SELLER_CANCELLABLE = {S.ON_HOLD, S.AWAITING_SHIPMENT, S.PARTIALLY_SHIPPING}
EXPECTED_OPERATOR_CANCELLABLE = {  # "any status before DELIVERED" (docs/api.md)
    S.UNPAID,
    S.ON_HOLD,
    S.AWAITING_SHIPMENT,
    S.PARTIALLY_SHIPPING,
    S.AWAITING_COLLECTION,
    S.IN_TRANSIT,
}
# DOMAIN: ON_HOLD is when the seller "does not see the buyer's address".
EXPECTED_ADDRESS_HIDDEN = {S.UNPAID, S.ON_HOLD}
# docs/fulfillment.md: "Only orders in AWAITING_SHIPMENT or PARTIALLY_SHIPPING ship", and
# "When an order can change": an address changes in ON_HOLD and AWAITING_SHIPMENT; from
# PARTIALLY_SHIPPING on it is already_shipped.
EXPECTED_SHIPPABLE = {S.AWAITING_SHIPMENT, S.PARTIALLY_SHIPPING}
EXPECTED_CHANGEABLE = {S.ON_HOLD, S.AWAITING_SHIPMENT}
EXPECTED_SHIPPED = {S.PARTIALLY_SHIPPING, S.AWAITING_COLLECTION, S.IN_TRANSIT}
EXPECTED_SHIPPED |= {S.DELIVERED, S.COMPLETED}

CASES = list(product(S, S, A))


def expected(frm: OrderStatus, to: OrderStatus, actor: Actor) -> bool:
    return actor in EXPECTED.get((frm, to), set())


# -- the tables against the independent copy ------------------------------------------------


def test_the_copy_is_well_formed() -> None:
    """A guard on the copy itself: UNNAMED are moves of EXPECTED, nothing leaves a terminal."""
    assert all(expected(*case) for case in UNNAMED)
    assert not [pair for pair in EXPECTED if pair[0] in (S.COMPLETED, S.CANCELLED)]
    assert all(EXPECTED.values())


@pytest.mark.parametrize(("frm", "to", "actor"), CASES, ids=lambda s: str(s))
def test_the_table_allows_exactly_the_documented_moves(
    frm: OrderStatus, to: OrderStatus, actor: Actor
) -> None:
    """Every (from, to, actor), allowed and forbidden, against the hand-written copy."""
    in_table = to in ALLOWED[frm] and actor in ACTORS.get((frm, to), frozenset())
    assert in_table == expected(frm, to, actor), f"{actor} {frm} -> {to}: table says {in_table}"


def test_the_table_has_no_other_moves() -> None:
    pairs = {(a, b) for a, targets in ALLOWED.items() for b in targets}
    assert pairs == set(EXPECTED)
    assert {pair: set(actors) for pair, actors in ACTORS.items()} == EXPECTED
    assert set(ALLOWED) == set(S)


def test_who_cancels_in_which_status() -> None:
    assert states.BUYER_CANCELS_AT_ONCE == EXPECTED_BUYER_CANCELS_AT_ONCE
    assert states.BUYER_REQUESTS_CANCEL == EXPECTED_BUYER_REQUESTS_CANCEL
    assert states.SELLER_CANCELLABLE == EXPECTED_SELLER_CANCELLABLE
    assert states.OPERATOR_CANCELLABLE == EXPECTED_OPERATOR_CANCELLABLE
    assert lifecycle.BUYER_CANCELLABLE == EXPECTED_BUYER_CANCELS_AT_ONCE


def test_who_sees_ships_and_changes_in_which_status() -> None:
    assert states.ADDRESS_HIDDEN == EXPECTED_ADDRESS_HIDDEN
    assert packages.SHIPPABLE == EXPECTED_SHIPPABLE
    assert changes.CHANGEABLE == EXPECTED_CHANGEABLE
    assert changes.SHIPPED == EXPECTED_SHIPPED


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
        for frm, to, actor in CASES:
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

    wrong = {case: got for case, got in outcomes.items() if got != expected(*case)}
    assert not wrong, f"transition() disagrees with the documented moves on {wrong}"
    assert len(outcomes) == len(CASES)
    assert sum(outcomes.values()) == sum(len(actors) for actors in EXPECTED.values())


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
