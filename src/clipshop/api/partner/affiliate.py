"""The affiliate module's creator routes (docs/tiktok-api.md, "Affiliate (creators)"): a
creator's token only (``user_type`` 1, creator scopes); thin adapters over ``social``."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse

from clipshop.api.partner.envelope import answer, choice
from clipshop.api.partner.protocol import PartnerCall, parse_body, partner
from clipshop.partner import affiliate, affiliate_showcase, errors, scopes
from clipshop.partner import affiliate_schemas as api
from clipshop.partner.errors import PartnerError
from clipshop.partner.paging import page_params
from clipshop.partner.returns_paging import ids

router = APIRouter(tags=["partner"], include_in_schema=False)
V = "/affiliate/202309"


def creator_call(scope: str, *, reads: bool = False) -> Callable[..., PartnerCall]:
    """``partner(scope)`` for a creator's token: a seller's token lacks every creator scope
    (105005 from the scope check); this refuses one without a creator all the same."""
    checked = partner(scope, shop_scoped=False, reads_only=reads)

    def dependency(call: PartnerCall = Depends(checked)) -> PartnerCall:
        if call.access.creator_id is None:
            raise PartnerError(errors.SCOPE_DENIED, "this route takes a creator's token", 403)
        return call

    return dependency


Read = Annotated[PartnerCall, Depends(creator_call(scopes.CREATOR_INFO))]
Live = Annotated[PartnerCall, Depends(creator_call(scopes.CREATOR_LIVE))]
Showcase = Annotated[PartnerCall, Depends(creator_call(scopes.CREATOR_SHOWCASE))]
Check = Annotated[PartnerCall, Depends(creator_call(scopes.CREATOR_INFO, reads=True))]


def _me(call: PartnerCall) -> int:
    assert call.access.creator_id is not None
    return call.access.creator_id


def _ids(call: PartnerCall) -> list[int]:
    return affiliate.ids_of(parse_body(call, api.ProductIds).product_ids)


def _one(product_id: str) -> int:
    return ids([product_id.strip()], "product_id")[0]


@router.get(f"{V}/live_rooms")
def live_room(request: Request, call: Read) -> JSONResponse:
    return answer(request, affiliate.room(call.session, _me(call)))


@router.get(f"{V}/live_rooms/products")
def live_products(request: Request, call: Read) -> JSONResponse:
    return answer(request, affiliate.products(call.session, _me(call)))


@router.post(f"{V}/live_rooms/products")
def add_live_products(request: Request, call: Live) -> JSONResponse:
    return answer(request, affiliate.add(call.session, _me(call), _ids(call)))


@router.delete(f"{V}/live_rooms/products")
def remove_live_products(request: Request, call: Live) -> JSONResponse:
    affiliate.remove(call.session, _me(call), _ids(call))
    return answer(request, {})


@router.post(f"{V}/live_rooms/products/top")
def top_live_products(request: Request, call: Live) -> JSONResponse:
    affiliate.top(call.session, _me(call), _ids(call))
    return answer(request, {})


@router.post(f"{V}/live_rooms/products/{{product_id}}/pin")
def pin_live_product(request: Request, call: Live, product_id: str) -> JSONResponse:
    affiliate.pin(call.session, _me(call), _one(product_id))
    return answer(request, {})


@router.post(f"{V}/live_rooms/products/{{product_id}}/unpin")
def unpin_live_product(request: Request, call: Live, product_id: str) -> JSONResponse:
    affiliate.unpin(call.session, _me(call), _one(product_id))
    return answer(request, {})


ORIGINS = {"SHOWCASE": "SHOWCASE", "LIVE": "LIVE"}


@router.get(f"{V}/showcases/products")
def showcase_products(request: Request, call: Read) -> JSONResponse:
    q = request.query_params
    size = q.get("page_size") or affiliate_showcase.DEFAULT_SHOWCASE_PAGE
    page = page_params(size, q.get("page_token"))
    from_live = choice(request, "origin", ORIGINS, "SHOWCASE") == "LIVE"
    data = affiliate_showcase.showcase_products(call.session, _me(call), page, from_live)
    return answer(request, data)


@router.post(f"{V}/showcases/products")
def add_showcase_products(request: Request, call: Showcase) -> JSONResponse:
    return answer(request, affiliate_showcase.add(call.session, _me(call), _ids(call)))


@router.delete(f"{V}/showcases/products")
def remove_showcase_products(request: Request, call: Showcase) -> JSONResponse:
    affiliate_showcase.remove(call.session, _me(call), _ids(call))
    return answer(request, {})


@router.post(f"{V}/showcases/products/top")
def top_showcase_products(request: Request, call: Showcase) -> JSONResponse:
    affiliate_showcase.top(call.session, _me(call), _ids(call))
    return answer(request, {})


@router.get(f"{V}/profiles")
def profile(request: Request, call: Read) -> JSONResponse:
    return answer(request, affiliate_showcase.profile(call.session, _me(call)))


@router.get(f"{V}/shop_products")
def shop_products(request: Request, call: Read) -> JSONResponse:
    q = request.query_params
    page = page_params(q.get("page_size"), q.get("page_token"))
    sort = (q.get("sort_field") or "").upper()
    data = affiliate_showcase.shop_products(
        call.session,
        _me(call),
        page,
        (q.get("title_keyword") or "").strip(),
        sort if sort in affiliate_showcase.SORTS else "PRODUCT_ID",
        q.get("sort_order") == "1",
    )
    return answer(request, data)


@router.post("/affiliate/202402/anchors/prerequisite_check")
def anchor_prerequisites(request: Request, call: Check) -> JSONResponse:
    """The product must exist and be open to the creator (what clipshop checks before a
    creator tags a video with it); nothing is written."""
    body = parse_body(call, api.AnchorProduct)
    product_id = _one(body.product_id)
    affiliate_showcase.open_to(call.session, _me(call), product_id)
    return answer(request, {})


@router.post("/affiliate/202403/anchors/content_check")
def anchor_content(request: Request, call: Check) -> JSONResponse:
    raise affiliate_showcase.not_supported("anchor titles are not checked")
