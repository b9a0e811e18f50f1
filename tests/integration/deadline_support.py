"""Helpers for the deadline tests: a fixed week with a known holiday, timers and refunds read
back from the database, and orders at each stage of their life.

The platform clock is frozen at 10:00 UTC on a Monday at least a day ahead (``week``), and
the US policy is replaced by one in UTC with no holiday calendar but one extra holiday on
that week's Wednesday, so every business-day deadline is exact and crosses a holiday and a
weekend the test can name."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from clipshop.core.clock import clock, utcnow
from clipshop.core.db import Database
from clipshop.deadlines import policies
from clipshop.models import OrderEvent, Payment, PaymentTransaction, Timer
from tests.conftest import World
from tests.fulfillment_support import carrier_event, paid_orders, send, ship
from tests.integration.checkout_api import advance, get_order, parse_time

D, H = timedelta(days=1), timedelta(hours=1)


@dataclass(frozen=True)
class Week:
    monday: datetime  # 10:00 UTC, when the clock starts

    @property
    def holiday(self) -> datetime:
        return self.monday + 2 * D  # Wednesday


@pytest.fixture
def week(monkeypatch: pytest.MonkeyPatch) -> Iterator[Week]:
    today = datetime.now(UTC).replace(hour=10, minute=0, second=0, microsecond=0)
    monday = today + timedelta(days=7 - today.weekday())  # next week's Monday
    built_in = policies.merge(policies._read(policies.BUILT_IN), {})
    test_policies = policies.build(
        policies.merge(
            built_in,
            {
                "regions": {
                    "US": {
                        "timezone": "UTC",
                        "holiday_calendar": "",
                        "extra_holidays": [(monday + 2 * D).date()],
                    },
                    "GB": {"timezone": "UTC", "holiday_calendar": "", "holiday_subdivision": ""},
                }
            },
        )
    )
    monkeypatch.setattr(policies, "current", lambda: test_policies)
    clock.freeze(monday)
    yield Week(monday)
    clock.reset()


def timers_of(db: Database, subject_id: int | str) -> dict[str, datetime]:
    with db.unit_of_work(write=False) as session:
        rows = session.scalars(select(Timer).where(Timer.subject_id == int(subject_id)))
        return {t.kind: t.due_at for t in rows}


def refunds(db: Database, order_id: int | str) -> list[tuple[int, str]]:
    """(amount, status) of the order's refund transactions, oldest first."""
    with db.unit_of_work(write=False) as session:
        rows = session.scalars(
            select(PaymentTransaction)
            .where(
                PaymentTransaction.order_id == int(order_id), PaymentTransaction.kind == "REFUND"
            )
            .order_by(PaymentTransaction.id)
        )
        return [(t.amount, t.status) for t in rows]


def refunded(db: Database, payment_id: int | str) -> int:
    with db.unit_of_work(write=False) as session:
        return session.get_one(Payment, int(payment_id)).refunded_amount


def event_times(db: Database, order_id: int | str, kind: str) -> list[datetime]:
    with db.unit_of_work(write=False) as session:
        rows = session.scalars(
            select(OrderEvent.created_at)
            .where(OrderEvent.order_id == int(order_id), OrderEvent.kind == kind)
            .order_by(OrderEvent.id)
        )
        return list(rows)


def status_events(order: dict[str, Any]) -> list[tuple[str, str, str, str]]:
    """(from, to, actor, reason) of the order's status changes."""
    return [
        (e["from_status"], e["to_status"], e["actor_type"], e["reason"])
        for e in order["timeline"]
        if e["kind"] == "STATUS_CHANGED"
    ]


def move_to(client: TestClient, world: World, when: datetime) -> dict[str, Any]:
    """Advance the sandbox clock to exactly ``when``; the endpoint's report."""
    delta = when - utcnow()
    assert delta > timedelta(0), f"the clock is already at {utcnow()}, past {when}"
    seconds = int(delta.total_seconds())
    assert timedelta(seconds=seconds) == delta, delta
    days, rest = divmod(seconds, 86400)
    return advance(client, world.admin, days=days, seconds=rest)


def scan(client: TestClient, world: World, *events: dict[str, Any]) -> None:
    """The carrier reports ``events`` when they happen: the clock moves to the last one's
    time first (running what falls due on the way), then the signed webhook delivers them."""
    when = max(parse_time(e["occurred_at"]) for e in events)
    if when > utcnow():
        move_to(client, world, when)
    results = send(client, "SIMEX", *events)
    assert {r["result"] for r in results} == {"APPLIED"}, results


def awaiting_shipment(
    client: TestClient, world: World, week: Week, units: int = 1
) -> dict[str, Any]:
    """An order paid on Monday 10:00, released from its remorse window at 11:00."""
    (order,) = paid_orders(client, world.buyer, {world.shop_a.sku_id: units})
    move_to(client, world, week.monday + H)
    fresh = get_order(client, world.buyer, order["id"])
    assert fresh["status"] == "AWAITING_SHIPMENT"
    return fresh


def picked_up(
    client: TestClient, world: World, week: Week, tracking: str
) -> tuple[dict[str, Any], dict[str, Any], datetime]:
    """An order shipped by seller and scanned by the carrier on Monday 13:00: the order
    (before the scan), its package, and the scan time."""
    order = awaiting_shipment(client, world, week)
    parcel = ship(client, world.seller_a, [order["id"]], tracking)
    scanned = week.monday + 3 * H
    scan(client, world, carrier_event("e1", tracking, "PICKED_UP", scanned))
    return order, parcel, scanned


def at(order: dict[str, Any], field: str) -> datetime | None:
    value = order[field]
    return None if value is None else parse_time(value)
