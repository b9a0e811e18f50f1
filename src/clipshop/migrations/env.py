"""Alembic environment: runs with the engine the caller passes, or CLIPSHOP_DATABASE_URL."""

from __future__ import annotations

from alembic import context
from sqlalchemy import Connection

from clipshop.core.db import make_engine
from clipshop.core.settings import Settings, get_settings
from clipshop.models import Base

config = context.config
target_metadata = Base.metadata


def run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        run(connection)
        return
    url = config.get_main_option("sqlalchemy.url")
    settings = Settings(database_url=url) if url else get_settings()
    engine = make_engine(settings)
    with engine.connect() as conn:
        run(conn)
    engine.dispose()


if context.is_offline_mode():
    raise SystemExit("offline (SQL script) migrations are not supported; run against a database")
run_online()
