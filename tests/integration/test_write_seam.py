"""One seam for driver statements (issue 13): within one unit of work a table is written
either through SQLAlchemy (ORM flushes, ``session.execute``) or by driver statements
(``core.rawsql``), never both. ``rawsql.watch`` records every transaction's writes while the
main flows run through the API: checkout (paid, declined, with a backup method), payment
retry, cancellation with its refund, release from the remorse window, shipping, delivery, a
return refunded and the order completed."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text

from clipshop.core import rawsql
from clipshop.core.db import Database
from tests.conftest import World
from tests.fulfillment_support import paid_orders
from tests.integration.checkout_api import (
    API,
    DECLINED_CARD,
    add_method,
    cancel,
    checkout,
    get_order,
    ok,
)
from tests.integration.deadline_support import Week, awaiting_shipment
from tests.integration.returns_support import decide, delivered, request_return


def mixed(seam: rawsql.Seam) -> list[str]:
    return list(seam.mixed)


@pytest.fixture
def seam(db: Database) -> Iterator[rawsql.Seam]:
    watched = rawsql.watch(db.engine)
    try:
        yield watched
    finally:
        watched.stop()


def test_checkout_decline_backup_retry_and_cancel_keep_the_seam(
    client: TestClient, world: World, seam: rawsql.Seam
) -> None:
    buyer = world.buyer
    declined = add_method(client, buyer, DECLINED_CARD, make_default=True)
    wallet = add_method(client, buyer, "clippay")
    failed = checkout(client, buyer, {world.shop_a.sku_id: 2, world.shop_b.sku_id: 1})
    assert failed["payment"]["status"] == "FAILED"
    url = f"{API}/payments/{failed['payment']['id']}/retry"
    headers = {**buyer.headers, "Idempotency-Key": "retry-1"}
    paid = ok(client.post(url, json={"payment_method_id": str(wallet)}, headers=headers))
    assert paid["payment"]["status"] == "CAPTURED"
    backed = checkout(
        client,
        buyer,
        {world.shop_a.sku_id: 1},
        payment_method_id=str(declined),
        backup_payment_method_id=str(wallet),
    )
    assert backed["payment"]["status"] == "CAPTURED"
    order = backed["orders"][0]
    assert ok(cancel(client, buyer, order["id"]))["status"] == "CANCELLED"
    unpaid = checkout(client, buyer, {world.shop_b.sku_id: 1})["orders"][0]
    assert ok(cancel(client, buyer, unpaid["id"]))["status"] == "CANCELLED"
    assert seam.mixed == [], "\n".join(seam.mixed)  # no sweeper ran: nothing left out


def test_shipping_delivery_return_and_refund_keep_the_seam(
    client: TestClient, world: World, week: Week, seam: rawsql.Seam
) -> None:
    order, _ = delivered(client, world, week, units=2)
    first, second = order["line_items"]
    ret = request_return(client, world.buyer, order, "REFUND", "DAMAGED", [first["id"]])
    assert decide(client, world.seller_a, ret["return_id"], "APPROVE_REFUND")["refund_status"]
    other = request_return(client, world.buyer, order, "REFUND", "DAMAGED", [second["id"]])
    decide(client, world.seller_a, other["return_id"], "APPROVE_REFUND")
    assert get_order(client, world.buyer, order["id"])["status"] == "COMPLETED"
    (held,) = paid_orders(client, world.buyer, {world.shop_a.sku_id: 1})
    assert ok(cancel(client, world.buyer, held["id"]))["status"] == "CANCELLED"
    assert mixed(seam) == [], "\n".join(mixed(seam))


def test_the_sweeper_writes_timers_one_way(
    client: TestClient, world: World, week: Week, seam: rawsql.Seam
) -> None:
    awaiting_shipment(client, world, week)
    assert seam.mixed == [], "\n".join(seam.mixed)


def test_the_watch_sees_a_table_written_both_ways(db: Database, seam: rawsql.Seam) -> None:
    """The check itself: one transaction writing ``shops`` through SQLAlchemy and by a driver
    statement is reported; two transactions, one way each, are not."""
    with db.unit_of_work() as session:
        session.execute(text("UPDATE shops SET name = name WHERE id = 0"))
    with db.unit_of_work() as session:
        rawsql.run(session, rawsql.Statement(text("UPDATE shops SET name = name WHERE id = 0")))
    assert seam.mixed == [], "\n".join(seam.mixed)
    with db.unit_of_work() as session:
        session.execute(text("UPDATE shops SET name = name WHERE id = 0"))
        rawsql.run(session, rawsql.Statement(text("UPDATE shops SET name = name WHERE id = 0")))
    assert len(seam.mixed) == 1
    assert seam.mixed[0].startswith("shops: written by SQLAlchemy")
