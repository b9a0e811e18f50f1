"""clipshop's order, line and package statuses in the seller API's words, one to one
(docs/tiktok-api.md, "Order statuses").

An order's status keeps its name. A line's stored status copies its order's (a line of a
partly shipped order reads PARTIALLY_SHIPPING), so the line's own state is read from its
status and its package's (``line_state``); a line without a package is ``TO_FULFILL``.
"""

from __future__ import annotations

from enum import StrEnum

from clipshop.orders.states import OrderStatus

S = OrderStatus

ORDER_STATUS: dict[OrderStatus, str] = {
    S.UNPAID: "UNPAID",
    S.ON_HOLD: "ON_HOLD",
    S.AWAITING_SHIPMENT: "AWAITING_SHIPMENT",
    S.PARTIALLY_SHIPPING: "PARTIALLY_SHIPPING",
    S.AWAITING_COLLECTION: "AWAITING_COLLECTION",
    S.IN_TRANSIT: "IN_TRANSIT",
    S.DELIVERED: "DELIVERED",
    S.COMPLETED: "COMPLETED",
    S.CANCELLED: "CANCELLED",
}
"""clipshop order status -> the API's ``status`` (and the ``order_status`` search filter)."""

ORDER_STATUS_OF: dict[str, OrderStatus] = {api: ours for ours, api in ORDER_STATUS.items()}
"""The API's order status -> clipshop's (the search filter)."""

TO_FULFILL = "TO_FULFILL"
"""The ``package_status`` of a line no package holds yet."""

PACKAGE_STATUS: dict[str | None, str] = {
    None: TO_FULFILL,
    "PROCESSING": "PROCESSING",
    "FULFILLING": "FULFILLING",
    "COMPLETED": "COMPLETED",
    "CANCELLED": "CANCELLED",
}
"""clipshop package status (None: the line has no package) -> the API's ``package_status``."""


class LineState(StrEnum):
    """Where one line item stands: its order's stage before shipping, its package's after."""

    UNPAID = "UNPAID"
    ON_HOLD = "ON_HOLD"
    AWAITING_SHIPMENT = "AWAITING_SHIPMENT"  # paid, released, in no package yet
    AWAITING_COLLECTION = "AWAITING_COLLECTION"  # in a package the carrier has not collected
    IN_TRANSIT = "IN_TRANSIT"  # its package collected, not delivered
    DELIVERED = "DELIVERED"  # its package delivered
    COMPLETED = "COMPLETED"  # the order completed
    CANCELLED = "CANCELLED"  # the line cancelled


LINE_DISPLAY_STATUS: dict[LineState, str] = {
    LineState.UNPAID: "UNPAID",
    LineState.ON_HOLD: "ON_HOLD",
    LineState.AWAITING_SHIPMENT: "AWAITING_SHIPMENT",
    LineState.AWAITING_COLLECTION: "AWAITING_COLLECTION",
    LineState.IN_TRANSIT: "IN_TRANSIT",
    LineState.DELIVERED: "DELIVERED",
    LineState.COMPLETED: "COMPLETED",
    LineState.CANCELLED: "CANCELLED",
}
"""A line's state -> the API's ``display_status`` of the line item."""

# A line of a shipped order follows its package.
_BY_PACKAGE: dict[str, LineState] = {
    "PROCESSING": LineState.AWAITING_COLLECTION,
    "FULFILLING": LineState.IN_TRANSIT,
    "COMPLETED": LineState.DELIVERED,
}
_BEFORE_FULFILMENT = {
    S.UNPAID: LineState.UNPAID,
    S.ON_HOLD: LineState.ON_HOLD,
    S.COMPLETED: LineState.COMPLETED,
    S.CANCELLED: LineState.CANCELLED,
}


def line_state(line_status: str, package_status: str | None) -> LineState:
    """A line's state from its stored status and its package's (None: no package).

    A line in a lost or returned (CANCELLED) package keeps its order's stage until the
    order or the line is cancelled or refunded."""
    status = OrderStatus(line_status)
    if status in _BEFORE_FULFILMENT:
        return _BEFORE_FULFILMENT[status]
    if package_status is None:
        return LineState.AWAITING_SHIPMENT
    if package_status in _BY_PACKAGE:
        return _BY_PACKAGE[package_status]
    return _ORDER_STAGE[status]


# A line whose package was cancelled under a live order: the order's stage, as a line reads it.
_ORDER_STAGE = {
    S.AWAITING_SHIPMENT: LineState.AWAITING_SHIPMENT,
    S.PARTIALLY_SHIPPING: LineState.AWAITING_SHIPMENT,
    S.AWAITING_COLLECTION: LineState.AWAITING_COLLECTION,
    S.IN_TRANSIT: LineState.IN_TRANSIT,
    S.DELIVERED: LineState.DELIVERED,
}


def display_status(line_status: str, package_status: str | None) -> str:
    return LINE_DISPLAY_STATUS[line_state(line_status, package_status)]


def package_status(status: str | None) -> str:
    return PACKAGE_STATUS[status]
