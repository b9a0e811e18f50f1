"""Checkout's own prebuilt statement (``core.rawsql``): which shops of the SKUs being bought
already have their review timer, read in the checkout's batch (``place``)."""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from sqlalchemy import bindparam, select

from clipshop.core import rawsql
from clipshop.core.batch import Query
from clipshop.deadlines.timers import TimerKind
from clipshop.models import Sku, Timer


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
