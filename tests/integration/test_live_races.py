"""Pins changed at once by many requests: the live's row serializes them, so every pin lands
once at a distinct position, and none lands after the live ended."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from fastapi.testclient import TestClient
from sqlalchemy import select

from clipshop.core.db import Database
from clipshop.core.errors import Conflict
from clipshop.models import LivePin, LiveSession
from clipshop.social import live as lives
from tests.conftest import World
from tests.integration.social_support import add_product, start_live

PINS = 8


def _positions(db: Database, live_id: int) -> dict[int, int]:
    with db.unit_of_work(write=False) as session:
        rows = session.execute(
            select(LivePin.product_id, LivePin.position).where(LivePin.live_id == live_id)
        )
        return {product_id: position for product_id, position in rows}


def _pin_top(db: Database, world: World, live_id: int, product_id: int) -> str:
    try:
        with db.unit_of_work() as session:
            lives.pin(session, world.seller_a.principal, live_id, product_id, 0)
        return "pinned"
    except Conflict as refused:
        return refused.code


def test_concurrent_pins_keep_one_order(client: TestClient, db: Database, world: World) -> None:
    products = [add_product(db, world, f"P{i}") for i in range(PINS)]
    live_id = int(start_live(client, world.seller_a, "Busy", world.shop_a.id)["id"])
    with ThreadPoolExecutor(max_workers=4) as pool:
        answers = list(pool.map(lambda p: _pin_top(db, world, live_id, p), products))
    assert answers == ["pinned"] * PINS
    positions = _positions(db, live_id)
    assert set(positions) == set(products)
    assert sorted(positions.values()) == list(range(PINS))


def test_pins_racing_the_end(client: TestClient, db: Database, world: World) -> None:
    products = [add_product(db, world, f"P{i}") for i in range(PINS)]
    live_id = int(start_live(client, world.seller_a, "Ending", world.shop_a.id)["id"])

    def end() -> str:
        with db.unit_of_work() as session:
            lives.end(session, world.seller_a.principal, live_id)
        return "ended"

    with ThreadPoolExecutor(max_workers=4) as pool:
        pins = [pool.submit(_pin_top, db, world, live_id, p) for p in products[:4]]
        ending = pool.submit(end)
        late = [pool.submit(_pin_top, db, world, live_id, p) for p in products[4:]]
        answers = [f.result() for f in pins + late]
        assert ending.result() == "ended"
    pinned = [a for a in answers if a == "pinned"]
    assert set(answers) <= {"pinned", "live_ended"}
    positions = _positions(db, live_id)
    assert len(positions) == len(pinned)
    assert sorted(positions.values()) == list(range(len(pinned)))
    with db.unit_of_work(write=False) as session:
        assert session.get_one(LiveSession, live_id).status == "ENDED"
    refused = _pin_top(db, world, live_id, products[0])
    assert refused == "live_ended"
