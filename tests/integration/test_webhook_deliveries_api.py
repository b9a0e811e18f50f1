"""The delivery log and what a seller does with it, over HTTP on both databases: the log
pages and filters, a retry makes a failed delivery pending and due now, the test ping and a
replay reach a receiver verified by ``standardwebhooks``, another shop's webhook is 404."""

from __future__ import annotations

from datetime import timedelta

from fastapi.testclient import TestClient

from clipshop.core.clock import clock, utcnow
from clipshop.core.db import Database
from clipshop.models import WebhookSubscription
from clipshop.webhooks.sender import send_due
from clipshop.worker.relay import relay
from tests.conftest import World, problem_code
from tests.integration.webhook_support import (
    announce_changes,
    change_ids,
    new_secret,
    receiving,
    sender_db,
    subscribe,
)


def base(shop_id: int, sub: int) -> str:
    return f"/api/v1/shops/{shop_id}/webhooks/{sub}"


def test_the_log_shows_each_delivery_newest_first_and_filters_by_status(
    db: Database, world: World, client: TestClient
) -> None:
    secret = new_secret()
    headers = world.seller_a.headers
    with receiving([secret]) as hook, sender_db(db) as sdb:
        sub = subscribe(db, world.shop_a.id, hook.url, secret)
        announce_changes(db, world.shop_a.id, [101, 102], 1)
        relay(db)
        send_due(sdb)
        hook.status = 503
        announce_changes(db, world.shop_a.id, [103], 1)
        relay(db)
        send_due(sdb)

        page = client.get(f"{base(world.shop_a.id, sub)}/deliveries?limit=2", headers=headers)
        assert page.status_code == 200, page.text
        items = page.json()["items"]
        assert [i["status"] for i in items] == ["PENDING", "DELIVERED"]
        pending = items[0]
        assert pending["message_id"] == f"msg_{change_ids(db)[-1]}"
        assert (pending["attempts"], pending["last_status_code"]) == (1, 503)
        assert pending["next_attempt_at"] is not None and pending["last_latency_ms"] is not None
        assert items[1]["next_attempt_at"] is None and items[1]["delivered_at"] is not None
        assert items[1]["payload"]["type"] == "order.status_changed"
        rest = client.get(
            f"{base(world.shop_a.id, sub)}/deliveries",
            params={"limit": 2, "cursor": page.json()["next_cursor"]},
            headers=headers,
        )
        assert [i["status"] for i in rest.json()["items"]] == ["DELIVERED"]
        assert rest.json()["next_cursor"] is None

        delivered = client.get(
            f"{base(world.shop_a.id, sub)}/deliveries?status=DELIVERED", headers=headers
        )
        assert len(delivered.json()["items"]) == 2
        bad = client.get(f"{base(world.shop_a.id, sub)}/deliveries?status=LOST", headers=headers)
        assert bad.status_code == 422


def test_a_retry_makes_a_failed_delivery_pending_and_due_now(
    db: Database, world: World, client: TestClient
) -> None:
    secret = new_secret()
    headers = world.seller_a.headers
    with receiving([secret], status=410) as hook, sender_db(db) as sdb:
        sub = subscribe(db, world.shop_a.id, hook.url, secret)
        announce_changes(db, world.shop_a.id, [101], 1)
        relay(db)
        send_due(sdb)  # 410: disabled, the delivery FAILED
        with db.unit_of_work() as session:  # the seller fixes the receiver and re-enables
            session.get_one(WebhookSubscription, sub).enabled = True
        hook.status = 200
        listed = client.get(f"{base(world.shop_a.id, sub)}/deliveries", headers=headers)
        (failed,) = listed.json()["items"]
        assert failed["status"] == "FAILED"

        url = f"{base(world.shop_a.id, sub)}/deliveries/{failed['id']}/retry"
        retried = client.post(url, headers=headers)
        assert retried.status_code == 202, retried.text
        assert (retried.json()["status"], retried.json()["attempts"]) == ("PENDING", 0)
        assert send_due(sdb).delivered == 1
        assert hook.message_ids() == [failed["message_id"]] * 2 and hook.all_verified()

        again = client.post(url, headers=headers)
        assert again.status_code == 409
        assert problem_code(again) == "delivery_already_delivered"


def test_the_test_ping_reaches_the_receiver_signed(
    db: Database, world: World, client: TestClient
) -> None:
    secret = new_secret()
    with receiving([secret]) as hook, sender_db(db) as sdb:
        sub = subscribe(db, world.shop_a.id, hook.url, secret, ["order.status_changed"])
        answer = client.post(f"{base(world.shop_a.id, sub)}/test", headers=world.seller_a.headers)
        assert answer.status_code == 202, answer.text
        ping = answer.json()
        assert ping["type"] == "webhook.ping" and ping["event_id"] is None
        assert ping["message_id"] == f"msg_ping_{ping['id']}"
        assert send_due(sdb).delivered == 1
        (got,) = hook.received
        assert got.message_id == ping["message_id"] and hook.all_verified()
        assert got.body["type"] == "webhook.ping"
        assert got.body["data"] == {"subscription_id": str(sub), "shop_id": str(world.shop_a.id)}


def test_a_replay_sends_the_events_of_a_range_again_with_their_ids(
    db: Database, world: World, client: TestClient
) -> None:
    secret = new_secret()
    headers = world.seller_a.headers
    with receiving([secret]) as hook, sender_db(db) as sdb:
        sub = subscribe(db, world.shop_a.id, hook.url, secret)
        start = utcnow()
        announce_changes(db, world.shop_a.id, [101, 102], 2)
        announce_changes(db, world.shop_b.id, [201], 1)  # another shop's: never replayed
        relay(db)
        send_due(sdb)
        clock.advance(timedelta(hours=1))
        announce_changes(db, world.shop_a.id, [103], 1)  # after the range
        relay(db)
        send_due(sdb)
        first = hook.message_ids()
        assert len(first) == 5

        span = {"from": start.isoformat(), "to": (start + timedelta(minutes=30)).isoformat()}
        replayed = client.post(f"{base(world.shop_a.id, sub)}/replay", json=span, headers=headers)
        assert replayed.status_code == 202, replayed.text
        assert replayed.json() == {"deliveries": 4}
        send_due(sdb)
        assert sorted(hook.message_ids()[5:]) == sorted(first[:4])  # the same ids
        assert hook.all_verified()

        backwards = {"from": span["to"], "to": span["from"]}
        wrong = client.post(f"{base(world.shop_a.id, sub)}/replay", json=backwards, headers=headers)
        assert wrong.status_code == 422 and problem_code(wrong) == "invalid_time_range"


def test_another_shops_webhook_and_its_deliveries_are_not_found(
    db: Database, world: World, client: TestClient
) -> None:
    sub = subscribe(db, world.shop_a.id, "https://example.com/hooks", new_secret())
    own = f"{base(world.shop_a.id, sub)}"
    crossed = f"{base(world.shop_b.id, sub)}"  # seller B's shop, seller A's webhook
    span = {"from": "2026-01-01T00:00:00Z", "to": "2026-01-02T00:00:00Z"}
    calls = [
        ("get", "/deliveries", None),
        ("post", "/deliveries/1/retry", None),
        ("post", "/test", None),
        ("post", "/replay", span),
    ]
    for method, path, body in calls:
        for prefix in (own, crossed):
            answer = client.request(
                method, prefix + path, json=body, headers=world.seller_b.headers
            )
            assert answer.status_code == 404, (method, path, answer.text)
            assert problem_code(answer) == "not_found"
        for who in (world.buyer, world.agent):  # no webhooks:manage
            answer = client.request(method, own + path, json=body, headers=who.headers)
            assert answer.status_code == 403, (method, path, answer.text)
        if method == "post":  # the admin reads the log; the actions are the shop staff's
            answer = client.request(method, own + path, json=body, headers=world.admin.headers)
            assert answer.status_code == 403, (method, path, answer.text)
    for who in (world.seller_a, world.admin):
        listed = client.get(f"{own}/deliveries", headers=who.headers)
        assert listed.status_code == 200 and listed.json()["items"] == []
