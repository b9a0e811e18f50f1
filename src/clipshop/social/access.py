"""Who may act on what in social: a seller for its shop, a creator for itself (docs/creators.md).
A foreign or unknown id is reported missing (404)."""

from __future__ import annotations

from typing import TypeVar

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from clipshop.core.errors import NotFound
from clipshop.identity.principal import Permission, Principal, Role
from clipshop.models import LiveSession, Product, User, Video

T = TypeVar("T")
H = TypeVar("H", LiveSession, Video)


def require_host(caller: Principal, shop_id: int | None) -> None:
    """A seller hosts for a shop it belongs to; a creator hosts for itself (no shop)."""
    if shop_id is None:
        caller.require(Permission.AFFILIATE_SELL)
    else:
        caller.require(Permission.CATALOG_WRITE)
        caller.check_shop(shop_id)


def sees_hosted(caller: Principal, host_user_id: int, shop_id: int | None) -> bool:
    """A live or video: its shop's members, its creator, and the platform's staff."""
    if shop_id is not None:
        return caller.sees_shop(shop_id)
    return host_user_id == caller.user_id or caller.visible_shop_ids() is None


def shop_product(session: Session, shop_id: int, product_id: int) -> Product:
    product = session.get(Product, product_id)
    if product is None or product.shop_id != shop_id:
        raise NotFound("product not found", code="product_not_found")
    return product


def any_product(session: Session, product_id: int) -> Product:
    product = session.get(Product, product_id)
    if product is None:
        raise NotFound("product not found", code="product_not_found")
    return product


def hosted(session: Session, caller: Principal | None, model: type[H], row_id: int, what: str) -> H:
    """A live or a video the caller sees (``caller`` None: anyone, for the public pages);
    otherwise 404 ``<what>_not_found``."""
    row = session.get(model, row_id)
    if row is None or (
        caller is not None and not sees_hosted(caller, row.host_user_id, row.shop_id)
    ):
        raise NotFound(f"{what} not found", code=f"{what}_not_found")
    return row


def creator_self(caller: Principal, creator_id: int) -> None:
    """A creator reads and changes only its own affiliate objects (admins: anyone's)."""
    if creator_id != caller.user_id and not caller.is_admin:
        raise NotFound("creator not found", code="creator_not_found")
    caller.require(Permission.AFFILIATE_SELL)


def check_creator(session: Session, user_id: int) -> None:
    role = session.scalar(select(User.role).where(User.id == user_id, User.is_active))
    if role != Role.CREATOR.value:
        raise NotFound("creator not found", code="creator_not_found")


def hosted_scope(
    stmt: Select[T], model: type[LiveSession] | type[Video], caller: Principal
) -> Select[T]:
    """``stmt`` limited to the lives or videos the caller sees (``sees_hosted``)."""
    shops = caller.visible_shop_ids()
    if shops is None:
        return stmt
    return stmt.where(
        model.shop_id.in_(sorted(shops))
        | ((model.host_user_id == caller.user_id) & model.shop_id.is_(None))
    )
