"""Editing shipping settings in the seller center, on both databases: a service's rates, rural
surcharge and free-shipping threshold typed in the shop's currency are saved through the API's
shipping-profile service (the built-in other service kept); a bad value is shown at its field
with what was typed and changes nothing; another shop's settings and CSRF-less posts are
refused."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from tests.conftest import World
from tests.integration.checkout_api import API, ok
from tests.integration.test_web_center_settings import _post
from tests.web_support import page_code, sign_in

FORM = {
    "name": "Standard shipping",
    "min_days": "2",
    "max_days": "6",
    "rates": "US, 1000, 3.50\n*, , 9.00\n",
    "rural_surcharge": "2.00",
    "rural_postal_prefixes": "995 996",
    "free_shipping_threshold": "50.00",
}


def _profiles(client: TestClient, web: World) -> dict[str, Any]:
    url = f"{API}/shops/{web.shop_a.id}/shipping-profiles"
    return {p["service"]: p for p in ok(client.get(url, headers=web.seller_a.headers))}


def _save(client: TestClient, web: World, service: str, **changes: str) -> Any:
    path = f"/center/settings/{web.shop_a.id}/shipping/{service}"
    return _post(client, path, {**FORM, **changes})


def test_a_service_is_edited_in_the_shops_currency(client: TestClient, web: World) -> None:
    sign_in(client, "seller.a@test.dev")
    shown = client.get("/center/settings").text
    assert "*, 500, 4.99\n*, 2000, 7.99\n*, , 12.99</textarea>" in shown
    saved = _save(client, web, "STANDARD")
    assert (saved.status_code, saved.headers["location"]) == (
        303,
        f"/center/settings?shop_id={web.shop_a.id}#shipping-standard",
    )
    profiles = _profiles(client, web)
    standard = profiles["STANDARD"]
    assert standard["rates"] == [
        {"zone": "US", "max_weight_grams": 1000, "fee": 350},
        {"zone": "*", "max_weight_grams": None, "fee": 900},
    ]
    assert (standard["min_days"], standard["max_days"]) == (2, 6)
    assert standard["rural_surcharge"] == 200 and standard["rural_postal_prefixes"] == [
        "995",
        "996",
    ]
    assert standard["free_shipping_threshold"] == 5000
    assert profiles["EXPRESS"]["rates"][0] == {"zone": "*", "max_weight_grams": 500, "fee": 999}
    again = client.get("/center/settings").text
    assert "US, 1000, 3.50\n*, , 9.00</textarea>" in again and 'value="50.00"' in again
    cleared = _save(client, web, "STANDARD", free_shipping_threshold="")
    assert cleared.status_code == 303
    assert _profiles(client, web)["STANDARD"]["free_shipping_threshold"] is None


def test_a_bad_value_is_shown_at_its_field_and_changes_nothing(
    client: TestClient, web: World
) -> None:
    sign_in(client, "seller.a@test.dev")
    fee = _save(client, web, "EXPRESS", rates="US, 1000, 3.50\n*, , cheap")
    assert (fee.status_code, page_code(fee)) == (422, "invalid_amount")
    assert 'id="rates-express-error"' in fee.text and "rate line 2" in fee.text
    assert 'aria-invalid="true"' in fee.text and "*, , cheap</textarea>" in fee.text
    days = _save(client, web, "EXPRESS", min_days="5", max_days="2")
    assert (days.status_code, page_code(days)) == (422, "invalid_request")
    assert 'id="max_days-express-error"' in days.text and 'value="5"' in days.text
    free = _save(client, web, "STANDARD", free_shipping_threshold="-1")
    assert 'id="free_shipping_threshold-standard-error"' in free.text
    assert free.status_code == 422
    assert _profiles(client, web) == {}


def test_another_shops_or_a_forged_post_changes_nothing(client: TestClient, web: World) -> None:
    sign_in(client, "seller.b@test.dev")
    other = _save(client, web, "STANDARD")
    assert (other.status_code, page_code(other)) == (404, "not_found")
    sign_in(client, "seller.a@test.dev")
    path = f"/center/settings/{web.shop_a.id}/shipping/STANDARD"
    forged = client.post(path, data=FORM)
    assert (forged.status_code, page_code(forged)) == (403, "csrf_failed")
    assert _profiles(client, web) == {}
