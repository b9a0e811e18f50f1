"""Request and webhook signing against the published golden vectors (DOMAIN.md "The seller
API"), and what goes into the signed string: blank values in, sign and access_token out, the
raw body after the sorted parameters."""

from __future__ import annotations

import hashlib
import hmac

from clipshop.partner.signing import matches, sign, string_to_sign
from clipshop.webhooks.signing import tiktok_authorization, tiktok_headers

REQUEST_VECTOR = "b596b73e0cc6de07ac26f036364178ab16b0a907af13d43f0a0cd2345f582dc8"
WEBHOOK_BODY = (
    b'{"type":1,"tts_notification_id":"7380066284010030890","shop_id":"7495540735365777507",'
    b'"timestamp":1718305585,"data":{"is_on_hold_order":true,"order_id":"576653688135258178",'
    b'"order_status":"UNPAID","update_time":1718305585}}'
)
WEBHOOK_VECTOR = "5dec0f11ec2f6783b8deee53c9ffbf8d024302f7c7e7fa55a35d17629031ac05"


def test_the_published_request_vector() -> None:
    query = [("timestamp", "1623812664"), ("app_key", "29a39d")]
    assert sign("e59af819cc", "/authorization/202309/shops", query) == REQUEST_VECTOR


def test_sign_and_access_token_are_not_signed() -> None:
    query = [("app_key", "29a39d"), ("timestamp", "1623812664")]
    extra = [*query, ("sign", "whatever"), ("access_token", "TTP_x")]
    assert sign("e59af819cc", "/authorization/202309/shops", extra) == REQUEST_VECTOR


def test_the_string_to_sign() -> None:
    query = [("timestamp", "7"), ("app_key", "k"), ("shop_cipher", ""), ("sign", "s")]
    body = b'{"order_status":"AWAITING_SHIPMENT"}'
    assert string_to_sign("S", "/order/202309/orders/search", query, body) == (
        b"S/order/202309/orders/searchapp_keykshop_ciphertimestamp7" + body + b"S"
    )


def test_a_blank_value_changes_the_signature() -> None:
    base = [("app_key", "k"), ("timestamp", "7")]
    assert sign("S", "/p", base) != sign("S", "/p", [*base, ("page_token", "")])


def test_the_body_is_signed_as_sent() -> None:
    query = [("app_key", "k")]
    assert sign("S", "/p", query, b"{}") != sign("S", "/p", query, b"{ }")
    expected = hmac.new(b"S", b"S/papp_keyk{}S", hashlib.sha256).hexdigest()
    assert sign("S", "/p", query, b"{}") == expected


def test_matches_takes_upper_case_hex() -> None:
    assert matches(REQUEST_VECTOR, REQUEST_VECTOR.upper())
    assert not matches(REQUEST_VECTOR, REQUEST_VECTOR[:-1] + "0")


def test_the_published_webhook_vector() -> None:
    """The sender's ``Authorization`` of a partner app's webhook (``webhooks.signing``)."""
    assert tiktok_authorization("abcdef", "123", WEBHOOK_BODY) == WEBHOOK_VECTOR
    assert tiktok_headers("abcdef", "123", WEBHOOK_BODY)["authorization"] == WEBHOOK_VECTOR
    assert tiktok_authorization("abcdef", "123", WEBHOOK_BODY + b" ") != WEBHOOK_VECTOR
