"""Short videos tagged with products (docs/creators.md): a seller's for its shop's products, a
creator's for products open to it."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from clipshop.core.errors import Conflict
from clipshop.core.pagination import Page, PageRequest, paginate
from clipshop.identity.principal import Principal
from clipshop.models import Product, Video, VideoProduct
from clipshop.social import access
from clipshop.social.rates import rates_for


def create(
    session: Session, caller: Principal, title: str, shop_id: int | None, product_ids: list[int]
) -> Video:
    access.require_host(caller, shop_id)
    ids = list(dict.fromkeys(product_ids))
    if shop_id is not None:
        products = [access.shop_product(session, shop_id, pid) for pid in ids]
    else:
        products = [access.any_product(session, pid) for pid in ids]
        open_ids = rates_for(session, caller.user_id, ids)
        if any(pid not in open_ids for pid in ids):
            raise Conflict("a product is not open to this creator", code="product_not_open")
    video = Video(host_user_id=caller.user_id, shop_id=shop_id, title=title)
    session.add(video)
    session.flush()
    session.add_all(
        VideoProduct(video_id=video.id, product_id=p.id, shop_id=p.shop_id) for p in products
    )
    session.flush()
    return video


def get(session: Session, caller: Principal, video_id: int) -> Video:
    return access.hosted(session, caller, Video, video_id, "video")


def products_of(session: Session, video_id: int) -> list[Product]:
    stmt = (
        select(Product)
        .join(VideoProduct, VideoProduct.product_id == Product.id)
        .where(VideoProduct.video_id == video_id)
        .order_by(VideoProduct.id)
    )
    return list(session.scalars(stmt))


def list_videos(session: Session, caller: Principal, page: PageRequest) -> Page[Video]:
    stmt = access.hosted_scope(select(Video), Video, caller)
    return paginate(session, stmt, Video.id, page)
