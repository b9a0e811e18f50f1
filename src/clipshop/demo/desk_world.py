"""Work for the agents' desk in the TikTok sandbox world (``serve --demo --tiktok``): an open
buyer-protection claim on the buyer's completed order (the dispute queue) and an order held for
fraud review (its billing address is not where it ships, in the other demo shop), the
buyer's open support case about a delivered order and the seller's force-majeure request on
an order still to ship (the case queue), all through the real services.
Topped up like the rest of the world: each is added only when the buyer has none."""

from __future__ import annotations

from sqlalchemy import select

from clipshop.aftersales import dispute_actions
from clipshop.aftersales.disputes import OPEN, Claim
from clipshop.checkout.place import CheckoutRequest, place_order
from clipshop.core.db import Database
from clipshop.core.errors import DomainError
from clipshop.demo import tiktok_world as tw
from clipshop.models import Dispute, Order, OrderLineItem, Sku, SupportCase
from clipshop.payments.gateway import PaymentGateway
from clipshop.support import cases

BILLING = {**tw.ADDRESS, "address_line1": "9 Elsewhere Rd", "city": "Reno", "state": "NV"}
BILLING["postal_code"] = "89501"
HELD_SKU = "LED-5M"  # Harbor Gadgets' (demo.seed.SHOPS), well stocked


def _open_dispute_exists(a: tw.Actors) -> bool:
    with a.db.unit_of_work(write=False) as session:
        found = session.scalar(
            select(Dispute.id).where(Dispute.buyer_id == a.buyer.user_id, Dispute.status == OPEN)
        )
    return found is not None


def _review_held_exists(a: tw.Actors) -> bool:
    with a.db.unit_of_work(write=False) as session:
        found = session.scalar(
            select(Order.id).where(
                Order.buyer_id == a.buyer.user_id, Order.status == "ON_HOLD", Order.review_hold
            )
        )
    return found is not None


def _claim(a: tw.Actors) -> None:
    """A buyer-protection claim (the item is not as described) on the newest order it may
    be filed on: completed or delivered, within the protection window."""
    for order_id in reversed(tw.orders_in(a, "COMPLETED") + tw.orders_in(a, "DELIVERED")):
        with a.db.unit_of_work(write=False) as session:
            lines = list(
                session.scalars(select(OrderLineItem.id).where(OrderLineItem.order_id == order_id))
            )
        claim = Claim(
            "BUYER_PROTECTION", "NOT_AS_DESCRIBED", lines, "The colour is nothing like the video."
        )
        try:
            dispute_actions.open_dispute(a.db, a.buyer, order_id, claim)
        except DomainError:
            continue  # a return open on it, or its window closed: try the next
        return


def _held(a: tw.Actors, other_shop_id: int) -> None:
    """In the other demo shop, so the TikTok shop's orders stay as docs/tiktok-api.md says."""
    with a.db.unit_of_work(write=False) as session:
        sku_id = session.scalar(
            select(Sku.id).where(Sku.shop_id == other_shop_id, Sku.seller_sku == HELD_SKU)
        )
    assert sku_id is not None
    request = CheckoutRequest(
        shipping_address=tw.ADDRESS,
        billing_address=BILLING,
        items={sku_id: 1},
        payment_method_id=a.cards[0],
    )
    place_order(a.db, a.gateway, a.buyer, request)


def _case_exists(a: tw.Actors, category: str) -> bool:
    with a.db.unit_of_work(write=False) as session:
        found = session.scalar(
            select(SupportCase.id).where(
                SupportCase.shop_id == a.shop_id, SupportCase.category == category
            )
        )
    return found is not None


def _cases(a: tw.Actors) -> None:
    """The buyer asks about its newest delivered order; the seller asks for two more days to
    ship its newest order awaiting shipment (an agent decides on the desk)."""
    delivered = tw.orders_in(a, "DELIVERED") + tw.orders_in(a, "COMPLETED")
    if delivered and not _case_exists(a, "ORDER_ISSUE"):
        text = "The parcel arrived but the charger is missing. Can you help?"
        new = cases.NewCase("ORDER_ISSUE", text, order_id=delivered[-1])
        with a.db.unit_of_work() as session:
            cases.open_case(session, a.buyer, new)
    waiting = tw.orders_in(a, "AWAITING_SHIPMENT")
    if waiting and not _case_exists(a, "FORCE_MAJEURE"):
        text = "A storm closed the road to our warehouse; carriers cannot collect until Friday."
        new = cases.NewCase("FORCE_MAJEURE", text, order_id=waiting[-1], extension_hours=48)
        with a.db.unit_of_work() as session:
            cases.open_case(session, a.seller, new)


def seed_desk(
    db: Database, gateway: PaymentGateway, shop_id: int, owner_id: int, other_shop_id: int
) -> None:
    """After ``tiktok_world.seed_world`` in the same shop (its buyer and delivered orders);
    the held order is in ``other_shop_id``."""
    a = tw.actors(db, gateway, shop_id, owner_id)
    if not _open_dispute_exists(a):
        _claim(a)
    if not _review_held_exists(a):
        _held(a, other_shop_id)
    _cases(a)
