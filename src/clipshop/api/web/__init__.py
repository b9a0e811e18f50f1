"""The browser pages: home at /, the seller center /center, buyers /shop, agents /desk
(docs/web.md). Templates and static files are package data, served from the install."""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from clipshop.api.web import (
    auth,
    center,
    center_affiliate,
    center_creator,
    center_live,
    center_messages,
    center_orders,
    center_orders_actions,
    center_orders_bulk,
    center_promotions,
    center_requests,
    center_settings,
    center_stock,
    center_support,
    desk,
    desk_cases,
    desk_disputes,
    home,
    notices,
    shop,
    shop_checkout,
    shop_live,
    shop_messages,
    shop_orders,
    shop_support,
)
from clipshop.api.web.render import STATIC_DIR

STATIC_PATH = "/assets"


def install(app: FastAPI) -> None:
    app.mount(STATIC_PATH, StaticFiles(directory=STATIC_DIR), name="assets")
    for module in (
        home,
        auth,
        center,
        center_affiliate,
        center_creator,
        center_live,
        center_orders,
        center_orders_actions,
        center_orders_bulk,
        center_promotions,
        center_requests,
        center_settings,
        center_stock,
        center_messages,
        center_support,
        shop,
        shop_checkout,
        shop_live,
        shop_orders,
        shop_messages,
        shop_support,
        notices,
        desk,
        desk_disputes,
        desk_cases,
    ):
        app.include_router(module.router)
