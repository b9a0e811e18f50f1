"""FIXED_PRICE, DIRECT_DISCOUNT and FLASHSALE activities over the native per-SKU promotions
(``promotions.deals``). clipshop keeps no activity row: an activity is the group of the shop's
promotions of one kind and price mode sharing title, window and live session, and its id is
the group's first (lowest) promotion id. Removing a product deactivates its rows; an activity
whose rows are all deactivated reads DEACTIVATED (docs/tiktok-api.md#promotions)."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from clipshop.identity.principal import Principal
from clipshop.models import Promotion, Shop, Sku
from clipshop.partner import promotions_base as base
from clipshop.partner import promotions_schemas as api
from clipshop.partner.errors import invalid_parameter, not_found
from clipshop.promotions import deals
from clipshop.promotions.deal_schemas import PromotionIn, PromotionUpdate

TYPES = ("FIXED_PRICE", "DIRECT_DISCOUNT", "FLASHSALE")


def type_of(row: Promotion) -> str:
    if row.kind == "FLASH_DEAL":
        return "FLASHSALE"
    return "DIRECT_DISCOUNT" if row.percent_off is not None else "FIXED_PRICE"


def _key(row: Promotion) -> tuple[object, ...]:
    return (
        type_of(row),
        row.title,
        base.unix_time(row.starts_at),
        base.unix_time(row.ends_at),
        row.live_session_id,
    )


def groups(session: Session, shop_id: int, title: str | None = None) -> list[list[Promotion]]:
    """The shop's promotions grouped as activities, each group ordered by id."""
    stmt = select(Promotion).where(Promotion.shop_id == shop_id).order_by(Promotion.id)
    if title is not None:
        stmt = stmt.where(Promotion.title == title)
    found: dict[tuple[object, ...], list[Promotion]] = defaultdict(list)
    for row in session.scalars(stmt):
        found[_key(row)].append(row)
    return list(found.values())


def group(session: Session, shop_id: int, activity_id: int) -> list[Promotion] | None:
    """The activity whose id is ``activity_id`` (its first promotion), else None."""
    head = session.get(Promotion, activity_id)
    if head is None or head.shop_id != shop_id:
        return None
    rows = [r for r in groups(session, shop_id, head.title) if r[0].id == activity_id]
    return rows[0] if rows else None


@dataclass(frozen=True)
class Terms:
    """One SKU's terms in the activity, as the native promotion keeps them."""

    deal_price: int | None
    percent_off: int | None
    quantity: int | None
    per_buyer_limit: int | None


def _terms(kind: str, given: api.ProductIn | api.SkuIn, currency: str, where: str) -> Terms:
    flash = kind == "FLASHSALE"
    price = percent = None
    if kind == "DIRECT_DISCOUNT":
        if given.discount is None:
            raise invalid_parameter(f"{where}.discount is required for DIRECT_DISCOUNT")
        percent = base.whole(given.discount, f"{where}.discount", 1, 99)
    else:
        if given.activity_price_amount is None:
            raise invalid_parameter(f"{where}.activity_price_amount is required for {kind}")
        price = base.minor_units(
            given.activity_price_amount, currency, f"{where}.activity_price_amount"
        )
    if flash and given.quantity_limit < 1:
        raise invalid_parameter(f"{where}.quantity_limit: a flash deal needs its deal units (>= 1)")
    if not flash and (given.quantity_limit != -1 or given.quantity_per_user != -1):
        raise invalid_parameter(
            f"{where}: quantity_limit and quantity_per_user are -1 outside FLASHSALE (clipshop "
            "limits units per deal and buyer for flash deals only)"
        )
    if given.quantity_limit == 0 or given.quantity_per_user == 0:
        raise invalid_parameter(f"{where}: a limit is -1 (unlimited) or at least 1")
    return Terms(
        price,
        percent,
        given.quantity_limit if flash else None,
        given.quantity_per_user if flash and given.quantity_per_user > 0 else None,
    )


def _wanted(
    session: Session, shop: Shop, kind: str, products: list[api.ProductIn]
) -> dict[int, Terms]:
    """SKU id -> its terms, from the body's products (a product without ``skus``: each of its
    SKUs, at the product's terms)."""
    wanted: dict[int, Terms] = {}
    for i, given in enumerate(products):
        where = f"products[{i}]"
        product_id = base.id_of(given.id, f"{where}.id")
        skus = {
            s.id: s
            for s in session.scalars(
                select(Sku).where(Sku.product_id == product_id, Sku.shop_id == shop.id)
            )
        }
        if not skus:
            raise not_found(f"{where}: no product {product_id} in this shop")
        if not given.skus:
            terms = _terms(kind, given, shop.currency, where)
            wanted.update(dict.fromkeys(skus, terms))
        for j, sku in enumerate(given.skus):
            sku_id = base.id_of(sku.id, f"{where}.skus[{j}].id")
            if sku_id not in skus:
                raise not_found(f"{where}.skus[{j}]: SKU {sku_id} is not of product {product_id}")
            wanted[sku_id] = _terms(kind, sku, shop.currency, f"{where}.skus[{j}]")
    return wanted


class Deals:
    """One activity of per-SKU promotions (``rows``, the first one its id)."""

    def __init__(self, session: Session, shop: Shop, rows: list[Promotion]) -> None:
        self.session, self.shop, self.rows = session, shop, rows
        self.head = rows[0]
        self.kind = type_of(self.head)

    def state(self, now: datetime) -> str:
        live = any(r.active for r in self.rows)
        return base.status(self.shop, live, self.head.starts_at, self.head.ends_at, now)

    def detail(self, now: datetime) -> api.ActivityDetail:
        live = [r for r in self.rows if r.active]
        skus = {
            s.id: s
            for s in self.session.scalars(select(Sku).where(Sku.id.in_([r.sku_id for r in live])))
        }
        siblings = self._sku_counts({s.product_id for s in skus.values()})
        by_product: dict[int, list[Promotion]] = defaultdict(list)
        for row in live:
            by_product[skus[row.sku_id].product_id].append(row)
        products = [self._product(pid, rows, siblings[pid]) for pid, rows in by_product.items()]
        uniform = all(p.activity_price is not None or p.discount is not None for p in products)
        return api.ActivityDetail(
            activity_id=str(self.head.id),
            title=self.head.title,
            activity_type=self.kind,
            status=self.state(now),
            begin_time=base.unix_time(self.head.starts_at),
            end_time=base.unix_time(self.head.ends_at),
            create_time=base.unix_time(self.head.created_at),
            update_time=max(base.unix_time(r.updated_at) for r in self.rows),
            product_level="PRODUCT" if products and uniform else "VARIATION",
            products=products,
        )

    def _sku_counts(self, product_ids: set[int]) -> dict[int, int]:
        counts: dict[int, int] = defaultdict(int)
        for pid in self.session.scalars(
            select(Sku.product_id).where(Sku.product_id.in_(product_ids))
        ):
            counts[pid] += 1
        return counts

    def _sku(self, row: Promotion) -> api.SkuOut:
        return api.SkuOut(
            id=str(row.sku_id),
            activity_price=None
            if row.deal_price is None
            else base.price(row.deal_price, self.shop.currency),
            discount=None if row.percent_off is None else str(row.percent_off),
            quantity_limit=row.quantity if row.quantity is not None else -1,
            quantity_per_user=row.per_buyer_limit if row.per_buyer_limit is not None else -1,
        )

    def _product(self, product_id: int, rows: list[Promotion], sku_count: int) -> api.ProductOut:
        skus = [self._sku(r) for r in sorted(rows, key=lambda r: r.sku_id)]
        terms = {
            (s.activity_price, s.discount, s.quantity_limit, s.quantity_per_user) for s in skus
        }
        whole_product = len(skus) == sku_count and len(terms) == 1
        first = skus[0]
        return api.ProductOut(
            id=str(product_id),
            activity_price=first.activity_price if whole_product else None,
            discount=first.discount if whole_product else None,
            quantity_limit=first.quantity_limit if whole_product else -1,
            quantity_per_user=first.quantity_per_user if whole_product else -1,
            skus=skus,
        )

    def update(self, who: Principal, title: str | None, begins: datetime, ends: datetime) -> None:
        if title is not None and title != self.head.title:
            base.title_taken(self.session, self.shop.id, title, {r.id for r in self.rows})
        fields = {"starts_at": begins, "ends_at": ends} | ({"title": title} if title else {})
        change = base.checked(PromotionUpdate, fields)
        for row in self.rows:
            deals.update(self.session, who, self.shop.id, row.id, change)

    def put_products(self, who: Principal, products: list[api.ProductIn]) -> int:
        wanted = _wanted(self.session, self.shop, self.kind, products)
        current = {r.sku_id: r for r in self.rows if r.active}
        for sku_id, terms in wanted.items():
            row = current.get(sku_id)
            if row is None:
                self.rows.append(create_row(self.session, who, self.shop, self.head, sku_id, terms))
                continue
            fields = {"quantity": terms.quantity, "per_buyer_limit": terms.per_buyer_limit}
            fields |= (
                {"deal_price": terms.deal_price}
                if terms.percent_off is None
                else {"percent_off": terms.percent_off}
            )
            change = base.checked(PromotionUpdate, fields)
            deals.update(self.session, who, self.shop.id, row.id, change)
        return len(wanted)

    def remove(self, who: Principal, product_ids: list[int], sku_ids: list[int]) -> None:
        live = [r for r in self.rows if r.active]
        products = {
            s.id: s.product_id
            for s in self.session.scalars(select(Sku).where(Sku.id.in_([r.sku_id for r in live])))
        }
        hit = [r for r in live if r.sku_id in sku_ids or products[r.sku_id] in product_ids]
        missing = (set(sku_ids) - {r.sku_id for r in hit}) | (
            set(product_ids) - {products[r.sku_id] for r in hit}
        )
        if missing:
            raise not_found(f"not in this activity: {', '.join(str(x) for x in sorted(missing))}")
        for row in hit:
            deals.deactivate(self.session, who, self.shop.id, row.id)

    def deactivate(self, who: Principal) -> None:
        for row in self.rows:
            if row.active:
                deals.deactivate(self.session, who, self.shop.id, row.id)


@dataclass(frozen=True)
class Like:
    """What the SKUs' promotions of one activity share."""

    kind: str
    title: str
    starts_at: datetime
    ends_at: datetime
    live_session_id: int | None = None


def create_row(
    session: Session, who: Principal, shop: Shop, like: Like | Promotion, sku_id: int, terms: Terms
) -> Promotion:
    """One SKU's native promotion in the activity ``like`` (its kind, title, window)."""
    fields = {
        "kind": like.kind,
        "sku_id": sku_id,
        "title": like.title,
        "percent_off": terms.percent_off,
        "deal_price": terms.deal_price,
        "starts_at": base.aware(like.starts_at),
        "ends_at": base.aware(like.ends_at),
        "quantity": terms.quantity,
        "per_buyer_limit": terms.per_buyer_limit,
        "live_session_id": like.live_session_id,
    }
    return deals.create(session, who, shop.id, base.checked(PromotionIn, fields))


def create(
    session: Session,
    who: Principal,
    shop: Shop,
    body: api.CreateActivity,
    begins: datetime,
    ends: datetime,
) -> Deals:
    if body.product_level not in ("PRODUCT", "VARIATION"):
        raise invalid_parameter(f"product_level of {body.activity_type} is PRODUCT or VARIATION")
    if not body.products:
        raise invalid_parameter(
            "products: clipshop keeps an activity as its SKUs' promotions and cannot keep an "
            "empty one; send the products (as for PUT .../products) in the create body"
        )
    base.title_taken(session, shop.id, body.title, set())
    wanted = _wanted(session, shop, body.activity_type, body.products)
    kind = "FLASH_DEAL" if body.activity_type == "FLASHSALE" else "PRODUCT_DISCOUNT"
    like = Like(kind, body.title, begins, ends)
    rows = [
        create_row(session, who, shop, like, sku_id, terms)
        for sku_id, terms in sorted(wanted.items())
    ]
    return Deals(session, shop, rows)
