"""Labels and packing slips of packages: who may print them, and what they print.

Only someone who ships for the package's shop prints its documents: the shop's sellers and
admins (``fulfillment:write``); buyers and support staff are refused (403), packages of other
shops are reported missing (404). Cancelled packages, and packages whose every item was
cancelled, get no documents (409). A batch is all or nothing."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

from sqlalchemy import select
from sqlalchemy.orm import Session

from clipshop.catalog import shops, warehouses
from clipshop.core.errors import Conflict, NotFound
from clipshop.fulfillment import documents, views
from clipshop.fulfillment.documents import Address, PackageDocument, group_items
from clipshop.fulfillment.providers import PROVIDERS
from clipshop.identity.principal import Permission, Principal
from clipshop.models import OrderLineItem, Package, Shop, Warehouse

MAX_BATCH = 100
Kind = Literal["LABEL", "PACKING_SLIP", "LABEL_AND_SLIP"]
HANDOVER = {"PICKUP": "Carrier pickup", "DROP_OFF": "Drop-off at a carrier point"}


class PackageCancelled(Conflict):
    code = "package_cancelled"
    title = "Package cancelled"


def _ids_text(ids: Sequence[int]) -> str:
    return ", ".join(str(i) for i in ids)


def _packages(session: Session, principal: Principal, package_ids: Sequence[int]) -> list[Package]:
    principal.require(Permission.FULFILL)
    ids = list(dict.fromkeys(package_ids))
    rows = session.scalars(select(Package).where(Package.id.in_(ids))).all()
    found = {p.id: p for p in rows if principal.sees_shop(p.shop_id)}
    missing = [i for i in ids if i not in found]
    if len(missing) == 1:
        raise NotFound(f"package {missing[0]} not found", package_ids=[str(missing[0])])
    if missing:
        raise NotFound(
            f"packages not found: {_ids_text(missing)}", package_ids=[str(i) for i in missing]
        )
    return [found[i] for i in ids]


def _live_lines(session: Session, packages: list[Package]) -> dict[int, list[OrderLineItem]]:
    lines = views.lines_by_package(session, [p.id for p in packages])
    live = {p.id: [x for x in lines.get(p.id, []) if x.status != "CANCELLED"] for p in packages}
    dead = [p.id for p in packages if p.status == "CANCELLED" or not live[p.id]]
    if dead:
        noun = "package" if len(dead) == 1 else "packages"
        raise PackageCancelled(
            f"{noun} {_ids_text(dead)}: cancelled (or every item cancelled); "
            "nothing to label or pack",
            package_ids=[str(i) for i in dead],
        )
    return live


class _Senders:
    """Shop names and warehouse addresses, read once per batch."""

    def __init__(self, session: Session, principal: Principal) -> None:
        self.session, self.principal = session, principal
        self.shops: dict[int, Shop] = {}
        self.warehouses: dict[int, Warehouse] = {}

    def shop(self, shop_id: int) -> Shop:
        if shop_id not in self.shops:
            self.shops[shop_id] = shops.get_shop(self.session, self.principal, shop_id)
        return self.shops[shop_id]

    def warehouse(self, warehouse_id: int) -> Warehouse:
        if warehouse_id not in self.warehouses:
            self.warehouses[warehouse_id] = warehouses.get_warehouse(
                self.session, self.principal, warehouse_id
            )
        return self.warehouses[warehouse_id]

    def sender(self, package: Package, lines: list[OrderLineItem]) -> Address:
        """The shop, at the warehouse the items leave from (the shop's default warehouse when
        they come from several)."""
        origins = {line.warehouse_id for line in lines}
        origin = origins.pop() if len(origins) == 1 else None
        if origin is None:
            origin = warehouses.default_warehouse_id(self.session, package.shop_id)
        if origin is None:
            origin = lines[0].warehouse_id
        w = self.warehouse(origin)
        fields = {
            "address_line1": w.address_line1,
            "address_line2": w.address_line2,
            "city": w.city,
            "state": w.state,
            "postal_code": w.postal_code,
            "country": w.country,
        }
        return Address.from_fields(self.shop(package.shop_id).name, fields)


def _document(package: Package, lines: list[OrderLineItem], sender: Address) -> PackageDocument:
    provider = PROVIDERS.get(package.provider_code)
    address = package.recipient_address or {}
    notes = (HANDOVER[package.handover_method],) if package.handover_method in HANDOVER else ()
    return PackageDocument(
        package_id=package.id,
        order_ids=tuple(sorted({line.order_id for line in lines})),
        carrier_name=provider.name if provider else package.provider_code,
        service=package.shipping_service,
        tracking_number=package.tracking_number,
        recipient=Address.from_fields(str(address.get("name") or ""), address),
        sender=sender,
        items=group_items((x.product_name, x.sku_name, x.seller_sku) for x in lines),
        weight_grams=package.weight_grams,
        created=package.created_at.date(),
        notes=notes,
    )


def package_documents(
    session: Session, principal: Principal, package_ids: Sequence[int]
) -> list[PackageDocument]:
    """What the documents of these packages print, in the order asked (repeats once)."""
    packages = _packages(session, principal, package_ids)
    lines = _live_lines(session, packages)
    senders = _Senders(session, principal)
    return [_document(p, lines[p.id], senders.sender(p, lines[p.id])) for p in packages]


def render(session: Session, principal: Principal, package_ids: Sequence[int], kind: Kind) -> bytes:
    """One PDF: a label (or a packing slip, or both) per package."""
    docs = package_documents(session, principal, package_ids)
    if kind == "LABEL":
        return documents.render_labels(docs)
    if kind == "LABEL_AND_SLIP":
        return documents.render_labels_and_slips(docs)
    return documents.render_packing_slips(docs)
