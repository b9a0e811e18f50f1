"""The tables the shared kernel owns: idempotency keys (``core/idempotency.py``). Kept in
``core`` so that the kernel imports nothing above it; ``models`` re-exports them, so one
metadata still holds every table (migrations, ``create_all``)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from clipshop.core.orm import Base, CreatedMixin


class IdempotencyRecord(CreatedMixin, Base):
    """A request seen with an Idempotency-Key: in flight, or done with its stored response."""

    __tablename__ = "idempotency_keys"

    user_id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(255), primary_key=True)
    request_hash: Mapped[str] = mapped_column(String(64))
    state: Mapped[str] = mapped_column(String(10))  # IN_FLIGHT or DONE
    response_status: Mapped[int | None]
    response_headers: Mapped[list[list[str]] | None] = mapped_column(JSON)
    response_body: Mapped[bytes | None] = mapped_column(LargeBinary)
    expires_at: Mapped[datetime]
    # The claim of the key, kept across takeovers: the payment attempt a checkout or payment
    # retry opens records it, so a retry after a crash finds what the first request did.
    claim_id: Mapped[int | None]
    # Who holds an IN_FLIGHT record (a process's boot id and a request number) and until when
    # (wall time: the lease is about the holder being alive, not about business deadlines).
    owner: Mapped[str | None] = mapped_column(String(40))
    claimed_until: Mapped[datetime | None]
