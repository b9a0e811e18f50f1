"""The return_refund versions past 202309, over HTTP on both databases: the returns and
cancellations searches at 202602 (the same shapes, paged the same way; what a 202602 client
sends besides is ignored), and the 202512 aftersale eligibility (``request_types``,
``available_reason_names``). Answers are validated by our models of the reference's shapes."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from clipshop.aftersales.calculate import REASONS
from clipshop.aftersales.cancel_reasons import SELLER_REASONS
from clipshop.core.db import Database
from clipshop.partner import returns_schemas as api
from clipshop.partner import scopes
from tests.conftest import World
from tests.fulfillment_support import paid_orders
from tests.integration.checkout_api import advance
from tests.integration.partner_returns_support import (
    asked_to_cancel,
    cancels_page,
    delivered_orders,
    returns_page,
    search_page,
)
from tests.integration.returns_support import request_return
from tests.partner_support import PartnerClient, answer, connect, refused

NEW = "202602"
LATER_FIELDS = {"locale": "en-US", "a_field_of_a_later_version": ["x"], "arbitration_status": []}


def test_the_202602_searches_page_as_the_202309_ones(
    client: TestClient, db: Database, world: World
) -> None:
    returned = [request_return(client, world.buyer, o) for o in delivered_orders(client, world, 3)]
    asked = asked_to_cancel(client, world, 3)
    partner = connect(client, db, [world.shop_a.id], [scopes.RETURN_REFUND])

    # three pages of one, oldest first, the last page's token ""; the same shapes as 202309
    def walk(what: str, key: str, id_key: str) -> list[str]:
        seen, token, pages = [], "", 0
        while True:
            query = {"page_size": 1} | ({"page_token": token} if token else {})
            page = search_page(partner, what, LATER_FIELDS, NEW, query)
            assert page.total_count == 3 and len(getattr(page, key)) == 1
            seen += [getattr(x, id_key) for x in getattr(page, key)]
            token, pages = page.next_page_token, pages + 1
            if not token:
                assert pages == 3
                return seen

    assert walk("returns", "return_orders", "return_id") == [r["return_id"] for r in returned]
    assert walk("cancellations", "cancellations", "cancel_id") == [c["cancel_id"] for c in asked]
    assert returns_page(partner, {}, NEW) == returns_page(partner, {})
    assert cancels_page(partner, {}, NEW) == cancels_page(partner, {})
    newest = returns_page(partner, {}, NEW, sort_order="DESC", sort_field="update_time")
    assert [r.return_id for r in newest.return_orders] == [r["return_id"] for r in returned][::-1]

    # page_size is optional in these two searches (the reference's default: 10)
    path = f"/return_refund/{NEW}/returns/search"
    unsized = answer(partner.post(path, {}), api.ReturnsSearchData)
    assert len(unsized.return_orders) == 3 and unsized.next_page_token == ""
    blank = answer(partner.post(path, {}, {"page_size": ""}), api.ReturnsSearchData)
    assert blank == unsized

    # bad input is refused as at 202309; a token of another search too
    bad = partner.post(path, {"return_status": ["SOON"]}, {"page_size": 5})
    assert "return_status" in refused(bad, 400, 36009004)
    refused(partner.post(path, {}, {"page_size": 101}), 400, 36009004)
    first = returns_page(partner, {}, NEW, page_size=1)
    other = {"page_size": 1, "page_token": first.next_page_token, "sort_order": "DESC"}
    assert "page_token" in refused(partner.post(path, {}, other), 400, 36009004)
    refused(partner.post(path, {}, {"page_size": 5, "sort_field": "size"}), 400, 36009004)
    refused(
        partner.post("/return_refund/202601/returns/search", {}, {"page_size": 5}), 404, 36009005
    )

    # another shop's app finds none of them
    foreign = connect(client, db, [world.shop_b.id], [scopes.RETURN_REFUND])
    assert returns_page(foreign, {}, NEW).total_count == 0
    assert cancels_page(foreign, {}, NEW).total_count == 0


def verdicts(
    partner: PartnerClient, order_id: str, **query: Any
) -> dict[str, tuple[bool, int | None, list[str]]]:
    """The 202512 answer for a one-line order: request type -> (eligible, code, reasons)."""
    path = f"/return_refund/202512/orders/{order_id}/aftersale_eligibility"
    data = answer(partner.get(path, query), api.EligibilityData202512)
    (sku,) = data.sku_eligibility
    assert len({i for e in sku.line_item_eligibility for i in e.order_line_items_ids}) == 1
    return {
        e.request_type: (e.eligible, e.ineligible_code, e.available_reason_names)
        for e in sku.line_item_eligibility
    }


def test_the_202512_eligibility_filters_and_names_reasons(
    client: TestClient, db: Database, world: World
) -> None:
    (delivered,) = delivered_orders(client, world, 1, tag="EL")
    (waiting,) = paid_orders(client, world.buyer, {world.shop_a.sku_id: 1})
    (theirs,) = paid_orders(client, world.buyer, {world.shop_b.sku_id: 1})
    advance(client, world.admin, minutes=61)
    partner = connect(client, db, [world.shop_a.id], [scopes.RETURN_REFUND])
    reasons = list(REASONS)

    # the seller: its own return is offered on a delivered line, with the reasons it takes
    seller = verdicts(partner, delivered["id"])
    assert seller == {
        "CANCEL": (False, 36012006, []),  # shipped
        "REFUND": (True, None, reasons),
        "RETURN_AND_REFUND": (True, None, reasons),
        "REPLACEMENT": (False, 36012001, []),  # the buyer's to ask for
    }
    assert verdicts(partner, waiting["id"])["CANCEL"] == (True, None, list(SELLER_REASONS))
    assert verdicts(partner, waiting["id"])["REFUND"] == (False, 36012009, [])
    buyer = verdicts(partner, delivered["id"], initiate_aftersale_user="BUYER")
    assert buyer["REPLACEMENT"] == (True, None, reasons)

    # request_types: repeated, comma-joined or a JSON array; an unknown one is refused
    two = {"REFUND", "RETURN_AND_REFUND"}
    assert set(verdicts(partner, delivered["id"], request_types="REFUND,RETURN_AND_REFUND")) == two
    array = '["REFUND", "RETURN_AND_REFUND"]'
    assert set(verdicts(partner, delivered["id"], request_types=array)) == two
    path = f"/return_refund/202512/orders/{delivered['id']}/aftersale_eligibility"
    bad = partner.get(path, {"request_types": "EXCHANGE"})
    assert "request_types" in refused(bad, 400, 36009004)
    refused(partner.get(path, {"initiate_aftersale_user": "AGENT"}), 400, 36009004)

    # what it offers the seller, POST /returns does; then the line has nothing left
    body = {"order_id": delivered["id"], "return_type": "REFUND", "return_reason": "DAMAGED"}
    made = answer(partner.post("/return_refund/202309/returns", body), api.CreateReturnData)
    assert made.return_status == "RETURN_OR_REFUND_REQUEST_COMPLETE"
    assert verdicts(partner, delivered["id"])["REFUND"] == (False, 36012004, [])

    # 202309 answers without the reason names; another shop's order is not found
    old = partner.get(f"/return_refund/202309/orders/{waiting['id']}/aftersale_eligibility")
    assert "available_reason_names" not in old.text
    answer(old, api.EligibilityData)
    foreign = f"/return_refund/202512/orders/{theirs['id']}/aftersale_eligibility"
    refused(partner.get(foreign), 404, 36009005)
