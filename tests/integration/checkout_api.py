"""HTTP helpers for the checkout integration tests: cards, checkouts, stock, the sandbox clock.

Everything goes through the API except the pricing rows (discounts, vouchers, shipping
profiles, tax rates), which the tests insert directly, and a few reads of rows the API does
not expose (payment attempts, ledger transactions).
"""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from typing import Any

from fastapi.testclient import TestClient
from httpx import Response
from sqlalchemy import func, select

from clipshop.core.clock import utcnow
from clipshop.core.db import Database
from clipshop.models import Order, Payment, PaymentAttempt, PaymentTransaction
from clipshop.payments.simulated import SimulatedGateway
from tests.conftest import Actor, ShopFixture

API = "/api/v1"
OK_CARD = "4242424242424242"
DECLINED_CARD = "4000000000000002"
INSUFFICIENT_FUNDS_CARD = "4000000000009995"
EXPIRED_CARD = "4000000000000069"
BANK_VERIFICATION_CARD = "4000000000003220"
TIMEOUT_CARD = "4000000000000119"
ANSWER_LOST_CARD = "4000000000000259"

ADDRESS: dict[str, Any] = {
    "name": "Ada Buyer",
    "phone": "+1 555 0100",
    "address_line1": "2 Elm St",
    "city": "Springfield",
    "state": "IL",
    "postal_code": "62702",
    "country": "US",
}


def address(**changes: Any) -> dict[str, Any]:
    return {**ADDRESS, **changes}


def ok(response: Response, status: int = 200) -> Any:
    assert response.status_code == status, response.text
    return response.json()


def add_card(client: TestClient, buyer: Actor, number: str, make_default: bool = False) -> int:
    body = {
        "type": "CARD",
        "card_number": number,
        "exp_month": 12,
        "exp_year": utcnow().year + 3,
        "cvc": "123",
        "make_default": make_default,
    }
    return int(
        ok(client.post(f"{API}/payment-methods", json=body, headers=buyer.headers), 201)["id"]
    )


def add_wallet(client: TestClient, buyer: Actor, wallet: str, make_default: bool = False) -> int:
    body = {"type": "WALLET", "wallet": wallet, "make_default": make_default}
    return int(
        ok(client.post(f"{API}/payment-methods", json=body, headers=buyer.headers), 201)["id"]
    )


def add_method(client: TestClient, buyer: Actor, method: str, make_default: bool = False) -> int:
    """A card number or a wallet name."""
    if method.isdigit():
        return add_card(client, buyer, method, make_default)
    return add_wallet(client, buyer, method, make_default)


def checkout_body(
    items: dict[int, int] | None, shipping_address: dict[str, Any] | None = None, **extra: Any
) -> dict[str, Any]:
    body: dict[str, Any] = {"shipping_address": shipping_address or dict(ADDRESS), **extra}
    if items is not None:
        body["items"] = [{"sku_id": str(s), "quantity": q} for s, q in items.items()]
    return body


def post_checkout(
    client: TestClient,
    buyer: Actor,
    items: dict[int, int] | None,
    key: str | None = None,
    **extra: Any,
) -> Response:
    headers = {**buyer.headers, "Idempotency-Key": key or str(uuid.uuid4())}
    response: Response = client.post(
        f"{API}/checkout", json=checkout_body(items, **extra), headers=headers
    )
    return response


def checkout(
    client: TestClient, buyer: Actor, items: dict[int, int] | None, **extra: Any
) -> dict[str, Any]:
    """Place a checkout that must be accepted (201), whatever the payment outcome."""
    result: dict[str, Any] = ok(post_checkout(client, buyer, items, **extra), 201)
    return result


def quote(client: TestClient, buyer: Actor, items: dict[int, int] | None, **extra: Any) -> Response:
    response: Response = client.post(
        f"{API}/checkout/quote", json=checkout_body(items, **extra), headers=buyer.headers
    )
    return response


def get_order(client: TestClient, actor: Actor, order_id: int | str) -> dict[str, Any]:
    result: dict[str, Any] = ok(client.get(f"{API}/orders/{order_id}", headers=actor.headers))
    return result


def get_payment(client: TestClient, buyer: Actor, payment_id: int | str) -> dict[str, Any]:
    result: dict[str, Any] = ok(client.get(f"{API}/payments/{payment_id}", headers=buyer.headers))
    return result


def cancel(client: TestClient, buyer: Actor, order_id: int | str) -> Response:
    response: Response = client.post(
        f"{API}/orders/{order_id}/cancel", json={"reason": "changed my mind"}, headers=buyer.headers
    )
    return response


def advance(client: TestClient, admin: Actor, **delta: int) -> dict[str, Any]:
    """Move the platform clock through the sandbox endpoint (which runs the due jobs)."""
    result: dict[str, Any] = ok(
        client.post(f"{API}/sandbox/clock/advance", json=delta, headers=admin.headers)
    )
    return result


def stock(client: TestClient, seller: Actor, sku_id: int) -> tuple[int, int]:
    """(total available, total committed) of a SKU, as its seller reads it."""
    body = ok(client.get(f"{API}/skus/{sku_id}/stock", headers=seller.headers))
    return int(body["total_available"]), int(body["total_committed"])


def set_stock(client: TestClient, shop: ShopFixture, sku_id: int, available: int) -> None:
    ok(
        client.put(
            f"{API}/skus/{sku_id}/stock/{shop.warehouse_id}",
            json={"available": available},
            headers=shop.owner.headers,
        )
    )


def add_sku(
    client: TestClient,
    shop: ShopFixture,
    price: str,
    weight_grams: int = 0,
    stock_units: int = 10,
    title: str = "Gadget",
) -> int:
    """A new product with one SKU in ``shop``, with stock in its warehouse."""
    body = {
        "title": title,
        "skus": [
            {
                "seller_sku": f"{title}-{uuid.uuid4().hex[:8]}",
                "name": title,
                "price": price,
                "weight_grams": weight_grams,
            }
        ],
    }
    product = ok(
        client.post(f"{API}/shops/{shop.id}/products", json=body, headers=shop.owner.headers), 201
    )
    sku_id = int(product["skus"][0]["id"])
    if stock_units:
        set_stock(client, shop, sku_id, stock_units)
    return sku_id


def gateway(client: TestClient) -> SimulatedGateway:
    gw = client.app.state.gateway  # type: ignore[attr-defined]
    assert isinstance(gw, SimulatedGateway)
    return gw


def charged(client: TestClient) -> int:
    return gateway(client).charged_total()


def minor(order_or_quote: dict[str, Any], field: str) -> int:
    return int(order_or_quote["payment"][field]["minor_units"])


def count(db: Database, model: Any) -> int:
    with db.unit_of_work(write=False) as session:
        return int(session.scalar(select(func.count()).select_from(model)) or 0)


def attempts(db: Database, payment_id: int | str) -> list[PaymentAttempt]:
    with db.unit_of_work(write=False) as session:
        stmt = (
            select(PaymentAttempt)
            .where(PaymentAttempt.payment_id == int(payment_id))
            .order_by(PaymentAttempt.id)
        )
        return list(session.scalars(stmt))


def transactions(db: Database, payment_id: int | str, kind: str) -> list[PaymentTransaction]:
    with db.unit_of_work(write=False) as session:
        stmt = (
            select(PaymentTransaction)
            .where(
                PaymentTransaction.payment_id == int(payment_id), PaymentTransaction.kind == kind
            )
            .order_by(PaymentTransaction.id)
        )
        return list(session.scalars(stmt))


def payment_row(db: Database, payment_id: int | str) -> Payment:
    with db.unit_of_work(write=False) as session:
        return session.get_one(Payment, int(payment_id))


def order_count(db: Database) -> int:
    return count(db, Order)


def parse_time(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


def events(order: dict[str, Any]) -> list[tuple[str, str, str | None, str | None]]:
    """(kind, actor_type, from_status, to_status) of an order's timeline."""
    return [
        (e["kind"], e["actor_type"], e["from_status"], e["to_status"]) for e in order["timeline"]
    ]


REMORSE = timedelta(minutes=60)
