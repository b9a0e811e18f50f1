"""The seller API's customer_service module over HTTP, signed as a client signs, on both
databases: the shop's conversations and messages, sending text and an uploaded image, marking
read, the agents' settings and the chat performance; another shop's conversation not found."""

from __future__ import annotations

import json

from fastapi.testclient import TestClient

from clipshop.core.db import Database
from clipshop.partner import scopes
from tests.conftest import World
from tests.fulfillment_support import paid_orders
from tests.integration.conversation_support import write_to_shop
from tests.partner_support import connect

C = "/customer_service/202309/conversations"
PNG = b"\x89PNG\r\n\x1a\n" + bytes(range(64))


def _data(response: object) -> dict[str, object]:
    body = response.json()  # type: ignore[attr-defined]
    assert response.status_code == 200 and body["code"] == 0, body  # type: ignore[attr-defined]
    data: dict[str, object] = body["data"]
    return data


def test_conversations_messages_images_and_settings(
    client: TestClient, db: Database, world: World
) -> None:
    mine = write_to_shop(client, world.buyer, world.shop_a.id, "Hello shop")["conversation"]
    other = write_to_shop(client, world.buyer, world.shop_b.id, "Hello B")["conversation"]
    partner = connect(client, db, [world.shop_a.id], [scopes.CUSTOMER_SERVICE])
    listed = _data(partner.get(C, {"page_size": 10}))
    (conversation,) = listed["conversations"]  # type: ignore[misc]
    assert conversation["id"] == mine["id"] and conversation["unread_count"] == 1
    assert json.loads(conversation["latest_message"]["content"]) == {"content": "Hello shop"}
    path = f"{C}/{mine['id']}/messages"
    sent = _data(partner.post(path, {"type": "TEXT", "content": json.dumps({"content": "Hi!"})}))
    assert sent["message_id"]
    _data(partner.post(f"{path}/read", {}))
    detail = _data(partner.get(f"/customer_service/202601/conversations/{mine['id']}"))
    assert detail["conversation"]["unread_count"] == 0  # type: ignore[index]
    upload = partner.call(
        "POST",
        "/customer_service/202309/images/upload",
        raw=b"",
        headers={},
    )
    assert upload.json()["code"] != 0  # no multipart data
    url = _files(partner, client)
    _data(partner.post(path, {"type": "IMAGE", "content": json.dumps({"url": url})}))
    again = partner.post(path, {"type": "IMAGE", "content": json.dumps({"url": url})})
    assert again.json()["code"] == 36009006  # an image is sent once
    messages = _data(partner.get(path, {"page_size": 2}))
    kinds = [m["type"] for m in messages["messages"]]  # type: ignore[attr-defined]
    assert kinds == ["IMAGE", "TEXT"] and messages["next_page_token"]
    rest = _data(partner.get(path, {"page_size": 2, "page_token": messages["next_page_token"]}))
    assert [m["sender"]["role"] for m in rest["messages"]] == ["BUYER"]  # type: ignore[attr-defined]
    foreign = partner.get(f"{C}/{other['id']}/messages", {"page_size": 10})
    assert foreign.status_code == 404 and foreign.json()["code"] == 36009005
    assert _data(partner.get("/customer_service/202309/agents/settings")) == {
        "can_accept_chat": True
    }
    put = partner.call(
        "PUT", "/customer_service/202309/agents/settings", json_body={"can_accept_chat": False}
    )
    _data(put)
    assert _data(partner.get("/customer_service/202309/agents/settings")) == {
        "can_accept_chat": False
    }
    perf = _data(partner.get("/customer_service/202407/performance"))
    assert perf["performance"] == {
        "support_session_count": 1,
        "response_percentage": "100.00",
        "response_time_mins": "0",
    }
    # a conversation with a buyer who ordered; a stranger is not found
    paid_orders(client, world.buyer, {world.shop_a.sku_id: 1})
    made = _data(partner.post(C, {"buyer_user_id": str(world.buyer.id)}))
    assert made["conversation_id"] == mine["id"]
    stranger = partner.post(C, {"buyer_user_id": str(world.seller_b.id)})
    assert stranger.status_code == 404


def _files(partner: object, client: TestClient) -> str:
    """Upload an image as multipart ``data`` (the body is not signed for multipart)."""
    p = partner
    params = p.params("/customer_service/202309/images/upload", None, b"")  # type: ignore[attr-defined]
    got = client.post(
        "/customer_service/202309/images/upload",
        params=params,
        files={"data": ("a.png", PNG, "image/png")},
        headers={"x-tts-access-token": p.access_token},  # type: ignore[attr-defined]
    )
    body = got.json()
    assert body["code"] == 0, body
    url: str = body["data"]["url"]
    assert "/api/v1/files/" in url
    return url
