"""Products and their SKUs."""

from __future__ import annotations

from collections import defaultdict

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from clipshop.catalog.errors import InvalidPrice, SellerSkuTaken
from clipshop.catalog.schemas import ProductCreate, ProductUpdate, SkuCreate, SkuUpdate
from clipshop.catalog.shops import get_shop, get_shop_for_write
from clipshop.core.errors import NotFound
from clipshop.core.money import Money, check_cap
from clipshop.core.pagination import Page, PageRequest, paginate
from clipshop.identity.principal import Permission, Principal
from clipshop.models import Product, Shop, Sku


def _price(text: str, currency: str) -> int:
    try:
        return check_cap(Money.parse_exact(text, currency).amount, currency, "price")
    except ValueError as exc:
        raise InvalidPrice(str(exc)) from None


def _new_sku(shop: Shop, product_id: int, spec: SkuCreate) -> Sku:
    return Sku(
        shop_id=shop.id,
        product_id=product_id,
        seller_sku=spec.seller_sku,
        name=spec.name,
        attributes=dict(spec.attributes),
        price=_price(spec.price, shop.currency),
        currency=shop.currency,
        weight_grams=spec.weight_grams,
        active=spec.active,
        low_stock_threshold=spec.low_stock_threshold,
        auto_delist=spec.auto_delist,
    )


def _insert_skus(session: Session, skus: list[Sku]) -> None:
    """Insert in a savepoint so a duplicate seller SKU becomes a clean 409."""
    codes = [s.seller_sku for s in skus]
    if len(set(codes)) != len(codes):
        raise SellerSkuTaken("the same seller_sku appears twice in the request")
    try:
        with session.begin_nested():
            session.add_all(skus)
            session.flush()
    except IntegrityError:
        raise SellerSkuTaken(f"seller_sku already used in this shop: {', '.join(codes)}") from None


def create_product(
    session: Session, principal: Principal, shop_id: int, data: ProductCreate
) -> tuple[Product, list[Sku]]:
    shop = get_shop_for_write(session, principal, shop_id)
    product = Product(
        shop_id=shop.id, title=data.title, description=data.description, status=data.status
    )
    session.add(product)
    session.flush()
    skus = [_new_sku(shop, product.id, spec) for spec in data.skus]
    _insert_skus(session, skus)
    return product, skus


def get_product(session: Session, principal: Principal, product_id: int) -> Product:
    principal.require(Permission.CATALOG_READ)
    product = session.get(Product, product_id)
    if product is None or not principal.sees_shop(product.shop_id):
        raise NotFound("product not found")
    return product


def skus_by_product(session: Session, product_ids: list[int]) -> dict[int, list[Sku]]:
    grouped: dict[int, list[Sku]] = defaultdict(list)
    if product_ids:
        stmt = select(Sku).where(Sku.product_id.in_(product_ids)).order_by(Sku.id)
        for sku in session.scalars(stmt):
            grouped[sku.product_id].append(sku)
    return grouped


def list_products(
    session: Session,
    principal: Principal,
    shop_id: int,
    page: PageRequest,
    status: str | None = None,
) -> Page[Product]:
    get_shop(session, principal, shop_id)
    stmt = select(Product).where(Product.shop_id == shop_id)
    if status is not None:
        stmt = stmt.where(Product.status == status)
    return paginate(session, stmt, Product.id, page)


def update_product(
    session: Session, principal: Principal, product_id: int, data: ProductUpdate
) -> Product:
    product = get_product(session, principal, product_id)
    principal.require(Permission.CATALOG_WRITE)
    for key, value in data.model_dump(exclude_unset=True, exclude_none=True).items():
        setattr(product, key, value)
    session.flush()
    return product


def add_sku(session: Session, principal: Principal, product_id: int, spec: SkuCreate) -> Sku:
    product = get_product(session, principal, product_id)
    shop = get_shop_for_write(session, principal, product.shop_id)
    sku = _new_sku(shop, product.id, spec)
    _insert_skus(session, [sku])
    return sku


def get_sku(session: Session, principal: Principal, sku_id: int) -> Sku:
    principal.require(Permission.CATALOG_READ)
    sku = session.get(Sku, sku_id)
    if sku is None or not principal.sees_shop(sku.shop_id):
        raise NotFound("sku not found")
    return sku


def update_sku(session: Session, principal: Principal, sku_id: int, data: SkuUpdate) -> Sku:
    sku = get_sku(session, principal, sku_id)
    principal.require(Permission.CATALOG_WRITE)
    changes = data.model_dump(exclude_unset=True)
    if "price" in changes and changes["price"] is not None:
        changes["price"] = _price(changes["price"], sku.currency)
    for key, value in changes.items():
        if value is None and key != "low_stock_threshold":
            continue
        setattr(sku, key, value)
    session.flush()
    return sku
