"""A real ``clipshop worker`` SIGKILLed between the SMTP send and its mark: the SMTP server
(aiosmtpd in this process) has the message and holds its reply until the worker is dead;
started again, the worker sends the mail again once its lease has run out, with the same
Message-ID, and marks it SENT. Nothing is lost; the one duplicate is recognisable."""

from __future__ import annotations

import os
import signal
import subprocess
import threading
import time
from pathlib import Path

from sqlalchemy import select

from clipshop.core.db import Database
from clipshop.models import Notification, NotificationMail
from tests.conftest import World
from tests.integration.test_notifications_mail import DOMAIN, case_resolved
from tests.servers import CLIPSHOP, stop
from tests.smtp_inbox import smtp_server

WAIT = 60.0  # seconds before a step that should happen is declared not to


def _worker(db: Database, port: int, log: Path) -> subprocess.Popen[bytes]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CLIPSHOP_")}
    env |= {
        "CLIPSHOP_DATABASE_URL": db.settings.database_url,
        "CLIPSHOP_SMTP_HOST": "127.0.0.1",
        "CLIPSHOP_SMTP_PORT": str(port),
        "CLIPSHOP_SMTP_TIMEOUT_SECONDS": "120",  # the held reply must not time out first
        "CLIPSHOP_MAIL_DOMAIN": DOMAIN,
        "CLIPSHOP_MAIL_LEASE_SECONDS": "1",
    }
    with log.open("a") as out:
        command = [CLIPSHOP, "worker", "--interval", "0.2"]
        return subprocess.Popen(command, env=env, stdout=out, stderr=subprocess.STDOUT)


def _mail_rows(db: Database) -> list[tuple[str, int]]:
    with db.unit_of_work(write=False) as session:
        rows = session.execute(select(NotificationMail.status, NotificationMail.attempts))
        return [(status, attempts) for status, attempts in rows]


def test_a_worker_killed_between_send_and_mark_loses_nothing(
    db: Database, world: World, tmp_path: Path
) -> None:
    buyer = world.buyer
    case_resolved(db, buyer.id)
    log = tmp_path / "worker.log"
    with smtp_server() as inbox:
        inbox.hold = threading.Event()
        first = _worker(db, inbox.port, log)
        try:
            assert inbox.arrived.wait(WAIT), log.read_text()
        finally:
            os.kill(first.pid, signal.SIGKILL)
            first.wait(timeout=WAIT)
        assert first.returncode == -signal.SIGKILL
        assert _mail_rows(db) == [("PENDING", 0)]  # sent, never marked
        inbox.hold.set()  # the server answers a dead connection
        inbox.hold = None
        second = _worker(db, inbox.port, log)
        try:
            deadline = time.monotonic() + WAIT
            while _mail_rows(db) != [("SENT", 1)]:
                assert time.monotonic() < deadline, log.read_text()
                time.sleep(0.2)
        finally:
            assert stop(second) == 0, log.read_text()
    expected = f"<notification.{_event_id(db)}.{buyer.id}@{DOMAIN}>"
    assert len(inbox.messages) == 2  # the first send and the one resend
    assert {m.message_id for m in inbox.messages} == {expected}
    assert {tuple(m.to) for m in inbox.messages} == {("buyer@test.dev",)}
    with db.unit_of_work(write=False) as session:
        notes = session.scalars(select(Notification.user_id)).all()
    assert notes == [buyer.id]  # the in-app notice: exactly once


def _event_id(db: Database) -> int:
    with db.unit_of_work(write=False) as session:
        return session.scalars(select(NotificationMail.event_id)).one()
