"""Refusals of the returns flow, each with a stable code (mapped to HTTP in api/errors.py)."""

from __future__ import annotations

from clipshop.core.errors import Conflict, InvalidInput


class OrderNotDelivered(Conflict):
    code = "order_not_delivered"


class ReturnWindowClosed(Conflict):
    code = "return_window_closed"


class LineNotInOrder(InvalidInput):
    code = "line_not_in_order"


class LineNotReturnable(Conflict):
    code = "line_not_returnable"  # cancelled


class LineFullyRefunded(Conflict):
    code = "line_fully_refunded"


class ReturnAlreadyOpen(Conflict):
    code = "return_already_open"


class InvalidReturnStatus(Conflict):
    code = "invalid_return_status"


class DecisionNotAllowed(Conflict):
    code = "decision_not_allowed"


class AwaitingBuyerResponse(Conflict):
    code = "awaiting_buyer_response"


class NoPartialOffer(Conflict):
    code = "no_partial_refund_offer"


class PartialRefundTooLarge(Conflict):
    code = "partial_refund_exceeds_refundable"


class TooManyEvidenceFiles(Conflict):
    code = "too_many_files"
