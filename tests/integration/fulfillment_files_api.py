"""Helpers for the fulfilment upload tests: paid orders ready to ship, tracking numbers,
packages, signed carrier webhooks, a client whose file storage lives in a temporary dir."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from httpx import Response
from sqlalchemy import select

from clipshop.api.app import create_app
from clipshop.core.db import Database
from clipshop.core.storage import LocalFileStorage
from clipshop.fulfillment.providers import with_check_digit
from clipshop.fulfillment.tracking import signature
from clipshop.models import Order, OrderEvent, Package, SimCarrierStep, StoredFile
from tests.conftest import Actor, ShopFixture
from tests.integration.checkout_api import API, OK_CARD, add_card, advance, checkout, ok

JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01" + bytes(range(256)) * 4
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(200)
WEBP = b"RIFF\x24\x00\x00\x00WEBPVP8 " + bytes(100)


@pytest.fixture(name="files_dir")
def files_dir_fixture(tmp_path: Path) -> Path:
    return tmp_path / "files"


@pytest.fixture(name="fclient")
def fclient_fixture(db: Database, files_dir: Path) -> Iterator[TestClient]:
    """The API with its file storage in a temporary directory (never the repository)."""
    app = create_app(db.settings, db, storage=LocalFileStorage(files_dir))
    with TestClient(app, raise_server_exceptions=False) as test_client:
        yield test_client


def sx(n: int) -> str:
    """A valid Simulated Express tracking number."""
    return "SX" + with_check_digit(f"{n:010d}")


def sp(n: int) -> str:
    """A valid Simulated Post tracking number."""
    return "SP" + with_check_digit(f"{n:010d}")


def bad_check_digit(number: str) -> str:
    return number[:-1] + str((int(number[-1]) + 1) % 10)


def place(
    client: TestClient, buyer: Actor, shop: ShopFixture, units: int = 1, service: str | None = None
) -> dict[str, Any]:
    """One paid order of ``units`` units of the shop's SKU (ON_HOLD until the clock moves)."""
    extra: dict[str, Any] = {}
    if service:
        extra["shipping_services"] = {str(shop.id): service}
    [order] = checkout(client, buyer, {shop.sku_id: units}, **extra)["orders"]
    return dict(order)


def with_card(client: TestClient, buyer: Actor) -> None:
    add_card(client, buyer, OK_CARD, make_default=True)


def release(client: TestClient, admin: Actor) -> None:
    """Move the clock past the remorse window: paid orders become AWAITING_SHIPMENT."""
    advance(client, admin, minutes=61)


def ship(
    client: TestClient,
    seller: Actor,
    order_ids: list[str],
    tracking: str,
    provider: str = "SIMEX",
    line_item_ids: list[str] | None = None,
) -> dict[str, Any]:
    body: dict[str, Any] = {
        "order_ids": order_ids,
        "provider_code": provider,
        "tracking_number": tracking,
    }
    if line_item_ids is not None:
        body["line_item_ids"] = line_item_ids
    result: dict[str, Any] = ok(
        client.post(f"{API}/packages", json=body, headers=seller.headers), 201
    )
    return result


def carrier_post(
    client: TestClient, db: Database, events: list[dict[str, Any]], carrier: str = "SIMEX"
) -> Response:
    raw = json.dumps({"events": events}).encode()
    sig = signature(db.settings.carrier_webhook_secret, raw)
    response: Response = client.post(
        f"{API}/carriers/{carrier}/events",
        content=raw,
        headers={"Content-Type": "application/json", "X-Clipshop-Signature": f"sha256={sig}"},
    )
    return response


def packages_in_db(db: Database) -> dict[str, tuple[str, str, int]]:
    """tracking number -> (provider, status, shop id) of every package."""
    with db.unit_of_work(write=False) as session:
        return {
            p.tracking_number: (p.provider_code, p.status, p.shop_id)
            for p in session.scalars(select(Package))
        }


def order_state(db: Database, order_id: str | int) -> tuple[str, list[tuple[str, str | None]]]:
    """An order's status and its timeline (kind, to_status)."""
    with db.unit_of_work(write=False) as session:
        order = session.get_one(Order, int(order_id))
        timeline = session.scalars(
            select(OrderEvent).where(OrderEvent.order_id == order.id).order_by(OrderEvent.id)
        )
        return order.status, [(e.kind, e.to_status) for e in timeline]


def sim_steps(db: Database) -> set[str]:
    """Tracking numbers the simulated carrier has a script for."""
    with db.unit_of_work(write=False) as session:
        return set(session.scalars(select(SimCarrierStep.tracking_number)))


def stored_files(db: Database) -> list[StoredFile]:
    with db.unit_of_work(write=False) as session:
        return list(session.scalars(select(StoredFile).order_by(StoredFile.id)))


def files_on_disk(root: Path) -> list[Path]:
    if not root.exists():
        return []
    return sorted(p.relative_to(root) for p in root.rglob("*") if p.is_file())
