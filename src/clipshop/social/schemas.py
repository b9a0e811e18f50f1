"""Boundary schemas of social: lives, videos, offers, invitations, showcase, commission."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import Field

from clipshop.core.schemas import IdStr, MoneyOut, Name, PageOut, RequestModel, ResponseModel
from clipshop.models import Commission, LiveSession, Product
from clipshop.social.report import LiveReport
from clipshop.social.statement import Statement, Totals

Rate = Annotated[int, Field(ge=0, le=10_000, description="Basis points: 1000 is 10%")]
Position = Annotated[int, Field(ge=0, le=1000, description="0 is the top")]


class LiveStart(RequestModel):
    title: Name
    shop_id: IdStr | None = Field(
        None, description="A seller's live for this shop; none: a creator's"
    )


class PinIn(RequestModel):
    product_id: IdStr
    position: Position | None = Field(None, description="Where to pin (or move) it; none: last")


class PinnedOut(ResponseModel):
    product_id: IdStr
    shop_id: IdStr
    title: str
    position: int


class LiveOut(ResponseModel):
    id: IdStr
    host_user_id: IdStr
    shop_id: IdStr | None
    title: str
    status: str
    started_at: datetime
    ended_at: datetime | None
    pinned: list[PinnedOut] = []

    @classmethod
    def of(cls, live: LiveSession, pins: list[tuple[int, Product]]) -> LiveOut:
        pinned = [
            PinnedOut(product_id=p.id, shop_id=p.shop_id, title=p.title, position=pos)
            for pos, p in pins
        ]
        return cls.model_validate(live).model_copy(update={"pinned": pinned})


class LivePage(PageOut):
    items: list[LiveOut]


class VideoIn(RequestModel):
    title: Name
    shop_id: IdStr | None = None
    product_ids: list[IdStr] = Field(default_factory=list, max_length=50)


class VideoOut(ResponseModel):
    id: IdStr
    host_user_id: IdStr
    shop_id: IdStr | None
    title: str
    created_at: datetime
    product_ids: list[IdStr] = []


class VideoPage(PageOut):
    items: list[VideoOut]


class ProductSalesOut(ResponseModel):
    product_id: IdStr
    name: str
    units: int
    gmv: MoneyOut


class LiveReportOut(ResponseModel):
    live_id: IdStr
    status: str
    counted: Literal["paid orders"] = "paid orders"
    orders: int
    units: int
    gmv: list[MoneyOut]
    top_products: list[ProductSalesOut]
    orders_per_minute: dict[str, int]  # minute since the start -> orders
    average_orders_per_minute: str

    @classmethod
    def of(cls, r: LiveReport) -> LiveReportOut:
        return cls(
            live_id=r.live.id,
            status=r.live.status,
            orders=r.orders,
            units=r.units,
            gmv=[MoneyOut.of(amount, c) for c, amount in sorted(r.gmv.items())],
            top_products=[
                ProductSalesOut(
                    product_id=p.product_id,
                    name=p.name,
                    units=p.units,
                    gmv=MoneyOut.of(p.gmv, p.currency),
                )
                for p in r.top_products
            ],
            orders_per_minute={str(m): n for m, n in r.per_minute.items()},
            average_orders_per_minute=f"{r.orders / r.minutes:.2f}",
        )


class OfferIn(RequestModel):
    rate_bps: Rate


class OfferOut(ResponseModel):
    id: IdStr
    shop_id: IdStr
    product_id: IdStr
    rate_bps: int
    status: str
    updated_at: datetime


class InvitationIn(RequestModel):
    product_id: IdStr
    creator_id: IdStr
    rate_bps: Rate


class InvitationOut(ResponseModel):
    id: IdStr
    shop_id: IdStr
    product_id: IdStr
    creator_id: IdStr
    rate_bps: int
    status: str
    updated_at: datetime


class ShowcaseIn(RequestModel):
    product_id: IdStr


class OpenProductOut(ResponseModel):
    product_id: IdStr
    shop_id: IdStr
    title: str
    rate_bps: int
    rate_kind: str
    showcased: bool = False


class CommissionOut(ResponseModel):
    id: IdStr
    creator_id: IdStr
    shop_id: IdStr
    order_id: IdStr
    line_item_id: IdStr
    product_id: IdStr
    source_type: str
    source_id: IdStr
    rate_bps: int
    rate_kind: str
    base: MoneyOut
    due: MoneyOut
    reversed: MoneyOut
    net: MoneyOut
    status: str
    placed_at: datetime
    payable_at: datetime | None

    @classmethod
    def of(cls, c: Commission) -> CommissionOut:
        cur = c.currency
        amounts = {"base": c.base, "due": c.due, "reversed": c.reversed, "net": c.due - c.reversed}
        fields = {k: getattr(c, k) for k in cls.model_fields if k not in amounts}
        return cls(**fields, **{k: MoneyOut.of(v, cur) for k, v in amounts.items()})


class TotalsOut(ResponseModel):
    currency: str
    due: MoneyOut
    reversed: MoneyOut
    payable: MoneyOut
    pending: MoneyOut
    void: MoneyOut

    @classmethod
    def of(cls, currency: str, t: Totals) -> TotalsOut:
        amounts = {
            k: MoneyOut.of(getattr(t, k), currency)
            for k in ("due", "reversed", "payable", "pending", "void")
        }
        return cls(currency=currency, **amounts)


class StatementOut(ResponseModel):
    creator_id: IdStr
    start: datetime | None
    end: datetime | None
    totals: list[TotalsOut]
    lines: list[CommissionOut]

    @classmethod
    def of(cls, s: Statement) -> StatementOut:
        return cls(
            creator_id=s.creator_id,
            start=s.start,
            end=s.end,
            totals=[TotalsOut.of(c, t) for c, t in sorted(s.totals.items())],
            lines=[CommissionOut.of(c) for c in s.lines],
        )
