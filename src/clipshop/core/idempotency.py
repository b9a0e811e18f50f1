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

from sqlalchemy import delete
from sqlalchemy.exc import IntegrityError

from clipshop.core.clock import utcnow
from clipshop.core.db import Database
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


def begin(db: Database, user_id: int, key: str, request_hash: str, ttl: timedelta) -> Stored | None:
    """Claim the key. None: claimed, go ahead. Otherwise: what is already stored."""
    for _ in range(3):
        try:
            with db.unit_of_work() as session:
                session.add(
                    IdempotencyRecord(
                        user_id=user_id,
                        key=key,
                        request_hash=request_hash,
                        state="IN_FLIGHT",
                        expires_at=utcnow() + ttl,
                    )
                )
            return None
        except IntegrityError:
            pass
        with db.unit_of_work() as session:
            row = session.get(IdempotencyRecord, (user_id, key))
            if row is None:
                continue  # dropped meanwhile: claim again
            if row.expires_at <= utcnow():
                session.delete(row)
                continue
            return Stored(
                row.state,
                row.request_hash,
                row.response_status,
                row.response_headers,
                row.response_body,
            )
    raise RuntimeError("could not claim the idempotency key")


def finish(
    db: Database, user_id: int, key: str, status: int, headers: list[list[str]], body: bytes
) -> None:
    with db.unit_of_work() as session:
        row = session.get(IdempotencyRecord, (user_id, key))
        if row is not None:
            row.state = "DONE"
            row.response_status = status
            row.response_headers = headers
            row.response_body = body


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
