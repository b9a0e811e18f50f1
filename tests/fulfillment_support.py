"""HTTP helpers for the fulfilment integration tests: paid orders released from the remorse
window, packages, signed carrier webhooks, the tracking view, the sandbox clock.

The platform clock is frozen at 10:00 UTC tomorrow (``frozen_clock``) so estimated delivery
dates, pickup slots and the simulated carrier's event times are exact.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from httpx import Response

from clipshop.core.clock import clock, utcnow
from clipshop.fulfillment.providers import luhn_digit, with_check_digit
from clipshop.fulfillment.tracking import signature
from tests.conftest import Actor
from tests.integration.checkout_api import (
    API,
    OK_CARD,
    add_card,
    advance,
    checkout,
    get_order,
    ok,
    parse_time,
)

# 10:00 UTC, so that "+ n days" and the scripted events' dates never straddle midnight in a
# way the tests do not spell out.
START_HOUR = 10


@pytest.fixture
def frozen_clock() -> Iterator[datetime]:
    """Freeze the platform clock at 10:00 UTC tomorrow (after every fixture's token)."""
    start = (datetime.now(UTC) + timedelta(days=1)).replace(
        hour=START_HOUR, minute=0, second=0, microsecond=0
    )
    clock.freeze(start)
    yield start
    clock.reset()


def tracking_number(prefix: str, digits: str) -> str:
    """A simulated carrier's tracking number: prefix, 10 digits, Luhn check digit."""
    assert len(digits) == 10
    return prefix + with_check_digit(digits)


def bad_tracking_number(prefix: str, digits: str) -> str:
    """The same number with a wrong check digit."""
    wrong = (luhn_digit(digits) + 1) % 10
    return f"{prefix}{digits}{wrong}"


def paid_orders(
    client: TestClient, buyer: Actor, items: dict[int, int], **extra: Any
) -> list[dict[str, Any]]:
    """Check out ``items`` with the buyer's default card (added on first use); ON_HOLD orders."""
    methods = ok(client.get(f"{API}/payment-methods", headers=buyer.headers))
    if not methods:
        add_card(client, buyer, OK_CARD)
    result = checkout(client, buyer, items, **extra)
    assert result["payment"]["status"] == "CAPTURED", result
    orders: list[dict[str, Any]] = result["orders"]
    assert {o["status"] for o in orders} == {"ON_HOLD"}
    return orders


def release(client: TestClient, admin: Actor) -> None:
    """End the remorse window: ON_HOLD -> AWAITING_SHIPMENT."""
    advance(client, admin, minutes=60)


def ready_order(
    client: TestClient, buyer: Actor, admin: Actor, items: dict[int, int], **extra: Any
) -> dict[str, Any]:
    """One paid order, out of the remorse window (AWAITING_SHIPMENT)."""
    (order,) = paid_orders(client, buyer, items, **extra)
    release(client, admin)
    fresh = get_order(client, buyer, order["id"])
    assert fresh["status"] == "AWAITING_SHIPMENT"
    return fresh


def post_package(client: TestClient, seller: Actor, **body: Any) -> Response:
    response: Response = client.post(f"{API}/packages", json=body, headers=seller.headers)
    return response


def ship(
    client: TestClient,
    seller: Actor,
    order_ids: list[str],
    tracking: str,
    provider: str = "SIMEX",
    scenario: str | None = "never_collected",
    **extra: Any,
) -> dict[str, Any]:
    """Ship by seller (must succeed). ``never_collected`` by default: the simulated carrier then
    reports nothing by itself, so every event comes through the webhook."""
    body: dict[str, Any] = {
        "order_ids": order_ids,
        "shipping_type": "SELLER",
        "provider_code": provider,
        "tracking_number": tracking,
        **extra,
    }
    if scenario is not None:
        body["sim_scenario"] = scenario
    result: dict[str, Any] = ok(post_package(client, seller, **body), 201)
    return result


def signed_post(
    client: TestClient, carrier: str, raw: bytes, signature_header: str | None
) -> Response:
    headers = {"Content-Type": "application/json"}
    if signature_header is not None:
        headers["X-Clipshop-Signature"] = signature_header
    response: Response = client.post(
        f"{API}/carriers/{carrier}/events", content=raw, headers=headers
    )
    return response


def webhook_secret(client: TestClient) -> str:
    secret: str = client.app.state.settings.carrier_webhook_secret  # type: ignore[attr-defined]
    return secret


def carrier_event(
    event_id: str,
    tracking: str,
    kind: str,
    at: datetime,
    location: str = "",
    description: str = "",
) -> dict[str, Any]:
    return {
        "event_id": event_id,
        "tracking_number": tracking,
        "kind": kind,
        "occurred_at": at.isoformat(),
        "location": location,
        "description": description,
    }


def raw_batch(*events: dict[str, Any]) -> bytes:
    return json.dumps({"events": list(events)}).encode()


def send(client: TestClient, carrier: str, *events: dict[str, Any]) -> list[dict[str, Any]]:
    """Deliver events through the signed webhook (must be accepted); the per-event results."""
    raw = raw_batch(*events)
    header = "sha256=" + signature(webhook_secret(client), raw)
    body = ok(signed_post(client, carrier, raw, header), 202)
    results: list[dict[str, Any]] = body["results"]
    return results


def tracking_view(client: TestClient, actor: Actor, order_id: str) -> dict[str, Any]:
    result: dict[str, Any] = ok(
        client.get(f"{API}/orders/{order_id}/tracking", headers=actor.headers)
    )
    return result


def package(client: TestClient, actor: Actor, package_id: str) -> dict[str, Any]:
    result: dict[str, Any] = ok(client.get(f"{API}/packages/{package_id}", headers=actor.headers))
    return result


def status(client: TestClient, actor: Actor, order_id: str) -> str:
    return str(get_order(client, actor, order_id)["status"])


def status_moves(order: dict[str, Any]) -> list[tuple[str, str | None, str | None]]:
    """(actor_type, from, to) of the order's status changes from AWAITING_SHIPMENT on."""
    moves = [
        (e["actor_type"], e["from_status"], e["to_status"])
        for e in order["timeline"]
        if e["kind"] == "STATUS_CHANGED"
    ]
    start = [m[1] for m in moves].index("AWAITING_SHIPMENT")
    return moves[start:]


def event_rows(package_out: dict[str, Any]) -> list[tuple[str, datetime, str, str]]:
    """(kind, occurred_at, location, description) of a package's tracking events."""
    return [
        (e["kind"], parse_time(e["occurred_at"]), e["location"], e["description"])
        for e in package_out["events"]
    ]


def day(value: str | None) -> date | None:
    return None if value is None else date.fromisoformat(value)


def now() -> datetime:
    return utcnow()


def start() -> datetime:
    """Where the frozen clock started (whatever the sandbox advanced since)."""
    return utcnow() - clock.offset


def advance_to(client: TestClient, admin: Actor, when: datetime) -> int:
    """Move the sandbox clock to ``when`` (running what fell due); the carrier events emitted."""
    delta = when - utcnow()
    assert delta > timedelta(0), "the clock only moves forward"
    seconds = int(delta.total_seconds())
    assert timedelta(seconds=seconds) == delta
    days, rest = divmod(seconds, 86400)
    body = {"days": days, "seconds": rest} if rest else {"days": days}
    return int(advance(client, admin, **body)["carrier_events"])


def z(value: datetime) -> str:
    """How the API writes a UTC time."""
    return value.astimezone(UTC).isoformat().replace("+00:00", "Z")
