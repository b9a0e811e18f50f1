"""Many writers at once through every kind of write route of the in-process app, on SQLite
(the writer turn: a request's unit of work begun in one worker thread and ended in another)
and on PostgreSQL: every request answers with a success or a client error, and the rows are
exactly what the answers said (``tests/writers_support.py``)."""

from __future__ import annotations

from contextlib import nullcontext

from fastapi.testclient import TestClient

from clipshop.core.db import Database
from tests.conftest import World
from tests.writers_support import Rows, Writers, assert_all_answered, assert_rows_follow

WRITERS = 16
ROUNDS = 3


def test_concurrent_writers_of_every_kind_all_answer(
    client: TestClient, db: Database, world: World
) -> None:
    shop = world.shop_a
    writers = Writers(world.admin, shop.owner, world.buyer, shop.sku_id, shop.warehouse_id)
    writers.add_card(client)
    before = Rows.read(db, shop.sku_id)

    answers = writers.run(lambda: nullcontext(client), WRITERS, ROUNDS)

    assert_all_answered(answers, WRITERS * ROUNDS)
    assert_rows_follow(answers, before, Rows.read(db, shop.sku_id))
    assert client.get("/healthz").status_code == 200
