"""``clipshop users ...`` and ``clipshop tokens ...``"""

from __future__ import annotations

import json
from datetime import date

import typer

from clipshop.core.cli import fail, open_database
from clipshop.core.errors import DomainError
from clipshop.identity.principal import Role
from clipshop.identity.tokens import issue_token
from clipshop.identity.users import create_user, find_user_by_email

users_app = typer.Typer(help="User accounts.", no_args_is_help=True, rich_markup_mode=None)
tokens_app = typer.Typer(help="API tokens.", no_args_is_help=True, rich_markup_mode=None)


@users_app.command("create")
def users_create(
    email: str = typer.Option(..., help="Login e-mail"),
    role: Role = typer.Option(..., help="The user's role"),
    name: str = typer.Option("", help="Display name (default: the e-mail's local part)"),
    password: str | None = typer.Option(None, help="Password (for the web pages)"),
    date_of_birth: str | None = typer.Option(
        None, metavar="YYYY-MM-DD", help="Date of birth; required for buyers"
    ),
    token: bool = typer.Option(False, "--token", help="Also issue an API token and print it"),
) -> None:
    """Create a user (and optionally an API token); prints JSON.

    On SQLite the database is migrated first; on PostgreSQL run "clipshop db upgrade"
    before."""
    try:
        dob = date.fromisoformat(date_of_birth) if date_of_birth else None
    except ValueError:
        fail("--date-of-birth must be YYYY-MM-DD", 2)
    db = open_database()
    try:
        with db.unit_of_work() as session:
            user = create_user(
                session,
                email=email,
                name=name or email.split("@")[0],
                role=role,
                password=password,
                date_of_birth=dob,
            )
            out = {"id": str(user.id), "email": user.email, "role": user.role}
            if token:
                out["token"] = issue_token(session, user.id, "cli").secret
    except DomainError as exc:
        fail(f"{exc.code}: {exc.detail}")
    finally:
        db.dispose()
    typer.echo(json.dumps(out))


@tokens_app.command("create")
def tokens_create(
    email: str = typer.Option(..., help="The user's e-mail"),
    name: str = typer.Option("cli", help="A label for the token"),
) -> None:
    """Issue an API token for a user; prints it once.

    On SQLite the database is migrated first; on PostgreSQL run "clipshop db upgrade"
    before."""
    db = open_database()
    try:
        with db.unit_of_work() as session:
            user = find_user_by_email(session, email)
            secret = issue_token(session, user.id, name).secret
    except DomainError as exc:
        fail(f"{exc.code}: {exc.detail}")
    finally:
        db.dispose()
    typer.echo(secret)
