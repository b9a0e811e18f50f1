"""A shop's standing: the periodic performance review that escalates it, the admin who sets
it, and what each standing forbids (docs/deadlines.md, "Seller performance").

Every shop with orders is reviewed by its SHOP_REVIEW timer, armed when an order is placed
(if the shop has none yet) at the next ``review_hour_utc`` o'clock, then every
``review_interval_days``. A review judges the last ``review_window_days`` when at least
``minimum_orders`` orders were paid in them:

- a target missed counts as a breach only when its window does not overlap the last counted
  one: ``breach_count`` + 1 and the standing becomes WARNING, RESTRICTED from
  ``restrict_after_breaches``, SUSPENDED from ``suspend_after_breaches`` (never milder than
  it was). A miss is counted when the shop has no open breach period: none counted yet, or
  the last review event was a recovery (every target met). While a period is open (the last
  review event counted a breach), a miss is counted only once the period's start is at least
  ``review_window_days`` old; before that the review records nothing and the standing stays.
  The period starts at the counted breach, and again at any admin decision (``set_standing``)
  taken while it is open, so a lifted restriction is judged on what the shop does after it;
- every target met: a WARNING shop is back to GOOD; RESTRICTED and SUSPENDED stay until an
  admin sets the standing. A clean review that closes an open breach period is recorded
  ("every target met") even when the standing stays, so that the next miss counts at once.

So one bad week is one breach, however many daily reviews see it: escalation needs poor
performance sustained over successive windows (or recoveries and relapses).

Every counted breach and every change is a ``shop_standing_events`` row. A shop with no order
placed in the longest metrics window is not reviewed again until its next order."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from clipshop.catalog.shops import get_shop
from clipshop.core.clock import utcnow
from clipshop.core.errors import NotFound
from clipshop.deadlines import timers
from clipshop.deadlines.policies import PerformancePolicy, current
from clipshop.deadlines.standing import SEVERITY, Standing
from clipshop.deadlines.timers import TimerKind
from clipshop.identity.principal import Permission, Principal
from clipshop.models import Order, Shop, ShopStandingEvent, Timer
from clipshop.standing.performance import WINDOWS, WindowMetrics, shop_metrics

MANUAL = 0  # window_days of an event an admin recorded (no review window)


def _still_selling(session: Session, shop_id: int, now: datetime) -> bool:
    since = now - timedelta(days=max(WINDOWS))
    found = session.scalar(
        select(Order.id).where(Order.shop_id == shop_id, Order.created_at > since).limit(1)
    )
    return found is not None


# --- reviews ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Review:
    judged: bool  # enough orders in the window
    breaches: list[str]
    changed: bool  # a breach was counted or the standing changed (an event was recorded)


def _escalated(shop: Shop, policy: PerformancePolicy) -> Standing:
    if shop.breach_count >= policy.suspend_after_breaches:
        target = Standing.SUSPENDED
    elif shop.breach_count >= policy.restrict_after_breaches:
        target = Standing.RESTRICTED
    else:
        target = Standing.WARNING
    return max(Standing(shop.standing), target, key=SEVERITY.__getitem__)


def _summary(window: WindowMetrics) -> str:
    parts = []
    for name in window.breaches:
        metric = window.metrics[name]
        sign = ">" if metric.bound == "max" else "<"
        parts.append(f"{name} {metric.value:g} {sign} {metric.target:g}")
    return "; ".join(parts)


def _record(
    session: Session,
    shop: Shop,
    to: Standing,
    now: datetime,
    note: str,
    window_days: int = MANUAL,
    breaches: list[str] | None = None,
    metrics: dict[str, object] | None = None,
) -> ShopStandingEvent:
    event = ShopStandingEvent(
        shop_id=shop.id,
        window_days=window_days,
        breaches=breaches or [],
        metrics=metrics or {},
        from_standing=shop.standing,
        to_standing=to.value,
        note=note[:500],
        created_at=now,
    )
    session.add(event)
    if to != shop.standing:
        shop.standing = to.value
        shop.standing_changed_at = now
    session.flush()
    return event


def _last_review_event(session: Session, shop_id: int) -> ShopStandingEvent | None:
    stmt = (
        select(ShopStandingEvent)
        .where(ShopStandingEvent.shop_id == shop_id, ShopStandingEvent.window_days > MANUAL)
        .order_by(ShopStandingEvent.id.desc())
        .limit(1)
    )
    return session.scalar(stmt)


def _breach_period_start(
    session: Session, shop_id: int, last: ShopStandingEvent | None
) -> datetime | None:
    """When the shop's open breach period started, or None when none is open (no breach
    counted yet, or the last review event was a recovery): the last counted breach, or the
    latest admin decision after it."""
    if last is None or not last.breaches:
        return None
    admin_at = session.scalar(
        select(func.max(ShopStandingEvent.created_at)).where(
            ShopStandingEvent.shop_id == shop_id,
            ShopStandingEvent.window_days == MANUAL,
            ShopStandingEvent.id > last.id,
        )
    )
    return max(last.created_at, admin_at) if admin_at is not None else last.created_at


def review(session: Session, shop_id: int, now: datetime) -> Review:
    """Judge the shop over the review window ending ``now`` and apply the outcome."""
    policy = current().performance
    (window,) = shop_metrics(session, shop_id, now, (policy.review_window_days,), policy)
    if window.orders < policy.minimum_orders:
        return Review(False, [], False)
    shop = session.scalar(select(Shop).where(Shop.id == shop_id).with_for_update())
    if shop is None:
        return Review(False, [], False)
    breaches = window.breaches
    days = policy.review_window_days
    last = _last_review_event(session, shop_id)
    if breaches:
        since = _breach_period_start(session, shop_id, last)
        if since is not None and now - since < timedelta(days=days):
            return Review(True, breaches, False)  # the same breach period: already counted
        shop.breach_count += 1
        to = _escalated(shop, policy)
        note = f"breach {shop.breach_count}: {_summary(window)}"
        _record(session, shop, to, now, note, days, breaches, window.as_json())
        return Review(True, breaches, True)
    recovered = last is not None and bool(last.breaches)
    if shop.standing == Standing.WARNING or recovered:
        to = Standing.GOOD if shop.standing == Standing.WARNING else Standing(shop.standing)
        note = "every target met"
        _record(session, shop, to, now, note, days, [], window.as_json())
        return Review(True, [], True)
    return Review(True, [], False)


def review_due(session: Session, timer: Timer, now: datetime) -> bool:
    """The SHOP_REVIEW rule: review, then re-arm for the next review time (unless the shop
    has stopped selling). True if the review recorded something."""
    outcome = review(session, timer.subject_id, now)
    if _still_selling(session, timer.subject_id, now):
        interval = timedelta(days=current().performance.review_interval_days)
        due = timer.due_at + interval
        while due <= now:
            due += interval
        timers.arm(session, TimerKind.SHOP_REVIEW, timer.subject_id, timer.shop_id, due)
    return outcome.changed


# --- reads and the admin's decision --------------------------------------------------------


def history(session: Session, shop_id: int, limit: int) -> list[ShopStandingEvent]:
    stmt = (
        select(ShopStandingEvent)
        .where(ShopStandingEvent.shop_id == shop_id)
        .order_by(ShopStandingEvent.created_at.desc(), ShopStandingEvent.id.desc())
        .limit(limit)
    )
    return list(session.scalars(stmt))


@dataclass(frozen=True)
class Performance:
    shop: Shop
    as_of: datetime
    windows: list[WindowMetrics]
    next_review_at: datetime | None
    history: list[ShopStandingEvent]
    minimum_orders: int  # a review judges a window with at least this many orders


def shop_performance(
    session: Session, principal: Principal, shop_id: int, history_limit: int = 20
) -> Performance:
    """The shop's metrics per window, standing and standing history: for whoever may read
    the shop (its members, agents, supervisors, admins)."""
    shop = get_shop(session, principal, shop_id)
    now = utcnow()
    return Performance(
        shop=shop,
        as_of=now,
        windows=shop_metrics(session, shop_id, now),
        next_review_at=timers.due_at(session, TimerKind.SHOP_REVIEW, shop_id),
        history=history(session, shop_id, history_limit),
        minimum_orders=current().performance.minimum_orders,
    )


def set_standing(
    session: Session,
    principal: Principal,
    shop_id: int,
    standing: Standing,
    note: str,
    breach_count: int | None = None,
) -> tuple[Shop, ShopStandingEvent]:
    """An admin sets the standing (lifting a restriction or suspension, or imposing one),
    optionally resetting the breach count; recorded with the admin's note."""
    get_shop(session, principal, shop_id)
    principal.require(Permission.SHOP_VERIFY)
    shop = session.scalar(select(Shop).where(Shop.id == shop_id).with_for_update())
    if shop is None:  # deleted meanwhile
        raise NotFound("shop not found")
    if breach_count is not None:
        shop.breach_count = breach_count
    metrics: dict[str, object] = {
        "set_by": str(principal.user_id),
        "breach_count": shop.breach_count,
    }
    event = _record(session, shop, standing, utcnow(), note, metrics=metrics)
    return shop, event
