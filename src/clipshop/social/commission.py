"""Affiliate commission, kept by reacting to order and refund events (docs/creators.md).

- An order just placed (``OrderStatusChanged`` from None, which carries the order's source)
  whose source is a creator's (a live or video a creator hosts, or a creator's showcase)
  records, per line whose product is open to the creator, the commission due at the rate in
  force at that moment.
- Every refund event recomputes each line's ``reversed`` from the line's refunded amount
  (``rates.reversed_part``): cumulative and exact, so a full refund reverses all.
- The order COMPLETED: its pending commission becomes PAYABLE. CANCELLED, or lines cancelled:
  VOID.

Importing this module registers the handlers (``clipshop.social`` imports it)."""

from __future__ import annotations

from sqlalchemy import ColumnElement, select, update
from sqlalchemy.orm import Session

from clipshop.core import events
from clipshop.core.clock import utcnow
from clipshop.core.events import OrderLinesCancelled, OrderStatusChanged, RefundStatusChanged
from clipshop.identity.principal import Role
from clipshop.models import Commission, LiveSession, OrderLineItem, User, Video
from clipshop.social.rates import commission_due, rates_for, reversed_part


def creator_of(session: Session, source_type: str, source_id: int) -> int | None:
    """The creator an order's source credits, or None (a seller's own live or video)."""
    if source_type == "SHOWCASE":
        role = session.scalar(select(User.role).where(User.id == source_id))
        return source_id if role == Role.CREATOR.value else None
    models: dict[str, type[LiveSession] | type[Video]] = {"LIVE": LiveSession, "VIDEO": Video}
    model = models.get(source_type)
    if model is None:
        return None
    host = session.execute(
        select(model.host_user_id, model.shop_id).where(model.id == source_id)
    ).one_or_none()
    return host[0] if host is not None and host[1] is None else None


def record(session: Session, placed: OrderStatusChanged) -> list[Commission]:
    """The commission of a just-placed order (none if it is not a creator's, or was recorded).
    Its source comes with the placed event: an order without one costs no statement."""
    source_type, source_id, order_id = placed.source_type, placed.source_id, placed.order_id
    if source_type is None or source_id is None:
        return []
    creator = creator_of(session, source_type, source_id)
    if creator is None:
        return []
    if session.scalar(select(Commission.id).where(Commission.order_id == order_id).limit(1)):
        return []
    lines = session.execute(
        select(
            OrderLineItem.id,
            OrderLineItem.shop_id,
            OrderLineItem.product_id,
            OrderLineItem.sale_price,
            OrderLineItem.currency,
        )
        .where(OrderLineItem.order_id == order_id)
        .order_by(OrderLineItem.id)
    ).all()
    rates = rates_for(session, creator, [line.product_id for line in lines])
    made = [
        Commission(
            creator_id=creator,
            shop_id=shop_id,
            order_id=order_id,
            line_item_id=line_id,
            product_id=product_id,
            source_type=source_type,
            source_id=source_id,
            currency=currency,
            base=price,
            rate_bps=rates[product_id].bps,
            rate_kind=rates[product_id].kind,
            due=commission_due(price, rates[product_id].bps),
            placed_at=placed.at,
        )
        for line_id, shop_id, product_id, price, currency in lines
        if product_id in rates
    ]
    session.add_all(made)
    session.flush()
    return made


def reverse(session: Session, order_id: int) -> None:
    """Each commission line's ``reversed`` from its order line's refunds so far."""
    rows = session.execute(
        select(
            Commission, OrderLineItem.refunded_amount, OrderLineItem.sale_price + OrderLineItem.tax
        )
        .join(OrderLineItem, OrderLineItem.id == Commission.line_item_id)
        .where(Commission.order_id == order_id)
    ).all()
    for commission, refunded, paid in rows:
        commission.reversed = reversed_part(commission.due, refunded, paid)
    session.flush()


def _settle(session: Session, status: str, where: ColumnElement[bool]) -> None:
    """PENDING commission matching ``where`` becomes ``status`` (PAYABLE or VOID)."""
    values: dict[str, object] = {"status": status, "updated_at": utcnow()}
    if status == "PAYABLE":
        values["payable_at"] = utcnow()
    session.execute(
        update(Commission).where(Commission.status == "PENDING", where).values(values),
        execution_options={"synchronize_session": False},
    )


@events.on(OrderStatusChanged)
def _order_changed(session: Session, event: OrderStatusChanged) -> None:
    if event.from_status is None:
        record(session, event)
    elif event.to_status == "COMPLETED":
        _settle(session, "PAYABLE", Commission.order_id == event.order_id)
    elif event.to_status == "CANCELLED":
        _settle(session, "VOID", Commission.order_id == event.order_id)


@events.on(OrderLinesCancelled)
def _lines_cancelled(session: Session, event: OrderLinesCancelled) -> None:
    _settle(session, "VOID", Commission.line_item_id.in_(event.line_ids))


@events.on(RefundStatusChanged)
def _refunded(session: Session, event: RefundStatusChanged) -> None:
    reverse(session, event.order_id)
