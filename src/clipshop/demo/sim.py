"""``clipshop sim``: a scripted sandbox day on the demo shops, then the weeks after it.

Buyers check out demo SKUs at times spread over one day; some pay with a card that is
declined (the order stays UNPAID), some cancel in the remorse window; sellers ship on time,
late (after ``rts_sla_time``) or never; the simulated carrier follows a scenario per package.
The platform clock is moved with ``worker.sandbox.advance`` from one scripted action to the
next and then ``days`` further, so every deadline on the way fires at its own time.

Everything goes through the services, each step its own unit of work, exactly as the API
would drive them. The script is a pure function of ``(orders, seed)``; ``sim_summary``
reads the outcome back from the database."""

from __future__ import annotations

import heapq
import itertools
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import partial

from clipshop.checkout.place import CheckoutRequest, place_order
from clipshop.core.clock import as_utc, utcnow
from clipshop.core.db import Database
from clipshop.demo.sim_cast import Cast, cast
from clipshop.demo.sim_script import DAY, Script, plan
from clipshop.fulfillment.carriers import SimulatedCarrier
from clipshop.fulfillment.packages import ShipRequest, create_package
from clipshop.fulfillment.providers import PROVIDERS
from clipshop.models import Order
from clipshop.orders import actions
from clipshop.orders.lifecycle import orders_of_payment
from clipshop.payments.gateway import PaymentGateway
from clipshop.worker import shared_clock
from clipshop.worker.jobs import JobReport
from clipshop.worker.sandbox import advance, next_due

SIMEX = PROVIDERS["SIMEX"]


@dataclass
class SimRun:
    scripts: list[Script]
    order_ids: list[int]  # by script index
    started_at: datetime
    ended_at: datetime
    report: JobReport = field(default_factory=JobReport)
    stops: int = 0


Step = Callable[[], None]


class _Day:
    """The scripted actions in time order, the clock moved to each in turn."""

    def __init__(
        self,
        db: Database,
        gateway: PaymentGateway,
        cast: Cast,
        run: SimRun,
        on_step: Callable[[], None],
    ) -> None:
        self.db, self.gateway, self.cast, self.run = db, gateway, cast, run
        self.carrier = SimulatedCarrier()
        self.queue: list[tuple[datetime, int, Step]] = []
        self.seq = itertools.count()
        self.on_step = on_step

    def at(self, when: datetime, step: Step) -> None:
        heapq.heappush(self.queue, (when, next(self.seq), step))

    def move_to(self, when: datetime) -> None:
        report, stops = advance(self.db, self.gateway, max(when - utcnow(), timedelta(0)))
        self.run.report.add(report)
        self.run.stops += stops

    def play(self) -> None:
        for script in self.run.scripts:
            self.at(self.run.started_at + script.at, partial(self.checkout, script))
        while self.queue:
            when, _, step = heapq.heappop(self.queue)
            self.move_to(when)
            step()
            self.on_step()

    def checkout(self, script: Script) -> None:
        buyer = self.cast.buyers[script.index]
        ok_card, declined_card = self.cast.cards[script.index]
        address = {
            "name": f"Sim Buyer {script.index}",
            "phone": "+1 555 0100",
            "address_line1": f"{100 + script.index} Main St",
            "address_line2": None,
            "city": "Springfield",
            "state": script.state,
            "postal_code": script.postal_code,
            "country": "US",
        }
        request = CheckoutRequest(
            shipping_address=address,
            items={self.cast.skus[(script.shop, code)]: n for code, n in script.items},
            payment_method_id=declined_card if script.fate == "declined" else ok_card,
        )
        payment_id = place_order(self.db, self.gateway, buyer, request)
        with self.db.unit_of_work(write=False) as session:
            (order,) = orders_of_payment(session, payment_id)
        self.run.order_ids[script.index] = order.id
        now = utcnow()
        if script.fate == "buyer_cancels":
            self.at(now + script.delay, lambda: self.cancel(script))
        elif script.fate == "ship_on_time":  # after the remorse window, well before rts
            release = as_utc(order.hold_until or now)
            self.at(release + script.delay, lambda: self.ship(script))
        elif script.fate == "ship_late":
            self.at(now + timedelta(hours=2), lambda: self.plan_late(script))

    def cancel(self, script: Script) -> None:
        order_id = self.run.order_ids[script.index]
        buyer = self.cast.buyers[script.index]
        actions.buyer_cancel(self.db, self.gateway, buyer, order_id, "changed my mind")

    def plan_late(self, script: Script) -> None:
        with self.db.unit_of_work(write=False) as session:
            order = session.get_one(Order, self.run.order_ids[script.index])
            assert order.rts_sla_time is not None, (script, order.status)
            rts = as_utc(order.rts_sla_time)
        self.at(rts + script.delay, lambda: self.ship(script))

    def ship(self, script: Script) -> None:
        seller = self.cast.sellers[script.shop]
        platform = script.index % 2 == 0  # half platform labels, half the seller's own
        request = ShipRequest(
            order_ids=[self.run.order_ids[script.index]],
            line_item_ids=None,
            shipping_type="PLATFORM" if platform else "SELLER",
            provider_code="SIMEX",
            tracking_number=None if platform else self.carrier.new_tracking_number(SIMEX),
            handover_method="DROP_OFF" if platform else None,
            sim_scenario=script.carrier,
        )
        with self.db.unit_of_work() as session:
            create_package(session, seller, self.carrier, request)


def total_steps(scripts: list[Script], days: int) -> int:
    return sum(s.steps for s in scripts) + days


def simulate(
    db: Database,
    gateway: PaymentGateway,
    orders: int = 200,
    days: int = 60,
    seed: int = 1,
    on_step: Callable[[], None] = lambda: None,
) -> SimRun:
    """Play the day's script, then move the clock ``days`` days on, one day per step.

    The day starts at the platform's time: the shared clock's offset is picked up first (a
    sandbox advance or an earlier run may have moved it), so a second run on the same
    database starts where the first one left the clock. It ends ``days + 1`` days after its
    start (or at the last scripted action, when that is later)."""
    shared_clock.sync(db)
    scripts = plan(orders, seed)
    players = cast(db, scripts)
    start = utcnow()
    run = SimRun(scripts, [0] * len(scripts), start, start)
    day = _Day(db, gateway, players, run, on_step)
    day.play()
    end = start + DAY
    for n in range(1, days + 1):
        due = next_due(db)
        if n == days or (due is not None and due <= end + n * DAY):
            day.move_to(end + n * DAY)  # a quiet day is skipped: the next move covers it
        on_step()
    if days == 0:
        day.move_to(end)  # still the whole day
    run.ended_at = utcnow()
    return run
