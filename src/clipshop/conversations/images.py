"""Images in conversations (docs/conversations.md): checked by their bytes (JPEG, PNG or WebP,
at most 5 MB) and kept through the storage interface as ``StoredFile`` rows.

An image sent in a conversation is owned by it (``CHAT_IMAGE``: its buyer, the shop's staff
and the platform's staff read it). The reference API uploads first and sends the image's URL
afterwards: such an upload is the shop's (``CHAT_UPLOAD``, read by its staff) until a message
sends it, which moves it into that conversation (once: an image already sent is refused)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from clipshop.conversations import access, service
from clipshop.conversations.messages import Draft
from clipshop.core.errors import Conflict, NotFound
from clipshop.core.storage import Storage
from clipshop.fulfillment.photos import FILE_ACCESS, check_image, store_file
from clipshop.identity.principal import Principal
from clipshop.models import Conversation, ConversationMessage, StoredFile

CHAT_IMAGE = "CHAT_IMAGE"
CHAT_UPLOAD = "CHAT_UPLOAD"


def send_image(
    session: Session, storage: Storage, caller: Principal, conversation_id: int, data: bytes
) -> ConversationMessage:
    """Store the image in the conversation and send it as an IMAGE message."""
    conversation = access.get(session, caller, conversation_id)
    access.side_of(caller, conversation)
    content_type = check_image(data)
    row = store_file(
        session,
        storage,
        shop_id=conversation.shop_id,
        owner_kind=CHAT_IMAGE,
        owner_id=conversation.id,
        data=data,
        content_type=content_type,
        uploaded_by=caller.user_id,
        prefix="conversations",
    )
    return service.send(session, caller, conversation_id, Draft("IMAGE", file_id=row.id))


def upload(
    session: Session, storage: Storage, caller: Principal, shop_id: int, data: bytes
) -> StoredFile:
    """An image the shop's staff send later (the reference API's upload)."""
    access.require_seller(caller, shop_id)
    return store_file(
        session,
        storage,
        shop_id=shop_id,
        owner_kind=CHAT_UPLOAD,
        owner_id=shop_id,
        data=data,
        content_type=check_image(data),
        uploaded_by=caller.user_id,
        prefix="conversations",
    )


def send_uploaded(
    session: Session, caller: Principal, conversation_id: int, file_id: int
) -> ConversationMessage:
    """Send an image the shop uploaded before: it moves into the conversation."""
    conversation = access.get(session, caller, conversation_id)
    row = session.scalar(select(StoredFile).where(StoredFile.id == file_id).with_for_update())
    if (
        row is None
        or row.owner_kind not in (CHAT_UPLOAD, CHAT_IMAGE)
        or row.shop_id != conversation.shop_id
    ):
        raise NotFound("image not found", code="image_not_found")
    if row.owner_kind == CHAT_IMAGE:
        raise Conflict("this image was already sent", code="image_already_sent")
    access.side_of(caller, conversation)
    row.owner_kind, row.owner_id = CHAT_IMAGE, conversation.id
    return service.send(session, caller, conversation_id, Draft("IMAGE", file_id=row.id))


def _conversation(session: Session, caller: Principal, conversation_id: int) -> Conversation:
    return access.get(session, caller, conversation_id)


def _shop_upload(session: Session, caller: Principal, shop_id: int) -> None:
    if caller.role.value != "seller" or shop_id not in caller.shop_ids:
        raise NotFound("file not found")


FILE_ACCESS[CHAT_IMAGE] = _conversation
FILE_ACCESS[CHAT_UPLOAD] = _shop_upload
