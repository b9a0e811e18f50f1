"""Helpers for the outbox and event-feed tests: paid orders, and the outbox as plain tuples."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from clipshop.core.db import Database
from clipshop.models import FeedEvent, Order, OutboxDelivery, OutboxEvent
from clipshop.payments.simulated import SimulatedGateway
from tests.checkout_support import buy, save_card
from tests.conftest import Actor, ShopFixture

_CARDS: set[tuple[str, int]] = set()


def paid_order(db: Database, buyer: Actor, shop: ShopFixture) -> Order:
    """A paid order of one unit of ``shop``'s SKU (ON_HOLD: one status change announced)."""
    key = (db.engine.url.render_as_string(), buyer.id)
    if key not in _CARDS:
        save_card(db, buyer.principal)
        _CARDS.add(key)
    (order,) = buy(db, SimulatedGateway(db), buyer.principal, {shop.sku_id: 1})
    return order


def outbox(db: Database) -> list[tuple[str, int, int | None, dict[str, Any]]]:
    """Every outbox row, oldest first: (type, shop id, order id, payload)."""
    with db.unit_of_work(write=False) as session:
        rows = session.scalars(select(OutboxEvent).order_by(OutboxEvent.id))
        return [(r.type, r.shop_id, r.order_id, r.payload) for r in rows]


def outbox_ids(db: Database, type: str | None = None) -> list[int]:
    """The outbox's event ids in order; ``type``: of that type only."""
    query = select(OutboxEvent.id).order_by(OutboxEvent.id)
    if type is not None:
        query = query.where(OutboxEvent.type == type)
    with db.unit_of_work(write=False) as session:
        return list(session.scalars(query))


def deliveries(db: Database) -> list[tuple[str, int, int]]:
    """Pending deliveries: (consumer, event id, attempts)."""
    with db.unit_of_work(write=False) as session:
        rows = session.scalars(select(OutboxDelivery).order_by(OutboxDelivery.event_id))
        return [(r.consumer, r.event_id, r.attempts) for r in rows]


def feed_event_ids(db: Database) -> list[int]:
    with db.unit_of_work(write=False) as session:
        return list(session.scalars(select(FeedEvent.event_id).order_by(FeedEvent.seq)))
