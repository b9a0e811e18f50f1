"""The returns part of the authorization matrix's world, built through the services.

Per scope ("own": the buyer's, in shop A; "foreign": buyer B's, in shop B) one order of four
units, bought three hours ago, shipped and delivered now, with three requests on its first
three lines: ``pending`` (REFUND, waiting for the seller), ``offered`` (REFUND, the seller
offered a partial refund the buyer has not answered) and ``awaiting`` (RETURN_AND_REFUND,
approved: the buyer is to ship it back). The fourth line is free for a new request.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta

from sqlalchemy import select

from clipshop.aftersales import return_decisions, returns
from clipshop.core.clock import clock, utcnow
from clipshop.core.db import Database
from clipshop.fulfillment import packages, tracking
from clipshop.fulfillment.carriers import SimulatedCarrier
from clipshop.models import OrderLineItem
from clipshop.payments.simulated import SimulatedGateway
from clipshop.worker.jobs import run_due
from tests.checkout_support import buy, save_card
from tests.conftest import Actor, ShopFixture
from tests.integration.fulfillment_files_api import sx

SCOPES = ("own", "foreign")
BOUGHT_BEFORE = timedelta(hours=3)


@dataclass
class Returns:
    orders: dict[str, int] = field(default_factory=dict)
    free_lines: dict[str, int] = field(default_factory=dict)
    pending: dict[str, int] = field(default_factory=dict)
    offered: dict[str, int] = field(default_factory=dict)
    awaiting: dict[str, int] = field(default_factory=dict)


def _deliver(db: Database, seller: Actor, order_id: int, number: str) -> list[int]:
    with db.unit_of_work() as session:
        request = packages.ShipRequest([order_id], None, "SELLER", "SIMEX", number)
        packages.create_package(session, seller.principal, SimulatedCarrier(), request)
    now = utcnow()
    with db.unit_of_work() as session:
        events = [
            tracking.CarrierEvent(f"{number}-{kind}", number, kind, now)
            for kind in ("PICKED_UP", "DELIVERED")
        ]
        tracking.apply_events(session, "SIMEX", events)
        stmt = select(OrderLineItem.id).where(OrderLineItem.order_id == order_id)
        return sorted(session.scalars(stmt.order_by(OrderLineItem.id)))


def delivered_orders(
    db: Database, buyers: dict[str, Actor], shops: dict[str, ShopFixture], units: int
) -> dict[str, tuple[int, list[int]]]:
    """Per scope one order of ``units`` units, bought three hours ago, shipped and delivered
    now: (order id, line ids)."""
    gateway = SimulatedGateway(db)
    bought: dict[str, int] = {}
    offset = clock.offset
    clock.set_offset(offset - BOUGHT_BEFORE)
    try:
        for scope in buyers:
            save_card(db, buyers[scope].principal)
            (order,) = buy(db, gateway, buyers[scope].principal, {shops[scope].sku_id: units})
            bought[scope] = order.id
    finally:
        clock.set_offset(offset)
    run_due(db, gateway)  # the orders leave ON_HOLD
    return {
        scope: (order_id, _deliver(db, shops[scope].owner, order_id, sx(100 + n)))
        for n, (scope, order_id) in enumerate(bought.items(), start=1)
    }


def build_returns(db: Database, buyers: dict[str, Actor], shops: dict[str, ShopFixture]) -> Returns:
    r = Returns()
    for scope, (order_id, lines) in delivered_orders(db, buyers, shops, 4).items():
        buyer, seller = buyers[scope].principal, shops[scope].owner.principal
        r.orders[scope], r.free_lines[scope] = order_id, lines[3]
        with db.unit_of_work() as session:
            ask = [("REFUND", lines[0]), ("REFUND", lines[1]), ("RETURN_AND_REFUND", lines[2])]
            made = [
                returns.create_return(session, buyer, order_id, kind, "DAMAGED", [line], "")
                for kind, line in ask
            ]
            r.pending[scope], r.offered[scope], r.awaiting[scope] = (x.id for x in made)
            return_decisions.approve(session, seller, made[1].id, "OFFER_PARTIAL_REFUND", 100)
            return_decisions.approve(session, seller, made[2].id, "APPROVE_RETURN")
    return r
