"""The seller API's return and cancellation statuses: every status clipshop stores maps, one
to one, onto the values the reference names (written out here, never read from it)."""

from __future__ import annotations

from clipshop.models.aftersales import CANCEL_STATUSES, RETURN_STATUSES
from clipshop.partner import return_status as m

# return_refund.json: return_orders[].return_status and cancellations[].cancel_status.
API_RETURN = {
    "RETURN_OR_REFUND_REQUEST_PENDING",
    "REFUND_OR_RETURN_REQUEST_REJECT",
    "AWAITING_BUYER_SHIP",
    "BUYER_SHIPPED_ITEM",
    "REJECT_RECEIVE_PACKAGE",
    "RETURN_OR_REFUND_REQUEST_SUCCESS",
    "RETURN_OR_REFUND_REQUEST_CANCEL",
    "RETURN_OR_REFUND_REQUEST_COMPLETE",
    "AWAITING_BUYER_RESPONSE",
}
API_CANCEL = {
    "CANCELLATION_REQUEST_PENDING",
    "CANCELLATION_REQUEST_SUCCESS",
    "CANCELLATION_REQUEST_CANCEL",
    "CANCELLATION_REQUEST_COMPLETE",
}


def test_every_return_status_maps_one_to_one() -> None:
    assert set(m.RETURN_STATUS) == set(RETURN_STATUSES)
    assert set(m.RETURN_STATUS.values()) <= API_RETURN
    assert len(set(m.RETURN_STATUS.values())) == len(m.RETURN_STATUS)
    assert all(m.RETURN_STATUS_OF_API[v] == k for k, v in m.RETURN_STATUS.items())


def test_every_cancellation_status_maps_one_to_one() -> None:
    assert set(m.CANCEL_STATUS) == set(CANCEL_STATUSES)
    assert set(m.CANCEL_STATUS.values()) <= API_CANCEL
    assert len(set(m.CANCEL_STATUS.values())) == len(m.CANCEL_STATUS)


def test_reject_reasons_are_distinct_names() -> None:
    tables = (m.CANCEL_REJECT_REASONS, m.RETURN_REJECT_REASONS, m.PACKAGE_REJECT_REASONS)
    names = [name for table in tables for name in table]
    assert len(names) == len(set(names)) and all(names)
