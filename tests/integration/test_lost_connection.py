"""PostgreSQL drops the pool's connections (a restart, a failover): the pool has no pre-ping
by default, so the next request on a dead connection answers 503 database_unavailable with
nothing applied, and the one after it works on a renewed pool. PostgreSQL only: an embedded
SQLite file has no server connection to lose."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, text

from clipshop.core.db import Database
from clipshop.models import IdempotencyRecord, Order
from tests.conftest import BACKENDS, World, problem_code
from tests.integration.checkout_api import API, OK_CARD, add_card, checkout_body, count

pytestmark = pytest.mark.parametrize("database", [BACKENDS[1]], indirect=True)


def drop_connections(db: Database) -> int:
    """Terminate every other session on the test database, as a server restart would."""
    admin = create_engine(db.engine.url, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            killed = conn.execute(
                text(
                    "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity"
                    " WHERE datname = current_database() AND pid <> pg_backend_pid()"
                )
            ).scalar_one()
    finally:
        admin.dispose()
    return int(killed)


def test_a_read_on_a_dropped_connection_answers_503_then_the_pool_recovers(
    client: TestClient, db: Database, world: World
) -> None:
    headers = world.buyer.headers
    assert client.get(f"{API}/orders", headers=headers).status_code == 200  # a warm pool
    assert drop_connections(db) >= 1

    lost = client.get(f"{API}/orders", headers=headers)
    assert lost.status_code == 503, lost.text
    assert problem_code(lost) == "database_unavailable"
    assert lost.headers["retry-after"] == "1"
    assert client.get(f"{API}/orders", headers=headers).status_code == 200


def test_a_dropped_connection_renews_every_pooled_connection(
    client: TestClient, db: Database, world: World
) -> None:
    """The request that meets a dead connection (its caller is looked up with driver
    statements) renews the whole pool, as the engine does: the other pooled connections
    died with it and must not fail the next requests."""
    with db.unit_of_work(write=False) as first, db.unit_of_work(write=False) as second:
        first.execute(text("SELECT 1"))
        second.execute(text("SELECT 1"))  # two connections in the pool
    assert drop_connections(db) >= 2

    lost = client.get(f"{API}/orders", headers=world.buyer.headers)
    assert lost.status_code == 503, lost.text
    with db.unit_of_work(write=False) as first, db.unit_of_work(write=False) as second:
        assert first.execute(text("SELECT 1")).scalar_one() == 1
        assert second.execute(text("SELECT 1")).scalar_one() == 1


def test_a_checkout_on_a_dropped_connection_claims_nothing_and_its_retry_places_once(
    client: TestClient, db: Database, world: World
) -> None:
    buyer, shop = world.buyer, world.shop_a
    add_card(client, buyer, OK_CARD)
    headers = {**buyer.headers, "Idempotency-Key": "after-failover-1"}
    body = checkout_body({shop.sku_id: 1})
    assert drop_connections(db) >= 1

    lost = client.post(f"{API}/checkout", json=body, headers=headers)
    assert lost.status_code == 503, lost.text
    assert problem_code(lost) == "database_unavailable"
    assert count(db, Order) == 0 and count(db, IdempotencyRecord) == 0

    retried = client.post(f"{API}/checkout", json=body, headers=headers)
    assert retried.status_code == 201, retried.text
    assert [o["status"] for o in retried.json()["orders"]] == ["ON_HOLD"]
    assert count(db, Order) == 1
