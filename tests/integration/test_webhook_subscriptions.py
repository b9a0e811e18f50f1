"""The webhook subscription API on both databases: create, list, read, change, delete; the
secret shown once; rotation and its overlap; who may do what (a foreign shop or
subscription is 404); bad URLs, SSRF targets, unknown event types; the limit per shop."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import select
from standardwebhooks import Webhook

from clipshop.api.app import create_app
from clipshop.core.clock import utcnow
from clipshop.core.db import Database
from clipshop.models import WebhookDelivery, WebhookSubscription
from clipshop.webhooks.subscriptions import MAX_PER_SHOP, signing_secrets
from tests.conftest import Actor, World, problem_code

URL = "https://93.184.216.34/hooks"  # a public literal address: nothing to resolve


def base(world: World, shop_id: int | None = None) -> str:
    return f"/api/v1/shops/{shop_id or world.shop_a.id}/webhooks"


def create(client: TestClient, actor: Actor, path: str, **body: Any) -> Any:
    body = {"url": URL, "event_types": ["order.status_changed"], **body}
    return client.post(path, headers=actor.headers, json=body)


def stored(db: Database, sub_id: str) -> WebhookSubscription:
    with db.unit_of_work(write=False) as session:
        sub = session.get_one(WebhookSubscription, int(sub_id))
        session.expunge(sub)
    return sub


def test_crud_and_the_secret_shown_once(client: TestClient, db: Database, world: World) -> None:
    seller = world.seller_a
    made = create(
        client, seller, base(world), description="ERP", event_types=["order.status_changed"]
    )
    assert made.status_code == 201, made.text
    body = made.json()
    secret = body["secret"]
    assert secret.startswith("whsec_")
    Webhook(secret)  # the standardwebhooks library takes it as it is
    assert body["shop_id"] == str(world.shop_a.id)
    assert (body["url"], body["event_types"], body["enabled"]) == (
        URL,
        ["order.status_changed"],
        True,
    )
    one = f"{base(world)}/{body['id']}"

    listed = client.get(base(world), headers=seller.headers)
    assert listed.status_code == 200
    assert [s["id"] for s in listed.json()["items"]] == [body["id"]]
    read = client.get(one, headers=seller.headers)
    assert read.status_code == 200
    for answer in (listed.text, read.text):
        assert secret not in answer
        assert 'secret"' not in answer  # no secret field at all (previous_secret_until is)

    changed = client.patch(
        one,
        headers=seller.headers,
        json={"url": "https://8.8.8.8/in", "event_types": ["*"], "description": "new"},
    )
    assert changed.status_code == 200, changed.text
    assert (changed.json()["url"], changed.json()["event_types"]) == ("https://8.8.8.8/in", ["*"])
    assert changed.json()["description"] == "new"
    assert secret not in changed.text
    assert stored(db, body["id"]).secret == secret  # a change keeps the secret

    deleted = client.delete(one, headers=seller.headers)
    assert deleted.status_code == 200
    assert client.get(one, headers=seller.headers).status_code == 404
    assert client.get(base(world), headers=seller.headers).json()["items"] == []


def test_delete_takes_the_pending_deliveries_with_it(
    client: TestClient, db: Database, world: World
) -> None:
    made = create(client, world.seller_a, base(world)).json()
    with db.unit_of_work() as session:
        session.add(
            WebhookDelivery(
                subscription_id=int(made["id"]),
                shop_id=world.shop_a.id,
                message_id="msg_ping_1",
                type="webhook.ping",
                payload={"type": "webhook.ping", "timestamp": "", "data": {}},
                next_attempt_at=utcnow(),
            )
        )
    assert client.delete(f"{base(world)}/{made['id']}", headers=world.seller_a.headers).is_success
    with db.unit_of_work(write=False) as session:
        assert session.scalars(select(WebhookDelivery)).all() == []


def test_rotation_overlap(client: TestClient, db: Database, world: World) -> None:
    seller = world.seller_a
    made = create(client, seller, base(world)).json()
    first = made["secret"]
    rotate = f"{base(world)}/{made['id']}/rotate-secret"

    before = datetime.now(UTC)
    answer = client.post(rotate, headers=seller.headers, json={})  # 24 hours by default
    assert answer.status_code == 200, answer.text
    second = answer.json()["secret"]
    assert second.startswith("whsec_") and second != first
    until = datetime.fromisoformat(answer.json()["previous_secret_until"])
    assert before + timedelta(hours=24) <= until <= datetime.now(UTC) + timedelta(hours=24)
    sub = stored(db, made["id"])
    assert signing_secrets(sub, until - timedelta(seconds=1)) == [second, first]
    assert signing_secrets(sub, until) == [second]
    read = client.get(f"{base(world)}/{made['id']}", headers=seller.headers)
    assert read.json()["previous_secret_until"] == answer.json()["previous_secret_until"]
    assert first not in read.text and second not in read.text

    # a second rotation during the overlap ends the first: only the secret it replaced signs
    third = client.post(rotate, headers=seller.headers, json={"overlap_hours": 1}).json()
    sub = stored(db, made["id"])
    now = datetime.now(UTC)
    assert signing_secrets(sub, now) == [third["secret"], second]
    assert signing_secrets(sub, now + timedelta(hours=2)) == [third["secret"]]

    # no overlap: the old secret stops at once
    fourth = client.post(rotate, headers=seller.headers, json={"overlap_hours": 0}).json()
    assert fourth["previous_secret_until"] is None
    assert signing_secrets(stored(db, made["id"]), now) == [fourth["secret"]]

    for hours in (-1, 169):
        bad = client.post(rotate, headers=seller.headers, json={"overlap_hours": hours})
        assert bad.status_code == 422


def test_foreign_shops_and_subscriptions_are_404(client: TestClient, world: World) -> None:
    mine = create(client, world.seller_a, base(world)).json()
    theirs_path = base(world, world.shop_b.id)
    theirs = create(client, world.seller_b, theirs_path).json()
    a = world.seller_a
    # another shop's collection
    assert client.get(theirs_path, headers=a.headers).status_code == 404
    assert create(client, a, theirs_path).status_code == 404
    # another shop's subscription, by its own path or under my shop
    for path in (f"{theirs_path}/{theirs['id']}", f"{base(world)}/{theirs['id']}"):
        assert client.get(path, headers=a.headers).status_code == 404
        assert client.patch(path, headers=a.headers, json={"enabled": False}).status_code == 404
        assert client.post(f"{path}/rotate-secret", headers=a.headers, json={}).status_code == 404
        assert client.delete(path, headers=a.headers).status_code == 404
    # my subscription under another shop's path
    assert client.get(f"{theirs_path}/{mine['id']}", headers=a.headers).status_code == 404
    assert (
        client.get(f"{base(world)}/{theirs['id']}", headers=world.seller_b.headers).status_code
        == 404
    )
    # a shop that does not exist, for an admin who sees every shop
    assert client.get(base(world, 12345), headers=world.admin.headers).status_code == 404


def test_who_may_do_what(client: TestClient, world: World) -> None:
    made = create(client, world.seller_a, base(world)).json()
    one = f"{base(world)}/{made['id']}"
    # a buyer has no webhooks:manage
    refused = client.get(base(world), headers=world.buyer.headers)
    assert refused.status_code == 403
    assert problem_code(refused) == "forbidden"
    assert create(client, world.buyer, base(world)).status_code == 403
    # agents and supervisors neither
    for staff in (world.agent, world.supervisor):
        assert client.get(base(world), headers=staff.headers).status_code == 403
    # an admin reads every shop's, without the secret, but changes none
    listed = client.get(base(world), headers=world.admin.headers)
    assert listed.status_code == 200
    assert [s["id"] for s in listed.json()["items"]] == [made["id"]]
    assert client.get(one, headers=world.admin.headers).status_code == 200
    assert create(client, world.admin, base(world)).status_code == 403
    assert (
        client.patch(one, headers=world.admin.headers, json={"enabled": False}).status_code == 403
    )
    assert (
        client.post(f"{one}/rotate-secret", headers=world.admin.headers, json={}).status_code == 403
    )
    assert client.delete(one, headers=world.admin.headers).status_code == 403
    assert client.get(base(world)).status_code == 401


def test_bad_urls_are_refused(client: TestClient, world: World) -> None:
    path = base(world)
    cases = {
        "ftp://93.184.216.34/x": "webhook_url_refused",
        "http://user:pw@93.184.216.34/": "webhook_url_refused",
        "http://127.0.0.1:8000/hook": "webhook_url_refused",
        "http://localhost/hook": "webhook_url_refused",
        "http://169.254.169.254/latest/meta-data/": "webhook_url_refused",
        "http://10.0.0.1/": "webhook_url_refused",
        "http://[::1]/": "webhook_url_refused",
        "http://[fd00::1]/": "webhook_url_refused",
        "http://[::ffff:192.168.0.1]/": "webhook_url_refused",
        "https://93.184.216.34/" + "a" * 2048: "invalid_request",
        "": "invalid_request",
    }
    for url, code in cases.items():
        answer = create(client, world.seller_a, path, url=url)
        assert answer.status_code == 422, (url, answer.text)
        assert problem_code(answer) == code, (url, answer.text)
        if code == "webhook_url_refused":
            assert answer.json()["reason"], url
    made = create(client, world.seller_a, path).json()
    patched = client.patch(
        f"{path}/{made['id']}", headers=world.seller_a.headers, json={"url": "http://127.0.0.1/"}
    )
    assert patched.status_code == 422
    assert problem_code(patched) == "webhook_url_refused"
    assert client.get(path, headers=world.seller_a.headers).json()["items"][0]["url"] == URL


def test_loopback_allowed_by_the_setting(db: Database, world: World) -> None:
    settings = db.settings.model_copy(update={"webhooks_allow_loopback": True})
    with TestClient(create_app(settings, db), raise_server_exceptions=False) as client:
        made = create(client, world.seller_a, base(world), url="http://127.0.0.1:9000/hook")
        assert made.status_code == 201, made.text
        refused = create(client, world.seller_a, base(world), url="ftp://127.0.0.1/")
        assert problem_code(refused) == "webhook_url_refused"


def test_unknown_event_types_are_named(client: TestClient, world: World) -> None:
    answer = create(
        client,
        world.seller_a,
        base(world),
        event_types=["order.status_changed", "order.teleported", "nope"],
    )
    assert answer.status_code == 422
    assert problem_code(answer) == "unknown_event_types"
    assert answer.json()["unknown"] == ["nope", "order.teleported"]
    assert "order.status_changed" in answer.json()["known"]
    assert create(client, world.seller_a, base(world), event_types=[]).status_code == 422
    ping = create(client, world.seller_a, base(world), event_types=["webhook.ping"])
    assert ping.status_code == 201
    every = create(client, world.seller_a, base(world), event_types=["*", "order.status_changed"])
    assert every.json()["event_types"] == ["*"]


def test_reenabling_clears_the_reason_clipshop_disabled_it_for(
    client: TestClient, db: Database, world: World
) -> None:
    made = create(client, world.seller_a, base(world)).json()
    with db.unit_of_work() as session:
        sub = session.get_one(WebhookSubscription, int(made["id"]))
        sub.enabled, sub.disabled_reason, sub.disabled_at = False, "receiver answered 410", utcnow()
    one = f"{base(world)}/{made['id']}"
    read = client.get(one, headers=world.seller_a.headers).json()
    assert (read["enabled"], read["disabled_reason"]) == (False, "receiver answered 410")
    changed = client.patch(one, headers=world.seller_a.headers, json={"enabled": True}).json()
    assert (changed["enabled"], changed["disabled_reason"], changed["disabled_at"]) == (
        True,
        None,
        None,
    )
    off = client.patch(one, headers=world.seller_a.headers, json={"enabled": False}).json()
    assert (off["enabled"], off["disabled_reason"]) == (False, None)


def test_at_most_twenty_per_shop(client: TestClient, world: World) -> None:
    for _ in range(MAX_PER_SHOP):
        assert create(client, world.seller_a, base(world)).status_code == 201
    over = create(client, world.seller_a, base(world))
    assert over.status_code == 409
    assert problem_code(over) == "webhook_limit_reached"
    # another shop has its own limit
    assert create(client, world.seller_b, base(world, world.shop_b.id)).status_code == 201
    first = client.get(base(world), headers=world.seller_a.headers).json()["items"][0]
    client.delete(f"{base(world)}/{first['id']}", headers=world.seller_a.headers)
    assert create(client, world.seller_a, base(world)).status_code == 201
