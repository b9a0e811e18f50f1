"""The script of a ``clipshop sim`` day: who buys what, when, and what happens to each
order next. A pure function of ``(orders, seed)``: the same seed plays the same day."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import timedelta

from clipshop.demo.seed import SHOPS

DAY = timedelta(days=1)
# What happens to each order, with its weight in the mix (see ``apportion``).
MIX: tuple[tuple[str, str | None, int], ...] = (
    ("declined", None, 6),  # card declined: stays UNPAID until auto-cancelled
    ("buyer_cancels", None, 6),  # cancelled by the buyer in the remorse window
    ("not_shipped", None, 6),  # the seller never ships: late dispatch, then auto-cancel
    ("ship_on_time", "on_time", 44),
    ("ship_late", "on_time", 8),
    ("ship_on_time", "late", 8),
    ("ship_late", "late", 4),
    ("ship_on_time", "fail_twice", 6),
    ("ship_on_time", "lost_in_transit", 6),
    ("ship_on_time", "never_collected", 6),
)
SHIPS = frozenset({"ship_on_time", "ship_late"})  # the fates with a package
STATES = (("CA", "90012"), ("TX", "73301"), ("NY", "10001"), ("IL", "62702"), ("WA", "98101"))


@dataclass(frozen=True)
class Script:
    """One buyer's order and what everyone does with it."""

    index: int
    at: timedelta  # checkout, after the day starts
    shop: str  # a demo shop's name
    items: tuple[tuple[str, int], ...]  # (seller_sku, quantity)
    state: str
    postal_code: str
    fate: str  # a MIX name
    carrier: str | None  # the simulated carrier's scenario, when shipped
    delay: timedelta  # cancel after checkout / ship after release / ship after rts

    @property
    def steps(self) -> int:
        """Scripted actions: checkout, then a cancel, a shipment, or planning a late one."""
        return 1 + {"buyer_cancels": 1, "ship_on_time": 1, "ship_late": 2}.get(self.fate, 0)


def apportion(total: int, weights: list[int]) -> list[int]:
    """Split ``total`` by ``weights`` (largest remainder); every share gets at least one
    when there are enough to go round, so a small run still covers every fate."""
    floor = 1 if total >= len(weights) else 0
    rest = total - floor * len(weights)
    raw = [rest * w / sum(weights) for w in weights]
    shares = [int(r) for r in raw]
    by_remainder = sorted(range(len(weights)), key=lambda i: (shares[i] - raw[i], i))
    for i in by_remainder[: rest - sum(shares)]:
        shares[i] += 1
    return [floor + s for s in shares]


def plan(orders: int, seed: int) -> list[Script]:
    """The day's script: a pure function of ``orders`` and ``seed``."""
    rng = random.Random(seed)
    fates = [
        (name, carrier)
        for (name, carrier, _), n in zip(MIX, apportion(orders, [w for *_, w in MIX]), strict=True)
        for _ in range(n)
    ]
    rng.shuffle(fates)
    times = sorted(rng.uniform(0, DAY.total_seconds()) for _ in range(orders))
    scripts = []
    for index, ((fate, carrier), at) in enumerate(zip(fates, times, strict=True)):
        shop = rng.choice(SHOPS)
        codes = [sku[0] for _, _, skus in shop["products"] for sku in skus]
        chosen = rng.sample(codes, k=rng.choice((1, 1, 1, 2)))
        state, postal = rng.choice(STATES)
        if fate == "buyer_cancels":
            delay = timedelta(minutes=rng.uniform(5, 50))
        else:
            delay = timedelta(hours=rng.uniform(1, 30))
        scripts.append(
            Script(
                index=index,
                at=timedelta(seconds=at),
                shop=str(shop["name"]),
                items=tuple((code, rng.choice((1, 1, 2))) for code in chosen),
                state=state,
                postal_code=postal,
                fate=fate,
                carrier=carrier,
                delay=delay,
            )
        )
    return scripts
