"""The seller center's settings over plain HTTP, on both databases: the shop's shipping,
its app authorizations (a new auth code, revoke) and webhook subscriptions (create, disable,
the delivery log, replay), all through the API's services; errors keep what was typed."""

from __future__ import annotations

import re
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import select

from clipshop.core.db import Database
from clipshop.models import AppAuthorization, WebhookSubscription
from clipshop.partner import apps
from tests.conftest import World
from tests.web_support import page_code, sign_in

FIELD = re.compile(r'<input type="hidden" name="(csrf\w*)" value="([^"]+)"')
PUBLIC = "https://93.184.215.14/hooks"  # an address literal: no lookup needed


def _post(client: TestClient, path: str, data: dict[str, Any] | None = None) -> Any:
    found = FIELD.search(client.get("/").text)
    assert found
    body = {found.group(1): found.group(2), **(data or {})}
    return client.post(path, data=body, follow_redirects=False)


def _app_key(db: Database) -> str:
    with db.unit_of_work() as session:
        return apps.create_app(session, "Label printer").app.app_key


def test_the_shipping_settings_show_what_the_shop_has(client: TestClient, web: World) -> None:
    sign_in(client, "seller.a@test.dev")
    answer = client.get("/center/settings")
    assert answer.status_code == 200
    assert "ship within 2 business days" in answer.text
    assert 'id="shipping-standard"' in answer.text and 'value="Standard shipping"' in answer.text
    assert "default" in answer.text  # the shop's warehouse


def test_an_owner_issues_an_auth_code_and_revokes_the_app(
    db: Database, client: TestClient, web: World
) -> None:
    key = _app_key(db)
    sign_in(client, "seller.a@test.dev")
    base = f"/center/settings/{web.shop_a.id}/apps"
    unknown = _post(client, base, {"app_key": "nope", "scopes": ""})
    assert (unknown.status_code, page_code(unknown)) == (404, "app_not_found")
    assert 'value="nope"' in unknown.text
    made = _post(client, base, {"app_key": key, "scopes": ""})
    assert made.status_code == 200
    assert re.search(r"Auth code .*<code>[\w-]{20,}</code>", made.text)
    with db.unit_of_work(write=False) as session:
        (auth,) = session.scalars(select(AppAuthorization)).all()
        assert auth.status == "ACTIVE"
    assert "Label printer" in client.get("/center/settings").text
    assert _post(client, f"{base}/{auth.id}/revoke").status_code == 303
    with db.unit_of_work(write=False) as session:
        assert session.get_one(AppAuthorization, auth.id).status == "REVOKED"


def test_another_shops_settings_are_not_found(db: Database, client: TestClient, web: World) -> None:
    key = _app_key(db)
    sign_in(client, "seller.b@test.dev")
    other = client.get(f"/center/settings?shop_id={web.shop_a.id}")
    assert (other.status_code, page_code(other)) == (404, "not_found")
    refused = _post(client, f"/center/settings/{web.shop_a.id}/apps", {"app_key": key})
    assert refused.status_code == 404
    with db.unit_of_work(write=False) as session:
        assert session.scalars(select(AppAuthorization)).all() == []


def test_webhooks_are_created_disabled_and_replayed(
    db: Database, client: TestClient, web: World
) -> None:
    sign_in(client, "seller.a@test.dev")
    base = f"/center/settings/{web.shop_a.id}/webhooks"
    form = {"url": "http://127.0.0.1/x", "event_types": ["order.status_changed"]}
    local = _post(client, base, form)
    assert (local.status_code, page_code(local)) == (422, "webhook_url_refused")
    assert 'value="http://127.0.0.1/x"' in local.text
    none = _post(client, base, {"url": PUBLIC})
    assert (none.status_code, page_code(none)) == (422, "invalid_request")
    made = _post(client, base, {**form, "url": PUBLIC})
    assert made.status_code == 200 and "shown this once" in made.text
    with db.unit_of_work(write=False) as session:
        (sub,) = session.scalars(select(WebhookSubscription)).all()
        assert (sub.url, sub.enabled, sub.event_types) == (PUBLIC, True, ["order.status_changed"])
    assert _post(client, f"{base}/{sub.id}/enabled").status_code == 303
    with db.unit_of_work(write=False) as session:
        assert session.get_one(WebhookSubscription, sub.id).enabled is False
    log = client.get(f"{base}/{sub.id}")
    assert log.status_code == 200 and "Nothing delivered yet." in log.text
    bad = _post(client, f"{base}/{sub.id}/replay", {"start": "yesterday", "end": ""})
    assert (bad.status_code, page_code(bad)) == (422, "invalid_date")
    span = {"start": "2020-01-01T00:00", "end": "2020-01-02T00:00"}
    assert "0 event(s) queued again." in _post(client, f"{base}/{sub.id}/replay", span).text
