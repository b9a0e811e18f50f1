"""Idempotency-Key records (IETF draft "The Idempotency-Key HTTP Header Field").

A key is scoped to the user. The first request with a key stores a fingerprint of itself and
is IN_FLIGHT until it ends; then its response is stored (DONE) and replayed to any repeat
with the same fingerprint for ``ttl``. A different request with the same key is refused
(422), and a repeat while the first is still running gets 409. Server errors (5xx), 401 and
429 are not stored: the record is dropped so the client can retry.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlalchemy import Select, bindparam, delete, literal, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from clipshop.core import rawsql
from clipshop.core.clock import utcnow
from clipshop.core.db import Database, insert_ignore
from clipshop.models import IdempotencyRecord

MAX_KEY_LENGTH = 255


def fingerprint(method: str, path: str, query: str, body: bytes) -> str:
    digest = hashlib.sha256(f"{method} {path}?{query}\n".encode())
    digest.update(body)
    return digest.hexdigest()


@dataclass(frozen=True)
class Stored:
    state: str
    request_hash: str
    status: int | None
    headers: list[list[str]] | None
    body: bytes | None


def claim(
    session: Session, user_id: int, key: str, request_hash: str, ttl: timedelta
) -> Stored | None:
    """Claim the key in the caller's transaction. None: claimed, go ahead. Otherwise: what
    is already stored. A concurrent claim of the same key waits for this transaction (the
    primary key), then finds the record."""
    table = IdempotencyRecord.__table__
    for _ in range(2):
        row = {"user_id": user_id, "key": key, "request_hash": request_hash}
        row |= {"state": "IN_FLIGHT", "expires_at": utcnow() + ttl}
        if insert_ignore(session, table, row, ["user_id", "key"]):
            return None
        found = session.get(IdempotencyRecord, (user_id, key), populate_existing=True)
        if found is None:
            continue  # dropped meanwhile (abandoned or purged): claim again
        if found.expires_at <= utcnow():
            session.delete(found)
            session.flush()
            continue
        return Stored(
            found.state,
            found.request_hash,
            found.response_status,
            found.response_headers,
            found.response_body,
        )
    raise RuntimeError("could not claim the idempotency key")


def claim_for(users: Select[Any]) -> rawsql.Statement:
    """The claim's INSERT for the user ``users`` finds (a SELECT of one user id, so the
    claim can go in the same round trip as the lookup of the caller): ON CONFLICT DO
    NOTHING RETURNING; binds ``key``, ``request_hash``, ``expires_at``, ``created_at``. No
    row returned: the caller is unknown, or the key is taken (then ``claim`` tells which)."""
    record = IdempotencyRecord
    columns = ["user_id", "key", "request_hash", "state", "expires_at", "created_at"]
    rows = users.add_columns(
        bindparam("key", type_=record.key.type),
        bindparam("request_hash", type_=record.request_hash.type),
        literal("IN_FLIGHT", record.state.type),
        bindparam("expires_at", type_=record.expires_at.type),
        bindparam("created_at", type_=record.created_at.type),
    )

    def build(dialect: str) -> Any:
        insert: Any = pg_insert if dialect == "postgresql" else sqlite_insert
        stmt = insert(record).from_select(columns, rows)
        return stmt.on_conflict_do_nothing(index_elements=["user_id", "key"]).returning(
            record.user_id
        )

    return rawsql.Statement(build)


def begin(db: Database, user_id: int, key: str, request_hash: str, ttl: timedelta) -> Stored | None:
    """``claim`` in a unit of work of its own."""
    with db.unit_of_work() as session:
        return claim(session, user_id, key, request_hash, ttl)


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


def abandon(db: Database, user_id: int, key: str) -> None:
    with db.unit_of_work() as session:
        session.execute(
            delete(IdempotencyRecord).where(
                IdempotencyRecord.user_id == user_id, IdempotencyRecord.key == key
            )
        )


def purge_expired(db: Database) -> int:
    with db.unit_of_work() as session:
        result = session.execute(
            delete(IdempotencyRecord).where(IdempotencyRecord.expires_at <= utcnow())
        )
        return int(result.rowcount)  # type: ignore[attr-defined]
