"""The Alembic migrations build exactly the schema the models describe, on SQLite and PostgreSQL.

Each test migrates its own empty database: a SQLite file, or on PostgreSQL a private schema
(``search_path``) inside the test database, so the shared ``public`` schema of the other
tests is never touched.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import CheckConstraint, Engine, Index, create_engine, inspect, text

from clipshop.core.db import make_engine, normalise_url
from clipshop.core.migrate import alembic_config, upgrade
from clipshop.core.settings import Settings
from clipshop.models import Base
from tests.conftest import BACKENDS, POSTGRES_URL


@pytest.fixture(params=BACKENDS)
def empty_engine(request: pytest.FixtureRequest, tmp_path: Any) -> Iterator[Engine]:
    if request.param == "sqlite":
        # the app's own SQLite setup (WAL, foreign keys on), as `clipshop db upgrade` uses
        engine = make_engine(Settings(env="test", database_url=f"sqlite:///{tmp_path / 'm.db'}"))
        yield engine
        engine.dispose()
        return
    assert POSTGRES_URL
    schema = f"migration_check_{uuid.uuid4().hex[:12]}"
    admin = create_engine(normalise_url(POSTGRES_URL))
    with admin.begin() as conn:
        conn.execute(text(f"CREATE SCHEMA {schema}"))
    engine = create_engine(
        normalise_url(POSTGRES_URL), connect_args={"options": f"-csearch_path={schema}"}
    )
    try:
        yield engine
    finally:
        engine.dispose()
        with admin.begin() as conn:
            conn.execute(text(f"DROP SCHEMA {schema} CASCADE"))
        admin.dispose()


def head_revision() -> str:
    heads = ScriptDirectory.from_config(alembic_config()).get_heads()
    assert len(heads) == 1, f"the migrations have several heads: {heads}"
    return heads[0]


def schema_differences(engine: Engine) -> list[Any]:
    with engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        return list(compare_metadata(context, Base.metadata))


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def test_migrations_have_a_single_head() -> None:
    assert head_revision()


def test_upgrade_head_builds_exactly_the_models_schema(empty_engine: Engine) -> None:
    upgrade(empty_engine)
    assert current_revision(empty_engine) == head_revision()
    assert schema_differences(empty_engine) == []
    tables = set(inspect(empty_engine).get_table_names())
    assert tables == set(Base.metadata.tables) | {"alembic_version"}


def test_check_constraints_match_the_models(empty_engine: Engine) -> None:
    """Autogenerate does not compare CHECK constraints: compare their names table by table."""
    upgrade(empty_engine)
    inspector = inspect(empty_engine)
    for table in Base.metadata.sorted_tables:
        in_models = {c.name for c in table.constraints if isinstance(c, CheckConstraint)}
        in_database = {c["name"] for c in inspector.get_check_constraints(table.name)}
        assert in_database == in_models, table.name


def test_partial_indexes_keep_their_predicate(empty_engine: Engine) -> None:
    """Autogenerate does not compare an index's WHERE clause either."""
    upgrade(empty_engine)
    dialect = empty_engine.dialect.name
    inspector = inspect(empty_engine)
    partial = [
        index
        for table in Base.metadata.sorted_tables
        for index in table.indexes
        if isinstance(index, Index) and index.dialect_options[dialect].get("where") is not None
    ]
    assert partial, "expected at least one partial index (one default warehouse per shop)"
    for index in partial:
        assert index.table is not None
        reflected = {i["name"]: i for i in inspector.get_indexes(index.table.name)}
        assert index.name in reflected, index.name
        options = reflected[index.name].get("dialect_options", {})
        assert options.get(f"{dialect}_where") is not None, index.name
        assert bool(reflected[index.name]["unique"]) == bool(index.unique), index.name


def test_upgrade_twice_is_a_no_op(empty_engine: Engine) -> None:
    upgrade(empty_engine)
    upgrade(empty_engine)
    assert current_revision(empty_engine) == head_revision()
    assert schema_differences(empty_engine) == []


def test_downgrade_to_base_and_up_again(empty_engine: Engine) -> None:
    upgrade(empty_engine)
    config = alembic_config()
    with empty_engine.begin() as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, "base")
    assert set(inspect(empty_engine).get_table_names()) <= {"alembic_version"}
    assert current_revision(empty_engine) is None
    upgrade(empty_engine)
    assert schema_differences(empty_engine) == []
