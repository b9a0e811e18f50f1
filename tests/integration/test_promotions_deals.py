"""Price-level promotions through the API on SQLite and PostgreSQL: each kind in a quote and an
order, the lowest price wins, live-only prices, flash-deal fallback beyond its quantity and the
per-buyer limit, a deal lost between quote and take (fallback or 409), restricted shops,
sources, and the give-back on cancel and refund."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import update

from clipshop.core.clock import utcnow
from clipshop.core.db import Database
from clipshop.identity.principal import Role
from clipshop.models import LiveSession, Order, Promotion, Shop, SkuDiscount
from clipshop.pricing import rows as pricing_rows
from clipshop.promotions import giveback
from tests.conftest import World, make_actor, problem_code
from tests.integration.checkout_api import (
    API,
    OK_CARD,
    add_card,
    cancel,
    checkout,
    get_order,
    minor,
    ok,
    order_count,
    post_checkout,
    quote,
    stock,
)
from tests.integration.promotion_support import (
    claims,
    create,
    cuts,
    flash,
    live_session,
    post_promotion,
    promotion_body,
    sold,
    used,
)

SKU_PRICE = 1000  # shop A's SKU: 10.00 USD


def prices(order: dict[str, Any]) -> list[int]:
    return sorted(int(line["sale_price"]["minor_units"]) for line in order["line_items"])


def test_product_discount_in_the_quote_and_the_order(
    client: TestClient, db: Database, world: World
) -> None:
    promo = create(client, world, percent_off=20)
    q = ok(quote(client, world.buyer, {world.shop_a.sku_id: 2}))
    assert cuts(q) == [[("PRODUCT_DISCOUNT", 200)]] * 2
    line = q["orders"][0]["line_items"][0]
    assert line["cuts"][0]["promotion_id"] == str(promo)
    assert line["cuts"][0]["funded_by"] == "SELLER"
    assert q["orders"][0]["funded_by"]["SELLER"]["minor_units"] == 400
    add_card(client, world.buyer, OK_CARD, make_default=True)
    order = checkout(client, world.buyer, {world.shop_a.sku_id: 2})["orders"][0]
    assert prices(order) == [800, 800]
    assert minor(order, "seller_discount") == 400
    assert [released for _, released in claims(db, promo)] == [False, False]


def test_the_lowest_price_wins_and_the_voucher_is_a_platform_cut(
    client: TestClient, db: Database, world: World
) -> None:
    now = utcnow()
    with db.unit_of_work() as session:
        session.add(
            SkuDiscount(
                shop_id=world.shop_a.id,
                sku_id=world.shop_a.sku_id,
                discount_amount=150,
                starts_at=now - timedelta(days=1),
                ends_at=now + timedelta(days=1),
            )
        )
    create(client, world, percent_off=10)  # 100 off: less than the SKU discount
    q = ok(quote(client, world.buyer, {world.shop_a.sku_id: 1}))
    assert cuts(q) == [[("SKU_DISCOUNT", 150)]]
    best = create(client, world, deal_price=700)  # 300 off
    flash(client, world, quantity=5, price=750)  # 250 off
    q = ok(quote(client, world.buyer, {world.shop_a.sku_id: 1}))
    assert cuts(q) == [[("PRODUCT_DISCOUNT", 300)]]
    assert q["orders"][0]["line_items"][0]["cuts"][0]["promotion_id"] == str(best)


def test_flash_deal_prices_units_within_its_quantity_and_the_buyers_limit(
    client: TestClient, db: Database, world: World
) -> None:
    deal = flash(client, world, quantity=3, per_buyer_limit=2)
    q = ok(quote(client, world.buyer, {world.shop_a.sku_id: 3}))
    assert cuts(q) == [[("FLASH_DEAL", 500)], [("FLASH_DEAL", 500)], []]
    add_card(client, world.buyer, OK_CARD, make_default=True)
    order = checkout(client, world.buyer, {world.shop_a.sku_id: 3})["orders"][0]
    assert prices(order) == [500, 500, 1000]
    assert (sold(db, deal), used(db, deal, world.buyer.id)) == (2, 2)
    # the buyer's limit is used up: a normal price now
    assert cuts(ok(quote(client, world.buyer, {world.shop_a.sku_id: 1}))) == [[]]
    # another buyer gets the one unit left, then the normal price
    other = make_actor(db, Role.BUYER, "other@test.dev")
    add_card(client, other, OK_CARD, make_default=True)
    deal_now = ok(client.get(f"{API}/skus/{world.shop_a.sku_id}/deal", headers=other.headers))
    assert (deal_now["remaining_quantity"], deal_now["deal_price"]) == (1, 500)
    order = checkout(client, other, {world.shop_a.sku_id: 2})["orders"][0]
    assert prices(order) == [500, 1000]
    assert sold(db, deal) == 3
    gone = client.get(f"{API}/skus/{world.shop_a.sku_id}/deal", headers=other.headers)
    assert (gone.status_code, problem_code(gone)) == (404, "no_live_deal")
    assert stock(client, world.seller_a, world.shop_a.sku_id) == (5, 5)


@pytest.mark.parametrize("on_sold_out", ["FALLBACK", "REFUSE"])
def test_a_deal_sold_out_between_quote_and_take(
    client: TestClient,
    db: Database,
    world: World,
    monkeypatch: pytest.MonkeyPatch,
    on_sold_out: str,
) -> None:
    """The checkout's own read still sees a unit (a stale read, as in a race), the take finds
    none: the buyer pays the normal price, or gets 409 with nothing written."""
    deal = flash(client, world, quantity=1, on_sold_out=on_sold_out)
    other = make_actor(db, Role.BUYER, "other@test.dev")
    add_card(client, other, OK_CARD, make_default=True)
    add_card(client, world.buyer, OK_CARD, make_default=True)
    assert prices(checkout(client, other, {world.shop_a.sku_id: 1})["orders"][0]) == [500]
    read = pricing_rows._read_offers
    monkeypatch.setattr(
        pricing_rows,
        "_read_offers",
        lambda result: [o.__class__(**(vars(o) | {"sold": 0})) for o in read(result)],
    )
    orders, before = order_count(db), stock(client, world.seller_a, world.shop_a.sku_id)
    response = post_checkout(client, world.buyer, {world.shop_a.sku_id: 1})
    if on_sold_out == "REFUSE":
        assert (response.status_code, problem_code(response)) == (409, "flash_deal_sold_out")
        assert order_count(db) == orders
        assert stock(client, world.seller_a, world.shop_a.sku_id) == before
    else:
        assert response.status_code == 201, response.text
        assert prices(response.json()["orders"][0]) == [SKU_PRICE]
    assert sold(db, deal) == 1
    assert used(db, deal, world.buyer.id) == 0


def test_live_only_price_applies_only_from_its_live_while_it_is_live(
    client: TestClient, db: Database, world: World
) -> None:
    live = live_session(db, world)
    create(client, world, deal_price=600, live_session_id=str(live))
    items = {world.shop_a.sku_id: 1}
    source = {"type": "LIVE", "id": str(live)}
    assert cuts(ok(quote(client, world.buyer, items))) == [[]]
    assert cuts(ok(quote(client, world.buyer, items, source=source))) == [[("LIVE_PRICE", 400)]]
    add_card(client, world.buyer, OK_CARD, make_default=True)
    placed = checkout(client, world.buyer, items, source=source)["orders"][0]
    assert prices(placed) == [600]
    with db.unit_of_work(write=False) as session:
        row = session.get_one(Order, int(placed["id"]))
        assert (row.source_type, row.source_id) == ("LIVE", live)
    with db.unit_of_work() as session:
        session.execute(update(LiveSession).where(LiveSession.id == live).values(status="ENDED"))
    assert cuts(ok(quote(client, world.buyer, items, source=source))) == [[]]
    refused = post_promotion(
        client,
        world.seller_a,
        world.shop_a.id,
        **promotion_body(world.shop_a.sku_id, deal_price=600, live_session_id=str(live)),
    )
    assert (refused.status_code, problem_code(refused)) == (409, "live_session_not_live")


def test_unknown_sources_are_refused(client: TestClient, db: Database, world: World) -> None:
    items = {world.shop_a.sku_id: 1}
    for source in (
        {"type": "LIVE", "id": "123456"},
        {"type": "VIDEO", "id": "123456"},
        {"type": "SHOWCASE", "id": str(world.seller_b.id)},  # not a creator
    ):
        response = quote(client, world.buyer, items, source=source)
        assert (response.status_code, problem_code(response)) == (404, "source_not_found")
    orders = order_count(db)
    add_card(client, world.buyer, OK_CARD, make_default=True)
    response = post_checkout(client, world.buyer, items, source={"type": "LIVE", "id": "9"})
    assert (response.status_code, order_count(db)) == (404, orders)
    creator = make_actor(db, Role.CREATOR, "creator@test.dev")
    showcase = {"type": "SHOWCASE", "id": str(creator.id)}
    placed = checkout(client, world.buyer, items, source=showcase)["orders"][0]
    with db.unit_of_work(write=False) as session:
        row = session.get_one(Order, int(placed["id"]))
        assert (row.source_type, row.source_id) == ("SHOWCASE", creator.id)


def test_a_restricted_shop_creates_no_promotion_and_runs_none(
    client: TestClient, db: Database, world: World
) -> None:
    promo = create(client, world, percent_off=30)
    with db.unit_of_work() as session:
        session.execute(
            update(Shop).where(Shop.id == world.shop_a.id).values(standing="RESTRICTED")
        )
    body = promotion_body(world.shop_a.sku_id, percent_off=10)
    refused = post_promotion(client, world.seller_a, world.shop_a.id, **body)
    assert (refused.status_code, problem_code(refused)) == (409, "shop_restricted")
    with db.unit_of_work(write=False) as session:
        assert session.query(Promotion).count() == 1
    assert cuts(ok(quote(client, world.buyer, {world.shop_a.sku_id: 1}))) == [[]]
    assert promo


def test_promotions_are_scoped_by_shop(client: TestClient, db: Database, world: World) -> None:
    promo = create(client, world, percent_off=30)
    url = f"{API}/shops/{world.shop_a.id}/promotions/{promo}"
    foreign = client.get(url, headers=world.seller_b.headers)
    assert foreign.status_code == 404
    other_sku = promotion_body(world.shop_b.sku_id, percent_off=10)
    response = post_promotion(client, world.seller_a, world.shop_a.id, **other_sku)
    assert response.status_code == 404
    changed = ok(client.patch(url, json={"percent_off": 40}, headers=world.seller_a.headers))
    assert changed["percent_off"] == 40
    done = client.post(f"{url}/deactivate", headers=world.seller_a.headers)
    assert ok(done)["active"] is False
    assert cuts(ok(quote(client, world.buyer, {world.shop_a.sku_id: 1}))) == [[]]
    listed = ok(
        client.get(f"{API}/shops/{world.shop_a.id}/promotions", headers=world.seller_a.headers)
    )
    assert [p["id"] for p in listed] == [str(promo)]


def test_cancel_gives_back_deal_units_once(client: TestClient, db: Database, world: World) -> None:
    deal = flash(client, world, quantity=2, per_buyer_limit=2)
    add_card(client, world.buyer, OK_CARD, make_default=True)
    order = checkout(client, world.buyer, {world.shop_a.sku_id: 2})["orders"][0]
    assert (sold(db, deal), used(db, deal, world.buyer.id)) == (2, 2)
    ok(cancel(client, world.buyer, order["id"]))
    assert get_order(client, world.buyer, order["id"])["status"] == "CANCELLED"
    assert (sold(db, deal), used(db, deal, world.buyer.id)) == (0, 0)
    assert [released for _, released in claims(db, deal)] == [True, True]
    with db.unit_of_work() as session:  # again: nothing more goes back
        assert giveback.give_back_lines(session, [line for line, _ in claims(db, deal)]) == 0
    assert sold(db, deal) == 0
