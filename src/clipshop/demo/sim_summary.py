"""What a ``clipshop sim`` run left behind, read back from the database (its orders only),
plus the rules the sweeper applied on the way."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from sqlalchemy import func, select

from clipshop.core.db import Database
from clipshop.demo.sim import SimRun
from clipshop.models import Order, OrderLineItem, Package, PaymentTransaction


@dataclass
class Summary:
    orders: int
    by_status: dict[str, int]
    late_dispatches: int
    cancellations: dict[tuple[str, str], int]  # (cancelled_by, reason) -> orders
    refunds: dict[str, tuple[int, int]]  # currency -> (count, amount) of sent refunds
    refunds_unsent: int  # queued refunds not (yet) succeeded
    packages: int
    lost_packages: int  # declared lost and cancelled by a rule
    rules_applied: dict[str, int] = field(default_factory=dict)
    timers_failed: int = 0
    stops: int = 0

    @property
    def auto_cancellations(self) -> dict[str, int]:
        return {reason: n for (by, reason), n in self.cancellations.items() if by == "SYSTEM"}


def summarize(db: Database, run: SimRun) -> Summary:
    ids = run.order_ids
    with db.unit_of_work(write=False) as session:
        orders = list(session.scalars(select(Order).where(Order.id.in_(ids))))
        refunds = session.execute(
            select(
                PaymentTransaction.currency,
                PaymentTransaction.status,
                func.count(),
                func.sum(PaymentTransaction.amount),
            )
            .where(PaymentTransaction.order_id.in_(ids), PaymentTransaction.kind == "REFUND")
            .group_by(PaymentTransaction.currency, PaymentTransaction.status)
        ).all()
        package_ids = select(OrderLineItem.package_id).where(OrderLineItem.order_id.in_(ids))
        packages = Counter(
            session.scalars(select(Package.status).where(Package.id.in_(package_ids)))
        )
    sent = {c: (int(n), int(total)) for c, status, n, total in refunds if status == "SUCCEEDED"}
    cancelled = Counter(
        (o.cancelled_by or "", o.cancel_reason or "") for o in orders if o.status == "CANCELLED"
    )
    return Summary(
        orders=len(orders),
        by_status=dict(sorted(Counter(o.status for o in orders).items())),
        late_dispatches=sum(o.late_dispatch for o in orders),
        cancellations=dict(sorted(cancelled.items())),
        refunds=dict(sorted(sent.items())),
        refunds_unsent=sum(int(n) for _, status, n, _ in refunds if status != "SUCCEEDED"),
        packages=sum(packages.values()),
        lost_packages=packages["CANCELLED"],
        rules_applied=dict(sorted(run.report.sweep.applied.items())),
        timers_failed=run.report.sweep.failed,
        stops=run.stops,
    )
