"""A TikTok-style client for the partner API in tests: an app, a shop's grant, tokens, and
signed requests (signing written here as a client would, independently of partner.signing)."""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar
from urllib.parse import urlencode

from fastapi.testclient import TestClient
from httpx import Response
from pydantic import BaseModel, ConfigDict

from clipshop.core.db import Database
from clipshop.partner import apps


def client_sign(secret: str, path: str, params: dict[str, str], body: bytes = b"") -> str:
    """The signature as the TikTok documentation tells a client to make it."""
    keys = sorted(k for k in params if k not in ("sign", "access_token"))
    base = path + "".join(k + params[k] for k in keys)
    message = secret.encode() + base.encode() + body + secret.encode()
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


@dataclass
class PartnerClient:
    http: TestClient
    app_key: str
    app_secret: str
    access_token: str = ""
    refresh_token: str = ""
    shop_cipher: str | None = None
    token_data: dict[str, Any] = field(default_factory=dict)

    def params(self, path: str, query: dict[str, Any] | None, body: bytes) -> dict[str, str]:
        params = {"app_key": self.app_key, "timestamp": str(int(time.time()))}
        if self.shop_cipher is not None:
            params["shop_cipher"] = self.shop_cipher
        params.update({k: str(v) for k, v in (query or {}).items()})
        params["sign"] = client_sign(self.app_secret, path, params, body)
        return params

    def call(
        self,
        method: str,
        path: str,
        query: dict[str, Any] | None = None,
        json_body: Any = None,
        raw: bytes | None = None,
        headers: dict[str, str] | None = None,
    ) -> Response:
        body = raw if raw is not None else b""
        if json_body is not None:
            body = json.dumps(json_body, separators=(",", ":")).encode()
        params = self.params(path, query, body)
        sent = {"content-type": "application/json", "x-tts-access-token": self.access_token}
        sent.update(headers or {})
        url = f"{path}?{urlencode(params)}"
        return self.http.request(method, url, content=body, headers=sent)

    def get(self, path: str, query: dict[str, Any] | None = None) -> Response:
        return self.call("GET", path, query)

    def post(self, path: str, body: Any = None, query: dict[str, Any] | None = None) -> Response:
        return self.call("POST", path, query, json_body=body if body is not None else {})


def make_app(db: Database, name: str = "ERP", rate_limit: int | None = None) -> tuple[str, str]:
    with db.unit_of_work() as session:
        made = apps.create_app(session, name, rate_limit)
        return made.app.app_key, made.app_secret


def auth_code(db: Database, app_key: str, shop_id: int, scopes: list[str] | None = None) -> str:
    with db.unit_of_work() as session:
        return apps.grant_for_owner(session, app_key, shop_id, scopes).auth_code


def connect(
    http: TestClient,
    db: Database,
    shop_ids: list[int],
    scopes: list[str] | None = None,
    rate_limit: int | None = None,
) -> PartnerClient:
    """An app authorized on ``shop_ids`` (one owner's shops) with a token from the last code."""
    key, secret = make_app(db, rate_limit=rate_limit)
    code = ""
    for shop_id in shop_ids:
        code = auth_code(db, key, shop_id, scopes)
    got = http.get(
        "/api/v2/token/get",
        params={
            "app_key": key,
            "app_secret": secret,
            "auth_code": code,
            "grant_type": "authorized_code",
        },
    )
    assert got.status_code == 200 and got.json()["code"] == 0, got.text
    data = got.json()["data"]
    return PartnerClient(http, key, secret, data["access_token"], data["refresh_token"], None, data)


# --- answers: the envelope, validated against our models of the reference's shapes ---

D = TypeVar("D", bound=BaseModel)


class Envelope(BaseModel, Generic[D]):
    model_config = ConfigDict(extra="forbid")

    code: int
    message: str
    request_id: str
    data: D


class Failure(BaseModel):
    model_config = ConfigDict(extra="forbid")

    code: int
    message: str
    request_id: str
    data: dict[str, Any]


def no_nulls(value: Any, where: str = "") -> None:
    assert value is not None, f"null at {where or 'the top'}"
    if isinstance(value, dict):
        for key, item in value.items():
            no_nulls(item, f"{where}.{key}")
    elif isinstance(value, list):
        for i, item in enumerate(value):
            no_nulls(item, f"{where}[{i}]")


def answer(response: Any, model: type[D]) -> D:
    assert response.status_code == 200, response.text
    body = response.json()
    no_nulls(body)
    parsed = Envelope[model].model_validate(body)  # type: ignore[valid-type]
    assert parsed.code == 0 and parsed.request_id
    return parsed.data


def refused(response: Any, status: int, code: int) -> str:
    assert response.status_code == status, response.text
    parsed = Failure.model_validate(response.json())
    assert parsed.code == code and parsed.request_id, parsed
    return parsed.message
