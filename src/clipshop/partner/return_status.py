"""clipshop's return and cancellation statuses mapped one to one onto the seller API's
return_refund names (docs/tiktok-api.md#return-and-cancellation-statuses), the seller's next
action while a request waits for it, and the reasons a seller may reject with."""

from __future__ import annotations

from clipshop.aftersales.returns import ReturnStatus

R = ReturnStatus

# clipshop return status -> API ``return_status`` (the after-sales context already uses the
# reference's names; the table says so explicitly and a unit test checks it is a bijection).
RETURN_STATUS: dict[str, str] = {
    R.PENDING: "RETURN_OR_REFUND_REQUEST_PENDING",
    R.AWAITING_BUYER_RESPONSE: "AWAITING_BUYER_RESPONSE",
    R.AWAITING_BUYER_SHIP: "AWAITING_BUYER_SHIP",
    R.BUYER_SHIPPED_ITEM: "BUYER_SHIPPED_ITEM",
    R.REJECT_RECEIVE_PACKAGE: "REJECT_RECEIVE_PACKAGE",
    R.SUCCESS: "RETURN_OR_REFUND_REQUEST_SUCCESS",
    R.REJECT: "REFUND_OR_RETURN_REQUEST_REJECT",
    R.CANCEL: "RETURN_OR_REFUND_REQUEST_CANCEL",
    R.COMPLETE: "RETURN_OR_REFUND_REQUEST_COMPLETE",
}
RETURN_STATUS_OF_API = {api: ours for ours, api in RETURN_STATUS.items()}

# clipshop cancellation status -> API ``cancel_status``. CANCELLATION_REQUEST_SUCCESS is in
# the API's list but clipshop never stores it (approval and its effects are one transaction).
CANCEL_STATUS: dict[str, str] = {
    "CANCELLATION_REQUEST_PENDING": "CANCELLATION_REQUEST_PENDING",
    "CANCELLATION_REQUEST_SUCCESS": "CANCELLATION_REQUEST_SUCCESS",
    "CANCELLATION_REQUEST_CANCEL": "CANCELLATION_REQUEST_CANCEL",
    "CANCELLATION_REQUEST_COMPLETE": "CANCELLATION_REQUEST_COMPLETE",
}
CANCEL_STATUS_OF_API = {api: ours for ours, api in CANCEL_STATUS.items()}

# What the seller has to do next, by return status and type (``seller_next_action_response``).
PENDING_ACTION = {
    "REFUND": "SELLER_RESPOND_REFUND",
    "RETURN_AND_REFUND": "SELLER_RESPOND_RETURN",
    "REPLACEMENT": "SELLER_RESPOND_REPLACEMENT",
}
RECEIVE_ACTION = "SELLER_RESPOND_RECEIVE_PACKAGE"

# The reasons a seller may reject with (GET /return_refund/202309/reject_reasons): name -> text.
CANCEL_REJECT_REASONS = {
    "seller_reject_cancel_already_packed": "The order has already been packed",
    "seller_reject_cancel_already_shipped": "The order has already been shipped",
    "seller_reject_cancel_buyer_agreed": "The buyer agreed to keep the order",
}
RETURN_REJECT_REASONS = {
    "seller_reject_return_not_as_claimed": "The item is as described and undamaged",
    "seller_reject_return_outside_policy": "The request is outside the return policy",
    "seller_reject_return_used_item": "The item has been used",
}
PACKAGE_REJECT_REASONS = {
    "seller_reject_package_not_received": "The returned package did not arrive",
    "seller_reject_package_wrong_item": "The package holds another item",
    "seller_reject_package_damaged_by_buyer": "The item came back damaged",
}
