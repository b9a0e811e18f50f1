"""Every in-transaction event handler (``core.events.on``) in one list. A handler registers
when its module is imported; each process that can announce events imports this module and
calls ``register()`` before it works: the API (``api.app.create_app``), ``clipshop worker``
and every path through the sweeper (the embedded worker, the sandbox clock, the demo), so no
reaction depends on which other modules a process happened to import."""

from __future__ import annotations

from types import ModuleType

from clipshop.fulfillment import progress  # order status follows its packages' lines
from clipshop.promotions import coupon_uses, giveback  # coupon uses, deal units given back
from clipshop.social import commission  # affiliate commission recorded, voided, reversed
from clipshop.support import dispute_cases  # a dispute opens, resolves its DISPUTE case

HANDLER_MODULES: tuple[ModuleType, ...] = (
    progress,
    coupon_uses,
    giveback,
    commission,
    dispute_cases,
)


def register() -> tuple[ModuleType, ...]:
    """The modules whose handlers are registered (importing them did it)."""
    return HANDLER_MODULES
