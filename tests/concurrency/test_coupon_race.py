"""A shop coupon with a total limit of 20 raced by 60 buyers on PostgreSQL, ten of whom send
two checkouts at once: exactly 20 uses, never more, at most one per buyer, each on one order
that got the coupon's cut; everyone else refused with 409 (``coupon_used_up`` or
``coupon_buyer_limit``) and charged nothing. Checkouts run through the real service
(``place_order``) from 32 threads released together."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from clipshop.catalog import inventory
from clipshop.core.clock import utcnow
from clipshop.core.db import Database
from clipshop.core.errors import Conflict
from clipshop.identity.principal import Principal
from clipshop.models import CouponUse, CouponWallet, Order, ShopCoupon
from clipshop.payments.simulated import SimulatedGateway
from tests.checkout_support import buy, create_buyers
from tests.concurrency.test_checkout_races import race
from tests.conftest import BACKENDS, World

pytestmark = pytest.mark.parametrize("database", BACKENDS[1:], indirect=True)  # PostgreSQL

BUYERS, DOUBLE, LIMIT, OFF = 60, 10, 20, 300


def _coupon(db: Database, world: World) -> int:
    now = utcnow()
    shop = world.shop_a
    with db.unit_of_work() as session:
        inventory.set_stock(session, shop.owner.principal, shop.sku_id, shop.warehouse_id, 500)
        coupon = ShopCoupon(
            shop_id=shop.id,
            code="RACE",
            title="Race",
            kind="AMOUNT",
            amount_off=OFF,
            starts_at=now - timedelta(hours=1),
            ends_at=now + timedelta(days=1),
            total_limit=LIMIT,
            per_buyer_limit=1,
        )
        session.add(coupon)
        session.flush()
        return coupon.id


def test_coupon_total_limit_raced_is_never_exceeded(db: Database, world: World) -> None:
    coupon_id = _coupon(db, world)
    shop = world.shop_a
    buyers = create_buyers(db, BUYERS, prefix="coupon")
    gateway = SimulatedGateway(db)

    def job(principal: Principal) -> Callable[[], str]:
        def run() -> str:
            try:
                buy(db, gateway, principal, {shop.sku_id: 1}, coupon_codes={shop.id: "RACE"})
            except Conflict as exc:
                return exc.code
            except Exception as exc:  # reported with the others
                return repr(exc)
            return "placed"

        return run

    jobs = [job(p) for p in buyers] + [job(p) for p in buyers[:DOUBLE]]
    results, _ = race(jobs)

    tally = Counter(results)
    assert tally["placed"] == LIMIT, tally
    assert set(tally) <= {"placed", "coupon_used_up", "coupon_buyer_limit"}, tally
    with db.unit_of_work(write=False) as session:
        assert session.get_one(ShopCoupon, coupon_id).uses == LIMIT
        uses = list(session.scalars(select(CouponUse).where(CouponUse.coupon_id == coupon_id)))
        assert len(uses) == LIMIT and len({u.buyer_id for u in uses}) == LIMIT
        wallets = session.execute(
            select(CouponWallet.buyer_id, CouponWallet.uses).where(
                CouponWallet.coupon_id == coupon_id
            )
        ).all()
        assert sum(n for _, n in wallets) == LIMIT and all(n <= 1 for _, n in wallets)
        orders = session.execute(select(Order.id, Order.seller_discount)).all()
        assert len(orders) == LIMIT  # a refused checkout placed nothing
        assert {discount for _, discount in orders} == {OFF}
        assert {o for o, _ in orders} == {u.order_id for u in uses}
        held = session.scalar(
            select(func.count()).select_from(Order).where(Order.shop_id == shop.id)
        )
        assert held == LIMIT
