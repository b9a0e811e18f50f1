"""Idempotency-Key records (IETF draft "The Idempotency-Key HTTP Header Field").

A key is scoped to the user. The first request with a key stores a fingerprint of itself and
is IN_FLIGHT until it ends; then its response is stored (DONE) and replayed to any repeat
with the same fingerprint for ``ttl``. A different request with the same key is refused
(422), and a repeat while the first is still running gets 409. Server errors (5xx), 401 and
429 are not stored: the record is released so the client's retry runs again.

A request that can no longer be running does not hold its key for ever: an IN_FLIGHT record
names its holder (``owner``: this process's boot id and a request number) and a lease
(``claimed_until``, wall time). A repeat takes the record over (``recovered``) when the lease
has run out, or at once when the holder was a request of this very process that has ended.
The key's ``claim_id`` stays the same across takeovers; what a request writes that a retry
must find (the payment attempt of a checkout or a payment retry) records it.
"""

from __future__ import annotations

import hashlib
import itertools
import os
import secrets
import threading
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Select, bindparam, delete, literal, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from clipshop.core import rawsql
from clipshop.core.clock import utcnow
from clipshop.core.db import Database, insert_ignore
from clipshop.core.ids import new_id
from clipshop.core.tables import IdempotencyRecord

MAX_KEY_LENGTH = 255


def fingerprint(method: str, path: str, query: str, body: bytes) -> str:
    digest = hashlib.sha256(f"{method} {path}?{query}\n".encode())
    digest.update(body)
    return digest.hexdigest()


def wall_now() -> datetime:
    """Leases are wall time, never the platform clock: they are about a process being alive,
    which moving the sandbox clock does not change (ARCHITECTURE rule 9)."""
    return datetime.now(UTC)


class Owners:
    """The holders of this process: each claim gets ``<boot id>.<n>``, and is running until
    ``end``. A holder of this process that is not running can no longer finish its request."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._renew()
        os.register_at_fork(after_in_child=self._renew)  # a forked worker is another process

    def _renew(self) -> None:
        self.boot = secrets.token_hex(8)
        self._numbers = itertools.count(1)
        self._running: set[str] = set()

    def begin(self) -> str:
        owner = f"{self.boot}.{next(self._numbers)}"
        with self._lock:
            self._running.add(owner)
        return owner

    def end(self, owner: str) -> None:
        with self._lock:
            self._running.discard(owner)

    def ended(self, owner: str | None) -> bool:
        """True only when ``owner`` is a request of this process that has ended."""
        if owner is None or not owner.startswith(f"{self.boot}."):
            return False
        with self._lock:
            return owner not in self._running


OWNERS = Owners()


@dataclass(frozen=True)
class Claim:
    """The key is this request's: go ahead. ``recovered``: taken over from a request that can
    no longer be running, which may have done part of the work (look for ``claim_id``)."""

    user_id: int
    key: str
    claim_id: int
    owner: str
    recovered: bool = False


@dataclass(frozen=True)
class Stored:
    state: str
    request_hash: str
    status: int | None
    headers: list[list[str]] | None
    body: bytes | None
    claimed_until: datetime | None = None


def _abandoned(found: IdempotencyRecord, owners: Owners) -> bool:
    """An IN_FLIGHT record whose request can no longer be running. Records written before
    leases existed have none: their request is long over."""
    lease = found.claimed_until
    return lease is None or lease <= wall_now() or owners.ended(found.owner)


def take_over(
    session: Session, found: IdempotencyRecord, owner: str, lease: timedelta
) -> int | None:
    """Hold ``found`` instead of its holder: a conditional UPDATE on the holder that was
    read, so of two concurrent retries only one wins. The key's claim id, or None if lost."""
    claim_id = found.claim_id if found.claim_id is not None else new_id()
    record = IdempotencyRecord
    result = session.execute(
        update(record)
        .where(
            record.user_id == found.user_id,
            record.key == found.key,
            record.state == "IN_FLIGHT",
            record.owner.is_not_distinct_from(found.owner),
        )
        .values(owner=owner, claimed_until=wall_now() + lease, claim_id=claim_id)
        .execution_options(synchronize_session=False)
    )
    return claim_id if result.rowcount == 1 else None  # type: ignore[attr-defined]


def claim(
    session: Session,
    user_id: int,
    key: str,
    request_hash: str,
    ttl: timedelta,
    owner: str,
    lease: timedelta,
    owners: Owners = OWNERS,
) -> Claim | Stored:
    """Claim the key for ``owner`` in the caller's transaction: a ``Claim`` (go ahead), or
    what is already stored. A concurrent claim of the same key waits for this transaction
    (the primary key), then finds the record. An IN_FLIGHT record of the same request whose
    holder can no longer be running is taken over (``Claim.recovered``)."""
    table = IdempotencyRecord.__table__
    for _ in range(3):
        claim_id = new_id()
        row = {"user_id": user_id, "key": key, "request_hash": request_hash}
        row |= {"state": "IN_FLIGHT", "expires_at": utcnow() + ttl, "claim_id": claim_id}
        row |= {"owner": owner, "claimed_until": wall_now() + lease}
        if insert_ignore(session, table, row, ["user_id", "key"]):
            return Claim(user_id, key, claim_id, owner)
        found = session.get(IdempotencyRecord, (user_id, key), populate_existing=True)
        if found is None:
            continue  # purged meanwhile: claim again
        if found.expires_at <= utcnow():
            session.delete(found)
            session.flush()
            continue
        if (
            found.state == "IN_FLIGHT"
            and found.request_hash == request_hash
            and _abandoned(found, owners)
        ):
            taken = take_over(session, found, owner, lease)
            if taken is not None:
                return Claim(user_id, key, taken, owner, recovered=True)
            continue  # another retry took it over, or it ended meanwhile: look again
        return Stored(
            found.state,
            found.request_hash,
            found.response_status,
            found.response_headers,
            found.response_body,
            found.claimed_until,
        )
    raise RuntimeError("could not claim the idempotency key")


def claim_for(users: Select[Any]) -> rawsql.Statement:
    """The claim's INSERT for the user ``users`` finds (a SELECT of one user id, so the
    claim can go in the same round trip as the lookup of the caller): ON CONFLICT DO
    NOTHING RETURNING; binds ``key``, ``request_hash``, ``expires_at``, ``created_at``,
    ``claim_id``, ``owner`` and ``claimed_until``. No row returned: the caller is unknown,
    or the key is taken (then ``claim`` tells which)."""
    record = IdempotencyRecord
    columns = ["user_id", "key", "request_hash", "state", "expires_at", "created_at"]
    columns += ["claim_id", "owner", "claimed_until"]
    rows = users.add_columns(
        bindparam("key", type_=record.key.type),
        bindparam("request_hash", type_=record.request_hash.type),
        literal("IN_FLIGHT", record.state.type),
        bindparam("expires_at", type_=record.expires_at.type),
        bindparam("created_at", type_=record.created_at.type),
        bindparam("claim_id", type_=record.claim_id.type),
        bindparam("owner", type_=record.owner.type),
        bindparam("claimed_until", type_=record.claimed_until.type),
    )

    def build(dialect: str) -> Any:
        insert: Any = pg_insert if dialect == "postgresql" else sqlite_insert
        stmt = insert(record).from_select(columns, rows)
        return stmt.on_conflict_do_nothing(index_elements=["user_id", "key"]).returning(
            record.user_id
        )

    return rawsql.Statement(build)


def claim_params(
    key: str, request_hash: str, ttl: timedelta, owner: str, lease: timedelta
) -> dict[str, Any]:
    """The parameters of ``claim_for`` (its claim id is ``claim_id``)."""
    now = utcnow()
    params: dict[str, Any] = {"key": key, "request_hash": request_hash, "created_at": now}
    params |= {"expires_at": now + ttl, "claim_id": new_id()}
    return params | {"owner": owner, "claimed_until": wall_now() + lease}


def begin(
    db: Database,
    user_id: int,
    key: str,
    request_hash: str,
    ttl: timedelta,
    owner: str,
    lease: timedelta,
) -> Claim | Stored:
    """``claim`` in a unit of work of its own."""
    with db.unit_of_work() as session:
        return claim(session, user_id, key, request_hash, ttl, owner, lease)


_FINISH = rawsql.Statement(
    update(IdempotencyRecord)
    .where(IdempotencyRecord.user_id == bindparam("of_user"))
    .where(IdempotencyRecord.key == bindparam("of_key"))
    .values(
        state="DONE",
        response_status=bindparam("status"),
        response_headers=bindparam("headers", type_=IdempotencyRecord.response_headers.type),
        response_body=bindparam("body", type_=IdempotencyRecord.response_body.type),
    )
)


def finish(
    db: Database, user_id: int, key: str, status: int, headers: list[list[str]], body: bytes
) -> None:
    """Store the response: one UPDATE (with the COMMIT, one round trip on PostgreSQL)."""
    with db.unit_of_work() as session:
        finish_in(session, user_id, key, status, headers, body)


def finish_in(
    session: Session, user_id: int, key: str, status: int, headers: list[list[str]], body: bytes
) -> None:
    """Store the response in the caller's transaction (a route whose outcome transaction
    can hold it: ``api.idempotency.stored_answer``)."""
    params = {"of_user": user_id, "of_key": key, "status": status, "headers": headers}
    rawsql.defer(session, _FINISH, params | {"body": body})


def release(db: Database, user_id: int, key: str, owner: str) -> None:
    """The request of ``owner`` kept no answer (5xx, 401, 429): its lease ends now, so the
    client's retry takes the record over and runs again, and still finds anything the
    request wrote under the key's claim id. Nothing happens if another holder has it."""
    record = IdempotencyRecord
    with db.unit_of_work() as session:
        session.execute(
            update(record)
            .where(
                record.user_id == user_id,
                record.key == key,
                record.state == "IN_FLIGHT",
                record.owner == owner,
            )
            .values(claimed_until=wall_now())
            .execution_options(synchronize_session=False)
        )


def purge_expired(db: Database) -> int:
    with db.unit_of_work() as session:
        result = session.execute(
            delete(IdempotencyRecord).where(IdempotencyRecord.expires_at <= utcnow())
        )
        return int(result.rowcount)  # type: ignore[attr-defined]
