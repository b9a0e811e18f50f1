"""A replacement: a new order of the same SKUs for the same buyer, linked from the return.

It costs the buyer nothing: each line's whole price is a seller discount (the seller whose
item was faulty bears the replacement), tax and shipping are zero, so the order's total is 0
and the price identities hold. It reuses the original order's payment (there is nothing to
charge or refund on it), address and delivery option, holds its stock like a checkout
(``catalog.holds.hold``, SKUs in ascending id order), and starts in AWAITING_SHIPMENT with
the usual shipping deadlines, so the seller ships it like any other order."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Sequence

from sqlalchemy.orm import Session

from clipshop.catalog import holds
from clipshop.core.clock import utcnow
from clipshop.core.ids import new_id
from clipshop.models import Order, OrderLineItem, Return
from clipshop.orders import sla
from clipshop.orders.states import Actor, OrderStatus
from clipshop.orders.timeline import record_event

S = OrderStatus


def create_replacement(
    session: Session, original: Order, ret: Return, lines: Sequence[OrderLineItem]
) -> Order:
    """Raises ``InsufficientStock`` (sold_out) when the SKUs are not in stock."""
    note = f"replacement for return {ret.id}"
    warehouses: dict[int, list[int]] = defaultdict(list)
    for sku_id, units in sorted(Counter(line.sku_id for line in lines).items()):
        for warehouse_id, taken in holds.hold(session, original.shop_id, sku_id, units, note):
            warehouses[sku_id] += [warehouse_id] * taken
    now = utcnow()
    price = sum(line.original_price for line in lines)
    order = Order(
        id=new_id(),
        shop_id=original.shop_id,
        buyer_id=original.buyer_id,
        payment_id=original.payment_id,
        status=S.AWAITING_SHIPMENT.value,
        currency=original.currency,
        original_total_product_price=price,
        seller_discount=price,
        platform_discount=0,
        sub_total=0,
        original_shipping_fee=0,
        shipping_fee=0,
        tax=0,
        total_amount=0,
        shipping_service=original.shipping_service,
        delivery_min_days=original.delivery_min_days,
        delivery_max_days=original.delivery_max_days,
        recipient_address=dict(original.recipient_address),
        region=original.region,
        paid_at=now,
    )
    session.add(order)
    session.flush()
    session.add_all(
        OrderLineItem(
            id=new_id(),
            order_id=order.id,
            shop_id=order.shop_id,
            sku_id=line.sku_id,
            product_id=line.product_id,
            warehouse_id=warehouses[line.sku_id].pop(0),
            seller_sku=line.seller_sku,
            product_name=line.product_name,
            sku_name=line.sku_name,
            currency=order.currency,
            original_price=line.original_price,
            seller_discount=line.original_price,
            platform_discount=0,
            sale_price=0,
            tax=0,
            status=S.AWAITING_SHIPMENT.value,
        )
        for line in lines
    )
    reason = f"replacement for order {original.id} (return {ret.id})"
    record_event(session, order, "ORDER_PLACED", Actor.SYSTEM, None, reason, None, order.status)
    session.flush()
    sla.on_enter(session, order, S.AWAITING_SHIPMENT, now)
    return order
