"""The ``clipshop`` command on each database: db upgrade, users, tokens, demo, worker.

``get_settings()`` is cached, so every test points CLIPSHOP_DATABASE_URL at a database of its
own (a SQLite file; a private PostgreSQL database) and clears the cache before and after. The
SQLite file starts empty (the commands migrate it by themselves); the PostgreSQL database is
migrated first, as ``clipshop db upgrade`` would, except in the tests of a missing schema.
"""

from __future__ import annotations

import itertools
import json
import os
import re
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from datetime import date, timedelta
from importlib import metadata
from pathlib import Path
from typing import Any

import httpx
import pytest
import typer
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from fastapi.testclient import TestClient
from sqlalchemy import func, inspect, make_url, select, text
from typer.testing import CliRunner, Result

from clipshop.api.app import create_app
from clipshop.checkout.place import CheckoutRequest, place_order
from clipshop.cli import app
from clipshop.core.clock import clock
from clipshop.core.db import Database, normalise_url
from clipshop.core.migrate import alembic_config, upgrade
from clipshop.core.settings import Settings, get_settings
from clipshop.identity.tokens import hash_token
from clipshop.identity.users import age_on, principal_for
from clipshop.models import ApiToken, AuthCode, Base, Order, User
from clipshop.payments.simulated import SimulatedGateway
from clipshop.worker import shared_clock
from tests import servers
from tests.conftest import BACKENDS, NO_POSTGRES, POSTGRES_URL, private_postgres_database
from tests.integration.checkout_api import ADDRESS
from tests.integration.native_api import API, ok, snapshot


@dataclass
class Cli:
    url: str
    runner: CliRunner

    def __call__(self, *args: str) -> Result:
        return self.runner.invoke(app, list(args))

    def database(self) -> Database:
        return Database(Settings(env="test", database_url=self.url))

    @contextmanager
    def client(self) -> Iterator[TestClient]:
        db = self.database()
        try:
            with TestClient(create_app(db.settings, db), raise_server_exceptions=False) as client:
                yield client
        finally:
            db.dispose()


@contextmanager
def command_line(backend: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Cli]:
    """The command line on a new, empty database of ``backend``."""
    for name in ("FORCE_COLOR", "TTY_COMPATIBLE", "TTY_INTERACTIVE"):
        monkeypatch.delenv(name, raising=False)  # Rich would take the output for a terminal
    with ExitStack() as stack:
        if backend == "sqlite":
            url = f"sqlite:///{tmp_path / 'cli.db'}"
        else:
            url = stack.enter_context(private_postgres_database())
        monkeypatch.setenv("CLIPSHOP_DATABASE_URL", url)
        get_settings.cache_clear()
        try:
            yield Cli(url, CliRunner())
        finally:
            get_settings.cache_clear()  # before monkeypatch restores the environment


@pytest.fixture(params=BACKENDS)
def blank(
    request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Cli]:
    """An empty database: no schema at all."""
    with command_line(request.param, tmp_path, monkeypatch) as cli:
        yield cli


@pytest.fixture
def blank_sqlite(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Cli]:
    with command_line("sqlite", tmp_path, monkeypatch) as cli:
        yield cli


@pytest.fixture
def blank_postgresql(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Cli]:
    if not POSTGRES_URL:
        pytest.skip(NO_POSTGRES)
    with command_line("postgresql", tmp_path, monkeypatch) as cli:
        yield cli


@pytest.fixture
def cli(blank: Cli) -> Cli:
    """SQLite: an empty file. PostgreSQL: migrated to head."""
    if not blank.url.startswith("sqlite"):
        db = blank.database()
        try:
            upgrade(db.engine)
        finally:
            db.dispose()
    return blank


def run_ok(result: Result) -> str:
    assert result.exit_code == 0, (result.output, result.exception)
    return result.stdout


def users_in(cli: Cli) -> list[tuple[str, str]]:
    db = cli.database()
    try:
        with db.unit_of_work(write=False) as session:
            return [(u.email, u.role) for u in session.scalars(select(User).order_by(User.id))]
    finally:
        db.dispose()


def me(cli: Cli, token: str) -> Any:
    with cli.client() as client:
        return ok(client.get(f"{API}/me", headers={"Authorization": f"Bearer {token}"}))


def test_settings_follow_the_environment(cli: Cli) -> None:
    assert get_settings().database_url == cli.url


def test_db_upgrade_migrates_to_head(cli: Cli) -> None:
    result = cli("db", "upgrade")
    run_ok(result)
    assert "database at head" in result.stderr
    db = cli.database()
    try:
        with db.engine.connect() as conn:
            revision = MigrationContext.configure(conn).get_current_revision()
    finally:
        db.dispose()
    assert revision == ScriptDirectory.from_config(alembic_config()).get_current_head()
    run_ok(cli("db", "upgrade"))  # again: nothing to do, no error


def test_buyer_without_date_of_birth_fails_clearly(cli: Cli) -> None:
    result = cli("users", "create", "--email", "kid@example.com", "--role", "buyer")
    assert result.exit_code == 1
    assert "date_of_birth_required" in result.stderr
    assert result.stdout == ""
    assert users_in(cli) == []


def test_bad_date_of_birth_fails_clearly(cli: Cli) -> None:
    result = cli(
        "users", "create", "--email", "b@example.com", "--role", "buyer",
        "--date-of-birth", "2001-02-30",
    )  # fmt: skip
    assert result.exit_code == 2
    assert "YYYY-MM-DD" in result.stderr
    assert result.stdout == ""


def test_unknown_role_is_a_usage_error(cli: Cli) -> None:
    result = cli("users", "create", "--email", "x@example.com", "--role", "god")
    assert result.exit_code == 2
    assert result.stdout == ""


def test_users_create_with_token(cli: Cli) -> None:
    result = cli(
        "users", "create", "--email", "Seller@Example.com", "--role", "seller", "--token",
    )  # fmt: skip
    out = json.loads(run_ok(result))
    assert set(out) == {"id", "email", "role", "token"}
    assert (out["email"], out["role"]) == ("seller@example.com", "seller")
    assert out["token"].startswith("cs_")
    assert users_in(cli) == [("seller@example.com", "seller")]
    body = me(cli, out["token"])
    assert (body["id"], body["role"], body["name"]) == (out["id"], "seller", "Seller")


def test_users_create_buyer_without_token(cli: Cli) -> None:
    result = cli(
        "users", "create", "--email", "bea@example.com", "--role", "buyer",
        "--name", "Bea", "--date-of-birth", "2000-05-17",
    )  # fmt: skip
    out = json.loads(run_ok(result))
    assert set(out) == {"id", "email", "role"}
    db = cli.database()
    try:
        with db.unit_of_work(write=False) as session:
            user = session.get_one(User, int(out["id"]))
            tokens = session.scalar(select(func.count()).select_from(ApiToken))
    finally:
        db.dispose()
    assert (user.name, user.date_of_birth, user.password_hash) == ("Bea", date(2000, 5, 17), None)
    assert tokens == 0


def test_duplicate_user_fails_and_changes_nothing(cli: Cli) -> None:
    run_ok(cli("users", "create", "--email", "a@example.com", "--role", "admin"))
    result = cli("users", "create", "--email", "A@example.com", "--role", "seller")
    assert result.exit_code == 1
    assert "email_taken" in result.stderr
    assert users_in(cli) == [("a@example.com", "admin")]


def test_tokens_create(cli: Cli) -> None:
    run_ok(cli("users", "create", "--email", "ops@example.com", "--role", "agent"))
    secret = run_ok(cli("tokens", "create", "--email", " OPS@example.com ", "--name", "ci")).strip()
    assert secret.startswith("cs_") and "\n" not in secret
    db = cli.database()
    try:
        with db.unit_of_work(write=False) as session:
            token = session.scalar(
                select(ApiToken).where(ApiToken.token_hash == hash_token(secret))
            )
    finally:
        db.dispose()
    assert token is not None and token.name == "ci"
    assert me(cli, secret)["email"] == "ops@example.com"


def test_tokens_create_for_unknown_user_fails(cli: Cli) -> None:
    run_ok(cli("db", "upgrade"))
    result = cli("tokens", "create", "--email", "ghost@example.com")
    assert result.exit_code == 1
    assert "not_found" in result.stderr
    assert result.stdout == ""


def demo(cli: Cli) -> dict[str, Any]:
    world: dict[str, Any] = json.loads(run_ok(cli("demo", "--json")))
    return world


def test_demo_json(cli: Cli) -> None:
    world = demo(cli)
    users = world["users"]
    assert len(users) == 8
    assert sorted(u["role"] for u in users) == sorted(
        ["admin", "agent", "supervisor", "seller", "seller", "buyer", "buyer", "creator"]
    )
    today = date.today()
    buyers = [u for u in users if u["role"] == "buyer"]
    ages = sorted(age_on(date.fromisoformat(u["date_of_birth"]), today) for u in buyers)
    assert ages[0] < 18 <= ages[1]
    assert all(u["date_of_birth"] is None for u in users if u["role"] != "buyer")
    assert len({u["token"] for u in users}) == 8
    shops = world["shops"]
    assert sorted(s["shop_type"] for s in shops) == ["CROSS_BORDER", "LOCAL"]
    sellers = {u["shop_id"] for u in users if u["role"] == "seller"}
    assert sellers == {s["id"] for s in shops}
    for shop in shops:
        assert shop["warehouse_ids"] and shop["skus"]

    admin = next(u for u in users if u["role"] == "admin")
    headers = {"Authorization": f"Bearer {admin['token']}"}
    with cli.client() as client:
        assert ok(client.get(f"{API}/me", headers=headers))["id"] == admin["id"]
        listed = ok(client.get(f"{API}/users", headers=headers))["items"]
        assert {u["id"] for u in listed} == {u["id"] for u in users}
        listed_shops = ok(client.get(f"{API}/shops", headers=headers))["items"]
        assert {(s["id"], s["shop_type"]) for s in listed_shops} == {
            (s["id"], s["shop_type"]) for s in shops
        }
        for shop in shops:
            for sku_id in shop["skus"].values():
                sku = ok(client.get(f"{API}/skus/{sku_id}", headers=headers))
                assert sku["shop_id"] == shop["id"]
                assert sku["price"]["currency"] == shop["currency"]
        # every seller's token works and sees its own shop only
        for seller in (u for u in users if u["role"] == "seller"):
            h = {"Authorization": f"Bearer {seller['token']}"}
            assert [s["id"] for s in ok(client.get(f"{API}/shops", headers=h))["items"]] == [
                seller["shop_id"]
            ]


def test_demo_twice_reuses_the_data_with_new_tokens(cli: Cli) -> None:
    first = demo(cli)
    db = cli.database()
    fresh = {ApiToken.__tablename__, AuthCode.__tablename__}  # new tokens and auth codes
    tables = [t for t in Base.metadata.sorted_tables if t.name not in fresh]
    models = [m.class_ for m in Base.registry.mappers if m.local_table in tables]
    try:
        before = snapshot(db, *models)
        second = demo(cli)
        after = snapshot(db, *models)
        with db.unit_of_work(write=False) as session:
            token_count = session.scalar(select(func.count()).select_from(ApiToken))
    finally:
        db.dispose()
    assert after == before  # nothing duplicated, nothing changed
    assert token_count == 16

    def strip(world: dict[str, Any]) -> dict[str, Any]:
        tiktok = world["tiktok"]
        codes = {"auth_code": None, "auth_code_expires_at": None}
        shops = [{**s, "auth_code": None} for s in tiktok["shops"]]
        return {
            **world,
            "users": [{**u, "token": None} for u in world["users"]],
            "tiktok": {**tiktok, **codes, "shops": shops},
        }

    assert strip(second) == strip(first)
    old = {u["key"]: u["token"] for u in first["users"]}
    new = {u["key"]: u["token"] for u in second["users"]}
    assert all(old[k] != new[k] for k in old)
    # both the old and the new tokens work
    assert me(cli, old["admin"])["role"] == "admin"
    assert me(cli, new["admin"])["role"] == "admin"


def test_worker_once_picks_up_the_shared_clock_and_runs_what_is_due(cli: Cli) -> None:
    """Another process moved the sandbox clock two hours (published in the database): the
    worker adopts that time, releases the order from its remorse window, and says so."""
    world = demo(cli)
    buyer = next(u for u in world["users"] if u["key"] == "buyer")
    sku_id = next(iter(world["shops"][0]["skus"].values()))
    db = cli.database()
    try:
        with db.unit_of_work() as session:
            principal = principal_for(session, session.get_one(User, int(buyer["id"])))
        request = CheckoutRequest(shipping_address=dict(ADDRESS), items={int(sku_id): 1})
        payment_id = place_order(db, SimulatedGateway(db), principal, request)
        clock.advance(timedelta(hours=2))
        shared_clock.publish(db)
        clock.reset()  # this test process forgets; the worker must read it back
        output = run_ok(cli("worker", "--once"))
        assert re.search(r"^rule RELEASE_HOLD +1$", output, re.MULTILINE), output
        with db.unit_of_work(write=False) as session:
            statuses = set(
                session.scalars(select(Order.status).where(Order.payment_id == payment_id))
            )
        assert statuses == {"AWAITING_SHIPMENT"}
        assert shared_clock.published(db) == timedelta(hours=2)
    finally:
        clock.reset()
        db.dispose()


# What a newcomer meets: --version, help texts, output when piped, a schema it cannot use.


def test_version() -> None:
    result = CliRunner().invoke(app, ["--version"])
    assert run_ok(result) == f"clipshop {metadata.version('clipshop')}\n"


def command_paths(command: Any, path: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    """Every command and group under ``command`` (a Click group), as argument paths."""
    paths = [path]
    for name, sub in getattr(command, "commands", {}).items():
        paths += command_paths(sub, (*path, name))
    return paths


HELP_WIDTH = 78  # the help of an 80-column terminal


def description_paragraphs(help_text: str) -> list[list[str]]:
    """The description under "Usage:", up to the first section, as paragraphs of lines."""
    body = help_text.split("\n\n", 1)[1]
    body = re.split(r"^(?:Arguments|Options|Commands):$", body, flags=re.MULTILINE)[0]
    return [p.splitlines() for p in body.strip("\n").split("\n\n")]


@pytest.mark.parametrize("path", command_paths(typer.main.get_command(app)), ids=" ".join)
def test_help_is_plain_and_clean(path: tuple[str, ...], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", "80")
    text = run_ok(CliRunner().invoke(app, [*path, "--help"]))
    assert "`" not in text
    assert "<bool>" not in text
    assert not set(text) & set("│╭╰─━")  # no boxes
    assert max(len(line) for line in text.splitlines()) <= HELP_WIDTH + 2
    # No hard line breaks from the docstrings: every line of a paragraph is filled, i.e. the
    # next line's first word would not have fit on it.
    for paragraph in description_paragraphs(text):
        for line, following in itertools.pairwise(paragraph):
            assert len(line) + 1 + len(following.split()[0]) > HELP_WIDTH, (line, following)
    if path:
        summary = run_ok(CliRunner().invoke(app, [*path[:-1], "--help"]))
        listed = re.search(rf"^  {path[-1]} +(.+)$", summary, re.MULTILINE)
        assert listed and not listed[1].endswith("..."), summary  # not cut short


def listed_users(output: str) -> dict[str, tuple[str, ...]]:
    """key -> (role, id, email, token), read from the plain lines of the demo users."""
    found = {}
    for line in output.splitlines():
        match = re.fullmatch(r"(\w+) +(\w+) +(\d+) +(\S+@\S+) +(cs_\S+)", line)
        if match:
            found[match[1]] = match.groups()[1:]
    return found


def check_world_lines(output: str, world: dict[str, Any]) -> dict[str, tuple[str, ...]]:
    """Every user, shop and SKU of ``world`` is on one line of ``output``, whole."""
    users = listed_users(output)
    assert {key: user[:3] for key, user in users.items()} == {
        u["key"]: (u["role"], u["id"], u["email"]) for u in world["users"]
    }
    lines = output.splitlines()
    for shop in world["shops"]:
        warehouses = " ".join(shop["warehouse_ids"])
        row = rf"{shop['id']} +{re.escape(shop['name'])} +{shop['shop_type']} +\w+ +{warehouses}"
        assert [line for line in lines if re.fullmatch(row, line)], (row, output)
        for code, sku_id in shop["skus"].items():
            row = rf"{re.escape(shop['name'])} +{re.escape(code)} +{sku_id}"
            assert [line for line in lines if re.fullmatch(row, line)], (row, output)
    return users


@pytest.mark.parametrize("columns", ["80", "40"])
def test_demo_prints_whole_lines_when_piped(
    cli: Cli, monkeypatch: pytest.MonkeyPatch, columns: str
) -> None:
    monkeypatch.setenv("COLUMNS", columns)
    world = demo(cli)
    users = check_world_lines(run_ok(cli("demo")), world)
    with cli.client() as client:  # every printed token is whole: it works, as its user
        for _role, user_id, _email, token in users.values():
            headers = {"Authorization": f"Bearer {token}"}
            assert ok(client.get(f"{API}/me", headers=headers))["id"] == user_id


def serve_env(cli: Cli, tmp_path: Path) -> dict[str, str]:
    env = {**os.environ, "CLIPSHOP_DATABASE_URL": cli.url, "COLUMNS": "40"}
    env["CLIPSHOP_STORAGE_DIR"] = str(tmp_path / "files")
    for name in ("FORCE_COLOR", "TTY_COMPATIBLE", "TTY_INTERACTIVE"):
        env.pop(name, None)
    return env


def test_serve_demo_prints_whole_lines_when_piped(cli: Cli, tmp_path: Path) -> None:
    """A real ``serve --demo`` with its output on a pipe, COLUMNS=40: the users, shops and
    SKUs on whole lines, and the "Try: curl" hint one line that works as printed."""
    port = servers.free_port()
    command = [sys.executable, "-m", "clipshop", "serve", "--demo", "--port", str(port)]
    command += ["--jobs-interval", "0"]
    log = tmp_path / "serve.log"
    with log.open("w") as stderr:
        process = subprocess.Popen(
            command, env=serve_env(cli, tmp_path), stdout=subprocess.PIPE, stderr=stderr, text=True
        )
    assert process.stdout is not None
    try:
        lines = []  # printed before the server listens; a crash closes the pipe
        while not lines or not lines[-1].startswith("clipshop on "):
            line = process.stdout.readline()
            assert line, log.read_text()
            lines.append(line.rstrip("\n"))
        output = "\n".join(lines)
        assert lines[-1] == (
            f"clipshop on http://127.0.0.1:{port}  (API docs: /docs, database: "
            f"{make_url(normalise_url(cli.url)).render_as_string()}, workers: 1)"
        )
        hints = [line for line in lines if line.startswith("Try: ")]
        assert len(hints) == 1, output
        hint = re.fullmatch(r"Try: curl -H 'Authorization: Bearer (cs_\S+)' (http://\S+)", hints[0])
        assert hint, hints
        deadline = time.monotonic() + 60  # a guard against a hang, not a measurement
        while True:
            try:
                answer = httpx.get(hint[2], headers={"Authorization": f"Bearer {hint[1]}"})
                break
            except httpx.TransportError:
                assert process.poll() is None and time.monotonic() < deadline, log.read_text()
                time.sleep(0.2)
        assert answer.status_code == 200
        assert answer.json()["items"]
    finally:
        process.terminate()
        process.communicate(timeout=60)
    users = check_world_lines(output, demo(cli))
    assert users["seller_local"][3] == hint[1]


NEEDS_SCHEMA = [
    ("users", "create", "--email", "new@example.com", "--role", "admin"),
    ("tokens", "create", "--email", "new@example.com"),
    ("worker", "--once"),
]
EVERY_DATABASE_COMMAND = [*NEEDS_SCHEMA, ("demo",), ("demo", "--json"), ("sim", "--orders", "1")]


def scripts() -> ScriptDirectory:
    return ScriptDirectory.from_config(alembic_config())


def revision_of(cli: Cli) -> str | None:
    db = cli.database()
    try:
        with db.engine.connect() as conn:
            return MigrationContext.configure(conn).get_current_revision()
    finally:
        db.dispose()


def tables_of(cli: Cli) -> list[str]:
    db = cli.database()
    try:
        return sorted(inspect(db.engine).get_table_names())
    finally:
        db.dispose()


def refused(result: Result, message: str) -> None:
    """The command stopped with exit status 1 and ``message`` as its one line, no traceback."""
    assert isinstance(result.exception, SystemExit), result.exception
    assert result.exit_code == 1, result.output
    assert (result.stdout, result.stderr) == ("", f"{message}\n")


def serve_refused(cli: Cli, tmp_path: Path, message: str) -> None:
    command = [sys.executable, "-m", "clipshop", "serve", "--port", str(servers.free_port())]
    try:
        done = subprocess.run(
            command, env=serve_env(cli, tmp_path), capture_output=True, text=True, timeout=120
        )
    except subprocess.TimeoutExpired as exc:  # it started a server instead
        raise AssertionError(exc.output) from None
    assert (done.returncode, done.stdout, done.stderr) == (1, "", f"{message}\n")


NO_SCHEMA = "the database has no schema: run `clipshop db upgrade` first"


@pytest.mark.parametrize("command", NEEDS_SCHEMA, ids=" ".join)
def test_a_blank_postgresql_database_is_refused_in_one_line(
    blank_postgresql: Cli, command: tuple[str, ...]
) -> None:
    refused(blank_postgresql(*command), NO_SCHEMA)
    assert tables_of(blank_postgresql) == []


def test_serve_refuses_a_blank_postgresql_database(blank_postgresql: Cli, tmp_path: Path) -> None:
    serve_refused(blank_postgresql, tmp_path, NO_SCHEMA)
    assert tables_of(blank_postgresql) == []


def test_an_older_postgresql_schema_is_refused_until_db_upgrade(blank_postgresql: Cli) -> None:
    head = scripts().get_current_head()
    previous = scripts().get_revision(head).down_revision
    assert isinstance(previous, str)
    run_ok(blank_postgresql("db", "upgrade", previous))
    message = (
        f"the database schema is at revision {previous}, this clipshop needs {head}: "
        "run `clipshop db upgrade` first"
    )
    for command in NEEDS_SCHEMA:
        refused(blank_postgresql(*command), message)
    assert revision_of(blank_postgresql) == previous
    run_ok(blank_postgresql("db", "upgrade"))
    out = json.loads(run_ok(blank_postgresql(*NEEDS_SCHEMA[0], "--token")))
    assert me(blank_postgresql, out["token"])["email"] == "new@example.com"


@pytest.mark.parametrize("start", ["no schema", "older schema"])
@pytest.mark.parametrize("command", NEEDS_SCHEMA, ids=" ".join)
def test_a_sqlite_database_migrates_itself(
    blank_sqlite: Cli, command: tuple[str, ...], start: str
) -> None:
    """The embedded default needs no separate step."""
    head = scripts().get_current_head()
    if start == "older schema":
        previous = scripts().get_revision(head).down_revision
        assert isinstance(previous, str)
        run_ok(blank_sqlite("db", "upgrade", previous))
    result = blank_sqlite(*command)
    if command[0] == "tokens":  # migrated, then found no such user
        assert (result.exit_code, result.stderr) == (
            1,
            "not_found: no user with e-mail new@example.com\n",
        )
    else:
        run_ok(result)
    assert revision_of(blank_sqlite) == head


FUTURE = "9999_from_a_newer_clipshop"


def test_a_schema_from_a_newer_clipshop_is_refused_in_one_line(cli: Cli, tmp_path: Path) -> None:
    run_ok(cli("db", "upgrade"))
    db = cli.database()
    try:
        with db.engine.begin() as conn:
            conn.execute(text("UPDATE alembic_version SET version_num = :v"), {"v": FUTURE})
    finally:
        db.dispose()
    message = (
        f"the database schema is at revision {FUTURE}, which this clipshop does not know "
        "(a newer version migrated it): upgrade clipshop"
    )
    for command in EVERY_DATABASE_COMMAND:
        refused(cli(*command), message)
    serve_refused(cli, tmp_path, message)
    result = cli("db", "upgrade")
    assert isinstance(result.exception, SystemExit) and result.exit_code == 1
    assert result.stderr.startswith("cannot migrate the database: ")
    assert FUTURE in result.stderr and result.stderr.count("\n") == 1
    assert revision_of(cli) == FUTURE


@pytest.mark.parametrize(
    "url",
    ["sqlite:////nonexistent-clipshop-dir/cli.db", "postgresql://postgres@127.0.0.1:1/clipshop"],
    ids=["sqlite", "postgresql"],
)
@pytest.mark.parametrize("command", [*NEEDS_SCHEMA, ("db", "upgrade")], ids=" ".join)
def test_an_unreachable_database_is_one_line(
    url: str, command: tuple[str, ...], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CLIPSHOP_DATABASE_URL", url)
    get_settings.cache_clear()
    try:
        result = CliRunner().invoke(app, list(command))
    finally:
        get_settings.cache_clear()
    assert isinstance(result.exception, SystemExit), result.exception
    assert result.exit_code == 1 and result.stdout == ""
    assert result.stderr.startswith("cannot open the database ")
    assert result.stderr.count("\n") == 1
