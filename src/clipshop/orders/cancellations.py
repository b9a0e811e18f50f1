"""The cancellation rows the orders context writes itself: a cancel that took effect (the
buyer's cancel of an unpaid order, a fraud review's rejection, and every cancel of the
request flow) and the end of a pending request (a shipment arranged for its items, which
``fulfillment.packages`` reports here). The request flow (requests, the seller's answer,
withdrawals, seller and operator cancels) is after-sales: ``aftersales.cancellations``."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from clipshop.core.clock import utcnow
from clipshop.core.events import CancellationStatusChanged, announce
from clipshop.core.ids import new_id
from clipshop.deadlines import timers
from clipshop.deadlines.timers import TimerKind
from clipshop.models import Cancellation, Order, OrderLineItem, PaymentTransaction
from clipshop.orders import aftersale_steps
from clipshop.orders.states import Actor
from clipshop.orders.timeline import record_event
from clipshop.payments import ledger

PENDING = "CANCELLATION_REQUEST_PENDING"
CANCELLED = "CANCELLATION_REQUEST_CANCEL"  # rejected (or overtaken by a shipment): over
COMPLETE = "CANCELLATION_REQUEST_COMPLETE"
SUBJECT = "CANCELLATION"
SHIPMENT_ARRANGED = "shipment arranged for the items"
ITEMS_GONE = "the items were cancelled otherwise"


def record_step(
    session: Session,
    cancellation: Cancellation,
    event: str,
    actor: Actor,
    actor_id: int | None,
    note: str = "",
) -> None:
    aftersale_steps.add_record(session, SUBJECT, cancellation, event, actor, actor_id, note)


def announce_status(
    session: Session,
    cancellation: Cancellation,
    was: str | None,
    actor: Actor,
    actor_id: int | None,
) -> None:
    """``cancellation.status_changed``: the row moved from ``was`` (None: new) to its status."""
    changed = CancellationStatusChanged(
        cancellation_id=cancellation.id,
        order_id=cancellation.order_id,
        shop_id=cancellation.shop_id,
        buyer_id=cancellation.buyer_id,
        from_status=was,
        to_status=cancellation.status,
        actor=actor.value,
        actor_id=actor_id,
        at=utcnow(),
    )
    announce(session, changed)


def pending_request(session: Session, order_id: int) -> Cancellation | None:
    """The order's pending request, its row locked."""
    found: Cancellation | None = session.scalar(
        select(Cancellation)
        .where(Cancellation.order_id == order_id, Cancellation.status == PENDING)
        .with_for_update()
    )
    return found


def new_row(
    order: Order,
    lines: list[OrderLineItem],
    cancel_type: str,
    role: Actor,
    status: str,
    reason: str,
    requested_by: int | None,
) -> Cancellation:
    return Cancellation(
        id=new_id(),
        order_id=order.id,
        shop_id=order.shop_id,
        buyer_id=order.buyer_id,
        cancel_type=cancel_type,
        role=role.value,
        status=status,
        reason=ledger.clip(reason),
        line_item_ids=[str(line.id) for line in lines],
        requested_by=requested_by,
    )


def end_request(
    session: Session,
    order: Order,
    request: Cancellation,
    reject_reason: str | None,
    actor: Actor,
    actor_id: int | None,
    comment: str = "",
    *,
    event: str = "REJECTED",
) -> None:
    """The pending request is over (CANCELLATION_REQUEST_CANCEL): rejected (by the seller,
    or the system when the items shipped or were cancelled otherwise) or, with ``event``
    WITHDRAWN and no ``reject_reason``, withdrawn by the buyer. Its timer is disarmed."""
    was, request.status = request.status, CANCELLED
    announce_status(session, request, was, actor, actor_id)
    request.reject_reason = ledger.clip(reject_reason) if reject_reason is not None else None
    request.decided_by = actor_id
    request.decided_at = utcnow()
    timers.disarm(session, request.id, [TimerKind.CANCEL_AUTO_APPROVE])
    note = (reject_reason or "") + (f": {comment}" if comment else "")
    if reject_reason is None:
        note = comment
    record_step(session, request, event, actor, actor_id, note)
    kind = f"CANCELLATION_{event}"
    record_event(
        session, order, kind, actor, actor_id, ledger.clip(f"request {request.id}: {note}", 500)
    )


def record_completed(
    session: Session,
    order: Order,
    lines: list[OrderLineItem],
    actor: Actor,
    actor_id: int | None,
    reason: str,
    txn: PaymentTransaction | None,
    cancel_type: str = "CANCEL",
) -> Cancellation:
    """A cancellation of ``lines`` that just took effect, as a COMPLETE row (``role`` the
    actor: BUYER, SELLER, SYSTEM or OPERATOR) with its record and timeline event, so the
    cancellation lists show every cancel, whoever made it."""
    cancellation = new_row(order, lines, cancel_type, actor, COMPLETE, reason, actor_id)
    cancellation.decided_by = actor_id
    cancellation.decided_at = utcnow()
    cancellation.refund_amount = txn.amount if txn is not None else 0
    session.add(cancellation)
    session.flush()
    announce_status(session, cancellation, None, actor, actor_id)
    record_step(session, cancellation, "CANCELLED", actor, actor_id, reason)
    what = ledger.clip(f"cancellation {cancellation.id}, {len(lines)} item(s): {reason}", 500)
    record_event(session, order, "CANCELLATION_COMPLETED", actor, actor_id, what)
    return cancellation


def on_shipment(session: Session, order: Order, actor_id: int | None) -> None:
    """A shipment was just arranged: a pending request for any of its items is rejected."""
    request = pending_request(session, order.id)
    if request is None:
        return
    wanted = {int(i) for i in request.line_item_ids}
    packed = session.scalars(
        select(OrderLineItem.id).where(
            OrderLineItem.id.in_(wanted), OrderLineItem.package_id.is_not(None)
        )
    ).all()
    if packed:
        end_request(session, order, request, SHIPMENT_ARRANGED, Actor.SYSTEM, None)
