"""The ``clipshop`` command. Sub-commands live next to the code they drive."""

from __future__ import annotations

import typer

from clipshop import __version__
from clipshop.core.cli import db_app
from clipshop.demo.cli import demo, serve, sim
from clipshop.identity.cli import tokens_app, users_app
from clipshop.partner.cli import apps_app
from clipshop.webhooks.cli import webhooks_app
from clipshop.worker.cli import worker

# rich_markup_mode=None: plain help, paragraphs re-flowed to the width, flags without a
# type (Typer's Rich help shows "<bool>" on every flag).
app = typer.Typer(
    help="clipshop: order platform for social commerce.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)
app.add_typer(db_app, name="db")
app.add_typer(users_app, name="users")
app.add_typer(tokens_app, name="tokens")
app.add_typer(webhooks_app, name="webhooks")
app.add_typer(apps_app, name="apps")
app.command()(serve)
app.command()(demo)
app.command()(worker)
app.command()(sim)


def _print_version(value: bool) -> None:
    if value:
        typer.echo(f"clipshop {__version__}")
        raise typer.Exit()


@app.callback()
def _options(
    version: bool = typer.Option(
        False, "--version", is_eager=True, callback=_print_version, help="Print the version"
    ),
) -> None:
    pass


def main() -> None:
    app()
