"""The partner part of the authorization matrix's world: an app, and per scope ("own": shop A,
"foreign": shop B) its authorization on that scope's shop, made in the shop owner's name."""

from __future__ import annotations

from dataclasses import dataclass

from clipshop.core.db import Database
from clipshop.partner import apps
from tests.conftest import ShopFixture

APP_BODY = {"name": "Matrix app"}


@dataclass
class PartnerWorld:
    app_key: str
    authorizations: dict[str, int]  # scope -> the app's authorization on that scope's shop


def build_partner(db: Database, shops: dict[str, ShopFixture]) -> PartnerWorld:
    with db.unit_of_work() as session:
        app_key = apps.create_app(session, "Matrix integration").app.app_key
        found = {
            scope: apps.grant_for_owner(session, app_key, shop.id).authorization.id
            for scope, shop in shops.items()
        }
    return PartnerWorld(app_key, found)
