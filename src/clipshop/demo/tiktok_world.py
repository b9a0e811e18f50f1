"""The TikTok sandbox world: what an integration of the seller API touches, in the first demo
shop (Sunny Threads, the shop of the demo app's top-level auth code; docs/tiktok-api.md,
"Sandbox").

Orders in every status, three awaiting shipment (each with its pending PROCESSING package),
a pending return and a pending cancellation request, all bought by one buyer of its own
(``tiktok.buyer@demo.clipshop.dev``) with the real services: checkout and payment, the
fulfillment services with the simulated carrier, the after-sales requests, and the sandbox
clock moved forward (``worker.sandbox.advance``) so that the deadlines on the way fire at
their own times. The clock moves about 45 days in all on the first run, a week
and two hours on a later one that must deliver orders again.

Seeded once: a later run only tops up what an integration consumes (pending return and
cancellation requests, orders awaiting shipment)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import func, select

from clipshop.aftersales import cancellations, returns
from clipshop.checkout.place import CheckoutRequest, place_order
from clipshop.core.clock import utcnow
from clipshop.core.db import Database
from clipshop.demo.seed import DOMAIN
from clipshop.fulfillment.carriers import SimulatedCarrier
from clipshop.fulfillment.packages import ShipRequest, create_package
from clipshop.fulfillment.providers import PROVIDERS
from clipshop.identity.principal import Principal, Role
from clipshop.identity.users import create_user, principal_for
from clipshop.models import Cancellation, Order, OrderLineItem, PaymentMethod, Return, Sku, User
from clipshop.orders import actions
from clipshop.orders.lifecycle import orders_of_payment
from clipshop.payments import methods
from clipshop.payments.gateway import PaymentGateway
from clipshop.payments.simulated import tokenize_card
from clipshop.worker import shared_clock
from clipshop.worker.sandbox import advance

BUYER_EMAIL = f"tiktok.buyer@{DOMAIN}"
OK_CARD, DECLINED_CARD = "4242424242424242", "4000000000000002"
ITEMS = ("TEE-S-WHT", "TEE-M-WHT")  # well stocked, no low-stock threshold
AWAITING = 3  # orders awaiting shipment kept for an integration to ship
HOUR = timedelta(hours=1)
ADDRESS = {
    "name": "Tia Tester",
    "phone": "+1 555 0142",
    "address_line1": "42 Sandbox Ave",
    "address_line2": None,
    "city": "Austin",
    "state": "TX",
    "postal_code": "73301",
    "country": "US",
}


@dataclass
class Actors:
    db: Database
    gateway: PaymentGateway
    shop_id: int
    buyer: Principal
    seller: Principal
    cards: tuple[int, int]  # (pays, declined)
    skus: list[int]
    carrier: SimulatedCarrier


def _buyer(db: Database) -> tuple[Principal, tuple[int, int]]:
    with db.unit_of_work() as session:
        user = session.scalar(select(User).where(User.email == BUYER_EMAIL))
        if user is None:
            born = date(utcnow().year - 30, 3, 1)
            user = create_user(
                session,
                email=BUYER_EMAIL,
                name="Tia Tester",
                role=Role.BUYER,
                password="demo-password",
                date_of_birth=born,
            )
        principal = principal_for(session, user)
        saved = {
            m.last4: m.id
            for m in session.scalars(
                select(PaymentMethod).where(
                    PaymentMethod.buyer_id == user.id, PaymentMethod.removed_at.is_(None)
                )
            )
        }
        for number in (OK_CARD, DECLINED_CARD):
            if number[-4:] not in saved:
                card = tokenize_card(number, 12, utcnow().year + 3, "123")
                made = methods.save_method(session, principal, card, make_default=number == OK_CARD)
                saved[number[-4:]] = made.id
    return principal, (saved[OK_CARD[-4:]], saved[DECLINED_CARD[-4:]])


def actors(db: Database, gateway: PaymentGateway, shop_id: int, owner_id: int) -> Actors:
    buyer, cards = _buyer(db)
    with db.unit_of_work(write=False) as session:
        seller = principal_for(session, session.get_one(User, owner_id))
        by_code = {
            s.seller_sku: s.id for s in session.scalars(select(Sku).where(Sku.shop_id == shop_id))
        }
    return Actors(
        db, gateway, shop_id, buyer, seller, cards, [by_code[c] for c in ITEMS], SimulatedCarrier()
    )


def _order(a: Actors, n: int, declined: bool = False) -> int:
    """The buyer's ``n``-th order: one or two units of one or two demo SKUs."""
    items = {a.skus[n % len(a.skus)]: 1 + n % 2}
    if n % 3 == 0:
        items[a.skus[(n + 1) % len(a.skus)]] = 1
    request = CheckoutRequest(
        shipping_address=ADDRESS,
        items=items,
        payment_method_id=a.cards[1] if declined else a.cards[0],
    )
    payment_id = place_order(a.db, a.gateway, a.buyer, request)
    with a.db.unit_of_work(write=False) as session:
        (order,) = orders_of_payment(session, payment_id)
    return order.id


def _ship(a: Actors, order_id: int, scenario: str) -> None:
    request = ShipRequest(
        order_ids=[order_id],
        line_item_ids=None,
        shipping_type="SELLER",
        provider_code="SIMEX",
        tracking_number=a.carrier.new_tracking_number(PROVIDERS["SIMEX"]),
        handover_method=None,
        sim_scenario=scenario,
    )
    with a.db.unit_of_work() as session:
        create_package(session, a.seller, a.carrier, request)


def _wait(a: Actors, delta: timedelta) -> None:
    advance(a.db, a.gateway, delta)


def _request_return(a: Actors, order_id: int) -> None:
    with a.db.unit_of_work() as session:
        lines = session.scalars(
            select(OrderLineItem.id).where(OrderLineItem.order_id == order_id)
        ).all()
        returns.create_return(
            session, a.buyer, order_id, "REFUND", "DAMAGED", list(lines), "arrived cracked"
        )


def _request_cancel(a: Actors, order_id: int) -> None:
    cancellations.buyer_request(a.db, a.gateway, a.buyer, order_id, "ordered by mistake", None)


def _count(a: Actors, model: type[Return] | type[Cancellation]) -> int:
    with a.db.unit_of_work(write=False) as session:
        found = session.scalar(
            select(func.count())
            .select_from(model)
            .where(model.buyer_id == a.buyer.user_id, model.status.like("%PENDING"))
        )
    return int(found or 0)


def orders_in(a: Actors, status: str) -> list[int]:
    with a.db.unit_of_work(write=False) as session:
        return list(
            session.scalars(
                select(Order.id)
                .where(Order.buyer_id == a.buyer.user_id, Order.status == status)
                .order_by(Order.id)
            )
        )


def _first_run(a: Actors) -> None:
    """A completed order: delivered, then its 30-day return window closes."""
    done = _order(a, 1)
    _wait(a, HOUR)
    _ship(a, done, "on_time")
    _wait(a, timedelta(days=37))


def _shipped(a: Actors) -> None:
    """Two delivered orders, the later one with a pending return request, one in transit
    (collected, never delivered) and one awaiting collection (never collected): up to a
    week of the clock, for the carrier."""
    scenarios = []
    if not _count(a, Return):
        scenarios += ["on_time"] * max(2 - len(orders_in(a, "DELIVERED")), 0)
    week = "on_time" in scenarios  # the older parcels may be settled as lost on the way
    if week or not orders_in(a, "IN_TRANSIT"):
        scenarios.append("lost_in_transit")
    if week or not orders_in(a, "AWAITING_COLLECTION"):
        scenarios.append("never_collected")
    fresh = [(_order(a, 2 + i), scenario) for i, scenario in enumerate(scenarios)]
    if fresh:
        _wait(a, HOUR)
        for order_id, scenario in fresh:
            _ship(a, order_id, scenario)
        _wait(a, timedelta(days=7 if week else 1))
    if not _count(a, Return):
        _request_return(a, orders_in(a, "DELIVERED")[-1])


def _top_up(a: Actors) -> None:
    """Shipped orders and a pending return, orders awaiting shipment and a pending
    cancellation request (one hour for the remorse window), then an order on hold, one
    unpaid and one cancelled by its buyer."""
    _shipped(a)
    missing = AWAITING - len(orders_in(a, "AWAITING_SHIPMENT"))
    cancel = None if _count(a, Cancellation) else _order(a, 6)
    fresh = [_order(a, 7 + i) for i in range(max(missing, 0))]
    if cancel is not None or fresh:
        _wait(a, HOUR)
    if cancel is not None:
        _request_cancel(a, cancel)
    if not orders_in(a, "ON_HOLD"):
        _order(a, 10)
    if not orders_in(a, "CANCELLED"):
        actions.buyer_cancel(a.db, a.gateway, a.buyer, _order(a, 11), "changed my mind")
    if not orders_in(a, "UNPAID"):
        _order(a, 12, declined=True)  # last: a declined payment counts toward fraud review


def seed_world(db: Database, gateway: PaymentGateway, shop_id: int, owner_id: int) -> None:
    """Seed the world in the shop ``shop_id`` (owned by ``owner_id``), or top it up, at the
    platform's time (another process may have moved the clock)."""
    shared_clock.sync(db)
    a = actors(db, gateway, shop_id, owner_id)
    if not orders_in(a, "COMPLETED"):
        _first_run(a)
    _top_up(a)
