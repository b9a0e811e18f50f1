"""Conversations over the native API: one per buyer and shop, the shared inbox, read receipts
and unread counts, cards, images, quick replies, who sees what."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import func, select

from clipshop.conversations.messages import conversation_for
from clipshop.core.db import Database
from clipshop.identity.principal import Role
from clipshop.models import Conversation, ConversationMessage
from tests.conftest import World, make_actor, problem_code
from tests.fulfillment_support import paid_orders
from tests.integration.checkout_api import API, ok
from tests.integration.conversation_support import add_staff, say, write_to_shop

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def test_one_conversation_per_buyer_and_shop_shared_by_the_shops_staff(
    client: TestClient, db: Database, world: World
) -> None:
    buyer, owner = world.buyer, world.seller_a
    staff = add_staff(db, world)
    first = write_to_shop(client, buyer, world.shop_a.id, "Hello, is it in stock?")
    conversation = first["conversation"]
    assert conversation["started_by"] == "BUYER" and conversation["seller_unread"] == 1
    again = write_to_shop(client, buyer, world.shop_a.id, "And in blue?")
    assert again["conversation"]["id"] == conversation["id"]
    assert again["conversation"]["seller_unread"] == 2
    cid = conversation["id"]
    # both members of shop A see it in the inbox, unread first
    for member in (owner, staff):
        inbox = ok(client.get(f"{API}/conversations?unread=true", headers=member.headers))
        assert [c["id"] for c in inbox["items"]] == [cid]
        count = ok(client.get(f"{API}/conversations/unread-count", headers=member.headers))
        assert count == {"unread": 2}
    reply = say(client, staff, cid, "Yes, both.")
    assert reply["messages"][0]["sender_role"] == "SELLER"
    assert reply["messages"][0]["read_by_buyer"] is False
    # the staff's reply counts as read by the shop: the owner's inbox has nothing unread
    inbox = ok(client.get(f"{API}/conversations?unread=true", headers=owner.headers))
    assert inbox["items"] == []
    assert ok(client.get(f"{API}/conversations/unread-count", headers=buyer.headers))["unread"] == 1
    read = ok(client.post(f"{API}/conversations/{cid}/read", json={}, headers=buyer.headers))
    assert read["buyer_unread"] == 0 and read["buyer_read_id"] == reply["messages"][0]["id"]
    page = ok(client.get(f"{API}/conversations/{cid}/messages", headers=owner.headers))
    assert [m["text"] for m in page["items"]] == [
        "Yes, both.",
        "And in blue?",
        "Hello, is it in stock?",
    ]
    assert page["items"][0]["read_by_buyer"] is True  # the shop sees that the buyer read it
    # marking read never moves back
    oldest = page["items"][-1]["id"]
    back = ok(
        client.post(
            f"{API}/conversations/{cid}/read", json={"message_id": oldest}, headers=buyer.headers
        )
    )
    assert back["buyer_read_id"] == reply["messages"][0]["id"]
    with db.unit_of_work(write=False) as session:
        assert session.scalar(select(func.count()).select_from(Conversation)) == 1


def test_who_sees_and_writes(client: TestClient, db: Database, world: World) -> None:
    cid = write_to_shop(client, world.buyer, world.shop_a.id, "Hi")["conversation"]["id"]
    path = f"{API}/conversations/{cid}"
    other = client.get(path, headers=world.seller_b.headers)  # another shop's seller
    assert other.status_code == 404 and problem_code(other) == "conversation_not_found"
    assert ok(client.get(f"{API}/conversations", headers=world.seller_b.headers))["items"] == []
    for staff in (world.agent, world.supervisor, world.admin):  # read for support
        assert ok(client.get(path, headers=staff.headers))["id"] == cid
        refused = client.post(f"{path}/messages", json={"text": "x"}, headers=staff.headers)
        assert refused.status_code == 403
    with db.unit_of_work(write=False) as session:
        count = session.scalar(select(func.count()).select_from(ConversationMessage))
    assert count == 1  # nothing written by the refusals


def test_bad_messages_are_refused_clearly(client: TestClient, db: Database, world: World) -> None:
    cid = write_to_shop(client, world.buyer, world.shop_a.id, "Hi")["conversation"]["id"]
    path = f"{API}/conversations/{cid}/messages"
    h = world.buyer.headers
    assert client.post(path, json={"text": "x" * 2001}, headers=h).status_code == 422
    assert client.post(path, json={"text": "   "}, headers=h).status_code == 422
    assert client.post(path, json={"text": "a", "sender_id": "1"}, headers=h).status_code == 422
    both = {"type": "ORDER_CARD", "text": "a", "order_id": "1"}
    assert client.post(path, json=both, headers=h).status_code == 422
    card = {"type": "PRODUCT_CARD", "product_id": str(world.shop_b.product_id)}
    foreign = client.post(path, json=card, headers=h)  # another shop's product
    assert foreign.status_code == 404 and problem_code(foreign) == "product_not_found"
    card = {"type": "PRODUCT_CARD", "product_id": str(world.shop_a.product_id)}
    assert ok(client.post(path, json=card, headers=h), 201)["messages"][0]["type"] == "PRODUCT_CARD"


def test_order_card_names_an_order_of_this_buyer_and_shop(
    client: TestClient, db: Database, world: World
) -> None:
    (order_a,) = paid_orders(client, world.buyer, {world.shop_a.sku_id: 1})
    (order_b,) = paid_orders(client, world.buyer, {world.shop_b.sku_id: 1})
    cid = write_to_shop(client, world.buyer, world.shop_a.id, "Hi")["conversation"]["id"]
    path = f"{API}/conversations/{cid}/messages"
    card = {"type": "ORDER_CARD", "order_id": order_b["id"]}
    refused = client.post(path, json=card, headers=world.buyer.headers)
    assert refused.status_code == 404 and problem_code(refused) == "order_not_found"
    card = {"type": "ORDER_CARD", "order_id": order_a["id"]}
    sent = ok(client.post(path, json=card, headers=world.seller_a.headers), 201)
    assert sent["messages"][0]["order_id"] == order_a["id"]
    # the shop starts a conversation only with a buyer who ordered from it
    body = {
        "shop_id": str(world.shop_b.id),
        "buyer_id": str(world.buyer.id),
        "message": {"text": "Thanks!"},
    }
    started = ok(
        client.post(f"{API}/conversations", json=body, headers=world.seller_b.headers), 201
    )
    assert started["conversation"]["started_by"] == "SELLER"
    body["buyer_id"] = str(world.seller_a.id)
    stranger = client.post(f"{API}/conversations", json=body, headers=world.seller_b.headers)
    assert stranger.status_code == 404 and problem_code(stranger) == "buyer_not_found"


def test_images_are_checked_stored_and_served_to_both_sides(
    client: TestClient, db: Database, world: World
) -> None:
    cid = write_to_shop(client, world.buyer, world.shop_a.id, "Look")["conversation"]["id"]
    path = f"{API}/conversations/{cid}/images"
    bad = client.post(
        path, content=b"GIF89a...", headers=world.buyer.headers | {"Content-Type": "image/png"}
    )
    assert bad.status_code == 422 and problem_code(bad) == "unsupported_file_type"
    big = client.post(
        path,
        content=PNG + b"\x00" * (5 * 1024 * 1024),
        headers=world.buyer.headers | {"Content-Type": "image/png"},
    )
    assert big.status_code == 413
    sent = ok(
        client.post(path, content=PNG, headers=world.buyer.headers | {"Content-Type": "image/png"}),
        201,
    )
    url = sent["messages"][0]["image_url"]
    for reader in (world.buyer, world.seller_a, world.agent):
        got = client.get(url, headers=reader.headers)
        assert got.status_code == 200 and got.content == PNG
    assert client.get(url, headers=world.seller_b.headers).status_code == 404


def test_quick_replies(client: TestClient, db: Database, world: World) -> None:
    shop = world.shop_a.id
    path = f"{API}/shops/{shop}/quick-replies"
    seller = world.seller_a.headers
    q1 = ok(
        client.post(path, json={"question": "Shipping?", "answer": "2 days"}, headers=seller), 201
    )
    q2 = ok(
        client.post(path, json={"question": "Returns?", "answer": "30 days"}, headers=seller), 201
    )
    assert (q1["position"], q2["position"]) == (0, 1)
    moved = ok(
        client.put(
            f"{path}/{q2['id']}",
            json={"question": "Returns?", "answer": "30 days, free", "position": 0},
            headers=seller,
        )
    )
    assert moved["answer"] == "30 days, free"
    listed = ok(client.get(path, headers=world.buyer.headers))
    assert [r["id"] for r in listed] == [q1["id"], q2["id"]]  # same position: older first
    foreign = client.post(
        path, json={"question": "x", "answer": "y"}, headers=world.seller_b.headers
    )
    assert foreign.status_code == 404
    assert (
        client.post(
            path, json={"question": "x", "answer": "y"}, headers=world.buyer.headers
        ).status_code
        == 403
    )
    asked = ok(client.post(f"{path}/{q2['id']}/send", headers=world.buyer.headers), 201)
    question, answer = asked["messages"]
    assert (question["sender_role"], question["text"]) == ("BUYER", "Returns?")
    assert (answer["sender_role"], answer["type"], answer["auto_kind"]) == ("SYSTEM", "AUTO", "FAQ")
    assert answer["text"] == "30 days, free"
    assert client.delete(f"{path}/{q1['id']}", headers=seller).status_code == 204
    assert [r["id"] for r in ok(client.get(path, headers=seller))] == [q2["id"]]
    for n in range(19):
        ok(client.post(path, json={"question": f"Q{n}", "answer": "A"}, headers=seller), 201)
    full = client.post(path, json={"question": "one more", "answer": "A"}, headers=seller)
    assert full.status_code == 409 and problem_code(full) == "too_many_quick_replies"


def test_the_first_message_of_two_at_once_makes_one_conversation(
    db: Database, world: World
) -> None:
    """The unique pair decides: a second insert finds the first's row."""
    with db.unit_of_work() as session:
        made, started = conversation_for(session, world.buyer.id, world.shop_a.id, "BUYER")
        assert started
    with db.unit_of_work() as session:
        found, started = conversation_for(session, world.buyer.id, world.shop_a.id, "SELLER")
        assert found.id == made.id and not started


def test_the_inbox_lists_the_latest_activity_first_and_pages_by_it(
    client: TestClient, db: Database, world: World
) -> None:
    """A new message moves its conversation to the top; the cursor follows that order."""
    other = make_actor(db, Role.BUYER, "buyer.two@test.dev")
    first = write_to_shop(client, world.buyer, world.shop_a.id, "first")["conversation"]["id"]
    second = write_to_shop(client, other, world.shop_a.id, "second")["conversation"]["id"]
    inbox = ok(client.get(f"{API}/conversations", headers=world.seller_a.headers))
    assert [c["id"] for c in inbox["items"]] == [second, first]
    say(client, world.seller_a, first, "an answer to the older one")
    top = ok(client.get(f"{API}/conversations?limit=1", headers=world.seller_a.headers))
    assert [c["id"] for c in top["items"]] == [first]
    cursor = top["next_cursor"]
    rest = ok(
        client.get(f"{API}/conversations?limit=1&cursor={cursor}", headers=world.seller_a.headers)
    )
    assert [c["id"] for c in rest["items"]] == [second] and rest["next_cursor"] is None
