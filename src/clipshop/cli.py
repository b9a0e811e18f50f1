"""The ``clipshop`` command. Sub-commands live next to the code they drive."""

from __future__ import annotations

import typer

from clipshop.core.cli import db_app
from clipshop.demo.cli import demo, serve
from clipshop.identity.cli import tokens_app, users_app
from clipshop.rules.cli import sim, worker

app = typer.Typer(
    help="clipshop: order platform for social commerce.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
app.add_typer(db_app, name="db")
app.add_typer(users_app, name="users")
app.add_typer(tokens_app, name="tokens")
app.command()(serve)
app.command()(demo)
app.command()(worker)
app.command()(sim)


def main() -> None:
    app()
