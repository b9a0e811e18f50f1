"""Refusals of the returns flow, each with a stable code (mapped to HTTP in api/errors.py).
Whether a line may be asked for now is ``eligibility.NotEligible``'s."""

from __future__ import annotations

from clipshop.core.errors import Conflict, InvalidInput


class LineNotInOrder(InvalidInput):
    code = "line_not_in_order"


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
