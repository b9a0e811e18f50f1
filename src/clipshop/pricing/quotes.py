"""The price waterfall of a checkout, per shop order and per line item (one per unit).

For every line:  sale_price = original_price - seller_discount - platform_discount
For every order: sub_total = original_total_product_price - seller_discount - platform_discount
                 shipping_fee = original_shipping_fee - shipping discounts
                 total_amount = sub_total + shipping_fee + tax
Each unit is a ``promotions.lines.PricedUnit``: its cuts, in waterfall order, are the price
level (the lowest of SKU discount, product discount, live price, flash deal:
``promotions.deal_price``), the shop's seller steps (``promotions.waterfall``: bundles,
coupon), then the platform voucher, allocated over all units of the checkout in proportion
to their price so far (largest remainder), so the shares sum exactly (docs/deals.md).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from clipshop.catalog import listing
from clipshop.core.batch import Reads
from clipshop.core.clock import utcnow
from clipshop.core.money import allocate
from clipshop.deadlines import standing as shop_standing
from clipshop.models import PlatformVoucher, Product, Shop, Sku
from clipshop.pricing import rows, shipping, tax
from clipshop.pricing.errors import (
    EmptyCheckout,
    MixedCurrencies,
    NotSellable,
    UnknownShippingService,
    UnknownSource,
    UnknownVoucher,
)
from clipshop.promotions import (
    giveback,  # noqa: F401  (registers the give-back handlers)
    waterfall,
)
from clipshop.promotions import rows as promotion_rows
from clipshop.promotions.deal_price import Offer, Source, price_level
from clipshop.promotions.lines import Claim, Cut, Funder, Kind, PricedUnit


@dataclass
class Unit(PricedUnit):
    sku: Sku = field(kw_only=True)
    product_title: str = field(kw_only=True)
    tax: int = field(default=0, kw_only=True)

    @property
    def sale_price(self) -> int:
        return self.price


@dataclass
class ShopQuote:
    shop: Shop
    units: list[Unit]
    options: list[shipping.ShippingOption]
    selected: shipping.ShippingOption
    claims: list[Claim] = field(default_factory=list)  # flash deals, then the seller steps'

    @property
    def original_total_product_price(self) -> int:
        return sum(u.original_price for u in self.units)

    @property
    def seller_discount(self) -> int:
        return sum(u.seller_discount for u in self.units)

    @property
    def platform_discount(self) -> int:
        return sum(u.platform_discount for u in self.units)

    @property
    def sub_total(self) -> int:
        return sum(u.sale_price for u in self.units)

    @property
    def tax(self) -> int:
        return sum(u.tax for u in self.units)

    @property
    def total_amount(self) -> int:
        return self.sub_total + self.selected.fee + self.tax

    def funded(self) -> dict[Funder, int]:
        """Every discount of this order (products and shipping) by who funds it."""
        return {
            Funder.SELLER: self.seller_discount + self.selected.seller_discount,
            Funder.PLATFORM: self.platform_discount,
        }


@dataclass
class Quote:
    currency: str
    shops: list[ShopQuote]
    voucher_code: str | None = None
    warnings: list[str] = field(default_factory=list)
    offers: dict[int, Offer] = field(default_factory=dict)  # the promotions read, by id
    source: Source | None = None

    @property
    def total_amount(self) -> int:
        return sum(s.total_amount for s in self.shops)


@dataclass(frozen=True)
class Destination:
    country: str
    state: str | None
    postal_code: str


@dataclass(frozen=True)
class Buyer:
    """Who a quote is for and what they bring: their id (None: nobody, per-buyer limits
    are not applied), the checkout's source, shop coupon codes by shop, and flash deals
    that must not be applied (lost at a checkout's take: priced normally)."""

    id: int | None = None
    source: Source | None = None
    coupon_codes: dict[int, str] = field(default_factory=dict)
    without_deals: frozenset[int] = frozenset()


# Built once: checkout and quote run them on every request.
_SKUS = (  # the shops come with their SKUs (one query)
    select(Sku, Product, Shop)
    .join(Product, Product.id == Sku.product_id)
    .join(Shop, Shop.id == Sku.shop_id)
    .where(Sku.id.in_(bindparam("skus")))
)


def _load_skus(
    session: Session, items: dict[int, int]
) -> tuple[dict[int, tuple[Sku, Product]], dict[int, Shop]]:
    """The SKUs with their products, checked as sellable, and their shops."""
    rows = session.execute(_SKUS, {"skus": list(items)}).all()
    found = {sku.id: (sku, product) for sku, product, _ in rows}
    shops = {shop.id: shop for _, _, shop in rows}
    shop_of = {sku.id: (shop.id, shop.name, shop.standing) for sku, _, shop in rows}
    watched = [sku.id for sku, _ in found.values() if sku.auto_delist]
    stock = listing.totals(session, watched) if watched else {}
    for sku_id in items:
        if sku_id not in found:
            raise NotSellable(f"sku {sku_id} does not exist", sku_id=str(sku_id))
        sku, product = found[sku_id]
        sellable = listing.is_sellable(sku, stock.get(sku_id, 0)) if sku.auto_delist else sku.active
        if not sellable or product.status != "ACTIVE":
            raise NotSellable(f"sku {sku_id} is not for sale", sku_id=str(sku_id))
        shop_standing.check_may_sell(*shop_of[sku_id])  # a suspended shop sells nothing
    return found, shops


def _seller_discounts(session: Session, sku_ids: list[int]) -> dict[int, int]:
    if not sku_ids:
        return {}
    return rows.discounts(sku_ids).run(session)


def _apply_voucher(session: Session, code: str, currency: str, units: list[Unit]) -> None:
    now = utcnow()
    voucher = session.scalar(select(PlatformVoucher).where(PlatformVoucher.code == code))
    if voucher is None or not (voucher.starts_at <= now < voucher.ends_at):
        raise UnknownVoucher(f"voucher {code!r} does not exist or is not valid now")
    if voucher.currency != currency:
        raise UnknownVoucher(f"voucher {code!r} is for {voucher.currency} orders")
    base = [u.price for u in units]
    if sum(base) < voucher.min_spend:
        raise UnknownVoucher(f"voucher {code!r} needs a minimum spend of {voucher.min_spend}")
    discount = min(voucher.max_discount, sum(base) * voucher.percent_off // 100)
    for unit, share in zip(units, allocate(discount, base), strict=True):
        unit.take(Cut(Kind.VOUCHER, share, None, Funder.PLATFORM))


def quote(
    session: Session,
    items: dict[int, int],
    destination: Destination,
    services: dict[int, str] | None = None,
    voucher_code: str | None = None,
    buyer: Buyer | None = None,
) -> Quote:
    """Price ``items`` ({sku_id: quantity}) for one destination. Reads only."""
    return quote_and_read(session, items, destination, services, voucher_code, None, buyer)


def _check_source(source: Source, found: str | None) -> None:
    """A LIVE session or VIDEO that exists; a SHOWCASE of a creator (else UnknownSource)."""
    if found is None or (source.type == "SHOWCASE" and found != "creator"):
        what = "creator" if source.type == "SHOWCASE" else source.type.lower()
        raise UnknownSource(
            f"source {source.type} {source.id}: no such {what}",
            source_type=source.type,
            source_id=str(source.id),
        )


def _units(found: dict[int, tuple[Sku, Product]], items: dict[int, int]) -> dict[int, list[Unit]]:
    """One unit per item, by shop, SKUs in ascending id order."""
    by_shop: dict[int, list[Unit]] = defaultdict(list)
    for sku_id in sorted(items):
        sku, product = found[sku_id]
        by_shop[sku.shop_id].extend(
            Unit(
                sku.shop_id, sku.id, sku.product_id, sku.price, sku=sku, product_title=product.title
            )
            for _ in range(items[sku_id])
        )
    return by_shop


def quote_and_read(
    session: Session,
    items: dict[int, int],
    destination: Destination,
    services: dict[int, str] | None = None,
    voucher_code: str | None = None,
    reads: Reads | None = None,
    buyer: Buyer | None = None,
) -> Quote:
    """``quote``, and ``reads``: the caller's own queries, sent in the round trip of the
    quote's second reads (discounts, promotions, tax rates, shipping profiles, each promoting
    shop's bundles and free-shipping threshold, the source); their values are then in
    ``reads``. A shop coupon is read (``waterfall.seller_steps``) only when its code is given."""
    if not items:
        raise EmptyCheckout("nothing to check out: add items to the cart or send items")
    buyer = buyer or Buyer()
    found, shops = _load_skus(session, items)
    shop_ids = sorted({sku.shop_id for sku, _ in found.values()})
    currencies = {s.currency for s in shops.values()}
    if len(currencies) != 1:
        raise MixedCurrencies(
            "one checkout pays in one currency; these shops sell in "
            + ", ".join(sorted(currencies))
        )
    currency = currencies.pop()
    reads = reads if reads is not None else Reads()
    discounted = reads.add(rows.discounts(list(items)))
    offered = reads.add(rows.offers(list(items), buyer.id))
    rated = reads.add(tax.rates_query(destination.country, destination.state))
    profiled = {shop_id: reads.add(shipping.profiles_query(shop_id)) for shop_id in shop_ids}
    source = buyer.source
    sourced = reads.add(rows.source(source.type, source.id)) if source else None
    now = utcnow()
    # A shop that may not promote (RESTRICTED, SUSPENDED) runs none of its promotions.
    promoting = [s for s in shop_ids if shops[s].standing not in shop_standing.NO_PROMOTIONS]
    bundled = {s: reads.add(promotion_rows.bundles(s, now)) for s in promoting}
    freed = {s: reads.add(promotion_rows.free_shipping_threshold(s, now)) for s in promoting}
    reads.run(session)
    if source is not None and sourced is not None:
        _check_source(source, reads[sourced])
    profiles = {shop_id: reads[handle] for shop_id, handle in profiled.items()}
    offers = [
        o for o in reads[offered] if o.shop_id in promoting and o.id not in buyer.without_deals
    ]
    by_shop = _units(found, items)
    discounts = reads[discounted]
    claims: dict[int, list[Claim]] = {}
    for shop_id in shop_ids:
        units = by_shop[shop_id]
        claims[shop_id] = price_level(units, discounts, offers, source)
        code = buyer.coupon_codes.get(shop_id)
        bundles = reads[bundled[shop_id]] if shop_id in bundled else []
        claims[shop_id] += waterfall.seller_steps(
            session, shop_id, buyer.id, list(units), code, now, bundles
        )
    all_units = [u for shop_id in shop_ids for u in by_shop[shop_id]]
    if voucher_code:
        _apply_voucher(session, voucher_code, currency, all_units)
    rate = reads[rated]
    for unit in all_units:
        unit.tax = tax.line_tax(unit.sale_price, currency, rate)
    result = Quote(currency, [], voucher_code, offers={o.id: o for o in offers}, source=source)
    for shop_id in shop_ids:
        units = by_shop[shop_id]
        weight = sum(u.sku.weight_grams for u in units)
        sub_total = sum(u.sale_price for u in units)
        opts = shipping.options_from(
            profiles[shop_id],
            shops[shop_id],
            destination.country,
            destination.postal_code,
            weight,
            sub_total,
            reads[freed[shop_id]] if shop_id in freed else None,
        )
        if not opts:
            raise UnknownShippingService(f"shop {shop_id} does not ship to {destination.country}")
        wanted = (services or {}).get(shop_id)
        chosen = (
            next((o for o in opts if o.service == wanted), None)
            if wanted
            else min(opts, key=lambda o: (o.fee, o.max_days))
        )
        if chosen is None:
            raise UnknownShippingService(
                f"shop {shop_id} offers {', '.join(o.service for o in opts)}, not {wanted}"
            )
        result.shops.append(ShopQuote(shops[shop_id], units, opts, chosen, claims[shop_id]))
    return result


def sellable_skus(session: Session, sku_ids: list[int]) -> dict[int, tuple[Sku, Product]]:
    """The SKUs with their products, as checkout checks them: NotSellable for a SKU that does
    not exist, is switched off or delisted, or whose product is not ACTIVE; ShopSuspended
    for a SKU of a suspended shop."""
    return _load_skus(session, dict.fromkeys(sku_ids, 1))[0]


def unit_prices(session: Session, skus: list[Sku]) -> dict[int, tuple[int, int]]:
    """(original price, seller discount) of one unit of each SKU now, as checkout prices it:
    the largest active seller discount, never above the price."""
    cuts = _seller_discounts(session, [s.id for s in skus])
    return {s.id: (s.price, min(cuts.get(s.id, 0), s.price)) for s in skus}
