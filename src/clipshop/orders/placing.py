"""Creating the orders of a checkout from its quote: one order per shop, one line per unit,
with the checkout's source (a live session, a video, a creator's showcase) on each order."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from clipshop.core.clock import utcnow
from clipshop.core.events import OrderStatusChanged, announce_all
from clipshop.core.ids import new_id
from clipshop.orders import rows, sla, timeline
from clipshop.orders.states import Actor, OrderStatus
from clipshop.pricing.quotes import Quote, ShopQuote
from clipshop.promotions.deal_price import Source


@dataclass(frozen=True)
class _Placed:
    id: int
    shop_id: int


def _order(
    session: Session,
    quote: ShopQuote,
    currency: str,
    buyer_id: int,
    payment_id: int,
    address: dict[str, Any],
    review_reason: str | None,
    source: Source | None,
) -> dict[str, Any]:
    option, shop, now = quote.selected, quote.shop, utcnow()
    order_id = new_id()
    return {
        "id": order_id,
        "created_at": now,
        "shop_id": shop.id,
        "buyer_id": buyer_id,
        "payment_id": payment_id,
        "status": OrderStatus.UNPAID.value,
        "currency": currency,
        "original_total_product_price": quote.original_total_product_price,
        "seller_discount": quote.seller_discount,
        "platform_discount": quote.platform_discount,
        "sub_total": quote.sub_total,
        "original_shipping_fee": option.original_fee,
        "shipping_fee_seller_discount": option.seller_discount,
        "shipping_fee_platform_discount": 0,
        "shipping_fee": option.fee,
        "tax": quote.tax,
        "total_amount": quote.total_amount,
        "shipping_service": option.service,
        "delivery_min_days": option.min_days,
        "delivery_max_days": option.max_days,
        "recipient_address": address,
        "review_hold": review_reason is not None,
        "review_reason": review_reason,
        "region": shop.region,
        "source_type": source.type if source else None,
        "source_id": source.id if source else None,
        # known before the INSERT, so it goes in with it; arms UNPAID_CANCEL
        "cancel_order_sla_time": sla.on_placed(session, order_id, shop.id, shop.region, now),
    }


def create_orders(
    session: Session,
    quote: Quote,
    buyer_id: int,
    payment_id: int,
    address: dict[str, Any],
    warehouses: dict[int, list[int]],
    review_reason: str | None,
) -> list[tuple[int, list[int]]]:
    """``warehouses`` maps a SKU to the warehouse of each held unit, in order. Returns, per
    shop order of the quote, its id and its line ids (one per unit, in the quote's order);
    the rows (orders, their timers, lines and events) are written with the transaction's
    next statement or its COMMIT (``orders.rows``)."""
    orders: list[dict[str, Any]] = []
    lines: list[dict[str, Any]] = []
    for shop_quote in quote.shops:
        order = _order(
            session,
            shop_quote,
            quote.currency,
            buyer_id,
            payment_id,
            address,
            review_reason,
            quote.source,
        )
        orders.append(order)
        lines += [
            {
                "id": new_id(),
                "order_id": order["id"],
                "shop_id": order["shop_id"],
                "sku_id": unit.sku.id,
                "product_id": unit.sku.product_id,
                "warehouse_id": warehouses[unit.sku.id].pop(0),
                "seller_sku": unit.sku.seller_sku,
                "product_name": unit.product_title,
                "sku_name": unit.sku.name,
                "currency": quote.currency,
                "original_price": unit.original_price,
                "seller_discount": unit.seller_discount,
                "platform_discount": unit.platform_discount,
                "sale_price": unit.sale_price,
                "tax": unit.tax,
                "status": OrderStatus.UNPAID.value,
            }
            for unit in shop_quote.units
        ]
    rows.insert_orders(session, orders, lines)
    unpaid = OrderStatus.UNPAID.value
    for order in orders:
        placed = _Placed(order["id"], order["shop_id"])
        timeline.record_event(
            session, placed, "ORDER_PLACED", Actor.BUYER, buyer_id, "", None, unpaid
        )
    announce_all(session, [_placed_event(order, buyer_id) for order in orders])
    line_ids: dict[int, list[int]] = {order["id"]: [] for order in orders}
    for line in lines:
        line_ids[line["order_id"]].append(line["id"])
    return list(line_ids.items())


def _placed_event(order: dict[str, Any], buyer_id: int) -> OrderStatusChanged:
    return OrderStatusChanged(
        order_id=order["id"],
        shop_id=order["shop_id"],
        buyer_id=buyer_id,
        from_status=None,
        to_status=OrderStatus.UNPAID.value,
        actor=Actor.BUYER.value,
        actor_id=buyer_id,
        reason="",
        at=order["created_at"],
        source_type=order["source_type"],
        source_id=order["source_id"],
    )
