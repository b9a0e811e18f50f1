"""The reference's webhook types 13 (NEW_CONVERSATION) and 14 (NEW_MESSAGE): a buyer's first
message and the shop's reply reach the app's receiver, signed as TikTok documents; automatic
messages send nothing (they announce no event)."""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from clipshop.api.app import create_app
from clipshop.core.db import Database
from clipshop.partner import scopes
from clipshop.webhooks.sender import send_due
from clipshop.worker.relay import relay
from tests.conftest import World
from tests.integration.conversation_support import say, write_to_shop
from tests.integration.webhook_support import receiving, sender_db
from tests.partner_support import connect

W = "/event/202309/webhooks"


@pytest.fixture
def loopback_db(db: Database) -> Iterator[Database]:
    with sender_db(db) as other:
        yield other


@pytest.fixture
def client(loopback_db: Database) -> Iterator[TestClient]:
    app = create_app(loopback_db.settings, loopback_db)
    with TestClient(app, raise_server_exceptions=False) as test_client:
        yield test_client


def test_new_conversation_and_new_message_reach_the_app_signed(
    client: TestClient, db: Database, loopback_db: Database, world: World
) -> None:
    partner = connect(client, db, [world.shop_a.id], [scopes.WEBHOOKS])
    with receiving([]) as hook:
        for name in ("NEW_CONVERSATION", "NEW_MESSAGE"):
            body = {"address": hook.url, "event_type": name}
            assert partner.call("PUT", W, json_body=body).json()["code"] == 0
        sent = write_to_shop(client, world.buyer, world.shop_a.id, "Hello")
        cid = sent["conversation"]["id"]
        reply = say(client, world.seller_a, cid, "Hi there")["messages"][0]
        write_to_shop(client, world.buyer, world.shop_b.id, "Another shop")  # not this app's
        relay(loopback_db)
        send_due(loopback_db)
        for got in hook.received:
            key = partner.app_secret.encode()
            expected = hmac.new(key, partner.app_key.encode() + got.raw, hashlib.sha256)
            assert got.authorization == expected.hexdigest()
        bodies = [r.body for r in hook.received]
    # events with no order are not ordered among themselves: sort them
    bodies.sort(key=lambda b: (b["type"], b["data"].get("message_id", "")))
    assert [b["type"] for b in bodies] == [13, 14, 14]
    assert {b["shop_id"] for b in bodies} == {str(world.shop_a.id)}
    assert bodies[0]["data"]["conversation_id"] == cid
    first, second = bodies[1]["data"], bodies[2]["data"]  # ids are time-ordered
    assert first["message_id"] == sent["messages"][0]["id"] and first["sender"]["role"] == "BUYER"
    assert second == {
        "conversation_id": cid,
        "message_id": reply["id"],
        "type": "TEXT",
        "sender": {"role": "SHOP", "im_user_id": str(world.seller_a.id)},
        "create_time": second["create_time"],
    }
