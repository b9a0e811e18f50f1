"""Actions on one order at the same moment, over HTTP, on SQLite and PostgreSQL.

A buyer's double tap on "cancel" (``POST /orders/{id}/cancel``): one 200, the others 409
``order_not_cancellable``, never 500; the stock comes back once and the money is refunded
once. Two agents deciding one review hold (one clears, one cancels): one decision is taken,
the other is refused with 409 ``not_on_review``. Each race runs several rounds; the answers
are checked as a set, whichever request wins."""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

from fastapi.testclient import TestClient
from httpx import Response

from clipshop.core.db import Database
from tests.conftest import Actor, World, problem_code
from tests.integration.checkout_api import (
    API,
    OK_CARD,
    add_card,
    address,
    cancel,
    charged,
    checkout,
    get_order,
    minor,
    stock,
    transactions,
)

ROUNDS = 6
TAPS = 3
UNITS = 2
BILLING_ELSEWHERE = address(address_line1="9 Oak Ave", postal_code="60601", city="Chicago")


def race(calls: list[Callable[[], Response]]) -> list[Response]:
    """Send the requests from threads released together."""
    go = threading.Event()

    def gated(call: Callable[[], Response]) -> Response:
        go.wait()
        return call()

    with ThreadPoolExecutor(max_workers=len(calls)) as pool:
        futures = [pool.submit(gated, call) for call in calls]
        go.set()
        return [f.result() for f in futures]


def answers(responses: list[Response]) -> Counter[tuple[int, str]]:
    return Counter(
        (r.status_code, "" if r.status_code == 200 else problem_code(r)) for r in responses
    )


def test_simultaneous_buyer_cancels_answer_once(
    client: TestClient, db: Database, world: World
) -> None:
    buyer, shop = world.buyer, world.shop_a
    add_card(client, buyer, OK_CARD)
    start = stock(client, shop.owner, shop.sku_id)
    for _ in range(ROUNDS):
        [order] = checkout(client, buyer, {shop.sku_id: UNITS})["orders"]
        assert order["status"] == "ON_HOLD"
        assert stock(client, shop.owner, shop.sku_id) == (start[0] - UNITS, UNITS)

        def tap(order_id: str = order["id"]) -> Response:
            return cancel(client, buyer, order_id)

        responses = race([tap] * TAPS)

        assert answers(responses) == {
            (200, ""): 1,
            (409, "order_not_cancellable"): TAPS - 1,
        }, [r.text for r in responses]
        assert get_order(client, buyer, order["id"])["status"] == "CANCELLED"
        assert stock(client, shop.owner, shop.sku_id) == start
        [refund] = transactions(db, order["payment_id"], "REFUND")
        assert (refund.amount, refund.status) == (minor(order, "total_amount"), "SUCCEEDED")
        assert charged(client) == 0  # every capture so far was refunded, once


def review(client: TestClient, actor: Actor, order_id: str, decision: str) -> Response:
    body = {"decision": decision, "note": "race"}
    response: Response = client.post(
        f"{API}/orders/{order_id}/review", json=body, headers=actor.headers
    )
    return response


def test_simultaneous_review_decisions_take_one(
    client: TestClient, db: Database, world: World
) -> None:
    buyer, shop = world.buyer, world.shop_a
    add_card(client, buyer, OK_CARD)
    start = stock(client, shop.owner, shop.sku_id)
    for n in range(ROUNDS):
        placed = checkout(client, buyer, {shop.sku_id: 1}, billing_address=BILLING_ELSEWHERE)
        [order] = placed["orders"]
        assert (order["status"], order["review_hold"]) == ("ON_HOLD", True)
        captured = charged(client)

        def clear(order_id: str = order["id"]) -> Response:
            return review(client, world.agent, order_id, "CLEAR")

        def reject(order_id: str = order["id"]) -> Response:
            return review(client, world.supervisor, order_id, "CANCEL")

        responses = race([clear, reject] if n % 2 else [reject, clear])

        assert answers(responses) == {(200, ""): 1, (409, "not_on_review"): 1}, [
            r.text for r in responses
        ]
        [won] = [r.json() for r in responses if r.status_code == 200]
        after = get_order(client, buyer, order["id"])
        assert after["review_hold"] is False
        refunds = transactions(db, order["payment_id"], "REFUND")
        if won["status"] == "CANCELLED":  # the rejection won: stock back, money back once
            assert after["status"] == "CANCELLED"
            assert stock(client, shop.owner, shop.sku_id) == start
            assert [(t.amount, t.status) for t in refunds] == [
                (minor(order, "total_amount"), "SUCCEEDED")
            ]
            assert charged(client) == captured - minor(order, "total_amount")
        else:  # cleared: the order goes on, nothing moved back
            assert after["status"] == "ON_HOLD"
            assert stock(client, shop.owner, shop.sku_id) == (start[0] - 1, start[1] + 1)
            assert refunds == []
            assert charged(client) == captured
            start = (start[0] - 1, start[1] + 1)
