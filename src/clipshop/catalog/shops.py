"""Shops and their members."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from clipshop.catalog.errors import AlreadyMember, NotAShopOwner, OwnerRequired, UnknownUser
from clipshop.core.errors import NotFound, PermissionDenied
from clipshop.core.money import exponent
from clipshop.core.pagination import Page, PageRequest, paginate
from clipshop.identity.principal import Permission, Principal, Role
from clipshop.identity.users import role_of
from clipshop.models import Shop, ShopMember


def get_shop(session: Session, principal: Principal, shop_id: int) -> Shop:
    principal.require(Permission.CATALOG_READ)
    principal.check_shop(shop_id)
    shop = session.get(Shop, shop_id)
    if shop is None:
        raise NotFound("shop not found")
    return shop


def get_shop_for_write(session: Session, principal: Principal, shop_id: int) -> Shop:
    shop = get_shop(session, principal, shop_id)
    principal.require(Permission.CATALOG_WRITE)
    return shop


def _require_owner(principal: Principal, shop_id: int) -> None:
    if not (principal.is_admin or shop_id in principal.owned_shop_ids):
        raise PermissionDenied("only the shop's owner or an admin may do this")


def create_shop(
    session: Session,
    principal: Principal,
    *,
    name: str,
    region: str,
    currency: str,
    shop_type: str,
    owner_user_id: int | None = None,
) -> Shop:
    principal.require(Permission.SHOP_CREATE)
    exponent(currency)  # raises CurrencyError (422) for an unknown currency
    owner_id = principal.user_id
    if principal.is_admin:
        if owner_user_id is None:
            raise OwnerRequired("an admin creating a shop must name owner_user_id")
        owner_id = owner_user_id
    elif owner_user_id not in (None, principal.user_id):
        raise PermissionDenied("a seller can only create shops it owns")
    _require_seller(session, owner_id, "the shop owner")
    shop = Shop(name=name, region=region, currency=currency, shop_type=shop_type)
    session.add(shop)
    session.flush()
    session.add(ShopMember(shop_id=shop.id, user_id=owner_id, role="OWNER"))
    session.flush()
    return shop


def list_shops(session: Session, principal: Principal, page: PageRequest) -> Page[Shop]:
    principal.require(Permission.CATALOG_READ)
    stmt = select(Shop)
    visible = principal.visible_shop_ids()
    if visible is not None:
        stmt = stmt.where(Shop.id.in_(visible))
    return paginate(session, stmt, Shop.id, page)


def update_shop(
    session: Session,
    principal: Principal,
    shop_id: int,
    *,
    name: str | None = None,
    verified: bool | None = None,
) -> Shop:
    shop = get_shop_for_write(session, principal, shop_id)
    if verified is not None:
        principal.require(Permission.SHOP_VERIFY)
        shop.verified = verified
    if name is not None:
        shop.name = name
    session.flush()
    return shop


def list_members(session: Session, principal: Principal, shop_id: int) -> list[ShopMember]:
    get_shop(session, principal, shop_id)
    stmt = select(ShopMember).where(ShopMember.shop_id == shop_id).order_by(ShopMember.created_at)
    return list(session.scalars(stmt))


def _require_seller(session: Session, user_id: int, who: str) -> None:
    """An unknown (or deactivated) user is 404; an existing user of another role is 409."""
    role = role_of(session, user_id)
    if role is None:
        raise UnknownUser(f"{who} must be an existing user: there is no active user {user_id}")
    if role is not Role.SELLER:
        raise NotAShopOwner(f"{who} must be a user with role seller, not {role.value}")


def add_member(
    session: Session, principal: Principal, shop_id: int, user_id: int, role: str = "STAFF"
) -> ShopMember:
    get_shop_for_write(session, principal, shop_id)
    _require_owner(principal, shop_id)
    _require_seller(session, user_id, "a shop member")
    if session.get(ShopMember, (shop_id, user_id)) is not None:
        raise AlreadyMember("the user is already a member of this shop")
    member = ShopMember(shop_id=shop_id, user_id=user_id, role=role)
    session.add(member)
    session.flush()
    return member
