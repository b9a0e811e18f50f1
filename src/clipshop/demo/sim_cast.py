"""The cast of a ``clipshop sim`` day: the demo shops (seeded if absent) and their sellers,
the sim's buyers (kept between runs), each with a card that pays and one that is declined,
and stock for what the day will sell."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from clipshop.catalog import inventory
from clipshop.core.clock import utcnow
from clipshop.core.db import Database
from clipshop.demo.seed import DOMAIN, SHOPS, seed_demo
from clipshop.demo.sim_script import Script
from clipshop.identity.principal import Principal, Role
from clipshop.identity.users import create_user, principal_for
from clipshop.models import PaymentMethod, Shop, ShopMember, Sku, User
from clipshop.payments import methods
from clipshop.payments.simulated import tokenize_card

OK_CARD, DECLINED_CARD = "4242424242424242", "4000000000000002"


@dataclass
class Cast:
    buyers: list[Principal]
    cards: list[tuple[int, int]]  # per buyer: (ok card, declined card)
    sellers: dict[str, Principal]  # by shop name
    skus: dict[tuple[str, str], int]  # (shop name, seller_sku) -> sku id


def _demo_shops(session: Session) -> dict[str, Shop]:
    found = {}
    for spec in SHOPS:
        email = f"{str(spec['owner']).replace('_', '.')}@{DOMAIN}"
        shop = session.scalar(
            select(Shop)
            .join(ShopMember, ShopMember.shop_id == Shop.id)
            .join(User, User.id == ShopMember.user_id)
            .where(User.email == email, Shop.name == spec["name"])
        )
        if shop is not None:
            found[shop.name] = shop
    return found


def _buyer(session: Session, index: int) -> tuple[Principal, tuple[int, int]]:
    """The sim's buyer number ``index`` (kept between runs) with an ok and a declined card."""
    email = f"sim.buyer{index}@{DOMAIN}"
    user = session.scalar(select(User).where(User.email == email))
    if user is None:
        born = date(utcnow().year - 30, 6, 1)
        user = create_user(
            session, email=email, name=f"Sim Buyer {index}", role=Role.BUYER, date_of_birth=born
        )
    principal = principal_for(session, user)
    cards = {
        m.last4: m.id
        for m in session.scalars(
            select(PaymentMethod).where(
                PaymentMethod.buyer_id == user.id, PaymentMethod.removed_at.is_(None)
            )
        )
    }
    for number in (OK_CARD, DECLINED_CARD):
        if number[-4:] not in cards:
            card = tokenize_card(number, 12, utcnow().year + 3, "123")
            saved = methods.save_method(session, principal, card, make_default=number == OK_CARD)
            cards[number[-4:]] = saved.id
    return principal, (cards[OK_CARD[-4:]], cards[DECLINED_CARD[-4:]])


def cast(db: Database, scripts: list[Script]) -> Cast:
    """Seed the demo world if it is absent, create the buyers, and restock what the day
    will sell (above each SKU's low-stock threshold, so nothing is delisted)."""
    with db.unit_of_work() as session:
        if len(_demo_shops(session)) < len(SHOPS):
            seed_demo(session)
    with db.unit_of_work() as session:
        shops = _demo_shops(session)
        sellers, skus = {}, {}
        for name, shop in shops.items():
            owner = session.scalar(
                select(User)
                .join(ShopMember, ShopMember.user_id == User.id)
                .where(ShopMember.shop_id == shop.id, ShopMember.role == "OWNER")
            )
            assert owner is not None
            sellers[name] = principal_for(session, owner)
            for sku in session.scalars(select(Sku).where(Sku.shop_id == shop.id)):
                skus[(name, sku.seller_sku)] = sku.id
        demand: dict[tuple[str, str], int] = {}
        for script in scripts:
            for code, quantity in script.items:
                demand[(script.shop, code)] = demand.get((script.shop, code), 0) + quantity
        for (name, code), units in sorted(demand.items()):
            sku = session.get_one(Sku, skus[(name, code)])
            level = inventory.sku_stock(session, sellers[name], sku.id).levels[0]
            inventory.adjust_stock(
                session,
                sellers[name],
                sku.id,
                level.warehouse_id,
                units + (sku.low_stock_threshold or 0),
                note="clipshop sim: stock for the day",
            )
        pairs = [_buyer(session, i) for i in range(len(scripts))]
    return Cast([p for p, _ in pairs], [c for _, c in pairs], sellers, skus)
