"""``clipshop apps ...``: register apps for the TikTok-compatible API and issue auth codes."""

from __future__ import annotations

import json

import typer

from clipshop.core.cli import fail, open_database
from clipshop.core.errors import DomainError
from clipshop.partner import affiliate_apps, apps

apps_app = typer.Typer(
    help="Apps of the TikTok-compatible seller API.", no_args_is_help=True, rich_markup_mode=None
)


def _print(values: dict[str, str], as_json: bool) -> None:
    if as_json:
        typer.echo(json.dumps(values))
        return
    for key, value in values.items():
        typer.echo(f"{key}: {value}")


@apps_app.command("create")
def apps_create(
    name: str = typer.Option(..., help="The integration's name"),
    rate_limit: int | None = typer.Option(
        None, min=1, help="Requests per minute (default: CLIPSHOP_PARTNER_RATE_LIMIT_PER_MINUTE)"
    ),
    as_json: bool = typer.Option(False, "--json", help="Print JSON"),
) -> None:
    """Register an app.

    Prints its app_key and its app_secret (shown only now)."""
    db = open_database()
    try:
        with db.unit_of_work() as session:
            made = apps.create_app(session, name, rate_limit)
            values = {
                "app_key": made.app.app_key,
                "app_secret": made.app_secret,
                "name": made.app.name,
            }
    except DomainError as exc:
        fail(f"{exc.code}: {exc.detail}")
    finally:
        db.dispose()
    _print(values, as_json)


@apps_app.command("auth-code")
def apps_auth_code(
    app: str = typer.Option(..., "--app", help="The app's app_key"),
    shop: int | None = typer.Option(None, "--shop", help="The shop's id"),
    creator: int | None = typer.Option(
        None, "--creator", help="A creator's user id (instead of --shop: the affiliate module)"
    ),
    scope: list[str] | None = typer.Option(
        None, "--scope", help="A scope to grant (repeat; default: every scope)"
    ),
    as_json: bool = typer.Option(False, "--json", help="Print JSON"),
) -> None:
    """Issue an auth code.

    Authorizes the app on the shop in its owner's name (or, with --creator, for the creator)
    and prints a single-use auth code (valid 10 minutes) to exchange at GET /api/v2/token/get."""
    if (shop is None) == (creator is None):
        fail("give either --shop or --creator")
    db = open_database()
    try:
        with db.unit_of_work() as session:
            if creator is not None:
                made = affiliate_apps.grant_for_creator(session, app, creator, scope or None)
                values = {"creator_id": str(creator)}
            else:
                assert shop is not None
                made = apps.grant_for_owner(session, app, shop, scope or None)
                values = {"shop_id": str(shop), "shop_cipher": apps.shop_cipher(shop)}
            values = {
                "auth_code": made.auth_code,
                "expires_at": made.expires_at.isoformat(),
                **values,
                "authorization_id": str(made.authorization.id),
            }
    except DomainError as exc:
        fail(f"{exc.code}: {exc.detail}")
    finally:
        db.dispose()
    _print(values, as_json)
