"""Creating the orders of a checkout from its quote: one order per shop, one line per unit."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from clipshop.checkout.pricing import Quote, ShopQuote
from clipshop.core.clock import utcnow
from clipshop.core.ids import new_id
from clipshop.models import Order, OrderLineItem
from clipshop.orders import sla
from clipshop.orders.states import Actor, OrderStatus
from clipshop.orders.transitions import record_event


def _order(
    quote: ShopQuote,
    currency: str,
    buyer_id: int,
    payment_id: int,
    address: dict[str, Any],
    review_reason: str | None,
) -> Order:
    option = quote.selected
    return Order(
        id=new_id(),
        created_at=utcnow(),  # known before the INSERT, so the SLA times go in with it
        shop_id=quote.shop.id,
        buyer_id=buyer_id,
        payment_id=payment_id,
        status=OrderStatus.UNPAID.value,
        currency=currency,
        original_total_product_price=quote.original_total_product_price,
        seller_discount=quote.seller_discount,
        platform_discount=quote.platform_discount,
        sub_total=quote.sub_total,
        original_shipping_fee=option.original_fee,
        shipping_fee_seller_discount=option.seller_discount,
        shipping_fee_platform_discount=0,
        shipping_fee=option.fee,
        tax=quote.tax,
        total_amount=quote.total_amount,
        shipping_service=option.service,
        delivery_min_days=option.min_days,
        delivery_max_days=option.max_days,
        recipient_address=address,
        review_hold=review_reason is not None,
        review_reason=review_reason,
        region=quote.shop.region,
    )


def create_orders(
    session: Session,
    quote: Quote,
    buyer_id: int,
    payment_id: int,
    address: dict[str, Any],
    warehouses: dict[int, list[int]],
    review_reason: str | None,
) -> list[Order]:
    """``warehouses`` maps a SKU to the warehouse of each held unit, in order.

    Two flushes: the orders with their deadlines (one batched INSERT, then their timers),
    then their lines and events (one INSERT each)."""
    orders = [
        _order(q, quote.currency, buyer_id, payment_id, address, review_reason) for q in quote.shops
    ]
    session.add_all(orders)
    for order in orders:
        sla.on_placed(session, order)
    for order, shop_quote in zip(orders, quote.shops, strict=True):
        session.add_all(
            OrderLineItem(
                id=new_id(),
                order_id=order.id,
                shop_id=order.shop_id,
                sku_id=unit.sku.id,
                product_id=unit.sku.product_id,
                warehouse_id=warehouses[unit.sku.id].pop(0),
                seller_sku=unit.sku.seller_sku,
                product_name=unit.product_title,
                sku_name=unit.sku.name,
                currency=quote.currency,
                original_price=unit.original_price,
                seller_discount=unit.seller_discount,
                platform_discount=unit.platform_discount,
                sale_price=unit.sale_price,
                tax=unit.tax,
                status=OrderStatus.UNPAID.value,
            )
            for unit in shop_quote.units
        )
        record_event(
            session,
            order,
            "ORDER_PLACED",
            Actor.BUYER,
            buyer_id,
            to_status=OrderStatus.UNPAID.value,
        )
    session.flush()
    return orders
