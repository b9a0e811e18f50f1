"""The return request's state tables pinned against a copy written by hand from
docs/aftersales.md ("Returns and refunds", the decisions table), never computed from the code:
which seller decision is taken in which status for which request types, which statuses the
seller may reject in, and which the buyer may withdraw from. Adding a decision to a status
or a type, or widening a reject or withdraw, fails here.

The services that read these tables are exercised on both databases by
tests/integration/test_returns_decisions.py.
"""

from __future__ import annotations

from itertools import product

import pytest

from clipshop.aftersales import return_decisions, returns
from clipshop.aftersales.returns import ReturnStatus

R = ReturnStatus
REFUND, RETURN, REPLACEMENT = "REFUND", "RETURN_AND_REFUND", "REPLACEMENT"
TYPES = (REFUND, RETURN, REPLACEMENT)

# "| status | who | action (`decision`) | next |", the seller's rows.
EXPECTED_DECISIONS: dict[str, tuple[ReturnStatus, set[str]]] = {
    # "APPROVE_REFUND (REFUND; on RETURN_AND_REFUND a returnless refund)"
    "APPROVE_REFUND": (R.PENDING, {REFUND, RETURN}),
    "APPROVE_RETURN": (R.PENDING, {RETURN}),
    "APPROVE_REPLACEMENT": (R.PENDING, {REPLACEMENT}),
    "ISSUE_REPLACEMENT_REFUND": (R.PENDING, {REPLACEMENT}),
    # A partial refund can be offered on any request the seller has in front of it.
    "OFFER_PARTIAL_REFUND": (R.PENDING, {REFUND, RETURN, REPLACEMENT}),
    "APPROVE_RECEIVED_PACKAGE": (R.BUYER_SHIPPED_ITEM, {RETURN}),
}
# "PENDING | seller | reject", "BUYER_SHIPPED_ITEM | seller | reject".
EXPECTED_REJECTABLE = {R.PENDING, R.BUYER_SHIPPED_ITEM}
# "PENDING, AWAITING_BUYER_RESPONSE, AWAITING_BUYER_SHIP | buyer | cancel".
EXPECTED_WITHDRAWABLE = {R.PENDING, R.AWAITING_BUYER_RESPONSE, R.AWAITING_BUYER_SHIP}
# Requests still in progress: everything before a final status (the deadlines' handlers and
# evidence uploads act only on these).
EXPECTED_OPEN = {R.PENDING, R.AWAITING_BUYER_RESPONSE, R.AWAITING_BUYER_SHIP}
EXPECTED_OPEN |= {R.BUYER_SHIPPED_ITEM}


def expected_decision(decision: str, status: ReturnStatus, return_type: str) -> bool:
    needed, types = EXPECTED_DECISIONS[decision]
    return status is needed and return_type in types


@pytest.mark.parametrize(
    ("decision", "status", "return_type"),
    list(product(EXPECTED_DECISIONS, R, TYPES)),
    ids=lambda s: str(s),
)
def test_each_decision_in_each_status_for_each_type(
    decision: str, status: ReturnStatus, return_type: str
) -> None:
    needed, types = return_decisions.DECISIONS[decision]
    in_code = status is needed and return_type in types
    assert in_code == expected_decision(decision, status, return_type)


def test_no_other_decisions() -> None:
    assert set(return_decisions.DECISIONS) == set(EXPECTED_DECISIONS)
    assert set(return_decisions.ALL_TYPES) == set(TYPES)


def test_who_may_reject_and_withdraw_when() -> None:
    assert set(return_decisions.REJECTABLE) == EXPECTED_REJECTABLE
    assert set(return_decisions.WITHDRAWABLE) == EXPECTED_WITHDRAWABLE
    assert set(returns.OPEN) == EXPECTED_OPEN
