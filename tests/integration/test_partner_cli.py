"""``clipshop apps create``, ``clipshop apps auth-code`` and the ``tiktok`` block of ``clipshop
demo --json`` on both databases: what they print works at the token endpoint and the shops
routes."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from clipshop.api.app import create_app
from clipshop.cli import app as cli_app
from clipshop.core.db import Database
from clipshop.core.settings import Settings, get_settings
from tests.conftest import BACKENDS, private_postgres_database
from tests.partner_support import PartnerClient


@pytest.fixture(params=BACKENDS)
def url(
    request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[str]:
    for name in ("FORCE_COLOR", "TTY_COMPATIBLE", "TTY_INTERACTIVE"):
        monkeypatch.delenv(name, raising=False)
    if request.param == "sqlite":
        found = f"sqlite:///{tmp_path / 'cli.db'}"
        monkeypatch.setenv("CLIPSHOP_DATABASE_URL", found)
        get_settings.cache_clear()
        yield found
    else:
        with private_postgres_database() as found:
            monkeypatch.setenv("CLIPSHOP_DATABASE_URL", found)
            get_settings.cache_clear()
            run("db", "upgrade")
            yield found
    get_settings.cache_clear()


def run(*args: str) -> str:
    result = CliRunner().invoke(cli_app, list(args))
    assert result.exit_code == 0, result.output
    return result.stdout


def connected(http: TestClient, key: str, secret: str, code: str) -> PartnerClient:
    params = {"app_key": key, "app_secret": secret, "auth_code": code}
    got = http.get("/api/v2/token/get", params={**params, "grant_type": "authorized_code"})
    assert got.json()["code"] == 0, got.text
    return PartnerClient(http, key, secret, got.json()["data"]["access_token"])


def shops_of(pc: PartnerClient) -> list[dict[str, Any]]:
    answer = pc.get("/authorization/202309/shops")
    assert answer.json()["code"] == 0, answer.text
    return list(answer.json()["data"]["shops"])


def test_apps_and_the_demo_block(url: str) -> None:
    world = json.loads(run("demo", "--json"))
    tiktok = world["tiktok"]
    made = json.loads(run("apps", "create", "--name", "Acme ERP", "--json"))
    assert made["name"] == "Acme ERP" and made["app_key"] != tiktok["app_key"]
    first = world["shops"][0]
    code = json.loads(
        run("apps", "auth-code", "--app", made["app_key"], "--shop", first["id"], "--json")
    )
    again = json.loads(run("demo", "--json"))["tiktok"]  # the same app, fresh codes
    assert (again["app_key"], again["app_secret"]) == (tiktok["app_key"], tiktok["app_secret"])
    assert again["auth_code"] != tiktok["auth_code"]

    db = Database(Settings(env="test", database_url=url))
    try:
        with TestClient(create_app(db.settings, db)) as http:
            pc = connected(http, made["app_key"], made["app_secret"], code["auth_code"])
            assert [(s["id"], s["cipher"]) for s in shops_of(pc)] == [
                (first["id"], code["shop_cipher"])
            ]
            demo = connected(http, tiktok["app_key"], tiktok["app_secret"], tiktok["auth_code"])
            assert [s["cipher"] for s in shops_of(demo)] == [tiktok["shops"][0]["cipher"]]
            second = tiktok["shops"][1]
            other = connected(http, tiktok["app_key"], tiktok["app_secret"], second["auth_code"])
            assert [s["id"] for s in shops_of(other)] == [second["id"]]
    finally:
        db.dispose()


def test_an_unknown_app_fails_in_one_line(url: str) -> None:
    result = CliRunner().invoke(cli_app, ["apps", "auth-code", "--app", "nope", "--shop", "1"])
    assert result.exit_code == 1
    assert result.stderr.strip() == "app_not_found: app not found"
