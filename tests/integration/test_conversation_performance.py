"""The chat response metric over a week of sandbox time: a buyer's wait is judged when the
seller answers or when the region's 12 hours pass unanswered; the shop's metrics and its daily
review count it like the other targets (0.90 at least), and the conversations' performance
read gives the average hours to the first reply.

The platform clock is frozen at 10:00 UTC tomorrow and moved with the sandbox endpoint."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient

from clipshop.deadlines.standing import next_review_at
from tests.conftest import World
from tests.fulfillment_support import (
    advance_to,
    carrier_event,
    frozen_clock,  # noqa: F401  (fixture)
    now,
    paid_orders,
    release,
    send,
    ship,
)
from tests.integration.checkout_api import API, ok, set_stock
from tests.integration.conversation_support import say, write_to_shop
from tests.integration.fulfillment_files_api import sx

pytestmark = pytest.mark.usefixtures("frozen_clock")

H = timedelta(hours=1)
D = timedelta(days=1)
CHAT = "chat_response_rate"


def _perf(client: TestClient, world: World) -> dict[str, Any]:
    url = f"{API}/shops/{world.shop_a.id}/performance"
    result: dict[str, Any] = ok(client.get(url, headers=world.seller_a.headers))
    return result


def _chat(client: TestClient, world: World, days: int = 7) -> tuple[int, int]:
    window = next(w for w in _perf(client, world)["windows"] if w["days"] == days)
    metric = window["metrics"][CHAT]
    return int(metric["numerator"]), int(metric["denominator"])


def _ten_shipped_orders(client: TestClient, world: World) -> None:
    """Enough orders for the review to judge the shop, all shipped and scanned at once."""
    set_stock(client, world.shop_a, world.shop_a.sku_id, 50)
    orders = [
        paid_orders(client, world.buyer, {world.shop_a.sku_id: 1})[0]["id"] for _ in range(10)
    ]
    release(client, world.admin)
    for n, order_id in enumerate(orders, start=1):
        ship(client, world.seller_a, [order_id], sx(n))
        send(client, "SIMEX", carrier_event(f"P-{n}", sx(n), "PICKED_UP", now()))


def test_response_time_over_a_week_and_a_breach_in_the_review(
    client: TestClient, world: World
) -> None:
    admin, buyer, seller = world.admin, world.buyer, world.seller_a
    _ten_shipped_orders(client, world)
    cid = write_to_shop(client, buyer, world.shop_a.id, "Question 1")["conversation"]["id"]
    say(client, buyer, cid, "Anyone there?")  # the same wait: it started at the first
    advance_to(client, admin, now() + H)
    say(client, seller, cid, "Answer 1")  # answered in 1 h
    for n in range(2, 8):  # six more, one a day, each answered in an hour
        advance_to(client, admin, now() + D - H)
        say(client, buyer, cid, f"Question {n}")
        advance_to(client, admin, now() + H)
        say(client, seller, cid, f"Answer {n}")
    say(client, seller, cid, "A follow-up")  # no wait open: nothing judged
    assert _chat(client, world) == (7, 7)

    say(client, buyer, cid, "Late one")  # answered after 13 h: missed, judged at 12 h
    advance_to(client, admin, now() + 12 * H - timedelta(seconds=1))
    assert _chat(client, world) == (7, 7)  # not judged before its target passed
    advance_to(client, admin, now() + H + timedelta(seconds=1))
    assert _chat(client, world) == (7, 8)  # judged missed at 12 h, still unanswered
    say(client, seller, cid, "Sorry for the wait")
    say(client, buyer, cid, "Never answered")
    advance_to(client, admin, now() + 12 * H)
    assert _chat(client, world, 30) == (7, 9)
    assert _chat(client, world) == (6, 8)  # a week on, the first wait left the 7-day window

    read = ok(
        client.get(
            f"{API}/shops/{world.shop_a.id}/chat-performance?days=30", headers=seller.headers
        )
    )
    assert (read["waits_judged"], read["answered_in_time"]) == (9, 7)
    assert read["response_rate"] == round(7 / 9, 4)
    assert read["average_first_reply_hours"] == 2.5  # (7 x 1 h + 13 h) / 8 answered
    other = client.get(
        f"{API}/shops/{world.shop_a.id}/chat-performance", headers=world.seller_b.headers
    )
    assert other.status_code == 404

    advance_to(client, admin, next_review_at(now()))
    perf = _perf(client, world)
    assert (perf["standing"], perf["breach_count"]) == ("WARNING", 1)
    assert perf["history"][0]["breaches"] == [CHAT]
    # counted by the first review that saw the miss (00:00, as the late wait was judged)
    assert perf["history"][-1]["note"] == f"breach 1: {CHAT} 0.875 < 0.9"
