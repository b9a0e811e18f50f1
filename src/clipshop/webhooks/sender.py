"""The webhook sender: a worker job (``worker.jobs``) that sends the due deliveries.

Each delivery goes through three short steps, none holding a transaction across the network:

1. Claim (one transaction): due PENDING deliveries of enabled subscriptions, none waiting
   behind an earlier PENDING delivery of the same subscription and order, get a lease
   (``locked_until``; ``FOR UPDATE SKIP LOCKED`` on PostgreSQL, so several workers share).
2. Send (no transaction), in a bounded thread pool (``CLIPSHOP_WEBHOOK_CONCURRENCY``): the
   URL is checked against the SSRF guard again and dialled at the address that was checked,
   signed per Standard Webhooks (a partner app's webhook: TikTok's ``Authorization``), no
   redirects followed, ``CLIPSHOP_WEBHOOK_TIMEOUT_SECONDS``.
3. Record, as sends finish, in the transaction that claims more into the freed room (so a
   slow receiver never holds the others; the sends that finish within ``GATHER_SECONDS`` of
   the first are recorded together, so a fast receiver costs few write transactions): 2xx
   delivered; 410 disables the subscription; anything else is retried on ``RETRY_STEPS``
   with jitter, and past the last step the delivery fails and the subscription is disabled.
   Disabling fails its pending deliveries and announces ``webhook.disabled`` (to the feed
   through the outbox).

A sender killed mid-batch loses nothing: its leases expire and the deliveries are sent
again, with the same ``webhook-id`` (receivers deduplicate on it).
"""

from __future__ import annotations

import dataclasses
import ipaddress
import json
import logging
import random
import time
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, ClassVar

import httpx
from sqlalchemy import exists, or_, select, update
from sqlalchemy.orm import Session, aliased

from clipshop.core.clock import utcnow
from clipshop.core.db import Database
from clipshop.core.errors import DomainError
from clipshop.core.events import Event, announce
from clipshop.models import PartnerApp, WebhookDelivery, WebhookSubscription
from clipshop.webhooks import signing
from clipshop.webhooks.ssrf import check_target
from clipshop.webhooks.subscriptions import signing_secrets

log = logging.getLogger("clipshop.webhooks")

# The wait after the n-th failed attempt (n = 1..10), each +-20% at random: about 4 days in
# all (at least 3 days and 8 hours with the jitter), 11 attempts. Past the last: FAILED.
RETRY_STEPS = tuple(
    timedelta(seconds=s)
    for s in (5, 300, 1800, 7200, 18_000, 36_000, 50_400, 72_000, 86_400, 86_400)
)
JITTER = 0.2
MAX_CLAIMS_PER_CALL = 5000  # so one call always ends
# After the first send of a round finishes, the others get this long to finish too, so one
# transaction records (and refills) many: fewer, larger write transactions leave SQLite's one
# write lock free for checkout most of the time (docs/benchmarks.md, webhook delivery).
GATHER_SECONDS = 0.05
GONE = 410


@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class WebhookDisabled(Event):
    """A webhook subscription was disabled by the sender: the receiver answered 410, or a
    delivery failed for the whole retry schedule. The seller learns it from the feed (and
    by e-mail once notifications exist, issue 18)."""

    type: ClassVar[str] = "webhook.disabled"
    subscription_id: int
    url: str
    reason: str


def retry_delay(attempts: int, rng: random.Random | None = None) -> timedelta | None:
    """The wait before the next attempt after ``attempts`` failed ones (None: give up)."""
    if not 1 <= attempts <= len(RETRY_STEPS):
        return None
    factor = 1 + (rng or random).uniform(-JITTER, JITTER)
    return RETRY_STEPS[attempts - 1] * factor


@dataclass(frozen=True, slots=True)
class Claim:
    """A delivery this sender holds the lease of, with what sending it needs."""

    id: int
    subscription_id: int
    url: str
    message_id: str
    body: bytes
    secrets: tuple[str, ...]
    attempts: int
    lease: datetime
    app: tuple[str, str] | None = None  # a partner app's webhook: (app_key, app_secret)


@dataclass(frozen=True, slots=True)
class Outcome:
    claim: Claim
    status_code: int | None = None  # None: no answer (refused target, timeout, connection)
    error: str | None = None
    latency_ms: int | None = None


@dataclass
class SendReport:
    claimed: int = 0
    delivered: int = 0
    retried: int = 0
    failed: int = 0
    disabled: int = 0

    def add(self, other: SendReport) -> None:
        for field in dataclasses.fields(self):
            setattr(self, field.name, getattr(self, field.name) + getattr(other, field.name))


def lease_length(timeout: float) -> timedelta:
    """How long a claim is held: longer than any one send can take (connect, write, read
    each get the timeout) with a margin."""
    return timedelta(seconds=4 * timeout + 30)


_EARLIER = aliased(WebhookDelivery)
_PLAIN = {"synchronize_session": False}  # no ORM objects of these rows in the session


def _due(now: datetime) -> Any:
    d = WebhookDelivery
    waits = exists().where(
        _EARLIER.subscription_id == d.subscription_id,
        _EARLIER.order_id == d.order_id,
        _EARLIER.id < d.id,
        _EARLIER.status == "PENDING",
    )
    free = or_(d.locked_until.is_(None), d.locked_until <= now)
    return (d.status == "PENDING") & (d.next_attempt_at <= now) & free & ~waits


def has_due(session: Session, now: datetime) -> bool:
    d, s = WebhookDelivery, WebhookSubscription
    stmt = select(d.id).join(s, s.id == d.subscription_id).where(_due(now), s.enabled)
    return session.scalar(stmt.limit(1)) is not None


def claim(session: Session, now: datetime, limit: int, lease: timedelta) -> list[Claim]:
    """Lease up to ``limit`` due deliveries of enabled subscriptions, oldest first."""
    d, s, a = WebhookDelivery, WebhookSubscription, PartnerApp
    rows = session.execute(
        select(d, s, a.app_key, a.app_secret)
        .join(s, s.id == d.subscription_id)
        .outerjoin(a, a.id == s.app_id)
        .where(_due(now), s.enabled)
        .order_by(d.id)
        .limit(limit)
        .with_for_update(skip_locked=True, of=d)
    ).all()
    if not rows:
        return []
    until = now + lease
    wall = datetime.now(UTC)
    leased = update(d).where(d.id.in_([r[0].id for r in rows])).values(locked_until=until)
    session.execute(leased, execution_options=_PLAIN)
    return [
        Claim(
            id=row.id,
            subscription_id=sub.id,
            url=sub.url,
            message_id=row.message_id,
            body=json.dumps(row.payload, separators=(",", ":")).encode(),
            secrets=() if app_key else tuple(signing_secrets(sub, wall)),
            attempts=row.attempts,
            lease=until,
            app=(app_key, app_secret) if app_key else None,
        )
        for row, sub, app_key, app_secret in rows
    ]


def signed_headers(claim: Claim, wall: datetime) -> dict[str, str]:
    """The claim's headers: TikTok's ``Authorization`` for a partner app's webhook, Standard
    Webhooks' for the shop's own."""
    if claim.app is not None:
        return signing.tiktok_headers(*claim.app, claim.body)
    return signing.headers(claim.message_id, claim.body, claim.secrets, wall)


def _pinned(url: str, address: str) -> tuple[httpx.URL, dict[str, str], dict[str, Any]]:
    """``url`` dialled at ``address`` (the one the SSRF guard checked), so a DNS answer that
    changed since cannot redirect it: the Host header and TLS's SNI (and certificate check)
    keep the name."""
    parsed = httpx.URL(url)
    host = parsed.host
    try:
        ipaddress.ip_address(host)
        return parsed, {}, {}
    except ValueError:
        pass
    netloc = parsed.netloc.decode("ascii")
    return parsed.copy_with(host=address), {"host": netloc}, {"sni_hostname": host}


def send(client: httpx.Client, claim: Claim, allow_loopback: bool) -> Outcome:
    """One attempt; never raises."""
    try:
        addresses = check_target(claim.url, allow_loopback)
    except DomainError as exc:
        return Outcome(claim, error=f"target refused: {exc.detail}"[:500])
    except Exception as exc:
        return Outcome(claim, error=f"target not checked: {type(exc).__name__}: {exc}"[:500])
    try:
        url, host, extensions = _pinned(claim.url, str(addresses[0]))
        headers = signed_headers(claim, datetime.now(UTC))
        started = time.perf_counter()
        request = client.build_request(
            "POST", url, content=claim.body, headers=headers | host, extensions=extensions
        )
        response = client.send(request, stream=True)  # the answer's body is never read
        response.close()
    except httpx.TimeoutException:
        return Outcome(claim, error="timeout")
    except Exception as exc:  # any failure is this attempt's, never the whole round's
        return Outcome(claim, error=f"{type(exc).__name__}: {exc}"[:500])
    latency = round((time.perf_counter() - started) * 1000)
    error = None if 200 <= response.status_code < 300 else f"HTTP {response.status_code}"
    return Outcome(claim, response.status_code, error, latency)


def record(session: Session, outcomes: list[Outcome], now: datetime) -> SendReport:
    """Write each outcome, if its lease is still ours (a sender whose lease expired loses
    the result: the delivery was or will be sent again)."""
    d = WebhookDelivery
    report = SendReport()
    for outcome in outcomes:
        c = outcome.claim
        mine = (d.id == c.id) & (d.status == "PENDING") & (d.locked_until == c.lease)
        seen: dict[str, Any] = {"attempts": c.attempts + 1, "locked_until": None}
        seen |= {"last_status_code": outcome.status_code, "last_error": outcome.error}
        seen["last_latency_ms"] = outcome.latency_ms
        code = outcome.status_code
        if code is not None and 200 <= code < 300:
            values = seen | {"status": "DELIVERED", "delivered_at": now}
            report.delivered += _set(session, mine, values)
            continue
        delay = None if code == GONE else retry_delay(c.attempts + 1)
        if delay is not None:
            report.retried += _set(session, mine, seen | {"next_attempt_at": now + delay})
            continue
        if not _set(session, mine, seen | {"status": "FAILED"}):
            continue
        report.failed += 1
        reason = "receiver answered 410" if code == GONE else "failed for the whole retry schedule"
        report.disabled += disable(session, c.subscription_id, reason, now)
    return report


def _set(session: Session, where: Any, values: dict[str, Any]) -> int:
    statement = update(WebhookDelivery).where(where).values(values)
    result = session.execute(statement, execution_options=_PLAIN)
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


def disable(session: Session, subscription_id: int, reason: str, now: datetime) -> int:
    """Disable an enabled subscription, fail its pending deliveries and tell the seller
    (``webhook.disabled``); 1, or 0 when it was already disabled."""
    s, d = WebhookSubscription, WebhookDelivery
    sub = session.scalar(select(s).where(s.id == subscription_id, s.enabled).with_for_update())
    if sub is None:
        return 0
    sub.enabled, sub.disabled_reason, sub.disabled_at = False, reason, now
    pending = (d.subscription_id == subscription_id) & (d.status == "PENDING")
    session.execute(
        update(d)
        .where(pending)
        .values(status="FAILED", locked_until=None, last_error=f"subscription disabled: {reason}")
    )
    session.flush()
    event = WebhookDisabled(
        shop_id=sub.shop_id, at=now, subscription_id=sub.id, url=sub.url, reason=reason
    )
    announce(session, event)
    log.warning("webhook subscription %s disabled: %s", subscription_id, reason)
    return 1


def send_due(db: Database, now: datetime | None = None) -> SendReport:
    """Send what is due by ``now`` (default: the clock), ``webhook_concurrency`` at a time:
    as sends finish their outcomes are recorded and more deliveries claimed (among them the
    next of an order whose last one just went). A read first: an idle call writes nothing."""
    settings = db.settings
    report = SendReport()

    def current() -> datetime:  # never before ``now``, and moving on with the clock
        return max(now or utcnow(), utcnow())

    with db.unit_of_work(write=False) as session:
        if not has_due(session, current()):
            return report
    size = settings.webhook_concurrency
    lease = lease_length(settings.webhook_timeout_seconds)
    timeout = httpx.Timeout(settings.webhook_timeout_seconds)
    limits = httpx.Limits(max_connections=size, max_keepalive_connections=size)
    client = httpx.Client(timeout=timeout, limits=limits, follow_redirects=False, trust_env=False)
    pool = ThreadPoolExecutor(size, thread_name_prefix="webhook-send")
    in_flight: set[Future[Outcome]] = set()
    finished: list[Outcome] = []
    allow = settings.webhooks_allow_loopback
    try:
        while True:
            room = size - len(in_flight) if report.claimed < MAX_CLAIMS_PER_CALL else 0
            with db.unit_of_work() as session:  # what finished, and more into the freed room
                report.add(record(session, finished, current()))
                claims = claim(session, current(), room, lease) if room else []
            report.claimed += len(claims)
            in_flight |= {pool.submit(send, client, c, allow) for c in claims}
            if not in_flight:
                break
            done, in_flight = wait(in_flight, return_when=FIRST_COMPLETED)
            if in_flight:
                more, in_flight = wait(in_flight, timeout=GATHER_SECONDS)
                done |= more
            finished = [f.result() for f in done]
    finally:
        pool.shutdown(wait=True)
        client.close()
    return report
