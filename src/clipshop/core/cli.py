"""``clipshop db ...``"""

from __future__ import annotations

import typer
from rich.console import Console

from clipshop.core.db import Database
from clipshop.core.migrate import upgrade
from clipshop.core.settings import get_settings

db_app = typer.Typer(help="Database schema.", no_args_is_help=True)
console = Console(stderr=True)


def open_database(migrate: bool | None = None) -> Database:
    """The configured database; SQLite (the embedded default) is migrated on first use."""
    settings = get_settings()
    db = Database(settings)
    if migrate if migrate is not None else settings.is_sqlite:
        upgrade(db.engine)
    return db


@db_app.command("upgrade")
def db_upgrade(revision: str = typer.Argument("head", help="Target revision")) -> None:
    """Apply migrations to CLIPSHOP_DATABASE_URL."""
    db = Database(get_settings())
    upgrade(db.engine, revision)
    console.print(f"[green]database at {revision}[/green] ({db.engine.url.render_as_string()})")
    db.dispose()
