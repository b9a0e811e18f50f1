"""The customer_service module (docs/tiktok-api.md): conversations and messages of the seller
API; thin adapters over ``conversations`` (``seller.customer_service``; one shop)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile

from clipshop.api.partner.envelope import answer
from clipshop.api.partner.protocol import PartnerCall, parse_body, partner
from clipshop.conversations import images
from clipshop.core.errors import DomainError
from clipshop.identity.principal import Principal
from clipshop.partner import customer_service as cs
from clipshop.partner import scopes
from clipshop.partner.customer_service_schemas import AgentSettings, CreateConversation, SendMessage
from clipshop.partner.errors import invalid_parameter
from clipshop.partner.paging import page_params
from clipshop.partner.returns_keys import seller

router = APIRouter(tags=["partner"], include_in_schema=False)
ReadCall = Annotated[PartnerCall, Depends(partner(scopes.CUSTOMER_SERVICE))]
C = "/customer_service/202309/conversations"


def _base(request: Request) -> str:
    return str(request.base_url).rstrip("/")


def _who(call: PartnerCall) -> Principal:
    return seller(call.session, call.access.app_id, call.shop_id)


@router.get(C)
def list_conversations(request: Request, call: ReadCall) -> JSONResponse:
    q = request.query_params
    params = page_params(q.get("page_size"), q.get("page_token"))
    data = cs.list_conversations(call.session, _who(call), call.shop_id, params, _base(request))
    return answer(request, data)


@router.post(C)
def create_conversation(request: Request, call: ReadCall) -> JSONResponse:
    body = parse_body(call, CreateConversation)
    return answer(request, cs.create(call.session, _who(call), call.shop_id, body.buyer_user_id))


@router.get("/customer_service/202601/conversations/{conversation_id}")
def get_conversation(request: Request, call: ReadCall, conversation_id: str) -> JSONResponse:
    return answer(request, cs.detail(call.session, _who(call), conversation_id))


@router.get(C + "/{conversation_id}/messages")
def list_messages(request: Request, call: ReadCall, conversation_id: str) -> JSONResponse:
    q = request.query_params
    params = page_params(q.get("page_size"), q.get("page_token"))
    data = cs.messages(call.session, _who(call), conversation_id, params, _base(request))
    return answer(request, data)


@router.post(C + "/{conversation_id}/messages")
def send_message(request: Request, call: ReadCall, conversation_id: str) -> JSONResponse:
    body = parse_body(call, SendMessage)
    return answer(request, cs.send(call.session, _who(call), conversation_id, body))


@router.post(C + "/{conversation_id}/messages/read")
def read_messages(request: Request, call: ReadCall, conversation_id: str) -> JSONResponse:
    return answer(request, cs.read(call.session, _who(call), conversation_id))


@router.post("/customer_service/202309/images/upload")
async def upload_image(request: Request, call: ReadCall) -> JSONResponse:
    """Multipart ``data``: the image file (JPEG, PNG or WebP, at most 5 MB); sent later by URL
    in an IMAGE message."""
    form = await request.form()
    part = form.get("data")
    if not isinstance(part, UploadFile):
        raise invalid_parameter("data (the image file) is required in a multipart form")
    data = await part.read()

    def store() -> int:
        storage = request.app.state.storage
        try:
            return images.upload(call.session, storage, _who(call), call.shop_id, data).id
        except DomainError as exc:
            raise invalid_parameter(str(exc)) from None

    file_id = await run_in_threadpool(store)
    return answer(request, {"url": f"{_base(request)}/api/v1/files/{file_id}"})


@router.get("/customer_service/202309/agents/settings")
def get_settings(request: Request, call: ReadCall) -> JSONResponse:
    return answer(request, cs.settings(call.session, call.shop_id))


@router.put("/customer_service/202309/agents/settings")
def put_settings(request: Request, call: ReadCall) -> JSONResponse:
    body = parse_body(call, AgentSettings)
    return answer(request, cs.set_settings(call.session, call.shop_id, body.can_accept_chat))


@router.get("/customer_service/202407/performance")
def get_performance(request: Request, call: ReadCall) -> JSONResponse:
    q = request.query_params
    data = cs.performance(
        call.session, call.shop_id, q.get("support_date_ge"), q.get("support_date_lt")
    )
    return answer(request, data)
