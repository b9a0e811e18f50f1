"""``POST /return_refund/202309/returns``: the seller starts a return in the buyer's name
(``aftersales.seller_returns.create_for_buyer``, as the shop's seller, in the request's
transaction): ``REFUND`` is refunded at once, ``RETURN_AND_REFUND`` waits for the buyer's
parcel. Lines by ``order_line_item_ids``, or ``skus`` (SKU and units), or none (every line
that can be returned); ``return_reason`` one of clipshop's return reasons; ``refund_total``
(REFUND) a partial refund; ``handover_method`` and ``shipment_type`` are the buyer's choice
when shipping, checked and not kept."""

from __future__ import annotations

from sqlalchemy.orm import Session

from clipshop.aftersales import seller_returns
from clipshop.aftersales.calculate import REASONS
from clipshop.identity.principal import Principal
from clipshop.partner import return_status as st
from clipshop.partner import returns_paging as paging
from clipshop.partner import returns_schemas as api
from clipshop.partner.errors import invalid_parameter
from clipshop.partner.returns import parse_amount

HANDOVER_METHODS = ("DROP_OFF", "PICKUP")
SHIPMENT_TYPES = ("PLATFORM", "BUYER_ARRANGE")


def _named(value: str | None, allowed: tuple[str, ...], name: str) -> None:
    if value is not None and value not in allowed:
        raise invalid_parameter(f"{name} must be one of " + ", ".join(allowed))


def _skus(body: api.CreateReturnBody) -> dict[int, int] | None:
    if not body.skus:
        return None
    units: dict[int, int] = {}
    for given in body.skus:
        (sku_id,) = paging.ids([given.sku_id], "skus.sku_id")
        units[sku_id] = units.get(sku_id, 0) + given.quantity
    return units


def create(
    session: Session, seller: Principal, shop_id: int, body: api.CreateReturnBody
) -> tuple[api.CreateReturnData, int | None]:
    """The answer (``return_id``, ``return_status``) and the refund transaction queued."""
    order = paging.order_of(session, shop_id, body.order_id)
    _named(body.return_type, seller_returns.SELLER_RETURN_TYPES, "return_type")
    _named(body.return_reason, REASONS, "return_reason")
    _named(body.handover_method, HANDOVER_METHODS, "handover_method")
    _named(body.shipment_type, SHIPMENT_TYPES, "shipment_type")
    if body.order_line_item_ids and body.skus:
        raise invalid_parameter("give order_line_item_ids or skus, not both")
    line_ids = paging.ids(body.order_line_item_ids, "order_line_item_ids") or None
    total = None
    if body.refund_total is not None:
        total = parse_amount(body.refund_total, body.currency, order.currency, "refund_total")
    elif body.currency and body.currency != order.currency:
        raise invalid_parameter(f"currency must be the order's ({order.currency})")
    made, txn = seller_returns.create_for_buyer(
        session,
        seller,
        order.id,
        body.return_type,
        body.return_reason,
        line_ids,
        _skus(body),
        total,
    )
    data = api.CreateReturnData(return_id=str(made.id), return_status=st.RETURN_STATUS[made.status])
    return data, txn.id if txn is not None else None
