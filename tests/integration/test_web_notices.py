"""The notification and account pages over plain HTTP, on both databases: a buyer's list with
its unread count, mark one and all read; a seller's list in the center; the buyer's account
page changes the e-mail (clear errors: taken, invalid), the language and the opt-out."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import select

from clipshop.core.db import Database
from clipshop.models import Notification, NotificationPreference, User
from clipshop.notifications import consumer
from tests.conftest import World
from tests.integration.matrix_notifications import resolved_case
from tests.web_support import page_code, session_token, sign_in


def _post(client: TestClient, path: str, **form: Any) -> Any:
    body = {"csrf_token": session_token(client), **form}
    return client.post(path, data=body, follow_redirects=False)


def _notify(db: Database, user_id: int, times: int = 1, role: str = "buyer") -> None:
    with db.unit_of_work() as session:
        for _ in range(times):
            consumer.store(session, resolved_case(user_id, role))


def _unread(db: Database, user_id: int) -> int:
    with db.unit_of_work(write=False) as session:
        rows = select(Notification.id).where(
            Notification.user_id == user_id, Notification.read_at.is_(None)
        )
        return len(session.scalars(rows).all())


def test_a_buyer_reads_the_notifications_page(client: TestClient, web: World, db: Database) -> None:
    _notify(db, web.buyer.id, times=2)
    _notify(db, web.seller_a.id, role="seller")
    sign_in(client, "buyer@test.dev")
    listed = client.get("/shop/notifications")
    assert listed.status_code == 200
    assert 'data-unread="2"' in listed.text
    assert listed.text.count("<strong>Your case SC-MATRIX is resolved</strong>") == 2
    with db.unit_of_work(write=False) as session:
        first = session.scalars(
            select(Notification.id).where(Notification.user_id == web.buyer.id)
        ).first()
        theirs = session.scalars(
            select(Notification.id).where(Notification.user_id == web.seller_a.id)
        ).one()
    assert _post(client, f"/shop/notifications/{first}/read").status_code == 303
    assert _unread(db, web.buyer.id) == 1
    foreign = _post(client, f"/shop/notifications/{theirs}/read")
    assert (foreign.status_code, page_code(foreign)) == (404, "notification_not_found")
    assert _post(client, "/shop/notifications/read-all").status_code == 303
    assert _unread(db, web.buyer.id) == 0 and _unread(db, web.seller_a.id) == 1
    assert 'data-unread="0"' in client.get("/shop/notifications").text


def test_a_seller_reads_the_center_notifications(
    client: TestClient, web: World, db: Database
) -> None:
    _notify(db, web.seller_a.id, role="seller")
    sign_in(client, "seller.a@test.dev")
    listed = client.get("/center/notifications")
    assert listed.status_code == 200 and 'data-unread="1"' in listed.text
    assert 'href="/center/support"' in listed.text
    assert _post(client, "/center/notifications/read-all").status_code == 303
    assert _unread(db, web.seller_a.id) == 0


def test_the_account_page_changes_email_language_and_opt_out(
    client: TestClient, web: World, db: Database
) -> None:
    sign_in(client, "buyer@test.dev")
    assert 'value="buyer@test.dev"' in client.get("/shop/account").text
    taken = _post(client, "/shop/account/email", email="seller.a@test.dev")
    assert (taken.status_code, page_code(taken)) == (409, "email_taken")
    assert 'value="seller.a@test.dev"' in taken.text  # what was typed is kept
    bad = _post(client, "/shop/account/email", email="nope")
    assert (bad.status_code, page_code(bad)) == (422, "invalid_email")
    done = _post(client, "/shop/account/email", email="fresh@test.dev")
    assert done.status_code == 200 and "Your e-mail is changed." in done.text
    saved = _post(client, "/shop/account/preferences", language="es")  # box unticked
    assert saved.status_code == 200
    wrong = _post(client, "/shop/account/preferences", language="xx", marketing="yes")
    assert (wrong.status_code, page_code(wrong)) == (422, "invalid_language")
    with db.unit_of_work(write=False) as session:
        assert session.get_one(User, web.buyer.id).email == "fresh@test.dev"
        prefs = session.get_one(NotificationPreference, web.buyer.id)
        assert (prefs.language, prefs.marketing_opt_out) == ("es", True)
