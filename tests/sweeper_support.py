"""Many due timers at once, cheaply: one real paid order cloned into ON_HOLD copies whose
RELEASE_HOLD timers are all due now (the sweeper tests and the two-worker race)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, insert, select

from clipshop.checkout.place import CheckoutRequest, place_order
from clipshop.core.clock import utcnow
from clipshop.core.db import Database
from clipshop.core.ids import new_id
from clipshop.models import Order, OrderEvent, Timer
from clipshop.payments import methods
from clipshop.payments.simulated import SimulatedGateway, tokenize_card
from tests.conftest import World
from tests.integration.checkout_api import ADDRESS


def on_hold_orders(
    db: Database, world: World, count: int, due: datetime | None = None
) -> list[int]:
    """``count`` ON_HOLD orders (one placed through checkout, the rest copies of its row),
    each with a RELEASE_HOLD timer due at ``due`` (default: now)."""
    due = due or utcnow()
    with db.unit_of_work() as session:
        card = tokenize_card("4242424242424242", 12, utcnow().year + 3, "123")
        methods.save_method(session, world.buyer.principal, card)
    request = CheckoutRequest(shipping_address=dict(ADDRESS), items={world.shop_a.sku_id: 1})
    payment_id = place_order(db, SimulatedGateway(db), world.buyer.principal, request)
    with db.unit_of_work() as session:
        (template,) = session.scalars(select(Order).where(Order.payment_id == payment_id))
        columns = {c.key: getattr(template, c.key) for c in Order.__table__.columns}
        ids = [template.id] + [new_id() for _ in range(count - 1)]
        session.execute(
            Timer.__table__.update().where(Timer.subject_id == template.id).values(due_at=due)
        )
        if count == 1:
            return ids
        session.execute(insert(Order), [{**columns, "id": i} for i in ids[1:]])
        session.execute(
            insert(Timer),
            [
                {
                    "id": new_id(),
                    "kind": "RELEASE_HOLD",
                    "subject_id": i,
                    "shop_id": template.shop_id,
                    "due_at": due,
                    "attempts": 0,
                    "created_at": utcnow(),
                }
                for i in ids[1:]
            ],
        )
    return ids


def release_events(db: Database, order_ids: list[int]) -> dict[int, int]:
    """How many ON_HOLD -> AWAITING_SHIPMENT events each order has."""
    with db.unit_of_work(write=False) as session:
        rows = session.execute(
            select(OrderEvent.order_id, func.count())
            .where(
                OrderEvent.order_id.in_(order_ids),
                OrderEvent.from_status == "ON_HOLD",
                OrderEvent.to_status == "AWAITING_SHIPMENT",
            )
            .group_by(OrderEvent.order_id)
        ).all()
    found = {order_id: n for order_id, n in rows}
    return {i: found.get(i, 0) for i in order_ids}
