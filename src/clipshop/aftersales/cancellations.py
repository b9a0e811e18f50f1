"""Cancellation requests (the reference API's return_refund cancellation paths), an
after-sales flow; the rows the orders context writes itself (a cancel that took effect, a
request a shipment overtook) are ``orders.cancellations``.

- Buyer request: UNPAID / ON_HOLD cancel at once (CANCELLATION_REQUEST_COMPLETE);
  AWAITING_SHIPMENT / PARTIALLY_SHIPPING open a BUYER_CANCEL request
  (CANCELLATION_REQUEST_PENDING) the seller answers by ``respond_by`` (the region's
  ``seller_response_hours``), else the CANCEL_AUTO_APPROVE timer approves it. Once a shipment
  is arranged for the lines it is too late (409 ``already_shipped``).
- Approve: the lines are cancelled, their unshipped units go back to stock and the refund is
  queued in the same transaction, so the request goes straight to
  CANCELLATION_REQUEST_COMPLETE (the refund's own state is the ledger's, PENDING until the
  gateway answers, retried by the sweeper). Reject (or a shipment arranged for the lines):
  CANCELLATION_REQUEST_CANCEL, the request is over and the order goes on.
- Seller cancel (reason codes, ``cancel_reasons``) and operator cancel: CANCEL type,
  COMPLETE at once. OUT_OF_STOCK also sets the SKU's stock to 0 in every warehouse.

Every step is an after-sales record of the cancellation and an event on the order timeline.
``cancelled_by`` on the order is who the cancellation is attributed to: an approved buyer
request and a seller's BUYER_REQUESTED cancel are the buyer's, not the seller's fault."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Select, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from clipshop.aftersales import eligibility
from clipshop.aftersales.cancel_reasons import SELLER_REASONS
from clipshop.aftersales.cancellation_schemas import CancellationOut, cancellation_out
from clipshop.catalog import inventory
from clipshop.core.clock import utcnow
from clipshop.core.db import Database
from clipshop.core.errors import Conflict, InvalidInput
from clipshop.core.events import OrderLinesCancelled, announce
from clipshop.core.pagination import Page, PageRequest, paginate
from clipshop.deadlines import timers
from clipshop.deadlines.policies import for_region
from clipshop.deadlines.timers import TimerKind
from clipshop.identity.principal import Permission, Principal
from clipshop.models import (
    AftersaleRecord,
    Cancellation,
    Order,
    OrderLineItem,
    PaymentTransaction,
    StockLevel,
)
from clipshop.orders import aftersale_steps, changes, lifecycle, queries, refunds
from clipshop.orders.cancellations import (
    COMPLETE,
    ITEMS_GONE,
    PENDING,
    SHIPMENT_ARRANGED,
    SUBJECT,
    announce_status,
    end_request,
    new_row,
    pending_request,
    record_completed,
    record_step,
)
from clipshop.orders.states import Actor, OrderStatus
from clipshop.orders.timeline import record_event
from clipshop.payments.gateway import PaymentGateway
from clipshop.payments.refunds import execute_refunds

S = OrderStatus
SUCCESS = "CANCELLATION_REQUEST_SUCCESS"  # not stored: approval and its effects are atomic


class CancellationConflict(Conflict):
    """Codes: cancellation_pending, already_shipped, order_cancelled, order_not_cancellable,
    cancellation_not_pending, line_already_cancelled, partial_cancel_unpaid."""

    code = "cancellation_conflict"
    title = "Cancellation not possible"


@dataclass(frozen=True)
class Filters:
    status: str | None = None
    order_id: int | None = None


# -- reading -----------------------------------------------------------------------------------


def _scoped(principal: Principal) -> Select[Cancellation]:
    return queries.visible_to(principal, Cancellation)


def list_cancellations(
    session: Session, principal: Principal, page: PageRequest, filters: Filters
) -> Page[Cancellation]:
    stmt = _scoped(principal)
    if filters.status is not None:
        stmt = stmt.where(Cancellation.status == filters.status)
    if filters.order_id is not None:
        stmt = stmt.where(Cancellation.order_id == filters.order_id)
    return paginate(session, stmt, Cancellation.id, page)


def get_cancellation(session: Session, principal: Principal, cancel_id: int) -> Cancellation:
    return aftersale_steps.get_visible(session, principal, Cancellation, cancel_id)


def records_of(session: Session, cancel_id: int) -> list[AftersaleRecord]:
    return aftersale_steps.records_of(session, SUBJECT, cancel_id)


def lines_of(session: Session, cancellation: Cancellation) -> list[OrderLineItem]:
    ids = [int(i) for i in cancellation.line_item_ids]
    stmt = select(OrderLineItem).where(OrderLineItem.id.in_(ids)).order_by(OrderLineItem.id)
    return list(session.scalars(stmt))


# -- helpers -----------------------------------------------------------------------------------


def _pick_lines(
    session: Session, order: Order, line_ids: Sequence[int] | None, unshipped_only: bool
) -> list[OrderLineItem]:
    """The lines to cancel: the ones named (each a line of the order, else 422), else every
    live one (unshipped ones only when ``unshipped_only``); when none is left, the live
    lines (else all), so that eligibility says why none can be cancelled."""
    lines = session.scalars(
        select(OrderLineItem).where(OrderLineItem.order_id == order.id).order_by(OrderLineItem.id)
    ).all()
    if line_ids is None:
        live = [line for line in lines if line.status != "CANCELLED"]
        chosen = [line for line in live if line.package_id is None] if unshipped_only else live
        return chosen or live or list(lines)
    by_id = {line.id: line for line in lines}
    wanted = list(dict.fromkeys(line_ids))
    unknown = [i for i in wanted if i not in by_id]
    if unknown:
        raise InvalidInput(
            f"line item {unknown[0]} is not an item of this order",
            code="unknown_line_item",
            line_item_id=str(unknown[0]),
        )
    return [by_id[i] for i in sorted(wanted)]


def _allowed(
    session: Session,
    principal: Principal,
    order: Order,
    lines: list[OrderLineItem],
    action: str | None = None,
    *,
    operator: bool | None = None,
) -> str:
    """Whether the caller may ``action`` (CANCEL or REQUEST_CANCELLATION; None: the buyer's
    choice of the two) on ``lines`` now: ``aftersales.eligibility`` decides, else
    ``NotEligible`` with its code. Returns the action."""
    facts = eligibility.facts_for(session, principal, order, operator=operator)
    ids = [line.id for line in lines]
    chosen = action or eligibility.buyer_cancel_action(facts, ids)
    eligibility.require(facts, chosen, ids)
    return chosen


def _live(session: Session, order_id: int) -> list[OrderLineItem]:
    return changes.active_lines(session, order_id)


def expected_refund(session: Session, order: Order, lines: list[OrderLineItem]) -> int:
    """What cancelling ``lines`` gives back: their price and tax, and the shipping fee too
    when they are all the order's live lines (nothing is left to ship)."""
    amount = sum(refunds.line_cap(line) for line in lines)
    if len(lines) == len(_live(session, order.id)):
        amount += order.shipping_fee - order.shipping_refunded
    return amount if order.paid_at is not None else 0


def _apply(
    session: Session,
    order: Order,
    lines: list[OrderLineItem],
    actor: Actor,
    actor_id: int | None,
    reason: str,
    attributed_to: Actor,
) -> PaymentTransaction | None:
    """Cancel ``lines`` (the whole order when they are every live line), move the order on,
    and attribute a whole-order cancellation to ``attributed_to``."""
    txn = lifecycle.cancel_lines(session, order, lines, actor, actor_id, reason)
    whole = order.status == S.CANCELLED
    if whole:
        order.cancelled_by = attributed_to.value
    cancelled = OrderLinesCancelled(
        order_id=order.id,
        shop_id=order.shop_id,
        buyer_id=order.buyer_id,
        line_ids=tuple(line.id for line in lines),
        order_cancelled=whole,
        actor=actor.value,
        actor_id=actor_id,
        reason=reason,
        at=utcnow(),
    )
    announce(session, cancelled)  # fulfillment moves the order on with its packages
    session.flush()
    return txn


def close_overtaken(session: Session, order: Order) -> None:
    """A pending request none of whose lines is left to cancel is over (the seller, an
    operator or a deadline rule cancelled them)."""
    request = pending_request(session, order.id)
    if request is None:
        return
    live = {line.id for line in _live(session, order.id) if line.package_id is None}
    if not {int(i) for i in request.line_item_ids} & live:
        end_request(session, order, request, ITEMS_GONE, Actor.SYSTEM, None)


# -- buyer request -----------------------------------------------------------------------------


def request(
    session: Session, principal: Principal, order_id: int, reason: str, line_ids: list[int] | None
) -> tuple[Cancellation, PaymentTransaction | None]:
    changes.require_buyer(principal, "request a cancellation")
    order = changes.lock_order(session, principal, order_id)
    lines = _pick_lines(session, order, line_ids, unshipped_only=True)
    if _allowed(session, principal, order, lines) == "CANCEL":  # UNPAID, ON_HOLD: at once
        return _cancel_now(session, order, lines, Actor.BUYER, principal.user_id, reason)
    respond_by = utcnow() + timedelta(hours=for_region(order.region).seller_response_hours)
    cancellation = new_row(
        order, lines, "BUYER_CANCEL", Actor.BUYER, PENDING, reason, order.buyer_id
    )
    cancellation.respond_by = respond_by
    cancellation.refund_amount = expected_refund(session, order, lines)
    try:
        with session.begin_nested():
            session.add(cancellation)
            session.flush()
    except IntegrityError:  # a concurrent request won the one-pending index
        raise CancellationConflict(
            "a cancellation request for this order is already waiting for the seller",
            code="cancellation_pending",
        ) from None
    timers.arm(session, TimerKind.CANCEL_AUTO_APPROVE, cancellation.id, order.shop_id, respond_by)
    announce_status(session, cancellation, None, Actor.BUYER, principal.user_id)
    record_step(session, cancellation, "REQUESTED", Actor.BUYER, principal.user_id, reason)
    note = f"request {cancellation.id}, {len(lines)} item(s): {reason}"
    record_event(session, order, "CANCELLATION_REQUESTED", Actor.BUYER, principal.user_id, note)
    return cancellation, None


def _cancel_now(
    session: Session,
    order: Order,
    lines: list[OrderLineItem],
    actor: Actor,
    actor_id: int | None,
    reason: str,
    *,
    attributed_to: Actor | None = None,
    cancel_type: str = "BUYER_CANCEL",
    line_reason: str | None = None,
) -> tuple[Cancellation, PaymentTransaction | None]:
    """Cancel ``lines`` now: a COMPLETE cancellation with its record and timeline event."""
    if order.status == S.UNPAID and len(lines) != len(_live(session, order.id)):
        raise CancellationConflict(
            "an unpaid order is cancelled whole; pay it first to cancel some items",
            code="partial_cancel_unpaid",
        )
    txn = _apply(
        session, order, lines, actor, actor_id, line_reason or reason, attributed_to or actor
    )
    cancellation = record_completed(
        session, order, lines, actor, actor_id, reason, txn, cancel_type
    )
    close_overtaken(session, order)
    return cancellation, txn


def cancel_by_system(
    session: Session, order: Order, lines: list[OrderLineItem], reason: str
) -> PaymentTransaction | None:
    """A platform deadline rule cancels ``lines`` (not paid, not shipped, never scanned,
    lost): a SYSTEM ``CANCEL`` cancellation, COMPLETE at once; a buyer's pending request
    for them is over. Returns the queued refund."""
    if not lines:
        return None
    _cancellation, txn = _cancel_now(
        session, order, lines, Actor.SYSTEM, None, reason, cancel_type="CANCEL"
    )
    return txn


# -- the seller's answer -----------------------------------------------------------------------


def _lock_request(
    session: Session, principal: Principal | None, cancel_id: int
) -> tuple[Order, Cancellation]:
    """The order row, then the request row, locked (one lock order)."""
    if principal is not None:
        found = get_cancellation(session, principal, cancel_id)
    else:
        found = session.get_one(Cancellation, cancel_id)
    order = changes.relock(session, found.order_id)
    request = session.scalars(
        select(Cancellation)
        .where(Cancellation.id == cancel_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).one()
    return order, request


def _require_pending(request: Cancellation) -> None:
    if request.status != PENDING:
        raise CancellationConflict(
            f"the cancellation is {request.status}: it was already decided",
            code="cancellation_not_pending",
        )


def approve_request(
    session: Session, order: Order, request: Cancellation, actor: Actor, actor_id: int | None
) -> PaymentTransaction | None:
    """Cancel the requested items still waiting to ship (the request is over if none is)."""
    wanted = {int(i) for i in request.line_item_ids}
    lines = [line for line in _live(session, order.id) if line.id in wanted]
    if not lines or any(line.package_id is not None for line in lines):
        why = SHIPMENT_ARRANGED if lines else ITEMS_GONE
        end_request(session, order, request, why, Actor.SYSTEM, None)
        return None
    event = "APPROVED" if actor is not Actor.SYSTEM else "AUTO_APPROVED"
    reason = (
        f"buyer's cancellation request approved: {request.reason}"
        if actor is not Actor.SYSTEM
        else f"buyer's cancellation request auto-approved (no seller answer): {request.reason}"
    )
    txn = _apply(session, order, lines, actor, actor_id, reason, Actor.BUYER)
    was, request.status = request.status, COMPLETE
    announce_status(session, request, was, actor, actor_id)
    request.refund_amount = txn.amount if txn is not None else 0
    request.decided_by = actor_id
    request.decided_at = utcnow()
    timers.disarm(session, request.id, [TimerKind.CANCEL_AUTO_APPROVE])
    record_step(session, request, event, actor, actor_id, reason)
    record_event(
        session, order, "CANCELLATION_COMPLETED", actor, actor_id, f"request {request.id}: {reason}"
    )
    return txn


def auto_approve(session: Session, cancel_id: int, now: datetime) -> tuple[bool, list[int]]:
    """The CANCEL_AUTO_APPROVE timer: (applied, queued refund ids)."""
    if session.get(Cancellation, cancel_id) is None:
        return False, []
    order, request = _lock_request(session, None, cancel_id)
    if request.status != PENDING or request.respond_by is None:
        return False, []
    if now < request.respond_by:
        return False, []
    txn = approve_request(session, order, request, Actor.SYSTEM, None)
    return True, [txn.id] if txn is not None else []


# -- units of work (the API's) -----------------------------------------------------------------


Work = Callable[[Session], tuple[Cancellation, PaymentTransaction | None]]


def _run(db: Database, gateway: PaymentGateway, work: Work) -> int:
    """One unit of work, then the refund it queued goes to the gateway after the commit."""
    with db.unit_of_work() as session:
        cancellation, txn = work(session)
        cancel_id: int = cancellation.id
        refund_ids = [txn.id] if txn is not None else []
    execute_refunds(db, gateway, refund_ids)
    return cancel_id


def buyer_request(
    db: Database,
    gateway: PaymentGateway,
    principal: Principal,
    order_id: int,
    reason: str,
    line_ids: list[int] | None,
) -> int:
    return _run(db, gateway, lambda s: request(s, principal, order_id, reason, line_ids))


def approve_in(
    session: Session, principal: Principal, cancel_id: int
) -> tuple[Cancellation, PaymentTransaction | None]:
    """The seller approves a pending request in the caller's transaction: the request and
    the refund it queued (sent to the gateway after the commit)."""
    principal.require(Permission.AFTERSALES_DECIDE)
    order, request_ = _lock_request(session, principal, cancel_id)
    _require_pending(request_)
    return request_, approve_request(session, order, request_, Actor.SELLER, principal.user_id)


def reject_in(
    session: Session, principal: Principal, cancel_id: int, why: str, comment: str
) -> tuple[Cancellation, PaymentTransaction | None]:
    """The seller rejects a pending request in the caller's transaction (nothing refunded)."""
    principal.require(Permission.AFTERSALES_DECIDE)
    order, request_ = _lock_request(session, principal, cancel_id)
    _require_pending(request_)
    end_request(session, order, request_, why, Actor.SELLER, principal.user_id, comment)
    return request_, None


def approve(db: Database, gateway: PaymentGateway, principal: Principal, cancel_id: int) -> int:
    return _run(db, gateway, lambda session: approve_in(session, principal, cancel_id))


def reject(
    db: Database,
    gateway: PaymentGateway,
    principal: Principal,
    cancel_id: int,
    why: str,
    comment: str,
) -> int:
    return _run(db, gateway, lambda s: reject_in(s, principal, cancel_id, why, comment))


def withdraw(
    db: Database, gateway: PaymentGateway, principal: Principal, cancel_id: int, reason: str
) -> int:
    """The buyer takes back a request the seller has not answered: CANCELLATION_REQUEST_CANCEL
    (record WITHDRAWN), the auto-approval disarmed, the order goes on."""

    def work(session: Session) -> tuple[Cancellation, PaymentTransaction | None]:
        changes.require_buyer(principal, "withdraw a cancellation request")
        order, request_ = _lock_request(session, principal, cancel_id)
        _require_pending(request_)
        end_request(
            session,
            order,
            request_,
            None,
            Actor.BUYER,
            principal.user_id,
            reason,
            event="WITHDRAWN",
        )
        return request_, None

    return _run(db, gateway, work)


def _zero_stock(
    session: Session, principal: Principal, order: Order, lines: list[OrderLineItem]
) -> None:
    """OUT_OF_STOCK: the SKUs' available stock becomes 0 in every warehouse of the shop."""
    sku_ids = sorted({line.sku_id for line in lines})
    levels = session.scalars(
        select(StockLevel)
        .where(StockLevel.sku_id.in_(sku_ids), StockLevel.shop_id == order.shop_id)
        .order_by(StockLevel.sku_id, StockLevel.warehouse_id)
    ).all()
    for level in levels:
        if level.available != 0:
            note = f"order {order.id} cancelled: out of stock"
            inventory.set_stock(session, principal, level.sku_id, level.warehouse_id, 0, note=note)


def cancel_as_seller(
    session: Session,
    principal: Principal,
    order_id: int,
    reason_code: str,
    line_ids: list[int] | None,
    note: str,
) -> tuple[Cancellation, PaymentTransaction | None]:
    """The seller cancels unshipped items with a reason code (``cancel_reasons``)."""
    text, fault = SELLER_REASONS[reason_code]
    principal.require(Permission.AFTERSALES_DECIDE)
    order = changes.lock_order(session, principal, order_id)
    lines = _pick_lines(session, order, line_ids, unshipped_only=True)
    _allowed(session, principal, order, lines, "CANCEL", operator=False)
    reason = reason_code + (f": {note}" if note else "")
    result = _cancel_now(
        session,
        order,
        lines,
        Actor.SELLER,
        principal.user_id,
        reason,
        attributed_to=Actor.SELLER if fault else Actor.BUYER,
        cancel_type="CANCEL",
        line_reason=text,
    )
    if reason_code == "OUT_OF_STOCK":
        _zero_stock(session, principal, order, lines)
    return result


def cancel_as_operator(
    session: Session,
    principal: Principal,
    order_id: int,
    reason: str,
    line_ids: list[int] | None,
) -> tuple[Cancellation, PaymentTransaction | None]:
    """A platform operator cancels any items of an order not yet delivered."""
    principal.require(Permission.DISPUTES_DECIDE)
    order = changes.lock_order(session, principal, order_id)
    lines = _pick_lines(session, order, line_ids, unshipped_only=False)
    # UNPAID: lifecycle.cancel refuses while a payment attempt is in flight
    _allowed(session, principal, order, lines, "CANCEL", operator=True)
    return _cancel_now(
        session,
        order,
        lines,
        Actor.OPERATOR,
        principal.user_id,
        reason,
        cancel_type="CANCEL",
        line_reason=f"operator cancelled: {reason}",
    )


def seller_cancel(
    db: Database,
    gateway: PaymentGateway,
    principal: Principal,
    order_id: int,
    reason_code: str,
    line_ids: list[int] | None,
    note: str,
) -> int:
    return _run(
        db,
        gateway,
        lambda s: cancel_as_seller(s, principal, order_id, reason_code, line_ids, note),
    )


def operator_cancel(
    db: Database,
    gateway: PaymentGateway,
    principal: Principal,
    order_id: int,
    reason: str,
    line_ids: list[int] | None,
) -> int:
    return _run(db, gateway, lambda s: cancel_as_operator(s, principal, order_id, reason, line_ids))


def read(db: Database, principal: Principal, cancel_id: int) -> CancellationOut:
    """One cancellation as the caller may see it, with its records."""
    with db.unit_of_work(write=False) as session:
        found = get_cancellation(session, principal, cancel_id)
        return cancellation_out(found, lines_of(session, found), records_of(session, found.id))


def lines_by_cancellation(
    session: Session, rows: list[Cancellation]
) -> dict[int, list[OrderLineItem]]:
    ids = sorted({int(i) for c in rows for i in c.line_item_ids})
    stmt = select(OrderLineItem).where(OrderLineItem.id.in_(ids)).order_by(OrderLineItem.id)
    by_id = {line.id: line for line in session.scalars(stmt)} if ids else {}
    return {c.id: [by_id[int(i)] for i in c.line_item_ids if int(i) in by_id] for c in rows}
