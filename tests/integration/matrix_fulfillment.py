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

Also the request bodies the matrix sends that are not JSON: the CSV of tracking numbers and
the carrier webhook's signed raw batch.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from clipshop.core.clock import clock, utcnow
from clipshop.core.db import Database
from clipshop.core.storage import Storage
from clipshop.fulfillment import packages, photos
from clipshop.fulfillment.carriers import SimulatedCarrier
from clipshop.fulfillment.tracking import signature
from clipshop.models import Order
from clipshop.orders import cancellations, edits
from clipshop.payments.simulated import SimulatedGateway
from clipshop.rules.jobs import run_due
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
    # the buyer's PENDING cancellation request of each edited order (orders.cancellations)
    cancellations: dict[str, int] = field(default_factory=dict)


def build_fulfillment(
    db: Database, storage: Storage, buyers: dict[str, Actor], shops: dict[str, ShopFixture]
) -> Fulfillment:
    gateway = SimulatedGateway(db)
    placed: dict[str, list[int]] = {}
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
    expected = {
        **{f.open_orders[s]: "AWAITING_SHIPMENT" for s in SCOPES},
        **{f.edited_orders[s]: "AWAITING_SHIPMENT" for s in SCOPES},
        **{f.shipped_orders[s]: "AWAITING_COLLECTION" for s in SCOPES},
    }
    with db.unit_of_work(write=False) as session:
        found = {i: session.get_one(Order, i).status for i in expected}
    assert found == expected, found
    return f


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
