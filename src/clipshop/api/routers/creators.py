"""Affiliate selling (docs/creators.md): sellers' offers and invitations, creators' answers,
showcase, commission and earnings statement (JSON and CSV)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from fastapi.responses import Response

from clipshop.api.deps import DB, Caller, ProductId, ShopId, id_path
from clipshop.core.schemas import When, check_time_range
from clipshop.social import offers, showcase
from clipshop.social import statement as statements
from clipshop.social.schemas import (
    CommissionOut,
    InvitationIn,
    InvitationOut,
    OfferIn,
    OfferOut,
    OpenProductOut,
    ShowcaseIn,
    StatementOut,
)

router = APIRouter(tags=["creators"])
CreatorId = Annotated[int, id_path("The creator's user id")]
InvitationId = Annotated[int, id_path("Invitation id")]
OFFERS = "/shops/{shop_id}/affiliate/offers"
INVITES = "/shops/{shop_id}/affiliate/invitations"
CREATOR = "/creators/{creator_id}"
Start = Annotated[When | None, Query(description="Orders placed at or after")]
End = Annotated[When | None, Query(description="Orders placed before")]


@router.put(
    f"{OFFERS}/{{product_id}}", response_model=OfferOut, summary="Open a product to creators"
)
def set_offer(
    shop_id: ShopId, product_id: ProductId, body: OfferIn, session: DB, caller: Caller
) -> OfferOut:
    offer = offers.set_offer(session, caller, shop_id, product_id, body.rate_bps)
    return OfferOut.model_validate(offer)


@router.delete(f"{OFFERS}/{{product_id}}", response_model=OfferOut, summary="Close an open offer")
def close_offer(shop_id: ShopId, product_id: ProductId, session: DB, caller: Caller) -> OfferOut:
    return OfferOut.model_validate(offers.close_offer(session, caller, shop_id, product_id))


@router.get(OFFERS, response_model=list[OfferOut], summary="The shop's open offers")
def list_offers(shop_id: ShopId, session: DB, caller: Caller) -> list[OfferOut]:
    return [OfferOut.model_validate(o) for o in offers.shop_offers(session, caller, shop_id)]


@router.post(INVITES, response_model=InvitationOut, status_code=201, summary="Invite a creator")
def invite(shop_id: ShopId, body: InvitationIn, session: DB, caller: Caller) -> InvitationOut:
    found = offers.invite(session, caller, shop_id, body.product_id, body.creator_id, body.rate_bps)
    return InvitationOut.model_validate(found)


@router.get(INVITES, response_model=list[InvitationOut], summary="The shop's invitations")
def shop_invitations(shop_id: ShopId, session: DB, caller: Caller) -> list[InvitationOut]:
    found = offers.shop_invitations(session, caller, shop_id)
    return [InvitationOut.model_validate(i) for i in found]


@router.post(
    f"{INVITES}/{{invitation_id}}/close",
    response_model=InvitationOut,
    summary="Close an invitation",
)
def close_invitation(
    shop_id: ShopId, invitation_id: InvitationId, session: DB, caller: Caller
) -> InvitationOut:
    found = offers.close_invitation(session, caller, shop_id, invitation_id)
    return InvitationOut.model_validate(found)


@router.get(
    "/shops/{shop_id}/affiliate/commissions",
    response_model=list[CommissionOut],
    summary="Commission owed to creators on the shop's orders (newest 500)",
)
def shop_commissions(
    shop_id: ShopId,
    session: DB,
    caller: Caller,
    order_id: Annotated[int | None, Query(gt=0, lt=2**63)] = None,
) -> list[CommissionOut]:
    found = statements.shop_commissions(session, caller, shop_id, order_id)
    return [CommissionOut.of(c) for c in found]


@router.get(
    f"{CREATOR}/invitations", response_model=list[InvitationOut], summary="A creator's invitations"
)
def creator_invitations(creator_id: CreatorId, session: DB, caller: Caller) -> list[InvitationOut]:
    found = offers.creator_invitations(session, caller, creator_id)
    return [InvitationOut.model_validate(i) for i in found]


@router.post(
    f"{CREATOR}/invitations/{{invitation_id}}/accept",
    response_model=InvitationOut,
    summary="Accept an invitation (its rate then wins over the open one)",
)
def accept(
    creator_id: CreatorId, invitation_id: InvitationId, session: DB, caller: Caller
) -> InvitationOut:
    found = offers.answer(session, caller, creator_id, invitation_id, accept=True)
    return InvitationOut.model_validate(found)


@router.post(
    f"{CREATOR}/invitations/{{invitation_id}}/decline",
    response_model=InvitationOut,
    summary="Decline an invitation",
)
def decline(
    creator_id: CreatorId, invitation_id: InvitationId, session: DB, caller: Caller
) -> InvitationOut:
    found = offers.answer(session, caller, creator_id, invitation_id, accept=False)
    return InvitationOut.model_validate(found)


def _open_products(session: DB, caller: Caller, creator_id: int) -> list[OpenProductOut]:
    shown = {p.id for _, p in showcase.items(session, caller, creator_id)}
    return [
        OpenProductOut(
            product_id=o.product.id,
            shop_id=o.product.shop_id,
            title=o.product.title,
            rate_bps=o.rate.bps,
            rate_kind=o.rate.kind,
            showcased=o.product.id in shown,
        )
        for o in showcase.open_products(session, caller, creator_id)
    ]


@router.get(
    f"{CREATOR}/products",
    response_model=list[OpenProductOut],
    summary="Products open to the creator, with the rate in force",
)
def open_products(creator_id: CreatorId, session: DB, caller: Caller) -> list[OpenProductOut]:
    return _open_products(session, caller, creator_id)


@router.get(
    f"{CREATOR}/showcase",
    response_model=list[OpenProductOut],
    summary="The creator's showcase, the top first",
)
def get_showcase(creator_id: CreatorId, session: DB, caller: Caller) -> list[OpenProductOut]:
    return _showcase(session, caller, creator_id)


def _showcase(session: DB, caller: Caller, creator_id: int) -> list[OpenProductOut]:
    """The showcased products still open to the creator, in the showcase's order."""
    opened = {p.product_id: p for p in _open_products(session, caller, creator_id)}
    found = showcase.items(session, caller, creator_id)
    return [opened[p.id] for _, p in found if p.id in opened]


@router.post(
    f"{CREATOR}/showcase", status_code=201, response_model=list[OpenProductOut], summary="Add"
)
def add_to_showcase(
    creator_id: CreatorId, body: ShowcaseIn, session: DB, caller: Caller
) -> list[OpenProductOut]:
    showcase.add(session, caller, creator_id, body.product_id)
    return _showcase(session, caller, creator_id)


@router.post(
    f"{CREATOR}/showcase/{{product_id}}/top",
    response_model=list[OpenProductOut],
    summary="Move a showcased product to the top (the others keep their order)",
)
def showcase_top(
    creator_id: CreatorId, product_id: ProductId, session: DB, caller: Caller
) -> list[OpenProductOut]:
    showcase.top(session, caller, creator_id, [product_id])
    return _showcase(session, caller, creator_id)


@router.delete(
    f"{CREATOR}/showcase/{{product_id}}", status_code=204, summary="Remove from the showcase"
)
def remove_from_showcase(
    creator_id: CreatorId, product_id: ProductId, session: DB, caller: Caller
) -> Response:
    showcase.remove(session, caller, creator_id, product_id)
    return Response(status_code=204)


@router.get(
    f"{CREATOR}/statement",
    response_model=StatementOut,
    summary="Earnings statement: due, reversed, payable, pending, void, by order line",
)
def get_statement(
    creator_id: CreatorId, session: DB, caller: Caller, start: Start = None, end: End = None
) -> StatementOut:
    check_time_range("placed", start, end, ("start", "end"))
    return StatementOut.of(statements.statement(session, caller, creator_id, start, end))


@router.get(
    f"{CREATOR}/statement.csv",
    response_class=Response,
    summary="The earnings statement as CSV, one row per commission line",
)
def statement_csv(
    creator_id: CreatorId, session: DB, caller: Caller, start: Start = None, end: End = None
) -> Response:
    check_time_range("placed", start, end, ("start", "end"))
    found = statements.statement(session, caller, creator_id, start, end)
    return Response(
        statements.to_csv(found),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="statement-{creator_id}.csv"'},
    )
