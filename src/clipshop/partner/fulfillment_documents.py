"""Shipping documents for the seller API: ``shipping_documents`` answers a ``doc_url`` valid
for 24 hours (wall clock) that serves the PDF of the native documents service without a
token, as the reference's URLs do. The URL carries the app's key, its expiry and an
HMAC-SHA256 of ``package_id:document_type:expires`` keyed with the app's secret; fetching it
checks the app still holds an active grant with the fulfillment scope on the package's shop."""

from __future__ import annotations

import hashlib
import hmac
import time
from urllib.parse import urlencode

from sqlalchemy import select
from sqlalchemy.orm import Session

from clipshop.fulfillment import documents_service
from clipshop.identity.principal import Principal, Role
from clipshop.models import AppAuthorization, Package, PartnerApp
from clipshop.partner import scopes
from clipshop.partner.apps import app_by_key
from clipshop.partner.errors import CONFLICT, PartnerError, invalid_parameter, not_found
from clipshop.partner.fulfillment import pending_order

LIFETIME = 24 * 3600
KINDS: dict[str, documents_service.Kind] = {
    "SHIPPING_LABEL": "LABEL",
    "PACKING_SLIP": "PACKING_SLIP",
}
FILE_PATH = "/fulfillment/202309/shipping_documents/{package_id}.pdf"


def kind_of(document_type: str | None) -> documents_service.Kind:
    kind = KINDS.get((document_type or "").strip().upper())
    if kind is None:
        raise invalid_parameter("document_type must be one of " + ", ".join(KINDS))
    return kind


def _mac(secret: str, package_id: int, document_type: str, expires: int) -> str:
    text = f"{package_id}:{document_type}:{expires}".encode()
    return hmac.new(secret.encode(), text, hashlib.sha256).hexdigest()


def document_url(
    session: Session,
    principal: Principal,
    app: PartnerApp,
    shop_id: int,
    package_id: int,
    document_type: str,
    base_url: str,
) -> tuple[str, str]:
    """The ``doc_url`` of a shipped package of the shop, and its tracking number. The
    documents are checked now (a cancelled package: 409), so the URL serves them."""
    kind_of(document_type)
    package = session.get(Package, package_id)
    if package is None or package.shop_id != shop_id:
        if pending_order(session, shop_id, package_id) is not None:
            raise PartnerError(
                CONFLICT, f"package {package_id} is not shipped yet: ship it first", 409
            )
        raise not_found(f"package {package_id} not found")
    documents_service.package_documents(session, principal, [package_id])
    expires = int(time.time()) + LIFETIME
    kind = document_type.strip().upper()
    query = urlencode(
        {
            "document_type": kind,
            "app_key": app.app_key,
            "expires": expires,
            "sign": _mac(app.app_secret, package_id, kind, expires),
        }
    )
    path = FILE_PATH.format(package_id=package_id)
    return f"{base_url.rstrip('/')}{path}?{query}", package.tracking_number


def render(
    session: Session, package_id: int, document_type: str, app_key: str, expires: str, sign: str
) -> bytes:
    """The PDF behind a ``doc_url``; a URL that is expired, altered or no longer authorized
    answers not found."""
    kind = kind_of(document_type)
    app = app_by_key(session, app_key)
    try:
        until = int(expires)
    except ValueError:
        until = 0
    expected = _mac(app.app_secret, package_id, document_type, until) if app else ""
    if app is None or not hmac.compare_digest(expected, sign) or until < time.time():
        raise not_found("this document URL is not valid or has expired")
    package = session.get(Package, package_id)
    grant = None
    if package is not None:
        grant = session.scalars(
            select(AppAuthorization).where(
                AppAuthorization.app_id == app.id,
                AppAuthorization.shop_id == package.shop_id,
                AppAuthorization.status == "ACTIVE",
            )
        ).first()
    if package is None or grant is None or scopes.FULFILLMENT not in grant.scopes:
        raise not_found("this document URL is not valid or has expired")
    shop = frozenset({package.shop_id})
    seller = Principal(grant.granted_by, Role.SELLER, shop, shop)
    return documents_service.render(session, seller, [package_id], kind)
