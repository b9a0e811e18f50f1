"""Migration 0020 gives the showcase rows that exist their places in the order they were
listed in (oldest first), one creator at a time."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import Engine, text

from clipshop.core.migrate import upgrade
from tests.integration.test_migrations import empty_engine  # noqa: F401 (the fixture)

WHEN = datetime(2026, 12, 1, tzinfo=UTC)


def test_existing_rows_keep_their_order(empty_engine: Engine) -> None:  # noqa: F811
    upgrade(empty_engine, "0019")
    with empty_engine.begin() as conn:
        for user_id in (1, 2):
            conn.execute(
                text(
                    "INSERT INTO users (id, email, name, role, is_active, created_at)"
                    " VALUES (:id, :email, 'c', 'creator', true, :at)"
                ),
                {"id": user_id, "email": f"c{user_id}@test.dev", "at": WHEN},
            )
        conn.execute(
            text(
                "INSERT INTO shops (id, name, region, currency, shop_type, verified, created_at)"
                " VALUES (1, 's', 'US', 'USD', 'LOCAL', false, :at)"
            ),
            {"at": WHEN},
        )
        for product_id in (1, 2, 3):
            conn.execute(
                text(
                    "INSERT INTO products (id, shop_id, title, description, status, updated_at,"
                    " created_at) VALUES (:id, 1, 'p', '', 'ACTIVE', :at, :at)"
                ),
                {"id": product_id, "at": WHEN},
            )
        rows = [(10, 1, 3), (11, 2, 2), (12, 1, 1), (13, 1, 2), (14, 2, 3)]  # id, creator, product
        for row_id, creator_id, product_id in rows:
            conn.execute(
                text(
                    "INSERT INTO showcase_items (id, creator_id, product_id, shop_id, created_at)"
                    " VALUES (:id, :creator, :product, 1, :at)"
                ),
                {"id": row_id, "creator": creator_id, "product": product_id, "at": WHEN},
            )
    upgrade(empty_engine)
    with empty_engine.connect() as conn:
        found = conn.execute(
            text("SELECT creator_id, product_id, position FROM showcase_items ORDER BY id")
        ).all()
    assert [tuple(r) for r in found] == [(1, 3, 0), (2, 2, 0), (1, 1, 1), (1, 2, 2), (2, 3, 1)]
