"""Migrations 0011 and 0013 (partner apps' webhooks) build exactly the webhook tables the
models describe, and take them away again (the full-schema comparison is in
test_migrations.py)."""

from __future__ import annotations

from alembic import command
from sqlalchemy import Engine, inspect

from clipshop.core.migrate import alembic_config, upgrade
from clipshop.models import Base
from tests.integration.test_migrations import empty_engine, schema_differences

__all__ = ["empty_engine"]

WEBHOOK_TABLES = {"webhook_subscriptions", "webhook_deliveries"}


def test_0011_and_0013_build_the_webhook_tables_as_the_models_say(empty_engine: Engine) -> None:
    upgrade(empty_engine, "0013")
    assert set(inspect(empty_engine).get_table_names()) >= WEBHOOK_TABLES
    webhook_diffs = [d for d in schema_differences(empty_engine) if _touches_webhooks(d)]
    assert webhook_diffs == []
    indexes = {i["name"] for i in inspect(empty_engine).get_indexes("webhook_deliveries")}
    assert indexes == {i.name for i in Base.metadata.tables["webhook_deliveries"].indexes}


def downgrade(engine: Engine, to: str) -> None:
    config = alembic_config()
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, to)


def test_0011_downgrade_drops_the_webhook_tables(empty_engine: Engine) -> None:
    upgrade(empty_engine, "0011")
    downgrade(empty_engine, "0010")
    assert not WEBHOOK_TABLES & set(inspect(empty_engine).get_table_names())


def test_0013_downgrade_drops_the_app_columns(empty_engine: Engine) -> None:
    upgrade(empty_engine, "0013")
    downgrade(empty_engine, "0012")
    columns = {c["name"] for c in inspect(empty_engine).get_columns("webhook_subscriptions")}
    assert "url" in columns and not {"app_id", "topic"} & columns
    assert inspect(empty_engine).get_unique_constraints("webhook_subscriptions") == []


def _touches_webhooks(diff: object) -> bool:
    """An autogenerate difference (a tuple, or a list of tuples for column changes) that
    names one of the webhook tables."""
    return any(name in repr(diff) for name in WEBHOOK_TABLES)
