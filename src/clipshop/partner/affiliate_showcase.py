"""The affiliate module's showcase, shop products and profile, over ``social.showcase``
(docs/tiktok-api.md, "Affiliate (creators)"). The showcase is listed in the creator's order, the
top first; added products go to the end; moving products to the top puts them first in the order
given."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from clipshop.identity.principal import Principal
from clipshop.models import User
from clipshop.partner import affiliate_schemas as api
from clipshop.partner import errors
from clipshop.partner.affiliate import creator, current_live, each
from clipshop.partner.affiliate_products import describe, facts
from clipshop.partner.errors import PartnerError, invalid_parameter, not_found
from clipshop.partner.paging import PageParams, encode_token
from clipshop.social import access, live, showcase
from clipshop.social.rates import rates_for

NOT_SUPPORTED = 36009007  # HTTP 400: the reference's route is known, clipshop does not do it
DEFAULT_SHOWCASE_PAGE = 50


def not_supported(what: str) -> PartnerError:
    return PartnerError(NOT_SUPPORTED, f"not supported by clipshop: {what}", 400)


def _offset(page: PageParams) -> int:
    offset = (page.position or {}).get("offset", 0)
    if not isinstance(offset, int) or offset < 0:
        raise invalid_parameter("page_token is not valid; pass back next_page_token unchanged")
    return offset


def _next(offset: int, page: PageParams, total: int) -> dict[str, Any] | None:
    end = offset + page.size
    return {"offset": end} if end < total else None


def showcase_products(
    session: Session, creator_id: int, page: PageParams, from_live: bool
) -> api.ShowcaseProducts:
    """A page of the showcase; ``from_live`` (``origin=LIVE``): ``added_status`` says whether
    each is in the live room, whose products of the page ``live_product_ids`` lists."""
    items = [p for _, p in showcase.items(session, creator(creator_id), creator_id)]
    offset = _offset(page)
    shown = items[offset : offset + page.size]
    in_live: set[int] = set()
    found = current_live(session, creator_id) if from_live else None
    if found is not None and found.status == "LIVE":
        in_live = {pin.product_id for pin, _ in live.pins(session, found.id)}
    added = in_live if from_live else {p.id for p in shown}
    position = _next(offset, page, len(items))
    return api.ShowcaseProducts(
        products=describe(session, creator_id, shown, added, hidden=False),
        live_product_ids=[str(p.id) for p in shown if p.id in in_live],
        next_page_token=page_token(position),
        total_count=len(items),
    )


def page_token(position: dict[str, Any] | None) -> str:
    return encode_token(position) if position else ""


def add(session: Session, creator_id: int, ids: list[int]) -> api.AddResult:
    """Add each product open to the creator (already there: left as it is)."""
    who = creator(creator_id)
    there = {p.id for _, p in showcase.items(session, who, creator_id)}
    todo = [x for x in ids if x not in there]
    return each(session, todo, lambda pid: showcase.add(session, who, creator_id, pid))


def _showcased(session: Session, creator_id: int, ids: list[int]) -> Principal:
    """The creator, once every product is in its showcase (else 36009005)."""
    who = creator(creator_id)
    there = {p.id for _, p in showcase.items(session, who, creator_id)}
    missing = [str(x) for x in ids if x not in there]
    if missing:
        raise not_found(f"not in the showcase: {', '.join(missing)}")
    return who


def remove(session: Session, creator_id: int, ids: list[int]) -> None:
    """Remove every product (all in the showcase, else nothing changes)."""
    who = _showcased(session, creator_id, ids)
    for product_id in ids:
        showcase.remove(session, who, creator_id, product_id)


def top(session: Session, creator_id: int, ids: list[int]) -> None:
    """Move the products to the top in the order given (all in the showcase, else 36009005
    and nothing changes)."""
    showcase.top(session, _showcased(session, creator_id, ids), creator_id, ids)


SORTS = {"PRODUCT_ID", "PRICE"}


def shop_products(
    session: Session,
    creator_id: int,
    page: PageParams,
    keyword: str,
    sort_field: str,
    ascending: bool,
) -> api.ShopProducts:
    """The products open to the creator (an open offer or its accepted invitation) with the
    rate in force for it; sorted by id or lowest price (``SALE`` and unknown fields: by id,
    as the reference falls back)."""
    who = creator(creator_id)
    opened = showcase.open_products(session, who, creator_id)
    if keyword:
        opened = [o for o in opened if keyword.casefold() in o.product.title.casefold()]
    known = facts(session, [o.product for o in opened])

    def lowest(product_id: int) -> int:
        prices = known[product_id].prices
        return min(m.amount for m in prices) if prices else -1

    key = (lambda o: lowest(o.product.id)) if sort_field == "PRICE" else None
    opened.sort(key=key or (lambda o: o.product.id), reverse=not ascending)
    there = {p.id for _, p in showcase.items(session, who, creator_id)}
    offset = _offset(page)
    out = []
    for o in opened[offset : offset + page.size]:
        prices = known[o.product.id].prices
        cheapest = min(prices, key=lambda m: m.amount) if prices else None
        out.append(
            api.ShopProduct(
                id=str(o.product.id),
                title=o.product.title,
                added_status="ADDED" if o.product.id in there else "ADDABLE",
                images=[],
                price=api.ShopPrice(amount=cheapest.to_decimal_string(), currency=cheapest.currency)
                if cheapest
                else None,
                commission=api.Commission(commission_rate=o.rate.bps),
            )
        )
    position = _next(offset, page, len(opened))
    return api.ShopProducts(products=out, next_page_token=page_token(position))


def profile(session: Session, creator_id: int) -> api.Profile:
    user = session.get(User, creator_id)
    if user is None:
        raise not_found("creator not found")
    return api.Profile(user_name=user.name, permissions=["LIVE_STREAM_PERMISSION"])


def open_to(session: Session, creator_id: int, product_id: int) -> None:
    """The product exists (else 36009005) and is open to the creator (else 36009006)."""
    access.any_product(session, product_id)
    if not rates_for(session, creator_id, [product_id]):
        raise PartnerError(errors.CONFLICT, "the product is not open to this creator", 409)
