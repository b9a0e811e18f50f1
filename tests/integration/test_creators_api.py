"""Creators as users (made by an admin like any role), their videos and invitations, and one
creator's showcase changes taking turns."""

from __future__ import annotations

import threading

from fastapi.testclient import TestClient
from sqlalchemy import select, text

from clipshop.core.db import Database
from clipshop.identity.principal import Role
from clipshop.models import ShowcaseItem
from clipshop.social import showcase
from tests.conftest import World, make_actor, problem_code
from tests.integration.checkout_api import API, ok
from tests.integration.social_support import add_product, open_offer

WAITING = (
    "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
    " AND wait_event_type = 'Lock' AND query LIKE 'UPDATE users%'"
)


def test_an_admin_creates_a_creator(client: TestClient, world: World) -> None:
    body = {"email": "maya@test.dev", "name": "Maya", "role": "creator", "password": "long enough"}
    made = ok(client.post(f"{API}/users", json=body, headers=world.admin.headers), 201)
    assert made["role"] == "creator"
    token = ok(
        client.post(
            f"{API}/tokens", json={"name": "t", "user_id": made["id"]}, headers=world.admin.headers
        ),
        201,
    )["token"]
    me = ok(client.get(f"{API}/me", headers={"Authorization": f"Bearer {token}"}))
    assert me["permissions"] == ["affiliate:sell", "tokens:own"]


def test_videos_are_tagged_with_products_open_to_the_host(
    client: TestClient, db: Database, world: World
) -> None:
    creator = make_actor(db, Role.CREATOR, "creator@test.dev")
    other = add_product(db, world, "Other")
    body = {"title": "Unboxing", "product_ids": [str(world.shop_a.product_id)]}
    refused = client.post(f"{API}/videos", json=body, headers=creator.headers)
    assert refused.status_code == 409 and problem_code(refused) == "product_not_open"
    assert ok(client.get(f"{API}/videos", headers=creator.headers))["items"] == []
    open_offer(client, world, 500)
    video = ok(client.post(f"{API}/videos", json=body, headers=creator.headers), 201)
    assert video["product_ids"] == [str(world.shop_a.product_id)] and video["shop_id"] is None
    shop = {"title": "Shop clip", "shop_id": str(world.shop_a.id), "product_ids": [str(other)]}
    own = ok(client.post(f"{API}/videos", json=shop, headers=world.seller_a.headers), 201)
    foreign = {**shop, "product_ids": [str(world.shop_b.product_id)]}
    response = client.post(f"{API}/videos", json=foreign, headers=world.seller_a.headers)
    assert response.status_code == 404 and problem_code(response) == "product_not_found"
    for vid in (video["id"], own["id"]):
        gone = client.get(f"{API}/videos/{vid}", headers=world.seller_b.headers)
        assert gone.status_code == 404 and problem_code(gone) == "video_not_found"
    listed = ok(client.get(f"{API}/videos", headers=world.seller_a.headers))["items"]
    assert [v["id"] for v in listed] == [own["id"]]


def test_invitations_reach_only_creators(client: TestClient, db: Database, world: World) -> None:
    creator = make_actor(db, Role.CREATOR, "creator@test.dev")
    path = f"{API}/shops/{world.shop_a.id}/affiliate/invitations"
    body = {"product_id": str(world.shop_a.product_id), "rate_bps": 800}
    not_creator = client.post(
        path, json=body | {"creator_id": str(world.buyer.id)}, headers=world.seller_a.headers
    )
    assert not_creator.status_code == 404 and problem_code(not_creator) == "creator_not_found"
    foreign = client.post(
        path, json=body | {"creator_id": str(creator.id)}, headers=world.seller_b.headers
    )
    assert foreign.status_code == 404
    assert ok(client.get(path, headers=world.seller_a.headers)) == []
    sent = ok(
        client.post(
            path, json=body | {"creator_id": str(creator.id)}, headers=world.seller_a.headers
        ),
        201,
    )
    mine = ok(client.get(f"{API}/creators/{creator.id}/invitations", headers=creator.headers))
    assert [(i["id"], i["status"], i["rate_bps"]) for i in mine] == [(sent["id"], "INVITED", 800)]
    decline = f"{API}/creators/{creator.id}/invitations/{sent['id']}/decline"
    assert ok(client.post(decline, headers=creator.headers))["status"] == "DECLINED"
    # declined: nothing is open to the creator, so nothing can go to its showcase
    assert ok(client.get(f"{API}/creators/{creator.id}/products", headers=creator.headers)) == []
    show = {"product_id": str(world.shop_a.product_id)}
    refused = client.post(
        f"{API}/creators/{creator.id}/showcase", json=show, headers=creator.headers
    )
    assert refused.status_code == 409 and problem_code(refused) == "product_not_open"
    ok(
        client.post(
            path,
            json=body | {"creator_id": str(creator.id), "rate_bps": 900},
            headers=world.seller_a.headers,
        ),
        201,
    )
    accept = f"{API}/creators/{creator.id}/invitations/{sent['id']}/accept"
    assert ok(client.post(accept, headers=creator.headers))["rate_bps"] == 900
    shown = ok(
        client.post(f"{API}/creators/{creator.id}/showcase", json=show, headers=creator.headers),
        201,
    )
    assert [(p["product_id"], p["rate_bps"], p["rate_kind"]) for p in shown] == [
        (str(world.shop_a.product_id), 900, "TARGETED")
    ]


def _wait_until_blocked(db: Database) -> None:
    """PostgreSQL: until a session waits for the creator's row (SQLite: the second writer
    waits for its turn, nothing to look at)."""
    if db.is_sqlite:
        return
    with db.engine.connect() as conn:
        for _ in range(10_000):
            if conn.execute(text(WAITING)).scalar_one():
                return
            conn.rollback()
    raise AssertionError("the second change never waited for the first")


def test_concurrent_showcase_adds_take_distinct_places(
    client: TestClient, db: Database, world: World
) -> None:
    creator = make_actor(db, Role.CREATOR, "creator@test.dev")
    a, b = world.shop_a.product_id, add_product(db, world, "B")
    open_offer(client, world, 500)
    path = f"{API}/shops/{world.shop_a.id}/affiliate/offers/{b}"
    ok(client.put(path, json={"rate_bps": 700}, headers=world.seller_a.headers))
    failures: list[BaseException] = []

    def second() -> None:
        try:
            with db.unit_of_work() as session:
                showcase.add(session, creator.principal, creator.id, b)
        except BaseException as exc:  # reported by the assertion below
            failures.append(exc)

    with db.unit_of_work() as session:
        showcase.add(session, creator.principal, creator.id, a)
        thread = threading.Thread(target=second)
        thread.start()
        _wait_until_blocked(db)
    thread.join()
    assert failures == []
    with db.unit_of_work(write=False) as session:
        stmt = select(ShowcaseItem.product_id, ShowcaseItem.position)
        rows = session.execute(stmt.where(ShowcaseItem.creator_id == creator.id))
        assert sorted((p, at) for p, at in rows) == [(a, 0), (b, 1)]
