"""The conversation pages over plain HTTP, on both databases: a buyer writes from the order
page, the seller sees the unread badge and replies from the shared inbox, the buyer sees the
reply and "read"; images; the shop's quick replies (add, change, move, remove, asked by a
buyer); another buyer's or shop's conversation (404); refused input says why and loses
nothing."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import select

from clipshop.core.db import Database
from clipshop.identity.principal import Role
from clipshop.models import ConversationMessage, QuickReply, StoredFile
from tests.conftest import World, make_actor
from tests.fulfillment_support import paid_orders
from tests.integration.checkout_api import count
from tests.integration.fulfillment_files_api import (
    PNG,
    fclient_fixture,  # noqa: F401  (fixture "fclient": file storage in a temporary dir)
    files_dir_fixture,  # noqa: F401  (fixture "files_dir")
)
from tests.integration.test_web_shop import csrf
from tests.web_support import PASSWORD, page_code, sign_in

THREAD = re.compile(r"/shop/messages/(\d+)")


def _as(client: TestClient, email: str) -> dict[str, str]:
    assert sign_in(client, email).status_code == 303
    return csrf(client)


def _post(client: TestClient, url: str, data: dict[str, Any], **extra: Any) -> Any:
    return client.post(url, data=data, follow_redirects=False, **extra)


def _contact(client: TestClient, web: World, text: str = "Where is my parcel?") -> tuple[str, int]:
    """The buyer's order at shop A, and the conversation its order page starts."""
    (order,) = paid_orders(client, web.buyer, {web.shop_a.sku_id: 1})
    token = _as(client, "buyer@test.dev")
    sent = _post(client, f"/shop/orders/{order['id']}/contact", {**token, "text": text})
    assert sent.status_code == 303, sent.text
    found = THREAD.search(sent.headers["location"])
    assert found
    return order["id"], int(found.group(1))


def _unread(html: str) -> list[str]:
    return re.findall(r'data-unread="(\d+)"', html)


def test_buyer_writes_from_the_order_page_and_the_seller_replies(
    fclient: TestClient, web: World
) -> None:
    order_id, cid = _contact(fclient, web)
    thread = fclient.get(f"/shop/messages/{cid}").text
    assert f'href="/shop/orders/{order_id}"' in thread and "Where is my parcel?" in thread
    assert 'data-read="1"' not in thread  # the seller has not read it yet
    assert f'href="/shop/messages/{cid}"' in fclient.get(f"/shop/orders/{order_id}").text

    token = _as(fclient, "seller.a@test.dev")
    inbox = fclient.get("/center/messages")
    assert inbox.status_code == 200
    assert _unread(inbox.text) == ["2", "2"]  # the badge, and the conversation's count
    assert f'href="/center/messages/{cid}"' in fclient.get("/center/messages?unread=true").text
    opened = fclient.get(f"/center/messages/{cid}").text
    assert f'href="/center/orders/{order_id}"' in opened and "Where is my parcel?" in opened
    assert _unread(fclient.get("/center/messages").text) == []  # opened: read by the shop
    replied = _post(fclient, f"/center/messages/{cid}", {**token, "text": "Shipped today"})
    assert replied.status_code == 303, replied.text
    inbox = fclient.get("/center/messages").text
    assert _unread(inbox) == [] and f'href="/center/messages/{cid}"' not in (
        fclient.get("/center/messages?unread=true").text
    )
    assert 'data-rate="1.0"' in inbox  # one buyer wait, answered within the target

    _as(fclient, "buyer@test.dev")
    assert _unread(fclient.get("/shop/messages").text) == ["1", "1"]
    thread = fclient.get(f"/shop/messages/{cid}").text
    assert "Shipped today" in thread and thread.count('data-read="1"') == 2
    assert _unread(fclient.get("/shop/messages").text) == []  # opened: read


def test_images_in_a_conversation(
    db: Database, fclient: TestClient, files_dir: Path, web: World
) -> None:
    _, cid = _contact(fclient, web)
    token = csrf(fclient)
    files = {"image": ("notes.png", b"just text", "image/png")}
    bad = _post(fclient, f"/shop/messages/{cid}/image", token, files=files)
    assert (bad.status_code, page_code(bad)) == (422, "unsupported_file_type")
    assert 'id="message-image-error"' in bad.text
    none = _post(fclient, f"/shop/messages/{cid}/image", token)
    assert (none.status_code, page_code(none)) == (422, "invalid_image")
    assert count(db, StoredFile) == 0 and count(db, ConversationMessage) == 2
    sent = _post(
        fclient, f"/shop/messages/{cid}/image", token, files={"image": ("a.png", PNG, "image/png")}
    )
    assert sent.status_code == 303, sent.text
    src = re.search(
        r'<img src="(/shop/messages/files/\d+)"', fclient.get(f"/shop/messages/{cid}").text
    )
    assert src and fclient.get(src.group(1)).content == PNG
    file_id = src.group(1).rsplit("/", 1)[1]
    _as(fclient, "seller.a@test.dev")
    assert f'<img src="/center/files/{file_id}"' in fclient.get(f"/center/messages/{cid}").text
    assert fclient.get(f"/center/files/{file_id}").content == PNG
    _as(fclient, "seller.b@test.dev")
    assert fclient.get(f"/center/files/{file_id}").status_code == 404


def test_refused_messages_say_why_and_keep_the_text(
    db: Database, fclient: TestClient, web: World
) -> None:
    (order,) = paid_orders(fclient, web.buyer, {web.shop_a.sku_id: 1})
    token = _as(fclient, "buyer@test.dev")
    empty = _post(fclient, f"/shop/orders/{order['id']}/contact", {**token, "text": "  "})
    assert (empty.status_code, page_code(empty)) == (422, "invalid_message")
    assert 'id="contact-text-error"' in empty.text and "Order " in empty.text
    assert count(db, ConversationMessage) == 0
    _, cid = _contact(fclient, web)
    token = csrf(fclient)  # a new session: a new token
    long = "x" * 2001
    refused = _post(fclient, f"/shop/messages/{cid}", {**token, "text": long})
    assert (refused.status_code, page_code(refused)) == (422, "invalid_message")
    assert f">{long}</textarea>" in refused.text and "at most 2000 characters" in refused.text
    blank = _post(fclient, f"/shop/messages/{cid}", {**token, "text": ""})
    assert "write a message first" in blank.text
    assert count(db, ConversationMessage) == 2
    seller = _as(fclient, "seller.a@test.dev")
    refused = _post(fclient, f"/center/messages/{cid}", {**seller, "text": long})
    assert refused.status_code == 422 and f">{long}</textarea>" in refused.text
    assert count(db, ConversationMessage) == 2


def test_another_buyers_or_shops_conversation_is_not_found(
    db: Database, fclient: TestClient, web: World
) -> None:
    _, cid = _contact(fclient, web)
    make_actor(db, Role.BUYER, "other@test.dev", password=PASSWORD)
    token = _as(fclient, "other@test.dev")
    for answer in (
        fclient.get(f"/shop/messages/{cid}"),
        _post(fclient, f"/shop/messages/{cid}", {**token, "text": "hi"}),
    ):
        assert (answer.status_code, page_code(answer)) == (404, "conversation_not_found")
    assert 'href="/shop/messages/' not in fclient.get("/shop/messages").text
    token = _as(fclient, "seller.b@test.dev")
    for answer in (
        fclient.get(f"/center/messages/{cid}"),
        _post(fclient, f"/center/messages/{cid}", {**token, "text": "hi"}),
    ):
        assert (answer.status_code, page_code(answer)) == (404, "conversation_not_found")
    assert f'href="/center/messages/{cid}"' not in fclient.get("/center/messages").text
    assert fclient.get(f"/center/messages?shop_id={web.shop_a.id}").status_code == 404
    assert count(db, ConversationMessage) == 2


def _replies(db: Database) -> list[tuple[str, str]]:
    with db.unit_of_work(write=False) as session:
        rows = session.scalars(select(QuickReply).order_by(QuickReply.position, QuickReply.id))
        return [(r.question, r.answer) for r in rows]


def test_quick_replies_kept_by_the_seller_and_asked_by_a_buyer(
    db: Database, fclient: TestClient, web: World
) -> None:
    token = _as(fclient, "seller.a@test.dev")
    base = f"/center/messages/quick-replies/{web.shop_a.id}"
    bad = _post(fclient, base, {**token, "question": " ", "answer": "Five days"})
    assert (bad.status_code, page_code(bad)) == (422, "invalid_quick_reply")
    assert 'id="question-new-error"' in bad.text and ">Five days</textarea>" in bad.text
    for q, a in (("Shipping time?", "Five days"), ("Returns?", "Within 30 days")):
        assert _post(fclient, base, {**token, "question": q, "answer": a}).status_code == 303
    with db.unit_of_work(write=False) as session:
        ids = list(session.scalars(select(QuickReply.id).order_by(QuickReply.id)))
    _post(fclient, f"{base}/{ids[1]}/move", {**token, "direction": "up"})
    assert _replies(db) == [("Returns?", "Within 30 days"), ("Shipping time?", "Five days")]
    changed = _post(
        fclient, f"{base}/{ids[0]}", {**token, "question": "Delivery?", "answer": "3 days"}
    )
    assert changed.status_code == 303
    _post(fclient, f"{base}/{ids[1]}/delete", token)
    assert _replies(db) == [("Delivery?", "3 days")]
    page = fclient.get("/center/messages/quick-replies")
    assert page.status_code == 200 and "Delivery?" in page.text
    assert fclient.get(f"/center/messages/quick-replies?shop_id={web.shop_b.id}").status_code == 404
    other = f"/center/messages/quick-replies/{web.shop_b.id}"
    assert _post(fclient, other, {**token, "question": "q", "answer": "a"}).status_code == 404

    _, cid = _contact(fclient, web)
    thread = fclient.get(f"/shop/messages/{cid}").text
    assert f'action="/shop/messages/{cid}/ask/{ids[0]}"' in thread
    asked = _post(fclient, f"/shop/messages/{cid}/ask/{ids[0]}", csrf(fclient))
    assert asked.status_code == 303
    thread = fclient.get(f"/shop/messages/{cid}").text
    assert "Delivery?" in thread and "3 days" in thread and "(automatic)" in thread


def test_ask_the_seller_from_the_shop_page(db: Database, fclient: TestClient, web: World) -> None:
    token = _as(fclient, "buyer@test.dev")
    new = f"/shop/messages/shops/{web.shop_a.id}"
    assert f'href="{new}"' in fclient.get(f"/shop/shops/{web.shop_a.id}").text
    assert f'action="{new}"' in fclient.get(new).text  # no conversation yet: the form
    empty = _post(fclient, new, {**token, "text": " "})
    assert (empty.status_code, page_code(empty)) == (422, "invalid_message")
    assert count(db, ConversationMessage) == 0
    sent = _post(fclient, new, {**token, "text": "Do you ship to Canada?"})
    assert sent.status_code == 303
    opened = fclient.get(new, follow_redirects=False)  # now: the conversation
    assert opened.headers["location"] == sent.headers["location"]
    assert "Do you ship to Canada?" in fclient.get(sent.headers["location"]).text
    assert page_code(fclient.get("/shop/messages/shops/999999")) == "not_found"
