"""BUY_MORE_SAVE_MORE activities over native TIERS bundles and SHIPPING_DISCOUNT activities over
native free-shipping promotions: one native row each, the activity id its id."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from clipshop.core.money import Money
from clipshop.identity.principal import Principal
from clipshop.models import Bundle, FreeShippingPromotion, Shop
from clipshop.partner import promotions_base as base
from clipshop.partner import promotions_schemas as api
from clipshop.partner.errors import invalid_parameter, not_found
from clipshop.promotions import bundles, free_shipping
from clipshop.promotions.coupon_schemas import BundleIn, FreeShippingIn


class OneRow:
    """An activity that is one native row (its id the activity's)."""

    kind = ""

    def __init__(self, session: Session, shop: Shop, row: Any) -> None:
        self.session, self.shop = session, shop
        self.row: Bundle | FreeShippingPromotion = row

    def state(self, now: datetime) -> str:
        return base.status(self.shop, self.row.active, self.row.starts_at, self.row.ends_at, now)

    def _detail(self, now: datetime, **fields: Any) -> api.ActivityDetail:
        return api.ActivityDetail(
            activity_id=str(self.row.id),
            activity_type=self.kind,
            status=self.state(now),
            begin_time=base.unix_time(self.row.starts_at),
            end_time=base.unix_time(self.row.ends_at),
            create_time=base.unix_time(self.row.created_at),
            update_time=base.unix_time(self.row.created_at),  # the rows keep no update time
            **fields,
        )


# --- BUY_MORE_SAVE_MORE: a TIERS bundle ------------------------------------------------------


def _tiers(body: api.CreateActivity) -> list[dict[str, int]]:
    bmsm = body.discount.bmsm_discount if body.discount else None
    if bmsm is None:
        raise invalid_parameter("discount.bmsm_discount.details is required for BUY_MORE_SAVE_MORE")
    tiers = []
    for i, tier in enumerate(bmsm.details):
        where = f"discount.bmsm_discount.details[{i}]"
        if tier.threshold_type != "MINIMAL_ITEM_QUANTITY" or tier.type != "PERCENTAGE_OFF":
            raise invalid_parameter(
                f"{where}: clipshop's tiers are MINIMAL_ITEM_QUANTITY with PERCENTAGE_OFF"
            )
        tiers.append(
            {
                "min_quantity": base.whole(
                    tier.threshold_value, f"{where}.threshold_value", 2, 1000
                ),
                "percent_off": base.whole(tier.value, f"{where}.value", 1, 100),
            }
        )
    return tiers


def _product_ids(products: list[api.ProductIn]) -> list[int]:
    if any(p.skus for p in products):
        raise invalid_parameter("a BUY_MORE_SAVE_MORE activity takes whole products (no skus)")
    return [base.id_of(p.id, f"products[{i}].id") for i, p in enumerate(products)]


class Tiers(OneRow):
    """A BUY_MORE_SAVE_MORE activity: a TIERS bundle."""

    kind = "BUY_MORE_SAVE_MORE"

    row: Bundle

    def detail(self, now: datetime) -> api.ActivityDetail:
        details = [
            api.BmsmOut(
                threshold_type="MINIMAL_ITEM_QUANTITY",
                threshold_value=str(t["min_quantity"]),
                tier=i + 1,
                type="PERCENTAGE_OFF",
                value=str(t["percent_off"]),
            )
            for i, t in enumerate(sorted(self.row.tiers, key=lambda t: int(t["min_quantity"])))
        ]
        products = [
            api.ProductOut(id=str(p), quantity_limit=-1, quantity_per_user=-1, skus=[])
            for p in self.row.product_ids
        ]
        return self._detail(
            now,
            title=self.row.title,
            product_level="PRODUCT",
            discount=api.DiscountOut(bmsm_discount={"details": details}),
            products=products,
        )

    def update(self, who: Principal, title: str | None, begins: datetime, ends: datetime) -> None:
        if title is not None and title != self.row.title:
            base.title_taken(self.session, self.shop.id, title, {self.row.id})
        changes = {"starts_at": begins, "ends_at": ends} | ({"title": title} if title else {})
        bundles.update_bundle(self.session, who, self.shop.id, self.row.id, changes)

    def put_products(self, who: Principal, products: list[api.ProductIn]) -> int:
        added = _product_ids(products)
        wanted = [*self.row.product_ids, *added]
        bundles.update_bundle(self.session, who, self.shop.id, self.row.id, {"product_ids": wanted})
        return len(added)

    def remove(self, who: Principal, product_ids: list[int], sku_ids: list[int]) -> None:
        if sku_ids:
            raise invalid_parameter(
                "a BUY_MORE_SAVE_MORE activity holds whole products: send product_ids"
            )
        missing = set(product_ids) - set(self.row.product_ids)
        if missing:
            raise not_found(f"not in this activity: {', '.join(str(x) for x in sorted(missing))}")
        left = [p for p in self.row.product_ids if p not in product_ids]
        if not left:
            raise base.conflict("an activity keeps at least one product: deactivate it instead")
        bundles.update_bundle(self.session, who, self.shop.id, self.row.id, {"product_ids": left})

    def deactivate(self, who: Principal) -> None:
        bundles.deactivate(self.session, who, self.shop.id, self.row.id)


def create_tiers(
    session: Session,
    who: Principal,
    shop: Shop,
    body: api.CreateActivity,
    begins: datetime,
    ends: datetime,
) -> Tiers:
    if body.product_level != "PRODUCT":
        raise invalid_parameter("product_level of BUY_MORE_SAVE_MORE is PRODUCT in clipshop")
    base.title_taken(session, shop.id, body.title, set())
    fields = {
        "title": body.title,
        "kind": "TIERS",
        "product_ids": [str(p) for p in _product_ids(body.products)],
        "tiers": _tiers(body),
        "starts_at": begins,
        "ends_at": ends,
    }
    data = base.checked(BundleIn, fields).model_dump()
    return Tiers(session, shop, bundles.create(session, who, shop.id, data))


# --- SHIPPING_DISCOUNT: a free-shipping promotion ------------------------------------------


def shipping_title(row: FreeShippingPromotion, currency: str) -> str:
    """The native row has no title: this one is made from its threshold."""
    if row.threshold == 0:
        return "Free shipping"
    return f"Free shipping from {Money(row.threshold, currency).to_decimal_string()} {currency}"


class Shipping(OneRow):
    """A SHIPPING_DISCOUNT activity: free shipping for the whole shop from a threshold."""

    kind = "SHIPPING_DISCOUNT"

    row: FreeShippingPromotion

    def detail(self, now: datetime) -> api.ActivityDetail:
        threshold = self.row.threshold
        shipping = api.ShippingOut(
            type="FREE_SHIPPING",
            threshold_type="MINIMAL_ORDER_AMOUNT" if threshold else "NO_THRESHOLD",
            threshold_value=Money(threshold, self.shop.currency).to_decimal_string()
            if threshold
            else None,
            shipping_method="ALL_SHIPPING_METHOD",
            area_scope={"type": "WHOLE"},
        )
        return self._detail(
            now,
            title=shipping_title(self.row, self.shop.currency),
            product_level="SHOP",
            discount=api.DiscountOut(shipping_discount=shipping),
            products=[],
        )

    def update(self, who: Principal, title: str | None, begins: datetime, ends: datetime) -> None:
        if title is not None and title != shipping_title(self.row, self.shop.currency):
            raise invalid_parameter("a SHIPPING_DISCOUNT activity keeps no title in clipshop")
        changes = {"starts_at": begins, "ends_at": ends}
        free_shipping.update_promotion(self.session, who, self.shop.id, self.row.id, changes)

    def put_products(self, who: Principal, products: list[api.ProductIn]) -> int:
        raise base.conflict("a SHIPPING_DISCOUNT activity applies to the whole shop (SHOP level)")

    def remove(self, who: Principal, product_ids: list[int], sku_ids: list[int]) -> None:
        self.put_products(who, [])

    def deactivate(self, who: Principal) -> None:
        free_shipping.deactivate(self.session, who, self.shop.id, self.row.id)


def create_shipping(
    session: Session,
    who: Principal,
    shop: Shop,
    body: api.CreateActivity,
    begins: datetime,
    ends: datetime,
) -> Shipping:
    given = body.discount.shipping_discount if body.discount else None
    if given is None:
        raise invalid_parameter("discount.shipping_discount is required for SHIPPING_DISCOUNT")
    if body.product_level != "SHOP":
        raise invalid_parameter("product_level of SHIPPING_DISCOUNT is SHOP in clipshop")
    if given.type != "FREE_SHIPPING":
        raise invalid_parameter(
            "shipping_discount.type: clipshop's shipping discount is FREE_SHIPPING"
        )
    if given.shipping_method not in (None, "ALL_SHIPPING_METHOD"):
        raise invalid_parameter(
            "shipping_discount.shipping_method: clipshop's covers ALL_SHIPPING_METHOD"
        )
    area = (given.area_scope or {}).get("type", "WHOLE")
    if area != "WHOLE":
        raise invalid_parameter("shipping_discount.area_scope: clipshop's covers the WHOLE area")
    threshold = 0
    if given.threshold_type == "MINIMAL_ORDER_AMOUNT":
        text = given.threshold_value or ""
        threshold = base.minor_units(text, shop.currency, "shipping_discount.threshold_value")
    elif given.threshold_type != "NO_THRESHOLD":
        raise invalid_parameter(
            "shipping_discount.threshold_type: NO_THRESHOLD or MINIMAL_ORDER_AMOUNT in clipshop"
        )
    fields = {"threshold": threshold, "starts_at": begins, "ends_at": ends}
    data = base.checked(FreeShippingIn, fields).model_dump()
    return Shipping(session, shop, free_shipping.create(session, who, shop.id, data))
