"""``POST /return_refund/202309/refunds/calculate``: what a request would refund, from the
after-sales context's own calculations: ``aftersales.returns.quote`` (for the order's buyer,
whose request a REFUND or RETURN_AND_REFUND is) and, for CANCEL, the seller's cancel
eligibility and ``aftersales.cancellations.expected_refund``. Nothing is written."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from clipshop.aftersales import cancellations, eligibility, returns
from clipshop.aftersales.calculate import REASONS
from clipshop.identity.principal import Principal, Role
from clipshop.models import Order, OrderLineItem
from clipshop.partner import returns_paging as paging
from clipshop.partner import returns_schemas as api
from clipshop.partner.errors import invalid_parameter
from clipshop.partner.returns import amount_of

REQUEST_TYPES = ("CANCEL", "REFUND", "RETURN_AND_REFUND")


def calculate(
    session: Session, seller: Principal, shop_id: int, body: api.CalculateBody
) -> api.CalculateData:
    order = paging.order_of(session, shop_id, body.order_id)
    if body.request_type not in REQUEST_TYPES:
        raise invalid_parameter("request_type must be one of " + ", ".join(REQUEST_TYPES))
    line_ids = paging.ids(body.order_line_item_ids, "order_line_item_ids")
    if not line_ids:
        raise invalid_parameter("order_line_item_ids is required")
    if body.request_type == "CANCEL":
        return _cancel(session, seller, order, line_ids)
    reason = body.reason_name or "CHANGED_MIND"
    if reason not in REASONS:
        raise invalid_parameter("reason_name must be one of " + ", ".join(REASONS))
    buyer = Principal(order.buyer_id, Role.BUYER)
    _, plan = returns.quote(session, buyer, order.id, line_ids, body.request_type, reason)
    return api.CalculateData(
        order_refund_amount=amount_of(order.currency, plan.subtotal, plan.tax, plan.shipping)
    )


def _cancel(
    session: Session, seller: Principal, order: Order, line_ids: list[int]
) -> api.CalculateData:
    lines = list(
        session.scalars(
            select(OrderLineItem)
            .where(OrderLineItem.order_id == order.id, OrderLineItem.id.in_(line_ids))
            .order_by(OrderLineItem.id)
        )
    )
    if len(lines) != len(set(line_ids)):
        raise invalid_parameter("order_line_item_ids names a line item not of the order")
    eligibility.require(eligibility.facts_for(session, seller, order), "CANCEL", line_ids)
    total = cancellations.expected_refund(session, order, lines)
    subtotal = min(sum(line.sale_price for line in lines), total)
    tax = min(sum(line.tax for line in lines), total - subtotal)
    return api.CalculateData(
        order_refund_amount=amount_of(order.currency, subtotal, tax, total - subtotal - tax)
    )
