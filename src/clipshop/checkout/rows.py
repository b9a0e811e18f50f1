"""Checkout's own prebuilt statements (``core.rawsql``): which shops of the SKUs being bought
already have their review timer, read in the checkout's batch (``place``); the take of a flash
deal's units and of a buyer's per-deal use, and the promotion claims of the order lines."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from sqlalchemy import Executable, bindparam, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from clipshop.core import rawsql
from clipshop.core.batch import Query
from clipshop.deadlines.timers import TimerKind
from clipshop.models import Promotion, PromotionBuyerUse, PromotionClaim, Sku, Timer


@lru_cache(maxsize=16)
def _reviewed(count: int) -> rawsql.Statement:
    """The shops of ``count`` SKUs (bound sku_0 .. sku_<count-1>) with a SHOP_REVIEW timer."""
    skus: list[Any] = [bindparam(f"sku_{i}") for i in range(count)]
    shops = select(Sku.shop_id).where(Sku.id.in_(skus))
    return rawsql.Statement(
        select(Timer.subject_id).where(
            Timer.kind == TimerKind.SHOP_REVIEW.value, Timer.subject_id.in_(shops)
        )
    )


def _shops(result: rawsql.Result) -> set[int]:
    return {int(row[0]) for row in result.rows}


def reviewed_shops(sku_ids: list[int]) -> Query[set[int]]:
    """The shops of these SKUs whose review timer is armed (a plain read, no lock)."""
    params = {f"sku_{i}": sku_id for i, sku_id in enumerate(sku_ids)}
    return Query(_reviewed(len(sku_ids)), params, _shops)


_DEAL = rawsql.Statement(
    update(Promotion)
    .where(
        Promotion.id == bindparam("deal"),
        Promotion.sold + bindparam("n") <= Promotion.quantity,
    )
    # updated_at stays: it tells the seller's last change, not the last sale
    .values(sold=Promotion.sold + bindparam("n"), updated_at=Promotion.updated_at)
    .returning(Promotion.sold)
)


def _use(dialect: str) -> Executable:
    insert_of = pg_insert if dialect == "postgresql" else sqlite_insert
    new = insert_of(PromotionBuyerUse).values(
        promotion_id=bindparam("deal"), buyer_id=bindparam("buyer"), used=bindparam("n")
    )
    grown = PromotionBuyerUse.used + new.excluded.used
    return new.on_conflict_do_update(
        index_elements=[PromotionBuyerUse.promotion_id, PromotionBuyerUse.buyer_id],
        set_={"used": grown},
        where=grown <= bindparam("limit"),
    ).returning(PromotionBuyerUse.used)


_USE = rawsql.Statement(_use)


@dataclass(frozen=True)
class DealTake:
    """``n`` units of flash deal ``deal_id`` for ``buyer_id``, within ``limit`` per buyer
    (None: no per-buyer limit)."""

    deal_id: int
    buyer_id: int
    n: int
    limit: int | None


def take_deals(session: Session, takes: Sequence[DealTake]) -> list[int]:
    """Take every deal's units (``sold + n <= quantity``) and the buyer's use of it (one row
    per deal and buyer, grown only within the limit), all in one round trip; returns the
    deals whose take failed (the caller rolls back)."""
    asked: list[tuple[rawsql.Statement, dict[str, Any]]] = []
    for t in takes:
        asked.append((_DEAL, {"deal": t.deal_id, "n": t.n}))
        if t.limit is not None:
            asked.append(
                (_USE, {"deal": t.deal_id, "buyer": t.buyer_id, "n": t.n, "limit": t.limit})
            )
    results = iter(rawsql.run_many(session, asked))
    lost = []
    for t in takes:
        ok = bool(next(results).rows)
        if t.limit is not None:
            ok = bool(next(results).rows) and ok
        if not ok:
            lost.append(t.deal_id)
    return lost


def insert_claims(session: Session, claims: Sequence[Mapping[str, object]]) -> None:
    """The order lines' promotion claims (deferred: with the transaction's next statement)."""
    if claims:
        rawsql.insert(session, PromotionClaim.__table__, claims)
