"""A request whose SQLite writer turn does not come in time answers 503 ``database_busy``
with ``Retry-After``, and writes nothing. (PostgreSQL has no writer turn.)"""

from __future__ import annotations

import threading
from pathlib import Path

from fastapi.testclient import TestClient
from sqlalchemy import func, select, text

from clipshop.api.app import create_app
from clipshop.core.db import Database, WriterTurn
from clipshop.core.migrate import upgrade
from clipshop.core.settings import Settings
from clipshop.models import User
from tests.conftest import make_world

WAIT = 10.0  # seconds; only reached when the behaviour under test is broken


def test_a_writer_without_a_turn_in_time_answers_503_with_retry_after(tmp_path: Path) -> None:
    db = Database(Settings(env="test", database_url=f"sqlite:///{tmp_path / 'busy.db'}"))
    upgrade(db.engine)
    world = make_world(db)
    with db.unit_of_work(write=False) as session:
        users_before = session.scalar(select(func.count()).select_from(User))
    db.writer_turn = WriterTurn(timeout=0.2)
    holding, release = threading.Event(), threading.Event()

    def holder() -> None:
        with db.unit_of_work() as session:
            session.execute(text("SELECT 1"))
            holding.set()
            release.wait(WAIT)

    thread = threading.Thread(target=holder)
    thread.start()
    try:
        assert holding.wait(WAIT)
        with TestClient(create_app(db.settings, db), raise_server_exceptions=False) as client:
            answer = client.post(
                "/api/v1/users",
                json={"email": "late@example.com", "name": "Late", "role": "buyer"},
                headers=world.admin.headers,
            )
    finally:
        release.set()
        thread.join(WAIT)
    assert answer.status_code == 503
    assert answer.headers["Retry-After"] == "1"
    assert answer.json()["code"] == "database_busy"
    with db.unit_of_work(write=False) as session:
        assert session.scalar(select(func.count()).select_from(User)) == users_before
    db.dispose()
