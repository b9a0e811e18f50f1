"""Run Alembic migrations from code (``clipshop db upgrade``, ``serve``, the tests)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine

MIGRATIONS = Path(__file__).resolve().parent.parent / "migrations"


def alembic_config(url: str | None = None) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    if url:
        config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def upgrade(engine: Engine, revision: str = "head") -> None:
    config = alembic_config()
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, revision)


@dataclass(frozen=True)
class SchemaState:
    current: str | None  # the database's revision; None: no schema at all
    head: str  # the newest revision this version of clipshop knows
    known: bool  # whether this clipshop knows ``current`` (False: a newer one migrated it)


def schema_state(engine: Engine) -> SchemaState:
    scripts = ScriptDirectory.from_config(alembic_config())
    with engine.connect() as connection:
        current = MigrationContext.configure(connection).get_current_revision()
    known = current is None or current in {s.revision for s in scripts.walk_revisions()}
    return SchemaState(current, scripts.get_current_head() or "", known)
