"""``GET /return_refund/202309/orders/{order_id}/aftersale_eligibility`` and its 202512
version: the after-sales context's own verdicts (``aftersales.eligibility``) in the API's
shape, for the seller (default) or for the buyer. The seller's ``REFUND`` and
``RETURN_AND_REFUND`` are those of a return the seller starts in the buyer's name
(``aftersales.seller_returns``: judged on the buyer's facts). 202512 adds the
``request_types`` filter and, on an eligible line, ``available_reason_names``."""

from __future__ import annotations

import dataclasses
from collections import defaultdict
from typing import Any

from sqlalchemy.orm import Session

from clipshop.aftersales import eligibility, seller_returns
from clipshop.aftersales.calculate import REASONS
from clipshop.aftersales.cancel_reasons import SELLER_REASONS
from clipshop.identity.principal import Principal, Role
from clipshop.orders import queries
from clipshop.partner import returns_paging as paging
from clipshop.partner import returns_schemas as api
from clipshop.partner.errors import invalid_parameter

# clipshop's action -> the API's request_type (the actions the API has no name for are not
# shown: REQUEST_CANCELLATION is the buyer's CANCEL while the order waits to ship).
REQUEST_TYPES = {a: a for a in ("CANCEL", "REFUND", "RETURN_AND_REFUND", "REPLACEMENT")}
# clipshop's ineligible codes as the API's integers (fixed: a client may switch on them).
INELIGIBLE_CODES = {
    "role_not_allowed": 36012001,
    "order_cancelled": 36012002,
    "line_already_cancelled": 36012003,
    "line_fully_refunded": 36012004,
    "order_not_cancellable": 36012005,
    "already_shipped": 36012006,
    "invalid_order_status": 36012007,
    "cancellation_pending": 36012008,
    "order_not_delivered": 36012009,
    "return_window_closed": 36012010,
    "return_already_open": 36012011,
    "line_settled": 36012012,
}
WHO = ("SELLER", "BUYER")
# The reason names a request of each type takes (a buyer's cancel reason is free text).
REASON_NAMES = {
    ("SELLER", "CANCEL"): list(SELLER_REASONS),
    **{(who, t): list(REASONS) for who in WHO for t in ("REFUND", "RETURN_AND_REFUND")},
    ("BUYER", "REPLACEMENT"): list(REASONS),
}
VERSIONS: dict[str, tuple[type[Any], type[Any], type[Any]]] = {
    "202309": (api.LineEligibility, api.SkuEligibility, api.EligibilityData),
    "202512": (api.LineEligibility202512, api.SkuEligibility202512, api.EligibilityData202512),
}


def _verdicts(
    session: Session, seller: Principal, order_id: int, who: str
) -> dict[int, list[eligibility.Verdict]]:
    order, facts = eligibility.facts_of(session, seller, order_id)
    if who == "BUYER":
        return _as_buyer(eligibility.evaluate(dataclasses.replace(facts, role=Role.BUYER)))
    verdicts = eligibility.evaluate(facts)
    theirs = eligibility.evaluate(seller_returns.buyer_facts(session, order))
    own = seller_returns.SELLER_RETURN_TYPES
    return {
        line: [b if v.action in own else v for v, b in zip(found, theirs[line], strict=True)]
        for line, found in verdicts.items()
    }


def _as_buyer(verdicts: dict[int, list[eligibility.Verdict]]) -> dict[int, list[Any]]:
    """The buyer's cancel of an order waiting to ship is a request (REQUEST_CANCELLATION)."""
    out = {}
    for line, found in verdicts.items():
        request = next(x for x in found if x.action == "REQUEST_CANCELLATION")
        out[line] = [
            dataclasses.replace(request, action="CANCEL")
            if v.action == "CANCEL" and not v.eligible and request.eligible
            else v
            for v in found
        ]
    return out


def check(
    session: Session,
    seller: Principal,
    shop_id: int,
    order_text: str,
    who: str,
    version: str = "202309",
    request_types: list[str] | None = None,
) -> Any:
    order = paging.order_of(session, shop_id, order_text)
    if who not in WHO:
        raise invalid_parameter("initiate_aftersale_user must be SELLER or BUYER")
    wanted = set(
        paging.one_of(request_types or list(REQUEST_TYPES), REQUEST_TYPES, "request_types")
    )
    line_model, sku_model, data_model = VERSIONS[version]
    skus = {line.id: line.sku_id for line in queries.lines_of(session, [order.id])[order.id]}
    by_sku: dict[int, list[Any]] = defaultdict(list)
    for line_id, found in _verdicts(session, seller, order.id, who).items():
        for v in found:
            if v.action not in wanted:
                continue
            code = v.ineligible_code
            fields: dict[str, Any] = {
                "request_type": REQUEST_TYPES[v.action],
                "eligible": v.eligible,
                "order_line_items_ids": [str(line_id)],
                "ineligible_code": None if code is None else INELIGIBLE_CODES.get(code, 36012099),
                "ineligible_reason": code,
            }
            if version != "202309":
                names = REASON_NAMES.get((who, v.action), []) if v.eligible else []
                fields["available_reason_names"] = names
            by_sku[skus[line_id]].append(line_model(**fields))
    return data_model(
        sku_eligibility=[
            sku_model(sku_id=str(sku), line_item_eligibility=items) for sku, items in by_sku.items()
        ]
    )
