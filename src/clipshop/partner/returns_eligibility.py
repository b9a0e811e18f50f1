"""``GET /return_refund/202309/orders/{order_id}/aftersale_eligibility``: the after-sales
context's own verdicts (``aftersales.eligibility``) in the API's shape, for the seller
(default: in clipshop a seller may only cancel) or for the buyer."""

from __future__ import annotations

import dataclasses
from collections import defaultdict

from sqlalchemy.orm import Session

from clipshop.aftersales import eligibility
from clipshop.identity.principal import Principal, Role
from clipshop.models import Order
from clipshop.orders import queries
from clipshop.partner import returns_schemas as api
from clipshop.partner.errors import invalid_parameter, not_found

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


def check(
    session: Session, seller: Principal, shop_id: int, order_id: int, who: str
) -> api.EligibilityData:
    found = session.get(Order, order_id)
    if found is None or found.shop_id != shop_id:
        raise not_found(f"no order {order_id} in this shop")
    if who not in ("SELLER", "BUYER"):
        raise invalid_parameter("initiate_aftersale_user must be SELLER or BUYER")
    order, facts = eligibility.facts_of(session, seller, order_id)
    if who == "BUYER":
        facts = dataclasses.replace(facts, role=Role.BUYER)
    verdicts = eligibility.evaluate(facts)
    skus = {line.id: line.sku_id for line in queries.lines_of(session, [order.id])[order.id]}
    by_sku: dict[int, list[api.LineEligibility]] = defaultdict(list)
    for line_id, found_verdicts in verdicts.items():
        for v in found_verdicts:
            action = v.action
            if who == "BUYER" and action == "CANCEL" and not v.eligible:
                # the buyer's cancel of an order waiting to ship is a request
                request = next(x for x in found_verdicts if x.action == "REQUEST_CANCELLATION")
                v = dataclasses.replace(request, action="CANCEL") if request.eligible else v
            if action not in REQUEST_TYPES:
                continue
            code = v.ineligible_code
            by_sku[skus[line_id]].append(
                api.LineEligibility(
                    request_type=REQUEST_TYPES[action],
                    eligible=v.eligible,
                    order_line_items_ids=[str(line_id)],
                    ineligible_code=None if code is None else INELIGIBLE_CODES.get(code, 36012099),
                    ineligible_reason=code,
                )
            )
    return api.EligibilityData(
        sku_eligibility=[
            api.SkuEligibility(sku_id=str(sku), line_item_eligibility=items)
            for sku, items in by_sku.items()
        ]
    )
