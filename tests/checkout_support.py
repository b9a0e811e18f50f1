"""Small helpers for tests that place orders through the checkout service (no HTTP)."""

from __future__ import annotations

from datetime import date
from typing import Any

from clipshop.checkout.place import CheckoutRequest, place_order
from clipshop.core.clock import utcnow
from clipshop.core.db import Database
from clipshop.identity.principal import Principal, Role
from clipshop.identity.users import create_user, principal_for
from clipshop.models import Order
from clipshop.orders.lifecycle import orders_of_payment
from clipshop.payments import methods
from clipshop.payments.gateway import PaymentGateway
from clipshop.payments.simulated import SimulatedGateway

OK_CARD = "4242424242424242"

ADDRESS: dict[str, Any] = {
    "name": "Ada Buyer",
    "phone": "+1 555 0100",
    "address_line1": "2 Elm St",
    "address_line2": None,
    "city": "Springfield",
    "state": "IL",
    "postal_code": "62702",
    "country": "US",
}


def save_card(db: Database, principal: Principal, number: str = OK_CARD) -> int:
    """Tokenize a test card with the simulated gateway and save it (the first is the default)."""
    tokenized = SimulatedGateway(db).tokenize_card(number, 12, utcnow().year + 3, "123")
    with db.unit_of_work() as session:
        return methods.save_method(session, principal, tokenized).id


def create_buyers(db: Database, count: int, prefix: str = "buyer") -> list[Principal]:
    """``count`` adult buyers, each with a saved 4242 card as the default method."""
    gateway = SimulatedGateway(db)
    born = date(date.today().year - 30, 1, 1)
    principals = []
    with db.unit_of_work() as session:
        for i in range(count):
            user = create_user(
                session,
                email=f"{prefix}{i}@test.dev",
                name=f"{prefix}{i}",
                role=Role.BUYER,
                date_of_birth=born,
            )
            principal = principal_for(session, user)
            card = gateway.tokenize_card(OK_CARD, 12, utcnow().year + 3, "123")
            methods.save_method(session, principal, card)
            principals.append(principal)
    return principals


def buy(
    db: Database,
    gateway: PaymentGateway,
    principal: Principal,
    items: dict[int, int],
    **extra: Any,
) -> list[Order]:
    """Check out ``items`` ({sku_id: quantity}); returns the orders of the checkout."""
    request = CheckoutRequest(shipping_address=dict(ADDRESS), items=items, **extra)
    payment_id = place_order(db, gateway, principal, request)
    with db.unit_of_work(write=False) as session:
        return orders_of_payment(session, payment_id)
