"""The seller API's event module on both databases (docs/tiktok-api.md#events-webhooks): an
app sets, lists and deletes its webhook address per event type on a shop; after each real
action (checkout and payment, an address change, shipping and the carrier's scans, a
cancellation, a return request) a local HTTP receiver gets the TikTok-format notification,
its ``Authorization`` checked here with hmac as TikTok documents it; a failing receiver gets
the native webhooks' retries; another app and another shop see nothing; revoking the
authorization stops the deliveries."""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from clipshop.api.app import create_app
from clipshop.core.clock import clock, utcnow
from clipshop.core.db import Database
from clipshop.models import AppAuthorization, PartnerApp, WebhookDelivery, WebhookSubscription
from clipshop.partner import events_schemas as api
from clipshop.partner import scopes
from clipshop.webhooks.sender import RETRY_STEPS, send_due
from clipshop.worker.relay import relay
from tests.conftest import World
from tests.fulfillment_support import carrier_event, paid_orders, ship, tracking_number
from tests.integration.checkout_api import API, address, get_order, ok
from tests.integration.deadline_support import D, H, Week, awaiting_shipment, scan
from tests.integration.returns_support import request_return
from tests.integration.webhook_support import Receiver, receiving, sender_db
from tests.partner_support import PartnerClient, answer, auth_code, connect, refused

W = "/event/202309/webhooks"
SENT = (
    "ORDER_STATUS_CHANGE",
    "RECIPIENT_ADDRESS_UPDATE",
    "PACKAGE_UPDATE",
    "CANCELLATION_STATUS_CHANGE",
    "RETURN_STATUS_CHANGE",
)


@pytest.fixture
def loopback_db(db: Database) -> Iterator[Database]:
    """The test database through settings that let webhooks go to 127.0.0.1 (the receivers),
    so the sandbox clock's jobs and the sender deliver to them."""
    with sender_db(db) as other:
        yield other


@pytest.fixture
def client(loopback_db: Database) -> Iterator[TestClient]:
    app = create_app(loopback_db.settings, loopback_db)
    with TestClient(app, raise_server_exceptions=False) as test_client:
        yield test_client


def put(partner: PartnerClient, url: str, event_type: str) -> Any:
    return partner.call("PUT", W, json_body={"address": url, "event_type": event_type})


def subscribe_all(partner: PartnerClient, url: str, *types: str) -> None:
    for name in types or SENT:
        assert answer(put(partner, url, name), api.Empty) == api.Empty()


def listed(partner: PartnerClient) -> dict[str, str]:
    data = answer(partner.get(W), api.WebhooksData)
    assert data.total_count == len(data.webhooks)
    return {w.event_type: w.address for w in data.webhooks}


def verified(hook: Receiver, app_key: str, app_secret: str) -> list[dict[str, Any]]:
    """Every body the receiver got, each checked against its Authorization header as the
    TikTok documentation tells a receiver to (HMAC-SHA256, key app_secret, app_key + body)."""
    for got in hook.received:
        expected = hmac.new(app_secret.encode(), app_key.encode() + got.raw, hashlib.sha256)
        assert got.authorization == expected.hexdigest(), got.body
    return [r.body for r in hook.received]


def deliver(db: Database) -> None:
    relay(db)
    send_due(db)


def pay_and_deliver(client: TestClient, loopback_db: Database, world: World) -> None:
    """The buyer pays one order of shop A; its events are relayed and sent."""
    paid_orders(client, world.buyer, {world.shop_a.sku_id: 1})
    deliver(loopback_db)


def order_statuses(hook: Receiver, partner: PartnerClient) -> list[str]:
    """The order statuses the app received, each body's signature checked."""
    bodies = verified(hook, partner.app_key, partner.app_secret)
    return [b["data"]["order_status"] for b in bodies]


def of_type(bodies: list[dict[str, Any]], kind: int) -> list[dict[str, Any]]:
    return [b["data"] for b in bodies if b["type"] == kind]


def test_set_list_and_delete(client: TestClient, db: Database, world: World) -> None:
    clock.freeze(utcnow().replace(microsecond=0))  # exact create and update times
    partner = connect(client, db, [world.shop_a.id], [scopes.WEBHOOKS])
    assert listed(partner) == {}
    subscribe_all(partner, "http://127.0.0.1:9/a", "ORDER_STATUS_CHANGE", "package_update")
    assert listed(partner) == {
        "ORDER_STATUS_CHANGE": "http://127.0.0.1:9/a",
        "PACKAGE_UPDATE": "http://127.0.0.1:9/a",
    }
    first = answer(partner.get(W), api.WebhooksData).webhooks[0]
    assert first.create_time == int(utcnow().timestamp()) == first.update_time

    clock.advance(timedelta(minutes=5))
    subscribe_all(partner, "http://127.0.0.1:9/b", "ORDER_STATUS_CHANGE")  # a new address
    changed = answer(partner.get(W), api.WebhooksData).webhooks[0]
    assert (changed.address, changed.create_time) == ("http://127.0.0.1:9/b", first.create_time)
    assert changed.update_time == first.update_time + 300

    gone = partner.call("DELETE", W, json_body={"event_type": "ORDER_STATUS_CHANGE"})
    assert answer(gone, api.Empty) == api.Empty()
    again = partner.call("DELETE", W, json_body={"event_type": "ORDER_STATUS_CHANGE"})
    assert answer(again, api.Empty) == api.Empty()  # none set: success all the same
    assert listed(partner) == {"PACKAGE_UPDATE": "http://127.0.0.1:9/a"}


def test_bad_requests_say_what_is_wrong_and_change_nothing(
    db: Database, world: World, client: TestClient
) -> None:
    partner = connect(client, db, [world.shop_a.id], [scopes.WEBHOOKS])
    url = "http://127.0.0.1:9/a"
    message = refused(put(partner, url, "ORDER_CREATED"), 400, 36009004)
    assert "'ORDER_CREATED' is unknown" in message and "RETURN_STATUS_CHANGE" in message
    message = refused(put(partner, url, "PRODUCT_CREATION"), 400, 36009004)
    assert "PRODUCT_CREATION is not sent by clipshop yet" in message
    assert "address refused" in refused(put(partner, "ftp://x/", SENT[0]), 400, 36009004)
    long = "http://127.0.0.1:9/" + "a" * 237
    assert "address" in refused(put(partner, long, SENT[0]), 400, 36009004)
    no_type = partner.call("PUT", W, json_body={"address": url})
    assert "event_type" in refused(no_type, 400, 36009004)
    bad_delete = partner.call("DELETE", W, json_body={"event_type": "NOPE"})
    assert "unknown" in refused(bad_delete, 400, 36009004)
    assert listed(partner) == {}

    other = connect(client, db, [world.shop_a.id], [scopes.ORDER_INFO])
    refused(other.get(W), 403, 105005)
    refused(put(other, url, SENT[0]), 403, 105005)
    with db.unit_of_work(write=False) as session:
        assert session.scalars(select(WebhookSubscription)).all() == []


def test_a_public_address_is_required_without_the_loopback_setting(
    db: Database, world: World
) -> None:
    app = create_app(db.settings, db)  # CLIPSHOP_WEBHOOKS_ALLOW_LOOPBACK off
    with TestClient(app, raise_server_exceptions=False) as plain:
        partner = connect(plain, db, [world.shop_a.id], [scopes.WEBHOOKS])
        message = refused(put(partner, "http://127.0.0.1:9/a", SENT[0]), 400, 36009004)
        assert "loopback" in message
        assert listed(partner) == {}


def test_each_type_reaches_the_app_signed_after_the_real_action(
    client: TestClient, db: Database, loopback_db: Database, world: World, week: Week
) -> None:
    partner = connect(client, db, [world.shop_a.id], [scopes.WEBHOOKS, scopes.ORDER_INFO])
    with receiving([]) as hook:
        subscribe_all(partner, hook.url)
        order = awaiting_shipment(client, world, week)  # checkout, payment, release
        oid = order["id"]
        moved = address(address_line1="4 Elm St")
        ok(client.post(f"{API}/orders/{oid}/address", json=moved, headers=world.buyer.headers))
        tracking = tracking_number("SX", "7000000001")
        package = ship(client, world.seller_a, [oid], tracking)
        picked = week.monday + 2 * H
        scan(client, world, carrier_event("p1", tracking, "PICKED_UP", picked))
        scan(client, world, carrier_event("d1", tracking, "DELIVERED", picked + D))
        ret = request_return(client, world.buyer, get_order(client, world.buyer, oid))
        (other,) = paid_orders(client, world.buyer, {world.shop_a.sku_id: 1})
        body = {"reason": "changed my mind"}
        path = f"{API}/orders/{other['id']}/cancellations"
        cancel = ok(client.post(path, json=body, headers=world.buyer.headers), 201)
        deliver(loopback_db)
        bodies = verified(hook, partner.app_key, partner.app_secret)

    shop = str(world.shop_a.id)
    assert {b["shop_id"] for b in bodies} == {shop}
    ids = [b["tts_notification_id"] for b in bodies]
    assert len(set(ids)) == len(ids) and all(i.isdigit() for i in ids)
    assert all(isinstance(b["timestamp"], int) for b in bodies)
    assert all(
        set(b) == {"type", "tts_notification_id", "shop_id", "timestamp", "data"} for b in bodies
    )

    statuses = [(d["order_id"], d["order_status"]) for d in of_type(bodies, 1)]
    assert [s for o, s in statuses if o == oid] == [
        "UNPAID",
        "ON_HOLD",
        "AWAITING_SHIPMENT",
        "AWAITING_COLLECTION",
        "IN_TRANSIT",
        "DELIVERED",
    ]
    assert [s for o, s in statuses if o == other["id"]] == ["UNPAID", "ON_HOLD", "CANCELLED"]
    assert all(d["is_on_hold_order"] is True for d in of_type(bodies, 1))
    # the statuses are the order API's own names
    detail = partner.get("/order/202309/orders", {"ids": f"{oid},{other['id']}"}).json()
    api_status = {o["id"]: o["status"] for o in detail["data"]["orders"]}
    assert api_status == {oid: "DELIVERED", other["id"]: "CANCELLED"}

    (moved_data,) = of_type(bodies, 3)
    assert set(moved_data) == {"order_id", "update_time"} and moved_data["order_id"] == oid

    packages = of_type(bodies, 4)
    assert [d["package_status"] for d in packages] == ["PROCESSING", "FULFILLING", "COMPLETED"]
    assert {str(d["package_list"]) for d in packages} == {
        str([{"order_id_list": [oid], "package_id": package["id"]}])
    }
    assert packages[-1]["update_time"] == int((picked + D).timestamp())

    (cancelled,) = of_type(bodies, 11)
    assert cancelled == {
        "cancel_id": cancel["cancel_id"],
        "cancel_status": "CANCELLATION_REQUEST_COMPLETE",
        "cancellations_role": "BUYER",
        "create_time": cancelled["update_time"],
        "order_id": other["id"],
        "update_time": cancelled["update_time"],
    }

    (returned,) = of_type(bodies, 12)
    assert returned == {
        "create_time": returned["update_time"],
        "order_id": oid,
        "return_id": ret["return_id"],
        "return_role": "BUYER",
        "return_status": "RETURN_OR_REFUND_REQUEST_PENDING",
        "return_type": "REFUND",
        "update_time": returned["update_time"],
    }
    with db.unit_of_work(write=False) as session:
        rows = session.scalars(select(WebhookDelivery)).all()
        assert {r.status for r in rows} == {"DELIVERED"} and len(rows) == len(bodies)


def test_a_failing_receiver_gets_the_retries(
    client: TestClient, db: Database, loopback_db: Database, world: World
) -> None:
    partner = connect(client, db, [world.shop_a.id], [scopes.WEBHOOKS])
    with receiving([], status=500) as hook:
        subscribe_all(partner, hook.url, "ORDER_STATUS_CHANGE")
        paid_orders(client, world.buyer, {world.shop_a.sku_id: 1})
        relay(loopback_db)
        report = send_due(loopback_db)
        assert (report.claimed, report.retried) == (1, 1)  # UNPAID waits behind it
        with db.unit_of_work(write=False) as session:
            first = session.scalars(select(WebhookDelivery).order_by(WebhookDelivery.id)).first()
            assert first is not None
            assert (first.status, first.attempts, first.last_status_code) == ("PENDING", 1, 500)
            wait = first.next_attempt_at - utcnow()
        assert RETRY_STEPS[0] * 0.8 - timedelta(seconds=1) <= wait <= RETRY_STEPS[0] * 1.2
        assert send_due(loopback_db).claimed == 0  # not due yet
        clock.advance(wait)
        assert send_due(loopback_db).retried == 1
        hook.status = 200
        clock.advance(RETRY_STEPS[1] * 1.2)
        assert send_due(loopback_db).delivered == 2  # the retry, then the next one
        bodies = verified(hook, partner.app_key, partner.app_secret)
    assert [b["data"]["order_status"] for b in bodies] == ["UNPAID", "UNPAID", "UNPAID", "ON_HOLD"]
    assert len({b["tts_notification_id"] for b in bodies[:3]}) == 1  # one notification
    assert hook.received[0].raw == hook.received[2].raw


def test_another_app_and_another_shop_see_nothing(
    client: TestClient, db: Database, loopback_db: Database, world: World
) -> None:
    mine = connect(client, db, [world.shop_a.id], [scopes.WEBHOOKS])
    theirs = connect(client, db, [world.shop_a.id], [scopes.WEBHOOKS])
    elsewhere = connect(client, db, [world.shop_b.id], [scopes.WEBHOOKS])
    with receiving([]) as hook, receiving([]) as other:
        subscribe_all(mine, hook.url, "ORDER_STATUS_CHANGE")
        subscribe_all(elsewhere, other.url, "ORDER_STATUS_CHANGE")
        assert listed(theirs) == {}
        gone = theirs.call("DELETE", W, json_body={"event_type": "ORDER_STATUS_CHANGE"})
        assert answer(gone, api.Empty) == api.Empty()
        assert listed(mine) == {"ORDER_STATUS_CHANGE": hook.url}
        theirs.shop_cipher = cipher_of(db, world.shop_b.id)
        refused(theirs.get(W), 400, 36009004)  # not authorized for shop B

        native = client.get(
            f"{API}/shops/{world.shop_a.id}/webhooks", headers=world.seller_a.headers
        )
        assert ok(native)["items"] == []  # the app's webhooks are not the shop's own

        pay_and_deliver(client, loopback_db, world)
        assert len(verified(hook, mine.app_key, mine.app_secret)) == 2
        assert other.received == []


def cipher_of(db: Database, shop_id: int) -> str:
    with db.unit_of_work(write=False) as session:
        found = session.scalars(
            select(AppAuthorization.cipher).where(AppAuthorization.shop_id == shop_id)
        ).first()
        assert found is not None
        return found


def test_revoking_the_authorization_stops_the_deliveries(
    client: TestClient, db: Database, loopback_db: Database, world: World
) -> None:
    partner = connect(client, db, [world.shop_a.id], [scopes.WEBHOOKS])
    with receiving([]) as hook:
        subscribe_all(partner, hook.url, "ORDER_STATUS_CHANGE")
        paid_orders(client, world.buyer, {world.shop_a.sku_id: 1})
        relay(loopback_db)  # two deliveries pending
        with db.unit_of_work(write=False) as session:
            app_id = session.scalars(
                select(PartnerApp.id).where(PartnerApp.app_key == partner.app_key)
            ).one()
            auth_id = session.scalars(
                select(AppAuthorization.id).where(AppAuthorization.app_id == app_id)
            ).one()
        path = f"{API}/shops/{world.shop_a.id}/app-authorizations/{auth_id}"
        assert client.delete(path, headers=world.seller_a.headers).status_code == 204

        pay_and_deliver(client, loopback_db, world)
        assert hook.received == []
        with db.unit_of_work(write=False) as session:
            rows = session.scalars(select(WebhookDelivery)).all()
            assert [(r.status, r.attempts) for r in rows] == [("FAILED", 0), ("FAILED", 0)]
            assert {r.last_error for r in rows} == {
                "subscription disabled: app authorization revoked"
            }

        # authorized again: nothing is listed until the app sets its address again
        again = connect_again(client, db, partner, world.shop_a.id)
        assert listed(again) == {}
        subscribe_all(again, hook.url, "ORDER_STATUS_CHANGE")
        pay_and_deliver(client, loopback_db, world)
        assert order_statuses(hook, partner) == ["UNPAID", "ON_HOLD"]


def test_a_grant_without_the_webhook_scope_gets_nothing(
    client: TestClient, db: Database, loopback_db: Database, world: World
) -> None:
    partner = connect(client, db, [world.shop_a.id], [scopes.WEBHOOKS])
    with receiving([]) as hook:
        subscribe_all(partner, hook.url, "ORDER_STATUS_CHANGE")
        auth_code(db, partner.app_key, world.shop_a.id, [scopes.ORDER_INFO])  # granted anew
        pay_and_deliver(client, loopback_db, world)
        assert hook.received == []
        auth_code(db, partner.app_key, world.shop_a.id, [scopes.WEBHOOKS, scopes.ORDER_INFO])
        pay_and_deliver(client, loopback_db, world)
        assert order_statuses(hook, partner) == ["UNPAID", "ON_HOLD"]


def connect_again(
    client: TestClient, db: Database, partner: PartnerClient, shop_id: int
) -> PartnerClient:
    code = auth_code(db, partner.app_key, shop_id, [scopes.WEBHOOKS])
    query = {"app_key": partner.app_key, "app_secret": partner.app_secret, "auth_code": code}
    got = client.get("/api/v2/token/get", params=query | {"grant_type": "authorized_code"})
    data = ok(got)["data"]
    return PartnerClient(client, partner.app_key, partner.app_secret, data["access_token"])
