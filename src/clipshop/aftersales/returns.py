"""Return requests: who sees which, what a buyer may ask for, creating one, the records.

A buyer asks for some delivered lines of its order (``REFUND``: refund only, the item is kept;
``RETURN_AND_REFUND``; ``REPLACEMENT``) inside the region's return window after delivery; each
line at most in one open request and only while it has money left to give back:
``aftersales.eligibility`` decides, line by line. The seller has ``seller_response_hours`` (48)
to answer, else the request is approved for it (``return_decisions``). Every step is an
``AftersaleRecord`` and an order event."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from clipshop.aftersales import eligibility
from clipshop.aftersales import return_errors as errors
from clipshop.aftersales.calculate import RefundPlan, plan_for
from clipshop.core.clock import utcnow
from clipshop.core.errors import PermissionDenied
from clipshop.core.events import ReturnStatusChanged, announce
from clipshop.core.ids import new_id
from clipshop.core.pagination import Page, PageRequest, paginate
from clipshop.deadlines import timers
from clipshop.deadlines.policies import for_region
from clipshop.deadlines.timers import TimerKind
from clipshop.identity.principal import Principal, Role
from clipshop.models import AftersaleRecord, Order, OrderLineItem, Return, ReturnLine
from clipshop.orders import aftersale_steps, changes, queries
from clipshop.orders.states import Actor
from clipshop.orders.timeline import record_event

BUYER_SHIP_DAYS = 7  # after APPROVE_RETURN, the buyer ships by then or the request closes
RECEIVE_DAYS = 10  # after the buyer shipped, the seller confirms by then or it is refunded
RETURN_TIMERS = (
    TimerKind.RETURN_AUTO_APPROVE,
    TimerKind.RETURN_OFFER_EXPIRE,
    TimerKind.RETURN_BUYER_SHIP,
    TimerKind.RETURN_RECEIVE,
)


class ReturnStatus(StrEnum):
    PENDING = "RETURN_OR_REFUND_REQUEST_PENDING"
    AWAITING_BUYER_RESPONSE = "AWAITING_BUYER_RESPONSE"  # a partial refund offer waits
    AWAITING_BUYER_SHIP = "AWAITING_BUYER_SHIP"
    BUYER_SHIPPED_ITEM = "BUYER_SHIPPED_ITEM"
    REJECT_RECEIVE_PACKAGE = "REJECT_RECEIVE_PACKAGE"
    SUCCESS = "RETURN_OR_REFUND_REQUEST_SUCCESS"
    REJECT = "REFUND_OR_RETURN_REQUEST_REJECT"
    CANCEL = "RETURN_OR_REFUND_REQUEST_CANCEL"
    COMPLETE = "RETURN_OR_REFUND_REQUEST_COMPLETE"


OPEN = (
    ReturnStatus.PENDING,
    ReturnStatus.AWAITING_BUYER_RESPONSE,
    ReturnStatus.AWAITING_BUYER_SHIP,
    ReturnStatus.BUYER_SHIPPED_ITEM,
)


@dataclass(frozen=True)
class ReturnFilters:
    status: str | None = None
    return_type: str | None = None
    order_id: int | None = None
    shop_id: int | None = None


def require_buyer(principal: Principal, what: str) -> None:
    if principal.role is not Role.BUYER:
        raise PermissionDenied(f"only the order's buyer may {what}", code="buyers_only")


def _scoped(principal: Principal) -> Select[Return]:
    return queries.visible_to(principal, Return)


def get_return(session: Session, principal: Principal, return_id: int) -> Return:
    return aftersale_steps.get_visible(session, principal, Return, return_id)


def list_returns(
    session: Session, principal: Principal, page: PageRequest, filters: ReturnFilters
) -> Page[Return]:
    stmt = _scoped(principal)
    if filters.status is not None:
        stmt = stmt.where(Return.status == filters.status)
    if filters.return_type is not None:
        stmt = stmt.where(Return.return_type == filters.return_type)
    if filters.order_id is not None:
        stmt = stmt.where(Return.order_id == filters.order_id)
    if filters.shop_id is not None:
        stmt = stmt.where(Return.shop_id == filters.shop_id)
    return paginate(session, stmt, Return.id, page)


def lines_of(session: Session, return_ids: Sequence[int]) -> dict[int, list[ReturnLine]]:
    grouped: dict[int, list[ReturnLine]] = {i: [] for i in return_ids}
    if return_ids:
        stmt = select(ReturnLine).where(ReturnLine.return_id.in_(return_ids))
        for line in session.scalars(stmt.order_by(ReturnLine.id)):
            grouped[line.return_id].append(line)
    return grouped


def order_lines(session: Session, ret: Return) -> list[OrderLineItem]:
    ids = [line.line_item_id for line in lines_of(session, [ret.id])[ret.id]]
    stmt = select(OrderLineItem).where(OrderLineItem.id.in_(ids)).order_by(OrderLineItem.id)
    return list(session.scalars(stmt))


def records(session: Session, principal: Principal, return_id: int) -> list[AftersaleRecord]:
    ret = get_return(session, principal, return_id)
    return aftersale_steps.records_of(session, "RETURN", ret.id)


def record(
    session: Session,
    ret: Return,
    event: str,
    actor: Actor,
    actor_id: int | None,
    note: str = "",
) -> None:
    """One step: the return's record and the order's timeline event."""
    aftersale_steps.add_record(session, "RETURN", ret, event, actor, actor_id, note)
    order = session.get_one(Order, ret.order_id)
    reason = f"return {ret.id}: {note}" if note else f"return {ret.id}"
    record_event(session, order, f"RETURN_{event}", actor, actor_id, reason[:500])


lock_order = changes.relock  # the order row, locked and re-read


def lock_return(session: Session, principal: Principal, return_id: int) -> tuple[Order, Return]:
    """The caller's return and its order, locked: the order row first (the refund's lock
    order), then the return, re-read."""
    found = get_return(session, principal, return_id)
    return lock_subject(session, found.id)


def lock_subject(session: Session, return_id: int) -> tuple[Order, Return]:
    order_id = session.scalars(select(Return.order_id).where(Return.id == return_id)).one()
    order = lock_order(session, order_id)
    ret = session.scalars(
        select(Return)
        .where(Return.id == return_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).one()
    return order, ret


def returnable_lines(
    session: Session, principal: Principal, order: Order, line_ids: Sequence[int], action: str
) -> list[OrderLineItem]:
    """The requested lines of ``order`` (422 for a line named twice or not of the order),
    each one eligibility lets the caller ask ``action`` (the return type) for now."""
    if len(set(line_ids)) != len(line_ids):
        raise errors.LineNotInOrder("a line item is named twice")
    lines = list(
        session.scalars(
            select(OrderLineItem)
            .where(OrderLineItem.order_id == order.id, OrderLineItem.id.in_(line_ids))
            .order_by(OrderLineItem.id)
        )
    )
    if len(lines) != len(line_ids):
        missing = sorted(set(line_ids) - {line.id for line in lines})
        raise errors.LineNotInOrder(
            f"line items {', '.join(map(str, missing))} are not lines of order {order.id}"
        )
    eligibility.require(eligibility.facts_for(session, principal, order), action, line_ids)
    return lines


def quote(
    session: Session,
    principal: Principal,
    order_id: int,
    line_ids: Sequence[int],
    return_type: str,
    reason: str,
) -> tuple[Order, RefundPlan]:
    """What a request would refund (``POST /returns/calculate``): nothing is written."""
    require_buyer(principal, "ask for a refund")
    order = queries.get_order(session, principal, order_id)
    lines = returnable_lines(session, principal, order, line_ids, return_type)
    return order, plan_for(session, order, lines, return_type, reason)


def create_return(
    session: Session,
    principal: Principal,
    order_id: int,
    return_type: str,
    reason: str,
    line_ids: Sequence[int],
    description: str,
) -> Return:
    require_buyer(principal, "request a return or refund")
    queries.get_order(session, principal, order_id)  # 404 unless it is the caller's
    order = lock_order(session, order_id)  # one request per line, whoever races
    lines = returnable_lines(session, principal, order, line_ids, return_type)
    respond_by = utcnow() + timedelta(hours=for_region(order.region).seller_response_hours)
    ret = open_request(session, order, lines, return_type, reason, description, respond_by)
    record(session, ret, "REQUESTED", Actor.BUYER, principal.user_id, f"{return_type}: {reason}")
    timers.arm(session, TimerKind.RETURN_AUTO_APPROVE, ret.id, ret.shop_id, respond_by)
    session.flush()
    return ret


def open_request(
    session: Session,
    order: Order,
    lines: Sequence[OrderLineItem],
    return_type: str,
    reason: str,
    description: str,
    respond_by: datetime | None,
) -> Return:
    """A PENDING request for ``lines`` of the locked ``order`` (eligible, checked by the
    caller) with its quoted refund, announced; the caller records who asked."""
    plan = plan_for(session, order, lines, return_type, reason)
    ret = Return(
        id=new_id(),
        order_id=order.id,
        shop_id=order.shop_id,
        buyer_id=order.buyer_id,
        return_type=return_type,
        status=ReturnStatus.PENDING.value,
        reason=reason,
        description=description,
        refund_amount=plan.total,
        shipping_refund=plan.shipping,
        seller_respond_by=respond_by,
    )
    session.add(ret)
    session.flush()
    set_status(session, ret, ReturnStatus.PENDING, created=True)
    per_line = plan.per_line
    session.add_all(
        ReturnLine(
            id=new_id(), return_id=ret.id, line_item_id=line.id, refund_amount=per_line[line.id]
        )
        for line in lines
    )
    return ret


def set_status(
    session: Session, ret: Return, status: ReturnStatus, *, created: bool = False
) -> None:
    """The one place a return's status changes: write it and announce
    ``return.status_changed`` (``created``: the return was just added with ``status``,
    announced from null). The caller holds the order's row (``lock_subject``,
    ``lock_order``), so the event is ordered with the order's own."""
    before = None if created else ret.status
    if not created:
        ret.status = status.value
    changed = ReturnStatusChanged(
        return_id=ret.id,
        order_id=ret.order_id,
        shop_id=ret.shop_id,
        buyer_id=ret.buyer_id,
        return_type=ret.return_type,
        from_status=before,
        to_status=status.value,
        at=utcnow(),
    )
    announce(session, changed)


def close_timers(session: Session, ret: Return) -> None:
    timers.disarm(session, ret.id, RETURN_TIMERS)
