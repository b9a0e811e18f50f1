"""The pages' CSRF protection (fastapi-csrf-protect, docs/web.md "CSRF") over plain HTTP on
both databases: form fields url-encoded and multipart, the htmx header, signed tokens, a new
token at sign-in and sign-out, and the APIs left to their bearer tokens."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import func, select

from clipshop.core.db import Database
from clipshop.models import WebSession
from tests.conftest import World
from tests.web_support import form_token, page_code, session_token, sign_in


def _sessions(db: Database) -> int:
    with db.unit_of_work(write=False) as session:
        return int(session.scalar(select(func.count()).select_from(WebSession)) or 0)


def _signout(client: TestClient, **kwargs: Any) -> Any:
    return client.post("/signout", follow_redirects=False, **kwargs)


def test_a_multipart_form_carries_the_token_among_its_files(
    db: Database, client: TestClient, web: World
) -> None:
    sign_in(client, "seller.a@test.dev")
    token = session_token(client)
    boundary = "b0undary"
    body = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="photo"; filename="a.jpg"\r\n'
        f"Content-Type: image/jpeg\r\n\r\nxx\r\n"
        f'--{boundary}\r\nContent-Disposition: form-data; name="csrf_token"\r\n\r\n{token}\r\n'
        f"--{boundary}--\r\n"
    ).encode()
    headers = {"content-type": f"multipart/form-data; boundary={boundary}"}
    assert _signout(client, content=body, headers=headers).status_code == 303
    assert _sessions(db) == 0


def test_a_multipart_form_without_its_token_is_refused(
    db: Database, client: TestClient, web: World
) -> None:
    sign_in(client, "seller.a@test.dev")
    token = session_token(client)
    photo = ("a.jpg", b"\xff\xd8", "image/jpeg")
    missing = _signout(client, files={"photo": photo}, data={"note": "x"})
    assert (missing.status_code, page_code(missing)) == (403, "csrf_failed")
    wrong = _signout(client, files={"photo": photo}, data={"csrf_token": token[:-2]})
    assert (wrong.status_code, page_code(wrong)) == (403, "csrf_failed")
    as_file = _signout(client, files={"csrf_token": ("t.txt", token.encode())})
    assert (as_file.status_code, page_code(as_file)) == (403, "csrf_failed")
    assert _sessions(db) == 1


def test_a_token_not_signed_by_the_server_is_refused(
    db: Database, client: TestClient, web: World
) -> None:
    sign_in(client, "seller.a@test.dev")
    client.cookies.set("clipshop_csrf", "forged")
    answer = _signout(client, data={"csrf_token": "forged"})
    assert (answer.status_code, page_code(answer)) == (403, "csrf_failed")
    assert _signout(client, headers={"X-CSRF-Token": "forged"}).status_code == 403
    assert _sessions(db) == 1


def test_signing_in_and_out_gives_a_new_token(client: TestClient, web: World) -> None:
    before = form_token(client.get("/signin").text)
    sign_in(client, "seller.a@test.dev")
    during = session_token(client)
    assert during != before
    assert _signout(client, data={"csrf_token": before}).status_code == 403
    assert _signout(client, data={"csrf_token": during}).status_code == 303
    assert form_token(client.get("/signin").text) not in (before, during)


def test_the_apis_are_left_to_their_own_credentials(client: TestClient, web: World) -> None:
    client.get("/signin")  # the browser holds the CSRF cookie
    assert client.cookies.get("clipshop_csrf")
    native = client.post("/api/v1/users", json={"email": "x@test.dev"})
    partner = client.post("/order/202309/orders/search", json={})
    for answer in (native, partner):
        assert answer.status_code != 403 and "csrf" not in answer.text.lower(), answer.text
