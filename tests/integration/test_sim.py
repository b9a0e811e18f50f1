"""``clipshop sim``: a scripted day on the demo shops, then the clock moved weeks on.

Each order's final state is checked against its script (declined, cancelled by the buyer,
never shipped, shipped on time or late, each carrier scenario), the summary against the
database, and the books at the end: every refund sent, no timer left behind, the stock
ledger summing to the levels with nothing still committed."""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from clipshop.cli import app
from clipshop.core.clock import as_utc, clock, utcnow
from clipshop.core.db import Database
from clipshop.core.settings import Settings, get_settings
from clipshop.demo.sim import SimRun, simulate
from clipshop.demo.sim_script import MIX, SHIPS, Script, apportion, plan
from clipshop.demo.sim_summary import Summary, summarize
from clipshop.models import (
    InventoryMovement,
    Order,
    OrderEvent,
    OrderLineItem,
    Package,
    Payment,
    PaymentTransaction,
    StockLevel,
    Timer,
)
from clipshop.payments.simulated import SimulatedGateway
from clipshop.worker import shared_clock

RETURN_WINDOW = timedelta(days=30)  # US policy
LOST_AFTER = timedelta(days=12)
SLACK = timedelta(minutes=5)  # the platform clock also moves with real time while it runs


@dataclass(frozen=True)
class Expected:
    status: str
    cancelled_by: str | None = None
    reason: str | None = None
    late_dispatch: bool = False

    @property
    def refunded(self) -> bool:
        return self.status == "CANCELLED" and self.reason != "not paid in time"


LOST_REASON = {
    "fail_twice": "package lost after failed delivery attempts",
    "lost_in_transit": "package lost: no delivery acknowledged",
    "never_collected": "no tracking progress from the carrier",
}


def expected(script: Script) -> Expected:
    late = script.fate in ("not_shipped", "ship_late")
    if script.fate == "declined":
        return Expected("CANCELLED", "SYSTEM", "not paid in time")
    if script.fate == "buyer_cancels":
        return Expected("CANCELLED", "BUYER", "changed my mind")
    if script.fate == "not_shipped":
        return Expected("CANCELLED", "SYSTEM", "no shipment arranged in time", late)
    assert script.carrier is not None
    if script.carrier in LOST_REASON:
        return Expected("CANCELLED", "SYSTEM", LOST_REASON[script.carrier], late)
    return Expected("COMPLETED", late_dispatch=late)


def money(db: Database, order_ids: list[int], kind: str) -> dict[int, int]:
    with db.unit_of_work(write=False) as session:
        rows = session.execute(
            select(PaymentTransaction.order_id, func.sum(PaymentTransaction.amount))
            .where(
                PaymentTransaction.order_id.in_(order_ids),
                PaymentTransaction.kind == kind,
                PaymentTransaction.status == "SUCCEEDED",
            )
            .group_by(PaymentTransaction.order_id)
        ).all()
    return {int(order_id or 0): int(total) for order_id, total in rows}


def test_plan_is_a_function_of_orders_and_seed() -> None:
    assert plan(30, 7) == plan(30, 7)
    assert plan(30, 7) != plan(30, 8)
    scripts = plan(200, 1)
    fates = Counter((s.fate, s.carrier) for s in scripts)
    weights = [w for *_, w in MIX]
    assert [fates[(f, c)] for f, c, _ in MIX] == apportion(200, weights)
    assert sum(apportion(200, weights)) == 200
    assert min(apportion(len(MIX), weights)) == 1  # a small run still plays every fate
    assert [s.at for s in scripts] == sorted(s.at for s in scripts)
    assert all(timedelta(0) <= s.at < timedelta(days=1) for s in scripts)
    cancels = [s.delay for s in scripts if s.fate == "buyer_cancels"]
    assert cancels and all(d < timedelta(minutes=60) for d in cancels)  # the remorse window


def check_summary(db: Database, run: SimRun, summary: Summary) -> None:
    """The summary says what the database holds."""
    ids = run.order_ids
    with db.unit_of_work(write=False) as session:
        orders = list(session.scalars(select(Order).where(Order.id.in_(ids))))
        lost = session.scalar(
            select(func.count(func.distinct(Package.id)))
            .join(OrderLineItem, OrderLineItem.package_id == Package.id)
            .where(OrderLineItem.order_id.in_(ids), Package.status == "CANCELLED")
        )
        unsent = session.scalar(
            select(func.count())
            .select_from(PaymentTransaction)
            .where(PaymentTransaction.kind == "REFUND", PaymentTransaction.status != "SUCCEEDED")
        )
    assert len(orders) == len(ids) == len(set(ids)) == summary.orders
    assert summary.by_status == dict(Counter(o.status for o in orders))
    assert summary.late_dispatches == sum(o.late_dispatch for o in orders)
    cancelled = Counter((o.cancelled_by, o.cancel_reason) for o in orders if o.cancel_reason)
    assert summary.cancellations == dict(cancelled)
    refunds = money(db, ids, "REFUND")
    assert summary.refunds == {"USD": (len(refunds), sum(refunds.values()))}
    assert summary.refunds_unsent == unsent == 0
    assert summary.lost_packages == lost
    assert summary.timers_failed == 0
    # Each rule applied once per order (or package) it settled, and to nothing else.
    reasons = Counter(o.cancel_reason for o in orders)
    fates = Counter(s.fate for s in run.scripts)
    applied = Counter(summary.rules_applied)
    assert applied["UNPAID_CANCEL"] == reasons["not paid in time"] == fates["declined"]
    assert applied["RELEASE_HOLD"] == len(ids) - fates["declined"] - fates["buyer_cancels"]
    assert applied["LATE_DISPATCH"] == summary.late_dispatches
    assert applied["SHIP_DUE"] == reasons["no shipment arranged in time"]
    assert applied["COLLECTION_DUE"] == reasons["no tracking progress from the carrier"]
    assert applied["FAILED_DELIVERY"] == reasons["package lost after failed delivery attempts"]
    assert applied["PACKAGE_LOST"] == reasons["package lost: no delivery acknowledged"]
    assert applied["PACKAGE_LOST"] + applied["FAILED_DELIVERY"] == lost
    assert applied["AUTO_COMPLETE"] == summary.by_status.get("COMPLETED", 0)


def at(value: datetime | None) -> datetime:
    assert value is not None
    return as_utc(value)


def cancelled_at(session: Session, order_id: int) -> datetime:
    when = session.scalar(
        select(OrderEvent.created_at).where(
            OrderEvent.order_id == order_id, OrderEvent.to_status == "CANCELLED"
        )
    )
    assert when is not None
    return as_utc(when)


def check_orders(db: Database, run: SimRun) -> None:
    """Every order ended as its script says, at the time its rule says, with its money
    captured and refunded as it should be."""
    ids = run.order_ids
    captured, refunded = money(db, ids, "CAPTURE"), money(db, ids, "REFUND")
    with db.unit_of_work(write=False) as session:
        for script, order_id in zip(run.scripts, ids, strict=True):
            order = session.get_one(Order, order_id)
            payment = session.get_one(Payment, order.payment_id)
            in_order = select(OrderLineItem.package_id).where(OrderLineItem.order_id == order_id)
            packages = list(session.scalars(select(Package).where(Package.id.in_(in_order))))
            want = expected(script)
            got = Expected(
                order.status, order.cancelled_by, order.cancel_reason, order.late_dispatch
            )
            where = f"{script} -> {got}"
            assert got == want, where
            # money: captured once when paid, refunded in full when cancelled after that
            if script.fate == "declined":
                assert (payment.status, captured.get(order_id, 0)) == ("FAILED", 0), where
            else:
                assert captured[order_id] == order.total_amount == payment.captured_amount, where
            assert refunded.get(order_id, 0) == (order.total_amount if want.refunded else 0)
            assert payment.refunded_amount == refunded.get(order_id, 0), where
            # one package per shipped order, following its carrier scenario
            assert len(packages) == (1 if script.fate in SHIPS else 0), where
            package = packages[0] if packages else None
            if package is not None:
                assert package.sim_scenario == script.carrier, where
                assert (at(order.rts_time) > at(order.rts_sla_time)) == (
                    script.fate == "ship_late"
                ), where
            # each deadline fired at its own time
            if want.status == "COMPLETED":
                assert package is not None
                due, when = at(package.delivered_at) + RETURN_WINDOW, at(order.completed_at)
            else:
                when = cancelled_at(session, order_id)
            if want.reason == "not paid in time":
                due = at(order.created_at) + timedelta(hours=48)
            elif want.reason == "no shipment arranged in time":
                due = at(order.shipping_due_time)
            elif want.reason == "no tracking progress from the carrier":
                assert package is not None and package.collected_at is None
                due = at(order.collection_due_time)
            elif want.reason == "package lost: no delivery acknowledged":
                assert package is not None and package.status == "CANCELLED"
                # 12 days, or the order's delivery estimate + 3 days when longer (cross-border)
                lost_after = max(LOST_AFTER, timedelta(days=order.delivery_max_days + 3))
                due = at(package.collected_at) + lost_after
            elif want.reason == "package lost after failed delivery attempts":
                assert package is not None and package.status == "CANCELLED"
                assert package.failed_attempts == 2
                due = at(package.last_event_at)
            elif want.cancelled_by == "BUYER":  # in the remorse window
                due = at(order.created_at) + script.delay
                assert when < at(order.hold_until), where
            assert due <= when < due + SLACK, (where, due, when)


def check_books(db: Database, run: SimRun) -> None:
    """No timer due in the past; none left for the run's orders and packages (all final);
    the stock ledger sums to every level, and no unit is still committed."""
    with db.unit_of_work(write=False) as session:
        package_ids = select(OrderLineItem.package_id).where(
            OrderLineItem.order_id.in_(run.order_ids)
        )
        assert session.scalar(select(func.count()).where(Timer.due_at <= utcnow())) == 0
        left = session.scalars(
            select(Timer.kind).where(
                Timer.subject_id.in_(run.order_ids) | Timer.subject_id.in_(package_ids)
            )
        ).all()
        assert left == []
        ledger = {
            (sku_id, warehouse_id): (int(a), int(c))
            for sku_id, warehouse_id, a, c in session.execute(
                select(
                    InventoryMovement.sku_id,
                    InventoryMovement.warehouse_id,
                    func.sum(InventoryMovement.delta_available),
                    func.sum(InventoryMovement.delta_committed),
                ).group_by(InventoryMovement.sku_id, InventoryMovement.warehouse_id)
            )
        }
        levels = {
            (level.sku_id, level.warehouse_id): (level.available, level.committed)
            for level in session.scalars(select(StockLevel))
        }
    assert set(ledger) <= set(levels)
    for key, (available, committed) in levels.items():
        assert ledger.get(key, (0, 0)) == (available, committed), key
        assert committed == 0, key


def test_a_simulated_day_and_the_weeks_after(db: Database) -> None:
    run = simulate(db, SimulatedGateway(db), orders=10, days=60, seed=4)
    summary = summarize(db, run)
    assert summary.orders == 10
    assert run.ended_at - run.started_at >= timedelta(days=61)
    check_summary(db, run, summary)
    check_books(db, run)
    check_orders(db, run)


def test_a_second_run_starts_from_the_shared_clock(db: Database) -> None:
    """Two runs on one database, each as a new process would start (the clock's offset
    known only to the database): the second starts where the first left the platform
    clock, ends 61 days later, and every order follows its script again."""
    first = simulate(db, SimulatedGateway(db), orders=10, days=60, seed=4)
    clock.reset()  # a new `clipshop sim` process: only the database knows the offset
    second = simulate(db, SimulatedGateway(db), orders=10, days=60, seed=4)
    assert second.started_at >= first.ended_at
    assert timedelta(days=61) <= second.ended_at - second.started_at < timedelta(days=61) + SLACK
    assert shared_clock.published(db) == clock.offset
    summary = summarize(db, second)
    assert summary.by_status == summarize(db, first).by_status
    check_summary(db, second, summary)
    check_books(db, second)
    check_orders(db, second)


def test_clipshop_sim_command(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    url = f"sqlite:///{tmp_path / 'sim.db'}"
    monkeypatch.setenv("CLIPSHOP_DATABASE_URL", url)
    get_settings.cache_clear()
    try:
        result = CliRunner().invoke(app, ["sim", "--orders", "5", "--days", "50", "--seed", "2"])
    finally:
        get_settings.cache_clear()
    assert result.exit_code == 0, (result.output, result.exception)
    out = result.stdout
    assert "clipshop sim: 5 orders, seed 2" in out

    def row(label: str) -> list[str]:
        # a plain line when not a terminal ("label  count  amount"), or a table row
        match = re.search(rf"(?m)^[│ ]*{re.escape(label)} *│? *(\S*) *│? *(.*?) *│?$", out)
        assert match, (label, out)
        return [match.group(1), match.group(2)]

    db = Database(Settings(env="test", database_url=url))
    try:
        with db.unit_of_work(write=False) as session:
            statuses = Counter(session.scalars(select(Order.status)))
            refunds = session.execute(
                select(func.count(), func.sum(PaymentTransaction.amount)).where(
                    PaymentTransaction.kind == "REFUND", PaymentTransaction.status == "SUCCEEDED"
                )
            ).one()
            late = session.scalar(select(func.count()).where(Order.late_dispatch.is_(True)))
    finally:
        db.dispose()
    assert sum(statuses.values()) == 5
    for status, count in statuses.items():
        assert row(f"orders {status}") == [str(count), ""]
    assert row("late dispatches") == [str(late), ""]
    count, amount = refunds
    if count:
        assert row("refunds sent (USD)") == [str(count), f"{amount // 100}.{amount % 100:02d} USD"]
    else:
        assert "refunds sent (" not in out
    assert row("timers failed (retried later)") == ["0", ""]
