"""The seller API's promotion activities (docs/tiktok-api.md#promotions): create, search, get,
update, deactivate, and an activity's products, as thin adapters over the native promotions,
made as the shop's seller (so a RESTRICTED shop is refused as natively). The kinds:
``promotions_deals`` (FIXED_PRICE, DIRECT_DISCOUNT, FLASHSALE), ``promotions_shop``
(BUY_MORE_SAVE_MORE, SHIPPING_DISCOUNT)."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Protocol, TypeVar

from pydantic import BaseModel
from sqlalchemy import select
from sqlalchemy.orm import Session

from clipshop.core.clock import utcnow
from clipshop.identity.principal import Principal
from clipshop.models import Bundle, FreeShippingPromotion, Shop
from clipshop.partner import promotions_base as base
from clipshop.partner import promotions_deals as product_deals
from clipshop.partner import promotions_schemas as api
from clipshop.partner import promotions_shop as shop_kinds
from clipshop.partner.errors import invalid_parameter, not_found
from clipshop.partner.paging import decode_token, encode_token

TYPES = (*product_deals.TYPES, "SHIPPING_DISCOUNT", "BUY_MORE_SAVE_MORE")
STATUSES = ("DRAFT", "NOT_START", "ONGOING", "EXPIRED", "DEACTIVATED", "NOT_EFFECTIVE")
DEFAULT_PAGE_SIZE = 50
A = TypeVar("A", bound=BaseModel)


class Activity(Protocol):
    kind: str

    def state(self, now: datetime) -> str: ...
    def detail(self, now: datetime) -> api.ActivityDetail: ...
    def update(
        self, who: Principal, title: str | None, begins: datetime, ends: datetime
    ) -> None: ...
    def put_products(self, who: Principal, products: list[api.ProductIn]) -> int: ...
    def remove(self, who: Principal, product_ids: list[int], sku_ids: list[int]) -> None: ...
    def deactivate(self, who: Principal) -> None: ...


def find(session: Session, shop: Shop, activity_id: str) -> Activity:
    """The shop's activity ``activity_id`` (ids are unique across tables); 36009005 else."""
    wanted = base.id_of(activity_id, "activity_id")
    rows = product_deals.group(session, shop.id, wanted)
    if rows is not None:
        return product_deals.Deals(session, shop, rows)
    bundle = session.get(Bundle, wanted)
    if bundle is not None and bundle.shop_id == shop.id and bundle.kind == "TIERS":
        return shop_kinds.Tiers(session, shop, bundle)
    free = session.get(FreeShippingPromotion, wanted)
    if free is not None and free.shop_id == shop.id:
        return shop_kinds.Shipping(session, shop, free)
    raise not_found(f"no activity {wanted} in this shop")


def create(session: Session, who: Principal, shop: Shop, body: api.CreateActivity) -> api.Created:
    if body.activity_type not in TYPES:
        raise invalid_parameter("activity_type must be one of " + ", ".join(TYPES))
    if body.duration_type != "NORMAL":
        raise invalid_parameter("duration_type: clipshop's activities are NORMAL (they end)")
    begins, ends = base.window(body.begin_time, body.end_time)
    made: Activity
    if body.activity_type in product_deals.TYPES:
        made = product_deals.create(session, who, shop, body, begins, ends)
    elif body.activity_type == "BUY_MORE_SAVE_MORE":
        made = shop_kinds.create_tiers(session, who, shop, body, begins, ends)
    else:
        made = shop_kinds.create_shipping(session, who, shop, body, begins, ends)
    return _answer(api.Created, made, utcnow())


def _open(session: Session, shop: Shop, activity_id: str, what: str) -> tuple[Activity, datetime]:
    """The shop's activity, refused (36009006) when DEACTIVATED or EXPIRED."""
    activity = find(session, shop, activity_id)
    now = utcnow()
    base.check_open(activity.state(now), what)
    return activity, now


def _answer(model: type[A], activity: Activity, now: datetime, **more: Any) -> A:
    """``model`` of the activity as it stands now (the fields it has), with ``more``."""
    wanted = set(model.model_fields) - set(more)
    return model(**activity.detail(now).model_dump(include=wanted), **more)


def update(
    session: Session, who: Principal, shop: Shop, activity_id: str, body: api.UpdateActivity
) -> api.Updated:
    activity, now = _open(session, shop, activity_id, "be changed")
    before = activity.detail(now)
    begin = body.begin_time if body.begin_time is not None else before.begin_time
    end = body.end_time if body.end_time is not None else before.end_time
    begins, ends = base.window(begin, end)
    activity.update(who, body.title, begins, ends)
    return _answer(api.Updated, activity, now)


def deactivate(session: Session, who: Principal, shop: Shop, activity_id: str) -> api.Deactivated:
    activity, now = _open(session, shop, activity_id, "be deactivated")
    activity.deactivate(who)
    return _answer(api.Deactivated, activity, now)


def put_products(
    session: Session, who: Principal, shop: Shop, activity_id: str, body: api.UpdateProducts
) -> api.ProductsUpdated:
    activity, now = _open(session, shop, activity_id, "take products")
    count = activity.put_products(who, body.products)
    return _answer(api.ProductsUpdated, activity, now, total_count=count)


def remove_products(
    session: Session, who: Principal, shop: Shop, activity_id: str, body: api.RemoveProducts
) -> api.ProductsRemoved:
    if not body.product_ids and not body.sku_ids:
        raise invalid_parameter("product_ids or sku_ids is required")
    activity, now = _open(session, shop, activity_id, "change its products")
    product_ids = [base.id_of(x, "product_ids") for x in body.product_ids]
    sku_ids = [base.id_of(x, "sku_ids") for x in body.sku_ids]
    activity.remove(who, product_ids, sku_ids)
    return _answer(api.ProductsRemoved, activity, now)


def _all(session: Session, shop: Shop, title: str | None) -> list[Activity]:
    found: list[Activity] = [
        product_deals.Deals(session, shop, rows)
        for rows in product_deals.groups(session, shop.id, title)
    ]
    bundles = select(Bundle).where(Bundle.shop_id == shop.id, Bundle.kind == "TIERS")
    if title is not None:
        bundles = bundles.where(Bundle.title == title)
    found += [shop_kinds.Tiers(session, shop, b) for b in session.scalars(bundles)]
    free = select(FreeShippingPromotion).where(FreeShippingPromotion.shop_id == shop.id)
    found += [shop_kinds.Shipping(session, shop, f) for f in session.scalars(free)]
    return found


def search(session: Session, shop: Shop, body: api.SearchActivities) -> dict[str, Any]:
    """The shop's activities, newest first, filtered by exact title, type and status; paged
    by ``page_size`` (default 50) and ``page_token`` in the body, as the reference has them."""
    if body.activity_type is not None and body.activity_type not in TYPES:
        raise invalid_parameter("activity_type must be one of " + ", ".join(TYPES))
    if body.status is not None and body.status not in STATUSES:
        raise invalid_parameter("status must be one of " + ", ".join(STATUSES))
    size = body.page_size or DEFAULT_PAGE_SIZE
    before = None
    if body.page_token:
        position = decode_token(body.page_token)
        before = position.get("before")
        if not isinstance(before, int):
            raise invalid_parameter("page_token is not valid; pass back next_page_token unchanged")
    now = utcnow()
    listed = []
    for activity in _all(session, shop, body.activity_title):
        if body.activity_type is not None and activity.kind != body.activity_type:
            continue
        shown = activity.detail(now)
        if body.status is not None and shown.status != body.status:
            continue
        if body.activity_title is not None and shown.title != body.activity_title:
            continue
        listed.append(_listed(shown))
    listed.sort(key=lambda a: int(a.id), reverse=True)
    total = len(listed)
    if before is not None:
        listed = [a for a in listed if int(a.id) < before]
    page = listed[:size]
    more = len(listed) > size
    return {
        "activities": [a.model_dump(mode="json", exclude_none=True) for a in page],
        "next_page_token": encode_token({"before": int(page[-1].id)}) if more else "",
        "total_count": total,
    }


def _listed(shown: api.ActivityDetail) -> api.Activity:
    fields = shown.model_dump(exclude={"activity_id", "products"})
    return api.Activity(id=shown.activity_id, **fields)


def detail(session: Session, shop: Shop, activity_id: str) -> api.ActivityDetail:
    return find(session, shop, activity_id).detail(utcnow())
