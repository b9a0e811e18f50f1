"""Our own models of the reference's shapes for apps, tokens and shops (the ``data`` of the
envelope), and the native API's request and response bodies for apps and authorizations."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from clipshop.core.schemas import FilledLine, IdStr, Name, RequestModel, ResponseModel

Scope = Annotated[FilledLine, StringConstraints(min_length=1, max_length=64)]


class PartnerData(BaseModel):
    """An envelope ``data`` object: extra fields refused, so a test catches any drift."""

    model_config = ConfigDict(extra="forbid")


class TokenData(PartnerData):
    """``GET /api/v2/token/get`` and ``/refresh``: expiries are absolute Unix seconds."""

    access_token: str
    access_token_expire_in: int
    refresh_token: str
    refresh_token_expire_in: int
    open_id: str
    seller_name: str
    seller_base_region: str
    user_type: int
    granted_scopes: list[str]


class AuthorizedShopOut(PartnerData):
    id: str
    name: str
    region: str
    seller_type: str  # CROSS_BORDER or LOCAL
    cipher: str
    code: str


class AuthorizedShops(PartnerData):
    """``GET /authorization/202309/shops``."""

    shops: list[AuthorizedShopOut]


class ActiveShopOut(PartnerData):
    id: str
    region: str


class ActiveShops(PartnerData):
    """``GET /seller/202309/shops``."""

    shops: list[ActiveShopOut]


class AppCreate(RequestModel):
    name: Name = Field(description="The integration's name", examples=["Acme ERP"])
    rate_limit_per_minute: int | None = Field(
        default=None, ge=1, le=1_000_000, description="Requests per minute (default: setting)"
    )


class AppCreated(ResponseModel):
    id: IdStr
    name: str
    app_key: str
    app_secret: str = Field(description="Signs every request; shown at creation only")
    rate_limit_per_minute: int | None


class AuthorizationCreate(RequestModel):
    app_key: Annotated[FilledLine, StringConstraints(min_length=1, max_length=32)]
    scopes: list[Scope] | None = Field(
        default=None, max_length=50, description="Scopes granted (default: every scope)"
    )


class AuthorizationCreated(ResponseModel):
    id: IdStr
    shop_id: IdStr
    app_key: str
    scopes: list[str]
    shop_cipher: str
    auth_code: str = Field(description="Single use: exchange it at GET /api/v2/token/get")
    auth_code_expires_at: datetime = Field(description="Wall time, 10 minutes after issue")
