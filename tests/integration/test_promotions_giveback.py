"""Flash-deal units given back by a completed refund on SQLite and PostgreSQL (the cancel is in
test_promotions_deals.py); a replacement keeps them sold."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from clipshop.core.db import Database
from tests.conftest import World
from tests.integration.deadline_support import Week
from tests.integration.promotion_support import claims, flash, sold, used
from tests.integration.returns_support import decide, delivered, request_return


@pytest.mark.parametrize("return_type", ["REFUND", "REPLACEMENT"])
def test_a_refund_gives_deal_units_back_a_replacement_does_not(
    client: TestClient, db: Database, world: World, week: Week, return_type: str
) -> None:
    deal = flash(client, world, quantity=5)
    order, _ = delivered(client, world, week, units=2)
    assert (sold(db, deal), used(db, deal, world.buyer.id)) == (2, 0)
    first = order["line_items"][0]["id"]
    ret = request_return(client, world.buyer, order, return_type, lines=[first])
    decision = "APPROVE_REFUND" if return_type == "REFUND" else "APPROVE_REPLACEMENT"
    decide(client, world.seller_a, ret["return_id"], decision)
    if return_type == "REFUND":
        assert sold(db, deal) == 1
        assert sorted(claims(db, deal)) == sorted(
            (int(line["id"]), line["id"] == first) for line in order["line_items"]
        )
    else:
        assert sold(db, deal) == 2
        assert not any(released for _, released in claims(db, deal))
