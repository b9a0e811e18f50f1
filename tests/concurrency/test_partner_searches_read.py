"""The partner API's searches are POSTs that only read: they run in read transactions, so on
SQLite they answer while another unit of work holds the writers' turn, where a partner write
(an inventory update) still waits and answers 503 ``database_busy``. (PostgreSQL has
no writer turn.)"""

from __future__ import annotations

from pathlib import Path

from fastapi.testclient import TestClient

from clipshop.api.app import create_app
from clipshop.core.db import WriterTurn
from tests.concurrency.turn_support import sqlite_file, turn_held
from tests.conftest import make_world
from tests.partner_support import connect

SEARCHES = (
    "/order/202309/orders/search",
    "/fulfillment/202309/packages/search",
    "/product/202309/products/search",
    "/product/202502/products/search",
    "/product/202309/inventory/search",
    "/return_refund/202309/returns/search",
    "/return_refund/202602/cancellations/search",
)


def test_searches_answer_while_the_writers_turn_is_held(tmp_path: Path) -> None:
    db = sqlite_file(tmp_path, "reads.db")
    world = make_world(db)
    with TestClient(create_app(db.settings, db), raise_server_exceptions=False) as http:
        partner = connect(http, db, [world.shop_a.id])
        db.writer_turn = WriterTurn(timeout=0.3)
        with turn_held(db):
            product_id = str(world.shop_a.product_id)
            body = {"product_ids": [product_id]}  # the inventory search needs one; others ignore it
            answers = {path: partner.post(path, body, {"page_size": 5}) for path in SEARCHES}
            product = f"/product/202309/products/{product_id}/inventory/update"
            write = partner.post(product, {"skus": []})
    for path, got in answers.items():
        assert got.status_code == 200 and got.json()["code"] == 0, (path, got.text)
    assert write.status_code == 503, write.text
    db.dispose()
