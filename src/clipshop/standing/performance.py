"""Seller performance metrics per shop over rolling windows ending now (docs/deadlines.md,
"Seller performance").

Every metric is an SQL aggregate: four queries compute all windows at once (orders, packages,
processing times, chat waits), whatever the number of orders. A window is ``(end - days, end]``.

- late dispatch rate: orders judged in the window that were dispatched late / orders judged.
  An order is judged when its outcome is known: when it ships (``rts_time``) if that is
  before its ready-to-ship deadline, else at the deadline (``rts_sla_time``, when the
  LATE_DISPATCH rule marks it). Orders cancelled before their deadline without shipping are
  never judged. Nor is a late order the buyer asked to cancel before the deadline, while
  that request is pending and once it was approved (by the seller or automatically),
  unless one of its items shipped after the deadline or was cancelled for the seller's
  fault: it was late only because the seller waited for the buyer's request to be settled.
  Nor is an order whose shipping deadlines were extended for force majeure
  (``force_majeure_at``, orders.extensions), even one already marked late.
- valid tracking rate: packages created in the window whose first carrier scan came by the
  order's ``tts_sla_time`` (the earliest of the orders a combined package carries), or that
  were delivered / packages judged. A package still waiting for its first scan before that
  time is not judged yet.
- on-time delivery rate: orders delivered in the window with ``delivered_at <=
  delivery_sla_time`` / orders delivered in the window.
- seller-fault cancellation rate: orders paid in the window that the seller cancelled, or
  whose items the platform cancelled for the seller's fault (no shipment arranged in time, no
  carrier scan after handover) / orders paid in the window. A buyer's approved cancellation
  request is the buyer's (``cancelled_by`` BUYER, its own reason), never the seller's fault.
- average processing hours: calendar hours from leaving ON_HOLD (the AWAITING_SHIPMENT status
  event) to every item having a shipment arranged (``rts_time``), averaged over the orders
  whose ``rts_time`` is in the window.
- chat response rate: buyer waits judged in the window that the seller answered within the
  region's ``chat_response_hours`` / waits judged (``conversations.metrics``). A wait starts
  at the first buyer message after the seller's last reply; it is judged when answered in
  time, else when the target passes (answered late or not at all: missed).

A metric with nothing to judge (denominator 0) has no value and counts as met.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Literal

from sqlalchemy import ColumnElement, and_, case, exists, extract, func, or_, select
from sqlalchemy.orm import Session

from clipshop.aftersales.cancel_reasons import SELLER_FAULT_TEXTS
from clipshop.conversations.metrics import response_counts
from clipshop.deadlines.policies import PerformancePolicy, current
from clipshop.models import Cancellation, Order, OrderEvent, OrderLineItem, Package

WINDOWS = (7, 30, 90)
# Reasons of the platform's cancellations that are the seller's fault (worker.handlers).
NO_SHIPMENT_IN_TIME = "no shipment arranged in time"
NO_CARRIER_SCAN = "no tracking progress from the carrier"
# and the seller's own cancellations for a reason that is its fault (aftersales.cancel_reasons)
SELLER_FAULT_REASONS = (NO_SHIPMENT_IN_TIME, NO_CARRIER_SCAN, *SELLER_FAULT_TEXTS)
# Orders created this long before a window starts are not looked at: every time a metric
# reads (paid, shipped, delivered) comes within weeks of placement.
ORDER_LOOKBACK = timedelta(days=90)
# A buyer's cancellation request (aftersales.cancellations) still waiting for the seller, or
# approved: while it waits, and once approved, the lateness it caused is not the seller's.
BUYER_REQUEST = "BUYER_CANCEL"
REQUEST_STANDS = ("CANCELLATION_REQUEST_PENDING", "CANCELLATION_REQUEST_COMPLETE")

LATE_DISPATCH = "late_dispatch_rate"
VALID_TRACKING = "valid_tracking_rate"
ON_TIME_DELIVERY = "on_time_delivery_rate"
SELLER_FAULT_CANCELLATION = "seller_fault_cancellation_rate"
PROCESSING_HOURS = "average_processing_hours"
CHAT_RESPONSE = "chat_response_rate"
METRICS = (
    LATE_DISPATCH,
    VALID_TRACKING,
    ON_TIME_DELIVERY,
    SELLER_FAULT_CANCELLATION,
    PROCESSING_HOURS,
    CHAT_RESPONSE,
)


@dataclass(frozen=True)
class Metric:
    name: str
    numerator: float  # hours in total for the processing time
    denominator: int
    target: float
    bound: Literal["max", "min"]  # the value may be at most / must be at least the target
    value: float | None  # None: nothing to judge

    @property
    def met(self) -> bool:
        if self.value is None:
            return True
        return self.value <= self.target if self.bound == "max" else self.value >= self.target

    def as_json(self) -> dict[str, Any]:
        return {
            "value": self.value,
            "numerator": self.numerator,
            "denominator": self.denominator,
            "target": self.target,
            "bound": self.bound,
            "met": self.met,
        }


@dataclass(frozen=True)
class WindowMetrics:
    days: int
    start: datetime
    end: datetime
    orders: int  # orders paid in the window: a review judges only with enough of them
    metrics: dict[str, Metric]

    @property
    def breaches(self) -> list[str]:
        return [name for name, metric in self.metrics.items() if not metric.met]

    def as_json(self) -> dict[str, Any]:
        return {
            "orders": self.orders,
            **{name: metric.as_json() for name, metric in self.metrics.items()},
        }


def _rate(
    name: str, numerator: int, denominator: int, target: float, bound: Literal["max", "min"]
) -> Metric:
    value = numerator / denominator if denominator else None
    return Metric(name, numerator, denominator, target, bound, value)


def _in(column: Any, start: datetime, end: datetime) -> ColumnElement[bool]:
    return and_(column > start, column <= end)


def _count_if(condition: ColumnElement[bool]) -> ColumnElement[int]:
    return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)


def _seconds(session: Session, later: Any, earlier: Any) -> ColumnElement[Any]:
    if session.get_bind().dialect.name == "sqlite":  # naive UTC text: julianday reads it
        return (func.julianday(later) - func.julianday(earlier)) * 86400.0
    return extract("epoch", later - earlier)


def _excused_by_buyer() -> ColumnElement[bool]:
    """The buyer asked to cancel before the ready-to-ship deadline and the request stands
    (pending or approved), and no item shipped after the deadline or was cancelled for the
    seller's fault: a late order is then not judged for late dispatch."""
    asked_in_time = exists().where(
        Cancellation.order_id == Order.id,
        Cancellation.cancel_type == BUYER_REQUEST,
        Cancellation.role == "BUYER",
        Cancellation.status.in_(REQUEST_STANDS),
        Cancellation.created_at <= Order.rts_sla_time,
    )
    shipped_late = exists().where(
        OrderLineItem.order_id == Order.id,
        OrderLineItem.package_id == Package.id,
        Package.created_at > Order.rts_sla_time,
    )
    seller_cancelled = exists().where(
        OrderLineItem.order_id == Order.id,
        OrderLineItem.cancel_reason.in_(SELLER_FAULT_REASONS),
    )
    return and_(asked_in_time, ~shipped_late, ~seller_cancelled)


def _order_counts(
    session: Session, shop_id: int, spans: dict[int, tuple[datetime, datetime]]
) -> dict[int, list[int]]:
    """Per window: judged, late, delivered, on time, paid, seller-fault cancelled."""
    judged_at = case(
        (and_(Order.rts_time.is_not(None), Order.rts_time < Order.rts_sla_time), Order.rts_time),
        else_=Order.rts_sla_time,
    )
    dispatch_judged = and_(
        or_(Order.rts_time.is_not(None), Order.late_dispatch),
        ~and_(Order.late_dispatch, _excused_by_buyer()),
        Order.force_majeure_at.is_(None),  # deadlines extended for force majeure: not judged
    )
    on_time = or_(Order.delivery_sla_time.is_(None), Order.delivered_at <= Order.delivery_sla_time)
    seller_fault = or_(
        Order.cancelled_by == "SELLER",
        exists().where(
            OrderLineItem.order_id == Order.id,
            OrderLineItem.cancel_reason.in_(SELLER_FAULT_REASONS),
        ),
    )
    columns = []
    for start, end in spans.values():
        judged = and_(_in(judged_at, start, end), dispatch_judged)
        delivered = _in(Order.delivered_at, start, end)
        paid = _in(Order.paid_at, start, end)
        columns += [
            _count_if(judged),
            _count_if(and_(judged, Order.late_dispatch)),
            _count_if(delivered),
            _count_if(and_(delivered, on_time)),
            _count_if(paid),
            _count_if(and_(paid, seller_fault)),
        ]
    earliest = min(start for start, _ in spans.values())
    row = session.execute(
        select(*columns).where(
            Order.shop_id == shop_id, Order.created_at > earliest - ORDER_LOOKBACK
        )
    ).one()
    return {days: [int(v) for v in row[i * 6 : i * 6 + 6]] for i, days in enumerate(spans)}


def _package_counts(
    session: Session, shop_id: int, spans: dict[int, tuple[datetime, datetime]], now: datetime
) -> dict[int, list[int]]:
    """Per window: packages judged, valid."""
    scan_by = (
        select(func.min(Order.tts_sla_time))
        .join(OrderLineItem, OrderLineItem.order_id == Order.id)
        .where(OrderLineItem.package_id == Package.id)
        .correlate(Package)
        .scalar_subquery()
    )
    scanned = (
        select(Package.id, Package.created_at, Package.collected_at, Package.delivered_at)
        .add_columns(scan_by.label("scan_by"))
        .where(Package.shop_id == shop_id)
        .where(Package.created_at > min(start for start, _ in spans.values()))
        .subquery()
    )
    valid = or_(
        scanned.c.delivered_at.is_not(None),
        and_(
            scanned.c.collected_at.is_not(None),
            or_(scanned.c.scan_by.is_(None), scanned.c.collected_at <= scanned.c.scan_by),
        ),
    )
    judged = or_(valid, scanned.c.scan_by <= now)
    columns = []
    for start, end in spans.values():
        created = _in(scanned.c.created_at, start, end)
        columns += [_count_if(and_(created, judged)), _count_if(and_(created, valid))]
    row = session.execute(select(*columns)).one()
    return {days: [int(v) for v in row[i * 2 : i * 2 + 2]] for i, days in enumerate(spans)}


def _processing(
    session: Session, shop_id: int, spans: dict[int, tuple[datetime, datetime]]
) -> dict[int, tuple[int, float]]:
    """Per window: orders shipped, and their processing seconds in total."""
    seconds = _seconds(session, Order.rts_time, OrderEvent.created_at)
    columns = []
    for start, end in spans.values():
        shipped = _in(Order.rts_time, start, end)
        columns += [
            _count_if(shipped),
            func.coalesce(func.sum(case((shipped, seconds), else_=0.0)), 0.0),
        ]
    earliest = min(start for start, _ in spans.values())
    row = session.execute(
        select(*columns)
        .select_from(Order)
        .join(
            OrderEvent,
            and_(
                OrderEvent.order_id == Order.id,
                OrderEvent.kind == "STATUS_CHANGED",
                OrderEvent.to_status == "AWAITING_SHIPMENT",
            ),
        )
        .where(Order.shop_id == shop_id, Order.rts_time > earliest)
    ).one()
    return {days: (int(row[i * 2]), float(row[i * 2 + 1])) for i, days in enumerate(spans)}


def _processing_metric(shipped: int, total_seconds: float, target: float) -> Metric:
    total = round(total_seconds)  # whole seconds: no float noise from the date arithmetic
    value = round(total / shipped / 3600, 2) if shipped else None
    return Metric(PROCESSING_HOURS, round(total / 3600, 2), shipped, target, "max", value)


def shop_metrics(
    session: Session,
    shop_id: int,
    now: datetime,
    windows: tuple[int, ...] = WINDOWS,
    policy: PerformancePolicy | None = None,
) -> list[WindowMetrics]:
    """The shop's metrics over each window of ``windows`` days ending at ``now``."""
    policy = policy or current().performance
    spans = {days: (now - timedelta(days=days), now) for days in windows}
    orders = _order_counts(session, shop_id, spans)
    packages = _package_counts(session, shop_id, spans, now)
    processing = _processing(session, shop_id, spans)
    chats = response_counts(session, shop_id, spans, now)
    result = []
    for days, (start, end) in spans.items():
        judged, late, delivered, on_time, paid, faulted = orders[days]
        scanned_judged, valid = packages[days]
        metrics = [
            _rate(LATE_DISPATCH, late, judged, policy.late_dispatch_rate_max, "max"),
            _rate(VALID_TRACKING, valid, scanned_judged, policy.valid_tracking_rate_min, "min"),
            _rate(ON_TIME_DELIVERY, on_time, delivered, policy.on_time_delivery_rate_min, "min"),
            _rate(
                SELLER_FAULT_CANCELLATION,
                faulted,
                paid,
                policy.seller_fault_cancellation_rate_max,
                "max",
            ),
            _processing_metric(*processing[days], policy.average_processing_hours_max),
            _rate(
                CHAT_RESPONSE, chats[days][1], chats[days][0], policy.chat_response_rate_min, "min"
            ),
        ]
        result.append(WindowMetrics(days, start, end, paid, {m.name: m for m in metrics}))
    return result
