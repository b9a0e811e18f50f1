"""The seller API's order, line and package statuses: every clipshop status maps, one to one,
onto the values the reference names (written out here, never read from the reference)."""

from __future__ import annotations

import itertools

import pytest

from clipshop.models.fulfillment import PACKAGE_STATUSES
from clipshop.models.orders import ORDER_STATUSES
from clipshop.orders.states import OrderStatus
from clipshop.partner import order_status as m
from clipshop.partner.order_status import LineState

# The reference's enums (order.json: orders[].status, line_items[].display_status and
# line_items[].package_status). The line's list has no ON_HOLD; ours adds it (docs/tiktok-api.md).
API_ORDER = {
    "UNPAID",
    "ON_HOLD",
    "AWAITING_SHIPMENT",
    "PARTIALLY_SHIPPING",
    "AWAITING_COLLECTION",
    "IN_TRANSIT",
    "DELIVERED",
    "COMPLETED",
    "CANCELLED",
}
API_LINE = {
    "UNPAID",
    "AWAITING_SHIPMENT",
    "AWAITING_COLLECTION",
    "IN_TRANSIT",
    "DELIVERED",
    "COMPLETED",
    "CANCELLED",
}
API_PACKAGE = {"TO_FULFILL", "PROCESSING", "FULFILLING", "COMPLETED", "CANCELLED"}


def test_order_statuses_map_one_to_one() -> None:
    assert set(m.ORDER_STATUS) == set(OrderStatus) == set(ORDER_STATUSES)
    assert set(m.ORDER_STATUS.values()) == API_ORDER
    assert len(set(m.ORDER_STATUS.values())) == len(m.ORDER_STATUS)
    assert {m.ORDER_STATUS_OF[api] for api in API_ORDER} == set(OrderStatus)


def test_package_statuses_map_one_to_one() -> None:
    assert set(m.PACKAGE_STATUS) == {None, *PACKAGE_STATUSES}
    assert set(m.PACKAGE_STATUS.values()) == API_PACKAGE
    assert len(set(m.PACKAGE_STATUS.values())) == len(m.PACKAGE_STATUS)
    assert m.package_status(None) == "TO_FULFILL"


def test_line_states_map_one_to_one() -> None:
    assert set(m.LINE_DISPLAY_STATUS) == set(LineState)
    assert set(m.LINE_DISPLAY_STATUS.values()) == API_LINE | {"ON_HOLD"}
    assert len(set(m.LINE_DISPLAY_STATUS.values())) == len(LineState)


def test_every_stored_line_and_package_status_has_a_state() -> None:
    seen = {
        m.line_state(line, package)
        for line, package in itertools.product(ORDER_STATUSES, (None, *PACKAGE_STATUSES))
    }
    assert seen == set(LineState)


@pytest.mark.parametrize(
    ("line", "package", "shown"),
    [
        ("UNPAID", None, "UNPAID"),
        ("ON_HOLD", None, "ON_HOLD"),
        ("AWAITING_SHIPMENT", None, "AWAITING_SHIPMENT"),
        # A partly shipped order: its unshipped line awaits shipment, its shipped one collection.
        ("PARTIALLY_SHIPPING", None, "AWAITING_SHIPMENT"),
        ("PARTIALLY_SHIPPING", "PROCESSING", "AWAITING_COLLECTION"),
        ("PARTIALLY_SHIPPING", "FULFILLING", "IN_TRANSIT"),
        ("AWAITING_COLLECTION", "PROCESSING", "AWAITING_COLLECTION"),
        ("IN_TRANSIT", "FULFILLING", "IN_TRANSIT"),
        ("IN_TRANSIT", "COMPLETED", "DELIVERED"),
        ("DELIVERED", "COMPLETED", "DELIVERED"),
        ("COMPLETED", "COMPLETED", "COMPLETED"),
        ("CANCELLED", None, "CANCELLED"),
        ("CANCELLED", "CANCELLED", "CANCELLED"),
        ("CANCELLED", "PROCESSING", "CANCELLED"),
        # A lost package under a live order: the line keeps its order's stage.
        ("IN_TRANSIT", "CANCELLED", "IN_TRANSIT"),
    ],
)
def test_a_line_reads_its_package(line: str, package: str | None, shown: str) -> None:
    assert m.display_status(line, package) == shown
