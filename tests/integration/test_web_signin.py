"""The web pages' sign-in, sessions, CSRF checks and scoping over plain HTTP, on both databases."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import select

from clipshop.api.app import create_app
from clipshop.core.db import Database
from clipshop.identity.web_sessions import hash_session
from clipshop.models import SigninFailure, WebSession
from tests.conftest import World
from tests.fulfillment_support import ready_order
from tests.integration.checkout_api import API, count
from tests.web_support import PASSWORD, page_code, session_token, sign_in


def test_sign_in_sets_a_strict_cookie_and_keeps_only_its_hash(
    db: Database, client: TestClient, web: World
) -> None:
    answer = sign_in(client, "seller.a@test.dev")
    assert answer.status_code == 303
    assert answer.headers["location"] == "/center"
    cookie = next(
        c for c in answer.headers.get_list("set-cookie") if c.startswith("clipshop_session=")
    )
    raw = cookie.split(";")[0].split("=", 1)[1]
    flags = cookie.lower()
    assert "httponly" in flags and "samesite=lax" in flags and "secure" not in flags
    with db.unit_of_work(write=False) as session:
        stored = session.scalars(select(WebSession.session_hash)).all()
    assert stored == [hash_session(raw)]
    assert client.get("/center").status_code == 200


def test_cookies_are_secure_over_https(db: Database, web: World) -> None:
    app = create_app(db.settings, db)
    with TestClient(app, base_url="https://testserver") as secure:
        answer = sign_in(secure, "seller.a@test.dev")
    cookie = next(
        c for c in answer.headers.get_list("set-cookie") if c.startswith("clipshop_session=")
    )
    assert "secure" in cookie.lower()


def test_wrong_password_is_refused_with_a_message_and_counted(
    db: Database, client: TestClient, web: World
) -> None:
    answer = sign_in(client, "seller.a@test.dev", "not the password")
    assert answer.status_code == 401
    assert page_code(answer) == "signin_failed"
    assert "wrong e-mail or password" in answer.text
    unknown = sign_in(client, "nobody@test.dev", "whatever")
    assert (unknown.status_code, page_code(unknown)) == (401, "signin_failed")
    assert count(db, SigninFailure) == 2
    assert count(db, WebSession) == 0
    assert client.get("/center", follow_redirects=False).status_code == 303


def test_failed_sign_ins_are_rate_limited_per_email(client: TestClient, web: World) -> None:
    for _ in range(5):
        assert sign_in(client, "seller.a@test.dev", "guess").status_code == 401
    blocked = sign_in(client, "seller.a@test.dev")  # the right password, too late
    assert blocked.status_code == 429
    assert page_code(blocked) == "too_many_signins"
    assert "try again in 15 min" in blocked.text
    assert int(blocked.headers["retry-after"]) > 0
    assert sign_in(client, "seller.b@test.dev").status_code == 429  # same client address too


def test_failed_sign_ins_are_rate_limited_per_client(client: TestClient, web: World) -> None:
    for n in range(5):
        assert sign_in(client, f"nobody{n}@test.dev", "guess").status_code == 401
    assert page_code(sign_in(client, "seller.b@test.dev")) == "too_many_signins"


def test_sign_in_without_its_csrf_token_is_refused(
    db: Database, client: TestClient, web: World
) -> None:
    body = {"email": "seller.a@test.dev", "password": PASSWORD}
    answer = client.post("/signin", data=body, follow_redirects=False)
    assert (answer.status_code, page_code(answer)) == (403, "csrf_failed")
    forged = client.post("/signin", data={**body, "csrf_token": "x" * 43})
    assert forged.status_code == 403
    assert count(db, WebSession) == 0


def test_posts_without_the_session_token_are_refused(
    db: Database, client: TestClient, web: World
) -> None:
    sign_in(client, "seller.a@test.dev")
    answer = client.post("/signout", follow_redirects=False)
    assert (answer.status_code, page_code(answer)) == (403, "csrf_failed")
    wrong = client.post("/signout", headers={"X-CSRF-Token": "nope"}, follow_redirects=False)
    assert wrong.status_code == 403
    assert count(db, WebSession) == 1
    assert client.get("/center").status_code == 200


def test_sign_out_deletes_the_session(db: Database, client: TestClient, web: World) -> None:
    sign_in(client, "seller.a@test.dev")
    cookie = client.cookies.get("clipshop_session")
    token = session_token(client)
    answer = client.post("/signout", data={"csrf_token": token}, follow_redirects=False)
    assert (answer.status_code, answer.headers["location"]) == (303, "/")
    assert count(db, WebSession) == 0
    client.cookies.set("clipshop_session", cookie or "")  # replaying the old cookie
    again = client.get("/center", follow_redirects=False)
    assert (again.status_code, again.headers["location"]) == (303, "/signin?next=/center")


def test_htmx_requests_carry_the_token_in_a_header(client: TestClient, web: World) -> None:
    sign_in(client, "seller.a@test.dev")
    token = session_token(client)
    answer = client.post("/signout", headers={"X-CSRF-Token": token}, follow_redirects=False)
    assert answer.status_code == 303


def test_seller_sees_own_orders_and_not_another_shops(client: TestClient, web: World) -> None:
    own = ready_order(client, web.buyer, web.admin, {web.shop_a.sku_id: 1})
    foreign = ready_order(client, web.buyer, web.admin, {web.shop_b.sku_id: 1})
    sign_in(client, "seller.a@test.dev")
    page = client.get(f"/center/orders/{own['id']}")
    assert page.status_code == 200
    assert "ORDER_PLACED" in page.text and "ship by " in page.text
    listing = client.get("/center/orders").text
    assert own["id"] in listing and foreign["id"] not in listing
    hidden = client.get(f"/center/orders/{foreign['id']}")
    assert (hidden.status_code, page_code(hidden)) == (404, "not_found")
    dashboard = client.get("/center").text
    assert f"Order {own['id']}" in dashboard and foreign["id"] not in dashboard


def test_orders_list_reports_bad_filters_with_the_apis_codes(
    client: TestClient, web: World
) -> None:
    sign_in(client, "seller.a@test.dev")
    bad_cursor = client.get("/center/orders?cursor=nonsense")
    assert (bad_cursor.status_code, page_code(bad_cursor)) == (422, "invalid_cursor")
    bad_status = client.get("/center/orders?status=LOST")
    assert (bad_status.status_code, page_code(bad_status)) == (422, "invalid_status")


def test_roles_follow_the_apis_permissions(client: TestClient, web: World) -> None:
    sign_in(client, "buyer@test.dev")
    refused = client.get("/center")
    assert (refused.status_code, page_code(refused)) == (403, "forbidden")
    assert client.get("/shop").status_code == 200
    assert client.get("/desk").status_code == 403


def test_anonymous_pages_lead_to_sign_in(client: TestClient, web: World) -> None:
    answer = client.get("/center/orders", follow_redirects=False)
    assert (answer.status_code, answer.headers["location"]) == (303, "/signin?next=/center/orders")
    htmx = client.get("/center/orders", headers={"HX-Request": "true"}, follow_redirects=False)
    assert htmx.headers["hx-redirect"] == "/signin?next=/center/orders"
    home = client.get("/")
    assert home.status_code == 200
    assert all(f'href="{p}"' in home.text for p in ("/center", "/shop", "/desk"))


def test_sign_in_goes_back_only_to_a_local_page(client: TestClient, web: World) -> None:
    local = sign_in(client, "seller.a@test.dev", next="/center/orders")
    assert local.headers["location"] == "/center/orders"
    away = sign_in(client, "seller.a@test.dev", next="//evil.example/")
    assert away.headers["location"] == "/center"


def test_dashboard_lists_pending_requests_and_low_stock(client: TestClient, web: World) -> None:
    own = ready_order(client, web.buyer, web.admin, {web.shop_a.sku_id: 1})
    asked = client.post(
        f"{API}/orders/{own['id']}/cancellations",
        json={"reason": "changed my mind"},
        headers=web.buyer.headers,
    )
    assert asked.status_code == 201, asked.text
    sku = f"{API}/skus/{web.shop_a.sku_id}"
    low = client.patch(sku, json={"low_stock_threshold": 50}, headers=web.seller_a.headers)
    assert low.status_code == 200, low.text
    sign_in(client, "seller.a@test.dev")
    page = client.get("/center").text
    assert f"Cancellation {asked.json()['cancel_id']} for" in page
    assert "answer by " in page
    assert "ShopA-TEE — 9 left (alert below 50)" in page
    assert 'ShopA: <span class="standing">GOOD</span>' in page
    assert "late dispatch rate" in page and "≤ 4.0\u00a0%" in page
    assert "ShopB" not in page
