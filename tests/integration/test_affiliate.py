"""Affiliate commission: recorded per line at the rate in force when the order is placed,
reversed pro rata by refunds, payable when the order completes, void when it is cancelled;
the creator's statement and CSV; who may read what."""

from __future__ import annotations

import csv
import io
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import select, update

from clipshop.core.db import Database
from clipshop.core.money import Money
from clipshop.identity.principal import Role
from clipshop.models import Commission, Order, OrderLineItem
from clipshop.orders import lifecycle, refunds
from tests.conftest import Actor, World, make_actor, problem_code
from tests.fulfillment_support import paid_orders
from tests.integration.checkout_api import API, cancel, ok, post_checkout
from tests.integration.outbox_support import outbox
from tests.integration.social_support import open_offer, start_live


def _creator_live(client: TestClient, creator: Actor, world: World) -> dict[str, Any]:
    live = start_live(client, creator, "Creator live", None)
    body = {"product_id": str(world.shop_a.product_id)}
    ok(client.post(f"{API}/lives/{live['id']}/pins", json=body, headers=creator.headers))
    return live


def _buy(client: TestClient, world: World, units: int, source: dict[str, Any]) -> dict[str, Any]:
    (order,) = paid_orders(client, world.buyer, {world.shop_a.sku_id: units}, source=source)
    return order


def _commission(db: Database, order_id: str) -> list[Commission]:
    with db.unit_of_work(write=False) as session:
        stmt = select(Commission).where(Commission.order_id == int(order_id))
        return list(session.scalars(stmt.order_by(Commission.line_item_id)))


def _due(db: Database, order_id: str) -> list[tuple[int, int, str, int, str]]:
    return [(c.base, c.rate_bps, c.rate_kind, c.due, c.status) for c in _commission(db, order_id)]


def _creator(db: Database, name: str = "creator") -> Actor:
    return make_actor(db, Role.CREATOR, f"{name}@test.dev")


def test_commission_at_the_rate_in_force_at_placement(
    client: TestClient, db: Database, world: World
) -> None:
    creator = _creator(db)
    open_offer(client, world, 1000)
    live = _creator_live(client, creator, world)
    source = {"type": "LIVE", "id": live["id"]}
    first = _buy(client, world, 2, source)
    assert _due(db, first["id"]) == [(1000, 1000, "OPEN", 100, "PENDING")] * 2
    open_offer(client, world, 2000)  # a new rate: the first order keeps its own
    second = _buy(client, world, 1, source)
    assert _due(db, second["id"]) == [(1000, 2000, "OPEN", 200, "PENDING")]
    invite = {"product_id": str(world.shop_a.product_id), "creator_id": str(creator.id)}
    invitations = f"{API}/shops/{world.shop_a.id}/affiliate/invitations"
    sent = ok(
        client.post(invitations, json=invite | {"rate_bps": 333}, headers=world.seller_a.headers),
        201,
    )
    third = _buy(client, world, 1, source)  # not accepted yet: the open rate
    assert _due(db, third["id"]) == [(1000, 2000, "OPEN", 200, "PENDING")]
    accept = f"{API}/creators/{creator.id}/invitations/{sent['id']}/accept"
    assert ok(client.post(accept, headers=creator.headers))["status"] == "ACCEPTED"
    again = client.post(accept, headers=creator.headers)
    assert again.status_code == 409 and problem_code(again) == "invitation_not_open"
    fourth = _buy(client, world, 1, source)  # the targeted rate wins; 33.3 rounds down to 33
    assert _due(db, fourth["id"]) == [(1000, 333, "TARGETED", 33, "PENDING")]
    assert _due(db, first["id"]) == [(1000, 1000, "OPEN", 100, "PENDING")] * 2
    # the seller sees the commission on its orders; the other shop does not
    mine = f"{API}/shops/{world.shop_a.id}/affiliate/commissions?order_id={first['id']}"
    seen = ok(client.get(mine, headers=world.seller_a.headers))
    assert [c["due"]["minor_units"] for c in seen] == [100, 100]
    assert client.get(mine, headers=world.seller_b.headers).status_code == 404


def test_the_placed_event_carries_the_source_the_commission_is_recorded_from(
    client: TestClient, db: Database, world: World
) -> None:
    creator = _creator(db)
    open_offer(client, world, 1000)
    live = _creator_live(client, creator, world)
    order = _buy(client, world, 1, {"type": "LIVE", "id": live["id"]})
    (plain,) = paid_orders(client, world.buyer, {world.shop_a.sku_id: 1})  # no source
    changes = [(oid, p) for kind, _, oid, p in outbox(db) if kind == "order.status_changed"]
    placed = {str(oid): p for oid, p in changes if p["from_status"] is None}
    assert (placed[order["id"]]["source_type"], placed[order["id"]]["source_id"]) == (
        "LIVE",
        live["id"],
    )
    assert (placed[plain["id"]]["source_type"], placed[plain["id"]]["source_id"]) == (None, None)
    assert all(p["source_type"] is None for _, p in changes if p["from_status"] is not None)
    with db.unit_of_work(write=False) as session:
        created = session.scalar(select(Order.created_at).where(Order.id == int(order["id"])))
    [commission] = _commission(db, order["id"])
    assert commission.placed_at == created
    assert _commission(db, plain["id"]) == []


def test_no_commission_without_a_creator(client: TestClient, db: Database, world: World) -> None:
    creator = _creator(db)
    open_offer(client, world, 1000)
    own = start_live(client, world.seller_a, "Shop live", world.shop_a.id)
    assert _commission(db, _buy(client, world, 1, {"type": "LIVE", "id": own["id"]})["id"]) == []
    foreign = {"type": "SHOWCASE", "id": str(world.seller_a.id)}  # not a creator: refused
    refused = post_checkout(client, world.buyer, {world.shop_a.sku_id: 1}, source=foreign)
    assert refused.status_code == 404 and problem_code(refused) == "source_not_found"
    shown = _buy(client, world, 1, {"type": "SHOWCASE", "id": str(creator.id)})
    assert _due(db, shown["id"]) == [(1000, 1000, "OPEN", 100, "PENDING")]


def _refund(db: Database, order_id: str, amount: int) -> None:
    with db.unit_of_work() as session:
        order = session.get_one(Order, int(order_id))
        (line_id,) = session.scalars(
            select(OrderLineItem.id).where(OrderLineItem.order_id == order.id)
        )
        refunds.refund(session, order, {line_id: amount}, 0, "partial refund")


def test_refunds_reverse_commission_pro_rata(
    client: TestClient, db: Database, world: World
) -> None:
    creator = _creator(db)
    open_offer(client, world, 333)
    live = _creator_live(client, creator, world)
    order = _buy(client, world, 1, {"type": "LIVE", "id": live["id"]})
    (line,) = order["line_items"]
    paid = line["sale_price"]["minor_units"] + line["tax"]["minor_units"]
    assert paid == 1000
    reversed_after = []
    for amount in (300, 400, 300):  # 30%, 70%, all of the line
        _refund(db, order["id"], amount)
        (c,) = _commission(db, order["id"])
        reversed_after.append(c.reversed)
    assert reversed_after == [33 * 300 // 1000, 33 * 700 // 1000, 33] == [9, 23, 33]


def test_payable_when_completed_void_when_cancelled(
    client: TestClient, db: Database, world: World
) -> None:
    creator = _creator(db)
    open_offer(client, world, 1000)
    source = {"type": "LIVE", "id": _creator_live(client, creator, world)["id"]}
    done, dropped = _buy(client, world, 1, source), _buy(client, world, 1, source)
    with db.unit_of_work() as session:  # delivered (the fulfilment path is tested elsewhere)
        for table in (Order, OrderLineItem):
            key = table.id if table is Order else OrderLineItem.order_id
            session.execute(update(table).where(key == int(done["id"])).values(status="DELIVERED"))
    with db.unit_of_work() as session:
        lifecycle.complete(session, session.get_one(Order, int(done["id"])))
    (c,) = _commission(db, done["id"])
    assert (c.status, c.payable_at is not None, c.reversed) == ("PAYABLE", True, 0)
    assert ok(cancel(client, world.buyer, dropped["id"]))["status"] == "CANCELLED"
    (v,) = _commission(db, dropped["id"])
    assert (v.status, v.payable_at, v.reversed, v.due) == ("VOID", None, 100, 100)


def test_statement_and_csv_agree(client: TestClient, db: Database, world: World) -> None:
    creator = _creator(db)
    open_offer(client, world, 1250)
    source = {"type": "LIVE", "id": _creator_live(client, creator, world)["id"]}
    orders = [_buy(client, world, units, source) for units in (2, 1, 1)]
    _refund(db, orders[1]["id"], 400)  # 125 * 400 // 1000 = 50 reversed
    assert ok(cancel(client, world.buyer, orders[2]["id"]))["status"] == "CANCELLED"
    path = f"{API}/creators/{creator.id}/statement"
    statement = ok(client.get(path, headers=creator.headers))
    (totals,) = statement["totals"]
    minor = {k: totals[k]["minor_units"] for k in ("due", "reversed", "payable", "pending", "void")}
    assert minor == {"due": 500, "reversed": 175, "payable": 0, "pending": 325, "void": 0}
    assert len(statement["lines"]) == 4
    response = client.get(f"{path}.csv", headers=creator.headers)
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(response.text)))
    assert len(rows) == 4

    def total(column: str) -> int:
        return sum(Money.parse_exact(r[column], r["currency"]).amount for r in rows)

    assert (total("due"), total("reversed"), total("net")) == (500, 175, 325)
    empty = client.get(
        path,
        params={"start": "2030-01-01T00:00:00Z", "end": "2030-01-01T00:00:00Z"},
        headers=creator.headers,
    )
    assert empty.status_code == 422 and empty.json()["code"] == "invalid_time_range"
    assert empty.json()["detail"] == "start must be earlier than end"
    assert sorted(r["order_id"] for r in rows) == sorted(
        [orders[0]["id"]] * 2 + [orders[1]["id"], orders[2]["id"]]
    )


def test_a_creator_reads_only_its_own(client: TestClient, db: Database, world: World) -> None:
    creator, other = _creator(db), _creator(db, "other")
    open_offer(client, world, 1000)
    _buy(client, world, 1, {"type": "LIVE", "id": _creator_live(client, creator, world)["id"]})
    for path in ("statement", "statement.csv", "invitations", "showcase", "products"):
        for intruder in (other, world.seller_a, world.buyer):
            response = client.get(f"{API}/creators/{creator.id}/{path}", headers=intruder.headers)
            assert response.status_code == 404, (path, intruder.role, response.text)
            assert problem_code(response) == "creator_not_found"
    own = ok(client.get(f"{API}/creators/{other.id}/statement", headers=other.headers))
    assert own["lines"] == [] and own["totals"] == []
    body = {"product_id": str(world.shop_a.product_id)}
    response = client.post(
        f"{API}/creators/{creator.id}/showcase", json=body, headers=other.headers
    )
    assert response.status_code == 404
    assert ok(client.get(f"{API}/creators/{creator.id}/showcase", headers=creator.headers)) == []
