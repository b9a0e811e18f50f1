"""A request whose SQLite writer turn does not come in time answers 503 ``database_busy``
with ``Retry-After``, and writes nothing. (PostgreSQL has no writer turn.)"""

from __future__ import annotations

from pathlib import Path

from fastapi.testclient import TestClient
from sqlalchemy import func, select

from clipshop.api.app import create_app
from clipshop.core.db import WriterTurn
from clipshop.models import User
from tests.concurrency.turn_support import sqlite_file, turn_held
from tests.conftest import make_world


def test_a_writer_without_a_turn_in_time_answers_503_with_retry_after(tmp_path: Path) -> None:
    db = sqlite_file(tmp_path, "busy.db")
    world = make_world(db)
    with db.unit_of_work(write=False) as session:
        users_before = session.scalar(select(func.count()).select_from(User))
    db.writer_turn = WriterTurn(timeout=0.2)
    with (
        turn_held(db),
        TestClient(create_app(db.settings, db), raise_server_exceptions=False) as client,
    ):
        answer = client.post(
            "/api/v1/users",
            json={"email": "late@example.com", "name": "Late", "role": "buyer"},
            headers=world.admin.headers,
        )
    assert answer.status_code == 503
    assert answer.headers["Retry-After"] == "1"
    assert answer.json()["code"] == "database_busy"
    with db.unit_of_work(write=False) as session:
        assert session.scalar(select(func.count()).select_from(User)) == users_before
    db.dispose()
