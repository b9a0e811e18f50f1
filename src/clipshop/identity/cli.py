"""``clipshop users ...`` and ``clipshop tokens ...``"""

from __future__ import annotations

import json
from datetime import date

import typer
from rich.console import Console

from clipshop.core.cli import open_database
from clipshop.core.errors import DomainError
from clipshop.identity.principal import Role
from clipshop.identity.tokens import issue_token
from clipshop.identity.users import create_user, find_user_by_email

users_app = typer.Typer(help="User accounts.", no_args_is_help=True)
tokens_app = typer.Typer(help="API tokens.", no_args_is_help=True)
err = Console(stderr=True)


@users_app.command("create")
def users_create(
    email: str = typer.Option(..., help="Login e-mail"),
    role: Role = typer.Option(..., help="buyer, seller, agent, supervisor or admin"),
    name: str = typer.Option("", help="Display name (default: the e-mail's local part)"),
    password: str | None = typer.Option(None, help="Password (for the web pages)"),
    date_of_birth: str | None = typer.Option(None, help="YYYY-MM-DD; required for buyers"),
    token: bool = typer.Option(False, "--token", help="Also issue an API token and print it"),
) -> None:
    """Create a user (and optionally an API token); prints JSON."""
    try:
        dob = date.fromisoformat(date_of_birth) if date_of_birth else None
    except ValueError:
        err.print("[red]--date-of-birth must be YYYY-MM-DD[/red]")
        raise typer.Exit(2) from None
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
        err.print(f"[red]{exc.code}: {exc.detail}[/red]")
        raise typer.Exit(1) from None
    finally:
        db.dispose()
    typer.echo(json.dumps(out))


@tokens_app.command("create")
def tokens_create(
    email: str = typer.Option(..., help="The user's e-mail"),
    name: str = typer.Option("cli", help="A label for the token"),
) -> None:
    """Issue an API token for a user; prints it once."""
    db = open_database()
    try:
        with db.unit_of_work() as session:
            user = find_user_by_email(session, email)
            secret = issue_token(session, user.id, name).secret
    except DomainError as exc:
        err.print(f"[red]{exc.code}: {exc.detail}[/red]")
        raise typer.Exit(1) from None
    finally:
        db.dispose()
    typer.echo(secret)
