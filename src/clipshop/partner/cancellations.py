"""The return_refund module's cancellations: search, and the seller's approve / reject of a
buyer's request, answered in the reference's shapes. The decisions are the after-sales
context's own (``aftersales.cancellations.approve_in`` / ``reject_in``), taken in the
request's transaction as the shop's seller; a refund they queue is sent after the commit."""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement
from sqlalchemy.orm import Session

from clipshop.aftersales import cancellations as native
from clipshop.aftersales.cancel_reasons import SELLER_REASONS
from clipshop.aftersales.cancellation_schemas import cancellation_out
from clipshop.identity.principal import Principal
from clipshop.models import Cancellation
from clipshop.partner import return_status as st
from clipshop.partner import returns_paging as paging
from clipshop.partner import returns_schemas as api
from clipshop.partner.errors import invalid_parameter, not_found
from clipshop.partner.paging import PageParams

CANCEL_TYPES = {"CANCEL": "CANCEL", "BUYER_CANCEL": "BUYER_CANCEL"}


def _where(shop_id: int, f: api.CancelFilters) -> list[ColumnElement[bool]]:
    c = Cancellation
    where = paging.common(c, shop_id, f)
    where += paging.among(c.id, f.cancel_ids, "cancel_ids")
    where += paging.among(c.status, f.cancel_status, "cancel_status", st.CANCEL_STATUS_OF_API)
    return where + paging.among(c.cancel_type, f.cancel_types, "cancel_types", CANCEL_TYPES)


def search(
    session: Session, shop_id: int, filters: api.CancelFilters, page: PageParams, sort: paging.Sort
) -> tuple[list[api.CancellationItem], dict[str, Any] | None, int]:
    where = _where(shop_id, filters)
    found, position, total = paging.page(session, Cancellation, where, filters, page, sort)
    lines = native.lines_by_cancellation(session, found)
    return [_shape(c, lines[c.id]) for c in found], position, total


def _amount(money: Any) -> str:
    return str(money.amount)


def _shape(c: Cancellation, lines: list[Any]) -> api.CancellationItem:
    out = cancellation_out(c, lines)  # the native view computes the refund's parts
    r = out.refund_amount
    return api.CancellationItem(
        cancel_id=str(c.id),
        order_id=str(c.order_id),
        cancel_type=c.cancel_type,
        cancel_status=st.CANCEL_STATUS[c.status],
        role=c.role,
        cancel_reason=c.reason,
        create_time=paging.unix(c.created_at),
        update_time=paging.unix(c.updated_at),
        refund_amount=api.RefundAmount(
            currency=r.currency,
            refund_subtotal=_amount(r.refund_subtotal),
            refund_tax=_amount(r.refund_tax),
            refund_shipping_fee=_amount(r.refund_shipping_fee),
            refund_total=_amount(r.refund_total),
        ),
        cancel_line_items=[
            api.CancelLineItem(
                cancel_line_item_id=str(x.order_line_item_id),
                order_line_item_id=str(x.order_line_item_id),
                sku_id=str(x.sku_id),
                seller_sku=x.seller_sku,
                product_name=x.product_name,
                sku_name=x.sku_name,
                refund_amount=api.RefundAmount(
                    currency=x.refund_amount.currency, refund_total=_amount(x.refund_amount)
                ),
            )
            for x in out.cancel_line_items
        ],
        seller_next_action_response=[
            api.NextAction(action=n.action, deadline=paging.unix(n.deadline))
            for n in out.seller_next_action_response
        ],
    )


def of_shop(session: Session, shop_id: int, cancel_id: int) -> Cancellation:
    found = session.get(Cancellation, cancel_id)
    if found is None or found.shop_id != shop_id:
        raise not_found(f"no cancellation {cancel_id} in this shop")
    return found


def approve(session: Session, seller: Principal, shop_id: int, cancel_id: int) -> int | None:
    """The seller approves a buyer's request (``aftersales.cancellations.approve_in``); the
    refund transaction it queued."""
    of_shop(session, shop_id, cancel_id)
    _request, txn = native.approve_in(session, seller, cancel_id)
    return txn.id if txn is not None else None


def reject(
    session: Session, seller: Principal, shop_id: int, cancel_id: int, body: api.RejectBody
) -> int | None:
    """The seller rejects a buyer's request (``aftersales.cancellations.reject_in``);
    nothing is refunded (None)."""
    of_shop(session, shop_id, cancel_id)
    if body.reject_reason not in st.CANCEL_REJECT_REASONS:
        raise invalid_parameter(
            "reject_reason must be one of " + ", ".join(st.CANCEL_REJECT_REASONS)
        )
    native.reject_in(session, seller, cancel_id, body.reject_reason, body.comment)
    return None


def cancel_order(
    session: Session, seller: Principal, shop_id: int, body: api.CancelOrderBody
) -> tuple[api.CancelOrderData, int | None]:
    """The seller cancels some or all unshipped items with a reason code, as
    ``aftersales.cancellations.seller_cancel`` does; the answer and the refund it queued."""
    order_id = paging.order_of(session, shop_id, body.order_id).id
    if body.cancel_reason not in SELLER_REASONS:
        raise invalid_parameter("cancel_reason must be one of " + ", ".join(SELLER_REASONS))
    lines = paging.ids(body.order_line_item_ids, "order_line_item_ids") or None
    made, txn = native.cancel_as_seller(session, seller, order_id, body.cancel_reason, lines, "")
    data = api.CancelOrderData(cancel_id=str(made.id), cancel_status=st.CANCEL_STATUS[made.status])
    return data, txn.id if txn is not None else None
