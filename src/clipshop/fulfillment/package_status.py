"""The one place a package's status changes: ``set_status`` writes it and announces
``package.status_changed`` in the same unit of work (created: PROCESSING; the carrier's
first scan: FULFILLING; delivered: COMPLETED; lost or returned to sender: CANCELLED).

The caller locks the rows of the package's orders first (as every change that announces an
order's event does), so a package's events and its orders' events reach consumers in the
order they were announced. A tracking-number
correction keeps the status and announces nothing."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy.orm import Session

from clipshop.core.clock import utcnow
from clipshop.core.events import PackageStatusChanged, announce
from clipshop.models import Package


def set_status(
    session: Session,
    package: Package,
    status: str,
    order_ids: Iterable[int],
    reason: str,
    *,
    created: bool = False,
) -> None:
    """Move ``package`` to ``status`` and announce it (nothing when it is there already);
    ``created``: the package was just added with ``status``, announced from null."""
    before = None if created else package.status
    if before == status:
        return
    if not created:
        package.status = status
    changed = PackageStatusChanged(
        package_id=package.id,
        order_ids=tuple(sorted(set(order_ids))),
        shop_id=package.shop_id,
        from_status=before,
        to_status=status,
        tracking_number=package.tracking_number,
        provider_code=package.provider_code,
        reason=reason,
        at=utcnow(),
    )
    announce(session, changed)
