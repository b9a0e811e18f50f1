"""The seller API's price detail of an order (``GET
/order/202407/orders/{order_id}/price_detail``): how the order's price adds up and each
line's share, in the reference's terms."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from clipshop.core.money import allocate
from clipshop.models import Order, OrderLineItem
from clipshop.partner import order_schemas as api
from clipshop.partner.errors import not_found
from clipshop.partner.orders import money


def price_detail(session: Session, shop_id: int, order_id: int) -> api.PriceDetailData:
    """How the order's price adds up, and each line's share (shipping and its tax allocated
    over the lines by original price, so the lines sum to the order exactly)."""
    o = session.scalar(select(Order).where(Order.shop_id == shop_id, Order.id == order_id))
    if o is None:
        raise not_found("no order with this id in this shop")
    stmt = select(OrderLineItem).where(OrderLineItem.order_id == o.id)
    lines = list(session.scalars(stmt.order_by(OrderLineItem.id)))
    product_tax = sum(x.tax for x in lines)
    weights = [x.original_price for x in lines] or [1]
    shares = {
        k: allocate(v, weights)
        for k, v in (
            ("sale", o.shipping_fee),
            ("seller", o.shipping_fee_seller_discount),
            ("platform", o.shipping_fee_platform_discount),
            ("tax", o.tax - product_tax),
        )
    }
    order_amounts = _amounts(
        o.original_total_product_price,
        o.seller_discount,
        o.platform_discount,
        product_tax,
        (o.shipping_fee, o.shipping_fee_seller_discount, o.shipping_fee_platform_discount),
        o.tax - product_tax,
    )
    per_line = [
        api.LinePriceDetail(
            id=str(x.id),
            **_fields(
                _amounts(
                    x.original_price,
                    x.seller_discount,
                    x.platform_discount,
                    x.tax,
                    (shares["sale"][i], shares["seller"][i], shares["platform"][i]),
                    shares["tax"][i],
                ),
                o.currency,
            ),
        )
        for i, x in enumerate(lines)
    ]
    return api.PriceDetailData(**_fields(order_amounts, o.currency), line_items=per_line)


def _amounts(
    list_price: int,
    seller: int,
    platform: int,
    product_tax: int,
    shipping: tuple[int, int, int],
    shipping_tax: int,
) -> dict[str, int]:
    ship_sale, ship_seller, ship_platform = shipping
    sale = list_price - seller - platform
    tax = product_tax + shipping_tax
    ship_list = ship_sale + ship_seller + ship_platform
    return {
        "sku_list_price": list_price,
        "subtotal_deduction_seller": seller,
        "subtotal_deduction_platform": platform,
        "sku_sale_price": sale,
        "subtotal_tax_amount": product_tax,
        "subtotal": sale + product_tax,
        "shipping_list_price": ship_list,
        "shipping_fee_deduction_seller": ship_seller,
        "shipping_fee_deduction_platform": ship_platform,
        "shipping_sale_price": ship_sale,
        "tax_amount": tax,
        "payment": sale + ship_sale + tax,
        "net_price_amount": sale + ship_sale + tax,
        "total": list_price + ship_list,
    }


def _fields(amounts: dict[str, int], currency: str) -> dict[str, str]:
    return {"currency": currency, **{k: money(v, currency) for k, v in amounts.items()}}
