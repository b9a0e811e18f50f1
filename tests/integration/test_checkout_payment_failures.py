"""The gateway failure matrix through the HTTP API: every documented test card and wallet,
timeouts and lost answers settled by the reconciler, backup methods and retries."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient

from clipshop.core.db import Database
from clipshop.identity.principal import Role
from clipshop.models import Payment, PaymentAttempt
from clipshop.payments.simulated import MESSAGES
from tests.conftest import World, make_actor, problem_code
from tests.integration.checkout_api import (
    ANSWER_LOST_CARD,
    API,
    BANK_VERIFICATION_CARD,
    DECLINED_CARD,
    EXPIRED_CARD,
    INSUFFICIENT_FUNDS_CARD,
    OK_CARD,
    TIMEOUT_CARD,
    add_method,
    advance,
    attempts,
    cancel,
    charged,
    checkout,
    count,
    events,
    get_order,
    get_payment,
    minor,
    ok,
    parse_time,
    payment_row,
    stock,
    transactions,
)

FAILURES = [
    pytest.param(DECLINED_CARD, "card_declined", id="declined"),
    pytest.param(INSUFFICIENT_FUNDS_CARD, "insufficient_funds", id="insufficient_funds"),
    pytest.param(EXPIRED_CARD, "expired_card", id="expired_card"),
    pytest.param(BANK_VERIFICATION_CARD, "bank_verification_failed", id="bank_verification"),
    pytest.param("clippay_sync_fail", "wallet_sync_failed", id="wallet_sync"),
]
UNKNOWN_MESSAGE = "The payment is being confirmed with the bank; you will not be charged twice."
NO_ANSWER_MESSAGE = "The bank never received the payment; nothing was charged. Please try again."
# Two shops: 2 x 10.00 + 4.99 shipping, and 10.00 + 4.99 (no tax rate configured).
ITEMS_TOTAL = 2499 + 1499


def two_shop_checkout(client: TestClient, world: World, **extra: Any) -> dict[str, Any]:
    return checkout(client, world.buyer, {world.shop_a.sku_id: 2, world.shop_b.sku_id: 1}, **extra)


def assert_held(client: TestClient, world: World) -> None:
    """Exactly the units of the two-shop checkout are committed."""
    assert stock(client, world.seller_a, world.shop_a.sku_id) == (8, 2)
    assert stock(client, world.seller_b, world.shop_b.sku_id) == (9, 1)


def assert_released(client: TestClient, world: World) -> None:
    assert stock(client, world.seller_a, world.shop_a.sku_id) == (10, 0)
    assert stock(client, world.seller_b, world.shop_b.sku_id) == (10, 0)


@pytest.mark.parametrize("then", ["buyer_cancels", "unpaid_deadline_passes"])
@pytest.mark.parametrize(("method", "failure_code"), FAILURES)
def test_failed_payment_keeps_orders_unpaid_and_never_holds_stock_forever(
    client: TestClient, db: Database, world: World, method: str, failure_code: str, then: str
) -> None:
    buyer = world.buyer
    add_method(client, buyer, method)
    result = two_shop_checkout(client, world)

    payment = result["payment"]
    assert payment["status"] == "FAILED"
    assert payment["failure_code"] == failure_code
    assert payment["captured_amount"]["minor_units"] == 0
    assert payment["amount"]["minor_units"] == ITEMS_TOTAL
    [attempt] = attempts(db, payment["id"])
    assert (attempt.status, attempt.failure_code) == ("FAILED", failure_code)
    assert attempt.failure_message == MESSAGES[failure_code]
    assert len(result["orders"]) == 2
    for order in result["orders"]:
        assert order["status"] == "UNPAID"
        assert order["payment_failure"] == MESSAGES[failure_code]
        assert order["paid_at"] is None and order["hold_until"] is None
        assert {line["status"] for line in order["line_items"]} == {"UNPAID"}
        timeline = get_order(client, buyer, order["id"])
        assert events(timeline) == [
            ("ORDER_PLACED", "BUYER", None, "UNPAID"),
            ("PAYMENT_FAILED", "SYSTEM", None, None),
        ]
        assert timeline["timeline"][1]["reason"] == MESSAGES[failure_code]
    assert charged(client) == 0
    assert transactions(db, payment["id"], "CAPTURE") == []
    assert_held(client, world)

    if then == "buyer_cancels":
        for order in result["orders"]:
            cancelled = ok(cancel(client, buyer, order["id"]))
            assert cancelled["status"] == "CANCELLED"
            assert cancelled["cancelled_by"] == "BUYER"
            assert cancelled["cancel_reason"] == "changed my mind"
            assert {line["status"] for line in cancelled["line_items"]} == {"CANCELLED"}
    else:
        report = advance(client, world.admin, hours=47)
        assert report["expired_unpaid"] == 0
        assert_held(client, world)
        report = advance(client, world.admin, hours=2)  # 49 h after placing
        assert report["expired_unpaid"] == 2
        for order in result["orders"]:
            expired = get_order(client, buyer, order["id"])
            assert expired["status"] == "CANCELLED"
            assert expired["cancelled_by"] == "SYSTEM"
            assert expired["cancel_reason"] == "not paid in time"
            assert events(expired)[-2:] == [
                ("STATUS_CHANGED", "SYSTEM", "UNPAID", "CANCELLED"),
                ("CANCELLATION_COMPLETED", "SYSTEM", None, None),  # a SYSTEM Cancellation row
            ]

    assert_released(client, world)
    assert charged(client) == 0
    assert transactions(db, payment["id"], "REFUND") == []  # nothing was taken
    assert payment_row(db, payment["id"]).refunded_amount == 0
    # A later sweep changes nothing.
    assert advance(client, world.admin, hours=49)["expired_unpaid"] == 0
    assert_released(client, world)


def test_timeout_is_unknown_until_the_reconciler_marks_it_failed(
    client: TestClient, db: Database, world: World
) -> None:
    buyer = world.buyer
    add_method(client, buyer, TIMEOUT_CARD)
    good = add_method(client, buyer, OK_CARD)
    result = two_shop_checkout(client, world)
    payment_id = result["payment"]["id"]

    assert result["payment"]["status"] == "PENDING"
    [attempt] = attempts(db, payment_id)
    assert attempt.status == "UNKNOWN"
    for order in result["orders"]:
        assert order["status"] == "UNPAID"
        assert order["payment_failure"] == UNKNOWN_MESSAGE
    assert charged(client) == 0
    assert_held(client, world)

    # While the outcome is unknown the buyer can neither cancel nor pay again.
    busy = cancel(client, buyer, result["orders"][0]["id"])
    assert busy.status_code == 409
    assert problem_code(busy) == "payment_in_progress"
    retry = client.post(
        f"{API}/payments/{payment_id}/retry",
        json={"payment_method_id": str(good)},
        headers={**buyer.headers, "Idempotency-Key": "r1"},
    )
    assert retry.status_code == 409
    assert problem_code(retry) == "payment_not_retryable"

    report = advance(client, world.admin, minutes=3)
    assert report["reconciled_payments"] == 1
    [attempt] = attempts(db, payment_id)
    assert (attempt.status, attempt.failure_code) == ("FAILED", "no_answer")
    payment = get_payment(client, buyer, payment_id)
    assert (payment["payment"]["status"], payment["payment"]["failure_code"]) == (
        "FAILED",
        "no_answer",
    )
    for order in payment["orders"]:
        assert order["status"] == "UNPAID"
        assert order["payment_failure"] == NO_ANSWER_MESSAGE
    assert charged(client) == 0
    assert_held(client, world)
    assert advance(client, world.admin, minutes=3)["reconciled_payments"] == 0

    # Now the buyer can pay with another method.
    paid = ok(
        client.post(
            f"{API}/payments/{payment_id}/retry",
            json={"payment_method_id": str(good)},
            headers={**buyer.headers, "Idempotency-Key": "r2"},
        )
    )
    assert paid["payment"]["status"] == "CAPTURED"
    assert {o["status"] for o in paid["orders"]} == {"ON_HOLD"}
    assert charged(client) == ITEMS_TOTAL


def test_timeout_past_the_unpaid_deadline_is_settled_then_cancelled(
    client: TestClient, db: Database, world: World
) -> None:
    add_method(client, world.buyer, TIMEOUT_CARD)
    result = two_shop_checkout(client, world)
    report = advance(client, world.admin, hours=49)
    assert (report["reconciled_payments"], report["expired_unpaid"]) == (1, 2)
    for order in result["orders"]:
        assert get_order(client, world.buyer, order["id"])["status"] == "CANCELLED"
    assert_released(client, world)
    assert charged(client) == 0


def test_lost_answer_is_found_by_the_reconciler_and_charged_once(
    client: TestClient, db: Database, world: World
) -> None:
    buyer = world.buyer
    add_method(client, buyer, ANSWER_LOST_CARD)
    result = two_shop_checkout(client, world)
    payment_id = result["payment"]["id"]
    assert result["payment"]["status"] == "PENDING"
    assert [a.status for a in attempts(db, payment_id)] == ["UNKNOWN"]
    assert {o["status"] for o in result["orders"]} == {"UNPAID"}
    assert charged(client) == 0  # authorized at the bank, not captured yet
    assert_held(client, world)

    report = advance(client, world.admin, minutes=3)
    assert report["reconciled_payments"] == 1
    found = get_payment(client, buyer, payment_id)
    assert found["payment"]["status"] == "CAPTURED"
    assert found["payment"]["captured_amount"]["minor_units"] == ITEMS_TOTAL
    assert charged(client) == ITEMS_TOTAL
    [attempt] = attempts(db, payment_id)
    assert attempt.status == "SUCCEEDED"
    captures = transactions(db, payment_id, "CAPTURE")
    by_order = {str(t.order_id): t.amount for t in captures}
    assert by_order == {o["id"]: minor(o, "total_amount") for o in found["orders"]}
    for order in found["orders"]:
        assert order["status"] == "ON_HOLD"
        assert order["payment_failure"] is None
        hold = parse_time(order["hold_until"]) - parse_time(order["paid_at"])
        assert hold == timedelta(minutes=60)
    assert_held(client, world)

    # Later runs find nothing more to do: still charged exactly once.
    assert advance(client, world.admin, minutes=3)["reconciled_payments"] == 0
    assert charged(client) == ITEMS_TOTAL
    assert len(transactions(db, payment_id, "CAPTURE")) == 2


def test_backup_method_pays_after_a_decline(client: TestClient, db: Database, world: World) -> None:
    buyer = world.buyer
    add_method(client, buyer, DECLINED_CARD)
    backup = add_method(client, buyer, OK_CARD)
    result = two_shop_checkout(client, world, backup_payment_method_id=str(backup))
    payment_id = result["payment"]["id"]

    assert result["payment"]["status"] == "CAPTURED"
    assert result["payment"]["failure_code"] is None
    assert payment_row(db, payment_id).method_id == backup
    assert [(a.status, a.failure_code) for a in attempts(db, payment_id)] == [
        ("FAILED", "card_declined"),
        ("SUCCEEDED", None),
    ]
    assert charged(client) == ITEMS_TOTAL
    assert len(transactions(db, payment_id, "CAPTURE")) == 2
    for order in result["orders"]:
        assert order["status"] == "ON_HOLD"
        assert order["payment_failure"] is None
        assert [e[0] for e in events(get_order(client, buyer, order["id"]))] == [
            "ORDER_PLACED",
            "PAYMENT_FAILED",
            "STATUS_CHANGED",
        ]
    assert_held(client, world)


def test_backup_that_also_fails_leaves_the_payment_failed(
    client: TestClient, db: Database, world: World
) -> None:
    add_method(client, world.buyer, "clippay_sync_fail")
    backup = add_method(client, world.buyer, INSUFFICIENT_FUNDS_CARD)
    result = two_shop_checkout(client, world, backup_payment_method_id=str(backup))
    assert (result["payment"]["status"], result["payment"]["failure_code"]) == (
        "FAILED",
        "insufficient_funds",
    )
    assert [a.failure_code for a in attempts(db, result["payment"]["id"])] == [
        "wallet_sync_failed",
        "insufficient_funds",
    ]
    assert {o["payment_failure"] for o in result["orders"]} == {MESSAGES["insufficient_funds"]}
    assert charged(client) == 0
    assert_held(client, world)


def test_backup_is_not_tried_after_a_timeout(
    client: TestClient, db: Database, world: World
) -> None:
    """The first attempt may still succeed at the bank: a second one could charge twice."""
    add_method(client, world.buyer, TIMEOUT_CARD)
    backup = add_method(client, world.buyer, OK_CARD)
    result = two_shop_checkout(client, world, backup_payment_method_id=str(backup))
    assert result["payment"]["status"] == "PENDING"
    assert [a.status for a in attempts(db, result["payment"]["id"])] == ["UNKNOWN"]
    assert charged(client) == 0


def test_retry_with_another_method_pays(client: TestClient, db: Database, world: World) -> None:
    buyer = world.buyer
    add_method(client, buyer, INSUFFICIENT_FUNDS_CARD)
    other_declined = add_method(client, buyer, EXPIRED_CARD)
    wallet = add_method(client, buyer, "clippay")
    result = two_shop_checkout(client, world)
    payment_id = result["payment"]["id"]
    url = f"{API}/payments/{payment_id}/retry"

    def retry(method_id: int, key: str) -> Any:
        return client.post(
            url,
            json={"payment_method_id": str(method_id)},
            headers={**buyer.headers, "Idempotency-Key": key},
        )

    still = ok(retry(other_declined, "k1"))
    assert (still["payment"]["status"], still["payment"]["failure_code"]) == (
        "FAILED",
        "expired_card",
    )
    assert {o["payment_failure"] for o in still["orders"]} == {MESSAGES["expired_card"]}
    assert charged(client) == 0

    paid = ok(retry(wallet, "k2"))
    assert paid["payment"]["status"] == "CAPTURED"
    assert paid["payment"]["failure_code"] is None
    assert paid["payment"]["captured_amount"]["minor_units"] == ITEMS_TOTAL
    assert {o["status"] for o in paid["orders"]} == {"ON_HOLD"}
    assert {o["payment_failure"] for o in paid["orders"]} == {None}
    assert payment_row(db, payment_id).method_id == wallet
    assert [a.status for a in attempts(db, payment_id)] == ["FAILED", "FAILED", "SUCCEEDED"]
    assert charged(client) == ITEMS_TOTAL
    assert_held(client, world)

    again = retry(wallet, "k3")
    assert again.status_code == 409
    assert problem_code(again) == "payment_not_retryable"
    assert charged(client) == ITEMS_TOTAL


def test_retry_charges_only_the_orders_still_unpaid(
    client: TestClient, db: Database, world: World
) -> None:
    buyer = world.buyer
    add_method(client, buyer, DECLINED_CARD)
    good = add_method(client, buyer, OK_CARD)
    result = two_shop_checkout(client, world)
    order_a = next(o for o in result["orders"] if o["shop_id"] == str(world.shop_a.id))
    order_b = next(o for o in result["orders"] if o["shop_id"] == str(world.shop_b.id))
    ok(cancel(client, buyer, order_a["id"]))
    paid = ok(
        client.post(
            f"{API}/payments/{result['payment']['id']}/retry",
            json={"payment_method_id": str(good)},
            headers={**buyer.headers, "Idempotency-Key": "k"},
        )
    )
    assert paid["payment"]["status"] == "CAPTURED"
    assert paid["payment"]["captured_amount"]["minor_units"] == minor(order_b, "total_amount")
    statuses = {o["id"]: o["status"] for o in paid["orders"]}
    assert statuses == {order_a["id"]: "CANCELLED", order_b["id"]: "ON_HOLD"}
    assert charged(client) == 1499
    assert stock(client, world.seller_a, world.shop_a.sku_id) == (10, 0)
    assert stock(client, world.seller_b, world.shop_b.sku_id) == (9, 1)


def test_retry_refusals(client: TestClient, db: Database, world: World) -> None:
    buyer = world.buyer
    add_method(client, buyer, DECLINED_CARD)
    good = add_method(client, buyer, OK_CARD)
    result = two_shop_checkout(client, world)
    payment_id = result["payment"]["id"]
    body = {"payment_method_id": str(good)}

    stranger = make_actor(db, Role.BUYER, "stranger@test.dev")
    foreign = client.post(
        f"{API}/payments/{payment_id}/retry",
        json=body,
        headers={**stranger.headers, "Idempotency-Key": "s"},
    )
    assert foreign.status_code == 404
    assert client.get(f"{API}/payments/{payment_id}", headers=stranger.headers).status_code == 404

    for order in result["orders"]:
        ok(cancel(client, buyer, order["id"]))
    nothing_owed = client.post(
        f"{API}/payments/{payment_id}/retry",
        json=body,
        headers={**buyer.headers, "Idempotency-Key": "k"},
    )
    assert nothing_owed.status_code == 409
    assert problem_code(nothing_owed) == "payment_not_retryable"
    assert charged(client) == 0
    assert count(db, PaymentAttempt) == 1
    assert count(db, Payment) == 1
