"""What each timer does when it falls due. Every handler locks its subject, re-checks that
the deadline still applies (the order may have moved on), and changes nothing otherwise,
so a timer that fires twice, late, or on two workers at once has one effect.

A handler returns the refunds it queued; the sweeper sends them to the gateway after the
batch commits (keyed by the refund's own id, so a retry never refunds twice)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from clipshop.aftersales import cancellations, return_decisions
from clipshop.deadlines.timers import TimerKind
from clipshop.fulfillment import package_status
from clipshop.fulfillment.packages import orders_of_package
from clipshop.models import Order, OrderLineItem, Package, PaymentTransaction, Timer
from clipshop.orders import lifecycle, sla
from clipshop.orders.states import OrderStatus
from clipshop.payments import ledger
from clipshop.standing import service as standing
from clipshop.standing.performance import NO_CARRIER_SCAN, NO_SHIPMENT_IN_TIME
from clipshop.support import actions as support_actions
from clipshop.support import dispute_cases

S = OrderStatus
K = TimerKind
PAYMENT_SETTLE_RETRY = timedelta(minutes=5)
IN_FULFILMENT = (S.PARTIALLY_SHIPPING, S.AWAITING_COLLECTION, S.IN_TRANSIT)


@dataclass
class Outcome:
    applied: bool = False  # the rule changed something
    refund_ids: list[int] = field(default_factory=list)
    retry_at: datetime | None = None  # keep the timer, due again then

    def refund(self, txn: PaymentTransaction | None) -> Outcome:
        if txn is not None:
            self.refund_ids.append(txn.id)
        return self


Handler = Callable[[Session, Timer, datetime], Outcome]


def _order(session: Session, order_id: int) -> Order | None:
    return session.scalar(select(Order).where(Order.id == order_id).with_for_update())


def _live_lines(session: Session, order_id: int) -> list[OrderLineItem]:
    return list(
        session.scalars(
            select(OrderLineItem)
            .where(OrderLineItem.order_id == order_id, OrderLineItem.status != "CANCELLED")
            .order_by(OrderLineItem.id)
        )
    )


def unpaid_cancel(session: Session, timer: Timer, now: datetime) -> Outcome:
    order = _order(session, timer.subject_id)
    if order is None or order.status != S.UNPAID:
        return Outcome()
    if ledger.has_attempt_in_flight(session, order.payment_id):
        return Outcome(retry_at=now + PAYMENT_SETTLE_RETRY)  # the reconciler settles it first
    lines = _live_lines(session, order.id)
    cancellations.cancel_by_system(session, order, lines, "not paid in time")
    return Outcome(applied=True)


def release_hold(session: Session, timer: Timer, now: datetime) -> Outcome:
    order = _order(session, timer.subject_id)
    if order is None:
        return Outcome()
    return Outcome(applied=lifecycle.release_from_hold(session, order))


def late_dispatch(session: Session, timer: Timer, now: datetime) -> Outcome:
    order = _order(session, timer.subject_id)
    if order is None or order.status not in (S.AWAITING_SHIPMENT, S.PARTIALLY_SHIPPING):
        return Outcome()
    reason = "not shipped by the ready-to-ship deadline"
    return Outcome(applied=sla.mark_late_dispatch(session, order, reason))


def _cancel_lines(
    session: Session, order: Order, lines: list[OrderLineItem], reason: str
) -> Outcome:
    """A SYSTEM cancellation of ``lines`` (refunded, stock back, a pending buyer request for
    them closed), listed with the other cancellations."""
    if not lines:
        return Outcome()
    return Outcome(applied=True).refund(
        cancellations.cancel_by_system(session, order, lines, reason)
    )


def ship_due(session: Session, timer: Timer, now: datetime) -> Outcome:
    """No shipment arranged in time: the unshipped items are cancelled and refunded."""
    order = _order(session, timer.subject_id)
    if order is None or order.status not in (S.AWAITING_SHIPMENT, S.PARTIALLY_SHIPPING):
        return Outcome()
    unshipped = [line for line in _live_lines(session, order.id) if line.package_id is None]
    return _cancel_lines(session, order, unshipped, NO_SHIPMENT_IN_TIME)


def _uncollected(session: Session, order_id: int) -> list[OrderLineItem]:
    lines = _live_lines(session, order_id)
    package_ids = {line.package_id for line in lines if line.package_id is not None}
    collected = set(
        session.scalars(
            select(Package.id).where(Package.id.in_(package_ids), Package.collected_at.is_not(None))
        )
    )
    return [line for line in lines if line.package_id not in collected]


def collection_due(session: Session, timer: Timer, now: datetime) -> Outcome:
    """Handed over but never scanned by the carrier: those items are cancelled, refunded."""
    order = _order(session, timer.subject_id)
    if order is None or order.status != S.AWAITING_COLLECTION:
        return Outcome()
    return _cancel_lines(session, order, _uncollected(session, order.id), NO_CARRIER_SCAN)


def _lose_package(session: Session, package_id: int, reason: str) -> Outcome:
    """Cancel and refund the package's items in every order it carries."""
    package = session.scalar(select(Package).where(Package.id == package_id).with_for_update())
    if package is None or package.delivered_at is not None:
        return Outcome()
    outcome = Outcome()
    orders = orders_of_package(session, package_id)
    for order in orders:
        locked = _order(session, order.id)
        if locked is None or locked.status not in IN_FULFILMENT:
            continue
        lines = [line for line in _live_lines(session, order.id) if line.package_id == package_id]
        result = _cancel_lines(session, locked, lines, reason)
        outcome.applied |= result.applied
        outcome.refund_ids += result.refund_ids
    if outcome.applied:  # the orders were locked above
        package_status.set_status(session, package, "CANCELLED", [o.id for o in orders], reason)
    return outcome


def package_lost(session: Session, timer: Timer, now: datetime) -> Outcome:
    package = session.get(Package, timer.subject_id)
    if package is not None and package.returned_at is not None:
        return _lose_package(session, timer.subject_id, "returned to sender")
    return _lose_package(session, timer.subject_id, "package lost: no delivery acknowledged")


def failed_delivery(session: Session, timer: Timer, now: datetime) -> Outcome:
    return _lose_package(session, timer.subject_id, "package lost after failed delivery attempts")


def auto_complete(session: Session, timer: Timer, now: datetime) -> Outcome:
    order = _order(session, timer.subject_id)
    if order is None or order.status != S.DELIVERED:
        return Outcome()
    lifecycle.complete(session, order)
    return Outcome(applied=True)


def shop_review(session: Session, timer: Timer, now: datetime) -> Outcome:
    """The shop's performance review (standing.service); it re-arms itself."""
    return Outcome(applied=standing.review_due(session, timer, now))


def cancel_auto_approve(session: Session, timer: Timer, now: datetime) -> Outcome:
    """The seller did not answer a buyer's cancellation request by respond_by: approved."""
    applied, refund_ids = cancellations.auto_approve(session, timer.subject_id, now)
    return Outcome(applied=applied, refund_ids=refund_ids)


def return_auto_approve(session: Session, timer: Timer, now: datetime) -> Outcome:
    applied, refund_id = return_decisions.auto_approve(session, timer.subject_id, now)
    return Outcome(applied=applied, refund_ids=[refund_id] if refund_id else [])


def return_buyer_ship(session: Session, timer: Timer, now: datetime) -> Outcome:
    return Outcome(applied=return_decisions.buyer_ship_due(session, timer.subject_id, now))


def return_receive(session: Session, timer: Timer, now: datetime) -> Outcome:
    applied, refund_id = return_decisions.receive_due(session, timer.subject_id, now)
    return Outcome(applied=applied, refund_ids=[refund_id] if refund_id else [])


def return_offer_expire(session: Session, timer: Timer, now: datetime) -> Outcome:
    return Outcome(applied=return_decisions.offer_expired(session, timer.subject_id, now))


def case_auto_close(session: Session, timer: Timer, now: datetime) -> Outcome:
    """A resolved support case not reopened within its window is CLOSED."""
    return Outcome(applied=support_actions.auto_close(session, timer.subject_id, now))


def case_dispute_due(session: Session, timer: Timer, now: datetime) -> Outcome:
    """A dispute not decided by its case's decide_by: the case goes to the supervisors."""
    return Outcome(applied=dispute_cases.decision_due(session, timer.subject_id, now))


HANDLERS: dict[TimerKind, Handler] = {
    K.UNPAID_CANCEL: unpaid_cancel,
    K.RELEASE_HOLD: release_hold,
    K.LATE_DISPATCH: late_dispatch,
    K.SHIP_DUE: ship_due,
    K.COLLECTION_DUE: collection_due,
    K.PACKAGE_LOST: package_lost,
    K.FAILED_DELIVERY: failed_delivery,
    K.AUTO_COMPLETE: auto_complete,
    K.SHOP_REVIEW: shop_review,
    K.RETURN_AUTO_APPROVE: return_auto_approve,
    K.RETURN_BUYER_SHIP: return_buyer_ship,
    K.RETURN_RECEIVE: return_receive,
    K.RETURN_OFFER_EXPIRE: return_offer_expire,
    K.CANCEL_AUTO_APPROVE: cancel_auto_approve,
    K.CASE_AUTO_CLOSE: case_auto_close,
    K.CASE_DISPUTE_DUE: case_dispute_due,
}
assert set(HANDLERS) == set(TimerKind)
