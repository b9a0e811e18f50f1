"""The fulfilment part of the authorization matrix's world, built through the services.

Per scope ("own": the buyer's, in shop A; "foreign": buyer B's, in shop B), three paid
orders placed two hours ago (the clock is set back while they are bought, then put back),
so that running what is due now ends their remorse windows; afterwards the platform clock is
where it was, and the matrix can put the world back exactly:

- ``open_orders``: AWAITING_SHIPMENT, nothing packed, no edit (to change, edit or ship);
- ``edited_orders`` with ``edits``: AWAITING_SHIPMENT, a PROPOSED edit adding one unit, and
  the buyer's PENDING cancellation request (``cancellations``);
- ``shipped_orders`` in ``packages``: shipped by seller with SIMEX (never collected: no
  carrier event yet, so the tracking number may still be corrected), each with one stored
  handover photo (``photos``).

With ``with_disputes`` (only for the rows that need it) also, per scope, a DELIVERED order of
two units (``delivered_orders``: shipped by seller, then the carrier's PICKED_UP and
DELIVERED scans) whose first line is under the buyer's open BUYER_PROTECTION claim
(WRONG_ITEM, ``disputes``); its second line (``free_lines``) is free for a new claim.

Also the request bodies the matrix sends that are not JSON: the CSV of tracking numbers and
the carrier webhook's signed raw batch.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import select

from clipshop.aftersales import cancellations, disputes
from clipshop.core.clock import clock, utcnow
from clipshop.core.db import Database
from clipshop.core.storage import Storage
from clipshop.fulfillment import packages, photos, tracking
from clipshop.fulfillment.carriers import SimulatedCarrier
from clipshop.fulfillment.tracking import signature
from clipshop.models import Order, OrderLineItem
from clipshop.orders import edits
from clipshop.payments.simulated import SimulatedGateway
from clipshop.worker.jobs import run_due
from tests.checkout_support import buy, save_card
from tests.conftest import Actor, ShopFixture
from tests.fulfillment_support import carrier_event, raw_batch
from tests.integration.fulfillment_files_api import JPEG, sx

CARRIER = "SIMEX"
SCOPES = ("own", "foreign")
PLACED_BEFORE = timedelta(hours=2)  # longer ago than the remorse window (60 minutes)


@dataclass
class Fulfillment:
    open_orders: dict[str, int]
    edited_orders: dict[str, int]
    edits: dict[str, int]
    shipped_orders: dict[str, int]
    packages: dict[str, int]
    tracking_numbers: dict[str, str]
    photos: dict[str, int]
    webhook_secret: str
    event_time: datetime  # when the carrier's PICKED_UP scan happened
    # the buyer's PENDING cancellation request of each edited order (aftersales.cancellations)
    cancellations: dict[str, int] = field(default_factory=dict)
    # with_disputes: the DELIVERED orders, their lines left unclaimed, their open disputes
    delivered_orders: dict[str, int] = field(default_factory=dict)
    free_lines: dict[str, int] = field(default_factory=dict)
    disputes: dict[str, int] = field(default_factory=dict)


def build_fulfillment(
    db: Database,
    storage: Storage,
    buyers: dict[str, Actor],
    shops: dict[str, ShopFixture],
    with_disputes: bool = False,
) -> Fulfillment:
    gateway = SimulatedGateway(db)
    placed: dict[str, list[int]] = {}
    two_units: dict[str, int] = {}  # with_disputes: the orders to deliver
    offset = clock.offset
    clock.set_offset(offset - PLACED_BEFORE)  # bought earlier: the remorse windows are over
    try:
        for scope in SCOPES:
            save_card(db, buyers[scope].principal)
            placed[scope] = [
                order.id
                for _ in range(3)
                for order in buy(db, gateway, buyers[scope].principal, {shops[scope].sku_id: 1})
            ]
            if with_disputes:
                (order,) = buy(db, gateway, buyers[scope].principal, {shops[scope].sku_id: 2})
                two_units[scope] = order.id
    finally:
        clock.set_offset(offset)
    run_due(db, gateway)  # what is due now: the orders leave ON_HOLD
    f = Fulfillment({}, {}, {}, {}, {}, {}, {}, db.settings.carrier_webhook_secret, utcnow())
    for n, scope in enumerate(SCOPES, start=1):
        seller = shops[scope].owner.principal
        f.open_orders[scope], f.edited_orders[scope], f.shipped_orders[scope] = placed[scope]
        add_one = [{"action": "ADD", "sku_id": shops[scope].sku_id}]
        f.edits[scope] = edits.propose(db, seller, f.edited_orders[scope], add_one, "matrix")
        with db.unit_of_work() as session:
            package = packages.create_package(
                session,
                seller,
                SimulatedCarrier(),
                packages.ShipRequest(
                    order_ids=[f.shipped_orders[scope]],
                    line_item_ids=None,
                    shipping_type="SELLER",
                    provider_code=CARRIER,
                    tracking_number=sx(n),
                    sim_scenario="never_collected",
                ),
            )
            f.packages[scope], f.tracking_numbers[scope] = package.id, package.tracking_number
            photo = photos.add_handover_photo(session, storage, seller, package.id, JPEG)
            f.photos[scope] = photo.id
    for scope in SCOPES:
        with db.unit_of_work() as session:
            request, _ = cancellations.request(
                session, buyers[scope].principal, f.edited_orders[scope], "matrix", None
            )
            f.cancellations[scope] = request.id
    for n, (scope, order_id) in enumerate(two_units.items(), start=1):
        claimed, f.free_lines[scope] = _deliver(db, shops[scope].owner, order_id, sx(20 + n))
        f.delivered_orders[scope] = order_id
        claim = disputes.Claim("BUYER_PROTECTION", "WRONG_ITEM", [claimed], "matrix")
        with db.unit_of_work() as session:
            opened = disputes.open_dispute(session, buyers[scope].principal, order_id, claim)
            f.disputes[scope] = opened.id
    expected = {
        **{f.open_orders[s]: "AWAITING_SHIPMENT" for s in SCOPES},
        **{f.edited_orders[s]: "AWAITING_SHIPMENT" for s in SCOPES},
        **{f.shipped_orders[s]: "AWAITING_COLLECTION" for s in SCOPES},
        **{f.delivered_orders[s]: "DELIVERED" for s in f.delivered_orders},
    }
    with db.unit_of_work(write=False) as session:
        found = {i: session.get_one(Order, i).status for i in expected}
    assert found == expected, found
    return f


def _deliver(db: Database, seller: Actor, order_id: int, number: str) -> list[int]:
    """Ship the order by seller, then the carrier scans it picked up and delivered (now);
    returns its line ids."""
    with db.unit_of_work() as session:
        request = packages.ShipRequest(
            [order_id], None, "SELLER", CARRIER, number, sim_scenario="never_collected"
        )
        packages.create_package(session, seller.principal, SimulatedCarrier(), request)
    now = utcnow()
    with db.unit_of_work() as session:
        scans = [
            tracking.CarrierEvent(f"{number}-{kind}", number, kind, now)
            for kind in ("PICKED_UP", "DELIVERED")
        ]
        tracking.apply_events(session, CARRIER, scans)
        lines = select(OrderLineItem.id).where(OrderLineItem.order_id == order_id)
        return sorted(session.scalars(lines.order_by(OrderLineItem.id)))


def tracking_csv(order_id: int, tracking_number: str) -> bytes:
    """One ship-by-seller row."""
    header = "order_id,provider_code,tracking_number"
    return f"{header}\r\n{order_id},{CARRIER},{tracking_number}\r\n".encode()


def carrier_batch(f: Fulfillment, scope: str) -> bytes:
    """The carrier's raw webhook body: the scope's package was picked up."""
    event = carrier_event("matrix-1", f.tracking_numbers[scope], "PICKED_UP", f.event_time)
    return raw_batch(event)


def signature_header(secret: str, raw: bytes) -> dict[str, str]:
    return {
        "Content-Type": "application/json",
        "X-Clipshop-Signature": f"sha256={signature(secret, raw)}",
    }
