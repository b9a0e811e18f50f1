"""Idempotency-Key on checkout: replay, reuse for another body, in flight, expiry."""

from __future__ import annotations

import json
from datetime import timedelta

from fastapi.testclient import TestClient

from clipshop.core import idempotency
from clipshop.core.clock import clock
from clipshop.core.db import Database
from clipshop.identity.principal import Role
from clipshop.models import Order, Payment, PaymentAttempt
from tests.conftest import World, make_actor, problem_code
from tests.integration.checkout_api import (
    API,
    OK_CARD,
    add_card,
    charged,
    checkout_body,
    count,
    minor,
    post_checkout,
    stock,
)

KEY = "5b0f6c3e-checkout-1"


def test_same_key_same_body_replays_byte_for_byte(
    client: TestClient, db: Database, world: World
) -> None:
    buyer, a, b = world.buyer, world.shop_a, world.shop_b
    add_card(client, buyer, OK_CARD)
    first = post_checkout(client, buyer, {a.sku_id: 1, b.sku_id: 2}, key=KEY)
    assert first.status_code == 201
    assert "idempotent-replayed" not in first.headers
    total = sum(minor(o, "total_amount") for o in first.json()["orders"])

    for _ in range(2):  # a double tap, then a retry after a lost response
        again = post_checkout(client, buyer, {a.sku_id: 1, b.sku_id: 2}, key=KEY)
        assert again.status_code == 201
        assert again.headers["idempotent-replayed"] == "true"
        assert again.content == first.content
        assert again.headers["content-type"] == first.headers["content-type"]

    assert count(db, Payment) == 1
    assert count(db, Order) == 2
    assert count(db, PaymentAttempt) == 1
    assert charged(client) == total
    assert stock(client, world.seller_a, a.sku_id) == (9, 1)
    assert stock(client, world.seller_b, b.sku_id) == (8, 2)


def test_error_answers_are_replayed_too(client: TestClient, db: Database, world: World) -> None:
    buyer, a = world.buyer, world.shop_a
    add_card(client, buyer, OK_CARD)
    first = post_checkout(client, buyer, {a.sku_id: 11}, key=KEY)
    assert first.status_code == 409
    assert problem_code(first) == "sold_out"
    again = post_checkout(client, buyer, {a.sku_id: 11}, key=KEY)
    assert again.status_code == 409
    assert again.content == first.content
    assert again.headers["idempotent-replayed"] == "true"
    assert count(db, Order) == 0


def test_same_key_different_body_is_refused(client: TestClient, db: Database, world: World) -> None:
    buyer, a = world.buyer, world.shop_a
    add_card(client, buyer, OK_CARD)
    assert post_checkout(client, buyer, {a.sku_id: 1}, key=KEY).status_code == 201
    reused = post_checkout(client, buyer, {a.sku_id: 2}, key=KEY)
    assert reused.status_code == 422
    assert problem_code(reused) == "idempotency_key_reused"
    assert count(db, Order) == 1
    assert count(db, Payment) == 1
    assert stock(client, world.seller_a, a.sku_id) == (9, 1)
    assert charged(client) == 1000 + 499


def test_keys_are_scoped_to_the_user(client: TestClient, db: Database, world: World) -> None:
    other = make_actor(db, Role.BUYER, "other@test.dev")
    a = world.shop_a
    add_card(client, world.buyer, OK_CARD)
    add_card(client, other, OK_CARD)
    first = post_checkout(client, world.buyer, {a.sku_id: 1}, key=KEY)
    second = post_checkout(client, other, {a.sku_id: 1}, key=KEY)
    assert (first.status_code, second.status_code) == (201, 201)
    assert "idempotent-replayed" not in second.headers
    assert first.json()["payment"]["id"] != second.json()["payment"]["id"]
    assert second.json()["orders"][0]["buyer_id"] == str(other.id)
    assert count(db, Order) == 2


def test_a_request_in_flight_gets_409(client: TestClient, db: Database, world: World) -> None:
    buyer, a = world.buyer, world.shop_a
    add_card(client, buyer, OK_CARD)
    body = json.dumps(checkout_body({a.sku_id: 1})).encode()
    path = f"{API}/checkout"
    fp = idempotency.fingerprint("POST", path, "", body)
    ttl, lease = timedelta(hours=24), timedelta(minutes=1)
    # The first request has claimed the key and is still running.
    owner = idempotency.OWNERS.begin()
    first = idempotency.begin(db, buyer.id, KEY, fp, ttl, owner, lease)
    assert isinstance(first, idempotency.Claim) and not first.recovered
    stored = idempotency.begin(db, buyer.id, KEY, fp, ttl, idempotency.OWNERS.begin(), lease)
    assert isinstance(stored, idempotency.Stored) and stored.state == "IN_FLIGHT"

    headers = {**buyer.headers, "Idempotency-Key": KEY, "Content-Type": "application/json"}
    response = client.post(path, content=body, headers=headers)
    assert response.status_code == 409
    assert problem_code(response) == "idempotency_request_in_flight"
    assert 1 <= int(response.headers["retry-after"]) <= 60  # when its lease ends
    assert count(db, Order) == 0
    assert stock(client, world.seller_a, a.sku_id) == (10, 0)

    # Another body with the same key is still a reuse, in flight or not.
    other = client.post(path, json=checkout_body({a.sku_id: 2}), headers=headers)
    assert other.status_code == 422
    assert problem_code(other) == "idempotency_key_reused"

    # The first request ends with a server error: its lease ends, a retry runs again.
    idempotency.release(db, buyer.id, KEY, owner)
    idempotency.OWNERS.end(owner)
    retried = client.post(path, content=body, headers=headers)
    assert retried.status_code == 201
    assert count(db, Order) == 1


def test_the_record_expires_after_24_hours(client: TestClient, db: Database, world: World) -> None:
    buyer, a = world.buyer, world.shop_a
    add_card(client, buyer, OK_CARD)
    first = post_checkout(client, buyer, {a.sku_id: 1}, key=KEY)
    assert first.status_code == 201

    clock.advance(timedelta(hours=23))
    replay = post_checkout(client, buyer, {a.sku_id: 1}, key=KEY)
    assert replay.headers.get("idempotent-replayed") == "true"
    assert count(db, Order) == 1

    clock.advance(timedelta(hours=2))  # 25 h after the first request
    fresh = post_checkout(client, buyer, {a.sku_id: 1}, key=KEY)
    assert fresh.status_code == 201
    assert "idempotent-replayed" not in fresh.headers
    assert fresh.json()["payment"]["id"] != first.json()["payment"]["id"]
    assert count(db, Order) == 2
    assert count(db, Payment) == 2
    assert stock(client, world.seller_a, a.sku_id) == (8, 2)
    assert charged(client) == 2 * (1000 + 499)
    # And that new answer is what the key replays from now on.
    again = post_checkout(client, buyer, {a.sku_id: 1}, key=KEY)
    assert again.headers.get("idempotent-replayed") == "true"
    assert again.content == fresh.content


def test_payment_retry_needs_a_key_and_replays(
    client: TestClient, db: Database, world: World
) -> None:
    buyer, a = world.buyer, world.shop_a
    add_card(client, buyer, "4000000000000002")  # declined, the default
    good = add_card(client, buyer, OK_CARD)
    payment_id = post_checkout(client, buyer, {a.sku_id: 1}).json()["payment"]["id"]
    url = f"{API}/payments/{payment_id}/retry"
    body = {"payment_method_id": str(good)}
    missing = client.post(url, json=body, headers=buyer.headers)
    assert missing.status_code == 400
    assert problem_code(missing) == "idempotency_key_required"

    headers = {**buyer.headers, "Idempotency-Key": "retry-1"}
    first = client.post(url, json=body, headers=headers)
    assert first.status_code == 200, first.text
    assert first.json()["payment"]["status"] == "CAPTURED"
    again = client.post(url, json=body, headers=headers)
    assert again.content == first.content
    assert again.headers["idempotent-replayed"] == "true"
    assert charged(client) == 1499
    assert count(db, PaymentAttempt) == 2
