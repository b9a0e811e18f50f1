"""``clipshop db ...`` and what every command shares: opening the database, one-line errors,
and tables that print as plain lines when the output is not a terminal."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import NoReturn

import typer
from alembic.util.exc import CommandError
from rich.console import Console
from rich.table import Table
from sqlalchemy.exc import OperationalError

from clipshop.core.db import Database
from clipshop.core.migrate import SchemaState, schema_state, upgrade
from clipshop.core.settings import get_settings

db_app = typer.Typer(help="Database schema.", no_args_is_help=True, rich_markup_mode=None)
# soft_wrap: a line is never broken at the console's width (a pipe counts as 80 columns).
out = Console(soft_wrap=True)
err = Console(stderr=True, soft_wrap=True)
UNBOUNDED = 1_000_000  # columns


def fail(message: str, code: int = 1) -> NoReturn:
    """Print ``message`` as one line on stderr and leave with ``code``."""
    err.print(message, style="red", markup=False, highlight=False)
    raise typer.Exit(code)


def schema_problem(state: SchemaState) -> str | None:
    """What keeps this clipshop from using a schema in ``state`` as it is, in one line."""
    if not state.known:
        return (
            f"the database schema is at revision {state.current}, which this clipshop does "
            "not know (a newer version migrated it): upgrade clipshop"
        )
    if state.current is None:
        return "the database has no schema: run `clipshop db upgrade` first"
    if state.current != state.head:
        return (
            f"the database schema is at revision {state.current}, this clipshop needs "
            f"{state.head}: run `clipshop db upgrade` first"
        )
    return None


def unreachable(db: Database, exc: OperationalError) -> str:
    reason = str(exc.orig or exc).strip().splitlines()[0]
    return f"cannot open the database {db.engine.url.render_as_string()}: {reason}"


def open_database(migrate: bool | None = None) -> Database:
    """The configured database with a schema this clipshop can use, or one line on stderr
    saying what to do and exit status 1. ``migrate``: bring the schema up to date first
    (default: on SQLite, the embedded default, only)."""
    settings = get_settings()
    db = Database(settings)
    try:
        state = schema_state(db.engine)
        if (settings.is_sqlite if migrate is None else migrate) and state.known:
            upgrade(db.engine)
            problem = None
        else:
            problem = schema_problem(state)
    except OperationalError as exc:
        problem = unreachable(db, exc)
    if problem:
        db.dispose()
        fail(problem)
    return db


@db_app.command("upgrade")
def db_upgrade(revision: str = typer.Argument("head", help="Target revision")) -> None:
    """Apply the schema migrations to CLIPSHOP_DATABASE_URL."""
    db = Database(get_settings())
    try:
        upgrade(db.engine, revision)
    except CommandError as exc:  # an unknown revision, in the argument or in the database
        fail(f"cannot migrate the database: {exc}")
    except OperationalError as exc:
        fail(unreachable(db, exc))
    finally:
        db.dispose()
    err.print(f"[green]database at {revision}[/green] ({db.engine.url.render_as_string()})")


@dataclass
class Listing:
    """A table: a Rich table on a terminal wide enough for it, otherwise plain lines (a
    title, a header, one line per row, columns padded with spaces), never wrapped, so that
    ids and tokens stay whole when piped, logged or copied."""

    title: str
    columns: tuple[str, ...]
    right: tuple[str, ...] = ()  # right-aligned columns
    rows: list[tuple[str, ...]] = field(default_factory=list)
    section_ends: set[int] = field(default_factory=set)  # row indexes a rule follows

    def add(self, *cells: str, end_section: bool = False) -> None:
        self.rows.append(cells)
        if end_section:
            self.end_section()

    def end_section(self) -> None:
        if self.rows:
            self.section_ends.add(len(self.rows) - 1)

    def table(self) -> Table:
        table = Table(title=self.title)
        for name in self.columns:
            table.add_column(name, justify="right" if name in self.right else "left")
        for i, cells in enumerate(self.rows):
            table.add_row(*cells, end_section=i in self.section_ends)
        return table

    def lines(self) -> list[str]:
        rows = [self.columns, *self.rows]
        widths = [max(len(row[i]) for row in rows) for i in range(len(self.columns))]
        lines = [self.title]
        for row in rows:
            cells = [
                cell.rjust(width) if name in self.right else cell.ljust(width)
                for cell, width, name in zip(row, widths, self.columns, strict=True)
            ]
            lines.append("  ".join(cells).rstrip())
        return lines

    def show(self, console: Console | None = None) -> None:
        console = console or out
        table = self.table()
        # Measured without the console's width, which would clamp it: the unwrapped width.
        natural = console.measure(table, options=console.options.update_width(UNBOUNDED)).maximum
        if console.is_terminal and natural <= console.width:
            console.print(table)
        else:
            for line in [*self.lines(), ""]:
                console.print(line, markup=False, highlight=False)
