"""``GET /authorization/202309/shops`` (the shops authorized for the app, with their ciphers)
and ``GET /seller/202309/shops`` (the seller's active shops)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse

from clipshop.api.partner.envelope import envelope
from clipshop.api.partner.protocol import PartnerCall, partner
from clipshop.partner import scopes
from clipshop.partner.schemas import ActiveShopOut, ActiveShops, AuthorizedShopOut, AuthorizedShops
from clipshop.partner.shops import shop_code

router = APIRouter(tags=["partner"], include_in_schema=False)

AuthorizationCall = Annotated[
    PartnerCall, Depends(partner(scopes.AUTHORIZATION_INFO, shop_scoped=False))
]
ShopCall = Annotated[PartnerCall, Depends(partner(scopes.SHOP_INFO, shop_scoped=False))]


@router.get("/authorization/202309/shops")
def authorized_shops(request: Request, call: AuthorizationCall) -> JSONResponse:
    shops = [
        AuthorizedShopOut(
            id=str(s.id),
            name=s.name,
            region=s.region,
            seller_type=s.shop_type,
            cipher=s.cipher,
            code=shop_code(s.id),
        )
        for s in call.access.shops
    ]
    return envelope(request, AuthorizedShops(shops=shops))


@router.get("/seller/202309/shops")
def active_shops(request: Request, call: ShopCall) -> JSONResponse:
    shops = [ActiveShopOut(id=str(s.id), region=s.region) for s in call.access.shops]
    return envelope(request, ActiveShops(shops=shops))
