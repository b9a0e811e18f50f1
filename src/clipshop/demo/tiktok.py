"""The demo's app for the TikTok-compatible API: registered once, authorized on every demo shop
in its owner's name, with a fresh auth code per shop on every run (docs/tiktok-api.md)."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from clipshop.models import PartnerApp
from clipshop.partner import apps

APP_NAME = "clipshop demo integration"


@dataclass
class DemoTikTokShop:
    id: str
    name: str
    cipher: str
    auth_code: str  # single use, 10 minutes: GET /api/v2/token/get


@dataclass
class DemoTikTok:
    app_key: str
    app_secret: str
    auth_code: str  # the first shop's (Sunny Threads, seller_local)
    auth_code_expires_at: str
    shops: list[DemoTikTokShop] = field(default_factory=list)


def seed_tiktok(session: Session, shops: list[tuple[int, str]]) -> DemoTikTok:
    """``shops``: (id, name) of the demo shops, the first one's code answered at the top."""
    app = session.scalars(select(PartnerApp).where(PartnerApp.name == APP_NAME)).first()
    if app is None:
        app = apps.create_app(session, APP_NAME).app
    out = []
    expires = ""
    for shop_id, name in shops:
        made = apps.grant_for_owner(session, app.app_key, shop_id)
        expires = expires or made.expires_at.isoformat()
        out.append(DemoTikTokShop(str(shop_id), name, apps.shop_cipher(shop_id), made.auth_code))
    return DemoTikTok(app.app_key, app.app_secret, out[0].auth_code, expires, out)
