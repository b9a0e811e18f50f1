"""What the app holds that every area's pages use: the database and the payment gateway."""

from __future__ import annotations

from fastapi import Request

from clipshop.core.db import Database
from clipshop.payments.gateway import PaymentGateway


def database(request: Request) -> Database:
    db: Database = request.app.state.db
    return db


def gateway_of(request: Request) -> PaymentGateway:
    gateway: PaymentGateway = request.app.state.gateway
    return gateway
