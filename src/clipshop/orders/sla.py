"""An order's deadlines: the SLA times it carries and the timers that enforce them.

``on_enter`` runs inside ``transition`` (and ``on_placed`` when checkout creates the
order), so every timer is armed in the transaction of the state change that starts it:

- placed (UNPAID): cancel_order_sla_time; arms UNPAID_CANCEL (checkout then arms the shop's
  SHOP_REVIEW if it has none, after taking the stock: deadlines.standing, checkout.place).
- ON_HOLD: arms RELEASE_HOLD at hold_until (set when paid); disarms UNPAID_CANCEL.
- AWAITING_SHIPMENT: rts_sla_time and shipping_due_time (business days), delivery_sla_time;
  arms LATE_DISPATCH and SHIP_DUE; disarms RELEASE_HOLD.
- AWAITING_COLLECTION: rts_time (late_dispatch if past rts_sla_time), tts_sla_time,
  collection_due_time; arms COLLECTION_DUE; disarms LATE_DISPATCH and SHIP_DUE.
- IN_TRANSIT: delivery_due_time; disarms COLLECTION_DUE.
- DELIVERED: delivered_at; arms AUTO_COMPLETE at the end of the return window.
- COMPLETED, CANCELLED: every order timer disarmed.

Packages carry their own timers (``package_collected``, ``package_failed_attempt``,
``package_delivered``): lost after too many failed attempts or when not delivered in time.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from clipshop.core import events
from clipshop.core.clock import utcnow
from clipshop.deadlines import timers
from clipshop.deadlines.policies import RegionPolicy, for_region
from clipshop.deadlines.timers import ORDER_KINDS, TimerKind
from clipshop.models import Order, OrderLineItem, Package
from clipshop.orders.rows import Row
from clipshop.orders.states import Actor, OrderStatus
from clipshop.orders.timeline import record_event

S = OrderStatus
K = TimerKind


def policy_of(order: Order | Row) -> RegionPolicy:
    return for_region(order.region)


def on_placed(
    session: Session, order_id: int, shop_id: int, region: str, created_at: datetime
) -> datetime:
    """Arms UNPAID_CANCEL; returns the order's cancel_order_sla_time (its row is built by
    ``orders.placing`` with it)."""
    due = created_at + timedelta(hours=for_region(region).unpaid_cancel_hours)
    timers.arm(session, K.UNPAID_CANCEL, order_id, shop_id, due)
    return due
    # The shop's SHOP_REVIEW timer (a row shared by the shop's concurrent checkouts) is armed
    # by checkout after it has taken the stock: ``checkout.place``.


def remorse_until(order: Order | Row, paid_at: datetime) -> datetime:
    return paid_at + timedelta(minutes=policy_of(order).remorse_window_minutes)


def mark_late_dispatch(session: Session, order: Order, reason: str) -> bool:
    """Record the late dispatch once; True if this call recorded it."""
    if order.late_dispatch:
        return False
    order.late_dispatch = True
    record_event(session, order, "LATE_DISPATCH", Actor.SYSTEM, reason=reason)
    events.announce(
        session,
        events.OrderDelayed(
            shop_id=order.shop_id,
            at=utcnow(),
            order_id=order.id,
            buyer_id=order.buyer_id,
            reason="LATE_DISPATCH",
            ship_by=order.rts_sla_time,
        ),
    )
    return True


def _ready_to_ship(session: Session, order: Order, now: datetime) -> None:
    """Every item has a shipment arranged (AWAITING_COLLECTION, or straight to IN_TRANSIT)."""
    if order.rts_time is not None:
        return
    order.rts_time = now
    if order.rts_sla_time is not None and now > order.rts_sla_time:
        mark_late_dispatch(session, order, "shipped after the ready-to-ship deadline")
    timers.disarm(session, order.id, (K.LATE_DISPATCH, K.SHIP_DUE))
    policy = policy_of(order)
    order.tts_sla_time = now + timedelta(hours=policy.collection_scan_hours)
    if _platform_shipped(session, order.id):  # the platform's carrier promises delivery
        # a force-majeure extension (orders.extensions) carries into the platform's promise
        hours = policy.platform_delivery_hours + order.deadline_extension_hours
        order.delivery_sla_time = order.created_at + timedelta(hours=hours)


def _platform_shipped(session: Session, order_id: int) -> bool:
    found = session.scalar(
        select(Package.id)
        .join(OrderLineItem, OrderLineItem.package_id == Package.id)
        .where(OrderLineItem.order_id == order_id, Package.shipping_type == "PLATFORM")
        .limit(1)
    )
    return found is not None


def _awaiting_shipment(session: Session, order: Order, now: datetime) -> None:
    policy = policy_of(order)
    order.rts_sla_time = policy.add_business_days(now, policy.rts_business_days)
    order.shipping_due_time = policy.add_business_days(now, policy.no_tracking_cancel_business_days)
    order.delivery_sla_time = order.rts_sla_time + timedelta(days=order.delivery_max_days)
    timers.disarm(session, order.id, (K.RELEASE_HOLD,))
    timers.arm(session, K.LATE_DISPATCH, order.id, order.shop_id, order.rts_sla_time)
    timers.arm(session, K.SHIP_DUE, order.id, order.shop_id, order.shipping_due_time)


def _delivered_at(session: Session, order: Order, now: datetime) -> datetime:
    latest = session.scalar(
        select(func.max(Package.delivered_at))
        .join(OrderLineItem, OrderLineItem.package_id == Package.id)
        .where(OrderLineItem.order_id == order.id, OrderLineItem.status != "CANCELLED")
    )
    return min(latest, now) if latest is not None else now


def on_enter(session: Session, order: Order | Row, to: OrderStatus, now: datetime) -> None:
    """Entering ON_HOLD only arms timers, so an order read as a row (the checkout's payment
    outcome) may enter it; the other states stamp the order's columns: a loaded order."""
    if to is S.ON_HOLD:
        timers.disarm(session, order.id, (K.UNPAID_CANCEL,))
        if order.hold_until is not None:
            timers.arm(session, K.RELEASE_HOLD, order.id, order.shop_id, order.hold_until)
        return
    if not isinstance(order, Order):
        raise TypeError(f"entering {to} sets the order's columns: move a loaded order")
    policy = policy_of(order)
    if to is S.AWAITING_SHIPMENT:
        _awaiting_shipment(session, order, now)
    elif to is S.AWAITING_COLLECTION:
        _ready_to_ship(session, order, now)
        order.collection_due_time = now + timedelta(days=policy.no_progress_cancel_days)
        timers.arm(session, K.COLLECTION_DUE, order.id, order.shop_id, order.collection_due_time)
    elif to is S.IN_TRANSIT:
        _ready_to_ship(session, order, now)
        timers.disarm(session, order.id, (K.COLLECTION_DUE,))
        if order.delivery_due_time is None:
            order.delivery_due_time = now + lost_after(policy, order.delivery_max_days)
    elif to is S.DELIVERED:
        order.delivered_at = _delivered_at(session, order, now)
        complete_at = order.delivered_at + timedelta(days=policy.return_window_days)
        timers.arm(session, K.AUTO_COMPLETE, order.id, order.shop_id, complete_at)
    elif to in (S.COMPLETED, S.CANCELLED):
        if to is S.COMPLETED:
            order.completed_at = now
        timers.disarm(session, order.id, ORDER_KINDS)


def review_cleared(session: Session, order: Order, now: datetime) -> None:
    """A cleared review hold releases the order when its remorse window ends (or now)."""
    if order.status == S.ON_HOLD and order.hold_until is not None:
        due = max(order.hold_until, now)
        timers.arm(session, K.RELEASE_HOLD, order.id, order.shop_id, due)


# --- packages ---------------------------------------------------------------------------


def lost_after(policy: RegionPolicy, delivery_max_days: int) -> timedelta:
    """How long after collection an undelivered parcel counts as lost: the policy's days,
    but never inside the order's own delivery estimate plus a grace (cross-border routes
    promise more than 12 days)."""
    days = max(policy.undelivered_lost_days, delivery_max_days + policy.lost_grace_days)
    return timedelta(days=days)


def package_collected(
    session: Session, package: Package, orders: list[Order], now: datetime
) -> None:
    """The first carrier scan: lost if not delivered in time (``lost_after``). A parcel
    returned to the sender is settled at once (the same rule, with that reason)."""
    if package.collected_at is None or package.delivered_at is not None or not orders:
        return
    policy = policy_of(orders[0])
    due = package.collected_at + lost_after(policy, max(o.delivery_max_days for o in orders))
    if package.returned_at is not None:
        due = now
    timers.arm(session, K.PACKAGE_LOST, package.id, package.shop_id, due)


def package_failed_attempt(session: Session, package: Package, region: str, now: datetime) -> None:
    if package.delivered_at is None and package.failed_attempts >= (
        for_region(region).failed_attempts_lost
    ):
        timers.arm(session, K.FAILED_DELIVERY, package.id, package.shop_id, now)


def package_delivered(session: Session, package: Package) -> None:
    timers.disarm(session, package.id, (K.PACKAGE_LOST, K.FAILED_DELIVERY))
