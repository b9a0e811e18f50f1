"""The partner protocol on both databases, through probe routes written as a module's routes
are (docs/tiktok-api.md "How to add a route"): the signature (wrong, missing, blank values, the
body as sent, multipart), the token's places, the wall-clock timestamp window with the sandbox
clock moved, the per-app rate limit, shop_cipher, scopes, and the envelope for unknown paths,
bad parameters and internal errors."""

from __future__ import annotations

import hashlib
import hmac
import time
from collections.abc import Iterator
from datetime import timedelta
from typing import Annotated, Any
from urllib.parse import urlencode

import pytest
from fastapi import Depends, FastAPI, Query, Request
from fastapi.responses import JSONResponse
from fastapi.testclient import TestClient

from clipshop.api.app import create_app
from clipshop.api.partner.envelope import envelope
from clipshop.api.partner.protocol import PartnerCall, json_filters, partner
from clipshop.core.clock import clock
from clipshop.core.db import Database
from clipshop.partner import scopes
from clipshop.partner.schemas import AuthorizedShops
from tests.conftest import World, make_shop
from tests.partner_support import PartnerClient, client_sign, connect

PROBE = "/product/209901/probe"
ProductCall = Annotated[PartnerCall, Depends(partner(scopes.PRODUCT_BASIC))]


def add_probes(app: FastAPI) -> FastAPI:
    @app.post(PROBE)
    def probe(
        request: Request, call: ProductCall, n: Annotated[int | None, Query()] = None
    ) -> JSONResponse:
        multipart = call.content_type.startswith("multipart/")
        filters = {} if multipart else json_filters(call)
        return envelope(request, {"shop_id": str(call.shop_id), "filters": filters, "n": n})

    @app.get("/product/209901/items/{item}")
    def item(request: Request, call: ProductCall, item: str) -> JSONResponse:
        return envelope(request, {"item": item})

    @app.get("/product/209901/boom")
    def boom(call: ProductCall) -> JSONResponse:
        raise RuntimeError("a bug")

    return app


def probe_client(db: Database, **settings: Any) -> Iterator[TestClient]:
    app = add_probes(create_app(db.settings.model_copy(update=settings), db))
    with TestClient(app, raise_server_exceptions=False) as test_client:
        yield test_client


@pytest.fixture
def http(db: Database) -> Iterator[TestClient]:
    yield from probe_client(db)


def code_of(response: Any) -> int:
    body = response.json()
    assert set(body) == {"code", "message", "request_id", "data"}, body
    assert isinstance(body["code"], int) and isinstance(body["request_id"], str)
    assert body["request_id"] and isinstance(body["data"], dict)
    assert response.headers["content-type"] == "application/json", response.headers
    return int(body["code"])


def signed_url(pc: PartnerClient, path: str, params: dict[str, str], body: bytes = b"") -> str:
    query = {"app_key": pc.app_key, "timestamp": str(int(time.time())), **params}
    query["sign"] = client_sign(pc.app_secret, path, query, body)
    return f"{path}?{urlencode(query)}"


def test_the_signature(http: TestClient, db: Database, world: World) -> None:
    pc = connect(http, db, [world.shop_a.id])
    assert code_of(pc.post(PROBE, {"a": 1})) == 0

    good_secret, pc.app_secret = pc.app_secret, "not-the-secret"
    wrong = pc.call("POST", PROBE, {"page_token": ""}, json_body={"a": 1})
    assert wrong.status_code == 400 and code_of(wrong) == 106001  # never 401: no refresh
    expected = wrong.json()["data"]["expected_string_to_sign"]
    stamp = next(p for p in wrong.request.url.query.decode().split("&") if "timestamp" in p)
    assert expected == (
        "{app_secret}"
        + PROBE
        + "app_key"
        + pc.app_key
        + "page_token"
        + stamp.replace("=", "")
        + '{"a":1}{app_secret}'
    )
    pc.app_secret = good_secret
    # the string the error shows, with the secret put in, signs what the client should send
    message = expected.replace("{app_secret}", good_secret).encode()
    digest = hmac.new(good_secret.encode(), message, hashlib.sha256).hexdigest()
    query = dict(p.split("=", 1) for p in wrong.request.url.query.decode().split("&"))
    assert digest == client_sign(good_secret, PROBE, query, b'{"a":1}')

    missing = http.post(
        f"{PROBE}?app_key={pc.app_key}&timestamp={int(time.time())}",
        headers={"x-tts-access-token": pc.access_token},
    )
    assert missing.status_code == 400 and code_of(missing) == 106001
    assert "missing" in missing.json()["message"]

    blank_signed = http.post(
        signed_url(pc, PROBE, {"page_token": ""}), headers={"x-tts-access-token": pc.access_token}
    )
    assert code_of(blank_signed) == 0
    url = signed_url(pc, PROBE, {}) + "&page_token="  # a blank value the client left unsigned
    unsigned = http.post(url, headers={"x-tts-access-token": pc.access_token})
    assert code_of(unsigned) == 106001


def test_the_path_is_signed_as_sent_or_decoded(
    http: TestClient, db: Database, world: World
) -> None:
    pc = connect(http, db, [world.shop_a.id])
    sent = "/product/209901/items/a%20b"
    for signed in (sent, "/product/209901/items/a b"):
        url = sent + signed_url(pc, signed, {})[len(signed) :]
        answer = http.get(url, headers={"x-tts-access-token": pc.access_token})
        assert code_of(answer) == 0 and answer.json()["data"] == {"item": "a b"}, signed
    url = (
        sent
        + signed_url(pc, "/product/209901/items/other", {})[len("/product/209901/items/other") :]
    )
    wrong = http.get(url, headers={"x-tts-access-token": pc.access_token})
    assert code_of(wrong) == 106001
    assert wrong.json()["data"]["expected_string_to_sign"].startswith("{app_secret}" + sent)


def test_the_secret_is_not_echoed_outside_the_sandbox(db: Database, world: World) -> None:
    for http in probe_client(db, sandbox=False):
        pc = connect(http, db, [world.shop_a.id])
        pc.app_secret = "not-the-secret"
        wrong = pc.post(PROBE, {})
        assert code_of(wrong) == 106001 and wrong.json()["data"] == {}


@pytest.mark.parametrize(
    ("body", "content_type"),
    [
        (b"", "application/json"),
        (b"{}", "application/json"),
        (b"", "application/x-www-form-urlencoded"),
        (b"  ", "application/json"),
    ],
)
def test_empty_bodies_mean_no_filters(
    http: TestClient, db: Database, world: World, body: bytes, content_type: str
) -> None:
    pc = connect(http, db, [world.shop_a.id])
    answer = pc.call("POST", PROBE, raw=body, headers={"content-type": content_type})
    assert code_of(answer) == 0, answer.text
    assert answer.json()["data"]["filters"] == {}


def test_the_body_is_signed_as_sent_and_multipart_is_not(
    http: TestClient, db: Database, world: World
) -> None:
    pc = connect(http, db, [world.shop_a.id])
    body = b'{ "order_status" : "UNPAID" }'
    answer = pc.call("POST", PROBE, raw=body)
    assert code_of(answer) == 0 and answer.json()["data"]["filters"] == {"order_status": "UNPAID"}
    url = signed_url(pc, PROBE, {}, b'{"order_status":"UNPAID"}')  # re-serialized: refused
    reformatted = http.post(url, content=body, headers={"x-tts-access-token": pc.access_token})
    assert code_of(reformatted) == 106001

    url = signed_url(pc, PROBE, {})  # multipart: the body is left out of the signature
    files = {"data": ("photo.jpg", b"\xff\xd8\xff", "image/jpeg")}
    upload = http.post(url, files=files, headers={"x-tts-access-token": pc.access_token})
    assert code_of(upload) == 0, upload.text

    not_json = pc.call("POST", PROBE, raw=b"[1]")
    assert not_json.status_code == 400 and code_of(not_json) == 36009004


def test_where_the_token_travels(http: TestClient, db: Database, world: World) -> None:
    pc = connect(http, db, [world.shop_a.id])
    token, pc.access_token = pc.access_token, ""
    missing = pc.post(PROBE, {})
    assert missing.status_code == 401 and code_of(missing) == 105001
    in_query = pc.call("POST", PROBE, {"access_token": token}, json_body={})
    assert code_of(in_query) == 0, in_query.text
    pc.access_token = "TTP_forged"
    assert code_of(pc.post(PROBE, {})) == 105001


def test_the_timestamp_window_is_wall_time(http: TestClient, db: Database, world: World) -> None:
    pc = connect(http, db, [world.shop_a.id])
    clock.advance(timedelta(days=30))  # the sandbox clock does not matter
    now = int(time.time())
    for offset, ok in ((-240, True), (10, True), (-420, False), (120, False)):
        url = signed_url(pc, PROBE, {"timestamp": str(now + offset)})
        answer = http.post(url, headers={"x-tts-access-token": pc.access_token})
        if ok:
            assert code_of(answer) == 0, (offset, answer.text)
        else:
            assert answer.status_code == 400 and code_of(answer) == 36009004, offset
            assert "timestamp" in answer.json()["message"]
    url = signed_url(pc, PROBE, {"timestamp": "soon"})
    assert code_of(http.post(url, headers={"x-tts-access-token": pc.access_token})) == 36009004


def test_the_rate_limit_is_per_app(http: TestClient, db: Database, world: World) -> None:
    limited = connect(http, db, [world.shop_a.id], rate_limit=3)
    other = connect(http, db, [world.shop_a.id])
    for _attempt in range(3):  # a new minute may start between the calls: try again
        answers = [limited.post(PROBE, {}) for _ in range(4)]
        if answers[-1].status_code == 429:
            break
    assert [code_of(a) for a in answers[:3]] == [0, 0, 0]
    refused = answers[3]
    assert refused.status_code == 429 and code_of(refused) == 36009002
    assert 1 <= int(refused.headers["retry-after"]) <= 60
    assert code_of(other.post(PROBE, {})) == 0


def test_shop_cipher(http: TestClient, db: Database, world: World) -> None:
    second = make_shop(db, world.seller_a, world.admin, "ShopA2")
    pc = connect(http, db, [world.shop_a.id, second.id])
    listed = pc.get("/authorization/202309/shops")
    shops = AuthorizedShops.model_validate(listed.json()["data"]).shops
    assert sorted(s.id for s in shops) == sorted([str(world.shop_a.id), str(second.id)])
    cipher = {s.id: s.cipher for s in shops}

    unnamed = pc.post(PROBE, {})
    assert code_of(unnamed) == 36009004 and "shop_cipher is required" in unnamed.json()["message"]
    for shop_id in (world.shop_a.id, second.id):
        pc.shop_cipher = cipher[str(shop_id)]
        assert pc.post(PROBE, {}).json()["data"]["shop_id"] == str(shop_id)

    foreign = connect(http, db, [world.shop_b.id])
    pc.shop_cipher = foreign.get("/authorization/202309/shops").json()["data"]["shops"][0]["cipher"]
    assert code_of(pc.post(PROBE, {})) == 36009004  # another seller's shop: not reachable

    single = connect(http, db, [world.shop_b.id])
    assert single.post(PROBE, {}).json()["data"]["shop_id"] == str(world.shop_b.id)
    seller_shops = single.get("/seller/202309/shops").json()["data"]["shops"]
    assert seller_shops == [{"id": str(world.shop_b.id), "region": "US"}]


def test_scopes(http: TestClient, db: Database, world: World) -> None:
    pc = connect(http, db, [world.shop_a.id], scopes=[scopes.AUTHORIZATION_INFO])
    assert code_of(pc.get("/authorization/202309/shops")) == 0
    for denied in (pc.get("/seller/202309/shops"), pc.post(PROBE, {})):
        assert denied.status_code == 403 and code_of(denied) == 105005


def test_errors_are_enveloped(http: TestClient, db: Database, world: World) -> None:
    pc = connect(http, db, [world.shop_a.id])
    for path in ("/order/209901/orders", "/seller/202309/nothing", "/api/v2/token/nope"):
        unknown = pc.get(path)
        assert unknown.status_code == 404 and code_of(unknown) == 36009005, path
        assert f"GET {path}" in unknown.json()["message"]
    assert http.get("/nothing/here").headers["content-type"] == "application/problem+json"
    wrong_method = pc.post("/seller/202309/shops", {})
    assert wrong_method.status_code == 405 and code_of(wrong_method) == 36009005

    bad = pc.call("POST", PROBE, {"n": "many"}, json_body={})
    assert bad.status_code == 400 and code_of(bad) == 36009004 and "n" in bad.json()["message"]
    boom = pc.get("/product/209901/boom")
    assert boom.status_code == 500 and code_of(boom) == 36009003
