"""Notification e-mails through a real SMTP server (aiosmtpd in a thread): the address is the
buyer's at send time, the language theirs, the Message-ID the event's and recipient's, a
marketing opt-out stops the live's mail but not the order's; no SMTP host: SKIPPED."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime

from fastapi.testclient import TestClient
from sqlalchemy import select

from clipshop.api.app import create_app
from clipshop.core.clock import utcnow
from clipshop.core.db import Database
from clipshop.core.events import SupportCaseChanged, announce
from clipshop.identity.principal import Role
from clipshop.models import Notification, NotificationMail
from clipshop.notifications import sender
from clipshop.worker.relay import relay
from tests.conftest import World, make_actor, problem_code
from tests.fulfillment_support import paid_orders, release
from tests.smtp_inbox import Inbox, smtp_server

API = "/api/v1/notifications"
DOMAIN = "mail.test.dev"


@contextmanager
def mailer(db: Database, inbox: Inbox) -> Iterator[Database]:
    """The same database, with settings that send through ``inbox``."""
    update = {"smtp_host": "127.0.0.1", "smtp_port": inbox.port, "mail_domain": DOMAIN}
    other = Database(db.settings.model_copy(update=update))
    try:
        yield other
    finally:
        other.dispose()


def case_resolved(db: Database, user_id: int) -> None:
    with db.unit_of_work() as session:
        announce(
            session,
            SupportCaseChanged(
                shop_id=0,
                at=utcnow(),
                case_id=1,
                case_number="SC-1",
                category="OTHER",
                order_id=None,
                opened_by_role="buyer",
                opened_by_id=user_id,
                from_status="PENDING_AGENT",
                to_status="RESOLVED",
                action="RESOLVED",
            ),
        )


def mails(db: Database) -> list[NotificationMail]:
    with db.unit_of_work(write=False) as session:
        return list(session.scalars(select(NotificationMail).order_by(NotificationMail.id)))


def test_the_mail_goes_to_the_address_the_buyer_changed_to(
    db: Database, client: TestClient, world: World
) -> None:
    buyer = world.buyer
    case_resolved(db, buyer.id)
    relay(db)  # the mail is made with the old address in the user's row...
    (row,) = mails(db)
    assert row.status == "PENDING"
    changed = client.put(
        f"{API}/email", json={"email": "New.Me@Example.org"}, headers=buyer.headers
    )
    assert changed.status_code == 200, changed.text
    assert changed.json()["email"] == "new.me@example.org"
    with smtp_server() as inbox, mailer(db, inbox) as mdb:
        report = sender.send_due(mdb)
        assert report == sender.MailReport(sent=1)
        assert sender.send_due(mdb) == sender.MailReport()  # sent once
    (got,) = inbox.messages  # ...and sent to the new one
    assert got.to == ["new.me@example.org"]
    assert got.message["To"] == "new.me@example.org"
    assert got.message_id == f"<notification.{row.event_id}.{buyer.id}@{DOMAIN}>"
    assert got.message["Subject"] == "Your case SC-1 is resolved"
    assert "Our support team resolved your case SC-1." in got.text()
    assert "http://127.0.0.1:8000/shop/support" in got.text()
    assert "<p>Our support team resolved your case SC-1.</p>" in got.html()
    (sent,) = mails(db)
    assert (sent.status, sent.sent_to, sent.attempts) == ("SENT", "new.me@example.org", 1)


def test_the_contact_email_change_is_refused_clearly(
    db: Database, client: TestClient, world: World
) -> None:
    buyer = world.buyer
    taken = client.put(f"{API}/email", json={"email": "seller.a@test.dev"}, headers=buyer.headers)
    assert (taken.status_code, problem_code(taken)) == (409, "email_taken")
    bad = client.put(f"{API}/email", json={"email": "not-an-address"}, headers=buyer.headers)
    assert (bad.status_code, problem_code(bad)) == (422, "invalid_email")
    seller = client.put(f"{API}/email", json={"email": "x@y.dev"}, headers=world.seller_a.headers)
    assert seller.status_code == 403
    prefs = client.get(f"{API}/preferences", headers=buyer.headers).json()
    assert prefs == {"email": "buyer@test.dev", "language": "en", "marketing_opt_out": False}


def test_the_language_chosen_is_the_mails_and_the_in_app_list(
    db: Database, client: TestClient, world: World
) -> None:
    buyer = world.buyer
    body = {"language": "es", "marketing_opt_out": False}
    assert client.put(f"{API}/preferences", json=body, headers=buyer.headers).status_code == 200
    case_resolved(db, buyer.id)
    relay(db)
    listed = client.get(API, headers=buyer.headers).json()
    assert [(n["title"], n["body"]) for n in listed["items"]] == [
        ("Tu caso SC-1 está resuelto", "Soporte resolvió el caso SC-1.")
    ]
    assert listed["unread"] == 1
    with smtp_server() as inbox, mailer(db, inbox) as mdb:
        sender.send_due(mdb)
    (got,) = inbox.messages
    assert got.message["Subject"] == "Tu caso SC-1 está resuelto"
    assert got.text().startswith("Hola, buyer:")
    assert '<html lang="es">' in got.html()
    note = listed["items"][0]["id"]
    read = client.post(f"{API}/{note}/read", headers=buyer.headers)
    assert read.status_code == 200 and read.json()["read_at"] is not None
    assert client.get(API, headers=buyer.headers).json()["unread"] == 0
    other = client.post(f"{API}/{note}/read", headers=world.seller_a.headers)
    assert (other.status_code, problem_code(other)) == (404, "notification_not_found")


def test_marketing_opt_out_stops_the_live_mail_but_not_the_order_mail(
    db: Database, world: World
) -> None:
    keen, quiet = world.buyer, make_actor(db, Role.BUYER, "quiet@test.dev")
    with smtp_server() as inbox, mailer(db, inbox) as mdb:
        # the app's own jobs (the sandbox's clock advance runs them) send through the inbox
        with TestClient(create_app(mdb.settings, mdb), raise_server_exceptions=False) as client:
            out = {"language": "en", "marketing_opt_out": True}
            assert client.put(f"{API}/preferences", json=out, headers=quiet.headers).is_success
            for buyer in (keen, quiet):
                paid_orders(client, buyer, {world.shop_a.sku_id: 1})
            release(client, world.admin)  # ON_HOLD -> AWAITING_SHIPMENT: "order confirmed"
            live = client.post(
                "/api/v1/lives",
                json={"title": "Spring drop", "shop_id": str(world.shop_a.id)},
                headers=world.seller_a.headers,
            )
            assert live.status_code == 201, live.text
        relay(mdb)
        sender.send_due(mdb)
    subjects = {m.to[0]: set() for m in inbox.messages}
    for m in inbox.messages:
        subjects[m.to[0]].add(m.message["Subject"].split(" ", 2)[-1])
    assert subjects == {
        "buyer@test.dev": {"is confirmed", "live now"},
        "quiet@test.dev": {"is confirmed"},
    }
    assert len(inbox.messages) == 3
    by_kind = {(m.user_id, m.template): (m.status, m.last_error) for m in mails(db)}
    assert by_kind == {
        (keen.id, "order_confirmed"): ("SENT", None),
        (quiet.id, "order_confirmed"): ("SENT", None),
        (keen.id, "live_started"): ("SENT", None),
        (quiet.id, "live_started"): ("SKIPPED", "marketing opt-out"),
    }
    with db.unit_of_work(write=False) as session:  # the in-app notice stays
        kinds = session.scalars(select(Notification.kind).where(Notification.user_id == quiet.id))
        assert sorted(kinds) == ["live_started", "order_confirmed"]


def test_without_an_smtp_host_mails_are_skipped_with_the_reason(db: Database, world: World) -> None:
    case_resolved(db, world.buyer.id)
    relay(db)
    assert sender.send_due(db) == sender.MailReport(skipped=1)
    (row,) = mails(db)
    assert (row.status, row.last_error) == ("SKIPPED", sender.NO_HOST)


def test_a_refused_send_is_retried_with_backoff_then_failed(db: Database, world: World) -> None:
    case_resolved(db, world.buyer.id)
    relay(db)
    with smtp_server() as inbox, mailer(db, inbox) as mdb:
        mdb.settings.mail_max_attempts = 2

        def down(settings: object, batch: list[object]) -> dict[int, BaseException | None]:
            return {mail.mail_id: ConnectionRefusedError("down") for mail in batch}  # type: ignore[attr-defined]

        now = datetime(2030, 1, 1, tzinfo=UTC)
        assert sender.send_due(mdb, now, send=down) == sender.MailReport(retried=1)
        (row,) = mails(db)
        assert (row.status, row.attempts) == ("PENDING", 1)
        assert sender.send_due(mdb, now, send=down) == sender.MailReport()  # not due yet
        later = row.next_attempt_at
        assert sender.send_due(mdb, later, send=down) == sender.MailReport(failed=1)
    (row,) = mails(db)
    assert (row.status, row.attempts) == ("FAILED", 2)
    assert "down" in (row.last_error or "")
    assert inbox.messages == []
