"""The ASGI application: routers, error mapping, the database on app.state."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from clipshop import __version__
from clipshop.api import docs_pages, errors, openapi, web
from clipshop.api.admission import WriteAdmission
from clipshop.api.idempotency import IdempotencyMiddleware
from clipshop.api.partner import affiliate as partner_affiliate
from clipshop.api.partner import customer_service as partner_customer_service
from clipshop.api.partner import events as partner_events
from clipshop.api.partner import fulfillment as partner_fulfillment
from clipshop.api.partner import logistics as partner_logistics
from clipshop.api.partner import orders as partner_orders
from clipshop.api.partner import products as partner_products
from clipshop.api.partner import promotions as partner_promotions
from clipshop.api.partner import returns as partner_returns
from clipshop.api.partner import shops as partner_shops
from clipshop.api.partner import tokens as partner_tokens
from clipshop.api.routers import (
    cancellations,
    checkout,
    creators,
    disputes,
    documents,
    events,
    fulfillment,
    fulfillment_files,
    identity,
    live,
    order_changes,
    orders,
    partner_apps,
    performance,
    pricing,
    products,
    returns,
    sandbox,
    shops,
    stock_uploads,
    webhook_deliveries,
    webhooks,
)
from clipshop.api.routers import conversations as conversation_routes
from clipshop.api.routers import coupons as coupon_routes
from clipshop.api.routers import notifications as notification_routes
from clipshop.api.routers import promotions as promotion_routes
from clipshop.api.routers import support as support_routes
from clipshop.core.db import Database
from clipshop.core.settings import Settings, get_settings
from clipshop.core.storage import LocalFileStorage, Storage
from clipshop.fulfillment.carriers import SimulatedCarrier
from clipshop.payments.gateway import PaymentGateway
from clipshop.payments.simulated import SimulatedGateway
from clipshop.worker import reactions

API_PREFIX = "/api/v1"


def create_app(
    settings: Settings | None = None,
    database: Database | None = None,
    gateway: PaymentGateway | None = None,
    storage: Storage | None = None,
) -> FastAPI:
    settings = settings or get_settings()
    reactions.register()  # every event handler, whichever routers import their modules
    db = database or Database(settings)

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        yield
        if database is None:
            db.dispose()

    app = FastAPI(
        title="clipshop",
        version=__version__,
        summary="Order platform for social commerce: native REST API",
        lifespan=lifespan,
        docs_url=None,  # docs_pages serves /docs and /redoc without a CDN
        redoc_url=None,
    )
    app.state.db = db
    app.state.settings = settings
    app.state.gateway = gateway or SimulatedGateway(db)
    app.state.carrier = SimulatedCarrier()
    app.state.storage = storage or LocalFileStorage(settings.storage_dir)
    app.add_middleware(IdempotencyMiddleware, db=db)
    errors.install(app)
    app.add_middleware(WriteAdmission, db=db)  # outermost: SQLite writers wait off the threads
    openapi.install(app, API_PREFIX)
    docs_pages.install(app)
    for module in (identity, shops, products, pricing, checkout, orders, fulfillment, sandbox):
        app.include_router(module.router, prefix=API_PREFIX)
    app.include_router(documents.router, prefix=API_PREFIX)
    app.include_router(stock_uploads.router, prefix=API_PREFIX)
    app.include_router(fulfillment_files.router, prefix=API_PREFIX)
    app.include_router(order_changes.router, prefix=API_PREFIX)
    app.include_router(performance.router, prefix=API_PREFIX)
    app.include_router(events.router, prefix=API_PREFIX)
    app.include_router(returns.router, prefix=API_PREFIX)
    app.include_router(cancellations.router, prefix=API_PREFIX)
    app.include_router(disputes.router, prefix=API_PREFIX)
    app.include_router(webhook_deliveries.router, prefix=API_PREFIX)
    app.include_router(webhooks.router, prefix=API_PREFIX)
    app.include_router(partner_apps.router, prefix=API_PREFIX)
    app.include_router(coupon_routes.router, prefix=API_PREFIX)
    app.include_router(promotion_routes.router, prefix=API_PREFIX)
    app.include_router(live.router, prefix=API_PREFIX)
    app.include_router(creators.router, prefix=API_PREFIX)
    app.include_router(conversation_routes.router, prefix=API_PREFIX)
    app.include_router(notification_routes.router, prefix=API_PREFIX)
    app.include_router(support_routes.router, prefix=API_PREFIX)
    # The TikTok-compatible seller API, at the origin's root (docs/tiktok-api.md).
    app.include_router(partner_tokens.router)
    app.include_router(partner_shops.router)
    app.include_router(partner_orders.router)
    app.include_router(partner_returns.router)
    app.include_router(partner_products.router)
    app.include_router(partner_promotions.router)
    app.include_router(partner_fulfillment.router)
    app.include_router(partner_logistics.router)
    web.install(app)  # the browser pages (docs/web.md)
    app.include_router(partner_events.router)
    app.include_router(partner_affiliate.router)
    app.include_router(partner_customer_service.router)

    @app.get("/healthz", tags=["ops"], summary="Liveness")
    def healthz() -> dict[str, str | int]:
        """``node``: the answering process's id-generator node (one per server process)."""
        return {"status": "ok", "version": __version__, "node": settings.node_id}

    return app
